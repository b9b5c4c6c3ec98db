/**
 * Finds or builds (once, with Go, into ~/.cache/migflow) what scripts/prod-stack.sh runs: the Temporal server, its
 * SQL schema tool, the Web UI server, and the Temporal CLI (registration, health checks). Prints `name=path` lines.
 */
import { ensureTemporalCli } from '../tools/temporal-cli.js';
import { ensureTemporalServer } from '../tools/temporal-server.js';

const log = (l: string) => process.stderr.write(`${l}\n`);
const bins = await ensureTemporalServer({ log });
bins.temporal = (await ensureTemporalCli({ log })).path;
for (const [name, path] of Object.entries(bins)) process.stdout.write(`${name}=${path}\n`);
