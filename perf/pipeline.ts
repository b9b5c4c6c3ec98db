/**
 * npm run bench:pipeline — wall time of the main job (`migflow demo`, what `npm start` runs) as a user sees it,
 * cold (empty artifacts: every stage computes) and cached (the same command again: every stage a cache hit).
 * Runs against its own dev server (free ports, temporary artifacts dir) so it never touches the user's.
 * Targets: cold < 20 min on a 2-core machine without a GPU, cached < 10 s. Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../core/paths.js';
import { freePort } from '../core/util/index.js';

const artifacts = mkdtempSync(join(tmpdir(), 'migflow-bench-pipeline-'));
const env = {
  ...process.env,
  TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  MIGFLOW_UI_PORT: String(await freePort()),
  MIGFLOW_ARTIFACTS: artifacts,
} as Record<string, string>;
const migflow = (args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli', 'main.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdin: 'ignore',
  });

async function timedDemo(): Promise<{ wallS: number; stages: Record<string, string> }> {
  const started = performance.now();
  const r = await migflow(['demo']);
  const wallS = (performance.now() - started) / 1000;
  // The stage table's rows read "│ <stage> │ <hit|ran|skipped> │ <took> │".
  const stages: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^\W*(\w[\w-]*)\W+(hit|ran|skipped)\W/gm)) stages[m[1]!] = m[2]!;
  return { wallS, stages };
}

try {
  // The first run also starts the dev server; start it first so "cold" measures the pipeline, not the server.
  await migflow(['server', '--detach']);
  const cold = await timedDemo();
  const cached = await timedDemo();
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'pipeline',
        coldWallS: Number(cold.wallS.toFixed(2)),
        cachedWallS: Number(cached.wallS.toFixed(2)),
        coldStages: cold.stages,
        cachedStages: cached.stages,
        targets: { coldWallS: 1200, cachedWallS: 10 },
        met: { cold: cold.wallS < 1200, cached: cached.wallS < 10 },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await migflow(['server', 'stop']).catch(() => undefined);
  rmSync(artifacts, { recursive: true, force: true });
}
