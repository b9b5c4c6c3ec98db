import { describe, expect, it } from 'vitest';
import { ProfilingPlanInput } from '../../../contracts/index.js';

describe('the profiling plan', () => {
  it('refuses fewer prompts per level than its highest concurrency level, and takes as many', () => {
    const r = ProfilingPlanInput.safeParse({ concurrency: { levels: [2, 4, 8], promptsPerLevel: 6 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['concurrency', 'promptsPerLevel'],
      message: expect.stringMatching(/below the highest concurrency level.*raise promptsPerLevel/),
    });
    expect(
      ProfilingPlanInput.parse({ concurrency: { levels: [2, 4, 8], promptsPerLevel: 8 } }).concurrency,
    ).toMatchObject({ promptsPerLevel: 8 });
    // Unset: the reference's 20 + floor((N−1)·60/29) prompts, at least N at every level.
    expect(ProfilingPlanInput.parse({}).concurrency.promptsPerLevel).toBeUndefined();
  });
});
