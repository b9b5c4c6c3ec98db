import { describe, expect, it } from 'vitest';
import { checkGpu, parseNvidiaSmiList } from '../../../workers/gpus.js';

// The exact shape `nvidia-smi -L` prints on a MIG-enabled A100 host (MIG lines are indented under their GPU).
const LIST = `GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5a3c1e2f-9d7b-4c1a-8e6f-0b2d4c6e8a10)
  MIG 3g.20gb     Device  0: (UUID: MIG-1b2c3d4e-5f60-5718-9a0b-1c2d3e4f5a6b)
  MIG 3g.20gb     Device  1: (UUID: MIG-2c3d4e5f-6071-5829-ab1c-2d3e4f5a6b7c)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-7e9a0b1c-2d3e-4f50-8172-93a4b5c6d7e8)`;

describe('GPU discovery', () => {
  it('reads GPU indices, names and UUIDs from nvidia-smi -L and skips MIG device lines', () => {
    expect(parseNvidiaSmiList(LIST)).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', uuid: 'GPU-5a3c1e2f-9d7b-4c1a-8e6f-0b2d4c6e8a10' },
      { index: 1, name: 'NVIDIA A100-SXM4-40GB', uuid: 'GPU-7e9a0b1c-2d3e-4f50-8172-93a4b5c6d7e8' },
    ]);
  });

  it('refuses a GPU worker without that GPU unless told to emulate', async () => {
    expect(await checkGpu({ gpu: 0, emulate: false, gpus: [] })).toMatch(/no GPU found .* --emulate/);
    expect(await checkGpu({ gpu: 3, emulate: false, gpus: [0, 1] })).toMatch(
      /GPU 3 is not on this host \(found 0, 1\)/,
    );
    expect(await checkGpu({ gpu: 1, emulate: false, gpus: [0, 1] })).toBeUndefined();
    expect(await checkGpu({ gpu: 5, emulate: true })).toBeUndefined();
  });
});
