/**
 * `--start common` (a deviation, docs/deviations.md): every policy of a run starts from one layout drawn from the
 * bench seed, a static baseline reaches its own layout first and then holds it, every trial runs on one stream (the
 * one that draws the common layout: common random numbers), and the reward column is still the training env's
 * episode reward for the same policy and start. `own` (the default) is the reference's bench: tests/unit/bench's other files check it.
 */
import { describe, expect, it } from 'vitest';
import { startRule } from '../../../cli/commands/bench.js';
import { BenchStageInput } from '../../../contracts/index.js';
import {
  type BenchSetup,
  COMMON_START_SEED_KEY,
  commonStartLayout,
  comparisonEntry,
  comparisonTable,
  prepareBench,
  runBench,
  runTrial,
  trialSeed,
  trialText,
} from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import {
  fromRlStart,
  heuristic,
  layoutReachingPolicy,
  MigEnv,
  type Policy,
  type PolicyFactory,
  resolvePolicies,
  rlCheckpointPolicy,
  seededEnvRng,
  staticSplitExtreme,
  staticTargetState,
} from '../../../core/control/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { trainingEpisodeReward } from '../../helpers/training-episode.js';
import { sim2, training } from '../rl/setup.js';
import { writeLinearCheckpoint } from './checkpoint-fixture.js';

const base: BenchSetup = {
  simulation: sim2,
  training,
  bench: loadBenchConfig('configs/bench_config.yaml'),
  tokens: syntheticTokenTables(7, 300),
  steps: 40,
};
const common: BenchSetup = { ...base, start: 'common' };

/** A trial's result without the field that names its start rule. */
function numbers(t: ReturnType<typeof runTrial>): string {
  const { start: _start, ...rest } = t;
  return JSON.stringify(rest);
}

