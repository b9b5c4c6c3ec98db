/**
 * The run report as one self-contained HTML page: inline CSS, inline SVG charts, figures as data: URIs, no
 * script, no network (the machines it is read on are often offline). Section by section it follows RunReport:
 * the answer, the stages, profiling and fit, the grid's trials with their learning curves, the bench comparison as
 * a table and as charts across policies, and the Web UI links. Write it with writeRunReport (atomic).
 */
import { join } from 'node:path';
import { rankingNote, rewardColumns, startRuleText } from '../../contracts/index.js';
import { writeFileAtomic } from '../util/index.js';
import { meanTtft, type ReportPolicy, type RunReport, reconfigurations } from './run-report.js';
import { adaptiveWinners } from './suite-report.js';
import { barChart, escapeHtml as e, lineChart } from './svg-charts.js';

const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '–'
    : Math.abs(x) >= 1000
      ? x.toFixed(0)
      : Math.abs(x) < 1e-3 && x !== 0
        ? x.toExponential(2)
        : x.toFixed(digits);

/** A file link relative to where the report lies when possible (pages opened from disk follow file paths). */
function fileLink(path: string | undefined, text?: string): string {
  if (!path) return '';
  return `<a href="${e(`file://${path}`)}" class="path">${e(text ?? path.split('/').slice(-2).join('/'))}</a>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.join('')}</tr>`)
    .join('')}</tbody></table>`;
}
const td = (s: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${s}</td>`;

function stagesSection(r: RunReport): string {
  if (!r.stages) return '';
  return `<section id="stages"><h2>Stages</h2>${table(
    ['stage', 'cache', 'took', 'artifacts'],
    r.stages.map((s) => [
      td(e(s.stage)),
      td(e(s.status), `st-${s.status}`),
      td(`${(s.durationMs / 1000).toFixed(1)} s`, 'n'),
      td(s.dir ? fileLink(s.dir) : ''),
    ]),
  )}</section>`;
}

function profilingSection(r: RunReport): string {
  const parts: string[] = [];
  if (r.profiling) {
    parts.push(
      '<h3>Profiling: one engine per (model, MIG profile)</h3>',
      table(
        ['model', 'profile', 'gpu', 'KV cache GB', 'restart s', 'cache', 'artifacts'],
        r.profiling.map((p) => [
          td(e(p.model)),
          td(e(p.profile)),
          td(`gpu-${p.gpu}`),
          td(num(p.kvCacheGb, 2), 'n'),
          td(num(p.restartTimeS, 1), 'n'),
          td(p.hit ? 'hit' : 'ran'),
          td(fileLink(p.dir)),
        ]),
      ),
    );
  }
  if (r.fit) {
    parts.push(
      `<h3>Fits: TTFT = α + β·input_tokens, ITL = α + β·N</h3><p>Written into ${fileLink(r.fit.file, r.fit.file)}${r.fit.changed ? '' : ' (already up to date)'}.</p>`,
      table(
        ['model', 'profile', 'prefill α', 'β', 'σ', 'r²', 'TPOT α', 'β', 'σ', 'r²'],
        r.fit.rows.map((f) => [
          td(e(f.model)),
          td(e(f.profile)),
          ...[f.prefill, f.tpot].flatMap((p) => [
            td(num(p.alpha, 4), 'n'),
            td(num(p.beta, 6), 'n'),
            td(num(p.sigma, 4), 'n'),
            td(num(p.r_squared, 3), 'n'),
          ]),
        ]),
      ),
      r.fit.power?.length
        ? `<p>Power (nvidia-smi power.draw during the sweeps):</p><ul>${r.fit.power.map((l) => `<li>${e(l)}</li>`).join('')}</ul>`
        : '',
      `<div class="figs">${r.fit.rows
        .flatMap((f) =>
          f.plots.map(
            (p) =>
              `<figure><img src="${p.dataUri}" alt="${e(`${f.model} ${f.profile} ${p.name}`)}"><figcaption>${e(`${f.model} ${f.profile}: ${p.name}`)}</figcaption></figure>`,
          ),
        )
        .join('')}</div>`,
    );
  }
  return parts.length ? `<section id="profiling"><h2>Profiling and fit</h2>${parts.join('')}</section>` : '';
}

