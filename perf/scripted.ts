/**
 * What better decisions are worth under the bench's common start (`migflow bench --start common`): runs scripted
 * policies — experiments, not shipped policies — on the default bench trace (seed 77, 1,024 decisions, synthetic
 * token lengths) from the common layout, on the paired stream, so every difference from static_split_extreme is a
 * difference of decisions. Prints one JSON object: per policy the episode reward and its parts
 * (core/control/episode-reward.ts), the TTFT mean and P99 per agent, the decisions it took, and whether it meets
 * issue 13's target against the baselines benched in the same run (ahead of every one on reward, within 10 % of the
 * best on mean and P99 TTFT for both agents).
 *
 *   npx tsx perf/scripted.ts [--only name,name] [--steps 1024]
 *
 * The scripted families (agent i owns managed GPU i; A100 states 1 = 7g, 2 = 4g+3g, 3 = 4g+2g+1g, 8 = 2g+2g+3g,
 * 12 = 2g+2g+2g+1g, the static_split_extreme layout):
 * - `layout_A_B`: reach state A on GPU 0 and B on GPU 1 (shortest legal path), then hold.
 * - `transfer_PROFILE`: reach 12/12, then give GPU 0's PROFILE instance (Coding's) to RAG, then hold.
 * - `idle_merge_H`: the shipped idle_merge policy (core/control/policies/idle-merge.ts) with hold H instead of the
 *   bench config's `idle_merge.hold_s`: 12/12, and per agent, while its idle clock (seconds since its interval
 *   arrival rate was last at or above training.time_features.idle_rate, 0.7 req/s) is within (0, H), its GPU merged
 *   to one 7g (quality factor 10 instead of 1). `idle_merge_3300` is the shipped policy at its default hold. Causal,
 *   but H beyond 1,200 s needs memory the reference's observation lacks (5 rates of history, steps-since counters
 *   capped at the 10-step cooldown); `training.time_features` adds the clock.
 * - `idle_merge_reactive`: the same without the timer (H = ∞): split back only when the rate rises to the idle rate.
 * - `oracle_idle_merge_L`: the same merges timed from the trace's own phase list, splitting back L seconds before an
 *   idle phase ends. Not a policy anyone can run (it reads the future); an upper bound of the idea.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadBenchSetup, prepareBench, runTrial, type TrialResult } from '../core/bench/index.js';
import {
  ALL_BASELINES,
  BASELINE_POLICIES,
  idleMerge,
  type Policy,
  rewardParts,
} from '../core/control/index.js';
import {
  type AgentName,
  type LogicalProfile,
  legalTargets,
  NO_ACTION,
  type StateId,
  stateActionIndex,
  transferActionIndex,
} from '../core/mig/index.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    steps: { type: 'string', default: '1024' },
  },
});

const setup = {
  ...loadBenchSetup({
    simulationConfig: 'configs/simulation_config.yaml',
    trainingConfig: 'configs/training_config.yaml',
    benchConfig: 'configs/bench_config.yaml',
    syntheticTokens: true,
    steps: Number(values.steps),
  }),
  start: 'common' as const,
};
const prepared = prepareBench(setup);
const AGENTS = 2;
const A100_STATES: readonly StateId[] = [1, 2, 3, 8, 12];
const SPLIT: StateId = 12;
const MERGED: StateId = 1;

/** One planned action: a state to reach on a GPU, or a transfer; taken at the first decision ≥ `at` it is allowed. */
type Step =
  | { readonly at: number; readonly gpu: number; readonly state: StateId }
  | { readonly at: number; readonly gpu: number; readonly profile: LogicalProfile; readonly to: AgentName };

/** The states on a shortest legal path from `from` to `to` among the A100's valid states (excluding `from`). */
function path(from: StateId, to: StateId): StateId[] {
  const prev = new Map<StateId, StateId>();
  const queue: StateId[] = [from];
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (s === to) break;
    for (const t of legalTargets(s)) {
      if (A100_STATES.includes(t) && t !== from && !prev.has(t)) {
        prev.set(t, s);
        queue.push(t);
      }
    }
  }
  const out: StateId[] = [];
  for (let c = to; c !== from; c = prev.get(c)!) out.unshift(c);
  return out;
}

function planPolicy(name: string, plan: readonly Step[]): Policy {
  let i = 0;
  return {
    name,
    runName: name,
    initialMode: 'random',
    decide(_obs, mask, ctx) {
      while (i < plan.length) {
        const s = plan[i]!;
        if (ctx.step < s.at) return NO_ACTION;
        if ('state' in s && ctx.cluster.gpuState(s.gpu) === s.state) {
          i++;
          continue;
        }
        const a =
          'state' in s
            ? stateActionIndex(AGENTS, s.gpu, s.state)
            : transferActionIndex(AGENTS, s.gpu, s.profile, s.to);
        if (mask[a] === 1) {
          i++;
          return a;
        }
        return NO_ACTION;
      }
      return NO_ACTION;
    },
  };
}

