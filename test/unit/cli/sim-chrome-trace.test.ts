/**
 * `migflow sim run --chrome-trace`: the episode's trace is valid Trace Event Format JSON (checked field by field
 * against the format's rules: phases, timestamps, balanced and nested async slices, counters, metadata) with the
 * expected tracks and events, and recording it changes nothing in the simulation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimEpisode } from '../../../cli/commands/sim-run.js';
import { loadBenchSetup, prepareBench, runTrial } from '../../../core/bench/index.js';
import { qas } from '../../../core/control/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { ChromeTraceRecorder, type TraceEvent } from '../../../core/sim/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-chrome-trace-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = {
  config: join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'),
  trainingConfig: join(PROJECT_ROOT, 'configs', 'training_config.yaml'),
  policy: 'random' as const,
  seed: 4,
  steps: 40,
  syntheticTokens: true,
};

/** The Trace Event Format's rules for the phases migflow writes; returns the problems found. */
function formatProblems(events: readonly TraceEvent[]): string[] {
  const problems: string[] = [];
  const open = new Map<string, string[]>();
  events.forEach((e, i) => {
    const where = `event ${i} (${e.ph} ${e.name})`;
    if (typeof e.name !== 'string' || e.name === '') problems.push(`${where}: no name`);
    if (!Number.isInteger(e.pid)) problems.push(`${where}: pid not an integer`);
    if (!['X', 'b', 'e', 'i', 'C', 'M'].includes(e.ph)) problems.push(`${where}: unknown phase`);
    if (e.ph === 'M') {
      if (!['process_name', 'thread_name'].includes(e.name) || typeof e.args?.name !== 'string')
        problems.push(`${where}: metadata without a name`);
      return;
    }
    if (!(typeof e.ts === 'number' && Number.isInteger(e.ts) && e.ts >= 0)) problems.push(`${where}: bad ts`);
    if (e.ph === 'X' && !(typeof e.dur === 'number' && e.dur >= 0)) problems.push(`${where}: bad dur`);
    if (e.ph === 'C' && !Object.values(e.args ?? {}).every((v) => typeof v === 'number'))
      problems.push(`${where}: counter values must be numbers`);
    if (e.ph === 'b' || e.ph === 'e') {
      if (!e.cat || !e.id) problems.push(`${where}: async event needs cat and id`);
      const key = `${e.cat}/${e.id}`;
      const stack = open.get(key) ?? [];
      if (e.ph === 'b') stack.push(e.name);
      else if (stack.pop() !== e.name)
        problems.push(`${where}: ends a slice that is not the innermost open one`);
      open.set(key, stack);
    }
  });
  for (const [key, stack] of open)
    if (stack.length > 0) problems.push(`${key}: ${stack.join(', ')} never ended`);
  return problems;
}

describe('sim run --chrome-trace', () => {
  it('writes a valid trace with engine, agent and decision tracks, and changes nothing in the episode', () => {
    const file = join(tmp, 'episode.json');
    const plain = runSimEpisode(base);
    const traced = runSimEpisode({ ...base, chromeTrace: file });
    expect(traced).toEqual(plain);

    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      traceEvents: TraceEvent[];
      displayTimeUnit: string;
    };
    expect(doc.displayTimeUnit).toBe('ms');
    const ev = doc.traceEvents;
    expect(formatProblems(ev)).toEqual([]);

    const names = (ph: string, name: string) => ev.filter((e) => e.ph === ph && e.name === name);
    const processNames = names('M', 'process_name').map((e) => e.args?.name);
    expect(processNames).toEqual(expect.arrayContaining(['decisions', 'CodingAgent', 'RAGAgent']));
    expect(processNames.some((n) => /^GPU 0 \(/.test(String(n)))).toBe(true);
    // One decision instant per trigger: the one reset runs to, then one per step of the episode.
    expect(names('i', 'decision')).toHaveLength(plain.steps + 1);
    // Every completed request: one request slice with a prefill and a decode inside, on an engine's thread.
    const requests = names('b', 'request');
    expect(requests.length).toBeGreaterThan(0);
    expect(names('b', 'prefill').length).toBe(requests.length);
    expect(names('b', 'decode').length).toBe(requests.length);
    const threads = new Set(names('M', 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const r of requests) expect(threads.has(`${r.pid}/${r.tid}`)).toBe(true);
    // A waiting-queue counter per agent, never negative.
    const counters = ev.filter((e) => e.ph === 'C');
    expect(new Set(counters.map((e) => e.pid)).size).toBe(2);
    expect(counters.every((e) => (e.args?.waiting as number) >= 0)).toBe(true);
    // The random policy reconfigures: downtime slices, and the engines' boots and shutdowns.
    expect(plain.actionsTaken).toBeGreaterThan(0);
    expect(ev.filter((e) => e.ph === 'X').length).toBeGreaterThan(0);
    expect(names('i', 'boot complete').length).toBeGreaterThan(0);
  }, 60_000);

  it('a bench trial records the same trace format and the same numbers as without it', () => {
    const setup = loadBenchSetup({
      simulationConfig: base.config,
      trainingConfig: base.trainingConfig,
      benchConfig: join(PROJECT_ROOT, 'configs', 'bench_config.yaml'),
      syntheticTokens: true,
      steps: 20,
    });
    const prepared = prepareBench(setup);
    const recorder = new ChromeTraceRecorder();
    const traced = runTrial(prepared, qas, { chromeTrace: recorder });
    expect(traced).toEqual(runTrial(prepared, qas));
    const ev = recorder.toJson().traceEvents;
    expect(formatProblems(ev)).toEqual([]);
    expect(ev.filter((e) => e.ph === 'b' && e.name === 'request').length).toBeGreaterThan(0);
    expect(ev.filter((e) => e.ph === 'i' && e.name === 'decision').length).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
