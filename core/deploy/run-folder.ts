/**
 * A deployment's output folder holds one run's results at a time. The report reads every window file it finds, so a
 * second run with the same deployment id and folder would otherwise count the first run's windows as its own. When
 * a new run starts, `claimRunFolder` moves what an earlier run wrote into `previous/<its start time>/` — kept for
 * the user, never deleted — and stamps the folder with the new run's key. A retried start of the same run (same
 * key) moves nothing, so the windows a crashed worker's run already finished stay counted, once.
 *
 * Only the files a run writes move: the folder may also hold things that are not results (`migflow deploy
 * --emulate` keeps the emulated GPUs' state file there). The move goes through `previous/.moving/`, one rename per
 * entry, so a start killed halfway loses nothing: the next start finishes the move into the same staging folder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
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
 * Makes `outDir` the folder of run `runKey`. Returns where an earlier run's results were moved (undefined when
 * there were none, or when this is a retried start of the same run).
 */
export function claimRunFolder(outDir: string, runKey: string, now = new Date()): string | undefined {
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
  const stamp: RunStamp = { runKey, startedAt: now.toISOString(), ...(movedTo ? { previous: movedTo } : {}) };
  writeFileAtomic(join(outDir, STAMP), JSON.stringify(stamp));
  return movedTo;
}

/** The run stamp of `outDir` (which run the folder belongs to, and where the one before it went). */
export function runStamp(outDir: string): RunStamp | undefined {
  return readStamp(join(outDir, STAMP));
}
