import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowInputJsonSchema } from '../../../cli/commands/schema.js';
import { PipelineInput } from '../../../contracts/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';

describe('workflow inputs', () => {
  it('the documented JSON Schema of PipelineWorkflow input is the one the zod schema generates', () => {
    const documented = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'pipeline.schema.json'), 'utf8'));
    expect(documented).toEqual(workflowInputJsonSchema('pipeline'));
  });

  it('the sample pipeline input in configs/ is valid and gets the documented defaults', () => {
    const parsed = PipelineInput.parse(
      JSON.parse(readFileSync(join(PROJECT_ROOT, 'configs', 'pipeline.json'), 'utf8')),
    );
    expect(parsed.stages).toEqual({
      datasets: true,
      profiling: true,
      fit: true,
      validate: false,
      train: true,
      bench: true,
      deploy: false,
    });
    expect(parsed.bench.policies).toEqual(['static_no_mig', 'static_split_extreme', 'heuristic', 'qas']);
    expect(parsed.heartbeatTimeoutS).toBe(30);
    expect(parsed.datasets.map((d) => d.kind)).toEqual(['coder', 'rag', 'chat']);
    // Two (model, MIG profile) pairs on the two emulated GPUs that also run the grid's trials.
    expect(parsed.profiling?.targets.map((t) => [t.model, t.profile, t.gpu])).toEqual([
      ['qwen2.5-coder-7b-instruct', '3g.20gb', 0],
      ['qwen2.5-3b-instruct', '1g.10gb', 1],
    ]);
    expect(parsed.train.gpus).toEqual([0, 1]);
    expect(parsed.fit.writeBack).toBe('working-copy');
  });

  it('refuses a profiling stage with nothing to profile, and a fit without profiling, naming the field', () => {
    const noTargets = PipelineInput.safeParse({ datasets: [{ kind: 'coder', inputs: ['x'] }] });
    expect(noTargets.success).toBe(false);
    expect(noTargets.error?.issues[0]?.path).toEqual(['profiling']);
    const fitAlone = PipelineInput.safeParse({
      datasets: [{ kind: 'coder', inputs: ['x'] }],
      stages: { profiling: false },
    });
    expect(fitAlone.success).toBe(false);
    expect(fitAlone.error?.issues[0]?.path).toEqual(['stages', 'fit']);
    const benchOnly = PipelineInput.safeParse({
      datasets: [{ kind: 'coder', inputs: ['x'] }],
      stages: { profiling: false, fit: false, train: false },
    });
    expect(benchOnly.success).toBe(true);
  });

  it('rejects unknown fields so a typo never silently disables a stage', () => {
    const r = PipelineInput.safeParse({
      datasets: [{ kind: 'coder', inputs: ['x'] }],
      stage: { datasets: false },
    });
    expect(r.success).toBe(false);
  });
});

describe('bench stage input', () => {
  it('offers exactly the named policies core/bench implements, the baselines among them', async () => {
    const { BASELINE_POLICIES } = await import('../../../core/control/index.js');
    const { BaselinePolicy, BenchPolicyName, BenchStageInput } = await import('../../../contracts/index.js');
    expect([...BenchPolicyName.options].sort()).toEqual(Object.keys(BASELINE_POLICIES).sort());
    for (const name of BenchPolicyName.options) expect(BASELINE_POLICIES[name]!().name).toBe(name);
    for (const name of BaselinePolicy.options) expect(BenchPolicyName.options).toContain(name);
    expect(BenchStageInput.safeParse({ policies: ['idle_merge'] }).success).toBe(true);
  });
});
