/**
 * ENGINE_BOOT_COMPLETE: the engine becomes ACTIVE. A split is done only when the last sibling owned by the
 * same agent has booted (siblings have different restart times); then the reconfiguration flag clears.
 * Schedules nothing: new arrivals find the engine.
 */
import { EngineStatus } from '../constants.js';
import type { BootEvent } from '../reconfig-plan.js';
import type { SimState } from '../state.js';

export function handleEngineBootComplete(state: SimState, boot: BootEvent): void {
  const engine = boot.engine;
  engine.status = EngineStatus.Active;
  state.metrics.countsDirty = true;
  if (engine.clockS < state.nowS) engine.clockS = state.nowS;
  if (boot.purpose === 'split' && boot.siblings !== null) {
    for (const s of boot.siblings) {
      if (s !== engine && s.alive && s.owner === engine.owner && s.status === EngineStatus.Booting) return;
    }
  }
  state.advanceEpisodes();
  state.metrics.reconfigFlag = false;
}
