/**
 * Figures as data: callers build a Vega-Lite spec (training curves, profiling fits, benchmark timelines) and this
 * module turns it into an SVG or a PNG file. No domain logic lives here.
 *
 * ```ts
 * await renderVegaLitePng({ data: { values: rows }, mark: 'line', encoding: { x: { field: 'step' }, … } }, 'curve.png');
 * ```
 */
export {
  type RenderOptions,
  renderVegaLitePng,
  renderVegaLitePngBytes,
  renderVegaLiteSvg,
  type VegaLiteSpec,
} from './render.js';
