/**
 * A publisher in its own process, for the crash drill in contract.ts: publishes `<sourceDir>` as `<ref>` to the
 * store its environment names (storeFromEnv), printing `stored <path>` after each file so the test can kill it
 * midway. Usage: node --import tsx publish-child.ts <ref> <sourceDir>
 */
import { storeFromEnv } from '../../../core/store/index.js';

const [ref, sourceDir] = process.argv.slice(2);
if (!ref || !sourceDir) throw new Error('usage: publish-child.ts <ref> <sourceDir>');
const store = storeFromEnv();
// Slowed down per file, so the kill lands while files are still going up (not only during the manifest write).
await store.put(
  ref,
  sourceDir,
  { by: 'publish-child' },
  {
    onFile: (f) => {
      process.stdout.write(`stored ${f.path}\n`);
    },
  },
);
process.stdout.write('done\n');
