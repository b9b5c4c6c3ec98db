/**
 * Issue 14's bad-input suite: about two hundred hostile-but-fair inputs across every config file, the CLI's flags,
 * every workflow input, dataset files, trace CSVs, checkpoints and output paths. Each case must fail with
 * migflow's own error (never a stack or a silent success) whose message names the file, the field and a fix;
 * cases that could write assert that nothing was written. The config cases run the loader `migflow config check`
 * uses, which is the one every stage uses.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { loaderFor } from '../../../cli/commands/config.js';
import { registerCommands } from '../../../cli/commands/index.js';
import { checkWorkflowInput } from '../../../cli/lib/workflow-run.js';
import { formatPath } from '../../../contracts/index.js';
import { prepareDataset } from '../../../core/datasets/index.js';
import { DatasetError, MigflowError, OutputWriteError } from '../../../core/errors.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_META_FILE,
  CHECKPOINT_TENSORS_FILE,
} from '../../../core/rl/checkpoint-format.js';
import { readCheckpoint } from '../../../core/rl/index.js';
import { publishDirAtomic, writeFileAtomic } from '../../../core/util/index.js';
import { readArrivalTraceCsv } from '../../../core/workload/index.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migflow-bad-inputs-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The assertions every case shares: migflow's error, naming `what` (file/field fragments), with a fix. */
function expectClear(err: unknown, names: readonly string[]): void {
  expect(err, 'expected an error, the input was accepted').toBeInstanceOf(MigflowError);
  const message = (err as Error).message;
  for (const n of names) expect(message).toContain(n);
  expect(message).toMatch(/fix:/);
  expect(message).not.toMatch(/\n\s+at /); // no stack trace in the message
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Config files: a shipped file with one field changed, loaded by `config check`'s loader.

type Path = readonly (string | number)[];
interface ConfigCase {
  readonly file: string; // under configs/
  readonly path: Path;
  readonly value: unknown;
  /** Fragment the message must hold (default: the dotted path). */
  readonly names?: readonly string[];
}

let seq = 0;
/** Writes configs/<file> with `path` set to `value` into a fresh folder (keeping the name the loader keys on). */
function mutatedConfig(file: string, mutate: (doc: ReturnType<typeof parseDocument>) => void): string {
  const dir = join(tmp, `c${seq++}`, file.includes('/') ? file.split('/')[0]! : '');
  mkdirSync(dir, { recursive: true });
  const doc = parseDocument(readFileSync(join(PROJECT_ROOT, 'configs', file), 'utf8'));
  if (file.startsWith('tasks/')) doc.set('bench_config', join(PROJECT_ROOT, 'configs', 'bench_config.yaml'));
  mutate(doc);
  const out = join(dir, file.split('/').at(-1)!);
  writeFileSync(out, doc.toString());
  return out;
}

function runConfigCase(c: ConfigCase): void {
  const file = mutatedConfig(c.file, (doc) => {
    if (c.value === undefined) doc.deleteIn(c.path as (string | number)[]);
    else doc.setIn(c.path as (string | number)[], doc.createNode(c.value));
  });
  const err = errorOf(() => loaderFor(file)!(file));
  expectClear(err, [file, ...(c.names ?? [formatPath(c.path as PropertyKey[])])]);
}

/** Every numeric leaf of a shipped config, as paths (for the wrong-type cases). */
function numericLeaves(file: string, under: Path = []): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, path: Path) => {
    if (typeof node === 'number') out.push(path);
    else if (Array.isArray(node)) for (const [i, v] of node.entries()) walk(v, [...path, i]);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  const text = readFileSync(join(PROJECT_ROOT, 'configs', file), 'utf8');
  let root: unknown = parse(text);
  for (const k of under) root = (root as Record<string | number, unknown>)[k];
  walk(root, under);
  // A value reached through a YAML alias (`RAGAgent: *q`) cannot be set on its own: it is covered by its anchor.
  const doc = parseDocument(text);
  return out.filter((p) => doc.getIn(p as (string | number)[]) !== undefined);
}

const ENGINE: Path = ['simulation', 'agents', 'CodingAgent', 'A100_40GB', 'mig', '3g.20gb'];

