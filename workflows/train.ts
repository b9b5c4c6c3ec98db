/**
 * TrainWorkflow: one Maskable PPO training run as one cached `trainPolicy` activity on a GPU-pinned queue
 * (`migflow-gpu-<gpu>`). The activity heartbeats (a dead worker's run is retried from its last checkpoint) and
 * signals progress here, so the Web UI's current details and `trainProgressQuery` show steps, reward and the
 * last checkpoint while it runs.
 */
import { isCancellation, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import {
  finishedProgress,
  paramsSummary,
  Stage,
  type TrainProgress,
  TrainWorkflowInput,
  type TrainWorkflowResult,
} from '../contracts/index.js';
import {
  type Activities,
  gpuTaskQueue,
  trainingRetry,
  trainProgressQuery,
  trainProgressSignal,
  validateInput,
} from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

function progressMarkdown(title: string, p: TrainProgress): string {
  const pct = p.totalSteps ? ` (${((100 * p.steps) / p.totalSteps).toFixed(1)} %)` : '';
  const lines = [
    `**${title}** — ${p.phase}`,
    '',
    `- steps: ${p.steps}${p.totalSteps ? ` / ${p.totalSteps}` : ''}${pct}`,
    `- episodes: ${p.episodes}`,
  ];
  if (p.meanEpisodeReward !== undefined)
    lines.push(`- mean episode reward (last 100): ${p.meanEpisodeReward.toFixed(3)}`);
  if (p.lastEpisodeReward !== undefined)
    lines.push(`- last episode reward: ${p.lastEpisodeReward.toFixed(3)}`);
  if (p.lastCheckpoint) lines.push(`- last checkpoint: \`${p.lastCheckpoint}\``);
  if (p.backend) lines.push(`- backend: ${p.backend}`);
  if (p.attempt > 1) lines.push(`- attempt ${p.attempt} (resumed after a failure)`);
  return lines.join('\n');
}

export async function TrainWorkflow(raw: TrainWorkflowInput): Promise<TrainWorkflowResult> {
  const input = validateInput('TrainWorkflow', TrainWorkflowInput, raw);
  const queue = gpuTaskQueue(input.gpu);
  const runId = joinRun(Stage.train, input.runId, {
    gpuQueue: queue,
    ...(input.trialKey ? { trial: input.trialKey } : {}),
  });
  const params = input.label ?? paramsSummary(input.overrides);
  const title = `Training ${input.trialKey ?? 'run'}${params ? ` ${params}` : ''} on gpu-${input.gpu}`;

  let progress: TrainProgress = {
    phase: 'queued',
    steps: 0,
    totalSteps: input.totalSteps ?? null,
    episodes: 0,
    attempt: 1,
  };
  let finished = false;
  setHandler(trainProgressQuery, () => progress, {
    description: 'steps, episodes, mean reward and last checkpoint of the run so far',
  });
  setHandler(
    trainProgressSignal,
    (p) => {
      // A late report from a dying attempt must not overwrite the final state or a newer attempt's progress.
      if (finished || p.attempt < progress.attempt) return;
      progress = p;
      setCurrentDetails(progressMarkdown(title, progress));
    },
    { description: 'progress report from the trainPolicy activity' },
  );
  setCurrentDetails(progressMarkdown(title, progress));

  const { trainPolicy } = proxyActivities<Activities>({ startToCloseTimeout: '7d' });
  const result = await trainPolicy
    .executeWithOptions(
      {
        taskQueue: queue,
        // A run of the default config takes hours; the heartbeat timeout is what notices a dead worker.
        startToCloseTimeout: '7d',
        heartbeatTimeout: `${input.heartbeatTimeoutS}s`,
        retry: trainingRetry(input.maxAttempts),
        summary: `train ${input.trialKey ? `trial ${input.trialKey}` : 'policy'}${params ? ` ${params}` : ''} on gpu-${input.gpu}${input.totalSteps ? ` for ${input.totalSteps} steps` : ''}${input.nEnvs !== undefined ? ` with n_envs ${input.nEnvs}` : ''}${input.warmStart ? `, warm-started from ${input.warmStart}` : ''}`,
      },
      [
        {
          trainingConfig: input.trainingConfig,
          simulationConfig: input.simulationConfig,
          overrides: input.overrides,
          seed: input.seed,
          syntheticTokens: input.syntheticTokens,
          ...(input.nEnvs !== undefined ? { nEnvs: input.nEnvs } : {}),
          ...(input.warmStart
            ? {
                warmStart: input.warmStart,
                benchConfig: input.benchConfig,
                ...(input.warmStartSteps !== undefined ? { warmStartSteps: input.warmStartSteps } : {}),
              }
            : {}),
          ...(input.totalSteps !== undefined ? { totalSteps: input.totalSteps } : {}),
          ...(input.checkpointEverySteps !== undefined
            ? { checkpointEverySteps: input.checkpointEverySteps }
            : {}),
          ...(input.trialKey ? { trialKey: input.trialKey } : {}),
        },
      ],
    )
    .catch((err: unknown) => {
      finished = true;
      progress = { ...progress, phase: isCancellation(err) ? 'cancelled' : 'failed' };
      setCurrentDetails(progressMarkdown(title, progress));
      throw err;
    });
  finished = true;
  progress = finishedProgress(result);
  setCurrentDetails(
    `${progressMarkdown(title, progress)}\n- best checkpoint: \`${result.bestCheckpoint}\`${result.resumedFromSteps !== null ? `\n- resumed from step ${result.resumedFromSteps}` : ''}`,
  );
  return {
    ...result,
    runId,
    gpu: input.gpu,
    overrides: input.overrides,
    ...(input.trialKey ? { trialKey: input.trialKey } : {}),
  };
}
