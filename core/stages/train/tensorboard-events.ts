/**
 * TensorBoard scalar event files, so `tensorboard --logdir <run>/tensorboard` shows what SB3 would log
 * (`rollout/ep_rew_mean`, `train/value_loss`, `time/fps`, …) and the HParams tab can compare a grid's trials. No
 * maintained npm package writes them without @tensorflow/tfjs-node (a native build that cannot install offline),
 * and the format is small: a TFRecord stream (length, masked CRC-32C of the length, payload, masked CRC-32C of the
 * payload) of `tensorflow.Event` protobuf messages, the first carrying `file_version: "brain.Event:2"`, the others
 * a `Summary` with one simple_value, or the HParams plugin's session start/end (what tensorboard's
 * `hparams_pb` writes: `_hparams_/session_start_info` with the trial's values, `_hparams_/session_end_info`).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord frames use it.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs do not degenerate. */
function maskedCrc(data: Uint8Array): number {
  const c = crc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord frame around `payload`. */
export function tfRecord(payload: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(payload.length));
  const lenCrc = Buffer.alloc(4);
  lenCrc.writeUInt32LE(maskedCrc(len));
  const dataCrc = Buffer.alloc(4);
  dataCrc.writeUInt32LE(maskedCrc(payload));
  return Buffer.concat([len, lenCrc, payload, dataCrc]);
}

// Protobuf wire format, only what Event and Summary need.
function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const bytesField = (field: number, data: Uint8Array) =>
  Buffer.concat([key(field, 2), varint(data.length), data]);
function doubleField(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, 1), b]);
}
function floatField(field: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([key(field, 5), b]);
}

/** `Event { wall_time = 1; step = 2; file_version = 3 | summary = 5 }` (step 0 omitted, as protobuf does). */
function event(wallTimeS: number, step: number, body: Buffer): Buffer {
  const stepField = step === 0 ? Buffer.alloc(0) : Buffer.concat([key(2, 0), varint(step)]);
  return Buffer.concat([doubleField(1, wallTimeS), stepField, body]);
}

/** `Summary { repeated Value value = 1 }`, `Value { tag = 1; simple_value = 2 }`. */
export function scalarEvent(tag: string, value: number, step: number, wallTimeS: number): Buffer {
  const v = Buffer.concat([bytesField(1, Buffer.from(tag, 'utf8')), floatField(2, value)]);
  return event(wallTimeS, step, bytesField(5, bytesField(1, v)));
}

const stringField = (field: number, text: string) => bytesField(field, Buffer.from(text, 'utf8'));

/** A hyperparameter's value as the HParams plugin takes it: a number, a string or a boolean. */
export type HparamValue = number | string | boolean;

/** `google.protobuf.Value`: number_value = 2, string_value = 3, bool_value = 4 (a set oneof is always written). */
function protoValue(v: HparamValue): Buffer {
  if (typeof v === 'boolean') return Buffer.concat([key(4, 0), varint(v ? 1 : 0)]);
  if (typeof v === 'number') return doubleField(2, v);
  return stringField(3, v);
}

/**
 * The HParams plugin's metadata and empty tensor around `HParamsPluginData` (version 0, left out): what every
 * `_hparams_/…` summary value carries. `Value { tag = 1; tensor = 8; metadata = 9 }`,
 * `SummaryMetadata { plugin_data = 1 }`, `PluginData { plugin_name = 1; content = 2 }`.
 */
function hparamsSummary(tag: string, pluginData: Buffer): Buffer {
  // TensorProto { dtype: DT_FLOAT (1), tensor_shape: {} with one empty dim }: the plugin's NULL_TENSOR.
  const nullTensor = Buffer.from('080112021200', 'hex');
  const metadata = bytesField(1, Buffer.concat([stringField(1, 'hparams'), bytesField(2, pluginData)]));
  const value = Buffer.concat([stringField(1, tag), bytesField(8, nullTensor), bytesField(9, metadata)]);
  return bytesField(5, bytesField(1, value));
}

