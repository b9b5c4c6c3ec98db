import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  engineProfileConfig,
  loadSimulationConfig,
  parseSimulationConfig,
} from '../../../core/config/simulation.js';
import { configErrorOf as catchError } from '../../helpers/config-error.js';

const DEFAULT = 'configs/simulation_config.yaml';
const B200_3 = 'configs/examples/b200-three-agents/simulation_config.yaml';
const text = readFileSync(DEFAULT, 'utf8');
const text3 = readFileSync(B200_3, 'utf8');

/** 1-based line of the first line matching `re` after the first line matching `after`. */
const lineOf = (t: string, re: RegExp, after?: RegExp): number => {
  const lines = t.split('\n');
  const start = after ? lines.findIndex((l) => after.test(l)) : 0;
  return lines.findIndex((l, i) => i >= start && re.test(l)) + 1;
};
/** Replaces the first match of `re` after the first line matching `after`. */
const replaceAfter = (t: string, after: RegExp, re: RegExp, by: string): string => {
  const lines = t.split('\n');
  const start = lines.findIndex((l) => after.test(l));
  const i = lines.findIndex((l, k) => k >= start && re.test(l));
  lines[i] = lines[i]!.replace(re, by);
  return lines.join('\n');
};
const parse = (t: string) => parseSimulationConfig('sim.yaml', t, { gpuDir: 'configs/gpus' });

describe('shipped simulation configs', () => {
  it('default: CodingAgent and RAGAgent on two managed A100s plus the permanent A100', () => {
    const c = loadSimulationConfig(DEFAULT);
    expect(c.agentCount).toBe(2);
    expect(c.agentsEnumOrder).toEqual(['CodingAgent', 'RAGAgent']);
    expect(c.cluster.map((g) => [g.gpu, g.gpuModel, g.managed, g.initialAgents])).toEqual([
      [0, 'A100_40GB', true, ['CodingAgent']],
      [1, 'A100_40GB', true, ['RAGAgent']],
      [2, 'A100_40GB', false, []],
    ]);
    expect(c.cluster[0]!.validStates).toEqual([1, 2, 3, 8, 12]);
    expect(c.permanentEngines.map((e) => [e.agent, e.gpu, e.profile.name])).toEqual([
      ['CodingAgent', 2, '2g.10gb'],
      ['RAGAgent', 2, '2g.10gb'],
    ]);
    const e = engineProfileConfig(c, 'CodingAgent', 'A100_40GB', '2g.10gb');
    expect(e).toMatchObject({
      model: 'qwen2.5-coder-3b-instruct',
      restartTimeS: 63.1,
      maxBatchedTokens: 2048,
    });
    expect(e.kvCapacityTokens).toBe(68739);
    expect(engineProfileConfig(c, 'RAGAgent', 'A100_40GB', '3g.20gb').kvCapacityTokens).toBe(36700);
    expect(engineProfileConfig(c, 'RAGAgent', 'A100_40GB', '7g.40gb').maxBatchedTokens).toBe(4096);
    expect(c.ragSearchOverheadS).toEqual({ min: 0.05, max: 0.3 });
  });

  it('three-agent B200 example: cluster, initial agents and KV capacities of the reference', () => {
    const c = loadSimulationConfig(B200_3);
    expect(c.agentCount).toBe(3);
    expect(c.agentsYamlOrder).toEqual(['ChatAgent', 'CodingAgent', 'RAGAgent']);
    expect(c.cluster.map((g) => `${g.gpu}:${g.gpuModel}:${g.initialAgents.join('+')}`)).toEqual([
      '0:B200:ChatAgent',
      '1:B200:CodingAgent',
      '2:B200:RAGAgent',
      '3:A100_40GB:',
    ]);
    const kv = (a: 'CodingAgent' | 'RAGAgent', g: string, p: string) =>
      engineProfileConfig(c, a, g, p).kvCapacityTokens;
    expect(kv('CodingAgent', 'B200', '7g.180gb')).toBe(45001);
    expect(kv('RAGAgent', 'B200', '4g.90gb')).toBe(61166);
    expect(kv('RAGAgent', 'B200', '2g.45gb')).toBe(60074);
    expect(kv('RAGAgent', 'B200', '1g.23gb')).toBe(79953);
    expect(engineProfileConfig(c, 'CodingAgent', 'B200', '7g.180gb').prefill).toEqual({
      alpha: 0.04467752846225546,
      beta: 0.0001567611320677325,
      sigma: expect.any(Number),
    });
  });

  it('reports an instance nobody configured with the path to add', () => {
    const c = loadSimulationConfig(DEFAULT);
    const e = catchError(() => engineProfileConfig(c, 'CodingAgent', 'A100_40GB', '1g.5gb'));
    expect(e.field).toBe('simulation.agents.CodingAgent.A100_40GB.mig.1g.5gb');
  });
});

