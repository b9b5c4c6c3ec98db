/** The fit stage's input, and what its child process (./fit-child.ts) is given and returns. */
import type { PrefillFitResult, TpotFitResult } from '../../profiling/index.js';

/** One profiling result's bench JSONs (paths absolute, or relative to the working directory). */
export interface FitInput {
  readonly prefillFile: string;
  readonly tpotDir: string;
  /** Fit failed prefill requests too, as the reference does. */
  readonly includeFailed: boolean;
}

export type FitChildArgs = FitInput & { readonly outDir: string };

export interface FitChildResult {
  readonly prefill: PrefillFitResult;
  readonly tpot: TpotFitResult;
}
