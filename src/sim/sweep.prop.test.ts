/**
 * Properties of sweeps: merging work-unit results gives the same bytes whatever order they arrive
 * in and however the paths were cut into units; the bisection always brackets a monotone boundary;
 * exact whole decimals read back exactly.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { pathSeeds } from './montecarlo.js';
import {
  exactWhole,
  mergeSweep,
  nextOptimizeValue,
  type OptimizeProbe,
  type OptimizeSpec,
  optimizeOutcome,
  planSweep,
  type SweepSpec,
  type UnitResult,
  type WorkUnit,
} from './sweep.js';

/**
 * A stand-in for `runWorkUnit` (a real run costs ~0.1 s): figures that depend only on the point and
 * the path, as a real run's do, with the path's true seed.
 */
function fakeRun(unit: WorkUnit, spec: SweepSpec): UnitResult {
  const seeds = spec.paths === 1 ? [spec.seed] : pathSeeds(spec.seed, spec.paths);
  const outcomes = [];
  for (let k = unit.seedStart; k < unit.seedStart + unit.seedCount; k++) {
    const h = Math.sin(unit.pointIndex * 7919 + k * 104_729) * 1e4;
    outcomes.push({
      pathIndex: k,
      seed: seeds[k] as number,
      badDebtUsd: Math.abs(h) * 13,
      liquidatedDebtUsd: Math.abs(h) * 101,
      keeperProfitUsd: h,
      borrowerLossUsd: Math.abs(h) / 3,
      zeroBidAuctions: Math.floor(Math.abs(h)) % 5,
    });
  }
  return { ...unit, outcomes };
}

/** `items` in the order of `keys` (a random permutation when the keys are random). */
function permuted<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

describe('mergeSweep', () => {
  test('behavior: the merge is the same for any arrival order and any cut into units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer(), { minLength: 200, maxLength: 200 }),
        fc.integer({ min: 0, max: 1000 }),
        (paths, cutA, cutB, columns, keys, seed) => {
          const spec: SweepSpec = {
            protocol: 'maker-liq2',
            source: { scenario: 'black-thursday-2020' },
            seed,
            accounts: 10,
            paths,
            knobs: [
              { knob: 'gas.flatGwei', values: [10, 20] },
              { knob: 'venue.depthUsd', values: [1e6, 2e6, 3e6].slice(0, columns) },
            ],
          };
          const a = { ...spec, pathsPerUnit: cutA };
          const b = { ...spec, pathsPerUnit: cutB };
          const inOrder = planSweep(a).map((u) => fakeRun(u, a));
          const shuffled = permuted(
            planSweep(b).map((u) => fakeRun(u, b)),
            keys,
          );
          expect(JSON.stringify(mergeSweep(spec, shuffled))).toBe(JSON.stringify(mergeSweep(spec, inOrder)));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('nextOptimizeValue', () => {
  test('behavior: on a monotone step the answer meets the target, within tolerance of the boundary', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        fc.boolean(),
        (minValue, width, at, toleranceFraction, falling) => {
          const maxValue = minValue + width;
          const boundary = minValue + at * width;
          const spec: OptimizeSpec = {
            knob: 'gas.flatGwei',
            minValue,
            maxValue,
            targetP99BadDebtUsd: 10,
            tolerance: toleranceFraction * width,
            direction: 'auto',
            wholeValues: false,
          };
          // Bad debt 100 on one side of the boundary, 0 on the other (plus a slope, still monotone).
          const p99 = (x: number): number =>
            falling ? (x < boundary ? 100 + (boundary - x) : 0) : x > boundary ? 100 + (x - boundary) : 0;
          const probes: OptimizeProbe[] = [];
          for (
            let v = nextOptimizeValue(spec, probes);
            v !== undefined;
            v = nextOptimizeValue(spec, probes)
          ) {
            probes.push({ value: v, p99BadDebtUsd: p99(v), p50BadDebtUsd: p99(v) });
          }
          const out = optimizeOutcome(spec, probes);
          expect(out.status).toBe('found');
          expect(out.trend).toBe(falling ? 'decreasing' : 'increasing');
          expect(p99(out.answer as number)).toBeLessThanOrEqual(10);
          expect(Math.abs((out.answer as number) - boundary)).toBeLessThanOrEqual(spec.tolerance);
          expect(out.monotonicityViolations).toEqual([]);
          expect(probes.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(1 / toleranceFraction)) + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('exactWhole', () => {
  test('behavior: a bigint written in full or as digits·10^k reads back exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 40 }),
        (x, k) => {
          expect(exactWhole(x.toString())).toBe(x);
          expect(exactWhole(`${x}e${k}`)).toBe(x * 10n ** BigInt(k));
          const digits = (x < 0n ? -x : x).toString();
          if (digits.length > 1) {
            const dotted = `${x < 0n ? '-' : ''}${digits[0]}.${digits.slice(1)}e${digits.length - 1}`;
            expect(exactWhole(dotted)).toBe(x);
          }
        },
      ),
    );
  });
});
