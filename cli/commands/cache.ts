/** `migflow cache ls|gc`: what the stage cache holds, and cleaning it. */
import type { Command } from 'commander';
import { paramsSummary } from '../../contracts/index.js';
import { stageCacheFromEnv } from '../../workers/stage-cache.js';
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

/**
 * What a cache entry is, for people: a training by its overrides (a grid trial's own values come last in them, so
 * they are shown first), a bench trial by its policy or checkpoint run, a dataset by its kind, a profile by model
 * and MIG profile. The key stays the id.
 */
export function cacheLabel(stage: string, inputs: unknown): string {
  const i = (inputs ?? {}) as Record<string, unknown>;
  const cut = (text: string) => (text.length > 48 ? `${text.slice(0, 47)}…` : text);
  if (stage === 'train' && i.overrides && typeof i.overrides === 'object') {
    const reversed = Object.fromEntries(Object.entries(i.overrides as Record<string, unknown>).reverse());
    return cut(paramsSummary(reversed, 200) || 'defaults');
  }
  if (stage === 'bench')
    return cut(typeof i.runName === 'string' ? `rl ${i.runName}` : String(i.policy ?? ''));
  if (stage === 'profiling') return cut(`${i.model ?? ''} ${i.profile ?? ''}`.trim());
  if (stage === 'datasets') return String(i.kind ?? '');
  return '';
}

export function registerCacheCommand(program: Command): void {
  const cache = program
    .command('cache')
    .description(
      'inspect and clean the content-addressed stage cache (artifacts/, or the S3 store MIGFLOW_STORE names)',
    );
  const open = () => stageCacheFromEnv();
  cache
    .command('ls')
    .description('list cached stage outputs, newest first')
    .option('--stage <name>', 'only this stage')
    .option('--json', 'print JSON', false)
    .action(async (o: { stage?: string; json: boolean }) => {
      const entries = (await open().entries()).filter((e) => !o.stage || e.stage === o.stage);
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
        cacheLabel(e.stage, e.inputs),
        e.finishedAt.slice(0, 19).replace('T', ' '),
        human(e.sizeBytes),
        `${e.outputs.length} files`,
        `${(e.durationMs / 1000).toFixed(1)} s`,
      ]);
      const head = ['stage', 'key', 'what', 'finished (UTC)', 'size', 'outputs', 'took'];
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
    .action(async (o: { keep?: number; dryRun: boolean }) => {
      const removed = await open().collect({
        ...(o.keep !== undefined ? { keepPerStage: o.keep } : {}),
        dryRun: o.dryRun,
      });
      for (const d of removed) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${d}\n`);
      process.stdout.write(
        `${removed.length} ${removed.length === 1 ? 'item' : 'items'} ${o.dryRun ? 'to remove' : 'removed'}.\n`,
      );
    });
}
