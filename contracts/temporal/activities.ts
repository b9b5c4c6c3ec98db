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
  LoadSearchArgs,
  LoadSearchResult,
  ProfileEngineInput,
  ProfileEngineResult,
  RunReportArgs,
  RunReportFiles,
  SaveStudyArgs,
  SuggestTrialArgs,
  SuggestTrialResult,
  TrainPolicyArgs,
  TrainPolicyResult,
  ValidateSimulatorArgs,
  ValidateSimulatorResult,
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
  /** pipeline (queue `migflow`): the run report, artifacts/pipeline/<run>/report.html and report.json. */
  writeRunReport(args: RunReportArgs): Promise<RunReportFiles>;
  /** train (queue `migflow`): grid_search.yaml → validated trials. */
  expandGridSearch(args: ExpandGridArgs): Promise<GridExpansion>;
  /** search (queue `migflow`): the search config checked, its plan, and the study's trials so far. */
  loadSearch(args: LoadSearchArgs): Promise<LoadSearchResult>;
  /** search (queue `migflow`): the sampler's next trial (validated), or null when it has none left. */
  suggestTrial(args: SuggestTrialArgs): Promise<SuggestTrialResult>;
  /** search (queue `migflow`): the study file rewritten atomically. */
  saveStudy(args: SaveStudyArgs): Promise<void>;
  /** train (queue `migflow-gpu-N`): one Maskable PPO run, resumable from its last checkpoint. */
  trainPolicy(args: TrainPolicyArgs): Promise<TrainPolicyResult>;
  /** validate (queue `migflow`): the simulator against live engines (emulators where none is given). */
  validateSimulator(args: ValidateSimulatorArgs): Promise<ValidateSimulatorResult>;
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
