/**
 * The deployment's metering ledger, `<outDir>/energy/`: when the set-up began, the set-up's energy, every window
 * attempt that was cut short and the teardown's energy — the phases that have no window file (a finished window
 * keeps its energy in `windows/w<k>.json`). `meteredPhases` lays them end to end as set-up, windows, teardown: a
 * retried attempt meters again from the reading the failed one started at, so only the last attempt of a window
 * counts, and a phase whose first reading is not the previous phase's last is reported as a gap or an overlap
 * instead of being summed quietly.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/index.js';
import type { MeteredPhase, WindowEnergy } from './deploy-energy.js';

const DIR = 'energy';
const START = 'start.json';

/** A boundary closer than this is the same reading (consecutive phases share it exactly). */
const SAME_READING_MS = 1;

/**
 * A new run's ledger; the set-up meters from `atMs`. An earlier run's ledger was moved to `previous/` by
 * claimRunFolder already; what is dropped here is only this run's own start, written again by a retried start.
 */
export function startLedger(outDir: string, atMs: number): void {
  rmSync(join(outDir, DIR), { recursive: true, force: true });
  mkdirSync(join(outDir, DIR), { recursive: true });
  writeFileAtomic(join(outDir, DIR, START), JSON.stringify({ atMs }));
}

function fileName(r: MeteredPhase): string {
  if (r.phase === 'teardown') return 'teardown.json';
  const w = `w${String(r.window ?? 0).padStart(4, '0')}`;
  return `${r.phase === 'set-up' ? 'setup' : w}.a${r.attempt ?? 1}${r.complete ? '' : '.partial'}.json`;
}

export function writePhaseRecord(outDir: string, record: MeteredPhase): void {
  mkdirSync(join(outDir, DIR), { recursive: true });
  writeFileAtomic(join(outDir, DIR, fileName(record)), JSON.stringify(record));
}

function readLedger(outDir: string): { startMs?: number; records: MeteredPhase[] } {
  let names: string[];
  try {
    names = readdirSync(join(outDir, DIR));
  } catch {
    return { records: [] };
  }
  const read = (n: string) => JSON.parse(readFileSync(join(outDir, DIR, n), 'utf8')) as unknown;
  const start = names.includes(START) ? (read(START) as { atMs?: number }).atMs : undefined;
  const records = names
    .filter((n) => n !== START && n.endsWith('.json'))
    .sort()
    .map((n) => read(n) as MeteredPhase);
  return { ...(start !== undefined ? { startMs: start } : {}), records };
}

/** The last power reading before the teardown (where it meters from), or when the set-up began. */
export function lastReadingMs(
  outDir: string,
  windows: readonly { energy?: WindowEnergy }[],
): number | undefined {
  const ledger = readLedger(outDir);
  const ends = [
    ledger.startMs,
    // A retried teardown meters again from where the run stood before the first try.
    ...ledger.records.filter((r) => r.phase !== 'teardown').map((r) => r.energy.toMs),
    ...windows.map((w) => w.energy?.toMs),
  ].filter((t): t is number => t !== undefined);
  return ends.length ? Math.max(...ends) : undefined;
}

const label = (p: MeteredPhase) => (p.phase === 'window' ? `window ${p.window}` : p.phase);

/**
 * The run's phases in order — set-up, the finished windows, the window cut short (if any), teardown — and notes on
 * what is missing or does not join up.
 */
export function meteredPhases(
  outDir: string,
  windows: readonly { window: number; attempt: number; energy?: WindowEnergy }[],
): { phases: MeteredPhase[]; notes: string[] } {
  const { records } = readLedger(outDir);
  const notes: string[] = [];
  const finished = [...windows].filter((w) => w.energy).sort((a, b) => a.window - b.window);
  const lastAttempt = (rs: MeteredPhase[]) =>
    rs.reduce<MeteredPhase | undefined>(
      (best, r) => (!best || (r.attempt ?? 1) > (best.attempt ?? 1) ? r : best),
      undefined,
    );

  // The set-up ends inside window 0's attempt that got past it: the one that finished, or else the last one.
  const w0 = finished.find((w) => w.window === 0);
  const tried0 = records.filter((r) => r.phase === 'set-up' || (r.phase === 'window' && r.window === 0));
  const attempt0 = w0 ? w0.attempt : lastAttempt(tried0)?.attempt;
  const setup = records.find((r) => r.phase === 'set-up' && r.attempt === attempt0);
  const phases: MeteredPhase[] = [];
  if (setup) phases.push(setup);
  else if (w0 || tried0.length)
    notes.push('the set-up before the first window has no power readings on record');
  for (const w of finished)
    phases.push({ phase: 'window', window: w.window, attempt: w.attempt, complete: true, energy: w.energy! });
  // A window cut short: its last attempt's readings (earlier attempts re-metered the same time).
  const next = finished.length ? finished.at(-1)!.window + 1 : 0;
  const cut = lastAttempt(records.filter((r) => r.phase === 'window' && r.window === next && !r.complete));
  if (cut && (next > 0 || cut.attempt === attempt0)) phases.push(cut);
  const teardown = records.find((r) => r.phase === 'teardown');
  if (teardown) phases.push(teardown);
  else notes.push('the teardown has no power readings on record');

  for (let i = 1; i < phases.length; i++) {
    const [a, b] = [phases[i - 1]!, phases[i]!];
    if (a.energy.toMs === undefined || b.energy.fromMs === undefined) continue;
    const gapMs = b.energy.fromMs - a.energy.toMs;
    if (gapMs > SAME_READING_MS)
      notes.push(`${(gapMs / 1000).toFixed(1)} s between ${label(a)} and ${label(b)} were not metered`);
    else if (gapMs < -SAME_READING_MS)
      notes.push(`${label(a)} and ${label(b)} overlap by ${(-gapMs / 1000).toFixed(1)} s (counted in both)`);
  }
  return { phases, notes };
}
