/** The five Drift liquidation stages, each on a hand-built view (numbers derived by hand). */
import { describe, expect, test } from 'vitest';
import {
  InvalidParameterError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { applyPerpsEvents } from '../../engine/perps/liquidation.js';
import { testView } from '../../engine/perps/testkit.js';
import {
  type DriftLiquidationContext,
  driftExecution,
  driftIncentive,
  driftLossWaterfall,
  driftSizing,
  driftTrigger,
  resolvePerpBankruptcy,
  socializeDriftLoss,
} from './liquidation.js';
import { coreMarketConfig } from './params.js';
import { milliSol, px, TEST_DRIFT_PARAMS, usd } from './testkit.js';

const M = 'SOL-PERP';
const market = coreMarketConfig(TEST_DRIFT_PARAMS, TEST_DRIFT_PARAMS.markets[0]!);
const request = { account: 'alice', liquidator: 'liq', market: M };

/** Alice long 90 SOL at $100 with $991; the AMM short; the liquidator with $10k; SOL at `price`. */
function ctx(
  price = px(93),
  over: Partial<DriftLiquidationContext> = {},
  aliceCash = usd(991),
): DriftLiquidationContext {
  const view = testView({
    markets: [market],
    positions: [
      { account: 'alice', market: M, sizeBase: milliSol(90_000), entryQuote: usd(9_000) },
      { account: 'amm', market: M, sizeBase: -milliSol(90_000), entryQuote: -usd(9_000) },
    ],
    balances: { 'acct:alice': aliceCash, 'acct:amm': usd(1_000_000), 'acct:liq': usd(10_000) },
  });
  return {
    view,
    params: TEST_DRIFT_PARAMS,
    prices: { [M]: price },
    slot: 2_500n,
    user: { beingLiquidated: false, lastActiveSlot: 0n, liquidationMarginFreed: 0n },
    pendingLoss: {},
    liquidatorPendingLossQuote: 0n,
    insuranceSettled: {},
    ...over,
  };
}

describe('driftTrigger', () => {
  test('default: total 361 < maintenance 418.5 starts a liquidation at this slot', () => {
    const t = driftTrigger(ctx(), request);
    expect(t).toMatchObject({
      marginShortageQuote: 224_900_000n,
      entering: true,
      lastActiveSlot: 2_500n,
      oraclePrice: px(93),
    });
    expect(t.margin).toMatchObject({
      totalCollateralQuote: 361_000_000n,
      marginRequirementQuote: 418_500_000n,
      marginRequirementPlusBufferQuote: 585_900_000n,
    });
  });
  test('behavior: once liquidated, the threshold is requirement plus buffer', () => {
    // $96: total 991 − 360 = 631 ≥ maintenance 432, < 432 + 172.8 = 604.8? no: 631 ≥ 604.8 → exits.
    const being = { beingLiquidated: true, lastActiveSlot: 2_000n, liquidationMarginFreed: 5n };
    expect(() => driftTrigger(ctx(px(96), { user: being }), request)).toThrow(PositionNotLiquidatableError);
    // $95: total 541 ≥ 427.5 (healthy for a fresh user) but < 427.5 + 171 = 598.5 while liquidated.
    expect(() => driftTrigger(ctx(px(95)), request)).toThrow(PositionNotLiquidatableError);
    const t = driftTrigger(ctx(px(95), { user: being }), request);
    expect(t).toMatchObject({
      entering: false,
      lastActiveSlot: 2_000n,
      liquidationMarginFreed: 5n,
      marginShortageQuote: 57_500_000n,
    });
  });
  test('error: self, maker, no position', () => {
    expect(() => driftTrigger(ctx(), { ...request, liquidator: 'alice' })).toThrow(InvalidParameterError);
    expect(() => driftTrigger(ctx(), { ...request, account: 'amm' })).toThrow(PositionNotLiquidatableError);
    const c = ctx();
    const noPos = {
      ...c,
      view: {
        ...c.view,
        book: { ...c.view.book, accounts: c.view.book.accounts.set('bob', true) },
      },
    };
    expect(() => driftTrigger(noPos, { ...request, account: 'bob' })).toThrow(PositionNotLiquidatableError);
  });
});

describe('driftSizing', () => {
  test('default: 10 % of the step-ceiled cover, ceiled to the step', () => {
    const c = ctx();
    const z = driftSizing(c, request, driftTrigger(c, request));
    // cover = 224.9e6·1e9 / (93e6·60,000/1e6 − 93e6·10,000/1e6) = 48,365,591,397 → 48,366,000,000.
    expect(z).toMatchObject({
      marginRatioWithBuffer: 700n,
      liquidatorFeePpm: 10_000n,
      ifLiquidationFeePpm: 10_000n,
      baseToCover: 48_366_000_000n,
      maxPct: 1_000n,
      maxBaseAllowed: 4_836_600_000n,
      baseAssetAmount: 4_837_000_000n,
    });
  });
  test('behavior: the liquidator maximum binds; a position worth ≤ $50 goes whole', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    expect(
      driftSizing(c, { ...request, liquidatorMaxBaseAssetAmount: 1_234_567_890n }, t).baseAssetAmount,
    ).toBe(1_234_000_000n);
    // 0.5 SOL at $90 = $45 with $1 collateral: the 10 % allowance would be smaller, but $45 ≤ $50.
    const small = testView({
      markets: [market],
      positions: [
        { account: 'alice', market: M, sizeBase: milliSol(500), entryQuote: usd(50) },
        { account: 'amm', market: M, sizeBase: -milliSol(500), entryQuote: -usd(50) },
      ],
      balances: { 'acct:alice': usd(1), 'acct:amm': usd(1_000), 'acct:liq': usd(1_000) },
    });
    const cs = { ...ctx(px(90)), view: small };
    expect(driftSizing(cs, request, driftTrigger(cs, request)).baseAssetAmount).toBe(milliSol(500));
  });
  test('error: a liquidator maximum below one step; nothing allowed yet', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    expect(() => driftSizing(c, { ...request, liquidatorMaxBaseAssetAmount: 999_999n }, t)).toThrow(
      ProtocolRevertError,
    );
    const freed = { ...t, entering: false, liquidationMarginFreed: t.marginShortageQuote };
    expect(() => driftSizing(c, request, freed)).toThrow(ProtocolRevertError);
  });
});

