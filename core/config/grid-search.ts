/**
 * `configs/grid_search.yaml`: a tree shaped like the training config whose leaves are lists of values to try.
 * `expandGrid` turns it into trials, each with a stable id (a hash of its parameters, so a re-run finds its
 * cached result) and the training config with the trial's values applied — the reference only wrote them to
 * a snapshot that training never read.
 */
import { isMap, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { MAX_GRID_TRIALS, overLimit } from '../../contracts/index.js';
import { canonicalJson, sha256Hex } from '../cache/index.js';
import { ConfigError } from '../errors.js';
import { addConfigIssue } from './bench.js';
import { parseYamlConfig, readConfigText } from './load.js';
import { trainingPathProblem } from './training-fields.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkTree(node: unknown, path: string[], ctx: Parameters<typeof addConfigIssue>[0]): void {
  if (Array.isArray(node)) {
    if (node.length === 0)
      addConfigIssue(
        ctx,
        path,
        'an empty list gives no trial at all',
        'list at least one value, or remove the key',
      );
    const seen = new Set<string>();
    node.forEach((v, i) => {
      const key = canonicalJson(v);
      if (seen.has(key))
        addConfigIssue(ctx, [...path, i], `value ${key} is listed twice`, 'list each value once');
      seen.add(key);
    });
    return;
  }
  if (isPlainObject(node)) {
    const keys = Object.keys(node);
    if (keys.length === 0)
      addConfigIssue(ctx, path, 'an empty map sweeps nothing', 'add keys with lists of values, or remove it');
    for (const k of keys) checkTree(node[k], [...path, k], ctx);
    return;
  }
  addConfigIssue(
    ctx,
    path,
    'a grid leaf must be a list of values to try',
    `write ${path.at(-1) ?? 'the key'}: [${JSON.stringify(node)}] (or list several values)`,
  );
}

export const GridSearchSchema = z
  .record(z.string(), z.unknown())
  .superRefine((tree, ctx) => {
    if (Object.keys(tree).length === 0)
      addConfigIssue(
        ctx,
        [],
        'the grid is empty',
        'add e.g. training: {reward: {affinity_bonus_weight: [0.1, 0.2]}}',
      );
    for (const [k, v] of Object.entries(tree)) checkTree(v, [k], ctx);
  })
  .describe(
    'A tree mirroring training_config.yaml; every leaf is a list of values to try. Trials are the Cartesian product of all leaves, in file order. Required.',
  );

/** One swept key: its path in the training config and the values to try. */
export interface GridAxis {
  path: readonly string[];
  values: readonly unknown[];
  /** Line of the list in the grid file, for messages. */
  line?: number;
}

export interface ResolvedGridSearchConfig {
  file: string;
  axes: readonly GridAxis[];
}

export interface GridTrial {
  /** `t-` + 12 hex digits of sha256 over the canonical parameters: the same values always give the same id. */
  id: string;
  /** Position in the Cartesian product (first axis varies slowest). */
  index: number;
  /** Dotted path → value of this trial. */
  params: Readonly<Record<string, unknown>>;
  /** The base training config with this trial's values applied (a deep copy). */
  config: Record<string, unknown>;
}

function collectAxes(
  tree: Record<string, unknown>,
  lineOf: (path: string[]) => number | undefined,
): GridAxis[] {
  const axes: GridAxis[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (Array.isArray(node)) {
      const line = lineOf(path);
      axes.push({ path, values: node, ...(line === undefined ? {} : { line }) });
    } else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(tree, []);
  return axes;
}

export function parseGridSearchConfig(file: string, text: string): ResolvedGridSearchConfig {
  const tree = parseYamlConfig(file, text, GridSearchSchema);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const lineOf = (path: string[]) => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node?.range ? counter.linePos(node.range[0]).line : undefined;
  };
  if (!isMap(doc.contents))
    throw new ConfigError(file, '', 'expected a map at the top', 'see docs/configs.md');
  const grid = { file, axes: collectAxes(tree, lineOf) };
  checkTrialCount(grid);
  return grid;
}

/** The number of trials, counted from the lists' lengths (nothing is expanded). */
export function gridTrialCount(grid: ResolvedGridSearchConfig): number {
  return grid.axes.reduce((n, a) => n * a.values.length, 1);
}

/**
 * Refuses a grid of more than MAX_GRID_TRIALS trials before anything is expanded: the product grows
 * multiplicatively (30 values over 8 keys is 6.6e11 trials), and expanding it would stall the worker for good.
 */