describe('simulation config errors', () => {
  it('unknown MIG profile name', () => {
    const bad = replaceAfter(text, /^ {4}CodingAgent:/, /^( {10})1g\.10gb:/, '$15g.99gb:');
    const e = catchError(() => parse(bad));
    expect(e.file).toBe('sim.yaml');
    expect(e.field).toBe(
      `simulation.agents.CodingAgent.A100_40GB.mig.5g.99gb (line ${lineOf(bad, /5g\.99gb:/)})`,
    );
    expect(e.problem).toMatch(/not a MIG profile of A100_40GB/);
    expect(e.fix).toMatch(/7g\.40gb, 4g\.20gb/);
  });

  it('a profile of another GPU model under A100_40GB', () => {
    const bad = replaceAfter(text, /^ {4}RAGAgent:/, /^( {10})7g\.40gb:/, '$17g.180gb:');
    const e = catchError(() => parse(bad));
    expect(e.field).toMatch(/^simulation\.agents\.RAGAgent\.A100_40GB\.mig\.7g\.180gb \(line \d+\)$/);
    expect(e.problem).toBe('7g.180gb is not a MIG profile of A100_40GB');
  });

  it('a missing latency parameter names the YAML path and line', () => {
    const bad = replaceAfter(text, /^ {4}CodingAgent:/, /^( {16})alpha: .*$/, '$1alpah: 0.1');
    const e = catchError(() => parse(bad));
    expect(e.field).toMatch(/^simulation\.agents\.CodingAgent\.A100_40GB\.mig\.7g\.40gb\.param\.prefill/);
    expect(e.field).toMatch(/\(line \d+\)$/);
    expect(e.message).toMatch(/alpha/);
  });

  it('a missing restart_time or kv_cache_GB names the instance', () => {
    const bad = replaceAfter(text, /^ {4}RAGAgent:/, /^ {12}restart_time: .*$/, '');
    const e = catchError(() => parse(bad));
    expect(e.field).toMatch(
      /^simulation\.agents\.RAGAgent\.A100_40GB\.mig\.7g\.40gb\.restart_time \(line \d+\)$/,
    );
    expect(e.fix).toMatch(/restart_time/);
    const bad2 = replaceAfter(
      text,
      /^ {4}RAGAgent:/,
      /^ {12}kv_cache_GB: .*$/,
      '            kv_cache_GB: -1',
    );
    expect(catchError(() => parse(bad2)).field).toMatch(/RAGAgent\.A100_40GB\.mig\.7g\.40gb\.kv_cache_GB/);
  });

  it('an instance kind that some valid geometry needs is missing', () => {
    const bad = replaceAfter(text, /^ {4}CodingAgent:/, /^( {10})1g\.10gb:/, '$11g.5gb:');
    const e = catchError(() => parse(bad));
    expect(e.field).toMatch(/^simulation\.agents\.CodingAgent\.A100_40GB\.mig \(line \d+\)$/);
    expect(e.problem).toMatch(/lacks the 1g\.10gb instance/);
    expect(e.fix).toMatch(/add simulation\.agents\.CodingAgent\.A100_40GB\.mig\.1g\.10gb/);
  });

  it('a model that is not in the registry', () => {
    const bad = replaceAfter(
      text,
      /^ {4}CodingAgent:/,
      /model: qwen2\.5-coder-14b-instruct/,
      'model: llama-7b',
    );
    const e = catchError(() => parse(bad));
    expect(e.field).toMatch(/CodingAgent\.A100_40GB\.mig\.7g\.40gb\.model \(line \d+\)$/);
    expect(e.problem).toMatch(/"llama-7b" is not in the model registry/);
  });

  it('agent counts other than 2 or 3', () => {
    const one = text.replace('  RAGAgent: true', '  RAGAgent: false');
    const e = catchError(() => parse(one));
    expect(e.field).toBe(`agent (line ${lineOf(one, /^agent:/)})`);
    expect(e.problem).toMatch(/1 active agents/);
    expect(e.fix).toMatch(/CodingAgent and RAGAgent/);
    const chatCoding = text
      .replace('  RAGAgent: true', '  RAGAgent: false')
      .replace('ChatAgent: false', 'ChatAgent: true');
    expect(catchError(() => parse(chatCoding)).problem).toMatch(
      /must be CodingAgent, RAGAgent; RAGAgent is not active/,
    );
    const unknown = text.replace('  ChatAgent: false', '  ChatAgent: false\n  MathAgent: true');
    expect(catchError(() => parse(unknown)).field).toMatch(/^agent\.MathAgent/);
  });

  it('an unknown managed GPU model', () => {
    const bad = text.replace('gpu_model: A100_40GB', 'gpu_model: H100');
    const e = catchError(() => parse(bad));
    expect(e.field).toBe(`simulation.gpu_model (line ${lineOf(bad, /gpu_model: H100/)})`);
    expect(e.fix).toMatch(/configs\/gpus\/H100\.yaml/);
  });

  it('switching the three-agent file to A100 works because every agent has A100 blocks', () => {
    const c = parse(text3.replace('gpu_model: B200', 'gpu_model: A100_40GB'));
    expect(c.cluster.map((g) => g.gpuModel)).toEqual(['A100_40GB', 'A100_40GB', 'A100_40GB', 'A100_40GB']);
  });

  it('reads max_num_batched_tokens from the vLLM config when it is not inline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migflow-sim-'));
    writeFileSync(join(dir, 'm.yaml'), 'model: x\nmax_num_batched_tokens: 8192\n');
    const t = text.replace(
      /( {2}qwen2\.5-coder-3b-instruct:\n {4}kv_per_token_KB: 36\n) {4}vllm_config: .*\n {4}max_num_batched_tokens: 2048\n/,
      '$1    vllm_config: m.yaml\n',
    );
    expect(t).not.toBe(text);
    const c = parseSimulationConfig('sim.yaml', t, { gpuDir: 'configs/gpus', rootDir: dir });
    expect(c.models['qwen2.5-coder-3b-instruct']!.maxBatchedTokens).toBe(8192);
    const e = catchError(() =>
      parseSimulationConfig('sim.yaml', t, { gpuDir: 'configs/gpus', rootDir: tmpdir() }),
    );
    expect(e.field).toMatch(/^model\.qwen2\.5-coder-3b-instruct \(line \d+\)$/);
    expect(e.fix).toMatch(/max_num_batched_tokens/);
  });
});
