/**
 * Writes the bundled sample datasets (datasets/samples/) in the raw shapes of the three upstream HF datasets,
 * from a fixed seed, so `npx tsx datasets/generate-samples.ts [OUT_DIR]` regenerates them byte for byte:
 *
 * - coder.jsonl: Code-Feedback style `{id, messages: [{role: human|gpt, value}]}` multi-round conversations,
 *   with a handful of deliberately malformed lines so users see the malformed-row report;
 * - rag.parquet: rag-dataset-12000 style `{context, question, answer}`;
 * - chat.json: lmsys-chat-1m style rows with conversation_id, model, conversation, turn, language,
 *   openai_moderation and redacted, mostly English.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from '../core/util/index.js';
import {
  codeAnswer,
  codeRequest,
  followUp,
  foreignText,
  prose,
  question,
  SampleRng,
  sentence,
} from './synthetic-text.js';

export const SAMPLE_SEED = 20_240_601;
export const SAMPLE_FILES = { coder: 'coder.jsonl', rag: 'rag.parquet', chat: 'chat.json' } as const;

export const CODER_CONVERSATIONS = 200;
export const RAG_ROWS = 300;
export const CHAT_ROWS = 260;

/** Raw line numbers (1-based) of the malformed coder rows, and why each is wrong; the README lists them. */
export const CODER_MALFORMED_LINES: Readonly<Record<number, string>> = {
  17: 'line cut off mid-object, as from an interrupted download',
  58: 'ShareGPT "conversations"/"from" keys instead of "messages"/"role"',
  121: 'an assistant message whose value is null',
  166: 'a JSON array instead of an object',
};

function coderSample(rng: SampleRng): string {
  const lines: string[] = [];
  let id = 0;
  for (let line = 1; lines.length < CODER_CONVERSATIONS + Object.keys(CODER_MALFORMED_LINES).length; line++) {
    if (CODER_MALFORMED_LINES[line] !== undefined) {
      lines.push(malformedCoderLine(line, rng));
      continue;
    }
    // Code-Feedback conversations have 1-7 rounds, most 2-4; some end with an unanswered follow-up.
    const rounds = Math.min(7, 1 + Math.floor(-Math.log(1 - rng.next()) * 1.6));
    const messages: { role: string; value: string }[] = [];
    for (let r = 0; r < rounds; r++) {
      const humanWords = rng.lognormal(r === 0 ? 45 : 18, 0.7, 6, 400);
      messages.push({
        role: 'human',
        value: r === 0 ? codeRequest(rng, humanWords) : followUp(rng, humanWords),
      });
      messages.push({ role: 'gpt', value: codeAnswer(rng, rng.lognormal(90, 0.6, 20, 500), rng.int(3, 14)) });
    }
    if (rng.chance(0.08)) messages.push({ role: 'human', value: followUp(rng, 8) });
    lines.push(JSON.stringify({ id: id++, messages }));
  }
  return `${lines.join('\n')}\n`;
}

function malformedCoderLine(line: number, rng: SampleRng): string {
  const full = JSON.stringify({
    id: 90_000 + line,
    messages: [
      { role: 'human', value: codeRequest(rng, 20) },
      { role: 'gpt', value: codeAnswer(rng, 30, 4) },
    ],
  });
  switch (line) {
    case 17:
      return full.slice(0, Math.floor(full.length / 2));
    case 58:
      return JSON.stringify({
        id: 90_000 + line,
        conversations: [
          { from: 'human', value: codeRequest(rng, 20) },
          { from: 'gpt', value: codeAnswer(rng, 30, 4) },
        ],
      });
    case 121:
      return JSON.stringify({
        id: 90_000 + line,
        messages: [
          { role: 'human', value: codeRequest(rng, 20) },
          { role: 'gpt', value: null },
        ],
      });
    default:
      return JSON.stringify([{ role: 'human', value: codeRequest(rng, 10) }]);
  }
}

