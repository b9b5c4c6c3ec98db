/**
 * Changing values inside a hand-written YAML file (fitted α/β/σ, kv_cache_GB, restart_time into
 * simulation_config.yaml) without disturbing anything else: comments, key order, blank lines and quoting stay
 * byte-for-byte, because each change splices only the changed scalar's source text. The file is written
 * atomically, and not at all when no value changes, so a repeated write-back keeps its mtime.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parse,
  parseDocument,
  Scalar,
  stringify,
} from 'yaml';
import { formatPath } from '../../contracts/index.js';
import { ConfigError, MigflowError } from '../errors.js';
import { writeFileAtomic } from '../util/index.js';
import { readConfigText } from './load.js';

export type YamlPath = readonly (string | number)[];

export interface YamlEdit {
  path: YamlPath;
  value: unknown;
  /** Overrides the call's `createMissing` for this edit. */
  createMissing?: boolean;
}

export interface WriteBackOptions {
  /** Create missing keys (and the maps leading to them) instead of failing. Default: false. */
  createMissing?: boolean;
}

/** Significant digits kept for floats, so arithmetic noise such as 0.30000000000000004 never reaches a file. */
const SIGNIFICANT_DIGITS = 10;

/** The value as it will be written: floats rounded, nested values normalised the same way. */
export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Number.isInteger(value)) return value;
    const r = Number(value.toPrecision(SIGNIFICANT_DIGITS));
    return Object.is(r, -0) ? 0 : r;
  }
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normaliseValue(v);
    return out;
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function formatNumber(v: number, floatStyle: boolean): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Number.POSITIVE_INFINITY) return '.inf';
  if (v === Number.NEGATIVE_INFINITY) return '-.inf';
  let s = String(v);
  // `1e-7` is a string to YAML 1.1 readers; `1.0e-7` is a float everywhere.
  if (/e/.test(s) && !s.includes('.')) s = s.replace('e', '.0e');
  if (floatStyle && /^-?\d+$/.test(s)) s += '.0';
  return s;
}

