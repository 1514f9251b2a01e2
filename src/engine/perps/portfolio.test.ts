/**
 * Tests of the portfolio margin stage: integer square root, exact leading minors, the Cholesky
 * loadings of a correlation matrix, the compiled configuration and its refusals, and the worst
 * loss over the scenario grid, all with values derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import {
  compilePortfolioMargin,
  correlationLoadings,
  isqrt,
  leadingMinors,
  type PortfolioLeg,
  type PortfolioMarginParams,
  portfolioBallGrid,
  portfolioLiquidationLeg,
  portfolioRequirement,
} from './portfolio.js';

const U = 1_000_000n; // USDC units of $1

/** ETH and BTC, σ 2 % each, ±2.5σ in 5 steps (m = 2), ρ = 0.8: k·σ = 5 % = a 5 % maintenance rate. */
const PARAMS: PortfolioMarginParams = {
  steps: 5,
  rangeSigmaPpm: 2_500_000n,
  underlyings: [
    { underlying: 'ETH', sigmaPpm: 20_000n },
    { underlying: 'BTC', sigmaPpm: 20_000n },
  ],
  correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: 800_000n }],
};
const CONFIG = compilePortfolioMargin(PARAMS, 'pm');

/** A leg of `dollars` notional (exact: up = down), maintenance 5 %. */
function leg(market: string, underlying: string, side: 1n | -1n, dollars: bigint): PortfolioLeg {
  return {
    market,
    underlying,
    sizeBase: side * dollars,
    notionalUpQuote: dollars * U,
    notionalDownQuote: dollars * U,
    maintenanceQuote: (dollars * U * 5n) / 100n,
  };
}

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return (e as InvalidParameterError).field;
  }
  throw new Error('accepted');
}

describe('isqrt', () => {
  test('default: floor of the square root, exact beyond float precision', () => {
    expect([0n, 1n, 15n, 16n, 17n].map(isqrt)).toEqual([0n, 1n, 3n, 4n, 4n]);
    expect(isqrt(10n ** 24n)).toBe(10n ** 12n);
    expect(isqrt((10n ** 20n + 1n) ** 2n - 1n)).toBe(10n ** 20n);
    expect(isqrt((10n ** 20n + 1n) ** 2n)).toBe(10n ** 20n + 1n);
  });

  test('error: a negative number', () => {
    expect(() => isqrt(-1n)).toThrow(InvalidParameterError);
  });
});

describe('leadingMinors', () => {
  test('default: 1×1 and 2×2 minors of a ppm correlation matrix', () => {
    // det [[1e6, 8e5], [8e5, 1e6]] = 1e12 − 6.4e11 = 3.6e11.
    expect(
      leadingMinors([
        [U, 800_000n],
        [800_000n, U],
      ]),
    ).toEqual([U, 360_000_000_000n]);
  });

  test('behavior: a 3×3 determinant by hand, and zeros after a zero pivot', () => {
    // [[2,1,0],[1,2,1],[0,1,2]]: minors 2, 3, 2·(4−1) − 1·(2−0) = 4.
    expect(
      leadingMinors([
        [2n, 1n, 0n],
        [1n, 2n, 1n],
        [0n, 1n, 2n],
      ]),
    ).toEqual([2n, 3n, 4n]);
    expect(
      leadingMinors([
        [0n, 1n],
        [1n, 0n],
      ]),
    ).toEqual([0n, 0n]);
  });
});

