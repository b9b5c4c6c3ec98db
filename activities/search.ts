/**
 * SearchWorkflow's activities (queue `migflow`): `loadSearch` reads and checks the search config and the study
 * file, `suggestTrial` asks the sampler for the next trial's values (validated against the training config), and
 * `saveStudy` rewrites the study file and its run report beside it. The workflow cannot read files; these stay thin around core/search.
 */
import { dirname, join } from 'node:path';
import {
  definedFields,
  type LoadSearchArgs,
  type LoadSearchResult,
  type SaveStudyArgs,
  type SuggestTrialArgs,
  type SuggestTrialResult,
} from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { readTrainingConfig } from '../core/config/index.js';
import { searchRunReport, writeRunReport } from '../core/report/index.js';
import { loadSearchPlan, readStudy, suggestParams, writeStudy } from '../core/search/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

export function createSearchActivities(deps: ActivityDeps) {
  return {
    async loadSearch(a: LoadSearchArgs): Promise<LoadSearchResult> {
      return withFailures(async () => {
        const { searchConfig, trainingConfig, overrides, study, ...budget } = a;
        const plan = loadSearchPlan(resolveFrom(deps.projectRoot, searchConfig), {
          trainingConfig: resolveFrom(deps.projectRoot, trainingConfig),
          overrides,
          studyFile: join(deps.cache.root, 'search', study, 'study.json'),
          // trials, wallTimeS, totalSteps: the config's budget unless given.
          ...definedFields(budget),
        });
        return { plan, trials: readStudy(plan) };
      });
    },

    async suggestTrial(a: SuggestTrialArgs): Promise<SuggestTrialResult> {
      return withFailures(async () => {
        const next = suggestParams(a.plan, a.index, a.history);
        // A sampled value out of a field's range fails here, naming the trial, not hours later in its trainer.
        if (next)
          readTrainingConfig(resolveFrom(deps.projectRoot, a.trainingConfig), {
            ...a.overrides,
            ...next.params,
          });
        return next;
      });
    },

    async saveStudy(a: SaveStudyArgs): Promise<void> {
      return withFailures(async () => {
        writeStudy(a.plan, a.trials);
        // The study's report beside it (report.html, report.json), each file written atomically: as current as the study.
        writeRunReport(dirname(a.plan.studyFile), searchRunReport(a.plan, a.trials));
      });
    },
  };
}
