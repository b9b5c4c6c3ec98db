/**
 * The bench stage: one policy on the shared benchmark trace, in a child process (./bench-child.ts) run under plain node
 * with a single-threaded V8 GC (parallel GC threads make one trial use more than a core without making it faster,
 * which on a small machine is time taken from the trial beside it). `benchPolicy` caches it; `migflow bench` runs
 * one per policy into a folder of its own and compares them.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEntry } from '../../../contracts/index.js';
import { loadTaskConfig, simulatedRunFiles, taskFiles } from '../../bench/index.js';
import type { CachedStage, StageContext } from '../../cache/index.js';
import { bundledEntrySourceDigest, runChild } from '../../child/index.js';
import { checkpointRunName } from '../../control/index.js';
import type { BenchTrialArgs, BenchTrialInput, BenchTrialOutput } from './types.js';

export const BENCH_CHILD = fileURLToPath(new URL('./bench-child.ts', import.meta.url));
/** Node flags of every trial process (the activity's and `npm run bench:bench`'s alike). */
export const BENCH_CHILD_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
/**
 * Bump when the stage's own handling of a trial changes what is published. The trial's code (simulator,
 * policies, metrics) enters the key by its digest, so a change there misses the cache without a bump.
 */
const BENCH_CODE_VERSION = 'bench-3';

/** What the cache manifest keeps of a trial. */
export interface BenchTrialSummary {
  readonly totalRequests: number;
  readonly entry: BenchEntry;
  readonly flushSteps: number;
  readonly workload: string;
  /** What the trial wrote, relative to its output folder. */
  readonly files: readonly string[];
}

export type { BenchTrialArgs, BenchTrialInput, BenchTrialOutput } from './types.js';

export const benchStage: CachedStage<BenchTrialInput, BenchTrialSummary> = {
  name: 'bench',

  async request(t) {
    // Validates the configs up front and names every file the trial reads through them (the task's own bench
    // config and overlay, the GPU and model files, the token tables), as the trial loads them.
    const task = t.task ? loadTaskConfig(taskFiles([t.task])[0]!) : undefined;
    const simulationFiles = simulatedRunFiles(t.simulationConfig, {
      ...(task ? { task } : {}),
      tokenTables: !(t.syntheticTokens || t.trace),
    });
    return {
      stage: 'bench',
      codeVersion: `${BENCH_CODE_VERSION}+${await bundledEntrySourceDigest(BENCH_CHILD)}`,
      // The checkpoint and the trace enter by content (inputFiles), not by path.
      inputs: {
        policy: t.policy,
        // Output file names carry it, so the same weights under another run name are another entry.
        runName: t.checkpoint ? checkpointRunName(t.checkpoint) : null,
        steps: t.steps ?? null,
        seed: t.seed ?? null,
        syntheticTokens: t.syntheticTokens,
        traceAgents: t.trace
          ? { agent: t.trace.agent ?? null, agentByModel: t.trace.agentByModel ?? null }
          : null,
        figures: t.figures !== false,
        ...(t.task ? { task: true } : {}),
        ...(t.chromeTrace ? { chromeTrace: true } : {}),
        // Absent under `own`, so the reference rule's keys stay what they were.
        ...(t.start === 'common' ? { start: 'common' } : {}),
      },
      inputFiles: [
        ...simulationFiles,
        t.trainingConfig,
        t.benchConfig,
        ...(t.checkpoint ? [join(t.checkpoint, 'checkpoint.json'), join(t.checkpoint, 'tensors.bin')] : []),
        ...(t.trace ? [t.trace.file] : []),
      ],
    };
  },

  async run(t, outDir, ctx: StageContext = {}) {
    const out = await runChild<BenchTrialArgs, never, BenchTrialOutput>(
      BENCH_CHILD,
      { ...t, outDir },
      { ...ctx, what: 'bench trial', nodeFlags: BENCH_CHILD_NODE_FLAGS },
    );
    return {
      totalRequests: out.totalRequests,
      entry: out.entry,
      flushSteps: out.flushSteps,
      workload: out.workload,
      files: out.files.map((f) => relative(outDir, f)),
    };
  },
};
