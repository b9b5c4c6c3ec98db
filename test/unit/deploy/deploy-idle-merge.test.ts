/**
 * `migflow deploy --policy idle_merge`: the deployment keeps idle_merge's idle clock in its clock state
 * (DeployState.clocks, the path a clock checkpoint's clocks take: core/deploy/deploy-observation.ts), so a decision
 * taken after the state went through JSON — a continue-as-new, a new worker — by a fresh policy instance and a fresh
 * observation builder is the decision one uninterrupted idle_merge takes. Driven by the simulator on the default
 * bench trace (seed 77), whose idle phases make idle_merge merge and split back.
 */
import { describe, expect, it } from 'vitest';
import { type BenchSetup, prepareBench, runTrial } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { BASELINE_POLICIES, type Policy, type PolicyContext } from '../../../core/control/index.js';
import { deployObservation } from '../../../core/deploy/deploy-observation.js';
import { DEPLOY_POLICY_NAMES, resolveDeployPolicy } from '../../../core/deploy/deploy-policy.js';
import type { DeployState } from '../../../core/deploy/deploy-state.js';
import { decodeAction, NO_ACTION } from '../../../core/mig/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { deployStateFixture } from '../../helpers/deploy-state.js';
import { sim2, training } from '../rl/setup.js';

const bench = loadBenchConfig('configs/bench_config.yaml');
const agents = sim2.agentsEnumOrder;

/**
 * The deployment's decision at window `state.window`: a new DeployPolicy (a new worker process), the observation
 * built by a fresh builder that continues the carried clocks, and its idle clocks handed to the policy.
 */
function deployDecision(state: DeployState, mask: Uint8Array, context: PolicyContext): number {
  const policy = resolveDeployPolicy('idle_merge', context.training);
  const { observation, idleClocks } = deployObservation(
    { training: context.training, agents, timeFeatures: policy.timeFeatures! },
    state,
    context.cluster,
  );
  expect(idleClocks).toBeDefined();
  return policy.decide!(observation, mask, { ...context, idleClocks: idleClocks! });
}

/** What the workflow hands the next window: the state through JSON (Temporal's payload). */
const carry = (state: DeployState) => JSON.parse(JSON.stringify(state)) as DeployState;

describe('deploying idle_merge', () => {
  it('is a deploy policy with the training config’s idle rate and the clocks kept in the deployment’s state', () => {
    expect(DEPLOY_POLICY_NAMES).toContain('idle_merge');
    const p = resolveDeployPolicy('idle_merge', training);
    expect(p).toMatchObject({ isStatic: false, enforceCooldowns: false });
    expect(p.timeFeatures).toEqual({ idleRateReqS: 0.7, scaleS: 3600, cap: 2 });
    expect(
      resolveDeployPolicy('idle_merge', { ...training, idleRateReqS: 0.4 }).timeFeatures?.idleRateReqS,
    ).toBe(0.4);
    expect(() => resolveDeployPolicy('idle_merge')).toThrow(/training config/);
  });

  it('decides after every carried state and restart as one uninterrupted run does', () => {
    const setup: BenchSetup = {
      simulation: sim2,
      training,
      bench,
      tokens: syntheticTokenTables(77),
      steps: 400,
      start: 'common',
    };
    let state = deployStateFixture({ window: 0, policy: 'idle_merge' });
    let merges = 0;
    let restarted = 0;
    const lockstep = (): Policy => {
      const uninterrupted = BASELINE_POLICIES.idle_merge!();
      return {
        ...uninterrupted,
        decide(observation, mask, context) {
          const action = uninterrupted.decide(observation, mask, context);
          // Each decision runs on a "new worker" with the state as the previous window left it.
          state = carry(state);
          state.window = context.step;
          if (state.clocks) restarted++;
          expect({ step: context.step, action: deployDecision(state, mask, context) }).toEqual({
            step: context.step,
            action,
          });
          if (action !== NO_ACTION) {
            const a = decodeAction(agents.length, action);
            if (a.kind === 'state' && a.targetState === 1) merges++;
          }
          return action;
        },
      };
    };
    runTrial(prepareBench(setup), lockstep);
    // The idle phases of seed 77's trace: merges happened, so the carried clocks were read past their start.
    expect(merges).toBeGreaterThan(2);
    expect(restarted).toBe(399);
  });
});
