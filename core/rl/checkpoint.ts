/**
 * Writes a trainer's state as a checkpoint directory (format in checkpoint-format.ts) atomically: everything is
 * written into a hidden sibling directory, fsynced, then renamed into place; an existing checkpoint of the same
 * name is replaced whole.
 */
import { join } from 'node:path';
import { checkpointName, type TimeFeatureConfig } from '../../contracts/index.js';
import { publishDirAtomicSync, writeFileSynced } from '../util/index.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_META_FILE,
  CHECKPOINT_TENSORS_FILE,
  type CheckpointMeta,
  type TensorEntry,
} from './checkpoint-format.js';
import type { TrainerState } from './trainer.js';

/** Where the checkpoint after `steps` env steps goes: `<dir>/rl_model_<steps>_steps`. */
export function checkpointPath(dir: string, steps: number): string {
  return join(dir, checkpointName(steps));
}

export interface CheckpointExtras {
  readonly trainingConfigYaml: string;
  readonly backend: string;
  /** The observation's time features the policy sees (`training.time_features`); absent = off. */
  readonly timeFeatures?: TimeFeatureConfig;
}

/** Writes `state` to `target` (a directory path) atomically; returns `target`. */
export function writeCheckpoint(target: string, state: TrainerState, extras: CheckpointExtras): string {
  // Built in a hidden sibling, every byte written and fsynced, then renamed whole (core/util's folder publication);
  // a full disk is an OutputWriteError naming the checkpoint and nothing half-written is left behind.
  return publishDirAtomicSync(target, (tmp) => {
    const entries: TensorEntry[] = [];
    let offset = 0;
    for (const [name, values] of state.tensors) {
      entries.push({ name, shape: state.shapes.get(name) ?? [values.length], offset });
      offset += values.length;
    }
    const all = new Float32Array(offset);
    let i = 0;
    for (const values of state.tensors.values()) {
      all.set(values, entries[i]!.offset);
      i++;
    }
    writeFileSynced(join(tmp, CHECKPOINT_TENSORS_FILE), new Uint8Array(all.buffer));
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      ...state.meta,
      tensors: entries,
      trainingConfigYaml: extras.trainingConfigYaml,
      ...(extras.timeFeatures ? { timeFeatures: extras.timeFeatures } : {}),
      backend: extras.backend,
      savedAt: new Date().toISOString(),
    };
    writeFileSynced(join(tmp, CHECKPOINT_META_FILE), Buffer.from(`${JSON.stringify(meta, null, 1)}\n`));
    return target;
  });
}
