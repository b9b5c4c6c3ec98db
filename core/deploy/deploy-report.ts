/**
 * The end-of-run report: per agent the benchmark's metric rows (TTFT P25/50/75/99 over requests on real slices,
 * TPOT quartiles over the 1 Hz samples, average queue, S/M/T, MIG existence and tokens by MIG) in the bench's text
 * table, the request accounting (completed / failed with reasons / cancelled — every planned request once), the
 * action log and the faults; as `report.json`, `report.txt`, figures and `actions.jsonl` under the run's directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployEnergy } from '../../contracts/index.js';
import { LOGICAL_PROFILES } from '../mig/index.js';
import { renderVegaLitePng } from '../plot/index.js';
import {
  type AgentMetrics,
  aggregateTable,
  fancyOutline,
  percentiles,
  type RecoverySummary,
} from '../report/index.js';
import { writeFileAtomic } from '../util/index.js';
import { deployEnergy } from './deploy-energy.js';
import type { DeployState } from './deploy-state.js';
import { meteredPhases } from './energy-ledger.js';
import type { RequestRecord } from './publisher.js';
import { runStamp } from './run-folder.js';
import type { WindowFile } from './window.js';

export interface DeployReport {
  deploymentId: string;
  policy: string;
  windows: number;
  durationS: number;
  requests: {
    planned: number;
    completed: number;
    failed: number;
    cancelled: number;
    failureReasons: Record<string, number>;
  };
  agents: (AgentMetrics & { errors: number; cancelled: number })[];
  actions: DeployState['actions'];
  faults: DeployState['faults'];
  /** Energy and EDP from nvidia-smi power.draw, set-up to teardown (deploy-energy.ts, energy-ledger.ts). */
  energy: DeployEnergy;
  /** Where the results of the run before this one in the same folder were moved (run-folder.ts). */
  previousRun?: string;
  files: string[];
}

export function readWindowFiles(outDir: string): WindowFile[] {
  const dir = join(outDir, 'windows');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^w\d+\.json$/.test(n));
  } catch {
    return [];
  }
  return names.sort().map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as WindowFile);
}

/** Set-up + Σ windows + teardown, from the window files and the metering ledger. */
function runEnergy(
  outDir: string,
  agents: readonly string[],
  windows: readonly WindowFile[],
  records: readonly RequestRecord[],
): DeployEnergy {
  const { phases, notes } = meteredPhases(outDir, windows);
  return deployEnergy(agents, phases, records, notes);
}

/** The live run has no queue-clear analysis; the row reads n/a and is dropped from the text table. */
const NO_RECOVERY: RecoverySummary = {
  nEpisodes: 0,
  nAnalyzed: 0,
  nOverlapping: 0,
  nPatternShift: 0,
  nUncleared: 0,
  totalQuartilesS: [0, 0, 0, 0],
  maxTotalS: 0,
  medianDrainS: 0,
  medianBootS: 0,
  medianClearS: 0,
  medianTotalS: 0,
};

function reasonKey(reason: string | undefined): string {
  return (reason ?? 'unknown').replace(/\d+(\.\d+)?/g, 'N').slice(0, 80);
}

