/**
 * `migflow dataset <coder|rag|chat>`: run the datasets stage (its own `run`, as `prepareDataset` does) without a
 * Temporal server, and print what it made (rows read and written, rows left out by the reference's filters, and
 * the malformed-row report).
 */
import { resolve } from 'node:path';
import { Argument, type Command, Option } from 'commander';
import { DATASET_SOURCES, type DatasetKind, type PrepareDatasetResult } from '../../core/datasets/index.js';
import { ConfigError } from '../../core/errors.js';
import { datasetsStage } from '../../core/stages/datasets/index.js';
import { collect, jsonResultOption, positiveWhole } from '../lib/options.js';
import { writeOutputFolder } from '../lib/output-folder.js';

export function formatDatasetSummary(r: PrepareDatasetResult): string {
  const source = DATASET_SOURCES[r.kind];
  const lines = [
    `${r.kind} (${source.hfId} shape, for ${source.agent})`,
    `  output        ${r.outputFile}`,
    `  rows read     ${r.rowsRead} (${(r.inputBytes / 1024 / 1024).toFixed(2)} MiB of input)`,
    `  rows written  ${r.rowsWritten}`,
  ];
  const dropped = Object.entries(r.dropped).filter(([, n]) => n);
  if (dropped.length > 0) lines.push(`  left out      ${dropped.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  lines.push(`  malformed     ${r.malformed.count}`);
  if (r.malformed.count > 0) {
    for (const e of r.malformed.examples) lines.push(`    ${e.file}:${e.line}: ${e.reason}`);
    if (r.malformed.count > r.malformed.examples.length) {
      lines.push(`    … ${r.malformed.count - r.malformed.examples.length} more`);
    }
    lines.push(`  every malformed row is listed in ${r.malformedFile}`);
  }
  return lines.join('\n');
}

export function registerDatasetCommand(program: Command): void {
  program
    .command('dataset')
    .description('preprocess raw dataset files into ShareGPT rows, without Temporal')
    .addArgument(new Argument('<kind>', 'which preprocessor').choices(['coder', 'rag', 'chat']))
    .option('--input <path>', 'raw file (.jsonl, .json or .parquet); repeat for several, in order', collect)
    .requiredOption(
      '--out <dir>',
      'folder for <kind>.sharegpt.jsonl and malformed.jsonl; built beside it and published whole (a new or empty folder, or an earlier output of the same kind)',
    )
    .addOption(
      new Option('--format <format>', 'override the format detected from the extension').choices([
        'jsonl',
        'json',
        'parquet',
      ]),
    )
    .option('--limit <n>', 'stop after this many raw rows', positiveWhole)
    .option(
      '--allow-empty',
      'accept a result of 0 rows (default: an error naming the first rejected row)',
      false,
    )
    .addOption(jsonResultOption())
    .action(
      async (
        kind: DatasetKind,
        o: {
          input?: string[];
          out: string;
          format?: 'jsonl' | 'json' | 'parquet';
          limit?: number;
          allowEmpty: boolean;
          json: boolean;
        },
      ) => {
        if (!o.input?.length) {
          throw new ConfigError(
            'migflow dataset',
            '--input',
            'no raw dataset file given',
            'pass --input PATH (repeat it for several files; bundled samples are in datasets/samples/)',
          );
        }
        const inputs = o.input.map((p) => resolve(p));
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        const progress = !o.json && process.stderr.isTTY;
        try {
          // Built beside --out and published whole (cli/lib/output-folder.ts): a kill leaves the old or the new
          // output, never the rows of one run beside the malformed report of another. The kind is part of the
          // command so that a chat run never replaces a coder folder.
          const { result: built, published } = await writeOutputFolder(
            resolve(o.out),
            `migflow dataset ${kind}`,
            (tmp) =>
              datasetsStage.run(
                {
                  kind,
                  inputs,
                  ...(o.format ? { format: o.format } : {}),
                  ...(o.limit ? { limit: o.limit } : {}),
                  ...(o.allowEmpty ? { allowEmpty: true } : {}),
                },
                tmp,
                {
                  signal: ac.signal,
                  ...(progress
                    ? { progress: (p) => process.stderr.write(`\r${p.rowsRead} rows read from ${p.file}`) }
                    : {}),
                },
              ),
          );
          const result: PrepareDatasetResult = {
            ...built,
            outputFile: published(built.outputFile),
            ...(built.malformedFile ? { malformedFile: published(built.malformedFile) } : {}),
          };
          if (progress) process.stderr.write('\n');
          process.stdout.write(
            o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatDatasetSummary(result)}\n`,
          );
          if (result.malformed.count > 0 && !o.json) {
            process.stderr.write(
              `migflow: ${result.malformed.count} malformed rows were skipped (see above)\n`,
            );
          }
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );
}
