/** Energy of a live deployment from power.draw readings: booking above idle to busy agents, [N/A], EDP. */
import { describe, expect, it } from 'vitest';
import { DeployPowerMeter, deployEnergy } from '../../../core/deploy/deploy-energy.js';
import type { LiveSlot } from '../../../core/deploy/live-cluster.js';
import type { RequestRecord } from '../../../core/deploy/publisher.js';

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
      boardJ: 300,
      idleJ: 100,
      agentJ: { CodingAgent: 150, RAGAgent: 50 },
    });
  });

  it('keeps above-idle energy of a board with no work apart, and counts [N/A] as unavailable, not 0 W', async () => {
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
            boardJ: 7200,
            idleJ: 3600,
            agentJ: { CodingAgent: 1800 },
          },
          requests: [done('CodingAgent', 0, 0.5, 1.5), done('CodingAgent', 1, 1, 1)],
        },
        {
          energy: {
            samples: 4,
            unavailableSamples: 0,
            boardJ: 0,
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
    expect(e.idleEnergyJ).toBe(3600);
    expect(e.meanLatencyS).toBeCloseTo(7 / 6, 12);
    expect(e.edpJs).toBeCloseTo(7200 * (7 / 6), 8);
  });

  it('says so when every reading was [N/A]', () => {
    const e = deployEnergy(
      ['ChatAgent'],
      [{ energy: { samples: 3, unavailableSamples: 3, boardJ: 0, idleJ: 0, agentJ: {} }, requests: [] }],
    );
    expect(e).toMatchObject({
      measured: false,
      note: 'nvidia-smi reports power.draw as [N/A] on these GPUs: no measured energy',
    });
  });
});
