/**
 * Typed errors of migflow's domain. Every error carries its context as readonly fields and a stable `name`,
 * so activities can turn user-fixable ones into non-retryable Temporal failures with `type = name`.
 * Messages read `file: field: problem — fix: …`.
 */

/** Base of every error migflow throws on purpose. `userFixable` errors never succeed on retry. */
export class MigflowError extends Error {
  /** True when retrying cannot help: the input must change (bad config, malformed dataset, …). */
  readonly userFixable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config file (YAML/JSON input) is missing, unparsable, or has a field with the wrong value. */
export class ConfigError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${field || '(root)'}: ${problem} — fix: ${fix}`, options);
  }
}

/** A dataset file is not what it claims to be (wrong format, unreadable), naming the file and line/row. */
export class DatasetError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem} — fix: ${fix}`, options);
  }
}

/** An illegal MIG geometry change (split/merge/transfer the hardware would refuse). */
export class GeometryError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly gpu: string,
    readonly from: string,
    readonly to: string,
    readonly problem: string,
  ) {
    super(`GPU ${gpu}: cannot go from ${from} to ${to}: ${problem}`);
  }
}

/** An external command (nvidia-smi, go, docker, temporal) failed; argv is the exact argument vector. */
export class CommandError extends MigflowError {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    readonly hint = '',
  ) {
    super(
      `command failed (exit ${exitCode ?? 'signal'}): ${argv.join(' ')}\n${stderrTail}${hint ? `\nfix: ${hint}` : ''}`,
    );
  }
}

/** A required tool (temporal CLI, Go, Docker) cannot be found or built; the message says what to install. */
export class ToolMissingError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly tool: string,
    readonly fix: string,
  ) {
    super(`${tool} is not available — fix: ${fix}`);
  }
}

/** An inference engine container failed to start, exited, or never became healthy; carries its last log lines. */
export class EngineError extends MigflowError {
  constructor(
    readonly container: string,
    readonly image: string,
    readonly problem: string,
    readonly logTail: string,
  ) {
    super(
      `engine ${container} (${image}): ${problem}${logTail ? `\n--- last log lines ---\n${logTail}` : ''}`,
    );
  }
}

/** A benchmark result JSON (vllm bench serve or migflow's load generator) lacks a key or holds bad values. */
export class BenchDataError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}: ${key || '(root)'}: ${problem} — fix: ${fix}`);
  }
}

/**
 * Writing an output failed for a reason of the machine, not of migflow (disk full, quota, read-only filesystem,
 * permissions, a file where a folder should be): names the path and what to do. Nothing was published. Retryable,
 * since freeing space or fixing permissions lets the same input succeed.
 */
export class OutputWriteError extends MigflowError {
  constructor(
    readonly path: string,
    readonly code: string,
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem} (${code}); nothing was published — fix: ${fix}`, options);
  }
}
