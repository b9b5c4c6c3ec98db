/**
 * Chat preprocessor (lmsys/lmsys-chat-1m): keep rows whose `language` is exactly "English", map turns
 * `{role: user|assistant, content}` to `{role: human|gpt, value}`, expand rounds with ids
 * "<conversation_id>_round_<k>", then drop expanded rows whose "\n"-joined text (final answer included) is over
 * the token limit. Where the reference would abort the whole run (an unknown role, a missing
 * conversation_id), the row is reported as malformed instead.
 */
import { describeJsonValue, isPlainObject } from '../readers/read-row.js';
import type { ShareGptMessage, ShareGptRow } from '../types.js';
import { DropReason, malformed, type RowOutcome } from './outcome.js';
import { pythonStr } from './python-str.js';
import { expandRounds } from './round-expansion.js';
import type { LengthFilter } from './token-filter.js';

const ROLE_MAP: Readonly<Record<string, string>> = { user: 'human', assistant: 'gpt' };

/** The exact text the reference hands the tokenizer for one expanded row. */
export function chatFilterText(row: ShareGptRow): string {
  return row.messages.map((m) => m.value).join('\n');
}

export function createChatPreprocessor(withinLimit: LengthFilter) {
  return async function preprocessChatRow(row: unknown): Promise<RowOutcome> {
    if (!isPlainObject(row)) return malformed(`row is ${describeJsonValue(row)}, not an object`);
    if (row.language !== 'English') return { ok: true, rows: [], dropped: { [DropReason.nonEnglish]: 1 } };
    if (row.conversation_id === undefined) return malformed('"conversation_id" is missing');
    const sourceId = pythonStr(row.conversation_id);
    if (sourceId === undefined) {
      return malformed(`"conversation_id" is ${describeJsonValue(row.conversation_id)}, expected a string`);
    }
    const conversation = row.conversation;
    if (!Array.isArray(conversation)) {
      return malformed(
        conversation === undefined
          ? '"conversation" is missing'
          : `"conversation" is ${describeJsonValue(conversation)}, not a list`,
      );
    }
    const messages: ShareGptMessage[] = [];
    for (let i = 0; i < conversation.length; i++) {
      const turn: unknown = conversation[i];
      if (!isPlainObject(turn))
        return malformed(`conversation[${i}] is ${describeJsonValue(turn)}, not an object`);
      const role = typeof turn.role === 'string' ? ROLE_MAP[turn.role] : undefined;
      if (role === undefined) {
        return malformed(
          `conversation[${i}].role is ${JSON.stringify(turn.role) ?? 'missing'}, expected "user" or "assistant"`,
        );
      }
      if (typeof turn.content !== 'string') {
        return malformed(
          `conversation[${i}].content is ${describeJsonValue(turn.content)}, expected a string`,
        );
      }
      messages.push({ role, value: turn.content });
    }
    const expanded = expandRounds(messages, sourceId);
    if (expanded.length === 0) return { ok: true, rows: [], dropped: { [DropReason.noCompleteRound]: 1 } };
    const kept: ShareGptRow[] = [];
    for (const r of expanded) if (await withinLimit(chatFilterText(r))) kept.push(r);
    const overLimit = expanded.length - kept.length;
    return overLimit === 0
      ? { ok: true, rows: kept }
      : { ok: true, rows: kept, dropped: { [DropReason.overTokenLimit]: overLimit } };
  };
}
