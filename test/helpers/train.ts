/** Helpers for the training-stage integration tests: a tiny PPO budget, heartbeat decoding, GPU indices. */
import { readdirSync, readFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { inject } from 'vitest';
import type { TrainHeartbeat } from '../../contracts/index.js';

type CreateGpuWorker = typeof import('../../workers/gpu-worker.js').createGpuWorker;

/**
 * A small net, short rollouts and a 10 s decision interval (fewer simulated requests per step), so a run of a couple
 * of thousand env steps takes seconds on a CPU.
 */
export const TINY_TRAINING: Readonly<Record<string, unknown>> = {
  'training.action-interval': 10,
  'training.PPO.episode_length': 32,
  'training.PPO.n_steps': 64,
  'training.PPO.batch_size': 32,
  'training.PPO.n_epochs': 2,
  'training.PPO.net_arch.pi': [16],
  'training.PPO.net_arch.vf': [16],
};

/**
 * A GPU worker in this process, wired as `migflow worker gpu --emulate` wires it (the real createGpuWorker), for the
 * emulated GPU `gpu` on the test dev server. Its artifacts go where MIGFLOW_ARTIFACTS points when it is created.
 */
export async function emulatedGpuWorker(gpu: number): Promise<Awaited<ReturnType<CreateGpuWorker>>> {
  // Imported here: most users of this file never start a GPU worker.
  const { createGpuWorker } = await import('../../workers/gpu-worker.js');
  return createGpuWorker(
    { address: inject('temporalAddress'), namespace: inject('temporalNamespace') },
    { gpu, emulate: true },
  );
}

/** A GPU index no other test file uses, so its `migflow-gpu-<N>` queue is private to this test. */
export function privateGpuIndex(): number {
  return 1000 + Math.floor(Math.random() * 9_000_000);
}

/** The heartbeat details the server holds for the workflow's (single) pending activity, if any. */
export async function pendingHeartbeat(handle: WorkflowHandle): Promise<TrainHeartbeat | undefined> {
  const d = await handle.describe();
  const payload = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  return defaultPayloadConverter.fromPayload(payload) as TrainHeartbeat;
}

/** Polls until `pred` holds for the pending activity's heartbeat; fails when the workflow closes first. */
export async function waitForHeartbeat(
  handle: WorkflowHandle,
  pred: (h: TrainHeartbeat) => boolean,
  timeoutMs = 120_000,
): Promise<TrainHeartbeat> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await pendingHeartbeat(handle);
    if (h && pred(h)) return h;
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING')
      throw new Error(`workflow ended (${d.status.name}) before the heartbeat`);
    if (Date.now() > deadline)
      throw new Error(`no matching heartbeat within ${timeoutMs} ms (last ${JSON.stringify(h)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** PIDs of live processes whose command line contains every one of `needles` (Linux /proc). */
export function processesWith(...needles: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (needles.every((n) => cmdline.includes(n))) pids.push(Number(name));
  }
  return pids;
}
