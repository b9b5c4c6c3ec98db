/**
 * The dataset stage: stream every input file through one kind's preprocessor, write the ShareGPT rows as JSONL
 * and every malformed row to `malformed.jsonl`, both atomically and only inside `outDir`. Rows are counted and
 * reported, never silently dropped; the signal is checked between rows; progress is reported every 1,000 rows.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, DatasetError } from '../errors.js';
import { JsonlSink } from './jsonl-sink.js';
import { type DatasetKind, isDatasetKind } from './kinds.js';
import { createChatPreprocessor } from './preprocess/chat.js';
import { preprocessCoderRow } from './preprocess/coder.js';
import type { DropReason, RowPreprocessor } from './preprocess/outcome.js';
import { preprocessRagRow } from './preprocess/rag.js';
import { lengthFilterFrom, qwenLengthFilter, type TokenCounter } from './preprocess/token-filter.js';
import { readDatasetRows } from './readers/index.js';
import type { DatasetFormat, MalformedRow } from './types.js';

/**
 * Bump a kind's version whenever its output bytes could change for the same input: it is part of the stage
 * cache key. The chat version also pins the tokenizer package used by its length filter.
 */
export const DATASET_PREPROCESSOR_VERSION: Readonly<Record<DatasetKind, string>> = {
  coder: 'coder-1',
  rag: 'rag-1',
  chat: 'chat-1+tokenizer-qwen3@3.7.2',
};

export const MALFORMED_FILE = 'malformed.jsonl';
export const MALFORMED_EXAMPLES = 20;
export const PROGRESS_EVERY_ROWS = 1000;

/** Stable output name per kind, e.g. `coder.sharegpt.jsonl`. */
export function outputFileName(kind: DatasetKind): string {
  return `${kind}.sharegpt.jsonl`;
}

export interface PrepareDatasetOptions {
  kind: DatasetKind;
  /** Raw files, read in this order (RAG ids count across them: pass train before test). */
  inputs: string[];
  /** The only directory written to. Created if missing. */
  outDir: string;
  /** Overrides the format detected from each input's extension. */
  format?: DatasetFormat;
  /** Stop after this many raw rows in total (quick trials). */
  limit?: number;
  /** Accept 0 output rows; otherwise they are a DatasetError (a wrong-schema file must not become a cached success). */
  allowEmpty?: boolean;
  signal?: AbortSignal;
  /** Called every ~1,000 raw rows and at the end of each file; the activity heartbeats from it. */
  onProgress?: (p: { rowsRead: number; file: string }) => void;
  /** chat only: replaces the Qwen tokenizer of the length filter (tests, or a model with another tokenizer). */
  countTokens?: TokenCounter;
}

export interface PrepareDatasetResult {
  kind: DatasetKind;
  /** Absolute path of the ShareGPT JSONL. */
  outputFile: string;
  /** Raw rows read, malformed ones included. */
  rowsRead: number;
  rowsWritten: number;
  /** Every malformed row is in `malformedFile`; `examples` holds the first 20. */
  malformed: { count: number; examples: MalformedRow[] };
  /** Absolute path of `malformed.jsonl`, present only when some row was malformed. */
  malformedFile?: string;
  /** Source rows or expanded rows left out by a reference filter (not errors). */
  dropped: Partial<Record<DropReason, number>>;
  inputBytes: number;
}

