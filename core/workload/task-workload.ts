/**
 * A task of the suite (configs/tasks/*.yaml) as the environment's workload, so training can draw its episodes from
 * the traffic a task benchmarks: the task's patterns and phase cycle through the reference's generator, or its
 * bursty model. Like the training workload, every batch is seeded with 64 bits drawn from the env's own stream, so
 * each episode sees a fresh trace of the task while a run stays reproducible from its seed.
 */
import type { ResolvedBenchConfig, TaskWorkloadSpec } from '../config/index.js';
import type { AgentName } from '../mig/index.js';
import type { ArrivalColumns } from '../sim/index.js';
import { toArrivalColumns } from './arrival-specs.js';
import { burstyBatch } from './bursty-arrivals.js';
import { benchPatternRanges } from './pattern-ranges.js';
import { RequestLoader } from './request-loader.js';
import type { WorkloadSource } from './source.js';
import type { TrainingWorkloadRng } from './training-workload.js';

export interface TaskWorkloadOptions {
  readonly task: { readonly bench: ResolvedBenchConfig; readonly workload: TaskWorkloadSpec };
  /** Agent names in the simulator's (enum) order. */
  readonly agents: readonly AgentName[];
  readonly itemCounts: readonly number[];
  /** The env's stream (reseeded per batch by the pattern generator, as in training). */
  readonly rng: TrainingWorkloadRng;
  /** Decisions one batch covers (the episode length). */
  readonly numSteps: number;
  readonly actionIntervalS: number;
}

export function taskWorkload(o: TaskWorkloadOptions): WorkloadSource {
  const { bench, workload } = o.task;
  if (workload.kind === 'bursty') {
    return {
      generate(agent, startS, turn): ArrivalColumns {
        return toArrivalColumns(
          burstyBatch({
            spec: workload.spec,
            agent: o.agents[agent]!,
            agentIndex: agent,
            itemCount: o.itemCounts[agent] ?? 0,
            startS,
            endS: startS + o.numSteps * o.actionIntervalS,
            seed: o.rng.getrandbitsBig(64),
            turn,
          }),
        );
      },
    };
  }
  const loader = new RequestLoader({
    agents: o.agents,
    itemCounts: o.itemCounts,
    numSteps: o.numSteps,
    actionIntervalS: o.actionIntervalS,
    ranges: benchPatternRanges(bench),
    rng: o.rng,
    entropy: () => o.rng.getrandbitsBig(64),
    ...(bench.workloadSequence ? { workloadSequence: bench.workloadSequence } : {}),
    file: bench.file,
  });
  return { generate: (agent, startS, turn) => toArrivalColumns(loader.generate(agent, startS, turn)) };
}
