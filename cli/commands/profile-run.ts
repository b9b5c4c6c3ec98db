/**
 * `migflow profile sweep` and `migflow profile generate`: the load-generator side of profiling against one
 * OpenAI-compatible server — given by `--url`, or started here as a plain emulator process with
 * `--start-emulator` (its flags after `--emulator-arg`). No Temporal. Results go to stdout as JSON; progress to stderr.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  datasetNameOf,
  defaultConcurrencyPlan,
  defaultPrefillPlan,
  generateOutputName,
  parseKvCacheLog,
  runGenerate,
  runSweep,
  tpotPromptsFor,
  unfilledLevels,
} from '../../core/profiling/index.js';
import { spawnEmulator } from '../../emulators/vllm/spawn.js';
import {
  collectWords,
  positiveNumber,
  positiveWhole,
  positiveWholeList,
  wholeNumber,
} from '../lib/options.js';
import { planDuration, servingBenchmarkBlock } from '../lib/vllm-result-block.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Target {
  baseUrl: string;
  model: string;
  logs?: () => string;
  stop(): Promise<void>;
}

/** The server to profile: the given URL, or a fresh emulator process; the model from /v1/models when not given. */
async function target(opts: {
  url: string;
  startEmulator?: boolean;
  emulatorArg?: string[];
  model?: string;
}): Promise<Target> {
  let t: Target = { baseUrl: opts.url, model: opts.model ?? '', stop: async () => {} };
  if (opts.startEmulator) {
    const emu = await spawnEmulator(opts.emulatorArg ?? []);
    log(`started the vLLM emulator (pid ${emu.child.pid}) on ${emu.baseUrl}`);
    t = { baseUrl: emu.baseUrl, model: opts.model ?? '', logs: emu.logs, stop: emu.stop };
  }
  if (!t.model) {
    const res = await fetch(new URL('/v1/models', t.baseUrl)).catch((err: unknown) => {
      throw new InvalidArgumentError(
        `cannot reach ${t.baseUrl}/v1/models (${err instanceof Error ? (err.cause ?? err.message) : err}) — is the engine running? (or pass --start-emulator)`,
      );
    });
    const body = (await res.json()) as { data?: { id?: string }[] };
    t.model = body.data?.[0]?.id ?? '';
    if (!t.model) throw new InvalidArgumentError(`${t.baseUrl}/v1/models lists no model — pass --model`);
  }
  return t;
}

const urlOption = new Option('--url <url>', 'base URL of the OpenAI-compatible server').default(
  'http://127.0.0.1:8000',
);
const emulatorOptions = (c: Command) =>
  c
    .option('--start-emulator', 'start a vLLM emulator process for this run instead of using --url')
    .option(
      '--emulator-arg <args>',
      'flags for the started emulator, e.g. "--decode-beta 0.002" (repeatable)',
      collectWords,
    );

