/**
 * Builds a `BenchSetup` from file paths: the three configs (checked against each other), token lengths (generated
 * JSONLs or seeded synthetic ones) and, optionally, a recorded arrival trace CSV that replaces the generated
 * workload. Shared by `migflow bench`, the trial child process and the bench benchmark.
 */

import type { BenchStartRule } from '../../contracts/index.js';
import {
  checkTrainingCoversSimulation,
  loadBenchConfig,
  loadSimulationConfig,
  loadTrainingConfig,
} from '../config/index.js';
import { ConfigError } from '../errors.js';
import { type AgentName, isAgentName } from '../mig/index.js';
import { loadTokenTables, readArrivalTraceCsv, syntheticTokenTables } from '../workload/index.js';
import type { BenchSetup } from './runner.js';

export interface TraceSource {
  /** CSV of arrivals (migflow, BurstGPT or Azure layout). */
  readonly file: string;
  /** Agent of every row when the layout has no agent column. */
  readonly agent?: string;
  /** BurstGPT `Model` value → agent. */
  readonly agentByModel?: Readonly<Record<string, string>>;
}

export interface BenchFiles {
  readonly simulationConfig: string;
  readonly trainingConfig: string;
  readonly benchConfig: string;
  readonly syntheticTokens: boolean;
  readonly seed?: number;
  readonly steps?: number;
  readonly trace?: TraceSource;
  /** Where each trial starts (runner.ts); default `own`. */
  readonly start?: BenchStartRule;
}

function agentName(value: string, field: string): AgentName {
  if (!isAgentName(value)) {
    throw new ConfigError(field, value, 'is not an agent', 'use CodingAgent, RAGAgent or ChatAgent');
  }
  return value;
}

export function loadBenchSetup(f: BenchFiles): BenchSetup {
  const simulation = loadSimulationConfig(f.simulationConfig);
  const training = loadTrainingConfig(f.trainingConfig);
  checkTrainingCoversSimulation(training, simulation);
  const bench = loadBenchConfig(f.benchConfig);
  const seed = f.seed ?? bench.seed;
  const arrivalTrace = f.trace
    ? readArrivalTraceCsv(f.trace.file, {
        agents: simulation.agentsEnumOrder,
        ...(f.trace.agent !== undefined ? { agent: agentName(f.trace.agent, '--trace-agent') } : {}),
        ...(f.trace.agentByModel
          ? {
              agentByModel: Object.fromEntries(
                Object.entries(f.trace.agentByModel).map(([m, a]) => [m, agentName(a, `--trace-model ${m}`)]),
              ),
            }
          : {}),
      })
    : undefined;
  // A trace brings its own token counts; otherwise the generated JSONLs (or synthetic lengths) are needed.
  const tokens = f.syntheticTokens || arrivalTrace ? syntheticTokenTables(seed) : loadTokenTables(simulation);
  return {
    simulation,
    training,
    bench,
    tokens,
    seed,
    ...(f.steps !== undefined ? { steps: f.steps } : {}),
    ...(arrivalTrace ? { arrivalTrace } : {}),
    ...(f.start !== undefined ? { start: f.start } : {}),
  };
}
