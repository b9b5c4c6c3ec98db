/**
 * Reports and tables shared by the simulated benchmark and the live deployment: the per-agent metrics record and
 * its aggregate table (the reference's rows), numpy-compatible percentiles, and the `fancy_outline` text table.
 */
export {
  type AgentMetrics,
  aggregateTable,
  formatAvgQueue,
  formatProfileShares,
  formatRecovery,
  formatTpot,
  formatTtft,
  METRIC_ROWS,
  metricCells,
  type RecoverySummary,
} from './agent-metrics.js';
export { percentile, percentiles } from './percentiles.js';
export {
  type BenchRow,
  benchRunReport,
  type CurvePoint,
  gridRunReport,
  headline,
  meanTtft,
  type PipelineReportOptions,
  pipelineRunReport,
  type ReportPolicy,
  type ReportTrial,
  type ReportValidation,
  type ReportValidationMetric,
  RUN_REPORT_FORMAT,
  type RunReport,
  readLearningCurve,
  reconfigurations,
  reportPolicies,
  reportTrials,
  reportValidation,
  tensorboardByLabel,
  trialLabel,
  trialsRankedBy,
} from './run-report.js';
export { renderRunReportHtml, reportFolderName, writeRunReport } from './run-report-html.js';
export { searchReportTrials, searchRunReport } from './search-report.js';
export {
  adaptiveWinners,
  isStaticPolicy,
  type ReportTaskPolicy,
  type ReportTaskScores,
  suiteRunReport,
} from './suite-report.js';
export { type Bar, barChart, escapeHtml, type LineSeries, lineChart } from './svg-charts.js';
export { fancyOutline, type TableRow } from './text-table.js';
