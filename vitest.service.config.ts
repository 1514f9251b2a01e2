/**
 * The service suite (`npm run test:service`): crash tests that SIGKILL the built server, and the
 * PostgreSQL journal tests (a throwaway cluster is started when SOLVENT_PG_URL is unset). Kept out
 * of `npm test`, which needs nothing beyond npm ci.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/service/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    // Crash tests spawn and kill servers: one file at a time keeps the timing honest.
    fileParallelism: false,
  },
});
