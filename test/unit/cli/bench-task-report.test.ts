/**
 * `migflow bench --task …` (the real program, in process): each task's folder gets its own run report, named by
 * the task, with LinUCB's row and every policy's energy figures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerCommands } from '../../../cli/commands/index.js';
import type { RunReport } from '../../../core/report/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-bench-task-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `migflow bench …args` in process with its output muted; returns what it printed on stdout. */
async function migflowBench(args: readonly string[]): Promise<string> {
  const program = new Command('migflow').exitOverride();
  registerCommands(program);
  let stdout = '';
  const quiet = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    await program.parseAsync(['node', 'migflow', 'bench', ...args]);
  } finally {
    for (const s of quiet) s.mockRestore();
  }
  return stdout;
}

describe('migflow bench --task', () => {
  it('writes a run report per task with the task in its header, LinUCB and the energy columns', async () => {
    const out = join(tmp, 'out');
    await migflowBench([
      ...['--task', 'easy', 'hard', '--bl', 'heuristic', 'linucb', '--steps', '4'],
      ...['--synthetic-tokens', '--no-figures', '--out', out],
    ]);
    for (const task of ['easy', 'hard']) {
      const report = JSON.parse(readFileSync(join(out, task, 'report.json'), 'utf8')) as RunReport;
      expect(report.task).toBe(task);
      expect(report.title).toBe(`migflow bench ${join(out, task)} — task ${task}`);
      expect(report.bench!.policies.map((p) => [p.name, p.kind])).toEqual([
        ['heuristic', 'baseline'],
        ['linucb', 'baseline'],
      ]);
      for (const p of report.bench!.policies) expect(p.entry.energy?.totalJ).toBeGreaterThan(0);
      const html = readFileSync(join(out, task, 'report.html'), 'utf8');
      expect(html).toContain(`task <b id="task">${task}</b>`);
      expect(html).toContain('<th>EDP J·s</th>');
    }
  }, 120_000);

  it('passes --start through to every task: its results, comparison and report name the rule', async () => {
    const run = async (start: string[]) => {
      const out = join(tmp, `start-${start.join('') || 'default'}`);
      const text = await migflowBench([
        ...['--task', 'easy', '--bl', 'heuristic', 'static_split_extreme', '--steps', '4', ...start],
        ...['--synthetic-tokens', '--no-figures', '--out', out],
      ]);
      const json = (f: string) => JSON.parse(readFileSync(join(out, 'easy', f), 'utf8'));
      return {
        text,
        results: readdirSync(join(out, 'easy'))
          .filter((f) => /^results_.*\.json$/.test(f))
          .map((f) => json(f).start),
        comparison: (json('comparison.json') as { start?: string }[]).map((e) => e.start),
        report: (json('report.json') as RunReport).bench?.start,
      };
    };
    const common = await run(['--start', 'common']);
    expect(common.results).toEqual(['common', 'common']);
    expect(common.comparison).toEqual(['common', 'common']);
    expect(common.report).toBe('common');
    expect(common.text).toMatch(/\nStart rule: common — /);
    // Without --start the reference's rule, said as plainly.
    const own = await run([]);
    expect(own.results).toEqual(['own', 'own']);
    expect(own.report).toBe('own');
    expect(own.text).toMatch(/\nStart rule: own — /);
  }, 120_000);
});
