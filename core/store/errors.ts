/** Errors of the artifact store. Messages name the entry, the file, where it lives and the fix. */
import { MigflowError } from '../errors.js';

/** Stored bytes do not match their manifest (corruption, a truncated object, a file missing behind a manifest). */
export class StoreIntegrityError extends MigflowError {
  // Re-reading the same bytes cannot help: the entry must be deleted and the stage run again.
  override readonly userFixable = true;
  constructor(
    readonly location: string,
    readonly ref: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `${location}: entry ${ref}: ${path}: ${problem} — fix: delete the entry (its stage then runs again on the next ` +
        'run), or restore the object from a backup',
    );
  }
}

/** A ref, a file path or a store setting that cannot be used. */
export class StoreUsageError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly what: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${what}: ${problem} — fix: ${fix}`);
  }
}
