/** Shared pieces of the deployment tests: a rehearsal input on emulated GPUs and what the "hardware" shows. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { DeployEnergy, DeployInput, DeployResult } from '../../contracts/index.js';
import { deployStopSignal } from '../../contracts/temporal/index.js';
import type { DashboardData } from '../../core/deploy/index.js';
import { LABEL_OWNER } from '../../core/engines/engine-containers.js';
import { freePort } from '../../core/util/free-port.js';
import { type EmulatorState, newState } from '../../emulators/nvidia-smi/state.js';
import { buildVllmEmulatorImage } from '../../emulators/vllm-emulator-image.js';
import { activityDeps, GPU_HEARTBEAT_THROTTLE } from '../../workers/connect.js';
import { testClient, uniqueQueue, workerConnection, workflowBundle } from './temporal.js';

export const docker = new Docker();

export interface DeployTemporal {
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
}

/** The rehearsal folders this test file made (`/tmp/migflow-<name>-…`), removed when its tests are done. */
const rehearsalDirs = new Set<string>();

/**
 * Registers a deploy test file's beforeAll/afterAll: connections to the shared dev server opened and closed, the
 * vLLM emulator image its engines run built (or reused), and the file's rehearsal folders removed at the end (the
 * runs' containers are gone by then: each test tears its deployment down). The fields are set once beforeAll has run.
 */
export function useDeployTemporal(): DeployTemporal {
  const t = {} as { client: Client; connection: Connection; nativeConnection: NativeConnection };
  beforeAll(async () => {
    ({ client: t.client, connection: t.connection } = await testClient());
    t.nativeConnection = await workerConnection();
    await buildVllmEmulatorImage(docker);
  }, 300_000);
  afterAll(async () => {
    await t.nativeConnection?.close();
    await t.connection?.close();
    for (const dir of rehearsalDirs) rmSync(dir, { recursive: true, force: true });
    rehearsalDirs.clear();
  });
  return t;
}

/** The in-process workers of a deploy test: DeployWorkflow on `queue`, the real activities on `gpuQueue`. */
export async function deployWorkers(
  t: DeployTemporal,
  queue: string,
  gpuQueue: string,
): Promise<{ workflows: Worker; gpu: Worker }> {
  const workflows = await Worker.create({
    connection: t.nativeConnection,
    taskQueue: queue,
    workflowBundle: await workflowBundle(),
  });
  const gpu = await Worker.create({
    connection: t.nativeConnection,
    taskQueue: gpuQueue,
    activities: createActivities(activityDeps()),
    // As the GPU worker: a stop reaches the running window with the next heartbeat's response.
    maxHeartbeatThrottleInterval: GPU_HEARTBEAT_THROTTLE,
  });
  return { workflows, gpu };
}

/**
 * One deploy test's run with in-process workers: a queue pair of its own, the rehearsal input, DeployWorkflow's and
 * the activities' workers, how to run a body while both poll, start the workflow, and read the run's report.json.
 */
export async function deployRun(t: DeployTemporal, name: string, extra: Partial<DeployInput> = {}) {
  const queue = uniqueQueue(name);
  const gpuQueue = `${queue}-gpu`;
  const r = await rehearsal(name, gpuQueue, extra);
  const { workflows, gpu } = await deployWorkers(t, queue, gpuQueue);
  return {
    ...r,
    queue,
    /** Runs `body` while the workflow and activity workers poll; both stop when it ends. */
    run: <T>(body: () => Promise<T>): Promise<T> => workflows.runUntil(gpu.runUntil(body)),
    start: () =>
      t.client.workflow.start('DeployWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/deploy`,
        args: [r.input],
      }),
    /** The run's report.json (as the test needs it typed). */
    report: <T>(): T => JSON.parse(readFileSync(join(r.input.outDir!, 'report.json'), 'utf8')) as T,
  };
}

/** `set-up`, `window N`, `teardown`: a phase as the report's energy table names it. */
const phaseLabel = (p: DeployEnergy['phases'][number]) =>
  p.phase === 'window' ? `window ${p.window}` : p.phase;

/** The phases of a deployment that ran `windows` windows to the end: set-up, each window, teardown, all complete. */
export function completePhases(windows: number): [string, boolean][] {
  return [
    ['set-up', true],
    ...Array.from({ length: windows }, (_, w): [string, boolean] => [`window ${w}`, true]),
    ['teardown', true],
  ];
}

/**
 * A deployment's energy as measured end to end: its phases are `expected` (`[label, complete]`, in order), each one
 * starts at the previous one's last reading (no boundary booked twice, none missing), they add up to the
 * deployment's energy and metered seconds, and the figures are flagged partial exactly when a phase was cut short.
 */
export function expectEnergyPhases(
  energy: DeployEnergy,
  expected: readonly (readonly [string, boolean])[],
): void {
  expect(energy.measured).toBe(true);
  expect(energy.phases.map((p) => [phaseLabel(p), p.complete])).toEqual(expected);
  for (const [i, p] of energy.phases.entries()) {
    const before = energy.phases[i - 1];
    if (before)
      expect(p.fromMs, `${phaseLabel(p)} starts where ${phaseLabel(before)} ended`).toBe(before.toMs);
  }
  expect(energy.phases.reduce((s, p) => s + p.energyJ, 0)).toBeCloseTo(energy.boardEnergyJ, 6);
  expect(energy.phases.reduce((s, p) => s + p.meteredS, 0)).toBeCloseTo(energy.meteredS, 6);
  expect(energy.partial, energy.notes.join('; ')).toBe(expected.some(([, complete]) => !complete));
}

