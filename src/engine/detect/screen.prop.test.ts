/**
 * Properties of the float screen, checked exactly in bigint: the proven bound covers the float
 * margin's error on every input (including near-cancelling ones built on purpose), the verdict
 * never contradicts the exact sign, and the headroom certificate holds: every price moving by less
 * than κ (relative) leaves the exact margin's sign unchanged.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { screenTerms, Verdict } from './screen.js';

const magnitude = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 6n }),
  fc.bigInt({ min: 1n, max: 2n ** 64n }),
  fc.bigInt({ min: 1n, max: 10n ** 40n }),
);

/** Prices and signed coefficients; the last coefficient is often solved to cancel the rest. */
const termsArb = fc
  .tuple(
    fc.array(fc.tuple(magnitude, magnitude, fc.boolean()), { minLength: 1, maxLength: 6 }),
    magnitude,
    fc.constantFrom('free', 'cancel', 'near') as fc.Arbitrary<'free' | 'cancel' | 'near'>,
    fc.bigInt({ min: -3n, max: 3n }),
  )
  .map(([lines, lastPrice, mode, delta]) => {
    const prices = lines.map(([p]) => p);
    const coefs = lines.map(([, n, negative]) => (negative ? -n : n));
    if (mode !== 'free') {
      // A last line whose value cancels the others (to within `delta` units of its price).
      const rest = prices.reduce((acc, p, i) => acc + p * (coefs[i] as bigint), 0n);
      const n = -rest / lastPrice + (mode === 'near' ? delta : 0n);
      prices.push(lastPrice);
      coefs.push(n === 0n ? 1n : n);
    }
    return { prices, coefs };
  });

function exactMargin(prices: readonly bigint[], coefs: readonly bigint[]): bigint {
  return prices.reduce((acc, p, i) => acc + p * (coefs[i] as bigint), 0n);
}

function absSum(prices: readonly bigint[], coefs: readonly bigint[]): bigint {
  return prices.reduce((acc, p, i) => {
    const x = p * (coefs[i] as bigint);
    return acc + (x < 0n ? -x : x);
  }, 0n);
}

/** A finite non-negative double as an exact fraction. */
function toFraction(x: number): [bigint, bigint] {
  let den = 1n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2; // exact
    den *= 2n;
  }
  return [BigInt(v), den];
}

describe('screenTerms (property)', () => {
  test('behavior: |float margin − exact margin| ≤ bound, and the verdict agrees with the exact sign', () => {
    let uncertain = 0;
    fc.assert(
      fc.property(termsArb, ({ prices, coefs }) => {
        const r = screenTerms(prices, coefs);
        const m = exactMargin(prices, coefs);
        if (Number.isFinite(r.boundF)) {
          // Every term is an integer and so is every rounded sum: compare in bigint exactly.
          expect(Number.isInteger(r.marginF)).toBe(true);
          const error = BigInt(r.marginF) - m;
          expect(error < 0n ? -error : error).toBeLessThanOrEqual(BigInt(Math.floor(r.boundF)));
        }
        if (r.verdict === Verdict.Healthy) expect(m > 0n).toBe(true);
        if (r.verdict === Verdict.Liquidatable) expect(m < 0n).toBe(true);
        if (r.verdict === Verdict.Uncertain) uncertain += 1;
      }),
      { numRuns: 3_000 },
    );
    expect(uncertain).toBeGreaterThan(0); // the near-cancelling cases reach the uncertain band
  });

  test('behavior: moves below the headroom certificate never change the exact sign', () => {
    fc.assert(
      fc.property(
        termsArb,
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
        ({ prices, coefs }, shares) => {
          const r = screenTerms(prices, coefs);
          if (r.headroom === 0) return;
          const kappa = Math.abs(r.headroom);
          // Each price moves by e_j / 10^6 of itself with |e_j| < κ·10^6 (prices scaled by 10^6
          // first, so the moved prices stay integers).
          const scaled = prices.map((p) => p * 1_000_000n);
          const moved = scaled.map((p, j) => {
            const e = BigInt(Math.trunc((shares[j] as number) * kappa * 1_000_000 * 0.999_999));
            return (p * (1_000_000n + e)) / 1_000_000n;
          });
          const before = exactMargin(scaled, coefs);
          const after = exactMargin(moved, coefs);
          expect(after < 0n).toBe(before < 0n);
          expect(after === 0n).toBe(false);
          // And κ ≤ |M| / W exactly.
          const [kn, kd] = toFraction(kappa);
          const m = exactMargin(prices, coefs);
          expect(kn * absSum(prices, coefs)).toBeLessThanOrEqual((m < 0n ? -m : m) * kd);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
