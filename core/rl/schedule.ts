/**
 * Hyper-parameters that change during training, as functions of "progress remaining" (1 at the start, 0 at the
 * end), SB3's convention. The reference's learning rate decays linearly from lr_max to lr_min (constant with its
 * shipped config, both 5e-5) and its optional entropy schedule steps max → midpoint → min at 20 % and 60 %.
 */

/** progress remaining → value. */
export type Schedule = (progressRemaining: number) => number;

export const constantSchedule =
  (value: number): Schedule =>
  () =>
    value;

/** Linear from `start` (progress remaining 1) to `end` (0). */
export const linearSchedule =
  (start: number, end: number): Schedule =>
  (p) =>
    end + (start - end) * p;

/**
 * The reference's stepped entropy coefficient: `max` while progress (done) < 0.2, the midpoint of max and min
 * while progress < 0.6, `min` afterwards.
 */
export const steppedEntropySchedule =
  (max: number, min: number): Schedule =>
  (remaining) => {
    // progress < 0.2 ⟺ remaining > 0.8 and progress < 0.6 ⟺ remaining > 0.4, compared on `remaining` so the
    // boundaries are exact (1 − (1 − 0.2) is not 0.2 in floating point).
    if (remaining > 0.8) return max;
    return remaining > 0.4 ? (max + min) / 2 : min;
  };

/** Progress remaining after `steps` of `totalSteps`, clamped to [0, 1]. */
export function progressRemaining(steps: number, totalSteps: number): number {
  return Math.min(1, Math.max(0, 1 - steps / totalSteps));
}
