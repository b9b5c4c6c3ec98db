/** `migflow run train` and `migflow run grid`: PPO training through Temporal on GPU-pinned workers. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { MAX_TRAIN_STEPS, WarmStartTeacher } from '../../contracts/index.js';
import { artifactsDir } from '../../core/paths.js';
import {
  gridRunReport,
  reportFolderName,
  tensorboardByLabel,
  writeRunReport,
} from '../../core/report/index.js';
import { connectClient, workflowUrl } from '../lib/client.js';
import { type EvaluationFlags, evaluationOverride, withEvaluationOptions } from '../lib/eval-options.js';
import {
  gpuIndex,
  jsonResultOption,
  parseOverrides,
  positiveUpTo,
  positiveWhole,
  wholeNumber,
  wholeUpTo,
} from '../lib/options.js';
import { readServerState } from '../lib/server.js';
import { gridResultTable, runGridWorkflow, runTrainWorkflow, trainTable } from '../lib/train-workflows.js';
import { checkWorkflowInput } from '../lib/workflow-run.js';

interface CommonOptions extends EvaluationFlags {
  simConfig: string;
  steps?: number;
  seed: number;
  set?: string[];
  checkpointEvery?: number;
  realTokens: boolean;
  heartbeatTimeout: number;
  workflowId?: string;
  runId?: string;
  progress: boolean;
  json: boolean;
  nEnvs?: string;
  warmStart?: string;
  warmStartSteps?: string;
  warmStartRounds?: string;
  benchConfig: string;
}

/** `N` or `auto` (resolved on the GPU worker that runs the training: one per core, at most 8). */
function nEnvsOption(v: string): number | 'auto' {
  return v.trim().toLowerCase() === 'auto' ? 'auto' : int('--n-envs', v);
}

