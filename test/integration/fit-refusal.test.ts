/**
 * FitWritebackWorkflow on a real Temporal dev server with a profiling result whose concurrency sweep got faster
 * with more load (the falling TPOT line a loaded CI host once produced): the fit runs and keeps its -param.json,
 * the write-back is refused once, without retries, as a non-retryable BenchDataError naming the sweep, the field
 * and the value, and the simulation config keeps every byte.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { FitWritebackInput } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-fit-refusal-it-');

/** A sweep level: 4 requests at concurrency `level`, each with mean inter-token gap `itl` seconds. */
function level(dir: string, level: number, itl: number): void {
  const itls = Array.from({ length: 4 }, (_, i) => [itl, itl + 0.001 * (i % 2)]);
  writeFileSync(
    join(dir, `tpot-m-concurrency-${level}-t.json`),
    JSON.stringify({ max_concurrency: level, itls }),
  );
}

describe('FitWritebackWorkflow with a non-physical fit', () => {
  it('fails once, without retries, naming the sweep, tpot.beta and its value, and leaves the config untouched', async () => {
    const dir = join(temporal.tmp, 'bench');
    const tpotDir = join(dir, 'tpot');
    mkdirSync(tpotDir, { recursive: true });
    const prefillFile = join(dir, 'prefill-m-1g.10gb-t.json');
    writeFileSync(prefillFile, JSON.stringify({ input_lens: [100, 200, 300], ttfts: [0.1, 0.12, 0.14] }));
    // ITL falls from 25 ms at 2 concurrent requests to 21 ms at 4: β = −2 ms per request.
    level(tpotDir, 2, 0.025);
    level(tpotDir, 4, 0.021);
    const config = join(temporal.tmp, 'simulation_config.yaml');
    copyFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), config);
    const before = readFileSync(config);

    const queue = uniqueQueue('fit-refusal');
    const worker = await startTestWorker(temporal, queue);
    const input: FitWritebackInput = {
      simulationConfig: config,
      profiles: [
        {
          model: 'qwen2.5-3b-instruct',
          profile: '1g.10gb',
          gpuModel: 'A100_40GB',
          prefillFile,
          tpotDir,
          kvCacheGb: 2.38,
          restartTimeS: 60,
        },
      ],
    };
    const err = await worker.runUntil(
      temporal.client.workflow
        .execute('FitWritebackWorkflow', { taskQueue: queue, workflowId: `${queue}/fit`, args: [input] })
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(activity.activityType).toBe('writeBackProfiles');
    const app = activity.cause as ApplicationFailure;
    expect(app.type).toBe('BenchDataError');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toMatch(
      new RegExp(
        `^${tpotDir}: tpot\\.beta: -0\\.002 for qwen2\\.5-3b-instruct on A100_40GB 1g\\.10gb: a negative slope`,
      ),
    );
    expect(app.message).toContain(`No fit was written into ${config}, which is unchanged — fix: re-profile`);
    expect(readFileSync(config).equals(before)).toBe(true);

    // One attempt of the write-back, and the fit's parity output (the reference's -param.json) is there.
    const history = await temporal.client.workflow.getHandle(`${queue}/fit`).fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled).toEqual(['fitProfiles', 'writeBackProfiles']);
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1, 1]);
    const params = readdirSync(join(temporal.tmp, 'artifacts', 'fit'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('-param.json'))
      .map((f) => f.split('/').at(-1))
      .sort();
    expect(params).toEqual(['prefill-m-1g.10gb-t-param.json', 'tpot-m--t-param.json']);
  }, 180_000);
});