export function registerProfileRunCommands(profile: Command): void {
  emulatorOptions(
    profile
      .command('sweep')
      .description(
        'run the prefill and/or concurrency (TPOT) sweeps; writes vllm-bench-compatible JSON per level',
      )
      .addOption(urlOption)
      .option('--base-url <url>', "vllm bench serve's name for --url")
      .option('--model <id>', 'served model id (default: the first of /v1/models)')
      .addOption(
        new Option('--kind <kind>', 'which sweep')
          .choices(['prefill', 'concurrency', 'both'])
          .default('both'),
      )
      .option('--out <dir>', 'results go to <dir>/prefill and <dir>/tpot (vLLM: --result-dir)')
      .option('--result-dir <dir>', "vllm bench serve's name for --out")
      .option('--mig-name <name>', 'MIG profile name used in the prefill file name', 'emulated')
      .option('--levels <list>', 'concurrency levels (default 1..30)', positiveWholeList)
      .option(
        '--prompts-per-level <n>',
        'prompts per concurrency level (default 20 + floor((N−1)·60/29))',
        positiveWhole,
      )
      .option('--output-len <n>', 'concurrency sweep output length (±30 %; default 512)', positiveWhole)
      .option('--prefill-prompts <n>', 'prefill prompts (default 1000; vLLM: --num-prompts)', positiveWhole)
      .option('--num-prompts <n>', "vllm bench serve's name for --prefill-prompts", positiveWhole)
      .option(
        '--prefill-rate <r>',
        'prefill request rate, req/s (default 0.4; vLLM: --request-rate)',
        positiveNumber,
      )
      .option('--request-rate <r>', "vllm bench serve's name for --prefill-rate", positiveNumber)
      .option(
        '--save-detailed',
        "vllm bench serve's flag: the per-request fields (ttfts, itls, …) are always saved, so it changes nothing",
      )
      .option('--pause-ms <ms>', 'pause between concurrency levels (default 2000)', positiveWhole)
      .option('--seed <n>', 'seed of the random dataset and arrivals', wholeNumber, 0)
      .option('--quiet', "skip vLLM's result block per level (stderr)")
      .addHelpText(
        'after',
        `\nThe default plan is the reference's: ${planDuration({
          prefill: { numPrompts: 1000, requestRate: 0.4 },
          concurrency: {
            levels: Array.from({ length: 30 }, (_, i) => i + 1),
            prompts: Array.from({ length: 30 }, (_, i) => tpotPromptsFor(i + 1)),
            outputLen: 512,
            pauseMs: 2000,
          },
        })}. Shorten it with --num-prompts, --request-rate, --levels, --prompts-per-level, --output-len.`,
      ),
  ).action(async (o) => {
    const outDir: string | undefined = o.out ?? o.resultDir;
    if (!outDir)
      throw new InvalidArgumentError('name the results folder: --out <dir> (or --result-dir <dir>)');
    const prefillPrompts: number | undefined = o.prefillPrompts ?? o.numPrompts;
    const prefillRate: number | undefined = o.prefillRate ?? o.requestRate;
    const levels: number[] = o.levels ?? Array.from({ length: 30 }, (_, i) => i + 1);
    if (o.kind !== 'prefill' && o.promptsPerLevel !== undefined) {
      const unfilled = unfilledLevels(levels, o.promptsPerLevel);
      if (unfilled.length > 0)
        throw new InvalidArgumentError(
          `--prompts-per-level ${o.promptsPerLevel} is below concurrency level${unfilled.length > 1 ? 's' : ''} ${unfilled.join(', ')}: ` +
            `a level never has more requests in flight than it has prompts, and the TPOT fit would read its gaps at the level's concurrency — ` +
            `pass --prompts-per-level ${Math.max(...unfilled)} or more, or --levels without the levels above ${o.promptsPerLevel}`,
        );
    }
    log(
      `plan: ${planDuration({
        ...(o.kind !== 'concurrency'
          ? { prefill: { numPrompts: prefillPrompts ?? 1000, requestRate: prefillRate ?? 0.4 } }
          : {}),
        ...(o.kind !== 'prefill'
          ? {
              concurrency: {
                levels,
                prompts: levels.map((n) => o.promptsPerLevel ?? tpotPromptsFor(n)),
                outputLen: o.outputLen ?? 512,
                pauseMs: o.pauseMs ?? 2000,
              },
            }
          : {}),
      })}`,
    );
    // vLLM's result block after each level, as `vllm bench serve` prints it.
    const onLevelDone = (done: { key: string; file: string }) => {
      if (o.quiet) return;
      log(
        servingBenchmarkBlock(
          JSON.parse(readFileSync(done.file, 'utf8')) as Record<string, unknown>,
          `Serving Benchmark Result (${done.key})`,
        ),
      );
    };
    const t = await target({ ...o, url: o.baseUrl ?? o.url });
    try {
      const out = resolve(outDir);
      const result: Record<string, unknown> = { baseUrl: t.baseUrl, model: t.model };
      const seed = o.seed as number;
      if (o.kind !== 'concurrency') {
        const plan = defaultPrefillPlan({
          modelId: t.model,
          migName: o.migName,
          resultDir: join(out, 'prefill'),
          numPrompts: prefillPrompts,
          requestRate: prefillRate,
          seed,
        });
        result.prefill = await runSweep(t.baseUrl, t.model, plan, { log, onLevelDone });
      }
      if (o.kind !== 'prefill') {
        const plan = defaultConcurrencyPlan({
          modelId: t.model,
          resultDir: join(out, 'tpot'),
          levels: o.levels,
          promptsFor: o.promptsPerLevel ? () => o.promptsPerLevel : undefined,
          outputLen: o.outputLen,
          pauseBetweenLevelsMs: o.pauseMs,
          seed,
        });
        result.concurrency = await runSweep(t.baseUrl, t.model, plan, { log, onLevelDone });
      }
      if (t.logs) {
        const kv = parseKvCacheLog(t.logs());
        if (kv) result.kvCache = kv;
      }
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await t.stop();
    }
  });

  emulatorOptions(
    profile
      .command('generate')
      .description(
        "replay a prepared dataset's prompts and record token usage (JSONL; resumes an interrupted run)",
      )
      .addOption(urlOption)
      .option('--model <id>', 'served model id (default: the first of /v1/models)')
      .requiredOption('--dataset <file>', 'prepared ShareGPT JSONL (from `migflow dataset …`)')
      .requiredOption('--output-dir <dir>', 'folder of <model>-port-<port>-<dataset>-generated.jsonl')
      .option(
        '--dataset-name <name>',
        'dataset part of the output name (default: the file name without .jsonl)',
      )
      .option('--concurrency <n>', 'requests in flight (default 30)', positiveWhole)
      .option('--max-tokens <n>', 'max_tokens per request (default 4096)', positiveWhole),
  ).action(async (o) => {
    const t = await target(o);
    try {
      const port = new URL(t.baseUrl).port || '80';
      const outFile = join(
        resolve(o.outputDir),
        generateOutputName(t.model, port, o.datasetName ?? datasetNameOf(o.dataset)),
      );
      let last = 0;
      const r = await runGenerate({
        baseUrl: t.baseUrl,
        model: t.model,
        datasetFile: resolve(o.dataset),
        outFile,
        concurrency: o.concurrency,
        maxTokens: o.maxTokens,
        onProgress: (p) => {
          if (p.done - last >= 500) {
            last = p.done;
            log(`${p.done} rows done (${p.errors} error rows)`);
          }
        },
      });
      if (r.droppedPartialLines > 0) {
        log(
          `removed ${r.droppedPartialLines} unreadable line(s) of the earlier output (lines ${r.droppedLineNumbers.join(', ')})`,
        );
      }
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    } finally {
      await t.stop();
    }
  });

  profile
    .command('kv-cache')
    .description("read kv_cache_GB from an engine's startup log (all of vLLM's forms)")
    .requiredOption('--log <file>', 'engine log file')
    .option(
      '--kv-per-token-kb <n>',
      "the model's KV KiB per token (needed for the tokens and blocks forms)",
      positiveNumber,
    )
    .option('--block-size <n>', 'KV block size for the V0 "# GPU blocks" form', positiveWhole, 16)
    .action(async (o: { log: string; kvPerTokenKb?: number; blockSize: number }) => {
      const r = parseKvCacheLog(readFileSync(o.log, 'utf8'), {
        kvPerTokenKb: o.kvPerTokenKb,
        blockSize: o.blockSize,
      });
      if (!r)
        throw new InvalidArgumentError(
          `${o.log}: no KV-cache line found (expected e.g. "Available KV cache memory: X GiB")`,
        );
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}
