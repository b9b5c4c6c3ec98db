import { describe, expect, it } from 'vitest';
import { actionMask, resolveAction } from '../../../core/control/index.js';
import {
  CHAT,
  CODING,
  idleSimAtFirstDecision,
  on,
  P2,
  P3,
  P4,
  P7,
  RAG,
  range,
  sim2,
  sim3,
  training,
  validIndices,
} from '../rl/setup.js';

const opts = { cooldownSteps: training.actionCooldownSteps };
// Spec §9 check 4: GPU0 = state 8 all Chat, GPU1 = Coding 7G, GPU2 = RAG 7G, idle, full budget.
const parityLayout = () => [...on(0, CHAT, [P2, P2, P3]), ...on(1, CODING, [P7]), ...on(2, RAG, [P7])];

describe('action mask', () => {
  it('allows exactly the reference list from state 8 on B200 with three agents', () => {
    const sim = idleSimAtFirstDecision(sim3, parityLayout());
    expect(sim.nowS).toBe(120);
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual([
      0,
      1,
      2,
      6,
      7,
      9,
      ...range(17, 30),
      ...range(32, 45),
      52,
      53,
      55,
      56,
      65,
      66,
      82,
      84,
    ]);
  });

  it('masks merges of instances with different owners', () => {
    const sim = idleSimAtFirstDecision(sim3, [
      ...on(0, CHAT, [P2]),
      ...on(0, CODING, [P2]),
      ...on(0, CHAT, [P3]),
      ...on(1, CODING, [P7]),
      ...on(2, RAG, [P7]),
    ]);
    const valid = validIndices(actionMask(sim, 3, sim3.cluster, opts));
    expect(valid).not.toContain(1); // 8 → 1 merges Chat's and Coding's 2G with Chat's 3G
    expect(valid).not.toContain(2); // 8 → 2 merges the two 2G
    expect(valid).toEqual(expect.arrayContaining([6, 7, 9]));
  });

  it('masks a transfer to the owner of the least-loaded engine, even if another engine of that profile has another owner', () => {
    const sim = idleSimAtFirstDecision(sim3, [
      ...on(0, CODING, [P2]),
      ...on(0, CHAT, [P2, P3]),
      ...on(1, CODING, [P7]),
      ...on(2, RAG, [P7]),
    ]);
    // Both 2G are idle: the lowest index (Coding's) is picked, so "2G → Coding" is not a transfer.
    const valid = validIndices(actionMask(sim, 3, sim3.cluster, opts));
    expect(valid).not.toContain(55);
    expect(valid).toContain(56);
    expect(resolveAction(sim, 3, 56)).toEqual({
      kind: 'transfer',
      gpu: 0,
      sources: [0],
      targets: [0],
      targetStateId: 8,
      receiver: RAG,
    });
  });

  it('allows only NO_ACTION while a reconfiguration is in flight', () => {
    const sim = idleSimAtFirstDecision(sim3, parityLayout());
    sim.metrics.reconfigFlag = true;
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual([0]);
  });

  it('masks every action whose predicted cost exceeds the remaining budget', () => {
    const sim = idleSimAtFirstDecision(sim3, parityLayout());
    sim.metrics.budgetS = 62.4;
    // Within 62.4 s: merge 8 → 2 (boots a 4g.90gb, 62.1 s) and the 2G transfers (2g.45gb, 61.4 s).
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual([0, 2, 55, 56]);
    sim.metrics.budgetS = 62.5;
    // Adds 1 → 2 and 1 → 8 on GPU1/GPU2 (slowest boot 3g.90gb, 62.5 s) and the 3G transfers (62.5 s).
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual([
      0, 2, 17, 20, 32, 35, 52, 53, 55, 56,
    ]);
    sim.metrics.budgetS = -1;
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual([0]);
  });

  it('keeps a (giver → receiver) pair masked for the cooldown, other pairs and ignoreCooldowns unaffected', () => {
    const sim = idleSimAtFirstDecision(sim3, parityLayout());
    sim.metrics.giveToSteps[CHAT * 3 + CODING] = 9;
    const valid = validIndices(actionMask(sim, 3, sim3.cluster, opts));
    expect(valid).not.toContain(52);
    expect(valid).not.toContain(55);
    expect(valid).toEqual(expect.arrayContaining([53, 56, 65, 66, 82, 84]));
    sim.metrics.giveToSteps[CHAT * 3 + CODING] = 10;
    expect(validIndices(actionMask(sim, 3, sim3.cluster, opts))).toEqual(expect.arrayContaining([52, 55]));
    sim.metrics.giveToSteps[CHAT * 3 + CODING] = 0;
    const ignoring = validIndices(actionMask(sim, 3, sim3.cluster, { ...opts, ignoreCooldowns: true }));
    expect(ignoring).toEqual(expect.arrayContaining([52, 55]));
  });

  it('on A100 masks states and transfers that need the unsupported 1S profile', () => {
    // Default config: GPU0 = Coding 7G, GPU1 = RAG (4G, 3G).
    const sim = idleSimAtFirstDecision(sim2, [...on(0, CODING, [P7]), ...on(1, RAG, [P4, P3])]);
    const valid = validIndices(actionMask(sim, 2, sim2.cluster, opts));
    // GPU0 (1..15): targets 2, 3, 8, 12 = indices 2, 3, 5, 9. GPU1 (16..30): 1 and 3 = 16, 18 (8 needs 2 → 2G+2G from 4G: 2 → 8 is legal).
    expect(valid.filter((i) => i >= 1 && i <= 15)).toEqual([2, 3, 5, 9]);
    expect(valid.filter((i) => i >= 16 && i <= 30)).toEqual([16, 18, 20]);
    // Transfers: GPU0 7G → RAG (32); GPU1 4G → Coding (45), 3G → Coding (47). 1S entries (41, 42, 53, 54) never.
    expect(valid.filter((i) => i >= 31)).toEqual([32, 45, 47]);
  });
});
