/**
 * Property test of fills: for random positions on both sides and a random fill, each party's
 * equity changes by exactly the trade's value at any price (bought base at that price minus the
 * quote paid), the settlement account's equity does not change, Σ entryQuote and Σ collateral are
 * conserved, and no realized PnL ever exceeds the exact share.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { balanceOf } from '../ledger.js';
import { applyFill, tradePosition } from './settle.js';
import { testView, usdcUnits } from './testkit.js';
import { type PerpsView, positionOf } from './types.js';

/** Equity at a price that makes every value exact (a multiple of 1e5 in price units). */
function equity(view: PerpsView, account: string, priceOver1e5: bigint): bigint {
  const p = positionOf(view.book, account, 'ETH-PERP');
  const cash = balanceOf(view.ledger, `acct:${account}`, 'USDC');
  return cash + (p === undefined ? 0n : p.sizeBase * priceOver1e5 - p.entryQuote);
}
const entries = (view: PerpsView) =>
  view.book.markets['ETH-PERP']!.positions.values().reduce((s, p) => s + p.entryQuote, 0n);
const cash = (view: PerpsView) =>
  ['a', 'b', 'mm'].reduce((s, id) => s + balanceOf(view.ledger, `acct:${id}`, 'USDC'), 0n);

const size = fc.bigInt({ min: -5_000n, max: 5_000n });
const entry = fc.bigInt({ min: -20_000_000_000n, max: 20_000_000_000n });

describe('applyFill', () => {
  test('behavior: equity changes by the trade value, the settlement account is unchanged', () => {
    fc.assert(
      fc.property(
        size,
        entry,
        size,
        entry,
        size.filter((d) => d !== 0n),
        fc.bigInt({ min: 0n, max: 20_000_000_000n }),
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.boolean(),
        (sa, ea, sb, eb, d, q, p, makerIsCounterparty) => {
          const b = makerIsCounterparty ? 'mm' : 'b';
          const view = testView({
            positions: [
              { account: 'a', sizeBase: sa, entryQuote: ea },
              { account: b, sizeBase: sb, entryQuote: eb },
            ],
            balances: {
              'acct:a': usdcUnits(1_000_000),
              'acct:b': usdcUnits(1_000_000),
              'acct:mm': usdcUnits(1_000_000),
            },
          });
          const r = applyFill(view, {
            account: 'a',
            counterparty: b,
            market: 'ETH-PERP',
            sizeBase: d,
            quoteAmount: q,
          });
          const paid = d > 0n ? q : -q; // what a pays for its d
          expect(equity(r.view, 'a', p) - equity(view, 'a', p)).toBe(d * p - paid);
          expect(equity(r.view, b, p) - equity(view, b, p)).toBe(-d * p + paid);
          if (!makerIsCounterparty) expect(equity(r.view, 'mm', p)).toBe(equity(view, 'mm', p));
          expect(entries(r.view)).toBe(entries(view));
          expect(cash(r.view)).toBe(cash(view));
          expect(r.unpaidQuote).toBe(0n);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('tradePosition', () => {
  test('behavior: realized PnL is at most the exact share and the identity r − Δentry = −cost holds', () => {
    fc.assert(
      fc.property(
        size,
        entry,
        size.filter((d) => d !== 0n),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        (s, e, d, c) => {
          const t = tradePosition({ sizeBase: s, entryQuote: e }, d, c);
          expect(t.sizeBase).toBe(s + d);
          expect(t.realizedQuote - (t.entryQuote - e)).toBe(-c);
          const reduces = s !== 0n && s > 0n !== d > 0n;
          if (!reduces) expect(t.realizedQuote).toBe(0n);
          else {
            const a = d < 0n ? -d : d;
            const held = s < 0n ? -s : s;
            // Exact realized on the closed part: −cost·min(a,|S|)/a − entry·min(a,|S|)/|S|, times a·|S|.
            const closed = a < held ? a : held;
            const exactTimes = -c * closed * held - e * closed * a;
            expect(t.realizedQuote * a * held <= exactTimes).toBe(true);
            expect((t.realizedQuote + 1n) * a * held > exactTimes).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
