/**
 * The multi-host drill's network: a hub and one network namespace per host, each host wired to a bridge in the hub
 * by a veth pair. The addresses (10.213.0.0/24) exist only inside these namespaces and no namespace has any other
 * route, so a host reaches the hub's services (the Temporal server, the object store) over its link and nothing else.
 *
 * A host's namespace belongs to an "anchor" container (Docker, --network none, one idle node process): the engines a
 * GPU worker starts in Docker then join that host's namespace (MIGFLOW_ENGINE_NETWORK=container:<anchor>) and answer
 * on the host's loopback, as on a real GPU host. Names carry this process's pid; whatever an earlier drill left behind
 * (namespaces and anchors of a pid that no longer runs) is removed first, and `destroy` removes everything, killing
 * any process still inside (all started by this drill).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { buildVllmEmulatorImage } from '../../emulators/vllm-emulator-image.js';

const SUBNET = '10.213.0';
const LABEL = 'io.migflow.drill-net';

export interface NetHost {
  /** The namespace's name under /run/netns. */
  ns: string;
  ip: string;
  /** The anchor container's name (engines join its network). */
  anchor: string;
}

export interface DrillNet {
  hub: { ns: string; ip: string };
  hosts: Record<string, NetHost>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Whether a process of that id runs (Linux /proc). */
const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Whether this machine can build the drill's network (root, iproute2, a Docker engine); the reason when not. */
export function netProblem(): string | undefined {
  try {
    ip('netns', 'add', `mfdrill${process.pid}-probe`);
    ip('netns', 'del', `mfdrill${process.pid}-probe`);
  } catch (err) {
    return `\`ip netns add\` failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    return '`docker info` failed (the anchors of the hosts’ namespaces are containers)';
  }
  return undefined;
}

function namespaces(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** Kills what still runs in a namespace (SIGKILL) and deletes it. */
function removeNamespace(ns: string): void {
  if (!namespaces().includes(ns)) return;
  for (const pid of ip('netns', 'pids', ns).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  ip('netns', 'del', ns);
}

/** Removes an anchor and the engine containers that joined its network. */
async function removeAnchor(docker: Docker, name: string): Promise<void> {
  const all = await docker.listContainers({ all: true });
  for (const c of all) {
    if (c.HostConfig?.NetworkMode === `container:${name}` || c.Names.includes(`/${name}`)) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  // Engines name their network by the anchor's id once started; remove those too.
  const anchorIds = new Set(all.filter((c) => c.Names.includes(`/${name}`)).map((c) => c.Id));
  for (const c of all) {
    const mode = c.HostConfig?.NetworkMode ?? '';
    if (mode.startsWith('container:') && anchorIds.has(mode.slice('container:'.length))) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}

/** Removes namespaces and anchors of drills whose process is gone. */
async function removeLeftovers(docker: Docker): Promise<void> {
  for (const ns of namespaces()) {
    const m = /^mfdrill(\d+)-/.exec(ns);
    if (m && !alive(Number(m[1]))) removeNamespace(ns);
  }
  for (const c of await docker.listContainers({ all: true, filters: { label: [LABEL] } })) {
    if (!alive(Number(c.Labels[LABEL]))) await removeAnchor(docker, c.Names[0]!.slice(1));
  }
}

export async function createDrillNet(
  hostNames: string[],
  log: (line: string) => void,
): Promise<DrillNet & { destroy(): Promise<void> }> {
  const docker = new Docker();
  await removeLeftovers(docker);
  const tag = `mfdrill${process.pid}`;
  const net: DrillNet = { hub: { ns: `${tag}-hub`, ip: `${SUBNET}.1` }, hosts: {} };
  const destroy = async () => {
    for (const h of Object.values(net.hosts)) {
      await removeAnchor(docker, h.anchor);
      removeNamespace(h.ns);
    }
    removeNamespace(net.hub.ns);
  };
  try {
    const image = (await buildVllmEmulatorImage(docker)).tag;
    ip('netns', 'add', net.hub.ns);
    ip('-n', net.hub.ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', net.hub.ns, 'addr', 'add', `${net.hub.ip}/24`, 'dev', 'br0');
    for (const link of ['lo', 'br0']) ip('-n', net.hub.ns, 'link', 'set', link, 'up');
    for (const [i, name] of hostNames.entries()) {
      const host: NetHost = {
        ns: `${tag}-${name}`,
        ip: `${SUBNET}.${11 + i}`,
        anchor: `migflow-drill-${process.pid}-${name}`,
      };
      net.hosts[name] = host;
      const anchor = await docker.createContainer({
        name: host.anchor,
        Image: image,
        Entrypoint: ['/usr/local/bin/node', '-e', 'setInterval(() => {}, 1e9)'],
        Labels: { [LABEL]: String(process.pid) },
        HostConfig: { NetworkMode: 'none' },
      });
      await anchor.start();
      const pid = (await anchor.inspect()).State.Pid;
      ip('netns', 'attach', host.ns, String(pid));
      const hubSide = `veth-${name}`.slice(0, 15);
      ip(
        'link',
        'add',
        'eth0',
        'netns',
        host.ns,
        'type',
        'veth',
        'peer',
        'name',
        hubSide,
        'netns',
        net.hub.ns,
      );
      ip('-n', net.hub.ns, 'link', 'set', hubSide, 'master', 'br0');
      ip('-n', net.hub.ns, 'link', 'set', hubSide, 'up');
      ip('-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
      for (const link of ['lo', 'eth0']) ip('-n', host.ns, 'link', 'set', link, 'up');
    }
    log(
      `network: hub ${net.hub.ns} ${net.hub.ip}; ${Object.entries(net.hosts)
        .map(([n, h]) => `${n} ${h.ns} ${h.ip}`)
        .join(', ')} (veth pairs to a bridge in the hub, no other routes)`,
    );
    return { ...net, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** The routes a namespace has (the drill reports them: only its link's subnet). */
export function routesOf(ns: string): string[] {
  return ip('-n', ns, 'route', 'show')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Whether a TCP connection from inside namespace `ns` to host:port succeeds. */
export function canConnect(ns: string, host: string, port: number): boolean {
  if (!existsSync(`/run/netns/${ns}`)) throw new Error(`no network namespace ${ns}`);
  try {
    execFileSync(
      'nsenter',
      [
        `--net=/run/netns/${ns}`,
        process.execPath,
        '-e',
        'const s = require("node:net").connect(Number(process.argv[2]), process.argv[1]);' +
          's.setTimeout(3000, () => process.exit(1)); s.on("connect", () => process.exit(0)); s.on("error", () => process.exit(1));',
        host,
        String(port),
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return true;
  } catch {
    return false;
  }
}
