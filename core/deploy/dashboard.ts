/**
 * The live dashboard: a small HTTP server (loopback only unless allow_remote) with one HTML page that polls
 * `/api/data` every second and draws each GPU's MIG layout with slot owners, per-agent time series (arrival rate,
 * queue, TTFT, TPOT) with every reconfiguration marked, a layout timeline per GPU, the reconfiguration budget
 * (explained), the action history with each action's estimated and measured duration, and a phase that says what
 * the loop is doing. The hub lives in the GPU host's worker process, samples once a second (the window's scrape
 * tick) into bounded series, and is fed by whichever decision window runs there, so the page survives from one
 * window to the next. No chart library: the page draws its SVG itself (offline, nothing to load).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployPhase } from '../../contracts/index.js';
import { isLoopbackHost, type ResolvedDeploymentConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { WindowEnergy } from './deploy-energy.js';
import type { LiveCluster } from './live-cluster.js';

export interface DashboardData {
  deploymentId: string;
  policy: string;
  /** What the loop is doing, in words (`window 2/5: serving (12 s in), 3 in flight`). */
  phase: string;
  /** The same, for programs: match this, not the words (`window` is the window's 0-based index). */
  phaseKind: DeployPhase;
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
  /** What the budget is, in one sentence. */
  budgetNote: string;
  /** Per agent, one point a second (the last SERIES_POINTS): [run s, arrivals/s, queue, TTFT ms, TPOT ms]. */
  series: { agent: string; points: [number, number, number, number | null, number | null][] }[];
  /** Each GPU's MIG state over time: the state from `atS` on. */
  layout: { atS: number; gpu: number; stateId: number }[];
  actions: {
    decision: number;
    atS: number;
    kind: string;
    details: string;
    /** The cost model's estimate, what the budget is charged. */
    costS: number;
    /** How long it really took (absent while pending). */
    tookS?: number;
    status: string;
    error?: string;
  }[];
  faults: { atS: number; kind: string; slot?: string; message: string; handling: string }[];
  events: { atS: number; text: string }[];
  /** Energy so far from nvidia-smi power.draw (deploy-energy.ts); null before the first reading. */
  energy: {
    /** False while every reading was [N/A]. */
    measured: boolean;
    boardJ: number;
    agents: { agent: string; energyJ: number }[];
  } | null;
}

/** Seconds of history the time series keep (one point a second). */
export const SERIES_POINTS = 900;

function addEnergy(a: WindowEnergy | undefined, b: WindowEnergy | undefined): WindowEnergy | undefined {
  if (!a || !b) return a ?? b;
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const sum = { ...x };
    for (const [k, v] of Object.entries(y)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  };
  return {
    samples: a.samples + b.samples,
    unavailableSamples: a.unavailableSamples + b.unavailableSamples,
    meteredS: a.meteredS + b.meteredS,
    boardJ: a.boardJ + b.boardJ,
    gpuJ: add(a.gpuJ, b.gpuJ),
    idleJ: a.idleJ + b.idleJ,
    agentJ: add(a.agentJ, b.agentJ),
  };
}

function energyView(e: WindowEnergy | undefined, agents: readonly string[]): DashboardData['energy'] {
  if (!e || e.samples === 0) return null;
  return {
    measured: e.samples > e.unavailableSamples,
    boardJ: e.boardJ,
    agents: agents.map((agent) => ({ agent, energyJ: e.agentJ[agent] ?? 0 })),
  };
}

export class DashboardHub {
  private live?: LiveCluster;
  private deploy?: ResolvedDeploymentConfig;
  private lastDispatched = 0;
  private deploymentId?: string;
  private readonly series = new Map<string, DashboardData['series'][number]['points']>();
  private readonly layout: DashboardData['layout'] = [];
  private readonly lastArrivals = new Map<string, number>();
  private lastTickS?: number;
  /** The full budget: the largest value seen (the budget starts full and refills to it). */
  private budgetMaxS = 0;
  /** Energy of the finished windows, and of the window under way. */
  private energyBefore: WindowEnergy | undefined;
  private energyNow: WindowEnergy | undefined;
  updates = 0;

