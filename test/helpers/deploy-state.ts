/**
 * A deployment's state and live slots without a deployment, for the tests of what is computed from them (the
 * dashboard, the live observation, the report): two A100s under CodingAgent and RAGAgent, window 1 of 5, a full
 * budget and no actions yet, unless the test says otherwise.
 */
import type { ResolvedDeploymentConfig } from '../../core/config/deployment.js';
import { type DeployState, gpuSlots, newAgentCollector } from '../../core/deploy/deploy-state.js';
import type { LiveSlot } from '../../core/deploy/live-cluster.js';
import { permanentSlots, profilesOf } from '../../core/deploy/reconcile.js';

export function deployStateFixture(o: Partial<DeployState> = {}): DeployState {
  return {
    deploymentId: 't',
    policy: 'heuristic',
    window: 1,
    windows: 5,
    desired: [
      {
        gpu: 0,
        position: 0,
        model: 'A100_40GB',
        stateId: 3,
        owners: ['CodingAgent', 'CodingAgent', 'CodingAgent'],
      },
      { gpu: 1, position: 1, model: 'A100_40GB', stateId: 1, owners: ['RAGAgent'] },
    ],
    budgetS: 300,
    lastActionCostS: 0,
    budgetRefilledAtS: 0,
    agents: { CodingAgent: newAgentCollector(), RAGAgent: newAgentCollector() },
    actions: [],
    faults: [],
    ...o,
  };
}

/** Every slot of the state's layout and the permanent engines, up and serving (each may add fields by its index). */
export function readySlots(
  state: DeployState,
  deploy: ResolvedDeploymentConfig,
  extra: (plan: LiveSlot['plan'], i: number) => Partial<LiveSlot> = () => ({}),
): LiveSlot[] {
  return [
    ...state.desired.flatMap((d) => gpuSlots(d, profilesOf(d.model))),
    ...permanentSlots(deploy.simulatedGpus),
  ].map((plan, i) => ({
    plan,
    port: 0,
    baseUrl: '',
    ready: true,
    draining: false,
    restarting: false,
    inFlight: 0,
    ...extra(plan, i),
  }));
}
