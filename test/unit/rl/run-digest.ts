/** Digests of a training run's outputs, for tests that compare runs bit for bit. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Run outputs that must not change: checkpoints (minus save time), losses (minus timings), step logs. */
export function digestRun(runDir: string): Record<string, string> {
  const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 16);
  const out: Record<string, string> = {};
  const ckDir = join(runDir, 'checkpoints');
  for (const name of readdirSync(ckDir).sort()) {
    if (name === 'best.json') continue;
    const meta = JSON.parse(readFileSync(join(ckDir, name, 'checkpoint.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete meta.savedAt;
    delete meta.backend;
    // The training YAML snapshot holds the config's text (comments, new fields), not anything training computed.
    delete meta.trainingConfigYaml;
    // What the environments carry across episodes (trainer.envCarried / trainer.envs[e].carried) joined the format
    // after the digests were taken. It is the simulator's own state, which the step logs and episode rewards pin; the
    // resume test (resume-bit-exact.test.ts) checks that it is saved and put back.
    const trainer = meta.trainer as { envCarried?: unknown; envs?: { carried?: unknown }[] } | undefined;
    if (trainer) {
      delete trainer.envCarried;
      for (const e of trainer.envs ?? []) delete e.carried;
    }
    out[`${name}/checkpoint.json`] = sha(JSON.stringify(meta));
    out[`${name}/tensors.bin`] = sha(readFileSync(join(ckDir, name, 'tensors.bin')));
  }
  out['updates.jsonl'] = sha(JSON.stringify(updateRecordsWithoutTimings(runDir)));
  out['episodes.jsonl'] = sha(readFileSync(join(runDir, 'logs', 'episodes.jsonl')));
  const stepLogs = readdirSync(join(runDir, 'logs', 'train'))
    .sort()
    .map((f) => readFileSync(join(runDir, 'logs', 'train', f), 'utf8'))
    .join('');
  out['logs/train'] = sha(stepLogs);
  return out;
}

/** A run's update records (logs/updates.jsonl) without their wall and CPU timings, which differ run to run. */
export function updateRecordsWithoutTimings(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'logs', 'updates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const u = JSON.parse(l) as Record<string, unknown>;
      delete u.collectS;
      delete u.updateS;
      delete u.updateCpuS;
      return u;
    });
}
