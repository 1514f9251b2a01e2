/**
 * Tests of the price-path generators: determinism bit for bit, closed forms when the noise is off,
 * and the published moments of each model checked with tolerances of four standard errors of the
 * sampling statistic (fixed seeds, so the tests are reproducible).
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { InvalidDecimalsError } from '../math/errors.js';
import { Rounding } from '../math/mulDiv.js';
import {
  brownianBridgePath,
  cholesky,
  correlatedGbmPaths,
  depegPath,
  depegShape,
  floatToScaledInteger,
  garchOmegaFor,
  garchPath,
  gbmPath,
  jumpDiffusionPath,
  type PricePath,
  SECONDS_PER_YEAR,
  toOraclePrices,
} from './paths.js';
import { createRng, normals, type Rng, streamRange } from './rng.js';

function logReturns(path: PricePath): number[] {
  const out: number[] = [];
  for (let i = 1; i < path.length; i++) {
    out.push(Math.log((path[i]?.price as number) / (path[i - 1]?.price as number)));
  }
  return out;
}

function meanOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function varianceOf(xs: readonly number[]): number {
  const m = meanOf(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}

function correlationOf(xs: readonly number[], ys: readonly number[]): number {
  const mx = meanOf(xs);
  const my = meanOf(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error('expected an InvalidParameterError');
}

/** Checks `estimate` is within 4 standard errors of `expected`. */
function expectWithin4Se(estimate: number, expected: number, standardError: number): void {
  expect(Math.abs(estimate - expected)).toBeLessThan(4 * standardError);
}

const DAY = 86_400;

describe('gbmPath', () => {
  const params = {
    initialPrice: 2000,
    driftPerYear: 0.1,
    volatilityPerYear: 0.8,
    stepSeconds: 300,
    steps: 50,
  };

  test('default: steps + 1 points on the grid, starting at the initial price, one normal per step', () => {
    const rng = createRng(1);
    const { path, rng: after } = gbmPath(rng, { ...params, startSeconds: 1_000 });
    expect(path).toHaveLength(51);
    expect(path[0]).toEqual({ tSeconds: 1_000, price: 2000 });
    expect(path.map((p) => p.tSeconds)).toEqual(Array.from({ length: 51 }, (_, k) => 1_000 + 300 * k));
    expect(after).toEqual(normals(rng, 50).rng);
  });

  test('behavior: the same seed gives the same path bit for bit; another seed another path', () => {
    const a = gbmPath(createRng(7), params).path;
    const b = gbmPath(createRng(7), params).path;
    expect(a.every((p, i) => Object.is(p.price, b[i]?.price))).toBe(true);
    const c = gbmPath(createRng(8), params).path;
    expect(c.slice(1).every((p, i) => p.price !== a[i + 1]?.price)).toBe(true);
  });

  test('behavior: with zero volatility the path is S0·e^{μt}', () => {
    const { path } = gbmPath(createRng(1), { ...params, volatilityPerYear: 0, stepSeconds: DAY, steps: 365 });
    for (const p of path) {
      const expected = 2000 * Math.exp((0.1 * p.tSeconds) / SECONDS_PER_YEAR);
      expect(Math.abs(p.price / expected - 1)).toBeLessThan(1e-12);
    }
  });

  test('behavior: log-return mean (μ − σ²/2)Δt and variance σ²Δt within 4 standard errors', () => {
    const n = 20_000;
    const dt = 1 / 365;
    // Case A: a large drift (tests μ); case B: a large volatility (tests the −σ²/2 term, 11 SE wide).
    for (const [mu, sigma, seed] of [
      [2, 0.3, 101],
      [0, 3, 102],
    ] as const) {
      const { path } = gbmPath(createRng(seed), {
        initialPrice: 100,
        driftPerYear: mu,
        volatilityPerYear: sigma,
        stepSeconds: DAY,
        steps: n,
      });
      const r = logReturns(path);
      const v = sigma * sigma * dt;
      expectWithin4Se(meanOf(r), (mu - (sigma * sigma) / 2) * dt, Math.sqrt(v / n));
      expectWithin4Se(varianceOf(r), v, v * Math.sqrt(2 / (n - 1)));
    }
  });

  test('error: bad parameters name their field', () => {
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, initialPrice: 0 }))).toBe('initialPrice');
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, volatilityPerYear: -0.1 }))).toBe(
      'volatilityPerYear',
    );
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, driftPerYear: Number.NaN }))).toBe(
      'driftPerYear',
    );
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, steps: 0 }))).toBe('steps');
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, steps: 2.5 }))).toBe('steps');
    expect(fieldOf(() => gbmPath(createRng(1), { ...params, stepSeconds: 0 }))).toBe('stepSeconds');
  });
});

