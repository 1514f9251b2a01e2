/**
 * The browser suite (`npm run test:browser`): the built `solvent serve` driven through its web
 * dashboard in headless Chromium (Debian `chromium`, launched by playwright-core; no browser is
 * downloaded). Kept out of `npm test`, which needs nothing beyond npm ci.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Each file starts a server and a browser: one at a time keeps the 2-core box responsive.
    fileParallelism: false,
  },
});
