/**
 * Periodic checkpoints are directories named `rl_model_<steps>_steps` (SB3's CheckpointCallback naming), so a
 * heartbeat's last checkpoint path also says how far training got. The trainer names them, the train stage finds
 * the newest to resume from, the bench picks the latest of each run: all through these two functions.
 */
const NAME = /^rl_model_(\d+)_steps$/;

/** The directory name of the checkpoint written after `steps` env steps. */
export function checkpointName(steps: number): string {
  return `rl_model_${steps}_steps`;
}

/**
 * The step count of the checkpoint a path names: its last component named `rl_model_<N>_steps` (so a file inside
 * the checkpoint counts too); null when there is none (e.g. `final`).
 */
export function checkpointSteps(path: string): number | null {
  const parts = path.split(/[\\/]/);
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = NAME.exec(parts[i]!);
    if (m) return Number(m[1]);
  }
  return null;
}
