/**
 * Spec simulator-and-rl §9 check 14 (training smoke): a 60-step random-policy episode on 3 agents with the real
 * patterns. Decision k is taken at t = 120·k and its step ends at 120·(k + 1); the 300 s budget allows at most
 * four actions of ≥ 61.4 s before only NO_ACTION is valid; it refills to the full budget only at a decision
 * 1920 s after the last action; rewards stay within [−50, +0.4].
 */
import { describe, expect, it } from 'vitest';
import { MigEnv, seededEnvRng } from '../../../core/control/index.js';
import { NO_ACTION } from '../../../core/mig/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim3, training } from './setup.js';

const cheapestRestartS = Math.min(
  ...Object.values(sim3.engines).flatMap((byGpu) =>
    Object.values(byGpu?.[sim3.gpuModel] ?? {}).map((e) => e.restartTimeS),
  ),
);

describe('training smoke: 60 random-policy steps, 3 agents, real patterns (spec §9 check 14)', () => {
  const rng = seededEnvRng(14);
  const env = new MigEnv({
    simulation: sim3,
    training,
    tokens: syntheticTokenTables(14, 400),
    rng,
    episodeLength: 60,
  });
  const first = env.reset();
  const decisions: {
    timeS: number;
    action: number;
    valid: number;
    budgetS: number;
    reward: number;
    endS: number;
  }[] = [];
  for (let k = 0; k < 60; k++) {
    const timeS = env.sim.nowS;
    const budgetS = env.sim.metrics.budgetS;
    const mask = env.actionMasks();
    const valid: number[] = [];
    mask.forEach((v, i) => {
      if (v === 1) valid.push(i);
    });
    const action = valid[rng.choiceIndex(valid.length)]!;
    const r = env.step(action);
    decisions.push({ timeS, action, valid: valid.length, budgetS, reward: r.reward, endS: r.info.timeS });
  }

  it('observes first at t = 120; decision k at 120·k ends its step at 120·(k + 1)', () => {
    expect(first.info.timeS).toBe(120);
    decisions.forEach((d, i) => {
      expect(d.timeS).toBe(120 * (i + 1));
      expect(d.endS).toBe(120 * (i + 2));
    });
  });

  it('takes actions, and only NO_ACTION is valid whenever the budget is below the cheapest restart (61.4 s)', () => {
    expect(cheapestRestartS).toBe(61.4);
    expect(decisions.filter((d) => d.action !== NO_ACTION).length).toBeGreaterThan(0);
    const starved = decisions.filter((d) => d.budgetS < cheapestRestartS);
    expect(starved.length).toBeGreaterThan(0);
    for (const d of starved) expect(d.valid).toBe(1);
  });

  it('never takes more than four actions between two full budgets', () => {
    let since = 0;
    for (const d of decisions) {
      if (d.budgetS === training.budgetS) since = 0;
      if (d.action !== NO_ACTION) since++;
      expect(since).toBeLessThanOrEqual(4);
    }
  });

  it('refills the budget only at the decision 1920 s after the last action', () => {
    let lastActionS: number | undefined;
    let previousBudgetS = training.budgetS;
    let refills = 0;
    for (const d of decisions) {
      if (lastActionS !== undefined && d.budgetS === training.budgetS && previousBudgetS < training.budgetS) {
        expect(d.timeS - lastActionS).toBe(1920);
        refills++;
      }
      if (lastActionS !== undefined && d.timeS - lastActionS < 1920)
        expect(d.budgetS).toBeLessThan(training.budgetS);
      if (d.action !== NO_ACTION) lastActionS = d.timeS;
      previousBudgetS = d.budgetS;
    }
    expect(refills).toBeGreaterThan(0);
  });

  it('keeps every reward within [−50, +0.4]', () => {
    for (const d of decisions) {
      expect(d.reward).toBeGreaterThanOrEqual(-50);
      expect(d.reward).toBeLessThanOrEqual(0.4 + 1e-9);
    }
  });
});
