/**
 * Datasets: turn raw upstream dumps (JSONL, JSON or Parquet) into the ShareGPT rows the profiling stage
 * replays. `prepareDataset({ kind, inputs, outDir })` is the stage's whole surface, called by the
 * `prepareDataset` activity and by `migflow dataset <kind>`:
 *
 * - coder: multi-round conversations → one row per round, ids "<id>_round_<k>";
 * - rag: context/question/answer → one two-message row, integer ids across inputs;
 * - chat: LMSYS, English only, one row per round, rows over 32767 Qwen tokens dropped.
 *
 * Output is `<outDir>/<kind>.sharegpt.jsonl` (one `{messages, id}` object per line; RAG `{id, messages}`),
 * plus `<outDir>/malformed.jsonl` listing every unusable raw row by file, line and reason.
 */
export { type DatasetKind, isDatasetKind } from './kinds.js';
export {
  DATASET_PREPROCESSOR_VERSION,
  MALFORMED_FILE,
  outputFileName,
  type PrepareDatasetOptions,
  type PrepareDatasetResult,
  prepareDataset,
} from './prepare-dataset.js';
export { DropReason } from './preprocess/outcome.js';
export { ragPrompt } from './preprocess/rag.js';
export { CHAT_MAX_TOKENS, type TokenCounter } from './preprocess/token-filter.js';
export { formatFromExtension, type ReadRow, readDatasetRows } from './readers/index.js';
export { DATASET_SOURCES, type DatasetSource } from './sources.js';
export { DatasetFormat, type MalformedRow, type ShareGptMessage, type ShareGptRow } from './types.js';