describe('jumpDiffusionPath', () => {
  const base = {
    initialPrice: 100,
    driftPerYear: 0.05,
    volatilityPerYear: 0,
    jumpIntensityPerYear: 1000,
    jumpLogMean: -0.1,
    jumpLogStd: 0,
    stepSeconds: 3600,
    steps: 20_000,
  };

  test('default: without diffusion or jump spread, every step is the compensated drift plus N·m', () => {
    const { path, jumpCount } = jumpDiffusionPath(createRng(3), base);
    const dt = 3600 / SECONDS_PER_YEAR;
    const kappa = Math.exp(-0.1) - 1;
    const driftLog = (0.05 - 1000 * kappa) * dt;
    let counted = 0;
    for (const r of logReturns(path)) {
      const n = (r - driftLog) / -0.1;
      expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-6);
      expect(Math.round(n)).toBeGreaterThanOrEqual(0);
      counted += Math.round(n);
    }
    expect(counted).toBe(jumpCount);
    // Jump count over the path is Poisson(λT): standard error √(λT).
    const expected = 1000 * dt * 20_000;
    expectWithin4Se(jumpCount, expected, Math.sqrt(expected));
  });

  test('behavior: log-return mean and variance with diffusion and jump spread within 4 standard errors', () => {
    const p = { ...base, volatilityPerYear: 0.6, jumpIntensityPerYear: 200, jumpLogStd: 0.05, steps: 40_000 };
    const { path } = jumpDiffusionPath(createRng(4), p);
    const r = logReturns(path);
    const dt = 3600 / SECONDS_PER_YEAR;
    const kappa = Math.exp(-0.1 + 0.05 ** 2 / 2) - 1;
    const mean = (0.05 - 0.6 ** 2 / 2 - 200 * kappa) * dt + 200 * dt * -0.1;
    const variance = 0.6 ** 2 * dt + 200 * dt * (0.1 ** 2 + 0.05 ** 2);
    expectWithin4Se(meanOf(r), mean, Math.sqrt(variance / r.length));
    // Jumps make the tails fat, so bound the variance's standard error with the sample's 4th moment.
    const m = meanOf(r);
    const m4 = meanOf(r.map((x) => (x - m) ** 4));
    expectWithin4Se(varianceOf(r), variance, Math.sqrt((m4 - variance * variance) / r.length));
  });

  test('behavior: deterministic by seed', () => {
    const a = jumpDiffusionPath(createRng(9), { ...base, steps: 100 });
    const b = jumpDiffusionPath(createRng(9), { ...base, steps: 100 });
    expect(a).toEqual(b);
  });

  test('error: bad parameters name their field', () => {
    expect(fieldOf(() => jumpDiffusionPath(createRng(1), { ...base, jumpIntensityPerYear: -1 }))).toBe(
      'jumpIntensityPerYear',
    );
    expect(fieldOf(() => jumpDiffusionPath(createRng(1), { ...base, jumpLogStd: -1 }))).toBe('jumpLogStd');
    expect(fieldOf(() => jumpDiffusionPath(createRng(1), { ...base, jumpLogMean: Number.NaN }))).toBe(
      'jumpLogMean',
    );
  });
});

