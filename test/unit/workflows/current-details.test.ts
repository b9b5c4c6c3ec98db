/**
 * The Web UI's Current details stay short (the panel shows about six lines) and name trials by their parameters;
 * long paths go in the results and queries, never here.
 */
import { describe, expect, it } from 'vitest';
import type { GridTrialOutcome } from '../../../contracts/index.js';
import { benchTable } from '../../../workflows/bench.js';
import { gridDetails } from '../../../workflows/grid-search.js';
import { progressMarkdown } from '../../../workflows/train.js';

describe('Current details', () => {
  it('a training shows its numbers in at most four lines, checkpoints by name only', () => {
    const text = progressMarkdown(
      'Training affinity_bonus_weight=0.1 on gpu-1',
      {
        phase: 'done',
        steps: 2048,
        totalSteps: 2048,
        episodes: 16,
        meanEpisodeReward: -12.5,
        lastEpisodeReward: -10,
        lastCheckpoint: '/work/artifacts/train/0123456789abcdef/checkpoints/final',
        backend: 'wasm',
        attempt: 2,
      },
      '/work/artifacts/train/0123456789abcdef/checkpoints/rl_model_1536_steps',
    );
    expect(text.split('\n')).toEqual([
      '**Training affinity_bonus_weight=0.1 on gpu-1** — done (attempt 2)',
      'steps 2048 / 2048 (100.0 %) · episodes 16',
      'mean episode reward -12.500 · last -10.000',
      'last checkpoint final · best rl_model_1536_steps · backend wasm',
    ]);
    expect(text).not.toContain('/work/');
  });

  it('a grid shows at most four trials, running first, the best starred, and how to list the rest', () => {
    const trial = (i: number, status: GridTrialOutcome['status'], reward?: number): GridTrialOutcome => ({
      trialKey: `t-${i}`,
      index: i,
      params: { 'training.reward.affinity_bonus_weight': i / 10 },
      status,
      workflowId: `grid/train/t-${i}`,
      ...(status !== 'pending' ? { gpu: i % 2 } : {}),
      ...(reward !== undefined ? { meanEpisodeReward: reward } : {}),
    });
    const text = gridDetails([
      trial(1, 'completed', -5),
      trial(2, 'completed', 3),
      trial(3, 'running'),
      trial(4, 'pending'),
      trial(5, 'failed'),
      trial(6, 'pending'),
    ]);
    expect(text.split('\n')).toEqual([
      '- affinity_bonus_weight=0.3: running · gpu-1',
      '- ★ affinity_bonus_weight=0.2: completed · gpu-0 · reward 3.000',
      '- affinity_bonus_weight=0.1: completed · gpu-1 · reward -5.000',
      '- affinity_bonus_weight=0.5: failed · gpu-1',
      '- … 2 more: `temporal workflow query --type gridStatus`',
    ]);
  });
});

describe('BenchWorkflow result table', () => {
  it('has one row per (policy, agent) with the training reward on the policy’s first row', () => {
    const agent = (name: string) => ({
      agent: name,
      completedRequests: 10,
      meanTtftS: 1.5,
      ttftPercentilesS: [1, 1.2, 1.8, 3],
      tpotQuartilesS: [0.03, 0.035, 0.04],
      avgWaitingQueue: 0,
      splitCount: 1,
      mergeCount: 0,
      transferCount: 2,
    });
    const table = benchTable([
      {
        policy: 'heuristic',
        cacheKey: 'k',
        hit: false,
        dir: '/d',
        totalRequests: 20,
        durationMs: 1,
        entry: {
          policy: 'heuristic',
          runName: 'BASELINE_HEURISTIC',
          steps: 8,
          reward: { total: -12.25, ttft: 0, tpot: 0, action: 0, quality: 0, affinity: 0, clip: 0 },
          agents: [agent('CodingAgent'), agent('RAGAgent')],
        },
      },
    ]);
    expect(table.split('\n').slice(2)).toEqual([
      '| heuristic | -12.250 | CodingAgent | 10 | 1.500 | 1.200 | 3.000 | 0.035 | 1/0/2 |',
      '|  |  | RAGAgent | 10 | 1.500 | 1.200 | 3.000 | 0.035 | 1/0/2 |',
    ]);
  });
});
