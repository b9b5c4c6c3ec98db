/** `migflow cache ls|gc`: what the stage cache holds, and cleaning it. */
import type { Command } from 'commander';
import { StageCache } from '../../core/cache/index.js';
import { artifactsDir, MIGFLOW_VERSION } from '../../core/paths.js';
import { wholeNumber } from '../lib/options.js';

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function registerCacheCommand(program: Command): void {
  const cache = program
    .command('cache')
    .description('inspect and clean the content-addressed stage cache (artifacts/)');
  const open = () => new StageCache({ root: artifactsDir(), migflowVersion: MIGFLOW_VERSION });
  cache
    .command('ls')
    .description('list cached stage outputs, newest first')
    .option('--stage <name>', 'only this stage')
    .option('--json', 'print JSON', false)
    .action((o: { stage?: string; json: boolean }) => {
      const entries = open()
        .list()
        .filter((e) => !o.stage || e.stage === o.stage);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify(
            entries.map(({ inputs: _i, ...rest }) => rest),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('The stage cache is empty.\n');
        return;
      }
      const rows = entries.map((e) => [
        e.stage,
        e.key,
        e.finishedAt.slice(0, 19).replace('T', ' '),
        human(e.sizeBytes),
        `${e.outputs.length} files`,
        `${(e.durationMs / 1000).toFixed(1)} s`,
      ]);
      const head = ['stage', 'key', 'finished (UTC)', 'size', 'outputs', 'took'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      process.stdout.write(`${fmt(head)}\n${rows.map(fmt).join('\n')}\n`);
    });
  cache
    .command('gc')
    .description(
      'remove leftovers of interrupted builds and training run dirs idle for a day, and optionally all but the newest N entries per stage',
    )
    .option('--keep <n>', 'keep only the newest N entries of each stage', wholeNumber)
    .option('--dry-run', 'only print what would be removed', false)
    .action((o: { keep?: number; dryRun: boolean }) => {
      const removed = open().gc({
        ...(o.keep !== undefined ? { keepPerStage: o.keep } : {}),
        dryRun: o.dryRun,
      });
      for (const d of removed) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${d}\n`);
      process.stdout.write(
        `${removed.length} director${removed.length === 1 ? 'y' : 'ies'} ${o.dryRun ? 'to remove' : 'removed'}.\n`,
      );
    });
}
