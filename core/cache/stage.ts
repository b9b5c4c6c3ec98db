/**
 * The shape of a cached stage (core/stages/*): what the cache keys on, and how the stage fills an output folder.
 * An activity is then `cache.run(await stage.request(input), (outDir) => stage.run(input, outDir, ctx))`, and a
 * local command calls the same `run` with a folder of its own.
 */
import type { StageRequest } from './stage-cache.js';

/** What a stage's `run` gets besides its input: cancellation, progress, and its children's environment. */
export interface StageContext<P = never> {
  readonly signal?: AbortSignal;
  /** Progress, as often as the stage reports it (a few times a second at most). */
  readonly progress?: (p: P) => void;
  /** Called every few seconds while the stage works, whatever it reports (keeps a Temporal activity alive). */
  readonly heartbeat?: () => void;
  readonly log?: (line: string) => void;
  /** Added to the environment of the stage's child processes (CUDA_VISIBLE_DEVICES on a GPU worker). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A stage whose `run` needs more than the common context (e.g. profiling's Docker client) names it as `C`. */
export interface CachedStage<I, S, P = never, C extends StageContext<P> = StageContext<P>> {
  /** Also the folder under the cache root. */
  readonly name: string;
  /** What the cache keys on: the code version (with the digest of the code a child runs), inputs, input files. */
  request(input: I): Promise<StageRequest>;
  /** Fills `outDir` and returns the summary the cache manifest keeps. */
  run(input: I, outDir: string, ctx: C): Promise<S>;
}
