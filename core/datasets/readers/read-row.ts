/**
 * What every dataset reader yields, and the guard that turns a file that is mostly unreadable into one clear
 * DatasetError instead of thousands of malformed-row reports.
 */
import { DatasetError } from '../../errors.js';
import type { RowLocation } from '../types.js';

/** One raw row. `problem` is set (and `row` undefined) when the reader could not even decode the line. */
export interface ReadRow {
  row: unknown;
  location: RowLocation;
  problem?: string;
}

/** Above this share of undecodable or non-object rows the file is taken to be in another format. */
export const MAX_BAD_ROW_SHARE = 0.5;
/** The share is first judged after this many rows, so a huge file in the wrong format fails fast. */
export const BAD_ROW_SHARE_MIN_ROWS = 20;

/** Counts rows that are not JSON objects and throws once they dominate the file. */
export class BadRowGuard {
  private seen = 0;
  private bad = 0;
  private firstBadLine: number | undefined;
  private firstBadProblem = '';

  constructor(
    private readonly file: string,
    private readonly fix: string,
  ) {}

  /** Records one row; `problem` undefined means it was a JSON object. Throws early if the file looks wrong. */
  note(line: number, problem: string | undefined): void {
    this.seen++;
    if (problem !== undefined) {
      this.bad++;
      if (this.firstBadLine === undefined) {
        this.firstBadLine = line;
        this.firstBadProblem = problem;
      }
    }
    if (this.seen >= BAD_ROW_SHARE_MIN_ROWS) this.check();
  }

  /** Final judgement at end of file, whatever its length. */
  check(): void {
    if (this.seen === 0 || this.bad / this.seen <= MAX_BAD_ROW_SHARE) return;
    throw new DatasetError(
      this.file,
      this.firstBadLine,
      `${this.bad} of the first ${this.seen} rows are not JSON objects (first: ${this.firstBadProblem})`,
      this.fix,
    );
  }
}

/** Short description of a decoded value for error messages ("an array", "a number", "null"). */
export function describeJsonValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
