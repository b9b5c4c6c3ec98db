/**
 * Profiling and fit activities.
 * - `profileEngine` (GPU queue): one (model, MIG profile): engine container on the slice, KV-cache size from its log,
 *   timed restart, prefill + concurrency sweeps; heartbeats after every step with the finished sweep levels, and a
 *   retry resumes from those details. Cached on the plan, the engine, the target and the model's vLLM config.
 * - `fitProfiles` (main queue): the two fits on one profiling result, cached on the bench JSONs' content.
 * - `writeBackProfiles` (main queue): every fit into simulation_config.yaml in one atomic, idempotent write.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import Docker from 'dockerode';
import { execa } from 'execa';
import { parse } from 'yaml';
import {
  emulatorEnv,
  type FitResult,
  ProfiledEntry,
  ProfileEngineInput,
  type ProfileEngineResult,
  type WriteBackResult,
} from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { parseConfig, readConfigText } from '../core/config/load.js';
import { EngineContainers } from '../core/deploy/engine-containers.js';
import { vllmEngineSpec, vllmImageFromCompose } from '../core/deploy/vllm-engine.js';
import { ConfigError } from '../core/errors.js';
import { PROJECT_ROOT } from '../core/paths.js';
import { benchFilesIn } from '../core/profiling/fit.js';
import type { FitProcessArgs, FitProcessResult } from '../core/profiling/fit-process.js';
import { datasetNameOf, generateOutputName } from '../core/profiling/generate.js';
import { parseKvCacheLog } from '../core/profiling/kv-cache-log.js';
import { type ProfileProgress, profileEngineRun } from '../core/profiling/profile-engine.js';
import { defaultConcurrencyPlan, defaultPrefillPlan } from '../core/profiling/sweeps.js';
import { agentsServing, type ProfileMeasurement, writeBackProfiles } from '../core/profiling/writeback.js';
import { bundledEntryArgv, bundledEntrySourceDigest } from '../core/util/bundled-entry.js';
import { freePort } from '../core/util/free-port.js';
import { buildVllmEmulatorImage } from '../emulators/vllm-emulator-image.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

/** Bump when profiling would measure differently for the same inputs. */
const PROFILE_CODE_VERSION = 'profile-1';
/**
 * Bump when the activity's own handling of the fits changes what is published; the fit process's code enters the
 * key by its digest, so a change there misses the cache without a bump.
 */
const FIT_CODE_VERSION = 'fit-1';

interface ModelEntry {
  vllmConfigFile: string;
  kvPerTokenKb: number;
  servedModel: string;
}

/** The model's registry entry in simulation_config.yaml and the served name from its vLLM config. */
function modelEntry(simulationConfig: string, model: string): ModelEntry {
  const doc = parse(readConfigText(simulationConfig)) as {
    model?: Record<string, { vllm_config?: unknown; kv_per_token_KB?: unknown }>;
  } | null;
  const entry = doc?.model?.[model];
  if (!entry) {
    throw new ConfigError(
      simulationConfig,
      `model.${model}`,
      'not in the model registry',
      `profile one of: ${Object.keys(doc?.model ?? {}).join(', ')}, or add it under model:`,
    );
  }
  if (typeof entry.vllm_config !== 'string' || typeof entry.kv_per_token_KB !== 'number') {
    throw new ConfigError(
      simulationConfig,
      `model.${model}`,
      'needs vllm_config (a path) and kv_per_token_KB (a number)',
      'fill in both',
    );
  }
  const vllmConfigFile = resolveFrom(PROJECT_ROOT, entry.vllm_config);
  const vllm = parse(readConfigText(vllmConfigFile)) as { model?: unknown } | null;
  if (typeof vllm?.model !== 'string') {
    throw new ConfigError(
      vllmConfigFile,
      'model',
      'missing',
      'set model: to the Hugging Face id vLLM serves',
    );
  }
  return { vllmConfigFile, kvPerTokenKb: entry.kv_per_token_KB, servedModel: vllm.model };
}

const FIT_PROCESS = fileURLToPath(new URL('../core/profiling/fit-process.ts', import.meta.url));

