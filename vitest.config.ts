import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        // Unit-style tests that take tens of seconds to minutes (a 1024-step task bench, real-time engine replays):
        // `npm test` runs them, `npm run test:unit` does not. One file at a time: they time or load the machine.
        test: { name: 'slow', include: ['test/slow/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        // Needs a running Docker engine (.ci/run starts one).
        test: { name: 'docker', include: ['test/docker/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        // Debian's chromium through playwright-core; each file starts the servers it needs.
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], fileParallelism: false },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['./test/setup/temporal-server.ts'],
          // Integration tests share one dev server and are CPU heavy on 2 cores: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
