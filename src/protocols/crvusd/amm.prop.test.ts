/**
 * Property tests of LLAMMA's read-only helpers over random books and trades: `withdrawnAmounts`
 * pays exactly what `withdraw` pays (same refusals) for every user and fraction, and a patch
 * replays every command's change.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../../engine/machine.js';
import { SolventError } from '../../math/errors.js';
import { ammPatch, applyAmmPatch, withdraw, withdrawnAmounts } from './amm.js';
import { crvusdWalk, E18, type WalkOp, walkLoanArb } from './testkit.js';

const opArb: fc.Arbitrary<WalkOp> = fc.oneof(
  fc.record({
    kind: fc.constant('price' as const),
    permille: fc.integer({ min: -200, max: 150 }),
    dt: fc.integer({ min: 1, max: 3_600 }),
  }),
  fc.record({ kind: fc.constant('arbitrage' as const), maxSteps: fc.integer({ min: 0, max: 60 }) }),
  fc.record({
    kind: fc.constant('exchange' as const),
    i: fc.integer({ min: 0, max: 1 }),
    amountWeth: fc.integer({ min: 1, max: 300 }),
  }),
  fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat({ max: 40 }) }),
  fc.record({
    kind: fc.constant('selfLiquidate' as const),
    who: fc.nat({ max: 40 }),
    fracPermille: fc.integer({ min: 1, max: 1000 }),
  }),
);

/** The outcome of a call: its value or the class of its refusal. */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    if (e instanceof SolventError) return e.constructor.name;
    throw e;
  }
}

describe('withdrawnAmounts', () => {
  test('behavior: equals withdraw’s amounts for every user and fraction', () => {
    fc.assert(
      fc.property(
        fc.array(walkLoanArb, { minLength: 1, maxLength: 6 }),
        fc.array(opArb, { maxLength: 20 }),
        fc.bigInt({ min: 0n, max: E18 + 1n }),
        (loans, ops, fracWad) => {
          const points = crvusdWalk(loans, ops);
          for (const { state } of points) {
            const m = state.ext.market;
            if (m === null) continue;
            const amm = state.ext.amm;
            for (const user of [...amm.users.keys(), 'nobody']) {
              for (const frac of [fracWad, E18]) {
                const w = outcome(() => withdraw(amm, m.amm, user, frac));
                const a = outcome(() => withdrawnAmounts(amm, m.amm, user, frac));
                expect(a).toEqual(typeof w === 'string' ? w : { x: w.x, y: w.y });
              }
            }
          }
          // Each step's AMM is the previous one with the step's patch applied.
          for (let k = 1; k < points.length; k++) {
            const before = (points[k - 1] as (typeof points)[number]).state.ext.amm;
            const after = (points[k] as (typeof points)[number]).state.ext.amm;
            expect(canonicalJson(applyAmmPatch(before, ammPatch(before, after)))).toBe(canonicalJson(after));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
