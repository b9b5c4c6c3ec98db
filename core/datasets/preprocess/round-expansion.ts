/**
 * Round expansion shared by the coder and chat preprocessors: a conversation of n messages becomes floor(n/2)
 * rows, row k holding the prefix up to and including the k-th assistant reply, id "<source id>_round_<k>".
 * Positions are trusted as the reference does: odd indices are the answers, roles are not checked.
 */
import type { ShareGptMessage, ShareGptRow } from '../types.js';

export function expandRounds(messages: readonly ShareGptMessage[], sourceId: string): ShareGptRow[] {
  const rows: ShareGptRow[] = [];
  for (let i = 1; i < messages.length; i += 2) {
    rows.push({ messages: messages.slice(0, i + 1), id: `${sourceId}_round_${(i + 1) / 2}` });
  }
  return rows;
}