describe('driftExecution', () => {
  test('default: the liquidator takes the base at the oracle price less its fee', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    const z = driftSizing(c, request, t);
    const out = driftExecution(c, request, z, t);
    expect(out.shortfall).toBe(0n);
    expect(out.detail).toMatchObject({
      baseAssetValueQuote: 449_841_000n,
      liquidatorFeeQuote: 4_498_410n,
      ifFeeQuote: 4_498_410n,
      quoteAmount: 445_342_590n,
    });
    expect(out.detail.view.book.markets[M]?.positions.get('liq')).toMatchObject({
      sizeBase: 4_837_000_000n,
      entryQuote: 445_342_590n,
    });
    // alice realized 445.34259 − 483.7 = −38.35741, paid to the AMM (the settlement account).
    expect(balanceOf(out.detail.view.ledger, 'acct:alice', 'USDC')).toBe(991_000_000n - 38_357_410n);
    expect(balanceOf(out.detail.view.ledger, 'acct:amm', 'USDC')).toBe(usd(1_000_000) + 38_357_410n);
  });
  test('behavior: a short is bought back at value plus the fee', () => {
    const view = testView({
      markets: [market],
      positions: [
        { account: 'alice', market: M, sizeBase: -milliSol(10_000), entryQuote: -usd(1_000) },
        { account: 'amm', market: M, sizeBase: milliSol(10_000), entryQuote: usd(1_000) },
      ],
      balances: { 'acct:alice': usd(100), 'acct:amm': usd(10_000), 'acct:liq': usd(10_000) },
    });
    // $109: total 100 − 90 = 10 < 54.5.
    const c = { ...ctx(px(109)), view };
    const t = driftTrigger(c, request);
    const z = driftSizing(c, request, t);
    const out = driftExecution(c, request, z, t);
    const value = (z.baseAssetAmount * px(109)) / 1_000_000_000n;
    expect(out.detail.quoteAmount).toBe(value + value / 100n);
    expect(out.detail.view.book.markets[M]?.positions.get('liq')?.sizeBase).toBe(-z.baseAssetAmount);
  });
  test('error: a liquidator below its initial margin after the takeover', () => {
    const c = ctx();
    const poor = {
      ...c,
      view: testView({
        markets: [market],
        positions: [
          { account: 'alice', market: M, sizeBase: milliSol(90_000), entryQuote: usd(9_000) },
          { account: 'amm', market: M, sizeBase: -milliSol(90_000), entryQuote: -usd(9_000) },
        ],
        balances: { 'acct:alice': usd(991), 'acct:amm': usd(1_000_000), 'acct:liq': usd(30) },
      }),
    };
    const t = driftTrigger(poor, request);
    const z = driftSizing(poor, request, t);
    // initial requirement 449.841·10 % = 44.98 > 30 + 4.50 (its fee as PnL)
    expect(() => driftExecution(poor, request, z, t)).toThrow(ProtocolRevertError);
  });
});

