/** The tfjs backend for the RL training tests: the same selection training uses (wasm here). */
import { beforeAll } from 'vitest';
import { selectTfBackend } from '../../../core/rl/backend.js';

export function useTfBackend(): void {
  beforeAll(async () => {
    await selectTfBackend();
  });
}