function plainIsSafe(s: string): boolean {
  if (s === '' || s.trim() !== s || /[\n\r\t#,[\]{}]|: |^[-?:!&*|>'"%@`]/.test(s)) return false;
  try {
    return parse(`k: ${s}`)?.k === s;
  } catch {
    return false;
  }
}

/** YAML source for a scalar, keeping the original's quoting and float style where it still fits. */
function scalarSource(
  value: string | number | boolean | null,
  original: Scalar | undefined,
  originalSrc: string,
) {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    const floatStyle = typeof original?.value === 'number' && /[.eE]/.test(originalSrc);
    return formatNumber(value, floatStyle);
  }
  const type = original?.type;
  if (type === Scalar.QUOTE_SINGLE && !/[\n\r]/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  if (type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  return plainIsSafe(value) ? value : JSON.stringify(value);
}

function flowSource(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

function isScalarValue(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

type Located =
  | { found: true; node: Node | null; pair?: Pair }
  | { found: false; parent: Node | null; depth: number };

function locate(root: Node | null, path: YamlPath): Located {
  let node: Node | null = root;
  let pair: Pair | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const hit = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!hit) return { found: false, parent: node, depth: i };
      pair = hit as Pair;
      node = (hit.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof seg === 'number' && seg >= 0 && seg < node.items.length) {
      pair = undefined;
      node = node.items[seg] as Node;
    } else {
      return { found: false, parent: node, depth: i };
    }
  }
  return { found: true, node, ...(pair ? { pair } : {}) };
}

/** Applies one edit to the text; returns the text unchanged when the value is already there. */
function applyEdit(file: string, text: string, edit: YamlEdit, createMissing: boolean): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const value = normaliseValue(edit.value);
  const where = formatPath(edit.path as PropertyKey[]);
  const loc = locate(doc.contents as Node | null, edit.path);

  if (loc.found) {
    const node = loc.node;
    if (isAlias(node))
      throw new ConfigError(
        file,
        where,
        'the value is an alias (*name); write-back would change every use of it',
        'replace the alias by a value first',
      );
    const current = node === null ? null : (node as Node).toJSON();
    if (deepEqual(current, value)) return text;
    const range = node?.range;
    const blockScalar =
      isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED);
    const blockCollection = isCollection(node) && !node.flow;
    if (
      range &&
      !blockScalar &&
      !blockCollection &&
      (isScalarValue(value) || !isCollection(node) || node.flow)
    ) {
      const originalSrc = text.slice(range[0], range[1]);
      const src = isScalarValue(value)
        ? scalarSource(value, isScalar(node) ? node : undefined, originalSrc)
        : flowSource(value);
      const pad = range[0] === range[1] && text[range[0] - 1] === ':' ? ' ' : '';
      return text.slice(0, range[0]) + pad + src + text.slice(range[1]);
    }
    return viaDocument(doc, edit.path, value);
  }

  if (!createMissing)
    throw new ConfigError(
      file,
      where,
      `no such key (the path stops at ${formatPath(edit.path.slice(0, loc.depth) as PropertyKey[]) || 'the top level'})`,
      'add the key to the file, or ask for createMissing',
    );
  const rest = edit.path.slice(loc.depth);
  if (rest.some((s) => typeof s !== 'string'))
    throw new ConfigError(
      file,
      where,
      'a missing list item cannot be created',
      'add the list item to the file first',
    );
  const parent = loc.parent;
  const parentIsNull = parent === null || (isScalar(parent) && parent.value === null);
  if (!parentIsNull && !isMap(parent))
    throw new ConfigError(
      file,
      where,
      `cannot create a key under ${formatPath(edit.path.slice(0, loc.depth) as PropertyKey[]) || 'the top level'}: it holds a ${isSeq(parent) ? 'list' : 'value'}, not a map`,
      'fix the path, or turn that entry into a map first',
    );
  if (isMap(parent) && !parent.flow && parent.items.length > 0) {
    const first = parent.items[0]!;
    const keyStart = (first.key as Node).range?.[0];
    const last = parent.items.at(-1)!;
    const lastEnd = ((last.value as Node | null)?.range ?? (last.key as Node).range)?.[2];
    if (keyStart !== undefined && lastEnd !== undefined) {
      const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
      const nl = text.indexOf('\n', Math.max(lastEnd - 1, 0));
      const at = nl === -1 ? text.length : nl + 1;
      const lines = rest.map((key, i) => {
        const pad = ' '.repeat(indent + 2 * i);
        const k = plainIsSafe(String(key)) ? String(key) : JSON.stringify(key);
        if (i < rest.length - 1) return `${pad}${k}:`;
        const v = isScalarValue(value) ? scalarSource(value, undefined, '') : flowSource(value);
        return `${pad}${k}: ${v}`;
      });
      const before = nl === -1 && !text.endsWith('\n') ? `${text}\n` : text.slice(0, at);
      return `${before}${lines.join('\n')}\n${text.slice(at)}`;
    }
  }
  let nested: unknown = value;
  for (const key of [...rest].reverse()) nested = { [key]: nested };
  if (loc.depth === 0 && parentIsNull) {
    doc.contents = doc.createNode(nested) as typeof doc.contents;
    return doc.toString({ lineWidth: 0 });
  }
  if (parentIsNull) return viaDocument(doc, edit.path.slice(0, loc.depth), nested);
  return viaDocument(doc, edit.path, value);
}

/** Fallback for structural changes a splice cannot express (block collections, empty or flow parents). */
function viaDocument(doc: ReturnType<typeof parseDocument>, path: YamlPath, value: unknown): string {
  doc.setIn(path as unknown[], doc.createNode(value));
  return doc.toString({ lineWidth: 0 });
}

/**
 * Sets each `path` to `value` in `file`, in place. Returns `changed: false` (and leaves the file untouched)
 * when every value is already there. A path that does not exist is a ConfigError unless `createMissing`.
 */
export function writeBackYaml(
  file: string,
  edits: readonly YamlEdit[],
  options: WriteBackOptions = {},
): { changed: boolean } {
  const original = readConfigText(file);
  const first = parseDocument(original);
  if (first.errors.length > 0)
    throw new ConfigError(
      file,
      '',
      `invalid YAML: ${first.errors[0]!.message.split('\n')[0]}`,
      'fix the YAML syntax first',
    );

  let text = original;
  for (const edit of edits)
    text = applyEdit(file, text, edit, edit.createMissing ?? options.createMissing ?? false);
  if (text === original) return { changed: false };

  // Never publish a file that does not read back as intended (the last edit of a path wins).
  const check = parseDocument(text);
  const expected = new Map<string, { path: YamlPath; value: unknown }>();
  for (const edit of edits)
    expected.set(JSON.stringify(edit.path), { path: edit.path, value: normaliseValue(edit.value) });
  for (const { path, value } of expected.values()) {
    const loc = check.errors.length > 0 ? undefined : locate(check.contents as Node | null, path);
    const actual = loc?.found ? (loc.node === null ? null : loc.node.toJSON()) : undefined;
    if (!loc?.found || !deepEqual(actual, value))
      throw new MigflowError(
        `${file}: ${formatPath(path as PropertyKey[])}: write-back produced ${JSON.stringify(actual)} instead of ${JSON.stringify(value)}; the file was left unchanged`,
      );
  }
  writeFileAtomic(file, text);
  return { changed: true };
}
