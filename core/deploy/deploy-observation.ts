/**
 * The observation a deployment's policy decides on: the simulator's vector (core/control's ObservationBuilder)
 * filled from the live view, with the observation clocks appended for a checkpoint trained with them
 * (`training.time_features`). Each decision runs in a fresh builder — the next window may run after a
 * continue-as-new or on another worker — so the clocks' state travels in the deployment's state (`clocks`), saved
 * after each decision and restored before the next: the clocks read as one uninterrupted ObservationClocks would,
 * in run-time seconds (the view's `nowS`). They start at the deployment's first decision, at the end of its first
 * window, both 0 there — as a training episode's start at its first observation, after its first interval.
 * idle_merge decides on the same clocks' idle part (`idleClocks`), so its clock state takes this one path too.
 */
import type { TimeFeatureConfig } from '../../contracts/index.js';
import type { ResolvedTrainingConfig } from '../config/index.js';
import {
  type ClusterView,
  type IdleClocks,
  ObservationBuilder,
  observationLayout,
} from '../control/index.js';
import type { AgentName } from '../mig/index.js';
import type { DeployState } from './deploy-state.js';

export interface DeployObservationOptions {
  training: ResolvedTrainingConfig;
  /** Agents in enum order (the policy's agent indices). */
  agents: readonly AgentName[];
  /** The clocks the policy was trained with; absent = the reference's observation. */
  timeFeatures?: TimeFeatureConfig;
  /** Told when the clocks start afresh at a decision after the first (nothing to continue from). */
  log?: (text: string) => void;
}

export interface DeployObservation {
  observation: Float32Array;
  /** With clocks: their idle clocks, brought to this decision (a policy that `usesIdleClocks` decides on them). */
  idleClocks?: IdleClocks;
}

/**
 * Builds the observation of the decision at the end of window `state.window` and, with clocks, writes their state
 * after it to `state.clocks` (without, removes any: clocks not updated at a decision cannot be continued later).
 */
export function deployObservation(
  o: DeployObservationOptions,
  state: DeployState,
  view: ClusterView,
): DeployObservation {
  const tf = o.timeFeatures;
  const layout = observationLayout(o.agents.length, o.training.arrivalRateHistoryLength, tf !== undefined);
  const builder = new ObservationBuilder(layout, o.training, o.agents, tf);
  if (tf) {
    // Only the previous decision's clocks continue: a gap (a policy without clocks, or a static one, decided in
    // between) or another idle rate (a switch of checkpoint) left them unread for a while.
    const saved = state.clocks;
    const continued = saved?.window === state.window - 1 && builder.restoreClocks(saved.state);
    // Otherwise they start at this decision, at 0 (a fresh builder's clocks start at its first observation).
    if (!continued && state.window > 0)
      o.log?.('observation clocks start at this decision (no clocks of the previous decision to continue)');
  }
  const observation = builder.build(view, new Float32Array(layout.length));
  const clocks = builder.saveClocks();
  if (clocks) state.clocks = { window: state.window, state: clocks };
  else delete state.clocks;
  const idleClocks = builder.idleClocks;
  return { observation, ...(idleClocks ? { idleClocks } : {}) };
}