  attach(live: LiveCluster, deploy: ResolvedDeploymentConfig): void {
    if (live.state.deploymentId !== this.deploymentId) {
      // Another deployment: its history starts here.
      this.deploymentId = live.state.deploymentId;
      this.series.clear();
      this.layout.length = 0;
      this.budgetMaxS = 0;
      this.lastTickS = undefined;
      this.energyBefore = undefined;
      this.energyNow = undefined;
    }
    this.energyBefore = addEnergy(this.energyBefore, this.energyNow);
    this.energyNow = undefined;
    this.live = live;
    this.deploy = deploy;
    this.lastDispatched = 0;
    // Each window counts its arrivals from zero.
    this.lastArrivals.clear();
    this.sampleLayout();
  }

  /** A phase metered inside a window ended (the set-up): its energy joins the finished ones. */
  energyPhaseDone(e: WindowEnergy): void {
    this.energyBefore = addEnergy(this.energyBefore, e);
    this.energyNow = undefined;
  }

  /** The window's energy so far (each power reading). */
  energy(e: WindowEnergy): void {
    this.energyNow = e;
  }

  /** One sample a second (the window's scrape tick): the series, the layout, the budget's full value. */
  tick(): void {
    this.updates++;
    const live = this.live;
    if (!live) return;
    const t = Math.round(live.runTimeS() * 10) / 10;
    const dt = this.lastTickS === undefined ? 1 : Math.max(0.1, t - this.lastTickS);
    this.lastTickS = t;
    for (const agent of live.agents) {
      const now = live.samples.get(agent)?.arrivals ?? 0;
      const before = this.lastArrivals.get(agent) ?? 0;
      this.lastArrivals.set(agent, now);
      // A new window resets the counter: what it holds is all new.
      const arrived = now >= before ? now - before : now;
      const slots = live.agentSlots(agent);
      const recent = live.state.agents[agent]?.latencies.slice(0, 20) ?? [];
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      const ttft = mean(recent.map((l) => l[0]));
      const tpot = mean(recent.map((l) => l[1]));
      const points = this.series.get(agent) ?? [];
      points.push([
        t,
        Math.round((arrived / dt) * 100) / 100,
        slots.reduce((sum, x) => sum + (x.metrics?.waiting ?? 0), 0),
        ttft === null ? null : Math.round(ttft * 1000),
        tpot === null ? null : Math.round(tpot * 10000) / 10,
      ]);
      if (points.length > SERIES_POINTS) points.splice(0, points.length - SERIES_POINTS);
      this.series.set(agent, points);
    }
    this.sampleLayout();
  }

  private sampleLayout(): void {
    const live = this.live;
    if (!live) return;
    this.budgetMaxS = Math.max(this.budgetMaxS, live.state.budgetS);
    const t = Math.round(live.runTimeS() * 10) / 10;
    for (const d of live.state.desired) {
      const last = this.layout.findLast((l) => l.gpu === d.gpu);
      if (!last || last.stateId !== d.stateId) this.layout.push({ atS: t, gpu: d.gpu, stateId: d.stateId });
    }
    if (this.layout.length > 500) this.layout.splice(0, this.layout.length - 500);
  }

