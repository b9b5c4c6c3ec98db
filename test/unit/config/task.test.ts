import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { loadTaskConfig } from '../../../core/config/task.js';

const bench = loadBenchConfig('configs/bench_config.yaml');

function taskFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-task-'));
  const file = join(dir, 'mine.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('task configs', () => {
  it('easy is the bench config as it is', () => {
    const t = loadTaskConfig('configs/tasks/easy.yaml');
    expect(t.name).toBe('easy');
    expect(t.workload).toEqual({ kind: 'patterns' });
    expect({ ...t.bench, file: '' }).toEqual({ ...bench, file: '' });
  });

  it('hard replaces three patterns and the phase cycle, and keeps the rest of the bench config', () => {
    const t = loadTaskConfig('configs/tasks/hard.yaml');
    expect(t.bench.workloads.busy).toEqual({
      ratePerS: { CodingAgent: [8.5, 9.5], RAGAgent: [8.5, 9.5] },
      durationS: [21600, 21600],
    });
    expect(t.bench.workloads.burst).toEqual(bench.workloads.burst);
    expect(t.bench.workloadSequence).toEqual([
      { CodingAgent: 'busy', RAGAgent: 'idle' },
      'even',
      { CodingAgent: 'idle', RAGAgent: 'busy' },
      'even',
    ]);
    expect(t.bench.heuristic).toEqual(bench.heuristic);
    expect(t.bench.seed).toBe(77);
  });

  it('medium is the bursty model with per-agent rates', () => {
    const t = loadTaskConfig('configs/tasks/medium.yaml');
    expect(t.workload.kind).toBe('bursty');
    if (t.workload.kind !== 'bursty') return;
    expect(t.workload.spec.burstRatePerS).toEqual({ CodingAgent: [4, 5], RAGAgent: [6, 8] });
    expect(t.workload.spec.gammaShape).toBe(0.5);
  });

  it('seed and length override the bench config; a shared rate pair covers every agent', () => {
    const t = loadTaskConfig(
      taskFile(
        `description: mine\nbench_config: ${join(process.cwd(), 'configs/bench_config.yaml')}\nseed: 5\nbenchmark-length: 10\nworkload:\n  kind: bursty\n  base_rate: [1, 2]\n  burst_rate: [3, 4]\n  burst_duration: [10, 20]\n  quiet_duration: [30, 40]\n`,
      ),
    );
    expect(t.bench.seed).toBe(5);
    expect(t.bench.benchmarkLength).toBe(10);
    expect(t.workload.kind === 'bursty' && t.workload.spec.baseRatePerS).toEqual({
      CodingAgent: [1, 2],
      RAGAgent: [1, 2],
    });
  });

  it('kv_capacity is off unless a task turns it on; long prompts come with it', () => {
    expect(loadTaskConfig('configs/tasks/easy.yaml').kvCapacity).toBe(false);
    const t = loadTaskConfig(
      taskFile(
        `description: x\nbench_config: ${join(process.cwd(), 'configs/bench_config.yaml')}\nworkload: {kind: patterns}\nkv_capacity: true\nlong_prompts: {share: 0.05, prompt_tokens: [40000, 64000]}\n`,
      ),
    );
    expect(t.kvCapacity).toBe(true);
    // The all-agents form gives every agent the same spec.
    const spec = { share: 0.05, promptTokens: [40000, 64000] };
    expect(t.longPrompts).toEqual({ CodingAgent: spec, RAGAgent: spec });
    const rag = loadTaskConfig(
      taskFile(
        `description: x\nbench_config: ${join(process.cwd(), 'configs/bench_config.yaml')}\nworkload: {kind: patterns}\nkv_capacity: true\nlong_prompts:\n  RAGAgent: {share: 0.02, prompt_tokens: [40000, 100000]}\n`,
      ),
    );
    expect(rag.longPrompts).toEqual({ RAGAgent: { share: 0.02, promptTokens: [40000, 100000] } });
  });

  it('per-agent long prompts name agents of the bench config; an overlay must exist and have the overlay shape', () => {
    const bc = join(process.cwd(), 'configs/bench_config.yaml');
    const head = `description: x\nbench_config: ${bc}\nworkload: {kind: patterns}\nkv_capacity: true\n`;
    expect(() =>
      loadTaskConfig(
        taskFile(`${head}long_prompts:\n  RagAgent: {share: 0.02, prompt_tokens: [40000, 100000]}\n`),
      ),
    ).toThrow(
      /mine\.yaml: long_prompts\.RagAgent \(line 6\): RagAgent is not an agent of the bench config.* — fix: use one of CodingAgent, RAGAgent/,
    );
    expect(() => loadTaskConfig(taskFile(`${head}simulation_overlay: nowhere.yaml\n`))).toThrow(
      /nowhere\.yaml.*check simulation_overlay in .*mine\.yaml/,
    );
    const t = loadTaskConfig('configs/tasks/hard.yaml');
    expect(t.simulationOverlay).toMatch(/configs\/tasks\/overlays\/long-context-rag\.yaml$/);
    expect(t.longPrompts).toEqual({ RAGAgent: { share: 0.01, promptTokens: [40000, 64000] } });
  });

  it('errors name the file, the field with its line, and the fix', () => {
    const bc = join(process.cwd(), 'configs/bench_config.yaml');
    const missingAgent = taskFile(
      `description: x\nbench_config: ${bc}\nworkload:\n  kind: bursty\n  base_rate: {CodingAgent: [1, 2]}\n  burst_rate: [3, 4]\n  burst_duration: [10, 20]\n  quiet_duration: [30, 40]\n`,
    );
    expect(() => loadTaskConfig(missingAgent)).toThrow(
      /mine\.yaml: workload\.base_rate \(line 5\): no rate range for RAGAgent.* — fix: add "RAGAgent: \[min, max\]" under workload\.base_rate/,
    );
    const badKind = taskFile(`description: x\nbench_config: ${bc}\nworkload:\n  kind: wavy\n`);
    expect(() => loadTaskConfig(badKind)).toThrow(/mine\.yaml: workload\.kind.*"patterns" or "bursty"/);
    const badSequence = taskFile(
      `description: x\nbench_config: ${bc}\nworkload:\n  kind: patterns\n  workload_sequence: [{CodingAgent: busy}]\n`,
    );
    expect(() => loadTaskConfig(badSequence)).toThrow(
      /workload\.workload_sequence\[0\] \(line 5\): no pattern for RAGAgent.* — fix: add "RAGAgent: <pattern>"/,
    );
    const partial = taskFile(
      `description: x\nbench_config: ${bc}\nworkload:\n  kind: patterns\n  workloads:\n    busy:\n      rate: {RAGAgent: [1, 2]}\n      duration: [1, 2]\n`,
    );
    expect(() => loadTaskConfig(partial)).toThrow(
      /workload\.workloads\.busy\.rate \(line 7\): no rate range for CodingAgent/,
    );
    const swapped = taskFile(
      `description: x\nbench_config: ${bc}\nworkload:\n  kind: patterns\n  workloads:\n    busy: {rate: [2, 1], duration: [1, 2]}\n`,
    );
    expect(() => loadTaskConfig(swapped)).toThrow(
      /workloads\.busy\.rate.*min 2 is above max 1.*fix: swap them/,
    );
    const longWithoutRule = taskFile(
      `description: x\nbench_config: ${bc}\nworkload: {kind: patterns}\nlong_prompts: {share: 0.1, prompt_tokens: [40000, 50000]}\n`,
    );
    expect(() => loadTaskConfig(longWithoutRule)).toThrow(
      /mine\.yaml: long_prompts \(line 4\): long prompts without the KV-capacity rule.* — fix: add "kv_capacity: true"/,
    );
    const noBench = taskFile(`description: x\nbench_config: nowhere.yaml\nworkload: {kind: patterns}\n`);
    expect(() => loadTaskConfig(noBench)).toThrow(/nowhere\.yaml.*cannot read the file/);
  });
});