function int(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/** `--set training.PPO.n_steps=64 --set 'training.PPO.net_arch.pi=[16]'`: values are YAML. */
function commonInput(o: CommonOptions) {
  return {
    simulationConfig: o.simConfig,
    seed: o.seed,
    overrides: { ...parseOverrides(o.set), ...evaluationOverride(o) },
    syntheticTokens: !o.realTokens,
    heartbeatTimeoutS: o.heartbeatTimeout,
    ...(o.steps !== undefined ? { totalSteps: o.steps } : {}),
    ...(o.checkpointEvery !== undefined ? { checkpointEverySteps: o.checkpointEvery } : {}),
    ...(o.runId ? { runId: o.runId } : {}),
    ...(o.nEnvs !== undefined ? { nEnvs: nEnvsOption(o.nEnvs) } : {}),
    // The workflow validates the name (a ConfigError listing the baselines it accepts).
    ...(o.warmStart !== undefined ? { warmStart: o.warmStart as WarmStartTeacher } : {}),
    ...(o.warmStartSteps !== undefined
      ? { warmStartSteps: int('--warm-start-steps', o.warmStartSteps) }
      : {}),
    ...(o.warmStartRounds !== undefined
      ? { warmStartRounds: int('--warm-start-rounds', o.warmStartRounds) }
      : {}),
    benchConfig: o.benchConfig,
  };
}

function withCommonOptions(c: Command): Command {
  return withEvaluationOptions(c)
    .option('--sim-config <path>', 'simulation config', 'configs/simulation_config.yaml')
    .option(
      '--steps <n>',
      'env steps of each run (default: total_timesteps of the training config)',
      wholeUpTo(MAX_TRAIN_STEPS, 'MAX_TRAIN_STEPS'),
    )
    .option('--seed <n>', 'seed', wholeNumber, 0)
    .option(
      '--set <path=value...>',
      'override a training config field, dotted path from the YAML root, YAML value (e.g. training.PPO.n_steps=64)',
    )
    .option('--checkpoint-every <n>', 'checkpoint cadence in env steps (default 5120)', positiveWhole)
    .option(
      '--n-envs <n|auto>',
      'environments per run (training.PPO.n_envs); auto = the GPU worker’s cores, at most 8',
    )
    .option(
      '--warm-start <baseline>',
      `clone a baseline into the policy before PPO starts (${WarmStartTeacher.options.join(', ')})`,
    )
    .option('--warm-start-steps <n>', 'teacher decisions to clone (default 8192)')
    .option('--warm-start-rounds <n>', 'DAgger rounds after the first clone (default 0)')
    .option(
      '--bench-config <path>',
      'bench config the warm-start teacher and --eval read',
      'configs/bench_config.yaml',
    )
    .option('--real-tokens', 'token lengths from the profiling stage instead of seeded synthetic ones', false)
    .option(
      '--heartbeat-timeout <s>',
      'seconds before a silent GPU worker’s run is retried elsewhere (at most 3600)',
      positiveUpTo(3600),
      60,
    )
    .option('--workflow-id <id>', 'workflow id')
    .option('--run-id <id>', 'MigflowRunId (default: the workflow id)')
    .option('--no-progress', 'no progress display')
    .addOption(jsonResultOption());
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function printUi(namespace: string, workflowId: string, runId: string): Promise<void> {
  const ui = readServerState()?.uiUrl;
  if (ui) process.stdout.write(`Web UI: ${workflowUrl(ui, namespace, workflowId, runId)}\n`);
}

export function registerRunTrainCommands(run: Command): void {
  withCommonOptions(
    run
      .command('train')
      .description(
        'train one Maskable PPO policy with TrainWorkflow on a GPU worker (migflow worker --gpu N)',
      )
      .option('--config <path>', 'training config', 'configs/training_config.yaml')
      .option('--gpu <n>', 'GPU index: the run goes to task queue migflow-gpu-<n>', gpuIndex, 0),
  ).action(async (o: CommonOptions & { config: string; gpu: number }) => {
    const input = { ...commonInput(o), trainingConfig: o.config, gpu: o.gpu };
    // A bad input fails here, naming the field, before a server is even needed.
    checkWorkflowInput('TrainWorkflow', input);
    const { client, close, namespace } = await connectClient();
    try {
      const workflowId = o.workflowId ?? `train/${stamp()}`;
      const { result, runId } = await runTrainWorkflow(client, {
        input,
        workflowId,
        progress: o.progress,
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${trainTable(result)}\n`);
      await printUi(namespace, workflowId, runId);
    } finally {
      await close();
    }
  });

  withCommonOptions(
    run
      .command('grid')
      .description(
        'grid search with GridSearchWorkflow: one TrainWorkflow per trial over the listed GPU queues',
      )
      .option('--config <path>', 'grid config', 'configs/grid_search.yaml')
      .option('--training-config <path>', 'base training config', 'configs/training_config.yaml')
      .option(
        '--gpus <list>',
        'comma-separated GPU indices, one trial per GPU at a time',
        (v: string) => v.split(',').map((g) => gpuIndex(g)),
        [0],
      )
      .option('--seed-per-trial', 'trial i gets seed + i (trials differ in their draws too)', false),
  ).action(
    async (
      o: CommonOptions & { config: string; trainingConfig: string; gpus: number[]; seedPerTrial: boolean },
    ) => {
      const { client, close, namespace } = await connectClient();
      try {
        const workflowId = o.workflowId ?? `grid/${stamp()}`;
        const gpus = o.gpus;
        const { result, runId } = await runGridWorkflow(client, {
          input: {
            ...commonInput(o),
            gridConfig: o.config,
            trainingConfig: o.trainingConfig,
            gpus,
            seedPerTrial: o.seedPerTrial,
          },
          workflowId,
          progress: o.progress,
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${gridResultTable(result)}\n${result.completed} of ${result.total} trials completed, ${result.failed} failed\n`,
        );
        const ui = readServerState()?.uiUrl;
        const dir = join(artifactsDir(), 'grid', reportFolderName(workflowId));
        const gridReport = gridRunReport(workflowId, result.trials, {
          workflowId,
          ...(ui ? { webUi: { url: ui, namespace } } : {}),
        });
        const tensorboard = tensorboardByLabel(join(dir, 'tensorboard'), gridReport.trials ?? []);
        const report = writeRunReport(dir, { ...gridReport, ...(tensorboard ? { tensorboard } : {}) });
        if (tensorboard) process.stdout.write(`TensorBoard: tensorboard --logdir ${tensorboard}\n`);
        process.stdout.write(`Report: ${report.html}\n`);
        await printUi(namespace, workflowId, runId);
      } finally {
        await close();
      }
    },
  );
}
