/**
 * BenchWorkflow with a task of the suite, through the dev server: LinUCB and a static layout on the hard task's
 * workload; every entry carries the training reward and the energy figures, and the task's trace is not the
 * default bench_config's (different request counts, another cache entry); the result names the task and the
 * report of `run bench` shows it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectBenchOutputs } from '../../cli/lib/bench-workflow.js';
import type { BenchWorkflowInput, BenchWorkflowResult } from '../../contracts/index.js';
import type { RunReport } from '../../core/report/index.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-bench-task-it-');

describe('BenchWorkflow on a task of the suite', () => {
  it('runs LinUCB and a static layout on the hard task, with reward and energy in every entry', async () => {
    const queue = uniqueQueue('bench-task');
    const worker = await startTestWorker(temporal, queue);
    const base: BenchWorkflowInput = {
      policies: ['linucb', 'static_split_extreme'],
      steps: 20,
      figures: false,
      syntheticTokens: true,
    };
    await worker.runUntil(async () => {
      const hard = (await temporal.client.workflow.execute('BenchWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/hard`,
        args: [{ ...base, task: 'hard' }],
      })) as BenchWorkflowResult;
      const plain = (await temporal.client.workflow.execute('BenchWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/plain`,
        args: [base],
      })) as BenchWorkflowResult;
      expect(hard.results.map((r) => r.policy)).toEqual(['linucb', 'static_split_extreme']);
      for (const r of hard.results) {
        expect(r.entry.reward?.total).toEqual(expect.any(Number));
        expect(r.entry.energy?.totalJ).toBeGreaterThan(0);
        expect(r.entry.energy?.agents.map((a) => a.agent)).toEqual(['CodingAgent', 'RAGAgent']);
        expect(r.hit).toBe(false);
      }
      // Another workload: another cache entry and other numbers than bench_config's.
      expect(hard.results[0]!.cacheKey).not.toBe(plain.results[0]!.cacheKey);
      expect(hard.results[0]!.totalRequests).not.toBe(plain.results[0]!.totalRequests);
      // The result names its task; `run bench`'s report shows it in the header, LinUCB's row and the energy columns.
      expect(hard.task).toBe('hard');
      expect(plain.task).toBeUndefined();
      const out = join(temporal.tmp, 'hard-out');
      collectBenchOutputs(hard, out);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
      expect(report.task).toBe('hard');
      expect(report.bench?.policies.map((p) => [p.name, p.kind])).toEqual([
        ['linucb', 'baseline'],
        ['static_split_extreme', 'baseline'],
      ]);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('task <b id="task">hard</b>');
      expect(html).toContain('<th>energy kJ</th>');

      const err = await temporal.client.workflow
        .execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/no-such-task`,
          args: [{ ...base, task: 'impossible' }],
        })
        .catch((e: unknown) => e as Error);
      // WorkflowFailedError → ActivityFailure → ApplicationFailure: one of them names the bad value and the fix.
      const messages: string[] = [];
      for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
      expect(messages.join('\n')).toMatch(
        /impossible: is neither a task of the suite nor an existing task file/,
      );
    });
  }, 300_000);
});
