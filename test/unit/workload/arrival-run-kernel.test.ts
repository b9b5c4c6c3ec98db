/**
 * The arrival generator's kernel path (CPythonRandom.arrivalRun: a phase's rates, gaps and log in
 * core/random/kernels/arrivals.c) against its JavaScript loop (the same stream with `arrivalRun` hidden): every
 * arrival time, item, phase figure and the stream's state afterwards equal bit for bit, over batches long enough
 * to need many runs of the kernel's buffer and with each pattern's rate range.
 */
import { describe, expect, it } from 'vitest';
import { loadTrainingConfig } from '../../../core/config/index.js';
import { agentsInEnumOrder } from '../../../core/mig/agents.js';
import { CPythonRandom } from '../../../core/random/index.js';
import { RequestLoader, trainingPatternRanges, type WorkloadRng } from '../../../core/workload/index.js';

const training = loadTrainingConfig('configs/training_config.yaml');
const AGENTS = agentsInEnumOrder(2);

/** The stream's draws without its run method: the loader falls back to its JavaScript loop. */
function withoutRuns(rng: CPythonRandom): WorkloadRng {
  return {
    seed: (s) => rng.seed(s),
    choiceIndex: (n) => rng.choiceIndex(n),
    uniform: (a, b) => rng.uniform(a, b),
    expovariate: (l) => rng.expovariate(l),
    shuffle: (x) => rng.shuffle(x),
  };
}

function batch(rng: WorkloadRng, seed: number, agent: number, startS: number) {
  const loader = new RequestLoader({
    agents: AGENTS,
    itemCounts: AGENTS.map((_, i) => 500 + 37 * i),
    numSteps: 256,
    actionIntervalS: training.actionIntervalS,
    ranges: trainingPatternRanges(training),
    rng,
    seed,
  });
  return loader.generate(agent, startS, 0);
}

describe('arrival runs in the random kernel', () => {
  it.each([
    [0, 0, 0],
    [1, 1, 77.25],
    [7, 0, 1e4],
    [12345, 1, 3.5],
  ])(
    'seed %i, agent %i, start %f: the same batch and the same stream afterwards as the JavaScript loop',
    (seed, agent, startS) => {
      const kernelRng = new CPythonRandom(0);
      const jsRng = new CPythonRandom(0);
      const a = batch(kernelRng, seed, agent, startS);
      const b = batch(withoutRuns(jsRng), seed, agent, startS);
      expect(a.arrivalTimesS.length).toBeGreaterThan(4096);
      expect(Buffer.from(a.arrivalTimesS.buffer).equals(Buffer.from(b.arrivalTimesS.buffer))).toBe(true);
      expect(Array.from(a.itemIndices)).toEqual(Array.from(b.itemIndices));
      expect(a.phases).toEqual(b.phases);
      expect(Array.from({ length: 8 }, () => kernelRng.random())).toEqual(
        Array.from({ length: 8 }, () => jsRng.random()),
      );
      expect(kernelRng.gauss(0, 1)).toBe(jsRng.gauss(0, 1));
    },
  );
});
