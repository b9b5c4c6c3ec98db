/** Worker processes as users start them: the GPU-pinned worker's refusal without a GPU, and its emulated start. */
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../cli/lib/worker-processes.js';
import { PROJECT_ROOT } from '../../core/paths.js';

const env = () =>
  ({
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    // No nvidia-smi on this path: the worker must see "no GPU".
    MIGFLOW_NVIDIA_SMI: '/nonexistent/nvidia-smi',
  }) as Record<string, string>;

describe('GPU-pinned worker', () => {
  it('refuses to start without that GPU, saying how to proceed', async () => {
    const r = await execa(process.execPath, ['--import', 'tsx', 'workers/gpu-worker.ts', '--gpu', '0'], {
      cwd: PROJECT_ROOT,
      env: env(),
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no GPU found .*--emulate/);
  });

  it('starts on its own task queue with --emulate and shuts down cleanly on SIGTERM', async () => {
    const lines: string[] = [];
    const w = await startWorkerProcess('gpu-worker', ['--gpu', '3', '--emulate'], env(), {
      onLine: (l) => lines.push(l),
    });
    expect(lines.join('\n')).toMatch(/queue migflow-gpu-3 \(emulated GPU\)/);
    w.proc.kill('SIGTERM');
    const result = await w.proc;
    expect(result.exitCode).toBe(0);
  });
});
