/**
 * An agent (Coding, RAG, Chat) as plain state: the engines serving it in list order (permanent engine
 * first, later engines appended — the order breaks dispatch ties) and its ring of completed requests.
 */
import { COMPLETED_RING_SIZE } from '../constants.js';
import type { SimEngine } from './engine.js';
import type { SimRequest } from './request.js';
import { Ring } from './ring.js';

export class SimAgent {
  readonly engines: SimEngine[] = [];
  readonly completed = new Ring<SimRequest>(COMPLETED_RING_SIZE);

  constructor(
    readonly index: number,
    readonly name: string,
    /** RAG search delay bounds; undefined for agents that dispatch on arrival. */
    readonly ragSearch: { readonly minS: number; readonly maxS: number } | undefined,
  ) {}

  get isRag(): boolean {
    return this.ragSearch !== undefined;
  }

  removeEngine(engine: SimEngine): void {
    const i = this.engines.indexOf(engine);
    if (i >= 0) this.engines.splice(i, 1);
  }
}