describe('driftIncentive', () => {
  test('default: the IF fee from the user to the insurance fund', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    const out = driftExecution(c, request, driftSizing(c, request, t), t);
    const view = applyPerpsEvents(out.detail.view, driftIncentive(c, request, out));
    expect(balanceOf(view.ledger, 'insurance', 'USDC')).toBe(4_498_410n);
  });
  test('behavior: capped at what the user still holds', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    const out = driftExecution(c, request, driftSizing(c, request, t), t);
    const drained = { ...out, detail: { ...out.detail, ifFeeQuote: usd(10_000) } };
    const view = applyPerpsEvents(out.detail.view, driftIncentive(c, request, drained));
    expect(balanceOf(view.ledger, 'insurance', 'USDC')).toBe(991_000_000n - 38_357_410n);
    expect(balanceOf(view.ledger, 'acct:alice', 'USDC')).toBe(0n);
  });

  test('behavior: regression (property test): a profit the fill paid in does not fund the fee', () => {
    // Shrunk case: the user held 2, the fill paid it 8 of realized profit, the fee was 5: only the 2
    // it held before may be taken (the engine's seized ≤ collateral rule).
    const c = ctx();
    const t = driftTrigger(c, request);
    const out = driftExecution(c, request, driftSizing(c, request, t), t);
    const held = (cash: bigint) =>
      testView({
        markets: [market],
        positions: [
          { account: 'alice', market: M, sizeBase: milliSol(90_000), entryQuote: usd(9_000) },
          { account: 'amm', market: M, sizeBase: -milliSol(90_000), entryQuote: -usd(9_000) },
        ],
        balances: { 'acct:alice': cash, 'acct:amm': usd(1_000) },
      });
    const synthetic = {
      events: [],
      shortfall: 0n,
      detail: { ...out.detail, view: held(10n), ifFeeQuote: 5n },
    };
    const view = applyPerpsEvents(
      synthetic.detail.view,
      driftIncentive({ ...c, view: held(2n) }, request, synthetic),
    );
    expect(balanceOf(view.ledger, 'insurance', 'USDC')).toBe(2n);
    expect(balanceOf(view.ledger, 'acct:alice', 'USDC')).toBe(8n);
  });
});

describe('driftLossWaterfall', () => {
  test('default: nothing without a shortfall', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    const out = driftExecution(c, request, driftSizing(c, request, t), t);
    expect(driftLossWaterfall(c, request, out).map((e) => e.type)).toEqual([]);
  });
  test('behavior: a shortfall is paid from USDC left, waits while a position is open, resolves once flat', () => {
    const c = ctx();
    const t = driftTrigger(c, request);
    const out = driftExecution(c, request, driftSizing(c, request, t), t);
    // Alice still holds USDC: a shortfall of 7 is settled from it at once (settle_pnl).
    expect(driftLossWaterfall(c, request, { ...out, shortfall: 7n })).toContainEqual(
      expect.objectContaining({
        type: 'Moved',
        from: 'acct:alice',
        to: 'acct:amm',
        amount: 7n,
        reason: 'drift:settlePnl',
      }),
    );
    // With $40 she is deeply under water: shortage 585.9 + 590 = 1,175.9, no IF fee, cover
    // 1,175.9e6·1e9 / 5.58e6 → 210.735 SOL, 10 % → 21.0735 → 21.074 SOL, realizing 21.074·7.93 =
    // 167.11682 > 40: the rest is pending while 68.926 SOL stay open.
    const poor = ctx(px(93), {}, usd(40));
    const tp = driftTrigger(poor, request);
    const outp = driftExecution(poor, request, driftSizing(poor, request, tp), tp);
    expect(outp.shortfall).toBe(167_116_820n - usd(40));
    expect(driftLossWaterfall(poor, request, outp)).toEqual([
      { type: 'DriftPendingLossChanged', account: 'alice', market: M, pendingQuote: outp.shortfall },
    ]);
    // Made flat with a pending loss of 3 from before and 7 now, alice still holds USDC: the 10 are
    // settled from it (no bankruptcy), and the pending loss goes to 0.
    const c2 = ctx(px(93), { pendingLoss: { [M]: 3n } });
    const whole = { ...request, liquidatorMaxBaseAssetAmount: milliSol(90_000) };
    const t2 = driftTrigger(c2, whole);
    const z2 = { ...driftSizing(c2, whole, t2), baseAssetAmount: milliSol(90_000) };
    const out2 = driftExecution(c2, whole, z2, t2);
    expect(out2.shortfall).toBe(0n);
    const events = driftLossWaterfall(c2, whole, { ...out2, shortfall: 7n });
    expect(events.filter((e) => e.type === 'DriftPerpBankruptcyResolved')).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'Moved', amount: 10n, reason: 'drift:settlePnl' }),
    );
    expect(events.at(-1)).toEqual({
      type: 'DriftPendingLossChanged',
      account: 'alice',
      market: M,
      pendingQuote: 0n,
    });
  });
});

