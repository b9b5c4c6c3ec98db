/**
 * `migflow run search`: a hyperparameter search (SearchWorkflow) over the GPU queues, with the study named so a
 * second call resumes or extends it. Prints each trial's values, status (completed, pruned by ASHA, failed), rung
 * values and result, and the best trial.
 */
import type { Command } from 'commander';
import { REWARD_CRITERION_WORDS, type SearchWorkflowInput, Stage } from '../../contracts/index.js';
import type { SearchWorkflow } from '../../contracts/temporal/index.js';
import { connectClient, executeWorkflow, workflowUrl } from '../lib/client.js';
import { jsonResultOption, parseOverrides } from '../lib/options.js';
import { readServerState } from '../lib/server.js';

function int(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

interface SearchOptions {
  config: string;
  study: string;
  trainingConfig: string;
  simConfig: string;
  trials?: string;
  wallTime?: string;
  steps?: string;
  checkpointEvery?: string;
  gpus: string;
  seed: string;
  set?: string[];
  heartbeatTimeout: string;
  workflowId?: string;
  json: boolean;
}

export function searchInput(o: SearchOptions): SearchWorkflowInput {
  return {
    searchConfig: o.config,
    study: o.study,
    trainingConfig: o.trainingConfig,
    simulationConfig: o.simConfig,
    overrides: parseOverrides(o.set),
    seed: int('--seed', o.seed),
    gpus: o.gpus.split(',').map((g) => int('--gpus', g.trim())),
    heartbeatTimeoutS: Number(o.heartbeatTimeout),
    ...(o.trials !== undefined ? { trials: int('--trials', o.trials) } : {}),
    ...(o.wallTime !== undefined ? { wallTimeS: Number(o.wallTime) } : {}),
    ...(o.steps !== undefined ? { totalSteps: int('--steps', o.steps) } : {}),
    ...(o.checkpointEvery !== undefined
      ? { checkpointEverySteps: int('--checkpoint-every', o.checkpointEvery) }
      : {}),
  };
}

export function registerSearchCommand(run: Command): void {
  run
    .command('search')
    .description(
      'hyperparameter search with SearchWorkflow: sampled trials (TPE, random or grid), ASHA early stopping, resumable and extendable by study name',
    )
    .requiredOption(
      '--study <name>',
      'study name (artifacts/search/<name>/study.json); reuse it to resume or extend',
    )
    .option('--config <path>', 'search config', 'configs/search.yaml')
    .option('--training-config <path>', 'base training config', 'configs/training_config.yaml')
    .option('--sim-config <path>', 'simulation config', 'configs/simulation_config.yaml')
    .option('--trials <n>', 'trial budget of the study, finished trials included (default: budget.trials)')
    .option('--wall-time <s>', 'no new trial after this many seconds (default: budget.wall_time_s)')
    .option('--steps <n>', 'env steps of a trial run to the end (default: total_timesteps)')
    .option('--checkpoint-every <n>', 'checkpoint cadence in env steps (the pruner judges at these reports)')
    .option('--gpus <list>', 'comma-separated GPU indices, one trial per GPU at a time', '0')
    .option('--seed <n>', 'seed of every trial', '0')
    .option('--set <path=value...>', 'override a training config field for every trial (YAML value)')
    .option(
      '--heartbeat-timeout <s>',
      'seconds before a silent GPU worker’s trial is retried elsewhere',
      '60',
    )
    .option('--workflow-id <id>', 'workflow id (default: search/<study>)')
    .addOption(jsonResultOption())
    .action(async (o: SearchOptions) => {
      const input = searchInput(o);
      const { client, close, namespace } = await connectClient();
      try {
        const workflowId =
          o.workflowId ?? `search/${o.study}/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const { result, runId } = await executeWorkflow<SearchWorkflow>(client, 'SearchWorkflow', input, {
          workflowId,
          summary: `search ${o.config} study ${o.study} on ${input.gpus!.map((g) => `gpu-${g}`).join(', ')}`,
          stage: Stage.search,
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${result.table}\n\n`);
        process.stdout.write(
          `${result.total} trials: ${result.completed} completed, ${result.pruned} stopped early by ASHA, ${result.failed} failed; ${result.reused} reused from the study, ${result.started} run now (stopped by ${result.stoppedBy})\n`,
        );
        if (result.best)
          process.stdout.write(
            `best by ${REWARD_CRITERION_WORDS[result.best.rankedBy]}: ${result.best.trialKey} train reward ${result.best.value?.toFixed(3) ?? '-'}${result.best.evalReward === undefined ? '' : ` eval reward ${result.best.evalReward.toFixed(3)}`} ${JSON.stringify(result.best.params)}\n`,
          );
        process.stdout.write(`study: ${result.studyFile}\n`);
        const ui = readServerState()?.uiUrl;
        if (ui) process.stdout.write(`Web UI: ${workflowUrl(ui, namespace, workflowId, runId)}\n`);
      } finally {
        await close();
      }
    });
}
