/**
 * Properties of the perps keepers' narrow views on random perps-generic books (one or two
 * markets, cross and isolated positions, settleCrossProfits on or off) after random price moves:
 * the reward bound read before a dry run is never below what the liquidation pays, and a
 * liquidator decides exactly the same on the view its screen asks for (no view above its gas cap,
 * only candidates paying more than its gate) as on the full view.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../engine/engine.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../engine/machine.js';
import { perpsGenericModel } from '../engine/perps/model.js';
import type { PerpsGenericMarketParams, PerpsGenericParams } from '../engine/perps/params.js';
import { FLAT_MARGIN_TIERS, testGenericMarket, testGenericParams } from '../engine/perps/testkit.js';
import { feedOracleCommand } from '../engine/testkit.js';
import { SolventError } from '../math/errors.js';
import { perpsKeeperView, perpsLiquidator, perpsRewardBoundQuote } from './perps.js';
import type { MarketContext } from './types.js';

type AnyState = EngineState<unknown>;
type AnyDecider = Decider<AnyState, Command, EngineEvent>;

const engine = createEngine(perpsGenericModel) as unknown as AnyDecider;
const health = perpsGenericModel.health as unknown as Parameters<typeof perpsKeeperView>[4]['health'];
const E6 = 10n ** 6n;

/**
 * A market on `asset`: sizes 0.001, IM 10 % / MM 5 %, liquidation fee 1 %, and a three-level book
 * or (`amm`) a constant-product pool of 500 base units re-pegged to the mark.
 */
const market = (id: string, asset: string, amm: boolean): PerpsGenericMarketParams =>
  testGenericMarket({
    market: id,
    oracleAsset: asset,
    marginTiers: FLAT_MARGIN_TIERS,
    ...(amm ? { venue: { kind: 'amm', baseReserve: 500_000n, quoteReserve: 1_000_000_000n * E6 } } : {}),
  });

const params = (
  two: boolean,
  amm: boolean,
  sharePpm: bigint,
  settleCrossProfits: boolean,
): PerpsGenericParams =>
  testGenericParams({
    markets: two
      ? [market('ETH-PERP', 'ETH', amm), market('BTC-PERP', 'BTC', amm)]
      : [market('ETH-PERP', 'ETH', amm)],
    liquidation: {
      liquidatorSharePpm: sharePpm,
      ...(settleCrossProfits ? { settleCrossProfits: true } : {}),
    },
  });

const publish = (asset: string, dollars: number): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: BigInt(Math.max(1, Math.round(dollars * 1e8))),
});

/** A trader: collateral, and the leverage of each leg (signed: < 0 short; 0 none) at the opening price. */
interface Trader {
  readonly usdc: number;
  readonly eth: number;
  readonly btc: number;
  readonly isolated: boolean;
}

/** Leverage in tenths (fast-check's doubles cluster near 0). */
const leverage = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -95, max: 95 }).map((x) => x / 10),
  fc.integer({ min: 50, max: 85 }).map((x) => x / 10),
  fc.integer({ min: 50, max: 85 }).map((x) => -x / 10),
);

const trader: fc.Arbitrary<Trader> = fc.record({
  usdc: fc.integer({ min: 10, max: 20_000 }),
  eth: leverage,
  btc: leverage,
  isolated: fc.boolean(),
});

/** Base units (0.001) of `lev` × `usdc` at `price`. */
const sizeOf = (usdc: number, lev: number, price: number): bigint =>
  BigInt(Math.trunc((usdc * lev * 1000) / price));

/** Applies `c`, skipping what the model refuses (an opening below its initial margin). */
function tryApply(state: AnyState, c: Command, now: number): AnyState {
  try {
    return apply(engine, state, c, now).state;
  } catch (e) {
    if (e instanceof SolventError) return state;
    throw e;
  }
}

function book(x: {
  readonly two: boolean;
  readonly amm: boolean;
  readonly sharePpm: bigint;
  readonly settleCrossProfits: boolean;
  readonly traders: readonly Trader[];
}): AnyState {
  const { two, traders } = x;
  let s = engine.initial();
  const setup: Command[] = [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'configure', params: params(two, x.amm, x.sharePpm, x.settleCrossProfits) },
    feedOracleCommand('ETH'),
    publish('ETH', 2000),
    ...(two ? [feedOracleCommand('BTC'), publish('BTC', 20_000)] : []),
    { type: 'deposit', account: 'mm', amount: 100_000_000n * E6 },
  ];
  for (const c of setup) s = apply(engine, s, c, 0).state;
  for (const [i, t] of traders.entries()) {
    const id = `t${i}`;
    s = tryApply(s, { type: 'deposit', account: id, amount: BigInt(t.usdc) * E6 }, 0);
    const eth = sizeOf(t.usdc, t.eth, 2000);
    const btc = sizeOf(t.usdc, t.btc, 20_000);
    if (eth !== 0n) {
      s = tryApply(
        s,
        {
          type: 'openPosition',
          account: id,
          market: 'ETH-PERP',
          sizeBase: eth,
          ...(t.isolated
            ? { marginMode: 'isolated', isolatedMargin: BigInt(Math.ceil(t.usdc * 0.9)) * E6 }
            : {}),
        },
        0,
      );
    }
    if (two && btc !== 0n) {
      s = tryApply(s, { type: 'openPosition', account: id, market: 'BTC-PERP', sizeBase: btc }, 0);
    }
  }
  return s;
}

