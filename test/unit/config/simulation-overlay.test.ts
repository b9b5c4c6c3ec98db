/**
 * A task's simulation overlay (`simulation_overlay`, loadSimulationConfig's `overlay` option): models added to the
 * registry and MIG instance entries replaced, checked against the simulation config with errors that name the
 * overlay file, the field and the fix. Also: max_model_len is read from each model's vLLM config.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineProfileConfig, loadSimulationConfig } from '../../../core/config/index.js';
import { configErrorOf } from '../../helpers/config-error.js';

const SIM = 'configs/simulation_config.yaml';
const SHIPPED = 'configs/tasks/overlays/long-context-rag.yaml';

function overlayFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'migflow-overlay-')), 'overlay.yaml');
  writeFileSync(file, yaml);
  return file;
}

const entry = (model: string) =>
  `{model: ${model}, generate_path: x.jsonl, kv_cache_GB: 18.6, restart_time: 61.9, param: {prefill: {alpha: 0.03, beta: 0.00007, sigma: 0.03}, tpot: {alpha: 0.023, beta: 0.00008, sigma: 0.0003}}}`;

describe('simulation overlay', () => {
  it('the shipped one puts the long-context model on RAG’s 7g.40gb and nowhere else', () => {
    const base = loadSimulationConfig(SIM);
    const cfg = loadSimulationConfig(SIM, { overlay: SHIPPED });
    const rag7 = engineProfileConfig(cfg, 'RAGAgent', 'A100_40GB', '7g.40gb');
    expect(rag7.model).toBe('qwen2.5-7b-instruct-1m');
    expect(rag7.maxModelLen).toBe(131_072);
    expect(rag7.kvCapacityTokens).toBe(Math.floor((18.6 * 1048576) / 56));
    expect(cfg.models['qwen2.5-7b-instruct-1m']!.maxBatchedTokens).toBe(4096);
    // Everything else is the simulation config's, max_model_len from each model's vLLM config.
    for (const [agent, profile] of [
      ['CodingAgent', '7g.40gb'],
      ['RAGAgent', '4g.20gb'],
      ['RAGAgent', '2g.10gb'],
    ] as const) {
      const e = engineProfileConfig(cfg, agent, 'A100_40GB', profile);
      expect(e).toEqual(engineProfileConfig(base, agent, 'A100_40GB', profile));
      expect(e.maxModelLen).toBe(32_767);
    }
    expect(engineProfileConfig(base, 'RAGAgent', 'A100_40GB', '7g.40gb').model).toBe('qwen2.5-14b-instruct');
  });

  it('errors name the overlay file, the field with its line, and the fix', () => {
    const unknownAgent = overlayFile(
      `simulation:\n  agents:\n    RagAgent:\n      A100_40GB:\n        mig:\n          7g.40gb: ${entry('qwen2.5-7b-instruct')}\n`,
    );
    expect(configErrorOf(() => loadSimulationConfig(SIM, { overlay: unknownAgent })).message).toMatch(
      /overlay\.yaml: simulation\.agents\.RagAgent \(line 3\): the simulation config has no agent "RagAgent" — fix: use one of ChatAgent, CodingAgent, RAGAgent/,
    );
    const unknownProfile = overlayFile(
      `simulation:\n  agents:\n    RAGAgent:\n      A100_40GB:\n        mig:\n          7g.80gb: ${entry('qwen2.5-7b-instruct')}\n`,
    );
    expect(configErrorOf(() => loadSimulationConfig(SIM, { overlay: unknownProfile })).message).toMatch(
      /simulation\.agents\.RAGAgent\.A100_40GB\.mig\.7g\.80gb \(line 6\): the simulation config has no 7g\.80gb entry for RAGAgent on A100_40GB, so there is nothing to replace — fix: use one of 7g\.40gb/,
    );
    const unknownModel = overlayFile(
      `simulation:\n  agents:\n    RAGAgent:\n      A100_40GB:\n        mig:\n          7g.40gb: ${entry('qwen-long')}\n`,
    );
    expect(configErrorOf(() => loadSimulationConfig(SIM, { overlay: unknownModel })).message).toMatch(
      /mig\.7g\.40gb\.model .*"qwen-long" is neither in the overlay’s model block nor in the simulation config’s registry — fix: add model\.qwen-long/,
    );
    const existing = overlayFile(
      'model:\n  qwen2.5-7b-instruct: {kv_per_token_KB: 56, vllm_config: configs/models/qwen2_5-7b-instruct-1m.yaml}\nsimulation: {agents: {}}\n',
    );
    expect(configErrorOf(() => loadSimulationConfig(SIM, { overlay: existing })).message).toMatch(
      /model\.qwen2\.5-7b-instruct \(line 2\): .*already in the simulation config’s registry — fix: give the overlay’s model a new name/,
    );
    const badShape = overlayFile('simulation:\n  agents: {}\nextra: 1\n');
    expect(configErrorOf(() => loadSimulationConfig(SIM, { overlay: badShape })).file).toMatch(
      /overlay\.yaml$/,
    );
  });
});
