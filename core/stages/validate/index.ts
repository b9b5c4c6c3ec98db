/**
 * The validate stage: the simulator against an engine, as Vidur and LLMServingSim state their fidelity. One seeded
 * trace per agent is replayed through the fitted simulator (one engine of the agent on the configured GPU and MIG
 * profile) and through a live engine (the vLLM emulator in CI, vLLM on a GPU); the report gives, per agent, TTFT
 * and TPOT at P50, P90 and P99 and the output-token throughput on both sides with their relative error, and passes
 * when every error is within the config's threshold.
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
import { type MetricValues, metricValues, relativeError } from './measure.js';
import { replayTrace } from './replay.js';
import { simulateTrace } from './simulate.js';
import { validationTrace } from './trace.js';

export { loadValidateConfig, METRICS, type ValidateConfig, validateConfigSchema } from './config.js';
export { percentile, relativeError } from './measure.js';

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
  failed: MetricName[];
}

export interface ValidateReport {
  simulationConfig: string;
  gpuModel: string;
  profile: string;
  thresholds: Record<MetricName, number>;
  agents: AgentValidation[];
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

function table(r: Omit<ValidateReport, 'table'>): string {
  const f = (m: MetricName, v: number) => (m === 'throughput' ? v.toFixed(1) : (v * 1000).toFixed(1));
  const rows = r.agents.flatMap((a) =>
    METRICS.map((m) => [
      a.agent,
      m === 'throughput' ? 'throughput (tok/s)' : `${m.replace('_', ' ').toUpperCase()} (ms)`,
      f(m, a.sim[m]),
      f(m, a.engine[m]),
      `${(100 * a.error[m]).toFixed(1)} %`,
      `${(100 * r.thresholds[m]).toFixed(0)} %`,
      a.failed.includes(m) ? 'FAIL' : 'ok',
    ]),
  );
  return [
    `Simulator vs engine on ${r.gpuModel} ${r.profile}: ${r.pass ? 'PASS' : 'FAIL'}`,
    '',
    markdownTable(['agent', 'metric', 'simulator', 'engine', 'error', 'threshold', ''], rows),
  ].join('\n');
}

export async function runValidation(input: ValidateInput, signal?: AbortSignal): Promise<ValidateReport> {
  const cfg = loadValidateConfig(input.validateConfig);
  const sim = loadSimulationConfig(input.simulationConfig);
  const ts = targets(cfg, sim, input.validateConfig);
  const agents = await Promise.all(
    ts.map(async (t) => {
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
      const simTimings = simulateTrace(
        sim,
        t.agentIndex,
        cfg.gpu,
        t.logicalProfile,
        trace,
        input.seed ?? cfg.trace.seed,
      );
      const engineTimings = await replayTrace(engine.baseUrl, engine.model, trace, signal);
      const s = metricValues(simTimings);
      const e = metricValues(engineTimings);
      const error = Object.fromEntries(METRICS.map((m) => [m, relativeError(s[m], e[m])])) as MetricValues;
      return {
        agent: t.agent,
        model: t.params.model,
        requests: trace.length,
        sim: s,
        engine: e,
        error,
        failed: METRICS.filter((m) => !(error[m] <= cfg.thresholds[m])),
      } satisfies AgentValidation;
    }),
  );
  const gpu = sim.cluster[cfg.gpu]!;
  const report = {
    simulationConfig: input.simulationConfig,
    gpuModel: gpu.gpuModel,
    profile: cfg.profile,
    thresholds: cfg.thresholds,
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
