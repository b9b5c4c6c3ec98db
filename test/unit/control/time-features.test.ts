/**
 * The observation's opt-in time features (training.time_features, docs/deviations.md): appended after the
 * reference's features (whose offsets and values stay), off by default, the idle clock rising while an agent's
 * interval rate is below the idle rate and back to 0 when it is not, the reconfiguration clock back to 0 when a
 * GPU's layout changes, both capped; their state continues exactly through a JSON save and restore; and a
 * checkpoint that records them is benched and deployed with them.
 */
import { describe, expect, it } from 'vitest';
import { runBench } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { readTrainingConfig, type TimeFeatureConfig } from '../../../core/config/index.js';
import {
  MigEnv,
  ObservationBuilder,
  type ObservationClockState,
  observationLayout,
  resolveAction,
  rlCheckpointPolicy,
  seededEnvRng,
} from '../../../core/control/index.js';
import { checkDeployPolicyFits, resolveDeployPolicy } from '../../../core/deploy/deploy-policy.js';
import { ConfigError } from '../../../core/errors.js';
import { actionCount, NO_ACTION } from '../../../core/mig/index.js';
import type { ArrivalSpec } from '../../../core/sim/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { writeLinearCheckpoint } from '../bench/checkpoint-fixture.js';
import { CODING, sim2, training } from '../rl/setup.js';

const CLOCKS: TimeFeatureConfig = { idleRateReqS: 0.7, scaleS: 3600, cap: 2 };
const withClocks = { ...training, timeFeatures: CLOCKS };
const tokens = () => ({
  promptTokens: Array.from({ length: 64 }, (_, i) => 100 + ((i * 97) % 900)),
  completionTokens: Array.from({ length: 64 }, (_, i) => 20 + ((i * 31) % 300)),
});

/**
 * Coding: 1 req/s over [0, 600) and [1800, 2400), nothing else; RAG: no traffic (one request far in the future keeps
 * the event loop running from decision to decision).
 */
function scriptedWorkload() {
  const coding: ArrivalSpec[] = [];
  for (const [from, to] of [
    [0, 600],
    [1800, 2400],
  ] as const) {
    for (let t = from + 0.5; t < to; t++)
      coding.push({ agent: CODING, arrivalTimeS: t, itemIndex: coding.length % 64 });
  }
  return {
    generate: (agent: number, _startS: number, turn: number): ArrivalSpec[] =>
      turn > 0 ? [] : agent === CODING ? coding : [{ agent, arrivalTimeS: 1e7, itemIndex: 0 }],
  };
}

const makeEnv = (o: { timeFeatures?: TimeFeatureConfig | null; training?: typeof training } = {}) =>
  new MigEnv({
    simulation: sim2,
    training: o.training ?? training,
    tokens,
    rng: seededEnvRng(5),
    episodeLength: 80,
    workload: scriptedWorkload(),
    ...(o.timeFeatures !== undefined ? { timeFeatures: o.timeFeatures } : {}),
  });

