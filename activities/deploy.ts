/**
 * Deployment activities (core/stages/deploy), run by the GPU host's worker: `deployStart` (validate, build the
 * run's plan and initial desired state), `deployWindow` (one decision window: reconcile, serve, observe, decide —
 * heartbeating its phase), `deployTeardown` (remove the run's containers and MIG instances) and `deployReport`.
 */
import { Context } from '@temporalio/activity';
import Docker from 'dockerode';
import {
  DeployInput,
  type DeployReportArgs,
  type DeployReportResult,
  type DeployStartResult,
  type DeployWindowArgs,
  type DeployWindowResult,
  type ResolvedDeployInput,
} from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { parseConfig } from '../core/config/index.js';
import type { DeployState } from '../core/deploy/index.js';
import {
  deployReport,
  deployStart,
  deployTeardown,
  deployWindow,
  openDeployment,
} from '../core/stages/deploy/index.js';
import { buildVllmEmulatorImage } from '../emulators/vllm-emulator-image.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

/** Heartbeats every 2 s while `fn` runs (teardown and start run many slow nvidia-smi calls). */
async function beating<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const t = setInterval(() => ctx.heartbeat({ phase }), 2_000);
  try {
    return await fn();
  } finally {
    clearInterval(t);
  }
}

const parseInput = (raw: unknown): ResolvedDeployInput =>
  parseConfig('DeployWorkflow input', raw, DeployInput);

export function createDeployActivities(deps: ActivityDeps) {
  const root = deps.projectRoot;
  // A checkpoint policy and the fitted working config may come from other hosts: read them through the store
  // (unchanged with the local folder, and for policy names).
  const parse = async (raw: unknown): Promise<ResolvedDeployInput> => {
    const input = parseInput(raw);
    if (!deps.cache.remote) return input;
    return {
      ...input,
      policy: await deps.cache.localPath(input.policy),
      simulationConfig: await deps.cache.localPath(resolveFrom(root, input.simulationConfig)),
    };
  };
  return {
    async deployStart(raw: DeployInput): Promise<DeployStartResult<DeployState>> {
      return withFailures(() =>
        beating('start', async () => {
          const input = await parse(raw);
          // The configs are checked before anything is built.
          await openDeployment(input, root);
          if (input.emulate) await buildVllmEmulatorImage(new Docker());
          // The workflow's first run id names the deployment run: a retried start keeps it, a new deploy does not.
          const { workflowExecution: run, activityId } = Context.current().info;
          return deployStart(input, root, run ? `${run.workflowId}/${run.runId}` : activityId);
        }),
      );
    },

    async deployWindow(args: DeployWindowArgs<DeployState>): Promise<DeployWindowResult<DeployState>> {
      return withFailures(async () => {
        const ctx = Context.current();
        const input = await parse(args.input);
        // Emulated engines run the emulator image of this checkout's code, by its content tag (reused when built;
        // built here when this worker's host lacks it).
        const image =
          input.emulate && !input.engineImage ? (await buildVllmEmulatorImage(new Docker())).tag : undefined;
        const withImage = image
          ? { ...input, engineImage: image, permanentImage: input.permanentImage ?? image }
          : input;
        return deployWindow(withImage, args.state, root, {
          signal: ctx.cancellationSignal,
          heartbeat: (details) => ctx.heartbeat(details),
          attempt: ctx.info.attempt,
        });
      });
    },

    async deployTeardown(raw: DeployInput): Promise<{ containers: string[] }> {
      return withFailures(() =>
        beating('teardown', async () =>
          deployTeardown(await parse(raw), root, Context.current().info.attempt),
        ),
      );
    },

    async deployReport(args: DeployReportArgs<DeployState>): Promise<DeployReportResult> {
      return withFailures(() =>
        beating('report', async () => deployReport(await parse(args.input), args.state, args.planned, root)),
      );
    },
  };
}
