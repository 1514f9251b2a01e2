/**
 * Property tests of portfolio margin: with k·σ equal to each market's maintenance rate, a lone
 * position needs exactly its classic maintenance margin, any book needs at most the per-position
 * sum, and a hedge on a positively correlated underlying needs strictly less; and `perps-generic`
 * with a portfolio margin keeps the engine contract under random commands (no violations,
 * liquidations happen), with and without hedge profits paying a cross close's shortfall.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../contract.js';
import type { Command } from '../machine.js';
import { feedOracleCommand } from '../testkit.js';
import { marginRequirementQuote } from './margin.js';
import { perpsGenericModel } from './model.js';
import { compilePortfolioMargin, type PortfolioLeg, portfolioRequirement } from './portfolio.js';
import { testGenericMarket, usdcUnits } from './testkit.js';
import type { MarginTier } from './types.js';

const UNDERLYINGS = ['ETH', 'BTC', 'SOL'] as const;

/** Random factor loadings: each row a random vector scaled to norm ≤ 1 (ppm), 1–3 factors. */
const loadingsArb = fc.integer({ min: 1, max: 3 }).chain((factors) =>
  fc.array(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: factors, maxLength: factors }), {
    minLength: UNDERLYINGS.length,
    maxLength: UNDERLYINGS.length,
  }),
);

function rows(raw: readonly (readonly number[])[]): bigint[][] {
  return raw.map((v) => {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (norm === 0) return v.map((_, i) => (i === 0 ? 1_000_000n : 0n));
    // Floor toward zero: Σ row² ≤ 1e12.
    return v.map((x) => BigInt(Math.trunc((x / norm) * 999_999)));
  });
}

/** A config with σ_u = mm_u (k = 1σ, ppm): one maintenance rate per underlying. */
function configOf(mmPpm: readonly bigint[], loadings: bigint[][], steps: number) {
  return compilePortfolioMargin(
    {
      steps,
      rangeSigmaPpm: 1_000_000n,
      underlyings: UNDERLYINGS.map((underlying, i) => ({
        underlying,
        sigmaPpm: mmPpm[i]!,
        loadingsPpm: loadings[i]!,
      })),
    },
    'pm',
  );
}

const tiersOf = (mm: bigint): MarginTier[] => [
  { upToNotionalQuote: null, initialMarginPpm: 2n * mm, maintenanceMarginPpm: mm },
];

const legArb = fc.record({
  u: fc.integer({ min: 0, max: UNDERLYINGS.length - 1 }),
  long: fc.boolean(),
  notional: fc.bigInt({ min: 1n, max: 10n ** 13n }),
  roundUp: fc.boolean(),
});

function legOf(
  l: { u: number; long: boolean; notional: bigint; roundUp: boolean },
  i: number,
  mm: readonly bigint[],
) {
  const up = l.notional + (l.roundUp ? 1n : 0n);
  const leg: PortfolioLeg = {
    market: `M${i}`,
    underlying: UNDERLYINGS[l.u]!,
    sizeBase: l.long ? 1n : -1n,
    notionalUpQuote: up,
    notionalDownQuote: l.notional,
    maintenanceQuote: marginRequirementQuote(up, tiersOf(mm[l.u]!), 'maintenance'),
  };
  return leg;
}

const mmArb = fc.array(fc.bigInt({ min: 1_000n, max: 200_000n }), {
  minLength: UNDERLYINGS.length,
  maxLength: UNDERLYINGS.length,
});
const stepsArb = fc.constantFrom(3, 5, 7, 9);

