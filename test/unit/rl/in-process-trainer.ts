/** A PPO trainer over in-process training environments, as the train stage builds them, for the warm-start tests. */
import type { ResolvedSimulationConfig } from '../../../core/config/simulation.js';
import type { ResolvedTrainingConfig } from '../../../core/config/training.js';
import { PpoTrainer, type TrainerCallbacks } from '../../../core/rl/trainer.js';
import { InProcessVecEnv } from '../../../core/rl/vec-env.js';
import { trainerConfigFrom } from '../../../core/stages/train/train-run.js';
import { createTrainEnv, type TokenTables } from '../../../core/stages/train/vec-env-host.js';

/** `training.ppo.nEnvs` environments on `seed`, and a trainer for `steps` env steps. */
export function inProcessTrainer(opts: {
  simulation: ResolvedSimulationConfig;
  training: ResolvedTrainingConfig;
  tokens: TokenTables;
  seed: number;
  steps: number;
  callbacks?: TrainerCallbacks;
}): PpoTrainer {
  const { simulation, training, tokens, seed, steps } = opts;
  const env = new InProcessVecEnv(
    Array.from({ length: training.ppo.nEnvs }, (_, envIndex) =>
      createTrainEnv({ simulation, training, tokens, runSeed: seed, envIndex, stepLogs: false }),
    ),
  );
  return new PpoTrainer(env, trainerConfigFrom(training, steps, seed), opts.callbacks);
}
