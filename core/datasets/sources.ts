/**
 * The per-dataset summary of the reference (spec §2.5): which upstream HF dataset each kind expects, the raw
 * row shape, how many rows one raw row yields, the filters and the id scheme. Shown by the CLI and README.
 */
import type { DatasetKind } from './kinds.js';

export interface DatasetSource {
  hfId: string;
  splits: string;
  rawShape: string;
  rowsPerSourceRow: string;
  filters: string;
  id: string;
  /** The agent whose `datasets:` key in simulation_config.yaml this feeds. */
  agent: string;
}

export const DATASET_SOURCES: Readonly<Record<DatasetKind, DatasetSource>> = {
  coder: {
    hfId: 'Crystalcareai/Code-feedback-sharegpt-renamed',
    splits: 'train',
    rawShape: '{id, messages: [{role: human|gpt, value}]}',
    rowsPerSourceRow: 'floor(n/2)',
    filters: 'none',
    id: '"<id>_round_<k>" (string)',
    agent: 'CodingAgent',
  },
  rag: {
    hfId: 'neural-bridge/rag-dataset-12000',
    splits: 'train + test, concatenated in input order',
    rawShape: '{context, question, answer}',
    rowsPerSourceRow: '1',
    filters: 'none',
    id: '0..N-1 (integer position across inputs)',
    agent: 'RAGAgent',
  },
  chat: {
    hfId: 'lmsys/lmsys-chat-1m',
    splits: 'train',
    rawShape:
      '{conversation_id, model, conversation: [{role: user|assistant, content}], turn, language, openai_moderation, redacted}',
    rowsPerSourceRow: 'floor(n/2), minus filtered',
    filters: 'language == "English"; joined text ≤ 32767 Qwen tokens',
    id: '"<conversation_id>_round_<k>" (string)',
    agent: 'ChatAgent',
  },
};
