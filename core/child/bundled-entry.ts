/**
 * Child-process entry points (a bench trial, a training run, a fit) as pre-bundled ES modules. Starting one through
 * tsx costs a module-hooks thread, an esbuild service and a transform lookup per file in every child: about 5 % more
 * CPU per bench trial, and on a small machine where two trials share the cores that is time taken from the other
 * trial. So each entry is bundled once per content with esbuild (project code only; npm packages stay imports,
 * resolved from the project's node_modules) and the child runs it with plain `node`.
 *
 * The cache lives in node_modules/.cache/migflow/entries/ (inside the project, so the bundle's package imports
 * resolve). A manifest per entry lists every source file esbuild read with its hash; a bundle is reused only while
 * all of them are unchanged, so any edit, including to a dynamically imported file, rebuilds it (about 0.1 s).
 * Each rebuild also removes the bundles no manifest names any more, once they are an hour old (a child that was
 * handed one just before the rebuild still finds it).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, version as esbuildVersion, type Plugin } from 'esbuild';
import { PROJECT_ROOT } from '../paths.js';
import { writeFileAtomic } from '../util/index.js';

const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'migflow', 'entries');

interface Manifest {
  readonly bundle: string;
  /** Project-relative path → sha256 of its content, for every file in the bundle. */
  readonly inputs: Readonly<Record<string, string>>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Each module keeps its own `import.meta.url` (paths.ts and the plot renderer resolve files relative to it). */
const keepImportMetaUrl: Plugin = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (a) => ({
      contents: readFileSync(a.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(a.path).href),
      ),
      loader: 'ts',
    }));
  },
};

const BUILD_OPTIONS = {
  absWorkingDir: PROJECT_ROOT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: CACHE_DIR,
  write: false,
  metafile: true,
  // Stack traces of unexpected errors point at the TypeScript sources, as under tsx (children run with
  // --enable-source-maps).
  sourcemap: 'external',
  sourcesContent: false,
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** One manifest per entry, esbuild version and set of build options: changing any of them rebuilds. */
function manifestFile(entry: string): string {
  const id = sha256(
    `${esbuildVersion}\n${JSON.stringify(BUILD_OPTIONS)}\n${relative(PROJECT_ROOT, entry)}`,
  ).slice(0, 16);
  return join(CACHE_DIR, `${basename(entry, '.ts')}-${id}.json`);
}

function upToDate(m: Manifest): boolean {
  if (!existsSync(join(CACHE_DIR, m.bundle))) return false;
  return Object.entries(m.inputs).every(([file, hash]) => {
    const abs = join(PROJECT_ROOT, file);
    return existsSync(abs) && sha256(readFileSync(abs)) === hash;
  });
}

/** Superseded bundles stay this long, for children already handed their path. */
export const SUPERSEDED_BUNDLE_TTL_MS = 60 * 60 * 1000;

/** Removes bundles (and their maps) that no manifest names and that are older than the TTL; `entryName` limits it to one entry's. */
export function pruneSupersededBundles(now = Date.now(), entryName?: string): string[] {
  if (!existsSync(CACHE_DIR)) return [];
  const files = readdirSync(CACHE_DIR);
  const named = new Set<string>();
  for (const f of files.filter((x) => x.endsWith('.json'))) {
    try {
      named.add((JSON.parse(readFileSync(join(CACHE_DIR, f), 'utf8')) as Manifest).bundle);
    } catch {
      // Unreadable manifest: the next bundledEntry for it rebuilds and rewrites it.
    }
  }
  const removed: string[] = [];
  const mine = (f: string) => entryName === undefined || f.startsWith(`${entryName}-`);
  for (const f of files.filter((x) => x.endsWith('.mjs') && !named.has(x) && mine(x))) {
    const file = join(CACHE_DIR, f);
    try {
      if (now - statSync(file).mtimeMs < SUPERSEDED_BUNDLE_TTL_MS) continue;
      rmSync(file, { force: true });
      rmSync(`${file}.map`, { force: true });
      removed.push(f);
    } catch {
      // Removed meanwhile by another process.
    }
  }
  return removed;
}

async function buildBundle(entry: string, manifestPath: string): Promise<Manifest> {
  const result = await build({ ...BUILD_OPTIONS, entryPoints: [entry], plugins: [keepImportMetaUrl] });
  const output = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))!.text;
  const code = output('.js');
  const inputs: Record<string, string> = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const abs = resolve(PROJECT_ROOT, file);
    inputs[relative(PROJECT_ROOT, abs)] = sha256(readFileSync(abs));
  }
  const bundle = `${basename(entry, '.ts')}-${sha256(code).slice(0, 16)}.mjs`;
  writeFileAtomic(join(CACHE_DIR, `${bundle}.map`), output('.js.map'));
  writeFileAtomic(join(CACHE_DIR, bundle), `${code}//# sourceMappingURL=${bundle}.map\n`);
  const manifest: Manifest = { bundle, inputs };
  writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  pruneSupersededBundles();
  return manifest;
}

/** The entry's manifest, its bundle up to date with the sources (reused, or freshly built). */
async function freshManifest(entry: string): Promise<Manifest> {
  const manifestPath = manifestFile(entry);
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (upToDate(m)) return m;
  }
  return buildBundle(entry, manifestPath);
}

/** Path of the bundled ES module for the TypeScript entry `entry`, from the cache or freshly built. */
export async function bundledEntry(entry: string): Promise<string> {
  return join(CACHE_DIR, (await freshManifest(entry)).bundle);
}

/**
 * A digest of every source file the entry's bundle is made of. Stage caches put it in their key, so a change to the
 * code that computes a stage's numbers (the simulator under a bench trial, the trainer) misses the cache by itself,
 * instead of relying on someone bumping a version string.
 */
export async function bundledEntrySourceDigest(entry: string): Promise<string> {
  const { inputs } = await freshManifest(entry);
  const lines = Object.entries(inputs)
    .map(([file, hash]) => `${file}\t${hash}`)
    .sort();
  return sha256(lines.join('\n')).slice(0, 16);
}

/** argv for `process.execPath` that runs the TypeScript entry `entry` bundled, with `nodeFlags` and `args`. */
export async function bundledEntryArgv(
  entry: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<string[]> {
  // Source maps: stack traces of unexpected errors name the .ts lines, as under tsx.
  return [...nodeFlags, '--enable-source-maps', await bundledEntry(entry), ...args];
}
