/**
 * The project's modules and the imports between them, read from the sources (TypeScript's own pre-processor, so
 * type-only, side-effect and dynamic imports all count). A module is a core/ folder (core/stages/<stage> each on
 * its own), a single file at core/'s top (errors, paths), contracts, contracts/temporal, or a top-level folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../../core/paths.js';

/** Top-level folders whose TypeScript is part of the product or its tooling (tests are not modules). */
const ROOTS = [
  'contracts',
  'core',
  'activities',
  'workflows',
  'workers',
  'cli',
  'tools',
  'emulators',
  'perf',
  'scripts',
  'datasets',
];

export interface ImportEdge {
  /** Project-relative file that imports. */
  readonly from: string;
  /** What it names: a project-relative file, or a package name. */
  readonly to: string;
  readonly external: boolean;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

export function sourceFiles(): string[] {
  return ROOTS.flatMap((r) => walk(join(PROJECT_ROOT, r), [])).map((f) => relative(PROJECT_ROOT, f));
}

function resolveSpecifier(from: string, spec: string): string {
  const abs = resolve(PROJECT_ROOT, dirname(from), spec);
  return relative(PROJECT_ROOT, abs.endsWith('.js') ? `${abs.slice(0, -3)}.ts` : abs);
}

export function importEdges(files: readonly string[] = sourceFiles()): ImportEdge[] {
  return files.flatMap((from) => {
    const info = ts.preProcessFile(readFileSync(join(PROJECT_ROOT, from), 'utf8'), true, true);
    return info.importedFiles.map(({ fileName }) =>
      fileName.startsWith('.')
        ? { from, to: resolveSpecifier(from, fileName), external: false }
        : {
            from,
            to: fileName.startsWith('@')
              ? fileName.split('/').slice(0, 2).join('/')
              : fileName.split('/')[0]!,
            external: true,
          },
    );
  });
}

/** The module a project file belongs to. */
export function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'core') {
    if (parts.length === 2) return `core/${parts[1]!.replace(/\.ts$/, '')}`;
    if (parts[1] === 'stages') return `core/stages/${parts[2]}`;
    return `core/${parts[1]}`;
  }
  if (parts[0] === 'contracts')
    return parts[1] === 'temporal' && parts.length > 2 ? 'contracts/temporal' : 'contracts';
  return parts[0]!;
}

/** A module's front door: the only file other modules may import (null where a module has none to keep). */
export function frontDoorOf(module: string): string | null {
  if (module === 'core/errors' || module === 'core/paths') return `${module}.ts`;
  if (module.startsWith('core/') || module.startsWith('contracts')) return `${module}/index.ts`;
  return null;
}

/** Every arrow between two different modules, once. */
export function moduleArrows(edges: readonly ImportEdge[] = importEdges()): Set<string> {
  const arrows = new Set<string>();
  for (const e of edges) {
    if (e.external) continue;
    const a = moduleOf(e.from);
    const b = moduleOf(e.to);
    if (a !== b) arrows.add(`${a} -> ${b}`);
  }
  return arrows;
}
