/**
 * Workflows for perf/orchestration.ts only: migflow's real workflows plus a probe that times activity round trips
 * as the workflow sees them (workflow time advances with each activation, so the difference spans scheduling the
 * activity, running it on the worker, and the next workflow task).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { DatasetStageInput } from '../contracts/index.js';
import type { Activities } from '../contracts/temporal/index.js';

export * from '../workflows/index.js';

export async function ActivityRoundTripProbe(
  input: DatasetStageInput,
  runs: number,
): Promise<{ roundTripMs: number[]; inActivityMs: number[] }> {
  const { prepareDataset } = proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 1 },
  });
  const roundTripMs: number[] = [];
  const inActivityMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const r = await prepareDataset(input);
    if (!r.hit) throw new Error('probe expects a cache hit');
    roundTripMs.push(Date.now() - t0);
    inActivityMs.push(r.durationMs);
  }
  return { roundTripMs, inActivityMs };
}
