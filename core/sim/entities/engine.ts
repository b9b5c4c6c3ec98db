/**
 * One vLLM engine on one MIG instance, as plain state: its profile and place on the GPU, the parameters
 * of its current owner's model, its own clock (which runs ahead of the global clock), status, queues and
 * a stored shutdown plan. Behaviour lives in `engine-step.ts` and the event handlers.
 */
import { EngineStatus, RequestState } from '../constants.js';
import type { EngineProfileParams, HardwareProfile, TokenTable } from '../ports.js';
import type { ShutdownPlan } from '../reconfig-plan.js';
import { DecodeBatch } from './decode-batch.js';
import type { SimRequest } from './request.js';
import { RequestFifo } from './request-fifo.js';

export class SimEngine {
  owner: number;
  migIndex: number;
  model = '';
  maxBatchedTokens = 0;
  kvCapacityTokens = 0;
  restartTimeS = 0;
  prefillAlpha = 0;
  prefillBeta = 0;
  prefillSigma = 0;
  tpotAlpha = 0;
  tpotBeta = 0;
  tpotSigma = 0;
  tokens: TokenTable = { promptTokens: [], completionTokens: [] };

  clockS: number;
  /**
   * Where the current step stops: the owner's next arrival or trigger (+∞ for none). Set by `stepEngine` for the
   * duration of one step; a field so that the step's loop gets it without a boxed argument.
   */
  stopS = Number.POSITIVE_INFINITY;
  status: EngineStatus = EngineStatus.Active;
  readonly waiting = new RequestFifo();
  /** Requests still being prefilled, in admission order. */
  prefilling: SimRequest[] = [];
  /**
   * Requests producing tokens. During a run their `generatedTokens` and `decodeTimeS` live in `batch` and are
   * written back to the objects before the simulator returns; appending here from outside is picked up.
   */
  decoding: SimRequest[] = [];
  readonly batch = new DecodeBatch();
  /** Σ(prompt + completion) over running requests: what KV admission compares with capacity. */
  reservedKvTokens = 0;
  /** Above 0 when a running request has generated all its tokens (or needs none): the step ends and completes them. */
  finishedCount = 0;
  shutdownPending: ShutdownPlan | null = null;
  /** False once the engine has been replaced by a split or merge. */
  alive = true;
  /**
   * What the metrics' last snapshot counted for this engine (its slot, waiting and running counts) and that
   * snapshot's number: lets a change to this one engine update its slot by the difference (metrics.ts).
   */
  snapEpoch = -1;
  snapSlot = 0;
  snapWaiting = 0;
  snapRunning = 0;

  constructor(
    /** Sequential within one simulator run; `name` is the human-readable id. */
    readonly id: number,
    readonly name: string,
    readonly gpu: number,
    readonly profile: HardwareProfile,
    readonly permanent: boolean,
    readonly unused: boolean,
    owner: number,
    migIndex: number,
    clockS: number,
  ) {
    this.owner = owner;
    this.migIndex = migIndex;
    this.clockS = clockS;
  }

  get logical(): number {
    return this.profile.logical;
  }

  get size(): number {
    return this.profile.size;
  }

  get runningCount(): number {
    return this.prefilling.length + this.decoding.length;
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.prefilling.length + this.decoding.length > 0;
  }

  /** Switches to an owner's model and parameters (creation and reallocation). */
  configure(owner: number, params: EngineProfileParams, tokens: TokenTable): void {
    this.owner = owner;
    this.model = params.model;
    this.maxBatchedTokens = params.maxBatchedTokens;
    this.kvCapacityTokens = params.kvCapacityTokens;
    this.restartTimeS = params.restartTimeS;
    this.prefillAlpha = params.prefill.alpha;
    this.prefillBeta = params.prefill.beta;
    this.prefillSigma = params.prefill.sigma;
    this.tpotAlpha = params.tpot.alpha;
    this.tpotBeta = params.tpot.beta;
    this.tpotSigma = params.tpot.sigma;
    this.tokens = tokens;
  }

  /**
   * Observed KV use: prefilled tokens of prefilling requests plus prompt + generated of decoding ones,
   * over capacity. Admission reserves more (the full completion); this is what the observation shows.
   */
  kvUtilization(): number {
    let used = 0;
    for (const r of this.prefilling) if (r.state === RequestState.Prefilling) used += r.prefilledTokens;
    for (const r of this.decoding) used += r.promptTokens + r.generatedTokens;
    return used / this.kvCapacityTokens;
  }
}
