/**
 * `generate` (the reference's src/profiling/generate.py): replay every prepared ShareGPT row's conversation
 * (all messages but the reference answer) against a served model and record the token usage the simulator later
 * uses as request sizes. Behaviour kept from the reference: chat completions, non-streaming, exactly
 * {model, messages, temperature 0, max_tokens 4096}; at most 30 requests in flight (held across retries);
 * 6 attempts with 1/2/4/8/16 s back-off; an error row with zeros after the last failure; lines in completion
 * order, serialised like Python's json.dumps. Fixed (docs/deviations.md): a model name without `/` works, and a
 * rerun resumes — ids already in the output file are not requested again; a last line cut mid-write by a crash,
 * or any unreadable line, is dropped from the file, counted and reported.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatasetError } from '../errors.js';
import { nonBlankLines, writeFileAtomic } from '../util/index.js';

export interface GenerateOptions {
  baseUrl: string;
  model: string;
  /** Prepared ShareGPT JSONL (one `{messages, id}` row per line). */
  datasetFile: string;
  outFile: string;
  concurrency?: number;
  attempts?: number;
  /** Back-off after failed attempt i (0-based) is backoffBaseMs · 2^i. */
  backoffBaseMs?: number;
  timeoutMs?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; errors: number }) => void;
}

export interface GenerateResult {
  outFile: string;
  rowsRead: number;
  /** Rows with fewer than 2 messages: no request, no line (as the reference). */
  rowsSkippedShort: number;
  /** Rows whose id the output already held (resumed run). */
  rowsAlreadyDone: number;
  linesWritten: number;
  /** Lines written this run that are error rows (all retries failed). */
  errorRows: number;
  /** Lines of the existing output that could not be read (a crash mid-line) and were removed. */
  droppedPartialLines: number;
  droppedLineNumbers: number[];
}

/** `<model lower-cased, after its last "/">-port-<port>-<dataset name>-generated.jsonl` (spec §3.1). */
export function generateOutputName(model: string, port: number | string, datasetName: string): string {
  const m = model.toLowerCase();
  return `${m.slice(m.lastIndexOf('/') + 1)}-port-${port}-${datasetName}-generated.jsonl`;
}

/** The dataset name used in output names: the file's name without `.jsonl` (or a directory's last component). */
export function datasetNameOf(path: string): string {
  return basename(path.replace(/\/+$/, '')).replace(/\.jsonl$/, '');
}

type RowId = string | number;

/** One output line as Python's `json.dumps(record, ensure_ascii=False)` writes it (separators ", " and ": "). */
export function generateLine(r: {
  id: RowId;
  response: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}): string {
  return `{"id": ${JSON.stringify(r.id)}, "response": ${JSON.stringify(r.response)}, "prompt_tokens": ${r.promptTokens}, "completion_tokens": ${r.completionTokens}, "total_tokens": ${r.totalTokens}}\n`;
}

const ROLE: Record<string, string> = { human: 'user', gpt: 'assistant' };

/** Reads the ids an interrupted run already wrote; removes unreadable lines (a torn last line) from the file. */
function resumeState(outFile: string): { done: Set<string>; dropped: number[] } {
  const done = new Set<string>();
  const dropped: number[] = [];
  if (!existsSync(outFile)) return { done, dropped };
  const text = readFileSync(outFile, 'utf8');
  const lines = text.split('\n');
  // The piece after the last "\n" is a line the crash cut short (or "" for a clean file).
  const keep: string[] = [];
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    const complete = i < lines.length - 1;
    let id: unknown;
    try {
      id = complete ? (JSON.parse(line) as { id?: unknown }).id : undefined;
    } catch {
      id = undefined;
    }
    if (typeof id === 'string' || typeof id === 'number') {
      done.add(String(id));
      keep.push(`${line}\n`);
    } else dropped.push(i + 1);
  });
  if (dropped.length > 0) writeFileAtomic(outFile, keep.join(''));
  return { done, dropped };
}

