import { describe, expect, it } from 'vitest';
import {
  checkEnv,
  MigEnv,
  ObservationBuilder,
  observationLayout,
  resolveAction,
  seededEnvRng,
} from '../../../core/control/index.js';
import { MigflowError } from '../../../core/errors.js';
import {
  CHAT,
  CODING,
  idleSimAtFirstDecision,
  on,
  P2,
  P3,
  P7,
  RAG,
  sim2,
  sim3,
  training,
} from '../rl/setup.js';

const tokens = () => ({
  promptTokens: Array.from({ length: 64 }, (_, i) => 100 + ((i * 97) % 900)),
  completionTokens: Array.from({ length: 64 }, (_, i) => 20 + ((i * 31) % 300)),
});
const makeEnv = (cfg = sim2, seed = 3, episodeLength = 4) =>
  new MigEnv({ simulation: cfg, training, tokens, rng: seededEnvRng(seed), episodeLength });

describe('MigEnv timing and contract', () => {
  it('first observation at t = 120, one decision per 120 s, terminated after the episode length', () => {
    const env = makeEnv();
    const { observation, info } = env.reset();
    expect(info).toEqual({ timeS: 120, episode: 1 });
    expect(observation).toHaveLength(171);
    expect(env.actionCount).toBe(55);
    const times: number[] = [];
    const terminated: boolean[] = [];
    for (let k = 0; k < 4; k++) {
      env.actionMasks();
      const r = env.step(0);
      times.push(r.info.timeS);
      terminated.push(r.terminated);
      expect(r.truncated).toBe(false);
    }
    expect(times).toEqual([240, 360, 480, 600]);
    expect(terminated).toEqual([false, false, false, true]);
    expect(env.reset().info).toEqual({ timeS: 120, episode: 2 });
  });

  it('rejects an action that the last mask forbids, naming the action', () => {
    const env = makeEnv(sim3);
    env.reset();
    const mask = env.actionMasks();
    const forbidden = mask.indexOf(0);
    expect(forbidden).toBeGreaterThan(0);
    expect(() => env.step(forbidden)).toThrow(MigflowError);
    expect(() => env.step(100)).toThrow(/out of range/);
  });

  it('is deterministic for a seed: same observations, actions and rewards', () => {
    const run = (seed: number) => {
      const env = makeEnv(sim3, seed, 6);
      const rng = seededEnvRng(seed + 100);
      const out: number[] = [...env.reset().observation];
      for (let k = 0; k < 6; k++) {
        const valid = [...env.actionMasks()].flatMap((v, i) => (v ? [i] : []));
        const a = valid[rng.choiceIndex(valid.length)]!;
        const r = env.step(a);
        out.push(a, r.reward, ...r.observation);
      }
      return out;
    };
    const a = run(11);
    expect(run(11)).toEqual(a);
    expect(run(12)).not.toEqual(a);
  });

  it('passes checkEnv on both shipped configs', () => {
    for (const cfg of [sim2, sim3]) {
      const env = makeEnv(cfg, 5, 12);
      const report = checkEnv(env, seededEnvRng(9), 12);
      expect(report.steps).toBe(12);
      expect(report.minReward).toBeGreaterThanOrEqual(-50);
    }
  });
});

describe('observation values', () => {
  const layout3 = observationLayout(3, 5);
  const builder = new ObservationBuilder(layout3, training, sim3.agentsEnumOrder);
  const chat = layout3.blockStarts[0]!;
  const coding = layout3.blockStarts[1]!;
  const rag = layout3.blockStarts[2]!;
  const B = layout3.block;
  const G = layout3.global;

  it('encodes ownership, geometry, one-hot state and budget of an idle three-agent cluster', () => {
    const sim = idleSimAtFirstDecision(sim3, [
      ...on(0, CHAT, [P2, P2, P3]),
      ...on(1, CODING, [P7]),
      ...on(2, RAG, [P7]),
    ]);
    const obs = builder.build(sim, new Float32Array(layout3.length));
    // Chat: 2G + 2G + 3G on B200 plus its permanent 2g.10gb.
    expect(obs[chat + B.totalSmRatio]).toBeCloseTo(9 / 7, 6);
    expect(obs[chat + B.totalVramRatio]).toBeCloseTo(190 / 40, 6);
    expect([...obs.slice(chat + B.agentOwnsMig, chat + B.agentOwnsMig + 6)]).toEqual(
      [0, 0, 1 / 7, 2 / 7, 0, 0].map(Math.fround),
    );
    expect(obs[coding + B.agentOwnsMig]).toBeCloseTo(1 / 7, 6);
    for (const base of [chat, coding, rag]) {
      expect([obs[base + B.lastSplit], obs[base + B.lastGive], obs[base + B.lastGiveAmount]]).toEqual([
        1, 1, 0,
      ]);
      expect([...obs.slice(base + B.giveToSteps, base + B.giveToSteps + 3)]).toEqual([1, 1, 1]);
    }
    expect(obs[G.recoveryFlag]).toBe(0);
    expect(obs[G.currentBudget]).toBe(1);
    expect(obs[G.placeholder]).toBe(0);
    // mig_geometry per managed GPU, agents in name order (Chat, Coding, RAG).
    expect([...obs.slice(G.migGeometry, G.migGeometry + 9)]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // One-hot: GPU0 state 8 (position 4), GPU1 and GPU2 state 1 (position 0).
    const onehot = [...obs.slice(G.stateOneHot, G.stateOneHot + 45)];
    expect([onehot.indexOf(1, 0), onehot.indexOf(1, 15), onehot.indexOf(1, 30)]).toEqual([4, 15, 30]);
    expect(onehot.reduce((a, b) => a + b, 0)).toBe(3);
    // Ownership grid: Coding = 1, Chat and RAG both 2.
    expect([...obs.slice(G.ownershipGrid, G.ownershipGrid + 21)]).toEqual([
      ...Array(7).fill(2),
      ...Array(7).fill(1),
      ...Array(7).fill(2),
    ]);
    // sm ratio (Chat, Coding): (9/7 − 9/7) / (…) = 0; vram ratio (Chat, Coding) = (190 − 190)/… = 0 on B200.
    expect(obs[G.smRatio]).toBeCloseTo(0, 6);
  });

  it('shows the give amount as size/20 from the second observation after a transfer, for 9 observations', () => {
    const sim = idleSimAtFirstDecision(sim3, [
      ...on(0, CHAT, [P2, P2, P3]),
      ...on(1, CODING, [P7]),
      ...on(2, RAG, [P7]),
    ]);
    sim.decide(resolveAction(sim, 3, 84)!); // GPU2 7G: RAG → Chat
    sim.run();
    const seen: number[][] = [];
    for (let k = 0; k < 11; k++) {
      const obs = builder.build(sim, new Float32Array(layout3.length));
      seen.push([
        obs[rag + B.lastGive]!,
        obs[rag + B.lastGiveAmount]!,
        obs[chat + B.lastReceiveAmount]!,
        obs[rag + B.giveToSteps]!,
      ]);
      sim.decide(null);
      sim.run();
    }
    expect(seen[0]).toEqual([0, 0, 0, 0]);
    expect(seen[1]!.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.35, 0.35, 0.1]);
    expect(seen[9]!.map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.35, 0.35, 0.9]);
    expect(seen[10]).toEqual([1, 0, 0, 1]);
  });
});
