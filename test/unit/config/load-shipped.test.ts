import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadBenchConfig, measuredServiceRatePerS } from '../../../core/config/bench.js';
import { loadDeploymentConfig } from '../../../core/config/deployment.js';
import { expandGrid, loadGridSearchConfig } from '../../../core/config/grid-search.js';
import { listModelConfigFiles, loadModelConfig, loadModelConfigForKey } from '../../../core/config/model.js';
import { CONFIG_DOCS, renderConfigDocs } from '../../../scripts/gen-config-docs.js';

const CONFIGS = join(import.meta.dirname, '../../../configs');

describe('shipped config files', () => {
  it('bench_config.yaml loads with the reference values for two agents on A100_40GB', () => {
    const cfg = loadBenchConfig(join(CONFIGS, 'bench_config.yaml'));
    expect(cfg.seed).toBe(77);
    expect(cfg.benchmarkLength).toBe(1024);
    expect(cfg.agents).toEqual(['CodingAgent', 'RAGAgent']);
    expect(cfg.heuristic.highThreshold).toBe(1.3);
    expect(cfg.heuristic.lowThreshold).toBe(0.7);
    expect(cfg.qas.lTargetS).toBe(0.3);
    expect(cfg.qas.minQualityGain).toBe(0.3);
    expect(cfg.qas.splitHeadroomFactor).toBe(0.8);
    expect(cfg.workloads.idle.ratePerS.CodingAgent).toEqual([0.2, 0.5]);
    expect(cfg.workloads.burst.ratePerS.RAGAgent).toEqual([6, 8]);
    expect(
      measuredServiceRatePerS(cfg.heuristic.serviceRatesPerS, 'A100_40GB', 'CodingAgent', '2g.10gb'),
    ).toBe(2.2);
    expect(cfg.qas.ttftCurves.A100_40GB?.RAGAgent?.['1g.10gb']?.at(-1)).toEqual([3.192, 0.4952575172]);
  });

  it('deployment.yaml loads: two A100s, the emulated GPU 2 in state 8, loopback dashboard', () => {
    const cfg = loadDeploymentConfig(join(CONFIGS, 'deployment.yaml'));
    expect(cfg.gpus.map((g) => [g.index, g.initialOwner])).toEqual([
      [0, 'CodingAgent'],
      [1, 'RAGAgent'],
    ]);
    expect(cfg.simulatedGpus).toEqual([
      {
        index: 2,
        model: 'A100_40GB',
        stateId: 8,
        permanentEngines: [
          { agent: 'CodingAgent', mig: '2g.10gb' },
          { agent: 'RAGAgent', mig: '2g.10gb' },
        ],
      },
    ]);
    expect(cfg.obsArrivalRateDivisor.CodingAgent).toBe(1.5);
    expect(cfg.dashboard.host).toBe('127.0.0.1');
    expect(cfg.workloads.even.ratePerS.CodingAgent).toEqual([1.5, 3.75]);
    expect(cfg.serviceRatesPerS.A100_40GB?.CodingAgent?.['4g.20gb']).toBe(8.07);
  });

  it('grid_search.yaml applies affinity_bonus_weight 0.1 and 0.2 to the shipped training config', () => {
    const base = parse(readFileSync(join(CONFIGS, 'training_config.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const trials = expandGrid(loadGridSearchConfig(join(CONFIGS, 'grid_search.yaml')), base);
    const weights = trials.map(
      (t) =>
        (t.config as { training: { reward: { affinity_bonus_weight: number } } }).training.reward
          .affinity_bonus_weight,
    );
    expect(weights).toEqual([0.1, 0.2]);
  });

  it('every model file loads, serves the model it is named after, and carries the batch budget', () => {
    const dir = join(CONFIGS, 'models');
    const files = listModelConfigFiles(dir);
    expect(files).toHaveLength(11);
    for (const f of files) {
      const cfg = loadModelConfig(join(dir, f));
      expect(cfg.maxNumBatchedTokens).toBeGreaterThan(0);
      expect(cfg.model.toLowerCase().replaceAll('.', '_')).toContain(
        f.replace('.yaml', '').replace('qwen', ''),
      );
    }
    const coder3b = loadModelConfigForKey(dir, 'qwen2.5-coder-3b-instruct');
    expect(coder3b.servedModelId).toBe('Qwen/Qwen2.5-Coder-3B-Instruct');
    expect(coder3b.maxNumSeqs).toBe(72);
    expect(loadModelConfigForKey(dir, 'qwen2.5-7b-instruct').maxNumBatchedTokens).toBe(4096);
  });

  it('docs/configs.md is what the schemas generate (run scripts/gen-config-docs.ts after a schema change)', () => {
    const docs = readFileSync(join(CONFIGS, '../docs/configs.md'), 'utf8');
    expect(docs).toBe(renderConfigDocs(CONFIG_DOCS));
    for (const file of ['bench_config.yaml', 'deployment.yaml', 'grid_search.yaml', 'models/<model>.yaml'])
      expect(docs).toContain(`## \`configs/${file}\``);
  });
});
