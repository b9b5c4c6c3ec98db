/**
 * Parquet reader on the pure-JS hyparquet library (HF datasets ship Parquet conversions). Reads one row group
 * at a time so memory stays bounded by the largest row group. hyparquet-compressors adds the codecs beyond
 * SNAPPY (GZIP, ZSTD, BROTLI, LZ4) that Parquet writers use. 64-bit integers arrive as BigInt and are turned
 * into numbers (or decimal strings beyond 2^53) so rows look the same as from JSON.
 */
import { open } from 'node:fs/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DatasetError } from '../../errors.js';
import type { ReadRow } from './read-row.js';

const PARQUET_MAGIC = 'PAR1';

export async function* readParquet(file: string): AsyncGenerator<ReadRow> {
  await assertParquetMagic(file);
  const buffer = await asyncBufferFromFile(file);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new DatasetError(
      file,
      undefined,
      `Parquet footer cannot be read (${(err as Error).message})`,
      're-download or re-export the file; it may be truncated',
      { cause: err },
    );
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        metadata,
        rowStart,
        rowEnd,
        rowFormat: 'object',
        compressors,
      });
    } catch (err) {
      throw new DatasetError(
        file,
        rowStart + 1,
        `cannot decode Parquet rows ${rowStart + 1}..${rowEnd} (${(err as Error).message})`,
        're-export the file with pyarrow (SNAPPY, GZIP, ZSTD, BROTLI and LZ4 are supported); it may be corrupt',
        { cause: err },
      );
    }
    for (let i = 0; i < rows.length; i++) {
      yield { row: normaliseBigInts(rows[i]), location: { file, line: rowStart + i + 1 } };
    }
    rowStart = rowEnd;
  }
}

async function assertParquetMagic(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    if (size >= 12) {
      await handle.read(head, 0, 4, 0);
      await handle.read(tail, 0, 4, size - 4);
    }
    if (head.toString('latin1') !== PARQUET_MAGIC || tail.toString('latin1') !== PARQUET_MAGIC) {
      throw new DatasetError(
        file,
        1,
        size < 12
          ? `file is ${size} bytes, too short to be Parquet`
          : `missing the Parquet "PAR1" magic at the ${head.toString('latin1') === PARQUET_MAGIC ? 'end (truncated file?)' : 'start'}`,
        'pass a real .parquet file, or name the actual format with --format jsonl|json',
      );
    }
  } finally {
    await handle.close();
  }
}

function normaliseBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(normaliseBigInts);
  if (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseBigInts(v);
    return out;
  }
  return value;
}
