/**
 * Tests of the five crvUSD liquidation stages, each on its own (trigger, sizing, execution,
 * incentive, loss waterfall) over engine states built with the model's own commands.
 */
import { describe, expect, test } from 'vitest';
import {
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import type { Command } from '../../engine/machine.js';
import type { ExecutionOutcome } from '../../engine/pipeline.js';
import { getSumXY } from './amm.js';
import {
  type CrvusdLiquidationDetail,
  type CrvusdLiquidationRequest,
  crvusdExecution,
  crvusdIncentive,
  crvusdLossWaterfall,
  crvusdSizing,
  crvusdTrigger,
  decideCrvusdLiquidation,
} from './liquidation.js';
import { fRemove, WAD } from './math.js';
import { type CrvusdState, crvusdEngine, crvusdMarket, E18, priceCommand, runAll } from './testkit.js';

const DEBT = 15_000n * E18;
const LIQ = 6n * 10n ** 16n;

function loanAt(prices: readonly bigint[]): CrvusdState {
  let s = runAll(
    crvusdMarket(),
    [
      { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: DEBT, N: 10 },
      { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 1_000_000n * E18 },
      { type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: 100_000n * E18 },
    ],
    1,
  );
  let t = 2;
  for (const p of prices) {
    const commands: Command[] = [priceCommand('WETH', p), { type: 'arbitrage', arbitrageur: 'arb' }];
    s = runAll(s, commands, t);
    t += 1;
  }
  return s;
}
const NOW = 1000;
const request = (over: Partial<CrvusdLiquidationRequest> = {}): CrvusdLiquidationRequest => ({
  account: 'alice',
  liquidator: 'liq',
  fracWad: WAD,
  minX: 0n,
  nowSeconds: NOW,
  ...over,
});
const healthy = loanAt([]);
const unhealthy = loanAt([1900n, 1800n, 1700n, 1600n, 1580n]);
/** Under water: the oracle gaps to $1200 after the $1700 trades. */
const underwater = runAll(loanAt([1900n, 1800n, 1700n]), [priceCommand('WETH', 1200n)], 10);

describe('crvusdTrigger', () => {
  test("default: others liquidate below health 0 at the user's discount", () => {
    const t = crvusdTrigger(unhealthy, request());
    expect(t.kind).toBe('hard');
    expect(t.healthLimitWad).toBe(LIQ);
    expect(t.healthWad).toBeLessThan(0n);
    expect(t.pOracleWad).toBe(1580n * E18);
    expect(t.loan).toEqual({ debt: DEBT, liquidationDiscountWad: LIQ });
  });
  test('behavior: self-liquidation has limit 0 and no health rule; a write-off needs insolvency', () => {
    const self = crvusdTrigger(healthy, request({ liquidator: 'alice' }));
    expect(self.kind).toBe('self');
    expect(self.healthLimitWad).toBe(0n);
    expect(self.healthWad).toBeGreaterThan(0n);
    expect(crvusdTrigger(underwater, request({ liquidator: null })).kind).toBe('writeOff');
  });
  test('error: healthy, solvent write-off, unknown loan, not configured', () => {
    expect(() => crvusdTrigger(healthy, request())).toThrow(PositionNotLiquidatableError);
    expect(() => crvusdTrigger(unhealthy, request({ liquidator: null }))).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => crvusdTrigger(healthy, request({ account: 'bob' }))).toThrow(UnknownAccountError);
    expect(() => crvusdTrigger(crvusdEngine.initial(), request())).toThrow(NotConfiguredError);
  });
});

describe('crvusdSizing', () => {
  test('default: the whole debt and the whole liquidity', () => {
    const t = crvusdTrigger(unhealthy, request());
    expect(crvusdSizing(unhealthy, request(), t)).toEqual({
      fracWad: WAD,
      debtRepaid: DEBT,
      finalDebt: 0n,
      fRemoveWad: WAD,
    });
  });
  test('behavior: frac is capped at 1; a part repays debt·frac (floor) for f_remove of the shares', () => {
    const t = crvusdTrigger(unhealthy, request());
    expect(crvusdSizing(unhealthy, request({ fracWad: 3n * WAD }), t).fracWad).toBe(WAD);
    // 15,000·0.3 = 4,500; f_remove(0.3, 0.06) = ((1.03·0.7/1.06) + 0.3)·0.3.
    const part = crvusdSizing(unhealthy, request({ fracWad: 3n * 10n ** 17n }), t);
    expect(part).toEqual({
      fracWad: 3n * 10n ** 17n,
      debtRepaid: 4500n * E18,
      finalDebt: 10_500n * E18,
      fRemoveWad: fRemove(3n * 10n ** 17n, LIQ),
    });
    // 1.03e18·0.7e18/1.06e18 = 680188679245283018.8 → floor; + 0.3e18; ·0.3 → 294056603773584905.6.
    expect(part.fRemoveWad).toBe(294056603773584905n);
    // A write-off takes everything whatever frac says.
    const w = crvusdTrigger(underwater, request({ liquidator: null }));
    expect(crvusdSizing(underwater, request({ liquidator: null, fracWad: 1n }), w).fracWad).toBe(WAD);
  });
  test('error: debt·frac rounding to 0', () => {
    const t = crvusdTrigger(unhealthy, request());
    expect(() => crvusdSizing(unhealthy, request({ fracWad: 0n }), t)).toThrow(ProtocolRevertError);
  });
});

