/**
 * Figure rendering, offline: a Vega-Lite spec is compiled to Vega, laid out headless to SVG, and rasterised to PNG
 * by resvg with the DejaVu fonts shipped in the `dejavu-fonts-ttf` package. No browser, no canvas, no system fonts
 * needed, so figures look the same on a fresh CI machine as on a workstation.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/index.js';

export type VegaLiteSpec = TopLevelSpec;

export interface RenderOptions {
  /** Pixel width of the PNG; the SVG is scaled to it (default: the spec's own size, ×2 for legibility). */
  readonly widthPx?: number;
}

const FONT_FAMILY = 'DejaVu Sans';

let fontFiles: string[] | undefined;
function dejavuFontFiles(): string[] {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((f) => join(dir, f));
  }
  return fontFiles;
}

/** Spec defaults every migflow figure shares: white background, one font (the one resvg is given). */
function withDefaults(spec: VegaLiteSpec): VegaLiteSpec {
  const config = (spec as { config?: Record<string, unknown> }).config ?? {};
  return {
    background: 'white',
    ...spec,
    config: { font: FONT_FAMILY, ...config },
  } as VegaLiteSpec;
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderVegaLiteSvg(spec: VegaLiteSpec): Promise<string> {
  const vgSpec = compile(withDefaults(spec)).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to PNG bytes. */
export async function renderVegaLitePngBytes(
  spec: VegaLiteSpec,
  options: RenderOptions = {},
): Promise<Uint8Array> {
  const svg = await renderVegaLiteSvg(spec);
  const resvg = new Resvg(svg, {
    fitTo: options.widthPx ? { mode: 'width', value: options.widthPx } : { mode: 'zoom', value: 2 },
    font: { fontFiles: dejavuFontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Renders a Vega-Lite spec to a PNG file, atomically (readers never see half a figure). */
export async function renderVegaLitePng(
  spec: VegaLiteSpec,
  outPath: string,
  options: RenderOptions = {},
): Promise<void> {
  writeFileAtomic(outPath, await renderVegaLitePngBytes(spec, options));
}