describe('portfolioRequirement properties', () => {
  test('behavior: a lone position needs exactly its classic maintenance margin', () => {
    fc.assert(
      fc.property(mmArb, loadingsArb, stepsArb, legArb, (mm, raw, steps, l) => {
        const config = configOf(mm, rows(raw), steps);
        const leg = legOf(l, 0, mm);
        const r = portfolioRequirement([leg], config, leg.maintenanceQuote);
        expect(r.worstLossQuote).toBe(leg.maintenanceQuote);
        expect(r.requirementQuote).toBe(leg.maintenanceQuote);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: any book needs at most the per-position sum; the floor is honoured', () => {
    fc.assert(
      fc.property(
        mmArb,
        loadingsArb,
        stepsArb,
        fc.array(legArb, { minLength: 1, maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        (mm, raw, steps, ls, floorPpm) => {
          const config = { ...configOf(mm, rows(raw), steps), floorPpm };
          const legs = ls.map((l, i) => legOf(l, i, mm));
          const sum = legs.reduce((s, l) => s + l.maintenanceQuote, 0n);
          const r = portfolioRequirement(legs, config, sum);
          expect(r.worstLossQuote >= 0n).toBe(true);
          expect(r.requirementQuote <= sum).toBe(true);
          expect(r.requirementQuote * 1_000_000n >= sum * floorPpm).toBe(true);
          // The reported leg losses add up to the worst loss.
          const total = Object.values(r.legLossQuote).reduce((s, x) => s + x, 0n);
          expect(total).toBe(r.worstLossQuote);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('behavior: the float screen finds the exact worst loss of a full exact enumeration', () => {
    // Reference: every driver and ball scenario evaluated exactly as the file header defines it.
    const reference = (legs: readonly PortfolioLeg[], config: ReturnType<typeof configOf>): bigint => {
      const m = BigInt(config.halfSteps);
      const den = m * 10n ** 24n;
      const idx = (u: string) => config.underlyings.findIndex((x) => x.underlying === u);
      const used = [...new Set(legs.map((l) => idx(l.underlying)))];
      const beta = (u: number) => config.underlyings[u]!.loadingsPpm;
      const sk = (u: number) => config.underlyings[u]!.sigmaPpm * config.rangeSigmaPpm;
      const rho = (u: number, v: number) =>
        u === v ? 10n ** 12n : beta(u).reduce((s, b, f) => s + b * beta(v)[f]!, 0n);
      const lossOf = (num: (u: number) => bigint): bigint =>
        legs.reduce((s, l) => {
          const n = num(idx(l.underlying));
          if (n === 0n) return s;
          const mag = n < 0n ? -n : n;
          const adverse = l.sizeBase > 0n !== n > 0n;
          const ceil = (a: bigint) => (a + den - 1n) / den;
          return adverse ? s + ceil(l.notionalUpQuote * mag) : s - (l.notionalDownQuote * mag) / den;
        }, 0n);
      let worst = 0n;
      for (const u of used) {
        for (let j = -config.halfSteps; j <= config.halfSteps; j++) {
          const loss = lossOf((v) => sk(v) * BigInt(j) * rho(u, v));
          if (loss > worst) worst = loss;
        }
      }
      const walk = (g: number[]): void => {
        if (g.length === config.factorCount) {
          const loss = lossOf(
            (v) => sk(v) * beta(v).reduce((s, b, f) => s + b * BigInt(g[f]!), 0n) * 10n ** 6n,
          );
          if (loss > worst) worst = loss;
          return;
        }
        const used2 = g.reduce((s, x) => s + x * x, 0);
        for (let x = -config.halfSteps; x <= config.halfSteps; x++) {
          if (used2 + x * x <= config.halfSteps ** 2) walk([...g, x]);
        }
      };
      walk([]);
      return worst;
    };
    fc.assert(
      fc.property(
        mmArb,
        loadingsArb,
        stepsArb,
        fc.array(legArb, { minLength: 1, maxLength: 4 }),
        (mm, raw, steps, ls) => {
          const config = configOf(mm, rows(raw), steps);
          const legs = ls.map((l, i) => legOf(l, i, mm));
          expect(portfolioRequirement(legs, config, 0n).worstLossQuote).toBe(reference(legs, config));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('behavior: a long hedged by a short on an underlying correlated ≥ 0.5 needs strictly less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500_000, max: 990_000 }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 13n }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 13n }),
        (rho, a, b) => {
          const config = compilePortfolioMargin(
            {
              steps: 5,
              rangeSigmaPpm: 2_500_000n,
              underlyings: [
                { underlying: 'ETH', sigmaPpm: 20_000n },
                { underlying: 'BTC', sigmaPpm: 20_000n },
              ],
              correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: BigInt(rho) }],
            },
            'pm',
          );
          const mm = [50_000n, 50_000n, 50_000n];
          const legs = [
            legOf({ u: 0, long: true, notional: a, roundUp: false }, 0, mm),
            legOf({ u: 0, long: true, notional: b, roundUp: false }, 1, mm),
          ];
          const hedged = [legs[0]!, { ...legs[1]!, underlying: 'BTC', sizeBase: -1n }];
          const sum = hedged[0]!.maintenanceQuote + hedged[1]!.maintenanceQuote;
          expect(portfolioRequirement(hedged, config, sum).requirementQuote < sum).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The engine contract with a portfolio margin

const TRADERS = ['alice', 'bob', 'carol', 'dave'] as const;
const MARKETS = ['ETH-PERP', 'BTC-PERP'] as const;
type Market = (typeof MARKETS)[number];
const ASSET: Readonly<Record<Market, string>> = { 'ETH-PERP': 'ETH', 'BTC-PERP': 'BTC' };
const OPEN: Readonly<Record<Market, bigint>> = { 'ETH-PERP': 2_000n, 'BTC-PERP': 30_000n };
const LOT: Readonly<Record<Market, bigint>> = { 'ETH-PERP': 100n, 'BTC-PERP': 10n };

function params(settle: boolean, floorPpm: number, sizing: 'partial' | 'whole') {
  const venue = (m: Market) => ({
    kind: 'book' as const,
    levels: [
      { priceOffsetPpm: 500n, sizeBase: 50n * LOT[m] },
      { priceOffsetPpm: 15_000n, sizeBase: 5_000n * LOT[m] },
    ],
  });
  const eth = testGenericMarket({ venue: venue('ETH-PERP') });
  const btc = testGenericMarket({ market: 'BTC-PERP', oracleAsset: 'BTC', venue: venue('BTC-PERP') });
  return {
    quoteAsset: 'USDC',
    markets: [eth, btc],
    liquidation: {
      sizing,
      targetRatioPpm: 1_000_000n,
      bufferPpm: 10_000n,
      liquidatorSharePpm: 300_000n,
      lossSteps: ['insurance', 'adl'],
      adlRanking: { kind: 'pnlLeverage' },
      ...(settle ? { settleCrossProfits: true } : {}),
    },
    portfolioMargin: {
      steps: 5,
      rangeSigmaPpm: 2_500_000n,
      floorPpm: BigInt(floorPpm),
      underlyings: [
        { underlying: 'ETH', sigmaPpm: 20_000n },
        { underlying: 'BTC', sigmaPpm: 20_000n },
      ],
      correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: 800_000n }],
    },
  };
}

const priceCommand = (m: Market, cents: bigint): Command => ({
  type: 'publishPrice',
  asset: ASSET[m],
  source: 'feed',
  price: cents * 10n ** 6n,
});

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
      .tuple(trader, market, fc.integer({ min: 1, max: 150 }), fc.boolean())
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
    // Joint moves: correlated (same sign) most of the time, a decoupling now and then.
    arbitrary: fc
      .tuple(fc.integer({ min: -25, max: 25 }), fc.integer({ min: -25, max: 25 }), fc.boolean())
      .map(([eth, btc, together]): (Command | Move)[] => [
        { type: '__move', eth, btc: together ? Math.round(eth * 0.8) : btc },
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
  const cents: Record<Market, bigint> = {
    'ETH-PERP': OPEN['ETH-PERP'] * 100n,
    'BTC-PERP': OPEN['BTC-PERP'] * 100n,
  };
  const out: Command[] = [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'configure', params: p },
    feedOracleCommand('ETH', 366 * 86_400),
    feedOracleCommand('BTC', 366 * 86_400),
    ...MARKETS.map((m) => priceCommand(m, cents[m])),
    { type: 'deposit', account: 'mm', amount: usdcUnits(100_000_000) },
    ...TRADERS.map((account): Command => ({ type: 'deposit', account, amount: usdcUnits(3_000) })),
    { type: 'fundInsurance', asset: 'USDC', amount: usdcUnits(500) },
  ];
  for (const c of groups.flat()) {
    if (c.type !== '__move') {
      out.push(c as Command);
      continue;
    }
    const move = c as Move;
    for (const [m, pct] of [
      ['ETH-PERP', move.eth],
      ['BTC-PERP', move.btc],
    ] as const) {
      const open = OPEN[m] * 100n;
      let next = (cents[m] * BigInt(100 + pct)) / 100n;
      if (next < open / 20n) next = open / 20n;
      if (next > open * 5n) next = open * 5n;
      cents[m] = next;
      out.push(priceCommand(m, next));
    }
  }
  return out.map((command, i) => ({ command, nowSeconds: 10 + i * 5 }));
}

describe('perps-generic contract with portfolio margin', () => {
  test('behavior: random sequences keep the contract, and liquidate (profits applied to shortfalls or not)', () => {
    const seen = { accepted: 0, liquidated: 0 };
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 300_000),
        fc.constantFrom<'partial' | 'whole'>('partial', 'partial', 'whole'),
        fc.array(groupArb, { minLength: 40, maxLength: 70 }),
        (settle, floorPpm, sizing, groups) => {
          const run = runContract(perpsGenericModel, timed(params(settle, floorPpm, sizing), groups));
          expect(run.violations).toEqual([]);
          seen.accepted += run.accepted;
          for (const { event } of run.log) {
            if (event.type === 'PerpLiquidated') seen.liquidated += 1;
          }
        },
      ),
      { numRuns: 25 },
    );
    expect(seen.accepted).toBeGreaterThanOrEqual(1_000);
    expect(seen.liquidated).toBeGreaterThan(0);
  }, 60_000);
});
