/** Plain-text tables for terminal output. */
export function formatTable(
  head: string[],
  rows: string[][],
  rightAlign: ReadonlySet<number> = new Set(),
): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(head), rule, ...rows.map(fmt)].join('\n');
}