function trialsSection(r: RunReport): string {
  if (!r.trials) return '';
  const search = r.search;
  const indexed = r.trials.map((t, index) => ({ ...t, index }));
  const rankedBy = r.trialsRankedBy ?? 'mean_episode_reward';
  const rewards = rewardColumns(indexed, rankedBy);
  const note = rankingNote(indexed, rankedBy);
  const rows = r.trials.map((t, index) => [
    td(`${t.best ? '★ ' : ''}${e(t.label)}`, t.best ? 'best' : ''),
    td(`<code>${e(t.trialKey)}</code>`),
    td(
      e(
        t.status +
          (t.status === 'pruned' && t.steps !== undefined ? ` at ${t.steps} steps` : '') +
          (t.hit ? ' (cache hit)' : ''),
      ),
      `st-${t.status}`,
    ),
    ...(search
      ? [
          td(
            e(
              Object.entries(t.rungs ?? {})
                .map(([rung, v]) => `${rung}: ${num(v, 2)}`)
                .join(', '),
            ),
          ),
        ]
      : []),
    td(t.gpu === undefined ? '' : `gpu-${t.gpu}`),
    ...rewards.cells({ ...t, index }, (x) => num(x)).map((c) => td(c || '–', 'n')),
    td(t.bestCheckpoint ? fileLink(t.bestCheckpoint) : e(t.error ?? '')),
  ]);
  const chart = lineChart(
    r.trials
      .filter((t) => t.curve.length > 0)
      .map((t) => ({
        name: t.label,
        highlight: t.best,
        points: t.curve.map((p) => [p.steps, p.meanReward] as const),
      })),
    {
      title: 'Learning curves: mean episode reward (last 100 episodes)',
      xLabel: 'env steps',
      yLabel: 'ep_rew_mean',
    },
  );
  const n = `${r.trials.length} trial${r.trials.length === 1 ? '' : 's'}`;
  const heading = search
    ? `<h2>Search study ${e(search.study)}: ${n}</h2><p>${e(search.sampler)} sampler, ${e(search.pruner)}, ${search.maxSteps} env steps per trial, budget ${search.budget} trials. Study file: ${fileLink(search.studyFile)}</p>`
    : `<h2>Grid search: ${n}</h2>`;
  return `<section id="trials">${heading}${table(
    [
      'trial (its parameters)',
      'id',
      'status',
      ...(search ? ['rung values'] : []),
      'gpu',
      ...rewards.header,
      'best checkpoint / error',
    ],
    rows,
    'trials',
  )}${note ? `<p class="sub">${e(note)}</p>` : ''}${chart}${r.tensorboard ? `<p>TensorBoard (scalars, HParams tab comparing the trials): <code>tensorboard --logdir ${e(r.tensorboard)}</code></p>` : ''}</section>`;
}

function policyBars(
  policies: readonly ReportPolicy[],
  title: string,
  unit: string,
  value: (p: ReportPolicy) => number,
  scale: 'linear' | 'log' | 'symlog' = 'linear',
): string {
  return barChart(
    policies.map((p) => ({ label: p.name, value: value(p), highlight: p.kind === 'rl' })),
    { title, unit, log: scale === 'log', symlog: scale === 'symlog' },
  );
}

