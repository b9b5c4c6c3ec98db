/** The run report: trials named by their parameters, the best marked, the answer first, files written whole. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  benchRunReport,
  pipelineRunReport,
  type RunReport,
  readLearningCurve,
  renderRunReportHtml,
  reportFolderName,
  tensorboardByLabel,
  trialLabel,
  writeRunReport,
} from '../../../core/report/index.js';
import { pipelineResultFixture } from '../../fixtures/report/pipeline-result.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('run report', () => {
  const result = pipelineResultFixture(tmp);
  const report = pipelineRunReport(result, {
    workflowId: 'pipeline/report-fixture',
    webUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
    generatedAt: new Date('2026-12-06T14:00:00Z'),
  });

  it('names trials and RL policies by their parameters and marks the best trial', () => {
    expect(trialLabel({ 'training.reward.affinity_bonus_weight': 0.1 })).toBe('affinity_bonus_weight=0.1');
    expect(trialLabel({})).toBe('defaults');
    expect(report.trials!.map((t) => [t.label, t.best])).toEqual([
      ['affinity_bonus_weight=0.1', false],
      ['affinity_bonus_weight=0.2', true],
    ]);
    expect(report.bench!.policies.map((p) => p.name)).toEqual([
      'rl: affinity_bonus_weight=0.1',
      'rl: affinity_bonus_weight=0.2',
      'heuristic',
      'static_split_extreme',
      'linucb',
    ]);
    expect(report.bench!.policies.find((p) => p.name === 'linucb')!.kind).toBe('baseline');
  });

  it('carries the task, the energy per policy and the validation with its thresholds', () => {
    expect(report.task).toBe('hard');
    const json = JSON.parse(JSON.stringify(report)) as RunReport;
    expect(json.bench!.policies.map((p) => p.entry.energy?.totalJ)).toEqual([
      440_450,
      440_450,
      490_000 + 100 * (98.9 + 357),
      400_159,
      460_650,
    ]);
    const text = report.headline.join('\n');
    expect(text).toContain('Energy: lowest energy-delay product static_split_extreme');
    expect(text).toContain('Simulator validation: FAIL (RAGAgent ttft_p99)');
    const v = report.validation!;
    expect(v.pass).toBe(false);
    expect(v.agents.map((a) => [a.agent, a.pass, a.metrics.length])).toEqual([
      ['CodingAgent', true, 7],
      ['RAGAgent', false, 7],
    ]);
    expect(v.agents[1]!.metrics.find((m) => m.metric === 'ttft_p99')).toEqual({
      metric: 'ttft_p99',
      sim: 1,
      engine: 0.6,
      error: 0.4,
      // The RAG agent's result predates intervals: the bare-threshold verdict.
      interval: null,
      threshold: 0.25,
      verdict: 'fail',
      pass: false,
    });
    expect(v.agents[0]!.metrics.find((m) => m.metric === 'ttft_p99')).toMatchObject({
      interval: [0, 0.31],
      verdict: 'inconclusive',
      pass: true,
    });
    const html = renderRunReportHtml(report);
    expect(html).toContain('task <b id="task">hard</b>');
    expect(html).toMatch(/<section id="validation"><h2>Simulator vs engine: <span class="fail">FAIL/);
    expect(html).toContain('95 % bootstrap interval');
    expect(html).toContain('0.0–31.0 %');
    expect(html).toContain('<td class="unsettled">inconclusive</td>');
    expect(html).toContain('<th>EDP J·s</th>');
  });

  it('reads learning curves from episodes.jsonl, skipping a line cut by a crash', () => {
    const curve = readLearningCurve(result.train!.trials[1]!.dir!);
    expect(curve).toHaveLength(16);
    expect(curve.at(-1)).toEqual({ steps: 2048, meanReward: 20.25 });
    expect(readLearningCurve(join(tmp, 'nowhere'))).toEqual([]);
  });

  it('answers who won, by how much, against which baseline, at what cost — and explains identical trials', () => {
    const text = report.headline.join('\n');
    expect(text).toContain('Best trial by training reward: affinity_bonus_weight=0.2');
    expect(text).toContain('Winner: rl: affinity_bonus_weight=0.1');
    expect(text).toContain('the best baseline static_split_extreme 25.0 (+5.00, +20.0 %)');
    expect(text).toContain('Cost: 10 reconfigurations');
    expect(text).toContain('training took 41.0 s');
    expect(text).toContain(
      'rl: affinity_bonus_weight=0.2 benched exactly like rl: affinity_bonus_weight=0.1',
    );
  });

  it('ranks trials by held-out evaluation when every completed trial has one, and says so in headline and table', () => {
    expect(report.trialsRankedBy).toBe('mean_episode_reward');
    const evaluated = pipelineResultFixture(join(tmp, 'evaluated'));
    // The lower training reward evaluates better: the evaluation decides.
    const [first, second] = evaluated.train!.trials;
    first!.evalReward = 7.5;
    second!.evalReward = -1;
    const r = pipelineRunReport(evaluated, { workflowId: 'e' });
    expect(r.trialsRankedBy).toBe('eval_reward');
    expect(r.trials!.map((t) => [t.label, t.evalReward, t.best])).toEqual([
      ['affinity_bonus_weight=0.1', 7.5, true],
      ['affinity_bonus_weight=0.2', -1, false],
    ]);
    expect(r.headline.join('\n')).toContain(
      'Best trial by held-out evaluation reward: affinity_bonus_weight=0.1 (held-out evaluation reward 7.50, mean episode reward',
    );
    const html = renderRunReportHtml(r);
    expect(html).toContain('<th>train reward</th><th>eval reward (★ ranks)</th>');
    expect(html).toContain('★ affinity_bonus_weight=0.1');
    // One trial without an evaluation (e.g. cached before evaluation): the training reward ranks them all.
    delete second!.evalReward;
    const mixed = pipelineRunReport(evaluated, { workflowId: 'e' });
    expect(mixed.trialsRankedBy).toBe('mean_episode_reward');
    expect(mixed.trials!.find((t) => t.best)?.label).toBe('affinity_bonus_weight=0.2');
    const mixedHtml = renderRunReportHtml(mixed);
    expect(mixedHtml).toContain('<th>train reward (★ ranks)</th><th>eval reward</th>');
    // …and says why, naming the trial without one.
    expect(mixedHtml).toMatch(
      new RegExp(
        `Ranked by training reward: 1 of 2 completed trials have no held-out evaluation reward \\(${second!.trialKey}\\)`,
      ),
    );
    expect(html).not.toContain('Ranked by');
  });

  it('says so when no RL policy beats the best baseline', () => {
    const worse = pipelineResultFixture(join(tmp, 'worse'));
    for (const r of worse.bench!.results) if (r.checkpoint) r.entry.reward!.total = 10;
    const lines = pipelineRunReport(worse, { workflowId: 'w' }).headline.join('\n');
    expect(lines).toContain('Best RL policy: rl: affinity_bonus_weight=0.1');
    expect(lines).toContain('No RL policy beat static_split_extreme on this trace.');
  });

  it('renders one self-contained page: no script, no remote resource, every value escaped', () => {
    const html = renderRunReportHtml({
      ...report,
      title: 'run <script>alert(1)</script>',
    } satisfies RunReport);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('run &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!127\.0\.0\.1)/);
    expect(html).toContain('★ affinity_bonus_weight=0.2');
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(8);
    expect(html).toContain('Learning curves');
    expect(html).toContain(
      `http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent("MigflowRunId = 'pipeline/report-fixture'").replace(/'/g, '&#39;')}`,
    );
  });

  it('lists the trials’ TensorBoard files under their labels (hard links, the same bytes)', () => {
    for (const t of result.train!.trials) {
      mkdirSync(join(t.dir!, 'tensorboard'), { recursive: true });
      writeFileSync(join(t.dir!, 'tensorboard', 'events.out.tfevents.1.host.1'), t.trialKey);
    }
    const dir = tensorboardByLabel(join(tmp, 'tb'), report.trials!);
    expect(dir).toBe(join(tmp, 'tb'));
    expect(readdirSync(dir!).sort()).toEqual(['affinity_bonus_weight=0.1', 'affinity_bonus_weight=0.2']);
    expect(
      readFileSync(join(dir!, 'affinity_bonus_weight=0.2', 'events.out.tfevents.1.host.1'), 'utf8'),
    ).toBe('t-bbbb2222');
    expect(tensorboardByLabel(join(tmp, 'tb-none'), [])).toBeUndefined();
  });

  it('writes report.json and report.html atomically (no temporary file left)', () => {
    const dir = join(tmp, 'pipeline', reportFolderName(result.runId));
    expect(reportFolderName('pipeline/2026-12-06T14-00-00-000Z')).toBe('pipeline-2026-12-06T14-00-00-000Z');
    const files = writeRunReport(dir, report);
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'report.json']);
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(report);
    expect(readFileSync(files.html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });
});

describe('headline percentages', () => {
  it('leaves out a percentage of a reward near zero', () => {
    const tmp2 = mkdtempSync(join(tmpdir(), 'migflow-report-pct-'));
    try {
      const r = pipelineResultFixture(tmp2);
      r.bench!.results[3]!.entry.reward!.total = 0.587;
      const text = pipelineRunReport(r, { workflowId: 'w' }).headline.join('\n');
      expect(text).toContain('static_split_extreme 0.587 (+29.4); mean TTFT');
    } finally {
      rmSync(tmp2, { recursive: true, force: true });
    }
  });
});

describe('deployment in the run report', () => {
  it('summarises a live deployment the run made', () => {
    const tmp3 = mkdtempSync(join(tmpdir(), 'migflow-report-deploy-'));
    try {
      const r = pipelineResultFixture(tmp3);
      r.deploy = {
        deploymentId: 'report-fixture',
        policy: 'heuristic',
        windows: 3,
        requests: { planned: 100, completed: 97, failed: 1, cancelled: 2 },
        actions: [{ kind: 'merge', details: 'GPU 1 | Src: MIG_2G, MIG_1L -> Tgt: MIG_3G', status: 'done' }],
        faults: 0,
        reportFiles: [join(tmp3, 'deploy', 'report.txt')],
        removedContainers: [],
      };
      const report = pipelineRunReport(r, { workflowId: 'w' });
      expect(report.deploy?.requests.completed).toBe(97);
      const html = renderRunReportHtml(report);
      expect(html).toContain(
        '97 of 100 requests completed, 1 failed, 2 cancelled; 1 reconfiguration, 0 faults',
      );
      expect(html).toContain('GPU 1 | Src: MIG_2G, MIG_1L -&gt; Tgt: MIG_3G');
    } finally {
      rmSync(tmp3, { recursive: true, force: true });
    }
  });

  it('shows the deployment’s measured energy and EDP per agent', () => {
    const tmp4 = mkdtempSync(join(tmpdir(), 'migflow-report-deploy-energy-'));
    try {
      const r = pipelineResultFixture(tmp4);
      r.deploy = {
        deploymentId: 'energy-fixture',
        policy: 'heuristic',
        windows: 1,
        requests: { planned: 2, completed: 2, failed: 0, cancelled: 0 },
        actions: [],
        faults: 0,
        reportFiles: [],
        removedContainers: [],
        energy: {
          measured: true,
          partial: false,
          note: 'nvidia-smi power.draw, 10 of 10 readings',
          notes: [],
          samples: 10,
          unavailableSamples: 0,
          meteredS: 20,
          boardEnergyJ: 7200,
          phases: [
            {
              phase: 'set-up',
              complete: true,
              meteredS: 4,
              energyJ: 1440,
              samples: 2,
              unavailableSamples: 0,
            },
            {
              phase: 'window',
              window: 0,
              complete: true,
              meteredS: 12,
              energyJ: 4320,
              samples: 6,
              unavailableSamples: 0,
            },
            {
              phase: 'teardown',
              complete: true,
              meteredS: 4,
              energyJ: 1440,
              samples: 2,
              unavailableSamples: 0,
            },
          ],
          unattributedJ: 0,
          gpus: [{ gpu: 3, energyJ: 7200, energyWh: 2 }],
          idleEnergyJ: 3600,
          meanLatencyS: 1.5,
          edpJs: 10800,
          agents: [{ agent: 'CodingAgent', energyJ: 3600, energyWh: 1, meanLatencyS: 1.5, edpJs: 5400 }],
        },
      };
      const report = pipelineRunReport(r, { workflowId: 'w' });
      expect(report.deploy?.energy?.agents[0]?.edpJs).toBe(5400);
      const html = renderRunReportHtml(report);
      expect(html).toContain('nvidia-smi power.draw, 10 of 10 readings.');
      expect(html).toContain('GPU 3 board');
      expect(html).toMatch(
        /<td>CodingAgent<\/td><td class="n">3600\.0<\/td><td class="n">1\.0000<\/td><td class="n">1\.500<\/td><td class="n">5400\.0<\/td>/,
      );
      expect(html).toMatch(/<td>all boards<\/td><td class="n">7200\.0<\/td>/);
      // The deployment's energy is set-up + windows + teardown, each phase listed.
      expect(html).toMatch(
        /<td>set-up<\/td><td class="n">4\.0<\/td><td class="n">1440\.0<\/td><td>complete<\/td>/,
      );
      expect(html).toMatch(/<td>teardown<\/td><td class="n">4\.0<\/td><td class="n">1440\.0<\/td>/);
      expect(html).toMatch(/<td>all phases<\/td><td class="n">20\.0<\/td><td class="n">7200\.0<\/td>/);
    } finally {
      rmSync(tmp4, { recursive: true, force: true });
    }
  });
  it('says which start rule the bench ran under (--start), and nothing for entries that never recorded one', () => {
    const rows = pipelineResultFixture(tmp).bench!.results;
    const unrecorded = benchRunReport('bench-old', rows, 1000);
    expect(unrecorded.bench!.start).toBeUndefined();
    expect(renderRunReportHtml(unrecorded)).not.toContain('Start rule:');
    const common = rows.map((r) => ({ ...r, entry: { ...r.entry, start: 'common' as const } }));
    const paired = benchRunReport('bench-common', common, 1000);
    expect(paired.bench!.start).toBe('common');
    expect(renderRunReportHtml(paired)).toContain('Start rule: common — every policy from one random layout');
    const own = benchRunReport(
      'bench-own',
      rows.map((r) => ({ ...r, entry: { ...r.entry, start: 'own' as const } })),
      1000,
    );
    expect(renderRunReportHtml(own)).toContain('Start rule: own — each policy from its own layout');
    // Rows of two runs put together have no one rule.
    expect(
      benchRunReport('mixed', [...common.slice(0, 1), ...rows.slice(1)], 1000).bench!.start,
    ).toBeUndefined();
  });
});
