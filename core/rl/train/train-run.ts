/**
 * `runTraining` behind its signature: configs (with overrides) → backend → MIG env → PPO trainer, with the run
 * directory's snapshots, logs, checkpoints, best pointer and training curve. See run-training.ts for the layout.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { checkpointSteps } from '../../../contracts/index.js';
import { readConfigText } from '../../config/load.js';
import { loadSimulationConfig } from '../../config/simulation.js';
import { loadTaskConfig } from '../../config/task.js';
import {
  checkTrainingCoversSimulation,
  parseTrainingConfig,
  type ResolvedTrainingConfig,
} from '../../config/training.js';
import { applyTrainingOverrides } from '../../config/training-overrides.js';
import { agentItemCounts, MigEnv, seededEnvRng } from '../../control/index.js';
import { ConfigError } from '../../errors.js';
import { actionName } from '../../mig/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { loadTokenTables, syntheticTokenTables, taskWorkload } from '../../workload/index.js';
import { describeBackend, selectTfBackend, type TfBackendInfo } from '../backend.js';
import { checkpointPath, writeCheckpoint } from '../checkpoint.js';
import { readCheckpoint } from '../checkpoint-format.js';
import { VEC_NORMALIZE_DEFAULTS } from '../normalizer.js';
import { SB3_PPO_DEFAULTS } from '../ppo.js';
import { constantSchedule, linearSchedule, steppedEntropySchedule } from '../schedule.js';
import {
  type EpisodeRecord,
  PpoTrainer,
  type TrainEnv,
  type TrainerConfig,
  type TrainerState,
  TrainingAbortedError,
  type UpdateRecord,
} from '../trainer.js';
import type { RunTrainingOptions, RunTrainingResult, TrainingProgress } from './run-training.js';
import { ScalarEventWriter } from './tensorboard-events.js';
import { renderTrainingCurve } from './training-curve.js';
import { updateScalars } from './training-scalars.js';

/** The reference's CheckpointCallback cadence (save_freq = 5120 env steps). */
export const DEFAULT_CHECKPOINT_EVERY_STEPS = 5120;

/** Env steps between two progress reports that carry no event. */
const PROGRESS_EVERY_STEPS = 16;

export interface LoadedTrainingConfig {
  readonly training: ResolvedTrainingConfig;
  /** The training YAML with the overrides applied: what the run uses and snapshots. */
  readonly yaml: string;
}

/** Reads the training YAML, applies dotted-path overrides and validates the result. */
export function loadTrainingConfigWithOverrides(
  file: string,
  overrides: Readonly<Record<string, unknown>> = {},
): LoadedTrainingConfig {
  const text = readConfigText(file, 'check the path; the default is configs/training_config.yaml');
  if (Object.keys(overrides).length === 0) return { training: parseTrainingConfig(file, text), yaml: text };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    // Let the regular parser produce its located message.
    parseTrainingConfig(file, text);
    throw err;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, '', 'expected a map at the top', 'see docs/configs.md');
  }
  const applied = applyTrainingOverrides(file, raw as Record<string, unknown>, overrides);
  const yaml = `# ${file} with overrides ${JSON.stringify(overrides)}\n${stringifyYaml(applied)}`;
  return { training: parseTrainingConfig(`${file} (with overrides)`, yaml), yaml };
}

/** The trainer's settings from a resolved training config (the reference's MaskablePPO arguments). */
export function trainerConfigFrom(
  training: ResolvedTrainingConfig,
  totalSteps: number,
  seed: number,
): TrainerConfig {
  const p = training.ppo;
  return {
    nSteps: p.nSteps,
    gamma: p.gamma,
    gaeLambda: p.gaeLambda,
    ppo: {
      nEpochs: p.nEpochs,
      batchSize: p.batchSize,
      clipRange: p.clipRange,
      // The reference passes clip_range as clip_range_vf too.
      clipRangeVf: p.clipRange,
      ...SB3_PPO_DEFAULTS,
    },
    learningRate: p.lrMax === p.lrMin ? constantSchedule(p.lrMax) : linearSchedule(p.lrMax, p.lrMin),
    entCoef: p.entCoefSchedule
      ? steppedEntropySchedule(p.maxEntCoef, p.minEntCoef)
      : constantSchedule(p.entCoef),
    netArch: p.netArch,
    ...(training.sb3Norm ? { normalizer: VEC_NORMALIZE_DEFAULTS } : {}),
    totalSteps,
    seed,
  };
}