describe('bench start rule', () => {
  it('own is the default: an explicit own gives the same trial as none, and says so', () => {
    const none = runTrial(prepareBench(base), heuristic);
    const own = runTrial(prepareBench({ ...base, start: 'own' }), heuristic);
    expect(none.start).toBe('own');
    expect(JSON.stringify(own)).toBe(JSON.stringify(none));
    expect(BenchStageInput.parse({ policies: ['qas'] }).start).toBe('own');
    expect(BenchStageInput.safeParse({ policies: ['qas'], start: 'shared' }).success).toBe(false);
  });

  it('common: every policy (baselines and an RL checkpoint) starts from the one layout the bench seed draws', () => {
    const env = new MigEnv({ simulation: sim2, training, tokens: base.tokens, rng: seededEnvRng(1) });
    const ckpt = writeLinearCheckpoint({
      obsSize: env.observationLength,
      actionCount: env.actionCount,
      bias: new Array(env.actionCount).fill(0),
    });
    const policies = [rlCheckpointPolicy(ckpt), ...resolvePolicies(['all'])];
    const { trials } = runBench(common, policies);
    const own = runBench(base, policies).trials;
    expect(trials.map((t) => t.start)).toEqual(trials.map(() => 'common'));
    const layouts = trials.map((t) => JSON.stringify(t.initialState));
    expect(new Set(layouts).size).toBe(1);
    // Under own they differ (static layouts, and each random start is drawn from its own stream).
    expect(new Set(own.map((t) => JSON.stringify(t.initialState))).size).toBeGreaterThan(1);
    // The common layout is drawn from the bench seed alone: another simulation run of the draw gives the same.
    const drawn = commonStartLayout(sim2, base.bench.seed);
    expect(drawn).toEqual(commonStartLayout(sim2, base.bench.seed));
    // …and it is the layout the trials start from (the env's first draw on the common stream: one home).
    const rows = (l: readonly { gpu: number; agent: string; permanent: boolean; unused: boolean }[]) =>
      l.map((e) => `${e.gpu}:${e.agent}:${e.permanent}:${e.unused}`).sort();
    const agentNames = sim2.agentsEnumOrder;
    expect(rows(trials[0]!.initialState)).toEqual(
      rows(
        drawn.map((e) => ({
          gpu: e.gpu,
          agent: agentNames[e.agent] ?? String(e.agent),
          permanent: e.permanent === true,
          unused: e.unused === true,
        })),
      ),
    );
    // One stream for all (latency noise, RAG delays): the one the common layout is drawn from.
    const commonSeed = trialSeed(COMMON_START_SEED_KEY, base.bench.seed);
    expect(trials.map((t) => t.trialSeed)).toEqual(trials.map(() => commonSeed));
    expect(new Set(own.map((t) => t.trialSeed)).size).toBeGreaterThan(1);
  });

  it('common: static_split_extreme reaches its layout, then only returns NO_ACTION', () => {
    const targets = sim2.cluster
      .filter((g) => g.managed)
      .map((g) => staticTargetState(g.validStates, 'split_extreme'));
    // The baseline's own decide (NO_ACTION) runs whenever the wrapper does not act: once every managed GPU is in the
    // layout, and while a GPU waits for the mask to allow its next move.
    const deferred: { step: number; states: readonly number[] }[] = [];
    const observed: PolicyFactory = () => {
      const p = staticSplitExtreme();
      return {
        ...p,
        decide(observation, mask, context) {
          deferred.push({ step: context.step, states: [...context.cluster.managedGpuStates()] });
          return p.decide(observation, mask, context);
        },
      };
    };
    const trial = runTrial(prepareBench(common), observed);
    expect(trial.policy).toBe('static_split_extreme');
    // The common start is not its layout here, so it has to act to get there…
    expect(trial.actionLog.length).toBeGreaterThan(0);
    expect(trial.initialState).not.toEqual(runTrial(prepareBench(base), staticSplitExtreme).initialState);
    // …and from some early decision on it holds: every later decision is the baseline's own NO_ACTION, in its layout.
    let reachedAt = 40;
    for (let k = deferred.length - 1; k >= 0; k--) {
      const d = deferred[k]!;
      if (d.step !== reachedAt - 1 || JSON.stringify(d.states) !== JSON.stringify(targets)) break;
      reachedAt = d.step;
    }
    expect(reachedAt).toBeGreaterThan(0);
    expect(reachedAt).toBeLessThan(16);
    // Every action it logged was taken before that decision (tickTimesS[k − 1] is the time of decision k).
    const reachedTimeS = trial.tickTimesS[reachedAt - 1]!;
    for (const a of trial.actionLog) expect(a.timeS).toBeLessThan(reachedTimeS);
  });

  it('common: everything after the start is drawn as under own (a policy whose own start is the common one runs identically)', () => {
    const atCommonSeed: PolicyFactory = (): Policy => ({ ...heuristic(), seedKey: COMMON_START_SEED_KEY });
    const own = runTrial(prepareBench(base), atCommonSeed);
    const com = runTrial(prepareBench(common), atCommonSeed);
    expect(com.trialSeed).toBe(trialSeed(COMMON_START_SEED_KEY, base.bench.seed));
    expect(com.actionLog.length).toBeGreaterThan(0);
    expect(numbers(com)).toBe(numbers(own));
  });

  it('common: one stream for every policy — the same decisions under another name give the same numbers', () => {
    // An adaptive policy (random start mode) that decides what static_split_extreme decides from the common start.
    const twin: PolicyFactory = (): Policy => {
      const reaching = layoutReachingPolicy(staticSplitExtreme());
      return { ...heuristic(), name: 'twin', runName: 'twin', decide: reaching.decide };
    };
    const com = [runTrial(prepareBench(common), staticSplitExtreme), runTrial(prepareBench(common), twin)];
    expect(com[0]!.trialSeed).toBe(com[1]!.trialSeed);
    expect(com[0]!.actionLog.length).toBeGreaterThan(0);
    const unnamed = (t: ReturnType<typeof runTrial>) => numbers({ ...t, policy: '', runName: '' });
    expect(unnamed(com[1]!)).toBe(unnamed(com[0]!));
    // Under own each name draws its own noise: the same decisions give different numbers.
    const own = [runTrial(prepareBench(base), staticSplitExtreme), runTrial(prepareBench(base), twin)];
    expect(own[0]!.reward.total).not.toBe(own[1]!.reward.total);
  });

  it.each([
    ['heuristic', heuristic],
    ['static_split_extreme', staticSplitExtreme],
  ])(
    'common, %s: the reward column is the training env’s episode reward from the same start',
    (_n, factory) => {
      const prepared = prepareBench(common);
      const trial = runTrial(prepared, factory);
      // The training env on the bench's trace with the trial's seed, started from the common layout; a static baseline
      // runs as it does there: reaching its layout first.
      const episodeReward = trainingEpisodeReward(prepared, layoutReachingPolicy(factory()));
      expect(trial.reward.decisions).toBe(40);
      expect(trial.reward.total).toBe(episodeReward);
      // And the two rules give the static baseline different rewards: the start matters.
      expect(trial.reward.total).not.toBe(runTrial(prepareBench(base), factory).reward.total);
    },
  );

  it('the result files and the comparison say which rule was used', () => {
    const prepared = prepareBench(common);
    const trial = runTrial(prepared, heuristic);
    expect(trialText(prepared, trial)).toContain('Start rule: common — every policy from one random layout');
    const entry = comparisonEntry(trial);
    expect(entry.start).toBe('common');
    expect(comparisonTable([entry])).toMatch(/\nStart rule: common — /);
    const ownEntry = comparisonEntry(runTrial(prepareBench(base), heuristic));
    expect(comparisonTable([ownEntry])).toMatch(/\nStart rule: own — each policy from its own layout/);
    expect(comparisonTable([ownEntry, entry])).toMatch(
      /Start rule own \(heuristic\): .*\nStart rule common \(heuristic\): /,
    );
    // Entries written before the rule was recorded get no line.
    expect(comparisonTable([{ ...entry, start: undefined }])).not.toContain('Start rule');
  });

  it("own: fromRlStart runs a baseline from an RL checkpoint's start (its layout and stream) and reaches its layout", () => {
    const env = new MigEnv({ simulation: sim2, training, tokens: base.tokens, rng: seededEnvRng(1) });
    const ckpt = writeLinearCheckpoint({
      obsSize: env.observationLength,
      actionCount: env.actionCount,
      bias: new Array(env.actionCount).fill(0),
    });
    const prepared = prepareBench(base);
    const rl = runTrial(prepared, rlCheckpointPolicy(ckpt));
    const inPlace = runTrial(prepared, staticSplitExtreme);
    // The baseline's own decide runs only where the wrapper does not act: record the layout it sees there.
    const seen: (readonly number[])[] = [];
    const observed: PolicyFactory = () => {
      const p = staticSplitExtreme();
      return {
        ...p,
        decide(observation, mask, context) {
          seen.push([...context.cluster.managedGpuStates()]);
          return p.decide(observation, mask, context);
        },
      };
    };
    const moved = runTrial(prepared, fromRlStart(observed));
    expect(moved.policy).toBe('static_split_extreme');
    expect(moved.trialSeed).toBe(rl.trialSeed);
    expect(moved.trialSeed).not.toBe(inPlace.trialSeed);
    expect(JSON.stringify(moved.initialState)).toBe(JSON.stringify(rl.initialState));
    expect(JSON.stringify(moved.initialState)).not.toBe(JSON.stringify(inPlace.initialState));
    // It acts to leave the RL start, then holds the baseline's layout, as under common.
    expect(moved.actionLog.length).toBeGreaterThan(0);
    const targets = sim2.cluster
      .filter((g) => g.managed)
      .map((g) => staticTargetState(g.validStates, 'split_extreme'));
    expect(moved.actionLog.at(-1)!.timeS).toBeLessThan(moved.tickTimesS[15]!);
    expect(seen.at(-1)).toEqual(targets);
    expect(seen[0]).not.toEqual(targets);
  });

  it('--start takes own or common and names both when given anything else', () => {
    expect(startRule('common')).toBe('common');
    expect(() => startRule('shared')).toThrow(/expected own .* or common .*got "shared"/);
  });
});
