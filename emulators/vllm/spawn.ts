/**
 * Starts the vLLM emulator as a separate OS process (what tests, the CLI's `--start-emulator` and the bench use):
 * `node emulators/vllm/bin/vllm-emulator …` (the source pre-bundled, no tsx loader), waits for /health, and returns
 * its base URL, a log buffer and a stop function that ends exactly that process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../core/util/index.js';

export interface SpawnedEmulator {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

export const EMULATOR_BIN = fileURLToPath(new URL('./bin/vllm-emulator', import.meta.url));

/** Spawns without waiting for health (fault tests watch it themselves). */
export function spawnEmulatorProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): {
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
} {
  const child = spawn(process.execPath, [EMULATOR_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  const keep = (c: Buffer) => {
    log = (log + c.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    logs: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function spawnEmulator(
  args: readonly string[] = [],
  opts: { port?: number; env?: Record<string, string>; healthTimeoutMs?: number } = {},
): Promise<SpawnedEmulator> {
  const port = opts.port ?? (await freePort());
  const p = spawnEmulatorProcess(['--port', String(port), ...args], opts.env);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.healthTimeoutMs ?? 60_000);
  for (;;) {
    if (p.child.exitCode !== null) {
      throw new Error(`vLLM emulator exited with code ${p.child.exitCode} before /health:\n${p.logs()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await p.stop();
      throw new Error(
        `vLLM emulator did not become healthy within ${opts.healthTimeoutMs ?? 60_000} ms:\n${p.logs()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl, port, ...p };
}
