/**
 * Test support shared by the tests of every layer (not used by the engine): the `configureOracle`
 * command of a one-source feed, the oracle set-up most tests start from. Commands only.
 */
import type { Command } from './machine.js';

/**
 * `configureOracle` of `asset` with one source `feed`: prices with 8 decimals (USD·1e8), one
 * source required, stale after `staleAfterSeconds` (default a day), no spread allowed, a 60 s TWAP
 * window and no delay; `extra` replaces or adds config fields (a breaker, a wider spread).
 * Validation is the engine's: a bad field is refused when the command is applied.
 */
export function feedOracleCommand(
  asset: string,
  staleAfterSeconds = 86_400,
  extra: Readonly<Record<string, unknown>> = {},
): Command {
  return {
    type: 'configureOracle',
    asset,
    config: {
      priceDecimals: 8,
      sources: ['feed'],
      minSources: 1,
      staleAfterSeconds,
      maxSpreadBps: 0,
      twapWindowSeconds: 60,
      delaySeconds: 0,
      ...extra,
    },
  };
}
