/**
 * Loading and validating config files. Every failure becomes a ConfigError that names the file, the YAML path
 * (dotted, with the line when the source is YAML), what was expected and what was found, and the fix.
 */
import { readFileSync } from 'node:fs';
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatPath } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';

export { formatPath };

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json && json.length > 60 ? `${json.slice(0, 57)}...` : String(json);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function lineOf(doc: Document | undefined, counter: LineCounter | undefined, path: readonly PropertyKey[]) {
  if (!doc || !counter) return undefined;
  // Walk down as far as the path exists; report the deepest node's line (a missing key points at its parent).
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const p of path) {
    const n = node as Node | undefined;
    if (n?.range) line = counter.linePos(n.range[0]).line;
    if (isMap(n)) node = n.get(p as string, true);
    else if (isSeq(n)) node = n.get(p as number, true);
    else return line;
  }
  const n = node as Node | undefined;
  return n?.range ? counter.linePos(n.range[0]).line : line;
}

/**
 * Validates already-parsed data (a JSON workflow input, a YAML document) against a zod schema.
 * Throws ConfigError for the first issue, with every further issue listed in the message's problem text.
 */
export function parseConfig<S extends z.ZodType>(
  file: string,
  data: unknown,
  schema: S,
  source?: { doc: Document; counter: LineCounter },
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map(specific);
  const first = issues[0]!;
  const path = first.path as PropertyKey[];
  const line = lineOf(source?.doc, source?.counter, path);
  const field = formatPath(path) + (line === undefined ? '' : ` (line ${line})`);
  const found = describeValue(valueAt(data, path));
  const more =
    issues.length > 1
      ? ` (+${issues.length - 1} more: ${issues
          .slice(1, 4)
          .map((i) => `${formatPath(i.path as PropertyKey[]) || '(root)'}: ${i.message}`)
          .join('; ')})`
      : '';
  throw new ConfigError(file, field, `${first.message}; found ${found}${more}`, fixFor(first, path));
}

/**
 * A union that matched no branch reports only "invalid input" at the union's path. The branch whose issue reaches
 * deepest is the one the user meant (a map of agent → [min, max] with a word in it): report that issue, with the
 * full path, instead.
 */
function specific(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors)
    for (const inner of branch) if (!best || inner.path.length > best.path.length) best = inner;
  if (!best || best.path.length === 0) return issue;
  return specific({ ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue);
}

function fixFor(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): string {
  const where = formatPath(path) || 'the document';
  switch (issue.code) {
    case 'invalid_type':
      return `set ${where} to a ${issue.expected}`;
    case 'unrecognized_keys':
      return `remove or rename ${issue.keys.join(', ')} (check the spelling against the documented fields)`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} for ${where}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `give ${where} at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `set ${where} to a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `give ${where} at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `set ${where} to a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'custom':
      // Cross-field checks (superRefine) carry their own remedy in params.fix.
      return typeof issue.params?.['fix'] === 'string'
        ? issue.params['fix']
        : `correct ${where} as described`;
    default:
      return `correct ${where} as described`;
  }
}

/** Parses YAML text (with line tracking) and validates it. `file` is only used in messages. */
export function parseYamlConfig<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new ConfigError(
      file,
      line === undefined ? '' : `line ${line}`,
      `invalid YAML: ${e.message.split('\n')[0]}`,
      'fix the YAML syntax at that line',
    );
  }
  return parseConfig(file, doc.toJS(), schema, { doc, counter });
}

/** Reads a config file's text; an unreadable file is a ConfigError naming it and `fix`. */
export function readConfigText(file: string, fix = 'check the path; configs live under configs/'): string {
  try {
    // A UTF-8 byte-order mark (Windows editors) is dropped, so it never shows up as part of the first key.
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new ConfigError(
      file,
      '',
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      fix,
      {
        cause: err,
      },
    );
  }
}

/** Reads and validates a YAML config file. */
export function loadYamlConfig<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  return parseYamlConfig(file, readConfigText(file), schema);
}
