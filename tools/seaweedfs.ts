/**
 * SeaweedFS (Apache-2.0): migflow's real S3-compatible server for tests and benchmarks, `weed` built once from the Go
 * module proxy into the tool cache. `$MIGFLOW_WEED_PATH` names a binary of your own instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CommandError, ToolMissingError } from '../core/errors.js';
import { freePort } from '../core/util/index.js';
import { type BuildOptions, type GoTool, goInstallPinned, isExecutable } from './go-install.js';

/** The module proxy serves SeaweedFS only as a pseudo-version (its tags are not module versions); 4.53 inside. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

export const SEAWEEDFS_TOOL: GoTool = {
  name: 'seaweedfs',
  title: 'SeaweedFS (weed)',
  label: '4.53-7506e5f91cd6',
  module: 'github.com/seaweedfs/seaweedfs',
  version: SEAWEEDFS_VERSION,
  binaries: [{ pkg: 'github.com/seaweedfs/seaweedfs/weed', bin: 'weed' }],
  // Its go.mod says `go 1.26.6`.
  minGo: [1, 26],
  ldflags: '-s -w',
  installHint:
    'install Go >= 1.26 so migflow can build it once (`go build ./weed` in github.com/seaweedfs/seaweedfs@' +
    `${SEAWEEDFS_VERSION}), or put a weed binary in MIGFLOW_WEED_PATH`,
};

export async function ensureWeed(opts: BuildOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  if (env.MIGFLOW_WEED_PATH) {
    if (!isExecutable(env.MIGFLOW_WEED_PATH)) {
      throw new ToolMissingError(
        `weed at MIGFLOW_WEED_PATH=${env.MIGFLOW_WEED_PATH}`,
        'point MIGFLOW_WEED_PATH at an executable weed binary, or unset it to let migflow build one',
      );
    }
    return env.MIGFLOW_WEED_PATH;
  }
  return (await goInstallPinned(SEAWEEDFS_TOOL, opts)).weed!;
}

export interface SeaweedFs {
  /** The S3 gateway, e.g. http://127.0.0.1:41234. */
  endpoint: string;
  /** The identity the server was started with (an S3 admin on this server only). */
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** The `weed server` process (benchmarks read its CPU time from /proc). */
  pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data unless it was given `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts a private SeaweedFS (master, volume, filer and S3 gateway in one `weed server` process) on 127.0.0.1 (or `ip`) with
 * free ports, its data in a temp dir, and one S3 identity with fresh random keys. Waits until the S3 gateway answers.
 */
export async function startSeaweedFs(
  opts: { weed?: string; dir?: string; log?: (line: string) => void; ip?: string } = {},
): Promise<SeaweedFs> {
  // Another address only where it is private (the multi-host drill's hub namespace); 127.0.0.1 otherwise.
  const ip = opts.ip ?? '127.0.0.1';
  const weed = opts.weed ?? (await ensureWeed({ log: opts.log }));
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'migflow-seaweedfs-'));
  const accessKeyId = `migflow${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const s3Config = join(dir, 's3.json');
  writeFileSync(
    s3Config,
    JSON.stringify({
      identities: [
        {
          name: 'migflow',
          credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
    { mode: 0o600 },
  );
  // Every listener on its own free port: gRPC ports default to HTTP port + 10000, which may be taken or > 65535.
  const p = {
    master: await freePort(),
    masterGrpc: await freePort(),
    volume: await freePort(),
    volumeGrpc: await freePort(),
    filer: await freePort(),
    filerGrpc: await freePort(),
    s3: await freePort(),
    s3Grpc: await freePort(),
  };
  const args = [
    'server',
    `-ip=${ip}`,
    `-ip.bind=${ip}`,
    `-dir=${join(dir, 'data')}`,
    `-master.port=${p.master}`,
    `-master.port.grpc=${p.masterGrpc}`,
    '-master.volumeSizeLimitMB=64',
    '-master.telemetry=false',
    `-volume.port=${p.volume}`,
    `-volume.port.grpc=${p.volumeGrpc}`,
    '-volume.max=32',
    '-filer',
    `-filer.port=${p.filer}`,
    `-filer.port.grpc=${p.filerGrpc}`,
    '-s3',
    `-s3.port=${p.s3}`,
    `-s3.port.grpc=${p.s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${s3Config}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    `-s3.localSocket=${join(dir, 's3.sock')}`,
  ];
  // weed puts its gRPC fast-path sockets in /tmp under fixed names; they are ours to remove once it has stopped.
  const grpcSockets = [
    ['master', p.masterGrpc],
    ['volume', p.volumeGrpc],
    ['filer', p.filerGrpc],
    ['s3', p.s3Grpc],
  ].map(([name, port]) => join('/tmp', `seaweedfs-${name}-grpc-${port}.sock`));
  mkdirSync(join(dir, 'data'), { recursive: true });
  let log = '';
  const proc = execa(weed, args, { reject: false, buffer: false, cleanup: true });
  const keep = (c: Buffer) => {
    log = (log + c.toString()).slice(-6000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let exited = false;
  void proc.then(() => {
    exited = true;
  });
  const endpoint = `http://${ip}:${p.s3}`;
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await proc;
      clearTimeout(timer);
    }
    for (const socket of grpcSockets) rmSync(socket, { force: true });
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  // Ready when an unauthenticated request gets S3's XML answer (403 AccessDenied) from the gateway.
  while (true) {
    if (exited) break;
    try {
      const r = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
      const body = await r.text();
      if (body.includes('<Error>') || body.includes('ListAllMyBucketsResult')) {
        return { endpoint, accessKeyId, secretAccessKey, dir, pid: proc.pid, stop };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  await stop();
  throw new CommandError(
    [weed, ...args],
    undefined,
    log,
    exited
      ? 'weed exited during start-up; see its log above'
      : `the S3 gateway did not answer at ${endpoint} in time`,
  );
}
