/**
 * The Web UI tells the story by itself: a DatasetWorkflow run shows its summary, its activity summaries and its
 * search attributes in Temporal's real Web UI, rendered by Debian's Chromium. A screenshot is kept under
 * test-results/ as an artifact.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { sampleInputs } from '../../cli/lib/samples.js';
import { RUN_ID, STAGE } from '../../contracts/temporal/index.js';
import { StageCache } from '../../core/cache/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { freePort } from '../../core/util/free-port.js';
import { ensureTemporalCli } from '../../tools/temporal-cli.js';
import { WORKFLOWS_PATH } from '../../workers/main-worker.js';
import { useChromium } from '../helpers/chromium.js';
import { launchDevServer } from '../helpers/launch-dev-server.js';

let server: ResultPromise;
let tmp: string;
let address: string;
let uiUrl: string;
const browser = useChromium();

beforeAll(async () => {
  const { path: cli } = await ensureTemporalCli();
  tmp = mkdtempSync(join(tmpdir(), 'migflow-ui-'));
  const port = await freePort();
  const uiPort = await freePort();
  address = `127.0.0.1:${port}`;
  uiUrl = `http://127.0.0.1:${uiPort}`;
  ({ proc: server } = await launchDevServer({ cli, port, uiPort }));
});

afterAll(async () => {
  server?.kill('SIGTERM');
  await server;
  rmSync(tmp, { recursive: true, force: true });
});

describe('Temporal Web UI', () => {
  it('shows a dataset run with its summary, activity summaries and search attributes', async () => {
    const native = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const taskQueue = 'ui-test';
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({
        projectRoot: PROJECT_ROOT,
        cache: new StageCache({ root: tmp, migflowVersion: 'test' }),
        childEnv: {},
      }),
    });
    const workflowId = 'ui-test/datasets';
    await worker.runUntil(
      client.workflow.execute('DatasetWorkflow', {
        taskQueue,
        workflowId,
        args: [{ datasets: [{ kind: 'coder', inputs: sampleInputs('coder') }], runId: 'ui-run' }],
        staticSummary: 'prepare coder dataset (UI test)',
        typedSearchAttributes: [
          { key: STAGE, value: 'datasets' },
          { key: RUN_ID, value: 'ui-run' },
        ],
      }),
    );
    await connection.close();
    await native.close();

    const page = await browser().newPage({ viewport: { width: 1500, height: 1100 } });
    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, {
      waitUntil: 'networkidle',
    });
    await page.getByText('prepare coder dataset (UI test)').first().waitFor({ timeout: 30_000 });
    // Activity rows carry their summary ("prepare coder dataset from <file>").
    await page
      .getByText(/prepare coder dataset from/)
      .first()
      .waitFor({ timeout: 30_000 });
    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({
      path: join(PROJECT_ROOT, 'test-results', 'web-ui-dataset-run.png'),
      fullPage: true,
    });

    // The list view finds the run through migflow's search attributes.
    const query = encodeURIComponent("MigflowRunId = 'ui-run'");
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
    await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(workflowId).count()).toBeGreaterThan(0);
    await page.close();
  });
});
