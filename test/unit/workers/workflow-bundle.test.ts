import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../../workers/main-worker.js';
import { workflowBundleKey, workflowSources } from '../../../workers/workflow-bundle.js';

describe('workflow bundle cache key', () => {
  it('covers every workflow file and the contracts they import (and nothing else)', async () => {
    const files = (await workflowSources(WORKFLOWS_PATH)).map((f) => f.replace(/\\/g, '/'));
    expect(files.some((f) => f.endsWith('workflows/pipeline.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('contracts/temporal/names.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('contracts/field-path.ts'))).toBe(true);
    // Workflows reach nothing but the contracts.
    expect(files.filter((f) => !/\/(workflows|contracts)\//.test(f))).toEqual([]);
  });

  it('changes when a reachable file changes, side-effect imports included, and not otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migflow-bundle-key-'));
    writeFileSync(join(dir, 'index.ts'), "import './side.js';\nexport { A } from './a.js';\n");
    writeFileSync(join(dir, 'side.ts'), 'globalThis.x = 1;\n');
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const A = b;\n");
    writeFileSync(join(dir, 'b.ts'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'unrelated.ts'), 'export const u = 1;\n');
    const entry = join(dir, 'index.ts');
    const first = await workflowBundleKey(entry);
    expect(await workflowBundleKey(entry)).toBe(first);
    writeFileSync(join(dir, 'unrelated.ts'), 'export const u = 2;\n');
    expect(await workflowBundleKey(entry)).toBe(first);
    writeFileSync(join(dir, 'b.ts'), 'export const b = 2;\n');
    const second = await workflowBundleKey(entry);
    expect(second).not.toBe(first);
    // A module imported only for its side effects (no bindings) is part of the bundle too.
    writeFileSync(join(dir, 'side.ts'), 'globalThis.x = 2;\n');
    expect(await workflowBundleKey(entry)).not.toBe(second);
  });
});
