/**
 * Coder preprocessor (Crystalcareai/Code-feedback-sharegpt-renamed): each raw `{id, messages}` conversation
 * becomes one row per round. A missing id becomes "0" as in the reference (every such row then collides).
 * Unlike the reference, which would pass any value through, messages must be `{role, value}` with string
 * fields, since every consumer (profile-generate, the loader) reads exactly those.
 */
import { describeJsonValue, isPlainObject } from '../readers/read-row.js';
import type { ShareGptMessage } from '../types.js';
import { DropReason, malformed, type RowOutcome } from './outcome.js';
import { pythonStr } from './python-str.js';
import { expandRounds } from './round-expansion.js';

export function preprocessCoderRow(row: unknown): RowOutcome {
  if (!isPlainObject(row)) return malformed(`row is ${describeJsonValue(row)}, not an object`);
  const sourceId = row.id === undefined ? '0' : pythonStr(row.id);
  if (sourceId === undefined)
    return malformed(`"id" is ${describeJsonValue(row.id)}, expected a number or string`);
  const messages = row.messages;
  if (messages === undefined) return malformed('"messages" is missing');
  if (!Array.isArray(messages)) return malformed(`"messages" is ${describeJsonValue(messages)}, not a list`);
  const clean: ShareGptMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isPlainObject(m)) return malformed(`messages[${i}] is ${describeJsonValue(m)}, not an object`);
    if (typeof m.role !== 'string')
      return malformed(`messages[${i}].role is ${describeJsonValue(m.role)}, expected a string`);
    if (typeof m.value !== 'string') {
      return malformed(`messages[${i}].value is ${describeJsonValue(m.value)}, expected a string`);
    }
    clean.push({ role: m.role, value: m.value });
  }
  const rows = expandRounds(clean, sourceId);
  return rows.length === 0
    ? { ok: true, rows, dropped: { [DropReason.noCompleteRound]: 1 } }
    : { ok: true, rows };
}