async function* datasetRows(file: string): AsyncGenerator<{ line: number; row: Record<string, unknown> }> {
  if (!existsSync(file)) {
    throw new DatasetError(
      file,
      undefined,
      'file does not exist',
      'run `migflow dataset …` first to prepare it',
    );
  }
  const notAnObject = (line: number) =>
    new DatasetError(file, line, 'not a JSON object', 'pass a prepared ShareGPT JSONL file');
  for await (const { line, text } of nonBlankLines(file)) {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      throw notAnObject(line);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw notAnObject(line);
    yield { line, row: row as Record<string, unknown> };
  }
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

async function requestOnce(
  url: string,
  body: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ content: string; usage: Usage }> {
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.any(signals),
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text.slice(0, 300);
    try {
      msg = (JSON.parse(text) as { message?: string }).message ?? msg;
    } catch {}
    throw new Error(`HTTP ${res.status} ${res.statusText} for url '${url}': ${msg}`);
  }
  const data = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[]; usage?: Usage };
  const content = data.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('response has no choices[0].message.content');
  return { content, usage: data.usage ?? {} };
}

export async function runGenerate(o: GenerateOptions): Promise<GenerateResult> {
  const concurrency = o.concurrency ?? 30;
  const attempts = o.attempts ?? 6;
  const backoffBaseMs = o.backoffBaseMs ?? 1000;
  const timeoutMs = o.timeoutMs ?? 300_000;
  const url = new URL('/v1/chat/completions', o.baseUrl).toString();
  mkdirSync(dirname(o.outFile), { recursive: true });
  const { done, dropped } = resumeState(o.outFile);
  const result: GenerateResult = {
    outFile: o.outFile,
    rowsRead: 0,
    rowsSkippedShort: 0,
    rowsAlreadyDone: 0,
    linesWritten: 0,
    errorRows: 0,
    droppedPartialLines: dropped.length,
    droppedLineNumbers: dropped,
  };
  const fd = openSync(o.outFile, 'a');
  const write = (line: string) => {
    // One write per line, straight to the file: a crash loses at most the line being written.
    writeSync(fd, line);
    result.linesWritten++;
  };

  const rows = datasetRows(o.datasetFile);
  let exhausted = false;
  const next = async (): Promise<
    { id: RowId; messages: { role: string; content: unknown }[] } | undefined
  > => {
    while (!exhausted) {
      const it = await rows.next();
      if (it.done) {
        exhausted = true;
        return undefined;
      }
      result.rowsRead++;
      const { row } = it.value;
      const id: RowId = typeof row.id === 'string' || typeof row.id === 'number' ? row.id : 'unknown';
      const messages = Array.isArray(row.messages)
        ? (row.messages as { role?: unknown; value?: unknown }[])
        : [];
      if (messages.length < 2) {
        result.rowsSkippedShort++;
        continue;
      }
      if (done.has(String(id))) {
        result.rowsAlreadyDone++;
        continue;
      }
      return {
        id,
        messages: messages.slice(0, -1).map((m) => ({
          role: ROLE[String(m?.role)] ?? 'unknown',
          content: m?.value ?? null,
        })),
      };
    }
    return undefined;
  };
  // The async row iterator is not re-entrant: workers take rows one at a time through this chain.
  let pull = Promise.resolve<Awaited<ReturnType<typeof next>>>(undefined);
  const take = () => {
    pull = pull.then(() => next());
    return pull;
  };

  const worker = async () => {
    for (;;) {
      o.signal?.throwIfAborted();
      const job = await take();
      if (!job) return;
      const body = JSON.stringify({
        model: o.model,
        messages: job.messages,
        temperature: 0,
        max_tokens: o.maxTokens ?? 4096,
      });
      let lastError = '';
      let ok: { content: string; usage: Usage } | undefined;
      for (let i = 0; i < attempts; i++) {
        try {
          ok = await requestOnce(url, body, timeoutMs, o.signal);
          break;
        } catch (err) {
          o.signal?.throwIfAborted();
          lastError = err instanceof Error ? err.message : String(err);
          if (i < attempts - 1) await sleep(backoffBaseMs * 2 ** i, undefined, { signal: o.signal });
        }
      }
      if (ok) {
        write(
          generateLine({
            id: job.id,
            response: ok.content,
            promptTokens: ok.usage.prompt_tokens ?? 0,
            completionTokens: ok.usage.completion_tokens ?? 0,
            totalTokens: ok.usage.total_tokens ?? 0,
          }),
        );
      } else {
        result.errorRows++;
        write(
          generateLine({
            id: job.id,
            response: `Error after ${attempts - 1} retries: ${lastError}`,
            promptTokens: 0,
            completionTokens: 0,
            totalTokens: 0,
          }),
        );
      }
      done.add(String(job.id));
      o.onProgress?.({ done: result.linesWritten, errors: result.errorRows });
    }
  };
  // allSettled, not all: the file may only be closed once no worker can write to it any more.
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  closeSync(fd);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return result;
}
