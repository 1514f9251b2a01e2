/** Unit tests for the Solvent base error, the math error classes and `assert`. */
import { describe, expect, test } from 'vitest';
import {
  assert,
  DecimalParseError,
  DivisionByZeroError,
  InvalidDecimalsError,
  NegativeValueError,
  OverflowError,
  SolventError,
} from './errors.js';

describe('SolventError', () => {
  test('default', () => {
    const e = new SolventError('Code', 'Something happened.', {
      metaMessages: ['Do this.'],
      details: { field: 'x' },
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SolventError');
    expect(e.code).toBe('Code');
    expect(e.shortMessage).toBe('Something happened.');
    expect(e.metaMessages).toEqual(['Do this.']);
    expect(e.details).toEqual({ field: 'x' });
    expect(e.message).toBe('Something happened.\nDo this.');
  });

  test('behavior: cause is kept only when given', () => {
    const root = new Error('root');
    expect(new SolventError('C', 's', { cause: root }).cause).toBe(root);
    expect('cause' in new SolventError('C', 's')).toBe(false);
  });
});

describe('math error classes', () => {
  test('default', () => {
    const cases: readonly [SolventError, string, string][] = [
      [new OverflowError('mul'), 'OverflowError', 'Overflow'],
      [new DivisionByZeroError('rdiv'), 'DivisionByZeroError', 'DivisionByZero'],
      [new NegativeValueError('mulDiv', -1n), 'NegativeValueError', 'NegativeValue'],
      [new DecimalParseError('1e5', 'bad'), 'DecimalParseError', 'DecimalParse'],
      [new InvalidDecimalsError(300), 'InvalidDecimalsError', 'InvalidDecimals'],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(SolventError);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
    }
  });

  test('behavior: details carry the facts as strings', () => {
    expect(new OverflowError('mul').details).toEqual({ operation: 'mul' });
    expect(new NegativeValueError('mulDiv', -7n).details).toEqual({ operation: 'mulDiv', value: '-7' });
    expect(new DecimalParseError('1,0', 'why').details).toEqual({ input: '1,0', reason: 'why' });
  });
});

describe('assert', () => {
  test('default', () => {
    expect(() => assert(true, 'fine')).not.toThrow();
  });

  test('error: a broken invariant is a plain Error, never a SolventError', () => {
    let caught: unknown;
    try {
      assert(false, 'boom');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).not.toBeInstanceOf(SolventError);
    expect((caught as Error).message).toContain('boom');
  });
});
