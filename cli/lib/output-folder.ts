/**
 * Output folders of local commands (`migflow bench --out DIR`, `migflow dataset --out DIR`, …) are built beside
 * DIR and published whole (core/util's publishDirAtomic): a run killed at any instant leaves DIR as the previous
 * run left it or as this run made it, never files of two runs side by side. DIR is replaced only when it is new,
 * empty, or marked as a previous output of the same command, so a mistyped `--out` never wipes a foreign folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { publishDirAtomic, writeFileAtomic } from '../../core/util/index.js';

/** The marker file naming the command that wrote an output folder (and when, with which arguments). */
export const OUTPUT_MARKER = '.migflow-output.json';

interface OutputMarker {
  readonly command: string;
  readonly argv: readonly string[];
  readonly finishedAt: string;
  /** Every other file of the folder (relative path, `/`-separated) → its SHA-256: what a reader can check. */
  readonly files: Readonly<Record<string, string>>;
}

/** SHA-256 of every file under `dir`, keyed by its path relative to `dir`, sorted. */
export function hashTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files[relative(dir, p).split('\\').join('/')] = createHash('sha256')
          .update(readFileSync(p))
          .digest('hex');
      }
    }
  };
  walk(dir);
  return files;
}

/** Throws a ConfigError naming `flag` when `dir` exists and is not replaceable by `command`'s output. */
export function checkOutputFolder(dir: string, command: string, flag = '--out'): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new ConfigError(command, flag, `${dir} is a file, not a folder`, `pass a new folder to ${flag}`);
  }
  const names = readdirSync(dir);
  if (names.length === 0) return;
  const markerFile = join(dir, OUTPUT_MARKER);
  let marker: OutputMarker | undefined;
  try {
    marker = JSON.parse(readFileSync(markerFile, 'utf8')) as OutputMarker;
  } catch {
    marker = undefined;
  }
  if (marker?.command !== command) {
    const writer = marker?.command ? `\`${marker.command}\` wrote them` : `no ${OUTPUT_MARKER}`;
    throw new ConfigError(
      command,
      flag,
      `${dir} already holds ${names.length} entries that no earlier \`${command}\` wrote (${writer}); the output folder is replaced whole`,
      `pass a new or empty folder to ${flag} (or remove ${dir})`,
    );
  }
}

/**
 * Runs `build(tmpDir)` and publishes tmpDir as `dir` whole, with the marker. Returns build's result and a
 * function mapping a path inside tmpDir to its published path (for "wrote …" lines).
 */
export async function writeOutputFolder<T>(
  dir: string,
  command: string,
  build: (tmpDir: string) => Promise<T>,
): Promise<{ result: T; published: (p: string) => string; inText: (text: string) => string }> {
  const target = resolve(dir);
  checkOutputFolder(target, command);
  let tmpDir = '';
  const result = await publishDirAtomic(target, async (tmp) => {
    tmpDir = tmp;
    const r = await build(tmp);
    const marker: OutputMarker = {
      command,
      argv: process.argv.slice(2),
      finishedAt: new Date().toISOString(),
      files: hashTree(tmp),
    };
    writeFileAtomic(join(tmp, OUTPUT_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    return r;
  });
  return {
    result,
    published: (p) => (p.startsWith(tmpDir) ? join(target, p.slice(tmpDir.length)) : p),
    // Messages written while building name the temporary folder: show the published one.
    inText: (text) => text.split(tmpDir).join(target),
  };
}
