/**
 * The study file (artifacts/search/<study>/study.json): every trial's values, status, curve, rung values and
 * result, rewritten atomically after each change, so a search that is restarted resumes from it and a later search
 * with a larger budget extends it (finished trials are not run again).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { SearchPlan, SearchTrial } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/index.js';

interface StudyDocument {
  version: 1;
  spaceHash: string;
  space: SearchPlan['space'];
  sampler: SearchPlan['sampler'];
  pruner: SearchPlan['pruner'];
  maxSteps: number;
  trials: SearchTrial[];
}

/** The study's trials; none for a new study. A study made under another space, sampler or pruner is refused. */
export function readStudy(plan: SearchPlan): SearchTrial[] {
  if (!existsSync(plan.studyFile)) return [];
  let doc: StudyDocument;
  try {
    doc = JSON.parse(readFileSync(plan.studyFile, 'utf8')) as StudyDocument;
  } catch (err) {
    throw new ConfigError(
      plan.studyFile,
      '',
      `not a study file (${(err as Error).message})`,
      'remove it, or choose another study name',
      { cause: err },
    );
  }
  if (doc.spaceHash !== plan.spaceHash || doc.maxSteps !== plan.maxSteps) {
    throw new ConfigError(
      plan.studyFile,
      'spaceHash',
      'this study was run with another search space, sampler, pruner or trial length; its results would not compare',
      'give the search a new study name, or restore the search config it was started with',
    );
  }
  return doc.trials;
}

export function writeStudy(plan: SearchPlan, trials: readonly SearchTrial[]): void {
  const doc: StudyDocument = {
    version: 1,
    spaceHash: plan.spaceHash,
    space: plan.space,
    sampler: plan.sampler,
    pruner: plan.pruner,
    maxSteps: plan.maxSteps,
    trials: [...trials],
  };
  writeFileAtomic(plan.studyFile, `${JSON.stringify(doc, null, 1)}\n`);
}
