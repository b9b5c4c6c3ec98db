/**
 * The deploy stage: a live deployment in decision windows, not cached (it is a live run). DeployWorkflow carries
 * the desired state between windows; each step here is what one of its activities does on the GPU host:
 *
 *   const { state, planned } = await deployStart(input, root, runKey);          // plan, own the folder, initial state
 *   ({ state } = await deployWindow(input, state, root, { signal, heartbeat }));  // reconcile → serve → observe → decide
 *   await deployTeardown(input, root);                                            // the run's containers and MIG instances
 *   await deployReport(input, state, planned, root);                               // report.json/.txt, figures, actions
 *
 * The session (configs, policy, MIG and engine controllers) is built once per input and process; the dashboard
 * server lives in this process from the first window to the teardown.
 */
import { join, resolve } from 'node:path';
import type {
  DeployInput,
  DeployReportResult,
  DeployWindowSummary,
  ResolvedDeployInput,
} from '../../../contracts/index.js';
import {
  claimRunFolder,
  DashboardHub,
  type DashboardServer,
  type DeploySession,
  type DeploySessionInput,
  type DeployState,
  deploySession,
  initialDeployState,
  meteredTeardown,
  runDeployWindow,
  startDashboard,
  startLedger,
  writeDeployReport,
} from '../../deploy/index.js';
import { artifactsDir } from '../../paths.js';
import { sleep } from '../../util/index.js';

const dashboards = new Map<string, { hub: DashboardHub; server?: DashboardServer }>();
/** The window each deployment is running in this process (a teardown lets it finish its clean-up first). */
const running = new Map<string, Promise<unknown>>();

function sessionInput(i: ResolvedDeployInput, root: string): DeploySessionInput {
  const { taskQueue: _q, firstGpu: _g, windowsPerRun: _w, heartbeatTimeoutS: _h, outDir, ...rest } = i;
  return { ...rest, outDir: outDir ? resolve(root, outDir) : join(artifactsDir(), 'deploy', i.deploymentId) };
}

/** The deployment's session for `input` (built once per process, then reused by every window). */
export function openDeployment(input: ResolvedDeployInput, root: string): Promise<DeploySession> {
  return deploySession(sessionInput(input, root), root);
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

/**
 * `runKey` names this run (the same on a retried start): an earlier run's results in the folder are moved to
 * `previous/` first, so the report counts this run's windows only (run-folder.ts).
 */
export async function deployStart(
  input: ResolvedDeployInput,
  root: string,
  runKey: string,
): Promise<{ state: DeployState; planned: number; outDir: string }> {
  const session = await openDeployment(input, root);
  claimRunFolder(session.input.outDir, runKey, new Date(), session.deploy.keepPreviousRuns);
  // The deployment's metering starts here: the set-up (MIG layout, engines booting) is booked from this instant.
  const state = initialDeployState(session);
  state.powerReadAtMs = Date.now();
  startLedger(session.input.outDir, state.powerReadAtMs);
  return {
    state,
    planned: session.plan.requests.length,
    outDir: session.input.outDir,
  };
}

/** One decision window: the requests that arrive in it, served; the layout reconciled; the next decision taken. */
export async function deployWindow(
  input: ResolvedDeployInput,
  state: DeployState,
  root: string,
  ctx: { signal: AbortSignal; heartbeat: (details: unknown) => void; attempt: number },
): Promise<{ state: DeployState; summary: DeployWindowSummary; dashboardUrl?: string }> {
  const s = await openDeployment(input, root);
  const d = await hubFor(s);
  const k = state.window;
  const T = s.decisionIntervalS;
  const requests = s.plan.requests.filter((r) => r.arrivalS >= k * T && r.arrivalS < (k + 1) * T);
  const run = runDeployWindow({
    state,
    deploy: s.deploy,
    simulation: s.simulation,
    training: s.training,
    bench: s.bench,
    policy: s.policy,
    mig: s.mig,
    engines: s.engines,
    power: s.power,
    permanent: s.permanent,
    requests,
    prompts: s.prompts,
    decisionIntervalS: T,
    outDir: s.input.outDir,
    attempt: ctx.attempt,
    signal: ctx.signal,
    heartbeat: ctx.heartbeat,
    hub: d.hub,
  });
  running.set(s.input.deploymentId, run);
  const out = await run.finally(() => {
    if (running.get(s.input.deploymentId) === run) running.delete(s.input.deploymentId);
  });
  return { ...out, ...(d.server ? { dashboardUrl: d.server.url } : {}) };
}

/** How long a teardown waits for a cancelled window of this process to finish its clean-up. */
const WINDOW_SETTLE_MS = 60_000;

export async function deployTeardown(
  input: ResolvedDeployInput,
  root: string,
  attempt = 1,
): Promise<{ containers: string[] }> {
  const session = await openDeployment(input, root);
  // A stopped run's window may still be winding down here (the workflow does not wait for it): let it record its
  // readings first, so the teardown meters on from its last one instead of over it.
  const window = running.get(session.input.deploymentId);
  if (window) await Promise.race([window.catch(() => {}), sleep(WINDOW_SETTLE_MS)]);
  const d = dashboards.get(session.input.deploymentId);
  dashboards.delete(session.input.deploymentId);
  await d?.server?.close();
  return meteredTeardown(session, attempt);
}

export async function deployReport(
  input: ResolvedDeployInput,
  state: DeployState,
  planned: number,
  root: string,
): Promise<DeployReportResult> {
  const session = await openDeployment(input, root);
  const r = await writeDeployReport(session.input.outDir, state, planned);
  const { failureReasons: _f, ...requests } = r.requests;
  return { files: r.files, requests, energy: r.energy };
}

export type { DeployInput, DeployState };
