/**
 * ProfilingSweepWorkflow: one cached `profileEngine` per (model, MIG profile) target, each on its GPU's own task
 * queue (a GPU worker runs one at a time; different GPUs run in parallel).
 * FitWritebackWorkflow: one cached `fitProfiles` per profiling result, then a single `writeBackProfiles` that puts
 * every fitted value into simulation_config.yaml at once. The write-back is idempotent (an unchanged value is not
 * rewritten), so replays, retries and re-runs with the same inputs leave the file byte-identical.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import {
  FitWritebackInput,
  type FitWritebackResult,
  ProfilingSweepInput,
  type ProfilingSweepResult,
  Stage,
} from '../contracts/index.js';
import { type Activities, gpuTaskQueue, QUICK_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

export async function ProfilingSweepWorkflow(raw: ProfilingSweepInput): Promise<ProfilingSweepResult> {
  const s = validateInput('ProfilingSweepWorkflow', ProfilingSweepInput, raw);
  const gpus = [...new Set(s.targets.map((t) => t.gpu))].sort((a, b) => a - b);
  const runId = joinRun(
    Stage.profiling,
    s.runId,
    gpus.length === 1 ? { gpuQueue: gpuTaskQueue(gpus[0]!) } : {},
  );
  const { profileEngine } = proxyActivities<Activities>({
    startToCloseTimeout: '24h',
    heartbeatTimeout: `${s.heartbeatTimeoutS}s`,
  });
  const what = s.targets.map((t) => `${t.model} on GPU ${t.gpu} ${t.profile}`);
  setCurrentDetails(
    `**Profiling** ${what.join(', ')} (${s.engine.emulated ? 'emulated engine' : 'vLLM'}; prefill ${s.plan.prefill.numPrompts} prompts, concurrency levels ${s.plan.concurrency.levels.join(',')})`,
  );
  const profiles = await Promise.all(
    s.targets.map((target, i) =>
      profileEngine.executeWithOptions(
        {
          taskQueue: gpuTaskQueue(target.gpu),
          startToCloseTimeout: '24h',
          heartbeatTimeout: `${s.heartbeatTimeoutS}s`,
          retry: QUICK_RETRY,
          summary: `profile ${what[i]}: KV cache, restart time, prefill + concurrency sweeps`,
        },
        [
          {
            runId,
            target,
            gpuModel: s.gpuModel,
            simulationConfig: s.simulationConfig,
            plan: s.plan,
            engine: s.engine,
          },
        ],
      ),
    ),
  );
  setCurrentDetails(
    `**Done.** ${profiles.map((p) => `${p.model} ${p.profile}: KV ${p.kvCacheGb.toFixed(2)} GiB, restart ${p.restartTimeS.toFixed(1)} s${p.hit ? ' (cache hit)' : ''}`).join('; ')}`,
  );
  return { runId, profiles };
}

export async function FitWritebackWorkflow(raw: FitWritebackInput): Promise<FitWritebackResult> {
  const s = validateInput('FitWritebackWorkflow', FitWritebackInput, raw);
  const runId = joinRun(Stage.fit, s.runId);
  const { fitProfiles, writeBackProfiles } = proxyActivities<Activities>({
    startToCloseTimeout: '30m',
    retry: QUICK_RETRY,
  });
  setCurrentDetails(`**Fitting** ${s.profiles.length} profiling result(s)`);
  const fits = await Promise.all(
    s.profiles.map((profile) =>
      fitProfiles.executeWithOptions(
        {
          startToCloseTimeout: '30m',
          heartbeatTimeout: '30s',
          retry: QUICK_RETRY,
          summary: `fit TTFT and ITL of ${profile.model} on ${profile.gpuModel} ${profile.profile}`,
        },
        [{ profile, includeFailed: s.includeFailed }],
      ),
    ),
  );
  const writeBack = await writeBackProfiles.executeWithOptions(
    {
      startToCloseTimeout: '5m',
      retry: QUICK_RETRY,
      summary: `write ${fits.length} fit(s), KV cache and restart time into ${s.simulationConfig}`,
    },
    [
      {
        simulationConfig: s.simulationConfig,
        entries: s.profiles.map((profile, i) => ({ profile, fit: fits[i]! })),
      },
    ],
  );
  setCurrentDetails(
    `**Done.** ${fits.map((f) => `${f.model} ${f.profile}: prefill α=${f.prefill.alpha.toFixed(4)} β=${f.prefill.beta.toExponential(3)}; tpot α=${f.tpot.alpha.toFixed(4)} β=${f.tpot.beta.toExponential(3)}`).join('; ')} — ${writeBack.changed ? `wrote ${writeBack.entries.join(', ')}` : 'simulation config already up to date'}`,
  );
  return { runId, fits, writeBack };
}
