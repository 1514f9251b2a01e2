/**
 * The pure half of Monte Carlo stress runs: a seed per path derived from the run seed and the path
 * index, percentiles with a stated definition, seeded bootstrap confidence intervals, and a merge of
 * per-path outcomes that gives the same result whatever order the workers finished in.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { assert } from '../math/errors.js';
import { createRng, type Rng, split, streamRange, withRng } from './rng.js';

/** What one Monte Carlo path of one protocol contributes to the statistics. USD figures are float64. */
export interface PathOutcome {
  /** 0-based path index. */
  readonly pathIndex: number;
  /** The seed the path was run with (see {@link pathSeeds}). */
  readonly seed: number;
  /** Bad debt at the end of the path, USD. */
  readonly badDebtUsd: number;
  /** Debt liquidated over the path, USD. */
  readonly liquidatedDebtUsd: number;
}

/** A 95 % confidence interval `[low, high]`, in the unit of the statistic. */
export type Interval = readonly [number, number];

/** Distribution statistics of one metric over the paths, in the metric's unit (USD here). */
export interface MetricStats {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Percentile bootstrap 95 % intervals of p50, p95, p99 and the mean. */
  readonly ci95: {
    readonly p50: Interval;
    readonly p95: Interval;
    readonly p99: Interval;
    readonly mean: Interval;
  };
}

/** The Monte Carlo block of a stress summary: insolvency VaR (bad debt) and LaR (liquidated debt). */
export interface MonteCarloSummary {
  readonly paths: number;
  /** How percentiles are computed (see {@link percentile}). */
  readonly percentileMethod: 'linear-interpolation (Hyndman-Fan type 7)';
  /** Bootstrap resamples behind each interval. */
  readonly bootstrapResamples: number;
  readonly badDebtUsd: MetricStats;
  readonly liquidatedDebtUsd: MetricStats;
  /** Each path's bad debt, USD, in path order (index k is path k): the distribution behind the stats. */
  readonly badDebtUsdByPath: readonly number[];
  /** Each path's liquidated debt, USD, in path order. */
  readonly liquidatedDebtUsdByPath: readonly number[];
}

/** Default number of bootstrap resamples. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
/** Most paths a run may have. */
export const MONTE_CARLO_PATHS_MAX = 1_000_000;
/** Labels of the bootstrap generators (children of the run's root via `split`), one per metric. */
const BOOTSTRAP_LABEL = { badDebtUsd: 1_000_001, liquidatedDebtUsd: 1_000_002 } as const;
const TWO_POW_53 = 2 ** 53;

function requirePaths(paths: number, field: string): void {
  if (!Number.isSafeInteger(paths) || paths < 1 || paths > MONTE_CARLO_PATHS_MAX) {
    throw new InvalidParameterError(
      field,
      `must be a whole number in [1, ${MONTE_CARLO_PATHS_MAX}], got ${paths}`,
    );
  }
}

/**
 * The seeds of paths 0 .. `count − 1` of a run: path k's seed is the first uniform of stream k of
 * the run seed's generator (`streamRange`), scaled by 2^53, so it is a safe integer in [0, 2^53)
 * (a path can be rerun alone with `--seed`) and depends only on the run seed and k, never on how
 * paths are spread over workers.
 * @throws InvalidParameterError (field `seed`) for a bad seed, (field `paths`) unless
 * 1 ≤ count ≤ {@link MONTE_CARLO_PATHS_MAX}.
 */
export function pathSeeds(runSeed: number | bigint, count: number): number[] {
  requirePaths(count, 'paths');
  const root = createRng(runSeed);
  // uniform() is a multiple of 2^-53 in [0, 1), so the product is an exact integer below 2^53.
  return streamRange(root, 0, count).map((stream) => withRng(stream, (d) => d.uniform()).value * TWO_POW_53);
}

/**
 * The `q` quantile of `values` (any order; not mutated) by linear interpolation between order
 * statistics, Hyndman and Fan's definition 7 (the default of R and NumPy): with the values sorted
 * ascending x[0..n−1] and h = (n − 1)·q, the result is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * So q = 0 is the minimum, q = 1 the maximum, and one value is its own every quantile.
 * @throws InvalidParameterError (field `values`) when empty or not all finite, (field `q`) unless
 * 0 ≤ q ≤ 1.
 */
export function percentile(values: readonly number[], q: number): number {
  requireValues(values);
  requireQuantile(q);
  return percentileOfSorted(sortedCopy(values), q);
}

function requireValues(values: readonly number[]): void {
  if (values.length === 0) throw new InvalidParameterError('values', 'must not be empty');
  if (!values.every(Number.isFinite)) throw new InvalidParameterError('values', 'must all be finite numbers');
}

function requireQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new InvalidParameterError('q', `must be in [0, 1], got ${q}`);
}

function sortedCopy(values: readonly number[]): Float64Array {
  // Float64Array sorts numerically (and is faster than Array#sort with a comparator).
  return Float64Array.from(values).sort();
}

function percentileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  assert(n > 0, 'percentile of an empty sample');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const x0 = sorted[lo] as number;
  if (lo + 1 >= n) return x0;
  const x1 = sorted[lo + 1] as number;
  return x0 + (h - lo) * (x1 - x0);
}

function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** Options of {@link bootstrapCi}. */
export interface BootstrapOptions {
  /** Resamples, whole ≥ 1 (default {@link DEFAULT_BOOTSTRAP_RESAMPLES}). */
  readonly resamples?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  readonly level?: number;
}

