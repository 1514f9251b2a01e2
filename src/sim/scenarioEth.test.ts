/**
 * Tests of the ETH (and LUNA-week BTC) paths of the `luna-2022` and `usdc-depeg-2023` scenarios:
 * every path passes its cited levels (typed here from the Binance series named in the scenario's
 * citations, at times written as UTC dates, not offsets) for several seeds, and both scenarios run
 * through one protocol of each stress family with sane summaries.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_HEALTH_DISTRIBUTION, DEFAULT_MIN_COLLATERAL_RATIO } from './book.js';
import { getScenario } from './scenarios.js';
import { runStress, type StressResult } from './stress.js';
import { maxDrawdown, scenarioPathOf } from './testkit.js';

/** Unix seconds of a UTC date-time written `YYYY-MM-DDThh:mm`. */
function utc(isoMinute: string): number {
  return Date.parse(`${isoMinute}:00Z`) / 1000;
}

const pathOf = scenarioPathOf;

/** A cited level: the UTC time and the price the path must show there. */
type Level = readonly [isoMinute: string, priceUsd: number];

// eth-usd-2022-05-luna-ust-collapse.csv (Binance ETH/USDT 30-min closes) at 00:00 each day, and
// the 1,800.00 bar low of 05-12 05:00 (history.md §5; SOURCES.md).
const LUNA_ETH: readonly Level[] = [
  ['2022-05-07T00:00', 2687.1],
  ['2022-05-08T00:00', 2627.74],
  ['2022-05-09T00:00', 2519.52],
  ['2022-05-10T00:00', 2206.99],
  ['2022-05-11T00:00', 2377.22],
  ['2022-05-12T00:00', 2135.29],
  ['2022-05-12T05:00', 1800],
  ['2022-05-13T00:00', 1955.13],
];
// btc-usd-2022-05-luna-ust-collapse.csv, same times; the 26,700.00 bar low of 05-12 05:00.
const LUNA_BTC: readonly Level[] = [
  ['2022-05-07T00:00', 35972.47],
  ['2022-05-08T00:00', 35339.76],
  ['2022-05-09T00:00', 34067.8],
  ['2022-05-10T00:00', 29919.99],
  ['2022-05-11T00:00', 31228.05],
  ['2022-05-12T00:00', 29765.63],
  ['2022-05-12T05:00', 26700],
  ['2022-05-13T00:00', 28992.79],
];
// eth-usd-2023-03-usdc-depeg.csv (Binance ETH/USDT 5-min closes): the start, 00:00 each day, the
// 1,368.39 bar low of 03-10 10:40 (SOURCES.md) and the end.
const SVB_ETH: readonly Level[] = [
  ['2023-03-09T11:20', 1533.38],
  ['2023-03-10T00:00', 1436.13],
  ['2023-03-10T10:40', 1368.39],
  ['2023-03-11T00:00', 1428.36],
  ['2023-03-12T00:00', 1470.06],
  ['2023-03-13T00:00', 1577.94],
  ['2023-03-13T12:00', 1581.58],
];

const SEEDS = [1, 2, 3, 7, 42];

