/**
 * The reference builds ids and prompts with Python f-strings, so a null id renders as "None" and a boolean as
 * "True". This reproduces `str(x)` for the JSON scalars a raw row can hold; anything else has no faithful
 * rendering and is reported as malformed by the caller.
 */
export function pythonStr(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}
