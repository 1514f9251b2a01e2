import { describe, expect, test } from 'vitest';
import { InsufficientBalanceError } from './errors.js';
import {
  applyMove,
  assetTotal,
  balanceOf,
  bucketsOf,
  diffBalances,
  type Ledger,
  moved,
  requireMovesFeasible,
  sumByPrefix,
} from './ledger.js';

const fold = (ledger: Ledger, moves: ReturnType<typeof moved>): Ledger => moves.reduce(applyMove, ledger);

describe('moved', () => {
  test('default', () => {
    expect(moved('ETH', 'world', 'acct:a', 5n, 'deposit')).toEqual([
      { type: 'Moved', asset: 'ETH', from: 'world', to: 'acct:a', amount: 5n, reason: 'deposit' },
    ]);
  });
  test('behavior: a zero amount or a self-move is no event', () => {
    expect(moved('ETH', 'world', 'acct:a', 0n, 'x')).toEqual([]);
    expect(moved('ETH', 'acct:a', 'acct:a', 3n, 'x')).toEqual([]);
  });
  test('error: a negative amount is a broken invariant', () => {
    expect(() => moved('ETH', 'world', 'acct:a', -1n, 'x')).toThrow(/invariant/);
  });
});

describe('applyMove', () => {
  test('default: balances move and the asset still sums to zero', () => {
    const l = fold({}, [
      ...moved('ETH', 'world', 'acct:a', 10n, 'd'),
      ...moved('ETH', 'acct:a', 'wallet:k', 4n, 's'),
    ]);
    expect(balanceOf(l, 'acct:a', 'ETH')).toBe(6n);
    expect(balanceOf(l, 'wallet:k', 'ETH')).toBe(4n);
    expect(balanceOf(l, 'world', 'ETH')).toBe(-10n);
    expect(assetTotal(l, 'ETH')).toBe(0n);
    expect(sumByPrefix(l, 'ETH', 'acct:')).toBe(6n);
  });
  test('behavior: the input ledger is not mutated and zero balances are dropped', () => {
    const l1 = fold({}, moved('ETH', 'world', 'acct:a', 10n, 'd'));
    const l2 = fold(l1, moved('ETH', 'acct:a', 'world', 10n, 'w'));
    expect(balanceOf(l1, 'acct:a', 'ETH')).toBe(10n);
    expect(bucketsOf(l2, 'ETH')).toEqual([]);
  });
  test('error: an unsigned bucket cannot go negative', () => {
    expect(() => fold({}, moved('ETH', 'acct:a', 'world', 1n, 'w'))).toThrow(/invariant/);
  });
});

describe('requireMovesFeasible', () => {
  test('default: moves that chain through a bucket are feasible in order', () => {
    const moves = [
      ...moved('DAI', 'world', 'wallet:k', 5n, 'f'),
      ...moved('DAI', 'wallet:k', 'protocol', 5n, 'p'),
    ];
    expect(() => requireMovesFeasible({}, moves)).not.toThrow();
  });
  test('error: spending more than a bucket holds is a typed refusal', () => {
    const l = fold({}, moved('DAI', 'world', 'wallet:k', 5n, 'f'));
    expect(() => requireMovesFeasible(l, moved('DAI', 'wallet:k', 'protocol', 6n, 'p'))).toThrow(
      InsufficientBalanceError,
    );
  });
});

describe('diffBalances', () => {
  test('default: reports the buckets whose balance of the asset changed, 0n for absent', () => {
    let a: Ledger = {};
    for (let i = 0; i < 500; i++) a = fold(a, moved('ETH', 'world', `acct:u${i}`, BigInt(i + 1), 'deposit'));
    const b = fold(a, [
      ...moved('ETH', 'acct:u1', 'wallet:k', 2n, 'seize'),
      ...moved('ETH', 'acct:u7', 'world', 8n, 'withdraw'),
      ...moved('DAI', 'mint', 'wallet:k', 5n, 'draw'),
    ]);
    const seen: [string, bigint, bigint][] = [];
    diffBalances(a, b, 'ETH', (bucket, was, now) => seen.push([bucket, was, now]));
    // u1 held 2 (i + 1) and gave them all; u7 held 8; world paid Σ 1..500 = 125,250 and got 8 back.
    expect(seen.sort((x, y) => (x[0] < y[0] ? -1 : 1))).toEqual([
      ['acct:u1', 2n, 0n],
      ['acct:u7', 8n, 0n],
      ['wallet:k', 0n, 2n],
      ['world', -125_250n, -125_242n],
    ]);
    const dai: string[] = [];
    diffBalances(a, b, 'DAI', (bucket) => dai.push(bucket));
    expect(dai.sort()).toEqual(['mint', 'wallet:k']);
  });
  test('behavior: the same ledger, or an asset that never moved, reports nothing', () => {
    const a = fold({}, moved('ETH', 'world', 'acct:a', 3n, 'deposit'));
    let calls = 0;
    diffBalances(a, a, 'ETH', () => {
      calls += 1;
    });
    diffBalances(a, fold(a, moved('ETH', 'world', 'acct:b', 1n, 'deposit')), 'USDC', () => {
      calls += 1;
    });
    expect(calls).toBe(0);
  });
});
