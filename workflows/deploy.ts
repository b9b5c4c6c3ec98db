/**
 * DeployWorkflow: a live deployment as durable state. The workflow holds the desired layout, the budget, the
 * collector's history and the action log; each decision window is one heartbeating activity on the GPU host's
 * worker (reconcile → serve → observe → decide), so a worker that dies mid-window or mid-reconfiguration is
 * replaced by one that reconciles MIG and containers with the same desired state and carries on. Signals stop the
 * run or switch the policy; a query returns the status. History stays bounded by continue-as-new every
 * `windowsPerRun` windows. Whatever ends the run, teardown (every container and MIG instance of the run, nothing
 * else) and the report run in a non-cancellable scope.
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import {
  DeployInput,
  type DeployResult,
  type DeployStateView,
  type DeployStatus,
  type DeployWindowResult,
  Stage,
} from '../contracts/index.js';
import {
  type Activities,
  deployStatusQuery,
  deployStopSignal,
  deploySwitchPolicySignal,
  gpuTaskQueue,
  liveRetry,
  validateInput,
} from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

/** The carried desired state: the workflow reads only the view's fields and hands the rest back untouched. */
type DeployState = DeployStateView;

interface Carry {
  state: DeployState;
  planned: number;
  totals: { completed: number; failed: number; cancelled: number };
  dashboardUrl?: string;
}

export async function DeployWorkflow(raw: DeployInput & { carry?: Carry }): Promise<DeployResult> {
  const { carry: carried, ...rest } = raw;
  const input = validateInput('DeployWorkflow', DeployInput, rest);
  const taskQueue = input.taskQueue ?? gpuTaskQueue(input.firstGpu);
  joinRun(Stage.deploy, input.deploymentId, { gpuQueue: taskQueue });
  const intervalS = input.decisionIntervalS ?? 120;
  const acts = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: '30m',
    heartbeatTimeout: `${input.heartbeatTimeoutS}s`,
    retry: liveRetry(10),
  });
  const windowActs = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: `${Math.ceil(intervalS * 3 + 1800)}s`,
    heartbeatTimeout: `${input.heartbeatTimeoutS}s`,
    retry: liveRetry(20),
  });

  let policy = input.policy;
  let stopping = false;
  let current: CancellationScope | undefined;
  let carry: Carry | undefined = carried;
  setHandler(deployStopSignal, () => {
    stopping = true;
    current?.cancel();
  });
  setHandler(deploySwitchPolicySignal, (p: string) => {
    policy = p;
  });
  setHandler(deployStatusQuery, (): DeployStatus => {
    const s = carry?.state;
    return {
      deploymentId: input.deploymentId,
      policy,
      window: s?.window ?? 0,
      windows: s?.windows ?? 0,
      stopping,
      budgetS: s?.budgetS ?? 0,
      desired: (s?.desired ?? []).map((d) => ({ gpu: d.gpu, stateId: d.stateId, owners: [...d.owners] })),
      actions: (s?.actions ?? []).map((a) => ({
        decision: a.decision,
        kind: a.kind,
        details: a.details,
        status: a.status,
      })),
      faults: s?.faults.length ?? 0,
      requests: carry?.totals ?? { completed: 0, failed: 0, cancelled: 0 },
      ...(carry?.dashboardUrl ? { dashboardUrl: carry.dashboardUrl } : {}),
    };
  });

  let failure: unknown;
  let windowsThisRun = 0;
  let continuing = false;
  try {
    if (!carry) {
      setCurrentDetails(`**Starting** deployment ${input.deploymentId} (${policy})`);
      const start = await acts.deployStart.executeWithOptions(
        { summary: `plan deployment ${input.deploymentId}: ${policy} on ${taskQueue}` },
        [{ ...input, policy }],
      );
      carry = {
        state: start.state,
        planned: start.planned,
        totals: { completed: 0, failed: 0, cancelled: 0 },
      };
    }
    while (carry.state.window < carry.state.windows && !stopping) {
      if (windowsThisRun >= input.windowsPerRun) {
        continuing = true;
        break;
      }
      setCurrentDetails(
        `**Window ${carry.state.window + 1}/${carry.state.windows}** · ${policy} · ${carry.state.actions.length} actions`,
      );
      const state: DeployState = carry.state;
      let out: DeployWindowResult | undefined;
      current = new CancellationScope();
      try {
        out = await current.run(
          (): Promise<DeployWindowResult> =>
            windowActs.deployWindow.executeWithOptions(
              {
                summary: `window ${state.window + 1}/${state.windows} of ${input.deploymentId}: reconcile, serve ${intervalS} s, decide with ${policy}`,
              },
              [{ input: { ...input, policy }, state }],
            ),
        );
      } catch (err) {
        if (!(stopping && isCancellation(err))) throw err;
      } finally {
        current = undefined;
      }
      if (!out) break;
      carry = {
        ...carry,
        state: out.state,
        totals: {
          completed: carry.totals.completed + out.summary.completed,
          failed: carry.totals.failed + out.summary.failed,
          cancelled: carry.totals.cancelled + out.summary.cancelled,
        },
        ...(out.dashboardUrl ? { dashboardUrl: out.dashboardUrl } : {}),
      };
      windowsThisRun++;
    }
  } catch (err) {
    failure = err;
  }
  // Outside the try: continueAsNew ends this run by throwing, which the catch above would take for a failure (and
  // tear the deployment down). Nothing else is awaited between the loop's check of `stopping` and this.
  if (continuing && carry) return await continueAsNew<typeof DeployWorkflow>({ ...rest, policy, carry });
  // Teardown and report whatever happened (stop, failure, cancellation of the workflow itself).
  return await CancellationScope.nonCancellable(async () => {
    const teardown = await acts.deployTeardown.executeWithOptions(
      { summary: `tear down ${input.deploymentId}: its containers and MIG instances` },
      [{ ...input, policy }],
    );
    let reportFiles: string[] = [];
    let energy: DeployResult['energy'];
    let requests = {
      planned: carry?.planned ?? 0,
      ...(carry?.totals ?? { completed: 0, failed: 0, cancelled: 0 }),
    };
    if (carry) {
      const r = await acts.deployReport.executeWithOptions(
        { summary: `report of ${input.deploymentId}: metrics, figures, action log` },
        [{ input: { ...input, policy }, state: carry.state, planned: carry.planned }],
      );
      reportFiles = r.files;
      requests = r.requests;
      energy = r.energy;
    }
    if (failure) {
      if (isCancellation(failure)) throw failure;
      throw failure instanceof ApplicationFailure
        ? failure
        : ApplicationFailure.create({ message: String(failure), nonRetryable: true });
    }
    setCurrentDetails(
      `**Done.** ${requests.completed}/${requests.planned} requests completed; ${carry?.state.actions.length ?? 0} actions; removed ${teardown.containers.length} containers`,
    );
    return {
      deploymentId: input.deploymentId,
      windows: carry?.state.window ?? 0,
      requests,
      actions: (carry?.state.actions ?? []).map((a) => ({
        kind: a.kind,
        details: a.details,
        status: a.status,
      })),
      faults: carry?.state.faults.length ?? 0,
      reportFiles,
      removedContainers: teardown.containers,
      ...(energy ? { energy } : {}),
    };
  });
}
