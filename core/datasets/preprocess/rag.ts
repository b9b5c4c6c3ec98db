/**
 * RAG preprocessor (neural-bridge/rag-dataset-12000): each raw `{context, question, answer}` row becomes one
 * two-message row whose id is its integer position across all inputs in order (train then test upstream).
 * Missing fields default to "" and a null context/question renders as "None", a null answer stays null:
 * exactly what the reference's `row.get(...)` plus f-string does.
 */
import { describeJsonValue, isPlainObject } from '../readers/read-row.js';
import { malformed, type RowOutcome } from './outcome.js';
import { pythonStr } from './python-str.js';

/** The human turn the reference builds: note the single newline after "Context:" and the blank line before "Question: ". */
export function ragPrompt(context: string, question: string): string {
  return `Context:\n${context}\n\nQuestion: ${question}`;
}

export function preprocessRagRow(row: unknown, position: number): RowOutcome {
  if (!isPlainObject(row)) return malformed(`row is ${describeJsonValue(row)}, not an object`);
  const context = row.context === undefined ? '' : pythonStr(row.context);
  if (context === undefined)
    return malformed(`"context" is ${describeJsonValue(row.context)}, expected a string`);
  const question = row.question === undefined ? '' : pythonStr(row.question);
  if (question === undefined)
    return malformed(`"question" is ${describeJsonValue(row.question)}, expected a string`);
  const answer = row.answer;
  if (answer !== undefined && answer !== null && typeof answer !== 'string') {
    return malformed(`"answer" is ${describeJsonValue(answer)}, expected a string`);
  }
  return {
    ok: true,
    rows: [
      {
        id: position,
        messages: [
          { role: 'human', value: ragPrompt(context, question) },
          { role: 'gpt', value: answer === undefined ? '' : answer },
        ],
      },
    ],
  };
}
