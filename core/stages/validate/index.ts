/**
 * The validate stage: the simulator against an engine, as Vidur and LLMServingSim state their fidelity. One seeded
 * trace per agent is replayed through the fitted simulator (one engine of the agent on the configured GPU and MIG
 * profile) and through a live engine (the vLLM emulator in CI, vLLM on a GPU); the report gives, per agent, TTFT
 * and TPOT at P50, P90 and P99 and the output-token throughput on both sides with their relative error, its
 * confidence interval (interval.ts: the simulator averaged over several noise seeds, the engine's sampling error
 * bootstrapped) and a verdict per metric (verdict.ts); the run fails only on a metric whose whole interval lies beyond
 * its threshold.
 */

import { join } from 'node:path';
import {
  AGENT_NAMES,
  type AgentName,
  emulatorArgs,
  latencyFlags,
  markdownTable,
} from '../../../contracts/index.js';
import { loadSimulationConfig, type ResolvedSimulationConfig } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { clusterSpecFromConfig, type EngineProfileParams } from '../../sim/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { loadValidateConfig, METRICS, type MetricName, type ValidateConfig } from './config.js';
import { bootstrapErrors, meanMetrics } from './interval.js';
import { type MetricValues, metricValues } from './measure.js';
import { replayTrace } from './replay.js';
import { simulateTrace } from './simulate.js';
import { validationTrace } from './trace.js';
import { absoluteInterval, requestsNeeded, type Verdict, verdict } from './verdict.js';

export { loadValidateConfig, METRICS, type ValidateConfig, validateConfigSchema } from './config.js';
export { bootstrapErrors, type ErrorInterval } from './interval.js';
export { percentile } from './measure.js';
export { absoluteInterval, requestsNeeded, type Verdict, verdict } from './verdict.js';

export interface ValidateInput {
  validateConfig: string;
  simulationConfig: string;
  /** The live engine of each agent the config lists. */
  engines: Partial<Record<AgentName, { baseUrl: string; model: string }>>;
  seed?: number;
}

export interface AgentValidation {
  agent: AgentName;
  model: string;
  requests: number;
  sim: MetricValues;
  engine: MetricValues;
  error: MetricValues;
  interval: Record<MetricName, [number, number]>;
  verdict: Record<MetricName, Verdict>;
  requestsNeeded: Partial<Record<MetricName, number | null>>;
  /** The metrics whose verdict is `fail`. */
  failed: MetricName[];
}

export interface ValidateReport {
  simulationConfig: string;
  gpuModel: string;
  profile: string;
  thresholds: Record<MetricName, number>;
  confidence: number;
  /** Simulator runs averaged per agent. */
  simRuns: number;
  agents: AgentValidation[];
  /** No metric's verdict is `fail`. */
  pass: boolean;
  table: string;
}

interface Target {
  agent: AgentName;
  agentIndex: number;
  logicalProfile: number;
  params: EngineProfileParams;
}

function targets(cfg: ValidateConfig, sim: ResolvedSimulationConfig, validateFile: string): Target[] {
  const spec = clusterSpecFromConfig(sim, () => ({ promptTokens: [], completionTokens: [] }));
  const gpu = spec.gpus[cfg.gpu];
  if (!gpu) {
    throw new ConfigError(
      validateFile,
      'gpu',
      `the simulation config has no GPU ${cfg.gpu}`,
      `use 0–${spec.gpus.length - 1}`,
    );
  }
  const logicalProfile = gpu.profiles.findIndex((p) => p?.name === cfg.profile);
  if (logicalProfile < 0) {
    throw new ConfigError(
      validateFile,
      'profile',
      `${gpu.model} has no MIG profile ${cfg.profile}`,
      `use one of ${gpu.profiles.flatMap((p) => (p ? [p.name] : [])).join(', ')}`,
    );
  }
  return cfg.agents.map((agent) => {
    const agentIndex = spec.agents.findIndex((a) => a.name === agent);
    if (agentIndex < 0) {
      throw new ConfigError(
        validateFile,
        'agents',
        `${agent} is not an active agent of ${sim.file}`,
        `validate only ${spec.agents.map((a) => a.name).join(', ')}`,
      );
    }
    return {
      agent,
      agentIndex,
      logicalProfile,
      params: spec.engineParams(agentIndex, cfg.gpu, logicalProfile),
    };
  });
}

