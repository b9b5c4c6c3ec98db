/**
 * The committed MT19937 kernel (core/random/kernels/mt19937-wasm.ts) is what core/random/kernels/mt19937.c and
 * normal.c compile to: the recorded source hash is the sources' (concatenated), and scripts/build-random-kernel.sh (clang + lld, which
 * scripts/setup.sh installs) rebuilds the file byte for byte. That the kernel's words are CPython's is checked by
 * cpython-random.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { MT_KERNEL_COMPILER, MT_KERNEL_SOURCE_SHA256 } from '../../../core/random/kernels/mt19937-wasm.js';

const SOURCES = ['core/random/kernels/mt19937.c', 'core/random/kernels/normal.c'];
const BUILT = 'core/random/kernels/mt19937-wasm.ts';
const tmp = mkdtempSync(join(tmpdir(), 'migflow-mt-kernel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the committed MT19937 kernel', () => {
  it('comes from the current C source (else run scripts/build-random-kernel.sh)', () => {
    const hash = createHash('sha256');
    for (const source of SOURCES) hash.update(readFileSync(source));
    expect(hash.digest('hex')).toBe(MT_KERNEL_SOURCE_SHA256);
  });

  it('is rebuilt byte for byte by scripts/build-random-kernel.sh', async () => {
    const out = join(tmp, 'mt19937-wasm.ts');
    const r = await execa('scripts/build-random-kernel.sh', [out], { reject: false });
    expect(r.exitCode, `${r.stderr}\n(clang and lld missing? scripts/setup.sh installs them)`).toBe(0);
    const { stdout } = await execa('clang', ['--version']);
    expect(
      stdout.split('\n')[0],
      'the committed build was made with this compiler (Debian 12: apt-get install clang lld)',
    ).toBe(MT_KERNEL_COMPILER);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(BUILT, 'utf8'));
  });
});
