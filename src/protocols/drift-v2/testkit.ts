/**
 * Test helpers of the drift-v2 model: a one-market configuration with round numbers (a book at the
 * oracle price, so trades fill exactly at it), the setup commands, and step/refusal helpers.
 */
import { engineViolations } from '../../engine/contract.js';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { driftV2Model } from './model.js';
import type { DriftParams } from './params.js';
import type { DriftExt } from './state.js';

/** Engine state of the model. */
export type DriftState = EngineState<DriftExt>;
/** The model's engine. */
export const driftEngine = createEngine(driftV2Model);
/** USDC units of whole dollars (6 decimals). */
export const usd = (n: number | bigint): bigint => BigInt(n) * 1_000_000n;
/** Base units (1e9) of a number of milli-SOL. */
export const milliSol = (n: number | bigint): bigint => BigInt(n) * 1_000_000n;
/** A 6-decimal oracle price of whole dollars. */
export const px = (n: number | bigint): bigint => BigInt(n) * 1_000_000n;

/**
 * SOL-PERP: 10 % / 5 % margins, 2 % buffer, liquidator fee 1 % ramping to 3 %, IF fee cap 1 %,
 * step 0.001 SOL, taker fee 0.1 %, 10 % initially liquidatable over 150 slots, a book of 1,000 SOL
 * at the oracle price (no slippage), insurance claim cap $1M.
 */
export const TEST_DRIFT_PARAMS: DriftParams = {
  quoteAsset: 'USDC',
  makerAccount: 'amm',
  liquidationMarginBufferRatio: 200n,
  initialPctToLiquidate: 1_000n,
  liquidationDurationSlots: 150n,
  markets: [
    {
      market: 'SOL-PERP',
      oracleAsset: 'SOL',
      marginRatioInitial: 1_000n,
      marginRatioMaintenance: 500n,
      liquidatorFeePpm: 10_000n,
      maxLiquidatorFeePpm: 30_000n,
      ifLiquidationFeePpm: 10_000n,
      orderStepSize: 1_000_000n,
      takerFeePpm: 1_000n,
      quoteMaxInsurance: usd(1_000_000),
      venue: { kind: 'book', levels: [{ priceOffsetPpm: 0n, sizeBase: milliSol(1_000_000) }] },
    },
  ],
};

/** Publishes a SOL price. */
export const solPrice = (dollars: number | bigint, cents = 0): Command => ({
  type: 'publishPrice',
  asset: 'SOL',
  source: 'feed',
  price: px(dollars) + BigInt(cents) * 10_000n,
});

/** Listing, oracle at `dollars`, configure, the AMM with $1M and the liquidator with $10k. */
export function setupCommands(params: unknown = TEST_DRIFT_PARAMS, dollars = 100): Command[] {
  return [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    {
      type: 'configureOracle',
      asset: 'SOL',
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
    solPrice(dollars),
    { type: 'configure', params },
    { type: 'deposit', account: 'amm', amount: usd(1_000_000) },
    { type: 'deposit', account: 'liq', amount: usd(10_000) },
  ];
}

/** Applies a command and checks the engine contract holds after it. */
export function step(state: DriftState, command: Command, now: number): DriftState {
  const next = apply(driftEngine, state, command, now).state;
  const violations = engineViolations(driftV2Model, next);
  if (violations.length > 0) throw new Error(`violations after ${command.type}: ${violations.join('; ')}`);
  return next;
}

/** Applies commands at one time. */
export function run(state: DriftState, commands: readonly Command[], now: number): DriftState {
  return commands.reduce((s, c) => step(s, c, now), state);
}

/** A USDC balance. */
export const bal = (state: DriftState, bucket: string): bigint => balanceOf(state.ledger, bucket, 'USDC');
