/**
 * `migflow demo` (`npm start`): the main job. Starts (or reuses) the dev server and the workers — the orchestration
 * worker and one emulated GPU worker per GPU the input uses, kept in the background between runs — runs
 * PipelineWorkflow on configs/pipeline.json (the bundled sample datasets, the vLLM emulator in Docker as the engine to
 * profile, a small training budget), and prints the results, where the outputs are and the Web UI link.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { PipelineInput, Stage } from '../../contracts/index.js';
import type { PipelineWorkflow } from '../../contracts/temporal/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { ensureBackgroundWorkers, stopBackgroundWorkers } from '../lib/background-workers.js';
import { connectClient, executeWorkflow, workflowUrl } from '../lib/client.js';
import { pipelineReport } from '../lib/pipeline-workflow.js';
import { defaultServerOptions, ensureServerRunning } from '../lib/server.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export const DEMO_INPUT_FILE = join(PROJECT_ROOT, 'configs', 'pipeline.json');

/** The main job's pipeline input: configs/pipeline.json with this run's id. */
export function demoPipelineInput(runId: string, file = DEMO_INPUT_FILE): PipelineInput {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as PipelineInput;
  return { ...raw, runId };
}

/** The GPU indices a pipeline input sends work to (profiling targets, training trials, deployment). */
export function pipelineGpus(input: PipelineInput): number[] {
  const parsed = PipelineInput.parse(input);
  const gpus = new Set<number>();
  if (parsed.stages.profiling) for (const t of parsed.profiling?.targets ?? []) gpus.add(t.gpu);
  if (parsed.stages.train) for (const g of parsed.train.gpus) gpus.add(g);
  if (parsed.stages.deploy) gpus.add(parsed.deploy.firstGpu);
  return [...gpus].sort((a, b) => a - b);
}

async function dockerAnswers(): Promise<boolean> {
  const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], {
    reject: false,
    timeout: 15_000,
  });
  return r.exitCode === 0;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: the pipeline on the bundled sample data with emulated hardware, through Temporal',
    )
    .option('--input <file>', 'pipeline input (JSON)', DEMO_INPUT_FILE)
    .option(
      '--stop-workers',
      'stop the background workers after the run (default: keep them for the next run)',
      false,
    )
    .action(async (o: { input: string; stopWorkers: boolean }) => {
      const started = Date.now();
      const workflowId = `pipeline/${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const input = demoPipelineInput(workflowId, o.input);
      const gpus = pipelineGpus(input);
      if (PipelineInput.parse(input).stages.profiling && !(await dockerAnswers())) {
        throw new Error(
          'the profiling stage runs the vLLM emulator in Docker, and no Docker engine answers — fix: run ./scripts/setup.sh (installs and starts one), or start Docker yourself',
        );
      }
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
      const workers = await ensureBackgroundWorkers({
        env,
        address: server.address,
        namespace: serverOpts.namespace,
        gpus,
        emulate: true,
      });
      say(
        `      ${workers.reused ? 'reusing' : 'started'} the main worker on queue migflow${gpus.length ? ` and emulated GPU workers on ${gpus.map((g) => `migflow-gpu-${g}`).join(', ')}` : ''} (logs: artifacts/temporal/*-worker*.log)`,
      );

      try {
        say(`[3/3] PipelineWorkflow ${workflowId} (${o.input.replace(`${PROJECT_ROOT}/`, '')})`);
        const { client, close, namespace } = await connectClient(env);
        try {
          const { result, runId } = await executeWorkflow<PipelineWorkflow>(
            client,
            'PipelineWorkflow',
            input,
            {
              workflowId,
              runId: input.runId,
              summary: `migflow pipeline ${input.runId ?? workflowId}`,
              stage: Stage.pipeline,
            },
          );
          say('');
          say(pipelineReport(result));
          say('');
          if (result.report) {
            say(`Report:  ${result.report.html} (open it in a browser; the data: ${result.report.json})`);
            if (result.report.tensorboard)
              say(
                `TensorBoard: tensorboard --logdir ${result.report.tensorboard} (trials by their parameters, HParams tab)`,
              );
          }
          say('Outputs: artifacts/<stage>/<cache key>/ (list them: npx migflow cache ls)');
          if (server.uiUrl) {
            say(`Web UI:  ${workflowUrl(server.uiUrl, namespace, workflowId, runId)}`);
            say(
              `         all runs of this pipeline: ${server.uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(`MigflowRunId = '${workflowId}'`)}`,
            );
          }
          say(
            `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. The server and workers keep running (stop both: npx migflow server stop).`,
          );
        } finally {
          await close();
        }
      } finally {
        if (o.stopWorkers) await stopBackgroundWorkers();
      }
    });
}
