/**
 * Test helpers for the simulator's scenario tests: one asset's seeded path of a built-in scenario,
 * and the largest drawdown of a path (test-only; nothing in the lab imports this module).
 */
import type { PricePath } from './paths.js';
import { scenarioPaths } from './scenarios.js';

/**
 * The seeded path of `symbol` in the built-in scenario `id`.
 * @throws Error when the scenario has no such asset (a test set-up mistake).
 */
export function scenarioPathOf(id: string, symbol: string, seed = 1): PricePath {
  const path = scenarioPaths(id, { seed }).assets[symbol];
  if (path === undefined) throw new Error(`no ${symbol} in ${id}`);
  return path;
}

/** Largest fall from a running maximum, as a fraction of that maximum (0 for a path that never falls). */
export function maxDrawdown(path: PricePath): number {
  let peak = 0;
  let worst = 0;
  for (const p of path) {
    peak = Math.max(peak, p.price);
    worst = Math.max(worst, 1 - p.price / peak);
  }
  return worst;
}
