/**
 * `migflow profile fit-prefill` and `migflow profile fit-tpot`: the reference's prefill.py / tpot.py on bench result
 * files, printing the fitted parameters as JSON on stdout (progress and skipped files go to stderr). The --out
 * folder is built beside its target and published whole (cli/lib/output-folder.ts): a kill leaves the previous
 * fit's param file and figure or this one's, never one of each.
 */
import type { Command } from 'commander';
import {
  fitPrefillFile,
  fitTpotDir,
  type NonPhysicalFit,
  nonPhysicalPrefill,
  nonPhysicalTpot,
} from '../../core/profiling/index.js';
import { writeOutputFolder } from '../lib/output-folder.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * These commands write what the reference writes, whatever the line (parity); a line the fit stage's write-back
 * would refuse is said on stderr, so it is never kept silently.
 */
function warnNonPhysical(problems: readonly NonPhysicalFit[]): void {
  for (const p of problems) {
    log(
      `warning: ${p.source}: ${p.field} = ${p.value}: ${p.problem}; the fit stage would refuse to write this fit into a simulation config — re-profile with more prompts or concurrency levels, on a quieter host`,
    );
  }
}

/** Runs `fit` into a private folder, publishes it as `out`, and prints its result with the published paths. */
async function fitInto<R extends { paramFile: string; plotFile: string | null }>(
  out: string,
  command: string,
  fit: (tmp: string) => Promise<R>,
): Promise<void> {
  const { result, published } = await writeOutputFolder(out, command, fit);
  const r = {
    ...result,
    paramFile: published(result.paramFile),
    plotFile: result.plotFile && published(result.plotFile),
  };
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}

export function registerProfileFitCommands(profile: Command): void {
  profile
    .command('fit-prefill')
    .description('fit TTFT = α + β·input_tokens + N(0, σ²) to one prefill bench result')
    .requiredOption('--input <file>', 'bench result JSON of the prefill run (vllm bench serve or migflow)')
    .requiredOption(
      '--out <dir>',
      'folder for <stem>-param.json and <stem>-plot.png; built beside it and published whole (a new or empty folder, or an earlier fit-prefill output)',
    )
    .option(
      '--include-failed',
      'fit failed requests too (ttft 0), as the reference does; default: leave them out',
    )
    .option('--no-plot', 'skip the PNG figure')
    .action(async (opts: { input: string; out: string; includeFailed?: boolean; plot: boolean }) => {
      await fitInto(opts.out, 'migflow profile fit-prefill', async (tmp) => {
        const r = await fitPrefillFile(opts.input, tmp, {
          includeFailed: opts.includeFailed ?? false,
          plot: opts.plot,
          log,
        });
        warnNonPhysical(
          nonPhysicalPrefill({ ...r, minInputTokens: r.min_input_tokens }, opts.input, 'this fit'),
        );
        return r;
      });
    });

  profile
    .command('fit-tpot')
    .description("fit ITL = α + β·N + N(0, σ²) to a concurrency sweep (N = each file's max_concurrency)")
    .requiredOption('--input-dir <dir>', "folder of the sweep's bench result JSONs")
    .requiredOption(
      '--out <dir>',
      'folder for <name>-param.json and <name>-plot.png; built beside it and published whole (a new or empty folder, or an earlier fit-tpot output)',
    )
    .option('--no-plot', 'skip the PNG figure')
    .action(async (opts: { inputDir: string; out: string; plot: boolean }) => {
      await fitInto(opts.out, 'migflow profile fit-tpot', async (tmp) => {
        const r = await fitTpotDir(opts.inputDir, tmp, { plot: opts.plot, log });
        warnNonPhysical(nonPhysicalTpot(r, opts.inputDir, 'this fit'));
        return r;
      });
    });
}
