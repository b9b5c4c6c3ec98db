/** `migflow run <stage>`: start a stage's workflow through Temporal (server and workers must be running). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { type BenchStageInput, type DatasetKind, Stage } from '../../contracts/index.js';
import type { DatasetWorkflow } from '../../contracts/temporal/index.js';
import { ALL_BASELINES } from '../../core/control/index.js';
import { collectBenchOutputs, runBenchWorkflow } from '../lib/bench-workflow.js';
import { connectClient, executeWorkflow, workflowUrl } from '../lib/client.js';
import { datasetTable } from '../lib/dataset-workflow.js';
import { jsonResultOption } from '../lib/options.js';
import { sampleInputs } from '../lib/samples.js';
import { readServerState } from '../lib/server.js';
import {
  addBenchOptions,
  type BenchCliOptions,
  checkpointsToRun,
  simConfigOption,
  traceSource,
} from './bench.js';
import { registerRunTrainCommands } from './run-train.js';
import { registerSearchCommand } from './search.js';

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
    .addOption(jsonResultOption())
    .action(async (o: { kind: DatasetKind; input?: string[]; workflowId?: string; json: boolean }) => {
      const { client, close, namespace } = await connectClient();
      try {
        const inputs = o.input ?? sampleInputs(o.kind);
        const workflowId =
          o.workflowId ?? `datasets/${o.kind}/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const { result, runId } = await executeWorkflow<DatasetWorkflow>(
          client,
          'DatasetWorkflow',
          { datasets: [{ kind: o.kind, inputs }] },
          { workflowId, summary: `prepare ${o.kind} dataset(s)`, stage: Stage.datasets },
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
  registerSearchCommand(run);
  addBenchOptions(
    run
      .command('bench')
      .description('benchmark RL checkpoints and baselines with BenchWorkflow (cached per policy)'),
  )
    .option(
      '--out <dir>',
      'folder for the results, figures and comparison (default artifacts/bench/<workflow id>)',
    )
    .option('--workflow-id <id>', 'workflow id (default: bench/<timestamp>)')
    .addOption(jsonResultOption())
    .action(async (o: BenchCliOptions & { out?: string; workflowId?: string; json: boolean }) => {
      const checkpoints = checkpointsToRun(o);
      const trace = traceSource(o);
      const bl = o.bl ?? [];
      const input: BenchStageInput = {
        policies: (bl.includes('all')
          ? [...bl.filter((b) => b !== 'all'), ...ALL_BASELINES]
          : bl) as BenchStageInput['policies'],
        checkpoints,
        figures: o.figures,
        syntheticTokens: o.syntheticTokens !== false && !o.realTokens,
        simulationConfig: simConfigOption(o, 'run bench'),
        trainingConfig: o.trainingConfig,
        benchConfig: o.benchConfig,
        ...(o.steps !== undefined ? { steps: o.steps } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.start !== 'own' ? { start: o.start } : {}),
        ...(trace ? { trace } : {}),
      };
      const { client, close, namespace } = await connectClient();
      try {
        const workflowId = o.workflowId ?? `bench/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const { result, runId } = await runBenchWorkflow(client, input, workflowId);
        const outDir = o.out ?? join('artifacts', 'bench', workflowId.replace(/[^A-Za-z0-9._-]/g, '_'));
        const table = collectBenchOutputs(result, outDir);
        if (o.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const hits = result.results.filter((r) => r.hit).length;
        process.stdout.write(
          `${table}\n${hits}/${result.results.length} from the cache; results and figures in ${outDir}\nReport: ${join(outDir, 'report.html')}\n`,
        );
        const ui = readServerState()?.uiUrl;
        if (ui) process.stdout.write(`Web UI: ${workflowUrl(ui, namespace, workflowId, runId)}\n`);
      } finally {
        await close();
      }
    });
}
