/**
 * Test support for the dydx-v4 model: USDC and a BTC oracle (8 decimals) at $50,000, the default
 * parameters, funded makers, and a small driver that applies commands and keeps the state.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import type { DydxLiquidationContext } from './liquidation.js';
import { dydxV4Model } from './model.js';
import { DEFAULT_DYDX_PARAMS, type DydxParams } from './params.js';
import { blockAt, type DydxExt, liquidationInfoAt, oracleMarks, requireConfigured, viewOf } from './state.js';

/** `whole` USDC in quote quantums. */
export const usdc = (whole: bigint): bigint => whole * 10n ** 6n;
/** A USD price with 8 decimals. */
export const usd8 = (whole: bigint): bigint => whole * 10n ** 8n;
/** BTC base quantums (atomic resolution −10). */
export const btc = (tenThousandths: bigint): bigint => tenThousandths * 10n ** 6n;

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

/** Setup at time 0: USDC, BTC and ETH oracles, configure, makers with $100M. */
export function dydxSetup(
  params: DydxParams = DEFAULT_DYDX_PARAMS,
  prices = { BTC: usd8(50_000n), ETH: usd8(3_000n) },
): Command[] {
  return [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'configureOracle', asset: 'BTC', config: oracleConfig() },
    { type: 'publishPrice', asset: 'BTC', source: 'feed', price: prices.BTC },
    { type: 'configureOracle', asset: 'ETH', config: oracleConfig() },
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: prices.ETH },
    { type: 'configure', params },
    { type: 'deposit', account: 'makers', amount: usdc(100_000_000n) },
  ];
}

/** A driver over the model. */
export class DydxMarket {
  readonly engine: Decider<EngineState<DydxExt>, Command, EngineEvent> = createEngine(dydxV4Model);
  state: EngineState<DydxExt> = this.engine.initial();

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

  /** USDC in a bucket. */
  usdc(bucket: string): bigint {
    return balanceOf(this.state.ledger, bucket, 'USDC');
  }

  /** A position's size (0 when none). */
  size(account: string, market = 'BTC-USD'): bigint {
    return this.state.ext.book?.markets[market]?.positions.get(account)?.sizeBase ?? 0n;
  }
}

/** The liquidation context the model builds for `account` at `nowSeconds` (for stage tests). */
export function contextAt(m: DydxMarket, account: string, nowSeconds: number): DydxLiquidationContext {
  const { params, book } = requireConfigured(m.state, 'test');
  const block = blockAt(params, nowSeconds);
  return {
    params,
    view: viewOf(m.state, book),
    marks: oracleMarks(m.state, params, book, nowSeconds),
    block,
    info: liquidationInfoAt(m.state.ext, block, account),
  };
}

/** Alice (cash $6,000) long 1 BTC bought at the $50,010 ask; Bob (cash $20,000) short 1 BTC sold at $49,990. */
export function aliceAndBob(params: DydxParams = DEFAULT_DYDX_PARAMS): DydxMarket {
  const m = new DydxMarket().runAll(dydxSetup(params), 0);
  m.run({ type: 'deposit', account: 'alice', amount: usdc(6_000n) }, 1);
  m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: btc(10_000n) }, 1);
  m.run({ type: 'deposit', account: 'bob', amount: usdc(20_000n) }, 1);
  m.run({ type: 'placeOrder', account: 'bob', market: 'BTC-USD', sizeBase: -btc(10_000n) }, 1);
  return m;
}