describe('scenarioPaths ETH levels', () => {
  const cases: [string, string, readonly Level[]][] = [
    ['luna-2022', 'ETH', LUNA_ETH],
    ['luna-2022', 'BTC', LUNA_BTC],
    ['usdc-depeg-2023', 'ETH', SVB_ETH],
  ];

  test.each(cases)('default: %s %s passes its cited levels for every seed', (id, symbol, levels) => {
    const s = getScenario(id);
    const first = levels[0] as Level;
    const last = levels[levels.length - 1] as Level;
    // The scenario's window is the cited window: its first level at the start, its last at the end.
    expect(s.startUnixSeconds).toBe(utc(first[0]));
    expect(s.startUnixSeconds + s.durationSeconds).toBe(utc(last[0]));
    for (const seed of SEEDS) {
      const byTime = new Map(pathOf(id, symbol, seed).map((p) => [p.tSeconds, p.price]));
      for (const [iso, price] of levels) expect(byTime.get(utc(iso)), `${id} ${symbol} ${iso}`).toBe(price);
    }
  });

  test.each(cases)(
    'behavior: %s %s stays between its cited extremes, so the low is the low',
    (id, symbol, levels) => {
      const lo = Math.min(...levels.map(([, p]) => p));
      const hi = Math.max(...levels.map(([, p]) => p));
      for (const seed of SEEDS) {
        const prices = pathOf(id, symbol, seed).map((p) => p.price);
        expect(Math.min(...prices)).toBe(lo);
        expect(Math.max(...prices)).toBe(hi);
      }
    },
  );

  test('behavior: the drawdowns are the cited ones', () => {
    for (const seed of SEEDS) {
      // LUNA week: the start is the highest level, so the drawdown is 2,687.10 → 1,800 (−33.0 %).
      expect(maxDrawdown(pathOf('luna-2022', 'ETH', seed))).toBeCloseTo(1 - 1800 / 2687.1, 12);
      expect(maxDrawdown(pathOf('luna-2022', 'BTC', seed))).toBeCloseTo(1 - 26700 / 35972.47, 12);
      // SVB: 1,533.38 at the start → 1,368.39 (−10.8 %) at least; the path may rise above the start
      // before the low, but never above its highest level 1,581.58 (the end).
      const svb = maxDrawdown(pathOf('usdc-depeg-2023', 'ETH', seed));
      expect(svb).toBeGreaterThanOrEqual(1 - 1368.39 / 1533.38 - 1e-12);
      expect(svb).toBeLessThanOrEqual(1 - 1368.39 / 1581.58 + 1e-12);
    }
  });

  test('behavior: σ makes the biggest 24-h fall of the cited closes a 4σ day', () => {
    // ln(high / low) / (4·√(1/365)), by hand: ETH 05-11 09:30 2,436.07 → 05-12 05:30 1,835.29;
    // BTC 05-11 10:30 31,843.87 → 05-12 06:30 27,114.84; ETH 03-09 14:15 1,545.48 → 03-10 10:40 1,375.66.
    const sigma = (id: string, symbol: string) =>
      getScenario(id).assets.find((a) => a.symbol === symbol)?.volatilityPerYear;
    expect(sigma('luna-2022', 'ETH')).toBeCloseTo(1.3526, 3);
    expect(sigma('luna-2022', 'BTC')).toBeCloseTo(0.7678, 3);
    expect(sigma('usdc-depeg-2023', 'ETH')).toBeCloseTo(0.556, 3);
  });

  test('behavior: the new assets sit beside the old ones, uncorrelated, and the gaps say so', () => {
    expect(getScenario('luna-2022').assets.map((a) => a.symbol)).toEqual(['LUNA', 'ETH', 'BTC']);
    expect(getScenario('usdc-depeg-2023').assets.map((a) => a.symbol)).toEqual(['USDC', 'DAI', 'BTC', 'ETH']);
    // No correlation is published for the new assets, and the gaps say so.
    for (const id of ['luna-2022', 'usdc-depeg-2023']) {
      const s = getScenario(id);
      expect(s.correlations.some((c) => c.a === 'ETH' || c.b === 'ETH')).toBe(false);
      expect(s.gaps.some((g) => /correlation/.test(g))).toBe(true);
      expect(s.gaps.some((g) => /ETH[^.]*left out/.test(g))).toBe(false);
    }
  });
});

/**
 * Share of a default synthetic book (opened at collateral ratio minCR·(1 + e), e from the default
 * mixture of shifted exponentials) whose ratio falls below `liquidationRatio` when ETH falls to
 * `priceRatio` of its opening price: P(minCR·(1 + e)·priceRatio < liquidationRatio), by hand from
 * the mixture's CDF (book.ts header), independent of the stress code.
 */
function liquidableShare(priceRatio: number, liquidationRatio: number): number {
  const eMax = liquidationRatio / (DEFAULT_MIN_COLLATERAL_RATIO * priceRatio) - 1;
  const weight = DEFAULT_HEALTH_DISTRIBUTION.components.reduce((s, c) => s + c.weight, 0);
  return DEFAULT_HEALTH_DISTRIBUTION.components.reduce(
    (s, c) => s + (c.weight / weight) * (1 - Math.exp(-Math.max(0, eMax - c.floorExcess) / c.meanExcess)),
    0,
  );
}

