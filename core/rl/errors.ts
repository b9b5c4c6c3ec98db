/**
 * Errors of the learner. `TrainingDivergedError` stops a run as soon as a loss, a gradient or a weight stops being
 * finite: the update that produced it is not applied (or, for weights, not saved), so no checkpoint ever holds a
 * broken policy. It is user-fixable (retrying the same config diverges the same way).
 */
import { MigflowError } from '../errors.js';

export type DivergedQuantity = 'loss' | 'gradient' | 'weights';

export interface DivergenceContext {
  /** The PPO update (1-based, counting across resumes) in which it happened. */
  readonly update: number;
  /** Epoch and minibatch within it (1-based); absent for a check of the weights after the update. */
  readonly epoch?: number;
  readonly minibatch?: number;
  readonly quantity: DivergedQuantity;
  /** The offending values, e.g. `{ valueLoss: NaN, policyLoss: 0.01 }`. */
  readonly values: Readonly<Record<string, number>>;
  /** Env steps when it happened. */
  readonly steps: number;
}

const show = (v: Readonly<Record<string, number>>) =>
  Object.entries(v)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');

export class TrainingDivergedError extends MigflowError {
  override readonly userFixable = true;
  constructor(
    readonly context: DivergenceContext,
    /** What the caller knows about the likely cause (config values and the fields to change). */
    readonly hint: string,
  ) {
    const where =
      context.epoch === undefined
        ? `after PPO update ${context.update}`
        : `in PPO update ${context.update} (epoch ${context.epoch}, minibatch ${context.minibatch})`;
    super(
      `training diverged ${where} at env step ${context.steps}: the ${context.quantity} is not finite (${show(
        context.values,
      )}); training stopped and no checkpoint was written from these weights — fix: ${hint}`,
    );
  }
}

/** True when every value is a finite number. */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
