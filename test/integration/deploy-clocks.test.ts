/**
 * DeployWorkflow with an RL checkpoint trained with the observation clocks (`training.time_features`), on emulated
 * hardware and a real Temporal dev server, continuing as new after every window: each decision's clocks reach the
 * next window through the workflow's carried state (Temporal's JSON payloads), and the next decision continues them
 * instead of starting afresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { DeployInput, DeployResult } from '../../contracts/index.js';
import type { DeployClocks } from '../../core/deploy/deploy-state.js';
import type { WindowFile } from '../../core/deploy/window.js';
import { actionCount } from '../../core/mig/index.js';
import { deployRun, useDeployTemporal } from '../helpers/deploy-run.js';
import { writeLinearCheckpoint } from '../unit/bench/checkpoint-fixture.js';

const temporal = useDeployTemporal();

/** The first argument of a continued run: the input with the carried state. */
type Carried = DeployInput & { carry: { state: { clocks?: DeployClocks } } };

/** Runs the deployment to its end and collects the clocks each continue-as-new hands the next run. */
async function runCollectingClocks(run: Awaited<ReturnType<typeof deployRun>>) {
  return run.run(async () => {
    const handle = await run.start();
    const result = (await handle.result()) as DeployResult;
    // Follow the chain of runs: each continue-as-new hands the next run the carried state.
    const carried: (DeployClocks | undefined)[] = [];
    const runIds = [handle.firstExecutionRunId];
    for (const runId of runIds) {
      const history = await temporal.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const next = history.events?.find(
        (e) => e.workflowExecutionContinuedAsNewEventAttributes,
      )?.workflowExecutionContinuedAsNewEventAttributes;
      if (!next) break;
      if (next.newExecutionRunId) runIds.push(next.newExecutionRunId);
      const input = defaultPayloadConverter.fromPayload<Carried>(next.input!.payloads![0]!);
      carried.push(input.carry.state.clocks);
    }
    return { result, carried };
  });
}

describe('DeployWorkflow (RL checkpoint with observation clocks, emulated GPUs)', () => {
  it('decides on the clocks and carries them across every continue-as-new', async () => {
    const actions = actionCount(2);
    // Zero weights: every valid action is as likely, so the first (NO_ACTION) wins and no window reconfigures.
    const policy = writeLinearCheckpoint({
      obsSize: 175,
      actionCount: actions,
      bias: new Array(actions).fill(0),
      timeFeatures: { idleRateReqS: 0.7, scaleS: 3600, cap: 2 },
    });
    const run = await deployRun(temporal, 'deploy-clocks', { policy, windowsPerRun: 1 });
    const { result, carried } = await runCollectingClocks(run);
    expect(result.windows).toBe(3);
    expect(result.actions).toEqual([]);
    // Three windows, one per run: two continue-as-new, each after a decision that saved its clocks.
    expect(carried.map((c) => c?.window)).toEqual([0, 1]);
    const [first, second] = carried as [DeployClocks, DeployClocks];
    expect(first.state.changedS.every((t) => t > 0)).toBe(true);
    // No layout changed: the second decision's GPU clocks still count from the first decision (restarted, they
    // would count from the second), so they continued through the continue-as-new.
    expect(second.state.changedS).toEqual(first.state.changedS);
    expect(second.state.signature).toEqual(first.state.signature);
    const w1 = JSON.parse(
      readFileSync(join(run.input.outDir!, 'windows', 'w0001.json'), 'utf8'),
    ) as WindowFile;
    expect(w1.events.map((e) => e.text).join('\n')).toMatch(/decision 1: NO_ACTION/);
    expect(w1.events.map((e) => e.text).join('\n')).not.toMatch(/observation clocks start/);
  }, 600_000);

  it('idle_merge decides on the idle clocks and carries them across every continue-as-new', async () => {
    const run = await deployRun(temporal, 'deploy-idle-merge', { policy: 'idle_merge', windowsPerRun: 1 });
    const { result, carried } = await runCollectingClocks(run);
    expect(result.windows).toBe(3);
    expect(carried.map((c) => c?.window)).toEqual([0, 1]);
    const [first, second] = carried as [DeployClocks, DeployClocks];
    expect(first.state.busySeenS).toHaveLength(2);
    expect(second.state.idleRateReqS).toBe(0.7);
    // Continued, not restarted: the second window's decision did not start its clocks afresh.
    const w1 = JSON.parse(
      readFileSync(join(run.input.outDir!, 'windows', 'w0001.json'), 'utf8'),
    ) as WindowFile;
    expect(w1.events.map((e) => e.text).join('\n')).toMatch(/decision 1: /);
    expect(w1.events.map((e) => e.text).join('\n')).not.toMatch(/observation clocks start/);
  }, 600_000);
});
