/** The five Hyperliquid liquidation stages and the ADL ranking, on hand-built views. */
import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { type TestPosition, testView } from '../../engine/perps/testkit.js';
import {
  type HyperliquidLiquidationContext,
  hyperliquidAdlRanking,
  hyperliquidExecution,
  hyperliquidIncentive,
  hyperliquidLossWaterfall,
  hyperliquidSizing,
  hyperliquidTrigger,
} from './liquidation.js';
import { coreMarketConfig, type HyperliquidParams } from './params.js';
import { rational } from './rational.js';
import { px, TEST_HL_PARAMS, usd } from './testkit.js';

const M = 'BTC-PERP';
const market = coreMarketConfig(TEST_HL_PARAMS, TEST_HL_PARAMS.markets[0]!, 6);
const request = { account: 'alice', liquidator: 'keeper' };

function ctx(input: {
  readonly positions: readonly TestPosition[];
  readonly balances: Readonly<Record<string, bigint>>;
  readonly mark: bigint;
  readonly previous?: bigint;
  readonly params?: HyperliquidParams;
  readonly last?: number;
  readonly venue?: typeof market.venue;
}): HyperliquidLiquidationContext {
  const cfg = input.venue === undefined ? market : { ...market, venue: input.venue };
  return {
    view: testView({
      markets: [cfg],
      positions: input.positions.map((p) => ({ market: M, ...p })),
      balances: input.balances,
    }),
    params: input.params ?? TEST_HL_PARAMS,
    marks: { [M]: input.mark },
    previousMarks: { [M]: input.previous ?? input.mark },
    nowSeconds: 100,
    ...(input.last === undefined ? {} : { lastPartialLiquidationSeconds: input.last }),
  };
}

/** Alice long `size` mBTC at $100k with `cash`; the book on the other side. */
const long = (size: bigint, cash: bigint, mark: bigint, extra: Partial<Parameters<typeof ctx>[0]> = {}) =>
  ctx({
    positions: [
      { account: 'alice', sizeBase: size, entryQuote: size * usd(100) },
      { account: 'book', sizeBase: -size, entryQuote: -size * usd(100) },
    ],
    balances: { 'acct:alice': cash, 'acct:book': usd(10_000_000), 'acct:hlp': usd(1_000_000) },
    mark,
    ...extra,
  });

describe('hyperliquidTrigger', () => {
  test('default: equity below MM; the ⅔ and negative flags', () => {
    expect(hyperliquidTrigger(long(300n, usd(1_000), px(97_800)), request)).toMatchObject({
      scope: 'cross',
      market: M,
      belowBackstopThreshold: false,
      negativeEquity: false,
    });
    expect(hyperliquidTrigger(long(300n, usd(1_000), px(97_000)), request)).toMatchObject({
      belowBackstopThreshold: true,
      negativeEquity: false,
    });
    expect(hyperliquidTrigger(long(300n, usd(1_000), px(96_000)), request)).toMatchObject({
      belowBackstopThreshold: true,
      negativeEquity: true,
    });
  });
  test('error: healthy, maker, vault', () => {
    expect(() => hyperliquidTrigger(long(300n, usd(1_000), px(97_900)), request)).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() =>
      hyperliquidTrigger(long(300n, usd(1_000), px(50_000)), { ...request, account: 'book' }),
    ).toThrow(PositionNotLiquidatableError);
  });
});

describe('hyperliquidSizing', () => {
  test('default: the whole position up to $100k notional', () => {
    const c = long(1_000n, usd(2_600), px(97_500)); // notional 97,500
    expect(hyperliquidSizing(c, request, hyperliquidTrigger(c, request))).toMatchObject({
      closeBase: 1_000n,
      partial: false,
    });
  });
  test('behavior: 20 % above $100k (rounded up), whole within the cooldown', () => {
    const c = long(4_001n, usd(10_000), px(98_700));
    const t = hyperliquidTrigger(c, request);
    expect(hyperliquidSizing(c, request, t)).toMatchObject({ closeBase: 801n, partial: true }); // ceil(800.2)
    const cool = long(4_001n, usd(10_000), px(98_700), { last: 71 }); // 100 < 71 + 30
    expect(hyperliquidSizing(cool, request, t)).toMatchObject({ closeBase: 4_001n, partial: false });
    const after = long(4_001n, usd(10_000), px(98_700), { last: 70 }); // 100 = 70 + 30: over
    expect(hyperliquidSizing(after, request, t).partial).toBe(true);
  });
});

