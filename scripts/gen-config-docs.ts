/**
 * Generates docs/configs.md from the zod schemas of the config files, so the field reference can never drift
 * from what the loaders accept. Each schema is rendered through its JSON Schema (types, defaults, enums) plus
 * the `.describe()` texts. Add a schema by appending to CONFIG_DOCS.
 *
 *   npx tsx scripts/gen-config-docs.ts          # rewrite docs/configs.md
 *   npx tsx scripts/gen-config-docs.ts --check  # exit 1 if docs/configs.md is stale
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  BenchConfigSchema,
  BurstyWorkload,
  DeploymentConfigSchema,
  GridSearchSchema,
  ModelConfigSchema,
  PatternsWorkload,
  simulationOverlaySchema,
  TaskConfigSchema,
  trainingConfigSchema,
} from '../core/config/index.js';
import { writeFileAtomic } from '../core/util/index.js';

export interface ConfigDoc {
  /** Path of the file the schema describes, as users know it. */
  file: string;
  /** One paragraph shown above the table. */
  intro: string;
  schema: z.ZodType;
}

export const CONFIG_DOCS: readonly ConfigDoc[] = [
  {
    file: 'configs/bench_config.yaml',
    intro:
      'The simulated benchmark: the shared workload every policy is replayed against, and the measured tables the baselines decide with.',
    schema: BenchConfigSchema,
  },
  {
    file: 'configs/deployment.yaml',
    intro:
      'The real-hardware run: which MIG GPUs are driven, the emulated backup GPU, vLLM containers, the dashboard and the replayed traffic. Non-loopback addresses need an explicit `allow_remote: true`.',
    schema: DeploymentConfigSchema,
  },
  {
    file: 'configs/grid_search.yaml',
    intro:
      'A tree with the shape of `training_config.yaml` whose leaves are lists of values, e.g. `training: {reward: {affinity_bonus_weight: [0.1, 0.2]}}`. Every key must exist in the training config and every value must have the kind of the value it replaces; each combination becomes one trial with its values applied and an id hashed from them.',
    schema: GridSearchSchema,
  },
  {
    file: 'configs/models/<model>.yaml',
    intro:
      'vLLM `--config` files (one per served model; the file name is the model key after its last `/` with dots turned into underscores). The keys below are checked; any other vLLM option is passed through unchanged.',
    schema: ModelConfigSchema,
  },
  {
    file: 'configs/training_config.yaml',
    intro:
      'The RL environment and Maskable PPO training (the reference’s training_config.yaml, its keys as spelled there): decision interval, observation normalisation, PPO hyper-parameters, the transfer cooldown, workload patterns, held-out evaluation, the reconfiguration budget, the reward, and migflow’s opt-in observation time features (`time_features`, a deviation: docs/deviations.md). `migflow train --set training.PPO.ent_coef=0.02` and grid searches override any field by its dotted path.',
    schema: trainingConfigSchema,
  },
  {
    file: 'configs/tasks/<task>.yaml',
    intro:
      'A task of the benchmark suite (`migflow bench --task`, `migflow train --task`): a bench config to start from and the traffic the policies face — the bench config’s patterns with some replaced (`kind: patterns`) or BurstGPT-shaped bursts with Gamma gaps (`kind: bursty`). The shipped suite and its design: docs/tasks.md.',
    schema: TaskConfigSchema,
  },
  {
    file: 'configs/tasks/overlays/<overlay>.yaml',
    intro:
      'A simulation overlay, named by a task’s `simulation_overlay`: models added to the simulation config’s registry and (agent, GPU model, MIG instance) entries that replace its own, in the shape of `simulation_config.yaml`. Wherever the task runs (bench, `train --task`) the simulator uses the simulation config with the overlay applied. An overlay adds models (new names only) and replaces entries that exist; anything else is an error naming the overlay file. The shipped `long-context-rag.yaml` serves Qwen2.5-7B-Instruct-1M on RAG’s 7g.40gb (docs/tasks.md).',
    schema: simulationOverlaySchema,
  },
  {
    file: 'configs/tasks/<task>.yaml → workload (kind: patterns)',
    intro:
      'The bench config’s generator (the reference’s phases with a fresh uniform rate per gap and exponential gaps), with the patterns and the phase cycle the task replaces.',
    schema: PatternsWorkload,
  },
  {
    file: 'configs/tasks/<task>.yaml → workload (kind: bursty)',
    intro:
      'BurstGPT-shaped traffic: each agent alternates quiet stretches and bursts, with Gamma-distributed gaps inside both; agents burst independently.',
    schema: BurstyWorkload,
  },
];