function checkTrialCount(grid: ResolvedGridSearchConfig): void {
  const count = gridTrialCount(grid);
  if (count <= MAX_GRID_TRIALS) return;
  const sizes = grid.axes.map((a) => `${a.path.join('.')}: ${a.values.length}`).join(', ');
  throw new ConfigError(
    grid.file,
    '(root)',
    `the grid has ${count.toLocaleString('en-US')} trials (${sizes}); ${overLimit(MAX_GRID_TRIALS, 'trials', 'MAX_GRID_TRIALS')}`,
    "sweep fewer keys or fewer values per key (trials are the product of the lists' lengths), or run several smaller grids",
  );
}

/** Reads and validates `configs/grid_search.yaml`. */
export function loadGridSearchConfig(file: string): ResolvedGridSearchConfig {
  const text = readConfigText(file);
  return parseGridSearchConfig(file, text);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function fieldName(axis: GridAxis, suffix = ''): string {
  return `${axis.path.join('.')}${suffix}${axis.line === undefined ? '' : ` (line ${axis.line})`}`;
}

/**
 * Checks every axis against the training schema (core/config/training-fields.ts: the key must be a field of the
 * training config, whether or not the base YAML writes it) and, where the base holds a value, that each swept
 * value keeps its kind. A field the base leaves to its default has no value to compare with: the schema check of
 * every trial's config (`validate`) catches a wrong kind there, naming the trial.
 */
function checkAxes(grid: ResolvedGridSearchConfig, base: Record<string, unknown>): void {
  for (const axis of grid.axes) {
    const p = trainingPathProblem(axis.path, base);
    if (p !== undefined) {
      throw new ConfigError(
        grid.file,
        fieldName(axis),
        p.problem,
        `sweep only fields of the training config; ${p.valid}`,
      );
    }
    let cur: unknown = base;
    for (const [i, key] of axis.path.entries()) {
      if (cur !== undefined && cur !== null && !isPlainObject(cur)) {
        throw new ConfigError(
          grid.file,
          fieldName(axis),
          `the training config holds ${JSON.stringify(cur)} at ${axis.path.slice(0, i).join('.')}, where its schema has a section`,
          'fix that entry of the training config (it must be a map)',
        );
      }
      cur = isPlainObject(cur) ? cur[key] : undefined;
    }
    axis.values.forEach((v, i) => {
      if (cur !== null && cur !== undefined && kindOf(v) !== kindOf(cur))
        throw new ConfigError(
          grid.file,
          fieldName(axis, `[${i}]`),
          `value ${JSON.stringify(v)} is a ${kindOf(v)} but the training config holds a ${kindOf(cur)} (${JSON.stringify(cur)})`,
          `write a ${kindOf(cur)} here`,
        );
    });
  }
}

/** Sets `path` in `target`, creating the sections a base YAML left out (checkAxes refused any that holds a value). */
function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = structuredClone(value);
}

/** Short stable id of a parameter set. */
export function trialId(params: Readonly<Record<string, unknown>>): string {
  return `t-${sha256Hex(canonicalJson(params)).slice(0, 12)}`;
}

/**
 * Every combination of the grid's values, applied to a copy of `baseTrainingConfig` (the training YAML as
 * parsed, keys as written). `validate` runs on each trial's config (e.g. the training schema), so a swept value
 * outside a field's range fails before any trial starts.
 */
export function expandGrid(
  grid: ResolvedGridSearchConfig,
  baseTrainingConfig: Record<string, unknown>,
  options: {
    validate?: (
      config: Record<string, unknown>,
      trial: { id: string; params: Record<string, unknown> },
    ) => void;
  } = {},
): GridTrial[] {
  checkTrialCount(grid);
  checkAxes(grid, baseTrainingConfig);
  const trials: GridTrial[] = [];
  const count = gridTrialCount(grid);
  for (let index = 0; index < count; index++) {
    const config = structuredClone(baseTrainingConfig);
    const params: Record<string, unknown> = {};
    let rest = index;
    // Mixed-radix digits, last axis fastest, so trial order matches itertools.product.
    const picks: unknown[] = new Array(grid.axes.length);
    for (let a = grid.axes.length - 1; a >= 0; a--) {
      const values = grid.axes[a]!.values;
      picks[a] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    grid.axes.forEach((axis, a) => {
      params[axis.path.join('.')] = picks[a];
      setIn(config, axis.path, picks[a]);
    });
    const id = trialId(params);
    options.validate?.(config, { id, params });
    trials.push({ id, index, params, config });
  }
  return trials;
}