  /** What the loop is doing, in words that stay true during a backlog (most of a busy window is spent draining). */
  private phaseText(live: LiveCluster): string {
    const st = live.state;
    const window = `window ${st.window + 1}/${st.windows}`;
    const inFlight = Math.max(0, live.dispatched - live.finished);
    if (live.phase === 'finishing')
      return `${window}: arrivals for this window are all sent; waiting for ${inFlight} request${inFlight === 1 ? '' : 's'} still in flight before deciding`;
    if (live.phase === 'serving')
      return `${window}: serving (${Math.round(live.elapsedS())} s in), ${inFlight} in flight`;
    if (live.phase === 'reconfiguring') return `${window}: reconfiguring: ${live.phaseDetail}`;
    return `${window}: ${live.phase}`;
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
    const budgetMaxS = Math.max(this.budgetMaxS, st.budgetS);
    return {
      deploymentId: st.deploymentId,
      policy: st.policy,
      phase: this.phaseText(live),
      phaseKind: live.phase,
      runTimeS: Math.round(now * 10) / 10,
      window: st.window,
      windows: st.windows,
      budgetS: st.budgetS,
      budgetMaxS,
      budgetNote: `Seconds of reconfiguration the policy may still spend: each action is charged its estimated cost (the training config's cost model); below an action's cost it is not taken. The budget refills to ${Math.round(budgetMaxS)} s each refresh period, as in training.`,
      series: live.agents.map((agent) => ({ agent, points: this.series.get(agent) ?? [] })),
      layout: this.layout,
      gpus: [...gpus.values()].map((g) => ({ ...g, slots: g.slots.sort((a, b) => a.start - b.start) })),
      agents,
      requests: { dispatched: live.dispatched, finished: live.finished, planned: live.totalPlanned },
      energy: energyView(addEnergy(this.energyBefore, this.energyNow), live.agents),
      actions: st.actions
        .slice(-10)
        .reverse()
        .map((a) => ({
          decision: a.decision,
          atS: a.atS,
          kind: a.kind,
          details: a.details,
          costS: Math.round(a.costS * 10) / 10,
          ...(a.tookS !== undefined ? { tookS: Math.round(a.tookS * 10) / 10 } : {}),
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
    if (url.pathname === '/favicon.ico') {
      // Browsers ask for it; a 404 would show as an error in the console.
      res.writeHead(204);
      res.end();
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
.note{color:#666;font-size:12px;margin:2px 0 8px;max-width:900px}
.charts{display:flex;flex-wrap:wrap;gap:10px}.chart{background:#fff;border:1px solid #ddd}
.chart text{font-size:10px;fill:#444}.chart .t{font-size:12px;font-weight:bold;fill:#222}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:4px}
</style></head><body>
<h1>migflow deployment <span id="dep"></span></h1>
<div class="meta"><span id="phase"></span><span id="time"></span><span id="progress"></span>
<span>budget <span class="budget"><div id="budgetbar"></div></span> <span id="budget"></span></span></div>
<div class="note" id="budgetnote"></div>
<h2>MIG layout and slot owners</h2><div id="gpus"></div>
<h2>Agents</h2><table id="agents"></table><p id="energy"></p>
<h2>Over time <span class="legend" id="legend"></span></h2>
<div class="note">One point a second; dashed red lines mark reconfigurations (split, merge, transfer). TTFT and TPOT: mean of each agent's last 20 finished requests.</div>
<div class="charts" id="charts"></div>
<h2>Layout timeline</h2><div id="timeline"></div>
<h2>Actions (newest first)</h2><table id="actions"></table>
<h2>Faults</h2><table id="faults"></table>
<h2>Events</h2><table id="events"></table>
<script>
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const f=(x,d)=>x===null||x===undefined?'–':Number(x).toFixed(d);
const COLORS={CodingAgent:'#3182bd',RAGAgent:'#e6550d'};const color=(a,i)=>COLORS[a]||['#31a354','#756bb1','#636363'][i%3];
let updates=0;
function chart(title,unit,series,k,marks,t0,t1){
  const W=420,H=170,L=46,R=8,T=18,B=22;
  const ys=series.flatMap(s=>s.points.map(p=>p[k])).filter(v=>v!==null&&isFinite(v));
  let lo=0,hi=Math.max(1e-9,...ys);if(!ys.length)hi=1;hi*=1.08;
  const X=t=>L+(t1>t0?(t-t0)/(t1-t0):0)*(W-L-R),Y=v=>H-B-(v-lo)/(hi-lo)*(H-T-B);
  let g='<text class="t" x="'+L+'" y="12">'+esc(title)+' ('+esc(unit)+')</text>';
  for(let i=0;i<=4;i++){const v=lo+(hi-lo)*i/4;g+='<line x1="'+L+'" x2="'+(W-R)+'" y1="'+Y(v)+'" y2="'+Y(v)+'" stroke="#eee"/><text x="'+(L-4)+'" y="'+(Y(v)+3)+'" text-anchor="end">'+(v>=100?v.toFixed(0):v.toFixed(v>=10?1:2))+'</text>';}
  g+='<text x="'+L+'" y="'+(H-6)+'">t = '+t0.toFixed(0)+' s</text><text x="'+(W-R)+'" y="'+(H-6)+'" text-anchor="end">'+t1.toFixed(0)+' s</text>';
  for(const m of marks){if(m.atS<t0||m.atS>t1)continue;g+='<line class="mark" x1="'+X(m.atS)+'" x2="'+X(m.atS)+'" y1="'+T+'" y2="'+(H-B)+'" stroke="#d62728" stroke-dasharray="3 3"><title>'+esc(m.kind+' '+m.details)+'</title></line>';}
  series.forEach((s,i)=>{const pts=s.points.filter(p=>p[k]!==null);if(!pts.length)return;
    g+='<polyline class="line" fill="none" stroke="'+color(s.agent,i)+'" stroke-width="1.6" points="'+pts.map(p=>X(p[0]).toFixed(1)+','+Y(p[k]).toFixed(1)).join(' ')+'"><title>'+esc(s.agent)+'</title></polyline>';});
  return '<svg class="chart" width="'+W+'" height="'+H+'" viewBox="0 0 '+W+' '+H+'">'+g+'</svg>';
}
function timeline(layout,actions,t0,t1){
  const gpus=[...new Set(layout.map(l=>l.gpu))].sort((a,b)=>a-b);const W=860,L=60,R=10,rowH=24;
  const X=t=>L+(t1>t0?(t-t0)/(t1-t0):0)*(W-L-R);let g='';
  gpus.forEach((gpu,i)=>{const y=6+i*rowH;const segs=layout.filter(l=>l.gpu===gpu);g+='<text x="4" y="'+(y+14)+'">GPU '+gpu+'</text>';
    segs.forEach((s,j)=>{const a=Math.max(t0,s.atS),b=j+1<segs.length?segs[j+1].atS:t1;if(b<t0)return;
      g+='<rect x="'+X(a)+'" y="'+y+'" width="'+Math.max(1,X(b)-X(a))+'" height="'+(rowH-6)+'" fill="'+(j%2?'#c6dbef':'#e5f5e0')+'" stroke="#888"><title>state '+s.stateId+' from t = '+s.atS+' s</title></rect><text x="'+(X(a)+3)+'" y="'+(y+13)+'">state '+s.stateId+'</text>';});
    for(const m of actions.filter(a=>a.details.startsWith('GPU '+gpu+' ')))g+='<line class="mark" x1="'+X(m.atS)+'" x2="'+X(m.atS)+'" y1="'+y+'" y2="'+(y+rowH-6)+'" stroke="#d62728" stroke-width="2"><title>'+esc(m.kind+' at '+m.atS+' s')+'</title></line>';});
  return '<svg class="chart" width="'+W+'" height="'+(gpus.length*rowH+10)+'">'+g+'</svg>';
}
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
    document.getElementById('budgetbar').style.width=Math.max(0,Math.min(100,100*d.budgetS/Math.max(1e-9,d.budgetMaxS)))+'%';
    document.getElementById('budgetnote').textContent=d.budgetNote;
    const all=d.series.flatMap(s=>s.points.map(p=>p[0]));const t1=Math.max(d.runTimeS,...all),t0=all.length?Math.min(...all):0;
    document.getElementById('legend').innerHTML=d.series.map((s,i)=>'<span><i style="background:'+color(s.agent,i)+'"></i>'+esc(s.agent)+'</span>').join('');
    document.getElementById('charts').innerHTML=chart('Arrivals','req/s',d.series,1,d.actions,t0,t1)+chart('Queue','waiting requests',d.series,2,d.actions,t0,t1)+
      chart('TTFT','ms',d.series,3,d.actions,t0,t1)+chart('TPOT','ms',d.series,4,d.actions,t0,t1);
    document.getElementById('timeline').innerHTML=timeline(d.layout,d.actions,t0,t1);
    document.getElementById('gpus').innerHTML=d.gpus.map(g=>{
      const cells=g.slots.map(s=>'<div class="slot '+esc(s.owner)+(s.ready?'':' notready')+(s.draining?' draining':'')+'" data-slot="'+esc(s.key)+'" data-owner="'+esc(s.owner)+'" style="grid-column:'+(s.start+1)+' / span '+s.size+'">'+
        '<b>'+esc(s.profile)+'</b> '+esc(s.owner.replace('Agent',''))+'<br>'+(s.restarting?'restarting':s.draining?'draining':s.ready?'ready':'booting')+' · q '+f(s.waiting,0)+' r '+f(s.running,0)+'</div>').join('');
      return '<div class="gpu" data-gpu="'+g.gpu+'" data-state="'+(g.stateId??'')+'"><div class="label">GPU '+g.gpu+(g.simulated?' (emulated backup)':' · state '+g.stateId)+'</div><div class="slices">'+cells+'</div></div>';
    }).join('');
    document.getElementById('agents').innerHTML='<tr><th>agent</th><th>arrival req/s</th><th>queue</th><th>running</th><th>TTFT ms</th><th>TPOT ms</th><th>S/M/T</th></tr>'+
      d.agents.map(a=>'<tr><td>'+esc(a.agent)+'</td><td>'+f(a.arrivalRatePerS,2)+'</td><td>'+f(a.queue,0)+'</td><td>'+f(a.running,0)+'</td><td>'+f(a.ttftMs,0)+'</td><td>'+f(a.tpotMs,1)+'</td><td>'+a.counts.split+'/'+a.counts.merge+'/'+a.counts.transfer+'</td></tr>').join('');
    document.getElementById('energy').textContent=!d.energy?'energy: no power.draw reading yet':!d.energy.measured?'energy: nvidia-smi reports power.draw as [N/A] on these GPUs':
      'energy (nvidia-smi power.draw): boards '+f(d.energy.boardJ/3600,3)+' Wh; above idle '+d.energy.agents.map(a=>esc(a.agent)+' '+f(a.energyJ,0)+' J').join(', ');
    document.getElementById('actions').innerHTML='<tr><th>decision</th><th>t (s)</th><th>action</th><th>details</th><th>estimated s (charged)</th><th>measured s</th><th>status</th></tr>'+
      d.actions.map(a=>'<tr class="action"><td>'+a.decision+'</td><td>'+f(a.atS,1)+'</td><td>'+esc(a.kind.toUpperCase())+'</td><td>'+esc(a.details)+'</td><td>'+f(a.costS,1)+'</td><td class="took">'+f(a.tookS,1)+'</td><td>'+esc(a.status)+(a.error?': '+esc(a.error):'')+'</td></tr>').join('');
    document.getElementById('faults').innerHTML='<tr><th>t (s)</th><th>kind</th><th>what</th><th>handling</th></tr>'+
      d.faults.map(x=>'<tr><td>'+f(x.atS,1)+'</td><td>'+esc(x.kind)+'</td><td>'+esc(x.message)+'</td><td>'+esc(x.handling)+'</td></tr>').join('');
    document.getElementById('events').innerHTML=d.events.map(e=>'<tr><td>'+f(e.atS,1)+'</td><td>'+esc(e.text)+'</td></tr>').join('');
  }catch(e){document.getElementById('phase').textContent='dashboard unreachable: '+e;}
}
refresh();setInterval(refresh,1000);
</script></body></html>
`;
