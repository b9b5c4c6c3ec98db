/**
 * A second `migflow deploy` with the same deployment id and output folder reports only its own windows: DeployWorkflow
 * on emulated GPUs runs twice into one folder (two windows, then one), and the second report counts one window and
 * its own requests, says where the first run's results went, and the first run's window files and report are kept
 * there, unchanged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../../contracts/index.js';
import { containerOwners, deployWorkers, rehearsal, useDeployTemporal } from '../helpers/deploy-run.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useDeployTemporal();

describe('DeployWorkflow rerun into the same folder', () => {
  it("reports only the rerun's windows and keeps the earlier run's results under previous/", async () => {
    const queue = uniqueQueue('deploy-rerun');
    const gpuQueue = `${queue}-gpu`;
    const { input } = await rehearsal('deploy-rerun', gpuQueue, { durationS: 40, dashboard: false });
    const out = input.outDir!;
    const { workflows, gpu } = await deployWorkers(temporal, queue, gpuQueue);
    const deploy = (durationS: number, n: number) =>
      temporal.client.workflow.execute('DeployWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/deploy-${n}`,
        args: [{ ...input, durationS }],
      }) as Promise<DeployResult>;
    const [first, second] = await workflows.runUntil(
      gpu.runUntil(async () => {
        const a = await deploy(40, 1);
        const firstReport = readFileSync(join(out, 'report.json'), 'utf8');
        return [{ result: a, report: firstReport }, await deploy(20, 2)] as const;
      }),
    );
    expect(first.result.windows).toBe(2);
    expect(second.windows).toBe(1);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      windows: number;
      requests: { completed: number; failed: number; cancelled: number };
      previousRun?: string;
    };
    expect(report.windows).toBe(1);
    expect(readdirSync(join(out, 'windows'))).toEqual(['w0000.json']);
    // Its request counts are its own run's (the workflow's totals), not the two runs' together.
    const { completed, failed, cancelled } = report.requests;
    expect({ completed, failed, cancelled }).toEqual({
      completed: second.requests.completed,
      failed: second.requests.failed,
      cancelled: second.requests.cancelled,
    });
    expect(report.previousRun).toMatch(new RegExp(`^${join(out, 'previous')}/`));
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toContain(`moved to ${report.previousRun}`);
    expect(readdirSync(join(report.previousRun!, 'windows'))).toEqual(['w0000.json', 'w0001.json']);
    expect(readFileSync(join(report.previousRun!, 'report.json'), 'utf8')).toBe(first.report);
    expect(await containerOwners(input.deploymentId)).toEqual({});
  }, 600_000);
});
