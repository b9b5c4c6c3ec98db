/** The power fit of profiling: P = idle + dynamic·u by least squares over (power.draw, utilisation) samples. */
import { describe, expect, it } from 'vitest';
import { fitPowerModel, type PowerSample, samplePower } from '../../../core/profiling/index.js';

const s = (watts: number | null, busy: number): PowerSample => ({ atMs: 0, watts, busy });

describe('fitPowerModel', () => {
  it('recovers idle and dynamic power from idle and busy readings (hand-computed)', () => {
    // idle mean 60, busy mean 110 → idle 60 W, dynamic 50 W.
    const fit = fitPowerModel([s(59, 0), s(61, 0), s(109, 1), s(111, 1), s(110, 1)]);
    expect(fit.status).toBe('measured');
    if (fit.status !== 'measured') return;
    expect(fit.idleW).toBeCloseTo(60, 10);
    expect(fit.dynamicW).toBeCloseTo(50, 10);
    expect(fit.busySamples).toBe(3);
    expect(fit.samples).toBe(5);
  });

  it('fits fractional utilisation on the line', () => {
    const fit = fitPowerModel([s(50, 0), s(75, 0.5), s(100, 1)]);
    expect(fit).toMatchObject({ status: 'measured' });
    if (fit.status === 'measured') {
      expect(fit.idleW).toBeCloseTo(50, 10);
      expect(fit.dynamicW).toBeCloseTo(50, 10);
    }
  });

  it('says why when it cannot fit: [N/A] readings, no samples, never busy', () => {
    expect(fitPowerModel([s(null, 0), s(null, 1)])).toEqual({
      status: 'unavailable',
      reason: 'nvidia-smi reports power.draw as [N/A] on this GPU',
      samples: 2,
    });
    expect(fitPowerModel([])).toMatchObject({
      status: 'unavailable',
      reason: 'no power.draw samples were taken',
    });
    expect(fitPowerModel([s(60, 0), s(61, 0)])).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/only while the engine was idle/),
    });
  });

  it('leaves out [N/A] readings among real ones', () => {
    const fit = fitPowerModel([s(60, 0), s(null, 1), s(90, 1)]);
    expect(fit).toMatchObject({ status: 'measured', samples: 3, busySamples: 1 });
  });
});

describe('samplePower', () => {
  it('takes readings until stopped, never two at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sampler = samplePower(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { watts: 70, busy: 1 };
    }, 10);
    // Until the third reading has been taken (a fixed wait gets fewer on a loaded machine), then a while longer so
    // further readings overlap the stop.
    const deadline = Date.now() + 30_000;
    while (sampler.samples().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    const samples = await sampler.stop();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    // Stopped means stopped: no reading is taken after stop() returned.
    await new Promise((r) => setTimeout(r, 50));
    expect(sampler.samples()).toHaveLength(samples.length);
    expect(maxInFlight).toBe(1);
    expect(samples.every((x) => x.watts === 70 && x.busy === 1)).toBe(true);
  });
});
