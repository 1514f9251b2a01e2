/**
 * The Redis suite (`npm run test:redis`): tests that start their own redis-server and run the
 * built CLI's `--queue` and `worker`. Kept out of `npm test`, which needs no Redis.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/queue/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One redis-server per file and workers that share a queue: files run one at a time.
    fileParallelism: false,
  },
});
