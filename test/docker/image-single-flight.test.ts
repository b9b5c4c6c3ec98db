/**
 * Issue 14, the docker-import race, on the real Docker engine: two processes building the same emulator image at
 * once import it once (one says built, the other reuses it), no untagged loser is left, and both report the same
 * content hash, which is what the profiling cache key holds.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/paths.js';
import { CONTENT_LABEL } from '../../emulators/node-script-image.js';

const docker = new Docker();
const repo = `migflow/robust-race-${randomUUID().slice(0, 8)}`;
let dir: string;
let content = '';

beforeAll(async () => {
  await docker.ping();
  dir = mkdtempSync(join(tmpdir(), 'migflow-image-race-'));
});
afterAll(async () => {
  // This test's images: the tagged one and, should the test fail, an untagged loser carrying the same content.
  const images = [
    ...(await docker.listImages({ filters: { reference: [repo] } })),
    ...(content ? await docker.listImages({ filters: { label: [`${CONTENT_LABEL}=${content}`] } }) : []),
  ];
  for (const img of images)
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('emulator image import', () => {
  it('is single-flight and content-keyed: two builders started together import one image', async () => {
    // A fresh entry (unique content) so neither process finds a ready image.
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `process.stdout.write(${JSON.stringify(randomUUID())});\n`);
    const script = join(PROJECT_ROOT, 'test/fixtures/robust/build-image.ts');
    const run = (n: number) =>
      execa(process.execPath, ['--import', 'tsx', script, entry, `${repo}:local`, join(dir, `r${n}.json`)], {
        cwd: PROJECT_ROOT,
      });
    await Promise.all([run(1), run(2)]);
    const r1 = JSON.parse(readFileSync(join(dir, 'r1.json'), 'utf8'));
    const r2 = JSON.parse(readFileSync(join(dir, 'r2.json'), 'utf8'));
    content = r1.content;
    expect([r1.built, r2.built].sort()).toEqual([false, true]);
    expect(r1.content).toBe(r2.content);
    // One image holds the repo's tags (the requested one and the content one); no dangling loser.
    const images = await docker.listImages({ filters: { reference: [repo] } });
    expect(images).toHaveLength(1);
    expect(images[0]!.Labels?.[CONTENT_LABEL]).toBe(r1.content);
    expect([...(images[0]!.RepoTags ?? [])].sort()).toEqual([`${repo}:c-${r1.content}`, `${repo}:local`]);
    const dangling = await docker.listImages({
      filters: { dangling: ['true'], label: [`${CONTENT_LABEL}=${r1.content}`] },
    });
    expect(dangling).toHaveLength(0);
  }, 180_000);
});