const scenario = fc.record({
  two: fc.boolean(),
  amm: fc.boolean(),
  sharePpm: fc.constantFrom(0n, 250_000n, 500_000n, 1_000_000n),
  settleCrossProfits: fc.boolean(),
  traders: fc.array(trader, { minLength: 1, maxLength: 6 }),
  ethMove: fc.integer({ min: -1_500, max: 1_500 }).map((bps) => bps / 10_000),
  btcMove: fc.integer({ min: -1_500, max: 1_500 }).map((bps) => bps / 10_000),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The book after the move, read at t = 10. */
function moved(x: Scenario): AnyState {
  let s = book(x);
  s = apply(engine, s, publish('ETH', 2000 * (1 + x.ethMove)), 10).state;
  if (x.two) s = apply(engine, s, publish('BTC', 20_000 * (1 + x.btcMove)), 10).state;
  return s;
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`);

describe('perps keepers, narrow views', () => {
  test('property: the reward bound is never below what a liquidation pays its liquidator', () => {
    let paid = 0;
    fc.assert(
      fc.property(scenario, fc.boolean(), (x, anyMarket) => {
        const s = moved(x);
        for (const id of ids(x.traders.length)) {
          const command: Command = anyMarket
            ? { type: 'liquidate', account: id, liquidator: 'liq' }
            : { type: 'liquidate', account: id, liquidator: 'liq', market: 'ETH-PERP' };
          let after: AnyState;
          try {
            after = apply(engine, s, command, 10).state;
          } catch (e) {
            if (e instanceof SolventError) continue;
            throw e;
          }
          const reward = balanceOf(after.ledger, 'wallet:liq', 'USDC');
          if (reward > 0n) paid += 1;
          const bound = perpsRewardBoundQuote(s, id, anyMarket ? undefined : 'ETH-PERP', 10);
          expect(bound).toBeDefined();
          expect(reward <= (bound ?? -1n), `${id}: paid ${reward} > bound ${bound}`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
    expect(paid).toBeGreaterThan(30);
  });

  test('property: a liquidator decides the same on the view its screen asks for as on the full view', () => {
    let acted = 0;
    fc.assert(
      fc.property(
        scenario,
        fc.boolean(),
        fc.double({ min: 0, max: 40, noNaN: true }),
        fc.option(fc.double({ min: 1, max: 200, noNaN: true }), { nil: undefined }),
        fc.double({ min: 1, max: 300, noNaN: true }),
        (x, anyMarket, minProfitUsd, maxGasPriceGwei, gasPriceGwei) => {
          const s = moved(x);
          const market: MarketContext = {
            nowSeconds: 10,
            gasPriceGwei,
            ethPriceUsd: 2000 * (1 + x.ethMove),
            collateralPriceUsdWad: 10n ** 18n,
            slippageBps: 0n,
          };
          const policy = perpsLiquidator({
            id: 'liq',
            minProfitUsd,
            ...(maxGasPriceGwei === undefined ? {} : { maxGasPriceGwei }),
          });
          const options = {
            kind: 'generic' as const,
            decider: engine,
            health,
            keeperId: 'liq',
            accounts: ids(x.traders.length),
            perpMarket: 'ETH-PERP',
            ...(anyMarket ? { anyMarket: true } : {}),
          };
          const full = policy.decide(perpsKeeperView(s, 10, market, ['liq'], options));
          acted += full.length;
          const screen = policy.screen(market, 'generic');
          if (!screen.sends) {
            expect(full).toEqual([]);
            return;
          }
          const narrow = perpsKeeperView(s, 10, market, ['liq'], {
            ...options,
            ...(screen.rewardAboveUsd === undefined ? {} : { rewardAboveUsd: screen.rewardAboveUsd }),
          });
          expect(policy.decide(narrow)).toEqual(full);
        },
      ),
      { numRuns: 600 },
    );
    expect(acted).toBeGreaterThan(20);
  });
});
