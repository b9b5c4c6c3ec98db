import { type PipelineResult, rankingNote, rewardColumns } from '../../contracts/index.js';
import { comparisonTable } from '../../core/bench/index.js';
import { reportPolicies, reportTrials, trialsRankedBy } from '../../core/report/index.js';
import { datasetTable } from './dataset-workflow.js';
import { formatTable } from './table.js';

export function pipelineReport(result: PipelineResult): string {
  const stages = formatTable(
    ['stage', 'cache', 'took'],
    result.stages.map((s) => [s.stage, s.status, `${(s.durationMs / 1000).toFixed(1)} s`]),
    new Set([2]),
  );
  const parts = [stages];
  if (result.datasets) parts.push('', datasetTable(result.datasets));
  if (result.profiling) {
    parts.push(
      '',
      'Profiling (one engine per (model, MIG profile), on its GPU worker):',
      formatTable(
        ['model', 'profile', 'gpu', 'KV cache GB', 'restart s', 'cache'],
        result.profiling.profiles.map((p) => [
          p.model,
          p.profile,
          `gpu-${p.gpu}`,
          p.kvCacheGb.toFixed(2),
          p.restartTimeS.toFixed(1),
          p.hit ? 'hit' : 'ran',
        ]),
        new Set([3, 4]),
      ),
    );
  }
  if (result.fit) {
    const g = (x: number) => x.toPrecision(4);
    parts.push(
      '',
      `Fits (TTFT = α + β·input_tokens, ITL = α + β·N), written into ${result.fit.writeBack.file}${result.fit.writeBack.changed ? '' : ' (already up to date)'}:`,
      formatTable(
        ['model', 'profile', 'prefill α', 'β', 'σ', 'r²', 'tpot α', 'β', 'σ', 'r²'],
        result.fit.fits.map((f) => [
          f.model,
          f.profile,
          g(f.prefill.alpha),
          g(f.prefill.beta),
          g(f.prefill.sigma),
          f.prefill.r_squared === null ? '-' : f.prefill.r_squared.toFixed(3),
          g(f.tpot.alpha),
          g(f.tpot.beta),
          g(f.tpot.sigma),
          f.tpot.r_squared === null ? '-' : f.tpot.r_squared.toFixed(3),
        ]),
      ),
      ...(result.fit.writeBack.power ?? []).map((l) => `Power: ${l}`),
    );
  }
  if (result.train) {
    const trials = reportTrials(result.train.trials);
    const indexed = trials.map((t, index) => ({ ...t, index }));
    const rankedBy = trialsRankedBy(trials);
    const rewards = rewardColumns(indexed, rankedBy);
    const note = rankingNote(indexed, rankedBy);
    parts.push(
      '',
      `Grid search: ${result.train.completed} of ${result.train.total} trials completed${result.train.failed ? `, ${result.train.failed} failed` : ''}`,
      formatTable(
        ['trial', 'id', 'gpu', ...rewards.header, 'best checkpoint', 'cache'],
        trials.map((t, index) => [
          `${t.best ? '* ' : ''}${t.label}`,
          t.trialKey,
          t.gpu === undefined ? '-' : `gpu-${t.gpu}`,
          ...(t.status === 'completed'
            ? rewards.cells({ ...t, index }, (x) => x.toFixed(3)).map((c) => c || '-')
            : rewards.header.map(() => t.status)),
          t.bestCheckpoint ? t.bestCheckpoint.split('/').slice(-3).join('/') : (t.error ?? '-'),
          t.hit ? 'hit' : t.status === 'completed' ? 'ran' : '-',
        ]),
        new Set(rewards.header.map((_, i) => 3 + i)),
      ),
      ...(note ? [note] : []),
    );
  }
  if (result.bench) {
    const first = result.bench.results[0];
    // RL rows carry their trial's parameters instead of the checkpoint's cache hash.
    const named = reportPolicies(result.bench.results, result.train ? reportTrials(result.train.trials) : []);
    parts.push(
      '',
      `Simulated benchmark: ${first?.totalRequests ?? 0} requests on one shared trace, ${first?.entry.steps ?? 0} decisions per policy`,
      comparisonTable(named.map((p) => ({ ...p.entry, policy: p.name }))),
    );
  }
  return parts.join('\n');
}