describe('hyperliquidExecution', () => {
  test('default: a book order at the mark against the maker', () => {
    const c = long(300n, usd(1_000), px(97_800));
    const t = hyperliquidTrigger(c, request);
    const out = hyperliquidExecution(c, request, hyperliquidSizing(c, request, t), t);
    expect(out.detail).toMatchObject({ kind: 'book', filledBase: 300n, quoteAmount: usd(29_340) });
    expect(balanceOf(out.detail.view.ledger, 'acct:alice', 'USDC')).toBe(usd(340));
  });
  test('behavior: the vault takes over below ⅔ MM; a vault that cannot carry it hands over to ADL', () => {
    const c = long(300n, usd(1_000), px(97_000));
    const t = hyperliquidTrigger(c, request);
    const z = hyperliquidSizing(c, request, t);
    const out = hyperliquidExecution(c, request, z, t);
    expect(out.detail.kind).toBe('backstop');
    expect(out.detail.view.book.markets[M]?.positions.get('hlp')).toMatchObject({ sizeBase: 300n });
    // A vault with $10: after the takeover its equity 110 < its MM 363.75.
    const poor = {
      ...c,
      view: testView({
        markets: [market],
        positions: [
          { account: 'alice', market: M, sizeBase: 300n, entryQuote: usd(30_000) },
          { account: 'book', market: M, sizeBase: -300n, entryQuote: -usd(30_000) },
        ],
        balances: { 'acct:alice': usd(1_000), 'acct:book': usd(10_000_000), 'acct:hlp': usd(10) },
      }),
    };
    expect(hyperliquidExecution(poor, request, z, t).detail.kind).toBe('adl');
  });
  test('error: an empty fill, or a fill the margin cannot pay', () => {
    const thin = { kind: 'book' as const, levels: [{ priceOffsetPpm: 500_000n, sizeBase: 1_000n }] };
    // $97,800 with a book 50 % away: the fill would realize far more than the $1,000 held.
    const c = long(300n, usd(1_000), px(97_800), { venue: thin });
    const t = hyperliquidTrigger(c, request);
    const z = hyperliquidSizing(c, request, t);
    expect(() => hyperliquidExecution(c, request, z, t)).toThrow(ProtocolRevertError);
  });
});

describe('hyperliquidIncentive', () => {
  test('default: no fee of any kind', () => {
    const c = long(300n, usd(1_000), px(97_800));
    const t = hyperliquidTrigger(c, request);
    const out = hyperliquidExecution(c, request, hyperliquidSizing(c, request, t), t);
    expect(hyperliquidIncentive(c, request, out)).toEqual([]);
  });
});

describe('hyperliquidAdlRanking', () => {
  test('default: (mark/entry)·(notional/value) descending, non-positive values last, ties by id', () => {
    const c = ctx({
      positions: [
        { account: 'a', sizeBase: -100n, entryQuote: -usd(10_000) }, // key 10,000 / 1,400
        { account: 'b', sizeBase: -200n, entryQuote: -usd(20_000) }, // key 20,000 / 10,800
        { account: 'c', sizeBase: -100n, entryQuote: -usd(10_000) }, // no cash: key 10,000 / 400
        { account: 'd', sizeBase: 400n, entryQuote: usd(40_000) },
      ],
      balances: { 'acct:a': usd(1_000), 'acct:b': usd(10_000), 'acct:d': usd(10_000) },
      mark: px(96_000),
    });
    const ranked = hyperliquidAdlRanking(c.view, M, 'short', c.previousMarks, []);
    expect(ranked.map((r) => r.account)).toEqual(['c', 'a', 'b']);
    expect(ranked[0]?.key).toEqual(rational(25n));
    expect(ranked[1]?.key).toEqual(rational(10_000n, 1_400n));
    const c2 = ctx({
      positions: [
        { account: 'a', sizeBase: -100n, entryQuote: -usd(9_000) },
        { account: 'b', sizeBase: -100n, entryQuote: -usd(10_000) },
        { account: 'd', sizeBase: 200n, entryQuote: usd(19_000) },
      ],
      balances: { 'acct:b': usd(1_000), 'acct:d': usd(10_000) },
      mark: px(96_000),
    });
    // a: equity 0 − 600 < 0 → last.
    expect(hyperliquidAdlRanking(c2.view, M, 'short', c2.previousMarks, []).map((r) => r.account)).toEqual([
      'b',
      'a',
    ]);
    expect(hyperliquidAdlRanking(c2.view, M, 'short', c2.previousMarks, ['b']).map((r) => r.account)).toEqual(
      ['a'],
    );
  });
});

describe('hyperliquidLossWaterfall', () => {
  test('default: nothing after a book order or a takeover', () => {
    const c = long(300n, usd(1_000), px(97_800));
    const t = hyperliquidTrigger(c, request);
    expect(
      hyperliquidLossWaterfall(
        c,
        request,
        hyperliquidExecution(c, request, hyperliquidSizing(c, request, t), t),
      ),
    ).toEqual([]);
  });
  test('behavior: ADL closes the whole position at the previous price against the ranking', () => {
    // Mark $95k, previous $97k: alice (1,000 cash, 0.3 BTC at 100k) is solvent at $97k (+100):
    // she sells at 29,100 to the book, keeps 100.
    const c = long(300n, usd(1_000), px(95_000), { previous: px(97_000) });
    const t = hyperliquidTrigger(c, request);
    const out = hyperliquidExecution(c, request, hyperliquidSizing(c, request, t), t);
    expect(out.detail.kind).toBe('adl');
    const events = hyperliquidLossWaterfall(c, request, out);
    const rec = events.find((e) => e.type === 'HyperliquidAutoDeleveraged');
    expect(rec).toMatchObject({
      bankruptcyQuote: usd(29_100),
      counterparties: ['book'],
      deleveragedBase: 300n,
    });
    const moved = events.filter((e) => e.type === 'Moved') as unknown as {
      from: string;
      to: string;
      amount: bigint;
    }[];
    expect(moved).toContainEqual(expect.objectContaining({ from: 'acct:alice', amount: usd(900) }));
  });
});
