/**
 * restart_time as the simulator means it: how long a slice serves nothing while its engine is replaced —
 * stop and remove the running container (down), create and start a new one (up), until /health answers 200.
 * The reference timed `launch_vllm.sh down` + `up` by hand, and `up -d` returns before the model is served,
 * so migflow times all three steps itself (spec §6.2).
 */
import { performance } from 'node:perf_hooks';
import type { EngineContainers, EngineSpec, RunningEngine } from '../engines/index.js';

export interface RestartTiming {
  restartTimeS: number;
  downS: number;
  /** Container start until /health = 200. */
  upS: number;
  /** The new engine (still running: the caller profiles it or removes it). */
  engine: RunningEngine;
}

export async function measureRestartTime(
  engines: EngineContainers,
  running: RunningEngine,
  opts: { healthTimeoutMs?: number; signal?: AbortSignal; spec?: EngineSpec } = {},
): Promise<RestartTiming> {
  const t0 = performance.now();
  await engines.remove(running.name);
  const t1 = performance.now();
  const engine = await engines.start(opts.spec ?? running.spec, {
    healthTimeoutMs: opts.healthTimeoutMs,
    signal: opts.signal,
    pollMs: 50,
  });
  const t2 = performance.now();
  return { restartTimeS: (t2 - t0) / 1000, downS: (t1 - t0) / 1000, upS: (t2 - t1) / 1000, engine };
}
