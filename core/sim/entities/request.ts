/**
 * A request's plain state through its life: pending in a waiting queue, prefilling, decoding, completed.
 * Token lengths are set at dispatch from the chosen engine's model, so the same request can have
 * different lengths on different engines. Unreached times hold UNSET_TIME.
 */
import { RequestState, UNSET_TIME } from '../constants.js';
import type { SimEngine } from './engine.js';

export class SimRequest {
  promptTokens = 0;
  completionTokens = 0;
  startTimeS = UNSET_TIME;
  firstTokenTimeS = UNSET_TIME;
  finishTimeS = UNSET_TIME;
  /** Sum of the durations of every iteration in which this request produced a token. */
  decodeTimeS = 0;
  prefilledTokens = 0;
  generatedTokens = 0;
  state: RequestState = RequestState.Pending;
  servingEngine: SimEngine | null = null;

  constructor(
    /** Sequential within one simulator run. */
    readonly id: number,
    readonly agent: number,
    readonly itemIndex: number,
    readonly arrivalTimeS: number,
  ) {}

  get finished(): boolean {
    return this.generatedTokens >= this.completionTokens;
  }

  get prefillComplete(): boolean {
    return this.prefilledTokens >= this.promptTokens;
  }

  get remainingPrefillTokens(): number {
    return this.promptTokens - this.prefilledTokens;
  }

  get hasFirstToken(): boolean {
    return this.firstTokenTimeS !== UNSET_TIME;
  }
}