describe('correlationLoadings', () => {
  test('default: ρ = 0.8 gives the rows (1, 0) and (0.8, 0.6)', () => {
    expect(
      correlationLoadings(
        [
          [U, 800_000n],
          [800_000n, U],
        ],
        'c',
      ),
    ).toEqual([
      [U, 0n],
      [800_000n, 600_000n],
    ]);
  });

  test('behavior: ρ_ab = 0.8, ρ_ac = 0.6, ρ_bc = 0.48 (c independent of b given a): rows exact', () => {
    // L20 = 0.6; L21 = (0.48 − 0.6·0.8)/0.6 = 0; L22 = √(1 − 0.36) = 0.8.
    expect(
      correlationLoadings(
        [
          [U, 800_000n, 600_000n],
          [800_000n, U, 480_000n],
          [600_000n, 480_000n, U],
        ],
        'c',
      ),
    ).toEqual([
      [U, 0n, 0n],
      [800_000n, 600_000n, 0n],
      [600_000n, 0n, 800_000n],
    ]);
  });

  test('behavior: every row has Σ loading² ≤ 1e12 and reproduces ρ to about a ppm', () => {
    // ρ = 0.7 needs √0.51 = 0.714142..., floored to 714142.
    const l = correlationLoadings(
      [
        [U, 700_000n],
        [700_000n, U],
      ],
      'c',
    );
    expect(l[1]).toEqual([700_000n, 714_142n]);
    expect(700_000n ** 2n + 714_142n ** 2n <= U * U).toBe(true);
    expect(700_000n ** 2n + 714_143n ** 2n > U * U).toBe(true);
  });

  test('error: not positive definite, not symmetric, a diagonal other than 1', () => {
    // 1 − 0.81 − 0.81 < 0: a and c both 0.9 with b but 0 with each other is impossible.
    const bad = [
      [U, 900_000n, 0n],
      [900_000n, U, 900_000n],
      [0n, 900_000n, U],
    ];
    expect(fieldOf(() => correlationLoadings(bad, 'pm.correlations'))).toBe('pm.correlations');
    expect(
      fieldOf(() =>
        correlationLoadings(
          [
            [U, 1n],
            [2n, U],
          ],
          'x',
        ),
      ),
    ).toBe('x');
    expect(
      fieldOf(() =>
        correlationLoadings(
          [
            [U, 0n],
            [0n, 2n],
          ],
          'x',
        ),
      ),
    ).toBe('x');
  });
});