/** Values that are the right type but mean something impossible, or are over a size bound. */
const MEANING_CASES: readonly ConfigCase[] = [
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'prefill', 'alpha'], value: -0.1 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'prefill', 'beta'], value: -1e-4 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'tpot', 'alpha'], value: -0.02 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'tpot', 'beta'], value: -0.001 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'tpot', 'sigma'], value: -1 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'kv_cache_GB'], value: 0 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'kv_cache_GB'], value: -3 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'restart_time'], value: 0 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'restart_time'], value: -10 },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'model'], value: '' },
  {
    file: 'simulation_config.yaml',
    path: [...ENGINE, 'param', 'prefill', 'gamma'],
    value: 1,
    names: ['prefill', 'gamma'],
  },
  { file: 'simulation_config.yaml', path: [...ENGINE, 'param', 'prefill'], value: undefined },
  {
    file: 'simulation_config.yaml',
    path: ['simulation', 'agents', 'RAGAgent', 'A100_40GB', 'search-overhead'],
    value: { min: 0.5, max: 0.1 },
    names: ['search-overhead', 'min'],
  },
  { file: 'simulation_config.yaml', path: ['simulation', 'gpu_model'], value: '' },
  {
    file: 'simulation_config.yaml',
    path: ['unknown_top_level_key'],
    value: 1,
    names: ['unknown_top_level_key'],
  },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'gamma'], value: 5 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'gamma'], value: 0 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'gamma'], value: -0.9 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'gae_lambda'], value: 1.5 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'lr_max'], value: -1 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'lr_min'], value: 0 },
  {
    file: 'training_config.yaml',
    path: ['training', 'PPO', 'lr_min'],
    value: 1,
    names: ['lr_min', 'lr_max'],
  },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'n_envs'], value: 100000 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'n_envs'], value: 0 },
  { file: 'training_config.yaml', path: ['training', 'PPO', 'n_envs'], value: 1.5 },
  {
    file: 'training_config.yaml',
    path: ['training', 'total_timesteps'],
    value: 1e12,
    names: ['total_timesteps', 'MAX_TRAIN_STEPS'],
  },
  { file: 'training_config.yaml', path: ['training', 'total_timesteps'], value: 0 },
  { file: 'training_config.yaml', path: ['training', 'total_timesteps'], value: 10.5 },
  { file: 'training_config.yaml', path: ['training', 'action-interval'], value: 0 },
  { file: 'training_config.yaml', path: ['training', 'action-interval'], value: -120 },
  {
    file: 'training_config.yaml',
    path: ['training', 'patterns', 'busy', 'rate', 'CodingAgent'],
    value: [0.5, 0.2],
  },
  {
    file: 'training_config.yaml',
    path: ['training', 'patterns', 'idle', 'rate', 'RAGAgent'],
    value: [-1, 2],
  },
  {
    file: 'training_config.yaml',
    path: ['training', 'patterns', 'even', 'rate', 'CodingAgent'],
    value: [1, 1e9],
    names: ['rate', 'MAX_RATE_REQ_S'],
  },
  { file: 'training_config.yaml', path: ['training', 'patterns', 'even', 'duration'], value: [50, 10] },
  { file: 'training_config.yaml', path: ['training', 'patterns', 'even', 'duration'], value: [-5, 10] },
  {
    file: 'training_config.yaml',
    path: ['training', 'PPO', 'not_a_field'],
    value: 3,
    names: ['not_a_field'],
  },
  {
    file: 'bench_config.yaml',
    path: ['benchmark-length'],
    value: 1e12,
    names: ['benchmark-length', 'MAX_BENCH_DECISIONS'],
  },
  { file: 'bench_config.yaml', path: ['benchmark-length'], value: 0 },
  { file: 'bench_config.yaml', path: ['benchmark-length'], value: 10.5 },
  { file: 'bench_config.yaml', path: ['benchmark-length'], value: undefined },
  { file: 'bench_config.yaml', path: ['seed'], value: -1 },
  { file: 'bench_config.yaml', path: ['agents'], value: [] },
  { file: 'bench_config.yaml', path: ['agents'], value: ['NoSuchAgent'], names: ['agents'] },
  {
    file: 'bench_config.yaml',
    path: ['workloads', 'busy', 'rate', 'CodingAgent'],
    value: [4, 3],
    names: ['workloads.busy.rate'],
  },
  {
    file: 'bench_config.yaml',
    path: ['workloads', 'busy', 'rate', 'CodingAgent'],
    value: [0, 3],
    names: ['workloads.busy.rate'],
  },
  { file: 'bench_config.yaml', path: ['workloads', 'idle', 'duration'], value: [4800, 3600] },
  { file: 'bench_config.yaml', path: ['workloads', 'burst'], value: undefined, names: ['workloads'] },
  { file: 'deployment.yaml', path: ['duration_s'], value: -1 },
  { file: 'deployment.yaml', path: ['duration_s'], value: 60, names: ['duration_s', 'decision_interval_s'] },
  { file: 'deployment.yaml', path: ['decision_interval_s'], value: 0 },
  { file: 'deployment.yaml', path: ['gpus'], value: [] },
  { file: 'deployment.yaml', path: ['gpus', 0, 'model'], value: 'H999', names: ['gpus'] },
  { file: 'deployment.yaml', path: ['gpus', 0, 'initial_owner'], value: 'Nobody', names: ['gpus'] },
  { file: 'deployment.yaml', path: ['vllm', 'base_port'], value: 70000, names: ['vllm.base_port'] },
  { file: 'deployment.yaml', path: ['simulated_gpus', 0, 'state_id'], value: 999, names: ['state_id'] },
  {
    file: 'deployment.yaml',
    path: ['obs_arrival_rate_divisor', 'CodingAgent'],
    value: 0,
    names: ['obs_arrival_rate_divisor'],
  },
  { file: 'gpus/A100_40GB.yaml', path: ['profiles'], value: [] },
  { file: 'gpus/A100_40GB.yaml', path: ['profiles', 0, 'size'], value: 9, names: ['profiles'] },
  { file: 'gpus/A100_40GB.yaml', path: ['gpu_model'], value: undefined },
  { file: 'models/qwen2_5-7b-instruct.yaml', path: ['max_num_batched_tokens'], value: 0 },
  { file: 'models/qwen2_5-7b-instruct.yaml', path: ['max_num_batched_tokens'], value: -4096 },
  { file: 'models/qwen2_5-7b-instruct.yaml', path: ['gpu_memory_utilization'], value: 1.5 },
  { file: 'models/qwen2_5-7b-instruct.yaml', path: ['model'], value: undefined },
  { file: 'tasks/easy.yaml', path: ['workload', 'kind'], value: 'nonsense', names: ['workload'] },
  { file: 'tasks/easy.yaml', path: ['description'], value: undefined },
  {
    file: 'grid_search.yaml',
    path: ['training', 'reward', 'affinity_bonus_weight'],
    value: [],
    names: ['affinity_bonus_weight'],
  },
  {
    file: 'grid_search.yaml',
    path: ['training', 'reward', 'affinity_bonus_weight'],
    value: 0.1,
    names: ['affinity_bonus_weight'],
  },
  {
    file: 'grid_search.yaml',
    path: ['training', 'reward', 'affinity_bonus_weight'],
    value: [0.1, 0.1],
    names: ['affinity_bonus_weight'],
  },
  { file: 'grid_search.yaml', path: ['training'], value: {}, names: ['training'] },
];

