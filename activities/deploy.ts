/**
 * Deployment activities, run by the GPU host's worker: `deployStart` (validate, build the run's plan and initial
 * desired state), `deployWindow` (one decision window: reconcile, serve, observe, decide — heartbeating its phase),
 * `deployTeardown` (remove the run's containers and MIG instances) and `deployReport`. The dashboard server lives
 * in this process from the first window to the teardown.
 */
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import Docker from 'dockerode';
import { DeployInput, type DeployWindowSummary, type ResolvedDeployInput } from '../contracts/index.js';
import { parseConfig } from '../core/config/load.js';
import { DashboardHub, type DashboardServer, startDashboard } from '../core/deploy/dashboard.js';
import { writeDeployReport } from '../core/deploy/deploy-report.js';
import type { DeployState } from '../core/deploy/deploy-state.js';
import {
  type DeploySession,
  type DeploySessionInput,
  deploySession,
  initialDeployState,
  teardownDeployment,
} from '../core/deploy/session.js';
import { runDeployWindow } from '../core/deploy/window.js';
import { artifactsDir } from '../core/paths.js';
import { buildVllmEmulatorImage } from '../emulators/vllm-emulator-image.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

const dashboards = new Map<string, { hub: DashboardHub; server?: DashboardServer }>();

function sessionInput(i: ResolvedDeployInput, root: string): DeploySessionInput {
  const { taskQueue: _q, firstGpu: _g, windowsPerRun: _w, heartbeatTimeoutS: _h, outDir, ...rest } = i;
  return { ...rest, outDir: outDir ? resolve(root, outDir) : join(artifactsDir(), 'deploy', i.deploymentId) };
}

async function hubFor(s: DeploySession): Promise<{ hub: DashboardHub; server?: DashboardServer }> {
  const id = s.input.deploymentId;
  let d = dashboards.get(id);
  if (!d) {
    d = { hub: new DashboardHub() };
    dashboards.set(id, d);
    if (s.input.dashboard !== false) {
      d.server = await startDashboard({
        hub: d.hub,
        host: s.deploy.dashboard.host,
        port: s.input.dashboardPort ?? s.deploy.dashboard.port,
        file: s.deploy.file,
      });
    }
  }
  return d;
}

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

export function createDeployActivities(deps: ActivityDeps) {
  const open = async (raw: unknown) => {
    const input = parseConfig('DeployWorkflow input', raw, DeployInput);
    const si = sessionInput(input, deps.projectRoot);
    const session = await deploySession(si, deps.projectRoot);
    return { input, session };
  };
  return {
    async deployStart(raw: DeployInput): Promise<{ state: DeployState; planned: number; outDir: string }> {
      return withFailures(() =>
        beating('start', async () => {
          const { session } = await open(raw);
          if (session.input.emulate) await buildVllmEmulatorImage(new Docker());
          return {
            state: initialDeployState(session),
            planned: session.plan.requests.length,
            outDir: session.input.outDir,
          };
        }),
      );
    },

    async deployWindow(args: {
      input: DeployInput;
      state: DeployState;
    }): Promise<{ state: DeployState; summary: DeployWindowSummary; dashboardUrl?: string }> {
      return withFailures(async () => {
        const { session: s } = await open(args.input);
        const ctx = Context.current();
        const d = await hubFor(s);
        const k = args.state.window;
        const T = s.decisionIntervalS;
        const requests = s.plan.requests.filter((r) => r.arrivalS >= k * T && r.arrivalS < (k + 1) * T);
        const { state, summary } = await runDeployWindow({
          state: args.state,
          deploy: s.deploy,
          simulation: s.simulation,
          training: s.training,
          bench: s.bench,
          policy: s.policy,
          mig: s.mig,
          engines: s.engines,
          permanent: s.permanent,
          requests,
          prompts: s.prompts,
          decisionIntervalS: T,
          outDir: s.input.outDir,
          attempt: ctx.info.attempt,
          signal: ctx.cancellationSignal,
          heartbeat: (details) => ctx.heartbeat(details),
          hub: d.hub,
        });
        return { state, summary, ...(d.server ? { dashboardUrl: d.server.url } : {}) };
      });
    },

    async deployTeardown(raw: DeployInput): Promise<{ containers: string[] }> {
      return withFailures(() =>
        beating('teardown', async () => {
          const { session } = await open(raw);
          const d = dashboards.get(session.input.deploymentId);
          dashboards.delete(session.input.deploymentId);
          await d?.server?.close();
          return teardownDeployment(session);
        }),
      );
    },

    async deployReport(args: { input: DeployInput; state: DeployState; planned: number }): Promise<{
      files: string[];
      requests: { planned: number; completed: number; failed: number; cancelled: number };
    }> {
      return withFailures(() =>
        beating('report', async () => {
          const { session } = await open(args.input);
          const r = await writeDeployReport(session.input.outDir, args.state, args.planned);
          const { failureReasons: _f, ...requests } = r.requests;
          return { files: r.files, requests };
        }),
      );
    },
  };
}
