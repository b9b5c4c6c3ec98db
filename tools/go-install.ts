/**
 * Builds a pinned Go tool once into migflow's tool cache (~/.cache/migflow/<name>-<version>/). Shared by the Temporal
 * CLI, SeaweedFS's `weed` and the Temporal server: machines that reach only package registries get them from the Go
 * module proxy.
 *
 * The module is downloaded with `go mod download` and its packages are built inside the module's own directory, so
 * its go.mod (including `replace` directives, which `go install pkg@version` refuses) and its go.sum decide every
 * dependency. GOTOOLCHAIN=local makes a too-old Go fail clearly instead of fetching another toolchain; CGO is off
 * (every tool here is pure Go). Binaries are built into a temp dir and renamed into place, so the cache never holds
 * half a tool: a tool is complete when all of its binaries exist.
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { CommandError, ToolMissingError } from '../core/errors.js';
import { migflowCacheDir } from '../core/paths.js';

export interface GoTool {
  /** Folder name in the cache: `<name>-<label>`. */
  name: string;
  /** How messages name it (default: `name`). */
  title?: string;
  /** Version label of the folder (e.g. `1.29.1`). */
  label: string;
  /** Go module path and exact version, e.g. `go.temporal.io/server` at `v1.29.1`. */
  module: string;
  version: string;
  /** Packages of that module to build (import paths), each into the binary named `bin`. */
  binaries: readonly { pkg: string; bin: string }[];
  /** Go version the module's go.mod requires. */
  minGo: readonly [number, number];
  ldflags?: string;
  tags?: readonly string[];
  /** What to tell a user without Go: how to get the tool otherwise. */
  installHint: string;
}

/** A module released under the tag `v<release>`: its cache folder is labelled with the release. */
export function taggedGoTool(release: string, tool: Omit<GoTool, 'label' | 'version'>): GoTool {
  return { ...tool, label: release, version: `v${release}` };
}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export function goToolDir(tool: GoTool, env: NodeJS.ProcessEnv = process.env): string {
  return join(migflowCacheDir(env), `${tool.name}-${tool.label}`);
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The tool's binaries in the cache (bin name → path), or undefined when any is missing. */
export function cachedGoTool(
  tool: GoTool,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> | undefined {
  const dir = goToolDir(tool, env);
  const out: Record<string, string> = {};
  for (const { bin } of tool.binaries) {
    const path = join(dir, bin);
    if (!isExecutable(path)) return undefined;
    out[bin] = path;
  }
  return out;
}

async function goVersion(go: string, env: NodeJS.ProcessEnv): Promise<[number, number] | undefined> {
  const r = await execa(go, ['env', 'GOVERSION'], { env, reject: false });
  const m = /go(\d+)\.(\d+)/.exec(r.stdout);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function tail(text: unknown, lines = 15): string {
  return String(text ?? '')
    .split('\n')
    .slice(-lines)
    .join('\n');
}

const SUMDB_HINT =
  'if modules cannot be verified offline, retry with GOSUMDB set to a reachable checksum database (or GONOSUMDB for a trusted proxy); or ';

/** Builds every binary of `tool` into the cache (once), returning bin name → path. */
export async function goInstallPinned(
  tool: GoTool,
  opts: BuildOptions = {},
): Promise<Record<string, string>> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const cached = cachedGoTool(tool, env);
  if (cached) return cached;

  const go = onPath('go', env);
  const version = go ? await goVersion(go, env) : undefined;
  if (!go || !version) throw new ToolMissingError(tool.title ?? tool.name, tool.installHint);
  const [major, minor] = version;
  if (major < tool.minGo[0] || (major === tool.minGo[0] && minor < tool.minGo[1])) {
    throw new ToolMissingError(
      tool.title ?? tool.name,
      `Go ${version.join('.')} is too old to build it (needs >= ${tool.minGo.join('.')}); ${tool.installHint}`,
    );
  }
  const goEnv = { ...env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: env.GOFLAGS ?? '' };

  const modRef = `${tool.module}@${tool.version}`;
  const dl = await execa(go, ['mod', 'download', '-json', modRef], { env: goEnv, reject: false, all: true });
  const moduleDir = dl.exitCode === 0 ? (JSON.parse(dl.stdout) as { Dir?: string }).Dir : undefined;
  if (!moduleDir) {
    throw new CommandError(
      ['go', 'mod', 'download', '-json', modRef],
      dl.exitCode,
      tail(dl.all),
      SUMDB_HINT + tool.installHint,
    );
  }

  const dir = goToolDir(tool, env);
  const tmpBin = join(dir, `.build-${process.pid}`);
  mkdirSync(tmpBin, { recursive: true });
  try {
    log(`building ${tool.name} ${tool.label} with Go from ${modRef} (once; takes minutes) into ${dir}`);
    for (const { pkg, bin } of tool.binaries) {
      const argv = ['build', '-trimpath', '-mod=readonly', '-o', join(tmpBin, bin)];
      if (tool.ldflags) argv.push('-ldflags', tool.ldflags);
      if (tool.tags?.length) argv.push('-tags', tool.tags.join(','));
      argv.push(pkg);
      const started = Date.now();
      const r = await execa(go, argv, { cwd: moduleDir, env: goEnv, reject: false, all: true });
      if (r.exitCode !== 0 || !existsSync(join(tmpBin, bin))) {
        throw new CommandError(['go', ...argv], r.exitCode, tail(r.all), SUMDB_HINT + tool.installHint);
      }
      log(`built ${bin} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    // Each rename is atomic; the tool counts as present only once the last binary is in place.
    for (const { bin } of tool.binaries) renameSync(join(tmpBin, bin), join(dir, bin));
  } finally {
    rmSync(tmpBin, { recursive: true, force: true });
  }
  const built = cachedGoTool(tool, env);
  if (!built)
    throw new ToolMissingError(
      tool.title ?? tool.name,
      `the build finished but ${dir} lacks a binary; ${tool.installHint}`,
    );
  return built;
}
