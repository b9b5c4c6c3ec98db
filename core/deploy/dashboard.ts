/**
 * The live dashboard: a small HTTP server (loopback only unless allow_remote) with one HTML page that polls
 * `/api/data` every second and draws each GPU's MIG layout with slot owners, per-agent arrival rate, queue,
 * TTFT/TPOT, the budget and the action history. The hub lives in the GPU host's worker process and is fed by
 * whichever decision window runs there, so the page survives from one window to the next.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, type ResolvedDeploymentConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { LiveCluster } from './live-cluster.js';

export interface DashboardData {
  deploymentId: string;
  policy: string;
  phase: string;
  runTimeS: number;
  window: number;
  windows: number;
  budgetS: number;
  budgetMaxS: number;
  gpus: {
    gpu: number;
    simulated: boolean;
    stateId?: number;
    slots: {
      key: string;
      start: number;
      size: number;
      profile: string;
      owner: string;
      ready: boolean;
      draining: boolean;
      restarting: boolean;
      port: number;
      running: number;
      waiting: number;
    }[];
  }[];
  agents: {
    agent: string;
    arrivalRatePerS: number;
    queue: number;
    running: number;
    ttftMs: number | null;
    tpotMs: number | null;
    counts: { split: number; merge: number; transfer: number };
  }[];
  requests: { dispatched: number; finished: number; planned: number };
  actions: {
    decision: number;
    atS: number;
    kind: string;
    details: string;
    costS: number;
    status: string;
    error?: string;
  }[];
  faults: { atS: number; kind: string; slot?: string; message: string; handling: string }[];
  events: { atS: number; text: string }[];
}

export class DashboardHub {
  private live?: LiveCluster;
  private deploy?: ResolvedDeploymentConfig;
  /** Dispatch times (run s) in the last 10 s per agent, for a live arrival rate. */
  private readonly arrivals = new Map<string, number[]>();
  private lastDispatched = 0;
  updates = 0;

  attach(live: LiveCluster, deploy: ResolvedDeploymentConfig): void {
    this.live = live;
    this.deploy = deploy;
    this.lastDispatched = 0;
  }

  tick(): void {
    this.updates++;
  }

  data(): DashboardData | { deploymentId: null; phase: string } {
    const live = this.live;
    if (!live || !this.deploy) return { deploymentId: null, phase: 'no deployment on this worker yet' };
    const st = live.state;
    const now = live.runTimeS();
    const gpus = new Map<number, DashboardData['gpus'][number]>();
    for (const slot of live.slots) {
      const g = gpus.get(slot.plan.gpu) ?? {
        gpu: slot.plan.gpu,
        simulated: slot.plan.permanent,
        ...(slot.plan.permanent
          ? {}
          : { stateId: st.desired.find((d) => d.gpu === slot.plan.gpu)?.stateId ?? 0 }),
        slots: [],
      };
      g.slots.push({
        key: slot.plan.key,
        start: slot.plan.start,
        size: slot.plan.sizeSlices,
        profile: slot.plan.hardware,
        owner: slot.plan.agent,
        ready: slot.ready,
        draining: slot.draining,
        restarting: slot.restarting,
        port: slot.port,
        running: slot.metrics?.running ?? 0,
        waiting: slot.metrics?.waiting ?? 0,
      });
      gpus.set(slot.plan.gpu, g);
    }
    if (live.dispatched < this.lastDispatched) this.lastDispatched = 0;
    const agents = live.agents.map((agent) => {
      const c = st.agents[agent]!;
      const slots = live.agentSlots(agent);
      const recent = c.latencies.slice(0, 20);
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      const ttft = mean(recent.map((l) => l[0]));
      const tpot = mean(recent.map((l) => l[1]));
      const samples = live.samples.get(agent);
      return {
        agent,
        arrivalRatePerS: samples && live.elapsedS() > 0 ? samples.arrivals / live.elapsedS() : 0,
        queue: slots.reduce((s, x) => s + (x.metrics?.waiting ?? 0), 0),
        running: slots.reduce((s, x) => s + (x.metrics?.running ?? 0), 0),
        ttftMs: ttft === null ? null : ttft * 1000,
        tpotMs: tpot === null ? null : tpot * 1000,
        counts: c.counts,
      };
    });
    return {
      deploymentId: st.deploymentId,
      policy: st.policy,
      phase: live.phase,
      runTimeS: Math.round(now * 10) / 10,
      window: st.window,
      windows: st.windows,
      budgetS: st.budgetS,
      budgetMaxS: 300,
      gpus: [...gpus.values()].map((g) => ({ ...g, slots: g.slots.sort((a, b) => a.start - b.start) })),
      agents,
      requests: { dispatched: live.dispatched, finished: live.finished, planned: live.totalPlanned },
      actions: st.actions
        .slice(-10)
        .reverse()
        .map((a) => ({
          decision: a.decision,
          atS: a.atS,
          kind: a.kind,
          details: a.details,
          costS: Math.round(a.costS * 10) / 10,
          status: a.status,
          ...(a.error ? { error: a.error } : {}),
        })),
      faults: st.faults.slice(-10).reverse(),
      events: live.events.slice(-15).reverse(),
    };
  }
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the hub; refuses a non-loopback host unless `allowRemote` (the page has no authentication). */
export async function startDashboard(o: {
  hub: DashboardHub;
  host: string;
  port: number;
  allowRemote?: boolean;
  file?: string;
}): Promise<DashboardServer> {
  if (!o.allowRemote && !isLoopbackHost(o.host)) {
    throw new ConfigError(
      o.file ?? 'deployment.yaml',
      'dashboard.host',
      `${o.host} is reachable from other machines and the dashboard has no authentication`,
      'use 127.0.0.1, or set dashboard.allow_remote: true if exposing it is intended',
    );
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/data') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(o.hub.data()));
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>migflow deployment</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;margin:16px;background:#fafafa;color:#222}
h1{font-size:20px;margin:0 0 8px} h2{font-size:15px;margin:16px 0 6px}
.meta span{margin-right:18px}
.gpu{margin:6px 0;display:flex;align-items:center}
.gpu .label{width:150px;font-weight:bold;font-size:13px}
.slices{display:grid;grid-template-columns:repeat(7,90px);gap:2px}
.slot{border:1px solid #555;border-radius:4px;padding:4px;font-size:11px;height:46px;overflow:hidden}
.CodingAgent{background:#9ecae1}.RAGAgent{background:#fdae6b}
.notready{opacity:.45;border-style:dashed}.draining{outline:2px solid #d62728}
table{border-collapse:collapse;font-size:12px} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.budget{display:inline-block;width:200px;height:10px;background:#ddd;vertical-align:middle}
.budget div{height:10px;background:#31a354}
</style></head><body>
<h1>migflow deployment <span id="dep"></span></h1>
<div class="meta"><span id="phase"></span><span id="time"></span><span id="progress"></span>
<span>budget <span class="budget"><div id="budgetbar"></div></span> <span id="budget"></span></span></div>
<h2>MIG layout and slot owners</h2><div id="gpus"></div>
<h2>Agents</h2><table id="agents"></table>
<h2>Actions (newest first)</h2><table id="actions"></table>
<h2>Faults</h2><table id="faults"></table>
<h2>Events</h2><table id="events"></table>
<script>
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const f=(x,d)=>x===null||x===undefined?'–':Number(x).toFixed(d);
let updates=0;
async function refresh(){
  try{
    const d=await (await fetch('/api/data',{cache:'no-store'})).json();
    updates++;
    document.body.dataset.updates=updates;
    if(!d.deploymentId){document.getElementById('phase').textContent=d.phase;return;}
    document.getElementById('dep').textContent=d.deploymentId+' · '+d.policy;
    document.getElementById('phase').textContent='phase: '+d.phase;
    document.getElementById('time').textContent='t = '+f(d.runTimeS,1)+' s · window '+(d.window+1)+'/'+d.windows;
    document.getElementById('progress').textContent='requests '+d.requests.finished+'/'+d.requests.dispatched+' done';
    document.getElementById('budget').textContent=f(d.budgetS,1)+' / '+d.budgetMaxS+' s';
    document.getElementById('budgetbar').style.width=Math.max(0,Math.min(100,100*d.budgetS/d.budgetMaxS))+'%';
    document.getElementById('gpus').innerHTML=d.gpus.map(g=>{
      const cells=g.slots.map(s=>'<div class="slot '+esc(s.owner)+(s.ready?'':' notready')+(s.draining?' draining':'')+'" data-slot="'+esc(s.key)+'" data-owner="'+esc(s.owner)+'" style="grid-column:'+(s.start+1)+' / span '+s.size+'">'+
        '<b>'+esc(s.profile)+'</b> '+esc(s.owner.replace('Agent',''))+'<br>'+(s.restarting?'restarting':s.draining?'draining':s.ready?'ready':'booting')+' · q '+f(s.waiting,0)+' r '+f(s.running,0)+'</div>').join('');
      return '<div class="gpu" data-gpu="'+g.gpu+'" data-state="'+(g.stateId??'')+'"><div class="label">GPU '+g.gpu+(g.simulated?' (emulated backup)':' · state '+g.stateId)+'</div><div class="slices">'+cells+'</div></div>';
    }).join('');
    document.getElementById('agents').innerHTML='<tr><th>agent</th><th>arrival req/s</th><th>queue</th><th>running</th><th>TTFT ms</th><th>TPOT ms</th><th>S/M/T</th></tr>'+
      d.agents.map(a=>'<tr><td>'+esc(a.agent)+'</td><td>'+f(a.arrivalRatePerS,2)+'</td><td>'+f(a.queue,0)+'</td><td>'+f(a.running,0)+'</td><td>'+f(a.ttftMs,0)+'</td><td>'+f(a.tpotMs,1)+'</td><td>'+a.counts.split+'/'+a.counts.merge+'/'+a.counts.transfer+'</td></tr>').join('');
    document.getElementById('actions').innerHTML='<tr><th>decision</th><th>t (s)</th><th>action</th><th>details</th><th>cost s</th><th>status</th></tr>'+
      d.actions.map(a=>'<tr class="action"><td>'+a.decision+'</td><td>'+f(a.atS,1)+'</td><td>'+esc(a.kind.toUpperCase())+'</td><td>'+esc(a.details)+'</td><td>'+f(a.costS,1)+'</td><td>'+esc(a.status)+(a.error?': '+esc(a.error):'')+'</td></tr>').join('');
    document.getElementById('faults').innerHTML='<tr><th>t (s)</th><th>kind</th><th>what</th><th>handling</th></tr>'+
      d.faults.map(x=>'<tr><td>'+f(x.atS,1)+'</td><td>'+esc(x.kind)+'</td><td>'+esc(x.message)+'</td><td>'+esc(x.handling)+'</td></tr>').join('');
    document.getElementById('events').innerHTML=d.events.map(e=>'<tr><td>'+f(e.atS,1)+'</td><td>'+esc(e.text)+'</td></tr>').join('');
  }catch(e){document.getElementById('phase').textContent='dashboard unreachable: '+e;}
}
refresh();setInterval(refresh,1000);
</script></body></html>
`;