/** Per GPU the state wanted now; the policy moves one GPU at a time toward it (one hop per decision). */
function statePolicy(
  name: string,
  want: (g: number, ctx: Parameters<Policy['decide']>[2]) => StateId,
): Policy {
  return {
    name,
    runName: name,
    initialMode: 'random',
    decide(_obs, mask, ctx) {
      const wanted = [0, 1].map((g) => want(g, ctx));
      for (let g = 0; g < AGENTS; g++) {
        const cur = ctx.cluster.gpuState(g) as StateId;
        if (cur === wanted[g]) continue;
        const hop = path(cur, wanted[g]!)[0];
        if (hop === undefined) continue;
        const a = stateActionIndex(AGENTS, g, hop);
        if (mask[a] === 1) return a;
      }
      return NO_ACTION;
    },
  };
}

/** Merge while the trace's phase is idle now and `leadS` from now (reads the future: an upper bound). */
function oracleIdleMerge(name: string, leadS: number): Policy {
  const phases = prepared.trace.agents.map((a) => a.phases);
  const at = (g: number, t: number) =>
    phases[g]!.find((p) => t >= p.startS && t < p.startS + p.durationS)?.pattern;
  return statePolicy(name, (g, ctx) =>
    at(g, ctx.cluster.nowS) === 'idle' && at(g, ctx.cluster.nowS + leadS) === 'idle' ? MERGED : SPLIT,
  );
}

const candidates: Record<string, () => Policy> = {};
for (const a of A100_STATES) {
  for (const b of A100_STATES) {
    const plan: Step[] = [
      ...path(1, a).map((state) => ({ at: 0, gpu: 0, state })),
      ...path(8, b).map((state) => ({ at: 0, gpu: 1, state })),
    ];
    candidates[`layout_${a}_${b}`] = () => planPolicy(`layout_${a}_${b}`, plan);
  }
}
for (const profile of ['1L', '2G'] as const) {
  const name = `transfer_${profile}`;
  candidates[name] = () =>
    planPolicy(name, [
      { at: 0, gpu: 0, state: SPLIT },
      { at: 0, gpu: 1, state: SPLIT },
      { at: 0, gpu: 0, profile, to: 'RAGAgent' },
    ]);
}
// The shipped policy and its clock (core/control/idle-clocks.ts), not a copy: only the hold differs.
for (const h of [1200, 1920, 2400, 3300]) {
  candidates[`idle_merge_${h}`] = () => idleMerge({ holdS: h, name: `idle_merge_${h}` });
}
candidates.idle_merge_reactive = () =>
  idleMerge({ holdS: Number.POSITIVE_INFINITY, name: 'idle_merge_reactive' });
for (const lead of [120, 300]) {
  candidates[`oracle_idle_merge_${lead}`] = () => oracleIdleMerge(`oracle_idle_merge_${lead}`, lead);
}

const names = values.only ? values.only.split(',') : Object.keys(candidates);
for (const n of names) {
  if (!candidates[n])
    throw new Error(`--only: unknown scripted policy ${n}; use ${Object.keys(candidates).join(', ')}`);
}

function row(r: TrialResult) {
  const p = r.reward;
  return {
    reward: p.total,
    parts: rewardParts(p),
    ttft: Object.fromEntries(
      r.agents.map((a) => [a.agent, { mean: a.meanTtftS, p99: a.ttftPercentilesS[3]! }]),
    ),
    actions: r.actionLog.length,
    decisions: r.actionLog.slice(0, 8).map((e) => `${e.name}@${e.timeS}s`),
  };
}

const load0 = loadavg()[0]!;
const baselines = Object.fromEntries(
  ALL_BASELINES.map((b) => [b, row(runTrial(prepared, BASELINE_POLICIES[b]!))]),
);
const best = Object.entries(baselines).sort((x, y) => y[1].reward - x[1].reward)[0]!;
const policies = Object.fromEntries(
  names.map((n) => {
    const r = row(runTrial(prepared, candidates[n]!));
    const ahead = Object.values(baselines).every((b) => r.reward > b.reward);
    const within = Object.entries(r.ttft).every(([agent, t]) => {
      const b = best[1].ttft[agent]!;
      return t.mean <= 1.1 * b.mean && t.p99 <= 1.1 * b.p99;
    });
    return [n, { ...r, aheadOfEveryBaseline: ahead, withinTenPercent: within, targetMet: ahead && within }];
  }),
);
console.log(
  JSON.stringify(
    {
      benchmark: 'scripted',
      start: 'common',
      benchSeed: prepared.bench.seed,
      steps: prepared.steps,
      bestBaseline: best[0],
      baselines,
      policies,
      loadAverage: { start: load0, end: loadavg()[0]! },
    },
    null,
    2,
  ),
);
