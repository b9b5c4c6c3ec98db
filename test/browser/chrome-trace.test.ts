/**
 * The Chrome trace of `migflow sim run --chrome-trace` opened in Debian's Chromium through a small Trace Event
 * Format viewer (test/fixtures/chrome-trace/viewer.html: Chromium 156 no longer ships chrome://tracing, and
 * Perfetto UI cannot be served offline). The trace file is loaded as a user loads one (the page's file input); the
 * viewer pairs the async slices, names the tracks from the metadata and draws them, with no console error. A trace
 * with one slice left open is rejected, so the check can fail.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimEpisode } from '../../cli/commands/sim-run.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import type { TraceEvent } from '../../core/sim/index.js';
import { useChromium, watchPageProblems } from '../helpers/chromium.js';

const VIEWER = join(PROJECT_ROOT, 'test', 'fixtures', 'chrome-trace', 'viewer.html');
const SHOTS = join(PROJECT_ROOT, 'test-results');
const browser = useChromium();
const tmp = mkdtempSync(join(tmpdir(), 'migflow-chrome-trace-browser-'));

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
});

interface ViewerStats {
  events: number;
  tracks: { name: string; kind: 'thread' | 'counter'; slices: number; instants: number; samples: number }[];
  durationUs: number;
}

/** Opens the viewer, loads `file` through its file input, and returns what it drew and every console error. */
async function loadInViewer(file: string): Promise<{ page: Page; problems: string[]; status: string }> {
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPageProblems(page);
  await page.goto(`file://${VIEWER}`, { waitUntil: 'load' });
  await page.locator('#file').setInputFiles(file);
  // A string: the test is type-checked without the DOM's types.
  await page.waitForFunction("document.getElementById('status').textContent !== 'no trace loaded'");
  const status = (await page.locator('#status').textContent()) ?? '';
  return { page, problems, status };
}

describe('Chrome trace in Chromium', () => {
  const file = join(tmp, 'episode.json');
  const episode = runSimEpisode({
    config: join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'),
    trainingConfig: join(PROJECT_ROOT, 'configs', 'training_config.yaml'),
    policy: 'random',
    seed: 4,
    steps: 40,
    syntheticTokens: true,
    chromeTrace: file,
  });
  const events = (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents;

  it('loads the trace, one track per engine, agent queue and the decisions, every slice and counter drawn', async () => {
    const { page, problems, status } = await loadInViewer(file);
    expect(problems).toEqual([]);
    const stats = JSON.parse((await page.locator('#stats').textContent()) ?? '') as ViewerStats;
    expect(stats.events).toBe(events.length);
    expect(status).toBe(`loaded ${events.length} events on ${stats.tracks.length} tracks`);
    const track = (name: string) => stats.tracks.find((t) => t.name === name);

    // The decisions: one instant per trigger (reset's, then one per step).
    expect(track('decisions / resource manager')?.instants).toBe(episode.steps + 1);
    // Each agent: its waiting queue as a counter (every sample drawn), its reconfiguration downtime as slices.
    for (const [i, agent] of ['CodingAgent', 'RAGAgent'].entries()) {
      const samples = events.filter((e) => e.ph === 'C' && e.pid === 1000 + i).length;
      expect(samples).toBeGreaterThan(0);
      expect(track(`${agent} / waiting requests`)).toMatchObject({ kind: 'counter', samples });
    }
    const downtime = stats.tracks.filter((t) => t.name.endsWith(' / reconfiguration downtime'));
    expect(downtime.reduce((s, t) => s + t.slices, 0)).toBe(events.filter((e) => e.ph === 'X').length);
    expect(downtime.reduce((s, t) => s + t.slices, 0)).toBeGreaterThan(0);
    // The engines: threads under a GPU process, named after their engine, MIG profile and agent; every async
    // request / prefill / decode slice paired and drawn there.
    const engines = stats.tracks.filter((t) =>
      /^GPU \d+ \(.+\) \/ .+ \((CodingAgent|RAGAgent)\)$/.test(t.name),
    );
    expect(engines.length).toBeGreaterThanOrEqual(2);
    expect(engines.reduce((s, t) => s + t.slices, 0)).toBe(events.filter((e) => e.ph === 'b').length);
    expect(engines.reduce((s, t) => s + t.instants, 0)).toBe(
      events.filter((e) => e.ph === 'i' && e.name !== 'decision').length,
    );
    // Drawn: a rectangle per slice, a polyline per counter track, a labelled group per track.
    const rects = await page.locator('#view rect.slice').count();
    expect(rects).toBe(stats.tracks.reduce((s, t) => s + t.slices, 0));
    expect(await page.locator('#view polyline.counter').count()).toBe(2);
    expect(await page.locator('#view g[data-track]').count()).toBe(stats.tracks.length);
    expect(await page.locator('#view rect.slice.prefill').count()).toBe(
      events.filter((e) => e.ph === 'b' && e.name === 'prefill').length,
    );
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'chrome-trace.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('rejects a trace with a slice left open (the viewer check can fail)', async () => {
    const broken = join(tmp, 'broken.json');
    const i = events.findIndex((e) => e.ph === 'e' && e.name === 'decode');
    writeFileSync(broken, JSON.stringify({ traceEvents: events.filter((_, j) => j !== i) }));
    const { page, problems } = await loadInViewer(broken);
    expect(problems.some((p) => /never ended|does not close/.test(p))).toBe(true);
    await page.close();
  }, 60_000);
});
