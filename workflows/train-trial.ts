/**
 * One training trial of a grid or a search: a child TrainWorkflow (`<parent>/train/<trialKey>`) on its GPU's queue,
 * at most one trial per queue, its end recorded on the trial. GridSearchWorkflow and SearchWorkflow differ in where
 * their trials come from (a fixed grid; a sampler with a pruner), not in how one runs.
 */
import { type CancellationScope, condition, executeChild, isCancellation } from '@temporalio/workflow';
import {
  definedFields,
  paramsSummary,
  type ResolvedTrainWorkflowInput,
  Stage,
  type TrainWorkflowInput,
  type TrainWorkflowResult,
} from '../contracts/index.js';
import { gpuTaskQueue, runTags } from '../contracts/temporal/index.js';
import { TrainWorkflow } from './train.js';

/** At most one trial per GPU queue: a free-list of GPU indices is the semaphore. */
export class GpuSlots {
  private readonly free: number[];

  constructor(gpus: readonly number[]) {
    this.free = [...gpus];
  }

  /** Resolves once a GPU is free, without taking it (a search may stop instead of starting a trial). */
  available(): Promise<void> {
    return condition(() => this.free.length > 0);
  }

  take(): number {
    const gpu = this.free.shift();
    if (gpu === undefined) throw new Error('no free GPU: await available() before take()');
    return gpu;
  }

  give(gpu: number): void {
    this.free.push(gpu);
  }
}

/** What every trial takes from its parent's (validated) input. */
export type TrialParent = Pick<
  ResolvedTrainWorkflowInput,
  | 'trainingConfig'
  | 'simulationConfig'
  | 'overrides'
  | 'syntheticTokens'
  | 'heartbeatTimeoutS'
  | 'maxAttempts'
  | 'checkpointEverySteps'
>;

export interface TrainTrial {
  trialKey: string;
  params: Record<string, unknown>;
  workflowId: string;
}

export interface TrialRun {
  parent: TrialParent;
  runId: string;
  gpu: number;
  seed: number;
  /** The Web UI's summary of the child starts with this (`trial`, `search trial 3`), then key, values and GPU. */
  summaryPrefix: string;
  /** Inputs only one kind of parent sets (the grid's warm start; the search's step budget and progress forwarding). */
  extra?: Partial<TrainWorkflowInput>;
  /** Runs the child in this scope, so the parent can stop the trial by cancelling it. */
  scope?: CancellationScope;
}

export interface TrialEnd {
  completed(result: TrainWorkflowResult): void;
  /** The innermost cause's first line: one bad trial must not end the search, so it is recorded, not thrown. */
  failed(error: string): void;
  /** A cancellation the parent asked for (a pruned trial): record it and say true; otherwise it ends the parent too. */
  stoppedOnPurpose?(): boolean;
}

/** Runs one trial to its end and records how it ended; resolves once recorded (rejects only on an unplanned cancel). */
export async function runTrainTrial(trial: TrainTrial, run: TrialRun, end: TrialEnd): Promise<void> {
  const { parent, gpu } = run;
  const params = paramsSummary(trial.params);
  const start = () =>
    executeChild(TrainWorkflow, {
      workflowId: trial.workflowId,
      args: [
        {
          trainingConfig: parent.trainingConfig,
          simulationConfig: parent.simulationConfig,
          // The trial's own values win over the parent-wide overrides.
          overrides: { ...parent.overrides, ...trial.params },
          seed: run.seed,
          syntheticTokens: parent.syntheticTokens,
          gpu,
          trialKey: trial.trialKey,
          ...(params ? { label: params } : {}),
          runId: run.runId,
          heartbeatTimeoutS: parent.heartbeatTimeoutS,
          maxAttempts: parent.maxAttempts,
          ...definedFields({ checkpointEverySteps: parent.checkpointEverySteps, ...run.extra }),
        },
      ],
      staticSummary: `${run.summaryPrefix} ${trial.trialKey}${params ? ` ${params}` : ''} on gpu-${gpu}`,
      typedSearchAttributes: runTags({
        stage: Stage.train,
        runId: run.runId,
        trial: trial.trialKey,
        gpuQueue: gpuTaskQueue(gpu),
      }),
    });
  let result: TrainWorkflowResult;
  try {
    result = await (run.scope ? run.scope.run(start) : start());
  } catch (err) {
    if (isCancellation(err)) {
      if (end.stoppedOnPurpose?.()) return;
      throw err;
    }
    end.failed(innermostMessage(err));
    return;
  }
  end.completed(result);
}

/** ChildWorkflowFailure → ActivityFailure → ApplicationFailure: the innermost message says what went wrong. */
function innermostMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

/** Copies `keys` of a trial's TrainWorkflow result onto the parent's row of the trial (fields of the same names). */
export function keepResult<R extends object, K extends keyof R>(
  row: { [P in K]?: R[P] },
  result: R,
  keys: readonly K[],
): void {
  for (const k of keys) row[k] = result[k];
}
