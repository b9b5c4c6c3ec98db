/**
 * One profiling run for one (model, MIG profile): start the engine container on its slice, read the KV-cache size
 * from its startup log, time a restart (down → up → /health answers), run the prefill sweep and the concurrency
 * sweep against it, and always remove the container. Progress (what is already measured, which sweep levels are
 * finished) is reported after every step and accepted back on a retry, so a resumed run redoes nothing finished.
 */
import type { EngineContainers, EngineSpec, RunningEngine } from '../engines/index.js';
import { MigflowError } from '../errors.js';
import { writeFileAtomic } from '../util/index.js';
import { runGenerate } from './generate.js';
import type { KvCacheReading } from './kv-cache-log.js';
import {
  fitPowerModel,
  type PowerFit,
  type PowerReading,
  type PowerSample,
  readWithUtilisation,
  samplePower,
  trackUtilisation,
} from './power.js';
import { measureRestartTime } from './restart-time.js';
import { runSweep, type SweepPlan } from './sweeps.js';

/** The resumable state of a profiling run (travels as heartbeat details: keep it small). */
export interface ProfileProgress {
  phase: 'start' | 'kv-cache' | 'restart' | 'prefill' | 'concurrency' | 'generate' | 'done';
  kvCacheGb?: number;
  kvCacheTokens?: number;
  restartTimeS?: number;
  /** Sweep level keys whose bench file is written. */
  completedLevels: string[];
}

