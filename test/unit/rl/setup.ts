/** Shared set-ups for the RL tests: simulators from the shipped configs with hand-made layouts. */
import { loadSimulationConfig, type ResolvedSimulationConfig } from '../../../core/config/simulation.js';
import { loadTrainingConfig } from '../../../core/config/training.js';
import { seededEnvRng } from '../../../core/control/index.js';
import { clusterSpecFromConfig, type InitialEngineSpec, Simulator } from '../../../core/sim/index.js';

export const sim3 = loadSimulationConfig('configs/examples/b200-three-agents/simulation_config.yaml');
export const sim2 = loadSimulationConfig('configs/simulation_config.yaml');
export const training = loadTrainingConfig('configs/training_config.yaml');

/** Every request is 1000 prompt + 200 completion tokens, on every model. */
export const constantTokens = () => ({
  promptTokens: [1000, 1000, 1000, 1000],
  completionTokens: [200, 200, 200, 200],
});

// Enum indices.
export const CODING = 0;
export const RAG = 1;
export const CHAT = 2;
// Logical profile idx.
export const P7 = 0;
export const P4 = 1;
export const P3 = 2;
export const P2 = 3;
export const P1L = 4;
export const P1S = 5;

export const on = (gpu: number, agent: number, profiles: readonly number[]): InitialEngineSpec[] =>
  profiles.map((logicalProfile) => ({ gpu, logicalProfile, agent }));

/** The permanent A100 of a config: one 2G per agent (YAML order), padded with unused engines to state 12. */
export function permanentGpu(cfg: ResolvedSimulationConfig): InitialEngineSpec[] {
  const gpu = cfg.permanentGpu;
  const out: InitialEngineSpec[] = cfg.agentsYamlOrder.map((a) => ({
    gpu,
    logicalProfile: P2,
    agent: cfg.agentsEnumOrder.indexOf(a),
    permanent: true,
  }));
  if (cfg.agentCount === 2)
    out.push({ gpu, logicalProfile: P2, agent: CODING, permanent: true, unused: true });
  out.push({ gpu, logicalProfile: P1L, agent: CODING, permanent: true, unused: true });
  return out;
}

/**
 * A simulator at its first decision (t = 120) with the given managed layout and no traffic; one far-future
 * arrival keeps the event loop running from trigger to trigger.
 */
export function idleSimAtFirstDecision(
  cfg: ResolvedSimulationConfig,
  managed: InitialEngineSpec[],
  seed = 1,
): Simulator {
  const sim = new Simulator({
    cluster: clusterSpecFromConfig(cfg, constantTokens),
    rng: seededEnvRng(seed),
    actionIntervalS: training.actionIntervalS,
    budgetS: training.budgetS,
    refreshS: training.refreshPeriodS,
    cooldownSteps: training.actionCooldownSteps,
    historyLength: training.arrivalRateHistoryLength,
    queueTrace: false,
  });
  sim.reset([...permanentGpu(cfg), ...managed]);
  sim.addArrivals([{ agent: CODING, arrivalTimeS: 1e7, itemIndex: 0 }]);
  sim.scheduleTriggers(40);
  sim.run();
  return sim;
}

export const validIndices = (mask: Uint8Array): number[] => {
  const out: number[] = [];
  mask.forEach((v, i) => {
    if (v === 1) out.push(i);
  });
  return out;
};

export const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** A train-stage request on the shipped configs, for tests of what enters the cache key. */
export const SHIPPED_TRAIN_REQUEST = {
  trainingConfig: 'configs/training_config.yaml',
  simulationConfig: 'configs/simulation_config.yaml',
  overrides: {},
  seed: 0,
  syntheticTokens: true,
} as const;

/** The golden run's tiny PPO set-up (test/unit/rl/golden-run.test.ts): 16-decision episodes, 32-step rollouts. */
export const TINY_PPO_SCHEDULE = {
  'training.PPO.episode_length': 16,
  'training.PPO.n_steps': 32,
  'training.PPO.batch_size': 16,
  'training.PPO.n_epochs': 2,
};
/** The same with a tiny net: what the checkpoint, evaluation and vec-env tests train. */
export const TINY_PPO = {
  ...TINY_PPO_SCHEDULE,
  'training.PPO.net_arch.pi': [16, 16],
  'training.PPO.net_arch.vf': [16],
};
