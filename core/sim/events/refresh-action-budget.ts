/** REFRESH_ACTION_BUDGET: 1800 s without an action restores the full budget (no partial refill). */
import type { Simulator } from '../simulator.js';

export function handleRefreshActionBudget(sim: Simulator): void {
  sim.clearRefreshHandle();
  sim.metrics.refreshBudget();
}
