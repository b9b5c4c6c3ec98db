/**
 * `migflow deploy`: runs a policy on the MIG GPUs of deployment.yaml as a DeployWorkflow (the server, a main
 * worker and the GPU host's worker must be running; with --emulate the GPU worker may be `migflow worker --gpu 0
 * --emulate`). Prints the dashboard address, one line per decision window and the final report; Ctrl-C stops the
 * run cleanly (containers and MIG instances removed, report written). `migflow deploy clean --deployment ID`
 * removes what a run left behind, without Temporal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type DeployInput, type DeployResult, MAX_DEPLOY_DURATION_S } from '../../contracts/index.js';
import {
  deployStatusQuery,
  deployStopSignal,
  gpuTaskQueue,
  MAIN_TASK_QUEUE,
} from '../../contracts/temporal/index.js';
import { loadDeploymentConfig } from '../../core/config/index.js';
import { cleanDeployment } from '../../core/deploy/index.js';
import { ConfigError } from '../../core/errors.js';
import { artifactsDir } from '../../core/paths.js';
import { connectClient } from '../lib/client.js';
import { jsonResultOption, port, positiveNumber, positiveUpTo } from '../lib/options.js';
import { awaitWorkflow, checkWorkflowInput } from '../lib/workflow-run.js';

interface DeployCliOptions {
  policy: string;
  duration?: number;
  interval?: number;
  emulate: boolean;
  config: string;
  deployment?: string;
  dashboardPort?: number;
  json: boolean;
}

export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description(
      'run a policy on real (or emulated) MIG GPUs through DeployWorkflow; `deploy clean --deployment ID` removes what a run left',
    )
    .argument(
      '[action]',
      'clean: remove the containers of --deployment and the MIG instances of the config’s GPUs',
    )
    .option(
      '--policy <name>',
      'heuristic | qas | linucb | idle_merge | static-7g | static-2g | path of an RL checkpoint (idle_merge: hold from the bench config idle_merge.hold_s, idle rate from training.time_features.idle_rate)',
    )
    .option(
      '--duration <s>',
      'run length in seconds (default: deployment.yaml duration_s)',
      positiveUpTo(MAX_DEPLOY_DURATION_S, 'MAX_DEPLOY_DURATION_S'),
    )
    .option('--interval <s>', 'decision interval in seconds (default: deployment.yaml)', positiveNumber)
    .option('--emulate', 'emulated GPUs: nvidia-smi emulator and vLLM emulator containers', false)
    .option('--config <file>', 'deployment config', 'configs/deployment.yaml')
    .option(
      '--deployment <id>',
      'deployment id (names the containers; default deploy-<timestamp>); required by clean',
    )
    .option('--dashboard-port <port>', "overrides deployment.yaml's dashboard.port", port)
    .addOption(jsonResultOption())
    .action(async (action: string | undefined, o: DeployCliOptions) => {
      if (action === 'clean') return clean(o);
      if (action !== undefined)
        throw new ConfigError(
          'migflow deploy',
          'action',
          `unknown action ${action}`,
          'use `migflow deploy clean --deployment ID`, or no action to deploy',
        );
      if (!o.policy)
        throw new ConfigError(
          'migflow deploy',
          '--policy',
          'missing',
          'pass --policy heuristic | qas | linucb | idle_merge | static-7g | static-2g | <checkpoint directory>',
        );
      const cfg = loadDeploymentConfig(o.config);
      const id =
        o.deployment ??
        `deploy-${new Date()
          .toISOString()
          .replace(/[:.TZ]/g, '-')
          .slice(0, 19)}`;
      const input: DeployInput = {
        deploymentId: id,
        policy: o.policy,
        deploymentConfig: o.config,
        emulate: o.emulate,
        firstGpu: cfg.gpus[0]!.index,
        ...(o.duration !== undefined ? { durationS: o.duration } : {}),
        ...(o.interval !== undefined ? { decisionIntervalS: o.interval } : {}),
        ...(o.dashboardPort !== undefined ? { dashboardPort: o.dashboardPort } : {}),
        ...(o.emulate ? { nvidiaSmiState: join(artifactsDir(), 'deploy', id, 'nvidia-smi.json') } : {}),
      };
      checkWorkflowInput('DeployWorkflow', input);
      const { client, close } = await connectClient();
      let ticker: NodeJS.Timeout | undefined;
      let onSigint: (() => void) | undefined;
      try {
        const handle = await client.workflow.start('DeployWorkflow', {
          taskQueue: MAIN_TASK_QUEUE,
          workflowId: `deploy/${id}`,
          args: [input],
        });
        process.stderr.write(
          `DeployWorkflow deploy/${id} started; activities on ${gpuTaskQueue(cfg.gpus[0]!.index)}\n` +
            `dashboard: http://${cfg.dashboard.host}:${o.dashboardPort ?? cfg.dashboard.port}/ (once the first window runs)\n`,
        );
        let stopping = false;
        onSigint = () => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write(
            'stopping: draining, removing containers and MIG instances, writing the report…\n',
          );
          void handle.signal(deployStopSignal);
        };
        process.on('SIGINT', onSigint);
        let lastWindow = -1;
        ticker = setInterval(async () => {
          try {
            const s = await handle.query(deployStatusQuery);
            if (s.window !== lastWindow) {
              lastWindow = s.window;
              const last = s.actions.at(-1);
              process.stderr.write(
                `window ${s.window}/${s.windows} · budget ${s.budgetS.toFixed(0)} s · ${s.requests.completed} completed, ${s.requests.failed} failed${last ? ` · last action: ${last.kind} ${last.details} (${last.status})` : ''}\n`,
              );
            }
          } catch {
            // Query before the first workflow task: try again next tick.
          }
        }, 2_000);
        const result = (await awaitWorkflow(client, handle, [
          MAIN_TASK_QUEUE,
          gpuTaskQueue(cfg.gpus[0]!.index),
        ])) as DeployResult;
        if (o.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const txt = result.reportFiles.find((f) => f.endsWith('report.txt'));
        if (txt) process.stdout.write(readFileSync(txt, 'utf8'));
        process.stdout.write(`\nfiles: ${result.reportFiles.join(', ')}\n`);
      } finally {
        // However the run ends (a failure included), stop polling so the process can exit.
        if (ticker) clearInterval(ticker);
        if (onSigint) process.off('SIGINT', onSigint);
        await close();
      }
    });
}

async function clean(o: DeployCliOptions): Promise<void> {
  if (!o.deployment) throw new Error('missing --deployment ID — fix: name the deployment to clean up');
  const r = await cleanDeployment({
    deploymentId: o.deployment,
    deploymentConfig: o.config,
    emulate: o.emulate,
    ...(o.emulate ? { nvidiaSmiState: join(artifactsDir(), 'deploy', o.deployment, 'nvidia-smi.json') } : {}),
  });
  process.stdout.write(
    `removed ${r.containers.length} container(s)${r.containers.length ? `: ${r.containers.join(', ')}` : ''}; no MIG instance left on GPU ${r.gpus.join(', ')}\n`,
  );
}