describe('config files: values that mean something impossible', () => {
  it.each(
    MEANING_CASES.map((c) => [`${c.file}: ${c.path.join('.')} = ${JSON.stringify(c.value)}`, c] as const),
  )('%s', (_name, c) => runConfigCase(c));
});

/**
 * A number where a number belongs, replaced by a word: the numeric fields of the shipped configs, one per distinct
 * field name (the hundreds of table cells of the same field would add minutes and nothing new).
 */
function distinctFields(paths: readonly Path[]): Path[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = p
      .filter((x) => typeof x === 'string')
      .slice(-2)
      .join('.');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
const TYPE_CASES: readonly ConfigCase[] = [
  ...distinctFields(numericLeaves('training_config.yaml')),
  ...distinctFields(numericLeaves('bench_config.yaml')),
  ...distinctFields(numericLeaves('deployment.yaml')),
  ...numericLeaves('simulation_config.yaml', ENGINE),
].map((path) => ({ file: '', path, value: 'abc' }));

describe('config files: a word where a number belongs', () => {
  const fileOf = (path: Path) =>
    path[0] === 'training'
      ? 'training_config.yaml'
      : path[0] === 'simulation'
        ? 'simulation_config.yaml'
        : numericLeaves('bench_config.yaml').some((p) => p.join('.') === path.join('.'))
          ? 'bench_config.yaml'
          : 'deployment.yaml';
  it.each(TYPE_CASES.map((c) => [`${fileOf(c.path)}: ${c.path.join('.')} = "abc"`, c] as const))(
    '%s',
    (_n, c) => {
      // A list element names its list (zod reports the index).
      runConfigCase({ ...c, file: fileOf(c.path) });
    },
  );
});

describe('config files: broken documents', () => {
  const cases: readonly [string, string, string][] = [
    ['training_config.yaml', 'training:\n  PPO: [unclosed\n', 'invalid YAML'],
    ['bench_config.yaml', 'seed: 1\n\tbenchmark-length: 3\n', 'invalid YAML'],
    ['deployment.yaml', '', 'deployment.yaml'],
    ['simulation_config.yaml', '- just\n- a list\n', 'simulation_config.yaml'],
    ['grid_search.yaml', 'training: 3\n', 'training'],
    ['grid_search.yaml', '{}\n', 'grid'],
  ];
  it.each(cases)('%s: %j', (file, text, names) => {
    const dir = join(tmp, `b${seq++}`);
    mkdirSync(dir);
    const f = join(dir, file);
    writeFileSync(f, text);
    expectClear(
      errorOf(() => loaderFor(f)!(f)),
      [f, names],
    );
  });
  it('a missing file names the path and where configs live', () => {
    const f = join(tmp, 'nope', 'training_config.yaml');
    expectClear(
      errorOf(() => loaderFor(f)!(f)),
      [f, 'ENOENT'],
    );
  });
  it('a UTF-8 byte-order mark is accepted', () => {
    const dir = join(tmp, `bom${seq++}`);
    mkdirSync(dir);
    const f = join(dir, 'bench_config.yaml');
    writeFileSync(f, `\uFEFF${readFileSync(join(PROJECT_ROOT, 'configs', 'bench_config.yaml'), 'utf8')}`);
    expect(() => loaderFor(f)!(f)).not.toThrow();
  });
  it('a grid of 30 values over 8 keys is refused before anything is expanded', () => {
    const f = mutatedConfig('grid_search.yaml', (doc) => {
      const values = Array.from({ length: 30 }, (_, i) => i / 100);
      for (const k of ['affinity_bonus_weight', 'a', 'b', 'c', 'd', 'e', 'f', 'g'])
        doc.setIn(['training', 'reward', k], doc.createNode(values));
    });
    // CPU time, not wall time: what expanding 30⁸ trials would cost, whatever else the machine runs meanwhile.
    const started = process.cpuUsage();
    expectClear(
      errorOf(() => loaderFor(f)!(f)),
      ['trials', 'MAX_GRID_TRIALS'],
    );
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2_000);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// CLI flags, parsed in process by the real program (commander with exitOverride).

async function runCli(argv: readonly string[]): Promise<{ err: unknown; stderr: string }> {
  let stderr = '';
  const program = new Command('migflow')
    .exitOverride()
    .configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  registerCommands(program);
  try {
    await program.parseAsync(['node', 'migflow', ...argv]);
    return { err: undefined, stderr };
  } catch (err) {
    return { err, stderr };
  }
}

/** argv, the flag (or field) the message must name. */
const CLI_CASES: readonly [readonly string[], string][] = [
  [['deploy', '--policy', 'heuristic', '--duration', 'abc'], '--duration'],
  [['deploy', '--policy', 'heuristic', '--duration', '-5'], '--duration'],
  [['deploy', '--policy', 'heuristic', '--duration', '0'], '--duration'],
  [['deploy', '--policy', 'heuristic', '--duration', 'Infinity'], '--duration'],
  [['deploy', '--policy', 'heuristic', '--duration', '1e9'], 'MAX_DEPLOY_DURATION_S'],
  [['deploy', '--policy', 'heuristic', '--interval', 'NaN'], '--interval'],
  [['deploy', '--policy', 'heuristic', '--dashboard-port', '99999'], '--dashboard-port'],
  [['deploy', '--policy', 'heuristic', '--dashboard-port', '80.5'], '--dashboard-port'],
  [['train', '--steps', '99999999999999999999'], 'MAX_TRAIN_STEPS'],
  [['train', '--steps', '0'], '--steps'],
  [['train', '--steps', '-3'], '--steps'],
  [['train', '--steps', '12abc'], '--steps'],
  [['train', '--steps', '0x10'], '--steps'],
  [['train', '--steps', ''], '--steps'],
  [['train', '--seed', '1.5'], '--seed'],
  [['train', '--seed', '-1'], '--seed'],
  [['train', '--checkpoint-every', '0'], '--checkpoint-every'],
  [['bench', '--steps', '1e12'], 'MAX_BENCH_DECISIONS'],
  [['bench', '--steps', 'abc'], '--steps'],
  [['bench', '--seed', 'x'], '--seed'],
  [['sim', 'trace', '--steps', '1e7'], 'MAX_BENCH_DECISIONS'],
  [['sim', 'run', '--steps', '-1'], '--steps'],
  [['run', 'train', '--gpu', 'x'], '--gpu'],
  [['run', 'train', '--gpu', '-1'], '--gpu'],
  [['run', 'train', '--gpu', '64'], '--gpu'],
  [['run', 'train', '--steps', '99999999999999999999'], 'MAX_TRAIN_STEPS'],
  [['run', 'train', '--seed', 'abc'], '--seed'],
  [['run', 'train', '--heartbeat-timeout', '0'], '--heartbeat-timeout'],
  [['run', 'train', '--heartbeat-timeout', '99999'], '--heartbeat-timeout'],
  [['run', 'train', '--checkpoint-every', 'soon'], '--checkpoint-every'],
  [['run', 'grid', '--gpus', '0,x'], '--gpus'],
  [['run', 'grid', '--gpus', '0,,1'], '--gpus'],
  [['server', '--port', '99999'], '--port'],
  [['server', '--port', 'http'], '--port'],
  [['server', '--ui-port', '0'], '--ui-port'],
  [['worker', '--gpu', 'abc'], '--gpu'],
  [['worker', '--gpus', '0,1,x'], '--gpus'],
  [['cache', 'gc', '--keep', 'all'], '--keep'],
  [['cache', 'gc', '--keep', '-2'], '--keep'],
  [['dataset', 'coder', '--out', 'x', '--limit', '0'], '--limit'],
  [['dataset', 'coder', '--out', 'x', '--limit', 'many'], '--limit'],
];

describe('CLI flags: not a finite number in range', () => {
  it.each(CLI_CASES.map(([argv, names]) => [argv.join(' '), argv, names] as const))(
    'migflow %s',
    async (_n, argv, names) => {
      const { err, stderr } = await runCli(argv);
      expect(err).toBeInstanceOf(CommanderError);
      expect((err as CommanderError).exitCode).toBe(1);
      expect(stderr).toContain(names);
      expect(stderr).toMatch(/expected|limit/);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    },
  );
});

/** Commands whose flags parse but whose values are refused before anything runs, naming the flag or file. */
describe('CLI: refused before anything starts', () => {
  const cases: readonly [readonly string[], readonly string[]][] = [
    [['deploy'], ['--policy', 'fix:']],
    [
      ['deploy', 'frobnicate', '--policy', 'heuristic'],
      ['frobnicate', 'fix:'],
    ],
    [
      ['deploy', '--policy', 'heuristic', '--config', 'configs/no-such.yaml'],
      ['configs/no-such.yaml', 'fix:'],
    ],
    [
      ['dataset', 'coder', '--out', 'x'],
      ['--input', 'fix:'],
    ],
    [
      ['bench', '--task', 'easy', '--trace', 'x.csv', '--bl', 'heuristic'],
      ['--trace', 'fix:'],
    ],
    [
      ['run', 'train', '--sim-config', '', '--no-progress'],
      ['TrainWorkflow input', 'simulationConfig', 'fix:'],
    ],
    [['run', 'train', '--set', 'noequals'], ['--set']],
  ];
  it.each(cases.map(([argv, names]) => [argv.join(' '), argv, names] as const))(
    'migflow %s',
    async (_n, argv, names) => {
      const { err, stderr } = await runCli(argv);
      const message = `${stderr}${(err as Error | undefined)?.message ?? ''}`;
      expect(err).toBeDefined();
      for (const n of names) expect(message).toContain(n);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Workflow inputs: the schema each workflow validates with (checked client-side before start, and in the workflow).

const WORKFLOW_CASES: readonly [string, unknown, string][] = [
  ['TrainWorkflow', { totalSteps: 1e20 }, 'totalSteps'],
  ['TrainWorkflow', { totalSteps: -1 }, 'totalSteps'],
  ['TrainWorkflow', { totalSteps: 1.5 }, 'totalSteps'],
  ['TrainWorkflow', { seed: -1 }, 'seed'],
  ['TrainWorkflow', { seed: 'x' }, 'seed'],
  ['TrainWorkflow', { checkpointEverySteps: 0 }, 'checkpointEverySteps'],
  ['TrainWorkflow', { gpu: -1 }, 'gpu'],
  ['TrainWorkflow', { heartbeatTimeoutS: 0 }, 'heartbeatTimeoutS'],
  ['TrainWorkflow', { heartbeatTimeoutS: 1e9 }, 'heartbeatTimeoutS'],
  ['TrainWorkflow', { simulationConfig: '' }, 'simulationConfig'],
  ['TrainWorkflow', { typo: 1 }, 'typo'],
  ['GridSearchWorkflow', { gpus: [] }, 'gpus'],
  ['GridSearchWorkflow', { gpus: ['a'] }, 'gpus'],
  ['GridSearchWorkflow', { totalSteps: 1e20 }, 'totalSteps'],
  ['BenchWorkflow', { policies: [], checkpoints: [] }, ''],
  ['BenchWorkflow', { policies: ['no_such_policy'] }, 'policies'],
  ['BenchWorkflow', { policies: ['heuristic'], steps: 1e12 }, 'steps'],
  ['BenchWorkflow', { policies: ['heuristic'], steps: 0 }, 'steps'],
  ['BenchWorkflow', { policies: ['heuristic'], seed: -3 }, 'seed'],
  ['DatasetWorkflow', { datasets: [] }, 'datasets'],
  ['DatasetWorkflow', { datasets: [{ kind: 'nope', inputs: ['a.jsonl'] }] }, 'datasets[0].kind'],
  ['DatasetWorkflow', { datasets: [{ kind: 'coder', inputs: [] }] }, 'datasets[0].inputs'],
  ['DatasetWorkflow', { datasets: [{ kind: 'coder', inputs: ['a'], limit: 0 }] }, 'datasets[0].limit'],
  ['DatasetWorkflow', { datasets: [{ kind: 'coder', inputs: ['a'], format: 'csv' }] }, 'datasets[0].format'],
  ['DeployWorkflow', { deploymentId: 'x', policy: 'heuristic', durationS: Number.NaN }, 'durationS'],
  ['DeployWorkflow', { deploymentId: 'x', policy: 'heuristic', durationS: 1e12 }, 'durationS'],
  ['DeployWorkflow', { deploymentId: 'x', policy: 'heuristic', decisionIntervalS: -1 }, 'decisionIntervalS'],
  ['DeployWorkflow', { deploymentId: 'bad id!', policy: 'heuristic' }, 'deploymentId'],
  ['DeployWorkflow', { deploymentId: 'x', policy: '' }, 'policy'],
  ['PipelineWorkflow', { datasets: [] }, 'datasets'],
  [
    'PipelineWorkflow',
    { datasets: [{ kind: 'coder', inputs: ['a'] }], stages: { fit: true, profiling: false } },
    'stages.fit',
  ],
  [
    'PipelineWorkflow',
    { datasets: [{ kind: 'coder', inputs: ['a'] }], stages: { profiling: true } },
    'profiling',
  ],
  [
    'PipelineWorkflow',
    { datasets: [{ kind: 'coder', inputs: ['a'] }], heartbeatTimeoutS: -1 },
    'heartbeatTimeoutS',
  ],
  [
    'PipelineWorkflow',
    { datasets: [{ kind: 'coder', inputs: ['a'] }], bench: { steps: 1e12 } },
    'bench.steps',
  ],
  [
    'PipelineWorkflow',
    { datasets: [{ kind: 'coder', inputs: ['a'] }], train: { totalSteps: 1e20 } },
    'train.totalSteps',
  ],
];

describe('workflow inputs', () => {
  it.each(
    WORKFLOW_CASES.map(
      ([type, input, field]) => [`${type} ${JSON.stringify(input)}`, type, input, field] as const,
    ),
  )('%s', (_n, type, input, field) => {
    expectClear(
      errorOf(() => checkWorkflowInput(type, input)),
      [`${type} input`, field],
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Dataset files: the wrong schema is an error (not a 0-row cached success); nothing is left in the output folder.

describe('dataset files', () => {
  const cases: readonly [string, 'coder' | 'rag' | 'chat', string, string][] = [
    [
      'rag rows given to coder',
      'coder',
      '{"question":"q","answer":"a"}\n{"question":"q2","answer":"a2"}\n',
      'rows.jsonl',
    ],
    [
      'coder rows given to chat',
      'chat',
      readFileSync(join(PROJECT_ROOT, 'datasets/samples/coder.jsonl'), 'utf8')
        .split('\n')
        .slice(0, 5)
        .join('\n'),
      'rows.jsonl',
    ],
    ['an empty file', 'coder', '', 'rows.jsonl'],
    ['only blank lines', 'coder', '\n\n\n', 'rows.jsonl'],
    ['not JSON at all', 'coder', 'hello\nworld\n', 'rows.jsonl'],
    ['JSON arrays, not objects', 'coder', '[1,2]\n[3]\n', 'rows.jsonl'],
    ['a JSON document that is not a list', 'rag', '{"a": 1}', 'rows.json'],
    ['objects with no messages', 'coder', '{"id":1}\n{"id":2}\n', 'rows.jsonl'],
    ['a parquet extension on a text file', 'rag', 'not parquet', 'rows.parquet'],
  ];
  it.each(cases)('%s → an error naming the file, nothing written', async (_n, kind, text, name) => {
    const dir = join(tmp, `d${seq++}`);
    mkdirSync(dir);
    const input = join(dir, name);
    writeFileSync(input, text);
    const outDir = join(dir, 'out');
    const err = await prepareDataset({ kind, inputs: [input], outDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigflowError);
    expect((err as Error).message).toContain(input);
    expect((err as Error).message).toMatch(/fix:/);
    expect(existsSync(outDir) ? readdirSync(outDir).filter((f) => !f.startsWith('.')) : []).toEqual([]);
  });
  it('--allow-empty accepts an intentionally empty result', async () => {
    const dir = join(tmp, `d${seq++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'e.jsonl'), '{"id":1}\n');
    const r = await prepareDataset({
      kind: 'coder',
      inputs: [join(dir, 'e.jsonl')],
      outDir: join(dir, 'out'),
      allowEmpty: true,
    });
    expect(r.rowsWritten).toBe(0);
  });
  it('a UTF-8 byte-order mark at the start of a JSONL is accepted', async () => {
    const dir = join(tmp, `d${seq++}`);
    mkdirSync(dir);
    const text = readFileSync(join(PROJECT_ROOT, 'datasets/samples/coder.jsonl'), 'utf8')
      .split('\n')
      .slice(0, 3)
      .join('\n');
    writeFileSync(join(dir, 'bom.jsonl'), `\uFEFF${text}\n`);
    const r = await prepareDataset({
      kind: 'coder',
      inputs: [join(dir, 'bom.jsonl')],
      outDir: join(dir, 'out'),
    });
    expect(r.malformed.count).toBe(0);
    expect(r.rowsWritten).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Trace CSVs.

describe('trace CSVs', () => {
  const agents = ['CodingAgent', 'RAGAgent'] as const;
  const cases: readonly [string, string, string][] = [
    [
      'all rows at one timestamp',
      'timestamp,agent,input_tokens,output_tokens\n5,CodingAgent,10,10\n5,RAGAgent,10,10\n5,CodingAgent,3,3\n',
      'timestamp',
    ],
    ['an empty file', '', 'empty'],
    ['a header only', 'timestamp,agent,input_tokens,output_tokens\n', 'no requests'],
    ['an unknown layout', 'when,who,in,out\n1,a,1,1\n', 'layout'],
    [
      'a time that is not a number',
      'timestamp,agent,input_tokens,output_tokens\nsoon,CodingAgent,1,1\n',
      'timestamp',
    ],
    ['negative tokens', 'timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,-1,1\n', 'input_tokens'],
    [
      'fractional tokens',
      'timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,1.5,1\n',
      'input_tokens',
    ],
    [
      'an unknown agent',
      'timestamp,agent,input_tokens,output_tokens\n1,Nobody,1,1\n2,CodingAgent,1,1\n',
      'Nobody',
    ],
    ['a missing cell', 'timestamp,agent,input_tokens,output_tokens\n1,CodingAgent,,1\n', 'input_tokens'],
  ];
  it.each(cases)('%s', (_n, text, names) => {
    const f = join(tmp, `t${seq++}.csv`);
    writeFileSync(f, text);
    const err = errorOf(() => readArrivalTraceCsv(f, { agents }));
    expect(err).toBeInstanceOf(DatasetError);
    expectClear(err, [f, names]);
  });
  it('a BOM before the header is accepted', () => {
    const f = join(tmp, `t${seq++}.csv`);
    writeFileSync(f, '\uFEFFtimestamp,agent,input_tokens,output_tokens\n1,CodingAgent,1,1\n9,RAGAgent,2,2\n');
    expect(readArrivalTraceCsv(f, { agents }).totalRequests).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints.

describe('checkpoints', () => {
  const make = (meta: unknown, tensorBytes: number) => {
    const dir = join(tmp, `ck${seq++}`, 'rl_model_64_steps');
    mkdirSync(dir, { recursive: true });
    if (meta !== undefined)
      writeFileSync(join(dir, CHECKPOINT_META_FILE), typeof meta === 'string' ? meta : JSON.stringify(meta));
    writeFileSync(join(dir, CHECKPOINT_TENSORS_FILE), Buffer.alloc(tensorBytes));
    return dir;
  };
  const cases: readonly [string, () => string, string][] = [
    ['no checkpoint.json', () => make(undefined, 16), 'checkpoint.json'],
    ['checkpoint.json cut in half', () => make('{"format": "migflow-maskable', 16), 'not valid JSON'],
    ['a foreign format', () => make({ format: 'sb3-zip/1', tensors: [] }, 16), 'format'],
    [
      'tensors.bin truncated',
      () => make({ format: CHECKPOINT_FORMAT, tensors: [{ name: 'pi.w0', shape: [8, 8], offset: 0 }] }, 16),
      'truncated',
    ],
    ['a path that does not exist', () => join(tmp, 'no-such-checkpoint'), 'checkpoint.json'],
  ];
  it.each(cases)('%s', (_n, dir, names) => {
    const d = dir();
    expectClear(
      errorOf(() => readCheckpoint(d)),
      [names],
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Output paths: a file where a folder belongs, a folder where a file belongs. Nothing partial is left.

describe('output paths', () => {
  it('a file where the parent folder should be → OutputWriteError naming the path', () => {
    const blocker = join(tmp, `o${seq++}`);
    writeFileSync(blocker, 'x');
    const err = errorOf(() => writeFileAtomic(join(blocker, 'a.json'), '{}'));
    expect(err).toBeInstanceOf(OutputWriteError);
    expectClear(err, [join(blocker, 'a.json'), 'nothing was published']);
    expect((err as Error).message).toMatch(/ENOTDIR|EEXIST/);
  });
  it('a folder where the file should be → OutputWriteError, the folder untouched', () => {
    const target = join(tmp, `o${seq++}`);
    mkdirSync(join(target, 'inside'), { recursive: true });
    const err = errorOf(() => writeFileAtomic(target, 'data'));
    expect(err).toBeInstanceOf(OutputWriteError);
    expectClear(err, [target]);
    expect(readdirSync(target)).toEqual(['inside']);
    expect(readdirSync(join(target, '..')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  it('a folder build that fails publishes nothing and leaves the old folder whole', async () => {
    const target = join(tmp, `o${seq++}`);
    mkdirSync(target);
    writeFileSync(join(target, 'old.txt'), 'old');
    const err = await publishDirAtomic(target, (d) => {
      writeFileSync(join(d, 'new.txt'), 'half');
      throw new Error('killed mid-build');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('killed mid-build');
    expect(readdirSync(target)).toEqual(['old.txt']);
    expect(readdirSync(join(target, '..')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  it('`migflow bench --out` refuses a folder it did not write, before running anything', async () => {
    const target = join(tmp, `o${seq++}`);
    mkdirSync(target);
    writeFileSync(join(target, 'precious.txt'), 'mine');
    const { err } = await runCli([
      'bench',
      '--bl',
      'heuristic',
      '--synthetic-tokens',
      '--steps',
      '2',
      '--out',
      target,
    ]);
    expectClear(err, ['--out', target]);
    expect(readdirSync(target)).toEqual(['precious.txt']);
  });
});