/** Seed of the env stream for the `resetIndex`-th episode of a run: every episode's draws depend only on these. */
export function episodeSeed(runSeed: number, resetIndex: number): bigint {
  return BigInt(runSeed) * 1_000_003n + BigInt(resetIndex);
}

function readJsonl<T extends { steps: number }>(file: string, upToSteps: number): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T)
    .filter((r) => r.steps <= upToSteps);
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

interface RunMeta {
  runId: string;
  trainingConfig: string;
  simulationConfig: string;
  overrides: Readonly<Record<string, unknown>>;
  /** The task file whose traffic the episodes draw from; null = the training config's patterns. */
  task: string | null;
  seed: number;
  totalSteps: number;
  checkpointEverySteps: number;
  backend?: TfBackendInfo;
  starts: { at: string; resumedFrom: string | null; steps: number; backend: string }[];
  finished?: { at: string; steps: number; episodes: number; finalCheckpoint: string; bestCheckpoint: string };
}

export async function trainInRunDir(o: RunTrainingOptions): Promise<RunTrainingResult> {
  const log = o.log ?? (() => {});
  const runDir = resolve(o.runDir);
  const { training, yaml } = loadTrainingConfigWithOverrides(o.trainingConfigPath, o.overrides);
  const simulation = loadSimulationConfig(o.simulationConfigPath);
  checkTrainingCoversSimulation(training, simulation);
  const seed = o.seed ?? 0;
  const totalSteps = o.totalSteps ?? training.totalTimesteps;
  const every = o.checkpointEverySteps ?? DEFAULT_CHECKPOINT_EVERY_STEPS;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new ConfigError(
      'options',
      'totalSteps',
      `is ${totalSteps}`,
      'give a positive whole number of env steps',
    );
  }
  if (!Number.isInteger(every) || every < 1) {
    throw new ConfigError(
      'options',
      'checkpointEverySteps',
      `is ${every}`,
      'give a positive whole number of env steps',
    );
  }
  const resume = o.resumeFrom ? readCheckpoint(o.resumeFrom) : undefined;
  const tokens = o.syntheticTokens ? syntheticTokenTables(seed) : loadTokenTables(simulation);

  const backend = await selectTfBackend();
  log(
    `tfjs backend: ${describeBackend(backend)}${backend.skipped.length ? ` (skipped: ${backend.skipped.join('; ')})` : ''}`,
  );

  const ckDir = join(runDir, 'checkpoints');
  const logsDir = join(runDir, 'logs');
  const stepLogDir = join(logsDir, 'train');
  mkdirSync(ckDir, { recursive: true });
  mkdirSync(stepLogDir, { recursive: true });
  writeFileAtomic(join(runDir, 'snapshots', 'training_config.yaml'), yaml);
  writeFileAtomic(
    join(runDir, 'snapshots', 'simulation_config.yaml'),
    readConfigText(o.simulationConfigPath, 'check the path'),
  );

  const rng = seededEnvRng(seed);
  // A task of the suite replaces the training config's patterns as the source of every episode's traffic.
  const task = o.task ? loadTaskConfig(o.task) : undefined;
  const env = new MigEnv({
    simulation,
    training,
    tokens,
    rng,
    ...(task
      ? {
          workload: taskWorkload({
            task,
            agents: simulation.agentsEnumOrder,
            itemCounts: agentItemCounts(simulation, tokens),
            rng,
            numSteps: training.ppo.episodeLength,
            actionIntervalS: training.actionIntervalS,
          }),
        }
      : {}),
  });
  const trainEnv: TrainEnv = {
    observationLength: env.observationLength,
    actionCount: env.actionCount,
    reset: (i) => {
      rng.seed(episodeSeed(seed, i));
      return env.reset();
    },
    actionMasks: () => env.actionMasks(),
    step: (a) => env.step(a),
  };

  const episodesFile = join(logsDir, 'episodes.jsonl');
  const updatesFile = join(logsDir, 'updates.jsonl');
  const resumedAt = resume?.meta.steps ?? 0;
  // Lines written after the checkpoint belong to a timeline that the resume replaces.
  const episodes: EpisodeRecord[] = resume ? readJsonl<EpisodeRecord>(episodesFile, resumedAt) : [];
  const updates: UpdateRecord[] = resume ? readJsonl<UpdateRecord>(updatesFile, resumedAt) : [];
  writeFileAtomic(episodesFile, jsonl(episodes));
  writeFileAtomic(updatesFile, jsonl(updates));
  // TensorBoard: a fresh event file per start, replaying the kept history (an older file may hold steps past the
  // checkpoint this run resumed from, so it goes).
  const tensorboardDir = join(runDir, 'tensorboard');
  rmSync(tensorboardDir, { recursive: true, force: true });
  const tensorboard = new ScalarEventWriter(tensorboardDir);
  for (const u of updates) tensorboard.write(updateScalars(u, episodes));

  const metaFile = join(runDir, 'run.json');
  const previous: RunMeta | undefined = existsSync(metaFile)
    ? (JSON.parse(readFileSync(metaFile, 'utf8')) as RunMeta)
    : undefined;
  const runMeta: RunMeta = {
    runId: basename(runDir),
    trainingConfig: o.trainingConfigPath,
    simulationConfig: o.simulationConfigPath,
    overrides: o.overrides ?? {},
    task: o.task ?? null,
    seed,
    totalSteps,
    checkpointEverySteps: every,
    backend,
    starts: [
      ...(previous?.starts ?? []),
      {
        at: new Date().toISOString(),
        resumedFrom: o.resumeFrom ?? null,
        steps: resumedAt,
        backend: backend.backend,
      },
    ],
  };
  writeFileAtomic(metaFile, `${JSON.stringify(runMeta, null, 2)}\n`);

  let lastCheckpoint: string | undefined = o.resumeFrom;
  const bestFile = join(ckDir, 'best.json');
  let best: { checkpoint: string; meanEpisodeReward: number } | undefined = existsSync(bestFile)
    ? (JSON.parse(readFileSync(bestFile, 'utf8')) as { checkpoint: string; meanEpisodeReward: number })
    : undefined;
  if (best && (checkpointSteps(best.checkpoint) ?? 0) > resumedAt) best = undefined;

  let stepLines: string[] = [];
  const stepLogs = o.stepLogs ?? true;
  const rewardNorm = training.normalization.arrivalRate;

  const trainer: PpoTrainer = new PpoTrainer(trainEnv, trainerConfigFrom(training, totalSteps, seed), {
    onStep: (s) => {
      if (stepLogs) {
        const sim = env.sim;
        const rates: Record<string, number> = {};
        const state: Record<string, string[]> = {};
        sim.agents.forEach((a, i) => {
          rates[a.name] = sim.metrics.arrivalRate(i, sim.nowS) / rewardNorm;
          state[a.name] = a.engines.map((e) => e.name);
        });
        stepLines.push(
          JSON.stringify({
            step: env.episodeStep - 1,
            action: actionName(simulation.agentCount, s.action),
            reward: s.reward,
            budget: sim.metrics.budgetS / training.budgetS,
            rates,
            state,
          }),
        );
        if (s.terminated) {
          writeFileAtomic(
            join(stepLogDir, `episode_${trainer.episodes + 1}.jsonl`),
            `${stepLines.join('\n')}\n`,
          );
          stepLines = [];
        }
      }
      if (s.steps % PROGRESS_EVERY_STEPS === 0) report();
    },
    onEpisode: (e) => {
      episodes.push(e);
      appendLine(episodesFile, e);
      report(e.reward);
    },
    onUpdate: (u) => {
      updates.push(u);
      appendLine(updatesFile, u);
      tensorboard.write(updateScalars(u, episodes));
      report();
    },
    checkpointDue: (steps) => steps % every === 0 || steps === totalSteps,
    saveCheckpoint: (state) => save(state, checkpointPath(ckDir, state.meta.steps)),
  });

  function appendLine(file: string, row: unknown): void {
    // Whole lines in one write; a crash can lose the last line, which the resume then rewrites.
    writeFileAtomic(file, `${readFileSync(file, 'utf8')}${JSON.stringify(row)}\n`);
  }

  function report(lastEpisodeReward?: number): void {
    const mean = trainer.meanRecentReward;
    const p: TrainingProgress = {
      steps: trainer.steps,
      totalSteps,
      episodes: trainer.episodes,
      ...(lastEpisodeReward !== undefined
        ? { lastEpisodeReward }
        : episodes.length
          ? { lastEpisodeReward: episodes.at(-1)!.reward }
          : {}),
      ...(Number.isFinite(mean) ? { meanEpisodeReward: mean } : {}),
      ...(lastCheckpoint ? { lastCheckpoint } : {}),
      backend: backend.backend,
      gpu: backend.gpu,
    };
    o.onProgress?.(p);
  }

  function save(state: TrainerState, target: string): string {
    writeCheckpoint(target, state, { trainingConfigYaml: yaml, backend: backend.backend });
    if (basename(target) !== 'final') {
      lastCheckpoint = target;
      const mean = trainer.meanRecentReward;
      if (Number.isFinite(mean) && (!best || mean > best.meanEpisodeReward)) {
        best = { checkpoint: target, meanEpisodeReward: mean };
        writeFileAtomic(bestFile, `${JSON.stringify(best, null, 2)}\n`);
      }
      log(`checkpoint ${target}`);
      report();
    }
    return target;
  }

  try {
    if (resume) {
      const m = resume.meta;
      const arch = training.ppo.netArch;
      if (
        m.obsSize !== env.observationLength ||
        m.actionCount !== env.actionCount ||
        JSON.stringify(m.netArch) !== JSON.stringify({ pi: arch.pi, vf: arch.vf }) ||
        Boolean(m.normalizer) !== training.sb3Norm
      ) {
        throw new ConfigError(
          o.resumeFrom!,
          'obsSize/actionCount/netArch/sb3_norm',
          `the checkpoint has ${m.obsSize} observations, ${m.actionCount} actions, net ${JSON.stringify(m.netArch)}, normaliser ${Boolean(m.normalizer)}; this config gives ${env.observationLength}, ${env.actionCount}, ${JSON.stringify(arch)}, ${training.sb3Norm}`,
          'resume with the configs the checkpoint was trained with (its run directory has them under snapshots/)',
        );
      }
      trainer.restoreState(m, resume.tensors);
      log(`resumed from ${o.resumeFrom} at step ${m.steps} of ${totalSteps}`);
    }
    report();
    await trainer.learn(o.signal);
    const state = trainer.exportState();
    if (!existsSync(checkpointPath(ckDir, trainer.steps))) save(state, checkpointPath(ckDir, trainer.steps));
    const finalCheckpoint = save(state, join(ckDir, 'final'));
    const bestCheckpoint = best?.checkpoint ?? finalCheckpoint;
    await renderCurve();
    const mean = trainer.meanRecentReward;
    runMeta.finished = {
      at: new Date().toISOString(),
      steps: trainer.steps,
      episodes: trainer.episodes,
      finalCheckpoint,
      bestCheckpoint,
    };
    writeFileAtomic(metaFile, `${JSON.stringify(runMeta, null, 2)}\n`);
    report();
    return {
      runDir,
      finalCheckpoint,
      bestCheckpoint,
      steps: trainer.steps,
      episodes: trainer.episodes,
      meanEpisodeReward: mean,
      backend: backend.backend,
      gpu: backend.gpu,
    };
  } catch (err) {
    if (err instanceof TrainingAbortedError) {
      await renderCurve().catch(() => {});
      report();
    }
    throw err;
  } finally {
    trainer.dispose();
  }

  async function renderCurve(): Promise<void> {
    await renderTrainingCurve(
      episodes,
      updates,
      `migflow training ${basename(runDir)} (${describeBackend(backend)})`,
      join(runDir, 'training-curve.png'),
    );
  }
}
