/**
 * Measured power into the simulation config (fit write-back): the power section gets the measured figures for the
 * profiled (GPU, profile), the simulator reads them, and `[N/A]` keeps the documented default and says so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ProfiledEntry } from '../../../contracts/index.js';
import { loadSimulationConfig, writeBackProfiles } from '../../../core/config/index.js';
import { gpuPowerModel, slicePower } from '../../../core/sim/index.js';
import { writeFits } from '../../../core/stages/fit/index.js';
import { SAMPLE_FIT, SAMPLE_PROFILED, useSimulationConfigCopy } from '../../helpers/fit-fixture.js';

const copy = useSimulationConfigCopy('power-wb');

const fit = SAMPLE_FIT;
const profiled = (power: ProfiledEntry['power']): ProfiledEntry => ({
  ...SAMPLE_PROFILED,
  ...(power ? { power } : {}),
});

describe('power write-back', () => {
  it('writes the measured board idle and the slice’s figures; the simulator’s power model uses them', () => {
    writeBackProfiles(
      copy.file,
      [],
      [{ gpuModel: 'A100_40GB', profile: '3g.20gb', idleW: 56, dynamicW: 140 }],
    );
    const power = parse(readFileSync(copy.file, 'utf8')).power.A100_40GB;
    // idle 56 W; slice idle 56·3/7 = 24 W, max 24 + 140 = 164 W; board max 56 + 140·7/3.
    expect(power.idle_w).toBe(56);
    expect(power.profiles['3g.20gb']).toEqual({ idle_w: 24, max_w: 164 });
    expect(power.max_w).toBeCloseTo(56 + (140 * 7) / 3, 6);
    const sim = loadSimulationConfig(copy.file);
    const model = gpuPowerModel(sim.power ?? {}, 'A100_40GB')!;
    expect(slicePower(model, { name: '3g.20gb', size: 3 } as never)).toEqual({ idleW: 24, maxW: 164 });
    // A second identical write changes nothing.
    expect(
      writeBackProfiles(
        copy.file,
        [],
        [{ gpuModel: 'A100_40GB', profile: '3g.20gb', idleW: 56, dynamicW: 140 }],
      ).changed,
    ).toBe(false);
  });

  it('writeFits reports measured power and writes it', () => {
    const r = writeFits(copy.file, [
      {
        profile: profiled({ status: 'measured', idleW: 60, dynamicW: 150, samples: 20, busySamples: 15 }),
        fit,
      },
    ]);
    expect(r.power).toEqual([
      'A100_40GB 3g.20gb: measured board idle 60.0 W, +150.0 W at full utilisation (20 power.draw samples, 15 busy) → power.A100_40GB',
    ]);
    expect(parse(readFileSync(copy.file, 'utf8')).power.A100_40GB.profiles['3g.20gb'].max_w).toBeCloseTo(
      (60 * 3) / 7 + 150,
      6,
    );
  });

  it('keeps the documented default when nvidia-smi printed [N/A], and says so in the fit report', () => {
    const before = parse(readFileSync(copy.file, 'utf8')).power;
    const r = writeFits(copy.file, [
      {
        profile: profiled({
          status: 'unavailable',
          reason: 'nvidia-smi reports power.draw as [N/A] on this GPU',
          samples: 9,
        }),
        fit,
      },
    ]);
    expect(r.power).toEqual([
      "A100_40GB 3g.20gb: nvidia-smi reports power.draw as [N/A] on this GPU — kept the power model's figures (the documented default of core/sim/energy.ts where the config has none)",
    ]);
    expect(parse(readFileSync(copy.file, 'utf8')).power).toEqual(before);
    const sim = loadSimulationConfig(copy.file);
    expect(gpuPowerModel(sim.power ?? {}, 'A100_40GB')).toEqual({ idleW: 50, maxW: 400 });
  });
});