describe('observation time features', () => {
  it('are appended after the reference features: 171 → 175 floats for 2 agents, 277 → 283 for 3', () => {
    for (const [agents, plain, timed] of [
      [2, 171, 175],
      [3, 277, 283],
    ] as const) {
      const off = observationLayout(agents, 5);
      const on = observationLayout(agents, 5, true);
      expect(off.length).toBe(plain);
      expect(off.time).toBeUndefined();
      expect(on.length).toBe(timed);
      expect(on.time).toEqual({ idleClock: plain, reconfigClock: plain + agents });
      // Every offset of the reference's features is where it was.
      expect(on.global).toEqual(off.global);
      expect(on.block).toEqual(off.block);
      expect(on.blockStarts).toEqual(off.blockStarts);
    }
  });

  it('are off by default: the shipped config has none, and the vector is the reference one', () => {
    expect(training.timeFeatures).toBeUndefined();
    expect(makeEnv().observationLength).toBe(171);
    expect(makeEnv({ timeFeatures: null, training: withClocks }).observationLength).toBe(171);
    expect(makeEnv({ training: withClocks }).observationLength).toBe(175);
  });

  it('the idle clock rises while the rate is below the idle rate, resets when it is not, and is capped', () => {
    const plain = makeEnv();
    const timed = makeEnv({ training: withClocks });
    const layout = timed.layout;
    const idle = (obs: Float32Array, agent: 'CodingAgent' | 'RAGAgent') =>
      obs[layout.time!.idleClock + layout.blockAgents.indexOf(agent as never)]!;
    let a = plain.reset().observation;
    let b = timed.reset().observation;
    const seen: { t: number; coding: number; rag: number }[] = [];
    for (let k = 0; ; k++) {
      // The reference's 171 features are the same floats with the clocks on (same draws, same decisions).
      expect(Array.from(b.subarray(0, 171))).toEqual(Array.from(a));
      seen.push({ t: timed.sim.nowS, coding: idle(b, 'CodingAgent'), rag: idle(b, 'RAGAgent') });
      if (k === 70) break;
      plain.actionMasks();
      timed.actionMasks();
      a = plain.step(NO_ACTION).observation;
      b = timed.step(NO_ACTION).observation;
    }
    const at = (t: number) => seen.find((s) => s.t === t)!;
    // Busy (1 req/s ≥ 0.7) through the interval ending at 600: 0.
    expect(at(120).coding).toBe(0);
    expect(at(600).coding).toBe(0);
    // Idle from 600: (now − 600) / 3600.
    expect(at(720).coding).toBeCloseTo(120 / 3600, 6);
    expect(at(1800).coding).toBeCloseTo(1200 / 3600, 6);
    // Busy again over (1800, 1920]: back to 0, and idle again after 2400.
    expect(at(1920).coding).toBe(0);
    expect(at(2400).coding).toBe(0);
    expect(at(3600).coding).toBeCloseTo(1200 / 3600, 6);
    // RAG never gets a request: its clock runs from the first observation (t = 120) and stops at the cap of 2.
    expect(at(120).rag).toBe(0);
    expect(at(3720).rag).toBeCloseTo(1, 6);
    expect(at(7320).rag).toBe(2);
    expect(seen.at(-1)!.rag).toBe(2);
  });

  it("a GPU's reconfiguration clock restarts when its layout changes; the other GPU's runs on", () => {
    const env = makeEnv({ training: withClocks });
    const { reconfigClock } = env.layout.time!;
    let obs = env.reset().observation;
    for (let k = 0; k < 10; k++) {
      env.actionMasks();
      obs = env.step(NO_ACTION).observation;
    }
    // t = 1320: 1200 s since the first observation on both GPUs.
    expect(obs[reconfigClock]).toBeCloseTo(1200 / 3600, 6);
    expect(obs[reconfigClock + 1]).toBeCloseTo(1200 / 3600, 6);
    const mask = env.actionMasks();
    const action = mask.findIndex((v, i) => v === 1 && i !== NO_ACTION);
    const gpu = resolveAction(env.sim, 2, action)!.gpu;
    const states = [env.sim.gpuState(0), env.sim.gpuState(1)];
    const after: number[][] = [];
    obs = env.step(action).observation;
    expect(env.sim.gpuState(gpu)).not.toBe(states[gpu]);
    after.push([obs[reconfigClock]!, obs[reconfigClock + 1]!]);
    for (let k = 0; k < 3; k++) {
      env.actionMasks();
      obs = env.step(NO_ACTION).observation;
      after.push([obs[reconfigClock]!, obs[reconfigClock + 1]!]);
    }
    const other = 1 - gpu;
    after.forEach((clocks, k) => {
      expect(clocks[gpu]).toBeCloseTo((120 * k) / 3600, 6);
      expect(clocks[other]).toBeCloseTo((1320 + 120 * k) / 3600, 6);
    });
    // Observing again at the same decision changes nothing.
    expect(Array.from(env.observe())).toEqual(Array.from(obs));
    // A new episode starts the clocks afresh.
    const first = env.reset().observation;
    expect(first[reconfigClock]).toBe(0);
    expect(first[reconfigClock + 1]).toBe(0);
  });

  it('continue exactly across a save and restore through JSON (a deployment decides each window in a fresh builder)', () => {
    const env = makeEnv({ training: withClocks });
    const { idleClock, reconfigClock } = env.layout.time!;
    const fresh = () => new ObservationBuilder(env.layout, withClocks, env.agents, CLOCKS);
    let saved: ObservationClockState | undefined;
    // A fresh builder per decision, restored from the previous one's record, against the env's own uninterrupted one.
    const relay = () => {
      const b = fresh();
      if (saved)
        expect(b.restoreClocks(JSON.parse(JSON.stringify(saved)) as ObservationClockState)).toBe(true);
      const obs = b.build(env.sim, new Float32Array(env.layout.length));
      saved = b.saveClocks();
      return obs;
    };
    let obs = env.reset().observation;
    const clocks = new Set<string>();
    let actions = 0;
    for (let k = 0; k < 70; k++) {
      expect(Array.from(relay())).toEqual(Array.from(obs));
      clocks.add(Array.from(obs.subarray(idleClock, reconfigClock + 2)).join());
      const mask = env.actionMasks();
      // Reconfigure now and then, so the GPU clocks restart as well as run.
      const act = k % 9 === 4 ? mask.findIndex((v, i) => v === 1 && i !== NO_ACTION) : NO_ACTION;
      if (act > 0) actions++;
      obs = env.step(act > 0 ? act : NO_ACTION).observation;
    }
    expect(actions).toBeGreaterThan(3);
    // The relay was compared on moving clocks, not on zeros.
    expect(clocks.size).toBeGreaterThan(50);
    expect(saved!.changedS.some((t, g) => t > saved!.changedS[1 - g]!)).toBe(true);
  });

  it('refuse a record that does not fit (another idle rate, another GPU count): the clocks then start afresh', () => {
    const env = makeEnv({ training: withClocks });
    env.reset();
    for (let k = 0; k < 5; k++) {
      env.actionMasks();
      env.step(NO_ACTION);
    }
    const b = new ObservationBuilder(env.layout, withClocks, env.agents, CLOCKS);
    b.build(env.sim, new Float32Array(env.layout.length));
    const record = b.saveClocks()!;
    // Nothing to save without clocks, nor before the first observation.
    expect(
      new ObservationBuilder(observationLayout(2, 5), training, env.agents).saveClocks(),
    ).toBeUndefined();
    expect(new ObservationBuilder(env.layout, withClocks, env.agents, CLOCKS).saveClocks()).toBeUndefined();
    const other = new ObservationBuilder(env.layout, withClocks, env.agents, {
      ...CLOCKS,
      idleRateReqS: 0.5,
    });
    expect(other.restoreClocks(record)).toBe(false);
    expect(other.restoreClocks({ ...record, changedS: [0, 0, 0], signature: [0, 0, 0] })).toBe(false);
    expect(new ObservationBuilder(env.layout, withClocks, env.agents, CLOCKS).restoreClocks(record)).toBe(
      true,
    );
    for (let k = 0; k < 3; k++) {
      env.actionMasks();
      env.step(NO_ACTION);
    }
    const obs = other.build(env.sim, new Float32Array(env.layout.length));
    expect(Array.from(obs.subarray(171))).toEqual([0, 0, 0, 0]);
  });

  it('is a training-config field: off by default, set by override, out-of-range values refused naming the field', () => {
    const file = 'configs/training_config.yaml';
    expect(readTrainingConfig(file).training.timeFeatures).toBeUndefined();
    expect(
      readTrainingConfig(file, { 'training.time_features.enabled': true }).training.timeFeatures,
    ).toEqual({ idleRateReqS: 0.7, scaleS: 3600, cap: 2 });
    expect(
      readTrainingConfig(file, {
        'training.time_features.enabled': true,
        'training.time_features.scale': 1800,
      }).training.timeFeatures,
    ).toEqual({ idleRateReqS: 0.7, scaleS: 1800, cap: 2 });
    expect(() => readTrainingConfig(file, { 'training.time_features.cap': -1 })).toThrow(
      /time_features\.cap/,
    );
    expect(() => readTrainingConfig(file, { 'training.time_features.clock': 1 })).toThrow(
      /enabled, idle_rate, scale, cap/,
    );
  });
});

