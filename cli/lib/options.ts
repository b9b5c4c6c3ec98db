/** Parsers of command-line option values, shared by every command so one flag reads the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';

/**
 * The number a flag's text spells, or undefined: plain decimal or exponent notation, nothing else (`Number('')` is
 * 0 and `Number('0x10')` is 16, neither of which a user means).
 */
function numberOf(value: string): number | undefined {
  const t = value.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const fmt = (n: number) => n.toLocaleString('en-US');

// Commander calls a parser as (value, previous): parsers take one argument, or a default would become a bound.

/** A parser of whole numbers from `min` to `max` (`what` names them in the error: a TCP port, a GPU index). */
function wholeBetween(min: number, max: number, what = 'a whole number'): (value: string) => number {
  return (value) => {
    const n = numberOf(value);
    if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected ${what} from ${min} to ${fmt(max)}, got "${value}"`);
    return n;
  };
}

/** A whole number ≥ 0. */
export const wholeNumber = wholeBetween(0, Number.MAX_SAFE_INTEGER);

/** A whole number ≥ 1. */
export const positiveWhole = wholeBetween(1, Number.MAX_SAFE_INTEGER);

/** A parser of whole numbers from 1 to `max`, saying which limit the flag has and where it is set. */
export function wholeUpTo(max: number, limitName: string): (value: string) => number {
  return (value) => {
    const n = numberOf(value);
    if (n === undefined || !Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
    if (n > max)
      throw new InvalidArgumentError(
        `${fmt(n)} is above the limit of ${fmt(max)} (${limitName} in contracts/limits.ts); ask for less, or raise it there`,
      );
    return n;
  };
}

/** Any integer (e.g. a seed). */
export function integer(value: string): number {
  const n = numberOf(value);
  if (n === undefined || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

/** A finite number > 0. */
export function positiveNumber(value: string): number {
  const n = numberOf(value);
  if (n === undefined || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

/** A parser of numbers in (0, max]. */
export function positiveUpTo(max: number, limitName?: string): (value: string) => number {
  return (value) => {
    const n = positiveNumber(value);
    if (n > max)
      throw new InvalidArgumentError(
        `${fmt(n)} is above the limit of ${fmt(max)}${limitName ? ` (${limitName} in contracts/limits.ts)` : ''}`,
      );
    return n;
  };
}

/** A TCP port, 1–65535. */
export const port = wholeBetween(1, 65535, 'a TCP port');

/** A GPU index, 0–63. */
export const gpuIndex = wholeBetween(0, 63, 'a GPU index');

/** `1,2,4,8`. */
export function positiveWholeList(value: string): number[] {
  const xs = value.split(',').map((s) => numberOf(s) ?? Number.NaN);
  if (xs.length === 0 || xs.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
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

/** `--json`: the command prints its result as JSON instead of tables (off by default). */
export const jsonResultOption = (): Option => new Option('--json', 'print the result as JSON').default(false);
