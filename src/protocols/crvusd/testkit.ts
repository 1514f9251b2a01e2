/**
 * Test helpers for the crvUSD model: a WETH/crvUSD (or WBTC/crvUSD) market set up through the
 * engine's own commands, with an oracle at USD·1e8. Used by the model's tests only.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { crvusdModel } from './model.js';
import { DEFAULT_CRVUSD_PARAMS } from './params.js';
import type { CrvusdExt } from './state.js';

/** 1e18. */
export const E18 = 10n ** 18n;
/** The engine running the crvUSD model. */
export const crvusdEngine = createEngine(crvusdModel);
/** The engine state of the crvUSD model. */
export type CrvusdState = EngineState<CrvusdExt>;

/** `configureOracle` for `asset`: one source `feed`, USD·1e8, a year before going stale. */
export function oracleCommand(asset: string, extra: Readonly<Record<string, unknown>> = {}): Command {
  return {
    type: 'configureOracle',
    asset,
    config: {
      priceDecimals: 8,
      sources: ['feed'],
      minSources: 1,
      staleAfterSeconds: 366 * 86_400,
      maxSpreadBps: 0,
      twapWindowSeconds: 600,
      delaySeconds: 0,
      ...extra,
    },
  };
}

/** `publishPrice` of `asset` at `dollars` (integer dollars, or USD·1e8 with `raw`). */
export function priceCommand(asset: string, dollars: bigint, raw = false): Command {
  return { type: 'publishPrice', asset, source: 'feed', price: raw ? dollars : dollars * 10n ** 8n };
}

/** Applies `commands` at `nowSeconds` in order (throws the first refusal). */
export function runAll(state: CrvusdState, commands: readonly Command[], nowSeconds: number): CrvusdState {
  return commands.reduce((s, c) => apply(crvusdEngine, s, c, nowSeconds).state, state);
}

/**
 * crvUSD (18) and the collateral listed, the collateral's oracle at `priceDollars`, the market
 * configured with `params` (defaults: mainnet values, base price read from the oracle), at t = 0.
 */
export function crvusdMarket(
  options: {
    readonly params?: unknown;
    readonly collateral?: string;
    readonly collateralDecimals?: number;
    readonly priceDollars?: bigint;
    readonly oracle?: Readonly<Record<string, unknown>>;
  } = {},
): CrvusdState {
  const collateral = options.collateral ?? 'WETH';
  return runAll(
    crvusdEngine.initial(),
    [
      { type: 'listAsset', asset: 'crvUSD', decimals: 18 },
      { type: 'listAsset', asset: collateral, decimals: options.collateralDecimals ?? 18 },
      oracleCommand(collateral, options.oracle),
      priceCommand(collateral, options.priceDollars ?? 2000n),
      {
        type: 'configure',
        params: options.params ?? { ...DEFAULT_CRVUSD_PARAMS, collateralAsset: collateral },
      },
    ],
    0,
  );
}
