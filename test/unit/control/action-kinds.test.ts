import { describe, expect, it } from 'vitest';
import type { ResolvedSimulationConfig } from '../../../core/config/simulation.js';
import { resolveAction } from '../../../core/control/index.js';
import { actionName } from '../../../core/mig/index.js';
import type { Simulator } from '../../../core/sim/index.js';
import { CHAT, CODING, idleSimAtFirstDecision, on, P2, P3, P4, P7, RAG, sim2, sim3 } from '../rl/setup.js';

/** Takes `index` at the first decision (t = 120) and runs to the next one. */
function take(sim: Simulator, agents: number, index: number) {
  const action = resolveAction(sim, agents, index);
  expect(action, actionName(agents, index)).toBeTruthy();
  sim.decide(action!);
  const budgetAfterAction = sim.metrics.budgetS;
  const flagAfterAction = sim.metrics.reconfigFlag;
  sim.run();
  return { action: action!, budgetAfterAction, flagAfterAction };
}
const layoutOf = (sim: Simulator, gpu: number) =>
  sim.gpuEngines(gpu).map((e) => `${e.profile.name}:${e.owner}`);

const b200 = () =>
  idleSimAtFirstDecision(sim3, [...on(0, CHAT, [P2, P2, P3]), ...on(1, CODING, [P7]), ...on(2, RAG, [P7])]);
const a100 = () => idleSimAtFirstDecision(sim2, [...on(0, CODING, [P7]), ...on(1, RAG, [P4, P3])]);

describe.each<[string, ResolvedSimulationConfig]>([
  ['B200', sim3],
  ['A100_40GB', sim2],
])('actions on %s', (model) => {
  it('split, merge and transfer change the layout, charge the idle cost and finish within one interval', () => {
    if (model === 'B200') {
      // Split GPU0 8 → 10: the first 2G becomes two 1g.23gb; the GPU reports state 9 (aliasing).
      let sim = b200();
      let r = take(sim, 3, 7);
      expect(r.action).toMatchObject({
        kind: 'split',
        gpu: 0,
        sources: [0],
        targets: [0, 1],
        targetStateId: 10,
      });
      expect(r.flagAfterAction).toBe(true);
      expect(r.budgetAfterAction).toBeCloseTo(300 - 63.2, 9);
      expect(sim.nowS).toBe(240);
      expect(sim.gpuState(0)).toBe(9);
      expect(layoutOf(sim, 0)).toEqual([
        `2g.45gb:${CHAT}`,
        `1g.23gb:${CHAT}`,
        `1g.23gb:${CHAT}`,
        `3g.90gb:${CHAT}`,
      ]);
      expect(sim.metrics.reconfigFlag).toBe(false);

      // Merge GPU0 8 → 2: the two 2G become one 4g.90gb.
      sim = b200();
      r = take(sim, 3, 2);
      expect(r.action).toMatchObject({ kind: 'merge', sources: [0, 1], targets: [0] });
      expect(r.budgetAfterAction).toBeCloseTo(300 - 62.1, 9);
      expect(layoutOf(sim, 0)).toEqual([`4g.90gb:${CHAT}`, `3g.90gb:${CHAT}`]);

      // Transfer GPU2's 7G from RAG to Chat (index 84): same engine, new owner, Chat's restart time.
      sim = b200();
      r = take(sim, 3, 84);
      expect(r.action).toMatchObject({ kind: 'transfer', gpu: 2, sources: [0], receiver: CHAT });
      expect(r.budgetAfterAction).toBeCloseTo(300 - 68.5, 9);
      expect(layoutOf(sim, 2)).toEqual([`7g.180gb:${CHAT}`]);
      expect(sim.agents[RAG]!.engines.map((e) => e.gpu)).toEqual([3]);
      expect(sim.metrics.stepsSinceGive(RAG, CHAT)).toBe(0);
      expect(sim.metrics.lastActionDowntimeS).toBeCloseTo(68.5, 9);
    } else {
      // Split GPU0 1 → 2 on A100: boots Coding's 4g.20gb (61.9 s) and 3g.20gb (62.2 s).
      let sim = a100();
      let r = take(sim, 2, 2);
      expect(r.action).toMatchObject({
        kind: 'split',
        gpu: 0,
        sources: [0],
        targets: [0, 1],
        targetStateId: 2,
      });
      expect(r.budgetAfterAction).toBeCloseTo(300 - 62.2, 9);
      expect(sim.gpuState(0)).toBe(2);
      expect(layoutOf(sim, 0)).toEqual([`4g.20gb:${CODING}`, `3g.20gb:${CODING}`]);

      // Merge GPU1 2 → 1 (index 16): RAG's 7g.40gb restart, 67.9 s.
      sim = a100();
      r = take(sim, 2, 16);
      expect(r.action).toMatchObject({
        kind: 'merge',
        gpu: 1,
        sources: [0, 1],
        targets: [0],
        targetStateId: 1,
      });
      expect(r.budgetAfterAction).toBeCloseTo(300 - 67.9, 9);
      expect(layoutOf(sim, 1)).toEqual([`7g.40gb:${RAG}`]);

      // Transfer GPU1's 3G from RAG to Coding (index 47): Coding's 3g.20gb restart, 62.2 s.
      sim = a100();
      r = take(sim, 2, 47);
      expect(r.action).toMatchObject({ kind: 'transfer', gpu: 1, sources: [1], receiver: CODING });
      expect(r.budgetAfterAction).toBeCloseTo(300 - 62.2, 9);
      expect(layoutOf(sim, 1)).toEqual([`4g.20gb:${RAG}`, `3g.20gb:${CODING}`]);
      expect(sim.metrics.stepsSinceGive(RAG, CODING)).toBe(0);
    }
  });
});
