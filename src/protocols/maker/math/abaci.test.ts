/** Tests of the Abacus curves, their validation and the one-line curve parser. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../../engine/errors.js';
import { DivisionByZeroError } from '../../../math/errors.js';
import { RAY } from '../../../math/units.js';
import { type AbacusCurve, auctionPrice, formatCalc, parseCalc, validateCurve } from './abaci.js';

const linear = (tauSeconds: bigint): AbacusCurve => ({ kind: 'LinearDecrease', tauSeconds });
const stair = (cutRay: bigint, stepSeconds: bigint): AbacusCurve => ({
  kind: 'StairstepExponentialDecrease',
  cutRay,
  stepSeconds,
});
const expo = (cutRay: bigint): AbacusCurve => ({ kind: 'ExponentialDecrease', cutRay });

describe('auctionPrice', () => {
  test('default: a table of exact prices worked by hand', () => {
    const table: [AbacusCurve, bigint, bigint, bigint][] = [
      // LinearDecrease: top · (tau − dur)/tau
      [linear(100n), 100n * RAY, 0n, 100n * RAY],
      [linear(100n), 100n * RAY, 33n, 67n * RAY],
      [linear(100n), 100n * RAY, 100n, 0n],
      [linear(100n), 100n * RAY, 150n, 0n],
      // StairstepExponentialDecrease: top · cut^⌊dur/step⌋, cut 0.5, step 10
      [stair(RAY / 2n, 10n), 80n * RAY, 9n, 80n * RAY],
      [stair(RAY / 2n, 10n), 80n * RAY, 10n, 40n * RAY],
      [stair(RAY / 2n, 10n), 80n * RAY, 25n, 20n * RAY],
      // ExponentialDecrease: top · cut^dur
      [expo(RAY / 2n), 80n * RAY, 3n, 10n * RAY],
      [expo(RAY), 80n * RAY, 1000n, 80n * RAY],
    ];
    for (const [curve, top, dur, price] of table) expect(auctionPrice(curve, top, dur)).toBe(price);
  });

  test('behavior: LinearDecrease floors the ratio before rmul floors again', () => {
    // tau 3, dur 1: ratio = ⌊2e27/3⌋ = 666…666 (27 sixes); top 1 RAY keeps it.
    expect(auctionPrice(linear(3n), RAY, 1n)).toBe(666666666666666666666666666n);
    // top 3 RAY: rmul(3e27, 666…666) = 1999…998 (a second floor would give 2e27 without the first)
    expect(auctionPrice(linear(3n), 3n * RAY, 1n)).toBe(1999999999999999999999999998n);
  });

  test('behavior: rpow rounds half-up at each step', () => {
    // x = ⌊RAY/3⌋; x² / RAY = 111…110.888… → 111…111; then x · that = 37037…036.96… → …037.
    const third = RAY / 3n;
    expect(auctionPrice(expo(third), RAY, 2n)).toBe(111111111111111111111111111n);
    expect(auctionPrice(expo(third), RAY, 3n)).toBe(37037037037037037037037037n);
  });

  test('behavior: tau = 0 prices at 0 as the contract does', () => {
    expect(auctionPrice(linear(0n), RAY, 0n)).toBe(0n);
  });

  test('error: negative duration, step 0', () => {
    expect(() => auctionPrice(linear(10n), RAY, -1n)).toThrow(InvalidParameterError);
    expect(() => auctionPrice(stair(RAY, 0n), RAY, 5n)).toThrow(DivisionByZeroError);
  });
});

describe('validateCurve', () => {
  test('default: valid curves pass', () => {
    expect(() => validateCurve(stair((99n * RAY) / 100n, 90n), 'calc')).not.toThrow();
    expect(() => validateCurve(expo(RAY), 'calc')).not.toThrow();
  });

  test('error: each bad parameter names its field', () => {
    const cases: [AbacusCurve, string][] = [
      [linear(0n), 'p.calc.tau'],
      [stair(RAY, 0n), 'p.calc.step'],
      [stair(RAY + 1n, 1n), 'p.calc.cut'],
      [expo(0n), 'p.calc.cut'],
    ];
    for (const [curve, field] of cases) {
      try {
        validateCurve(curve, 'p.calc');
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('parseCalc', () => {
  test('default: the three forms', () => {
    expect(parseCalc('LinearDecrease tau=3600', 'c')).toEqual(linear(3600n));
    expect(parseCalc('StairstepExponentialDecrease cut=0.99 step=90', 'c')).toEqual(
      stair(990n * 10n ** 24n, 90n),
    );
    expect(parseCalc('StairstepExponentialDecrease step=90 cut=1', 'c')).toEqual(stair(RAY, 90n));
    expect(parseCalc('ExponentialDecrease cut=0.999230132966', 'c')).toEqual(
      expo(999230132966n * 10n ** 15n),
    );
  });

  test('behavior: formatCalc is its inverse', () => {
    for (const text of [
      'LinearDecrease tau=1',
      'StairstepExponentialDecrease cut=0.5 step=60',
      'ExponentialDecrease cut=0.999999999999999999999999999',
    ]) {
      expect(formatCalc(parseCalc(text, 'c'))).toBe(text);
    }
  });

  test('error: malformed text names the field', () => {
    for (const text of [
      '',
      'LinearDecrease',
      'LinearDecrease tau=',
      'LinearDecrease tau=-1',
      'ExponentialDecrease cut=0.1234567890123456789012345678',
      'ExponentialDecrease cut=.5',
      'ExponentialDecrease cut=0.5 ',
    ]) {
      try {
        parseCalc(text, 'inputs.calc');
        expect.unreachable(text);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe('inputs.calc');
      }
    }
  });
});
