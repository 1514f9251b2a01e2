import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { PersistentMap } from '../engine/persistentMap.js';
import { canonicalCommand, canonicalCommandText, fromTagged, toTagged, toWire } from './json.js';

describe('canonicalCommandText', () => {
  test('default', () => {
    expect(
      canonicalCommandText({ type: 'deposit', amount: 5n, account: 'a', nested: { z: 1, a: [2n, 'x'] } }),
    ).toBe('{"account":"a","amount":"5","nested":{"a":["2","x"],"z":1},"type":"deposit"}');
  });

  test('behavior: field order does not matter; undefined fields are dropped', () => {
    expect(canonicalCommandText({ b: 1, a: 2, type: 't', c: undefined })).toBe(
      canonicalCommandText({ type: 't', a: 2, b: 1 }),
    );
  });

  test('behavior: a __proto__ key stays a key and never becomes a prototype', () => {
    const command = JSON.parse('{"type":"t","__proto__":{"polluted":1}}') as Record<string, unknown>;
    const text = canonicalCommandText(command);
    expect(text).toBe('{"__proto__":{"polluted":1},"type":"t"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((JSON.parse(text) as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('error: values JSON cannot carry are refused naming the field', () => {
    expect(() => canonicalCommandText({ type: 't', x: { y: Number.NaN } })).toThrow(InvalidParameterError);
    expect(() => canonicalCommandText({ type: 't', f: () => 1 })).toThrow(InvalidParameterError);
  });
});

describe('canonicalCommand', () => {
  test('default', () => {
    const { text, value } = canonicalCommand({ type: 'deposit', amount: 5n, nested: { b: [1n], a: 'x' } });
    // The value is exactly what the text parses back to, keys in the same order.
    expect(JSON.stringify(value)).toBe(text);
    expect(value).toEqual(JSON.parse(text));
    expect(Object.keys(value)).toEqual(['amount', 'nested', 'type']);
  });
});

describe('toWire', () => {
  test('default', () => {
    expect(toWire({ a: 1n, b: [2n], c: undefined, d: PersistentMap.empty<bigint>().set('k', 3n) })).toEqual({
      a: '1',
      b: ['2'],
      d: { k: '3' },
    });
  });
});

describe('toTagged', () => {
  test('default', () => {
    expect(toTagged({ a: 12n, b: '12n', c: '~x', d: 'plain' })).toEqual({
      a: '12n',
      b: '~12n',
      c: '~~x',
      d: 'plain',
    });
  });

  test('behavior: fromTagged restores any JSON-like value with bigints exactly', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.bigInt(),
        fc.string(),
        fc.constantFrom('5n', '-7n', '~', '~5n'),
        fc.integer(),
        fc.boolean(),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(fromTagged(JSON.parse(JSON.stringify(toTagged(v))))).toEqual(v);
      }),
    );
  });
});
