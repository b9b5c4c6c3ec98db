/**
 * The profiling stage: one (model, MIG profile) — the engine container on the slice, the KV-cache size from its
 * log, a timed restart (down → up → /health), the prefill and concurrency sweeps, and optionally the replay of a
 * prepared dataset's prompts — published as the sweeps' vllm-bench JSON files and the engine log. Finished sweep
 * levels survive a crash in `workDir` and are skipped by a retry that passes the last progress as `resume`.
 *
 * The caller resolves what depends on where it runs: the model's registry entry (core/config's `profiledModel`),
 * the engine image and its content id (building the emulator image with emulated hardware).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  EMULATED_GPU_ACTIVITY_MOUNT,
  emulatedGpuActivityEnv,
  emulatorEnv,
  type ProfiledPower,
  type ProfilingTarget,
  type ResolvedEmulatedEngine,
  type ResolvedProfilingPlan,
} from '../../../contracts/index.js';
import type { CachedStage, StageContext } from '../../cache/index.js';
import type { ProfiledModel } from '../../config/index.js';
import { type EngineContainers, vllmEngineSpec } from '../../engines/index.js';
import {
  datasetNameOf,
  defaultConcurrencyPlan,
  defaultPrefillPlan,
  generateOutputName,
  type PowerReading,
  type ProfileProgress,
  parseKvCacheLog,
  profileEngineRun,
} from '../../profiling/index.js';
import { freePort, writeFileAtomic } from '../../util/index.js';

/** Bump when profiling would measure differently for the same inputs. */
const PROFILE_CODE_VERSION = 'profile-2';

export interface ProfilingInput {
  /** Names the run's containers (`profile-<runId>`). */
  readonly runId: string;
  readonly target: ProfilingTarget;
  readonly gpuModel: string;
  readonly plan: ResolvedProfilingPlan;
  readonly healthTimeoutS: number;
  readonly model: ProfiledModel;
  /** The engine image, and its content id where it is built locally (what the cache keys on). */
  readonly image: string;
  readonly imageId: string;
  /** Profile the vLLM emulator with this truth instead of a real vLLM on a MIG slice. */
  readonly emulated?: ResolvedEmulatedEngine;
  /** A prepared ShareGPT JSONL (absolute) whose prompts are replayed after the sweeps. */
  readonly generateDataset?: string;
}

export interface ProfilingContext extends StageContext<ProfileProgress> {
  readonly engines: EngineContainers;
  /** Where finished sweep levels are kept across attempts (the cache's build folder is private to one). */
  readonly workDir: string;
  /** `20260101-000000`: the result files' time stamp, the same for every attempt of one run. */
  readonly timestamp: string;
  /** The last progress of an earlier attempt: its finished levels are skipped. */
  readonly resume?: ProfileProgress;
  /**
   * Measure the board's power during the sweeps: `read` is one nvidia-smi power.draw reading of the profiled GPU,
   * watts or why there are none (readPowerDrawWithReason). With emulated hardware the slice is a MIG instance of the nvidia-smi emulator (`deviceUuid`), and the engine
   * reports its load into `activityDir` (mounted into the container) for the emulator's power.draw.
   */
  readonly power?: {
    readonly read: () => Promise<PowerReading>;
    readonly deviceUuid?: string;
    readonly activityDir?: string;
  };
}

/** Power readings every 2.5 s (an nvidia-smi call costs CPU that the latency measurements share), 2 idle ones first. */
const POWER_INTERVAL_MS = 2_500;
const POWER_IDLE_SAMPLES = 2;

/** What the cache manifest keeps: sizes, times and the files' names in the entry. */
export interface ProfilingSummary {
  readonly kvCacheGb: number;
  readonly kvCacheTokens: number | null;
  readonly restartTimeS: number;
  readonly prefillFile: string;
  readonly generatedFile: string | null;
  /** The power fit (samples in power-samples.json); absent in entries made before power was measured. */
  readonly power?: ProfiledPower;
}

export type { ProfileProgress } from '../../profiling/index.js';

export const profilingStage: CachedStage<
  ProfilingInput,
  ProfilingSummary,
  ProfileProgress,
  ProfilingContext
