/**
 * Test support for the synthetix-perps-v3 model: snxUSD, ETH at $2,000 and BTC at $30,000 (oracle
 * prices with 8 decimals), the default parameters, $10M of LP funds, and a small driver.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import type { SynthetixLiquidationContext } from './liquidation.js';
import { synthetixPerpsV3Model } from './model.js';
import { DEFAULT_SYNTHETIX_PARAMS, type SynthetixParams } from './params.js';
import { marketPrices, requireConfigured, type SynthetixExt, viewOf } from './state.js';

/** 1e18. */
export const E = 10n ** 18n;
/** `n / d` USD (or asset units) as D18, floor. */
export const d18 = (n: bigint, d = 1n): bigint => divRound(n * E, d, Rounding.Down);
/** A USD price with 8 decimals. */
export const usd8 = (whole: bigint): bigint => whole * 10n ** 8n;

/** An oracle config: one source, 8 decimals, fresh for a year. */
export const oracleConfig = (): Record<string, unknown> => ({
  priceDecimals: 8,
  sources: ['feed'],
  minSources: 1,
  staleAfterSeconds: 365 * 86_400,
  maxSpreadBps: 10_000,
  twapWindowSeconds: 3_600,
  delaySeconds: 0,
});

/** Setup at time 0: snxUSD, ETH and BTC oracles, configure, $10M of LP funds. */
export function synthetixSetup(params: SynthetixParams = DEFAULT_SYNTHETIX_PARAMS): Command[] {
  return [
    { type: 'listAsset', asset: 'snxUSD', decimals: 18 },
    { type: 'configureOracle', asset: 'ETH', config: oracleConfig() },
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(2_000n) },
    { type: 'configureOracle', asset: 'BTC', config: oracleConfig() },
    { type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(30_000n) },
    { type: 'configure', params },
    { type: 'depositLiquidity', amount: d18(10_000_000n) },
  ];
}

/** A driver over the model. */
export class SynthetixMarket {
  readonly engine: Decider<EngineState<SynthetixExt>, Command, EngineEvent> =
    createEngine(synthetixPerpsV3Model);
  state: EngineState<SynthetixExt> = this.engine.initial();

  /** Applies `command` at `nowSeconds`; throws the typed refusal unchanged. */
  run(command: Command, nowSeconds: number): EngineEvent[] {
    const result = apply(this.engine, this.state, command, nowSeconds);
    this.state = result.state;
    return result.events.map((r) => r.event);
  }

  /** Applies every command at `nowSeconds`. */
  runAll(commands: readonly Command[], nowSeconds: number): this {
    for (const c of commands) this.run(c, nowSeconds);
    return this;
  }

  /** snxUSD in a bucket. */
  usd(bucket: string): bigint {
    return balanceOf(this.state.ledger, bucket, 'snxUSD');
  }

  /** A position's size (0 when none). */
  size(account: string, market = 'ETH'): bigint {
    return this.state.ext.book?.markets[market]?.positions.get(account)?.sizeBase ?? 0n;
  }
}

/** Alice: $4,000 of margin, long 20 ETH from a flat market (fill $2,020, taker fee $20.2). */
export function aliceLong20Eth(params: SynthetixParams = DEFAULT_SYNTHETIX_PARAMS): SynthetixMarket {
  const m = new SynthetixMarket().runAll(synthetixSetup(params), 0);
  m.run({ type: 'deposit', account: 'alice', amount: d18(4_000n) }, 1);
  m.run({ type: 'trade', account: 'alice', market: 'ETH', sizeDelta: d18(20n) }, 1);
  return m;
}

/** The liquidation context the model builds (for stage tests). */
export function contextAt(m: SynthetixMarket, nowSeconds: number): SynthetixLiquidationContext {
  const { params, book } = requireConfigured(m.state, 'test');
  return {
    params,
    view: viewOf(m.state, book),
    prices: marketPrices(m.state, params, book, nowSeconds),
    nowSeconds,
    gasPriceUsdPerGasD18: m.state.ext.gasPriceUsdPerGasD18,
    flagged: m.state.ext.flagged,
    liquidationData: m.state.ext.liquidationData,
  };
}
