/**
 * `migflow validate`: the simulator against live engines on one seeded trace (configs/validate.yaml), per agent
 * TTFT and TPOT at P50/P90/P99 and throughput with their relative errors and intervals; exit code 1 when a metric
 * fails (its whole error interval above the threshold).
 * `--start-emulator` starts one vLLM emulator per agent whose latency truth is the simulation config's fit (what CI
 * checks); `--engine CodingAgent=http://host:8000` points an agent at a real vLLM instead.
 */
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { AGENT_NAMES, type AgentName } from '../../contracts/index.js';
import {
  emulatorArgsFor,
  loadValidateConfig,
  runValidation,
  writeValidateReport,
} from '../../core/stages/validate/index.js';
import { type SpawnedEmulator, spawnEmulator } from '../../emulators/vllm/spawn.js';

interface ValidateOptions {
  config: string;
  simConfig: string;
  engine?: string[];
  model?: string[];
  startEmulator: boolean;
  emulatorConfig?: string;
  out?: string;
  json: boolean;
}

function engineFlags(pairs: readonly string[] = []): Map<AgentName, string> {
  const out = new Map<AgentName, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const agent = pair.slice(0, eq) as AgentName;
    if (eq < 0 || !AGENT_NAMES.includes(agent)) {
      throw new Error(`--engine ${pair}: expected AGENT=URL with AGENT one of ${AGENT_NAMES.join(', ')}`);
    }
    out.set(agent, pair.slice(eq + 1));
  }
  return out;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'replay one trace through the simulator and live engines; per-agent TTFT/TPOT/throughput errors',
    )
    .option(
      '--config <path>',
      'validation config (engine, trace, statistics, thresholds)',
      'configs/validate.yaml',
    )
    .option(
      '--sim-config <path>',
      'simulation config whose fitted engines are checked',
      'configs/simulation_config.yaml',
    )
    .option(
      '--engine <agent=url...>',
      'a live OpenAI-compatible engine per agent (e.g. CodingAgent=http://127.0.0.1:8000)',
    )
    .option('--start-emulator', 'start a vLLM emulator per agent (truth: --emulator-config’s fit)', false)
    .option(
      '--emulator-config <path>',
      'simulation config the emulators take their truth from (default: --sim-config)',
    )
    .option('--out <dir>', 'write report.json and report.md there')
    .option('--json', 'print the report as JSON', false)
    .action(async (o: ValidateOptions) => {
      const cfg = loadValidateConfig(o.config);
      const urls = engineFlags(o.engine);
      const spawned: SpawnedEmulator[] = [];
      const engines: Partial<Record<AgentName, { baseUrl: string; model: string }>> = {};
      try {
        for (const agent of cfg.agents) {
          const args = emulatorArgsFor(o.config, o.emulatorConfig ?? o.simConfig, agent);
          const model = args[1]!;
          const url = urls.get(agent);
          if (url) engines[agent] = { baseUrl: url, model };
          else if (o.startEmulator) {
            const e = await spawnEmulator(args);
            spawned.push(e);
            engines[agent] = { baseUrl: e.baseUrl, model };
          } else {
            throw new Error(`no engine for ${agent}: give --engine ${agent}=URL or --start-emulator`);
          }
        }
        const report = await runValidation({
          validateConfig: o.config,
          simulationConfig: o.simConfig,
          engines,
        });
        if (o.out) {
          mkdirSync(o.out, { recursive: true });
          writeValidateReport(o.out, report);
        }
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${report.table}\n`);
        if (!report.pass) process.exitCode = 1;
      } finally {
        await Promise.all(spawned.map((e) => e.stop()));
      }
    });
}
