/**
 * Property tests of netting: each leg's effective notional is at most its own, the group's
 * effective exposure lies between its net and its gross and the shares cover it, no offset means
 * no change, full credit margins the net; the netted requirements of an account (maintenance and
 * initial) are at most its per-position sums; and `perps-generic` with netting over two venues of one underlying keeps the
 * engine contract under random commands, with liquidations.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../contract.js';
import type { Command } from '../machine.js';
import { feedOracleCommand } from '../testkit.js';
import { accountMargin } from './margin.js';
import { perpsGenericModel } from './model.js';
import { type NettingLeg, netExposure } from './netting.js';
import { price8, testGenericMarket, testMarket, testView, usdcUnits } from './testkit.js';

const legsArb = fc.array(
  fc.record({
    u: fc.constantFrom('ETH', 'BTC'),
    long: fc.boolean(),
    notional: fc.bigInt({ min: 1n, max: 10n ** 14n }),
  }),
  { minLength: 1, maxLength: 6 },
);
const toLegs = (raw: readonly { u: string; long: boolean; notional: bigint }[]): NettingLeg[] =>
  raw.map((l, i) => ({
    market: `M${i}`,
    underlying: l.u,
    sizeBase: l.long ? 1n : -1n,
    notionalQuote: l.notional,
  }));

describe('netExposure properties', () => {
  test('behavior: net ≤ effective ≤ gross; shares ≤ own notionals and cover the group', () => {
    fc.assert(
      fc.property(legsArb, fc.bigInt({ min: 0n, max: 1_000_000n }), (raw, credit) => {
        const legs = toLegs(raw);
        const n = netExposure(legs, { offsetCreditPpm: credit });
        for (const g of n.groups) {
          const net = g.netQuote < 0n ? -g.netQuote : g.netQuote;
          expect(g.effectiveQuote >= net).toBe(true);
          expect(g.effectiveQuote <= g.longQuote + g.shortQuote).toBe(true);
          const shares = legs
            .filter((l) => l.underlying === g.underlying)
            .reduce((s, l) => s + n.effectiveNotionalQuote[l.market]!, 0n);
          expect(shares >= g.effectiveQuote).toBe(true);
          expect(shares <= g.effectiveQuote + BigInt(g.markets.length)).toBe(true);
          if (credit === 1_000_000n) expect(g.effectiveQuote).toBe(net);
          if (credit === 0n || g.offsetQuote === 0n)
            expect(g.effectiveQuote).toBe(g.longQuote + g.shortQuote);
        }
        for (const l of legs) expect(n.effectiveNotionalQuote[l.market]! <= l.notionalQuote).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: an account’s netted requirement is at most its per-position sum', () => {
    const markets = [
      testMarket(),
      testMarket({ market: 'ETH-PERP-B', makerAccount: 'mm-b' }),
      testMarket({ market: 'BTC-PERP', oracleAsset: 'BTC' }),
    ];
    const sizeArb = fc.bigInt({ min: -40_000n, max: 40_000n });
    fc.assert(
      fc.property(sizeArb, sizeArb, sizeArb, fc.bigInt({ min: 0n, max: 1_000_000n }), (a, b, c, credit) => {
        const positions = [
          { market: 'ETH-PERP', sizeBase: a },
          { market: 'ETH-PERP-B', sizeBase: b },
          { market: 'BTC-PERP', sizeBase: c },
        ]
          .filter((p) => p.sizeBase !== 0n)
          .map((p) => ({ ...p, account: 'alice', entryQuote: 0n }));
        const view = testView({ markets, positions, balances: { 'acct:alice': usdcUnits(1_000) } });
        const marks = { 'ETH-PERP': price8(2_000), 'ETH-PERP-B': price8(2_010), 'BTC-PERP': price8(30_000) };
        const classic = accountMargin(view, 'alice', marks);
        const netted = accountMargin(
          {
            ...view,
            book: { ...view.book, marginStage: { kind: 'netting', netting: { offsetCreditPpm: credit } } },
          },
          'alice',
          marks,
        );
        expect(netted.maintenanceQuote <= classic.maintenanceQuote).toBe(true);
        expect(netted.stage?.perPositionMaintenanceQuote).toBe(classic.maintenanceQuote);
        expect(netted.initialQuote <= classic.initialQuote).toBe(true);
        expect(netted.initialQuote >= netted.maintenanceQuote).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The engine contract with netting across two venues of ETH and a BTC market

const TRADERS = ['alice', 'bob', 'carol', 'dave'] as const;
const MARKETS = ['ETH-PERP', 'ETH-PERP-B', 'BTC-PERP'] as const;
type Market = (typeof MARKETS)[number];
const LOT: Readonly<Record<Market, bigint>> = { 'ETH-PERP': 100n, 'ETH-PERP-B': 100n, 'BTC-PERP': 10n };

function params(settle: boolean, credit: number) {
  const venue = (m: Market) => ({
    kind: 'book' as const,
    levels: [
      { priceOffsetPpm: 500n, sizeBase: 50n * LOT[m] },
      { priceOffsetPpm: 15_000n, sizeBase: 5_000n * LOT[m] },
    ],
  });
  return {
    quoteAsset: 'USDC',
    markets: [
      testGenericMarket({ venue: venue('ETH-PERP') }),
      testGenericMarket({ market: 'ETH-PERP-B', makerAccount: 'mm-b', venue: venue('ETH-PERP-B') }),
      testGenericMarket({ market: 'BTC-PERP', oracleAsset: 'BTC', venue: venue('BTC-PERP') }),
    ],
    liquidation: {
      sizing: 'partial',
      targetRatioPpm: 1_000_000n,
      bufferPpm: 10_000n,
      liquidatorSharePpm: 300_000n,
      lossSteps: ['insurance', 'adl'],
      adlRanking: { kind: 'pnlLeverage' },
      ...(settle ? { settleCrossProfits: true } : {}),
    },
    netting: { offsetCreditPpm: BigInt(credit) },
  };
}

interface Move {
  readonly type: '__move';
  readonly eth: number;
  readonly btc: number;
}

const trader = fc.constantFrom(...TRADERS);
const market = fc.constantFrom(...MARKETS);
const groupArb: fc.Arbitrary<(Command | Move)[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(trader, fc.integer({ min: 100, max: 3_000 }))
      .map(([account, n]) => [{ type: 'deposit', account, amount: usdcUnits(n) }]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(trader, market, fc.integer({ min: 1, max: 200 }), fc.boolean())
      .map(([account, m, lots, long]) => [
        { type: 'openPosition', account, market: m, sizeBase: (long ? 1n : -1n) * BigInt(lots) * LOT[m] },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(trader, market)
      .map(([account, m]) => [{ type: 'closePosition', account, market: m }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: -25, max: 25 }), fc.integer({ min: -25, max: 25 }))
      .map(([eth, btc]): (Command | Move)[] => [
        { type: '__move', eth, btc },
        ...TRADERS.map((account): Command => ({ type: 'liquidate', account, liquidator: 'keeper' })),
      ]),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(market, fc.integer({ min: -300, max: 300 }))
      .map(([m, ratePpm]) => [{ type: 'accrueFunding', market: m, ratePpm: BigInt(ratePpm) }]),
    weight: 1,
  },
);

function timed(p: unknown, groups: readonly (Command | Move)[][]): TimedCommand[] {
  const open = { ETH: 200_000n, BTC: 3_000_000n }; // cents
  const cents = { ...open };
  const publish = (asset: 'ETH' | 'BTC'): Command => ({
    type: 'publishPrice',
    asset,
    source: 'feed',
    price: cents[asset] * 10n ** 6n,
  });
  const out: Command[] = [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'configure', params: p },
    feedOracleCommand('ETH', 366 * 86_400),
    feedOracleCommand('BTC', 366 * 86_400),
    publish('ETH'),
    publish('BTC'),
    { type: 'deposit', account: 'mm', amount: usdcUnits(100_000_000) },
    { type: 'deposit', account: 'mm-b', amount: usdcUnits(100_000_000) },
    ...TRADERS.map((account): Command => ({ type: 'deposit', account, amount: usdcUnits(3_000) })),
    { type: 'fundInsurance', asset: 'USDC', amount: usdcUnits(500) },
  ];
  for (const c of groups.flat()) {
    if (c.type !== '__move') {
      out.push(c as Command);
      continue;
    }
    const move = c as Move;
    for (const [asset, pct] of [
      ['ETH', move.eth],
      ['BTC', move.btc],
    ] as const) {
      let next = (cents[asset] * BigInt(100 + pct)) / 100n;
      if (next < open[asset] / 20n) next = open[asset] / 20n;
      if (next > open[asset] * 5n) next = open[asset] * 5n;
      cents[asset] = next;
      out.push(publish(asset));
    }
  }
  return out.map((command, i) => ({ command, nowSeconds: 10 + i * 5 }));
}

describe('perps-generic contract with netting', () => {
  test('behavior: random sequences keep the contract and liquidate', () => {
    const seen = { accepted: 0, liquidated: 0, hedgedOpens: 0 };
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 900_000, 1_000_000),
        fc.array(groupArb, { minLength: 40, maxLength: 70 }),
        (settle, credit, groups) => {
          const run = runContract(perpsGenericModel, timed(params(settle, credit), groups));
          expect(run.violations).toEqual([]);
          seen.accepted += run.accepted;
          for (const { event } of run.log) if (event.type === 'PerpLiquidated') seen.liquidated += 1;
        },
      ),
      { numRuns: 25 },
    );
    expect(seen.accepted).toBeGreaterThanOrEqual(1_000);
    expect(seen.liquidated).toBeGreaterThan(0);
  }, 60_000);
});