function benchSection(r: RunReport): string {
  if (!r.bench) return '';
  const ps = r.bench.policies;
  const rows: string[][] = [];
  for (const p of ps) {
    const energy = p.entry.energy;
    p.entry.agents.forEach((a, i) => {
      const span = (x: string) =>
        i === 0 ? `<td rowspan="${p.entry.agents.length}" class="n">${x}</td>` : '';
      const agentEnergy = energy?.agents.find((x) => x.agent === a.agent);
      rows.push([
        i === 0
          ? `<td rowspan="${p.entry.agents.length}" class="${p.kind}">${e(p.name)}${p.name !== p.policy ? `<div class="sub">${e(p.policy)}</div>` : ''}</td>`
          : '',
        i === 0 ? `<td rowspan="${p.entry.agents.length}" class="n">${num(p.entry.reward?.total)}</td>` : '',
        td(e(a.agent)),
        td(String(a.completedRequests), 'n'),
        td(num(a.meanTtftS), 'n'),
        td(num(a.ttftPercentilesS[1]), 'n'),
        td(num(a.ttftPercentilesS[3]), 'n'),
        td(num(a.tpotQuartilesS[1], 4), 'n'),
        td(num(a.avgWaitingQueue), 'n'),
        td(`${a.splitCount}/${a.mergeCount}/${a.transferCount}`, 'n'),
        span(energy ? num(energy.totalJ / 1000) : '–'),
        span(energy ? num(energy.edpJs) : '–'),
        td(agentEnergy ? num(agentEnergy.energyJ / 1000) : '–', 'n'),
      ]);
    });
  }
  const agents = [...new Set(ps.flatMap((p) => p.entry.agents.map((a) => a.agent)))];
  const perAgent = (
    title: string,
    unit: string,
    pick: (a: ReportPolicy['entry']['agents'][number]) => number,
    scale: 'linear' | 'log',
  ) =>
    agents.map((agent) =>
      policyBars(
        ps,
        `${title} — ${agent}`,
        unit,
        (p) => {
          const a = p.entry.agents.find((x) => x.agent === agent);
          return a ? pick(a) : Number.NaN;
        },
        scale,
      ),
    );
  const charts = [
    policyBars(
      ps,
      'Bench reward (higher is better)',
      '',
      (p) => p.entry.reward?.total ?? Number.NaN,
      'symlog',
    ),
    policyBars(ps, 'Mean TTFT, all agents', 's', (p) => meanTtft(p.entry), 'log'),
    ...perAgent('TTFT P50', 's', (a) => a.ttftPercentilesS[1] ?? Number.NaN, 'log'),
    ...perAgent('TTFT P99', 's', (a) => a.ttftPercentilesS[3] ?? Number.NaN, 'log'),
    ...perAgent('TPOT P50', 's', (a) => a.tpotQuartilesS[1] ?? Number.NaN, 'linear'),
    policyBars(ps, 'Reconfigurations (split + merge + transfer)', '', (p) => reconfigurations(p.entry)),
    ...(ps.some((p) => p.entry.energy)
      ? [
          policyBars(ps, 'Cluster energy (lower is better)', 'kJ', (p) =>
            p.entry.energy ? p.entry.energy.totalJ / 1000 : Number.NaN,
          ),
          policyBars(
            ps,
            'Energy-delay product (lower is better)',
            'J·s',
            (p) => p.entry.energy?.edpJs ?? Number.NaN,
            'log',
          ),
        ]
      : []),
  ];
  return `<section id="bench"><h2>Simulated benchmark</h2><p>${r.bench.totalRequests} requests on one shared trace, ${r.bench.steps} decisions per policy. TTFT/TPOT in seconds; S/M/T = splits/merges/transfers; energy under the simulation config's power model (cluster kJ, energy-delay product J·s, each agent's kJ above idle). RL policies are named by their trial's parameters.</p>${
    r.bench.start ? `<p id="bench-start">Start rule: ${e(startRuleText(r.bench.start))}</p>` : ''
  }${table(
    [
      'policy',
      'reward',
      'agent',
      'done',
      'TTFT mean',
      'TTFT P50',
      'TTFT P99',
      'TPOT P50',
      'avg queue',
      'S/M/T',
      'energy kJ',
      'EDP J·s',
      'agent kJ',
    ],
    rows,
    'bench',
  )}<div class="charts">${charts.join('')}</div></section>`;
}

const score = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/** The suite: per task every policy's figures and scores, then policy × task (reward score / P99 score). */
function suiteSection(r: RunReport): string {
  const tasks = r.suite?.tasks;
  if (!tasks?.length) return '';
  const perTask = tasks.map((t) => {
    const winners = adaptiveWinners(t);
    const rows = t.policies.map((p) => [
      td(e(p.policy), winners.includes(p.policy) ? 'best' : ''),
      td(num(p.reward, 1), 'n'),
      ...t.agents.map((_, i) => td(num(p.meanTtftS[i], 2), 'n')),
      td(num(p.worstP99TtftS, 1), 'n'),
      td(score(p.rewardScore), 'n'),
      td(score(p.p99Score), 'n'),
    ]);
    return `<h3 id="task-${e(t.task)}">Task ${e(t.task)}</h3><p>${e(t.description)}</p>${table(
      [
        'policy',
        'reward',
        ...t.agents.map((a) => `mean TTFT ${a.replace(/Agent$/, '')} s`),
        'P99 TTFT worse agent s',
        'score: reward',
        'score: P99',
      ],
      rows,
      'suite-task',
    )}${t.notes.map((n) => `<p class="sub">note: ${e(n)}</p>`).join('')}`;
  });
  const policies: string[] = [];
  for (const t of tasks)
    for (const p of t.policies) if (!policies.includes(p.policy)) policies.push(p.policy);
  const matrix = table(
    ['policy', ...tasks.map((t) => t.task)],
    policies.map((policy) => [
      td(e(policy)),
      ...tasks.map((t) => {
        const p = t.policies.find((x) => x.policy === policy);
        return td(p ? `${score(p.rewardScore)} / ${score(p.p99Score)}` : 'not run', 'n');
      }),
    ]),
    'suite',
  );
  return `<section id="suite"><h2>Task suite</h2><p>Normalised scores per task (reward / P99 TTFT of the worse-served agent): 0 = heuristic, 1 = best policy of the run, below 0 worse than the heuristic; — = no scale (see the task's note). Highlighted: adaptive policies that beat every static layout on mean TTFT for every agent.</p>${matrix}${perTask.join('')}</section>`;
}

