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
  tree ??= z.toJSONSchema(trainingConfigSchema, { io: 'input' }) as SchemaNode;
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

/**
 * Checks that `dotted` names a field of the training config: every step a field of the schema's section there, or,
 * inside a map keyed by name, a key `doc` (the training YAML as parsed) has. Throws a ConfigError naming `file`,
 * the path and the fields (or keys) that exist where it went wrong.
 */
export function checkTrainingPath(file: string, dotted: string, doc: unknown): void {
  const path = dotted.split('.');
  let node = schemaTree();
  let docNode: unknown = doc;
  path.forEach((key, i) => {
    const at = path.slice(0, i).join('.');
    if (!isSection(node)) {
      throw new ConfigError(
        file,
        dotted,
        `override path "${dotted}": "${at}" is not a section of the training config`,
        'use a dotted path from the YAML root, e.g. training.PPO.n_steps',
      );
    }
    const field = node.properties?.[key];
    const value = keyedBy(node);
    if (field) {
      node = field;
    } else if (value && isPlainObject(docNode) && Object.hasOwn(docNode, key)) {
      node = value;
    } else if (value) {
      const keys = isPlainObject(docNode) ? Object.keys(docNode).join(', ') : '(none)';
      throw new ConfigError(
        file,
        dotted,
        `override path "${dotted}": "${key}" is not a key of ${at}, a map keyed by name (the YAML has: ${keys})`,
        `use one of its keys, or set the whole map (${at}={...}) to add one`,
      );
    } else {
      throw new ConfigError(
        file,
        dotted,
        `override path "${dotted}": "${key}" is not a field ${at ? `of ${at}` : 'at the top level'}`,
        `override only fields the training config has; ${at ? `under ${at}` : 'at the top level'} they are: ${Object.keys(node.properties ?? {}).join(', ')}`,
      );
    }
    docNode = isPlainObject(docNode) ? docNode[key] : undefined;
  });
}
