import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/queue needs a Redis server: `npm run test:redis` runs it. test/service kills servers
    // and needs PostgreSQL: `npm run test:service` runs it. test/browser drives Chromium:
    // `npm run test:browser` runs it.
    exclude: [...configDefaults.exclude, 'test/queue/**', 'test/service/**', 'test/browser/**'],
    setupFiles: ['test/setup/fastCheckSeed.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
