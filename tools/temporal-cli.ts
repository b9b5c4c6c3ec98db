/**
 * Finds the `temporal` CLI (which embeds the dev server and Web UI), or builds it once with Go.
 *
 * Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, migflow's tool cache, else `go install …@v1.5.1` into the cache.
 * The cache build is what makes migflow work on machines that reach only package registries (the Go module proxy
 * serves the CLI's source); users with internet can just install `temporal` from their package manager.
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { CommandError, ToolMissingError } from '../core/errors.js';

export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Go version the CLI's go.mod requires (`go 1.25.0`). */
const MIN_GO = [1, 25] as const;

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'built';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

/** ~/.cache/migflow (or $MIGFLOW_CACHE_DIR, or $XDG_CACHE_HOME/migflow). */
export function migflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MIGFLOW_CACHE_DIR) return env.MIGFLOW_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'migflow');
}

export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(migflowCacheDir(env), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds an existing CLI without building. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): TemporalCli | undefined {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) {
      throw new ToolMissingError(
        `temporal CLI at TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH}`,
        'point TEMPORAL_CLI_PATH at an executable `temporal` binary, or unset it to let migflow find or build one',
      );
    }
    return { path: env.TEMPORAL_CLI_PATH, source: 'env' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = cachedTemporalCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

const INSTALL_HINT =
  'install the Temporal CLI (https://docs.temporal.io/cli: `brew install temporal`, or the release binary) and put it ' +
  'on PATH or in TEMPORAL_CLI_PATH; or install Go >= 1.25 so migflow can build it once with ' +
  '`go install github.com/temporalio/cli/cmd/temporal@v1.5.1`';

async function goVersion(env: NodeJS.ProcessEnv): Promise<[number, number] | undefined> {
  const go = onPath('go', env);
  if (!go) return undefined;
  const r = await execa(go, ['env', 'GOVERSION'], { env, reject: false });
  const m = /go(\d+)\.(\d+)/.exec(r.stdout);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function goBinary(env: NodeJS.ProcessEnv): string {
  return onPath('go', env) ?? 'go';
}

/**
 * Builds the CLI into the cache with `go install`. Uses the machine's own GOPROXY/GOSUMDB settings, GOTOOLCHAIN=local
 * (so a too-old Go fails clearly instead of trying to download a toolchain) and CGO_ENABLED=0 (the CLI's SQLite is
 * pure Go). Installs into a temp dir first and renames, so a half-built binary never sits in the cache.
 */
export async function buildTemporalCli(
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const version = await goVersion(env);
  if (!version) throw new ToolMissingError('temporal CLI', INSTALL_HINT);
  if (version[0] < MIN_GO[0] || (version[0] === MIN_GO[0] && version[1] < MIN_GO[1])) {
    throw new ToolMissingError(
      'temporal CLI',
      `Go ${version.join('.')} is too old to build it (needs >= ${MIN_GO.join('.')}); ${INSTALL_HINT}`,
    );
  }
  const target = cachedTemporalCliPath(env);
  const dir = join(target, '..');
  const tmpBin = join(dir, `.build-${process.pid}`);
  mkdirSync(tmpBin, { recursive: true });
  const argv = [
    'install',
    '-trimpath',
    '-ldflags',
    `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
    `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
  ];
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (once; takes a few minutes) into ${dir}`);
  const child = execa(goBinary(env), argv, {
    env: { ...env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOBIN: tmpBin, GOFLAGS: env.GOFLAGS ?? '' },
    reject: false,
    all: true,
  });
  const r = await child;
  if (r.exitCode !== 0 || !existsSync(join(tmpBin, 'temporal'))) {
    rmSync(tmpBin, { recursive: true, force: true });
    const tail = String(r.all ?? '')
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new CommandError(
      ['go', ...argv],
      r.exitCode,
      tail,
      'if modules cannot be verified offline, retry with GOSUMDB set to a reachable checksum database (or GONOSUMDB for a trusted proxy); or ' +
        INSTALL_HINT,
    );
  }
  renameSync(join(tmpBin, 'temporal'), target);
  rmSync(tmpBin, { recursive: true, force: true });
  return target;
}

/** Finds the CLI, building it into the cache when nothing else is available. */
export async function ensureTemporalCli(
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<TemporalCli> {
  const env = opts.env ?? process.env;
  const found = findTemporalCli(env);
  if (found) return found;
  return { path: await buildTemporalCli(opts), source: 'built' };
}