describe('garchPath', () => {
  const alpha = 0.1;
  const beta = 0.85;
  const stepSeconds = 300;
  const omega = garchOmegaFor(0.8, { stepSeconds, alpha, beta });

  test('default: the conditional variances follow σ²ₖ₊₁ = ω + α·εₖ² + β·σ²ₖ from the unconditional start', () => {
    const { path, variancePerStep } = garchPath(createRng(5), {
      initialPrice: 100,
      omega,
      alpha,
      beta,
      meanLogReturnPerStep: 1e-5,
      stepSeconds,
      steps: 500,
    });
    const r = logReturns(path).map((x) => x - 1e-5);
    let v = omega / (1 - alpha - beta);
    for (let k = 0; k < r.length; k++) {
      expect(Math.abs((variancePerStep[k] as number) / v - 1)).toBeLessThan(1e-9);
      v = omega + alpha * (r[k] as number) ** 2 + beta * v;
    }
  });

  test('behavior: E[ε²] is the target variance σ²Δt within 4 standard errors over independent paths', () => {
    const paths = 200;
    const steps = 500;
    const target = (0.8 * 0.8 * stepSeconds) / SECONDS_PER_YEAR;
    const pathMeans = streamRange(createRng(6), 0, paths).map((rng) => {
      const { path } = garchPath(rng, { initialPrice: 100, omega, alpha, beta, stepSeconds, steps });
      return meanOf(logReturns(path).map((x) => x * x));
    });
    // Paths are independent, so the standard error comes from the spread of the path means.
    expectWithin4Se(meanOf(pathMeans), target, Math.sqrt(varianceOf(pathMeans) / paths));
  });

  test('error: non-stationary or negative parameters name their field', () => {
    const p = { initialPrice: 100, omega, alpha, beta, stepSeconds, steps: 10 };
    expect(fieldOf(() => garchPath(createRng(1), { ...p, alpha: 0.2, beta: 0.8 }))).toBe('alpha + beta');
    expect(fieldOf(() => garchPath(createRng(1), { ...p, alpha: 0.3, beta: 0.8 }))).toBe('alpha + beta');
    expect(fieldOf(() => garchPath(createRng(1), { ...p, omega: 0 }))).toBe('omega');
    expect(fieldOf(() => garchPath(createRng(1), { ...p, alpha: -0.1 }))).toBe('alpha');
    expect(fieldOf(() => garchPath(createRng(1), { ...p, initialVariancePerStep: 0 }))).toBe(
      'initialVariancePerStep',
    );
    expect(fieldOf(() => garchOmegaFor(0.5, { stepSeconds, alpha: 0.5, beta: 0.5 }))).toBe('alpha + beta');
  });
});

describe('brownianBridgePath', () => {
  const params = {
    initialPrice: 200,
    targetPrice: 90,
    startSeconds: 1_000,
    targetSeconds: 1_000 + DAY,
    stepSeconds: 3600,
    volatilityPerYear: 0.8,
  };

  test('default: the last point is exactly the target', () => {
    for (const seed of [1, 2, 3]) {
      const { path } = brownianBridgePath(createRng(seed), params);
      expect(path).toHaveLength(25);
      expect(path[0]).toEqual({ tSeconds: 1_000, price: 200 });
      expect(path[24]).toEqual({ tSeconds: 1_000 + DAY, price: 90 });
    }
  });

  test('behavior: without volatility it is the straight line in log price', () => {
    const { path, rng } = brownianBridgePath(createRng(1), { ...params, volatilityPerYear: 0 });
    path.forEach((p, k) => {
      const expected = Math.exp(Math.log(200) + (k / 24) * (Math.log(90) - Math.log(200)));
      expect(Math.abs(p.price / expected - 1)).toBeLessThan(1e-12);
    });
    expect(rng).toEqual(normals(createRng(1), 23).rng);
  });

  test('behavior: a step that does not divide the span ends with a shorter step at the target', () => {
    const { path } = brownianBridgePath(createRng(1), {
      ...params,
      startSeconds: 0,
      targetSeconds: 10,
      stepSeconds: 3,
    });
    expect(path.map((p) => p.tSeconds)).toEqual([0, 3, 6, 9, 10]);
  });

  test('behavior: log price at τ has mean on the line and variance σ²τ(T − τ)/T within 4 standard errors', () => {
    const n = 10_000;
    const paths = streamRange(createRng(7), 0, n).map((rng) => brownianBridgePath(rng, params).path);
    const T = DAY / SECONDS_PER_YEAR;
    // k = 12 is the midpoint (variance σ²T/4); k = 20 is where a bridge without the (r − h)/r
    // shrink of each step's variance would be 16 % too wide, 11 standard errors away.
    for (const k of [12, 20]) {
      const tau = (k * 3600) / SECONDS_PER_YEAR;
      const logs = paths.map((path) => Math.log(path[k]?.price as number));
      const variance = (0.8 * 0.8 * tau * (T - tau)) / T;
      const mean = Math.log(200) + (k / 24) * (Math.log(90) - Math.log(200));
      expectWithin4Se(meanOf(logs), mean, Math.sqrt(variance / n));
      expectWithin4Se(varianceOf(logs), variance, variance * Math.sqrt(2 / (n - 1)));
    }
  });

  test('error: a target not after the start, or a bad price, names its field', () => {
    expect(fieldOf(() => brownianBridgePath(createRng(1), { ...params, targetSeconds: 1_000 }))).toBe(
      'targetSeconds',
    );
    expect(fieldOf(() => brownianBridgePath(createRng(1), { ...params, targetPrice: 0 }))).toBe(
      'targetPrice',
    );
    expect(fieldOf(() => brownianBridgePath(createRng(1), { ...params, stepSeconds: -1 }))).toBe(
      'stepSeconds',
    );
  });
});

