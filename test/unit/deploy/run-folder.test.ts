/**
 * One run's results per deployment folder: a second deploy with the same id and folder reports only its own windows
 * (the first run's results are moved to `previous/`, the newest few kept), a retried start of the same run keeps what that
 * run already wrote (a crashed worker's finished windows still count, once), and a start killed halfway through the
 * move loses nothing.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDeployReport } from '../../../core/deploy/deploy-report.js';
import { type DeployState, newAgentCollector } from '../../../core/deploy/deploy-state.js';
import { claimRunFolder } from '../../../core/deploy/run-folder.js';
import type { WindowFile } from '../../../core/deploy/window.js';

const root = mkdtempSync(join(tmpdir(), 'migflow-run-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A finished window with `n` completed requests of ChatAgent. */
function writeWindow(out: string, k: number, n: number): void {
  const file: WindowFile = {
    window: k,
    attempt: 1,
    startS: k * 20,
    durationS: 20,
    requests: Array.from({ length: n }, (_, i) => ({
      id: `w${k}-r${i}`,
      agent: 'ChatAgent',
      status: 'completed',
      arrivalS: k * 20 + i,
      ttftS: 0.1,
      tpotS: 0.01,
      e2eS: 0.5,
      completionTokens: 10,
      promptTokens: 10,
      profile: '7G',
      permanent: false,
      slot: 'gpu0-s0',
    })) as unknown as WindowFile['requests'],
    queueSeries: {},
    tpotSeries: {},
    existenceS: {},
    observedS: 20,
    slots: [],
    events: [],
  };
  mkdirSync(join(out, 'windows'), { recursive: true });
  writeFileSync(join(out, 'windows', `w${String(k).padStart(4, '0')}.json`), JSON.stringify(file));
}

const state = (windows: number): DeployState => ({
  deploymentId: 'rerun',
  policy: 'heuristic',
  window: windows,
  windows,
  desired: [],
  budgetS: 0,
  lastActionCostS: 0,
  budgetRefilledAtS: 0,
  agents: { ChatAgent: newAgentCollector() },
  actions: [],
  faults: [],
});

