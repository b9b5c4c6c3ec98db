/**
 * Chrome trace export: records a simulation as Trace Event Format JSON (what chrome://tracing and Perfetto open),
 * as Vidur exports its simulations. One process per GPU with one thread per engine — each request an async slice
 * (`request`, with nested `prefill` and `decode`) on the engine that served it, boots and shutdowns as instants —
 * one process per agent with its waiting queue (requests arrived, not yet admitted; finished requests only) as a
 * counter and its reconfiguration downtime (trigger → drained →
 * booted) as slices, and the decision points on a thread of their own. The recorder only observes (SimHooks): the
 * simulation draws and decides exactly as without it.
 */
import { EventKind } from './constants.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import type { SimHooks, Simulator } from './simulator.js';

/** One Trace Event Format event (the fields migflow writes). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'b' | 'e' | 'i' | 'C' | 'M';
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  cat?: string;
  id?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

const us = (s: number) => Math.round(s * 1e6);
const AGENT_PID = 1000;
const DECISIONS_PID = 999;

export class ChromeTraceRecorder implements SimHooks {
  private readonly events: TraceEvent[] = [];
  private sim: Simulator | undefined;
  private readonly namedEngines = new Set<number>();
  /** Per agent: +1 at a request's arrival, −1 when its engine admits it (the waiting queue's changes). */
  private readonly queueSteps: [number, number][][] = [];

  /** The simulator whose engines and agents the events name (set once it exists). */
  attach(sim: Simulator): void {
    this.sim = sim;
  }

  private engineTrack(engine: SimEngine): { pid: number; tid: number } {
    const track = { pid: engine.gpu + 1, tid: engine.id + 1 };
    if (!this.namedEngines.has(engine.id)) {
      this.namedEngines.add(engine.id);
      const agent = this.sim?.agents[engine.owner]?.name ?? `agent ${engine.owner}`;
      this.events.push({
        name: 'thread_name',
        ph: 'M',
        ...track,
        args: { name: `${engine.name} ${engine.profile.name} (${agent})` },
      });
    }
    return track;
  }

  // Arrow properties: the simulator calls its hooks unbound.
  readonly onEvent = (timeS: number, kind: EventKind, subjectId: number): void => {
    if (kind === EventKind.ResourceManagerTrigger) {
      this.events.push({ name: 'decision', ph: 'i', s: 't', ts: us(timeS), pid: DECISIONS_PID, tid: 1 });
      return;
    }
    if (kind !== EventKind.EngineBootComplete && kind !== EventKind.EngineShutdownComplete) return;
    const engine = this.sim?.engines.find((e) => e.id === subjectId);
    if (!engine) return;
    this.events.push({
      name: kind === EventKind.EngineBootComplete ? 'boot complete' : 'shutdown complete',
      ph: 'i',
      s: 't',
      ts: us(timeS),
      ...this.engineTrack(engine),
    });
  };

  readonly onRequestCompleted = (r: SimRequest, engine: SimEngine): void => {
    const track = this.engineTrack(engine);
    if (this.queueSteps[r.agent] === undefined) this.queueSteps[r.agent] = [];
    this.queueSteps[r.agent]!.push([r.arrivalTimeS, 1], [r.startTimeS, -1]);
    const id = String(r.id);
    const agent = this.sim?.agents[r.agent]?.name ?? String(r.agent);
    const args = { agent, prompt_tokens: r.promptTokens, completion_tokens: r.generatedTokens };
    const slice = (name: string, fromS: number, toS: number) => {
      this.events.push({ name, ph: 'b', cat: 'request', id, ts: us(fromS), ...track, args });
      this.events.push({ name, ph: 'e', cat: 'request', id, ts: us(toS), ...track });
    };
    // Nested: the whole request, then its prefill (admission → first token) and decode (first token → finish).
    this.events.push({ name: 'request', ph: 'b', cat: 'request', id, ts: us(r.startTimeS), ...track, args });
    if (r.firstTokenTimeS >= 0) {
      slice('prefill', r.startTimeS, r.firstTokenTimeS);
      slice('decode', r.firstTokenTimeS, r.finishTimeS);
    }
    this.events.push({ name: 'request', ph: 'e', cat: 'request', id, ts: us(r.finishTimeS), ...track });
  };

  /** The whole trace: what was recorded, plus the queues, reconfigurations and names the simulator holds now. */
  toJson(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms'; otherData: Record<string, unknown> } {
    const sim = this.sim;
    const extra: TraceEvent[] = [
      { name: 'process_name', ph: 'M', pid: DECISIONS_PID, args: { name: 'decisions' } },
      { name: 'thread_name', ph: 'M', pid: DECISIONS_PID, tid: 1, args: { name: 'resource manager' } },
    ];
    if (sim) {
      sim.cluster.gpus.forEach((g, i) => {
        extra.push({ name: 'process_name', ph: 'M', pid: i + 1, args: { name: `GPU ${i} (${g.model})` } });
      });
      sim.agents.forEach((a, i) => {
        const pid = AGENT_PID + i;
        extra.push({ name: 'process_name', ph: 'M', pid, args: { name: a.name } });
        extra.push({ name: 'thread_name', ph: 'M', pid, tid: 1, args: { name: 'reconfiguration downtime' } });
        // Arrivals before admissions at one instant; the requests still unfinished at the end are not counted.
        const steps = [...(this.queueSteps[i] ?? [])].sort((x, y) => x[0] - y[0] || y[1] - x[1]);
        let waiting = 0;
        for (const [t, d] of steps) {
          waiting += d;
          extra.push({ name: 'waiting requests', ph: 'C', ts: us(t), pid, args: { waiting } });
        }
      });
      for (const ep of sim.reconfigEpisodes()) {
        const end = ep.tBootDoneS ?? ep.tDrainDoneS;
        if (end === null) continue;
        extra.push({
          name: `${ep.actionType}${ep.isReceiver ? ' (receiver)' : ''}`,
          ph: 'X',
          ts: us(ep.tTriggerS),
          dur: Math.max(0, us(end) - us(ep.tTriggerS)),
          pid: AGENT_PID + ep.agent,
          tid: 1,
          args: { drained_s: ep.tDrainDoneS, booted_s: ep.tBootDoneS, interrupted: ep.interrupted },
        });
      }
    }
    return {
      traceEvents: [...extra, ...this.events],
      displayTimeUnit: 'ms',
      otherData: { source: 'migflow sim' },
    };
  }
}