describe('resolvePerpBankruptcy', () => {
  test('default: insurance keeps 1 unit, then the fee pool, then social loss', () => {
    const view = testView({
      markets: [market],
      positions: [
        { account: 'liq', market: M, sizeBase: milliSol(1_000), entryQuote: usd(100) },
        { account: 'amm', market: M, sizeBase: -milliSol(1_000), entryQuote: -usd(100) },
      ],
      balances: { insurance: 5n, 'protocol:SOL-PERP': 3n, 'acct:amm': usd(1), 'acct:liq': usd(1) },
    });
    const r = resolvePerpBankruptcy(view, {
      account: 'alice',
      market: M,
      lossQuote: 20n,
      params: TEST_DRIFT_PARAMS,
      insuranceSettledQuote: 0n,
    });
    // IF 4, fee pool 3, 13 socialized: delta = ceil(13·1e9/2e9)·1e3 = 7·1e3.
    const rec = r.events.find((e) => e.type === 'DriftPerpBankruptcyResolved') as unknown as Record<
      string,
      bigint
    >;
    expect(rec).toMatchObject({
      ifPaymentQuote: 4n,
      feePoolPaymentQuote: 3n,
      socializedQuote: 13n,
      cumulativeFundingRateDelta: 7_000n,
    });
    expect(r.insuranceSettledQuote).toBe(4n);
    expect(balanceOf(r.view.ledger, 'insurance', 'USDC')).toBe(1n);
    expect(balanceOf(r.view.ledger, 'acct:amm', 'USDC')).toBe(usd(1) + 7n);
  });
  test('behavior: the insurance claim cap binds', () => {
    const view = testView({
      markets: [market],
      positions: [
        { account: 'liq', market: M, sizeBase: milliSol(1_000), entryQuote: usd(100) },
        { account: 'amm', market: M, sizeBase: -milliSol(1_000), entryQuote: -usd(100) },
      ],
      balances: { insurance: usd(100), 'acct:amm': usd(1) },
    });
    const capped = {
      ...TEST_DRIFT_PARAMS,
      markets: [{ ...TEST_DRIFT_PARAMS.markets[0]!, quoteMaxInsurance: 10n }],
    };
    const r = resolvePerpBankruptcy(view, {
      account: 'alice',
      market: M,
      lossQuote: 20n,
      params: capped,
      insuranceSettledQuote: 4n,
    });
    expect(r.insuranceSettledQuote).toBe(10n); // 6 more of the cap of 10
  });
});

describe('socializeDriftLoss', () => {
  test('default: both sides pay ceil(size·Δ) and the creditor receives it', () => {
    const view = testView({
      markets: [market],
      positions: [
        { account: 'liq', market: M, sizeBase: milliSol(3_000), entryQuote: usd(300) },
        { account: 'amm', market: M, sizeBase: -milliSol(3_000), entryQuote: -usd(300) },
      ],
    });
    const r = socializeDriftLoss(view, { market: M, lossQuote: 10n, creditor: 'amm' });
    // Δ = ceil(10·1e9/6e9)·1e3 = 2·1e3; each side pays ceil(3e9·2e9·1e6/1e18... ) = 6.
    expect(r.cumulativeFundingRateDelta).toBe(2_000n);
    expect(r.chargedQuote).toBe(12n);
    expect(r.view.book.markets[M]?.positions.get('liq')?.entryQuote).toBe(usd(300) + 6n);
    expect(r.view.book.markets[M]?.positions.get('amm')?.entryQuote).toBe(-usd(300) + 6n - 12n);
  });
  test('error: no open interest', () => {
    const view = testView({ markets: [market] });
    expect(() => socializeDriftLoss(view, { market: M, lossQuote: 1n, creditor: 'amm' })).toThrow(
      ProtocolRevertError,
    );
    expect(socializeDriftLoss(view, { market: M, lossQuote: 0n, creditor: 'amm' }).events).toEqual([]);
  });
});
