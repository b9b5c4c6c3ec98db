/**
 * Crash drill for DeployWorkflow: the GPU host's worker is killed with SIGKILL in the middle of a reconfiguration;
 * a new worker process takes the window over, reconciles MIG and containers with the workflow's desired state, and
 * the run completes with every request accounted for and nothing left behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type StartedWorker, startWorkerProcess } from '../../cli/lib/worker-processes.js';
import type { DeployEnergy, DeployResult } from '../../contracts/index.js';
import {
  completePhases,
  containerOwners,
  dashboardData,
  describeForFailure,
  expectEnergyPhases,
  migState,
  rehearsal,
  useDeployTemporal,
  within,
} from '../helpers/deploy-run.js';
import { uniqueQueue, workflowBundle } from '../helpers/temporal.js';

const temporal = useDeployTemporal();
const workers: StartedWorker[] = [];

afterAll(() => {
  for (const w of workers) w.proc.kill('SIGKILL');
});

describe('DeployWorkflow crash drill', () => {
  it('finishes the reconfiguration on a new worker after the GPU worker is killed mid-reconfiguration, leaving no orphan container or MIG instance', async () => {
    const queue = uniqueQueue('deploy-crash');
    const gpuQueue = `${queue}-gpu`;
    const { input, smiState, dashboardPort, dir } = await rehearsal('deploy-crash', gpuQueue);
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      MIGFLOW_TASK_QUEUE: gpuQueue,
      MIGFLOW_ARTIFACTS: join(dir, 'artifacts'),
    } as Record<string, string>;
    // Both workers' output, for the failure message of a drill that gets stuck.
    const log: string[] = [];
    const worker = (label: string) =>
      startWorkerProcess('main-worker', [], env, {
        onLine: (line) => log.push(`${new Date().toISOString()} [${label}] ${line}`),
      });
    const first = await worker('first');
    workers.push(first);
    const workflows = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: queue,
      workflowBundle: await workflowBundle(),
    });
    const phases: string[] = [];
    const result = await workflows.runUntil(async () => {
      const handle = await temporal.client.workflow.start('DeployWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/deploy`,
        args: [input],
      });
      const diagnose = async () =>
        [
          await describeForFailure(handle),
          `dashboard phases seen: ${phases.join(' → ') || 'none'}`,
          'worker output (last 60 lines):',
          ...log.slice(-60),
        ].join('\n');
      // Kill the worker while it carries out the first action (drain, MIG change or engine start).
      let gaveUp = false;
      await within(
        'waiting for a reconfiguration on the first worker',
        (async () => {
          while (!gaveUp) {
            const d = (await dashboardData(dashboardPort)) as { phase?: string } | undefined;
            const phase = d?.phase ?? '(no dashboard)';
            if (phases.at(-1) !== phase) phases.push(phase);
            // The dashboard's phase reads `window N/M: <what the loop does>`.
            if (/^window \d+\/\d+: reconfiguring/.test(phase)) return;
            await new Promise((r) => setTimeout(r, 250));
          }
        })(),
        240_000,
        diagnose,
      ).finally(() => {
        gaveUp = true;
      });
      await first.kill();
      workers.push(await worker('second'));
      return await within(
        'the run after the kill',
        handle.result() as Promise<DeployResult>,
        360_000,
        diagnose,
      );
    });

    expect(result.windows).toBe(3);
    const report = JSON.parse(readFileSync(join(input.outDir!, 'report.json'), 'utf8')) as {
      requests: { planned: number; completed: number; failed: number; cancelled: number };
      actions: { status: string; reconciled?: boolean }[];
    };
    // The interrupted action was finished by the new worker's reconciliation.
    expect(report.actions.some((a) => a.status === 'done' && a.reconciled === true)).toBe(true);
    // The interrupted window was replayed once: every planned request has exactly one outcome.
    const r = report.requests;
    expect(r.completed + r.failed + r.cancelled).toBe(r.planned);
    expect(r.completed).toBeGreaterThan(0);
    // Energy: the replayed window re-metered from the same reading as the killed attempt and replaced it, so the
    // phases still join end to end with nothing counted twice and nothing missing.
    const { energy } = report as unknown as { energy: DeployEnergy };
    expectEnergyPhases(energy, completePhases(3));
    // No orphans: containers of the deployment and MIG instances on its GPUs are all gone.
    expect(await containerOwners(input.deploymentId)).toEqual({});
    expect(migState(smiState).gpus.map((g) => g.instances.length)).toEqual([0, 0]);
  }, 720_000);
});
