/**
 * Faults during a live deployment, each reported, reconciled and survived: the nvidia-smi emulator refuses to
 * create a GPU instance in the middle of a split/merge, one slice's engine never becomes healthy, and a running
 * engine dies mid-run. The decision loop keeps going to the end of the run.
 */
import { describe, expect, it } from 'vitest';
import { deployStatusQuery } from '../../contracts/temporal/index.js';
import { readState, withStateLock, writeState } from '../../emulators/nvidia-smi/state.js';
import {
  containerOwners,
  dashboardData,
  deployRun,
  docker,
  migState,
  pollWhileRunning,
  useDeployTemporal,
} from '../helpers/deploy-run.js';

const temporal = useDeployTemporal();

describe('DeployWorkflow faults', () => {
  it('reports a refused MIG create, an engine that never becomes healthy and an engine that dies, reconciles, and keeps deciding to the end', async () => {
    const run = await deployRun(temporal, 'deploy-faults', {
      // The 1g.10gb engine of GPU 1 (present in the seeded initial layout) never answers /health.
      slotEnv: { 'gpu1-s6': { MIGFLOW_EMU_FAULT: 'never-healthy' } },
      healthTimeoutS: 8,
    });
    const { input, smiState, dashboardPort } = run;
    let injectedCreateFault = false;
    let killedEngine = false;
    const result = await run.run(async () =>
      pollWhileRunning(await run.start(), 200, async (handle) => {
        const s = await handle.query(deployStatusQuery).catch(() => undefined);
        const pending = s?.actions.find((a) => a.status === 'pending' && a.kind !== 'transfer');
        if (pending && !injectedCreateFault) {
          // The driver refuses the next GPU-instance create on that GPU: the split/merge cannot finish.
          const g = Number(/^GPU (\d+)/.exec(pending.details)?.[1]);
          withStateLock(smiState, () => {
            const st = readState(smiState);
            st.faults.cgiFail = { gpu: g, remaining: 1 };
            writeState(smiState, st);
          });
          injectedCreateFault = true;
        }
        const phase =
          s && s.window >= 1 ? ((await dashboardData(dashboardPort)) as { phase?: string })?.phase : '';
        // The dashboard's phase reads `window N/M: serving (…)` while the window's arrivals are being sent.
        if (phase !== undefined && /^window \d+\/\d+: serving/.test(phase) && !killedEngine) {
          // Mid-window, the coding agent's permanent engine dies (its container is killed outright).
          const name = `migflow-${input.deploymentId}-sim2-s0`;
          await docker
            .getContainer(name)
            .kill()
            .then(() => {
              killedEngine = true;
            })
            .catch(() => {});
        }
      }),
    );

    expect(result.windows).toBe(3);
    const report = run.report<{
      faults: { kind: string; slot?: string; handling: string }[];
      actions: { status: string }[];
      requests: { planned: number; completed: number; failed: number; cancelled: number };
    }>();
    const kinds = report.faults.map((f) => `${f.kind}:${f.slot ?? ''}`);
    expect(kinds).toContain('engine-start:gpu1-s6');
    expect(
      report.faults.some(
        (f) => f.kind === 'engine-died' && f.slot === 'sim2-s0' && /restarted/.test(f.handling),
      ),
    ).toBe(true);
    if (injectedCreateFault) {
      expect(report.faults.some((f) => f.kind === 'reconfiguration' && /reverted/.test(f.handling))).toBe(
        true,
      );
      expect(report.actions.some((a) => a.status === 'failed')).toBe(true);
    }
    expect(injectedCreateFault || report.actions.length === 0).toBe(true);
    const r = report.requests;
    expect(r.completed + r.failed + r.cancelled).toBe(r.planned);
    expect(r.completed).toBeGreaterThan(0);
    expect(await containerOwners(input.deploymentId)).toEqual({});
    expect(migState(smiState).gpus.map((g) => g.instances.length)).toEqual([0, 0]);
  }, 900_000);
});
