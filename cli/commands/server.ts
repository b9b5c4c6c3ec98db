/** `migflow server [start|stop|status]`: the Temporal dev server with migflow's settings. */

import { join } from 'node:path';
import type { Command } from 'commander';
import { port } from '../lib/options.js';
import {
  defaultServerOptions,
  ensureServerRunning,
  readServerState,
  runServerForeground,
  stopServer,
} from '../lib/server.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerServerCommand(program: Command): void {
  const d = defaultServerOptions();
  const server = program
    .command('server')
    .description(
      "run the Temporal dev server (SQLite under artifacts/temporal/, Web UI) with migflow's search attributes",
    )
    .option(
      '--ip <ip>',
      'address to bind gRPC and the Web UI (0.0.0.0 lets GPU hosts on your LAN connect)',
      d.ip,
    )
    .option('--port <n>', 'gRPC port', port, d.port)
    .option('--ui-port <n>', 'Web UI port (default: gRPC port + 1000)', port)
    .option('--db <file>', 'SQLite file', d.dbFile)
    .option('--namespace <ns>', 'namespace to create', d.namespace)
    .option('--headless', 'no Web UI', false)
    .option('--detach', 'start in the background and return once healthy', false)
    .action(
      async (o: {
        ip: string;
        port: number;
        uiPort?: number;
        db: string;
        namespace: string;
        headless: boolean;
        detach: boolean;
      }) => {
        const opts = {
          ip: o.ip,
          port: o.port,
          uiPort: o.uiPort ?? o.port + 1000,
          dbFile: o.db,
          namespace: o.namespace,
          headless: o.headless,
        };
        if (o.detach) {
          const r = await ensureServerRunning(opts, say);
          say(
            r.started
              ? `Temporal dev server started in the background at ${r.address}${r.uiUrl ? `, Web UI ${r.uiUrl}` : ''} (log: ${join('artifacts', 'temporal', 'server.log')}). Stop it with \`npx migflow server stop\`.`
              : `A Temporal server is already running at ${r.address}; nothing to do.`,
          );
          return;
        }
        process.exitCode = await runServerForeground(opts, say);
      },
    );
  server
    .command('stop')
    .description('stop a dev server that migflow started in the background')
    .action(async () => {
      await stopServer(say);
    });
  server
    .command('status')
    .description("print the running server's address, Web UI and DB")
    .action(() => {
      const s = readServerState();
      say(
        s
          ? JSON.stringify(s, null, 2)
          : 'No migflow-started server is recorded (artifacts/temporal/server.json).',
      );
    });
}
