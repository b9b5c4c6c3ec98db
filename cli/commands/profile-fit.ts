/**
 * `migflow profile fit-prefill` and `migflow profile fit-tpot`: the reference's prefill.py / tpot.py on bench result
 * files, printing the fitted parameters as JSON on stdout (progress and skipped files go to stderr).
 */
import type { Command } from 'commander';
import { fitPrefillFile, fitTpotDir } from '../../core/profiling/index.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

export function registerProfileFitCommands(profile: Command): void {
  profile
    .command('fit-prefill')
    .description('fit TTFT = α + β·input_tokens + N(0, σ²) to one prefill bench result')
    .requiredOption('--input <file>', 'bench result JSON of the prefill run (vllm bench serve or migflow)')
    .requiredOption('--out <dir>', 'folder for <stem>-param.json and <stem>-plot.png')
    .option(
      '--include-failed',
      'fit failed requests too (ttft 0), as the reference does; default: leave them out',
    )
    .option('--no-plot', 'skip the PNG figure')
    .action(async (opts: { input: string; out: string; includeFailed?: boolean; plot: boolean }) => {
      const r = await fitPrefillFile(opts.input, opts.out, {
        includeFailed: opts.includeFailed ?? false,
        plot: opts.plot,
        log,
      });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });

  profile
    .command('fit-tpot')
    .description("fit ITL = α + β·N + N(0, σ²) to a concurrency sweep (N = each file's max_concurrency)")
    .requiredOption('--input-dir <dir>', "folder of the sweep's bench result JSONs")
    .requiredOption('--out <dir>', 'folder for <name>-param.json and <name>-plot.png')
    .option('--no-plot', 'skip the PNG figure')
    .action(async (opts: { inputDir: string; out: string; plot: boolean }) => {
      const r = await fitTpotDir(opts.inputDir, opts.out, { plot: opts.plot, log });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}