describe('compilePortfolioMargin', () => {
  test('default: m = 2, floor 0, loadings from the correlation', () => {
    expect(CONFIG).toEqual({
      halfSteps: 2,
      rangeSigmaPpm: 2_500_000n,
      floorPpm: 0n,
      factorCount: 2,
      underlyings: [
        { underlying: 'ETH', sigmaPpm: 20_000n, loadingsPpm: [U, 0n] },
        { underlying: 'BTC', sigmaPpm: 20_000n, loadingsPpm: [800_000n, 600_000n] },
      ],
    });
  });

  test('behavior: loadings given directly (one market factor) are kept as they are', () => {
    const c = compilePortfolioMargin(
      {
        steps: 3,
        rangeSigmaPpm: 3_000_000n,
        floorPpm: 250_000n,
        underlyings: [
          { underlying: 'ETH', sigmaPpm: 10_000n, loadingsPpm: [U] },
          { underlying: 'ETH2', sigmaPpm: 10_000n, loadingsPpm: [U] },
        ],
      },
      'pm',
    );
    expect(c.factorCount).toBe(1);
    expect(c.underlyings.map((u) => u.loadingsPpm)).toEqual([[U], [U]]);
    expect(c.floorPpm).toBe(250_000n);
  });

  test('error: each refusal names its field', () => {
    const with_ = (over: Partial<PortfolioMarginParams>) => () =>
      compilePortfolioMargin({ ...PARAMS, ...over }, 'pm');
    expect(fieldOf(with_({ steps: 4 }))).toBe('pm.steps');
    expect(fieldOf(with_({ steps: 1 }))).toBe('pm.steps');
    expect(fieldOf(with_({ rangeSigmaPpm: 0n }))).toBe('pm.rangeSigmaPpm');
    expect(fieldOf(with_({ floorPpm: 1_000_001n }))).toBe('pm.floorPpm');
    expect(fieldOf(with_({ underlyings: [] }))).toBe('pm.underlyings');
    expect(
      fieldOf(
        with_({
          underlyings: [
            { underlying: 'ETH', sigmaPpm: 1n },
            { underlying: 'ETH', sigmaPpm: 1n },
          ],
          correlations: [],
        }),
      ),
    ).toBe('pm.underlyings.1.underlying');
    expect(fieldOf(with_({ underlyings: [{ underlying: 'ETH', sigmaPpm: 0n }] }))).toBe(
      'pm.underlyings.0.sigmaPpm',
    );
    expect(fieldOf(with_({ correlations: [{ a: 'ETH', b: 'SOL', correlationPpm: 1n }] }))).toBe(
      'pm.correlations.0.b',
    );
    expect(fieldOf(with_({ correlations: [{ a: 'ETH', b: 'ETH', correlationPpm: 1n }] }))).toBe(
      'pm.correlations.0.b',
    );
    expect(fieldOf(with_({ correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: U }] }))).toBe(
      'pm.correlations.0.correlationPpm',
    );
    expect(
      fieldOf(
        with_({
          correlations: [
            { a: 'ETH', b: 'BTC', correlationPpm: 1n },
            { a: 'BTC', b: 'ETH', correlationPpm: 1n },
          ],
        }),
      ),
    ).toBe('pm.correlations.1');
    expect(
      fieldOf(
        with_({
          correlations: undefined as never,
          underlyings: [
            { underlying: 'ETH', sigmaPpm: 1n, loadingsPpm: [U] },
            { underlying: 'BTC', sigmaPpm: 1n },
          ],
        }),
      ),
    ).toBe('pm.underlyings.1.loadingsPpm');
    expect(
      fieldOf(
        with_({
          underlyings: [
            { underlying: 'ETH', sigmaPpm: 1n, loadingsPpm: [U] },
            { underlying: 'BTC', sigmaPpm: 1n, loadingsPpm: [U] },
          ],
        }),
      ),
    ).toBe('pm.correlations');
    const norm = { ...PARAMS, underlyings: [{ underlying: 'ETH', sigmaPpm: 1n, loadingsPpm: [U, 1n] }] };
    const { correlations: _c, ...noCorrelations } = norm;
    expect(fieldOf(() => compilePortfolioMargin(noCorrelations, 'pm'))).toBe('pm.underlyings.0.loadingsPpm');
    // 101^3 > 100,000 grid points.
    const three = {
      steps: 101,
      rangeSigmaPpm: U,
      underlyings: ['A', 'B', 'C'].map((underlying) => ({ underlying, sigmaPpm: 1n })),
    };
    expect(fieldOf(() => compilePortfolioMargin(three, 'pm'))).toBe('pm.steps');
  });
});

describe('portfolioBallGrid', () => {
  test('default: the integer points of the radius-2 disc', () => {
    // 13 points: the origin, 4 at distance 1, 4 at √2, 4 at 2.
    const grid = portfolioBallGrid(2, 2);
    expect(grid.length).toBe(13);
    expect(grid).toContainEqual([0, 2]);
    expect(grid).not.toContainEqual([1, 2]);
    expect(portfolioBallGrid(1, 3)).toEqual([[-3], [-2], [-1], [0], [1], [2], [3]]);
    expect(portfolioBallGrid(0, 3)).toEqual([[]]);
  });
});

