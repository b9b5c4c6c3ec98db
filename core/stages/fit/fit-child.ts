/**
 * Both fits of one profiling result as their own process (core/child), so the worker that asked for them keeps its
 * event loop free (rendering the figures of a full sweep takes seconds of CPU). Writes the -param.json files and
 * plots into `outDir`; the fits' log lines go to stderr.
 *
 *   node --import tsx core/stages/fit/fit-child.ts '<json FitChildArgs>'   (workers run its bundle)
 */
import { childMain } from '../../child/index.js';
import {
  fitPrefillFile,
  fitTpotDir,
  type PrefillFitResult,
  type TpotFitResult,
} from '../../profiling/index.js';
import type { FitInput } from './index.js';

export type FitChildArgs = FitInput & { readonly outDir: string };

export interface FitChildResult {
  readonly prefill: PrefillFitResult;
  readonly tpot: TpotFitResult;
}

export async function fitBoth(a: FitChildArgs): Promise<FitChildResult> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const prefill = await fitPrefillFile(a.prefillFile, a.outDir, { includeFailed: a.includeFailed, log });
  const tpot = await fitTpotDir(a.tpotDir, a.outDir, { log });
  return { prefill, tpot };
}

childMain('fit-child', fitBoth);
