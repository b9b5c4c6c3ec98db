/**
 * The emulators' executables run a pre-bundled copy of the TypeScript source (emulators/launch.mjs). Each case works
 * on a copy of the nvidia-smi emulator in a scratch project, so editing its sources cannot disturb other tests: a
 * checkout without a build builds first, an edited source is rebuilt before it runs (a stale bundle never answers),
 * and without a loadable esbuild the source runs through tsx, saying so once.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';

let root: string;

/** A scratch project holding the launcher, the nvidia-smi emulator and what it imports. */
function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-emulator-launch-'));
  for (const path of ['emulators/launch.mjs', 'emulators/nvidia-smi', 'contracts']) {
    cpSync(join(PROJECT_ROOT, path), join(dir, path), { recursive: true });
  }
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

const smi = (argv: string[]) =>
  execa(process.execPath, [join(root, 'emulators/nvidia-smi/bin/nvidia-smi'), ...argv], {
    env: { MIGFLOW_NVIDIA_SMI_STATE: join(root, 'state.json'), MIGFLOW_EMULATED_GPUS: 'A100_40GB' },
    reject: false,
    stripFinalNewline: false,
  });

const manifest = () => JSON.parse(readFileSync(join(root, 'emulators/.build/nvidia-smi.json'), 'utf8'));

beforeEach(() => {
  root = scratchProject();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('emulator executables (pre-bundled)', () => {
  it('build on first use, reuse the bundle, and rebuild before running an edited source', async () => {
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
    const first = await smi(['-L']);
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(first.stdout).toMatch(/^GPU 0: NVIDIA A100-SXM4-40GB \(UUID: GPU-[0-9a-f-]+\)\n$/);
    const built = manifest();
    // Every file esbuild read, the launcher included (a change to any of them rebuilds).
    expect(Object.keys(built.inputs)).toEqual(
      expect.arrayContaining([
        'emulators/launch.mjs',
        'emulators/nvidia-smi/nvidia-smi.ts',
        'emulators/nvidia-smi/power.ts',
        'emulators/nvidia-smi/profiles.ts',
        'emulators/nvidia-smi/state.ts',
        'contracts/index.ts',
        'contracts/emulator-env.ts',
      ]),
    );
    // The contracts' schemas are dropped: the bundle does not load zod at each call.
    expect(readFileSync(join(root, 'emulators/.build', built.bundle), 'utf8')).not.toMatch(
      /from ["']zod["']/,
    );

    expect((await smi(['-L'])).stdout).toBe(first.stdout);
    expect(manifest()).toEqual(built);

    // A source the entry imports changes: the next call runs the new code, not the old bundle.
    const profiles = join(root, 'emulators/nvidia-smi/profiles.ts');
    writeFileSync(
      profiles,
      readFileSync(profiles, 'utf8').replace('NVIDIA A100-SXM4-40GB', 'NVIDIA A100-SXM4-40GB (edited)'),
    );
    const edited = await smi(['-L']);
    expect(edited).toMatchObject({ exitCode: 0, stderr: '' });
    expect(edited.stdout).toMatch(/^GPU 0: NVIDIA A100-SXM4-40GB \(edited\) \(UUID: GPU-/);
    expect(manifest().bundle).not.toBe(built.bundle);
  });

  it('run the source through tsx, with one line on stderr, when esbuild cannot be loaded', async () => {
    // The project's packages, except an esbuild that fails to load (tsx still finds the real one beside itself).
    mkdirSync(join(root, 'node_modules/esbuild'), { recursive: true });
    for (const name of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
      if (name !== 'esbuild' && name !== '.cache')
        symlinkSync(join(PROJECT_ROOT, 'node_modules', name), join(root, 'node_modules', name));
    }
    writeFileSync(
      join(root, 'node_modules/esbuild/package.json'),
      '{ "name": "esbuild", "type": "module", "main": "index.js" }\n',
    );
    writeFileSync(join(root, 'node_modules/esbuild/index.js'), "throw new Error('esbuild is broken');\n");
    const r = await smi(['-L']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^GPU 0: NVIDIA A100-SXM4-40GB \(UUID: GPU-/);
    expect(r.stderr).toBe(
      'emulator nvidia-smi: cannot bundle (esbuild is broken); running the TypeScript source through tsx\n',
    );
  });

  it('answer with the driver exit codes from the bundle as from the source', async () => {
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
    const r = await smi(['--query-gpu=power.draw', '--format=csv,noheader', '-i', '7']);
    expect(r).toMatchObject({ exitCode: 6, stdout: '', stderr: 'No devices were found\n' });
  });
});