describe('claimRunFolder', () => {
  it("moves the earlier run's results aside, so a rerun's report lists only its own windows", async () => {
    const out = join(root, 'rerun');
    claimRunFolder(out, 'deploy/run-1', new Date('2026-12-06T10:00:00Z'));
    for (const k of [0, 1, 2]) writeWindow(out, k, 4);
    await writeDeployReport(out, state(3), 12);
    // Not a result: the emulated GPUs' state file that `migflow deploy --emulate` keeps in the same folder.
    writeFileSync(join(out, 'nvidia-smi.json'), '{}');

    const moved = claimRunFolder(out, 'deploy/run-2', new Date('2026-12-06T11:00:00Z'));
    expect(moved).toBe(join(out, 'previous', '2026-12-06T10-00-00.000Z'));
    writeWindow(out, 0, 1);
    const report = await writeDeployReport(out, state(1), 1);
    expect(report.windows).toBe(1);
    expect(report.requests.completed).toBe(1);
    expect(report.previousRun).toBe(moved);
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toContain(`moved to ${moved}`);

    // The first run's results are all kept, and its report still says what it said.
    expect(readdirSync(join(moved!, 'windows'))).toEqual(['w0000.json', 'w0001.json', 'w0002.json']);
    const first = JSON.parse(readFileSync(join(moved!, 'report.json'), 'utf8')) as { windows: number };
    expect(first.windows).toBe(3);
    expect(existsSync(join(out, 'nvidia-smi.json'))).toBe(true);
  });

  it("keeps the run's own results when its start is retried (a resumed run counts its windows once)", () => {
    const out = join(root, 'retry');
    expect(claimRunFolder(out, 'deploy/run-1')).toBeUndefined();
    writeWindow(out, 0, 2);
    expect(claimRunFolder(out, 'deploy/run-1')).toBeUndefined();
    expect(readdirSync(join(out, 'windows'))).toEqual(['w0000.json']);
    expect(existsSync(join(out, 'previous'))).toBe(false);
  });

  it('finishes a move that a killed start left halfway, into one folder', () => {
    const out = join(root, 'halfway');
    claimRunFolder(out, 'deploy/run-1', new Date('2026-12-06T10:00:00Z'));
    writeWindow(out, 0, 2);
    writeFileSync(join(out, 'report.txt'), 'run 1');
    // Killed after moving windows/ and the stamp into the staging folder, before report.txt.
    const staging = join(out, 'previous', '.moving');
    mkdirSync(staging, { recursive: true });
    for (const n of ['windows', 'run.json']) renameSync(join(out, n), join(staging, n));

    const moved = claimRunFolder(out, 'deploy/run-2', new Date('2026-12-06T11:00:00Z'));
    expect(moved).toBe(join(out, 'previous', '2026-12-06T10-00-00.000Z'));
    expect(readdirSync(moved!).sort()).toEqual(['report.txt', 'run.json', 'windows']);
    expect(readdirSync(join(out, 'previous'))).toEqual(['2026-12-06T10-00-00.000Z']);
    expect(readdirSync(join(moved!, 'windows'))).toEqual(['w0000.json']);
    expect(existsSync(join(out, 'report.txt'))).toBe(false);
  });

  it('keeps the newest earlier runs only (keep_previous_runs), each one whole', () => {
    const out = join(root, 'retention');
    const at = (h: number) => new Date(`2026-12-06T${String(h).padStart(2, '0')}:00:00Z`);
    const folder = (h: number) => `2026-12-06T${String(h).padStart(2, '0')}-00-00.000Z`;
    for (let h = 1; h <= 8; h++) {
      const moved = claimRunFolder(out, `deploy/run-${h}`, at(h), 3);
      if (h > 1) expect(moved).toBe(join(out, 'previous', folder(h - 1)));
      writeWindow(out, 0, h);
    }
    // Runs 1–7 went to previous/; the three newest are there, complete, and nothing half-deleted is left.
    expect(readdirSync(join(out, 'previous'))).toEqual([folder(5), folder(6), folder(7)]);
    for (const h of [5, 6, 7]) {
      const w = JSON.parse(readFileSync(join(out, 'previous', folder(h), 'windows', 'w0000.json'), 'utf8'));
      expect(w.requests).toHaveLength(h);
    }
    // A prune killed halfway (a doomed run renamed into .pruning/, partly deleted) is finished by the next start,
    // and a second clash-suffixed folder of one start time counts as the newer one.
    mkdirSync(join(out, 'previous', '.pruning', folder(4), 'windows'), { recursive: true });
    const moved = claimRunFolder(out, 'deploy/run-9', at(7), 3);
    expect(moved).toBe(join(out, 'previous', `${folder(8)}`));
    expect(readdirSync(join(out, 'previous'))).toEqual([folder(6), folder(7), folder(8)]);
    writeWindow(out, 0, 9);
    const clash = claimRunFolder(out, 'deploy/run-10', at(9), 3);
    expect(clash).toBe(join(out, 'previous', `${folder(7)}-2`));
    expect(readdirSync(join(out, 'previous')).sort()).toEqual(
      [folder(7), `${folder(7)}-2`, folder(8)].sort(),
    );
    expect(existsSync(join(out, 'previous', folder(6)))).toBe(false);
  });

  it('keeps none with keep_previous_runs 0, and the new stamp then names no earlier run', () => {
    const out = join(root, 'keep-none');
    claimRunFolder(out, 'deploy/run-1', new Date('2026-12-06T10:00:00Z'), 0);
    writeWindow(out, 0, 2);
    expect(claimRunFolder(out, 'deploy/run-2', new Date('2026-12-06T11:00:00Z'), 0)).toBeUndefined();
    expect(readdirSync(join(out, 'previous'))).toEqual([]);
    expect(existsSync(join(out, 'windows'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).previous).toBeUndefined();
  });
});
