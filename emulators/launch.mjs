/**
 * Runs an emulator's TypeScript entry as a pre-bundled ES module under plain node. Through tsx every start paid
 * about half a CPU second for the loader, the esbuild service and a transform per file, and migflow starts the
 * nvidia-smi emulator very often (a power.draw sample every 2–2.5 s while profiling or deploying, every MIG
 * operation). The TypeScript sources stay the only source of truth: this file is plain JavaScript only because it
 * must run before any TypeScript loader.
 *
 * Each entry is bundled with esbuild (project code only; npm packages stay imports, resolved from the project's
 * node_modules) into emulators/.build/ (git-ignored): `<name>-<code hash>.mjs` plus a manifest `<name>.json` that
 * lists every source file in the bundle with the sha256 of the bytes esbuild compiled. A start hashes those files
 * (about a millisecond) and runs the bundle only while all of them, and this launcher, are unchanged; otherwise it
 * builds first (about 0.15 CPU s), so a stale bundle never runs. scripts/setup.sh builds them ahead (`--build`). Should
 * esbuild itself fail to load, the entry runs through tsx, with one line on stderr saying so.
 *
 *   node emulators/launch.mjs --build        build (or confirm) every emulator's bundle
 *   import { runEmulator } from '…/launch.mjs'; await runEmulator('nvidia-smi');   (each emulator's bin/ executable)
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LAUNCHER = fileURLToPath(import.meta.url);
const PROJECT_ROOT = dirname(dirname(LAUNCHER));
export const BUILD_DIR = join(PROJECT_ROOT, 'emulators', '.build');
const CONTRACTS_DIR = join(PROJECT_ROOT, 'contracts') + sep;

/** Emulator name → its entry (project-relative); the entry exports `main()`, which reads process.argv. */
export const EMULATOR_ENTRIES = {
  'nvidia-smi': 'emulators/nvidia-smi/nvidia-smi.ts',
  vllm: 'emulators/vllm/main.ts',
};

/** Bundles no manifest names any more stay this long, for a process that read the manifest just before a rebuild. */
const SUPERSEDED_TTL_MS = 10 * 60 * 1000;

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const launcherKey = () => relative(PROJECT_ROOT, LAUNCHER);

function entryOf(name) {
  const entry = EMULATOR_ENTRIES[name];
  if (!entry)
    throw new Error(`unknown emulator '${name}' (known: ${Object.keys(EMULATOR_ENTRIES).join(', ')})`);
  return entry;
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** The bundle's path when the manifest and every input it lists match the files on disk; otherwise undefined. */
function freshBundle(name) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(BUILD_DIR, `${name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
  const bundle = join(BUILD_DIR, manifest.bundle);
  if (manifest.entry !== entryOf(name) || !existsSync(bundle)) return undefined;
  for (const [file, hash] of Object.entries(manifest.inputs)) {
    try {
      if (sha256(readFileSync(join(PROJECT_ROOT, file))) !== hash) return undefined;
    } catch {
      return undefined;
    }
  }
  return manifest.inputs[launcherKey()] ? bundle : undefined;
}

function pruneSuperseded(name, keep, now = Date.now()) {
  for (const f of readdirSync(BUILD_DIR)) {
    if (!f.startsWith(`${name}-`) || f.startsWith(keep) || !/\.mjs(\.map)?$/.test(f)) continue;
    try {
      if (now - statSync(join(BUILD_DIR, f)).mtimeMs >= SUPERSEDED_TTL_MS)
        rmSync(join(BUILD_DIR, f), { force: true });
    } catch {
      // Removed meanwhile by another process.
    }
  }
}

/** Bundles one emulator and writes its manifest; returns the bundle's path. */
export async function buildEmulator(name) {
  const entry = entryOf(name);
  const { build } = await import('esbuild');
  // Hash exactly the bytes esbuild compiles (a file edited during the build cannot pass as up to date), and give
  // each module its own import.meta.url, as under tsx.
  const inputs = { [launcherKey()]: sha256(readFileSync(LAUNCHER)) };
  const recordInputs = {
    name: 'record-inputs',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (a) => {
        const bytes = readFileSync(a.path);
        inputs[relative(PROJECT_ROOT, a.path)] = sha256(bytes);
        return {
          contents: bytes
            .toString('utf8')
            .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
          loader: a.path.endsWith('.ts') ? 'ts' : 'js',
        };
      });
    },
  };
  // The contracts are declarations (zod schemas, constants): an emulator that uses one helper from them should not
  // load zod and every schema at each start. esbuild drops a module whose exports go unused only when told it has no
  // side effects; the contracts have none.
  const contractsWithoutSideEffects = {
    name: 'contracts-without-side-effects',
    setup(b) {
      b.onResolve({ filter: /^\./ }, async (a) => {
        if (a.pluginData === 'resolving') return undefined;
        const r = await b.resolve(a.path, {
          kind: a.kind,
          importer: a.importer,
          resolveDir: a.resolveDir,
          pluginData: 'resolving',
        });
        return r.errors.length === 0 && r.path.startsWith(CONTRACTS_DIR)
          ? { path: r.path, sideEffects: false }
          : undefined;
      });
    },
  };
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: BUILD_DIR,
    write: false,
    // Stack traces of unexpected errors name the TypeScript lines (the executables enable source maps).
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [contractsWithoutSideEffects, recordInputs],
  });
  const output = (ext) => result.outputFiles.find((f) => f.path.endsWith(ext)).text;
  const code = output('.js');
  const bundle = `${name}-${sha256(code).slice(0, 16)}.mjs`;
  mkdirSync(BUILD_DIR, { recursive: true });
  writeAtomic(join(BUILD_DIR, `${bundle}.map`), output('.js.map'));
  writeAtomic(join(BUILD_DIR, bundle), `${code}//# sourceMappingURL=${bundle}.map\n`);
  writeAtomic(join(BUILD_DIR, `${name}.json`), `${JSON.stringify({ entry, bundle, inputs }, null, 2)}\n`);
  pruneSuperseded(name, bundle);
  return join(BUILD_DIR, bundle);
}

/** The emulator's up-to-date bundle: reused, or built now. */
export async function emulatorBundle(name) {
  return freshBundle(name) ?? (await buildEmulator(name));
}

/** Runs the emulator `name` in this process (its `main()` reads process.argv). */
export async function runEmulator(name) {
  let bundle;
  try {
    bundle = await emulatorBundle(name);
  } catch (err) {
    // Without a loadable esbuild nothing can be bundled; the sources still run through tsx (a compile error in
    // them shows up there, with tsx's message).
    process.stderr.write(
      `emulator ${name}: cannot bundle (${err instanceof Error ? err.message.split('\n')[0] : err}); running the TypeScript source through tsx\n`,
    );
    const { register } = await import('tsx/esm/api');
    register();
    await (await import(pathToFileURL(join(PROJECT_ROOT, entryOf(name))).href)).main();
    return;
  }
  process.setSourceMapsEnabled(true);
  await (await import(pathToFileURL(bundle).href)).main();
}

if (process.argv[1] && resolve(process.argv[1]) === LAUNCHER) {
  if (process.argv[2] !== '--build' || process.argv.length > 3) {
    process.stderr.write('usage: node emulators/launch.mjs --build\n');
    process.exit(2);
  }
  for (const name of Object.keys(EMULATOR_ENTRIES)) {
    const fresh = freshBundle(name);
    const bundle = fresh ?? (await buildEmulator(name));
    process.stdout.write(
      `${name}: ${relative(PROJECT_ROOT, bundle)}${fresh ? ' (up to date)' : ' (built)'}\n`,
    );
  }
}