function ragSample(rng: SampleRng): Uint8Array {
  const context: string[] = [];
  const questions: string[] = [];
  const answers: string[] = [];
  for (let i = 0; i < RAG_ROWS; i++) {
    // rag-dataset-12000: contexts of a few hundred words, one-line questions, answers of one to a few sentences.
    context.push(prose(rng, rng.lognormal(330, 0.45, 80, 1200)));
    questions.push(question(rng));
    const answerWords = rng.lognormal(38, 0.6, 5, 200);
    let answer = sentence(rng);
    while (answer.split(' ').length < answerWords) answer += ` ${sentence(rng)}`;
    answers.push(answer);
  }
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'context', data: context, type: 'STRING' },
      { name: 'question', data: questions, type: 'STRING' },
      { name: 'answer', data: answers, type: 'STRING' },
    ],
    createdBy: 'migflow datasets/generate-samples.ts',
  });
  return new Uint8Array(buffer);
}

const CHAT_MODELS = [
  'vicuna-13b',
  'koala-13b',
  'alpaca-13b',
  'chatglm-6b',
  'llama-13b',
  'oasst-pythia-12b',
  'fastchat-t5-3b',
  'dolly-v2-12b',
  'claude-1',
  'gpt-3.5-turbo',
  'gpt-4',
  'palm-2',
  'mpt-7b-chat',
  'stablelm-tuned-alpha-7b',
  'RWKV-4-Raven-14B',
  'wizardlm-13b',
  'vicuna-33b',
  'guanaco-33b',
  'llama-2-13b-chat',
] as const;
const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;
const OTHER_LANGUAGES = ['Portuguese', 'Spanish', 'German', 'Russian', 'Chinese', 'French'] as const;

function moderation(rng: SampleRng): Record<string, unknown> {
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  for (const c of MODERATION_CATEGORIES) {
    categories[c] = false;
    scores[c] = Number((10 ** -rng.int(3, 7) * (1 + 9 * rng.next())).toPrecision(4));
  }
  return { categories, category_scores: scores, flagged: false };
}

function chatSample(rng: SampleRng): string {
  const rows: string[] = [];
  for (let i = 0; i < CHAT_ROWS; i++) {
    // lmsys-chat-1m is ~78% English; most conversations have one user turn, a long tail has several.
    const language = rng.chance(0.78) ? 'English' : rng.pick(OTHER_LANGUAGES);
    const turns = rng.chance(0.7) ? 1 : Math.min(6, 2 + Math.floor(-Math.log(1 - rng.next()) * 1.2));
    const conversation: { content: string; role: string }[] = [];
    for (let t = 0; t < turns; t++) {
      const userWords = rng.lognormal(16, 1.0, 1, 600);
      const assistantWords = rng.lognormal(80, 0.8, 1, 700);
      const english = language === 'English';
      conversation.push({
        content: english
          ? rng.chance(0.5)
            ? question(rng)
            : prose(rng, userWords)
          : foreignText(rng, language, userWords),
        role: 'user',
      });
      conversation.push({
        content: english ? prose(rng, assistantWords) : foreignText(rng, language, assistantWords),
        role: 'assistant',
      });
    }
    rows.push(
      JSON.stringify({
        conversation_id: rng.hex(32),
        model: rng.pick(CHAT_MODELS),
        conversation,
        turn: turns,
        language,
        openai_moderation: conversation.map(() => moderation(rng)),
        redacted: rng.chance(0.05),
      }),
    );
  }
  return `[\n${rows.join(',\n')}\n]\n`;
}

/** Writes the three samples into `outDir` (atomically) and returns their paths. */
export function generateSamples(
  outDir: string,
  seed = SAMPLE_SEED,
): Record<keyof typeof SAMPLE_FILES, string> {
  // One generator per file, so changing one sample's size never shifts the bytes of the others.
  const files = {
    coder: join(outDir, SAMPLE_FILES.coder),
    rag: join(outDir, SAMPLE_FILES.rag),
    chat: join(outDir, SAMPLE_FILES.chat),
  };
  writeFileAtomic(files.coder, coderSample(new SampleRng(seed)));
  writeFileAtomic(files.rag, ragSample(new SampleRng(seed + 1)));
  writeFileAtomic(files.chat, chatSample(new SampleRng(seed + 2)));
  return files;
}

export const DEFAULT_SAMPLE_DIR = fileURLToPath(new URL('./samples/', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? DEFAULT_SAMPLE_DIR);
  for (const [kind, file] of Object.entries(generateSamples(out))) process.stdout.write(`${kind}: ${file}\n`);
}
