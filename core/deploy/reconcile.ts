/**
 * Converges the hardware and the containers on the desired layout, in the reference's order for a
 * reconfiguration: drain and stop every engine that no longer fits (gone slot, new owner, or a GI that will be
 * recreated), bring each GPU's MIG instances to the desired state (instances that already sit at a wanted
 * placement are kept), then start the missing engines concurrently. Running this after a crash finishes whatever
 * a dead worker left half-done; running it when nothing changed does nothing. Engine start failures are reported
 * and leave the slot not ready (the next window tries again); MIG failures throw to the caller, who falls back.
 */
import type { ResolvedSimulationConfig } from '../config/simulation.js';
import { BUILTIN_GPU_PROFILE_SETS, type GpuProfileSet, sliceLayout, stateLayout } from '../mig/index.js';
import type { DesiredGpu, SlotPlan } from './deploy-state.js';
import { gpuSlots } from './deploy-state.js';
import type { LiveCluster, LiveSlot } from './live-cluster.js';
import type { MigController } from './mig-controller.js';
import { type ActualEngine, type SlotEngines, slotPort } from './slot-engines.js';
import { drainEngine } from './vllm-metrics.js';

export interface PermanentGpu {
  index: number;
  model: string;
  stateId: number;
  permanentEngines: readonly { agent: string; mig: string }[];
}

export function profilesOf(model: string): GpuProfileSet {
  const set = BUILTIN_GPU_PROFILE_SETS[model];
  if (!set) throw new Error(`unknown GPU model ${model}`);
  return set;
}

/** Permanent engines as slots (spec §4.8): the first free slot of the engine's profile in the GPU's state. */
export function permanentSlots(gpus: readonly PermanentGpu[]): SlotPlan[] {
  const out: SlotPlan[] = [];
  for (const g of gpus) {
    const set = profilesOf(g.model);
    const layout = stateLayout(g.stateId as 1);
    const slices = sliceLayout(g.stateId as 1);
    const used = new Set<number>();
    for (const e of g.permanentEngines) {
      const hw = set.profiles.find((p) => p.name === e.mig);
      if (!hw) continue;
      const i = layout.findIndex((l, k) => l === hw.logical && !used.has(slices[k]![0]!));
      if (i < 0) continue;
      const start = slices[i]![0]!;
      used.add(start);
      out.push({
        gpu: g.index,
        position: -1,
        start,
        logical: hw.logical,
        hardware: hw.name,
        sizeSlices: hw.sizeSlices,
        vramGb: hw.vramGb,
        agent: e.agent as SlotPlan['agent'],
        permanent: true,
        key: `sim${g.index}-s${start}`,
      });
    }
  }
  return out;
}

export interface ReconcileContext {
  desired: readonly DesiredGpu[];
  permanent: readonly PermanentGpu[];
  mig: MigController;
  engines: SlotEngines;
  simulation: ResolvedSimulationConfig;
  live: LiveCluster;
  signal?: AbortSignal;
  /** Called between steps so the activity can heartbeat with its progress. */
  progress?: (phase: string) => void;
}

export interface ReconcileResult {
  stopped: string[];
  started: string[];
  failedStarts: { slot: string; message: string }[];
  migChanged: boolean;
}

function slotFor(
  live: LiveCluster,
  plan: SlotPlan,
  ordinal: number,
  host: string,
  basePort: number,
): LiveSlot {
  const existing = live.slots.find((s) => s.plan.key === plan.key);
  const port = basePort + 14 * ordinal + plan.start;
  if (existing && existing.plan.agent === plan.agent && existing.plan.hardware === plan.hardware) {
    existing.plan = plan;
    return existing;
  }
  return {
    plan,
    port,
    baseUrl: `http://${host}:${port}`,
    ready: false,
    draining: false,
    restarting: false,
    inFlight: 0,
  };
}

