/**
 * Converges the hardware and the containers on the desired layout, in the reference's order for a
 * reconfiguration: drain and stop every engine that no longer fits (gone slot, new owner, or a GI that will be
 * recreated), bring each GPU's MIG instances to the desired state (instances that already sit at a wanted
 * placement are kept), then start the missing engines concurrently. Running this after a crash finishes whatever
 * a dead worker left half-done; running it when nothing changed does nothing. Engine start failures are reported
 * and leave the slot not ready (the next window tries again); MIG failures throw to the caller, who falls back.
 */
import type { ResolvedSimulationConfig } from '../config/index.js';
import { BUILTIN_GPU_PROFILE_SETS, type GpuProfileSet, sliceLayout, stateLayout } from '../mig/index.js';
import type { DesiredGpu, SlotPlan } from './deploy-state.js';
import { gpuSlots } from './deploy-state.js';
import type { LiveCluster, LiveSlot } from './live-cluster.js';
import type { MigController, MigSlot } from './mig-controller.js';
import { type SlotEngines, slotPort } from './slot-engines.js';
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

  // A stopped run reconfigures nothing more: the abort is checked between steps (and between MIG operations), so
  // what the teardown finds is always whole instances and whole containers.
  const stopped = () => c.signal?.throwIfAborted();
  stopped();
  // What is there: GPU instances (no UUID lookup yet — three more nvidia-smi calls per GPU) and containers.
  c.progress?.('reading layout');
  const layouts = new Map<number, MigSlot[]>();
  const withUuids = new Set<number>();
  for (const d of c.desired) layouts.set(d.gpu, (await c.mig.readLayout(d.gpu, { uuids: false })).slots);
  const instanceAt = (p: SlotPlan) =>
    layouts.get(p.gpu)?.find((x) => x.start === p.start && x.hardware === p.hardware);

  const actual = await engines.actual();
  const wanted = new Map(plans.map((x) => [x.plan.key, x]));
  // A container stays when it serves the wanted slot for the wanted agent on an instance that stays. Engines
  // are always stopped before their instance is destroyed, so a surviving container never holds a stale UUID.
  const keep = new Set<string>();
  for (const a of actual) {
    // An engine that died since the last look (its container exited): report it; it is replaced below.
    if (!a.running && wanted.get(a.slot)?.plan.agent === a.agent)
      live.fault({
        kind: 'engine-died',
        slot: a.slot,
        message: `engine container ${a.name} found exited`,
        handling: 'removed and restarted by reconcile',
      });
    const w = wanted.get(a.slot);
    if (!w || !a.running) continue;
    if (a.agent !== w.plan.agent || a.profile !== w.plan.hardware) continue;
    if (!w.plan.permanent && !instanceAt(w.plan)) continue;
    keep.add(a.slot);
  }

  // The live slot table follows the desired layout at once; engines that stay keep serving during the change.
  const next: LiveSlot[] = [];
  for (const { plan, ordinal } of plans) {
    const slot = slotFor(live, plan, ordinal, s.host, s.basePort);
    slot.port = slotPort(s, ordinal, plan.start);
    slot.baseUrl = `http://${s.host}:${slot.port}`;
    const kept = actual.find((a) => a.slot === plan.key && keep.has(a.slot));
    if (kept?.uuid && !plan.permanent) slot.uuid = kept.uuid;
    next.push(slot);
  }
  live.slots = next;
  await Promise.all(next.filter((x) => keep.has(x.plan.key) && !x.ready).map((x) => adopt(x)));

  const startSlot = async (plan: SlotPlan, model: string) => {
    const slot = next.find((x) => x.plan.key === plan.key)!;
    if (keep.has(plan.key) && slot.ready) return;
    // A kept container that does not answer is replaced.
    if (keep.has(plan.key)) await engines.removeByName(engines.nameOf(plan.key));
    try {
      stopped();
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
  };
  // Permanent engines need no MIG: they start right away (after removing a dead leftover of theirs),
  // alongside everything else.
  const permanentStarts = Promise.all(
    plans
      .filter((x) => x.plan.permanent)
      .map(async (x) => {
        const stale = actual.find((a) => a.slot === x.plan.key && !keep.has(a.slot));
        if (stale) {
          await engines.removeByName(stale.name);
          live.log(`removed stale ${stale.slot}`);
          result.stopped.push(stale.slot);
        }
        await startSlot(x.plan, x.model);
      }),
  );

  try {
    // 1. Drain and stop what does not fit, concurrently.
    stopped();
    c.progress?.('stopping engines');
    await Promise.all(
      actual
        .filter((a) => !keep.has(a.slot) && !wanted.get(a.slot)?.plan.permanent)
        .map(async (a) => {
          // Drained through the port the container records (an earlier worker may have started it).
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
        }),
    );

    // 2. MIG: converge each GPU on its desired state (no mutating call when it is there already).
    stopped();
    c.progress?.('reconfiguring MIG');
    for (const d of c.desired) {
      const have = layouts.get(d.gpu) ?? [];
      const want = c.mig.placements(d.gpu, d.stateId);
      const same =
        have.length === want.length &&
        want.every((w) => have.some((h) => h.start === w.start && h.hardware === w.hardware));
      if (same) continue;
      stopped();
      const r = await c.mig.reconcile(d.gpu, d.stateId, c.signal);
      result.migChanged = true;
      live.log(
        `GPU ${d.gpu}: MIG state ${d.stateId} (destroyed ${r.destroyed.map((x) => `${x.hardware}@${x.start}`).join(', ') || 'none'}; created ${r.created.map((x) => `${x.hardware}@${x.start}`).join(', ') || 'none'})`,
      );
      layouts.set(d.gpu, r.layout.slots);
      withUuids.add(d.gpu);
    }

    // 3. Start the missing real engines on their instances' UUIDs.
    stopped();
    c.progress?.('starting engines');
    const missing = plans.filter(
      (x) =>
        !x.plan.permanent && !(keep.has(x.plan.key) && next.find((n) => n.plan.key === x.plan.key)?.ready),
    );
    for (const gpu of new Set(missing.map((x) => x.plan.gpu))) {
      if (withUuids.has(gpu)) continue;
      layouts.set(gpu, (await c.mig.readLayout(gpu)).slots);
      withUuids.add(gpu);
    }
    for (const x of missing) {
      const uuid = instanceAt(x.plan)?.uuid;
      const slot = next.find((n) => n.plan.key === x.plan.key)!;
      if (uuid) slot.uuid = uuid;
    }
    await Promise.all(missing.map((x) => startSlot(x.plan, x.model)));
  } finally {
    await permanentStarts;
  }
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
