/**
 * What a training run trains with, as run.json records it (`settings`), and the check that a resume into the run's
 * own folder trains with the same: otherwise the folder's history (run.json, logs, checkpoints, best checkpoint)
 * would continue under other settings and the record would lie. Continuing a policy under other settings is a new
 * run in a folder of its own (a resume with --out elsewhere).
 *
 * Compared: the seed, the effective training config (file with overrides applied, resolved), the token source, the
 * warm start and its options, and the content of every file the cache key hashes for the run (simulation config,
 * task file and its bench config and overlay, the files the config refers to, token tables, the bench config a
 * teacher or evaluation reads). Not compared: the step budget (a resume may extend a run with more --steps: training
 * stops at the new total), the checkpoint cadence, step logs and the backend (run.json's `starts` records it):
 * none changes how the policy trains.
 */
import type { WarmStartTeacher } from '../../../contracts/index.js';
import { simulatedRunFiles } from '../../bench/index.js';
import { canonicalJson, sha256Hex } from '../../cache/index.js';
import type { ResolvedTask, ResolvedTrainingConfig } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { hashFile } from '../../util/index.js';

/** run.json's `settings`. */
export interface RunSettings {
  /** SHA-256 of the resolved training config (overrides applied; its path and total_timesteps left out). */
  trainingConfigSha256: string;
  syntheticTokens: boolean;
  /** The teacher cloned before PPO started, and its options; null = none. */
  warmStart: { teacher: WarmStartTeacher; steps: number; rounds: number } | null;
  /** The files the run reads, with their content hashes, in the cache key's order (content compared, not paths). */
  files: { path: string; sha256: string }[];
}

export interface RunSettingsInput {
  readonly training: ResolvedTrainingConfig;
  readonly simulationConfigPath: string;
  readonly task: ResolvedTask | undefined;
  readonly syntheticTokens: boolean;
  readonly warmStart: { teacher: WarmStartTeacher; steps: number; rounds: number } | undefined;
  /** The bench config a warm-start teacher or a held-out evaluation reads (a task brings its own). */
  readonly benchConfigPath: string;
}

/**
 * Every file a training run reads besides its training config, in one order: the simulated run's files (simulation
 * config, task file with its bench config and overlay, GPU and model files, token tables) and, when a warm start's
 * teacher or a held-out evaluation reads it, the bench config (a task brings its own). The train stage's cache key
 * and run.json's `settings` both hash this list, so a resume is refused exactly when the key would differ.
 */
export function trainingRunFiles(o: {
  readonly simulationConfigPath: string;
  readonly task: ResolvedTask | undefined;
  readonly syntheticTokens: boolean;
  readonly readsBenchConfig: boolean;
  readonly benchConfigPath: string;
}): string[] {
  const files = simulatedRunFiles(o.simulationConfigPath, {
    ...(o.task ? { task: o.task } : {}),
    tokenTables: !o.syntheticTokens,
  });
  return o.readsBenchConfig && !o.task ? [...files, o.benchConfigPath] : files;
}

/** The run's settings, its files hashed as the train stage's cache key hashes them (`trainingRunFiles`). */
export async function runSettings(i: RunSettingsInput): Promise<RunSettings> {
  const files = trainingRunFiles({
    ...i,
    readsBenchConfig: Boolean(i.warmStart || i.training.evaluation),
  });
  const hashed: RunSettings['files'] = [];
  for (const path of files) {
    const sha256 = await hashFile(path).then(
      (h) => h.sha256,
      (err: unknown) => {
        throw new ConfigError(path, '', `cannot read the file (${String(err)})`, 'check the path', {
          cause: err,
        });
      },
    );
    hashed.push({ path, sha256 });
  }
  // The resolved config, so a reformatted file or an override that restates the file's value is the same training.
  // The idle rate alone is left out: training reads it only with the clocks on, and then `timeFeatures` holds it
  // (a warm start from idle_merge needs them on); so a run hashes as before the field existed.
  const { file: _file, totalTimesteps: _total, idleRateReqS: _idleRate, ...training } = i.training;
  return {
    trainingConfigSha256: sha256Hex(canonicalJson(training)),
    syntheticTokens: i.syntheticTokens,
    warmStart: i.warmStart ?? null,
    files: hashed,
  };
}

/** What run.json holds of an earlier start (any of it may be missing in a file an older migflow wrote). */
export interface RecordedRun {
  seed?: number;
  overrides?: Readonly<Record<string, unknown>>;
  settings?: RunSettings;
}

const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'none';
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

/**
 * Refuses (ConfigError on run.json) a resume whose settings differ from those the run recorded, naming each
 * difference with the old and new value. A run.json written before `settings` existed is checked on its seed only
 * (it always recorded one) and then resumes as before: its first resume records the settings for the next.
 */
export function refuseOtherSettings(
  metaFile: string,
  was: RecordedRun,
  now: { seed: number; overrides: Readonly<Record<string, unknown>>; settings: RunSettings },
): void {
  const diffs: string[] = [];
  if (was.seed !== undefined && was.seed !== now.seed) diffs.push(`seed ${was.seed} → ${now.seed}`);
  const old = was.settings;
  if (old) {
    if (old.trainingConfigSha256 !== now.settings.trainingConfigSha256) {
      const before = was.overrides ?? {};
      const keys = [...new Set([...Object.keys(before), ...Object.keys(now.overrides)])].filter(
        (k) => canonicalJson(before[k]) !== canonicalJson(now.overrides[k]),
      );
      diffs.push(
        keys.length > 0
          ? `training config: ${keys.map((k) => `--set ${k} ${short(before[k])} → ${short(now.overrides[k])}`).join(', ')}`
          : `training config: the same overrides on another content (sha256 ${old.trainingConfigSha256.slice(0, 8)} → ${now.settings.trainingConfigSha256.slice(0, 8)})`,
      );
    }
    if (old.syntheticTokens !== now.settings.syntheticTokens) {
      diffs.push(`synthetic tokens ${old.syntheticTokens} → ${now.settings.syntheticTokens}`);
    }
    if (canonicalJson(old.warmStart) !== canonicalJson(now.settings.warmStart)) {
      diffs.push(`warm start ${short(old.warmStart)} → ${short(now.settings.warmStart)}`);
    }
    const oldFiles = canonicalJson(old.files.map((f) => f.sha256));
    if (oldFiles !== canonicalJson(now.settings.files.map((f) => f.sha256))) {
      const known = new Set(old.files.map((f) => f.sha256));
      const changed = now.settings.files.filter((f) => !known.has(f.sha256)).map((f) => f.path);
      const gone = old.files.filter((f) => !now.settings.files.some((n) => n.sha256 === f.sha256));
      diffs.push(
        `simulation/task files: ${[
          ...changed.map((p) => `${p} has other content`),
          ...gone.filter((f) => !changed.includes(f.path)).map((f) => `${f.path} no longer read`),
        ].join(', ')}`,
      );
    }
  }
  if (diffs.length === 0) return;
  throw new ConfigError(
    metaFile,
    'settings',
    `this resume would continue the run under other settings: ${diffs.join('; ')}`,
    "resume with the run's settings (the command printed at its stop repeats them), or resume into a new folder (--out) to continue the policy under other settings",
  );
}
