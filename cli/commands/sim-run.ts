/**
 * `migflow sim run`: one episode of the RL environment under a fixed policy, without Temporal, printing the
 * episode's metrics (reward, actions, per-agent latency summary over each agent's last completed requests).
 * Token lengths come from the configs' generated JSONLs, or from a seeded synthetic table with --synthetic-tokens.
 */
import { type Command, Option } from 'commander';
import { MAX_BENCH_DECISIONS } from '../../contracts/index.js';
import {
  checkTrainingCoversSimulation,
  loadSimulationConfig,
  loadTrainingConfig,
} from '../../core/config/index.js';
import { MigEnv, seededEnvRng } from '../../core/control/index.js';
import { NO_ACTION } from '../../core/mig/index.js';
import { ChromeTraceRecorder, summarizeCompleted } from '../../core/sim/index.js';
import { writeFileAtomic } from '../../core/util/index.js';
import { loadTokenTables, syntheticTokenTables } from '../../core/workload/index.js';
import { wholeNumber, wholeUpTo } from '../lib/options.js';

export interface SimRunOptions {
  /** The simulation config. */
  readonly config: string;
  readonly trainingConfig: string;
  readonly policy: SimPolicy;
  readonly seed: number;
  readonly steps?: number;
  readonly syntheticTokens?: boolean;
  /** Write the episode as Chrome trace-event JSON here. */
  readonly chromeTrace?: string;
}

export const SIM_POLICIES = ['noop', 'random', 'static_no_mig', 'static_split_extreme'] as const;
export type SimPolicy = (typeof SIM_POLICIES)[number];

/** Runs one episode and returns its metrics. */
export function runSimEpisode(o: SimRunOptions) {
  const simulation = loadSimulationConfig(o.config);
  const training = loadTrainingConfig(o.trainingConfig);
  checkTrainingCoversSimulation(training, simulation);
  const tokens = o.syntheticTokens ? syntheticTokenTables(o.seed) : loadTokenTables(simulation);
  // One stream, as the reference's mock-train: the simulator, the workload reseeds and the random policy's
  // `random.choice(valid_actions)` all draw from the global `random`.
  const rng = seededEnvRng(o.seed);
  const recorder = o.chromeTrace ? new ChromeTraceRecorder() : undefined;
  const env = new MigEnv({
    ...(recorder ? { hooks: recorder } : {}),
    simulation,
    training,
    tokens,
    rng,
    episodeLength: o.steps ?? training.ppo.episodeLength,
    initialMode:
      o.policy === 'static_no_mig'
        ? 'no_mig'
        : o.policy === 'static_split_extreme'
          ? 'split_extreme'
          : 'random',
  });
  recorder?.attach(env.sim);
  env.reset();
  let totalReward = 0;
  let actions = 0;
  let clipped = 0;
  for (let k = 0; k < env.episodeLength; k++) {
    let action = NO_ACTION;
    if (o.policy === 'random') {
      const valid: number[] = [];
      env.actionMasks().forEach((v, i) => {
        if (v === 1) valid.push(i);
      });
      action = valid[rng.choiceIndex(valid.length)]!;
    }
    const r = env.step(action);
    totalReward += r.reward;
    if (action !== NO_ACTION) actions++;
    if (r.reward <= env.rewardFloor) clipped++;
    if (r.terminated) break;
  }
  if (recorder && o.chromeTrace) writeFileAtomic(o.chromeTrace, JSON.stringify(recorder.toJson()));
  const agents = Object.fromEntries(
    env.sim.agents.map((a) => [a.name, summarizeCompleted(a.completed.toArray())]),
  );
  return {
    config: o.config,
    policy: o.policy,
    seed: o.seed,
    steps: env.episodeStep,
    simulatedS: env.sim.nowS,
    totalReward,
    meanReward: totalReward / Math.max(1, env.episodeStep),
    actionsTaken: actions,
    clippedSteps: clipped,
    finalBudgetS: env.sim.metrics.budgetS,
    managedGpuStates: env.sim.managedGpuStates(),
    agents,
  };
}

export function registerSimRunCommand(sim: Command): void {
  sim
    .command('run')
    .description('run one RL-environment episode under a fixed policy and print its metrics')
    .option('--config <file>', 'simulation config', 'configs/simulation_config.yaml')
    .option(
      '--training-config <file>',
      'training config (interval, budget, reward, patterns)',
      'configs/training_config.yaml',
    )
    .addOption(new Option('--policy <name>', 'policy').choices(SIM_POLICIES).default('random'))
    .option('--seed <n>', 'seed of the episode', wholeNumber, 0)
    .option(
      '--steps <k>',
      'decisions in the episode (default PPO.episode_length)',
      wholeUpTo(MAX_BENCH_DECISIONS, 'MAX_BENCH_DECISIONS'),
    )
    .option('--synthetic-tokens', 'use seeded synthetic token lengths instead of the generated JSONLs')
    .option('--json', 'print JSON (default: a short text summary)')
    .option(
      '--chrome-trace <file>',
      'write the episode as Chrome trace-event JSON (chrome://tracing, Perfetto)',
    )
    .action(
      (opts: {
        chromeTrace?: string;
        config: string;
        trainingConfig: string;
        policy: SimPolicy;
        seed: number;
        steps?: number;
        syntheticTokens?: boolean;
        json?: boolean;
      }) => {
        const m = runSimEpisode(opts);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
          return;
        }
        const lines = [
          `${m.policy} on ${m.config}, seed ${m.seed}: ${m.steps} decisions, ${m.simulatedS} s simulated`,
          `  reward total ${m.totalReward.toFixed(3)} (mean ${m.meanReward.toFixed(4)}), ${m.actionsTaken} actions, ${m.clippedSteps} clipped`,
          ...Object.entries(m.agents).map(
            ([a, s]) =>
              `  ${a}: ${s.count} done, TTFT mean ${s.meanTtftS.toFixed(3)} s p90 ${s.p90TtftS.toFixed(3)} s, TPOT mean ${s.meanTpotS.toFixed(4)} s`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
