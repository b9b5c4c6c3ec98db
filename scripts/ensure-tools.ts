/**
 * Makes sure the tools the tests and the main job need are present: the Temporal CLI (found, or built once with Go
 * into ~/.cache/migflow) and SeaweedFS's `weed` (the S3-compatible server the store tests run against). Prints where
 * they are. Run by `npm test` and `.ci/run` before anything else.
 */
import { ensureTemporalCli } from '../core/tools/temporal-cli.js';
import { ensureWeed } from '../tools/seaweedfs.js';

const log = (l: string) => process.stderr.write(`${l}\n`);
const cli = await ensureTemporalCli({ log });
process.stderr.write(`temporal CLI: ${cli.path} (${cli.source})\n`);
const weed = await ensureWeed({ log });
process.stderr.write(`SeaweedFS weed: ${weed}\n`);
