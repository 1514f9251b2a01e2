/**
 * Tests of the generic perps liquidation stages one by one (trigger, sizing, execution, incentive,
 * loss waterfall) and chained by runLiquidation, on hand-built views. Scales: sizes in 0.001 ETH,
 * prices ×1e8, USDC 6 decimals (value = size·price / 1e5).
 */
import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError, ProtocolRevertError, UnknownAccountError } from '../errors.js';
import { balanceOf } from '../ledger.js';
import { runLiquidation } from '../pipeline.js';
import {
  applyPerpsEvents,
  PERPS_LIQUIDATION_STAGES,
  type PerpsLiquidationContext,
  type PerpsLiquidationPolicy,
  perpsExecution,
  perpsIncentive,
  perpsLossWaterfall,
  perpsSizing,
  perpsTrigger,
} from './liquidation.js';
import { price8, TEST_LIQUIDATION, testMarket, testView, usdcUnits } from './testkit.js';
import { type PerpsView, positionOf } from './types.js';

const policy: PerpsLiquidationPolicy = { ...TEST_LIQUIDATION, exemptAccounts: ['mm'] };
const bal = (view: PerpsView, bucket: string) => balanceOf(view.ledger, bucket, 'USDC');

/** a long 10 from 20,174 with 2489.913 (mm on the other side); b short 4 from 7976 with 996.012. */
function views(mark: number, extra: Readonly<Record<string, bigint>> = {}): PerpsLiquidationContext {
  const view = testView({
    positions: [
      { account: 'a', sizeBase: 10_000n, entryQuote: usdcUnits(20_174) },
      { account: 'b', sizeBase: -4_000n, entryQuote: -usdcUnits(7_976) },
      { account: 'mm', sizeBase: -6_000n, entryQuote: -usdcUnits(12_198) },
    ],
    balances: { 'acct:a': 2_489_913_000n, 'acct:b': 996_012_000n, 'acct:mm': usdcUnits(1_000_000), ...extra },
  });
  return { view, marks: { 'ETH-PERP': price8(mark) }, policy };
}
const request = { account: 'a', liquidator: 'liq' };

