import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/datasets/index.js';
import { chatFilterText, createChatPreprocessor } from '../../../core/datasets/preprocess/chat.js';
import {
  CHAT_MAX_TOKENS,
  lengthFilterFrom,
  loadQwenTokenCounter,
  qwenLengthFilter,
} from '../../../core/datasets/preprocess/token-filter.js';
import { readJsonlFile, tempDir, writeJson } from './helpers.js';

const perChar = (text: string) => text.length;
const conv = (id: string, language: string, turns: [string, string][]) => ({
  conversation_id: id,
  model: 'vicuna-13b',
  conversation: turns.map(([role, content]) => ({ role, content })),
  turn: Math.floor(turns.length / 2),
  language,
  openai_moderation: [],
  redacted: false,
});

describe('LMSYS chat preprocessing (PC3)', () => {
  it('keeps English rows only, maps roles and expands rounds', async () => {
    const dir = tempDir();
    const input = writeJson(join(dir, 'chat.json'), [
      conv('abc', 'English', [
        ['user', 'Hi'],
        ['assistant', 'Hello!'],
        ['user', 'Joke?'],
        ['assistant', 'Sure'],
      ]),
      conv('def', 'Spanish', [
        ['user', 'Hola'],
        ['assistant', '¡Hola!'],
      ]),
    ]);
    const res = await prepareDataset({ kind: 'chat', inputs: [input], outDir: dir, countTokens: perChar });
    const rows = readJsonlFile(res.outputFile) as { id: string; messages: unknown[] }[];
    expect(rows.map((r) => [r.id, r.messages.length])).toEqual([
      ['abc_round_1', 2],
      ['abc_round_2', 4],
    ]);
    expect(rows[0]?.messages).toEqual([
      { role: 'human', value: 'Hi' },
      { role: 'gpt', value: 'Hello!' },
    ]);
    expect(res.dropped).toEqual({ nonEnglish: 1 });
  });

  it('filters on the "\\n"-joined text of every message, the final answer included', () => {
    expect(
      chatFilterText({
        id: 'abc_round_2',
        messages: [
          { role: 'human', value: 'Hi' },
          { role: 'gpt', value: 'Hello!' },
          { role: 'human', value: 'Joke?' },
          { role: 'gpt', value: 'Sure' },
        ],
      }),
    ).toBe('Hi\nHello!\nJoke?\nSure');
  });

  it('keeps a row of exactly 32767 tokens and drops one of 32768 (one token per character)', async () => {
    const preprocess = createChatPreprocessor(lengthFilterFrom(perChar));
    // "q\n" + answer: 2 + answer length characters.
    const keep = await preprocess(
      conv('k', 'English', [
        ['user', 'q'],
        ['assistant', 'x'.repeat(CHAT_MAX_TOKENS - 2)],
      ]),
    );
    const drop = await preprocess(
      conv('d', 'English', [
        ['user', 'q'],
        ['assistant', 'x'.repeat(CHAT_MAX_TOKENS - 1)],
      ]),
    );
    expect(keep.ok && keep.rows.map((r) => r.id)).toEqual(['k_round_1']);
    expect(drop).toEqual({ ok: true, rows: [], dropped: { overTokenLimit: 1 } });
  });

  it('drops only the rounds over the limit, keeping the shorter earlier rounds', async () => {
    const preprocess = createChatPreprocessor(lengthFilterFrom(perChar, 20));
    const out = await preprocess(
      conv('r', 'English', [
        ['user', 'abc'],
        ['assistant', 'def'],
        ['user', 'ghi'],
        ['assistant', 'x'.repeat(20)],
      ]),
    );
    expect(out.ok && out.rows.map((r) => r.id)).toEqual(['r_round_1']);
    expect(out.ok && out.dropped).toEqual({ overTokenLimit: 1 });
  });

  it('reports a role other than user/assistant as malformed instead of aborting the run', async () => {
    const preprocess = createChatPreprocessor(lengthFilterFrom(perChar));
    expect(
      await preprocess(
        conv('s', 'English', [
          ['system', 'be nice'],
          ['user', 'hi'],
        ]),
      ),
    ).toEqual({
      ok: false,
      reason: 'conversation[0].role is "system", expected "user" or "assistant"',
    });
    const noId = { language: 'English', conversation: [] };
    expect(await preprocess(noId)).toEqual({ ok: false, reason: '"conversation_id" is missing' });
  });

  it('counts Qwen tokens without special tokens, and decides long rows by tokens, not bytes', async () => {
    const count = await loadQwenTokenCounter();
    expect(count('Hi\nHello!\nJoke?\nSure')).toBe(8);
    expect(count(' hello'.repeat(100))).toBe(100);
    const filter = qwenLengthFilter();
    // 192,000 bytes but 32,000 tokens: kept. 33,000 tokens: dropped.
    expect(await filter(' hello'.repeat(32_000))).toBe(true);
    expect(await filter(' hello'.repeat(33_000))).toBe(false);
  });
});
