/** The power fit of profiling: P = idle + dynamic·u by least squares over (power.draw, utilisation) samples. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  fitPowerModel,
  type PowerSample,
  readWithUtilisation,
  samplePower,
  trackUtilisation,
} from '../../../core/profiling/index.js';

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
    expect(
      fitPowerModel([
        { ...s(null, 0), reason: 'power.draw of GPU 0 reads [N/A]' },
        { ...s(null, 1), reason: 'power.draw of GPU 0 reads [N/A]' },
      ]),
    ).toEqual({
      status: 'unavailable',
      reason: 'no power.draw value in any of 2 samples: power.draw of GPU 0 reads [N/A]',
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

describe('trackUtilisation', () => {
  it("pairs a reading with the engine's busy fraction over the second before it, from a real /metrics endpoint", async () => {
    let running = 0;
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`vllm:num_requests_running{model_name="m"} ${running}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const tracker = trackUtilisation(`http://127.0.0.1:${port}`, 20);
    try {
      const busyFrom = Date.now();
      running = 3;
      await new Promise((r) => setTimeout(r, 800));
      const busyTo = Date.now();
      running = 0;
      await new Promise((r) => setTimeout(r, 800));
      const idleTo = Date.now();
      // Polls every 20 ms (a poll in flight at a switch may read either side, hence the margins): the busy stretch
      // reads 1, the idle one 0, both together about ½.
      expect(tracker.busyFraction(busyFrom + 250, busyTo - 250)).toBeGreaterThan(0.9);
      expect(tracker.busyFraction(busyTo + 250, idleTo)).toBeLessThan(0.1);
      const both = tracker.busyFraction(busyFrom, idleTo);
      expect(both).toBeGreaterThan(0.25);
      expect(both).toBeLessThan(0.75);
      // A reading that ends now pairs with the last second only: mostly the idle 800 ms, not the whole history.
      const paired = await readWithUtilisation(async () => ({ watts: 123 }), tracker);
      expect(paired.watts).toBe(123);
      expect(paired.busy).toBeLessThan(0.4);
    } finally {
      await tracker.stop();
      server.close();
    }
  });
});