describe('runStress on luna-2022 and usdc-depeg-2023', () => {
  // One protocol of each family the stress lab runs.
  const PROTOCOLS = [
    'maker-liq2',
    'aave-v3.3',
    'compound-v3',
    'liquity-v1',
    'crvusd',
    'euler-v2',
    'perps-generic',
    'gmx-v2',
  ];
  const ACCOUNTS = 40;
  // Grid points: every 300 s over the window, both ends included (6 days; 4 days 40 min).
  const STEPS: Record<string, number> = {
    'luna-2022': (6 * 86_400) / 300 + 1,
    'usdc-depeg-2023': (4 * 86_400 + 40 * 60) / 300 + 1,
  };
  // Each run once, on first use (seed 7).
  const runs = new Map<string, StressResult>();
  const run = (protocol: string, scenario: string): StressResult => {
    const key = `${protocol} ${scenario}`;
    let r = runs.get(key);
    if (r === undefined) {
      r = runStress({ protocol, scenario, seed: 7, accounts: ACCOUNTS });
      runs.set(key, r);
    }
    return r;
  };

  test.each(Object.keys(STEPS).flatMap((s) => PROTOCOLS.map((p) => [p, s])))(
    'default: %s runs %s with a sane summary',
    (protocol, scenario) => {
      const { summary, series } = run(protocol, scenario);
      expect(summary.protocol).toBe(protocol);
      expect(summary.scenario).toBe(scenario);
      expect(summary.steps).toBe(STEPS[scenario]);
      expect(series).toHaveLength(summary.steps);
      expect(summary.accounts).toBeGreaterThan(0);
      expect(summary.accounts + summary.accountsSkipped).toBeLessThanOrEqual(ACCOUNTS);
      for (const [key, value] of Object.entries(summary)) {
        if (typeof value === 'number') expect(Number.isFinite(value), key).toBe(true);
      }
      for (const key of ['liquidations', 'liquidatedDebtUsd', 'badDebtUsd', 'keeperTransactions'] as const) {
        expect(summary[key], key).toBeGreaterThanOrEqual(0);
      }
      // The run is driven by the scenario's ETH path: its first step is the cited start level.
      const start = scenario === 'luna-2022' ? 2687.1 : 1533.38;
      expect(series[0]?.marketPriceUsd).toBeCloseTo(start, 6);
    },
  );

  test('behavior: the LUNA-week fall to 1,800 reaches the oracle and liquidates Maker and Aave books', () => {
    // The feed publishes on a 0.5 % deviation (DEFAULT_STRESS_ORACLE) and luna-2022 suggests an
    // undelayed Chainlink feed (no OSM hop for Maker), so at the 05-12 05:00 low the oracle reads at
    // most 1,800 × 1.005: a ratio ≤ 0.6732 to the opening price 2,687.10. A default book opens at
    // ≥ 150 %: Maker ETH-A (mat 145 %) liquidates an account whose excess is below
    // 1.45 / (1.5 × 0.6732) − 1 = 43.6 %, Aave WETH (LT 82.5 %, ratio 1 / 0.825) below 20.0 %; the
    // mixture puts ≈ 36 % and ≈ 14.4 % of accounts there. P(no liquidable account) is then
    // 0.64^37 < 1e-7 for Maker's 40-account book (≥ 37 open past dust) and 0.856^100 ≈ 2e-7 for a
    // 100-account Aave book (0.856^40 ≈ 0.2 % would not be certain).
    const lowAt = utc('2022-05-12T05:00');
    const oracleCap = 1800 * 1.005;
    const priceRatio = oracleCap / 2687.1;
    const cases: [string, number, number][] = [
      ['maker-liq2', liquidableShare(priceRatio, 1.45), ACCOUNTS],
      ['aave-v3.3', liquidableShare(priceRatio, 1 / 0.825), 100],
    ];
    expect(cases[0]?.[1]).toBeCloseTo(0.36, 2);
    expect(cases[1]?.[1]).toBeCloseTo(0.144, 2);
    for (const [protocol, share, accounts] of cases) {
      const { summary, series } =
        accounts === ACCOUNTS
          ? run(protocol, 'luna-2022')
          : runStress({ protocol, scenario: 'luna-2022', seed: 7, accounts });
      expect(series.find((p) => p.t === lowAt)?.oraclePriceUsd).toBeLessThanOrEqual(oracleCap);
      expect((1 - share) ** summary.accounts, protocol).toBeLessThan(1e-6);
      expect(summary.liquidations, protocol).toBeGreaterThan(0);
      expect(summary.liquidatedDebtUsd, protocol).toBeGreaterThan(0);
    }
  });

  test('behavior: the SVB fall (−10.8 %) cannot liquidate an Aave or Comet book opened at ≥ 150 %', () => {
    // ETH never goes below 1,368.39 / 1,533.38 = 0.8924 of its opening price, so every account
    // keeps a ratio ≥ 1.5 × 0.8924 = 1.339, above Aave's 1 / 0.825 = 1.212 and Comet's
    // 1 / 0.895 = 1.117 (WETH liquidate factor); four days of interest cannot close a 10 % gap.
    expect(1.5 * (1368.39 / 1533.38)).toBeGreaterThan((1 / 0.825) * 1.1);
    expect(liquidableShare(1368.39 / 1533.38, 1 / 0.825)).toBe(0);
    for (const protocol of ['aave-v3.3', 'compound-v3']) {
      const { summary } = run(protocol, 'usdc-depeg-2023');
      expect(summary.liquidations, protocol).toBe(0);
      expect(summary.badDebtUsd, protocol).toBe(0);
    }
  });
});
