/**
 * Properties of the predictive stage: the probability is within [0, 1] and, beyond its stated
 * error, non-increasing in health and non-decreasing in σ√T; the soft-call health H* agrees with
 * the probability threshold (accounts at or below H* have probability ≥ p up to the stated error,
 * those above it less); de-leveraging is never allowed below health 1, nor above both the
 * pre-liquidation health and H*.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { barrierHitProbabilityWad, deleverageReason, softCallHealthWad } from './predictive.js';

const health = fc.bigInt({ min: WAD / 2n, max: 3n * WAD });
const sigma = fc.bigInt({ min: 10n ** 15n, max: WAD });
/** The stated error bound of barrierHitProbabilityWad, ulps. */
const bound = (s: bigint) => 3n + (8n * (WAD + s)) / (10n * s);

describe('barrierHitProbabilityWad', () => {
  test('behavior: a probability, monotone in health and in σ√T up to its error bound', () => {
    fc.assert(
      fc.property(health, health, sigma, sigma, (h1, h2, s1, s2) => {
        const [hLo, hHi] = h1 < h2 ? [h1, h2] : [h2, h1];
        const [sLo, sHi] = s1 < s2 ? [s1, s2] : [s2, s1];
        const p = barrierHitProbabilityWad(hLo, sLo);
        expect(p >= 0n && p <= WAD).toBe(true);
        expect(barrierHitProbabilityWad(hHi, sLo)).toBeLessThanOrEqual(p + 2n * bound(sLo));
        expect(barrierHitProbabilityWad(hLo, sHi) + 2n * bound(sLo)).toBeGreaterThanOrEqual(p);
      }),
      { numRuns: 200 },
    );
  });
});

describe('softCallHealthWad', () => {
  test('behavior: health ≤ H* exactly when the probability passes the threshold (within the error)', () => {
    fc.assert(
      fc.property(health, sigma, fc.constantFrom(10n ** 16n, 5n * 10n ** 16n, 2n * 10n ** 17n), (h, s, p) => {
        const star = softCallHealthWad(s, p);
        const prob = barrierHitProbabilityWad(h, s);
        // The quantile is within ~1e4 ulps of z, i.e. ≤ 1e4·φ·WAD/s ulps of probability.
        const slack = bound(s) + (10_000n * WAD) / s;
        if (h <= star) expect(prob + slack).toBeGreaterThanOrEqual(p);
        else expect(prob).toBeLessThan(p + slack);
      }),
      { numRuns: 200 },
    );
  });
});

describe('deleverageReason', () => {
  test('behavior: never below health 1, never above both bands', () => {
    fc.assert(
      fc.property(
        health,
        fc.bigInt({ min: WAD, max: 2n * WAD }),
        fc.bigInt({ min: WAD, max: 2n * WAD }),
        (h, pre, star) => {
          const reason = deleverageReason({ healthWad: h, preHealthWad: pre, softCallHealthWad: star });
          if (h < WAD || (h >= pre && h > star)) expect(reason).toBeUndefined();
          else expect(reason).toBe(h < pre ? 'preHealth' : 'softCall');
        },
      ),
      { numRuns: 300 },
    );
  });
});
