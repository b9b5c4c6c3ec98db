/**
 * The nvidia-smi emulator's power.draw: real nvidia-smi's CSV shapes (header with units, `noheader`, `nounits`,
 * `-i`), `[N/A]` for a MIG device and a board without a power sensor, and a reading that follows the load the vLLM
 * emulator reports for the slice it runs on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import {
  type NvidiaSmiCommand,
  parsePowerDraw,
  readPowerDrawWithReason,
} from '../../../core/profiling/index.js';

/** One reading's watts (null without a value). */
const wattsOf = async (gpu: number, cmd: NvidiaSmiCommand) => (await readPowerDrawWithReason(gpu, cmd)).watts;

import { runNvidiaSmi } from '../../../emulators/nvidia-smi/nvidia-smi.js';
import { activityDir, activityFile } from '../../../emulators/nvidia-smi/power.js';
import { newState, readState } from '../../../emulators/nvidia-smi/state.js';
import { spawnEmulator } from '../../../emulators/vllm/spawn.js';

let dir: string;
let stateFile: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-smi-power-'));
  stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(newState(['A100_40GB', 'B200'])));
  env = { MIGFLOW_NVIDIA_SMI_STATE: stateFile };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const smi = (...argv: string[]) => runNvidiaSmi(argv, env);

function reportLoad(device: string, busy: number, atMs = Date.now()): void {
  mkdirSync(activityDir(stateFile), { recursive: true });
  writeFileSync(activityFile(activityDir(stateFile), device), JSON.stringify({ device, busy, atMs }));
}

describe('nvidia-smi --query-gpu=power.draw (emulator)', () => {
  it('prints one reading per GPU with two decimals, the header and units unless told not to', () => {
    expect(smi('--query-gpu=power.draw', '--format=csv,noheader,nounits')).toEqual({
      stdout: '56.40\n148.00\n',
      stderr: '',
      code: 0,
    });
    expect(smi('--query-gpu=index,power.draw', '--format=csv').stdout).toBe(
      'index, power.draw [W]\n0, 56.40 W\n1, 148.00 W\n',
    );
    expect(smi('--query-gpu=power.draw', '--format=csv,noheader', '-i', '1').stdout).toBe('148.00 W\n');
  });

  it('answers -i by index or GPU UUID; a MIG device has no reading of its own; an unknown id is not found', () => {
    const state = readState(stateFile);
    expect(
      smi('--query-gpu=power.draw', '--format=csv,noheader,nounits', '-i', state.gpus[1]!.uuid).stdout,
    ).toBe('148.00\n');
    expect(smi('mig', '-cgi', '3g.20gb', '-C', '-i', '0').code).toBe(0);
    const mig = readState(stateFile).gpus[0]!.instances[0]!.uuid;
    expect(smi('--query-gpu=uuid,power.draw', '--format=csv,noheader,nounits', '-i', mig).stdout).toBe(
      `${mig}, [N/A]\n`,
    );
    expect(smi('--query-gpu=power.draw', '--format=csv,noheader', '-i', '7')).toMatchObject({
      code: 6,
      stderr: 'No devices were found\n',
    });
    expect(smi('--query-gpu=power.draw').code).toBe(2);
  });

  it('draws idle + (max − idle)·compute/7·busy for each slice an engine reports load on; stale reports are idle', () => {
    smi('mig', '-cgi', '3g.20gb', '-C', '-i', '0');
    smi('mig', '-cgi', '1g.10gb', '-C', '-i', '0');
    const [g3, g1] = readState(stateFile).gpus[0]!.instances;
    const read = () =>
      Number(smi('--query-gpu=power.draw', '--format=csv,noheader,nounits', '-i', '0').stdout);
    reportLoad(g3!.uuid, 1);
    expect(read()).toBeCloseTo(56.4 + (335.6 * 3) / 7, 2);
    reportLoad(g1!.uuid, 0.5);
    expect(read()).toBeCloseTo(56.4 + (335.6 * 3) / 7 + (335.6 * 0.5) / 7, 2);
    reportLoad(g3!.uuid, 1, Date.now() - 10_000);
    expect(read()).toBeCloseTo(56.4 + (335.6 * 0.5) / 7, 2);
  });

  it('prints [N/A] for a board without a power sensor (MIGFLOW_EMULATED_GPU_POWER=N/A)', () => {
    rmSync(stateFile);
    env.MIGFLOW_EMULATED_GPU_POWER = 'N/A';
    expect(smi('--query-gpu=power.draw', '--format=csv,noheader,nounits').stdout).toBe('[N/A]\n[N/A]\n');
  });

  it('reaches the same readings as a separate process through execa (migflow’s reader)', async () => {
    const cmd = {
      binary: join(PROJECT_ROOT, 'emulators', 'nvidia-smi', 'bin', 'nvidia-smi'),
      env: { ...process.env, MIGFLOW_NVIDIA_SMI_STATE: stateFile } as Record<string, string>,
    };
    expect(await readPowerDrawWithReason(1, cmd)).toEqual({ watts: 148 });
    expect(await readPowerDrawWithReason(9, cmd)).toMatchObject({
      watts: null,
      reason: expect.stringMatching(/exited 6: No devices were found/),
    });
  });
});

