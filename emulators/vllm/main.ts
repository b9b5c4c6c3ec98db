/**
 * vLLM emulator entry point (plain process, `migflow emulator vllm …`, or the Docker image's entrypoint).
 * Boots like vLLM v0.17: logs its non-default args, the KV-cache lines vLLM prints after profiling memory
 * ("Available KV cache memory: X GiB", "GPU KV cache size: N tokens"), and only opens its port once the boot
 * time has passed, so /health is unreachable while "loading". Start faults: exit-at-start, never-healthy.
 */
import { fileURLToPath } from 'node:url';
import { reportDeviceActivity } from './device-activity.js';
import { EmulatorArgError, type EmulatorOptions, resolveOptions } from './options.js';
import { createEmulatorServer, type EmulatorServer } from './server.js';
import { setPreciseTimers } from './timer.js';

/** vLLM's log prefix: `INFO 12-01 18:55:43 [file.py:123] message`. */
function vllmLog(level: 'INFO' | 'WARNING' | 'ERROR', where: string, msg: string): void {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const line = `${level} ${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} [${where}] ${msg}`;
  (level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEmulator(opts: EmulatorOptions): Promise<EmulatorServer> {
  setPreciseTimers(opts.preciseTimers);
  vllmLog('INFO', 'api_server.py:1800', 'vLLM API server version 0.17.0 (migflow emulator)');
  vllmLog(
    'INFO',
    'utils.py:328',
    `non-default args: {'model': '${opts.model}', 'host': '${opts.host}', 'port': ${opts.port}, 'max_model_len': ${opts.maxModelLen}}`,
  );
  vllmLog(
    'INFO',
    'emulator',
    `emulated profile: prefill α=${opts.engine.prefill.alpha} β=${opts.engine.prefill.beta} σ=${opts.engine.prefill.sigma}; decode α=${opts.engine.decode.alpha} β=${opts.engine.decode.beta} σ=${opts.engine.decode.sigma}; device=${process.env.NVIDIA_VISIBLE_DEVICES ?? 'none'}`,
  );
  if (opts.startFault === 'exit-at-start') {
    vllmLog('ERROR', 'core.py:708', 'EngineCore failed to start.');
    vllmLog(
      'ERROR',
      'core.py:708',
      'torch.OutOfMemoryError: CUDA out of memory. (emulated fault: exit-at-start)',
    );
    process.exit(1);
  }
  await sleep(opts.bootMs / 2);
  const kvGib = (opts.engine.kvCacheTokens * opts.kvPerTokenKb) / 1048576;
  vllmLog('INFO', 'gpu_worker.py:298', `Available KV cache memory: ${kvGib.toFixed(2)} GiB`);
  vllmLog(
    'INFO',
    'kv_cache_utils.py:1087',
    `GPU KV cache size: ${opts.engine.kvCacheTokens.toLocaleString('en-US')} tokens`,
  );
  vllmLog(
    'INFO',
    'kv_cache_utils.py:1091',
    `Maximum concurrency for ${opts.maxModelLen.toLocaleString('en-US')} tokens per request: ${(opts.engine.kvCacheTokens / opts.maxModelLen).toFixed(2)}x`,
  );
  await sleep(opts.bootMs / 2);
  const emu = createEmulatorServer(opts);
  await new Promise<void>((resolve, reject) => {
    emu.server.once('error', reject);
    emu.server.listen(opts.port, opts.host, () => resolve());
  });
  vllmLog('INFO', 'api_server.py:1880', `Starting vLLM API server 0 on http://${opts.host}:${opts.port}`);
  if (opts.startFault === 'never-healthy') {
    vllmLog('WARNING', 'emulator', 'emulated fault: never-healthy — /health answers 503 forever');
  } else {
    emu.healthy = true;
    vllmLog('INFO', 'launcher.py:58', 'Application startup complete.');
  }
  const device = process.env.NVIDIA_VISIBLE_DEVICES;
  if (opts.deviceActivityDir && device) {
    const reporter = reportDeviceActivity(opts.deviceActivityDir, device, emu.engine);
    emu.server.once('close', () => reporter.stop());
    vllmLog(
      'INFO',
      'emulator',
      `reporting load on ${device} to ${opts.deviceActivityDir} (nvidia-smi power.draw)`,
    );
  }
  return emu;
}

/** Runs until SIGTERM/SIGINT; exits 2 on bad arguments. */
export const EMULATOR_USAGE = `usage: migflow emulator vllm [serve] [MODEL] [vLLM flags] [emulator flags]
  vLLM flags read:  --model ID  --served-model-name NAME  --host 127.0.0.1  --port 8000  --config FILE.yaml
                    --max-model-len N  --max-num-seqs N   (other vLLM flags are accepted and ignored)
  emulated truth:   --prefill-alpha S --prefill-beta S --prefill-sigma S   (TTFT = α + β·prompt_tokens + N(0,σ²))
                    --decode-alpha S --decode-beta S --decode-sigma S      (step = α + β·running + N(0,σ²))
                    --kv-cache-tokens N | --kv-cache-gib G  --kv-per-token-kb K  --boot-ms MS  --seed N
                    --natural-output-max N  --precise-timers true|false
                    --device-activity-dir DIR   (load on $NVIDIA_VISIBLE_DEVICES, for the nvidia-smi emulator's power.draw)
  faults:           --fault exit-at-start|never-healthy  --drop-after-tokens N [--drop-every K]
  every emulator flag can come from the environment as MIGFLOW_EMU_<FLAG>, e.g. MIGFLOW_EMU_PREFILL_ALPHA=0.03
`;

export async function runEmulatorProcess(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(EMULATOR_USAGE);
    return;
  }
  let opts: EmulatorOptions;
  try {
    opts = resolveOptions(argv);
  } catch (err) {
    if (err instanceof EmulatorArgError) {
      process.stderr.write(`vllm emulator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let emu: EmulatorServer | undefined;
  const stop = () => {
    vllmLog('INFO', 'launcher.py:80', 'Shutting down FastAPI HTTP server.');
    emu?.server.closeAllConnections();
    emu?.server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  emu = await startEmulator(opts);
}

/** The process's entry: the executable (bin/vllm-emulator) and the Docker image run this. */
export function main(): void {
  runEmulatorProcess(process.argv.slice(2)).catch((err) => {
    vllmLog('ERROR', 'emulator', err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
