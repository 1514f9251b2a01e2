/**
 * Property test of `perps-generic` through the engine contract (`runContract`): random sequences
 * of deposits, withdrawals, cross and isolated opens and closes on both sides of two markets,
 * price moves, funding, insurance top-ups and liquidation attempts, under random venues (book or
 * AMM), sizings, loss waterfalls (insurance → ADL, → socialize, → backstop → ADL) and ADL rankings.
 * The contract must hold after every command (ledger zero sum per asset, which covers every PnL,
 * fee, funding, insurance and ADL transfer; no negative bucket; Σ sizeBase = 0 and Σ entryQuote = 0
 * per market; no healthy account liquidated; replay and determinism). The whole run must accept at
 * least 2,000 commands and see liquidations, insurance payouts and ADL.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../contract.js';
import type { Command } from '../machine.js';
import { feedOracleCommand } from '../testkit.js';
import type { PerpsLossStep } from './liquidation.js';
import type { AdlRanking } from './loss.js';
import { perpsGenericModel } from './model.js';
import type { PerpsGenericParams } from './params.js';
import { testGenericMarket, usdcUnits } from './testkit.js';
import type { Venue } from './types.js';

const TRADERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const MARKETS = ['ETH-PERP', 'BTC-PERP'] as const;
type Market = (typeof MARKETS)[number];
const ASSET: Readonly<Record<Market, string>> = { 'ETH-PERP': 'ETH', 'BTC-PERP': 'BTC' };
/** Opening prices, whole dollars. */
const OPEN: Readonly<Record<Market, bigint>> = { 'ETH-PERP': 2_000n, 'BTC-PERP': 30_000n };
/** Base units (0.001) of one "lot": 0.1 ETH, 0.01 BTC (about $200 / $300 at the open). */
const LOT: Readonly<Record<Market, bigint>> = { 'ETH-PERP': 100n, 'BTC-PERP': 10n };

interface RunConfig {
  readonly amm: boolean;
  readonly sizing: 'partial' | 'whole';
  readonly waterfall: 0 | 1 | 2;
  readonly ranking: AdlRanking['kind'];
}

const LOSS_STEPS: readonly (readonly PerpsLossStep[])[] = [
  ['insurance', 'adl'],
  ['insurance', 'socialize'],
  ['insurance', 'backstop', 'adl'],
];

function paramsOf(config: RunConfig): PerpsGenericParams {
  const venue = (market: Market): Venue =>
    config.amm
      ? { kind: 'amm', baseReserve: 300n * LOT[market] * 10n, quoteReserve: 1n }
      : {
          kind: 'book',
          levels: [
            { priceOffsetPpm: 500n, sizeBase: 50n * LOT[market] },
            { priceOffsetPpm: 3_000n, sizeBase: 200n * LOT[market] },
            { priceOffsetPpm: 15_000n, sizeBase: 5_000n * LOT[market] },
          ],
        };
  const ranking: AdlRanking =
    config.ranking === 'random'
      ? { kind: 'random', seed: 'prop' }
      : config.ranking === 'keeperChosen'
        ? { kind: 'keeperChosen', accounts: ['erin', 'dave', 'carol', 'bob', 'alice', 'hlp', 'mm'] }
        : { kind: config.ranking };
  const eth = testGenericMarket({ venue: venue('ETH-PERP') });
  const btc = testGenericMarket({ market: 'BTC-PERP', oracleAsset: 'BTC', venue: venue('BTC-PERP') });
  return {
    quoteAsset: 'USDC',
    markets: [eth, btc],
    liquidation: {
      sizing: config.sizing,
      targetRatioPpm: 1_000_000n,
      bufferPpm: 10_000n,
      liquidatorSharePpm: 300_000n,
      lossSteps: LOSS_STEPS[config.waterfall]!,
      adlRanking: ranking,
      ...(config.waterfall === 2
        ? { backstop: { account: 'hlp', takeoverBelowMaintenancePpm: 500_000n } }
        : {}),
    },
  };
}

const price = (market: Market, dollarsE2: bigint): Command => ({
  type: 'publishPrice',
  asset: ASSET[market],
  source: 'feed',
  price: dollarsE2 * 10n ** 6n,
});

function setup(config: RunConfig): Command[] {
  return [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'configure', params: paramsOf(config) },
    feedOracleCommand('ETH', 366 * 86_400),
    feedOracleCommand('BTC', 366 * 86_400),
    ...MARKETS.map((m) => price(m, OPEN[m] * 100n)),
    { type: 'deposit', account: 'mm', amount: usdcUnits(100_000_000) },
    { type: 'deposit', account: 'hlp', amount: usdcUnits(20_000) },
    ...TRADERS.map((account): Command => ({ type: 'deposit', account, amount: usdcUnits(5_000) })),
    { type: 'fundInsurance', asset: 'USDC', amount: usdcUnits(1_000) },
  ];
}

const trader = fc.constantFrom(...TRADERS);
const market = fc.constantFrom(...MARKETS);
const usdc = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => usdcUnits(n));

/** A price move placeholder, made absolute in order afterwards. */
interface Move {
  readonly type: '__move';
  readonly market: Market;
  readonly pct: number;
}

