#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so users need no build step. tsx's loader is registered in this very process
// (Node ≥ 20.6), so there is no launcher child: SIGINT/SIGTERM/SIGHUP reach the command itself (`migflow train`
// checkpoints and exits) and nothing can be orphaned by a kill of the launcher. On an older Node the CLI runs in a
// child; every signal is forwarded to it and the launcher exits with its code (or dies of its signal).
import { spawn } from 'node:child_process';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'cli/main.ts');

if (typeof register === 'function') {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(pathToFileURL(main).href);
} else {
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  const child = spawn(process.execPath, [tsxCli, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
