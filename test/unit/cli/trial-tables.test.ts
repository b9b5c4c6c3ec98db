/** The CLI's and the search's trial tables star the trial rankTrials picks and name the column that ranked it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineReport } from '../../../cli/lib/pipeline-workflow.js';
import { gridResultTable } from '../../../cli/lib/train-workflows.js';
import type { GridSearchResult, SearchTrial } from '../../../contracts/index.js';
import { searchTable } from '../../../workflows/search.js';
import { pipelineResultFixture } from '../../fixtures/report/pipeline-result.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-trial-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The line of `text` that names `key`. */
const lineOf = (text: string, key: string) => text.split('\n').find((l) => l.includes(key)) ?? '';

describe('trial tables', () => {
  it('migflow run grid: the evaluation ranks when every completed trial has one', () => {
    const trial = (i: number, meanEpisodeReward: number, evalReward?: number) => ({
      trialKey: `t-${i}`,
      index: i,
      params: { 'x.y': i },
      status: 'completed' as const,
      workflowId: `g/train/t-${i}`,
      meanEpisodeReward,
      ...(evalReward !== undefined ? { evalReward } : {}),
    });
    const result = (trials: GridSearchResult['trials']): GridSearchResult => ({
      total: trials.length,
      completed: trials.length,
      failed: 0,
      running: 0,
      trials,
      runId: 'r',
      table: '',
    });
    const evaluated = gridResultTable(result([trial(0, 9, -1), trial(1, -9, 3)]));
    expect(evaluated.split('\n')[0]).toMatch(/train reward +eval reward \(★ ranks\)/);
    expect(lineOf(evaluated, 't-1')).toMatch(/^\* y=1/);
    expect(lineOf(evaluated, 't-0')).not.toMatch(/^\*/);
    const mixed = gridResultTable(result([trial(0, 9, -1), trial(1, -9)]));
    expect(mixed.split('\n')[0]).toMatch(/train reward \(★ ranks\) +eval reward/);
    expect(lineOf(mixed, 't-0')).toMatch(/^\* y=0/);
    // Nothing silent: the table says why the evaluation did not rank, and which trial lacks it.
    expect(mixed).toMatch(
      /Ranked by training reward: 1 of 2 completed trials have no held-out evaluation reward \(t-1\).*training\.evaluation/,
    );
    expect(evaluated).not.toContain('Ranked by');
    expect(gridResultTable(result([trial(0, 9), trial(1, -9)]))).not.toContain('Ranked by');
  });

  it('npm start’s summary: the grid section names the ranking column', () => {
    const result = pipelineResultFixture(tmp);
    expect(pipelineReport(result)).toMatch(/train reward \(★ ranks\)/);
    expect(pipelineReport(result)).not.toContain('Ranked by');
    result.train!.trials[0]!.evalReward = 4;
    expect(pipelineReport(result)).toMatch(
      new RegExp(
        `Ranked by training reward: \\d+ of \\d+ completed trials have no held-out evaluation reward \\(${result.train!.trials[1]!.trialKey}`,
      ),
    );
    result.train!.trials[1]!.evalReward = 2;
    const text = pipelineReport(result);
    expect(text).toMatch(/train reward +eval reward \(★ ranks\)/);
    expect(lineOf(text, result.train!.trials[0]!.trialKey)).toMatch(/^\* /);
    expect(lineOf(text, result.train!.trials[1]!.trialKey)).not.toMatch(/^\* /);
    expect(text).not.toContain('Ranked by');
  });

  it('a search: completed trials ranked by evaluation when all have it, pruned ones never starred', () => {
    const trial = (
      i: number,
      status: SearchTrial['status'],
      value: number,
      evalReward?: number,
    ): SearchTrial => ({
      trialKey: `s-${i}`,
      index: i,
      params: {},
      status,
      curve: [],
      rungs: {},
      value,
      ...(evalReward !== undefined ? { evalReward } : {}),
    });
    const table = searchTable([
      trial(0, 'completed', 5, 1),
      trial(1, 'completed', 1, 6),
      trial(2, 'pruned', 99),
    ]);
    expect(table.split('\n')[0]).toContain('| train reward | eval reward (★ ranks) |');
    expect(table).toContain('| ★ s-1 |');
    expect(table).not.toContain('★ s-0');
    expect(table).not.toContain('★ s-2');
    expect(table).not.toContain('Ranked by');
    // A completed trial without an evaluation: the training reward ranks, and the table says why.
    const mixed = searchTable([
      trial(0, 'completed', 5, 1),
      trial(1, 'completed', 1),
      trial(2, 'pruned', 99),
    ]);
    expect(mixed.split('\n')[0]).toContain('| train reward (★ ranks) | eval reward |');
    expect(mixed).toMatch(
      /\n\nRanked by training reward: 1 of 2 completed trials have no held-out evaluation reward \(s-1\)/,
    );
  });
});
