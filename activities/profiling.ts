/**
 * Profiling and fit activities (core/stages/profiling, core/stages/fit).
 * - `profileEngine` (GPU queue): one (model, MIG profile); heartbeats after every step with the finished sweep
 *   levels, and a retry resumes from those details. Cached on the plan, the engine, the target and the model's
 *   vLLM config. With emulated hardware the emulator image is (re)built first, so its content id keys the cache.
 * - `fitProfiles` (main queue): the two fits on one profiling result, cached on the bench JSONs' content.
 * - `writeBackProfiles` (main queue): every fit into simulation_config.yaml in one atomic, idempotent write.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import {
  type FitProfilesArgs,
  type FitResult,
  ProfiledEntry,
  ProfileEngineInput,
  type ProfileEngineResult,
  type WriteBackArgs,
  type WriteBackResult,
} from '../contracts/index.js';
import { RunMirror, resolveFrom, WORK_DIR } from '../core/cache/index.js';
import { parseConfig, profiledModel } from '../core/config/index.js';
import { EngineContainers, vllmImageFromCompose } from '../core/engines/index.js';
import { ConfigError } from '../core/errors.js';
import { PROJECT_ROOT } from '../core/paths.js';
import { fitStage, writeFits } from '../core/stages/fit/index.js';
import { type ProfileProgress, type ProfilingInput, profilingStage } from '../core/stages/profiling/index.js';
import { buildVllmEmulatorImage } from '../emulators/vllm-emulator-image.js';
import { entryFacts, parsedActivity } from './activity.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';
import { profilingPowerSource } from './profiling-power.js';

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
      return parsedActivity('profileEngine', ProfileEngineInput, raw, async (input, ctx, started) => {
        const { target, engine } = input;
        const simulationConfig = await deps.cache.localPath(
          resolveFrom(deps.projectRoot, input.simulationConfig),
        );
        requireInputFiles('profileEngine', { simulationConfig });
        const model = profiledModel(simulationConfig, target.model, (p) => resolveFrom(PROJECT_ROOT, p));
        const generateDataset = target.generateDataset
          ? await deps.cache.localPath(resolveFrom(deps.projectRoot, target.generateDataset))
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
        const emulatorImage =
          emulated && !engine.image ? await buildVllmEmulatorImage(dockerClient()) : undefined;
        const image =
          engine.image ??
          emulatorImage?.tag ??
          vllmImageFromCompose(join(PROJECT_ROOT, 'docker-compose.yaml'));
        // The cache key holds the emulator's content hash, not its image id: an id depends on which of two
        // concurrent imports won, and would make an identical re-run miss the cache.
        const imageId = emulatorImage
          ? `content:${emulatorImage.content}`
          : emulated
            ? (await dockerClient().getImage(image).inspect()).Id
            : image;
        const profiling: ProfilingInput = {
          runId: input.runId,
          target,
          gpuModel: input.gpuModel,
          plan: input.plan,
          healthTimeoutS: engine.healthTimeoutS,
          model,
          image,
          imageId,
          ...(emulated ? { emulated } : {}),
          ...(generateDataset ? { generateDataset } : {}),
        };
        const request = await profilingStage.request(profiling);
        const { key } = await deps.cache.key(request);
        // Finished levels survive a crash here (the cache's build dir is private to one attempt).
        const workDir = join(deps.cache.root, 'profiling-work', key);
        // With a shared store the finished levels are also uploaded as they complete, so a retry on another host
        // resumes from them (levels whose file is missing are simply measured again). The generated replay is
        // appended in place, so it stays out of the snapshots (it resumes by itself on the same host).
        const mirror = new RunMirror(deps.cache.remote, `profiling/${WORK_DIR}/${key}`, workDir, {
          // The emulated nvidia-smi's state and activity folder are made afresh by every attempt.
          exclude: ['generated', 'nvidia-smi.json', 'nvidia-smi.json.activity'],
          log: (line) => ctx.log.warn(line),
        });
        const entry = await deps.cache.run(request, async (outDir) => {
          let last: ProfileProgress = (ctx.info.heartbeatDetails as ProfileProgress | undefined) ?? {
            phase: 'start',
            completedLevels: [],
          };
          const beat = setInterval(() => ctx.heartbeat(last), 5_000);
          try {
            const resume = ctx.info.heartbeatDetails as ProfileProgress | undefined;
            await mirror.restore(existsSync(workDir) ? (resume?.completedLevels.length ?? 0) : undefined);
            const power = profilingPowerSource({
              emulated: Boolean(emulated),
              workDir,
              gpu: target.gpu,
              gpuModel: input.gpuModel,
              profile: target.profile,
            });
            return await profilingStage.run(profiling, outDir, {
              ...(power ? { power } : {}),
              engines: new EngineContainers(dockerClient()),
              workDir,
              timestamp: stamp(ctx.info.scheduledTimestampMs),
              ...(resume ? { resume } : {}),
              progress: (p) => {
                if (p.completedLevels.length > last.completedLevels.length)
                  mirror.snapshot(p.completedLevels.length);
                last = p;
                ctx.heartbeat(p);
              },
              signal: ctx.cancellationSignal,
              log: (line) => ctx.log.info(line),
            });
          } finally {
            clearInterval(beat);
          }
        });
        rmSync(workDir, { recursive: true, force: true });
        await mirror
          .discard()
          .catch((err) => ctx.log.warn(`profiling snapshots not removed: ${String(err)}`));
        const s = entry.manifest.summary;
        return {
          runId: input.runId,
          model: target.model,
          profile: target.profile,
          gpu: target.gpu,
          gpuModel: input.gpuModel,
          ...(target.agents ? { agents: target.agents } : {}),
          ...entryFacts(entry),
          prefillFile: join(entry.dir, 'prefill', s.prefillFile),
          tpotDir: join(entry.dir, 'tpot'),
          kvCacheGb: s.kvCacheGb,
          kvCacheTokens: s.kvCacheTokens,
          restartTimeS: s.restartTimeS,
          ...(s.generatedFile ? { generatePath: join(entry.dir, 'generated', s.generatedFile) } : {}),
          ...(s.power ? { power: s.power } : {}),
          durationMs: Date.now() - started,
        };
      });
    },

    async fitProfiles(raw: FitProfilesArgs): Promise<FitResult> {
      return parsedActivity('fitProfiles', ProfiledEntry, raw.profile, async (p, ctx) => {
        // The profiling entry was published by a GPU host: read it through the store.
        const input = {
          prefillFile: await deps.cache.localPath(resolveFrom(deps.projectRoot, p.prefillFile)),
          tpotDir: await deps.cache.localPath(resolveFrom(deps.projectRoot, p.tpotDir)),
          includeFailed: raw.includeFailed === true,
        };
        const entry = await deps.cache.run(await fitStage.request(input), (outDir) =>
          fitStage.run(input, outDir, {
            signal: ctx.cancellationSignal,
            // Heartbeats carry cancellation to this activity while the child works.
            heartbeat: () => ctx.heartbeat({ fitting: input.prefillFile }),
            env: deps.childEnv,
          }),
        );
        const s = entry.manifest.summary;
        return {
          model: p.model,
          profile: p.profile,
          gpuModel: p.gpuModel,
          ...entryFacts(entry),
          prefill: s.prefill,
          tpot: s.tpot,
          prefillParamFile: join(entry.dir, s.prefillParamFile),
          tpotParamFile: join(entry.dir, s.tpotParamFile),
        };
      });
    },

    async writeBackProfiles(raw: WriteBackArgs): Promise<WriteBackResult> {
      return withFailures(async () => {
        // This host's copy of the working config, up to date with the store (another orchestration host may have
        // prepared it); the path unchanged with the local folder.
        const target = await deps.cache.pullShared(resolveFrom(deps.projectRoot, raw.simulationConfig));
        const result = writeFits(
          target,
          raw.entries.map(({ profile, fit }) => ({
            profile: parseConfig('writeBackProfiles input', profile, ProfiledEntry),
            fit,
          })),
        );
        // GPU hosts read the working copy through the store (a no-op with the local folder).
        await deps.cache.share(target);
        return result;
      });
    },
  };
}