describe('crvusdExecution', () => {
  test('default: stablecoin from the AMM first, the liquidator pays the rest and takes the collateral', () => {
    const r = request();
    const t = crvusdTrigger(unhealthy, r);
    const out = crvusdExecution(unhealthy, r, crvusdSizing(unhealthy, r, t), t);
    const { x, y } = getSumXY(unhealthy.ext.amm, t.market.amm, 'alice');
    expect(out.shortfall).toBe(0n);
    expect(out.detail).toMatchObject({
      x,
      y,
      paidByLiquidator: DEBT - x,
      surplusToLiquidator: 0n,
      proceeds: 0n,
    });
    const moves = out.events
      .filter((e): e is Moved => e.type === 'Moved')
      .map((m) => [m.asset, m.from, m.to, m.amount]);
    expect(moves).toEqual([
      ['crvUSD', 'amm', 'protocol', x],
      ['WETH', 'amm', 'wallet:liq', y],
      ['crvUSD', 'wallet:liq', 'protocol', DEBT - x],
      ['crvUSD.debt', 'debt:alice', 'mint', DEBT],
    ]);
  });
  test('behavior: a write-off sells the collateral at the oracle price and leaves the rest as shortfall', () => {
    const r = request({ liquidator: null });
    const t = crvusdTrigger(underwater, r);
    const out = crvusdExecution(underwater, r, crvusdSizing(underwater, r, t), t);
    const { x, y } = getSumXY(underwater.ext.amm, t.market.amm, 'alice');
    const proceeds = y * 1200n;
    expect(out.detail.proceeds).toBe(proceeds);
    expect(out.shortfall).toBe(DEBT - x - proceeds);
    const moves = out.events
      .filter((e): e is Moved => e.type === 'Moved')
      .map((m) => [m.asset, m.from, m.to, m.amount]);
    expect(moves).toEqual([
      ['crvUSD', 'amm', 'protocol', x],
      ['WETH', 'amm', 'world', y],
      ['crvUSD', 'world', 'protocol', proceeds],
      ['crvUSD.debt', 'debt:alice', 'mint', x + proceeds],
    ]);
  });
  test('error: min_x above the stablecoin withdrawn ("Slippage")', () => {
    const r = request({ minX: 10n ** 30n });
    const t = crvusdTrigger(unhealthy, r);
    expect(() => crvusdExecution(unhealthy, r, crvusdSizing(unhealthy, r, t), t)).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('crvusdIncentive / crvusdLossWaterfall', () => {
  const r = request({ liquidator: null });
  const t = crvusdTrigger(underwater, r);
  const out = crvusdExecution(underwater, r, crvusdSizing(underwater, r, t), t);
  test('default: no keeper reward; the shortfall goes to deficit (no insurance fund, no reserves)', () => {
    expect(crvusdIncentive(underwater, r, out)).toEqual([]);
    expect(crvusdLossWaterfall(underwater, r, out)).toEqual([
      {
        type: 'Moved',
        asset: 'crvUSD.debt',
        from: 'debt:alice',
        to: 'deficit',
        amount: out.shortfall,
        reason: 'loss:deficit',
      },
    ]);
  });
  test('behavior: nothing to place when the liquidator paid in full; the runner chains the stages', () => {
    const zero: ExecutionOutcome<CrvusdLiquidationDetail> = { ...out, shortfall: 0n };
    expect(crvusdLossWaterfall(underwater, r, zero)).toEqual([]);
    const events = decideCrvusdLiquidation(underwater, r);
    expect(events.slice(0, out.events.length)).toEqual(out.events);
    expect(events.at(-1)).toMatchObject({ to: 'deficit', amount: out.shortfall });
  });
  test('error: the waterfall needs a configured market', () => {
    expect(() => crvusdLossWaterfall(crvusdEngine.initial(), r, out)).toThrow(NotConfiguredError);
  });
});
