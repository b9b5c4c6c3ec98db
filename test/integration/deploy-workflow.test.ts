/**
 * DeployWorkflow end to end on emulated hardware: a real Temporal dev server, the nvidia-smi emulator's file-backed
 * MIG state, real Docker containers of the vLLM emulator, real streamed requests, a 20 s decision interval. The
 * heuristic's reconfigurations must show up where a user would look: the MIG state, the containers, the dashboard
 * and the report; teardown must leave no container and no MIG instance behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployEnergy } from '../../contracts/index.js';
import { deployStatusQuery } from '../../contracts/temporal/index.js';
import {
  completePhases,
  containerOwners,
  dashboardData,
  deployRun,
  expectEnergyPhases,
  migLayouts,
  migState,
  pollWhileRunning,
  useDeployTemporal,
} from '../helpers/deploy-run.js';

const temporal = useDeployTemporal();

describe('DeployWorkflow (heuristic, emulated GPUs)', () => {
  it('splits or merges and transfers slices, visible in the MIG state, the containers, the dashboard and the report, then removes everything it created', async () => {
    const run = await deployRun(temporal, 'deploy-e2e');
    const { input, smiState, dashboardPort } = run;
    const seen = {
      layouts: new Set<string>(),
      owners: new Set<string>(),
      dashboardActions: new Set<string>(),
    };
    const seenDashboardGpus = new Set<string>();
    const dashboard: { energy?: { measured: boolean; agents: { agent: string; energyJ: number }[] } } = {};
    const result = await run.run(async () => {
      const handle = await run.start();
      const done = await pollWhileRunning(handle, 1_000, async () => {
        for (const [g, l] of Object.entries(migLayouts(smiState))) if (l) seen.layouts.add(`${g}:${l}`);
        for (const [slot, agent] of Object.entries(await containerOwners(input.deploymentId)))
          seen.owners.add(`${slot}:${agent}`);
        const d = (await dashboardData(dashboardPort)) as
          | {
              actions?: { kind: string; status: string }[];
              gpus?: { gpu: number; stateId?: number }[];
              energy?: typeof dashboard.energy | null;
            }
          | undefined;
        if (d?.energy) dashboard.energy = d.energy;
        for (const a of d?.actions ?? []) seen.dashboardActions.add(`${a.kind}:${a.status}`);
        for (const g of d?.gpus ?? []) if (g.stateId) seenDashboardGpus.add(`${g.gpu}:${g.stateId}`);
      });
      const status = await handle.query(deployStatusQuery);
      expect(status.window).toBe(3);
      return done;
    });

    // The workflow's own account: at least one split or merge and one transfer, all carried out.
    const kinds = result.actions.filter((a) => a.status === 'done').map((a) => a.kind);
    expect(kinds.some((k) => k === 'split' || k === 'merge')).toBe(true);
    expect(kinds).toContain('transfer');
    // The emulated MIG state went through more than one layout on some GPU (the split/merge happened on "hardware").
    const perGpu = (g: number) => [...seen.layouts].filter((l) => l.startsWith(`${g}:`)).length;
    expect(Math.max(perGpu(0), perGpu(1))).toBeGreaterThan(1);
    // Some slot's container served one agent and later the other (the transfer happened in Docker).
    const slotsWithBothAgents = [...new Set([...seen.owners].map((o) => o.split(':')[0]!))].filter(
      (slot) => seen.owners.has(`${slot}:CodingAgent`) && seen.owners.has(`${slot}:RAGAgent`),
    );
    expect(slotsWithBothAgents.length).toBeGreaterThan(0);
    // The dashboard showed both kinds live.
    expect([...seen.dashboardActions].some((a) => a === 'transfer:done')).toBe(true);
    expect([...seen.dashboardActions].some((a) => /^(split|merge):done$/.test(a))).toBe(true);

    // The report: every planned request accounted for once, both action kinds, figures.
    const report = run.report<{
      requests: { planned: number; completed: number; failed: number; cancelled: number };
      actions: { kind: string; status: string }[];
      agents: { agent: string; transferCount: number; completedRequests: number }[];
    }>();
    const r = report.requests;
    expect(r.completed + r.failed + r.cancelled).toBe(r.planned);
    expect(r.completed).toBeGreaterThan(r.planned * 0.9);
    expect(report.actions.map((a) => a.kind)).toContain('transfer');
    expect(report.agents.reduce((s, a) => s + a.transferCount, 0)).toBeGreaterThan(0);
    expect(readFileSync(join(input.outDir!, 'report.txt'), 'utf8')).toMatch(/TRANSFER/);
    expect(existsSync(join(input.outDir!, 'queue.png'))).toBe(true);
    expect(existsSync(join(input.outDir!, 'ttft.png'))).toBe(true);

    // Energy: the emulated boards' nvidia-smi power.draw (idle 56.4 W each, more while their engines serve) read
    // over the whole run, in the report, the report text, the workflow's result and the dashboard.
    const { energy, durationS } = run.report<{ energy: DeployEnergy; durationS: number }>();
    expect(energy.measured).toBe(true);
    expect(energy.unavailableSamples).toBe(0);
    // The readings cover the whole run: every window to its end and the hand-overs between windows, not only the
    // stretches between one window's first and last reading (which missed up to a sampling period per window).
    expect(energy.meteredS).toBeGreaterThanOrEqual(durationS - 0.5);
    expect(energy.gpus.map((g) => g.gpu)).toEqual([0, 1]);
    expect(energy.gpus.reduce((s, g) => s + g.energyJ, 0)).toBeCloseTo(energy.boardEnergyJ, 6);
    for (const g of energy.gpus)
      expect(g.energyJ, `GPU ${g.gpu}`).toBeGreaterThanOrEqual(56.4 * energy.meteredS * 0.99);
    // Two boards at ≥ 56.4 W for the run, above the power model's idle (50 W each).
    expect(energy.boardEnergyJ).toBeGreaterThan(energy.idleEnergyJ);
    // An agent's share is what its real slots drew above idle while they had requests in flight, or by the slices it
    // held while none had (requests served by the emulated backup engines draw no measured power).
    expect(energy.agents.some((a) => a.energyJ > 0)).toBe(true);
    for (const a of energy.agents) {
      expect(a.energyJ, a.agent).toBeGreaterThanOrEqual(0);
      expect(a.energyWh).toBeCloseTo(a.energyJ / 3600, 9);
      expect(a.edpJs).toBeCloseTo(a.energyJ * a.meanLatencyS, 6);
    }
    expect(readFileSync(join(input.outDir!, 'report.txt'), 'utf8')).toMatch(
      /● Energy \(nvidia-smi power\.draw, \d+ of \d+ readings/,
    );
    // The whole deployment: the set-up (MIG layout applied, engines booted), the three windows and the teardown
    // (engines stopped, MIG instances destroyed), laid end to end, all complete.
    expectEnergyPhases(energy, completePhases(3));
    for (const p of energy.phases) expect(p.unavailableSamples, p.phase).toBe(0);
    const setup = energy.phases[0]!;
    const teardown = energy.phases.at(-1)!;
    // Booting the engines takes seconds; removing containers and MIG instances takes some too.
    expect(setup.meteredS).toBeGreaterThan(1);
    expect(teardown.meteredS).toBeGreaterThan(0);
    for (const p of [setup, teardown])
      expect(p.energyJ, p.phase).toBeGreaterThanOrEqual(2 * 56.4 * p.meteredS * 0.99);
    expect(energy.meteredS).toBeGreaterThanOrEqual(durationS + teardown.meteredS - 0.5);
    expect(readFileSync(join(input.outDir!, 'report.txt'), 'utf8')).toMatch(
      /│ set-up +│[^\n]*│ complete[\s\S]*│ teardown +│[^\n]*│ complete/,
    );
    expect(result.energy).toEqual(energy);
    expect(dashboard.energy?.measured).toBe(true);
    expect(dashboard.energy?.agents.some((a) => a.energyJ > 0)).toBe(true);

    // Nothing left: no container of the deployment, no MIG instance on the GPUs it managed.
    expect(result.removedContainers.length).toBeGreaterThan(0);
    expect(await containerOwners(input.deploymentId)).toEqual({});
    expect(migState(smiState).gpus.map((g) => g.instances.length)).toEqual([0, 0]);
  }, 600_000);
});
