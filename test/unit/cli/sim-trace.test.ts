import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simTrace } from '../../../cli/commands/sim-trace.js';
import { ConfigError } from '../../../core/errors.js';

const fixtureDir = new URL('../../fixtures/workload/', import.meta.url);
const config = new URL('reference-bench-config.yaml', fixtureDir).pathname;
const ref = JSON.parse(readFileSync(new URL('reference-bench-trace.json', fixtureDir), 'utf8')) as {
  agents: { agent: string; count: number; firstArrivalS: number; lastArrivalS: number; sha256: string }[];
};
const trainingConfig = 'configs/training_config.yaml';

describe('migflow sim trace', () => {
  it("prints the reference's count, first/last arrival and checksum for an agent of the bench", () => {
    const rag = ref.agents.find((a) => a.agent === 'RAGAgent')!;
    const t = simTrace({ config, trainingConfig, agent: 'RAGAgent' });
    expect(t).toMatchObject({
      agent: 'RAGAgent',
      enumIndex: 1,
      seed: 77,
      agentSeed: '2654435828',
      horizonS: 122880,
      count: rag.count,
      firstArrivalS: rag.firstArrivalS,
      lastArrivalS: rag.lastArrivalS,
      sha256: rag.sha256,
    });
  });

  it('--seed and --steps change the trace; the same options give the same one', () => {
    const a = simTrace({ config, trainingConfig, agent: 'CodingAgent', seed: 5, steps: 30 });
    const b = simTrace({ config, trainingConfig, agent: 'CodingAgent', seed: 5, steps: 30 });
    const c = simTrace({ config, trainingConfig, agent: 'CodingAgent', seed: 6, steps: 30 });
    expect(b).toEqual(a);
    expect(a.horizonS).toBe(3600);
    expect(a.lastArrivalS!).toBeLessThan(3600);
    expect(c.sha256).not.toBe(a.sha256);
  });

  it('names the config and the agents it has when the agent is not in the bench', () => {
    let err: unknown;
    try {
      simTrace({ config: 'configs/bench_config.yaml', trainingConfig, agent: 'ChatAgent' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe('configs/bench_config.yaml');
    expect((err as ConfigError).message).toMatch(
      /ChatAgent is not an agent of this bench \(CodingAgent, RAGAgent\)/,
    );
  });
});