describe('portfolioRequirement', () => {
  test('default: a lone long loses k·σ = 5 % of its notional: the classic maintenance margin', () => {
    const r = portfolioRequirement([leg('ETH-PERP', 'ETH', 1n, 10_000n)], CONFIG, 500n * U);
    expect(r.worstLossQuote).toBe(500n * U);
    expect(r.requirementQuote).toBe(500n * U);
    expect(r.floorQuote).toBe(0n);
    expect(r.worstScenario).toEqual({ kind: 'driver', underlying: 'ETH', level: -2 });
    expect(r.worstShockPpm).toEqual({ ETH: -50_000n });
    expect(r.legLossQuote).toEqual({ 'ETH-PERP': 500n * U });
  });

  test('behavior: long $10k ETH, short $10k BTC at ρ = 0.8 needs $300, not the $1,000 sum', () => {
    // Drivers: ETH −5 % with BTC −4 %: 500 − 400 = 100. Ball (step 2.5 %·(β·g)): loss =
    // 250·(−0.2·g1 + 0.6·g2), largest at g = (0, 2): ETH 0, BTC +3 %: 300 (the exact k-σ VaR of
    // the spread would be 500·√(2 − 1.6) = 316).
    const legs = [leg('BTC-PERP', 'BTC', -1n, 10_000n), leg('ETH-PERP', 'ETH', 1n, 10_000n)];
    const r = portfolioRequirement(legs, CONFIG, 1_000n * U);
    expect(r.worstLossQuote).toBe(300n * U);
    expect(r.requirementQuote).toBe(300n * U);
    expect(r.perPositionQuote).toBe(1_000n * U);
    expect(r.worstScenario).toEqual({ kind: 'ball', grid: [0, 2] });
    expect(r.worstShockPpm).toEqual({ ETH: 0n, BTC: 30_000n });
    expect(r.legLossQuote).toEqual({ 'BTC-PERP': 300n * U, 'ETH-PERP': 0n });
    expect(portfolioLiquidationLeg(legs, r)).toBe('BTC-PERP');
  });

  test('behavior: the floor binds at 50 % of the per-position sum and picks the largest margin', () => {
    const floored = compilePortfolioMargin({ ...PARAMS, floorPpm: 500_000n }, 'pm');
    const legs = [leg('BTC-PERP', 'BTC', -1n, 10_000n), leg('ETH-PERP', 'ETH', 1n, 12_000n)];
    const r = portfolioRequirement(legs, floored, 1_100n * U);
    expect(r.floorQuote).toBe(550n * U);
    expect(r.requirementQuote).toBe(550n * U);
    // ETH's own margin (600) is the larger.
    expect(portfolioLiquidationLeg(legs, r)).toBe('ETH-PERP');
  });

  test('behavior: two markets on one underlying, opposite and equal, lose nothing', () => {
    const legs = [leg('ETH-A', 'ETH', 1n, 10_000n), leg('ETH-B', 'ETH', -1n, 10_000n)];
    const r = portfolioRequirement(legs, CONFIG, 1_000n * U);
    expect(r.worstLossQuote).toBe(0n);
    expect(r.worstScenario).toEqual({ kind: 'none' });
  });

  test('behavior: losses round up on the notional rounded up, gains down on the notional rounded down', () => {
    // Long: up 1,000,001, down 1,000,000 units: loss ⌈1,000,001 × 5 %⌉ = 50,001. A short of the
    // same notionals on BTC in the driver ETH −5 % (BTC −4 %) gains ⌊1,000,000 × 4 %⌋ = 40,000.
    const odd = (market: string, underlying: string, side: 1n | -1n): PortfolioLeg => ({
      market,
      underlying,
      sizeBase: side,
      notionalUpQuote: 1_000_001n,
      notionalDownQuote: 1_000_000n,
      maintenanceQuote: 50_001n,
    });
    expect(portfolioRequirement([odd('E', 'ETH', 1n)], CONFIG, 50_001n).worstLossQuote).toBe(50_001n);
    const both = portfolioRequirement([odd('B', 'BTC', -1n), odd('E', 'ETH', 1n)], CONFIG, 100_002n);
    // Ball (0, 2): BTC +3 % loses ⌈1,000,001 × 3 %⌉ = 30,001, ETH unmoved; drivers give 50,001 − 40,000.
    expect(both.worstLossQuote).toBe(30_001n);
  });

  test('error: a leg on an underlying the configuration does not list', () => {
    expect(() => portfolioRequirement([leg('SOL-PERP', 'SOL', 1n, 1n)], CONFIG, 0n)).toThrow(
      InvalidParameterError,
    );
  });
});
