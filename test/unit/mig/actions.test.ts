import { describe, expect, it } from 'vitest';
import {
  actionCount,
  actionName,
  agentsInEnumOrder,
  agentsInNameOrder,
  decodeAction,
  stateActionIndex,
  transferActionIndex,
} from '../../../core/mig/index.js';

describe('action space', () => {
  it('has 100 actions for 3 agents and 55 for 2', () => {
    expect(actionCount(3)).toBe(100);
    expect(actionCount(2)).toBe(55);
    expect(() => actionCount(4)).toThrow(/2 or 3/);
  });

  it('names the reference parity indices for 3 agents', () => {
    expect(actionName(3, 0)).toBe('NO_ACTION');
    expect(actionName(3, 1)).toBe('GPU_0_PROFILE_1_7G');
    expect(actionName(3, 15)).toBe('GPU_0_PROFILE_19_1S_1S_1S_1S_1S_1S_1L');
    expect(actionName(3, 16)).toBe('GPU_1_PROFILE_1_7G');
    expect(actionName(3, 17)).toBe('GPU_1_PROFILE_2_4G_3G');
    expect(actionName(3, 46)).toBe('TRANSFER_GPU_0_7G_TO_CODING');
    expect(actionName(3, 47)).toBe('TRANSFER_GPU_0_7G_TO_RAG');
    expect(actionName(3, 48)).toBe('TRANSFER_GPU_0_7G_TO_CHAT');
    expect(actionName(3, 99)).toBe('TRANSFER_GPU_2_1S_TO_CHAT');
    expect(actionName(2, 54)).toBe('TRANSFER_GPU_1_1S_TO_RAG');
    expect(actionName(2, 31)).toBe('TRANSFER_GPU_0_7G_TO_CODING');
  });

  it('decodes and encodes consistently for every index', () => {
    for (const n of [2, 3]) {
      const names = new Set<string>();
      for (let i = 0; i < actionCount(n); i++) {
        const a = decodeAction(n, i);
        names.add(actionName(n, i));
        if (a.kind === 'state') expect(stateActionIndex(n, a.gpu, a.targetState)).toBe(i);
        if (a.kind === 'transfer') expect(transferActionIndex(n, a.gpu, a.profile, a.receiver)).toBe(i);
      }
      expect(names.size).toBe(actionCount(n));
    }
    expect(decodeAction(3, 52)).toEqual({
      kind: 'transfer',
      index: 52,
      gpu: 0,
      profile: '3G',
      receiver: 'CodingAgent',
    });
    expect(decodeAction(3, 7)).toEqual({ kind: 'state', index: 7, gpu: 0, targetState: 10 });
    expect(() => decodeAction(2, 55)).toThrow(RangeError);
  });

  it('orders agents by enum (receivers) and by name (observation blocks)', () => {
    expect(agentsInEnumOrder(3)).toEqual(['CodingAgent', 'RAGAgent', 'ChatAgent']);
    expect(agentsInEnumOrder(2)).toEqual(['CodingAgent', 'RAGAgent']);
    expect(agentsInNameOrder(agentsInEnumOrder(3))).toEqual(['ChatAgent', 'CodingAgent', 'RAGAgent']);
  });
});
