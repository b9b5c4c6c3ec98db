/**
 * The teardown as the deployment's last metered phase: the managed boards' power.draw is read every POWER_SAMPLE_S
 * while the run's containers and MIG instances are removed and once more when that is done, booked from the run's
 * last reading before it (the last window's, or the cut-short window's), so the hand-over from the last window is
 * counted once. A teardown that fails still records what it metered, as cut short.
 */
import { sleep } from '../util/index.js';
import { DeployPowerMeter, POWER_SAMPLE_S } from './deploy-energy.js';
import { readWindowFiles } from './deploy-report.js';
import { lastReadingMs, writePhaseRecord } from './energy-ledger.js';
import { type DeploySession, teardownDeployment } from './session.js';

export async function meteredTeardown(s: DeploySession, attempt: number): Promise<{ containers: string[] }> {
  const outDir = s.input.outDir;
  const meter = new DeployPowerMeter(
    s.power.gpus,
    s.power.read,
    lastReadingMs(outDir, readWindowFiles(outDir)),
  );
  const stop = new AbortController();
  // No agent holds a slice once its engines go: the above-idle draw is booked `unattributed`.
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const tick = Date.now();
      await meter.sample([], tick);
      await sleep(POWER_SAMPLE_S * 1000 - (Date.now() - tick), stop.signal);
    }
  })();
  let failure: unknown;
  let result: { containers: string[] } = { containers: [] };
  try {
    result = await teardownDeployment(s);
  } catch (err) {
    failure = err;
  }
  stop.abort();
  await loop;
  await meter.sample([]);
  writePhaseRecord(outDir, {
    phase: 'teardown',
    attempt,
    complete: failure === undefined,
    ...(failure !== undefined
      ? { endedBy: `failed: ${failure instanceof Error ? failure.message : String(failure)}` }
      : {}),
    energy: meter.summary(),
  });
  if (failure !== undefined) throw failure;
  return result;
}
