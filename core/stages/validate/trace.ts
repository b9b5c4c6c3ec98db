/** The seeded trace both sides replay: per agent, Poisson arrivals with uniform prompt and completion lengths. */
import { seededRng } from '../../random/index.js';
import type { ValidateConfig } from './config.js';

export interface TraceRequest {
  arrivalS: number;
  promptTokens: number;
  completionTokens: number;
}

export function validationTrace(cfg: ValidateConfig, agentIndex: number): TraceRequest[] {
  const rng = seededRng(cfg.trace.seed * 1000 + agentIndex + 1);
  const out: TraceRequest[] = [];
  let t = 0;
  for (let i = 0; i < cfg.trace.requests; i++) {
    if (i > 0) t += rng.exponential(cfg.trace.rate_per_s);
    out.push({
      arrivalS: t,
      promptTokens: rng.int(cfg.trace.prompt_tokens[0], cfg.trace.prompt_tokens[1]),
      completionTokens: rng.int(cfg.trace.completion_tokens[0], cfg.trace.completion_tokens[1]),
    });
  }
  return out;
}
