/**
 * idle_merge (core/control/policies/idle-merge.ts): it merges a managed GPU while its agent's idle clock — the one
 * the observation carries with training.time_features — is within (0, hold_s) and splits it back otherwise, so
 * everything it decides on is in the observation a clone sees; it pays on the default bench trace; and warm start
 * refuses it as a teacher when the observation lacks its clock.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BenchSetup, prepareBench, runTrial } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import type { TimeFeatureConfig } from '../../../core/config/index.js';
import {
  BASELINE_POLICIES,
  observationLayout,
  type Policy,
  resolvePolicies,
  staticSplitExtreme,
} from '../../../core/control/index.js';
import { ConfigError } from '../../../core/errors.js';
import { decodeAction, stateLayout } from '../../../core/mig/index.js';
import { checkIdleMergeClocks } from '../../../core/stages/train/warm-start.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

const CLOCKS: TimeFeatureConfig = { idleRateReqS: 0.7, scaleS: 3600, cap: 2 };
const withClocks = { ...training, timeFeatures: CLOCKS };
const bench = loadBenchConfig('configs/bench_config.yaml');

describe('idle_merge', () => {
  it('is a named policy outside --bl all', () => {
    expect(resolvePolicies(['idle_merge'])[0]).toBe(BASELINE_POLICIES.idle_merge);
    expect(resolvePolicies(['all'])).not.toContain(BASELINE_POLICIES.idle_merge);
  });

  it('merges a GPU only while its agent’s observed idle clock is within (0, hold_s), and splits it back after', () => {
    // A hold that is no multiple of the 120 s decision interval: no clock reading sits on the boundary.
    const holdS = 1250;
    const setup: BenchSetup = {
      simulation: sim2,
      training: withClocks,
      bench: { ...bench, idleMerge: { holdS } },
      tokens: syntheticTokenTables(77),
      steps: 400,
      start: 'common',
    };
    const layout = observationLayout(2, training.arrivalRateHistoryLength, true);
    const agents = sim2.agentsEnumOrder;
    let merges = 0;
    let splits = 0;
    const recording = (): Policy => {
      const inner = BASELINE_POLICIES.idle_merge!();
      return {
        ...inner,
        decide(observation, mask, context) {
          const action = inner.decide(observation, mask, context);
          expect(mask[action]).toBe(1);
          const a = decodeAction(agents.length, action);
          if (a.kind === 'transfer') throw new Error(`idle_merge transferred (action ${action})`);
          if (a.kind === 'state') {
            const home = sim2.cluster[a.gpu]!.initialAgents[0]!;
            // The observation's idle clocks are in name order; scaled by 3600 s (float32).
            const clockS =
              observation[layout.time!.idleClock + layout.blockAgents.indexOf(home)]! * CLOCKS.scaleS;
            const within = clockS > 0 && clockS < holdS;
            const fewer =
              stateLayout(a.targetState).length <
              stateLayout(context.cluster.gpuState(a.gpu) as never).length;
            if (fewer) merges++;
            else splits++;
            expect({ gpu: a.gpu, clockS, merging: fewer }).toEqual({ gpu: a.gpu, clockS, merging: within });
          }
          return action;
        },
      };
    };
    runTrial(prepareBench(setup), recording);
    // The common start is a random layout: the first moves reach split_extreme (splits); the merges and the splits
    // back after them are the idle phases of seed 77's trace.
    expect(merges).toBeGreaterThan(2);
    expect(splits).toBeGreaterThan(merges);
  });

  it('is ahead of static_split_extreme on the default bench trace under the common start, at its TTFT', () => {
    const setup: BenchSetup = {
      simulation: sim2,
      training,
      bench,
      tokens: syntheticTokenTables(77),
      start: 'common',
    };
    const prepared = prepareBench(setup);
    const im = runTrial(prepared, BASELINE_POLICIES.idle_merge!);
    const sse = runTrial(prepared, staticSplitExtreme);
    expect(im.reward.total).toBeGreaterThan(sse.reward.total + 50);
    im.agents.forEach((a, i) => {
      expect(a.meanTtftS).toBeLessThan(1.02 * sse.agents[i]!.meanTtftS);
    });
  });

  it('as a warm-start teacher needs the observation’s clocks', () => {
    expect(() => checkIdleMergeClocks(training, 'configs/training_config.yaml')).toThrow(ConfigError);
    expect(() => checkIdleMergeClocks(training, 'configs/training_config.yaml')).toThrow(
      /training\.time_features\.enabled/,
    );
    expect(() => checkIdleMergeClocks(withClocks, 'configs/training_config.yaml')).not.toThrow();
  });

  it('reads its idle rate from the training config (training.time_features.idle_rate), clocks on or off', () => {
    // One idle rate for the policy and the observation clocks: a rate above every interval's keeps every agent idle
    // from the first decision, so idle_merge merges where the shipped rate (0.7 req/s) keeps the busy agents split.
    const reward = (rate: number) => {
      const setup: BenchSetup = {
        simulation: sim2,
        training: { ...training, idleRateReqS: rate },
        bench,
        tokens: syntheticTokenTables(77),
        steps: 40,
        start: 'common',
      };
      return runTrial(prepareBench(setup), BASELINE_POLICIES.idle_merge!).reward.total;
    };
    expect(training.idleRateReqS).toBe(0.7);
    expect(reward(1e9)).not.toBe(reward(0.7));
  });

  it('refuses a bench config that still sets idle_merge.idle_rate, saying where it moved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idle-rate-'));
    const file = join(dir, 'bench_config.yaml');
    writeFileSync(
      file,
      readFileSync('configs/bench_config.yaml', 'utf8') + '\nidle_merge:\n  idle_rate: 0.5\n  hold_s: 3000\n',
    );
    const err = (() => {
      try {
        loadBenchConfig(file);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe(file);
    expect(e.field).toMatch(/^idle_merge\.idle_rate/);
    expect(e.message).toMatch(/training\.time_features\.idle_rate/);
    expect(e.fix).toMatch(/training_config\.yaml/);
  });
});
