/**
 * Finds the `temporal` CLI (which embeds the dev server and Web UI), or builds it once with Go.
 *
 * Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, migflow's tool cache, else `go install …@v1.5.1` into the cache.
 * The cache build is what makes migflow work on machines that reach only package registries (the Go module proxy
 * serves the CLI's source); users with internet can just install `temporal` from their package manager.
 */
import { join } from 'node:path';
import { ToolMissingError } from '../core/errors.js';
import { migflowCacheDir } from '../core/paths.js';
import { type GoTool, goInstallPinned, goToolDir, isExecutable, onPath, taggedGoTool } from './go-install.js';

export { migflowCacheDir };

export const TEMPORAL_CLI_VERSION = '1.5.1';

const INSTALL_HINT =
  'install the Temporal CLI (https://docs.temporal.io/cli: `brew install temporal`, or the release binary) and put it ' +
  'on PATH or in TEMPORAL_CLI_PATH; or install Go >= 1.25 so migflow can build it once with ' +
  '`go install github.com/temporalio/cli/cmd/temporal@v1.5.1`';

/** The CLI's Go module; its go.mod requires `go 1.25.0`. */
const TEMPORAL_CLI_TOOL: GoTool = taggedGoTool(TEMPORAL_CLI_VERSION, {
  name: 'temporal',
  title: 'temporal CLI',
  module: 'github.com/temporalio/cli',
  binaries: [{ pkg: 'github.com/temporalio/cli/cmd/temporal', bin: 'temporal' }],
  minGo: [1, 25],
  ldflags: `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
  installHint: INSTALL_HINT,
});

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'built';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(goToolDir(TEMPORAL_CLI_TOOL, env), 'temporal');
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

/** Builds the CLI into the cache with Go (see tools/go-install.ts). */
export async function buildTemporalCli(
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<string> {
  const bins = await goInstallPinned(TEMPORAL_CLI_TOOL, opts);
  return bins.temporal!;
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
