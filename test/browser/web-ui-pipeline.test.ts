/**
 * A whole (tiny) pipeline run reads as a story in Temporal's real Web UI, rendered by Debian's Chromium: the pipeline
 * page lists its stage children with summaries that say what they do to what, a training trial's activity says which
 * trial on which GPU, the workflow's current details show the finished stages, and the list view finds every workflow
 * of the run by MigflowRunId and the trials by MigflowStage. Screenshots are kept under test-results/.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ResultPromise } from 'execa';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineWorkers, startPipelineWorkers } from '../../cli/lib/pipeline-workers.js';
import { type PipelineResult, paramsSummary } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { freePort } from '../../core/util/free-port.js';
import { ensureTemporalCli } from '../../tools/temporal-cli.js';
import { useChromium } from '../helpers/chromium.js';
import { launchDevServer } from '../helpers/launch-dev-server.js';
import { tinyPipelineInput } from '../helpers/pipeline.js';
import { openReport } from '../helpers/report-page.js';
import { privateGpuIndex } from '../helpers/train.js';

const SHOTS = join(PROJECT_ROOT, 'test-results');
let server: ResultPromise;
let tmp: string;
let address: string;
let uiUrl: string;
const browser = useChromium();
let workers: PipelineWorkers | undefined;

beforeAll(async () => {
  const { path: cli } = await ensureTemporalCli();
  tmp = mkdtempSync(join(tmpdir(), 'migflow-ui-pipeline-'));
  const port = await freePort();
  const uiPort = await freePort();
  address = `127.0.0.1:${port}`;
  uiUrl = `http://127.0.0.1:${uiPort}`;
  ({ proc: server } = await launchDevServer({ cli, port, uiPort }));
}, 180_000);

afterAll(async () => {
  await workers?.stop();
  server?.kill('SIGTERM');
  await server;
  rmSync(tmp, { recursive: true, force: true });
});

async function open(page: Page, path: string, text: string | RegExp): Promise<void> {
  await page.goto(`${uiUrl}${path}`, { waitUntil: 'networkidle' });
  await page.getByText(text).first().waitFor({ timeout: 30_000 });
}

describe('Temporal Web UI on a pipeline run', () => {
  it('shows every stage with a summary, trial activities by trial and GPU, and finds the run by search attributes', async () => {
    const first = privateGpuIndex();
    const gpus: [number, number] = [first, first + 1];
    const taskQueue = `ui-pipeline-${first}`;
    workers = await startPipelineWorkers({
      gpus,
      emulate: true,
      env: {
        ...(process.env as Record<string, string>),
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        MIGFLOW_TASK_QUEUE: taskQueue,
        MIGFLOW_ARTIFACTS: join(tmp, 'artifacts'),
      },
    });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const runId = `ui-run-${first}`;
    const workflowId = `pipeline/${runId}`;
    const result = (await client.workflow.execute('PipelineWorkflow', {
      taskQueue,
      workflowId,
      args: [tinyPipelineInput({ runId, gpus })],
      staticSummary: `migflow pipeline ${runId}`,
    })) as PipelineResult;
    await connection.close();
    const trial = result.train!.trials[0]!;

    // The run report: one page a user opens instead of reading folders, named trials, the bench table, charts.
    expect(result.report?.html).toBe(join(tmp, 'artifacts', 'pipeline', runId, 'report.html'));
    const report = await openReport(browser(), result.report!.html, 'run-report-pipeline.png');
    expect(report.problems).toEqual([]);
    expect(report.brokenImages).toEqual([]);
    expect(await report.page.locator('#answer li').count()).toBeGreaterThan(0);
    expect(await report.page.locator('table.trials tbody tr').allTextContents()).toEqual([
      expect.stringContaining('affinity_bonus_weight='),
      expect.stringContaining('affinity_bonus_weight='),
    ]);
    const policies = result.bench!.results.length;
    const agents = result.bench!.results[0]!.entry.agents.length;
    expect(await report.page.locator('table.bench tbody tr').count()).toBe(policies * agents);
    expect(await report.page.locator('table.bench th').nth(1).textContent()).toBe('reward');
    expect(await report.page.locator('#trials svg path').count()).toBe(2);
    expect(await report.page.locator('#profiling img').count()).toBeGreaterThan(0);
    await report.page.close();
    expect(readdirSync(result.report!.tensorboard!).sort()).toEqual(
      result.train!.trials.map((t) => paramsSummary(t.params, 80)).sort(),
    );

    mkdirSync(SHOTS, { recursive: true });
    const page = await browser().newPage({ viewport: { width: 1600, height: 1200 } });
    // The pipeline's page: its children, each with a summary of what it does to what.
    await open(
      page,
      `/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
      `migflow pipeline ${runId}`,
    );
    for (const summary of [
      /prepare datasets: coder, rag, chat/,
      new RegExp(`profile 1 \\(model, MIG profile\\) pair on gpu-${gpus[0]}`),
      /fit 1 profile and write back into/,
      new RegExp(`grid search configs/grid_search.yaml on gpu-${gpus[0]}, gpu-${gpus[1]}`),
      /bench 2 RL checkpoints, static_no_mig/,
    ]) {
      await page.getByText(summary).first().waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: join(SHOTS, 'web-ui-pipeline-run.png'), fullPage: true });

    // A training trial: its activity row says which trial, with which values, on which GPU.
    await open(
      page,
      `/namespaces/default/workflows/${encodeURIComponent(trial.workflowId)}`,
      new RegExp(`train trial .*affinity_bonus_weight=0.1.* on gpu-${trial.gpu}`),
    );
    await page.screenshot({ path: join(SHOTS, 'web-ui-train-trial.png'), fullPage: true });

    // The list view: every workflow of the run by MigflowRunId, and the trials by stage.
    const byRun = encodeURIComponent(`MigflowRunId = '${runId}'`);
    await open(page, `/namespaces/default/workflows?query=${byRun}`, `${workflowId}/grid-search`);
    for (const id of [
      `${workflowId}/datasets`,
      `${workflowId}/profiling`,
      `${workflowId}/fit`,
      `${workflowId}/bench`,
    ]) {
      expect(await page.getByText(id, { exact: true }).count(), id).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(SHOTS, 'web-ui-run-list.png'), fullPage: true });
    const trials = encodeURIComponent(`MigflowRunId = '${runId}' AND MigflowStage = 'train'`);
    await open(page, `/namespaces/default/workflows?query=${trials}`, trial.workflowId);
    await page.close();
  }, 900_000);
});
