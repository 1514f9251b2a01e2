/**
 * The five dYdX liquidation stages, each called on its own (liquidation.ts), on states built with
 * the model (testkit.ts). Numbers as derived in model.test.ts: Alice long 1 BTC at $50,010 with
 * $5,974.995 of collateral, the oracle at $45,000 (TNC 964.995, TMMR 1,350).
 */
import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import type { ExecutionOutcome } from '../../engine/pipeline.js';
import {
  type DydxExecutionDetail,
  deleveragingStart,
  dydxExecution,
  dydxIncentive,
  dydxLossWaterfall,
  dydxSizing,
  dydxTrigger,
  movesForNets,
} from './liquidation.js';
import { rational } from './rational.js';
import { aliceAndBob, btc, contextAt, DydxMarket, dydxSetup, usd8, usdc } from './testkit.js';

function aliceAt45k(): DydxMarket {
  const m = new DydxMarket().runAll(dydxSetup(), 0);
  m.run({ type: 'deposit', account: 'alice', amount: usdc(6_000n) }, 1);
  m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: btc(10_000n) }, 1);
  m.run({ type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(45_000n) }, 3);
  return m;
}

describe('dydxTrigger', () => {
  test('default: liquidatable subaccount, first perpetual', () => {
    const m = aliceAt45k();
    expect(dydxTrigger(contextAt(m, 'alice', 3), { account: 'alice' })).toEqual({
      market: 'BTC-USD',
      risk: { tncQuote: 964_995_000n, timrQuote: usdc(2_250n), tmmrQuote: usdc(1_350n) },
    });
  });
  test('error: healthy, makers, already liquidated this block, no such position', () => {
    const m = aliceAt45k();
    const healthy = new DydxMarket().runAll(dydxSetup(), 0);
    healthy.run({ type: 'deposit', account: 'carol', amount: usdc(100n) }, 1);
    expect(() => dydxTrigger(contextAt(healthy, 'carol', 1), { account: 'carol' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => dydxTrigger(contextAt(m, 'makers', 3), { account: 'makers' })).toThrow(
      PositionNotLiquidatableError,
    );
    const ctx = contextAt(m, 'alice', 3);
    const done = {
      ...ctx,
      info: { perpetualsLiquidated: ['BTC-USD'], notionalLiquidated: 0n, quantumsInsuranceLost: 0n },
    };
    expect(() => dydxTrigger(done, { account: 'alice' })).toThrow(ProtocolRevertError);
    expect(() => dydxTrigger(ctx, { account: 'alice', market: 'ETH-USD' })).toThrow(ProtocolRevertError);
  });
});

describe('dydxSizing', () => {
  test('default: position limit 10 % and the fillable price', () => {
    const m = aliceAt45k();
    const ctx = contextAt(m, 'alice', 3);
    const size = dydxSizing(ctx, { account: 'alice' }, dydxTrigger(ctx, { account: 'alice' }));
    expect(size).toEqual({
      market: 'BTC-USD',
      deltaBase: -btc(1_000n),
      isLiquidatingLong: true,
      fillablePrice: rational(17_768_997n, 4_000_000n),
      orderSubticks: 4_442_300_000n,
      positionNotionalQuote: usdc(45_000n),
      maxPositionNotionalQuote: usdc(4_500n),
      maxSubaccountNotionalQuote: usdc(100_000n),
    });
  });
  test('behavior: what is left of the subaccount limit binds', () => {
    const m = aliceAt45k();
    const ctx = contextAt(m, 'alice', 3);
    const used = {
      ...ctx,
      info: {
        perpetualsLiquidated: [],
        notionalLiquidated: usdc(100_000n) - usdc(900n),
        quantumsInsuranceLost: 0n,
      },
    };
    // $900 at $45,000 = 0.02 BTC.
    expect(dydxSizing(used, { account: 'alice' }, dydxTrigger(used, { account: 'alice' })).deltaBase).toBe(
      -btc(200n),
    );
  });
});

describe('dydxExecution', () => {
  test('default: one match at the best bid, net PnL to the makers, fee left for the incentive stage', () => {
    const m = aliceAt45k();
    const ctx = contextAt(m, 'alice', 3);
    const trig = dydxTrigger(ctx, { account: 'alice' });
    const out = dydxExecution(ctx, { account: 'alice' }, dydxSizing(ctx, { account: 'alice' }, trig), trig);
    expect(out.detail).toMatchObject({
      filledBase: btc(1_000n),
      unfilledBase: 0n,
      stopReason: 'filled',
      feesQuote: 67_486_500n,
      feesWithheldQuote: 0n,
      insurancePaidQuote: 0n,
    });
    const moves = out.events.filter((e) => e.type === 'Moved') as Moved[];
    expect(moves.map((x) => [x.from, x.to, x.amount])).toEqual([['acct:alice', 'acct:makers', 501_900_000n]]);
    expect(out.events.some((e) => e.type === 'DydxLiquidationRecorded')).toBe(true);
  });
  test('behavior: a limit above the best bid fills nothing', () => {
    const m = aliceAt45k();
    const ctx = contextAt(m, 'alice', 3);
    const trig = dydxTrigger(ctx, { account: 'alice' });
    const size = { ...dydxSizing(ctx, { account: 'alice' }, trig), orderSubticks: 4_500_000_000n };
    const out = dydxExecution(ctx, { account: 'alice' }, size, trig);
    expect(out.detail).toMatchObject({ filledBase: 0n, stopReason: 'fillablePrice', matches: [] });
    expect(out.events.filter((e) => e.type === 'Moved')).toEqual([]);
  });
});

describe('dydxIncentive', () => {
  test('default: the fee from the subaccount, the withheld part from the makers', () => {
    const m = aliceAt45k();
    const ctx = contextAt(m, 'alice', 3);
    const detail = {
      market: 'BTC-USD',
      feesQuote: 100n,
      feesWithheldQuote: 30n,
      makerAccount: 'makers',
    } as DydxExecutionDetail;
    const outcome: ExecutionOutcome<DydxExecutionDetail> = { events: [], shortfall: 0n, detail };
    const moves = dydxIncentive(ctx, { account: 'alice' }, outcome).filter(
      (e) => e.type === 'Moved',
    ) as Moved[];
    expect(moves.map((x) => [x.from, x.to, x.amount])).toEqual([
      ['acct:makers', 'insurance', 30n],
      ['acct:alice', 'insurance', 70n],
    ]);
    expect(
      dydxIncentive(ctx, { account: 'alice' }, { ...outcome, detail: { ...detail, feesQuote: 0n } }),
    ).toEqual([]);
  });
});

describe('dydxLossWaterfall', () => {
  test('default: nothing filled and TNC < 0 → deleveraging against the opposite side', () => {
    const m = aliceAndBob();
    m.run({ type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(43_500n) }, 10);
    const ctx = contextAt(m, 'alice', 10);
    const detail = { market: 'BTC-USD', filledBase: 0n, viewAfter: ctx.view } as DydxExecutionDetail;
    const events = dydxLossWaterfall(ctx, { account: 'alice' }, { events: [], shortfall: 0n, detail });
    expect(events.find((e) => e.type === 'DydxDeleveragingDone')).toMatchObject({
      deleveragedBase: btc(10_000n),
      remainingBase: 0n,
    });
  });
  test('behavior: a partial fill, or a non-negative TNC, leaves the rest for the next block', () => {
    const m = aliceAndBob();
    m.run({ type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(45_000n) }, 10);
    const ctx = contextAt(m, 'alice', 10);
    const detail = { market: 'BTC-USD', filledBase: 0n, viewAfter: ctx.view } as DydxExecutionDetail;
    expect(dydxLossWaterfall(ctx, { account: 'alice' }, { events: [], shortfall: 0n, detail })).toEqual([]);
    expect(
      dydxLossWaterfall(
        ctx,
        { account: 'alice' },
        { events: [], shortfall: 0n, detail: { ...detail, filledBase: 1n } },
      ),
    ).toEqual([]);
  });
});

describe('helpers', () => {
  test('default: deleveraging start is deterministic and in range; nets become moves', () => {
    const a = deleveragingStart('s', 7, 'alice', 'BTC-USD', 5);
    expect(a).toBe(deleveragingStart('s', 7, 'alice', 'BTC-USD', 5));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(5);
    expect(deleveragingStart('s', 7, 'alice', 'BTC-USD', 0)).toBe(0);
    const nets = new Map([
      ['a', -10n],
      ['b', 4n],
      ['c', 6n],
    ]);
    expect(movesForNets('USDC', nets, 'r').map((x) => [x.from, x.to, x.amount])).toEqual([
      ['a', 'b', 4n],
      ['a', 'c', 6n],
    ]);
  });
});
