/**
 * The KV-capacity rule (a documented deviation, off by default: docs/deviations.md "KV-capacity dispatch").
 *
 * The reference routes a request to the agent's ACTIVE engine with the shortest queue whatever its size; an engine
 * whose KV cache can never hold the request's prompt + completion then blocks on it for good (head-of-line, spec
 * §2.6) and the run cannot finish. With the rule on:
 *
 * 1. An engine *holds* a request when prompt + completion tokens (from the engine's own model's token table)
 *    ≤ min(its KV capacity in tokens, its model's `max_model_len`). The capacity is floor(kv_cache_GB × 1048576 /
 *    kv_per_token_KB): the KV memory its MIG profile leaves after the model's weights, as profiling measured it
 *    (`kv_cache_GB` in simulation_config.yaml); `max_model_len` comes from the model's vLLM config
 *    (configs/models/*.yaml), the longest request vLLM accepts at all — a longer one it rejects, whatever memory
 *    is free.
 * 2. Dispatch considers only the ACTIVE engines that hold the request; among them the reference's choice stands
 *    (shortest waiting queue, the larger engine on ties, then the earlier in the agent's list).
 * 3. When none of the agent's ACTIVE engines holds it, the request is *parked* in the agent's KV queue (arrival
 *    order) and is dispatched by the same rule the moment one of the agent's engines that holds it becomes ACTIVE
 *    (a boot completes); parked requests wait in arrival order, and later requests that some engine holds are not
 *    held up by them. They are in no engine's queue, so the observation does not count them.
 * 4. A request that no MIG profile configured for its agent could ever hold is an error at dispatch (the
 *    simulation config cannot serve it), never a silent hang.
 *
 * The limit of an engine depends only on its owner's parameters on its (GPU, profile), so it is looked up per
 * engine model once and cached.
 *
 * With the rule off nothing here runs: the simulator is the reference's, bit for bit.
 */
import { MigflowError } from '../errors.js';
import { EngineStatus } from './constants.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import type { SimClusterSpec } from './ports.js';

export class KvAdmission {
  /** Per agent (enum order): requests no ACTIVE engine of the agent holds, in arrival order. */
  private readonly parked: SimRequest[][];
  /** Per agent: item index → whether any configured (GPU, profile) of the agent could ever hold it. */
  private readonly servable: Map<number, boolean>[];

  constructor(private readonly cluster: SimClusterSpec) {
    this.parked = cluster.agents.map(() => []);
    this.servable = cluster.agents.map(() => new Map());
  }

  /** Per model name: its max_model_len (+∞ where the model's vLLM config sets none). */
  private readonly maxModelLen = new Map<string, number>();

  /** Whether the engine holds the request: prompt + completion (its model's tokens) ≤ min(KV capacity, max_model_len). */
  holds(engine: SimEngine, r: SimRequest): boolean {
    const need =
      (engine.tokens.promptTokens[r.itemIndex] ?? 0) + (engine.tokens.completionTokens[r.itemIndex] ?? 0);
    return need <= engine.kvCapacityTokens && need <= this.modelLimit(engine);
  }

  private modelLimit(engine: SimEngine): number {
    const known = this.maxModelLen.get(engine.model);
    if (known !== undefined) return known;
    const limit =
      this.cluster.engineParams(engine.owner, engine.gpu, engine.logical).maxModelLen ??
      Number.POSITIVE_INFINITY;
    this.maxModelLen.set(engine.model, limit);
    return limit;
  }

  /** Parks a request none of its agent's ACTIVE engines holds; throws if no configured profile ever could. */
  park(agentName: string, r: SimRequest): void {
    if (!this.everHeld(r)) {
      throw new MigflowError(
        `${agentName}: request ${r.id} (item ${r.itemIndex}) is longer than any engine configured for ${agentName} holds (prompt + completion above min(KV capacity, max_model_len) of every MIG profile in simulation_config.yaml): shorten the task's long_prompts.prompt_tokens (configs/tasks/<task>.yaml), or serve a model with a larger max_model_len (configs/models/*.yaml) and enough kv_cache_GB on some profile of ${agentName} (simulation.agents.${agentName}.<GPU>.mig.<profile>, e.g. through the task's simulation_overlay)`,
      );
    }
    this.parked[r.agent]!.push(r);
  }

  /** Requests parked for this engine's agent that it holds, oldest first; they leave the KV queue. */
  takeHeldBy(engine: SimEngine): SimRequest[] {
    const queue = this.parked[engine.owner];
    if (!queue || queue.length === 0 || engine.status !== EngineStatus.Active) return [];
    const taken: SimRequest[] = [];
    let keep = 0;
    for (const r of queue) {
      if (this.holds(engine, r)) taken.push(r);
      else queue[keep++] = r;
    }
    queue.length = keep;
    return taken;
  }

  /** Requests waiting in the agent's KV queue. */
  parkedCount(agent: number): number {
    return this.parked[agent]?.length ?? 0;
  }

  clear(): void {
    for (const q of this.parked) q.length = 0;
  }

  private everHeld(r: SimRequest): boolean {
    const cache = this.servable[r.agent]!;
    const known = cache.get(r.itemIndex);
    if (known !== undefined) return known;
    let ok = false;
    this.cluster.gpus.forEach((gpu, g) => {
      gpu.profiles.forEach((profile, logical) => {
        if (ok || profile === undefined) return;
        let params: ReturnType<SimClusterSpec['engineParams']>;
        try {
          params = this.cluster.engineParams(r.agent, g, logical);
        } catch {
          return; // a profile the agent does not configure (e.g. A100's 1g.5gb) serves nothing
        }
        const t = this.cluster.tokenTable(r.agent, params.model);
        const need = (t.promptTokens[r.itemIndex] ?? 0) + (t.completionTokens[r.itemIndex] ?? 0);
        if (need <= params.kvCapacityTokens && need <= (params.maxModelLen ?? Number.POSITIVE_INFINITY))
          ok = true;
      });
    });
    cache.set(r.itemIndex, ok);
    return ok;
  }
}
