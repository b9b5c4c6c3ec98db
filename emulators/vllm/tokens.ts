/**
 * The emulator's tokenizer stand-in. A token is one whitespace-separated word: a prompt of n words counts n
 * tokens (at least 1, as a real tokenizer never returns 0 for a request vLLM accepts), a chat request counts the
 * words of every message's content (no chat-template overhead), and each generated token is one word followed by
 * a space, so counting the words of a completion gives back completion_tokens. Deterministic, no vocabulary file.
 */

const WORDS = [
  'the',
  'model',
  'serves',
  'tokens',
  'on',
  'a',
  'slice',
  'of',
  'memory',
  'and',
  'time',
  'with',
  'batch',
  'cache',
  'queue',
  'prefill',
  'decode',
  'request',
  'stream',
  'engine',
];

export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return Math.max(1, n);
}

export function countChatTokens(messages: readonly { content?: unknown }[]): number {
  let n = 0;
  for (const m of messages) {
    if (typeof m.content === 'string') n += countTokens(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content as { text?: unknown }[]) {
        if (typeof part?.text === 'string') n += countTokens(part.text);
      }
    }
  }
  return Math.max(1, n);
}

/** The text of generated token number `i` (0-based) of a request. */
export function tokenText(i: number, salt: number): string {
  return `${WORDS[(i + salt) % WORDS.length]} `;
}

/** FNV-1a of a string: picks a deterministic "natural" output length for requests without ignore_eos. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
