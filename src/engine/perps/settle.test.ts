/**
 * Tests of perps settlement: the clean position update table (open, increase, reduce, flip, with
 * their rounding), fills between two accounts with the settlement account's residual, unpaid
 * losses, funding settlement and accrual, and isolated margin moves. Hand-derived numbers.
 */
import { describe, expect, test } from 'vitest';
import { InsufficientBalanceError, InsufficientMarginError, InvalidParameterError } from '../errors.js';
import { balanceOf } from '../ledger.js';
import { PersistentMap } from '../persistentMap.js';
import {
  accrueFunding,
  addIsolatedMargin,
  applyFill,
  fundingIndexDeltaForRate,
  releaseIsolatedMargin,
  removeIsolatedMargin,
  settleFunding,
  settleMarketFunding,
  tradePosition,
} from './settle.js';
import { price8, testView, usdcUnits } from './testkit.js';
import { type PerpPosition, type PerpsView, positionOf } from './types.js';

const bal = (view: PerpsView, bucket: string) => balanceOf(view.ledger, bucket, 'USDC');
const pos = (view: PerpsView, account: string) => positionOf(view.book, account, 'ETH-PERP');
const entrySum = (view: PerpsView) =>
  view.book.markets['ETH-PERP']!.positions.values().reduce((s, p) => s + p.entryQuote, 0n);

describe('tradePosition', () => {
  test('default: open, increase, reduce and flip (size, entry, realized)', () => {
    const rows: [[bigint, bigint], bigint, bigint, [bigint, bigint, bigint]][] = [
      // [size, entry], delta, cost → [size, entry, realized]
      [[0n, 0n], 10n, 2_000n, [10n, 2_000n, 0n]], // open long paying 2000
      [[10n, 2_000n], 5n, 1_100n, [15n, 3_100n, 0n]], // increase
      [[10n, 2_000n], -3n, -700n, [7n, 1_400n, 100n]], // sell 3 for 700: removed 600, +100
      [[-4n, -800n], 4n, 1_000n, [0n, 0n, -200n]], // short closed at a loss
      [[2n, 500n], -5n, -1_500n, [-3n, -900n, 100n]], // flip: close 2 for 600 (+100), open short 3 for 900
      [[5n, 1_000n], 0n, 0n, [5n, 1_000n, 0n]],
    ];
    for (const [[sizeBase, entryQuote], delta, cost, [s, e, r]] of rows) {
      expect(tradePosition({ sizeBase, entryQuote }, delta, cost)).toEqual({
        sizeBase: s,
        entryQuote: e,
        realizedQuote: r,
      });
    }
  });

  test('behavior: realized PnL never exceeds the exact share; the open basis keeps the rest', () => {
    // Long 3 for 1000, sell 1 for 400: removed ceil(333.3̅) = 334, realized 66 (exact 66.6̅).
    expect(tradePosition({ sizeBase: 3n, entryQuote: 1_000n }, -1n, -400n)).toEqual({
      sizeBase: 2n,
      entryQuote: 666n,
      realizedQuote: 66n,
    });
    // Short 3 for −1000, buy 1 for 300: removed ceil(−333.3̅) = −333, realized 33 (exact 33.3̅).
    expect(tradePosition({ sizeBase: -3n, entryQuote: -1_000n }, 1n, 300n)).toEqual({
      sizeBase: -2n,
      entryQuote: -667n,
      realizedQuote: 33n,
    });
    // Flip long 1 (100) selling 3 for 301: closing cost ceil(−100.3̅) = −100, realized 0 (exact 0.3̅).
    expect(tradePosition({ sizeBase: 1n, entryQuote: 100n }, -3n, -301n)).toEqual({
      sizeBase: -2n,
      entryQuote: -201n,
      realizedQuote: 0n,
    });
  });
});

