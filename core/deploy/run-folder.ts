/**
 * A deployment's output folder holds one run's results at a time. The report reads every window file it finds, so a
 * second run with the same deployment id and folder would otherwise count the first run's windows as its own. When
 * a new run starts, `claimRunFolder` moves what an earlier run wrote into `previous/<its start time>/` — kept for
 * the user, the newest `keepPrevious` of them (deployment.yaml `keep_previous_runs`, default 5; older ones are
 * deleted, so reruns do not fill the disk) — and stamps the folder with the new run's key. A retried start of the
 * same run (same key) moves nothing, so the windows a crashed worker's run already finished stay counted, once.
 *
 * Only the files a run writes move: the folder may also hold things that are not results (`migflow deploy
 * --emulate` keeps the emulated GPUs' state file there). The move goes through `previous/.moving/`, one rename per
 * entry, so a start killed halfway loses nothing: the next start finishes the move into the same staging folder.
 * A run folder to delete is first renamed into `previous/.pruning/` (one rename), so every folder under previous/ is
 * a complete run at any instant; a start killed while deleting leaves the rest there, and the next start removes it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/index.js';

/** Everything a deploy run writes into its folder (windows, ledger, report, figures) and its stamp. */
export const RUN_OUTPUTS = [
  'run.json',
  'windows',
  'energy',
  'report.json',
  'report.txt',
  'actions.jsonl',
  'queue.png',
  'ttft.png',
] as const;

const STAMP = 'run.json';
const PREVIOUS = 'previous';
const STAGING = '.moving';
const PRUNING = '.pruning';
/** deployment.yaml `keep_previous_runs`'s default. */
export const DEFAULT_KEEP_PREVIOUS_RUNS = 5;

export interface RunStamp {
  runKey: string;
  startedAt: string;
  /** Where the earlier run's results were moved when this run started. */
  previous?: string;
}

function readStamp(file: string): RunStamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunStamp;
  } catch {
    return undefined;
  }
}

/** A folder name from an ISO time (no `:`, which some file systems and tools refuse). */
const folderTime = (iso: string) => iso.replace(/:/g, '-');

function freeName(dir: string, base: string): string {
  let name = base;
  for (let i = 2; existsSync(join(dir, name)); i++) name = `${base}-${i}`;
  return name;
}

/**
 * Deletes the oldest earlier runs under `previous/` beyond the newest `keep` (folder names are start times, with a
 * `-2`, `-3`… suffix for a clash, so their numeric order is their age). Each goes by one rename into `.pruning/`
 * first; what an earlier, killed prune left there goes too.
 */
function prunePrevious(previous: string, keep: number): void {
  if (!existsSync(previous)) return;
  const runs = readdirSync(previous)
    .filter((n) => !n.startsWith('.'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const doomed = runs.slice(0, Math.max(0, runs.length - keep));
  const pruning = join(previous, PRUNING);
  rmSync(pruning, { recursive: true, force: true });
  if (doomed.length === 0) return;
  mkdirSync(pruning);
  for (const n of doomed) renameSync(join(previous, n), join(pruning, n));
  rmSync(pruning, { recursive: true, force: true });
}

/**
 * Makes `outDir` the folder of run `runKey`, keeping the newest `keepPrevious` earlier runs under `previous/`.
 * Returns where an earlier run's results were moved (undefined when there were none, when this is a retried start
 * of the same run, or when none are kept).
 */
export function claimRunFolder(
  outDir: string,
  runKey: string,
  now = new Date(),
  keepPrevious = DEFAULT_KEEP_PREVIOUS_RUNS,
): string | undefined {
  mkdirSync(outDir, { recursive: true });
  if (readStamp(join(outDir, STAMP))?.runKey === runKey) return undefined;
  const staging = join(outDir, PREVIOUS, STAGING);
  const present = RUN_OUTPUTS.filter((n) => existsSync(join(outDir, n)));
  let movedTo: string | undefined;
  if (present.length > 0 || existsSync(staging)) {
    mkdirSync(staging, { recursive: true });
    for (const n of present) renameSync(join(outDir, n), join(staging, n));
    // Named after the run it holds (its stamp), or after now for a folder from before stamps existed.
    const held = readStamp(join(staging, STAMP));
    const previous = join(outDir, PREVIOUS);
    movedTo = join(previous, freeName(previous, folderTime(held?.startedAt ?? now.toISOString())));
    renameSync(staging, movedTo);
  }
  prunePrevious(join(outDir, PREVIOUS), keepPrevious);
  if (movedTo && !existsSync(movedTo)) movedTo = undefined;
  const stamp: RunStamp = { runKey, startedAt: now.toISOString(), ...(movedTo ? { previous: movedTo } : {}) };
  writeFileAtomic(join(outDir, STAMP), JSON.stringify(stamp));
  return movedTo;
}

/** The run stamp of `outDir` (which run the folder belongs to, and where the one before it went). */
export function runStamp(outDir: string): RunStamp | undefined {
  return readStamp(join(outDir, STAMP));
}
