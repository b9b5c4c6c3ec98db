/**
 * `migflow bench --task …` (the real program, in process): each task's folder gets its own run report, named by
 * the task, with LinUCB's row and every policy's energy figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerCommands } from '../../../cli/commands/index.js';
import type { RunReport } from '../../../core/report/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-bench-task-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('migflow bench --task', () => {
  it('writes a run report per task with the task in its header, LinUCB and the energy columns', async () => {
    const out = join(tmp, 'out');
    const program = new Command('migflow').exitOverride();
    registerCommands(program);
    const quiet = [
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
    ];
    try {
      await program.parseAsync([
        'node',
        'migflow',
        'bench',
        ...['--task', 'easy', 'hard', '--bl', 'heuristic', 'linucb', '--steps', '4'],
        ...['--synthetic-tokens', '--no-figures', '--out', out],
      ]);
    } finally {
      for (const s of quiet) s.mockRestore();
    }
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
});
