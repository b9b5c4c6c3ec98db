/**
 * Every committed WebAssembly kernel (C sources under a `kernels/` folder of core/, the first `X.c`, committed built
 * as `X-wasm.ts`) is what its sources compile to: the recorded hash is the sources' (concatenated), and
 * scripts/build-kernels.sh (its list of kernels; scripts/lib/wasm-kernel.sh does the building) rebuilds the file byte
 * for byte with the recorded compiler. What each kernel computes is checked where it is used (the MLP's gradients by
 * test/unit/rl, the MT19937 words against CPython by test/unit/random/cpython-random.test.ts). A new kernel is one
 * line in the script.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa, execaSync } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = 'scripts/build-kernels.sh';
const KERNELS = execaSync(SCRIPT, ['--list'])
  .stdout.split('\n')
  .map((line) => {
    const [name, sources, constPrefix, built] = line.split('\t') as [string, string, string, string];
    return { name, sources: sources.split(','), constPrefix, built };
  });

const tmp = mkdtempSync(join(tmpdir(), 'migflow-wasm-kernels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it(`${SCRIPT} lists every C kernel under core/`, () => {
  const sources = readdirSync('core', { recursive: true, encoding: 'utf8' })
    .filter((f) => /(^|\/)kernels\/[^/]+\.c$/.test(f))
    .map((f) => join('core', f))
    .sort();
  expect(KERNELS.flatMap((k) => k.sources).sort()).toEqual(sources);
});

describe.each(KERNELS)('the committed $name kernel ($built)', ({ name, sources, constPrefix, built }) => {
  const recorded = async (field: 'SOURCE_SHA256' | 'COMPILER'): Promise<string> => {
    const module = (await import(resolve(built))) as Record<string, unknown>;
    const value = module[`${constPrefix}_${field}`];
    expect(typeof value, `${built} exports ${constPrefix}_${field}`).toBe('string');
    return value as string;
  };

  it(`comes from the current C sources (else run ${SCRIPT} ${name})`, async () => {
    const hash = createHash('sha256');
    for (const source of sources) hash.update(readFileSync(source));
    expect(hash.digest('hex')).toBe(await recorded('SOURCE_SHA256'));
  });

  it(`is rebuilt byte for byte by ${SCRIPT} ${name}`, async () => {
    const out = join(tmp, basename(built));
    const r = await execa(SCRIPT, [name, out], { reject: false });
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

it('scripts/build-random-kernel.sh, the name the MT19937 file records, builds that kernel', async () => {
  const out = join(tmp, 'alias-mt19937-wasm.ts');
  await execa('scripts/build-random-kernel.sh', [out]);
  expect(readFileSync(out, 'utf8')).toBe(readFileSync('core/random/kernels/mt19937-wasm.ts', 'utf8'));
});

it(`${SCRIPT} names the kernels it has when given another name`, async () => {
  const r = await execa(SCRIPT, ['nope'], { reject: false });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toBe('build-kernels: no kernel named nope — names: mlp mt19937');
});