describe('a checkpoint with time features', () => {
  const setup = {
    simulation: sim2,
    training,
    bench: loadBenchConfig('configs/bench_config.yaml'),
    tokens: syntheticTokenTables(7, 300),
    steps: 200,
  };
  const actions = actionCount(2);
  // NO_ACTION unless RAG's idle clock (input 171 + RAG's block position) is up: then the lowest valid
  // reconfiguration. The clock is 0 at the first decision and > 0 once RAG's rate drops below 0.7 req/s (its idle
  // phases, 0.1–0.5 req/s, come within the trace's first 200 decisions).
  const ragPos = observationLayout(2, 5, true).blockAgents.indexOf('RAGAgent' as never);
  const idleInput = 171 + ragPos;

  it('is benched with the observation it records, whatever the bench training config says', () => {
    const bias = Array.from({ length: actions }, (_, a) => (a === 0 ? 0 : -1 - a * 1e-3));
    const kernel = (obsSize: number) => {
      const w = new Float32Array(obsSize * actions);
      for (let a = 1; a < actions; a++) w[idleInput * actions + a] = 1e4;
      return w;
    };
    const timed = writeLinearCheckpoint({
      obsSize: 175,
      actionCount: actions,
      bias,
      kernel: kernel(175),
      timeFeatures: CLOCKS,
    });
    expect(rlCheckpointPolicy(timed)().timeFeatures).toEqual(CLOCKS);
    const [t] = runBench(setup, [rlCheckpointPolicy(timed)]).trials;
    // It reads the clock: quiet at the first decision (clock 0), acting once RAG's interval is idle.
    expect(t!.actionLog.length).toBeGreaterThan(0);
    expect(t!.actionLog[0]!.timeS).toBeGreaterThan(120);
    // The same weights on the reference observation (no record): refused with the sizes.
    const plain = writeLinearCheckpoint({ obsSize: 175, actionCount: actions, bias });
    expect(rlCheckpointPolicy(plain)().timeFeatures).toBeNull();
    expect(() => runBench(setup, [rlCheckpointPolicy(plain)])).toThrow(/trained on 175 observations/);
  });

  it('is deployed with the clocks it records; a deployment that cannot build its observation is refused up front', () => {
    const zeros = new Array(actions).fill(0);
    const timed = resolveDeployPolicy(
      writeLinearCheckpoint({ obsSize: 175, actionCount: actions, bias: zeros, timeFeatures: CLOCKS }),
    );
    expect(timed.timeFeatures).toEqual(CLOCKS);
    expect(() => checkDeployPolicyFits(timed, 2, 5)).not.toThrow();
    const plain = resolveDeployPolicy(
      writeLinearCheckpoint({ obsSize: 171, actionCount: actions, bias: zeros }),
    );
    expect(plain.name).toContain('rl_model');
    expect(plain.timeFeatures).toBeUndefined();
    expect(() => checkDeployPolicyFits(plain, 2, 5)).not.toThrow();
    // Another history length, or 175 inputs without the record of the clocks: refused naming the sizes and the fix.
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const short = refusal(() => checkDeployPolicyFits(timed, 2, 4));
    expect(short).toBeInstanceOf(ConfigError);
    expect((short as ConfigError).message).toMatch(/trained on 175 observations .* gives 173/);
    expect((short as ConfigError).message).toContain('observation clocks');
    const unrecorded = resolveDeployPolicy(
      writeLinearCheckpoint({ obsSize: 175, actionCount: actions, bias: zeros }),
    );
    expect(refusal(() => checkDeployPolicyFits(unrecorded, 2, 5))).toBeInstanceOf(ConfigError);
    // The baselines have no sizes to check.
    expect(() => checkDeployPolicyFits(resolveDeployPolicy('heuristic'), 3, 5)).not.toThrow();
  });
});
