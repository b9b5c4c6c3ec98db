/** `migflow run <stage>`: start a stage's workflow through Temporal (server and workers must be running). */
import type { Command } from 'commander';
import type { DatasetKind } from '../../workflows/inputs.js';
import { connectClient, workflowUrl } from '../lib/client.js';
import { datasetTable, runDatasetWorkflow } from '../lib/dataset-run.js';
import { sampleInputs } from '../lib/samples.js';
import { readServerState } from '../lib/server.js';
import { registerRunTrainCommands } from './run-train.js';

export function registerRunCommand(program: Command): void {
  const run = program
    .command('run')
    .description('run a stage through Temporal (needs `migflow server` and `migflow worker`)');
  run
    .command('dataset')
    .description('prepare datasets with DatasetWorkflow')
    .requiredOption('--kind <kind>', 'coder | rag | chat')
    .option('--input <path...>', 'raw dataset files (default: the bundled sample of that kind)')
    .option('--workflow-id <id>', 'workflow id (default: datasets/<kind>/<timestamp>)')
    .option('--json', 'print the result as JSON', false)
    .action(async (o: { kind: DatasetKind; input?: string[]; workflowId?: string; json: boolean }) => {
      const { client, close, namespace } = await connectClient();
      try {
        const inputs = o.input ?? sampleInputs(o.kind);
        const workflowId =
          o.workflowId ?? `datasets/${o.kind}/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const { result, runId } = await runDatasetWorkflow(
          client,
          { datasets: [{ kind: o.kind, inputs }] },
          workflowId,
        );
        if (o.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${datasetTable(result)}\n`);
        const ui = readServerState()?.uiUrl;
        if (ui) process.stdout.write(`Web UI: ${workflowUrl(ui, namespace, workflowId, runId)}\n`);
      } finally {
        await close();
      }
    });
  registerRunTrainCommands(run);
}
