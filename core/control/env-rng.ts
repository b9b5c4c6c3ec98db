/**
 * The random stream the environment draws from. As in the reference, one stream plays CPython's global `random`:
 * the simulator's draws (uniform, gauss), `random.choice` for initial layouts, a random policy's choice, and the
 * workload, which reseeds it at every batch (`core/workload`). `seededEnvRng` is that stream, CPython-exact
 * (`core/random`): `seededEnvRng(s)` draws what `random.seed(s)` makes the global `random` draw.
 */
import { CPythonRandom } from '../random/index.js';
import type { SimRng } from '../sim/index.js';
import type { TrainingWorkloadRng } from '../workload/index.js';

export interface EnvRng extends SimRng {
  /** Uniform on [0, 1). */
  random(): number;
  /** Uniform integer in [0, n): the index `random.choice` would pick. */
  choiceIndex(n: number): number;
}

/** The env's shared stream: reseedable by the workload, and a source of fresh seeds for it. */
export interface EnvStream extends EnvRng, TrainingWorkloadRng {}

/** Exponential draw with rate `lambda` (mean 1/lambda), CPython's `expovariate`. */
export function expovariate(rng: EnvRng, lambda: number): number {
  return rng instanceof CPythonRandom ? rng.expovariate(lambda) : -Math.log(1 - rng.random()) / lambda;
}

/** The CPython-compatible stream seeded like `random.seed(seed)`. */
export function seededEnvRng(seed: number | bigint): CPythonRandom {
  return new CPythonRandom(seed);
}
