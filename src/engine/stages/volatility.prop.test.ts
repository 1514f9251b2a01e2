/**
 * Properties of the volatility stage over random price paths: the EWMA variance is a convex mix of
 * the previous variance and the sample (rounded up, so never below the exact mix), GARCH stays at
 * or above ω, folds respect the sampling interval, and the same path gives the same estimate.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import {
  anchorVolatility,
  foldVolatility,
  type VolatilityEstimate,
  type VolatilityParams,
} from './volatility.js';

const path = fc.array(
  fc.record({ dt: fc.integer({ min: 0, max: 7_200 }), cents: fc.bigInt({ min: 1n, max: 10_000_000n }) }),
  { minLength: 1, maxLength: 40 },
);

function run(params: VolatilityParams, steps: readonly { dt: number; cents: bigint }[]) {
  let estimate: VolatilityEstimate = anchorVolatility(params, {
    price: 200_000n,
    priceDecimals: 2,
    atSeconds: 0,
  });
  let t = 0;
  const folds: { before: bigint; sample: bigint; after: bigint; elapsed: number }[] = [];
  for (const s of steps) {
    t += s.dt;
    const fold = foldVolatility(params, estimate, { price: s.cents, priceDecimals: 2, atSeconds: t });
    if (fold === undefined) {
      expect(t - estimate.atSeconds).toBeLessThan(params.minSampleSeconds);
      continue;
    }
    folds.push({
      before: estimate.varianceAnnualWad,
      sample: fold.sampleVarianceAnnualWad,
      after: fold.estimate.varianceAnnualWad,
      elapsed: fold.elapsedSeconds,
    });
    estimate = fold.estimate;
  }
  return { estimate, folds };
}

describe('foldVolatility', () => {
  test('behavior: EWMA is a convex mix rounded up; GARCH ≥ ω; deterministic', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: WAD - 1n }),
        fc.integer({ min: 1, max: 900 }),
        path,
        (lambdaWad, minSampleSeconds, steps) => {
          const params: VolatilityParams = {
            model: 'ewma',
            lambdaWad,
            initialSigmaWad: 800_000_000_000_000_000n,
            minSampleSeconds,
          };
          const { estimate, folds } = run(params, steps);
          for (const f of folds) {
            expect(f.elapsed).toBeGreaterThanOrEqual(minSampleSeconds);
            const exactTimesWad = lambdaWad * f.before + (WAD - lambdaWad) * f.sample;
            expect(f.after * WAD).toBeGreaterThanOrEqual(exactTimesWad);
            expect(f.after * WAD).toBeLessThan(exactTimesWad + WAD);
            const lo = f.before < f.sample ? f.before : f.sample;
            const hi = f.before < f.sample ? f.sample : f.before;
            expect(f.after >= lo && f.after <= hi + 1n).toBe(true);
          }
          expect(run(params, steps).estimate).toEqual(estimate);
        },
      ),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: WAD }), path, (omegaWad, steps) => {
        const params: VolatilityParams = {
          model: 'garch',
          omegaWad,
          alphaWad: WAD / 10n,
          betaWad: (WAD * 85n) / 100n,
          initialSigmaWad: 0n,
          minSampleSeconds: 60,
        };
        for (const f of run(params, steps).folds) expect(f.after).toBeGreaterThanOrEqual(omegaWad);
      }),
      { numRuns: 100 },
    );
  });
});
