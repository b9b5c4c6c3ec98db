import { describe, expect, it } from 'vitest';
import { observationLayout } from '../../../core/control/index.js';

describe('observation layout', () => {
  it('is 277 floats for 3 agents: 59-wide blocks in name order, global tail at 177', () => {
    const l = observationLayout(3, 5);
    expect(l.length).toBe(277);
    expect(l.blockWidth).toBe(59);
    expect(l.blockAgents).toEqual(['ChatAgent', 'CodingAgent', 'RAGAgent']);
    expect(l.blockStarts).toEqual([0, 59, 118]);
    expect(l.block).toMatchObject({
      arrivalRate: 0,
      predictedArrivalRate: 1,
      totalSmRatio: 2,
      totalVramRatio: 3,
      arrivalRateHistory: 4,
      kvCacheUtilization: 9,
      avgCompositeLatency: 16,
      avgQueueLength: 23,
      avgQueueLengthTrend: 30,
      avgRunningRequests: 37,
      agentOwnsMig: 44,
      lastSplit: 50,
      lastMerge: 51,
      lastGive: 52,
      lastReceive: 53,
      lastGiveAmount: 54,
      lastReceiveAmount: 55,
      giveToSteps: 56,
    });
    expect(l.pairs).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(l.global).toEqual({
      recoveryFlag: 177,
      currentBudget: 178,
      downtimeRatio: 179,
      arrivalRatio: 180,
      queueRatio: 183,
      runningRatio: 186,
      kvRatio: 189,
      latencyRatio: 192,
      placeholder: 195,
      vramRatio: 196,
      smRatio: 199,
      migGeometry: 202,
      stateOneHot: 211,
      ownershipGrid: 256,
    });
  });

  it('is 171 floats for 2 agents: 56-wide blocks without give_to_steps and one agent pair', () => {
    const l = observationLayout(2, 5);
    expect(l.length).toBe(171);
    expect(l.blockWidth).toBe(56);
    expect(l.block.giveToSteps).toBe(-1);
    expect(l.blockAgents).toEqual(['CodingAgent', 'RAGAgent']);
    expect(l.pairs).toEqual([[0, 1]]);
    expect(l.global).toEqual({
      recoveryFlag: 112,
      currentBudget: 113,
      downtimeRatio: 114,
      arrivalRatio: 115,
      queueRatio: 116,
      runningRatio: 117,
      kvRatio: 118,
      latencyRatio: 119,
      placeholder: 120,
      vramRatio: 121,
      smRatio: 122,
      migGeometry: 123,
      stateOneHot: 127,
      ownershipGrid: 157,
    });
  });

  it('shifts every later offset when the history length changes', () => {
    const l = observationLayout(2, 3);
    expect(l.block.kvCacheUtilization).toBe(7);
    expect(l.length).toBe(171 - 2 * 2);
  });
});
