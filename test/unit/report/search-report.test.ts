/** A search study's run report: every trial with its values and status (pruned ones where they stopped), the best. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SearchPlan, SearchTrial } from '../../../contracts/index.js';
import { type RunReport, searchRunReport, writeRunReport } from '../../../core/report/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-search-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const plan: SearchPlan = {
  space: { 'training.ppo.learning_rate': { kind: 'float', low: 1e-4, high: 1e-2, log: true } },
  sampler: 'tpe',
  nStartupTrials: 2,
  samplerSeed: 0,
  trials: 5,
  wallTimeS: null,
  pruner: { kind: 'asha', minSteps: 1024, reductionFactor: 2 },
  maxSteps: 4096,
  spaceHash: 'abc',
  studyFile: join(tmp, 'search', 'lr-study', 'study.json'),
};

const trial = (
  index: number,
  status: SearchTrial['status'],
  value: number | null,
  extra = {},
): SearchTrial => ({
  trialKey: `t-${index}`,
  index,
  params: { 'training.ppo.learning_rate': 10 ** -(index + 2) },
  status,
  gpu: index % 2,
  curve:
    value === null
      ? []
      : [
          [1024, value - 1],
          [2048, value],
        ],
  rungs: value === null ? {} : { '1024': value - 1 },
  value,
  ...extra,
});

describe('search run report', () => {
  const trials = [
    trial(1, 'completed', 12, { steps: 4096, bestCheckpoint: '/x/t-1/checkpoints/rl_model_4096_steps' }),
    trial(0, 'completed', 20, { steps: 4096 }),
    trial(2, 'pruned', 3, { steps: 2048 }),
    trial(3, 'failed', null, { error: 'boom' }),
    trial(4, 'running', 5),
  ];
  const report = searchRunReport(plan, trials, { generatedAt: new Date('2026-12-06T16:00:00Z') });

  it('lists every trial in index order with its status and value, and marks the best completed one', () => {
    expect(report.kind).toBe('search');
    expect(report.search).toMatchObject({ study: 'lr-study', sampler: 'tpe', maxSteps: 4096, budget: 5 });
    expect(report.trials!.map((t) => [t.trialKey, t.status, t.meanEpisodeReward, t.best])).toEqual([
      ['t-0', 'completed', 20, true],
      ['t-1', 'completed', 12, false],
      ['t-2', 'pruned', 3, false],
      ['t-3', 'failed', null, false],
      ['t-4', 'running', 5, false],
    ]);
    expect(report.trials![2]).toMatchObject({ steps: 2048, rungs: { '1024': 2 } });
    expect(report.trials![0]!.curve).toEqual([
      { steps: 1024, meanReward: 19 },
      { steps: 2048, meanReward: 20 },
    ]);
    const text = report.headline.join('\n');
    expect(text).toContain('Best trial by training reward: learning_rate=0.01');
    expect(text).toContain(
      '5 of 5 trials (tpe sampler, ASHA (η=2, first rung at 1024 steps), 4096 steps each): 2 completed, 1 pruned, 1 failed, 1 running or pending.',
    );
  });

  it('is written whole into the study folder: report.json round-trips, report.html shows pruned trials', () => {
    const dir = join(tmp, 'search', 'lr-study');
    const files = writeRunReport(dir, report);
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'report.json']);
    expect(JSON.parse(readFileSync(files.json, 'utf8')) as RunReport).toEqual(report);
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('<h2>Search study lr-study: 5 trials</h2>');
    expect(html).toContain('<td class="st-pruned">pruned at 2048 steps</td>');
    expect(html).toContain('<td class="best">★ learning_rate=0.01</td>');
  });
});
