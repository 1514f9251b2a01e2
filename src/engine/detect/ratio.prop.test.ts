/**
 * Properties of ratioToDouble: it is the nearest double to the exact ratio (checked exactly, by
 * turning the double and its two neighbours into rationals), and it is monotone, which is what
 * keeps a ladder's float keys sorted.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ratioToDouble } from './ratio.js';

/** A finite positive double as an exact fraction num / den. */
function toFraction(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const power = (exponent === 0 ? 1 : exponent) - 1075;
  return power >= 0 ? [mantissa << BigInt(power), 1n] : [mantissa, 1n << BigInt(-power)];
}

/** The neighbouring doubles of a positive finite x. */
function neighbours(x: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, bits - 1n);
  const below = view.getFloat64(0);
  view.setBigUint64(0, bits + 1n);
  return [below, view.getFloat64(0)];
}

/** (a/b + c/d) / 2 as a fraction. */
function midpoint([a, b]: [bigint, bigint], [c, d]: [bigint, bigint]): [bigint, bigint] {
  return [a * d + c * b, 2n * b * d];
}

/** Sign of a/b − c/d for positive denominators. */
function compare([a, b]: [bigint, bigint], [c, d]: [bigint, bigint]): number {
  const l = a * d;
  const r = c * b;
  return l < r ? -1 : l > r ? 1 : 0;
}

const operand = fc.oneof(
  fc.bigInt({ min: 1n, max: 2n ** 64n }),
  fc.bigInt({ min: 1n, max: 10n ** 40n }),
  fc.bigInt({ min: 1n, max: 2n ** 300n }),
);

describe('ratioToDouble (property)', () => {
  test('behavior: the result is the double nearest to num/den', () => {
    fc.assert(
      fc.property(operand, operand, (num, den) => {
        const x = ratioToDouble(num, den);
        expect(Number.isFinite(x) && x > 0).toBe(true);
        const exact: [bigint, bigint] = [num, den];
        const [below, above] = neighbours(x);
        // |x − r| ≤ |neighbour − r| for both neighbours: r lies between the two midpoints.
        const lowMid = midpoint(toFraction(x), toFraction(below));
        const highMid = midpoint(toFraction(x), toFraction(above));
        expect(compare(exact, lowMid)).toBeGreaterThanOrEqual(0);
        expect(compare(exact, highMid)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2_000 },
    );
  });

  test('behavior: monotone in the ratio', () => {
    fc.assert(
      fc.property(operand, operand, operand, operand, (a, b, c, d) => {
        const order = compare([a, b], [c, d]);
        const x = ratioToDouble(a, b);
        const y = ratioToDouble(c, d);
        if (order < 0) expect(x).toBeLessThanOrEqual(y);
        if (order === 0) expect(x).toBe(y);
        if (order > 0) expect(x).toBeGreaterThanOrEqual(y);
      }),
      { numRuns: 2_000 },
    );
  });
});
