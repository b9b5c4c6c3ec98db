/**
 * Prompt texts for the replayed requests, from the dataset stage's ShareGPT files (`messages[0].value`) or any
 * dataset file the readers understand (raw samples: the first message's `value`/`content`). Rows without a usable
 * first message are skipped; a file with none is a DatasetError naming it.
 */
import { ragPrompt, readDatasetRows } from '../datasets/index.js';
import { DatasetError } from '../errors.js';

function firstText(row: unknown): string | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Record<string, unknown>;
  for (const key of ['messages', 'conversations', 'conversation']) {
    const list = r[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    const m = list[0] as Record<string, unknown>;
    const text = m?.value ?? m?.content;
    if (typeof text === 'string' && text.trim()) return text;
  }
  // A raw RAG row: the prompt the RAG preprocessor would build from it.
  if (typeof r.question === 'string' && r.question.trim())
    return ragPrompt(typeof r.context === 'string' ? r.context : '', r.question);
  if (typeof r.prompt === 'string' && r.prompt.trim()) return r.prompt;
  return undefined;
}

export async function loadPrompts(file: string, limit = 5_000): Promise<string[]> {
  const out: string[] = [];
  for await (const { row } of readDatasetRows(file)) {
    const t = firstText(row);
    if (t) out.push(t);
    if (out.length >= limit) break;
  }
  if (out.length === 0)
    throw new DatasetError(
      file,
      undefined,
      'no row has a first message with text to use as a prompt',
      'point the deployment at a prepared ShareGPT file (artifacts/datasets/…) or datasets/samples',
    );
  return out;
}
