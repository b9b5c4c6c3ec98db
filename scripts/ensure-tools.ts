/**
 * Makes sure the Go-built tools are present, building each once into ~/.cache/migflow when it is not:
 *   temporal-cli  the Temporal CLI (dev server, Web UI, operator commands)     — the main job and every test tier
 *   weed          SeaweedFS, the S3-compatible server of the store tests       — test/unit/store, bench:store
 *   prod          temporal-server, temporal-sql-tool, temporal-ui-server       — scripts/prod-stack.sh
 * Usage: tsx scripts/ensure-tools.ts [temporal-cli] [weed] [prod]   (default: temporal-cli weed — what `npm test`
 * needs; it runs this first). scripts/setup.sh builds all three groups, two processes in parallel.
 */

import { ensureWeed } from '../tools/seaweedfs.js';
import { ensureTemporalCli } from '../tools/temporal-cli.js';
import { ensureTemporalServer } from '../tools/temporal-server.js';

const GROUPS = ['temporal-cli', 'weed', 'prod'] as const;
const wanted = process.argv.slice(2);
for (const g of wanted) {
  if (!(GROUPS as readonly string[]).includes(g)) {
    process.stderr.write(`ensure-tools: unknown tool group ${g}; use ${GROUPS.join(', ')}\n`);
    process.exit(2);
  }
}
const groups = wanted.length ? wanted : ['temporal-cli', 'weed'];
const log = (l: string) => process.stderr.write(`${l}\n`);
const started = Date.now();
const took = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

if (groups.includes('temporal-cli')) {
  const cli = await ensureTemporalCli({ log });
  log(`temporal CLI: ${cli.path} (${cli.source}) [${took()}]`);
}
if (groups.includes('weed')) log(`SeaweedFS weed: ${await ensureWeed({ log })} [${took()}]`);
if (groups.includes('prod')) {
  for (const [name, path] of Object.entries(await ensureTemporalServer({ log }))) log(`${name}: ${path}`);
  log(`[${took()}]`);
}
