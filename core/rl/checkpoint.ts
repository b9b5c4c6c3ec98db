/**
 * Writes a trainer's state as a checkpoint directory (format in checkpoint-format.ts) atomically: everything is
 * written into a hidden sibling directory, fsynced, then renamed into place; an existing checkpoint of the same
 * name is replaced whole.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkpointName } from '../../contracts/index.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_META_FILE,
  CHECKPOINT_TENSORS_FILE,
  type CheckpointMeta,
  type TensorEntry,
} from './checkpoint-format.js';
import type { TrainerState } from './trainer.js';

function writeSynced(file: string, data: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Where the checkpoint after `steps` env steps goes: `<dir>/rl_model_<steps>_steps`. */
export function checkpointPath(dir: string, steps: number): string {
  return join(dir, checkpointName(steps));
}

export interface CheckpointExtras {
  readonly trainingConfigYaml: string;
  readonly backend: string;
}

/** Writes `state` to `target` (a directory path) atomically; returns `target`. */
export function writeCheckpoint(target: string, state: TrainerState, extras: CheckpointExtras): string {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(tmp);
  try {
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
    writeSynced(join(tmp, CHECKPOINT_TENSORS_FILE), new Uint8Array(all.buffer));
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      ...state.meta,
      tensors: entries,
      trainingConfigYaml: extras.trainingConfigYaml,
      backend: extras.backend,
      savedAt: new Date().toISOString(),
    };
    writeSynced(join(tmp, CHECKPOINT_META_FILE), Buffer.from(`${JSON.stringify(meta, null, 1)}\n`));
    // A directory cannot be renamed over a non-empty one: move the old one aside first.
    let old: string | undefined;
    if (existsSync(target)) {
      old = `${tmp}.old`;
      renameSync(target, old);
    }
    renameSync(tmp, target);
    if (old) rmSync(old, { recursive: true, force: true });
    const dirFd = openSync(parent, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    return target;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
