/**
 * Property tests of {@link violationPriceCeiling} and {@link healthPriceFloor}: on random lines
 * (balances, decimals, LTVs, liability values), the account is in violation at the ceiling and not
 * one price unit above it, and its score reaches a random target at the floor and not one unit
 * below, by the model's own floors (quoteValue, adjustedCollateralValue, isInViolation,
 * healthScoreWad); both are monotone in the price, so that pins every price.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  adjustedCollateralValue,
  healthPriceFloor,
  healthScoreWad,
  isInViolation,
  type OneCollateralLine,
  quoteValue,
  violationPriceCeiling,
} from './math.js';

/** Random lines with a liability value of at least `minLiabilityValue`. */
const lineArb = (minLiabilityValue: bigint): fc.Arbitrary<OneCollateralLine> =>
  fc.record({
    liabilityValue: fc.bigInt({ min: minLiabilityValue, max: 10n ** 30n }),
    balance: fc.bigInt({ min: 1n, max: 10n ** 30n }),
    decimals: fc.integer({ min: 0, max: 24 }),
    priceDecimals: fc.integer({ min: 0, max: 18 }),
    unitDecimals: fc.integer({ min: 0, max: 18 }),
    ltvBps: fc.bigInt({ min: 1n, max: 10_000n }),
  });

/** The line's risk-adjusted collateral value at `price`, by the model's own floors. */
const adjustedAt = (line: OneCollateralLine, price: bigint): bigint =>
  adjustedCollateralValue(
    quoteValue({
      amount: line.balance,
      decimals: line.decimals,
      price,
      priceDecimals: line.priceDecimals,
      unitDecimals: line.unitDecimals,
    }),
    line.ltvBps,
  );

describe('violationPriceCeiling', () => {
  test('behavior: in violation at the ceiling, not one unit above (or never, for a worthless liability)', () => {
    fc.assert(
      fc.property(lineArb(0n), (line) => {
        const violated = (price: bigint): boolean =>
          isInViolation(adjustedAt(line, price), line.liabilityValue);
        const ceiling = violationPriceCeiling(line);
        if (line.liabilityValue === 0n) {
          expect(ceiling).toBe(-1n);
          expect(violated(0n)).toBe(false);
          return;
        }
        expect(ceiling).toBeGreaterThanOrEqual(0n);
        expect(violated(ceiling)).toBe(true);
        expect(violated(ceiling + 1n)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
  test('behavior: the score reaches the target at the floor, not one unit below', () => {
    fc.assert(
      fc.property(lineArb(1n), fc.bigInt({ min: 0n, max: 5n * 10n ** 18n }), (line, targetWad) => {
        const score = (price: bigint): bigint =>
          healthScoreWad(adjustedAt(line, price), line.liabilityValue, -1n);
        const floor = healthPriceFloor(line, targetWad);
        expect(floor).toBeGreaterThanOrEqual(0n);
        expect(score(floor)).toBeGreaterThanOrEqual(targetWad);
        if (floor > 0n) expect(score(floor - 1n)).toBeLessThan(targetWad);
      }),
      { numRuns: 2_000 },
    );
  });
});
