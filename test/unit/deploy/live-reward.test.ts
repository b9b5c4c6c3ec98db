import { describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../../core/config/deployment.js';
import { loadTrainingConfig } from '../../../core/config/training.js';
import { resolveDeployPolicy } from '../../../core/deploy/deploy-policy.js';
import type { DesiredGpu } from '../../../core/deploy/deploy-state.js';
import { windowReward } from '../../../core/deploy/live-reward.js';
import type { RequestRecord } from '../../../core/deploy/publisher.js';

const training = loadTrainingConfig('configs/training_config.yaml');
const deploy = loadDeploymentConfig('configs/deployment.yaml');
const desired: DesiredGpu[] = [
  { gpu: 0, position: 0, model: 'A100_40GB', stateId: 1, owners: ['CodingAgent'] },
  { gpu: 1, position: 1, model: 'A100_40GB', stateId: 1, owners: ['RAGAgent'] },
];
const rec = (r: Partial<RequestRecord> & Pick<RequestRecord, 'agent' | 'status'>): RequestRecord => ({
  id: 'x',
  arrivalS: 0,
  sentS: 0,
  ttftS: 0,
  tpotS: 0,
  e2eS: 0,
  completionTokens: 0,
  ...r,
});

describe('the reward of a live window', () => {
  it('scores the window’s requests with the training reward (hand-computed case)', () => {
    const records = [
      // Coding on its 7g.40gb (Q 10): cost 0.8·2 + 0.2·0.05 = 1.61, 100 generated tokens.
      rec({
        agent: 'CodingAgent',
        status: 'completed',
        slot: 'gpu0-s0',
        profile: '7G',
        ttftS: 2,
        tpotS: 0.05,
        e2eS: 7,
        completionTokens: 100,
      }),
      // Coding never reached an engine: waited the whole 120 s window, cost 0.8·120 = 96, default Q.
      rec({ agent: 'CodingAgent', status: 'failed', reason: 'no ready engine' }),
      // RAG on its permanent 2g.10gb (Q 1): cost 0.8·0.5 + 0.2·0.02 = 0.404, 50 tokens.
      rec({
        agent: 'RAGAgent',
        status: 'completed',
        slot: 'sim2-s2',
        profile: 'permanent',
        permanent: true,
        ttftS: 0.5,
        tpotS: 0.02,
        e2eS: 1.5,
        completionTokens: 50,
      }),
    ];
    const r = windowReward({
      records,
      desired,
      permanent: deploy.simulatedGpus,
      agents: ['CodingAgent', 'RAGAgent'],
      tookAction: true,
      windowS: 120,
      training,
    });
    // ψ carries the reward's 1e-9 guard: (1.61 + 96) / (2 + 1e-9).
    expect(r.psi[0]).toBeCloseTo((1.61 + 96) / 2, 6);
    expect(r.psi[1]).toBeCloseTo(0.404, 8);
    // Quality by generated tokens: (10·100 + 1·50) / 150; affinity: each agent on one GPU → 0.2·2.
    expect(r.quality).toBeCloseTo(7, 8);
    expect(r.affinity).toBeCloseTo(0.4, 12);
    expect(r.reward).toBeCloseTo((-(48.805 + 0.404) - 12 + 7 + 0.4) * 0.1, 6);
    const idle = windowReward({
      records: [],
      desired,
      permanent: deploy.simulatedGpus,
      agents: ['CodingAgent', 'RAGAgent'],
      tookAction: false,
      windowS: 120,
      training,
    });
    expect(idle.reward).toBeCloseTo(0.04, 12);
  });

  it('deploy resolves linucb from the registry, with its learning hook', () => {
    const p = resolveDeployPolicy('linucb');
    expect(p.isStatic).toBe(false);
    expect(p.decide).toBeTypeOf('function');
    expect(p.learn).toBeTypeOf('function');
    expect(resolveDeployPolicy('heuristic').learn).toBeUndefined();
  });
});
