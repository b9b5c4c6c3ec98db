/**
 * Energy of a live deployment from power.draw readings: booking above idle to busy agents (else to the slices' holders),
 * [N/A], EDP, and a run metered across its windows — read through the nvidia-smi emulator as a deployment reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BoardReading,
  DeployPowerMeter,
  deployEnergy,
  type MeteredPhase,
  type WindowEnergy,
} from '../../../core/deploy/deploy-energy.js';
import {
  lastReadingMs,
  meteredPhases,
  startLedger,
  writePhaseRecord,
} from '../../../core/deploy/energy-ledger.js';
import type { LiveSlot } from '../../../core/deploy/live-cluster.js';
import type { RequestRecord } from '../../../core/deploy/publisher.js';
import { EMULATED_NVIDIA_SMI } from '../../../core/deploy/session.js';
import { readPowerDrawWithReason } from '../../../core/profiling/index.js';
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
      fromMs: 0,
      toMs: 2_000,
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

const energy = (boardJ: number, meteredS: number, extra: Partial<WindowEnergy> = {}): WindowEnergy => ({
  samples: 2,
  unavailableSamples: 0,
  meteredS,
  boardJ,
  gpuJ: { 1: boardJ },
  idleJ: 50 * meteredS,
  agentJ: {},
  ...extra,
});

describe('deployEnergy', () => {
  it('sums windows, converts to Wh and multiplies by the mean end-to-end latency for EDP', () => {
    const e = deployEnergy(
      ['CodingAgent', 'RAGAgent'],
      [
        {
          phase: 'window',
          window: 0,
          complete: true,
          energy: {
            samples: 4,
            unavailableSamples: 0,
            meteredS: 60,
            boardJ: 7200,
            gpuJ: { 1: 7200 },
            idleJ: 3600,
            agentJ: { CodingAgent: 1800 },
          },
        },
        {
          phase: 'window',
          window: 1,
          complete: true,
          energy: {
            samples: 4,
            unavailableSamples: 0,
            meteredS: 0,
            boardJ: 0,
            gpuJ: {},
            idleJ: 0,
            agentJ: { CodingAgent: 1800, RAGAgent: 360 },
          },
        },
      ],
      [done('CodingAgent', 0, 0.5, 1.5), done('CodingAgent', 1, 1, 1), done('RAGAgent', 3, 3, 0.5)],
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

  it('is set-up + Σ windows + teardown, each phase listed with its duration and energy (hand-computed)', () => {
    // Set-up 30 s at 120 W (engines booting: 3600 J), two 60 s windows at 200 W (12 000 J each), teardown 10 s at
    // 90 W (900 J): 28 500 J over 160 s; one completed request with 2 s end to end → EDP 57 000 J·s.
    const phases: MeteredPhase[] = [
      {
        phase: 'set-up',
        attempt: 1,
        complete: true,
        energy: energy(3600, 30, { agentJ: { ChatAgent: 2100 } }),
      },
      {
        phase: 'window',
        window: 0,
        complete: true,
        energy: energy(12_000, 60, { agentJ: { ChatAgent: 9000 } }),
      },
      {
        phase: 'window',
        window: 1,
        complete: true,
        energy: energy(12_000, 60, { agentJ: { ChatAgent: 9000 } }),
      },
      { phase: 'teardown', complete: true, energy: energy(900, 10, { agentJ: { unattributed: 400 } }) },
    ];
    const e = deployEnergy(['ChatAgent'], phases, [done('ChatAgent', 10, 10, 2)]);
    expect(e.boardEnergyJ).toBe(28_500);
    expect(e.meteredS).toBe(160);
    expect(e.idleEnergyJ).toBe(8000);
    expect(e.edpJs).toBe(57_000);
    expect(e.agents).toEqual([
      { agent: 'ChatAgent', energyJ: 20_100, energyWh: 20_100 / 3600, meanLatencyS: 2, edpJs: 40_200 },
    ]);
    expect(e.unattributedJ).toBe(400);
    expect(e.phases.map((p) => [p.phase, p.window, p.meteredS, p.energyJ, p.complete])).toEqual([
      ['set-up', undefined, 30, 3600, true],
      ['window', 0, 60, 12_000, true],
      ['window', 1, 60, 12_000, true],
      ['teardown', undefined, 10, 900, true],
    ]);
    expect(e.partial).toBe(false);
    expect(e.note).toMatch(/over 160 s of the deployment \(set-up 30 s, 2 windows 120 s, teardown 10 s\);/);
  });

  it('flags a deployment stopped mid-window as partial, naming the phase it stopped in', () => {
    const e = deployEnergy(
      ['ChatAgent'],
      [
        { phase: 'set-up', complete: true, energy: energy(3600, 30) },
        {
          phase: 'window',
          window: 0,
          complete: false,
          endedBy: 'cancelled: stop requested',
          energy: energy(4000, 20),
        },
        { phase: 'teardown', complete: true, energy: energy(900, 10) },
      ],
      [],
    );
    expect(e.boardEnergyJ).toBe(8500);
    expect(e.meteredS).toBe(60);
    expect(e.partial).toBe(true);
    expect(e.notes).toEqual(['window 0 was cut short (cancelled: stop requested): metered until then']);
    expect(e.note).toContain('PARTIAL');
  });

  it('says so when every reading was [N/A]', () => {
    const e = deployEnergy(
      ['ChatAgent'],
      [
        {
          phase: 'window',
          window: 0,
          complete: true,
          energy: {
            samples: 3,
            unavailableSamples: 3,
            meteredS: 4,
            boardJ: 0,
            gpuJ: {},
            idleJ: 0,
            agentJ: {},
          },
        },
      ],
      [],
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

  it('meters set-up, windows and teardown end to end, booking every boundary once (hand-computed)', async () => {
    // Two emulated A100s drawing a constant 60 W (idle, no engine reports load); the power model says 50 W idle.
    const state = join(dir, 'smi.json');
    writeState(state, newState(['A100_40GB', 'A100_40GB'], powerOverride('60:300')));
    const read = async (gpu: number) =>
      (
        await readPowerDrawWithReason(gpu, {
          binary: EMULATED_NVIDIA_SMI,
          env: { MIGFLOW_NVIDIA_SMI_STATE: state },
        })
      ).watts;
    const gpus = [
      { index: 0, idleW: 50 },
      { index: 1, idleW: 50 },
    ];
    const out = join(dir, 'run');
    // GPU 0 holds a CodingAgent 3g and a RAGAgent 1g engine with nothing in flight (booting, reconfiguring, idle);
    // GPU 1 holds no agent's slice.
    const slots = [slot(0, 'CodingAgent', '3g.20gb', 0), slot(0, 'RAGAgent', '1g.10gb', 0)];

    // deployStart at 0 s; window 0 reads at 1 s and, its reconciliation done, at 2 s: that ends the set-up.
    startLedger(out, 0);
    const w0 = new DeployPowerMeter(gpus, read, 0);
    for (const t of [1_000, 2_000]) await w0.sample(slots, t);
    writePhaseRecord(out, { phase: 'set-up', attempt: 1, complete: true, energy: w0.closePhase() });
    // Window 0 serves and reads once more as it ends, at 3 s.
    await w0.sample(slots, 3_000);
    // Window 1 starts 1.5 s later (report, hand-over): its first reading books that gap; it ends at 7 s.
    const w1 = new DeployPowerMeter(gpus, read, w0.lastReadingMs);
    for (const t of [4_500, 6_500, 7_000]) await w1.sample(slots, t);
    const windows = [w0, w1].map((m, window) => ({ window, attempt: 1, energy: m.summary() }));
    // The teardown meters from the last window's last reading: the engines go, readings at 8.5 s and 9 s.
    const td = new DeployPowerMeter(gpus, read, lastReadingMs(out, windows));
    for (const t of [8_500, 9_000]) await td.sample([], t);
    writePhaseRecord(out, { phase: 'teardown', attempt: 1, complete: true, energy: td.summary() });

    const { phases, notes } = meteredPhases(out, windows);
    expect(notes).toEqual([]);
    const e = deployEnergy(['CodingAgent', 'RAGAgent'], phases, []);
    expect(e.unavailableSamples).toBe(0);
    // set-up 2 s + windows 1 + 4 s + teardown 2 s = 9 s at 60 W on each board; the boundaries are shared readings.
    expect(e.phases.map((p) => [p.phase, p.window ?? '', p.fromMs, p.toMs, p.meteredS, p.energyJ])).toEqual([
      ['set-up', '', 0, 2_000, 2, 240],
      ['window', 0, 2_000, 3_000, 1, 120],
      ['window', 1, 3_000, 7_000, 4, 480],
      ['teardown', '', 7_000, 9_000, 2, 240],
    ]);
    expect(e.meteredS).toBeCloseTo(9, 12);
    expect(e.gpus).toEqual([
      { gpu: 0, energyJ: 540, energyWh: 540 / 3600 },
      { gpu: 1, energyJ: 540, energyWh: 540 / 3600 },
    ]);
    expect(e.boardEnergyJ).toBeCloseTo(1080, 9);
    expect(e.idleEnergyJ).toBeCloseTo(900, 9);
    // GPU 0's 10 W above idle for the 7 s up to the teardown, by held compute slices 3 : 1; GPU 1's 7 s and both
    // boards' 2 s of teardown (no slice held) are unattributed: 70 + 40 J.
    expect(e.agents.map((a) => [a.agent, a.energyJ])).toEqual([
      ['CodingAgent', 52.5],
      ['RAGAgent', 17.5],
    ]);
    expect(e.unattributedJ).toBeCloseTo(110, 9);
    expect(e.partial).toBe(false);
    expect(e.note).toMatch(
      /^nvidia-smi power\.draw, 16 of 16 readings over 9 s of the deployment \(set-up 2 s, 2 windows 5 s, teardown 2 s\)/,
    );
  });
});

describe('a power.draw reading without a value says why (never 0 W, never silent)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-deploy-power-reason-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the reason from nvidia-smi: [N/A] as printed, an unknown GPU, a missing binary', async () => {
    const state = join(dir, 'na.json');
    writeState(state, newState(['A100_40GB'], powerOverride('N/A')));
    const cmd = { binary: EMULATED_NVIDIA_SMI, env: { MIGFLOW_NVIDIA_SMI_STATE: state } };
    expect(await readPowerDrawWithReason(0, cmd)).toEqual({
      watts: null,
      reason: 'power.draw of GPU 0 reads [N/A]',
    });
    expect(await readPowerDrawWithReason(9, cmd)).toMatchObject({
      watts: null,
      reason: expect.stringMatching(/exited 6: No devices were found/),
    });
    expect(await readPowerDrawWithReason(0, { binary: join(dir, 'no-such-nvidia-smi') })).toMatchObject({
      watts: null,
      reason: expect.stringMatching(/no-such-nvidia-smi could not run/),
    });
  });

  it('counts unavailable readings by reason and flags the energy partial, naming them', async () => {
    const readings: BoardReading[] = [
      100,
      { reason: 'nvidia-smi exited 6: No devices were found' },
      null,
      100,
    ];
    const meter = new DeployPowerMeter([{ index: 0, idleW: 50 }], async () => readings.shift() ?? null);
    for (const t of [0, 1_000, 2_000, 3_000]) await meter.sample([], t);
    const e = meter.summary();
    // Only the last second has a value: 100 J; the two seconds before it are not booked at some made-up power.
    expect(e).toMatchObject({
      samples: 4,
      unavailableSamples: 2,
      boardJ: 100,
      unavailable: { 'nvidia-smi exited 6: No devices were found': 1, 'power.draw reads [N/A]': 1 },
    });
    const run = deployEnergy(['ChatAgent'], [{ phase: 'window', window: 0, complete: true, energy: e }], []);
    expect(run.partial).toBe(true);
    expect(run.notes).toEqual([
      "2 of 4 readings had no value, so their boards' time before them is not in the energy: nvidia-smi exited 6: No devices were found (×1); power.draw reads [N/A] (×1)",
    ]);
  });

  it('with no value at all, says what nvidia-smi answered instead of claiming [N/A]', async () => {
    const meter = new DeployPowerMeter([{ index: 0, idleW: 50 }], async () => {
      throw new Error('nvidia-smi power.draw: cannot read "power.draw [W]" as watts');
    });
    for (const t of [0, 2_000]) await meter.sample([], t);
    const run = deployEnergy(
      ['ChatAgent'],
      [{ phase: 'window', window: 0, complete: true, energy: meter.summary() }],
      [],
    );
    expect(run.measured).toBe(false);
    expect(run.note).toBe(
      'no power.draw reading had a value: nvidia-smi power.draw: cannot read "power.draw [W]" as watts (×2): no measured energy',
    );
  });
});
