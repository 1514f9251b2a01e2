/** Tests of each stage of Euler's liquidation (liquidation.ts), called one by one on a built market. */
import { describe, expect, test } from 'vitest';
import {
  InsufficientMarginError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import { runLiquidation } from '../../engine/pipeline.js';
import {
  decideLiquidate,
  EULER_LIQUIDATION_STAGES,
  type EulerLiquidationRequest,
  eulerExecution,
  eulerIncentive,
  eulerLossWaterfall,
  eulerSizing,
  eulerTrigger,
} from './liquidation.js';
import { E18, market, price, run, type S, usdc, withBorrower } from './testkit.js';

const T0 = 500;
const T1 = 600;

/** alice (10 WETH, 16,000 USDC debt) with WETH at `dollars`; kim holds 10 WETH of its own. */
function at(dollars: bigint): S {
  return run(
    withBorrower(market(T0), T0),
    [price('WETH', dollars), { type: 'deposit', account: 'kim', asset: 'WETH', amount: 10n * E18 }],
    T1,
  );
}

const request = (over: Partial<EulerLiquidationRequest> = {}): EulerLiquidationRequest => ({
  violator: 'alice',
  liquidator: 'kim',
  collateral: 'WETH',
  repayAssets: 'max',
  minYieldBalance: 0n,
  repayFromWallet: false,
  nowSeconds: T1,
  ...over,
});

const movesOf = (events: readonly { readonly type: string }[]): Moved[] =>
  events.filter((e): e is Moved => e.type === 'Moved');

describe('eulerTrigger', () => {
  test('default: reads the violation at liquidation LTVs and mid prices', () => {
    const t = eulerTrigger(at(1_850n), request());
    // 10 · 1850 · 0.85 = 15,725 adjusted vs 16,000.
    expect(t).toMatchObject({
      liability: usdc(16_000n),
      collateralAdjustedValue: 15_725n * E18,
      liabilityValue: 16_000n * E18,
      healthScoreWad: 982_812_500_000_000_000n,
    });
  });
  test('error: a healthy account, a self-liquidation, a cool-off', () => {
    expect(() => eulerTrigger(at(2_000n), request())).toThrow(PositionNotLiquidatableError);
    expect(() => eulerTrigger(at(1_850n), request({ liquidator: 'alice' }))).toThrow(ProtocolRevertError);
    expect(() => eulerTrigger(at(1_850n), request({ nowSeconds: T0 }))).toThrow(ProtocolRevertError);
  });
});

describe('eulerSizing', () => {
  test('default: the maximum repay and yield', () => {
    const s = at(1_850n);
    const size = eulerSizing(s, request(), eulerTrigger(s, request()));
    expect(size).toMatchObject({
      violation: true,
      discountFactorWad: 982_812_500_000_000_000n,
      collateralBalance: 10n * E18,
      collateralValue: 18_500n * E18,
      repayAssets: usdc(16_000n),
      yieldAssets: 8_799_896_876_208_481_931n,
    });
  });
  test('behavior: the collateral caps the repay on a deep violation (discount capped at 15 %)', () => {
    const s = at(1_500n);
    const size = eulerSizing(s, request(), eulerTrigger(s, request()));
    // 15,000 · 0.85 = 12,750 USDC for the whole 10 WETH.
    expect(size).toMatchObject({
      discountFactorWad: 85n * 10n ** 16n,
      maxRepayValue: 12_750n * E18,
      maxYieldValue: 15_000n * E18,
      repayAssets: usdc(12_750n),
      yieldAssets: 10n * E18,
    });
  });
  test('error: more than the maximum', () => {
    const s = at(1_500n);
    expect(() => eulerSizing(s, request({ repayAssets: usdc(12_751n) }), eulerTrigger(s, request()))).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('eulerExecution', () => {
  test('default: debt claim and collateral move to the liquidator, its check stamps it', () => {
    const s = at(1_850n);
    const t = eulerTrigger(s, request());
    const out = eulerExecution(s, request(), eulerSizing(s, request(), t), t);
    expect(movesOf(out.events)).toEqual([
      {
        type: 'Moved',
        asset: 'USDC.debt',
        from: 'debt:alice',
        to: 'debt:kim',
        amount: usdc(16_000n),
        reason: 'liquidate:transferBorrow',
      },
      {
        type: 'Moved',
        asset: 'WETH',
        from: 'acct:alice',
        to: 'acct:kim',
        amount: 8_799_896_876_208_481_931n,
        reason: 'liquidate:yield',
      },
    ]);
    expect(out.events.map((e) => e.type)).toEqual([
      'Moved',
      'Moved',
      'EulerControllerEnabled',
      'EulerLiquidated',
      'EulerStatusChecked',
    ]);
    expect(out.shortfall).toBe(0n);
    expect(out.detail).toMatchObject({ repay: usdc(16_000n), noCollateralLeft: false });
  });
  test('behavior: all collateral seized leaves the rest of the debt as shortfall', () => {
    const s = at(1_500n);
    const t = eulerTrigger(s, request());
    const out = eulerExecution(s, request(), eulerSizing(s, request(), t), t);
    expect(out.shortfall).toBe(usdc(3_250n));
    expect(out.detail.noCollateralLeft).toBe(true);
  });
  test('error: E_MinYield; a liquidator that would fail its own check', () => {
    const s = at(1_850n);
    const t = eulerTrigger(s, request());
    const size = eulerSizing(s, request(), t);
    expect(() => eulerExecution(s, request({ minYieldBalance: 9n * E18 }), size, t)).toThrow(
      ProtocolRevertError,
    );
    expect(() => eulerExecution(s, request({ liquidator: 'nobody' }), size, t)).toThrow(
      InsufficientMarginError,
    );
  });
});

describe('eulerIncentive', () => {
  test('default: reports the discount earned, at mid prices', () => {
    const s = at(1_500n);
    const t = eulerTrigger(s, request());
    const out = eulerExecution(s, request(), eulerSizing(s, request(), t), t);
    // 12,750 USDC of debt for 10 WETH worth 15,000.
    expect(eulerIncentive(s, request(), out)).toEqual([
      {
        type: 'EulerLiquidatorDiscount',
        liquidator: 'kim',
        violator: 'alice',
        repayValue: 12_750n * E18,
        yieldValue: 15_000n * E18,
      },
    ]);
  });
});

describe('eulerLossWaterfall', () => {
  test('default: socializes the shortfall (no insurance step)', () => {
    const s = run(at(1_500n), [{ type: 'fundInsurance', asset: 'USDC', amount: usdc(1_000_000n) }], T1);
    const t = eulerTrigger(s, request());
    const out = eulerExecution(s, request(), eulerSizing(s, request(), t), t);
    expect(eulerLossWaterfall(s, request(), out)).toEqual([
      {
        type: 'Moved',
        asset: 'USDC.debt',
        from: 'debt:alice',
        to: 'socialized',
        amount: usdc(3_250n),
        reason: 'loss:socialize',
      },
      { type: 'EulerDebtSocialized', violator: 'alice', amount: usdc(3_250n) },
    ]);
  });
  test('behavior: nothing when collateral is left or socialization is disabled', () => {
    const s = at(1_850n);
    const t = eulerTrigger(s, request());
    const out = eulerExecution(s, request(), eulerSizing(s, request(), t), t);
    expect(eulerLossWaterfall(s, request(), out)).toEqual([]);
    const off = run(at(1_500n), [{ type: 'setConfigFlags', dontSocializeDebt: true }], T1);
    const t2 = eulerTrigger(off, request());
    const out2 = eulerExecution(off, request(), eulerSizing(off, request(), t2), t2);
    expect(out2.shortfall).toBe(usdc(3_250n));
    expect(eulerLossWaterfall(off, request(), out2)).toEqual([]);
  });
});

describe('EULER_LIQUIDATION_STAGES', () => {
  test('default: runLiquidation chains the stages as decideLiquidate does', () => {
    const s = at(1_500n);
    const ran = runLiquidation(EULER_LIQUIDATION_STAGES, s, request());
    expect(decideLiquidate(s, request())).toEqual(ran.events);
    expect(ran.events.map((e) => e.type)).toEqual([
      'Moved',
      'Moved',
      'EulerControllerEnabled',
      'EulerLiquidated',
      'EulerStatusChecked',
      'EulerLiquidatorDiscount',
      'Moved',
      'EulerDebtSocialized',
    ]);
  });
});
