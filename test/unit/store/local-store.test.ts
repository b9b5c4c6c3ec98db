import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll } from 'vitest';
import { type ArtifactStore, LocalFolderStore } from '../../../core/store/index.js';
import { describeStoreContract } from './contract.js';

const roots = mkdtempSync(join(tmpdir(), 'migflow-local-store-'));
afterAll(() => rmSync(roots, { recursive: true, force: true }));
let n = 0;

function root(store: ArtifactStore): string {
  return (store as LocalFolderStore).location;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

describeStoreContract('local folder', {
  async make() {
    const dir = join(roots, `s${n++}`);
    return { store: new LocalFolderStore(dir), env: { MIGFLOW_STORE: dir } };
  },
  async corrupt(store, ref, path) {
    const file = join(root(store), ref, path);
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);
  },
  async removeObject(store, ref, path) {
    rmSync(join(root(store), ref, path));
  },
  async writeManifest(store, ref, text) {
    writeFileSync(join(root(store), ref, 'manifest.json'), text);
  },
  async rawObjects(store) {
    try {
      statSync(root(store));
    } catch {
      return [];
    }
    return walk(root(store)).map((f) => relative(root(store), f));
  },
});