/** Runs both fits in a child process (seconds of CPU for a full sweep's figures); cancellation kills it. */
async function runFitProcess(args: FitProcessArgs, childEnv: Readonly<Record<string, string>>) {
  const ctx = Context.current();
  // Heartbeats carry cancellation to this activity while the child works.
  const beat = setInterval(() => ctx.heartbeat({ fitting: args.prefillFile }), 2_000);
  const child = await execa(process.execPath, await bundledEntryArgv(FIT_PROCESS, [JSON.stringify(args)]), {
    cancelSignal: ctx.cancellationSignal,
    env: { ...process.env, ...childEnv },
    reject: false,
  }).finally(() => clearInterval(beat));
  if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  const out = JSON.parse(last || '{}') as Partial<FitProcessResult> & {
    error?: { name: string; message: string; userFixable: boolean };
  };
  if (out.error) {
    throw ApplicationFailure.create({
      message: out.error.message,
      type: out.error.name,
      nonRetryable: out.error.userFixable,
    });
  }
  if (!out.prefill || !out.tpot) {
    throw new Error(
      `fit process exited ${child.exitCode} without a result: ${String(child.stderr).slice(-2000)}`,
    );
  }
  return { prefill: out.prefill, tpot: out.tpot };
}

/** A path inside the project as the configs write them (relative to the project root); others stay absolute. */
function projectRelative(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** `20260101-000000` from a time, as the reference names its files (UTC, so every worker agrees). */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function createProfilingActivities(deps: ActivityDeps) {
  // One Docker client per worker, made on first use (workers without profiling work never touch Docker).
  let docker: Docker | undefined;
  const dockerClient = (): Docker => {
    docker ??= new Docker();
    return docker;
  };

  return {
    async profileEngine(raw: ProfileEngineInput): Promise<ProfileEngineResult> {
      return withFailures(async () => {
        const input = parseConfig('profileEngine input', raw, ProfileEngineInput);
        const started = Date.now();
        const ctx = Context.current();
        const { target, plan, engine } = input;
        const simulationConfig = resolveFrom(deps.projectRoot, input.simulationConfig);
        const m = modelEntry(simulationConfig, target.model);
        const generateDataset = target.generateDataset
          ? resolveFrom(deps.projectRoot, target.generateDataset)
          : undefined;
        if (generateDataset && !existsSync(generateDataset)) {
          throw new ConfigError(
            'profileEngine input',
            'target.generateDataset',
            `${generateDataset} does not exist`,
            'pass a prepared dataset JSONL (DatasetWorkflow output), or leave generateDataset out',
          );
        }
        const emulated = target.emulated ?? engine.emulated;
        if (!emulated && !target.migUuid) {
          throw new ConfigError(
            'profileEngine input',
            'target.migUuid',
            `no MIG UUID for GPU ${target.gpu} ${target.profile}`,
            'pass the slice UUID (nvidia-smi -L lists MIG-… ids), or engine.emulated to profile the emulator',
          );
        }
        // With emulated hardware the emulator image is (re)built first, so its content id keys the cache.
        const image =
          engine.image ??
          (emulated
            ? (await buildVllmEmulatorImage(dockerClient())).tag
            : vllmImageFromCompose(join(PROJECT_ROOT, 'docker-compose.yaml')));
        const imageId = emulated ? (await dockerClient().getImage(image).inspect()).Id : image;
        const request = {
          stage: 'profiling',
          codeVersion: PROFILE_CODE_VERSION,
          inputs: {
            model: target.model,
            servedModel: m.servedModel,
            kvPerTokenKb: m.kvPerTokenKb,
            profile: target.profile,
            gpuModel: input.gpuModel,
            migUuid: target.migUuid ?? null,
            plan,
            image: imageId,
            emulated: emulated ?? null,
          },
          inputFiles: [m.vllmConfigFile, ...(generateDataset ? [generateDataset] : [])],
        };
        const { key } = await deps.cache.key(request);
        // Finished levels survive a crash here (the cache's build dir is private to one attempt).
        const workDir = join(deps.cache.root, 'profiling-work', key);
        const entry = await deps.cache.run(request, async (outDir) => {
          const resume = ctx.info.heartbeatDetails as ProfileProgress | undefined;
          const ts = stamp(ctx.info.scheduledTimestampMs);
          const prefillPlan = defaultPrefillPlan({
            modelId: m.servedModel,
            migName: target.profile,
            resultDir: join(workDir, 'prefill'),
            timestamp: ts,
            numPrompts: plan.prefill.numPrompts,
            requestRate: plan.prefill.requestRate,
            inputLen: plan.prefill.inputLen,
            rangeRatio: plan.prefill.rangeRatio,
            seed: plan.seed,
          });
          const promptsPerLevel = plan.concurrency.promptsPerLevel;
          const concurrencyPlan = defaultConcurrencyPlan({
            modelId: m.servedModel,
            resultDir: join(workDir, 'tpot'),
            timestamp: ts,
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
            owner: `profile-${input.runId}`.slice(0, 80),
            slot: `gpu${target.gpu}-${target.profile}`,
            image,
            modelConfigFile: m.vllmConfigFile,
            port,
            deviceUuid: target.migUuid ?? `MIG-emulated-gpu${target.gpu}-${target.profile}`,
            requestGpu: !emulated,
            // The emulator downloads nothing: keep the user's cache out of it.
            ...(emulated ? { hostCacheDir: null } : {}),
            env: emulated ? emulatorEnv({ ...emulated, kvPerTokenKb: m.kvPerTokenKb }) : {},
          });
          let last: ProfileProgress = resume ?? { phase: 'start', completedLevels: [] };
          const beat = setInterval(() => ctx.heartbeat(last), 5_000);
          try {
            const r = await profileEngineRun({
              engines: new EngineContainers(dockerClient()),
              spec,
              servedModel: m.servedModel,
              prefillPlan,
              concurrencyPlan,
              readKvCache: (log) => parseKvCacheLog(log, { kvPerTokenKb: m.kvPerTokenKb }),
              healthTimeoutMs: engine.healthTimeoutS * 1000,
              engineLogFile: join(outDir, 'engine.log'),
              ...(generateDataset
                ? {
                    generate: {
                      datasetFile: generateDataset,
                      outFile: join(
                        workDir,
                        'generated',
                        generateOutputName(
                          m.servedModel,
                          // The port is picked per attempt; the name must stay the same for a retry to resume.
                          target.port ?? `gpu${target.gpu}-${target.profile}`,
                          datasetNameOf(generateDataset),
                        ),
                      ),
                    },
                  }
                : {}),
              ...(resume ? { resume } : {}),
              onProgress: (p) => {
                last = p;
                ctx.heartbeat(p);
              },
              signal: ctx.cancellationSignal,
              log: (line) => ctx.log.info(line),
            });
            mkdirSync(join(outDir, 'prefill'));
            mkdirSync(join(outDir, 'tpot'));
            for (const f of r.prefillFiles) copyFileSync(f, join(outDir, 'prefill', basename(f)));
            for (const f of r.concurrencyFiles) copyFileSync(f, join(outDir, 'tpot', basename(f)));
            if (r.generated) {
              mkdirSync(join(outDir, 'generated'));
              copyFileSync(r.generated.file, join(outDir, 'generated', basename(r.generated.file)));
            }
            return {
              kvCacheGb: r.kvCacheGb,
              kvCacheTokens: r.kvCacheTokens,
              restartTimeS: r.restartTimeS,
              prefillFile: basename(r.prefillFiles[0]!),
              generatedFile: r.generated ? basename(r.generated.file) : null,
            };
          } finally {
            clearInterval(beat);
          }
        });
        rmSync(workDir, { recursive: true, force: true });
        const s = entry.manifest.summary;
        return {
          runId: input.runId,
          model: target.model,
          profile: target.profile,
          gpu: target.gpu,
          gpuModel: input.gpuModel,
          ...(target.agents ? { agents: target.agents } : {}),
          cacheKey: entry.key,
          hit: entry.hit,
          dir: entry.dir,
          prefillFile: join(entry.dir, 'prefill', s.prefillFile),
          tpotDir: join(entry.dir, 'tpot'),
          kvCacheGb: s.kvCacheGb,
          kvCacheTokens: s.kvCacheTokens,
          restartTimeS: s.restartTimeS,
          ...(s.generatedFile ? { generatePath: join(entry.dir, 'generated', s.generatedFile) } : {}),
          durationMs: Date.now() - started,
        };
      });
    },

    async fitProfiles(raw: { profile: ProfiledEntry; includeFailed: boolean }): Promise<FitResult> {
      return withFailures(async () => {
        const p = parseConfig('fitProfiles input', raw.profile, ProfiledEntry);
        const includeFailed = raw.includeFailed === true;
        const prefillFile = resolveFrom(deps.projectRoot, p.prefillFile);
        const tpotDir = resolveFrom(deps.projectRoot, p.tpotDir);
        const entry = await deps.cache.run(
          {
            stage: 'fit',
            codeVersion: `${FIT_CODE_VERSION}+${await bundledEntrySourceDigest(FIT_PROCESS)}`,
            inputs: { includeFailed },
            inputFiles: [prefillFile, ...benchFilesIn(tpotDir)],
          },
          async (outDir) => {
            const { prefill: pre, tpot } = await runFitProcess(
              { prefillFile, tpotDir, outDir, includeFailed },
              deps.childEnv,
            );
            return {
              prefill: {
                alpha: pre.alpha,
                beta: pre.beta,
                sigma: pre.sigma,
                r_squared: pre.r_squared,
                samples: pre.sample_size_requests,
                droppedFailed: pre.dropped_failed,
              },
              tpot: {
                alpha: tpot.alpha,
                beta: tpot.beta,
                sigma: tpot.sigma,
                r_squared: tpot.r_squared,
                samples: tpot.sample_size_requests,
              },
              prefillParamFile: basename(pre.paramFile),
              tpotParamFile: basename(tpot.paramFile),
            };
          },
        );
        const s = entry.manifest.summary;
        return {
          model: p.model,
          profile: p.profile,
          gpuModel: p.gpuModel,
          cacheKey: entry.key,
          hit: entry.hit,
          dir: entry.dir,
          prefill: s.prefill,
          tpot: s.tpot,
          prefillParamFile: join(entry.dir, s.prefillParamFile),
          tpotParamFile: join(entry.dir, s.tpotParamFile),
        };
      });
    },

    async writeBackProfiles(raw: {
      simulationConfig: string;
      entries: { profile: ProfiledEntry; fit: FitResult }[];
    }): Promise<WriteBackResult> {
      return withFailures(async () => {
        const file = resolveFrom(deps.projectRoot, raw.simulationConfig);
        const measurements: ProfileMeasurement[] = [];
        const written: string[] = [];
        for (const { profile: rawProfile, fit } of raw.entries) {
          const p = parseConfig('writeBackProfiles input', rawProfile, ProfiledEntry);
          const agents = p.agents ?? agentsServing(file, p.gpuModel, p.profile, p.model);
          if (agents.length === 0) {
            throw new ConfigError(
              file,
              `simulation.agents.*.${p.gpuModel}.mig.${p.profile}`,
              `no agent's entry serves ${p.model} on ${p.gpuModel} ${p.profile}`,
              'name the agents in the profiling target (agents: [...]) or set model: in the entry',
            );
          }
          for (const agent of agents) {
            measurements.push({
              agent,
              gpuModel: p.gpuModel,
              profile: p.profile,
              model: p.model,
              prefill: { alpha: fit.prefill.alpha, beta: fit.prefill.beta, sigma: fit.prefill.sigma },
              tpot: { alpha: fit.tpot.alpha, beta: fit.tpot.beta, sigma: fit.tpot.sigma },
              kvCacheGb: p.kvCacheGb,
              restartTimeS: p.restartTimeS,
              ...(p.generatePath ? { generatePath: projectRelative(p.generatePath) } : {}),
            });
            written.push(`${agent}.${p.gpuModel}.${p.profile}`);
          }
        }
        const { changed } = writeBackProfiles(file, measurements);
        return { file, changed, entries: written };
      });
    },
  };
}
