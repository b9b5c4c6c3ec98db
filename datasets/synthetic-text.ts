/**
 * Seeded synthetic text for the bundled sample datasets: a small PRNG, log-normal lengths and word-list prose,
 * code and questions. Nothing here reads the clock or Math.random, so the same seed gives the same bytes.
 */
import { Mulberry32 } from '../core/random/index.js';

/** mulberry32 (`core/random`): tiny, fast, and good enough for sample text; never used for anything statistical. */
export class SampleRng extends Mulberry32 {
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Log-normal with the given median and log-space sigma, clamped to [lo, hi], rounded to an integer. */
  lognormal(median: number, sigma: number, lo: number, hi: number): number {
    const u1 = this.next() || Number.MIN_VALUE;
    const u2 = this.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.min(hi, Math.max(lo, Math.round(median * Math.exp(sigma * z))));
  }
  hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
}

const NOUNS = [
  'system',
  'data',
  'model',
  'request',
  'server',
  'user',
  'network',
  'memory',
  'process',
  'result',
  'value',
  'function',
  'service',
  'record',
  'report',
  'policy',
  'market',
  'energy',
  'project',
  'team',
  'region',
  'city',
  'river',
  'history',
  'century',
  'company',
  'product',
  'study',
  'patient',
  'method',
  'sample',
  'cluster',
  'budget',
  'customer',
  'school',
  'student',
  'language',
  'library',
  'engine',
  'signal',
  'device',
  'storage',
] as const;
const VERBS = [
  'improves',
  'reduces',
  'supports',
  'describes',
  'requires',
  'includes',
  'provides',
  'affects',
  'shows',
  'uses',
  'creates',
  'handles',
  'changes',
  'measures',
  'follows',
  'connects',
  'explains',
  'limits',
  'builds',
] as const;
const ADJECTIVES = [
  'large',
  'small',
  'new',
  'local',
  'public',
  'recent',
  'important',
  'simple',
  'early',
  'common',
  'digital',
  'stable',
  'annual',
  'modern',
  'specific',
  'several',
  'global',
  'critical',
  'typical',
  'efficient',
] as const;
const LINKS = ['and', 'but', 'because', 'while', 'so', 'although', 'since', 'when', 'which', 'as'] as const;
const DETERMINERS = ['the', 'a', 'this', 'each', 'every', 'our', 'their', 'one'] as const;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One sentence of 6-20 words. */
export function sentence(rng: SampleRng): string {
  const target = rng.int(6, 20);
  const words: string[] = [];
  while (words.length < target) {
    words.push(rng.pick(DETERMINERS), rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(VERBS));
    if (words.length < target - 2) words.push(rng.pick(LINKS));
  }
  return `${capitalise(words.slice(0, target).join(' '))}.`;
}

/** Prose of about `words` words, in paragraphs of 3-6 sentences. */
export function prose(rng: SampleRng, words: number): string {
  const paragraphs: string[] = [];
  let count = 0;
  while (count < words) {
    const sentences: string[] = [];
    const n = rng.int(3, 6);
    for (let i = 0; i < n && count < words; i++) {
      const s = sentence(rng);
      count += s.split(' ').length;
      sentences.push(s);
    }
    paragraphs.push(sentences.join(' '));
  }
  return paragraphs.join('\n\n');
}

const CODE_TASKS = [
  'parses a CSV file and returns the rows as dictionaries',
  'finds the longest increasing subsequence of a list',
  'merges two sorted linked lists',
  'validates an email address with a regular expression',
  'computes the moving average of a time series',
  'implements a least-recently-used cache',
  'reverses the words in a sentence',
  'counts word frequencies in a text file',
  'checks whether a binary tree is balanced',
  'retries an HTTP request with exponential back-off',
  'converts a Roman numeral to an integer',
  'schedules tasks by priority with a heap',
] as const;
const LANGUAGES = ['Python', 'JavaScript', 'Java', 'C++', 'Go', 'Rust', 'SQL'] as const;
const FOLLOW_UPS = [
  'Can you add comments that explain the logic?',
  'The code fails on an empty input. Please fix it.',
  'Could you make it more efficient for large inputs?',
  'Please add unit tests for the edge cases.',
  'Can you explain the time complexity?',
  'Rewrite it without using recursion.',
] as const;

/** A coding request as a user writes it: the task, the language, and some context sentences. */
export function codeRequest(rng: SampleRng, words: number): string {
  const head = `Write a ${rng.pick(LANGUAGES)} function that ${rng.pick(CODE_TASKS)}.`;
  return words <= 12 ? head : `${head} ${prose(rng, words - 12).replace(/\n\n/g, ' ')}`;
}

export function followUp(rng: SampleRng, words: number): string {
  const head = rng.pick(FOLLOW_UPS);
  return words <= 10 ? head : `${head} ${prose(rng, words - 10).replace(/\n\n/g, ' ')}`;
}

/** An assistant answer: explanation prose around a fenced code block of `codeLines` lines. */
export function codeAnswer(rng: SampleRng, words: number, codeLines: number): string {
  const names = ['items', 'result', 'value', 'index', 'cache', 'node', 'total', 'queue'] as const;
  const lines = [`def solve(${rng.pick(names)}):`];
  for (let i = 1; i < codeLines; i++) {
    const a = rng.pick(names);
    const b = rng.pick(names);
    lines.push(
      rng.chance(0.3)
        ? `    for ${a} in ${b}:`
        : rng.chance(0.5)
          ? `        ${a} = ${b} + ${rng.int(1, 9)}`
          : `    if ${a} > ${b}:`,
    );
  }
  lines.push(`    return ${rng.pick(names)}`);
  const before = prose(rng, Math.max(8, Math.round(words * 0.4)));
  const after = prose(rng, Math.max(8, Math.round(words * 0.6)));
  return `${before}\n\n\`\`\`python\n${lines.join('\n')}\n\`\`\`\n\n${after}`;
}

/** A short question ending with "?", 6-20 words. */
export function question(rng: SampleRng): string {
  const s = sentence(rng).slice(0, -1);
  return `${rng.pick(['What', 'How', 'Why', 'Which', 'When'])} ${s.charAt(0).toLowerCase()}${s.slice(1)}?`;
}

/** Small vocabularies so non-English LMSYS rows look foreign to the language filter's eye. */
export const FOREIGN_WORDS: Readonly<Record<string, readonly string[]>> = {
  Portuguese: ['o', 'sistema', 'dados', 'para', 'com', 'uma', 'cidade', 'muito', 'quando', 'projeto'],
  Spanish: ['el', 'sistema', 'datos', 'para', 'con', 'una', 'ciudad', 'muy', 'cuando', 'proyecto'],
  German: ['das', 'System', 'Daten', 'für', 'mit', 'eine', 'Stadt', 'sehr', 'wenn', 'Projekt'],
  Russian: ['система', 'данные', 'для', 'с', 'город', 'очень', 'когда', 'проект', 'это', 'как'],
  Chinese: ['系统', '数据', '用户', '城市', '项目', '问题', '模型', '时间', '方法', '结果'],
  French: ['le', 'système', 'données', 'pour', 'avec', 'une', 'ville', 'très', 'quand', 'projet'],
};

export function foreignText(rng: SampleRng, language: string, words: number): string {
  const vocab = FOREIGN_WORDS[language] ?? FOREIGN_WORDS['Spanish']!;
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(vocab));
  return language === 'Chinese' ? `${out.join('')}。` : `${capitalise(out.join(' '))}.`;
}
