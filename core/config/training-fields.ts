/**
 * Which dotted paths name a field of the training config (`training.PPO.n_steps`), answered by its zod schema —
 * the one home of "which fields exist". A path checked against a YAML file's keys instead would refuse every
 * field the file leaves to its default (n_envs, target_kl, …) and need a second list of such fields.
 *
 * The walk reads the schema's JSON Schema (zod's public `toJSONSchema`): a fixed section lists its fields under
 * `properties`; a map keyed by name (`reward.alpha`, `reward.Q`, a pattern's `rate`) has a value schema under
 * `additionalProperties` and no field list. Such a map's keys are agent or MIG instance names that the schema
 * cannot list, so a path through one must use a key the document already has: a misspelt agent would otherwise
 * be a new entry nothing reads.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { trainingConfigSchema } from './training.js';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

let tree: SchemaNode | undefined;
/** The training schema as JSON Schema, input side (fields with defaults, and optional ones, are listed). */
function schemaTree(): SchemaNode {
  // A type JSON Schema cannot express (a future z.custom) becomes "any" instead of failing every override.
  tree ??= z.toJSONSchema(trainingConfigSchema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  return tree;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A map keyed by names (a zod record): its value schema, else undefined. */
function keyedBy(node: SchemaNode): SchemaNode | undefined {
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

function isSection(node: SchemaNode): boolean {
  return node.type === 'object' && (node.properties !== undefined || keyedBy(node) !== undefined);
}

/** Why a path names no field of the training config: the problem and where the valid names are. */
export interface TrainingPathProblem {
  /** The path up to the step that failed (`training.PPO`), '' at the top level. */
  at: string;
  problem: string;
  /** The fields (or, in a map keyed by name, the keys) there. */
  valid: string;
}

/**
 * Why `path` names no field of the training config, or undefined when it does: every step must be a field of the
 * schema's section there or, inside a map keyed by name, a key that `doc` (the training YAML as parsed) has.
 */
export function trainingPathProblem(path: readonly string[], doc: unknown): TrainingPathProblem | undefined {
  let node = schemaTree();
  let docNode: unknown = doc;
  for (const [i, key] of path.entries()) {
    const at = path.slice(0, i).join('.');
    const where = at || 'the top level';
    const under = at ? `under ${at}` : 'at the top level';
    if (!isSection(node)) {
      return {
        at,
        problem: `"${at}" is not a section of the training config`,
        valid: 'a dotted path from the YAML root ends at a field, e.g. training.PPO.n_steps',
      };
    }
    const field = node.properties?.[key];
    const value = keyedBy(node);
    if (field) {
      node = field;
    } else if (value && isPlainObject(docNode) && Object.hasOwn(docNode, key)) {
      node = value;
    } else if (value) {
      const keys = isPlainObject(docNode) ? Object.keys(docNode).join(', ') : '(none)';
      return {
        at,
        problem: `"${key}" is not a key of ${where}, a map keyed by name`,
        valid: `the YAML's keys of ${where}: ${keys} (give the whole map ${where} to add one)`,
      };
    } else {
      return {
        at,
        problem: `"${key}" is not a field of the training config ${under}`,
        valid: `${under} they are: ${Object.keys(node.properties ?? {}).join(', ')}`,
      };
    }
    docNode = isPlainObject(docNode) ? docNode[key] : undefined;
  }
  return undefined;
}

/** Throws a ConfigError for `file` when the override path `dotted` names no field of the training config. */
export function checkOverridePath(file: string, dotted: string, doc: unknown): void {
  const p = trainingPathProblem(dotted.split('.'), doc);
  if (p === undefined) return;
  throw new ConfigError(
    file,
    dotted,
    `override path "${dotted}": ${p.problem}`,
    `override only fields the training config has; ${p.valid}`,
  );
}