describe('applyFill', () => {
  test('default: a taker opens against the maker; both entries mirror, no cash moves', () => {
    const view = testView({ balances: { 'acct:a': usdcUnits(1_000), 'acct:mm': usdcUnits(10_000) } });
    const r = applyFill(view, {
      account: 'a',
      counterparty: 'mm',
      market: 'ETH-PERP',
      sizeBase: 1_000n,
      quoteAmount: usdcUnits(2_002),
    });
    expect(pos(r.view, 'a')).toEqual({
      sizeBase: 1_000n,
      entryQuote: usdcUnits(2_002),
      fundingIndexSettled: 0n,
      marginMode: 'cross',
    });
    expect(pos(r.view, 'mm')).toMatchObject({ sizeBase: -1_000n, entryQuote: -usdcUnits(2_002) });
    expect(r.events.filter((e) => e.type === 'Moved')).toEqual([]);
    expect(r.events.at(-1)).toMatchObject({
      type: 'PerpFilled',
      realizedQuote: 0n,
      settlementQuote: 0n,
      unpaidQuote: 0n,
    });
  });

  test('behavior: when both sides reduce, the settlement account pays or takes the residual', () => {
    // a long 1 from 2000 sells to b, short 1 from 1900, at 2100: a +100, b −200; mm takes +100 and a flat claim.
    const view = testView({
      positions: [
        { account: 'a', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) },
        { account: 'b', sizeBase: -1_000n, entryQuote: -usdcUnits(1_900) },
      ],
      balances: { 'acct:a': usdcUnits(10), 'acct:b': usdcUnits(500), 'acct:mm': usdcUnits(1) },
    });
    const r = applyFill(view, {
      account: 'a',
      counterparty: 'b',
      market: 'ETH-PERP',
      sizeBase: -1_000n,
      quoteAmount: usdcUnits(2_100),
    });
    expect(r).toMatchObject({
      realizedQuote: usdcUnits(100),
      counterpartyRealizedQuote: -usdcUnits(200),
      settlementQuote: usdcUnits(100),
    });
    expect(pos(r.view, 'a')).toBeUndefined();
    expect(pos(r.view, 'b')).toBeUndefined();
    expect(pos(r.view, 'mm')).toMatchObject({ sizeBase: 0n, entryQuote: usdcUnits(100) });
    expect(bal(r.view, 'acct:a')).toBe(usdcUnits(110));
    expect(bal(r.view, 'acct:b')).toBe(usdcUnits(300));
    expect(bal(r.view, 'acct:mm')).toBe(usdcUnits(101));
    expect(entrySum(r.view)).toBe(entrySum(view));
  });

  test('behavior: an unpaid loss is reported and the settlement account receives less', () => {
    const view = testView({
      positions: [
        { account: 'a', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) },
        { account: 'mm', sizeBase: -1_000n, entryQuote: -usdcUnits(2_000) },
      ],
      balances: { 'acct:a': usdcUnits(50), 'acct:mm': usdcUnits(1_000) },
    });
    const fill = {
      account: 'a',
      counterparty: 'mm',
      market: 'ETH-PERP',
      sizeBase: -1_000n,
      quoteAmount: usdcUnits(1_900),
    };
    expect(() => applyFill(view, fill)).toThrow(InsufficientMarginError);
    const r = applyFill(view, { ...fill, shortfall: 'settlement' });
    // Realized −100, 50 paid: 50 unpaid.
    expect(r).toMatchObject({
      realizedQuote: -usdcUnits(100),
      unpaidQuote: usdcUnits(50),
      settlementAccount: 'mm',
    });
    expect(bal(r.view, 'acct:a')).toBe(0n);
    expect(bal(r.view, 'acct:mm')).toBe(usdcUnits(1_050));
    expect(pos(r.view, 'mm')).toBeUndefined();
  });

  test('behavior: pending funding is settled into both positions first', () => {
    const view = testView({
      positions: [
        { account: 'a', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) },
        { account: 'mm', sizeBase: -1_000n, entryQuote: -usdcUnits(2_000) },
      ],
      balances: { 'acct:a': usdcUnits(100), 'acct:mm': usdcUnits(1_000) },
    });
    const indexed = {
      ...view,
      book: {
        ...view.book,
        markets: {
          'ETH-PERP': {
            ...view.book.markets['ETH-PERP']!,
            fundingIndexLong: 10n ** 21n,
            fundingIndexShort: 10n ** 21n,
          },
        },
      },
    };
    // Index 1e21 = 1000 USDC units per base unit ($1 per ETH): a owes 1 USDC, mm receives as much.
    const r = applyFill(indexed, {
      account: 'a',
      counterparty: 'mm',
      market: 'ETH-PERP',
      sizeBase: 1_000n,
      quoteAmount: usdcUnits(2_000),
    });
    expect(pos(r.view, 'a')).toMatchObject({
      sizeBase: 2_000n,
      entryQuote: usdcUnits(4_001),
      fundingIndexSettled: 10n ** 21n,
    });
    expect(pos(r.view, 'mm')).toMatchObject({ sizeBase: -2_000n, entryQuote: -usdcUnits(4_001) });
  });

  test('error: bad fills', () => {
    const view = testView({
      positions: [{ account: 'a', sizeBase: 1n, entryQuote: 1n, marginMode: 'isolated' }],
    });
    const base = { account: 'a', counterparty: 'mm', market: 'ETH-PERP', sizeBase: 1n, quoteAmount: 1n };
    expect(() => applyFill(view, { ...base, sizeBase: 0n })).toThrow(InvalidParameterError);
    expect(() => applyFill(view, { ...base, quoteAmount: -1n })).toThrow(InvalidParameterError);
    expect(() => applyFill(view, { ...base, counterparty: 'a' })).toThrow(InvalidParameterError);
    expect(() => applyFill(view, { ...base, market: 'X' })).toThrow(InvalidParameterError);
    expect(() => applyFill(view, { ...base, marginMode: 'cross' })).toThrow(InvalidParameterError);
    // The settlement account cannot pay a residual it does not hold: a (long from 1000) sells at
    // 2100 to b (short from 2000): a +1100, b −100, so mm owes 1000 and holds nothing.
    const broke = testView({
      positions: [
        { account: 'a', sizeBase: 1_000n, entryQuote: usdcUnits(1_000) },
        { account: 'b', sizeBase: -1_000n, entryQuote: -usdcUnits(2_000) },
      ],
      balances: { 'acct:a': usdcUnits(10), 'acct:b': usdcUnits(500) },
    });
    expect(() =>
      applyFill(broke, {
        account: 'a',
        counterparty: 'b',
        market: 'ETH-PERP',
        sizeBase: -1_000n,
        quoteAmount: usdcUnits(2_100),
      }),
    ).toThrow(InsufficientBalanceError);
  });
});

