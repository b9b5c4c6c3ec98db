/**
 * vLLM's `random` dataset, for servers that count one token per whitespace-separated word (the emulator): each
 * prompt has a length drawn uniformly from the level's range and is made of that many words. Against a real vLLM
 * the server's usage.prompt_tokens (which the bench JSON records) gives the true length, as newer vLLM does.
 */
import type { Rng } from '../random/index.js';
import type { LoadRequest } from './load-generator.js';

/** Inclusive token-length range that request lengths are drawn from uniformly. */
export interface LengthRange {
  min: number;
  max: number;
}

/** vLLM's random dataset: lengths uniform over [floor(len·(1−r)), ceil(len·(1+r))], at least 1 for output. */
export function randomLengthRange(len: number, rangeRatio: number, minimum = 0): LengthRange {
  return {
    min: Math.max(minimum, Math.floor(len * (1 - rangeRatio))),
    max: Math.ceil(len * (1 + rangeRatio)),
  };
}

const WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'kappa',
  'lambda',
  'sigma',
  'omega',
  'token',
  'slice',
  'cache',
];

export function randomPrompt(tokens: number, rng: Rng): string {
  const parts: string[] = new Array(tokens);
  for (let i = 0; i < tokens; i++) parts[i] = WORDS[Math.floor(rng.next() * WORDS.length)]!;
  return parts.join(' ');
}

export function randomRequests(n: number, input: LengthRange, output: LengthRange, rng: Rng): LoadRequest[] {
  const out: LoadRequest[] = [];
  for (let i = 0; i < n; i++) {
    const promptLen = Math.max(1, rng.int(input.min, input.max));
    out.push({
      prompt: randomPrompt(promptLen, rng),
      promptLen,
      outputLen: Math.max(1, rng.int(output.min, output.max)),
    });
  }
  return out;
}