describe('perpsTrigger', () => {
  test('default: equity below maintenance in the cross scope', () => {
    // 2489.913 + 18,000 − 20,174 = 315.913 < 900.
    expect(perpsTrigger(views(1_800), request)).toMatchObject({
      scope: 'cross',
      market: 'ETH-PERP',
      margin: { equityQuote: 315_913_000n, maintenanceQuote: usdcUnits(900) },
    });
  });

  test('error: healthy, exempt, unknown, or no position', () => {
    expect(() => perpsTrigger(views(2_000), request)).toThrow(PositionNotLiquidatableError);
    expect(() => perpsTrigger(views(1_800), { account: 'mm', liquidator: 'liq' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => perpsTrigger(views(1_800), { account: 'zed', liquidator: 'liq' })).toThrow(
      UnknownAccountError,
    );
    expect(() =>
      perpsTrigger(views(1_800, { 'acct:c': 1n }), { account: 'c', liquidator: 'liq', market: 'ETH-PERP' }),
    ).toThrow(PositionNotLiquidatableError);
  });
});

describe('perpsSizing', () => {
  test('default: partial toward maintenance net of the fee', () => {
    const ctx = views(1_800);
    // 315.913 − 18x ≥ 900 − 90x → 8.113 ETH.
    expect(perpsSizing(ctx, request, perpsTrigger(ctx, request))).toEqual({
      market: 'ETH-PERP',
      closeBase: 8_113n,
      whole: false,
    });
  });

  test('behavior: whole when the policy says so or equity ≤ 0', () => {
    const ctx = views(1_800);
    const whole = { ...ctx, policy: { ...policy, sizing: 'whole' as const } };
    expect(perpsSizing(whole, request, perpsTrigger(whole, request))).toMatchObject({
      closeBase: 10_000n,
      whole: true,
    });
    const bankrupt = views(1_700);
    expect(perpsSizing(bankrupt, request, perpsTrigger(bankrupt, request))).toMatchObject({
      closeBase: 10_000n,
      whole: true,
    });
  });
});

describe('perpsExecution', () => {
  test('default: a venue close with slippage against the maker', () => {
    const ctx = views(1_800);
    const t = perpsTrigger(ctx, request);
    const out = perpsExecution(ctx, request, perpsSizing(ctx, request, t), t);
    // 2 @ 1798.2 + 5 @ 1791 + 1.113 @ 1764 = 14,514.732; realized −1,852.4342.
    expect(out.shortfall).toBe(0n);
    expect(out.detail).toMatchObject({
      kind: 'venue',
      filledBase: 8_113n,
      quoteAmount: 14_514_732_000n,
      closedNotionalQuote: 14_603_400_000n,
    });
    expect(bal(out.detail.view, 'acct:a')).toBe(2_489_913_000n - 1_852_434_200n);
  });

  test('behavior: a shortfall the insurance fund can pay is filled; one it cannot goes to ADL', () => {
    // At 1700 the whole close gives 2 @ 1698.3 + 5 @ 1691.5 + 3 @ 1666 = 16,852.1: realized −3321.9,
    // 2489.913 paid, 831.987 short.
    const rich = views(1_700, { insurance: usdcUnits(1_000) });
    const t = perpsTrigger(rich, request);
    const filled = perpsExecution(rich, request, perpsSizing(rich, request, t), t);
    expect(filled).toMatchObject({ shortfall: 831_987_000n, detail: { kind: 'venue', filledBase: 10_000n } });
    const poor = views(1_700, { insurance: usdcUnits(800) });
    const adl = perpsExecution(poor, request, perpsSizing(poor, request, t), t);
    // No fill; the position's deficit at the mark is 2489.913 + 17,000 − 20,174 = −684.087.
    expect(adl).toMatchObject({ shortfall: 684_087_000n, detail: { kind: 'adl', filledBase: 0n } });
    expect(adl.events.map((e) => e.type)).toEqual(['PerpLiquidated']);
  });

  test('behavior: a backstop vault takes over below its threshold', () => {
    const ctx = {
      ...views(1_800),
      policy: { ...policy, backstop: { account: 'vault', takeoverBelowMaintenancePpm: 666_667n } },
    };
    const t = perpsTrigger(ctx, request);
    const out = perpsExecution(ctx, request, perpsSizing(ctx, request, t), t);
    expect(out.detail.kind).toBe('backstop');
    expect(positionOf(out.detail.view.book, 'vault', 'ETH-PERP')).toMatchObject({
      sizeBase: 10_000n,
      entryQuote: usdcUnits(20_174),
    });
    expect(bal(out.detail.view, 'acct:vault')).toBe(2_489_913_000n);
  });

  test('error: a venue that fills nothing', () => {
    const ctx = views(1_800);
    const dry = {
      ...ctx,
      view: {
        ...ctx.view,
        book: {
          ...ctx.view.book,
          markets: {
            'ETH-PERP': {
              ...ctx.view.book.markets['ETH-PERP']!,
              config: testMarket({ venue: { kind: 'book', levels: [] } }),
            },
          },
        },
      },
    };
    const t = perpsTrigger(dry, request);
    expect(() =>
      perpsExecution(dry, request, { market: 'ETH-PERP', closeBase: 1n, whole: false }, t),
    ).toThrow(ProtocolRevertError);
  });
});

describe('perpsIncentive', () => {
  test('default: the fee split between the liquidator and the insurance fund', () => {
    const ctx = views(1_800);
    const t = perpsTrigger(ctx, request);
    const out = perpsExecution(ctx, request, perpsSizing(ctx, request, t), t);
    // 1 % of 14,603.4 = 146.034: 73.017 each.
    const events = perpsIncentive(ctx, request, out);
    const after = applyPerpsEvents(out.detail.view, events);
    expect(bal(after, 'wallet:liq')).toBe(73_017_000n);
    expect(bal(after, 'insurance')).toBe(73_017_000n);
  });

  test('behavior: capped by the remaining equity; nothing after a shortfall', () => {
    const ctx = views(1_800);
    const t = perpsTrigger(ctx, request);
    const whole = perpsExecution(ctx, request, { market: 'ETH-PERP', closeBase: 10_000n, whole: true }, t);
    // Whole close at 1800: 2 @ 1798.2 + 5 @ 1791 + 3 @ 1764 = 17,843.4 → realized −2330.6 → 159.313 left,
    // below the 1 % fee of 180: the fee is 159.313.
    const after = applyPerpsEvents(whole.detail.view, perpsIncentive(ctx, request, whole));
    expect(bal(after, 'acct:a')).toBe(0n);
    expect(bal(after, 'insurance') + bal(after, 'wallet:liq')).toBe(159_313_000n);
    const rich = views(1_700, { insurance: usdcUnits(1_000) });
    const tr = perpsTrigger(rich, request);
    const short = perpsExecution(rich, request, perpsSizing(rich, request, tr), tr);
    expect(perpsIncentive(rich, request, short)).toEqual([]);
  });
});

describe('perpsLossWaterfall', () => {
  test('default: the insurance fund pays the maker the shortfall', () => {
    const ctx = views(1_700, { insurance: usdcUnits(1_000) });
    const t = perpsTrigger(ctx, request);
    const out = perpsExecution(ctx, request, perpsSizing(ctx, request, t), t);
    const after = applyPerpsEvents(out.detail.view, perpsLossWaterfall(ctx, request, out));
    expect(bal(after, 'insurance')).toBe(usdcUnits(1_000) - 831_987_000n);
    expect(bal(after, 'acct:mm')).toBe(usdcUnits(1_000_000) + 3_321_900_000n);
  });

  test('behavior: ADL against the short at the bankruptcy quote', () => {
    const ctx = views(1_700, { insurance: usdcUnits(800) });
    const t = perpsTrigger(ctx, request);
    const out = perpsExecution(ctx, request, perpsSizing(ctx, request, t), t);
    const events = perpsLossWaterfall(ctx, request, out);
    const after = applyPerpsEvents(out.detail.view, events);
    // Bankruptcy quote 20,174 − 2489.913 = 17,684.087 for 10 ETH. Shorts: b (4 ETH, ranked by
    // PnL% × leverage: 1176/7976 × 6800/2172.012) before mm (exempt from liquidation, not from ADL).
    const deleveraged = events.filter((e) => e.type === 'PerpDeleveraged');
    expect(deleveraged).toMatchObject([
      { counterparty: 'b', sizeBase: 4_000n, quoteAmount: 7_073_634_800n }, // floor(17,684.087 · 0.4)
      { counterparty: 'mm', sizeBase: 6_000n, quoteAmount: 10_610_452_200n }, // the rest
    ]);
    expect(positionOf(after.book, 'a', 'ETH-PERP')).toBeUndefined();
    expect(bal(after, 'acct:a')).toBe(0n);
    expect(bal(after, 'insurance')).toBe(usdcUnits(800));
  });

  test('error: ADL that runs out of counterparties', () => {
    const ctx = {
      ...views(1_700),
      policy: { ...policy, adlRanking: { kind: 'keeperChosen' as const, accounts: ['b'] } },
    };
    expect(() => runLiquidation(PERPS_LIQUIDATION_STAGES, ctx, request)).toThrow(ProtocolRevertError);
  });
});

describe('PERPS_LIQUIDATION_STAGES', () => {
  test('default: runLiquidation chains the five stages', () => {
    const ctx = views(1_800);
    const run = runLiquidation(PERPS_LIQUIDATION_STAGES, ctx, request);
    expect(run.size.closeBase).toBe(8_113n);
    const after = applyPerpsEvents(ctx.view, run.events);
    expect(bal(after, 'acct:a')).toBe(2_489_913_000n - 1_852_434_200n - 146_034_000n);
    expect(positionOf(after.book, 'a', 'ETH-PERP')).toMatchObject({ sizeBase: 1_887n });
  });
});
