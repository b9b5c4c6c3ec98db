/**
 * Starts one drill host's worker inside its own mount namespace (the drill runs this under `unshare -m
 * --propagation private`): the other hosts' folders are covered with empty tmpfs mounts first, so this host cannot
 * read or write another host's artifacts even by an absolute path — the object store is the only thing they share.
 *
 *   unshare -m --propagation private node --import tsx test/drill/host-launcher.ts <hidden dir>… -- <worker argv>…
 */
import { execFileSync, spawn } from 'node:child_process';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
if (split < 1 || split === argv.length - 1) {
  process.stderr.write('usage: host-launcher.ts <dir to hide>… -- <command> [args…]\n');
  process.exit(2);
}
for (const dir of argv.slice(0, split))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0', 'none', dir]);
const [command, ...args] = argv.slice(split + 1);
const child = spawn(command!, args, { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
