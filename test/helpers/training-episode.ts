/**
 * The bench's reward tests check a trial's reward against the training env's own episode reward. This replays one
 * episode of MigEnv on a prepared bench's trace, with the stream and start a trial under `prepared.setup.start` uses,
 * and returns Σ reward — written from the env's side (reset, then mask → decide → step until terminated), not with
 * the runner's loop, so a difference between the two shows.
 */
import { type PreparedBench, trialStart } from '../../core/bench/index.js';
import { MigEnv, type Policy, seededEnvRng } from '../../core/control/index.js';
import { replayBenchTrace } from '../../core/workload/index.js';

export function trainingEpisodeReward(prepared: PreparedBench, policy: Policy): number {
  const { simulation, training, tokens } = prepared.setup;
  // The trial's own choice of stream and start (the thing under test is the episode loop, not this choice).
  const { seed, initialMode } = trialStart(prepared, policy);
  const env = new MigEnv({
    simulation,
    training,
    tokens,
    rng: seededEnvRng(seed),
    initialMode,
    episodeLength: prepared.steps,
    workload: replayBenchTrace(prepared.trace),
  });
  let { observation } = env.reset();
  let episodeReward = 0;
  for (let step = 0; ; step++) {
    const mask = env.actionMasks();
    const action = policy.decide(observation, mask, {
      cluster: env.sim,
      simulation,
      training,
      bench: prepared.bench,
      step,
    });
    const r = env.step(action);
    episodeReward += r.reward;
    observation = r.observation;
    if (r.terminated) return episodeReward;
  }
}
