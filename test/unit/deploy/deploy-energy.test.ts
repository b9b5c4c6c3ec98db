/**
 * Energy of a live deployment from power.draw readings: booking above idle to busy agents (else to the slices' holders),
 * [N/A], EDP, and a run metered across its windows — read through the nvidia-smi emulator as a deployment reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployPowerMeter, deployEnergy } from '../../../core/deploy/deploy-energy.js';
import type { LiveSlot } from '../../../core/deploy/live-cluster.js';
import type { RequestRecord } from '../../../core/deploy/publisher.js';
import { EMULATED_NVIDIA_SMI } from '../../../core/deploy/session.js';
import { readPowerDraw } from '../../../core/profiling/index.js';
import { newState, powerOverride, writeState } from '../../../emulators/nvidia-smi/state.js';

const slot = (gpu: number, agent: string, hardware: string, inFlight: number): LiveSlot =>
  ({ plan: { gpu, agent, hardware, permanent: false }, inFlight }) as unknown as LiveSlot;

const done = (agent: string, arrivalS: number, sentS: number, e2eS: number): RequestRecord =>
  ({ agent, arrivalS, sentS, e2eS, status: 'completed' }) as RequestRecord;

describe('DeployPowerMeter', () => {
  it('books the energy above idle to the agents with work, by compute slices (hand-computed)', async () => {
    const readings = [150, 150];
    const meter = new DeployPowerMeter([{ index: 0, idleW: 50 }], async () => readings.shift() ?? null);
    const slots = [
      slot(0, 'CodingAgent', '3g.20gb', 2),
      slot(0, 'RAGAgent', '1g.10gb', 1),
      slot(0, 'ChatAgent', '2g.10gb', 0),
    ];
    await meter.sample(slots, 0);
    await meter.sample(slots, 2_000);
    // 2 s at 150 W: 300 J on the board, 100 J idle, 200 J above it: 3/4 to CodingAgent, 1/4 to RAGAgent.
    expect(meter.summary()).toEqual({
      samples: 2,
      unavailableSamples: 0,
      meteredS: 2,
      boardJ: 300,
      gpuJ: { 0: 300 },
      idleJ: 100,
      agentJ: { CodingAgent: 150, RAGAgent: 50 },
    });
  });

  it('books a board with no requests in flight to the agents by the compute slices they hold on it', async () => {
    const meter = new DeployPowerMeter([{ index: 0, idleW: 50 }], async () => 90);
    const slots = [slot(0, 'CodingAgent', '4g.20gb', 0), slot(0, 'RAGAgent', '3g.20gb', 0)];
    await meter.sample(slots, 0);
    await meter.sample(slots, 7_000);
    // 7 s × 40 W above idle = 280 J: 4/7 and 3/7.
    expect(meter.summary().agentJ).toEqual({ CodingAgent: 160, RAGAgent: 120 });
  });

  it('keeps above-idle energy of a board holding no slice apart, and counts [N/A] as unavailable, not 0 W', async () => {
    const readings: (number | null)[] = [80, 80, null];
    const meter = new DeployPowerMeter([{ index: 0, idleW: 50 }], async () => readings.shift() ?? null);
    await meter.sample([], 0);
    await meter.sample([], 1_000);
    await meter.sample([], 2_000);
    expect(meter.summary()).toMatchObject({
      samples: 3,
      unavailableSamples: 1,
      boardJ: 80,
      agentJ: { unattributed: 30 },
    });
  });
});

describe('deployEnergy', () => {
  it('sums windows, converts to Wh and multiplies by the mean end-to-end latency for EDP', () => {
    const e = deployEnergy(
      ['CodingAgent', 'RAGAgent'],
      [
        {
          energy: {
            samples: 4,
            unavailableSamples: 0,
            meteredS: 60,
            boardJ: 7200,
            gpuJ: { 1: 7200 },
            idleJ: 3600,
            agentJ: { CodingAgent: 1800 },
          },
          requests: [done('CodingAgent', 0, 0.5, 1.5), done('CodingAgent', 1, 1, 1)],
        },
        {
          energy: {
            samples: 4,
            unavailableSamples: 0,
            meteredS: 0,
            boardJ: 0,
            gpuJ: {},
            idleJ: 0,
            agentJ: { CodingAgent: 1800, RAGAgent: 360 },
          },
          requests: [done('RAGAgent', 3, 3, 0.5)],
        },
      ],
    );
    expect(e.measured).toBe(true);
    expect(e.agents).toEqual([
      { agent: 'CodingAgent', energyJ: 3600, energyWh: 1, meanLatencyS: 1.5, edpJs: 5400 },
      { agent: 'RAGAgent', energyJ: 360, energyWh: 0.1, meanLatencyS: 0.5, edpJs: 180 },
    ]);
    expect(e.boardEnergyJ).toBe(7200);
    expect(e.gpus).toEqual([{ gpu: 1, energyJ: 7200, energyWh: 2 }]);
    expect(e.meteredS).toBe(60);
    expect(e.idleEnergyJ).toBe(3600);
    expect(e.meanLatencyS).toBeCloseTo(7 / 6, 12);
    expect(e.edpJs).toBeCloseTo(7200 * (7 / 6), 8);
  });

  it('says so when every reading was [N/A]', () => {
    const e = deployEnergy(
      ['ChatAgent'],
      [
        {
          energy: {
            samples: 3,
            unavailableSamples: 3,
            meteredS: 4,
            boardJ: 0,
            gpuJ: {},
            idleJ: 0,
            agentJ: {},
          },
          requests: [],
        },
      ],
    );
    expect(e).toMatchObject({
      measured: false,
      note: 'nvidia-smi reports power.draw as [N/A] on these GPUs: no measured energy',
    });
  });
});

describe('a deployment metered across its windows (nvidia-smi emulator)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-deploy-energy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('books the time between windows and each window up to its end, per board and to the slices’ holders', async () => {
    // Two emulated A100s drawing a constant 60 W (idle, no engine reports load); the power model says 50 W idle.
    const state = join(dir, 'smi.json');
    writeState(state, newState(['A100_40GB', 'A100_40GB'], powerOverride('60:300')));
    const read = (gpu: number) =>
      readPowerDraw(gpu, { binary: EMULATED_NVIDIA_SMI, env: { MIGFLOW_NVIDIA_SMI_STATE: state } });
    const gpus = [
      { index: 0, idleW: 50 },
      { index: 1, idleW: 50 },
    ];
    // GPU 0 holds a CodingAgent 3g and a RAGAgent 1g engine with nothing in flight (booting, reconfiguring, idle);
    // GPU 1 holds no agent's slice.
    const slots = [slot(0, 'CodingAgent', '3g.20gb', 0), slot(0, 'RAGAgent', '1g.10gb', 0)];

    // Window 0 reads at 0 s and 2 s and once more as it ends, at 3 s.
    const w0 = new DeployPowerMeter(gpus, read);
    for (const t of [0, 2_000, 3_000]) await w0.sample(slots, t);
    // Window 1 starts 1.5 s later (report, hand-over): its first reading books that gap; it ends at 7 s.
    const w1 = new DeployPowerMeter(gpus, read, w0.lastReadingMs);
    for (const t of [4_500, 6_500, 7_000]) await w1.sample(slots, t);

    const e = deployEnergy(
      ['CodingAgent', 'RAGAgent'],
      [w0, w1].map((m) => ({ energy: m.summary(), requests: [] })),
    );
    expect(e.unavailableSamples).toBe(0);
    // The whole 7 s, not 2 + 2 s of serving: 60 W × 7 s per board.
    expect(e.meteredS).toBeCloseTo(7, 12);
    expect(e.gpus).toEqual([
      { gpu: 0, energyJ: 420, energyWh: 420 / 3600 },
      { gpu: 1, energyJ: 420, energyWh: 420 / 3600 },
    ]);
    expect(e.boardEnergyJ).toBeCloseTo(840, 9);
    expect(e.idleEnergyJ).toBeCloseTo(700, 9);
    // GPU 0's 10 W above idle for 7 s, by held compute slices 3 : 1.
    expect(e.agents.map((a) => [a.agent, a.energyJ])).toEqual([
      ['CodingAgent', 52.5],
      ['RAGAgent', 17.5],
    ]);
    expect(e.note).toMatch(/^nvidia-smi power\.draw, 12 of 12 readings over 7 s of the run/);
  });
});
