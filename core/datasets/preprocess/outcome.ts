/**
 * What a preprocessor makes of one raw row: the ShareGPT rows it yields (possibly none, with counts of rows
 * dropped on purpose by a documented filter), or the reason the row is malformed and must be reported.
 */
import type { ShareGptRow } from '../types.js';

/** Rows left out by a reference filter. They are counted in the summary, not reported as malformed. */
export const DropReason = {
  /** chat: `language` is not exactly "English". */
  nonEnglish: 'nonEnglish',
  /** chat: the joined text of an expanded row is longer than the token limit. */
  overTokenLimit: 'overTokenLimit',
  /** coder, chat: fewer than two messages, so no complete round exists. */
  noCompleteRound: 'noCompleteRound',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export type RowOutcome =
  | { ok: true; rows: ShareGptRow[]; dropped?: Partial<Record<DropReason, number>> }
  | { ok: false; reason: string };

/** Turns one raw row (and its 0-based position across all inputs) into an outcome. */
export type RowPreprocessor = (row: unknown, position: number) => RowOutcome | Promise<RowOutcome>;

export function malformed(reason: string): RowOutcome {
  return { ok: false, reason };
}
