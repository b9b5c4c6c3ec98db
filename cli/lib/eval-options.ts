/**
 * The held-out evaluation flags of `migflow train`, `migflow run train` and `migflow run grid`: they become one
 * `training.evaluation` override (core/stages/train/evaluation.ts), so the workflows, the grid and the cache key see
 * them exactly as a training-config edit.
 */
import { type Command, Option } from 'commander';
import { positiveWhole, wholeNumber } from './options.js';

export interface EvaluationFlags {
  eval?: boolean;
  evalEpisodes?: number;
  evalDecisions?: number;
  evalSeed?: number;
  evalStart?: 'own' | 'common';
}

export function withEvaluationOptions(c: Command): Command {
  return c
    .option(
      '--eval',
      'evaluate every checkpoint on a held-out trace and pick best.json by that reward (training.evaluation)',
    )
    .option(
      '--eval-episodes <n>',
      'held-out episodes per evaluation (implies --eval; default 1)',
      positiveWhole,
    )
    .option(
      '--eval-decisions <n>',
      "decisions per held-out episode (implies --eval; default the bench config's benchmark_length)",
      positiveWhole,
    )
    .option(
      '--eval-seed <n>',
      "seed of the held-out trace (implies --eval; default the bench config's seed + 1)",
      wholeNumber,
    )
    .addOption(
      new Option(
        '--eval-start <rule>',
        'start rule of the held-out episodes, as migflow bench --start (implies --eval; default own)',
      ).choices(['own', 'common']),
    );
}

/** The flags as one `training.evaluation` section (replacing the config's own); none given = no override. */
export function evaluationOverride(o: EvaluationFlags): Record<string, unknown> {
  if (
    !o.eval &&
    o.evalEpisodes === undefined &&
    o.evalDecisions === undefined &&
    o.evalSeed === undefined &&
    o.evalStart === undefined
  ) {
    return {};
  }
  return {
    'training.evaluation': {
      ...(o.evalEpisodes === undefined ? {} : { episodes: o.evalEpisodes }),
      ...(o.evalDecisions === undefined ? {} : { decisions: o.evalDecisions }),
      ...(o.evalSeed === undefined ? {} : { seed: o.evalSeed }),
      ...(o.evalStart === undefined ? {} : { start: o.evalStart }),
    },
  };
}