export async function writeDeployReport(
  outDir: string,
  state: DeployState,
  plannedRequests: number,
): Promise<DeployReport> {
  const windows = readWindowFiles(outDir);
  const records: RequestRecord[] = windows.flatMap((w) => w.requests);
  const observedS = windows.reduce((s, w) => s + w.observedS, 0);
  const existence: Record<string, number> = {};
  for (const w of windows)
    for (const [k, v] of Object.entries(w.existenceS)) existence[k] = (existence[k] ?? 0) + v;
  const agentNames = Object.keys(state.agents);
  const agents = agentNames.map((agent) => {
    const mine = records.filter((r) => r.agent === agent);
    const done = mine.filter((r) => r.status === 'completed');
    const real = done.filter((r) => !r.permanent);
    const ttft = real.map((r) => r.ttftS);
    const tpotSamples = windows.flatMap((w) => w.tpotSeries[agent] ?? []);
    const queue = windows.flatMap((w) => w.queueSeries[agent] ?? []);
    const tokens = LOGICAL_PROFILES.map((p) =>
      done.filter((r) => (r.permanent ? '2G' : r.profile) === p).reduce((s, r) => s + r.completionTokens, 0),
    );
    const tokenSum = tokens.reduce((a, b) => a + b, 0);
    const c = state.agents[agent as keyof typeof state.agents]!;
    return {
      agent,
      completedRequests: done.length,
      ttftPercentilesS: percentiles(ttft, [25, 50, 75, 99]),
      meanTtftS: ttft.length ? ttft.reduce((a, b) => a + b, 0) / ttft.length : 0,
      tpotQuartilesS: percentiles(tpotSamples, [25, 50, 75]),
      avgWaitingQueue: queue.length ? queue.reduce((a, b) => a + b, 0) / queue.length : 0,
      splitCount: c.counts.split,
      mergeCount: c.counts.merge,
      transferCount: c.counts.transfer,
      migExistencePct: LOGICAL_PROFILES.map((p) =>
        observedS > 0 ? ((existence[p] ?? 0) / observedS) * 100 : 0,
      ),
      tokensByMigPct: tokenSum > 0 ? tokens.map((t) => (t / tokenSum) * 100) : null,
      tokensByPatternPct: { idle: [], even: [], busy: [], burst: [] },
      recovery: NO_RECOVERY,
      errors: mine.filter((r) => r.status === 'failed').length,
      cancelled: mine.filter((r) => r.status === 'cancelled').length,
    };
  });
  const failureReasons: Record<string, number> = {};
  for (const r of records)
    if (r.status !== 'completed')
      failureReasons[reasonKey(r.reason)] = (failureReasons[reasonKey(r.reason)] ?? 0) + 1;
  const count = (s: string) => records.filter((r) => r.status === s).length;
  const previousRun = runStamp(outDir)?.previous;
  const report: DeployReport = {
    deploymentId: state.deploymentId,
    policy: state.policy,
    windows: windows.length,
    durationS: windows.reduce((s, w) => s + w.durationS, 0),
    requests: {
      planned: plannedRequests,
      completed: count('completed'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      failureReasons,
    },
    agents,
    actions: state.actions,
    faults: state.faults,
    energy: runEnergy(outDir, agentNames, windows, records),
    ...(previousRun ? { previousRun } : {}),
    files: [],
  };
  const files = ['report.json', 'report.txt', 'actions.jsonl'];
  const text = reportText(report);
  const figures = await writeFigures(outDir, windows, state);
  files.push(...figures);
  report.files = files.map((f) => join(outDir, f));
  writeFileAtomic(
    join(outDir, 'actions.jsonl'),
    state.actions.map((a) => JSON.stringify(a)).join('\n') + '\n',
  );
  writeFileAtomic(join(outDir, 'report.txt'), text);
  writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

export function reportText(r: DeployReport): string {
  const metrics = aggregateTable(r.agents).split('\n');
  // The bench's queue-clear row needs a recovery analysis the live run does not have.
  const table = metrics.filter((l) => !l.includes('Queue Clear Time') && !/n\/a/.test(l)).join('\n');
  const requests = fancyOutline(
    ['Agent', 'Completed', 'Failed', 'Cancelled'],
    r.agents.map((a) => [a.agent, String(a.completedRequests), String(a.errors), String(a.cancelled)]),
  );
  const actions = r.actions.length
    ? fancyOutline(
        ['#', 't (s)', 'Action', 'Details', 'Cost (s)', 'Status'],
        r.actions.map((a) => [
          String(a.decision),
          a.atS.toFixed(1),
          a.kind.toUpperCase(),
          a.details,
          a.costS.toFixed(1),
          `${a.status}${a.reconciled ? ' (by reconcile)' : ''}${a.error ? `: ${a.error.slice(0, 60)}` : ''}`,
        ]),
      )
    : '(no reconfiguration)';
  const faults = r.faults.length
    ? r.faults
        .map(
          (f) =>
            `[${f.atS.toFixed(1)} s] ${f.kind}${f.slot ? ` ${f.slot}` : ''}: ${f.message} → ${f.handling}`,
        )
        .join('\n')
    : '(none)';
  const e = r.energy;
  const energy = e.measured
    ? fancyOutline(
        ['Agent', 'Energy (J)', 'Energy (Wh)', 'Mean latency (s)', 'EDP (J·s)'],
        [
          ...e.agents.map((a) => [
            a.agent,
            a.energyJ.toFixed(1),
            a.energyWh.toFixed(4),
            a.meanLatencyS.toFixed(3),
            a.edpJs.toFixed(1),
          ]),
          ...e.gpus.map((g) => [`GPU ${g.gpu} board`, g.energyJ.toFixed(1), g.energyWh.toFixed(4), '', '']),
          [
            'all boards',
            e.boardEnergyJ.toFixed(1),
            (e.boardEnergyJ / 3600).toFixed(4),
            e.meanLatencyS.toFixed(3),
            e.edpJs.toFixed(1),
          ],
        ],
      )
    : '';
  const phases = e.phases.length
    ? fancyOutline(
        ['Phase', 'Metered (s)', 'Energy (J)', 'Readings', 'Ended'],
        [
          ...e.phases.map((p) => [
            p.phase === 'window' ? `window ${p.window}` : p.phase,
            p.meteredS.toFixed(1),
            p.energyJ.toFixed(1),
            `${p.samples - p.unavailableSamples}/${p.samples}`,
            p.complete ? 'complete' : `cut short: ${(p.endedBy ?? '').slice(0, 60)}`,
          ]),
          ['all phases', e.meteredS.toFixed(1), e.boardEnergyJ.toFixed(1), '', e.partial ? 'PARTIAL' : ''],
        ],
      )
    : '';
  return [
    `Deployment ${r.deploymentId} — policy ${r.policy}, ${r.windows} decision windows, ${r.durationS.toFixed(0)} s`,
    ...(r.previousRun ? [`The earlier run's results in this folder were moved to ${r.previousRun}`] : []),
    `Requests: ${r.requests.planned} planned, ${r.requests.completed} completed, ${r.requests.failed} failed, ${r.requests.cancelled} cancelled`,
    ...Object.entries(r.requests.failureReasons).map(([k, v]) => `  ${v} × ${k}`),
    '',
    table,
    '',
    requests,
    '',
    '● Actions',
    actions,
    '',
    '● Faults',
    faults,
    '',
    `● Energy (${e.note}; idle by the power model ${e.idleEnergyJ.toFixed(1)} J)`,
    ...(energy ? [energy] : []),
    ...(phases ? [phases] : []),
    ...e.notes.map((n) => `  ! ${n}`),
    '',
  ].join('\n');
}

async function writeFigures(
  outDir: string,
  windows: readonly WindowFile[],
  state: DeployState,
): Promise<string[]> {
  const points: { t: number; agent: string; queue: number }[] = [];
  for (const w of windows)
    for (const [agent, series] of Object.entries(w.queueSeries))
      series.forEach((q, i) => {
        points.push({ t: w.startS + i, agent, queue: q });
      });
  const ttft = windows.flatMap((w) =>
    w.requests
      .filter((r) => r.status === 'completed')
      .map((r) => ({ t: r.sentS, agent: r.agent, ttftMs: r.ttftS * 1000 })),
  );
  const actions = state.actions.map((a) => ({ t: a.atS, label: `${a.kind} GPU ${a.gpu}` }));
  const out: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: a Vega-Lite layer literal; the top-level spec is type-checked.
  const ruleLayer: any[] = actions.length
    ? [
        {
          data: { values: actions },
          mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
          encoding: { x: { field: 't', type: 'quantitative' } },
        },
      ]
    : [];
  /** One series per agent over run time, with the reconfigurations as dashed rules. */
  const timeChart = async (
    file: string,
    title: string,
    values: readonly Record<string, unknown>[],
    mark: Record<string, unknown>,
    y: { field: string; title: string },
  ) => {
    await renderVegaLitePng(
      {
        title,
        width: 640,
        height: 280,
        layer: [
          {
            data: { values },
            mark,
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'run time (s)' },
              y: { ...y, type: 'quantitative' },
              color: { field: 'agent', type: 'nominal' },
            },
          },
          ...ruleLayer,
        ],
      },
      join(outDir, file),
      { widthPx: 1280 },
    );
    out.push(file);
  };
  await timeChart(
    'queue.png',
    'Waiting queue per agent (1 Hz); dashed: reconfigurations',
    points,
    { type: 'line' },
    { field: 'queue', title: 'mean waiting per engine' },
  );
  await timeChart(
    'ttft.png',
    'TTFT per request; dashed: reconfigurations',
    ttft,
    { type: 'point', size: 12, filled: true },
    { field: 'ttftMs', title: 'TTFT (ms)' },
  );
  return out;
}
