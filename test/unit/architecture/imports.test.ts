/**
 * The house rules of the module layout (docs/architecture.md), checked on the sources:
 * - every module is entered by its front door (core/<module>/index.ts, contracts/index.ts, …), never by a file
 *   behind it;
 * - imports go down the layers: contracts ← core ← activities ← workers; workflows import only contracts; core
 *   never imports Temporal; only workers (and the benchmark scripts' own worker) import workflows/;
 * - docs/architecture.md's table of arrows between modules is exactly the set of arrows in the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { frontDoorOf, importEdges, moduleArrows, moduleOf } from './module-graph.js';

const edges = importEdges();
const internal = edges.filter((e) => !e.external);
const show = (xs: readonly { from: string; to: string }[]) => xs.map((e) => `${e.from} -> ${e.to}`);

describe('module front doors', () => {
  it('reach a module from outside only through its index', () => {
    const violations = internal.filter((e) => {
      const target = moduleOf(e.to);
      if (target === moduleOf(e.from)) return false;
      const door = frontDoorOf(target);
      return door !== null && e.to !== door;
    });
    expect(show(violations)).toEqual([]);
  });

  it('gives every core module and the contracts an index', () => {
    const modules = new Set(
      internal.map((e) => moduleOf(e.to)).filter((m) => m.startsWith('core/') || m.startsWith('contracts')),
    );
    const missing = [...modules].filter((m) => {
      const door = frontDoorOf(m);
      return door !== null && !internal.some((e) => e.to === door) && !edges.some((e) => e.from === door);
    });
    expect(missing).toEqual([]);
  });
});

describe('layers', () => {
  const layer = (m: string) => m.split('/')[0]!;

  it('keeps the contracts free of project code, Node and everything but zod and Temporal definitions', () => {
    const bad = edges.filter((e) => {
      if (layer(moduleOf(e.from)) !== 'contracts') return false;
      if (!e.external) return layer(moduleOf(e.to)) !== 'contracts';
      const temporal = moduleOf(e.from) === 'contracts/temporal';
      return !(
        e.to === 'zod' ||
        (temporal && (e.to === '@temporalio/common' || e.to === '@temporalio/workflow'))
      );
    });
    expect(show(bad)).toEqual([]);
  });

  it('keeps core free of Temporal and of every layer above it', () => {
    const bad = edges.filter(
      (e) =>
        layer(moduleOf(e.from)) === 'core' &&
        (e.external
          ? e.to.startsWith('@temporalio/')
          : !['core', 'contracts'].includes(layer(moduleOf(e.to))) ||
            moduleOf(e.to) === 'contracts/temporal'),
    );
    expect(show(bad)).toEqual([]);
  });

  it('lets workflows import only the contracts (and the workflow SDK)', () => {
    const bad = edges.filter(
      (e) =>
        moduleOf(e.from) === 'workflows' &&
        (e.external
          ? e.to !== '@temporalio/workflow'
          : !['workflows', 'contracts'].includes(layer(moduleOf(e.to)))),
    );
    expect(show(bad)).toEqual([]);
  });

  it('lets only workers import workflows/ (and the benchmark scripts, which run a worker of their own)', () => {
    const bad = internal.filter(
      (e) => moduleOf(e.to) === 'workflows' && !['workflows', 'workers', 'perf'].includes(moduleOf(e.from)),
    );
    expect(show(bad)).toEqual([]);
  });

  it('keeps activities below workers and the CLI, and emulators and tools below activities', () => {
    const above: Record<string, readonly string[]> = {
      activities: ['workers', 'cli', 'workflows', 'perf', 'scripts'],
      emulators: ['activities', 'workers', 'cli', 'workflows', 'tools', 'perf', 'scripts'],
      tools: ['activities', 'workers', 'cli', 'workflows', 'emulators', 'perf', 'scripts'],
      workers: ['cli', 'perf', 'scripts'],
    };
    const bad = internal.filter((e) => above[moduleOf(e.from)]?.includes(moduleOf(e.to)));
    expect(show(bad)).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  /** The table's rows: `| module | arrow targets |`, each target in backticks. */
  function documentedArrows(): Set<string> {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'architecture.md'), 'utf8');
    const start = doc.indexOf('<!-- arrows:begin -->');
    const end = doc.indexOf('<!-- arrows:end -->');
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const arrows = new Set<string>();
    for (const line of doc.slice(start, end).split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
      const from = cells[1].replaceAll('`', '');
      for (const m of cells[2]!.matchAll(/`([^`]+)`/g)) arrows.add(`${from} -> ${m[1]}`);
    }
    return arrows;
  }

  it('lists exactly the arrows between modules that the code has', () => {
    const documented = documentedArrows();
    const actual = moduleArrows(edges);
    expect({ undocumented: [...actual].filter((a) => !documented.has(a)).sort() }).toEqual({
      undocumented: [],
    });
    expect({ notInCode: [...documented].filter((a) => !actual.has(a)).sort() }).toEqual({ notInCode: [] });
  });
});
