/** Test-side reader of TensorBoard event files: TFRecord frames (both CRCs checked) and each Event's scalar. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { crc32c } from '../../../core/stages/train/tensorboard-events.js';

/** Reads back TFRecord frames (checking both CRCs) and each Event's step and scalar, the way TensorBoard does. */
export function readScalars(file: string): { tag: string; value: number; step: number }[] {
  const buf = readFileSync(file);
  const masked = (b: Buffer) => {
    const c = crc32c(b);
    return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
  };
  const out: { tag: string; value: number; step: number }[] = [];
  let at = 0;
  while (at < buf.length) {
    const len = Number(buf.readBigUInt64LE(at));
    expect(buf.readUInt32LE(at + 8)).toBe(masked(buf.subarray(at, at + 8)));
    const payload = buf.subarray(at + 12, at + 12 + len);
    expect(buf.readUInt32LE(at + 12 + len)).toBe(masked(payload));
    at += 16 + len;
    // Event: 0x09 wall_time (8 bytes), optional 0x10 step (varint), then 0x1a file_version or 0x2a summary.
    let p = 9;
    let step = 0;
    if (payload[p] === 0x10) {
      p++;
      let shift = 0;
      for (;;) {
        const b = payload[p++]!;
        step += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
    }
    if (payload[p] !== 0x2a) continue;
    // Summary(len) → Value(len) → tag (0x0a len bytes) → simple_value (0x15 float); lengths are varints, and
    // values of other kinds (the HParams plugin's session start/end) are skipped.
    const varint = (): number => {
      let n = 0;
      let shift = 0;
      for (;;) {
        const b = payload[p++]!;
        n += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) return n;
      }
    };
    p++;
    varint();
    if (payload[p++] !== 0x0a) continue;
    varint();
    if (payload[p++] !== 0x0a) continue;
    const tagLen = varint();
    const tag = payload.subarray(p, p + tagLen).toString('utf8');
    p += tagLen;
    if (payload[p] !== 0x15) continue;
    const value = payload.readFloatLE(p + 1);
    out.push({ tag, value, step });
  }
  return out;
}
