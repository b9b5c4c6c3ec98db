import { ConfigError } from '../../core/errors.js';

/** The ConfigError `run` throws; any other error is rethrown as it is, and no error at all fails the test. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
