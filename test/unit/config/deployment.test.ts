import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, loadDeploymentConfig } from '../../../core/config/deployment.js';
import { ConfigError } from '../../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-deploy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// 19 lines once the model lines are added: 1 gpus, 2-4 GPU 0, 5-7 GPU 1, 8 simulated_gpus, 9-11 index/model/state,
// 12-14 engines, 15 workloads; text appended to BASE starts at line 20.
const BASE = `gpus:
  - index: 0
    initial_owner: CodingAgent
  - index: 1
    initial_owner: RAGAgent
simulated_gpus:
  - index: 2
    model: A100_40GB
    state_id: 8
    permanent_engines:
      - {agent: CodingAgent, mig: 2g.10gb}
      - {agent: RAGAgent, mig: 2g.10gb}
workloads:
  idle: {rate: [0.1, 0.5], duration: [3600, 4800]}
  even: {rate: [1.0, 2.0], duration: [1800, 2200]}
  busy: {rate: [4.5, 5.5], duration: [1800, 2200]}
  burst: {rate: [6.0, 8.0], duration: [300, 700]}
`.replaceAll('initial_owner', 'model: A100_40GB\n    initial_owner');

function write(text: string): string {
  const file = join(dir, `deployment-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function configError(text: string): ConfigError {
  const file = write(text);
  try {
    loadDeploymentConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(file);
    expect((err as ConfigError).message).toContain(file);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('deployment.yaml', () => {
  it('defaults to loopback, bounded waits and the reference timeouts', () => {
    const cfg = loadDeploymentConfig(write(BASE));
    expect(cfg.dashboard).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(cfg.vllm.bindHost).toBe('127.0.0.1');
    expect(cfg.vllm.healthTimeoutS).toBe(600);
    expect(cfg.vllm.requestTimeoutS).toBe(300);
    expect(cfg.vllm.drainTimeoutS).toBe(300);
    expect(cfg.vllm.restartDelaysS).toEqual([0, 10, 30, 60]);
    expect(cfg.vllm.image).toBe('vllm/vllm-openai:v0.17.0.custom');
    expect(cfg.decisionIntervalS).toBe(120);
    expect(cfg.seed).toBe(77);
    expect(cfg.keepPreviousRuns).toBe(5);
    expect(cfg.agents).toEqual(['CodingAgent', 'RAGAgent']);
    expect(cfg.gpus).toEqual([
      { index: 0, model: 'A100_40GB', initialOwner: 'CodingAgent' },
      { index: 1, model: 'A100_40GB', initialOwner: 'RAGAgent' },
    ]);
    expect(cfg.obsArrivalRateDivisor).toEqual({ CodingAgent: 1, RAGAgent: 1, ChatAgent: 1 });
    expect(cfg.workloads.busy.ratePerS).toEqual({ CodingAgent: [4.5, 5.5], RAGAgent: [4.5, 5.5] });
  });

  it('refuses a dashboard on a non-loopback address unless allow_remote is set', () => {
    const e = configError(`${BASE}dashboard:\n  host: 0.0.0.0\n`);
    expect(e.field).toBe('dashboard.host (line 21)');
    expect(e.problem).toContain('no authentication');
    expect(e.problem).toContain('found "0.0.0.0"');
    expect(e.fix).toContain('allow_remote: true');
    const ok = loadDeploymentConfig(write(`${BASE}dashboard:\n  host: 0.0.0.0\n  allow_remote: true\n`));
    expect(ok.dashboard.host).toBe('0.0.0.0');
  });

  it('refuses to publish engine ports beyond loopback unless allowed', () => {
    const e = configError(`${BASE}vllm:\n  bind_host: 10.0.0.5\n`);
    expect(e.field).toBe('vllm.bind_host (line 21)');
    expect(e.fix).toContain('vllm.allow_remote: true');
  });

  it('names an unknown key (a reference-only setting) and says to remove it', () => {
    const e = configError(`${BASE}vllm:\n  script: scripts/launch_vllm.sh\n`);
    expect(e.field).toBe('vllm (line 21)');
    expect(e.fix).toContain('remove or rename script');
  });

  it('reports a wrong type with the value found', () => {
    const e = configError(`${BASE}vllm:\n  base_port: "8100"\n`);
    expect(e.field).toBe('vllm.base_port (line 21)');
    expect(e.problem).toContain('found "8100"');
    expect(e.fix).toBe('set vllm.base_port to a number');
  });

  it('rejects an unknown agent as a GPU owner', () => {
    const e = configError(BASE.replace('initial_owner: RAGAgent', 'initial_owner: ChatBot'));
    expect(e.field).toBe('gpus[1].initial_owner (line 7)');
    expect(e.fix).toContain('"RAGAgent"');
  });

  it('requires the GPU list', () => {
    const e = configError(BASE.slice(BASE.indexOf('simulated_gpus')));
    expect(e.field).toMatch(/^gpus/);
    expect(e.problem).toContain('found nothing');
    expect(e.fix).toBe('set gpus to a array');
  });

  it('rejects an emulated GPU that takes a real GPU’s index', () => {
    const e = configError(BASE.replace('  - index: 2', '  - index: 1'));
    expect(e.field).toBe('simulated_gpus[0].index (line 9)');
    expect(e.problem).toContain('index 1 is already taken');
  });

  it('keeps a whole, non-negative number of earlier runs, and says so when given anything else', () => {
    expect(loadDeploymentConfig(write(`${BASE}keep_previous_runs: 0\n`)).keepPreviousRuns).toBe(0);
    for (const bad of ['-1', '2.5', 'all']) {
      const e = configError(`${BASE}keep_previous_runs: ${bad}\n`);
      expect(e.field).toBe('keep_previous_runs (line 20)');
      expect(e.fix).toMatch(/set keep_previous_runs to/);
    }
  });

  it('rejects a run shorter than one decision interval (no decision would ever run)', () => {
    const e = configError(`${BASE}duration_s: 100\n`);
    expect(e.field).toBe('duration_s (line 20)');
    expect(e.fix).toBe('set duration_s to at least 120');
  });

  it('requires exactly two agents and a permanent engine for each GPU owner', () => {
    const three = configError(
      `${BASE}`.replace('    initial_owner: RAGAgent', '    initial_owner: ChatAgent'),
    );
    expect(three.problem).toContain('3 agent(s)');
    const unbacked = configError(BASE.replace('      - {agent: RAGAgent, mig: 2g.10gb}\n', ''));
    expect(unbacked.field).toBe('gpus[1].initial_owner (line 7)');
    expect(unbacked.fix).toContain('permanent_engines');
  });

  it('rejects a state id that does not exist', () => {
    const e = configError(BASE.replace('state_id: 8', 'state_id: 5'));
    expect(e.field).toBe('simulated_gpus[0].state_id (line 11)');
    expect(e.problem).toContain('expected a geometry state id');
  });

  it('classifies loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.org', '192.168.1.1'])
      expect(isLoopbackHost(h)).toBe(false);
  });
});
