/** migflow's nvidia-smi layer: parsers on the real tool's output shapes, primitives against the emulator process. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NvidiaSmi,
  parseGpuInstances,
  parseMigList,
  parseQueryXml,
} from '../../../core/deploy/nvidia-smi.js';
import { CommandError } from '../../../core/errors.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { newState } from '../../../emulators/nvidia-smi/state.js';

// As the spec quotes it (A100, state 3).
const LGI = `+-------------------------------------------------------+
| GPU instances:                                        |
| GPU   Name             Profile  Instance   Placement  |
|                          ID       ID       Start:Size |
|=======================================================|
|   0  MIG 4g.20gb          5        1          0:4     |
+-------------------------------------------------------+
|   0  MIG 2g.10gb         14        3          4:2     |
+-------------------------------------------------------+
|   0  MIG 1g.10gb         15        4          6:2     |
+-------------------------------------------------------+`;

describe('nvidia-smi parsers', () => {
  it('reads GPU instance ids and start slices from mig -lgi, ignoring borders and headers', () => {
    expect(parseGpuInstances(LGI, 1)).toEqual([
      { gpu: 1, giId: 1, profile: '4g.20gb', start: 0 },
      { gpu: 1, giId: 3, profile: '2g.10gb', start: 4 },
      { gpu: 1, giId: 4, profile: '1g.10gb', start: 6 },
    ]);
  });

  it('maps MIG device indices to UUIDs per GPU from -L, and device index to GI id from -q -x', () => {
    const list = parseMigList(`GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5f1a0000-0000-0000-0000-000000000000)
  MIG 2g.10gb     Device  0: (UUID: MIG-bbbbbbbb-0000-5000-a000-000000000000)
  MIG 4g.20gb     Device  1: (UUID: MIG-aaaaaaaa-0000-5000-a000-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-6f1a0000-0000-0000-0000-000000000000)`);
    expect(list.get(0)).toEqual(
      new Map([
        [0, 'MIG-bbbbbbbb-0000-5000-a000-000000000000'],
        [1, 'MIG-aaaaaaaa-0000-5000-a000-000000000000'],
      ]),
    );
    expect(list.get(1)).toEqual(new Map());
    const gpus = parseQueryXml(`<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log><gpu id="00000000:07:00.0"><product_name>NVIDIA A100-SXM4-40GB</product_name>
<mig_mode><current_mig>Enabled</current_mig></mig_mode>
<mig_devices><mig_device><index>0</index><gpu_instance_id>3</gpu_instance_id></mig_device>
<mig_device><index>1</index><gpu_instance_id>1</gpu_instance_id></mig_device></mig_devices>
<uuid>GPU-5f1a</uuid><minor_number>0</minor_number></gpu>
<gpu id="00000000:0F:00.0"><product_name>NVIDIA H200</product_name><mig_mode><current_mig>Disabled</current_mig></mig_mode>
<mig_devices>None</mig_devices><uuid>GPU-9</uuid><minor_number>1</minor_number></gpu></nvidia_smi_log>`);
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA A100-SXM4-40GB',
        uuid: 'GPU-5f1a',
        migEnabled: true,
        devices: new Map([
          [0, 3],
          [1, 1],
        ]),
      },
      { index: 1, name: 'NVIDIA H200', uuid: 'GPU-9', migEnabled: false, devices: new Map() },
    ]);
  });
});

describe('MIG primitives against the nvidia-smi emulator', () => {
  let dir: string;
  let stateFile: string;
  let sleeps: number[];
  let smi: NvidiaSmi;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'migflow-smi-'));
    stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify(newState(['A100_40GB', 'A100_40GB'])));
    sleeps = [];
    smi = new NvidiaSmi({
      binary: join(PROJECT_ROOT, 'emulators', 'nvidia-smi', 'bin', 'nvidia-smi'),
      env: { ...process.env, MIGFLOW_NVIDIA_SMI_STATE: stateFile } as Record<string, string>,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lays out state 3 (4g@0, 2g@4, 1g.10gb@6) and resolves a distinct UUID per start slice', async () => {
    expect(await smi.listGpuInstances(0)).toEqual([]);
    for (const [profile, start] of [
      ['4g.20gb', 0],
      ['2g.10gb', 4],
      ['1g.10gb', 6],
    ] as const) {
      await smi.createGpuInstance(0, profile, start);
    }
    const uuids = await smi.resolveUuids(0);
    expect([...uuids.keys()]).toEqual([0, 4, 6]);
    expect(new Set(uuids.values()).size).toBe(3);
    for (const u of uuids.values())
      expect(u).toMatch(/^MIG-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await smi.listGpuInstances(1)).toEqual([]);
  });

  it('refuses what the driver refuses: an overlapping placement and a start slice the profile cannot use', async () => {
    await smi.createGpuInstance(0, '4g.20gb', 0);
    const overlap = await smi.createGpuInstance(0, '3g.20gb', 0).catch((e: unknown) => e);
    expect(overlap).toBeInstanceOf(CommandError);
    expect((overlap as CommandError).exitCode).toBe(23);
    expect((overlap as CommandError).message).toMatch(/Insufficient Resources/);
    const badStart = await smi.createGpuInstance(0, '3g.20gb', 2).catch((e: unknown) => e);
    expect((badStart as CommandError).exitCode).toBe(2);
    expect((badStart as CommandError).message).toMatch(/Invalid Argument/);
  });

  it('destroys CI then GI, retrying "In use by another client" with diagnostics and 5 s pauses', async () => {
    const gi = await smi.createGpuInstance(0, '7g.40gb', 0);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    state.faults = { dgiInUse: { gpu: 0, remaining: 2 } };
    writeFileSync(stateFile, JSON.stringify(state));
    smi.calls.length = 0;
    await smi.destroyGpuInstance(0, gi);
    const dgi = smi.calls.filter((c) => c.includes('-dgi'));
    expect(smi.calls[0]).toEqual(['mig', '-dci', '-ci', '0', '-gi', String(gi), '-i', '0']);
    expect(dgi).toHaveLength(3);
    expect(smi.calls.filter((c) => c.length === 0)).toHaveLength(2);
    expect(sleeps).toEqual([3000, 5000, 5000]);
    expect(await smi.listGpuInstances(0)).toEqual([]);
  });

  it("gives up after three in-use attempts with the driver's exit code", async () => {
    const gi = await smi.createGpuInstance(1, '4g.20gb', 0);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    state.faults = { dgiInUse: { gpu: 1, remaining: 5 } };
    writeFileSync(stateFile, JSON.stringify(state));
    const err = await smi.destroyGpuInstance(1, gi).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(19);
    expect(await smi.listGpuInstances(1)).toHaveLength(1);
  });
});