/**
 * Percentile-bootstrap confidence intervals of several statistics of one sample, with a seeded
 * generator: each resample draws n indices ⌊U·n⌋ with replacement (U uniform in [0, 1); the bias of
 * the floor is below n·2^-53), every statistic is computed on it, and each interval is the
 * (1 − level)/2 and (1 + level)/2 quantiles ({@link percentile}'s definition) of that statistic
 * over the resamples. Statistics receive the resample sorted ascending. Same rng, same intervals.
 * @throws InvalidParameterError (field `values`) when empty or not finite, (field `resamples`)
 * unless a whole number ≥ 1, (field `level`) unless in (0, 1).
 */
export function bootstrapCi<K extends string>(
  rng: Rng,
  values: readonly number[],
  statistics: Readonly<Record<K, (sorted: Float64Array) => number>>,
  options: BootstrapOptions = {},
): Record<K, Interval> {
  requireValues(values);
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = options.level ?? 0.95;
  if (!Number.isSafeInteger(resamples) || resamples < 1) {
    throw new InvalidParameterError('resamples', `must be a whole number ≥ 1, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) throw new InvalidParameterError('level', `must be in (0, 1), got ${level}`);
  const keys = Object.keys(statistics) as K[];
  const n = values.length;
  const draws: Record<string, number[]> = {};
  for (const key of keys) draws[key] = [];
  withRng(rng, (d) => {
    const sample = new Float64Array(n);
    for (let b = 0; b < resamples; b++) {
      for (let i = 0; i < n; i++) sample[i] = values[Math.floor(d.uniform() * n)] as number;
      sample.sort();
      for (const key of keys) (draws[key] as number[]).push(statistics[key](sample));
    }
  });
  const out = {} as Record<K, Interval>;
  for (const key of keys) {
    const sorted = sortedCopy(draws[key] as number[]);
    out[key] = [percentileOfSorted(sorted, (1 - level) / 2), percentileOfSorted(sorted, (1 + level) / 2)];
  }
  return out;
}

/**
 * Outcomes sorted by path index, checked to be exactly paths 0 .. n − 1 once each: the result is the
 * same whatever order they arrive in (workers finish in any order). Input not mutated.
 * @throws InvalidParameterError (field `outcomes`) when empty, or a path index is missing,
 * repeated or out of range.
 */
export function mergePathOutcomes(outcomes: readonly PathOutcome[]): PathOutcome[] {
  if (outcomes.length === 0) throw new InvalidParameterError('outcomes', 'no path outcomes to merge');
  const sorted = [...outcomes].sort((a, b) => a.pathIndex - b.pathIndex);
  sorted.forEach((o, k) => {
    if (o.pathIndex !== k) {
      throw new InvalidParameterError(
        'outcomes',
        `expected path ${k} at position ${k}, got path ${o.pathIndex}`,
        'Each path 0 .. n-1 must appear exactly once.',
      );
    }
  });
  return sorted;
}

function metricStats(rng: Rng, values: readonly number[], resamples: number): MetricStats {
  const sorted = sortedCopy(values);
  const ci95 = bootstrapCi(
    rng,
    values,
    {
      p50: (s) => percentileOfSorted(s, 0.5),
      p95: (s) => percentileOfSorted(s, 0.95),
      p99: (s) => percentileOfSorted(s, 0.99),
      mean: meanOf,
    },
    { resamples, level: 0.95 },
  );
  return {
    p50: percentileOfSorted(sorted, 0.5),
    p95: percentileOfSorted(sorted, 0.95),
    p99: percentileOfSorted(sorted, 0.99),
    mean: meanOf(sorted),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    ci95,
  };
}

/**
 * The Monte Carlo block of one protocol: outcomes merged by path index ({@link mergePathOutcomes}),
 * then p50/p95/p99, mean, min and max of bad debt and liquidated debt with bootstrap 95 % intervals,
 * and every path's two figures in path order (for histograms of the distribution).
 * Each metric's bootstrap uses its own child generator of the run seed (`split` with a fixed label),
 * so the block depends only on the run seed and the outcomes, not on their order.
 * @throws InvalidParameterError for a bad seed, bad outcomes (see {@link mergePathOutcomes}),
 * non-finite figures or a bad `resamples`.
 */
export function summarizeMonteCarlo(
  runSeed: number | bigint,
  outcomes: readonly PathOutcome[],
  resamples: number = DEFAULT_BOOTSTRAP_RESAMPLES,
): MonteCarloSummary {
  const merged = mergePathOutcomes(outcomes);
  const root = createRng(runSeed);
  const badDebtUsdByPath = merged.map((o) => o.badDebtUsd);
  const liquidatedDebtUsdByPath = merged.map((o) => o.liquidatedDebtUsd);
  return {
    paths: merged.length,
    percentileMethod: 'linear-interpolation (Hyndman-Fan type 7)',
    bootstrapResamples: resamples,
    badDebtUsd: metricStats(split(root, BOOTSTRAP_LABEL.badDebtUsd), badDebtUsdByPath, resamples),
    liquidatedDebtUsd: metricStats(
      split(root, BOOTSTRAP_LABEL.liquidatedDebtUsd),
      liquidatedDebtUsdByPath,
      resamples,
    ),
    badDebtUsdByPath,
    liquidatedDebtUsdByPath,
  };
}