type Json = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: Json | boolean;
  propertyNames?: Json;
  items?: Json | false;
  prefixItems?: Json[];
  anyOf?: Json[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
};

interface Row {
  path: string;
  type: string;
  def: string;
  meaning: string;
}

function keyPlaceholder(names: Json | undefined): string {
  if (names?.enum?.includes('CodingAgent')) return '<agent>';
  const pattern = typeof names?.['pattern'] === 'string' ? names['pattern'] : '';
  if (pattern.includes('g\\.')) return '<profile>';
  if (pattern.includes('A-Za-z0-9_')) return '<gpu model>';
  return '<key>';
}

function typeOf(s: Json): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.prefixItems) return `[${s.prefixItems.map(typeOf).join(', ')}]`;
  if (s.type === 'array') return s.items ? `list of ${typeOf(s.items)}` : 'list';
  if (s.type === 'object') {
    if (s.properties) return 'map';
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      return `map ${keyPlaceholder(s.propertyNames)} → ${typeOf(s.additionalProperties)}`;
    return 'map';
  }
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return s.type ?? 'any';
}

function meaningOf(s: Json): string {
  // The default has its own column; keep the prose.
  return (s.description ?? '').replace(/\s*(?:Default: .*|Required\.)$/, '').replaceAll('|', '\\|');
}

function defaultOf(s: Json, required: boolean): string {
  if ('default' in s) return `\`${JSON.stringify(s.default)}\``;
  // Optional fields whose default lives outside migflow (vLLM's own) say so in their description.
  const stated = /Default: (.*?)\.?$/.exec(s.description ?? '')?.[1];
  if (stated && !required) return stated.replaceAll('|', '\\|');
  return required ? 'required' : '—';
}

function walk(s: Json, path: string, required: boolean, rows: Row[]): void {
  if (path)
    rows.push({
      path: `\`${path}\``,
      type: `\`${typeOf(s)}\``,
      def: defaultOf(s, required),
      meaning: meaningOf(s),
    });
  if (s.properties)
    for (const [k, v] of Object.entries(s.properties))
      walk(v, path ? `${path}.${k}` : k, s.required?.includes(k) ?? false, rows);
  if (s.type === 'array' && s.items && typeof s.items === 'object' && s.items.properties)
    for (const [k, v] of Object.entries(s.items.properties))
      walk(v, `${path}[].${k}`, s.items.required?.includes(k) ?? false, rows);
}

export function renderConfigDocs(docs: readonly ConfigDoc[]): string {
  const out: string[] = [
    '# Config file reference',
    '',
    '<!-- Generated by `npx tsx scripts/gen-config-docs.ts` from the zod schemas in core/config/. Do not edit. -->',
    '',
    'Keys are written as in the YAML files. `—` means optional with no default; `<agent>` is one of CodingAgent, RAGAgent, ChatAgent; `<gpu model>` names `configs/gpus/<gpu model>.yaml`; `<profile>` is a MIG profile such as `2g.10gb`.',
    '',
    'The ranges, cross-field rules and size limits each file is checked against (by `npx migflow config check` and by every stage, one validator), and how the errors read: [validation.md](validation.md).',
  ];
  for (const doc of docs) {
    const json = z.toJSONSchema(doc.schema, { io: 'input', unrepresentable: 'any' }) as Json;
    const rows: Row[] = [];
    walk(json, '', true, rows);
    out.push('', `## \`${doc.file}\``, '', doc.intro);
    if (json.description) out.push('', meaningOf(json));
    if (rows.length > 0) {
      out.push('', '| field | type | default | meaning |', '|---|---|---|---|');
      for (const r of rows) out.push(`| ${r.path} | ${r.type} | ${r.def} | ${r.meaning} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

function main(): void {
  const target = join(import.meta.dirname, '..', 'docs', 'configs.md');
  const text = renderConfigDocs(CONFIG_DOCS);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write('docs/configs.md is stale — run: npx tsx scripts/gen-config-docs.ts\n');
      process.exit(1);
    }
    return;
  }
  writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target}\n`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