export async function prepareDataset(opts: PrepareDatasetOptions): Promise<PrepareDatasetResult> {
  validateOptions(opts);
  const { kind, signal } = opts;
  throwIfAborted(signal);
  let inputBytes = 0;
  for (const file of opts.inputs)
    inputBytes += await stat(file).then(
      (s) => s.size,
      () => 0,
    );

  const preprocess = preprocessorFor(opts);
  const outputFile = resolve(opts.outDir, outputFileName(kind));
  const malformedFile = resolve(opts.outDir, MALFORMED_FILE);
  const out = await JsonlSink.create(outputFile);
  let bad: JsonlSink | undefined;
  const examples: MalformedRow[] = [];
  const dropped: Partial<Record<DropReason, number>> = {};
  let rowsRead = 0;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;

  try {
    files: for (const file of opts.inputs) {
      if (rowsRead >= limit) break;
      for await (const { row, location, problem } of readDatasetRows(file, opts.format)) {
        throwIfAborted(signal);
        const position = rowsRead++;
        const outcome =
          problem === undefined ? await preprocess(row, position) : { ok: false as const, reason: problem };
        if (outcome.ok) {
          for (const r of outcome.rows) await out.write(r);
          for (const [reason, n] of Object.entries(outcome.dropped ?? {}) as [DropReason, number][]) {
            dropped[reason] = (dropped[reason] ?? 0) + n;
          }
        } else {
          const entry: MalformedRow = { file: location.file, line: location.line, reason: outcome.reason };
          bad ??= await JsonlSink.create(malformedFile);
          await bad.write(entry);
          if (examples.length < MALFORMED_EXAMPLES) examples.push(entry);
        }
        if (rowsRead % PROGRESS_EVERY_ROWS === 0) opts.onProgress?.({ rowsRead, file });
        if (rowsRead >= limit) {
          opts.onProgress?.({ rowsRead, file });
          break files;
        }
      }
      opts.onProgress?.({ rowsRead, file });
    }
    throwIfAborted(signal);
    if (out.lines === 0 && !opts.allowEmpty) throw emptyResult(opts, rowsRead, examples[0], dropped);
    await out.commit();
    await bad?.commit();
  } catch (err) {
    await out.discard();
    await bad?.discard();
    throw err;
  }

  return {
    kind,
    outputFile,
    rowsRead,
    rowsWritten: out.lines,
    malformed: { count: bad?.lines ?? 0, examples },
    ...(bad ? { malformedFile } : {}),
    dropped,
    inputBytes,
  };
}

/** The error of a run that produced no row: names the first rejected row's reason, or why nothing was kept. */
function emptyResult(
  opts: PrepareDatasetOptions,
  rowsRead: number,
  firstBad: MalformedRow | undefined,
  dropped: Partial<Record<DropReason, number>>,
): DatasetError {
  const fix = `check that the file is a ${opts.kind} dataset (docs/configs.md, "Datasets"), or pass --allow-empty (allowEmpty: true) if an empty result is what you want`;
  if (firstBad) {
    return new DatasetError(
      firstBad.file,
      firstBad.line,
      `no ${opts.kind} row could be converted (${rowsRead} read, all rejected); the first: ${firstBad.reason}`,
      fix,
    );
  }
  const filtered = Object.entries(dropped)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return new DatasetError(
    opts.inputs[0] ?? '(no input)',
    undefined,
    rowsRead === 0
      ? 'the input holds no rows'
      : `no ${opts.kind} row was kept (${rowsRead} read${filtered ? `; left out by the reference's filters: ${filtered}` : ''})`,
    fix,
  );
}

function preprocessorFor(opts: PrepareDatasetOptions): RowPreprocessor {
  switch (opts.kind) {
    case 'coder':
      return preprocessCoderRow;
    case 'rag':
      return preprocessRagRow;
    case 'chat':
      return createChatPreprocessor(
        opts.countTokens ? lengthFilterFrom(opts.countTokens) : qwenLengthFilter(),
      );
  }
}

function validateOptions(opts: PrepareDatasetOptions): void {
  const where = 'prepareDataset options';
  if (!isDatasetKind(opts.kind)) {
    throw new ConfigError(
      where,
      'kind',
      `unknown dataset kind ${JSON.stringify(opts.kind)}`,
      'use coder, rag or chat',
    );
  }
  if (opts.inputs.length === 0) {
    throw new ConfigError(
      where,
      'inputs',
      'no input file given',
      'pass at least one raw dataset file (--input PATH)',
    );
  }
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new ConfigError(
      where,
      'limit',
      `limit is ${opts.limit}`,
      'use a positive whole number of raw rows, or leave it out',
    );
  }
  if (opts.format !== undefined && !['jsonl', 'json', 'parquet'].includes(opts.format)) {
    throw new ConfigError(
      where,
      'format',
      `unknown format ${JSON.stringify(opts.format)}`,
      'use jsonl, json or parquet',
    );
  }
}

/** Rethrows the signal's own reason (Temporal passes a CancelledFailure) or a DOMException named AbortError. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : new DOMException('dataset preparation was aborted', 'AbortError');
}
