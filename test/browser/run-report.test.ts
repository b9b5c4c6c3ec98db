/**
 * The run report in Debian's Chromium, opened from disk as a user would (file://): it renders the answer, the
 * trials with the best marked, the bench comparison table with its reward column and the charts, with no console
 * error, no failed request and every image loaded. Screenshots are kept under test-results/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchEntry } from '../../contracts/index.js';
import { taskScores } from '../../core/bench/index.js';
import {
  benchRunReport,
  pipelineRunReport,
  suiteRunReport,
  writeRunReport,
} from '../../core/report/index.js';
import { pipelineResultFixture } from '../fixtures/report/pipeline-result.js';
import { useChromium } from '../helpers/chromium.js';
import { openReport } from '../helpers/report-page.js';

const browser = useChromium();
const tmp = mkdtempSync(join(tmpdir(), 'migflow-report-browser-'));

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('run report in Chromium', () => {
  it('renders the answer, the trials, the bench table with its reward column and the charts', async () => {
    const result = pipelineResultFixture(tmp);
    const files = writeRunReport(
      join(tmp, 'pipeline', 'report-fixture'),
      pipelineRunReport(result, { workflowId: 'pipeline/report-fixture' }),
    );
    const { page, problems, brokenImages } = await openReport(browser(), files.html, 'run-report.png');
    expect(problems).toEqual([]);
    expect(brokenImages).toEqual([]);
    await expect(page.locator('#answer li').first().textContent()).resolves.toContain(
      'Best trial by training reward: affinity_bonus_weight=0.2',
    );
    expect(await page.locator('table.trials td.best').textContent()).toBe('★ affinity_bonus_weight=0.2');
    const headers = await page.locator('table.bench th').allTextContents();
    expect(headers.slice(0, 3)).toEqual(['policy', 'reward', 'agent']);
    // One row per (policy, agent); the reward and energy cells span a policy's agents.
    expect(await page.locator('table.bench tbody tr').count()).toBe(10);
    expect(headers.slice(-3)).toEqual(['energy kJ', 'EDP J·s', 'agent kJ']);
    const linucb = await page.locator('table.bench tbody tr').nth(8).locator('td').allTextContents();
    expect(linucb.slice(0, 3)).toEqual(['linucb', '-50.000', 'CodingAgent']);
    expect(linucb.slice(-3)).toEqual(['460.650', '2990000', '56.000']);
    // The task in the header, the validation with its thresholds and its verdict.
    expect(await page.locator('#task').textContent()).toBe('hard');
    expect(await page.locator('#validation h2').textContent()).toBe('Simulator vs engine: FAIL');
    expect(await page.locator('table.validation tbody tr').count()).toBe(14);
    const failed = await page.locator('table.validation td.fail').allTextContents();
    expect(failed).toEqual(['RAGAgent', 'FAIL']);
    const firstRow = await page.locator('table.bench tbody tr').first().locator('td').allTextContents();
    expect(firstRow.slice(0, 3)).toEqual([
      'rl: affinity_bonus_weight=0.1rl:t-aaaa1111-rl_model_1536_steps',
      '30.000',
      'CodingAgent',
    ]);
    expect(firstRow.slice(-3)).toEqual(['440.450', '1980000', '54.000']);
    // The charts are drawn: the learning curves (two lines) and a bar per policy in each bar chart.
    expect(await page.locator('#trials svg path').count()).toBe(2);
    const bars = await page.locator('#bench svg.bar').count();
    expect(bars).toBeGreaterThanOrEqual(8);
    const box = await page.locator('#trials svg').boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    await page.close();
  });

  it('renders a bench-only report (migflow bench)', async () => {
    const result = pipelineResultFixture(join(tmp, 'bench-only'));
    const files = writeRunReport(
      join(tmp, 'bench-only', 'out'),
      benchRunReport('bench artifacts/bench', result.bench!.results, 2000),
    );
    const { page, problems } = await openReport(browser(), files.html, 'bench-report.png');
    expect(problems).toEqual([]);
    expect(await page.locator('table.bench tbody tr').count()).toBe(10);
    expect(await page.locator('#trials').count()).toBe(0);
    expect(await page.locator('#validation').count()).toBe(0);
    await page.close();
  });

  it('renders a task-suite report (migflow bench --task all): the score matrix and one table per task', async () => {
    const entry = (policy: string, reward: number, ttft: number[], p99: number) =>
      ({
        policy,
        reward: { total: reward },
        agents: ['CodingAgent', 'RAGAgent'].map((agent, i) => ({
          agent,
          meanTtftS: ttft[i],
          ttftPercentilesS: [0, 0, 0, p99],
        })),
      }) as unknown as BenchEntry;
    const tasks = ['easy', 'hard'].map((task, k) =>
      taskScores(task, `${task} traffic`, [
        entry('heuristic', 10 - 100 * k, [5, 6], 30),
        entry('qas', 20 - 50 * k, [4 - 3 * k, 5], 25),
        entry('static_split_extreme', 40 - 200 * k, [1 + 99 * k, 2 + 99 * k], 10 + 900 * k),
      ]),
    );
    const files = writeRunReport(join(tmp, 'suite'), suiteRunReport('bench suite', tasks));
    const { page, problems } = await openReport(browser(), files.html, 'suite-report.png');
    expect(problems).toEqual([]);
    expect(await page.locator('table.suite th').allTextContents()).toEqual(['policy', 'easy', 'hard']);
    const qas = await page.locator('table.suite tbody tr').nth(1).locator('td').allTextContents();
    expect(qas).toEqual(['qas', '0.33 / 0.25', '1.00 / 1.00']);
    expect(await page.locator('table.suite-task').count()).toBe(2);
    // Highlighted on hard: the adaptive policies with a lower mean TTFT than the static layout for both agents.
    expect(await page.locator('#task-hard + p + table td.best').allTextContents()).toEqual([
      'heuristic',
      'qas',
    ]);
    expect(await page.locator('#task-easy + p + table td.best').count()).toBe(0);
    await page.close();
  });
});
