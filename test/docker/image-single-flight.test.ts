/**
 * Issue 14, the docker-import race, on the real Docker engine: two processes building the same emulator image at
 * once import it once (one says built, the other reuses it), no untagged loser is left, and both report the same
 * content hash, which is what the profiling cache key holds. Two checkouts building different code under one
 * requested tag each get their own content tag back, which the other's import never moves.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/paths.js';
import { buildNodeScriptImage, CONTENT_LABEL } from '../../emulators/node-script-image.js';

const docker = new Docker();
const repo = `migflow/robust-race-${randomUUID().slice(0, 8)}`;
let dir: string;
let content = '';
const contents: string[] = [];

beforeAll(async () => {
  await docker.ping();
  dir = mkdtempSync(join(tmpdir(), 'migflow-image-race-'));
});
afterAll(async () => {
  // This test's images: the tagged one and, should the test fail, an untagged loser carrying the same content.
  const images = [
    ...(await docker.listImages({ filters: { reference: [repo] } })),
    ...(content ? await docker.listImages({ filters: { label: [`${CONTENT_LABEL}=${content}`] } }) : []),
    ...(
      await Promise.all(
        contents.map((c) => docker.listImages({ filters: { label: [`${CONTENT_LABEL}=${c}`] } })),
      )
    ).flat(),
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

  it('hands back a content tag: code of another checkout imported under the same tag does not replace it', async () => {
    const build = async (name: string) => {
      const entry = join(dir, `${name}.ts`);
      writeFileSync(entry, `process.stdout.write(${JSON.stringify(`${name} ${randomUUID()}`)});\n`);
      const r = await buildNodeScriptImage({ entry, tag: `${repo}:shared`, docker });
      contents.push(r.content);
      return { entry, ...r };
    };
    const a = await build('a');
    const b = await build('b');
    expect(a.tag).toBe(`${repo}:c-${a.content}`);
    expect(b.tag).toBe(`${repo}:c-${b.content}`);
    expect(a.content).not.toBe(b.content);
    const label = async (tag: string) =>
      (await docker.getImage(tag).inspect()).Config?.Labels?.[CONTENT_LABEL];
    // The shared name follows the latest import; each checkout's own tag still holds its code.
    expect(await label(`${repo}:shared`)).toBe(b.content);
    expect(await label(a.tag)).toBe(a.content);
    // Checkout a's next build reuses its image although the shared name now points at b's.
    expect(await buildNodeScriptImage({ entry: a.entry, tag: `${repo}:shared`, docker })).toEqual({
      tag: a.tag,
      built: false,
      content: a.content,
    });
  }, 180_000);
});
