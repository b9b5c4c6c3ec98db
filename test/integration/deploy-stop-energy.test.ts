/**
 * A deployment stopped mid-window still reports its energy, and says it is partial: DeployWorkflow on emulated GPUs
 * (real Temporal, Docker containers of the vLLM emulator, the nvidia-smi emulator's power.draw) is sent the stop
 * signal while its second window serves. The report lists the set-up and window 0 as metered in full, window 1 as cut
 * short by the cancellation with what it had metered, and the teardown after it — end to end, each phase starting at
 * the previous one's last reading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployEnergy, DeployResult } from '../../contracts/index.js';
import { deployStatusQuery, deployStopSignal } from '../../contracts/temporal/index.js';
import {
  containerOwners,
  deployRun,
  describeForFailure,
  expectEnergyPhases,
  stopLatencyS,
  useDeployTemporal,
} from '../helpers/deploy-run.js';
import { pollUntil } from '../helpers/poll.js';

const temporal = useDeployTemporal();

describe('DeployWorkflow stopped mid-window', () => {
  it('reports the energy metered up to the stop, with the window it stopped in cut short, and the teardown', async () => {
    const run = await deployRun(temporal, 'deploy-stop');
    const { input } = run;
    let latencyS: number | undefined;
    let phaseAtStop = '';
    const result = await run.run(async () => {
      const handle = await run.start();
      // Window 0 (with the set-up) done, window 1 under way: stop.
      await pollUntil(async () => (await handle.query(deployStatusQuery)).window >= 1, 240_000, 500);
      expect((await handle.query(deployStatusQuery)).window, await describeForFailure(handle)).toBe(1);
      // A few seconds into window 1 (its first power readings taken), whatever it is doing then.
      await new Promise((r) => setTimeout(r, 3_000));
      // What the window was doing (its last heartbeat), for the log next to the stop latency.
      phaseAtStop = await describeForFailure(handle);
      await handle.signal(deployStopSignal);
      const r = (await handle.result()) as DeployResult;
      latencyS = await stopLatencyS(handle);
      return r;
    });

    console.log(
      `stop latency (signal → window ended): ${latencyS?.toFixed(1)} s; at the stop: ${phaseAtStop}`,
    );
    // A stop reaches the window with the next heartbeat's response (1 s throttle) and ends a reconfiguration at the
    // next nvidia-smi operation; 24.6 s were measured before either (8 s throttle, MIG reconfigured to the end).
    // The bound leaves room for a loaded two-core machine.
    expect(latencyS, 'the window ended after the stop (history events)').toBeDefined();
    expect(latencyS!).toBeLessThan(15);
    expect(result.windows).toBe(1);
    const { energy } = run.report<{ energy: DeployEnergy }>();
    expectEnergyPhases(energy, [
      ['set-up', true],
      ['window 0', true],
      ['window 1', false],
      ['teardown', true],
    ]);
    const cut = energy.phases[2]!;
    expect(cut.endedBy).toMatch(/^cancelled/);
    // The stopped window had served for seconds at ≥ 56.4 W per emulated board before the stop.
    expect(cut.meteredS).toBeGreaterThan(1);
    expect(cut.energyJ).toBeGreaterThanOrEqual(2 * 56.4 * cut.meteredS * 0.99);
    // Nothing silent: the figures are flagged partial (expectEnergyPhases) and say which phase was cut short, in
    // JSON and text.
    expect(energy.notes).toEqual([expect.stringMatching(/^window 1 was cut short \(cancelled/)]);
    const text = readFileSync(join(input.outDir!, 'report.txt'), 'utf8');
    expect(text).toMatch(/│ window 1 +│[^\n]*│ cut short: cancelled/);
    expect(text).toMatch(/│ all phases +│[^\n]*│ PARTIAL/);
    expect(result.energy).toEqual(energy);
    expect(await containerOwners(input.deploymentId)).toEqual({});
  }, 600_000);
});