function validationSection(r: RunReport): string {
  const v = r.validation;
  if (!v) return '';
  const value = (metric: string, x: number) =>
    metric === 'throughput' ? `${num(x, 1)} tok/s` : `${num(x * 1000, 1)} ms`;
  const rows = v.agents.flatMap((a) =>
    a.metrics.map((m, i) => [
      i === 0
        ? `<td rowspan="${a.metrics.length}" class="${a.pass ? 'pass' : 'fail'}">${e(a.agent)}</td>`
        : '',
      td(e(m.metric.replace('_', ' ').toUpperCase())),
      td(value(m.metric, m.sim), 'n'),
      td(value(m.metric, m.engine), 'n'),
      td(`${num(100 * m.error, 1)} %`, 'n'),
      td(m.interval === null ? '–' : `${num(100 * m.interval[0], 1)}–${num(100 * m.interval[1], 1)} %`, 'n'),
      td(m.threshold === null ? '–' : `${num(100 * m.threshold, 0)} %`, 'n'),
      td(
        m.verdict === 'fail' ? 'FAIL' : m.verdict,
        m.verdict === 'inconclusive' ? 'unsettled' : m.pass ? 'pass' : 'fail',
      ),
    ]),
  );
  return `<section id="validation"><h2>Simulator vs engine: <span class="${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'}</span></h2><p>The validate trace replayed through the fitted simulator and a live engine; relative error per metric (simulator averaged over noise seeds) with its ${v.confidence === null ? '' : `${num(100 * v.confidence, 0)} % `}bootstrap interval of the engine's sampling error; FAIL only where the whole interval lies above the threshold, inconclusive where it straddles it. Report: ${fileLink(v.dir)}</p>${table(
    ['agent', 'metric', 'simulator', 'engine', 'error', 'interval', 'threshold', 'verdict'],
    rows,
    'validation',
  )}</section>`;
}

/** The deployment's measured energy: per agent J, Wh and EDP, per board, and all boards. */
function deployEnergy(en: NonNullable<RunReport['deploy']>['energy']): string {
  if (!en) return '';
  const n = (x: number, d: number) => td(x.toFixed(d), 'n');
  return `<h3>Energy</h3><p>${e(en.note)}.</p>${
    en.measured
      ? table(
          ['agent', 'energy (J)', 'energy (Wh)', 'mean latency (s)', 'EDP (J·s)'],
          [
            ...en.agents.map((a) => [
              td(e(a.agent)),
              n(a.energyJ, 1),
              n(a.energyWh, 4),
              n(a.meanLatencyS, 3),
              n(a.edpJs, 1),
            ]),
            ...en.gpus.map((g) => [
              td(`GPU ${g.gpu} board`),
              n(g.energyJ, 1),
              n(g.energyWh, 4),
              td(''),
              td(''),
            ]),
            [
              td('all boards'),
              n(en.boardEnergyJ, 1),
              n(en.boardEnergyJ / 3600, 4),
              n(en.meanLatencyS, 3),
              n(en.edpJs, 1),
            ],
          ],
          'deploy-energy',
        ) + deployEnergyPhases(en)
      : ''
  }`;
}

/** Set-up, each window, teardown: what the deployment's energy is the sum of, and where it was cut short. */
function deployEnergyPhases(en: NonNullable<NonNullable<RunReport['deploy']>['energy']>): string {
  // Reports written before the phases were metered have none.
  if (!en.phases?.length) return '';
  const n = (x: number, d: number) => td(x.toFixed(d), 'n');
  return `${table(
    ['phase', 'metered (s)', 'energy (J)', 'ended'],
    [
      ...en.phases.map((p) => [
        td(p.phase === 'window' ? `window ${p.window}` : p.phase),
        n(p.meteredS, 1),
        n(p.energyJ, 1),
        td(e(p.complete ? 'complete' : `cut short: ${p.endedBy ?? ''}`)),
      ]),
      [td('all phases'), n(en.meteredS, 1), n(en.boardEnergyJ, 1), td(en.partial ? 'PARTIAL' : '')],
    ],
    'deploy-energy-phases',
  )}${en.notes?.length ? `<p>${en.notes.map(e).join('<br>')}</p>` : ''}`;
}