export interface ProfileEngineRunOptions {
  engines: EngineContainers;
  spec: EngineSpec;
  /** Model name the server answers to (the vLLM config's `model:`). */
  servedModel: string;
  prefillPlan: SweepPlan;
  concurrencyPlan: SweepPlan;
  /** Reads the KV-cache size from the engine's startup log (undefined when no known line is there). */
  readKvCache: (log: string) => KvCacheReading | undefined;
  healthTimeoutMs: number;
  /** Where the engine's last log lines are saved (for the record, and for diagnosis). */
  engineLogFile: string;
  resume?: ProfileProgress;
  /** Replay a prepared dataset's prompts after the sweeps (the reference's profile-generate); resumes by itself. */
  generate?: { datasetFile: string; outFile: string };
  onProgress: (p: ProfileProgress) => void;
  /**
   * Reads the board's power.draw (W, or null with why: `[N/A]`, nvidia-smi's exit and message, a missing binary)
   * while the sweeps run; the samples, paired with the engine's utilisation, are fitted into the power model, and
   * when none had a value the fit says why. Absent: power is not measured.
   */
  power?: { read: () => Promise<PowerReading>; intervalMs: number; idleSamples: number };
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ProfileEngineRunResult {
  kvCacheGb: number;
  kvCacheTokens: number | null;
  restartTimeS: number;
  prefillFiles: string[];
  concurrencyFiles: string[];
  generated: { file: string; lines: number; errorRows: number } | null;
  /** The power fit and its samples (null when `power` was not given). */
  power: { fit: PowerFit; samples: PowerSample[] } | null;
}

export async function profileEngineRun(o: ProfileEngineRunOptions): Promise<ProfileEngineRunResult> {
  const log = o.log ?? (() => {});
  const p: ProfileProgress = {
    ...(o.resume ?? { phase: 'start' }),
    completedLevels: [...(o.resume?.completedLevels ?? [])],
  };
  const report = (phase: ProfileProgress['phase']) => {
    p.phase = phase;
    o.onProgress({ ...p, completedLevels: [...p.completedLevels] });
  };
  const start = () =>
    o.engines.start(o.spec, {
      healthTimeoutMs: o.healthTimeoutMs,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  let engine: RunningEngine | undefined;
  try {
    report('start');
    engine = await start();
    log(`engine ${engine.name} healthy at ${engine.baseUrl}`);
    if (p.kvCacheGb === undefined) {
      const kv = o.readKvCache(await o.engines.logs(engine.name, 2000));
      if (!kv) {
        throw new MigflowError(
          `engine ${engine.name}: no KV-cache size in its startup log ("Available KV cache memory: X GiB", "GPU KV cache size: N tokens" or "# GPU blocks: B") — fix: check that the image is vLLM (or the emulator) and logs at INFO level`,
        );
      }
      p.kvCacheGb = kv.kvCacheGb;
      if (kv.tokens !== undefined) p.kvCacheTokens = kv.tokens;
      log(`KV cache: ${kv.kvCacheGb} GiB from "${kv.line}"`);
      report('kv-cache');
    }
    if (p.restartTimeS === undefined) {
      // The reference's restart_time: down, up, and until the model is served (not just until the container runs).
      const running = engine;
      engine = undefined;
      const timing = await measureRestartTime(o.engines, running, {
        healthTimeoutMs: o.healthTimeoutMs,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      engine = timing.engine;
      p.restartTimeS = timing.restartTimeS;
      log(`restart (down → up → /health): ${p.restartTimeS.toFixed(2)} s`);
      report('restart');
    }
    const sweepOpts = (phase: 'prefill' | 'concurrency') => ({
      completedLevels: p.completedLevels,
      onLevelDone: (done: { key: string }) => {
        if (!p.completedLevels.includes(done.key)) p.completedLevels.push(done.key);
        report(phase);
      },
      log,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const baseUrl = engine.baseUrl;
    // Power is read during the sweeps of this attempt: a few idle readings first (the board with the engine
    // loaded and nothing to do), then readings under the sweeps' load. A resumed attempt measures what it runs.
    const utilisation = o.power ? trackUtilisation(baseUrl) : undefined;
    const sampler =
      o.power && utilisation
        ? samplePower(() => readWithUtilisation(o.power!.read, utilisation), o.power.intervalMs)
        : undefined;
    let prefillFiles: string[];
    let concurrencyFiles: string[];
    let power: ProfileEngineRunResult['power'] = null;
    try {
      while (sampler && sampler.samples().length < o.power!.idleSamples) {
        o.signal?.throwIfAborted();
        await new Promise((r) => setTimeout(r, 50));
      }
      prefillFiles = await runSweep(baseUrl, o.servedModel, o.prefillPlan, sweepOpts('prefill'));
      concurrencyFiles = await runSweep(baseUrl, o.servedModel, o.concurrencyPlan, sweepOpts('concurrency'));
    } finally {
      const samples = await sampler?.stop();
      await utilisation?.stop();
      if (samples) {
        power = { fit: fitPowerModel(samples), samples };
        log(
          power.fit.status === 'measured'
            ? `power: board idle ${power.fit.idleW.toFixed(1)} W, +${power.fit.dynamicW.toFixed(1)} W busy (${samples.length} samples)`
            : `power: ${power.fit.reason}`,
        );
      }
    }
    let generated: ProfileEngineRunResult['generated'] = null;
    if (o.generate) {
      report('generate');
      const g = await runGenerate({
        baseUrl: engine.baseUrl,
        model: o.servedModel,
        datasetFile: o.generate.datasetFile,
        outFile: o.generate.outFile,
        ...(o.signal ? { signal: o.signal } : {}),
        onProgress: () => report('generate'),
      });
      generated = { file: g.outFile, lines: g.linesWritten + g.rowsAlreadyDone, errorRows: g.errorRows };
      log(`generate: ${g.linesWritten} line(s) written, ${g.errorRows} error row(s) → ${g.outFile}`);
    }
    report('done');
    return {
      power,
      generated,
      kvCacheGb: p.kvCacheGb,
      kvCacheTokens: p.kvCacheTokens ?? null,
      restartTimeS: p.restartTimeS,
      prefillFiles,
      concurrencyFiles,
    };
  } finally {
    if (engine) {
      writeFileAtomic(o.engineLogFile, `${await o.engines.logs(engine.name, 5000)}\n`);
      await o.engines.remove(engine.name);
    }
  }
}
