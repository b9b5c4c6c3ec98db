/**
 * The engine lifecycle shared by profiling and deployment: one LLM engine (vLLM, or its emulator) per container
 * through dockerode — start on a MIG slice, wait for /health, read its log, stop and remove — named and labelled
 * by owner and slot so that whatever a run started, and only that, can be found and removed again; and the one
 * streaming client of its OpenAI API (openai-stream.ts), timed for profiling or as the reference's deployment.
 */
export {
  EngineContainers,
  type EngineSpec,
  engineName,
  LABEL_MANAGED,
  LABEL_OWNER,
  type RunningEngine,
} from './engine-containers.js';
export {
  type ChatStreamOutcome,
  type ChatStreamRequest,
  keepAliveAgent,
  newStreamOutcome,
  type PostStreamRequest,
  postStream,
  type RequestStatus,
  type StreamEnd,
  type StreamEnded,
  type StreamOutcome,
  type StreamRequest,
  streamChat,
  streamCompletion,
} from './openai-stream.js';
export { VLLM_SHM_BYTES, vllmEngineSpec, vllmImageFromCompose } from './vllm-engine.js';
