/**
 * Builds a Docker image that runs one Node.js script, without any image registry: esbuild bundles the script and its
 * npm imports into one file, a root filesystem is assembled from this machine's own `node` binary and the shared
 * libraries it links, and `docker import` turns that tarball into an image. The emulators (vLLM) ship this way, so
 * the real container path (dockerode, ports, health checks, logs) runs on machines with no registry access.
 *
 * Images are labelled with a hash of their contents; an up-to-date image is reused, not rebuilt. Building is
 * single-flight per host and content (a lock file, then a second look for the image once the lock is held), so two
 * workers starting together import one image, and callers key caches on the content hash, never on an image id
 * that depends on which import won. The image is tagged `<repo>:c-<content>`, and that content tag is what callers
 * get back and run: the requested tag (e.g. `…:local`) is only a convenience name for people, moved by every import,
 * so two checkouts building different emulator code on one Docker engine never run each other's image.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { build } from 'esbuild';
import { execa } from 'execa';
import { sha256Hex } from '../core/cache/index.js';
import { CommandError } from '../core/errors.js';
import { withFileLock } from '../core/util/index.js';

export const CONTENT_LABEL = 'io.migflow.image-content';

export interface NodeScriptImageOptions {
  /** The script to run (TypeScript or JavaScript). */
  entry: string;
  /** Image reference, e.g. `migflow/vllm-emulator:local`. */
  tag: string;
  docker: Docker;
  /** The node binary to put in the image (default: the one running this process). */
  nodeBinary?: string;
  log?: (line: string) => void;
}

/** The shared libraries a dynamically linked binary needs, from `ldd`. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary]);
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

async function existingImageLabel(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Config?.Labels?.[CONTENT_LABEL];
  } catch {
    return undefined;
  }
}

/** The lock file of one image content on this host. */
function lockFile(content: string): string {
  return join(tmpdir(), 'migflow-image-locks', `${content}.lock`);
}

/** `repo:tag` → `repo`. */
function repoOf(tag: string): string {
  return tag.includes(':') ? tag.slice(0, tag.lastIndexOf(':')) : tag;
}

/** The image's content-addressed tag. */
function contentTagOf(tag: string, content: string): string {
  return `${repoOf(tag)}:c-${content}`;
}

/**
 * Builds (or reuses) the image; returns its content tag (what to run), whether this call imported it, and its
 * content hash (what a cache key should hold).
 */
export async function buildNodeScriptImage(
  opts: NodeScriptImageOptions,
): Promise<{ tag: string; built: boolean; content: string }> {
  const log = opts.log ?? (() => {});
  const node = opts.nodeBinary ?? process.execPath;
  const bundle = await build({
    entryPoints: [opts.entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    // Bundled CommonJS dependencies still call require() for node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]!.contents;
  const libs = await sharedLibraries(node);
  const nodeVersion = (await execa(node, ['--version'])).stdout.trim();
  const content = sha256Hex(`${sha256Hex(code)}\n${nodeVersion}\n${libs.join('\n')}`).slice(0, 16);
  const tag = contentTagOf(opts.tag, content);
  if ((await existingImageLabel(opts.docker, tag)) === content) return { tag, built: false, content };
  return withFileLock(lockFile(content), async () => {
    // Another process may have imported it while this one waited for the lock.
    if ((await existingImageLabel(opts.docker, tag)) === content) return { tag, built: false, content };
    await importImage(opts, code, libs, node, content, log);
    return { tag, built: true, content };
  });
}

async function importImage(
  opts: NodeScriptImageOptions,
  code: Uint8Array,
  libs: readonly string[],
  node: string,
  content: string,
  log: (line: string) => void,
): Promise<void> {
  const nodeVersion = (await execa(node, ['--version'])).stdout.trim();
  log(`building image ${opts.tag} from ${opts.entry} (node ${nodeVersion}, docker import)`);
  const root = mkdtempSync(join(tmpdir(), 'migflow-rootfs-'));
  try {
    const put = (src: string, dest: string) => {
      mkdirSync(join(root, dirname(dest)), { recursive: true });
      copyFileSync(src, join(root, dest));
    };
    put(node, '/usr/local/bin/node');
    for (const lib of libs) put(lib, lib);
    mkdirSync(join(root, 'app'), { recursive: true });
    writeFileSync(join(root, 'app', 'main.mjs'), code);
    mkdirSync(join(root, 'tmp'), { recursive: true, mode: 0o1777 });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(
      join(root, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      put('/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt');
    }
    const changes = [
      'ENTRYPOINT ["/usr/local/bin/node", "/app/main.mjs"]',
      `LABEL ${CONTENT_LABEL}=${content}`,
      'ENV NODE_ENV=production',
    ];
    // Imported under a tag named by its content, then tagged as asked: a concurrent import of other content can
    // move the requested tag, never the content tag.
    const repo = repoOf(opts.tag);
    const contentTag = contentTagOf(opts.tag, content);
    const argv = ['import', ...changes.flatMap((c) => ['--change', c]), '-', contentTag];
    const r = await execa('tar', ['-C', root, '-c', '.'], { buffer: false, reject: false }).pipe(
      'docker',
      argv,
      {
        reject: false,
      },
    );
    if (r.exitCode !== 0) {
      throw new CommandError(
        ['docker', ...argv],
        r.exitCode,
        String(r.stderr),
        'is the Docker engine running? (`docker info`)',
      );
    }
    const requested = opts.tag.includes(':') ? opts.tag.slice(opts.tag.lastIndexOf(':') + 1) : 'latest';
    await opts.docker.getImage(contentTag).tag({ repo, tag: requested });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
