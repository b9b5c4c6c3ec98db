/**
 * The deployment dashboard in Debian's Chromium: the page draws each GPU's MIG layout with its slot owners, the
 * agents' load and the action history, and follows the live state as it changes (here a transfer handed over by the
 * decision loop). A screenshot is kept under test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../core/config/deployment.js';
import {
  type DashboardData,
  DashboardHub,
  type DashboardServer,
  startDashboard,
} from '../../core/deploy/dashboard.js';
import { applyAction } from '../../core/deploy/deploy-state.js';
import { LiveCluster } from '../../core/deploy/live-cluster.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { useChromium, watchPageProblems } from '../helpers/chromium.js';
import { deployStateFixture, readySlots } from '../helpers/deploy-state.js';

const browser = useChromium();
let server: DashboardServer;

afterAll(async () => {
  await server?.close();
});

function liveDeployment(): LiveCluster {
  const deploy = loadDeploymentConfig('test/fixtures/deploy/deployment.yaml');
  // GPU 1 merged to state 2 (the action below); GPU 0 as the fixture has it.
  const state = deployStateFixture({
    deploymentId: 'dashboard-demo',
    desired: [
      deployStateFixture().desired[0]!,
      { gpu: 1, position: 1, model: 'A100_40GB', stateId: 2, owners: ['RAGAgent', 'RAGAgent'] },
    ],
    budgetS: 232,
    lastActionCostS: 68,
    actions: [
      {
        decision: 0,
        atS: 20,
        kind: 'merge',
        name: 'GPU_1_PROFILE_2_4G_3G',
        gpu: 1,
        fromState: 3,
        toState: 2,
        sources: [1, 2],
        targets: [1],
        agent: 'RAGAgent',
        costS: 68,
        details: 'GPU 1 | Src: MIG_2G, MIG_1L -> Tgt: MIG_3G',
        status: 'done',
        tookS: 20.4,
      },
    ],
  });
  state.agents.CodingAgent!.latencies = [[0.42, 0.031, 1]];
  const live = new LiveCluster(state, deploy.agents, Date.now(), 20);
  live.phase = 'serving';
  live.slots = readySlots(state, deploy, (plan, i) => ({
    port: 18100 + i,
    metrics: { running: i % 3, waiting: plan.agent === 'CodingAgent' ? 2 : 0, kvUsage: 0.1, tpotMeanS: 0.03 },
  }));
  return live;
}

describe('deployment dashboard', () => {
  it('shows the live MIG layout with slot owners and the action history, and follows a transfer as it happens', async () => {
    const hub = new DashboardHub();
    const live = liveDeployment();
    hub.attach(live, loadDeploymentConfig('test/fixtures/deploy/deployment.yaml'));
    server = await startDashboard({ hub, host: '127.0.0.1', port: 0 });
    const page = await browser().newPage({ viewport: { width: 1100, height: 900 } });
    const errors = watchPageProblems(page);
    await page.goto(`${server.url}/`);

    await page.waitForSelector('.gpu[data-gpu="1"] .slot');
    expect(await page.locator('.gpu[data-gpu="0"] .slot').count()).toBe(3);
    expect(await page.locator('.gpu[data-gpu="1"]').getAttribute('data-state')).toBe('2');
    expect(await page.locator('.slot[data-slot="gpu1-s0"]').getAttribute('data-owner')).toBe('RAGAgent');
    expect(await page.locator('#actions').textContent()).toContain('MERGE');

    // The decision loop hands GPU 1's 4g slice to the coding agent.
    const transfer = {
      ...live.state.actions[0]!,
      decision: 1,
      atS: 40,
      kind: 'transfer' as const,
      fromState: 2 as const,
      toState: 2 as const,
      sources: [0],
      targets: [0],
      receiver: 'CodingAgent' as const,
      details: 'GPU 1 | Src: MIG_4G -> Tgt: MIG_4G | Receiver: CODING',
    };
    live.state.desired = applyAction(live.state.desired, transfer);
    live.state.actions.push(transfer);
    live.state.agents.RAGAgent!.counts.transfer++;
    const moved = live.slots.find((s) => s.plan.key === 'gpu1-s0')!;
    moved.plan = { ...moved.plan, agent: 'CodingAgent' };
    hub.tick();

    await expect
      .poll(() => page.locator('.slot[data-slot="gpu1-s0"]').getAttribute('data-owner'), { timeout: 10_000 })
      .toBe('CodingAgent');

    // Time series: a few seconds of samples with arrivals, queues and finished requests; a layout change on GPU 0.
    for (let i = 0; i < 4; i++) {
      live.noteArrival('CodingAgent');
      live.noteArrival('CodingAgent');
      live.noteArrival('RAGAgent');
      live.state.agents.RAGAgent!.latencies.unshift([1.2 + i, 0.04, 1]);
      hub.tick();
    }
    live.state.desired = live.state.desired.map((d) => (d.gpu === 0 ? { ...d, stateId: 4 } : d));
    hub.tick();
    live.phase = 'finishing';
    live.dispatched = 12;
    live.finished = 9;
    await expect.poll(() => page.locator('#charts svg').count(), { timeout: 10_000 }).toBe(4);
    await expect.poll(() => page.locator('#charts svg').first().locator('polyline').count()).toBe(2);
    await expect.poll(() => page.locator('#timeline').textContent()).toContain('state 4');
    expect(await page.locator('#timeline .mark').count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('#phase').textContent())
      .toContain('waiting for 3 requests still in flight before deciding');
    expect(await page.locator('#budgetnote').textContent()).toContain('charged its estimated cost');
    // Each action's measured time beside the estimate it was charged.
    expect(await page.locator('#actions tr.action td.took').allTextContents()).toContain('20.4');
    const data = hub.data() as DashboardData;
    // Programs read the phase's kind, not its words.
    expect(data.phaseKind).toBe('finishing');
    expect(data.phase).toMatch(/^window \d+\/\d+: arrivals for this window are all sent/);
    expect(data.series.find((x) => x.agent === 'CodingAgent')!.points.length).toBe(6);
    expect(data.series.find((x) => x.agent === 'RAGAgent')!.points.at(-1)![3]).toBe(2700);
    expect(errors).toEqual([]);
    expect(await page.locator('#actions').textContent()).toContain('TRANSFER');
    expect(Number(await page.locator('body').getAttribute('data-updates'))).toBeGreaterThan(1);

    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({
      path: join(PROJECT_ROOT, 'test-results', 'deploy-dashboard.png'),
      fullPage: true,
    });
    await page.close();
  });
});
