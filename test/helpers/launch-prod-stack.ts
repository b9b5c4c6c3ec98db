/**
 * Starts a private production-style stack (scripts/prod-stack.sh: PostgreSQL + Temporal server + migflow's search
 * attributes, no Web UI) in a temp dir on free ports, for the integration tests with MIGFLOW_TEST_TEMPORAL=prod.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../core/paths.js';

export interface ProdStack {
  address: string;
  dir: string;
  /** Stops it and deletes its data. */
  down(): Promise<void>;
}

/** A free port below 32768: Temporal's SQL schema stores membership ports as smallint (the OS picks from above). */
async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(candidate, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

/**
 * `dir`: where its data goes (default: a new temp folder; `down` deletes it either way). `bind`: the address the frontend listens on besides loopback (the multi-host drill's hub: 0.0.0.0 inside a network
 * namespace whose only other address is the hub's private one); the address returned is then `bind`'s host.
 */
export async function launchProdStack(
  opts: { bind?: string; host?: string; dir?: string } = {},
): Promise<ProdStack> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'migflow-prod-stack-'));
  // Every listening port from below the OS's ephemeral range: a port the OS hands out (freePort) can be taken, before
  // the server binds it, by the local end of an outgoing connection (the stack's own connections to PostgreSQL did so
  // in CI: "listen tcp [::]:35515: bind: address already in use"). Drawn without repeats.
  const taken = new Set<number>();
  const lowPort = async (): Promise<number> => {
    for (;;) {
      const p = await freeLowPort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const port = async () => String(await lowPort());
  const env: NodeJS.ProcessEnv = {
    MIGFLOW_PROD_STACK_DIR: dir,
    PROD_STACK_PG_PORT: await port(),
    PROD_STACK_TEMPORAL_PORT: await port(),
    PROD_STACK_HTTP_PORT: await port(),
    PROD_STACK_HISTORY_PORT: await port(),
    PROD_STACK_MATCHING_PORT: await port(),
    PROD_STACK_WORKER_PORT: await port(),
    PROD_STACK_FRONTEND_MEMBERSHIP_PORT: String(await lowPort()),
    PROD_STACK_HISTORY_MEMBERSHIP_PORT: String(await lowPort()),
    PROD_STACK_MATCHING_MEMBERSHIP_PORT: String(await lowPort()),
    PROD_STACK_WORKER_MEMBERSHIP_PORT: String(await lowPort()),
    PROD_STACK_UI: '0',
    TEMPORAL_DB_PASSWORD: randomBytes(12).toString('hex'),
    ...(opts.bind ? { TEMPORAL_BIND: opts.bind } : {}),
  };
  const script = join(PROJECT_ROOT, 'scripts/prod-stack.sh');
  const down = async () => {
    await execa(script, ['down', '--volumes'], { env, reject: false, cwd: PROJECT_ROOT });
  };
  const up = await execa(script, ['up'], {
    env,
    reject: false,
    all: true,
    cwd: PROJECT_ROOT,
    timeout: 600_000,
  });
  if (up.exitCode !== 0) {
    await down();
    throw new Error(`scripts/prod-stack.sh up failed (exit ${up.exitCode}):\n${up.all}`);
  }
  return { address: `${opts.host ?? '127.0.0.1'}:${env.PROD_STACK_TEMPORAL_PORT}`, dir, down };
}
