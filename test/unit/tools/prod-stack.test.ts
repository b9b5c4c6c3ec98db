/** docker-compose.yaml and scripts/prod-stack.sh describe one stack: same versions, same search attributes. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../../contracts/temporal/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../../tools/temporal-server.js';

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yaml'), 'utf8')) as {
  services: Record<string, { image: string }>;
};
const script = readFileSync(join(PROJECT_ROOT, 'scripts/prod-stack.sh'), 'utf8');

describe('the production stack in docker-compose.yaml and scripts/prod-stack.sh', () => {
  it('runs the Temporal server and Web UI versions that migflow builds', () => {
    expect(compose.services.temporal?.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(compose.services['temporal-ui']?.image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
  });

  it("registers exactly migflow's search attributes", () => {
    const listed = /^SEARCH_ATTRIBUTES=\(([^)]*)\)/m.exec(script)?.[1]?.trim().split(/\s+/);
    expect(listed).toEqual(Object.keys(SEARCH_ATTRIBUTES));
    expect(new Set(Object.values(SEARCH_ATTRIBUTES))).toEqual(new Set(['Keyword']));
  });

  it('fills every placeholder of its config templates', () => {
    const rendered =
      /for name in ([^;]*); do/s.exec(script)?.[1]?.replace(/\\\n/g, ' ').trim().split(/\s+/) ?? [];
    for (const file of ['temporal-server.yaml.tmpl', 'ui-server.yaml.tmpl']) {
      const text = readFileSync(join(PROJECT_ROOT, 'scripts/prod-stack', file), 'utf8');
      const used = [...text.matchAll(/@@([A-Z_]+)@@/g)].map((m) => m[1]);
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(rendered, `${file}: @@${name}@@`).toContain(name);
    }
  });

  it('refuses a TEMPORAL_BIND without 127.0.0.1 (its services and checks use it), naming the fix', () => {
    const r = spawnSync(join(PROJECT_ROOT, 'scripts/prod-stack.sh'), ['status'], {
      env: {
        ...process.env,
        TEMPORAL_BIND: '10.0.0.5',
        MIGFLOW_PROD_STACK_DIR: join(tmpdir(), 'migflow-no-stack'),
      },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TEMPORAL_BIND=10.0.0.5');
    expect(r.stderr).toContain('fix: TEMPORAL_BIND=0.0.0.0');
  });
});
