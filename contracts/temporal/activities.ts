/**
 * Every activity's signature: what workflows proxy (`proxyActivities<Activities>()`) and what activities/
 * implements (`createActivities(deps): Activities<DeployState>`). Types only, so workflows never import the
 * activities' code. It is generic over the deployment state DeployWorkflow carries between windows: the workflow
 * sees only what it reads (`DeployStateView`), the activities the whole state.
 */
import type {
  BenchPolicyArgs,
  BenchPolicyResult,
  DatasetStageInput,
  DatasetStageResult,
  DeployInput,
  DeployReportArgs,
  DeployReportResult,
  DeployStartResult,
  DeployStateView,
  DeployWindowArgs,
  DeployWindowResult,
  ExpandGridArgs,
  FitProfilesArgs,
  FitResult,
  GridExpansion,
  ProfileEngineInput,
  ProfileEngineResult,
  TrainPolicyArgs,
  TrainPolicyResult,
  WorkingConfigArgs,
  WorkingConfigResult,
  WriteBackArgs,
  WriteBackResult,
} from '../index.js';

export interface Activities<DeployState extends DeployStateView = DeployStateView> {
  /** datasets (queue `migflow`): one raw dataset → ShareGPT JSONL, cached on the files' content. */
  prepareDataset(input: DatasetStageInput): Promise<DatasetStageResult>;
  /** profiling (queue `migflow-gpu-N`): one (model, MIG profile) on its slice. */
  profileEngine(input: ProfileEngineInput): Promise<ProfileEngineResult>;
  /** fit (queue `migflow`): both latency fits of one profiling result. */
  fitProfiles(args: FitProfilesArgs): Promise<FitResult>;
  /** fit (queue `migflow`): every fit into simulation_config.yaml in one atomic, idempotent write. */
  writeBackProfiles(args: WriteBackArgs): Promise<WriteBackResult>;
  /** pipeline (queue `migflow`): the working copy of the simulation config the fit stage writes into. */
  prepareWorkingConfig(args: WorkingConfigArgs): Promise<WorkingConfigResult>;
  /**
   * pipeline (queue `migflow`): every input file the run will read exists and is readable; otherwise a
   * non-retryable ConfigError naming `<what> input`, the field and the path, before any stage starts.
   */
  checkInputFiles(args: { what: string; files: Record<string, string> }): Promise<void>;
  /** train (queue `migflow`): grid_search.yaml → validated trials. */
  expandGridSearch(args: ExpandGridArgs): Promise<GridExpansion>;
  /** train (queue `migflow-gpu-N`): one Maskable PPO run, resumable from its last checkpoint. */
  trainPolicy(args: TrainPolicyArgs): Promise<TrainPolicyResult>;
  /** bench (queue `migflow`): one policy on the shared benchmark trace. */
  benchPolicy(args: BenchPolicyArgs): Promise<BenchPolicyResult>;
  /** deploy (the GPU host's queue): plan and initial desired state. */
  deployStart(input: DeployInput): Promise<DeployStartResult<DeployState>>;
  /** deploy: one decision window (reconcile → serve → observe → decide). */
  deployWindow(args: DeployWindowArgs<DeployState>): Promise<DeployWindowResult<DeployState>>;
  /** deploy: remove the run's containers and MIG instances. */
  deployTeardown(input: DeployInput): Promise<{ containers: string[] }>;
  /** deploy: the report (JSON, table, figures). */
  deployReport(args: DeployReportArgs<DeployState>): Promise<DeployReportResult>;
}
