import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderVegaLitePng, renderVegaLiteSvg, type VegaLiteSpec } from '../../../core/plot/index.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const lineSpec: VegaLiteSpec = {
  width: 300,
  height: 150,
  title: 'episode reward',
  data: { values: [0, 1, 2, 3, 4].map((step) => ({ step, reward: step * step })) },
  mark: 'line',
  encoding: {
    x: { field: 'step', type: 'quantitative' },
    y: { field: 'reward', type: 'quantitative' },
  },
};

describe('core/plot', () => {
  it('lays a Vega-Lite chart out as SVG with its title, axes and line', async () => {
    const svg = await renderVegaLiteSvg(lineSpec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('episode reward');
    expect(svg).toContain('DejaVu Sans');
    expect(svg).toMatch(/<path[^>]+d="M/);
  });

  it('writes a PNG of twice the chart size with non-white pixels (text and line drawn)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'migflow-plot-')), 'figs', 'curve.png');
    await renderVegaLitePng(lineSpec, out);
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // The chart is 300×150 plus axes and title, rendered at zoom 2.
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(300);
  });

  it('scales to a requested pixel width', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'migflow-plot-')), 'w.png');
    await renderVegaLitePng(lineSpec, out, { widthPx: 400 });
    expect(readFileSync(out).readUInt32BE(16)).toBe(400);
  });
});
