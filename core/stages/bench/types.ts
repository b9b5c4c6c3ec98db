/** The bench stage's input, and what its child process (./bench-child.ts) is given and returns. */
import type { BenchEntry } from '../../../contracts/index.js';
import type { BenchFiles } from '../../bench/index.js';

/** One trial (paths absolute, or relative to the working directory): a baseline by name, or `rl` with a checkpoint. */
export interface BenchTrialInput extends BenchFiles {
  readonly policy: string;
  /** RL checkpoint directory (when `policy` is `rl`). */
  readonly checkpoint?: string;
  /** Also draw figs/<run_name>/{split,merge,transfer}.png (default true). */
  readonly figures?: boolean;
  /** A task of the suite by name (easy, medium, hard) or a task .yaml: its workload and bench settings replace the bench config's. */
  readonly task?: string;
  /** Also write trace_<run_name>.json, the trial as a Chrome trace (chrome://tracing, Perfetto). */
  readonly chromeTrace?: boolean;
}

export type BenchTrialArgs = BenchTrialInput & { readonly outDir: string };

export interface BenchTrialOutput {
  readonly totalRequests: number;
  readonly entry: BenchEntry;
  /** Decisions run after the last one until no work was left. */
  readonly flushSteps: number;
  /** Where the arrivals came from: `seed 77`, or `trace FILE (burstgpt)`. */
  readonly workload: string;
  readonly files: string[];
}
