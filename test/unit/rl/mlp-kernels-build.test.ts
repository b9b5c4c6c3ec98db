/**
 * The committed WebAssembly kernels (core/rl/kernels/mlp-wasm.ts) are what core/rl/kernels/mlp.c compiles to:
 * the recorded source hash is the source's, and scripts/build-kernels.sh (clang + lld, which scripts/setup.sh
 * installs) rebuilds the file byte for byte.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { MLP_KERNELS_COMPILER, MLP_KERNELS_SOURCE_SHA256 } from '../../../core/rl/kernels/mlp-wasm.js';

const SOURCE = 'core/rl/kernels/mlp.c';
const BUILT = 'core/rl/kernels/mlp-wasm.ts';
const tmp = mkdtempSync(join(tmpdir(), 'migflow-kernels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the committed kernels', () => {
  it('come from the current C source (else run scripts/build-kernels.sh)', () => {
    expect(createHash('sha256').update(readFileSync(SOURCE)).digest('hex')).toBe(MLP_KERNELS_SOURCE_SHA256);
  });

  it('are rebuilt byte for byte by scripts/build-kernels.sh', async () => {
    const out = join(tmp, 'mlp-wasm.ts');
    const r = await execa('scripts/build-kernels.sh', [out], { reject: false });
    expect(r.exitCode, `${r.stderr}\n(clang and lld missing? scripts/setup.sh installs them)`).toBe(0);
    // Another clang version may emit other (equally valid) bytes: say so rather than only that they differ.
    const { stdout } = await execa('clang', ['--version']);
    expect(
      stdout.split('\n')[0],
      'the committed build was made with this compiler (Debian 12: apt-get install clang lld)',
    ).toBe(MLP_KERNELS_COMPILER);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(BUILT, 'utf8'));
  });
});
