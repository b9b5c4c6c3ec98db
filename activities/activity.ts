/** The frame every stage activity shares: parse its input, give it its context, report the cache entry's facts. */
import { Context } from '@temporalio/activity';
import type { z } from 'zod';
import type { CacheResult } from '../core/cache/index.js';
import { parseConfig } from '../core/config/index.js';
import { withFailures } from './failures.js';

/**
 * Runs `fn` on the input as `schema` parses it (a bad input fails non-retryably, naming `<what> input` and the
 * field), with the activity's context and its start time; every error leaves as a Temporal failure.
 */
export function parsedActivity<S extends z.ZodType, R>(
  what: string,
  schema: S,
  raw: unknown,
  fn: (input: z.output<S>, ctx: Context, startedMs: number) => Promise<R>,
): Promise<R> {
  return withFailures(() => fn(parseConfig(`${what} input`, raw, schema), Context.current(), Date.now()));
}

/** What every stage result says about its cache entry. */
export function entryFacts(entry: CacheResult<unknown>): { cacheKey: string; hit: boolean; dir: string } {
  return { cacheKey: entry.key, hit: entry.hit, dir: entry.dir };
}
