/**
 * Error types no retry can fix: core's user-fixable errors (their `name`), which activities turn into
 * non-retryable failures. Workflows list the same types in `nonRetryableErrorTypes` as a second guard, so both
 * sides read this one list (a unit test keeps it equal to core's user-fixable error classes).
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [
  'ConfigError',
  'DatasetError',
  'GeometryError',
  'ToolMissingError',
  'BenchDataError',
];
