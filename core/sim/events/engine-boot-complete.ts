/**
 * ENGINE_BOOT_COMPLETE: the engine becomes ACTIVE. A split is done only when the last sibling owned by the
 * same agent has booted (siblings have different restart times); then the reconfiguration flag clears.
 */
import { EngineStatus } from '../constants.js';
import type { BootEvent } from '../reconfig-plan.js';
import type { Simulator } from '../simulator.js';

export function handleEngineBootComplete(sim: Simulator, boot: BootEvent): void {
  const engine = boot.engine;
  engine.status = EngineStatus.Active;
  if (engine.clockS < sim.nowS) engine.clockS = sim.nowS;
  if (boot.purpose === 'split' && boot.siblings !== null) {
    for (const s of boot.siblings) {
      if (s !== engine && s.alive && s.owner === engine.owner && s.status === EngineStatus.Booting) return;
    }
  }
  sim.advanceEpisodes();
  sim.metrics.reconfigFlag = false;
}
