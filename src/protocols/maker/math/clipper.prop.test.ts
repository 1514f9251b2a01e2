/** Properties of the Clipper's arithmetic: the division-free status agrees with auctionStatus. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RAY } from '../../../math/units.js';
import type { AbacusCurve } from './abaci.js';
import { auctionPriceAndDone, auctionStatus, type StatusInput } from './clipper.js';

const curve: fc.Arbitrary<AbacusCurve> = fc.oneof(
  fc.record({
    kind: fc.constant('LinearDecrease' as const),
    tauSeconds: fc.bigInt({ min: 1n, max: 100_000n }),
  }),
  fc.record({
    kind: fc.constant('StairstepExponentialDecrease' as const),
    cutRay: fc.bigInt({ min: 1n, max: RAY }),
    stepSeconds: fc.bigInt({ min: 1n, max: 3_600n }),
  }),
  fc.record({
    kind: fc.constant('ExponentialDecrease' as const),
    cutRay: fc.bigInt({ min: RAY / 2n, max: RAY }),
  }),
);

/** What a call gives: its value, or the class and message of what it throws. */
function outcome<T>(f: () => T): T | { readonly threw: string } {
  try {
    return f();
  } catch (e) {
    return { threw: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

describe('auctionPriceAndDone (properties)', () => {
  test('behavior: the same price, reset flag and throws as auctionStatus', () => {
    const input: fc.Arbitrary<StatusInput> = fc.record({
      curve,
      // From 0 (rdiv's division by zero) to past uint256 / RAY (its overflow).
      topRay: fc.oneof(
        fc.bigInt({ min: 0n, max: 10n ** 40n }),
        fc.bigInt({ min: 1n << 160n, max: 1n << 240n }),
      ),
      durSeconds: fc.bigInt({ min: 0n, max: 200_000n }),
      tailSeconds: fc.bigInt({ min: 0n, max: 200_000n }),
      cuspRay: fc.oneof(fc.bigInt({ min: 0n, max: RAY }), fc.constant(RAY / 2n)),
    });
    fc.assert(
      fc.property(input, (i) => {
        const full = outcome(() => auctionStatus(i));
        const lean = outcome(() => auctionPriceAndDone(i));
        if ('threw' in full) expect(lean).toEqual(full);
        else expect(lean).toEqual({ priceRay: full.priceRay, done: full.done });
      }),
      { numRuns: 2_000 },
    );
  });

  test('behavior: the cusp edge, price·RAY = cusp·top exactly, is not a reset', () => {
    // Linear, tau 100 s, top 8 RAY, 50 s in: price = 4 RAY, price/top = RAY / 2 = cusp.
    const at = {
      curve: { kind: 'LinearDecrease' as const, tauSeconds: 100n },
      topRay: 8n * RAY,
      tailSeconds: 1_000n,
    };
    expect(auctionPriceAndDone({ ...at, durSeconds: 50n, cuspRay: RAY / 2n })).toEqual({
      priceRay: 4n * RAY,
      done: false,
    });
    // One wei of cusp more and the strict test resets it.
    expect(auctionPriceAndDone({ ...at, durSeconds: 50n, cuspRay: RAY / 2n + 1n }).done).toBe(true);
  });
});