function deploySection(r: RunReport): string {
  const d = r.deploy;
  if (!d) return '';
  const q = d.requests;
  return `<section id="deploy"><h2>Deployment ${e(d.deploymentId)}</h2><p>Policy ${e(d.policy)}, ${d.windows} decision window${d.windows === 1 ? '' : 's'}: ${q.completed} of ${q.planned} requests completed, ${q.failed} failed, ${q.cancelled} cancelled; ${d.actions.length} reconfiguration${d.actions.length === 1 ? '' : 's'}, ${d.faults} fault${d.faults === 1 ? '' : 's'} handled.</p>${
    d.actions.length
      ? table(
          ['action', 'details', 'status'],
          d.actions.map((a) => [td(e(a.kind)), td(e(a.details)), td(e(a.status))]),
        )
      : ''
  }${deployEnergy(d.energy)}<p>${d.reportFiles.map((f) => fileLink(f, f.split('/').slice(-2).join('/'))).join(' · ')}</p></section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#666;font-size:12px}.answer{background:#f3f8ff;border-left:4px solid #1f77b4;padding:8px 14px;margin:14px 0}
.answer li{margin:3px 0}table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:3px 8px;vertical-align:top}
th{background:#f5f5f5;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}td.best{font-weight:600;color:#b35900}
td.rl{font-weight:600;color:#b35900}.sub{font-weight:normal;color:#888;font-size:11px}code{font-size:12px}
.pass{color:#2ca02c;font-weight:600}.fail{color:#d62728;font-weight:600}.unsettled{color:#b35900}.st-hit{color:#2ca02c}.st-ran{color:#1f77b4}.st-skipped{color:#999}.st-pruned{color:#b35900}.st-failed{color:#d62728}a.path{font-family:monospace;font-size:12px}
.charts,.figs{display:flex;flex-wrap:wrap;gap:12px}.figs img{max-width:380px;border:1px solid #eee}figure{margin:0}
.chart{background:#fff;border:1px solid #eee}.chart .ct{font-size:13px;font-weight:600}.chart .cl{font-size:11px;fill:#444}
.chart .grid{stroke:#eee}.chart .axis{stroke:#888}.chart .marker{stroke:#d62728;stroke-dasharray:3 3}
figcaption{font-size:12px}.lg{margin-right:12px;white-space:nowrap}.lg i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
`;

export function renderRunReportHtml(r: RunReport): string {
  const answer = r.headline.length
    ? `<div class="answer" id="answer"><ul>${r.headline.map((l) => `<li>${e(l)}</li>`).join('')}</ul></div>`
    : '';
  const links = r.links.length
    ? `<section id="links"><h2>Temporal Web UI</h2><ul>${r.links.map((l) => `<li><a href="${e(l.href)}">${e(l.label)}</a></li>`).join('')}</ul></section>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(r.title)}</title><style>${CSS}</style></head>
<body><h1>${e(r.title)}</h1><div class="meta">run ${e(r.runId)}${r.task ? ` · task <b id="task">${e(r.task)}</b>` : ''} · generated ${e(r.generatedAt)} · ${e(r.format)} (the same data: report.json beside this file)</div>
${answer}${stagesSection(r)}${trialsSection(r)}${validationSection(r)}${benchSection(r)}${suiteSection(r)}${deploySection(r)}${profilingSection(r)}${links}
</body></html>
`;
}

/** report.json and report.html in `dir`, each written atomically; returns their paths (html first). */
export function writeRunReport(dir: string, report: RunReport): { html: string; json: string } {
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(html, renderRunReportHtml(report));
  return { html, json };
}

/** `pipeline/2026-12-06T14-00-00-000Z` → a folder name (`pipeline-2026-12-06T14-00-00-000Z`). */
export function reportFolderName(runId: string): string {
  return (
    runId
      .replace(/[^a-zA-Z0-9_.-]+/g, '-')
      .replace(/^[-.]+/, '')
      .slice(0, 120) || 'run'
  );
}
