/** `migflow run search`'s options → SearchWorkflow input, validated by the workflow's own schema. */
import { describe, expect, it } from 'vitest';
import { searchInput } from '../../../cli/commands/search.js';
import { SearchWorkflowInput } from '../../../contracts/index.js';

const defaults = {
  config: 'configs/search.yaml',
  study: 'ent-affinity',
  trainingConfig: 'configs/training_config.yaml',
  simConfig: 'configs/simulation_config.yaml',
  gpus: '0',
  seed: '0',
  heartbeatTimeout: '60',
  json: false,
};

describe('migflow run search', () => {
  it('maps its options onto a valid SearchWorkflow input', () => {
    const input = searchInput({
      ...defaults,
      gpus: '0, 1',
      trials: '16',
      steps: '204800',
      checkpointEvery: '5120',
      wallTime: '3600',
      set: ['training.PPO.n_steps=64'],
    });
    const parsed = SearchWorkflowInput.parse(input);
    expect(parsed).toMatchObject({
      study: 'ent-affinity',
      gpus: [0, 1],
      trials: 16,
      totalSteps: 204800,
      checkpointEverySteps: 5120,
      wallTimeS: 3600,
      overrides: { 'training.PPO.n_steps': 64 },
    });
    // Budget fields left out take the search config's values.
    expect(SearchWorkflowInput.parse(searchInput(defaults)).trials).toBeUndefined();
  });

  it('refuses a malformed number and a study name that is not a folder name', () => {
    expect(() => searchInput({ ...defaults, trials: 'many' })).toThrow(
      /--trials must be a non-negative integer/,
    );
    expect(() => SearchWorkflowInput.parse(searchInput({ ...defaults, study: '../x' }))).toThrow(/study/);
  });
});