export async function reconcileDeployment(c: ReconcileContext): Promise<ReconcileResult> {
  const { live, engines } = c;
  const s = engines.settings;
  const result: ReconcileResult = { stopped: [], started: [], failedStarts: [], migChanged: false };
  const plans: { plan: SlotPlan; ordinal: number; model: string }[] = [];
  c.desired.forEach((d) => {
    for (const p of gpuSlots(d, profilesOf(d.model)))
      plans.push({ plan: p, ordinal: d.position, model: d.model });
  });
  const permanentOrdinal = new Map(c.permanent.map((g, i) => [g.index, c.desired.length + i]));
  for (const p of permanentSlots(c.permanent)) {
    const model = c.permanent.find((g) => g.index === p.gpu)!.model;
    plans.push({ plan: p, ordinal: permanentOrdinal.get(p.gpu)!, model });
  }

  // Which GPU instances survive: an actual instance at a wanted placement with the wanted profile.
  c.progress?.('reading layout');
  const actualLayouts = new Map<number, Awaited<ReturnType<MigController['readLayout']>>>();
  for (const d of c.desired) actualLayouts.set(d.gpu, await c.mig.readLayout(d.gpu));
  const survivingUuid = (p: SlotPlan): string | undefined =>
    actualLayouts.get(p.gpu)?.slots.find((x) => x.start === p.start && x.hardware === p.hardware)?.uuid;

  const actual = await engines.actual();
  const byKey = new Map<string, ActualEngine>(actual.map((a) => [a.slot, a]));
  const wanted = new Map(plans.map((x) => [x.plan.key, x]));
  const keep = new Set<string>();
  for (const [key, a] of byKey) {
    const w = wanted.get(key);
    if (!w || !a.running) continue;
    if (a.agent !== w.plan.agent || a.profile !== w.plan.hardware) continue;
    if (!w.plan.permanent && a.uuid !== survivingUuid(w.plan)) continue;
    keep.add(key);
  }

  // The live slot table follows the desired layout at once; engines that stay serve during the change.
  const next: LiveSlot[] = [];
  for (const { plan, ordinal } of plans) {
    const slot = slotFor(live, plan, ordinal, s.host, s.basePort);
    slot.port = slotPort(s, ordinal, plan.start);
    slot.baseUrl = `http://${s.host}:${slot.port}`;
    if (!plan.permanent) {
      const uuid = survivingUuid(plan);
      if (uuid) slot.uuid = uuid;
    }
    if (keep.has(plan.key) && !slot.ready) await adopt(slot);
    next.push(slot);
  }
  live.slots = next;

  // 1. Drain and stop what does not fit, concurrently.
  c.progress?.('stopping engines');
  const stops: Promise<void>[] = [];
  for (const a of actual) {
    if (keep.has(a.slot)) continue;
    stops.push(
      (async () => {
        // Drained through the port the container records (it may have been started by an earlier worker).
        const how =
          a.running && a.port !== undefined
            ? await drainEngine(`http://${s.host}:${a.port}`, {
                timeoutMs: s.drainTimeoutMs,
                pollMs: 500,
                ...(c.signal ? { signal: c.signal } : {}),
              })
            : 'not running';
        await engines.removeByName(a.name);
        live.log(`stopped ${a.slot} (${how})`);
        result.stopped.push(a.slot);
      })(),
    );
  }
  await Promise.all(stops);

  // 2. MIG: converge each GPU on its desired state.
  c.progress?.('reconfiguring MIG');
  for (const d of c.desired) {
    const have = actualLayouts.get(d.gpu)?.slots ?? [];
    const want = c.mig.placements(d.gpu, d.stateId);
    const same =
      have.length === want.length &&
      want.every((w) => have.some((h) => h.start === w.start && h.hardware === w.hardware));
    // Already there (the common case): no mutating nvidia-smi call at all.
    if (same) continue;
    const r = await c.mig.reconcile(d.gpu, d.stateId);
    if (r.created.length || r.destroyed.length) {
      result.migChanged = true;
      live.log(
        `GPU ${d.gpu}: MIG state ${d.stateId} (destroyed ${r.destroyed.map((x) => `${x.hardware}@${x.start}`).join(', ') || 'none'}; created ${r.created.map((x) => `${x.hardware}@${x.start}`).join(', ') || 'none'})`,
      );
    }
    actualLayouts.set(d.gpu, r.layout);
  }

  // 3. Start the engines that are missing.
  c.progress?.('starting engines');
  for (const slot of next) {
    if (!slot.plan.permanent) {
      const uuid = survivingUuid(slot.plan);
      if (uuid) slot.uuid = uuid;
    }
  }
  await Promise.all(
    plans.map(async ({ plan, model }) => {
      const slot = next.find((x) => x.plan.key === plan.key)!;
      if (keep.has(plan.key) && (slot.ready || (await adopt(slot)))) return;
      // A kept container that does not answer is replaced.
      if (keep.has(plan.key)) await engines.removeByName(engines.nameOf(plan.key));
      try {
        await engines.start(slot, c.simulation, model, c.signal);
        result.started.push(plan.key);
        live.log(`started ${plan.key} for ${plan.agent} (${plan.hardware}, port ${slot.port})`);
      } catch (err) {
        if (c.signal?.aborted) throw err;
        slot.ready = false;
        const message = err instanceof Error ? err.message : String(err);
        result.failedStarts.push({ slot: plan.key, message });
        live.fault({
          kind: 'engine-start',
          slot: plan.key,
          message,
          handling: 'slot left without an engine; the next window starts it again',
        });
      }
    }),
  );
  return result;
}

async function adopt(slot: LiveSlot): Promise<boolean> {
  try {
    const res = await fetch(`${slot.baseUrl}/v1/models`, { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json()) as { data?: { id?: string }[] };
    const id = body.data?.[0]?.id;
    if (!res.ok || !id) return false;
    slot.servedModel = id;
    slot.ready = true;
    return true;
  } catch {
    return false;
  }
}