describe('funding', () => {
  const view = testView({
    positions: [
      { account: 'a', sizeBase: 3n, entryQuote: 0n },
      { account: 'b', sizeBase: -2n, entryQuote: 0n },
      { account: 'mm', sizeBase: -1n, entryQuote: 0n },
    ],
  });

  test('default: accrual settles every position, the rounding surplus to the maker', () => {
    // Δ = 0.7 per base unit: a owes ceil(2.1) = 3, b ceil(−1.4) = −1, mm ceil(−0.7) = 0 → surplus 2.
    const r = accrueFunding(view, { market: 'ETH-PERP', indexDelta: 7n * 10n ** 17n });
    expect(pos(r.view, 'a')).toMatchObject({ entryQuote: 3n, fundingIndexSettled: 7n * 10n ** 17n });
    expect(pos(r.view, 'b')).toMatchObject({ entryQuote: -1n });
    expect(pos(r.view, 'mm')).toMatchObject({ entryQuote: -2n });
    expect(entrySum(r.view)).toBe(0n);
    expect(r.events.at(-1)).toMatchObject({ type: 'PerpFundingAccrued', roundingQuote: 2n });
  });

  test('behavior: lazy settlement of one position, and a whole market to a chosen creditor', () => {
    const moved = {
      ...view,
      book: {
        ...view.book,
        markets: {
          'ETH-PERP': {
            ...view.book.markets['ETH-PERP']!,
            fundingIndexLong: 10n ** 18n,
            fundingIndexShort: 10n ** 18n,
          },
        },
      },
    };
    const one = settleFunding(moved, 'a', 'ETH-PERP');
    expect(one.owedQuote).toBe(3n);
    expect(pos(one.view, 'b')).toMatchObject({ entryQuote: 0n, fundingIndexSettled: 0n });
    const all = settleMarketFunding(moved, 'ETH-PERP', 'b');
    // a +3, b −2, mm −1: total 0, nothing credited.
    expect(all.totalOwedQuote).toBe(0n);
    expect(pos(all.view, 'b')).toMatchObject({ entryQuote: -2n });
    expect(settleFunding(view, 'nobody', 'ETH-PERP').events).toEqual([]);
  });

  test('behavior: index delta of a rate', () => {
    // 0.01 % of 2000 per ETH = 0.2 USDC = 200,000 units per 1000 base units → 200 per base unit · 1e18.
    expect(fundingIndexDeltaForRate(view, 'ETH-PERP', price8(2_000), 100n)).toBe(2n * 10n ** 20n);
    expect(fundingIndexDeltaForRate(view, 'ETH-PERP', price8(2_000), -100n)).toBe(-2n * 10n ** 20n);
    // 1 ppm of 1234.56789012: 1234.56789012e-6 USDC per ETH = 1.23456789012 units per base → floor at 1e18.
    expect(fundingIndexDeltaForRate(view, 'ETH-PERP', 123_456_789_012n, 1n)).toBe(1_234_567_890_120_000_000n);
  });

  test('error: unknown market', () => {
    expect(() => accrueFunding(view, { market: 'X', indexDelta: 1n })).toThrow(InvalidParameterError);
  });
});

