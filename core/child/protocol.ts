/**
 * The one protocol between a parent and a child process that does a stage's heavy work (a training run, a bench
 * trial, a fit): JSON messages over Node's IPC channel, or JSON lines on stdout when the child was started by hand
 * without one. A child sends any number of `progress` and `log` messages, then exactly one of `result`,
 * `cancelled` (it stopped on request, with what it saved) or `error` (typed, so a user-fixable error stays
 * non-retryable across the process boundary).
 */
import { MigflowError } from '../errors.js';

/** A core error as it crosses a process boundary: its class name, message, whether retrying can help, context. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly userFixable: boolean;
  /** The error's own string and number fields (file, field, fix, …): the failure's details. */
  readonly fields?: Readonly<Record<string, string | number>>;
}

export type ChildMessage<P, R> =
  | { readonly type: 'progress'; readonly progress: P }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'result'; readonly result: R; readonly cpuS: number }
  | { readonly type: 'cancelled'; readonly details?: unknown }
  | { readonly type: 'error'; readonly error: WireError };

/** What a child sends for `err`: core errors keep their type; anything else travels as a retryable `Error`. */
export function toWireError(err: unknown): WireError {
  if (err instanceof MigflowError) {
    const fields = Object.fromEntries(
      Object.entries(err).filter(
        ([k, v]) => k !== 'userFixable' && k !== 'name' && (typeof v === 'string' || typeof v === 'number'),
      ),
    ) as Record<string, string | number>;
    return { name: err.name, message: err.message, userFixable: err.userFixable, fields };
  }
  return {
    name: 'Error',
    message: String(err instanceof Error ? (err.stack ?? err.message) : err),
    userFixable: false,
  };
}

/**
 * A child's error, rebuilt in the parent with the child's class name, message, retryability and context fields,
 * so the activity boundary turns it into the same Temporal failure as if it had been thrown in the worker.
 */
export class ChildProcessError extends MigflowError {
  override readonly userFixable: boolean;

  constructor(wire: WireError) {
    super(wire.message);
    this.userFixable = wire.userFixable;
    Object.assign(this, wire.fields ?? {});
    Object.defineProperty(this, 'name', { value: wire.name, enumerable: false });
  }
}
