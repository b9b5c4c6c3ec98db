/**
 * Both fits of one profiling result as their own process, so the worker that asked for them keeps its event loop
 * free (rendering the figures of a full sweep takes seconds of CPU).
 *
 *   node --import tsx core/profiling/fit-process.ts '<json FitProcessArgs>'
 * (workers run the same module pre-bundled, without tsx: core/util/bundled-entry.ts)
 *
 * Writes the -param.json files and plots into `outDir` and prints one JSON line `{ prefill, tpot }` last, or
 * `{ error: { name, message, userFixable } }` so typed errors survive the process boundary.
 */
import { MigflowError } from '../errors.js';
import { startedAsEntry } from '../util/started-as-entry.js';
import { fitPrefillFile, fitTpotDir, type PrefillFitResult, type TpotFitResult } from './fit.js';

export interface FitProcessArgs {
  prefillFile: string;
  tpotDir: string;
  outDir: string;
  includeFailed: boolean;
}

export interface FitProcessResult {
  prefill: PrefillFitResult;
  tpot: TpotFitResult;
}

export async function fitBoth(a: FitProcessArgs): Promise<FitProcessResult> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const prefill = await fitPrefillFile(a.prefillFile, a.outDir, { includeFailed: a.includeFailed, log });
  const tpot = await fitTpotDir(a.tpotDir, a.outDir, { log });
  return { prefill, tpot };
}

if (startedAsEntry('fit-process')) {
  try {
    const result = await fitBoth(JSON.parse(process.argv[2] ?? '{}') as FitProcessArgs);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    const typed =
      err instanceof MigflowError
        ? { name: err.name, message: err.message, userFixable: err.userFixable }
        : { name: 'Error', message: String(err instanceof Error ? err.stack : err), userFixable: false };
    process.stdout.write(`${JSON.stringify({ error: typed })}\n`);
    process.exitCode = 1;
  }
}
