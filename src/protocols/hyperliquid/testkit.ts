/**
 * Test helpers of the hyperliquid model: a one-market configuration with round numbers (BTC with
 * 3-decimal sizes, 6-decimal prices, 40x, a book at the mark for 1,000 BTC then 1 % worse), setup
 * commands, and step helpers that check the engine contract after each command.
 */
import { engineViolations } from '../../engine/contract.js';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { hyperliquidModel } from './model.js';
import type { HyperliquidParams } from './params.js';
import type { HyperliquidExt } from './state.js';

/** Engine state of the model. */
export type HlState = EngineState<HyperliquidExt>;
/** The model's engine. */
export const hlEngine = createEngine(hyperliquidModel);
/** USDC units of whole dollars. */
export const usd = (n: number | bigint): bigint => BigInt(n) * 1_000_000n;
/** Base units (1e-3 BTC) of a number of milli-BTC. */
export const mbtc = (n: number | bigint): bigint => BigInt(n);
/** A 6-decimal price of whole dollars. */
export const px = (n: number | bigint): bigint => BigInt(n) * 1_000_000n;

/**
 * BTC-PERP: sizes in 0.001 BTC, prices with 6 decimals, 40x (IM 2.5 %, MM 1.25 %), no taker fee,
 * a book of 1,000 BTC at the mark then 1,000 BTC 1 % away; threshold $100k, cooldown 30 s.
 */
export const TEST_HL_PARAMS: HyperliquidParams = {
  quoteAsset: 'USDC',
  makerAccount: 'book',
  backstopAccount: 'hlp',
  partialLiquidationThresholdQuote: usd(100_000),
  partialLiquidationCooldownSeconds: 30,
  markets: [
    {
      market: 'BTC-PERP',
      oracleAsset: 'BTC',
      baseDecimals: 3,
      priceDecimals: 6,
      maxLeverage: 40n,
      takerFeePpm: 0n,
      venue: {
        kind: 'book',
        levels: [
          { priceOffsetPpm: 0n, sizeBase: 1_000_000n },
          { priceOffsetPpm: 10_000n, sizeBase: 1_000_000n },
        ],
      },
    },
  ],
};

/** Publishes a BTC price of whole dollars. */
export const btcPrice = (dollars: number | bigint): Command => ({
  type: 'publishPrice',
  asset: 'BTC',
  source: 'feed',
  price: px(dollars),
});

/** Listing, oracle at `dollars`, configure, the book with $10M and the vault (HLP) with $1M. */
export function setupCommands(params: unknown = TEST_HL_PARAMS, dollars = 100_000): Command[] {
  return [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    {
      type: 'configureOracle',
      asset: 'BTC',
      config: {
        priceDecimals: 6,
        sources: ['feed'],
        minSources: 1,
        staleAfterSeconds: 1_000_000,
        maxSpreadBps: 100,
        twapWindowSeconds: 60,
        delaySeconds: 0,
      },
    },
    btcPrice(dollars),
    { type: 'configure', params },
    { type: 'deposit', account: 'book', amount: usd(10_000_000) },
    { type: 'deposit', account: 'hlp', amount: usd(1_000_000) },
  ];
}

/** Applies a command and checks the engine contract holds after it. */
export function step(state: HlState, command: Command, now: number): HlState {
  const next = apply(hlEngine, state, command, now).state;
  const violations = engineViolations(hyperliquidModel, next);
  if (violations.length > 0) throw new Error(`violations after ${command.type}: ${violations.join('; ')}`);
  return next;
}

/** Applies commands at one time. */
export function run(state: HlState, commands: readonly Command[], now: number): HlState {
  return commands.reduce((s, c) => step(s, c, now), state);
}

/** A USDC balance. */
export const bal = (state: HlState, bucket: string): bigint => balanceOf(state.ledger, bucket, 'USDC');
