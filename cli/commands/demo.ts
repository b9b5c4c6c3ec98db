/**
 * `migflow demo` (`npm start`): the main job. Starts (or reuses) the dev server, starts the workers, runs
 * PipelineWorkflow on the bundled sample data, and prints the results, where the outputs are and the Web UI link.
 * Stages join the pipeline as they land.
 */
import type { Command } from 'commander';
import { DatasetKind, type PipelineInput } from '../../workflows/inputs.js';
import { connectClient, workflowUrl } from '../lib/client.js';
import { pipelineReport, runPipeline } from '../lib/pipeline-run.js';
import { sampleInputs } from '../lib/samples.js';
import { defaultServerOptions, ensureServerRunning } from '../lib/server.js';
import { startWorkerProcess } from '../lib/worker-processes.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The main job's pipeline input: every bundled sample dataset. */
export function demoPipelineInput(runId: string): PipelineInput {
  return {
    runId,
    datasets: DatasetKind.options.map((kind) => ({ kind, inputs: sampleInputs(kind) })),
    // A short benchmark keeps the main job quick on 2 cores; `migflow bench` runs the full length.
    bench: { steps: 128, syntheticTokens: true },
  };
}

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
        const workflowId = `pipeline/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        say(`[3/3] PipelineWorkflow ${workflowId} on the bundled samples (datasets/samples/)`);
        const { client, close, namespace } = await connectClient(env);
        try {
          const { result, runId } = await runPipeline(client, demoPipelineInput(workflowId), workflowId);
          say('');
          say(pipelineReport(result));
          say('');
          say('Outputs: artifacts/<stage>/<cache key>/ (list them: npx migflow cache ls)');
          if (server.uiUrl) {
            say(`Web UI:  ${workflowUrl(server.uiUrl, namespace, workflowId, runId)}`);
            say(
              `         all runs of this pipeline: ${server.uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(`MigflowRunId = '${workflowId}'`)}`,
            );
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
