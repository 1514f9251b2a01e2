/** Tests of the pure Monte Carlo helpers: path seeds, percentiles, bootstrap intervals and the merge. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  bootstrapCi,
  mergePathOutcomes,
  type PathOutcome,
  pathSeeds,
  percentile,
  summarizeMonteCarlo,
} from './montecarlo.js';
import { createRng, streamAt, uniform, uniforms } from './rng.js';

describe('pathSeeds', () => {
  test('default: path k gets the first uniform of stream k times 2^53', () => {
    const seeds = pathSeeds(7, 4);
    seeds.forEach((seed, k) => {
      expect(seed).toBe(uniform(streamAt(createRng(7), k)).value * 2 ** 53);
      expect(Number.isSafeInteger(seed)).toBe(true);
    });
    expect(new Set(seeds).size).toBe(4);
  });

  test('behavior: a path keeps its seed whatever the path count (no dependence on batching)', () => {
    expect(pathSeeds(3, 6).slice(0, 3)).toEqual(pathSeeds(3, 3));
    expect(pathSeeds(3, 3)).not.toEqual(pathSeeds(4, 3));
  });

  test('error: a bad path count', () => {
    expect(() => pathSeeds(1, 0)).toThrow(InvalidParameterError);
    expect(() => pathSeeds(1, 1.5)).toThrow(InvalidParameterError);
  });
});

describe('percentile', () => {
  test('default: linear interpolation between order statistics (type 7), by hand', () => {
    // Sorted 1, 2, 3, 4: h = 3·0.5 = 1.5 → 2 + 0.5·(3 − 2).
    expect(percentile([3, 1, 4, 2], 0.5)).toBe(2.5);
    // h = 4·0.95 = 3.8 → 40 + 0.8·10.
    expect(percentile([50, 10, 40, 20, 30], 0.95)).toBeCloseTo(48, 12);
    // h = 4·0.25 = 1 exactly → the second value.
    expect(percentile([50, 10, 40, 20, 30], 0.25)).toBe(20);
  });

  test('behavior: the ends are min and max; one value is every quantile; input not mutated', () => {
    const values = [5, -1, 9];
    expect(percentile(values, 0)).toBe(-1);
    expect(percentile(values, 1)).toBe(9);
    expect(percentile([42], 0.99)).toBe(42);
    expect(values).toEqual([5, -1, 9]);
  });

  test('error: an empty sample, a non-finite value, q outside [0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow(InvalidParameterError);
    expect(() => percentile([1, Number.NaN], 0.5)).toThrow(InvalidParameterError);
    expect(() => percentile([1, 2], 1.5)).toThrow(InvalidParameterError);
    expect(() => percentile([1, 2], -0.1)).toThrow(InvalidParameterError);
  });
});

describe('bootstrapCi', () => {
  test('default: one resample draws indices ⌊U·n⌋ from the rng, by hand', () => {
    const rng = createRng(11);
    const values = [10, 20, 30];
    const u = uniforms(rng, 3).value;
    const resample = Array.from(u, (x) => values[Math.floor(x * 3)] as number).sort((a, b) => a - b);
    const ci = bootstrapCi(
      rng,
      values,
      { low: (s) => s[0] as number, high: (s) => s[2] as number },
      {
        resamples: 1,
      },
    );
    expect(ci.low).toEqual([resample[0], resample[0]]);
    expect(ci.high).toEqual([resample[2], resample[2]]);
  });

  test('behavior: seeded (same rng, same intervals); a constant sample has a zero-width interval', () => {
    const values = [1, 5, 2, 8, 3, 9, 4];
    const mean = (s: Float64Array) => s.reduce((a, b) => a + b, 0) / s.length;
    const a = bootstrapCi(createRng(5), values, { mean });
    expect(bootstrapCi(createRng(5), values, { mean })).toEqual(a);
    const [lo, hi] = a.mean;
    expect(lo).toBeLessThan(hi);
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(9);
    expect(bootstrapCi(createRng(5), [4, 4, 4], { mean }).mean).toEqual([4, 4]);
  });

  test('error: bad resamples or level', () => {
    const stat = { m: (s: Float64Array) => s[0] as number };
    expect(() => bootstrapCi(createRng(1), [1], stat, { resamples: 0 })).toThrow(InvalidParameterError);
    expect(() => bootstrapCi(createRng(1), [1], stat, { level: 1 })).toThrow(InvalidParameterError);
    expect(() => bootstrapCi(createRng(1), [], stat)).toThrow(InvalidParameterError);
  });
});

const outcome = (pathIndex: number, badDebtUsd: number): PathOutcome => ({
  pathIndex,
  seed: 100 + pathIndex,
  badDebtUsd,
  liquidatedDebtUsd: 10 * badDebtUsd,
});

describe('mergePathOutcomes', () => {
  test('default: sorted by path index whatever the arrival order; input not mutated', () => {
    const arrived = [outcome(2, 5), outcome(0, 1), outcome(1, 3)];
    expect(mergePathOutcomes(arrived)).toEqual([outcome(0, 1), outcome(1, 3), outcome(2, 5)]);
    expect(arrived[0]).toEqual(outcome(2, 5));
  });

  test('error: a missing, repeated or out-of-range path, or none', () => {
    expect(() => mergePathOutcomes([outcome(0, 1), outcome(2, 1)])).toThrow(InvalidParameterError);
    expect(() => mergePathOutcomes([outcome(0, 1), outcome(0, 1)])).toThrow(InvalidParameterError);
    expect(() => mergePathOutcomes([outcome(1, 1)])).toThrow(InvalidParameterError);
    expect(() => mergePathOutcomes([])).toThrow(InvalidParameterError);
  });
});

describe('summarizeMonteCarlo', () => {
  const outcomes = [0, 7, 1, 4, 0, 9, 2, 3].map((d, k) => outcome(k, d));

  test('default: percentiles and mean of each metric over the paths', () => {
    const s = summarizeMonteCarlo(7, outcomes, 200);
    expect(s.paths).toBe(8);
    // Sorted 0 0 1 2 3 4 7 9: h = 7·0.5 = 3.5 → 2.5; h = 7·0.99 = 6.93 → 7 + 0.93·2.
    expect(s.badDebtUsd.p50).toBe(2.5);
    expect(s.badDebtUsd.p99).toBeCloseTo(8.86, 12);
    expect(s.badDebtUsd.mean).toBe(26 / 8);
    expect(s.badDebtUsd.min).toBe(0);
    expect(s.badDebtUsd.max).toBe(9);
    expect(s.liquidatedDebtUsd.p50).toBe(25);
    const [lo, hi] = s.badDebtUsd.ci95.p99;
    expect(lo).toBeLessThanOrEqual(hi);
    expect(hi).toBeLessThanOrEqual(9);
  });

  test('behavior: per-path figures in path order, whatever order the outcomes arrived in', () => {
    // The table above, by path index: 0, 7, 1, 4, 0, 9, 2, 3 (liquidated debt is ten times as much).
    const shuffled = [5, 2, 7, 0, 3, 6, 1, 4].map((k) => outcomes[k] as PathOutcome);
    const s = summarizeMonteCarlo(7, shuffled, 50);
    expect(s.badDebtUsdByPath).toEqual([0, 7, 1, 4, 0, 9, 2, 3]);
    expect(s.liquidatedDebtUsdByPath).toEqual([0, 70, 10, 40, 0, 90, 20, 30]);
  });

  test('behavior: order-independent (the merge is deterministic) and seeded', () => {
    const a = summarizeMonteCarlo(7, outcomes, 200);
    expect(summarizeMonteCarlo(7, [...outcomes].reverse(), 200)).toEqual(a);
    expect(summarizeMonteCarlo(8, outcomes, 200).badDebtUsd.ci95).not.toEqual(a.badDebtUsd.ci95);
  });
});
