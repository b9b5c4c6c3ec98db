/**
 * Deployment on real (or emulated) MIG GPUs: MIG reconfiguration through nvidia-smi (argv only), one engine
 * container per slice (core/engines), the replayed workload streamed at them, a live observation of the cluster
 * (`policyView`, a core/control ClusterView), the policy's decision every window, a dashboard, and the report.
 * The desired state (`DeployState`) is plain JSON that DeployWorkflow carries between windows, so a worker that
 * dies mid-window is replaced by one that reconciles hardware and containers with it.
 */
export { type DashboardData, DashboardHub, type DashboardServer, startDashboard } from './dashboard.js';
export { DEPLOY_POLICY_NAMES, type DeployPolicy, resolveDeployPolicy } from './deploy-policy.js';
export { writeDeployReport } from './deploy-report.js';
export {
  type ActionRecord,
  applyAction,
  type DeployState,
  gpuSlots,
  newAgentCollector,
} from './deploy-state.js';
export { meteredPhases, startLedger } from './energy-ledger.js';
export { LiveCluster, type LiveSlot } from './live-cluster.js';
export { meteredTeardown } from './metered-teardown.js';
export { MigController } from './mig-controller.js';
export { NvidiaSmi, parseGpuInstances, parseMigList, parseQueryXml } from './nvidia-smi.js';
export { policyView } from './policy-view.js';
export { chooseSlot } from './publisher.js';
export { permanentSlots, profilesOf } from './reconcile.js';
export { claimRunFolder, RUN_OUTPUTS, runStamp } from './run-folder.js';
export {
  cleanDeployment,
  type DeploySession,
  type DeploySessionInput,
  deploySession,
  initialDeployState,
  teardownDeployment,
} from './session.js';
export { parseVllmMetrics } from './vllm-metrics.js';
export { runDeployWindow } from './window.js';
