/**
 * `migflow demo` (`npm start`): the main job. Starts (or reuses) the dev server, starts the workers, runs the pipeline
 * on the bundled sample data, prints the results table, where the outputs are and the Web UI link.
 * Stages join here as they land; today: the dataset stage.
 */

import { relative } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../core/paths.js';
import { DatasetKind } from '../../workflows/inputs.js';
import { connectClient, workflowUrl } from '../lib/client.js';
import { datasetTable, runDatasetWorkflow } from '../lib/dataset-run.js';
import { sampleInputs } from '../lib/samples.js';
import { defaultServerOptions, ensureServerRunning } from '../lib/server.js';
import { startWorkerProcess } from '../lib/worker-processes.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: the pipeline on the bundled sample data with emulated hardware, through Temporal',
    )
    .option('--keep-workers', 'leave the workers running after the run (so the Web UI can query them)', false)
    .action(async (o: { keepWorkers: boolean }) => {
      const started = Date.now();
      const serverOpts = defaultServerOptions();
      say('[1/3] Temporal dev server');
      const server = await ensureServerRunning(serverOpts, say);
      say(
        `      ${server.started ? 'started' : 'reusing'} ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`,
      );

      say('[2/3] workers');
      const env = {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: serverOpts.namespace,
      } as Record<string, string>;
      const main = await startWorkerProcess('main-worker', [], env);
      say('      main worker ready on queue migflow');

      try {
        say('[3/3] DatasetWorkflow on the bundled samples (datasets/samples/)');
        const { client, close, namespace } = await connectClient(env);
        try {
          const workflowId = `demo/datasets/${new Date().toISOString().replace(/[:.]/g, '-')}`;
          const datasets = DatasetKind.options.map((kind) => ({ kind, inputs: sampleInputs(kind) }));
          const { result, runId } = await runDatasetWorkflow(
            client,
            { datasets, runId: workflowId },
            workflowId,
          );
          say('');
          say(datasetTable(result));
          say('');
          say(
            `Outputs: ${relative(PROJECT_ROOT, result.datasets[0]!.dir).split('/').slice(0, 2).join('/')}/<cache key>/ (list them: npx migflow cache ls)`,
          );
          if (server.uiUrl) {
            say(`Web UI:  ${workflowUrl(server.uiUrl, namespace, workflowId, runId)}`);
            say(`         all runs: ${server.uiUrl}/namespaces/${namespace}/workflows`);
          }
          say(
            `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. The server keeps running (stop: npx migflow server stop).`,
          );
        } finally {
          await close();
        }
      } finally {
        if (!o.keepWorkers) await main.stop();
      }
    });
}
