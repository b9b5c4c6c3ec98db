/** Parsers of command-line option values, shared by every command so one flag reads the same everywhere. */
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';

/** A whole number ≥ 0. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** A whole number ≥ 1. */
export function positiveWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/** Any integer (e.g. a seed). */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** `1,2,4,8`. */
export function positiveWholeList(value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InvalidArgumentError('expected a comma-separated list of positive whole numbers, e.g. 1,2,4,8');
  }
  return xs;
}

/** A repeatable option: each value appended. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A repeatable option whose values may hold several words: each word appended. */
export const collectWords = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(' ').filter(Boolean),
];

/**
 * One `--set training.PPO.n_steps=64` (or `'training.PPO.net_arch.pi=[16]'`) added to the overrides so far: a dotted
 * path from the YAML root and a YAML value (numbers, lists and maps parse, a bare word stays a string).
 */
export function overridePair(
  pair: string,
  previous: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const eq = pair.indexOf('=');
  if (eq <= 0) {
    throw new InvalidArgumentError(
      `--set ${pair}: expected <dotted.path>=<value>, e.g. training.PPO.n_steps=64`,
    );
  }
  return { ...previous, [pair.slice(0, eq)]: parseYaml(pair.slice(eq + 1)) };
}

/** Every `--set` pair as dotted overrides. */
export function parseOverrides(pairs: readonly string[] = []): Record<string, unknown> {
  return pairs.reduce<Record<string, unknown>>((acc, pair) => overridePair(pair, acc), {});
}
