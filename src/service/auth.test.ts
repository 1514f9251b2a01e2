import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { authorizeCommand, generateKeys, KeyRing, MIN_KEY_LENGTH, parseKeys } from './auth.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

const KEY = 'k'.repeat(MIN_KEY_LENGTH);

describe('parseKeys', () => {
  test('default', () => {
    expect(
      parseKeys([
        { key: KEY, role: 'operator' },
        { key: `${KEY}u`, role: 'user', accounts: ['alice'], name: 'alice' },
      ]),
    ).toEqual([
      { key: KEY, role: 'operator', name: 'operator-0' },
      { key: `${KEY}u`, role: 'user', accounts: ['alice'], name: 'alice' },
    ]);
  });

  test('error: malformed entries name the field', () => {
    const field = (raw: unknown): string => {
      try {
        parseKeys(raw);
      } catch (error) {
        if (error instanceof InvalidParameterError) return error.field;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(field([])).toBe('keys');
    expect(field([{ key: 'short', role: 'operator' }])).toBe('keys[0].key');
    expect(field([{ key: KEY, role: 'admin' }])).toBe('keys[0].role');
    expect(field([{ key: KEY, role: 'user' }])).toBe('keys[0].accounts');
    expect(field([{ key: KEY, role: 'user', accounts: [''] }])).toBe('keys[0].accounts');
    expect(field([{ key: KEY, role: 'reader', extra: 1 }])).toBe('keys[0].extra');
    expect(
      field([
        { key: KEY, role: 'reader' },
        { key: KEY, role: 'keeper' },
      ]),
    ).toBe('keys[1].key');
    expect(
      field([
        { key: KEY, role: 'reader', name: 'x' },
        { key: `${KEY}2`, role: 'keeper', name: 'x' },
      ]),
    ).toBe('keys[1].name');
  });
});

describe('generateKeys', () => {
  test('default', () => {
    const keys = generateKeys();
    expect(keys.map((k) => k.role)).toEqual(['operator', 'oracle', 'keeper', 'reader']);
    expect(new Set(keys.map((k) => k.key)).size).toBe(4);
    // They pass the file's own validation, so a generated file can be reused as --keys.
    expect(parseKeys(JSON.parse(JSON.stringify(keys)))).toEqual(keys);
  });
});

describe('KeyRing', () => {
  const ring = new KeyRing(parseKeys([{ key: KEY, role: 'keeper', name: 'bot' }]));

  test('default', () => {
    expect(ring.authenticate(`Bearer ${KEY}`)).toEqual({ name: 'bot', role: 'keeper' });
    expect(ring.authenticate(`bearer   ${KEY}  `)).toMatchObject({ name: 'bot' });
  });

  test('error: missing, malformed or unknown keys are unauthorized', () => {
    expect(() => ring.authenticate(undefined)).toThrow(UnauthorizedError);
    expect(() => ring.authenticate('')).toThrow(UnauthorizedError);
    expect(() => ring.authenticate(KEY)).toThrow(UnauthorizedError);
    expect(() => ring.authenticate(`Basic ${KEY}`)).toThrow(UnauthorizedError);
    expect(() => ring.authenticate(`Bearer ${KEY}x`)).toThrow(UnauthorizedError);
    expect(() => ring.authenticate(`Bearer ${KEY.slice(1)}`)).toThrow(UnauthorizedError);
  });
});

describe('authorizeCommand', () => {
  const user = { name: 'alice', role: 'user' as const, accounts: new Set(['alice']) };

  test('default', () => {
    expect(() => authorizeCommand({ name: 'op', role: 'operator' }, { type: 'configure' })).not.toThrow();
    expect(() => authorizeCommand(user, { type: 'deposit', account: 'alice', amount: '1' })).not.toThrow();
    expect(() => authorizeCommand(user, { type: 'withdraw', account: 'alice', to: 'world' })).not.toThrow();
  });

  test('error: wrong role, a foreign account, a non-string id, or no account at all is forbidden', () => {
    expect(() => authorizeCommand({ name: 'r', role: 'reader' }, { type: 'deposit' })).toThrow(
      ForbiddenError,
    );
    expect(() => authorizeCommand({ name: 'k', role: 'keeper' }, { type: 'publishPrice' })).toThrow(
      ForbiddenError,
    );
    expect(() => authorizeCommand({ name: 'o', role: 'oracle' }, { type: 'bark' })).toThrow(ForbiddenError);
    expect(() => authorizeCommand(user, { type: 'configure' })).toThrow(ForbiddenError);
    expect(() => authorizeCommand(user, { type: 'deposit', account: 'bob' })).toThrow(ForbiddenError);
    expect(() => authorizeCommand(user, { type: 'deposit', account: ['alice'] })).toThrow(ForbiddenError);
    expect(() => authorizeCommand(user, { type: 'supply', asset: 'USDC', amount: '1' })).toThrow(
      ForbiddenError,
    );
    const oracle = { name: 'cl', role: 'oracle' as const, accounts: new Set(['chainlink']) };
    expect(() => authorizeCommand(oracle, { type: 'publishPrice', source: 'chainlink' })).not.toThrow();
    expect(() => authorizeCommand(oracle, { type: 'publishPrice', source: 'pyth' })).toThrow(ForbiddenError);
  });
});
