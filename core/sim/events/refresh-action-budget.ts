/** REFRESH_ACTION_BUDGET: 1800 s without an action restores the full budget (no partial refill). Schedules nothing. */
import type { SimState } from '../state.js';

export function handleRefreshActionBudget(state: SimState): void {
  state.metrics.refreshBudget();
}