/**
 * `_hparams_/session_start_info`: one trial's hyperparameters (names sorted, as tensorboard's `hparams_pb` adds
 * them), its group (trials with equal values, e.g. other seeds, share one) and its start time.
 * `SessionStartInfo { map<string, Value> hparams = 1; group_name = 4; start_time_secs = 5 }` inside
 * `HParamsPluginData { session_start_info = 3 }`.
 */
export function hparamsStartEvent(
  hparams: Readonly<Record<string, HparamValue>>,
  groupName: string,
  wallTimeS: number,
): Buffer {
  const entries = Object.keys(hparams)
    .sort()
    .map((name) =>
      bytesField(1, Buffer.concat([stringField(1, name), bytesField(2, protoValue(hparams[name]!))])),
    );
  const start = Buffer.concat([...entries, stringField(4, groupName), doubleField(5, wallTimeS)]);
  return event(wallTimeS, 0, hparamsSummary('_hparams_/session_start_info', bytesField(3, start)));
}

/** SessionEndInfo's status: SUCCESS = 1, FAILURE = 2, RUNNING = 3. */
export const SESSION_STATUS = { success: 1, failure: 2, running: 3 } as const;

/** `_hparams_/session_end_info`: `SessionEndInfo { status = 1; end_time_secs = 2 }` in `HParamsPluginData` field 4. */
export function hparamsEndEvent(
  status: keyof typeof SESSION_STATUS,
  step: number,
  wallTimeS: number,
): Buffer {
  const end = Buffer.concat([key(1, 0), varint(SESSION_STATUS[status]), doubleField(2, wallTimeS)]);
  return event(wallTimeS, step, hparamsSummary('_hparams_/session_end_info', bytesField(4, end)));
}

/**
 * A trial's hyperparameters for the HParams tab: its overrides (dotted config paths) and seed. Values that are not
 * a number, string or boolean (`net_arch.pi: [64, 64]`) become their JSON text, which the tab shows as a string.
 */
export function hparamsOf(
  overrides: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, HparamValue>> = {},
): Record<string, HparamValue> {
  const out: Record<string, HparamValue> = {};
  for (const [k, v] of Object.entries(overrides)) {
    out[k] = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return { ...out, ...extra };
}

/** Trials with the same values (but another seed) share a group: the tab averages them. */
export function hparamsGroupName(hparams: Readonly<Record<string, HparamValue>>): string {
  const sorted = Object.fromEntries(
    Object.keys(hparams)
      .filter((k) => k !== 'seed')
      .sort()
      .map((k) => [k, hparams[k]]),
  );
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

export function fileVersionEvent(wallTimeS: number): Buffer {
  return event(wallTimeS, 0, bytesField(3, Buffer.from('brain.Event:2', 'utf8')));
}

export interface Scalar {
  tag: string;
  value: number;
  step: number;
}

/**
 * Appends scalars to a new `events.out.tfevents.<seconds>.<host>.<pid>` file in `dir`, one whole frame per write (a
 * crash can cut only the last frame, which TensorBoard's reader skips). Non-finite values are left out: SB3 logs
 * none, and TensorBoard would draw NaN as a gap anyway.
 */
export class ScalarEventWriter {
  readonly file: string;

  constructor(dir: string, now = Date.now()) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}.${process.pid}`);
    appendFileSync(this.file, tfRecord(fileVersionEvent(now / 1000)));
  }

  write(scalars: readonly Scalar[], now = Date.now()): void {
    const frames = scalars
      .filter((s) => Number.isFinite(s.value))
      .map((s) => tfRecord(scalarEvent(s.tag, s.value, s.step, now / 1000)));
    if (frames.length > 0) appendFileSync(this.file, Buffer.concat(frames));
  }

  /** The HParams tab's record of this run: its values (at the start) … */
  writeHparams(hparams: Readonly<Record<string, HparamValue>>, now = Date.now()): void {
    appendFileSync(this.file, tfRecord(hparamsStartEvent(hparams, hparamsGroupName(hparams), now / 1000)));
  }

  /** … and how it ended (the tab shows the status; its metrics are the run's last scalars). */
  writeSessionEnd(status: keyof typeof SESSION_STATUS, step: number, now = Date.now()): void {
    appendFileSync(this.file, tfRecord(hparamsEndEvent(status, step, now / 1000)));
  }
}