/** The flags that start a vLLM emulator whose latency truth is the simulation config's fit for `agent`. */
export function emulatorArgsFor(
  validateConfig: string,
  simulationConfig: string,
  agent: AgentName,
): string[] {
  const cfg = loadValidateConfig(validateConfig);
  const t = targets(cfg, loadSimulationConfig(simulationConfig), validateConfig).find(
    (x) => x.agent === agent,
  );
  if (!t) throw new ConfigError(validateConfig, 'agents', `${agent} is not validated`, `add it to agents`);
  const p = t.params;
  return emulatorArgs({
    model: p.model,
    ...latencyFlags(p.prefill, p.tpot),
    'kv-cache-tokens': p.kvCapacityTokens,
    'max-num-batched-tokens': p.maxBatchedTokens,
    scheduler: 'iteration',
    'boot-ms': 0,
  });
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** What would settle an inconclusive metric; past 50× the trace, the error sits too near the threshold to bother. */
function settle(needed: number | null | undefined, requests: number): string {
  if (needed === null || needed === undefined || needed > 50 * requests) return 'error ≈ threshold';
  return `~${needed} requests to settle`;
}

function table(r: Omit<ValidateReport, 'table'>): string {
  const f = (m: MetricName, v: number) => (m === 'throughput' ? v.toFixed(1) : (v * 1000).toFixed(1));
  const rows = r.agents.flatMap((a) =>
    METRICS.map((m) => {
      const [lo, hi] = a.interval[m];
      const need = a.requestsNeeded[m];
      const v = a.verdict[m];
      return [
        a.agent,
        m === 'throughput' ? 'throughput (tok/s)' : `${m.replace('_', ' ').toUpperCase()} (ms)`,
        f(m, a.sim[m]),
        f(m, a.engine[m]),
        pct(a.error[m]),
        `${(100 * lo).toFixed(1)}–${pct(hi)}`,
        `${(100 * r.thresholds[m]).toFixed(0)} %`,
        v === 'inconclusive' ? `inconclusive (${settle(need, a.requests)})` : v === 'fail' ? 'FAIL' : 'pass',
      ];
    }),
  );
  const unsettled = r.agents.flatMap((a) => METRICS.filter((m) => a.verdict[m] === 'inconclusive'));
  const conf = `${Math.round(100 * r.confidence)} %`;
  return [
    `Simulator vs engine on ${r.gpuModel} ${r.profile}: ${r.pass ? 'PASS' : 'FAIL'}${
      r.pass && unsettled.length > 0 ? ` (${unsettled.length} inconclusive)` : ''
    }`,
    '',
    `Error = |sim − engine| / engine, the simulator averaged over ${r.simRuns} noise seeds; interval = ${conf} bootstrap ` +
      'interval of the engine’s sampling error. FAIL: the whole interval is above the threshold; inconclusive: it ' +
      'straddles the threshold (not a failure; more requests per agent in the trace would settle it).',
    '',
    markdownTable(
      ['agent', 'metric', 'simulator', 'engine', 'error', `${conf} interval`, 'threshold', 'verdict'],
      rows,
    ),
  ].join('\n');
}

export async function runValidation(input: ValidateInput, signal?: AbortSignal): Promise<ValidateReport> {
  const cfg = loadValidateConfig(input.validateConfig);
  const sim = loadSimulationConfig(input.simulationConfig);
  const ts = targets(cfg, sim, input.validateConfig);
  const seed = input.seed ?? cfg.trace.seed;
  // Three phases, so that no CPU-bound work runs while an engine replay is timing its streams (a busy event loop
  // would stamp tokens late): every simulator run first, then the replays of all agents together, then the bootstraps.
  const sides = ts.map((t) => {
    const engine = input.engines[t.agent];
    if (!engine) {
      throw new ConfigError(
        input.validateConfig,
        'agents',
        `no engine given for ${t.agent}`,
        'start one per agent',
      );
    }
    const trace = validationTrace(cfg, AGENT_NAMES.indexOf(t.agent));
    // The simulator's noise averaged out over several seeds (interval.ts says why); it is fast, the engine is not.
    const simRuns = Array.from({ length: cfg.statistics.sim_runs }, (_, r) =>
      simulateTrace(sim, t.agentIndex, cfg.gpu, t.logicalProfile, trace, seed + r),
    );
    return { t, engine, trace, simRuns };
  });
  const replays = await Promise.all(
    sides.map(({ engine, trace }) => replayTrace(engine.baseUrl, engine.model, trace, signal)),
  );
  const agents = sides.map(({ t, trace, simRuns }, k): AgentValidation => {
    const engineTimings = replays[k]!;
    const intervals = bootstrapErrors(engineTimings, simRuns, {
      confidence: cfg.statistics.confidence,
      resamples: cfg.statistics.resamples,
      seed: seed * 1000 + AGENT_NAMES.indexOf(t.agent) + 1,
    });
    const verdicts = Object.fromEntries(
      METRICS.map((m) => [m, verdict(intervals[m], cfg.thresholds[m])]),
    ) as Record<MetricName, Verdict>;
    const needed: Partial<Record<MetricName, number | null>> = {};
    for (const m of METRICS) {
      if (verdicts[m] !== 'inconclusive') continue;
      const n = requestsNeeded(intervals[m], cfg.thresholds[m], trace.length);
      needed[m] = Number.isFinite(n) ? n : null;
    }
    const perMetric = <T>(f: (m: MetricName) => T) =>
      Object.fromEntries(METRICS.map((m) => [m, f(m)])) as Record<MetricName, T>;
    return {
      agent: t.agent,
      model: t.params.model,
      requests: trace.length,
      sim: meanMetrics(simRuns.map((r) => metricValues(r))),
      engine: metricValues(engineTimings),
      error: perMetric((m) => intervals[m].error),
      interval: perMetric((m) => absoluteInterval(intervals[m])),
      verdict: verdicts,
      requestsNeeded: needed,
      failed: METRICS.filter((m) => verdicts[m] === 'fail'),
    };
  });
  const gpu = sim.cluster[cfg.gpu]!;
  const report = {
    simulationConfig: input.simulationConfig,
    gpuModel: gpu.gpuModel,
    profile: cfg.profile,
    thresholds: cfg.thresholds,
    confidence: cfg.statistics.confidence,
    simRuns: cfg.statistics.sim_runs,
    agents,
    pass: agents.every((a) => a.failed.length === 0),
  };
  return { ...report, table: table(report) };
}

/** Writes report.json and report.md into `outDir`, each atomically. */
export function writeValidateReport(outDir: string, r: ValidateReport): void {
  writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileAtomic(join(outDir, 'report.md'), `${r.table}\n`);
}