export async function rehearsal(
  name: string,
  taskQueue: string,
  extra: Partial<DeployInput> = {},
): Promise<{ input: DeployInput; dir: string; smiState: string; dashboardPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), `migflow-${name}-`));
  rehearsalDirs.add(dir);
  const smiState = join(dir, 'nvidia-smi.json');
  writeFileSync(smiState, JSON.stringify(newState(['A100_40GB', 'A100_40GB'])));
  const dashboardPort = await freePort();
  const input: DeployInput = {
    deploymentId: `${name}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`,
    policy: 'heuristic',
    deploymentConfig: 'test/fixtures/deploy/deployment.yaml',
    durationS: 60,
    decisionIntervalS: 20,
    emulate: true,
    nvidiaSmiState: smiState,
    // Short answers keep two cores from drowning in token streams.
    engineEnv: { MIGFLOW_EMU_BOOT_MS: '300', MIGFLOW_EMU_NATURAL_OUTPUT_MAX: '24' },
    outDir: join(dir, 'out'),
    taskQueue,
    dashboardPort,
    heartbeatTimeoutS: 10,
    ...extra,
  };
  return { input, dir, smiState, dashboardPort };
}

export function migState(file: string): EmulatorState {
  return JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
}

/** `gpu → "4g.20gb@0,2g.10gb@4,…"` from the emulator's state file. */
export function migLayouts(file: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const g of migState(file).gpus)
    out[g.index] = g.instances
      .slice()
      .sort((a, b) => a.start - b.start)
      .map((i) => `${i.profile}@${i.start}`)
      .join(',');
  return out;
}

/** The deployment's containers as `slot → agent` (from the environment each container records). */
export async function containerOwners(deploymentId: string): Promise<Record<string, string>> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_OWNER}=${deploymentId}`] },
  });
  const out: Record<string, string> = {};
  await Promise.all(
    list.map(async (c) => {
      try {
        const info = await docker.getContainer(c.Id).inspect();
        const agent = (info.Config.Env ?? []).find((e) => e.startsWith('MIGFLOW_AGENT='))?.slice(14) ?? '?';
        out[c.Labels['io.migflow.slot'] ?? c.Id] = agent;
      } catch {
        // Removed meanwhile.
      }
    }),
  );
  return out;
}

/** The dashboard's `/api/data` (partial: before the first window it says only its phase); undefined when down. */
export async function dashboardData(port: number): Promise<Partial<DashboardData> | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/data`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as Partial<DashboardData>;
  } catch {
    return undefined;
  }
}

/** What a stuck drill reports: the workflow's status and its pending activities (attempt, failure, heartbeat). */
export async function describeForFailure(handle: WorkflowHandle): Promise<string> {
  try {
    const d = await handle.describe();
    const pending = (d.raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name,
      state: a.state,
      attempt: a.attempt,
      lastFailure: a.lastFailure?.message,
      heartbeat: a.heartbeatDetails?.payloads?.[0]
        ? defaultPayloadConverter.fromPayload(a.heartbeatDetails.payloads[0])
        : undefined,
      lastHeartbeatTime: a.lastHeartbeatTime?.seconds?.toString(),
    }));
    return `workflow ${d.status.name}; pending activities: ${JSON.stringify(pending)}`;
  } catch (err) {
    return `describe failed: ${String(err)}`;
  }
}

/**
 * Calls `poll(handle)` until the deployment ends, `everyMs` apart (a poll under way finishes first), and resolves
 * with the workflow's result: the live-watching loop of the deploy tests that look at the "hardware" while it runs.
 */
export async function pollWhileRunning(
  handle: WorkflowHandle,
  everyMs: number,
  poll: (handle: WorkflowHandle) => Promise<void>,
): Promise<DeployResult> {
  const done = handle.result() as Promise<DeployResult>;
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  while (!finished) {
    await poll(handle);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return done;
}

/**
 * Resolves with `p`, or fails after `ms` with `diagnose()`'s text: a drill that cannot finish says where it stood
 * instead of running into the test timeout with nothing to show.
 */
export async function within<T>(
  label: string,
  p: Promise<T>,
  ms: number,
  diagnose: () => Promise<string>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void diagnose().then((text) => reject(new Error(`${label}: not done within ${ms / 1000} s\n${text}`)));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Seconds from the stop signal to the end of the window it cut short, from the workflow's history: the stop's
 * WorkflowExecutionSignaled event and the window activity's ActivityTaskCanceled event (recorded when the worker
 * reports the window ended). Undefined when either is missing.
 */
export async function stopLatencyS(handle: WorkflowHandle): Promise<number | undefined> {
  const events = (await handle.fetchHistory()).events ?? [];
  const ms = (e: (typeof events)[number]) =>
    Number(e.eventTime?.seconds?.toString() ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const signalled = events.find(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === deployStopSignal.name,
  );
  const ended = events.find((e) => e.activityTaskCanceledEventAttributes);
  return signalled && ended ? (ms(ended) - ms(signalled)) / 1000 : undefined;
}
