import { describe, expect, it } from 'vitest';
import { loadTrainingConfig } from '../../../core/config/training.js';
import {
  affinityRaw,
  computeReward,
  type RewardEngineView,
  type RewardRequestView,
} from '../../../core/control/index.js';

const cfg = loadTrainingConfig('configs/training_config.yaml').reward;
const CODING = 0;
const RAG = 1;
const CHAT = 2;
const agents = ['CodingAgent', 'RAGAgent', 'ChatAgent'];
const eng = (owner: number, name: string, size: number, permanent = false): RewardEngineView => ({
  owner,
  permanent,
  profile: { name, size },
});
const req = (
  r: Partial<RewardRequestView> & { servingEngine: RewardEngineView | null },
): RewardRequestView => ({
  arrivalTimeS: 0,
  hasFirstToken: false,
  firstTokenTimeS: -1,
  decodeTimeS: 0,
  promptTokens: 0,
  completionTokens: 0,
  prefilledTokens: 0,
  generatedTokens: 0,
  ...r,
});

// Spec §4.5 worked example: GPU0 Chat 7G, GPU1 Coding state 13, GPU2 RAG 7G, GPU3 the permanent A100.
const gpuEngines: RewardEngineView[][] = [
  [eng(CHAT, '7g.180gb', 7)],
  [
    eng(CODING, '2g.45gb', 2),
    eng(CODING, '1g.23gb', 1),
    eng(CODING, '1g.23gb', 1),
    eng(CODING, '2g.45gb', 2),
    eng(CODING, '1g.45gb', 1),
  ],
  [eng(RAG, '7g.180gb', 7)],
  [
    eng(CHAT, '2g.10gb', 2, true),
    eng(CODING, '2g.10gb', 2, true),
    eng(RAG, '2g.10gb', 2, true),
    eng(CHAT, '1g.10gb', 1, true),
  ],
];
const r1 = req({
  arrivalTimeS: 100,
  hasFirstToken: true,
  firstTokenTimeS: 101,
  decodeTimeS: 2,
  generatedTokens: 100,
  promptTokens: 1000,
  completionTokens: 100,
  prefilledTokens: 1000,
  servingEngine: eng(CODING, '7g.180gb', 7),
});
const r2 = req({
  arrivalTimeS: 230,
  promptTokens: 500,
  completionTokens: 100,
  servingEngine: gpuEngines[1]![0]!,
});
const base = { agents, requests: [[r1, r2], [], []], nowS: 240, gpuEngines, defaultWaitingQj: 1 };

describe('reward', () => {
  it('matches the reference worked example with NO_ACTION', () => {
    const r = computeReward(cfg, { ...base, tookAction: false });
    // ψ carries the 1e-9 guard of the reference: 8.804 / (2 + 1e-9).
    expect(r.psi[CODING]).toBeCloseTo(4.402, 8);
    expect(r.quality).toBeCloseTo(11.6470588235, 9);
    expect(r.affinity).toBeCloseTo(0.6, 12);
    expect(r.reward).toBeCloseTo(0.7845058826, 9);
  });

  it('splits the latency penalty into its TTFT and TPOT shares (worked example: 0.8·(1 + 10) and 0.2·0.02 over 2 requests)', () => {
    const r = computeReward(cfg, { ...base, tookAction: false });
    expect(r.ttftPenalty).toBeCloseTo(8.8 / 2, 8);
    expect(r.tpotPenalty).toBeCloseTo(0.004 / 2, 8);
    expect(r.ttftPenalty + r.tpotPenalty).toBeCloseTo(r.penalty, 12);
    const off = computeReward({ ...cfg, useQualityBonus: false }, { ...base, tookAction: false });
    // Without the bonus each cost is divided by its Q: r1 on a 7g.180gb (Q 18), r2 waiting (Q 1).
    expect(off.ttftPenalty).toBeCloseTo((0.8 / 18 + 8) / 2, 8);
    expect(off.tpotPenalty).toBeCloseTo(0.004 / 18 / 2, 10);
    expect(off.ttftPenalty + off.tpotPenalty).toBeCloseTo(off.penalty, 12);
  });

  it('subtracts the action penalty for any other action', () => {
    expect(computeReward(cfg, { ...base, tookAction: true }).reward).toBeCloseTo(-0.4154941174, 9);
  });

  it('divides each cost by Q when the quality bonus is off', () => {
    const r = computeReward({ ...cfg, useQualityBonus: false }, { ...base, tookAction: false });
    expect(r.quality).toBe(0);
    expect(r.reward).toBeCloseTo(-0.3422333, 6);
  });

  it('scores a prefilling request without first token with its instance Q, and skips searching RAG requests', () => {
    const prefilling = req({
      arrivalTimeS: 200,
      prefilledTokens: 100,
      promptTokens: 500,
      completionTokens: 10,
      servingEngine: eng(CODING, '7g.180gb', 7),
    });
    const searching = req({ arrivalTimeS: 0, servingEngine: null });
    const r = computeReward(
      { ...cfg, useAffinityBonus: false },
      {
        ...base,
        requests: [[prefilling], [searching], []],
        tookAction: false,
      },
    );
    // cost 0.8 × 40 = 32, quality 18 × 100 / 510.
    expect(r.psi).toEqual([expect.closeTo(32, 6), 0, 0]);
    expect(r.quality).toBeCloseTo((18 * 100) / 510, 9);
    expect(r.reward).toBeCloseTo((-32 + (18 * 100) / 510) * 0.1, 6);
  });

  it('computes the affinity bonus: 3 for single-GPU owners, 2.0902041 for the mixed layout', () => {
    expect(affinityRaw(gpuEngines, 3)).toBeCloseTo(3, 12);
    const mixed: RewardEngineView[][] = [
      [eng(CHAT, '4g.90gb', 4), eng(CODING, '3g.90gb', 3)],
      [eng(CODING, '2g.45gb', 2), eng(CODING, '2g.45gb', 2), eng(RAG, '3g.90gb', 3)],
      [eng(RAG, '7g.180gb', 7)],
      gpuEngines[3]!,
    ];
    expect(affinityRaw(mixed, 3)).toBeCloseTo(2.0902041, 7);
  });

  it('floors the reward at the clipping value', () => {
    const old = req({ arrivalTimeS: 0, servingEngine: gpuEngines[1]![0]! });
    const r = computeReward(cfg, { ...base, nowS: 100_000, requests: [[old], [], []], tookAction: true });
    expect(r.penalty).toBeCloseTo(80_000, 3);
    expect(r.reward).toBe(-50);
  });

  it('names the missing Q entry', () => {
    const odd = req({
      arrivalTimeS: 0,
      hasFirstToken: true,
      firstTokenTimeS: 1,
      generatedTokens: 1,
      servingEngine: eng(CODING, '5g.50gb', 5),
    });
    expect(() => computeReward(cfg, { ...base, requests: [[odd], [], []], tookAction: false })).toThrow(
      /training\.reward\.Q\.CodingAgent\.5g\.50gb/,
    );
  });
});