describe('isolated margin', () => {
  const view = testView({
    positions: [{ account: 'a', sizeBase: 1n, entryQuote: 1n, marginMode: 'isolated' }],
    balances: { 'acct:a': usdcUnits(100) },
  });

  test('default: add, remove and release', () => {
    const added = addIsolatedMargin(view, { account: 'a', market: 'ETH-PERP', amount: usdcUnits(30) });
    expect(bal(added.view, 'iso:a:ETH-PERP')).toBe(usdcUnits(30));
    const removed = removeIsolatedMargin(added.view, {
      account: 'a',
      market: 'ETH-PERP',
      amount: usdcUnits(10),
    });
    expect(bal(removed.view, 'acct:a')).toBe(usdcUnits(80));
    // Released only once the position is gone.
    expect(releaseIsolatedMargin(removed.view, 'a', 'ETH-PERP').events).toEqual([]);
    const flat = {
      ...removed.view,
      book: {
        ...removed.view.book,
        markets: {
          'ETH-PERP': {
            ...removed.view.book.markets['ETH-PERP']!,
            positions: PersistentMap.empty<PerpPosition>(),
          },
        },
      },
    };
    expect(bal(releaseIsolatedMargin(flat, 'a', 'ETH-PERP').view, 'acct:a')).toBe(usdcUnits(100));
  });

  test('error: no isolated position, amounts, balances', () => {
    expect(() => addIsolatedMargin(view, { account: 'b', market: 'ETH-PERP', amount: 1n })).toThrow(
      InvalidParameterError,
    );
    expect(() => addIsolatedMargin(view, { account: 'a', market: 'ETH-PERP', amount: 0n })).toThrow(
      InvalidParameterError,
    );
    expect(() =>
      addIsolatedMargin(view, { account: 'a', market: 'ETH-PERP', amount: usdcUnits(101) }),
    ).toThrow(InsufficientBalanceError);
    expect(() => removeIsolatedMargin(view, { account: 'a', market: 'ETH-PERP', amount: 1n })).toThrow(
      InsufficientBalanceError,
    );
  });
});
