/**
 * The deployment's metering ledger: set-up, windows and teardown laid end to end, a retried attempt superseding the
 * one it re-meters, a window cut short kept with the phase it stopped in, and gaps, overlaps and missing phases
 * named instead of summed quietly.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployEnergy, type WindowEnergy } from '../../../core/deploy/deploy-energy.js';
import {
  lastReadingMs,
  meteredPhases,
  startLedger,
  writePhaseRecord,
} from '../../../core/deploy/energy-ledger.js';

/** `w` watts on one board from `fromS` to `toS`. */
const span = (fromS: number, toS: number, w = 100): WindowEnergy => ({
  samples: 1,
  unavailableSamples: 0,
  meteredS: toS - fromS,
  boardJ: w * (toS - fromS),
  gpuJ: { 0: w * (toS - fromS) },
  idleJ: 50 * (toS - fromS),
  agentJ: {},
  fromMs: fromS * 1000,
  toMs: toS * 1000,
});

describe('meteredPhases', () => {
  const root = mkdtempSync(join(tmpdir(), 'migflow-energy-ledger-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => {
    const out = join(root, `run${n++}`);
    startLedger(out, 0);
    return out;
  };

  it('counts only the last attempt of a retried window 0: its set-up re-meters from the same start', () => {
    const out = fresh();
    // Attempt 1: set-up 0–30 s, then window 0 failed at 50 s. Attempt 2 starts over from 0 s: set-up 0–70 s.
    writePhaseRecord(out, { phase: 'set-up', attempt: 1, complete: true, energy: span(0, 30) });
    writePhaseRecord(out, {
      phase: 'window',
      window: 0,
      attempt: 1,
      complete: false,
      endedBy: 'failed: engine image missing',
      energy: span(30, 50),
    });
    writePhaseRecord(out, { phase: 'set-up', attempt: 2, complete: true, energy: span(0, 70) });
    const windows = [{ window: 0, attempt: 2, energy: span(70, 130) }];
    expect(lastReadingMs(out, windows)).toBe(130_000);
    writePhaseRecord(out, { phase: 'teardown', attempt: 1, complete: true, energy: span(130, 140) });
    const { phases, notes } = meteredPhases(out, windows);
    expect(notes).toEqual([]);
    expect(phases.map((p) => [p.phase, p.attempt, p.energy.fromMs, p.energy.toMs])).toEqual([
      ['set-up', 2, 0, 70_000],
      ['window', 2, 70_000, 130_000],
      ['teardown', 1, 130_000, 140_000],
    ]);
    // 140 s at 100 W once, not 140 + 50 s.
    expect(deployEnergy(['ChatAgent'], phases, []).boardEnergyJ).toBe(14_000);
  });

  it('keeps a window cut short (its last attempt) between the finished windows and the teardown, as partial', () => {
    const out = fresh();
    writePhaseRecord(out, { phase: 'set-up', attempt: 1, complete: true, energy: span(0, 20) });
    const windows = [{ window: 0, attempt: 1, energy: span(20, 80) }];
    // Window 1 failed twice, each attempt metering again from the end of window 0; then the run was given up.
    for (const [attempt, toS] of [
      [1, 90],
      [2, 110],
    ] as const)
      writePhaseRecord(out, {
        phase: 'window',
        window: 1,
        attempt,
        complete: false,
        endedBy: `failed: try ${attempt}`,
        energy: span(80, toS),
      });
    // The teardown meters from the last attempt's last reading.
    expect(lastReadingMs(out, windows)).toBe(110_000);
    writePhaseRecord(out, { phase: 'teardown', attempt: 1, complete: true, energy: span(110, 125) });
    const { phases, notes } = meteredPhases(out, windows);
    expect(notes).toEqual([]);
    const e = deployEnergy(['ChatAgent'], phases, []);
    expect(e.phases.map((p) => [p.phase, p.window, p.meteredS, p.complete])).toEqual([
      ['set-up', undefined, 20, true],
      ['window', 0, 60, true],
      ['window', 1, 30, false],
      ['teardown', undefined, 15, true],
    ]);
    expect(e.boardEnergyJ).toBe(12_500);
    expect(e.partial).toBe(true);
    expect(e.notes).toEqual(['window 1 was cut short (failed: try 2): metered until then']);
  });

  it('records a deployment stopped during its set-up with the set-up as the phase it stopped in', () => {
    const out = fresh();
    writePhaseRecord(out, {
      phase: 'set-up',
      window: 0,
      attempt: 1,
      complete: false,
      endedBy: 'cancelled: stop requested',
      energy: span(0, 12),
    });
    expect(lastReadingMs(out, [])).toBe(12_000);
    writePhaseRecord(out, { phase: 'teardown', attempt: 1, complete: true, energy: span(12, 20) });
    const e = deployEnergy(['ChatAgent'], meteredPhases(out, []).phases, []);
    expect(e.phases.map((p) => [p.phase, p.meteredS, p.complete])).toEqual([
      ['set-up', 12, false],
      ['teardown', 8, true],
    ]);
    expect(e.notes).toEqual(['set-up was cut short (cancelled: stop requested): metered until then']);
  });

  it('names a gap, an overlap and a missing teardown instead of summing them quietly', () => {
    const out = fresh();
    writePhaseRecord(out, { phase: 'set-up', attempt: 1, complete: true, energy: span(0, 20) });
    const windows = [
      { window: 0, attempt: 1, energy: span(25, 60) },
      { window: 1, attempt: 1, energy: span(58, 90) },
    ];
    const { notes } = meteredPhases(out, windows);
    expect(notes).toEqual([
      'the teardown has no power readings on record',
      '5.0 s between set-up and window 0 were not metered',
      'window 0 and window 1 overlap by 2.0 s (counted in both)',
    ]);
  });

  it('a retried teardown meters again from the last window, not from the failed try', () => {
    const out = fresh();
    const windows = [{ window: 0, attempt: 1, energy: span(10, 40) }];
    writePhaseRecord(out, {
      phase: 'teardown',
      attempt: 1,
      complete: false,
      endedBy: 'failed: docker',
      energy: span(40, 45),
    });
    expect(lastReadingMs(out, windows)).toBe(40_000);
  });

  it('a new run drops what an earlier run of the same id left in the ledger', () => {
    const out = fresh();
    writePhaseRecord(out, { phase: 'teardown', attempt: 1, complete: true, energy: span(0, 5) });
    startLedger(out, 1_000_000);
    expect(existsSync(join(out, 'energy', 'teardown.json'))).toBe(false);
    expect(lastReadingMs(out, [])).toBe(1_000_000);
  });
});
