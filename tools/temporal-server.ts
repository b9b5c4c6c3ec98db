/**
 * The production Temporal server and its SQL schema tool, built once from the Go module proxy into the tool cache:
 * `temporal-server` and `temporal-sql-tool` from go.temporal.io/server (the version the Temporal CLI 1.5.1 embeds,
 * and docker-compose.yaml's temporalio/auto-setup), plus the Web UI server (github.com/temporalio/ui-server, its
 * assets embedded; docker-compose.yaml's temporalio/ui). scripts/prod-stack.sh runs them on PostgreSQL.
 */
import type { BuildOptions, GoTool } from './go-install.js';
import { goInstallPinned, taggedGoTool } from './go-install.js';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

export const TEMPORAL_SERVER_TOOL: GoTool = taggedGoTool(TEMPORAL_SERVER_VERSION, {
  name: 'temporal-server',
  module: 'go.temporal.io/server',
  binaries: [
    { pkg: 'go.temporal.io/server/cmd/server', bin: 'temporal-server' },
    { pkg: 'go.temporal.io/server/cmd/tools/sql', bin: 'temporal-sql-tool' },
  ],
  minGo: [1, 25],
  ldflags: '-s -w',
  installHint:
    `install Go >= 1.25 so migflow can build go.temporal.io/server@v${TEMPORAL_SERVER_VERSION} once, or run the ` +
    'production stack with docker compose (docker-compose.yaml)',
});

export const TEMPORAL_UI_TOOL: GoTool = taggedGoTool(TEMPORAL_UI_VERSION, {
  name: 'temporal-ui-server',
  module: 'github.com/temporalio/ui-server/v2',
  binaries: [{ pkg: 'github.com/temporalio/ui-server/v2/cmd/server', bin: 'temporal-ui-server' }],
  minGo: [1, 24],
  ldflags: '-s -w',
  installHint: `install Go >= 1.24 so migflow can build github.com/temporalio/ui-server/v2@v${TEMPORAL_UI_VERSION} once`,
});

/** Builds (once) and returns the server's, the schema tool's and the UI server's paths. */
export async function ensureTemporalServer(opts: BuildOptions = {}): Promise<Record<string, string>> {
  const server = await goInstallPinned(TEMPORAL_SERVER_TOOL, opts);
  const ui = await goInstallPinned(TEMPORAL_UI_TOOL, opts);
  return { ...server, ...ui };
}
