/**
 * The shapes of a reconfiguration: the concrete action the RL side hands in (split, merge or transfer on
 * one GPU, by MIG index), the plan an engine carries while it drains, and what a boot completes.
 */
import type { ReconfigKind } from './constants.js';
import type { SimEngine } from './entities/engine.js';

/**
 * A concrete action, as `map_to_action` produces it from an enum action and the GPU's reported state.
 * `sources` index the current layout; `targets` index the target state's layout. A transfer has
 * sources = targets = [idx], targetStateId = current state and a `receiver` agent.
 */
export interface SimAction {
  readonly kind: ReconfigKind;
  readonly gpu: number;
  readonly sources: readonly number[];
  readonly targets: readonly number[];
  readonly targetStateId: number;
  /** Receiving agent (enum index); transfers only. */
  readonly receiver?: number;
}

export type ShutdownPlan =
  | { readonly purpose: 'reallocate'; readonly receiver: number }
  | {
      readonly purpose: 'split';
      readonly gpu: number;
      readonly owner: number;
      readonly targets: readonly number[];
      readonly targetStateId: number;
    }
  | {
      readonly purpose: 'merge';
      readonly gpu: number;
      readonly owner: number;
      readonly group: readonly SimEngine[];
      /** Shared by every engine of the group: the merge runs when all have drained. */
      readonly drained: SimEngine[];
      readonly targets: readonly number[];
      readonly targetStateId: number;
    };

export interface ShutdownEvent {
  readonly engine: SimEngine;
  readonly plan: ShutdownPlan;
}

export interface BootEvent {
  readonly engine: SimEngine;
  readonly purpose: 'plain' | 'split' | 'reallocate';
  /** Engines created by the same split, this one included. */
  readonly siblings: readonly SimEngine[] | null;
}
