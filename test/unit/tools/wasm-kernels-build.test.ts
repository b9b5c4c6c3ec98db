/**
 * Every committed WebAssembly kernel (a C source `X.c` committed built as `X-wasm.ts`) is what its source compiles to:
 * the recorded source hash is the source's, and its build script (scripts/lib/wasm-kernel.sh does the building)
 * rebuilds the file byte for byte with the recorded compiler. What each kernel computes is checked where it is used
 * (the MLP's gradients by test/unit/rl, the MT19937 words against CPython by test/unit/random/cpython-random.test.ts).
 * A new kernel is one row here.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const KERNELS: readonly { script: string; source: string; constPrefix: string }[] = [
  { script: 'scripts/build-kernels.sh', source: 'core/rl/kernels/mlp.c', constPrefix: 'MLP_KERNELS' },
  {
    script: 'scripts/build-random-kernel.sh',
    source: 'core/random/kernels/mt19937.c',
    constPrefix: 'MT_KERNEL',
  },
];

const tmp = mkdtempSync(join(tmpdir(), 'migflow-wasm-kernels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(KERNELS)('the committed $source kernel', ({ script, source, constPrefix }) => {
  const built = source.replace(/\.c$/, '-wasm.ts');
  const recorded = async (field: 'SOURCE_SHA256' | 'COMPILER'): Promise<string> => {
    const module = (await import(resolve(built))) as Record<string, unknown>;
    const value = module[`${constPrefix}_${field}`];
    expect(typeof value, `${built} exports ${constPrefix}_${field}`).toBe('string');
    return value as string;
  };

  it(`comes from the current C source (else run ${script})`, async () => {
    expect(createHash('sha256').update(readFileSync(source)).digest('hex')).toBe(
      await recorded('SOURCE_SHA256'),
    );
  });

  it(`is rebuilt byte for byte by ${script}`, async () => {
    const out = join(tmp, basename(built));
    const r = await execa(script, [out], { reject: false });
    expect(r.exitCode, `${r.stderr}\n(clang and lld missing? scripts/setup.sh installs them)`).toBe(0);
    // Another clang version may emit other (equally valid) bytes: say so rather than only that they differ.
    const { stdout } = await execa('clang', ['--version']);
    expect(
      stdout.split('\n')[0],
      'the committed build was made with this compiler (Debian 12: apt-get install clang lld)',
    ).toBe(await recorded('COMPILER'));
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(built, 'utf8'));
  });
});
