/**
 * Finds or builds (once, with Go, into ~/.cache/migflow) what scripts/prod-stack.sh runs: the Temporal server, its
 * SQL schema tool and the Web UI server. Prints `name=path` lines for the script to read.
 */
import { ensureTemporalServer } from '../tools/temporal-server.js';

const bins = await ensureTemporalServer({ log: (l) => process.stderr.write(`${l}\n`) });
for (const [name, path] of Object.entries(bins)) process.stdout.write(`${name}=${path}\n`);
