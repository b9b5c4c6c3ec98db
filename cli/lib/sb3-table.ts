/**
 * `migflow train --verbose`: SB3's per-update table (`verbose=1`), from the run's own logs as the trainer writes
 * them (logs/updates.jsonl, logs/episodes.jsonl), through the same scalars TensorBoard gets, in SB3's layout:
 * groups (`rollout/`, `time/`, `train/`) with indented keys, values as `%.3g`, a dashed rule above and below.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeRecord, UpdateRecord } from '../../core/rl/index.js';
import { updateScalars } from '../../core/stages/train/index.js';

/** SB3's HumanOutputFormat value: integers as they are, other numbers like Python's `f"{v:<8.3g}"`. */
export function sb3Value(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e3)) {
    const [m, e] = v.toExponential(2).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const exp = Number(e);
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(3)));
}

/** One update's table: SB3's key/value box, groups in SB3's order (alphabetical), keys sorted within. */
export function sb3Table(scalars: readonly { tag: string; value: number }[]): string {
  const groups = new Map<string, [string, string][]>();
  for (const s of scalars) {
    if (!Number.isFinite(s.value)) continue;
    const [group, key] = s.tag.includes('/') ? (s.tag.split('/', 2) as [string, string]) : ['', s.tag];
    const rows = groups.get(group) ?? [];
    rows.push([key, sb3Value(s.value)]);
    groups.set(group, rows);
  }
  const lines: [string, string][] = [];
  for (const group of [...groups.keys()].sort()) {
    if (group) lines.push([`${group}/`, '']);
    for (const [k, v] of groups.get(group)!.sort((a, b) => a[0].localeCompare(b[0])))
      lines.push([group ? `    ${k}` : k, v]);
  }
  const kw = Math.max(...lines.map(([k]) => k.length));
  const vw = Math.max(...lines.map(([, v]) => v.length));
  const rule = '-'.repeat(kw + vw + 7);
  return [rule, ...lines.map(([k, v]) => `| ${k.padEnd(kw)} | ${v.padEnd(vw)} |`), rule].join('\n');
}

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line being written: the next look reads it whole.
    }
  }
  return out;
}

/**
 * Follows a run directory's logs and returns the table of every update not printed yet. Cheap when nothing
 * changed (one stat of updates.jsonl), so it can run on every progress report.
 */
export class UpdateTables {
  private printed: number | undefined;
  private size = -1;

  /** `resumedAt`: the step a resumed run starts from (the updates before it were printed by the run before). */
  constructor(
    private readonly runDir: string,
    private readonly resumedAt = 0,
  ) {}

  poll(): string[] {
    const file = join(this.runDir, 'logs', 'updates.jsonl');
    if (!existsSync(file)) return [];
    const size = statSync(file).size;
    if (size === this.size) return [];
    this.size = size;
    const updates = readJsonl<UpdateRecord>(file);
    this.printed ??= updates.filter((u) => u.steps <= this.resumedAt).length;
    if (updates.length <= this.printed) return [];
    const episodes = readJsonl<EpisodeRecord>(join(this.runDir, 'logs', 'episodes.jsonl'));
    const tables = updates.slice(this.printed).map((u) => sb3Table(updateScalars(u, episodes, updates)));
    this.printed = updates.length;
    return tables;
  }
}
