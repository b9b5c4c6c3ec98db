/**
 * Requests that have been added but have not arrived yet, as columns indexed by request id. Their objects are
 * created when their arrival event fires, not when a batch of arrivals is added: a batch is an episode's worth
 * (~10⁵–10⁶ requests), and objects made up front would all survive into the old generation, which made garbage
 * collection a sixth of the simulator's time. Created at arrival, most requests die young. A RAG request's
 * object is kept here from its arrival until its search completes (both events name it by id).
 */
import { SimRequest } from './entities/request.js';

/** Slots of the ring of held objects (a power of two). */
const RING_SIZE = 4096;

export class ArrivalStore {
  private arrivalTimesS = new Float64Array(1024);
  private agents = new Int32Array(1024);
  private items = new Int32Array(1024);
  /**
   * Objects created ahead (requests given as objects) or arrived and still awaited by a search event, in a ring by
   * id (slot id mod its length), with a map for an id whose slot is taken. Not an array as long as the columns: a
   * trial holds a few hundred objects at a time (RAG requests between arrival and search completion, ids close
   * together), and that array cost a copy at every growth and a fill at every clear (a million slots for an
   * episode's arrivals: 1.5 % of a bench:sim trial).
   */
  private readonly ring = new Array<SimRequest | undefined>(RING_SIZE).fill(undefined);
  private readonly spill = new Map<number, SimRequest>();
  /** Objects created ahead that have not arrived yet (without them an arrival looks nothing up). */
  private createdAhead = 0;
  private n = 0;

  /** Ids handed out so far (the next id is this). */
  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
    this.ring.fill(undefined);
    this.spill.clear();
    this.createdAhead = 0;
  }

  /** Makes room for `count` more requests at once (one copy of the columns instead of one per doubling). */
  reserve(count: number): void {
    let size = this.arrivalTimesS.length;
    while (size < this.n + count) size *= 2;
    if (size !== this.arrivalTimesS.length) this.grow(size);
  }

  /** Registers a request and returns its id (sequential from 0 after `clear`). */
  add(arrivalTimeS: number, agent: number, item: number): number {
    const id = this.n++;
    if (id === this.arrivalTimesS.length) this.grow(id * 2);
    this.arrivalTimesS[id] = arrivalTimeS;
    this.agents[id] = agent;
    this.items[id] = item;
    return id;
  }

  /** Registers a request and creates its object now (for callers that want the objects up front). */
  addCreated(arrivalTimeS: number, agent: number, item: number): SimRequest {
    const id = this.add(arrivalTimeS, agent, item);
    const r = new SimRequest(id, agent, item, arrivalTimeS);
    this.hold(r);
    this.createdAhead++;
    return r;
  }

  arrivalTimeS(id: number): number {
    return this.arrivalTimesS[id]!;
  }

  agent(id: number): number {
    return this.agents[id]!;
  }

  /**
   * The arriving request's object (created now unless it was created ahead). `awaited`: another event (its search
   * completion) will name it, so it is kept until `take`.
   */
  arrive(id: number, awaited: boolean): SimRequest {
    let r = this.createdAhead > 0 ? this.find(id) : undefined;
    if (r === undefined) {
      r = new SimRequest(id, this.agents[id]!, this.items[id]!, this.arrivalTimesS[id]!);
      if (awaited) this.hold(r);
    } else {
      this.createdAhead--;
      if (!awaited) this.drop(id);
    }
    return r;
  }

  /** The object of a request that has arrived, for its last event; it is forgotten here. */
  take(id: number): SimRequest {
    const r = this.find(id);
    if (r === undefined) return this.arrive(id, false);
    this.drop(id);
    return r;
  }

  private hold(r: SimRequest): void {
    const slot = r.id & (RING_SIZE - 1);
    if (this.ring[slot] === undefined) this.ring[slot] = r;
    else this.spill.set(r.id, r);
  }

  private find(id: number): SimRequest | undefined {
    const r = this.ring[id & (RING_SIZE - 1)];
    if (r !== undefined && r.id === id) return r;
    return this.spill.size > 0 ? this.spill.get(id) : undefined;
  }

  private drop(id: number): void {
    const slot = id & (RING_SIZE - 1);
    const r = this.ring[slot];
    if (r !== undefined && r.id === id) this.ring[slot] = undefined;
    else this.spill.delete(id);
  }

  private grow(size: number): void {
    const t = new Float64Array(size);
    t.set(this.arrivalTimesS);
    this.arrivalTimesS = t;
    const a = new Int32Array(size);
    a.set(this.agents);
    this.agents = a;
    const i = new Int32Array(size);
    i.set(this.items);
    this.items = i;
  }
}
