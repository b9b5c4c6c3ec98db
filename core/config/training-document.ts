/**
 * The training config as a document: the one place a training value is read from the YAML, overridden and
 * validated on its way to the trainer. Dotted-path overrides (`{'training.PPO.n_steps': 64}`, as grid trials, workflow
 * inputs and `--set` give them) are applied to the parsed YAML before schema validation, so an override is checked
 * like a hand edit; a grid's trials are expanded from the same document and validated by the same function before
 * any of them starts.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { paramsSummary } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';
import { expandGrid, type GridTrial, loadGridSearchConfig } from './grid-search.js';
import { parseConfig, readConfigText } from './load.js';
import { parseTrainingConfig, type ResolvedTrainingConfig, trainingConfigSchema } from './training.js';
import { checkOverridePath } from './training-fields.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Returns a deep copy of `raw` with every override set. Each path must name a field of the training schema
 * (core/config/training-fields.ts), so a typo is refused instead of silently ignored by the training run, while a
 * field the YAML leaves to its default can still be set (its section is created when the YAML omits it too).
 */
export function applyTrainingOverrides(
  file: string,
  raw: Record<string, unknown>,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const [dotted, value] of Object.entries(overrides)) {
    checkOverridePath(file, dotted, out);
    const path = dotted.split('.');
    let cur = out;
    path.slice(0, -1).forEach((key, i) => {
      const next = cur[key];
      if (next === undefined || next === null) cur[key] = {};
      else if (!isPlainObject(next)) {
        throw new ConfigError(
          file,
          path.slice(0, i + 1).join('.'),
          `override path "${dotted}": the YAML holds ${JSON.stringify(next)} where the schema has a section`,
          'fix that entry of the YAML (it must be a map)',
        );
      }
      cur = cur[key] as Record<string, unknown>;
    });
    cur[path.at(-1)!] = structuredClone(value);
  }
  return out;
}

export interface LoadedTrainingConfig {
  readonly training: ResolvedTrainingConfig;
  /** The training YAML with the overrides applied: what a run uses and snapshots. */
  readonly yaml: string;
}

const READ_FIX = 'check the path; the default is configs/training_config.yaml';

/** The training YAML parsed as a map (a syntax error gets the validator's located message). */
function readTrainingDocument(file: string, text: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    parseTrainingConfig(file, text);
    throw err;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, '', 'expected a map at the top', 'see docs/configs.md');
  }
  return raw as Record<string, unknown>;
}

/** Reads the training YAML, applies dotted-path overrides and validates the result. */
export function readTrainingConfig(
  file: string,
  overrides: Readonly<Record<string, unknown>> = {},
): LoadedTrainingConfig {
  const text = readConfigText(file, READ_FIX);
  if (Object.keys(overrides).length === 0) return { training: parseTrainingConfig(file, text), yaml: text };
  const doc = applyTrainingOverrides(file, readTrainingDocument(file, text), overrides);
  const yaml = `# ${file} with overrides ${JSON.stringify(overrides)}\n${stringifyYaml(doc)}`;
  return { training: parseTrainingConfig(`${file} (with overrides)`, yaml), yaml };
}

/**
 * The trials of a grid search over a training config (with grid-wide overrides applied first), each validated
 * as `readTrainingConfig` validates a run's config, so a swept value out of range fails the search before it starts.
 */
export function expandTrainingGrid(
  gridFile: string,
  trainingFile: string,
  overrides: Readonly<Record<string, unknown>> = {},
): GridTrial[] {
  const grid = loadGridSearchConfig(gridFile);
  const base = applyTrainingOverrides(
    trainingFile,
    readTrainingDocument(trainingFile, readConfigText(trainingFile, READ_FIX)),
    overrides,
  );
  return expandGrid(grid, base, {
    // The trial's document is checked against the schema as parsed (no YAML text, so no misleading line numbers).
    validate: (config, t) =>
      void parseConfig(
        `${gridFile} (trial ${t.id}: ${paramsSummary(t.params)})`,
        config,
        trainingConfigSchema,
      ),
  });
}
