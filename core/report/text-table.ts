/**
 * Box-drawn text tables in the shape of tabulate's `fancy_outline` (the reference's result files): a double
 * rule under the header, no rules between rows, cells that span several lines, and optional light separator
 * rows (the workload summary puts one between agents).
 */

export type TableRow = readonly string[] | 'separator';

export interface TableOptions {
  /** Right-align body cells (the token tables); default left. */
  readonly alignRight?: boolean;
}

export function fancyOutline(
  headers: readonly string[],
  rows: readonly TableRow[],
  o: TableOptions = {},
): string {
  const n = headers.length;
  const widths = headers.map((h, i) =>
    Math.max(
      h.length,
      ...rows.map((r) =>
        r === 'separator' ? 0 : Math.max(...(r[i] ?? '').split('\n').map((l) => l.length)),
      ),
    ),
  );
  const rule = (l: string, m: string, r: string, f: string) =>
    l + widths.map((w) => f.repeat(w + 2)).join(m) + r;
  const center = (s: string, w: number) => {
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const line = (cells: readonly string[], align: (s: string, w: number) => string) =>
    `│ ${cells.map((c, i) => align(c, widths[i]!)).join(' │ ')} │`;
  const body = (s: string, w: number) => (o.alignRight ? s.padStart(w) : s.padEnd(w));
  const out = [rule('╒', '╤', '╕', '═'), line(headers, center), rule('╞', '╪', '╡', '═')];
  for (const r of rows) {
    if (r === 'separator') {
      out.push(rule('├', '┼', '┤', '─'));
      continue;
    }
    const split = Array.from({ length: n }, (_, i) => (r[i] ?? '').split('\n'));
    const height = Math.max(...split.map((s) => s.length));
    for (let k = 0; k < height; k++)
      out.push(
        line(
          split.map((s) => s[k] ?? ''),
          body,
        ),
      );
  }
  out.push(rule('╘', '╧', '╛', '═'));
  return out.join('\n');
}
