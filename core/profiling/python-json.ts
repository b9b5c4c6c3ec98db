/**
 * JSON text as Python's `json.dump(obj, f, indent=4)` writes it for flat parameter files, so a migflow -param.json
 * reads the same as the reference's: floats in `repr` form (shortest round-trip digits, exponent outside
 * 1e-4 ≤ |v| < 1e16, always a `.0` or exponent), ints as ints. Non-finite floats become null (Python would write
 * a bare NaN, which no JSON parser accepts).
 */

/** Python's `repr(float)`. */
export function pythonFloatRepr(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`pythonFloatRepr: ${v} is not finite`);
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || '0'}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${m}e${e}`;
}

/** A value in a parameter file: a float (written in repr form), an int, or a string. */
export type PyValue = { float: number } | { int: number } | string;

/** `json.dump(params, f, indent=4)` for a flat object, keys in the given order. */
export function pythonJsonFlat(entries: readonly (readonly [string, PyValue])[]): string {
  const body = entries.map(([k, v]) => {
    let text: string;
    if (typeof v === 'string') text = JSON.stringify(v);
    else if ('int' in v) text = String(v.int);
    else text = Number.isFinite(v.float) ? pythonFloatRepr(v.float) : 'null';
    return `    ${JSON.stringify(k)}: ${text}`;
  });
  return `{\n${body.join(',\n')}\n}`;
}
