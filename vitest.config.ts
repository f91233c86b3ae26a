import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, colocated *.test.ts, no I/O) and `integration`
 * (the real server: app.inject, real WebSockets, PGlite — or PostgreSQL and Redis when
 * DATABASE_URL / REDIS_URL are set). Browser tests run with Playwright (e2e/).
 */
export default defineConfig({
  test: {
    projects: [
      // Projects with different maxWorkers must run in separate groups (unit first, it is fast).
      { test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Each file starts its own server and database; two at a time suits a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
