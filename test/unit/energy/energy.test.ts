/**
 * Energy beside the simulation: the power model's slice figures, the meter's busy time and energy against a hand
 * computation on one engine, the config's power section, and a bench trial's energy in its entry.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  comparisonEntry,
  energyTable,
  loadBenchSetup,
  prepareBench,
  runTrial,
} from '../../../core/bench/index.js';
import { loadSimulationConfig } from '../../../core/config/index.js';
import { qas } from '../../../core/control/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { CPythonRandom } from '../../../core/random/index.js';
import {
  clusterSpecFromConfig,
  DEFAULT_GPU_POWER,
  EnergyMeter,
  type HardwareProfile,
  Simulator,
  slicePower,
} from '../../../core/sim/index.js';

const SIM = join(PROJECT_ROOT, 'configs', 'simulation_config.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'migflow-energy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const profile = (name: string, size: number): HardwareProfile => ({ logical: 0, size, vramGb: 10, name });

describe('power model', () => {
  it('scales the GPU’s figures by compute slices unless the profile has its own', () => {
    const gpu = { idleW: 70, maxW: 420, profiles: { '1g.10gb': { idleW: 5, maxW: 50 } } };
    expect(slicePower(gpu, profile('7g.40gb', 7))).toEqual({ idleW: 70, maxW: 420 });
    expect(slicePower(gpu, profile('3g.20gb', 3))).toEqual({ idleW: 30, maxW: 180 });
    expect(slicePower(gpu, profile('1g.10gb', 1))).toEqual({ idleW: 5, maxW: 50 });
    expect(DEFAULT_GPU_POWER.A100_40GB).toEqual({ idleW: 50, maxW: 400 });
  });

  it('reads the simulation config’s power section and refuses idle above max', () => {
    const text = readFileSync(SIM, 'utf8');
    const ok = join(tmp, 'power.yaml');
    writeFileSync(
      ok,
      `${text}\npower:\n  A100_40GB:\n    idle_w: 60\n    max_w: 390\n    profiles:\n      2g.10gb: {idle_w: 12, max_w: 100}\n`,
    );
    expect(loadSimulationConfig(ok).power).toEqual({
      A100_40GB: { idleW: 60, maxW: 390, profiles: { '2g.10gb': { idleW: 12, maxW: 100 } } },
    });
    expect(loadSimulationConfig(SIM).power).toEqual({});
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, `${text}\npower:\n  A100_40GB: {idle_w: 500, max_w: 400}\n`);
    expect(() => loadSimulationConfig(bad)).toThrow(/power.*idle_w must not exceed max_w/);
  });
});

describe('EnergyMeter', () => {
  it('meters one engine: busy time is the union of its requests’ service intervals, energy its power above idle', () => {
    const cfg = loadSimulationConfig(SIM);
    const n = 12;
    const table = {
      promptTokens: Array.from({ length: n }, () => 400),
      completionTokens: Array.from({ length: n }, () => 50),
    };
    const meter = new EnergyMeter();
    const base = clusterSpecFromConfig(cfg, () => table);
    const sim = new Simulator({
      cluster: { ...base, agents: base.agents.map((a) => ({ name: a.name })) },
      rng: new CPythonRandom(3),
      queueTrace: false,
      hooks: meter,
    });
    sim.reset([{ gpu: 0, logicalProfile: 0, agent: 0 }]);
    // Two bursts far apart: the engine idles in between.
    const arrivals = Array.from({ length: n }, (_, i) => ({
      agent: 0,
      arrivalTimeS: (i < 6 ? 0 : 100) + i * 0.1,
      itemIndex: i,
    }));
    sim.addArrivals(arrivals);
    while (sim.run()) {
      // no decisions
    }
    const done = sim.agents[0]!.completed.toArray();
    expect(done).toHaveLength(n);
    const burst = (reqs: typeof done) =>
      Math.max(...reqs.map((r) => r.finishTimeS)) - Math.min(...reqs.map((r) => r.startTimeS));
    const busyS =
      burst(done.filter((r) => r.arrivalTimeS < 50)) + burst(done.filter((r) => r.arrivalTimeS >= 50));
    const e = meter.summary(sim, {});
    const coder = e.agents[0]!;
    expect(coder.busyS).toBeCloseTo(busyS, 9);
    // The 7g slice of an A100_40GB: 400 W busy, 50 W idle.
    expect(coder.energyJ).toBeCloseTo(busyS * 350, 6);
    expect(coder.meanLatencyS).toBeCloseTo(
      done.reduce((s, r) => s + r.finishTimeS - r.arrivalTimeS, 0) / n,
      9,
    );
    expect(coder.edpJs).toBeCloseTo(coder.energyJ * coder.meanLatencyS, 6);
    expect(e.agents[1]!.energyJ).toBe(0);
    // Idle: every GPU of the cluster (two managed A100s and the permanent one) for the whole run.
    expect(e.idleEnergyJ).toBeCloseTo(sim.cluster.gpus.length * 50 * sim.nowS, 6);
    expect(e.totalEnergyJ).toBeCloseTo(e.idleEnergyJ + coder.energyJ, 6);
  });
});

describe('bench energy', () => {
  it('every trial carries energy and EDP into its entry and the energy table', () => {
    const setup = loadBenchSetup({
      simulationConfig: SIM,
      trainingConfig: join(PROJECT_ROOT, 'configs', 'training_config.yaml'),
      benchConfig: join(PROJECT_ROOT, 'configs', 'bench_config.yaml'),
      syntheticTokens: true,
      steps: 30,
    });
    const trial = runTrial(prepareBench(setup), qas);
    expect(trial.energy.totalEnergyJ).toBeGreaterThan(trial.energy.idleEnergyJ);
    expect(trial.energy.agents.every((a) => a.energyJ > 0 && a.edpJs > 0)).toBe(true);
    const entry = comparisonEntry(trial);
    expect(entry.energy?.totalJ).toBe(trial.energy.totalEnergyJ);
    const table = energyTable([entry]);
    expect(table).toContain((trial.energy.totalEnergyJ / 1000).toFixed(1));
    expect(table).toContain('CodingAgent kJ');
  });
});