describe('the vLLM emulator’s load in power.draw', () => {
  it('raises the board’s reading while its engine serves and drops it back when idle', async () => {
    smi('mig', '-cgi', '7g.40gb', '-C', '-i', '0');
    const uuid = readState(stateFile).gpus[0]!.instances[0]!.uuid;
    const emu = await spawnEmulator(['--boot-ms', '0', '--decode-alpha', '0.02', '--decode-beta', '0'], {
      env: { NVIDIA_VISIBLE_DEVICES: uuid, MIGFLOW_EMU_DEVICE_ACTIVITY_DIR: activityDir(stateFile) },
    });
    const cmd = {
      binary: join(PROJECT_ROOT, 'emulators', 'nvidia-smi', 'bin', 'nvidia-smi'),
      env: { ...process.env, MIGFLOW_NVIDIA_SMI_STATE: stateFile } as Record<string, string>,
    };
    try {
      // 100 tokens at 20 ms: about 2 s of decoding.
      const serving = fetch(`${emu.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hello', max_tokens: 100, ignore_eos: true }),
      }).then((r) => r.text());
      // Read while the request is being served until the engine's busy report shows (a fixed wait can land before
      // a loaded machine's emulator has started decoding); the request's end bounds the wait.
      let served = false;
      void serving.then(() => {
        served = true;
      });
      let busyW = await wattsOf(0, cmd);
      while ((busyW === null || busyW <= 300) && !served) {
        await new Promise((r) => setTimeout(r, 100));
        busyW = await wattsOf(0, cmd);
      }
      await serving;
      // The engine reports its busy fraction over the last second, rewritten every 250 ms, so the reading falls
      // back to idle within about 1.25 s of the last token; poll rather than guess how fast this machine is.
      let idleW = await wattsOf(0, cmd);
      const deadline = Date.now() + 6_000;
      while ((idleW === null || idleW > 56.5) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        idleW = await wattsOf(0, cmd);
      }
      expect(busyW).toBeGreaterThan(300);
      expect(idleW).toBeCloseTo(56.4, 1);
    } finally {
      await emu.stop();
    }
  }, 30_000);
});

describe('parsePowerDraw', () => {
  it('reads watts per line, with or without units, and [N/A] / [Not Supported] as null', () => {
    expect(parsePowerDraw('71.25\n[N/A]\n312.40 W\n[Not Supported]\n')).toEqual([71.25, null, 312.4, null]);
    expect(parsePowerDraw('')).toEqual([]);
  });

  it('refuses what is not a reading, naming it', () => {
    expect(() => parsePowerDraw('power.draw [W]\n')).toThrow(/cannot read "power.draw \[W\]" as watts/);
  });
});
