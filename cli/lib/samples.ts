/** The bundled sample datasets (datasets/samples/<kind>.*): what the main job prepares when given no inputs. */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DatasetKind } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';

const SAMPLE_DIR = join(PROJECT_ROOT, 'datasets', 'samples');

/** Sample files of `kind`, as paths relative to the project root (so workflow inputs stay readable). */
export function sampleInputs(kind: DatasetKind): string[] {
  const files = readdirSync(SAMPLE_DIR)
    .filter((f) => f.startsWith(`${kind}.`) || f.startsWith(`${kind}-`) || f.startsWith(`${kind}_`))
    .filter((f) => /\.(jsonl|json|parquet)$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no bundled sample for ${kind} in ${SAMPLE_DIR}`);
  return files.map((f) => relative(PROJECT_ROOT, join(SAMPLE_DIR, f)));
}
