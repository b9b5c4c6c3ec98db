/**
 * Results carry their tables as GitHub Markdown (the Web UI's current details, the CLI and the run report show
 * them): one writer, so every table has the same layout.
 */

/** A Markdown table: the header row, the separator, then one row per entry (cells as given, joined by ` | `). */
export function markdownTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
