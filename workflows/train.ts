/**
 * TrainWorkflow: one Maskable PPO training run as one cached `trainPolicy` activity on a GPU-pinned queue
 * (`migflow-gpu-<gpu>`). The activity heartbeats (a dead worker's run is retried from its last checkpoint) and
 * signals progress here, so the Web UI's current details and `trainProgressQuery` show steps, reward and the
 * last checkpoint while it runs.
 */
import {
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  definedFields,
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
  searchTrialProgressSignal,
  trainingRetry,
  trainProgressQuery,
  trainProgressSignal,
  validateInput,
} from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

/** `…/checkpoints/rl_model_512_steps` → `rl_model_512_steps`: paths go in the result, names fit the panel. */
const stem = (path: string) => path.split('/').filter(Boolean).at(-1) ?? path;

/**
 * The Web UI's Current details: a short, fixed set of lines (the panel shows about six), numbers first, no paths.
 * The full paths are in the result and in `trainProgressQuery`.
 */
export function progressMarkdown(title: string, p: TrainProgress, best?: string): string {
  const pct = p.totalSteps ? ` (${((100 * p.steps) / p.totalSteps).toFixed(1)} %)` : '';
  const reward = [
    p.meanEpisodeReward !== undefined ? `mean episode reward ${p.meanEpisodeReward.toFixed(3)}` : undefined,
    p.lastEpisodeReward !== undefined ? `last ${p.lastEpisodeReward.toFixed(3)}` : undefined,
  ].filter(Boolean);
  const checkpoints = [
    p.lastCheckpoint ? `last checkpoint ${stem(p.lastCheckpoint)}` : undefined,
    best ? `best ${stem(best)}` : undefined,
    p.backend ? `backend ${p.backend}` : undefined,
  ].filter(Boolean);
  return [
    `**${title}** — ${p.phase}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}`,
    `steps ${p.steps}${p.totalSteps ? ` / ${p.totalSteps}` : ''}${pct} · episodes ${p.episodes}`,
    ...(reward.length ? [reward.join(' · ')] : []),
    ...(checkpoints.length ? [checkpoints.join(' · ')] : []),
  ].join('\n');
}

export async function TrainWorkflow(raw: TrainWorkflowInput): Promise<TrainWorkflowResult> {
  const input = validateInput('TrainWorkflow', TrainWorkflowInput, raw);
  const queue = gpuTaskQueue(input.gpu);
  const runId = joinRun(Stage.train, input.runId, {
    gpuQueue: queue,
    ...(input.trialKey ? { trial: input.trialKey } : {}),
  });
  const params = input.label ?? paramsSummary(input.overrides);
  // The trial's parameters name it; its key (a hash) is in the workflow id.
  const title = `Training ${params || input.trialKey || 'run'} on gpu-${input.gpu}`;

  let progress: TrainProgress = {
    phase: 'queued',
    steps: 0,
    totalSteps: input.totalSteps ?? null,
    episodes: 0,
    attempt: 1,
  };
  let finished = false;
  // A SearchWorkflow's pruner judges its trials on these reports; losing one only delays a decision.
  const parent = workflowInfo().parent;
  const forward =
    input.forwardProgress && parent && input.trialKey
      ? (p: TrainProgress) =>
          void getExternalWorkflowHandle(parent.workflowId, parent.runId)
            .signal(searchTrialProgressSignal, {
              trialKey: input.trialKey!,
              steps: p.steps,
              ...(p.meanEpisodeReward !== undefined ? { meanEpisodeReward: p.meanEpisodeReward } : {}),
            })
            .catch(() => {})
      : undefined;
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
      forward?.(p);
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
          ...definedFields({ nEnvs: input.nEnvs }),
          // The teacher's bench config matters only to a warm start.
          ...(input.warmStart
            ? definedFields({
                warmStart: input.warmStart,
                benchConfig: input.benchConfig,
                warmStartSteps: input.warmStartSteps,
                warmStartRounds: input.warmStartRounds,
              })
            : {}),
          ...definedFields({
            totalSteps: input.totalSteps,
            checkpointEverySteps: input.checkpointEverySteps,
            trialKey: input.trialKey,
          }),
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
  setCurrentDetails(progressMarkdown(title, progress, result.bestCheckpoint));
  return {
    ...result,
    runId,
    gpu: input.gpu,
    overrides: input.overrides,
    ...(input.trialKey ? { trialKey: input.trialKey } : {}),
  };
}
