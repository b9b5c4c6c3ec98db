/**
 * Nothing silent in profiling's power readings: when no power.draw value could be read during a sweep, the power fit
 * (what the profiling log, the fit write-back report and the run report show) says why — the `[N/A]` nvidia-smi
 * printed, its exit code and message, or the binary that could not run — read through the real reader from the
 * nvidia-smi emulator and from real failing binaries.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { profilingPowerSource } from '../../../activities/profiling-power.js';
import { EMULATED_NVIDIA_SMI } from '../../../core/deploy/session.js';
import {
  fitPowerModel,
  type PowerReading,
  type PowerSample,
  readPowerDrawWithReason,
  readWithUtilisation,
  samplePower,
  trackUtilisation,
  whyNoValue,
} from '../../../core/profiling/index.js';
import { newState, powerOverride, writeState } from '../../../emulators/nvidia-smi/state.js';
import { pollUntil } from '../../helpers/poll.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-power-reason-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Samples `read` as a profiling sweep does (paired with utilisation, every 20 ms) until `n` are taken; fits them. */
async function sweepPower(read: () => Promise<PowerReading>, n = 3) {
  // Nothing listens there: the engine reads as idle, as it does between requests.
  const tracker = trackUtilisation('http://127.0.0.1:9', 20);
  const sampler = samplePower(() => readWithUtilisation(read, tracker), 20);
  try {
    await pollUntil(async () => sampler.samples().length >= n, 20_000, 20);
  } finally {
    await sampler.stop();
    await tracker.stop();
  }
  const samples = sampler.samples();
  return { samples, fit: fitPowerModel(samples) };
}

describe("profiling's power fit says why it has no reading", () => {
  it('[N/A] as nvidia-smi printed it (the emulator, a board without a power sensor)', async () => {
    const state = join(dir, 'na.json');
    writeState(state, newState(['A100_40GB'], powerOverride('N/A')));
    const { samples, fit } = await sweepPower(() =>
      readPowerDrawWithReason(0, { binary: EMULATED_NVIDIA_SMI, env: { MIGFLOW_NVIDIA_SMI_STATE: state } }),
    );
    expect(samples.every((s) => s.watts === null && s.reason === 'power.draw of GPU 0 reads [N/A]')).toBe(
      true,
    );
    expect(fit).toEqual({
      status: 'unavailable',
      reason: `no power.draw value in any of ${samples.length} samples: power.draw of GPU 0 reads [N/A]`,
      samples: samples.length,
    });
  });

  it("nvidia-smi's exit code and message (a driver that does not answer)", async () => {
    const smi = join(dir, 'failing-nvidia-smi');
    writeFileSync(
      smi,
      '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9\n',
    );
    chmodSync(smi, 0o755);
    const { fit } = await sweepPower(() => readPowerDrawWithReason(0, { binary: smi }));
    expect(fit).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(
        /^no power\.draw value in any of \d+ samples: \S*failing-nvidia-smi exited 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\.$/,
      ),
    });
  });

  describe('the profiling activity’s reader on real hardware (MIGFLOW_NVIDIA_SMI)', () => {
    const saved = process.env.MIGFLOW_NVIDIA_SMI;
    afterEach(() => {
      if (saved === undefined) delete process.env.MIGFLOW_NVIDIA_SMI;
      else process.env.MIGFLOW_NVIDIA_SMI = saved;
    });

    it('names a binary that could not run', async () => {
      process.env.MIGFLOW_NVIDIA_SMI = join(dir, 'no-such-nvidia-smi');
      const source = profilingPowerSource({
        emulated: false,
        workDir: join(dir, 'work'),
        gpu: 0,
        gpuModel: 'A100_40GB',
        profile: '3g.20gb',
      })!;
      const { fit } = await sweepPower(source.read);
      expect(fit).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(
          /^no power\.draw value in any of \d+ samples: \S*no-such-nvidia-smi could not run: /,
        ),
      });
    });
  });
});

describe('whyNoValue', () => {
  const none = (reason?: string): PowerSample => ({
    atMs: 0,
    watts: null,
    busy: 0,
    ...(reason ? { reason } : {}),
  });

  it('lists each reason once, the most frequent first, counted when they differ; readings with a value do not count', () => {
    expect(whyNoValue([none('a'), none('a')])).toBe('a');
    expect(whyNoValue([none('b'), none('a'), none('a'), { atMs: 0, watts: 60, busy: 1 }])).toBe(
      'a (2 samples); b (1 sample)',
    );
    expect(whyNoValue([none()])).toBe('no reason recorded');
    expect(fitPowerModel([none('power.draw of GPU 0 reads [N/A]')])).toEqual({
      status: 'unavailable',
      reason: 'no power.draw value in the one sample: power.draw of GPU 0 reads [N/A]',
      samples: 1,
    });
  });

  it('a reading that threw is a sample without a value that says so', async () => {
    const sampler = samplePower(async () => {
      throw new Error('nvidia-smi power.draw: cannot read "12,5" as watts');
    }, 10);
    await pollUntil(async () => sampler.samples().length >= 1, 10_000, 10);
    const samples = await sampler.stop();
    expect(samples[0]).toMatchObject({
      watts: null,
      reason: 'the power reading failed: nvidia-smi power.draw: cannot read "12,5" as watts',
    });
    expect(fitPowerModel(samples)).toMatchObject({
      reason: expect.stringContaining(
        'the power reading failed: nvidia-smi power.draw: cannot read "12,5" as watts',
      ),
    });
  });
});
