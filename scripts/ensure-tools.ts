/**
 * Makes sure the tools the tests and the main job need are present: the Temporal CLI (found, or built once with Go
 * into ~/.cache/migflow). Prints where it is. Run by `npm test` and `.ci/run` before anything else.
 */
import { ensureTemporalCli } from '../tools/temporal-cli.js';

const cli = await ensureTemporalCli({ log: (l) => process.stderr.write(`${l}\n`) });
process.stderr.write(`temporal CLI: ${cli.path} (${cli.source})\n`);
