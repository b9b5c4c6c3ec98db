/** The MIG controller against the nvidia-smi emulator: layouts, splits/merges in the reference's order, reconcile. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigController } from '../../../core/deploy/mig-controller.js';
import { NvidiaSmi } from '../../../core/deploy/nvidia-smi.js';
import { GeometryError } from '../../../core/errors.js';
import { A100_40GB } from '../../../core/mig/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { newState } from '../../../emulators/nvidia-smi/state.js';

let dir: string;
let smi: NvidiaSmi;
let mig: MigController;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-migctl-'));
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(newState(['A100_40GB', 'A100_40GB'])));
  smi = new NvidiaSmi({
    binary: join(PROJECT_ROOT, 'emulators', 'nvidia-smi', 'bin', 'nvidia-smi'),
    env: { ...process.env, MIGFLOW_NVIDIA_SMI_STATE: stateFile } as Record<string, string>,
    sleep: async () => {},
  });
  // Only GPU 0 is listed: GPU 1 belongs to someone else.
  mig = new MigController(smi, [{ index: 0, profiles: A100_40GB }]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mutating = (calls: string[][]) =>
  calls.filter((c) => c.includes('-cgi') || c.includes('-dgi') || c.includes('-dci'));

describe('MigController', () => {
  it('configures a state and reads it back with one UUID per instance', async () => {
    const layout = await mig.configure(0, 3);
    expect(layout.state).toBe(3);
    expect(layout.slots.map((s) => [s.start, s.hardware])).toEqual([
      [0, '4g.20gb'],
      [4, '2g.10gb'],
      [6, '1g.10gb'],
    ]);
    expect(new Set(layout.slots.map((s) => s.uuid)).size).toBe(3);
  });

  it('splits 7G into 4G + 3G in the reference order and leaves untouched instances alone', async () => {
    await mig.configure(0, 1);
    smi.calls.length = 0;
    const r = await mig.applyTransition(0, 1, 2);
    expect(mutating(smi.calls)).toEqual([
      ['mig', '-dci', '-ci', '0', '-gi', '0', '-i', '0'],
      ['mig', '-dgi', '-gi', '0', '-i', '0'],
      ['mig', '-cgi', '4g.20gb:0', '-C', '-i', '0'],
      ['mig', '-cgi', '3g.20gb:4', '-C', '-i', '0'],
    ]);
    expect(r.layout.state).toBe(2);
    expect(r.created.map((s) => s.start)).toEqual([0, 4]);
    expect(r.removedStarts).toEqual([0]);

    // Split the 3G (state 2 → 3): the 4G keeps its UUID.
    const uuid4g = r.layout.slots.find((s) => s.start === 0)!.uuid;
    const r2 = await mig.applyTransition(0, 2, 3);
    expect(r2.layout.state).toBe(3);
    expect(r2.layout.slots.find((s) => s.start === 0)!.uuid).toBe(uuid4g);
    // And merge back (3 → 2).
    expect((await mig.applyTransition(0, 3, 2)).layout.state).toBe(2);
  });

  it('refuses illegal transitions, unsupported profiles and GPUs not listed, without touching the hardware', async () => {
    await mig.configure(0, 2);
    smi.calls.length = 0;
    await expect(mig.applyTransition(0, 2, 12)).rejects.toBeInstanceOf(GeometryError);
    await expect(mig.applyTransition(0, 2, 9)).rejects.toThrow(/1S is not supported on A100_40GB/);
    await expect(mig.configure(1, 1)).rejects.toThrow(/GPU 1 is not listed in deployment.yaml/);
    expect(mutating(smi.calls)).toEqual([]);
  });

  it('reconciles a GPU left halfway through a split (source gone, one target created) to the desired state', async () => {
    await mig.configure(0, 1);
    // A worker died after destroying 7G@0 and creating only 4G@0 of the 1 → 2 split.
    const gi = (await smi.listGpuInstances(0))[0]!.giId;
    await smi.destroyGpuInstance(0, gi);
    await smi.createGpuInstance(0, '4g.20gb', 0);
    const r = await mig.reconcile(0, 2);
    expect(r.destroyed).toEqual([]);
    expect(r.created.map((c) => [c.start, c.hardware])).toEqual([[4, '3g.20gb']]);
    expect(r.layout.state).toBe(2);
    // Already there: nothing to do.
    const again = await mig.reconcile(0, 2);
    expect([again.destroyed, again.created]).toEqual([[], []]);
  });

  it('reconciles away instances that do not belong to the desired state', async () => {
    await mig.configure(0, 12);
    const r = await mig.reconcile(0, 2);
    expect(r.destroyed.map((d) => d.start)).toEqual([0, 2, 4, 6]);
    expect(r.layout.state).toBe(2);
  });

  it('stops reconfiguring between nvidia-smi operations once aborted, leaving whole instances the teardown clears', async () => {
    await mig.configure(0, 12);
    smi.calls.length = 0;
    // The deployment is stopped while the first instance is being destroyed.
    const stop = new AbortController();
    const destroy = smi.destroyGpuInstance.bind(smi);
    smi.destroyGpuInstance = async (gpu, gi) => {
      await destroy(gpu, gi);
      stop.abort(new Error('deployment stopped'));
    };
    await expect(mig.reconcile(0, 2, stop.signal)).rejects.toThrow('deployment stopped');
    // That destroy finished; nothing after it ran, so no instance was created for the abandoned layout.
    expect(mutating(smi.calls).filter((c) => c.includes('-dgi'))).toHaveLength(1);
    expect(mutating(smi.calls).filter((c) => c.includes('-cgi'))).toEqual([]);
    const left = await mig.readLayout(0);
    expect(left.slots.map((x) => x.start)).toEqual([2, 4, 6]);
    await mig.clear();
    expect((await mig.readLayout(0)).slots).toEqual([]);
  });
});