describe('cholesky', () => {
  test('default: the factor of a hand-worked matrix', () => {
    // [[4, 2], [2, 3]] = [[2, 0], [1, √2]] · [[2, 1], [0, √2]].
    expect(
      cholesky([
        [4, 2],
        [2, 3],
      ]),
    ).toEqual([
      [2, 0],
      [1, Math.SQRT2],
    ]);
  });

  test('error: not positive definite', () => {
    expect(
      fieldOf(() =>
        cholesky([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toBe('correlation');
  });
});

describe('correlatedGbmPaths', () => {
  const correlation = [
    [1, 0.6, -0.3],
    [0.6, 1, 0.2],
    [-0.3, 0.2, 1],
  ];
  const assets = [
    { initialPrice: 2000, driftPerYear: 0, volatilityPerYear: 0.8 },
    { initialPrice: 30_000, driftPerYear: 0, volatilityPerYear: 0.6 },
    { initialPrice: 50, driftPerYear: 0, volatilityPerYear: 1.2 },
  ];

  test('default: log-return correlations and variances within 4 standard errors', () => {
    const n = 20_000;
    const { paths } = correlatedGbmPaths(createRng(8), { assets, correlation, stepSeconds: 600, steps: n });
    const r = paths.map(logReturns);
    const dt = 600 / SECONDS_PER_YEAR;
    for (let i = 0; i < 3; i++) {
      const v = (assets[i]?.volatilityPerYear as number) ** 2 * dt;
      expectWithin4Se(varianceOf(r[i] as number[]), v, v * Math.sqrt(2 / (n - 1)));
      for (let j = i + 1; j < 3; j++) {
        const rho = correlation[i]?.[j] as number;
        // Standard error of a sample correlation of normals: (1 − ρ²)/√n.
        expectWithin4Se(
          correlationOf(r[i] as number[], r[j] as number[]),
          rho,
          (1 - rho * rho) / Math.sqrt(n),
        );
      }
    }
  });

  test('behavior: one asset is exactly gbmPath with the same seed', () => {
    const grid = { stepSeconds: 300, steps: 100, startSeconds: 5 };
    const one = correlatedGbmPaths(createRng(9), {
      assets: [assets[0] as (typeof assets)[0]],
      correlation: [[1]],
      ...grid,
    });
    const plain = gbmPath(createRng(9), { ...(assets[0] as (typeof assets)[0]), ...grid });
    expect(one.paths[0]).toEqual(plain.path);
    expect(one.rng).toEqual(plain.rng);
  });

  test('behavior: deterministic by seed', () => {
    const p = { assets, correlation, stepSeconds: 60, steps: 50 };
    expect(correlatedGbmPaths(createRng(10), p)).toEqual(correlatedGbmPaths(createRng(10), p));
  });

  test('error: bad matrices name the field', () => {
    const p = { assets, stepSeconds: 60, steps: 5 };
    const run =
      (m: number[][], a = assets) =>
      () =>
        correlatedGbmPaths(createRng(1), { ...p, assets: a, correlation: m });
    // Pairwise fine, jointly impossible: not positive definite.
    const notPd = [
      [1, 0.9, 0.9],
      [0.9, 1, -0.9],
      [0.9, -0.9, 1],
    ];
    expect(fieldOf(run(notPd))).toBe('correlation');
    const perfect = [
      [1, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ];
    expect(fieldOf(run(perfect))).toBe('correlation');
    const asymmetric = [
      [1, 0.5, 0],
      [0.4, 1, 0],
      [0, 0, 1],
    ];
    expect(fieldOf(run(asymmetric))).toBe('correlation[0][1]');
    const badDiagonal = [
      [0.9, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(fieldOf(run(badDiagonal))).toBe('correlation[0][0]');
    const outOfRange = [
      [1, 1.2, 0],
      [1.2, 1, 0],
      [0, 0, 1],
    ];
    expect(fieldOf(run(outOfRange))).toBe('correlation[0][1]');
    expect(
      fieldOf(
        run([
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toBe('correlation');
    expect(
      fieldOf(
        run([
          [1, 0, 0],
          [0, 1],
          [0, 0, 1],
        ]),
      ),
    ).toBe('correlation[1]');
    expect(fieldOf(run([], []))).toBe('assets');
    expect(
      fieldOf(
        run(correlation, [assets[0], { ...assets[1], volatilityPerYear: -1 }, assets[2]] as typeof assets),
      ),
    ).toBe('assets[1].volatilityPerYear');
  });
});

describe('depegShape', () => {
  const shape = {
    pegPrice: 1,
    floorPrice: 0.87,
    depegStartSeconds: 100,
    fallSeconds: 50,
    holdSeconds: 20,
    recovery: { recoverSeconds: 100 },
  };

  test('default: peg, linear fall, hold, linear recovery, peg', () => {
    const table: readonly [number, number][] = [
      [0, 1],
      [100, 1],
      [125, 0.935],
      [150, 0.87],
      [170, 0.87],
      [220, 0.935],
      [270, 1],
      [10_000, 1],
    ];
    for (const [t, price] of table) expect(depegShape(shape, t)).toBeCloseTo(price, 12);
  });

  test('behavior: without recovery it stays at the floor; a partial recovery stops at its price', () => {
    const { recovery: _, ...noRecovery } = shape;
    expect(depegShape(noRecovery, 1e9)).toBe(0.87);
    expect(depegShape({ ...shape, recovery: { recoverSeconds: 100, recoveredPrice: 0.95 } }, 1e9)).toBe(0.95);
  });

  test('error: a floor not below the peg, or a zero fall time', () => {
    expect(fieldOf(() => depegShape({ ...shape, floorPrice: 1 }, 0))).toBe('floorPrice');
    expect(fieldOf(() => depegShape({ ...shape, fallSeconds: 0 }, 0))).toBe('fallSeconds');
  });
});

describe('depegPath', () => {
  const params = {
    floorPrice: 0.87,
    depegStartSeconds: 3_600,
    fallSeconds: 14 * 3_600,
    holdSeconds: 6 * 3_600,
    recovery: { recoverSeconds: 48 * 3_600 },
    stepSeconds: 600,
    steps: 600,
  };

  test('default: without noise the path is the shape and no draw is made', () => {
    const rng = createRng(1);
    const result = depegPath(rng, params);
    expect(result.rng).toBe(rng);
    expect(result.path).toHaveLength(601);
    for (const p of result.path) expect(p.price).toBe(depegShape(params, p.tSeconds));
    expect(Math.min(...result.path.map((p) => p.price))).toBe(0.87);
  });

  test('behavior: OU noise has variance σ²(1 − e^{−2κt})/(2κ) at time t, within 4 standard errors', () => {
    const noise = { volatilityPerYear: 0.5, meanReversionPerYear: 200 };
    const n = 4_000;
    const p = { ...params, noise, steps: 10 };
    const devs = streamRange(createRng(11), 0, n).map((rng: Rng) => {
      const { path } = depegPath(rng, p);
      const last = path[10] as { tSeconds: number; price: number };
      return Math.log(last.price / depegShape(p, last.tSeconds));
    });
    const t = 6_000 / SECONDS_PER_YEAR;
    const variance = (0.25 * -Math.expm1(-2 * 200 * t)) / (2 * 200);
    expectWithin4Se(meanOf(devs), 0, Math.sqrt(variance / n));
    expectWithin4Se(varianceOf(devs), variance, variance * Math.sqrt(2 / (n - 1)));
  });

  test('behavior: noisy paths are deterministic by seed', () => {
    const p = { ...params, noise: { volatilityPerYear: 0.2, meanReversionPerYear: 0 } };
    expect(depegPath(createRng(12), p)).toEqual(depegPath(createRng(12), p));
    expect(depegPath(createRng(12), p).path).not.toEqual(depegPath(createRng(13), p).path);
  });

  test('error: bad parameters name their field', () => {
    expect(fieldOf(() => depegPath(createRng(1), { ...params, recovery: { recoverSeconds: 0 } }))).toBe(
      'recovery.recoverSeconds',
    );
    expect(
      fieldOf(() =>
        depegPath(createRng(1), { ...params, noise: { volatilityPerYear: -1, meanReversionPerYear: 0 } }),
      ),
    ).toBe('noise.volatilityPerYear');
    expect(fieldOf(() => depegPath(createRng(1), { ...params, floorPrice: 1.2 }))).toBe('floorPrice');
  });
});

describe('floatToScaledInteger', () => {
  test('default: the exact binary value, rounded once', () => {
    // The double nearest 0.1 is 0.1000000000000000055511151231257827021181583404541015625.
    const tenth = (decimals: number, rounding: Rounding) =>
      floatToScaledInteger(0.1, { priceDecimals: decimals, rounding });
    expect(tenth(1, Rounding.Down)).toBe(1n);
    expect(tenth(1, Rounding.Up)).toBe(2n);
    expect(tenth(1, Rounding.HalfUp)).toBe(1n);
    expect(tenth(18, Rounding.Down)).toBe(100_000_000_000_000_005n);
    expect(tenth(18, Rounding.Up)).toBe(100_000_000_000_000_006n);
    expect(tenth(18, Rounding.HalfUp)).toBe(100_000_000_000_000_006n);
  });

  test('behavior: exact values need no rounding; ties follow the rounding', () => {
    for (const r of [Rounding.Down, Rounding.Up, Rounding.HalfUp]) {
      expect(floatToScaledInteger(1234.5, { priceDecimals: 8, rounding: r })).toBe(123_450_000_000n);
      expect(floatToScaledInteger(2 ** 60, { priceDecimals: 2, rounding: r })).toBe(2n ** 60n * 100n);
      expect(floatToScaledInteger(0, { priceDecimals: 18, rounding: r })).toBe(0n);
    }
    // 0.125 is exact in binary: 12.5 at two decimals is a true tie.
    expect(floatToScaledInteger(0.125, { priceDecimals: 2, rounding: Rounding.Down })).toBe(12n);
    expect(floatToScaledInteger(0.125, { priceDecimals: 2, rounding: Rounding.HalfUp })).toBe(13n);
    expect(floatToScaledInteger(0.125, { priceDecimals: 2, rounding: Rounding.Up })).toBe(13n);
    // The smallest subnormal, 2^-1074.
    expect(floatToScaledInteger(5e-324, { priceDecimals: 0, rounding: Rounding.Down })).toBe(0n);
    expect(floatToScaledInteger(5e-324, { priceDecimals: 0, rounding: Rounding.Up })).toBe(1n);
  });

  test('error: negative or non-finite prices, bad decimals', () => {
    const o = { priceDecimals: 8, rounding: Rounding.Down };
    expect(fieldOf(() => floatToScaledInteger(-1, o))).toBe('price');
    expect(fieldOf(() => floatToScaledInteger(Number.NaN, o))).toBe('price');
    expect(fieldOf(() => floatToScaledInteger(Number.POSITIVE_INFINITY, o))).toBe('price');
    expect(() => floatToScaledInteger(1, { ...o, priceDecimals: 256 })).toThrow(InvalidDecimalsError);
  });
});

describe('toOraclePrices', () => {
  test('default: converts every point and keeps the times', () => {
    const path = [
      { tSeconds: 0, price: 1834.25 },
      { tSeconds: 60, price: 0.1 },
    ];
    expect(toOraclePrices(path, { priceDecimals: 8, rounding: Rounding.HalfUp })).toEqual([
      { tSeconds: 0, price: 183_425_000_000n },
      { tSeconds: 60, price: 10_000_000n },
    ]);
  });
});
