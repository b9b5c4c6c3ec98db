import { describe, expect, it } from 'vitest';
import { loadSimulationConfig, loadTaskConfig, taskSimulationOptions } from '../../../core/config/index.js';
import { NO_ACTION } from '../../../core/mig/index.js';
import { createTrainEnv, trainStage } from '../../../core/stages/train/index.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { SHIPPED_TRAIN_REQUEST, training } from '../rl/setup.js';

describe('training on a task of the suite', () => {
  it('the train stage builds its environments on the task’s traffic', () => {
    const task = loadTaskConfig('configs/tasks/hard.yaml');
    const env = createTrainEnv({
      // The task's cluster: the simulation config with hard's overlay (the long-context model on RAG's 7g).
      simulation: loadSimulationConfig('configs/simulation_config.yaml', taskSimulationOptions(task)),
      training,
      tokens: syntheticTokenTables(0),
      runSeed: 3,
      envIndex: 0,
      stepLogs: false,
      task,
    });
    env.reset(0);
    for (let i = 0; i < 4; i++) {
      env.actionMasks();
      env.step(NO_ACTION);
    }
    // hard starts with the Coding peak (8.5–9.5 req/s) while RAG runs at 2–3.
    const rates = env.env.sim.metrics.lastArrivalRate;
    expect(rates[0]).toBeGreaterThan(7.5);
    expect(rates[1]).toBeLessThan(3.5);
  });

  it('the task and its bench config enter the cache key by content', async () => {
    const base = SHIPPED_TRAIN_REQUEST;
    const plain = await trainStage.request(base);
    const onTask = await trainStage.request({ ...base, task: 'configs/tasks/hard.yaml' });
    expect(plain.inputFiles).not.toContain('configs/tasks/hard.yaml');
    expect(onTask.inputFiles).toContain('configs/tasks/hard.yaml');
    expect(onTask.inputFiles!.some((f) => f.endsWith('configs/bench_config.yaml'))).toBe(true);
    expect(onTask.inputFiles!.some((f) => f.endsWith('configs/tasks/overlays/long-context-rag.yaml'))).toBe(
      true,
    );
    expect(onTask.inputs).toMatchObject({ task: true });
  });
});
