import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from './errors.js';
import { readBigint, readBoolean, readEnum, readInt, readObject, readString } from './fields.js';

describe('readBigint', () => {
  test('default: bigint, safe number and decimal string all read', () => {
    expect(readBigint({ x: 5n }, 'x')).toBe(5n);
    expect(readBigint({ x: 7 }, 'x')).toBe(7n);
    expect(readBigint({ x: '123456789012345678901234567890' }, 'x')).toBe(123456789012345678901234567890n);
  });
  test('error: the error names the field path', () => {
    try {
      readBigint({ chop: '0.9' }, 'chop', 'params.ilks.ETH-A.chop');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect((e as InvalidParameterError).field).toBe('params.ilks.ETH-A.chop');
    }
  });
  test('error: bounds are enforced', () => {
    expect(() => readBigint({ x: '-1' }, 'x')).toThrow(InvalidParameterError);
    expect(() => readBigint({ x: 11n }, 'x', 'x', { max: 10n })).toThrow(InvalidParameterError);
    expect(() => readBigint({ x: 1.5 }, 'x')).toThrow(InvalidParameterError);
    expect(() => readBigint({}, 'x')).toThrow(InvalidParameterError);
  });
});

describe('other readers', () => {
  test('default', () => {
    expect(readString({ a: 'x' }, 'a')).toBe('x');
    expect(readInt({ n: '42' }, 'n')).toBe(42);
    expect(readBoolean({ b: false }, 'b')).toBe(false);
    expect(readEnum({ k: 'up' }, 'k', ['up', 'down'] as const)).toBe('up');
    expect(readObject({ a: 1 }, 'p')).toEqual({ a: 1 });
  });
  test('error: wrong types are typed errors', () => {
    expect(() => readString({ a: '' }, 'a')).toThrow(InvalidParameterError);
    expect(() => readInt({ n: 1.5 }, 'n')).toThrow(InvalidParameterError);
    expect(() => readInt({ n: -1 }, 'n')).toThrow(InvalidParameterError);
    expect(() => readBoolean({ b: 'true' }, 'b')).toThrow(InvalidParameterError);
    expect(() => readEnum({ k: 'sideways' }, 'k', ['up', 'down'] as const)).toThrow(InvalidParameterError);
    expect(() => readObject([], 'p')).toThrow(InvalidParameterError);
  });
});
