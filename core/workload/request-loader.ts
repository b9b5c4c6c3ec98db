/**
 * Delta-HPC's arrival generator (`RequestLoader.generate_requests`), ported draw for draw. Per call, for the
 * agent at enum index j:
 * 1. the shared ("global") stream is reseeded with seed XOR (j·0x9E3779B9), or, without a seed, from the entropy
 *    source (the reference uses OS entropy there);
 * 2. the agent's items are shuffled by a separate stream seeded with the same value;
 * 3. phases follow each other until start + numSteps·interval: a pattern (uniform `choice` of idle, even, busy,
 *    burst, or the configured cycle), a uniform duration, and inside it, for every gap, a fresh uniform rate and
 *    an exponential gap; the arrival that crosses the horizon is dropped, the one that crosses the phase end is
 *    kept in the old phase.
 * The batch comes back as typed arrays (arrival times, item indices) plus the phase history. The stream the
 * caller passes in is reseeded and left where the reference leaves the global `random` (the simulator draws on).
 */

import { ConfigError, MigflowError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { CPythonRandom } from '../random/index.js';

export type PatternName = 'idle' | 'even' | 'busy' | 'burst';
/** `Workload` enum order: what `random.choice(patterns)` indexes. */
export const WORKLOAD_PATTERNS: readonly PatternName[] = ['idle', 'even', 'busy', 'burst'];
/** Golden-ratio constant the reference mixes the agent's enum index into the seed with. */
export const AGENT_SEED_MIXER = 0x9e3779b9n;

/** The draws the generator makes, in CPython's definitions; `CPythonRandom` is the exact implementation. */
export interface WorkloadRng {
  seed(seed: bigint): void;
  choiceIndex(n: number): number;
  uniform(a: number, b: number): number;
  expovariate(lambd: number): number;
  shuffle(x: Int32Array): void;
}

/**
 * A stream that also draws a phase's arrivals a run at a time (`CPythonRandom.arrivalRun`, one call into its
 * kernel per buffer of arrivals instead of two draws and a log per arrival in JavaScript): same draws, same values.
 */
interface ArrivalRunRng extends WorkloadRng {
  arrivalRun(
    minRate: number,
    maxRate: number,
    t: number,
    phaseEndS: number,
    maxS: number,
    maxOut: number,
  ): number;
  readonly runDraws: Float64Array;
  readonly runClockS: Float64Array;
  readonly arrivalRateSum: Float64Array;
  readonly arrivalRateDraws: Int32Array;
}

function drawsArrivalRuns(rng: WorkloadRng): rng is ArrivalRunRng {
  return typeof (rng as Partial<ArrivalRunRng>).arrivalRun === 'function';
}

/** The arrival columns at twice their length (the first entries kept). */
function grown(
  times: Float64Array,
  items: Int32Array,
): { times: Float64Array<ArrayBuffer>; items: Int32Array<ArrayBuffer> } {
  const t = new Float64Array(times.length * 2);
  t.set(times);
  const i = new Int32Array(items.length * 2);
  i.set(items);
  return { times: t, items: i };
}

/** Builds a stream seeded with `seed`, as `random.Random(seed)`. */
export type WorkloadRngFactory = (seed: bigint) => WorkloadRng;
export const cpythonWorkloadRng: WorkloadRngFactory = (seed) => new CPythonRandom(seed);

/** seed XOR (enumIndex · 0x9E3779B9) with Python's int semantics (no 32-bit wrap): 77 → 77, 2654435828, 5308871487. */
export function agentSeed(seed: number | bigint, enumIndex: number): bigint {
  return BigInt(seed) ^ (BigInt(enumIndex) * AGENT_SEED_MIXER);
}

/** Rate and duration bounds per pattern (the reference's `get_rate_range` / `get_duration_range`). */
export interface PatternRanges {
  durationS(pattern: PatternName): readonly [number, number];
  /** Throws (a ConfigError naming the entry) when the pattern has no rate for the agent. */
  ratePerS(pattern: PatternName, agent: AgentName): readonly [number, number];
}

export type SequenceItem = PatternName | Partial<Record<AgentName, PatternName>>;

export interface WorkloadPhase {
  readonly pattern: PatternName;
  readonly startS: number;
  /** From the phase start to the last draw (the one that crossed the phase end included). */
  readonly durationS: number;
  /** Mean of the rates drawn in the phase (the rejected last draw included); 0 if none was drawn. */
  readonly avgRatePerS: number;
}

export interface ArrivalBatch {
  /** Enum index of the agent. */
  readonly agent: number;
  readonly turn: number;
  /** The value the streams were seeded with for this batch. */
  readonly seed: bigint;
  /** Ascending arrival times, seconds. */
  readonly arrivalTimesS: Float64Array;
  /** Per arrival, the index of its item (original id) in the agent's canonical id list. */
  readonly itemIndices: Int32Array;
  readonly phases: readonly WorkloadPhase[];
}

export interface RequestLoaderOptions {
  /** Agents in enum order; the index is what the seed mixes in. */
  readonly agents: readonly AgentName[];
  /** Items per agent (same order). 0 is allowed when only arrival times matter (item index 0 then). */
  readonly itemCounts: readonly number[];
  readonly numSteps: number;
  readonly actionIntervalS: number;
  readonly ranges: PatternRanges;
  /** The shared stream: reseeded at every `generate`, then left for the simulator to continue. */
  readonly rng: WorkloadRng;
  /** Fixed seed (the bench's): every call for an agent reproduces the same stream. */
  readonly seed?: number | bigint;
  /** Without a seed: the value each call reseeds with (the reference draws it from OS entropy). */
  readonly entropy?: () => bigint;
  /** Builds the separate shuffle stream; default CPython's. */
  readonly shuffleRng?: WorkloadRngFactory;
  readonly workloadSequence?: readonly SequenceItem[];
  /** Config file named in errors about the sequence. */
  readonly file?: string;
}

export class RequestLoader {
  constructor(private readonly o: RequestLoaderOptions) {
    if (o.seed === undefined && !o.entropy) {
      throw new MigflowError('RequestLoader needs a seed or an entropy source — fix: pass seed or entropy');
    }
  }

  /** One batch for the agent at enum index `agent`, covering [startS, startS + numSteps·interval). */
  generate(agent: number, startS = 0, turn = 0): ArrivalBatch {
    const o = this.o;
    const name = o.agents[agent];
    if (name === undefined) throw new MigflowError(`no agent at enum index ${agent}`);
    // With a seed both streams start from the same value; without one each gets fresh entropy (drawn before the
    // shared stream is reseeded, so an entropy source that reads that stream sees it unchanged).
    const seed = o.seed !== undefined ? agentSeed(o.seed, agent) : o.entropy!();
    const shuffleSeed = o.seed !== undefined ? seed : o.entropy!();
    const rng = o.rng;
    rng.seed(seed);
    const n = o.itemCounts[agent] ?? 0;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    (o.shuffleRng ?? cpythonWorkloadRng)(shuffleSeed).shuffle(order);

    let times = new Float64Array(4096);
    let items = new Int32Array(4096);
    let count = 0;
    const phases: WorkloadPhase[] = [];
    const maxS = startS + o.numSteps * o.actionIntervalS;
    const sequence = o.workloadSequence && o.workloadSequence.length > 0 ? o.workloadSequence : undefined;
    let sequenceIdx = 0;
    let t = startS;
    while (t < maxS) {
      let pattern: PatternName;
      if (sequence) {
        const at = sequenceIdx % sequence.length;
        const item = sequence[at]!;
        const p = typeof item === 'string' ? item : item[name];
        if (!p) {
          throw new ConfigError(
            o.file ?? 'workload_sequence',
            `workload_sequence[${at}]`,
            `no pattern for ${name}`,
            `add "${name}: <pattern>" to this item or make it a plain pattern name`,
          );
        }
        pattern = p;
        sequenceIdx++;
      } else {
        pattern = WORKLOAD_PATTERNS[rng.choiceIndex(WORKLOAD_PATTERNS.length)]!;
      }
      const [minRate, maxRate] = o.ranges.ratePerS(pattern, name);
      const [minDur, maxDur] = o.ranges.durationS(pattern);
      const phaseStartS = t;
      const phaseEndS = t + rng.uniform(minDur, maxDur);
      let rateSum = 0;
      let draws = 0;
      if (drawsArrivalRuns(rng)) {
        // The same loop as below, run by the stream's kernel a buffer of arrivals at a time.
        rng.arrivalRateSum[0] = 0;
        rng.arrivalRateDraws[0] = 0;
        const run = rng.runDraws;
        for (;;) {
          const k = rng.arrivalRun(minRate, maxRate, t, phaseEndS, maxS, run.length);
          t = rng.runClockS[0]!;
          while (count + k > times.length) ({ times, items } = grown(times, items));
          times.set(run.subarray(0, k), count);
          for (let i = 0; i < k; i++, count++) items[count] = n === 0 ? 0 : order[count % n]!;
          if (k < run.length) break;
        }
        rateSum = rng.arrivalRateSum[0]!;
        draws = rng.arrivalRateDraws[0]!;
      } else {
        while (t < phaseEndS && t < maxS) {
          const rate = rng.uniform(minRate, maxRate);
          rateSum += rate;
          draws++;
          t += rng.expovariate(rate);
          if (t >= maxS) break;
          if (count === times.length) ({ times, items } = grown(times, items));
          times[count] = t;
          items[count] = n === 0 ? 0 : order[count % n]!;
          count++;
        }
      }
      phases.push({
        pattern,
        startS: phaseStartS,
        durationS: t - phaseStartS,
        avgRatePerS: draws ? rateSum / draws : 0,
      });
    }
    return {
      agent,
      turn,
      seed,
      arrivalTimesS: times.slice(0, count),
      itemIndices: items.slice(0, count),
      phases,
    };
  }
}
