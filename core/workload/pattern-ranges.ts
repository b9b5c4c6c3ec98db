/** Pattern bounds from the two configs that define them: bench_config.yaml (`workloads`) and training (`patterns`). */
import type { ResolvedBenchConfig, ResolvedTrainingConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { PatternRanges } from './request-loader.js';

export function benchPatternRanges(bench: ResolvedBenchConfig): PatternRanges {
  return {
    durationS: (p) => bench.workloads[p].durationS,
    ratePerS(p, agent) {
      const r = bench.workloads[p].ratePerS[agent];
      if (!r) {
        throw new ConfigError(
          bench.file,
          `workloads.${p}.rate`,
          `no rate range for ${agent}`,
          `add "${agent}: [min, max]" or list ${agent} under agents`,
        );
      }
      return r;
    },
  };
}

export function trainingPatternRanges(training: ResolvedTrainingConfig): PatternRanges {
  return {
    durationS(p) {
      const d = training.patterns[p].durationS;
      return [d.low, d.high];
    },
    ratePerS(p, agent) {
      const r = training.patterns[p].rateReqS[agent];
      if (!r) {
        throw new ConfigError(
          training.file,
          `training.patterns.${p}.rate`,
          `no rate range for ${agent}`,
          `add training.patterns.${p}.rate.${agent}: [low, high]`,
        );
      }
      return [r.low, r.high];
    },
  };
}
