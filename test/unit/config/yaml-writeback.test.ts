import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeBackYaml } from '../../../core/config/yaml-writeback.js';
import { ConfigError } from '../../../core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'migflow-writeback-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SOURCE = `# Simulation settings (hand-written).
simulation:
  gpu_model: A100_40GB   # the managed GPUs
  agents:
    CodingAgent:
      A100_40GB:
        mig:
          2g.10gb:
            model: 'qwen2.5-coder-3b-instruct'
            kv_cache_GB: 3.5


            restart_time: 61.0 # measured to readiness
            param:
              prefill: {alpha: 0.02, beta: 1.5e-5, sigma: 0.001}
              tpot:
                alpha: 0.01
                beta: 0.0002
                sigma: 0.0003
        search-overhead: {min: 0.05, max: 0.3}
`;

function fresh(text = SOURCE): { dir: string; file: string } {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  const file = join(dir, 'simulation_config.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const ENTRY = ['simulation', 'agents', 'CodingAgent', 'A100_40GB', 'mig', '2g.10gb'];

describe('writeBackYaml', () => {
  it('changes only the edited scalars, keeping comments, blank lines, order and quoting byte for byte', () => {
    const { file } = fresh();
    const res = writeBackYaml(file, [
      { path: [...ENTRY, 'kv_cache_GB'], value: 4.25 },
      { path: [...ENTRY, 'restart_time'], value: 64.5 },
      { path: [...ENTRY, 'param', 'prefill', 'beta'], value: 2.5e-5 },
      { path: [...ENTRY, 'param', 'tpot', 'sigma'], value: 0.1 + 0.2 },
      { path: [...ENTRY, 'model'], value: 'qwen2.5-coder-7b-instruct' },
    ]);
    expect(res).toEqual({ changed: true });
    const expected = SOURCE.replace('kv_cache_GB: 3.5', 'kv_cache_GB: 4.25')
      .replace('restart_time: 61.0', 'restart_time: 64.5')
      .replace('beta: 1.5e-5', 'beta: 0.000025')
      .replace('sigma: 0.0003', 'sigma: 0.3')
      .replace("'qwen2.5-coder-3b-instruct'", "'qwen2.5-coder-7b-instruct'");
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('keeps the float style of a value that had a decimal point', () => {
    const { file } = fresh();
    writeBackYaml(file, [{ path: [...ENTRY, 'restart_time'], value: 62 }]);
    expect(readFileSync(file, 'utf8')).toContain('restart_time: 62.0 # measured to readiness');
    expect(
      parse(readFileSync(file, 'utf8')).simulation.agents.CodingAgent.A100_40GB.mig['2g.10gb'].restart_time,
    ).toBe(62);
  });

  it('rounds floats to 10 significant digits so arithmetic noise never reaches the file', () => {
    const { file } = fresh();
    writeBackYaml(file, [{ path: [...ENTRY, 'kv_cache_GB'], value: 1 / 3 }]);
    expect(readFileSync(file, 'utf8')).toContain('kv_cache_GB: 0.3333333333\n');
  });

  it('is idempotent: a second identical write-back changes nothing and keeps the mtime', () => {
    const { file } = fresh();
    const edits = [
      { path: [...ENTRY, 'kv_cache_GB'], value: 0.1 + 0.2 },
      { path: [...ENTRY, 'param', 'prefill', 'alpha'], value: 0.03 },
    ];
    expect(writeBackYaml(file, edits).changed).toBe(true);
    const after = readFileSync(file, 'utf8');
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, old, old);
    expect(writeBackYaml(file, edits)).toEqual({ changed: false });
    expect(readFileSync(file, 'utf8')).toBe(after);
    expect(statSync(file).mtime.getTime()).toBe(old.getTime());
  });

  it('does not touch a file whose values are already right', () => {
    const { file } = fresh();
    const old = new Date('2021-06-01T00:00:00Z');
    utimesSync(file, old, old);
    expect(writeBackYaml(file, [{ path: [...ENTRY, 'restart_time'], value: 61 }]).changed).toBe(false);
    expect(statSync(file).mtime.getTime()).toBe(old.getTime());
  });

  it('refuses a missing key unless asked to create it, leaving the file and directory as they were', () => {
    const { dir, file } = fresh();
    let err: unknown;
    try {
      writeBackYaml(file, [
        { path: [...ENTRY, 'kv_cache_GB'], value: 9 },
        {
          path: ['simulation', 'agents', 'RAGAgent', 'A100_40GB', 'mig', '2g.10gb', 'kv_cache_GB'],
          value: 4,
        },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe(file);
    expect(e.field).toBe('simulation.agents.RAGAgent.A100_40GB.mig.2g.10gb.kv_cache_GB');
    expect(e.problem).toContain('the path stops at simulation.agents');
    expect(e.fix).toContain('createMissing');
    expect(readFileSync(file, 'utf8')).toBe(SOURCE);
    expect(readdirSync(dir)).toEqual(['simulation_config.yaml']);
  });

  it('creates missing maps when asked, under the right parent and indentation, leaving the rest intact', () => {
    const { file } = fresh();
    writeBackYaml(
      file,
      [
        {
          path: ['simulation', 'agents', 'RAGAgent', 'A100_40GB', 'mig', '2g.10gb', 'kv_cache_GB'],
          value: 4,
        },
        { path: [...ENTRY, 'generate_path'], value: 'profiling_results/generated/a.jsonl' },
      ],
      { createMissing: true },
    );
    const text = readFileSync(file, 'utf8');
    const doc = parse(text);
    expect(doc.simulation.agents.RAGAgent.A100_40GB.mig['2g.10gb'].kv_cache_GB).toBe(4);
    expect(doc.simulation.agents.CodingAgent.A100_40GB.mig['2g.10gb'].generate_path).toBe(
      'profiling_results/generated/a.jsonl',
    );
    expect(Object.keys(doc.simulation.agents)).toEqual(['CodingAgent', 'RAGAgent']);
    // Every original line is still there, in order.
    const lines = text.split('\n');
    let at = 0;
    for (const line of SOURCE.split('\n')) {
      at = lines.indexOf(line, at);
      expect(at, `line ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
      at += 1;
    }
    expect(text).toContain(
      '    RAGAgent:\n      A100_40GB:\n        mig:\n          2g.10gb:\n            kv_cache_GB: 4\n',
    );
  });

  it('fills an empty value and quotes strings that would otherwise read as another type', () => {
    const { file } = fresh('a:\nb: plain # note\nc: 1\n');
    writeBackYaml(file, [
      { path: ['a'], value: 5 },
      { path: ['b'], value: '123' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe('a: 5\nb: "123" # note\nc: 1\n');
    expect(parse(readFileSync(file, 'utf8')).b).toBe('123');
  });

  it('refuses to create a key under a list or scalar', () => {
    const { file } = fresh('a: [1, 2]\n');
    expect(() => writeBackYaml(file, [{ path: ['a', 'b'], value: 1 }], { createMissing: true })).toThrow(
      ConfigError,
    );
    expect(readFileSync(file, 'utf8')).toBe('a: [1, 2]\n');
  });
});
