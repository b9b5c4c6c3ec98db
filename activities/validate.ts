/**
 * `validateSimulator` (queue `migflow`, or a GPU host's queue when its engines are real): starts a vLLM emulator for
 * every agent without a live engine, runs the validate stage, writes its report under artifacts/validate/<name>/ and
 * stops the emulators it started, whatever happens.
 */
import { join } from 'node:path';
import type { AgentName, ValidateSimulatorArgs, ValidateSimulatorResult } from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import {
  emulatorArgsFor,
  loadValidateConfig,
  runValidation,
  writeValidateReport,
} from '../core/stages/validate/index.js';
import { type SpawnedEmulator, spawnEmulator } from '../emulators/vllm/spawn.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

export function createValidateActivities(deps: ActivityDeps) {
  return {
    async validateSimulator(a: ValidateSimulatorArgs): Promise<ValidateSimulatorResult> {
      return withFailures(async () => {
        const validateConfig = resolveFrom(deps.projectRoot, a.validateConfig);
        const simulationConfig = resolveFrom(deps.projectRoot, a.simulationConfig);
        const truth = a.emulatorTruth ? resolveFrom(deps.projectRoot, a.emulatorTruth) : simulationConfig;
        const cfg = loadValidateConfig(validateConfig);
        const spawned: SpawnedEmulator[] = [];
        try {
          const engines: Partial<Record<AgentName, { baseUrl: string; model: string }>> = {};
          for (const agent of cfg.agents) {
            const args = emulatorArgsFor(validateConfig, truth, agent);
            const url = a.engines[agent];
            if (url) engines[agent] = { baseUrl: url, model: args[1]! };
            else {
              const e = await spawnEmulator(args);
              spawned.push(e);
              engines[agent] = { baseUrl: e.baseUrl, model: args[1]! };
            }
          }
          const report = await runValidation({ validateConfig, simulationConfig, engines });
          const dir = join(deps.cache.root, 'validate', a.name);
          writeValidateReport(dir, report);
          return {
            pass: report.pass,
            table: report.table,
            dir,
            thresholds: report.thresholds,
            confidence: report.confidence,
            agents: report.agents,
          };
        } finally {
          await Promise.all(spawned.map((e) => e.stop()));
        }
      });
    },
  };
}
