/**
 * The ADL ranking compares unreduced fractions and builds each published key only when read; the
 * reference here is the reduced-rational ranking it replaced (adlSortKey per candidate, sorted with
 * cmpR, ties by id). ADL with a keeper-chosen list reads the list lazily; the reference is
 * rankForAdl's keeper-chosen order.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { autoDeleverage, rankForAdl } from '../../engine/perps/loss.js';
import { accountMargin } from '../../engine/perps/margin.js';
import { type TestPosition, testView } from '../../engine/perps/testkit.js';
import { marketOf, type PositionSide, positionBucket, sideOf } from '../../engine/perps/types.js';
import { pow10 } from '../../math/units.js';
import { hyperliquidAdlRanking } from './liquidation.js';
import { adlSortKey } from './math.js';
import { coreMarketConfig } from './params.js';
import { cmpR, type Rational, rational } from './rational.js';
import { px, TEST_HL_PARAMS, usd } from './testkit.js';

const M = 'BTC-PERP';
const market = coreMarketConfig(TEST_HL_PARAMS, TEST_HL_PARAMS.markets[0]!, 6);

const trader = fc.record({
  sizeBase: fc.bigInt({ min: -500n, max: 500n }),
  entryUsd: fc.integer({ min: 0, max: 80_000 }),
  cashUsd: fc.integer({ min: 0, max: 20_000 }),
  isolated: fc.boolean(),
});

const book = fc.record({
  traders: fc.array(trader, { minLength: 1, maxLength: 12 }),
  markUsd: fc.integer({ min: 1, max: 200_000 }),
  side: fc.constantFrom<PositionSide>('long', 'short'),
  exclude: fc.array(fc.nat({ max: 11 }), { maxLength: 3 }),
});

type Book = typeof book extends fc.Arbitrary<infer T> ? T : never;

function viewOf(b: Book) {
  const positions: TestPosition[] = b.traders.map((t, i) => {
    const entry = usd(t.entryUsd) * (t.sizeBase < 0n ? -1n : 1n);
    return {
      account: `t${i}`,
      market: M,
      sizeBase: t.sizeBase,
      entryQuote: t.sizeBase === 0n ? 0n : entry,
      marginMode: t.isolated ? 'isolated' : 'cross',
    };
  });
  // The settlement account pays what the two sides' entries leave over in an ADL fill.
  const balances: Record<string, bigint> = { 'acct:book': usd(1_000_000_000) };
  b.traders.forEach((t, i) => {
    if (t.cashUsd > 0)
      balances[positionBucket(`t${i}`, M, t.isolated ? 'isolated' : 'cross')] = usd(t.cashUsd);
  });
  return testView({ markets: [market], positions, balances });
}

/** The ranking as it was: reduced rationals from adlSortKey, compared with cmpR. */
function referenceRanking(
  b: Book,
  marks: Readonly<Record<string, bigint>>,
): { account: string; key: Rational | null }[] {
  const view = viewOf(b);
  const state = marketOf(view.book, M);
  const c = state.config;
  const price = marks[M] as bigint;
  const exclude = b.exclude.map((i) => `t${i}`);
  const out: { account: string; key: Rational | null }[] = [];
  for (const [account, p] of state.positions.entries()) {
    if (exclude.includes(account) || p.sizeBase === 0n || sideOf(p.sizeBase) !== b.side) continue;
    const size = p.sizeBase < 0n ? -p.sizeBase : p.sizeBase;
    const value = rational(size * price * pow10(c.quoteDecimals), pow10(c.baseDecimals + c.priceDecimals));
    const entry = rational(p.entryQuote < 0n ? -p.entryQuote : p.entryQuote);
    const margin = accountMargin(view, account, marks);
    const scope = p.marginMode === 'cross' ? margin : margin.isolated[M]!;
    const key =
      entry.num === 0n
        ? null
        : adlSortKey({
            side: b.side === 'long' ? 1n : -1n,
            markPrice: value,
            entryPrice: entry,
            notional: value,
            accountValue: rational(scope.equityQuote),
          });
    out.push({ account, key });
  }
  return out.sort((x, y) => {
    if (x.key === null || y.key === null) {
      if (x.key !== y.key) return x.key === null ? 1 : -1;
    } else {
      const d = cmpR(y.key, x.key);
      if (d !== 0) return d;
    }
    return x.account < y.account ? -1 : x.account > y.account ? 1 : 0;
  });
}

describe('Hyperliquid ADL ranking without reductions', () => {
  test('property: the same order and the same published keys as the reduced-rational ranking', () => {
    let keyed = 0;
    fc.assert(
      fc.property(book, (b) => {
        const marks = { [M]: px(b.markUsd) };
        const view = viewOf(b);
        const ranked = hyperliquidAdlRanking(
          view,
          M,
          b.side,
          marks,
          b.exclude.map((i) => `t${i}`),
        );
        const reference = referenceRanking(b, marks);
        expect(ranked.map((r) => r.account)).toEqual(reference.map((r) => r.account));
        expect(ranked.map((r) => r.key)).toEqual(reference.map((r) => r.key));
        keyed += reference.filter((r) => r.key !== null).length;
      }),
      { numRuns: 400 },
    );
    // Most candidates carry a key (the order is not decided by ids alone).
    expect(keyed).toBeGreaterThan(500);
  });

  test('property: keeper-chosen ADL fills follow rankForAdl’s keeper-chosen order', () => {
    let filled = 0;
    fc.assert(
      fc.property(
        book,
        fc.array(fc.nat({ max: 13 }), { minLength: 1, maxLength: 16 }),
        fc.bigInt({ min: 1n, max: 400n }),
        (b, listed, wanted) => {
          // t0 goes bankrupt on the side opposite b.side; the others are the candidates.
          const first = b.traders[0] as Book['traders'][number];
          const bankruptSize = b.side === 'long' ? -wanted : wanted;
          const traders = [
            { ...first, sizeBase: bankruptSize, entryUsd: Math.max(1, first.entryUsd) },
            ...b.traders.slice(1),
          ];
          const x = { ...b, traders };
          const view = viewOf(x);
          const marks = { [M]: px(x.markUsd) };
          const accounts = listed.map((i) => `t${i}`);
          const exclude = x.exclude.map((i) => `t${i}`);
          const reference = rankForAdl(
            view,
            M,
            b.side,
            marks,
            { kind: 'keeperChosen', accounts },
            { exclude: ['t0', ...exclude] },
          );
          const result = autoDeleverage(view, {
            bankruptAccount: 't0',
            market: M,
            sizeBase: wanted,
            bankruptcyQuote: 0n,
            ranking: { kind: 'keeperChosen', accounts },
            marks,
            exclude,
          });
          // The fills take the reference order from its start, each as much as is left.
          let left = wanted;
          const expected: { counterparty: string; sizeBase: bigint }[] = [];
          for (const c of reference) {
            if (left === 0n) break;
            const size = c.sizeBase < 0n ? -c.sizeBase : c.sizeBase;
            const take = size < left ? size : left;
            expected.push({ counterparty: c.account, sizeBase: take });
            left -= take;
          }
          expect(result.fills.map((f) => ({ counterparty: f.counterparty, sizeBase: f.sizeBase }))).toEqual(
            expected,
          );
          expect(result.remainingBase).toBe(left);
          filled += result.fills.length;
        },
      ),
      { numRuns: 300 },
    );
    expect(filled).toBeGreaterThan(100);
  });
});
