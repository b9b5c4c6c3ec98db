/**
 * run.json's `settings` and the resume check (core/stages/train/run-settings.ts) on real configs: what counts as
 * another run's settings, and what an older run.json without them is checked on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainingConfig } from '../../../core/config/index.js';
import { ConfigError } from '../../../core/errors.js';
import { refuseOtherSettings, runSettings } from '../../../core/stages/train/run-settings.js';

const TRAINING = 'configs/training_config.yaml';
const SIM = 'configs/simulation_config.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'migflow-run-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const settingsOf = (file: string, overrides: Record<string, unknown> = {}) =>
  runSettings({
    training: readTrainingConfig(file, overrides).training,
    simulationConfigPath: SIM,
    task: undefined,
    syntheticTokens: true,
    warmStart: undefined,
    benchConfigPath: 'configs/bench_config.yaml',
  });

const refusal = (f: () => void) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  return undefined;
};

describe('resume settings', () => {
  it('ignore the path, formatting and total_timesteps, and see content and overrides', async () => {
    const base = await settingsOf(TRAINING);
    // The same config elsewhere, with a comment, and a longer run: the same training.
    const copy = join(tmp, 'copy.yaml');
    writeFileSync(copy, `# a copy\n${readFileSync(TRAINING, 'utf8')}`);
    const moved = await settingsOf(copy, { 'training.total_timesteps': 12_345 });
    expect(moved).toEqual(base);
    const now = { seed: 0, overrides: { 'training.total_timesteps': 12_345 }, settings: moved };
    expect(
      refusal(() => refuseOtherSettings('run.json', { seed: 0, overrides: {}, settings: base }, now)),
    ).toBe(undefined);

    // Another value in the file under the same overrides.
    const edited = join(tmp, 'edited.yaml');
    writeFileSync(edited, readFileSync(TRAINING, 'utf8').replace(/(\bgamma:\s*)[\d.]+/, '$10.5'));
    const other = await settingsOf(edited);
    expect(other.trainingConfigSha256).not.toBe(base.trainingConfigSha256);
    expect(
      refusal(() =>
        refuseOtherSettings(
          'run.json',
          { seed: 0, settings: base },
          { seed: 0, overrides: {}, settings: other },
        ),
      ),
    ).toMatch(
      /^run\.json: settings: .*training config: the same overrides on another content \(sha256 \w{8} → \w{8}\)/,
    );

    // A simulation file with other content is named.
    const files = base.files.map((f, i) => (i === 1 ? { ...f, sha256: '0'.repeat(64) } : f));
    expect(
      refusal(() =>
        refuseOtherSettings(
          'run.json',
          { seed: 0, settings: base },
          { seed: 0, overrides: {}, settings: { ...base, files } },
        ),
      ),
    ).toContain(`simulation/task files: ${base.files[1]!.path} has other content`);
  });

  it('check a run.json from before settings on its seed only', async () => {
    const settings = await settingsOf(TRAINING, { 'training.PPO.gamma': 0.5 });
    const old = { seed: 3, overrides: {} };
    expect(refusal(() => refuseOtherSettings('run.json', old, { seed: 3, overrides: {}, settings }))).toBe(
      undefined,
    );
    expect(refusal(() => refuseOtherSettings('run.json', old, { seed: 4, overrides: {}, settings }))).toMatch(
      /seed 3 → 4 — fix: resume with the run's settings/,
    );
  });
});