> = {
  name: 'profiling',

  async request(p) {
    return {
      stage: 'profiling',
      codeVersion: PROFILE_CODE_VERSION,
      inputs: {
        model: p.target.model,
        servedModel: p.model.servedModel,
        kvPerTokenKb: p.model.kvPerTokenKb,
        profile: p.target.profile,
        gpuModel: p.gpuModel,
        migUuid: p.target.migUuid ?? null,
        plan: p.plan,
        image: p.imageId,
        emulated: p.emulated ?? null,
      },
      inputFiles: [p.model.vllmConfigFile, ...(p.generateDataset ? [p.generateDataset] : [])],
    };
  },

  async run(p, outDir, ctx) {
    const { target, plan, model: m, emulated } = p;
    const prefillPlan = defaultPrefillPlan({
      modelId: m.servedModel,
      migName: target.profile,
      resultDir: join(ctx.workDir, 'prefill'),
      timestamp: ctx.timestamp,
      numPrompts: plan.prefill.numPrompts,
      requestRate: plan.prefill.requestRate,
      inputLen: plan.prefill.inputLen,
      rangeRatio: plan.prefill.rangeRatio,
      seed: plan.seed,
    });
    const promptsPerLevel = plan.concurrency.promptsPerLevel;
    const concurrencyPlan = defaultConcurrencyPlan({
      modelId: m.servedModel,
      resultDir: join(ctx.workDir, 'tpot'),
      timestamp: ctx.timestamp,
      levels: plan.concurrency.levels,
      ...(promptsPerLevel ? { promptsFor: () => promptsPerLevel } : {}),
      inputLen: plan.concurrency.inputLen,
      outputLen: plan.concurrency.outputLen,
      rangeRatio: plan.concurrency.rangeRatio,
      pauseBetweenLevelsMs: plan.concurrency.pauseBetweenLevelsMs,
      seed: plan.seed,
    });
    const port = target.port ?? (await freePort());
    const spec = vllmEngineSpec({
      owner: `profile-${p.runId}`.slice(0, 80),
      slot: `gpu${target.gpu}-${target.profile}`,
      image: p.image,
      modelConfigFile: m.vllmConfigFile,
      port,
      deviceUuid:
        target.migUuid ?? ctx.power?.deviceUuid ?? `MIG-emulated-gpu${target.gpu}-${target.profile}`,
      requestGpu: !emulated,
      // The emulator downloads nothing: keep the user's cache out of it.
      ...(emulated ? { hostCacheDir: null } : {}),
      env: {
        ...(emulated ? emulatorEnv({ ...emulated, kvPerTokenKb: m.kvPerTokenKb }) : {}),
        ...(emulated && ctx.power?.activityDir ? emulatedGpuActivityEnv() : {}),
      },
      ...(emulated && ctx.power?.activityDir
        ? { extraMounts: [{ hostPath: ctx.power.activityDir, containerPath: EMULATED_GPU_ACTIVITY_MOUNT }] }
        : {}),
    });
    const r = await profileEngineRun({
      engines: ctx.engines,
      spec,
      servedModel: m.servedModel,
      prefillPlan,
      concurrencyPlan,
      readKvCache: (log) => parseKvCacheLog(log, { kvPerTokenKb: m.kvPerTokenKb }),
      healthTimeoutMs: p.healthTimeoutS * 1000,
      engineLogFile: join(outDir, 'engine.log'),
      ...(p.generateDataset
        ? {
            generate: {
              datasetFile: p.generateDataset,
              outFile: join(
                ctx.workDir,
                'generated',
                generateOutputName(
                  m.servedModel,
                  // The port is picked per attempt; the name must stay the same for a retry to resume.
                  target.port ?? `gpu${target.gpu}-${target.profile}`,
                  datasetNameOf(p.generateDataset),
                ),
              ),
            },
          }
        : {}),
      ...(ctx.resume ? { resume: ctx.resume } : {}),
      ...(ctx.power
        ? { power: { read: ctx.power.read, intervalMs: POWER_INTERVAL_MS, idleSamples: POWER_IDLE_SAMPLES } }
        : {}),
      onProgress: (progress) => ctx.progress?.(progress),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.log ? { log: ctx.log } : {}),
    });
    mkdirSync(join(outDir, 'prefill'));
    mkdirSync(join(outDir, 'tpot'));
    for (const f of r.prefillFiles) copyFileSync(f, join(outDir, 'prefill', basename(f)));
    for (const f of r.concurrencyFiles) copyFileSync(f, join(outDir, 'tpot', basename(f)));
    if (r.generated) {
      mkdirSync(join(outDir, 'generated'));
      copyFileSync(r.generated.file, join(outDir, 'generated', basename(r.generated.file)));
    }
    if (r.power) writeFileAtomic(join(outDir, 'power-samples.json'), `${JSON.stringify(r.power.samples)}\n`);
    return {
      kvCacheGb: r.kvCacheGb,
      kvCacheTokens: r.kvCacheTokens,
      restartTimeS: r.restartTimeS,
      prefillFile: basename(r.prefillFiles[0]!),
      generatedFile: r.generated ? basename(r.generated.file) : null,
      ...(r.power ? { power: r.power.fit } : {}),
    };
  },
};
