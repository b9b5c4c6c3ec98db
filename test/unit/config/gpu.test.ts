import { describe, expect, it } from 'vitest';
import { loadGpuConfig, parseGpuConfig } from '../../../core/config/gpu.js';
import { A100_40GB, B200 } from '../../../core/mig/index.js';
import { configErrorOf as catchError } from '../../helpers/config-error.js';

describe('GPU profile files', () => {
  it('ship A100_40GB and B200 files equal to the built-in profile sets', () => {
    expect(loadGpuConfig('configs/gpus/A100_40GB.yaml')).toEqual(A100_40GB);
    expect(loadGpuConfig('configs/gpus/B200.yaml')).toEqual(B200);
  });

  const good = `gpu_model: X1
profiles:
  - { logical: 7G, size: 7, vram_gb: 80 }
  - { logical: 4G, size: 4, vram_gb: 40 }
  - { logical: 3G, size: 3, vram_gb: 40 }
  - { logical: 2G, size: 2, vram_gb: 20 }
  - { logical: 1L, size: 1, vram_gb: 20 }
  - { logical: 1S, size: 1, vram_gb: 10 }
`;

  it('defaults unsupported_profiles to none and names instances size g . vram gb', () => {
    const set = parseGpuConfig('gpus/X1.yaml', good);
    expect(set.unsupported).toEqual([]);
    expect(set.profiles[3]).toEqual({ name: '2g.20gb', sizeSlices: 2, vramGb: 20, logical: '2G' });
  });

  it('rejects a profile listed out of order, naming the entry and its line', () => {
    const e = catchError(() => parseGpuConfig('gpus/X1.yaml', good.replace('logical: 4G', 'logical: 3G')));
    expect(e.file).toBe('gpus/X1.yaml');
    expect(e.field).toBe('profiles[1].logical (line 4)');
    expect(e.problem).toMatch(/must be the 4G profile/);
  });

  it('rejects a slice count that does not match the logical profile', () => {
    const e = catchError(() => parseGpuConfig('gpus/X1.yaml', good.replace('size: 2,', 'size: 3,')));
    expect(e.field).toBe('profiles[3].size (line 6)');
    expect(e.problem).toMatch(/2G instance has 2 compute slices/);
  });

  it('rejects a gpu_model that differs from the file name and says how to fix it', () => {
    const e = catchError(() => parseGpuConfig('configs/gpus/B300.yaml', good));
    expect(e.field).toBe('gpu_model');
    expect(e.fix).toMatch(/rename the file to X1.yaml or set gpu_model: B300/);
  });
});
