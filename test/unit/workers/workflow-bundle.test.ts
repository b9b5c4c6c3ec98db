import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../../workers/main-worker.js';
import { workflowBundleKey, workflowSources } from '../../../workers/workflow-bundle.js';

describe('workflow bundle cache key', () => {
  it('covers every workflow file and what they import outside workflows/', () => {
    const files = workflowSources(WORKFLOWS_PATH).map((f) => f.replace(/\\/g, '/'));
    expect(files.some((f) => f.endsWith('workflows/pipeline.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('workflows/shared.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('core/config/path.ts'))).toBe(true);
  });

  it('changes when a reachable file changes and not otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migflow-bundle-key-'));
    writeFileSync(join(dir, 'index.ts'), "export { A } from './a.js';\n");
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const A = b;\n");
    writeFileSync(join(dir, 'b.ts'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'unrelated.ts'), 'export const u = 1;\n');
    const entry = join(dir, 'index.ts');
    const first = workflowBundleKey(entry);
    expect(workflowBundleKey(entry)).toBe(first);
    writeFileSync(join(dir, 'unrelated.ts'), 'export const u = 2;\n');
    expect(workflowBundleKey(entry)).toBe(first);
    writeFileSync(join(dir, 'b.ts'), 'export const b = 2;\n');
    expect(workflowBundleKey(entry)).not.toBe(first);
  });
});