const groupArb: fc.Arbitrary<(Command | Move)[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(trader, usdc(100, 3_000))
      .map(([account, amount]) => [{ type: 'deposit', account, amount }]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(trader, usdc(10, 2_000))
      .map(([account, amount]) => [{ type: 'withdraw', account, amount }]),
    weight: 1,
  },
  {
    // A cross or isolated open of 1–200 lots (up to ~10x on the deposits) on either side.
    arbitrary: fc
      .tuple(
        trader,
        market,
        fc.integer({ min: 1, max: 150 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        usdc(300, 3_000),
      )
      .map(([account, m, lots, long, iso, margin]): Command[] => [
        {
          type: 'openPosition',
          account,
          market: m,
          sizeBase: (long ? 1n : -1n) * BigInt(lots) * LOT[m],
          ...(iso === 0 ? { marginMode: 'isolated', isolatedMargin: margin } : {}),
        },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(trader, market, fc.option(fc.integer({ min: 1, max: 100 })))
      .map(([account, m, lots]): Command[] => [
        {
          type: 'closePosition',
          account,
          market: m,
          ...(lots === null ? {} : { sizeBase: BigInt(lots) * LOT[m] }),
        },
      ]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(trader, market, usdc(10, 500))
      .map(([account, m, amount]): Command[] => [{ type: 'addIsolatedMargin', account, market: m, amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(market, fc.integer({ min: -8, max: 8 }))
      .map(([m, pct]): Move[] => [{ type: '__move', market: m, pct }]),
    weight: 4,
  },
  {
    // A crash or a squeeze, then a keeper sweep over every trader.
    arbitrary: fc
      .tuple(market, fc.integer({ min: 10, max: 35 }), fc.boolean())
      .map(([m, pct, down]): (Command | Move)[] => [
        { type: '__move', market: m, pct: down ? -pct : pct },
        ...TRADERS.map((account): Command => ({ type: 'liquidate', account, liquidator: 'keeper' })),
      ]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(market, fc.integer({ min: -300, max: 300 }))
      .map(([m, ratePpm]): Command[] => [{ type: 'accrueFunding', market: m, ratePpm: BigInt(ratePpm) }]),
    weight: 1,
  },
  {
    arbitrary: usdc(1, 500).map((amount): Command[] => [{ type: 'fundInsurance', asset: 'USDC', amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(trader, fc.option(market))
      .map(([account, m]): Command[] => [
        { type: 'liquidate', account, liquidator: 'keeper', ...(m === null ? {} : { market: m }) },
      ]),
    weight: 2,
  },
);

/** Makes price moves absolute (cents, clamped to [5 %, 500 %] of the open) and stamps times. */
function timed(config: RunConfig, groups: readonly (Command | Move)[][]): TimedCommand[] {
  const cents: Record<Market, bigint> = {
    'ETH-PERP': OPEN['ETH-PERP'] * 100n,
    'BTC-PERP': OPEN['BTC-PERP'] * 100n,
  };
  const out: Command[] = [...setup(config)];
  for (const c of groups.flat()) {
    if (c.type !== '__move') {
      out.push(c as Command);
      continue;
    }
    const move = c as Move;
    const open = OPEN[move.market] * 100n;
    let next = (cents[move.market] * BigInt(100 + move.pct)) / 100n;
    if (next < open / 20n) next = open / 20n;
    if (next > open * 5n) next = open * 5n;
    cents[move.market] = next;
    out.push(price(move.market, next));
  }
  return out.map((command, i) => ({ command, nowSeconds: 10 + i * 5 }));
}

const configArb: fc.Arbitrary<RunConfig> = fc.record({
  amm: fc.boolean(),
  sizing: fc.constantFrom<'partial' | 'whole'>('partial', 'whole'),
  waterfall: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
  ranking: fc.constantFrom<AdlRanking['kind']>('pnlLeverage', 'pnl', 'leverage', 'random', 'keeperChosen'),
});

describe('perps-generic contract', () => {
  test('behavior: random sequences keep the contract, and liquidate, pay insurance and deleverage', () => {
    const seen = {
      runs: 0,
      accepted: 0,
      refused: 0,
      liquidations: 0,
      insurancePayouts: 0,
      adl: 0,
      socialized: 0,
      backstop: 0,
    };
    fc.assert(
      fc.property(configArb, fc.array(groupArb, { minLength: 60, maxLength: 90 }), (config, groups) => {
        const run = runContract(perpsGenericModel, timed(config, groups));
        expect(run.violations).toEqual([]);
        seen.runs += 1;
        seen.accepted += run.accepted;
        seen.refused += run.refused;
        seen.liquidations += run.liquidations;
        for (const { event } of run.log) {
          const e = event as {
            readonly type: string;
            readonly fromInsuranceQuote?: bigint;
            readonly socializedQuote?: bigint;
          };
          if (e.type === 'PerpShortfallCovered' && (e.fromInsuranceQuote ?? 0n) > 0n)
            seen.insurancePayouts += 1;
          if (e.type === 'PerpShortfallCovered' && (e.socializedQuote ?? 0n) > 0n) seen.socialized += 1;
          if (e.type === 'PerpDeleveraged') seen.adl += 1;
          if (e.type === 'PerpBackstopTookOver') seen.backstop += 1;
        }
      }),
      { numRuns: 40 },
    );
    expect(seen.accepted).toBeGreaterThanOrEqual(2_000);
    expect(seen.liquidations).toBeGreaterThan(0);
    expect(seen.insurancePayouts).toBeGreaterThan(0);
    expect(seen.adl).toBeGreaterThan(0);
    expect(seen.socialized).toBeGreaterThan(0);
    expect(seen.backstop).toBeGreaterThan(0);
  }, 60_000);
});
