/**
 * End-to-end tests of the drift-v2 model through createEngine/apply: a partial liquidation with its
 * numbers derived by hand, the gradual schedule, the fee ramp, the bankruptcy path (insurance fund
 * leaving 1 unit, fee pool, social loss via the funding rate), and refusals by class.
 */
import { describe, expect, test } from 'vitest';
import {
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  StaleOraclePriceError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { driftV2Model } from './model.js';
import { DEFAULT_DRIFT_PARAMS } from './params.js';
import { driftMargin, oraclePrices, viewOf } from './state.js';
import {
  bal,
  type DriftState,
  driftEngine,
  milliSol,
  run,
  setupCommands,
  solPrice,
  step,
  TEST_DRIFT_PARAMS,
  usd,
} from './testkit.js';

const T0 = 1_000; // slot 2,500
const M = 'SOL-PERP';
const liquidate = (extra: Record<string, unknown> = {}): Command => ({
  type: 'liquidate',
  account: 'alice',
  liquidator: 'liq',
  market: M,
  ...extra,
});
const position = (s: DriftState, account: string) => s.ext.book?.markets[M]?.positions.get(account);
function refusal(s: DriftState, command: Command, now = T0): unknown {
  try {
    apply(driftEngine, s, command, now);
  } catch (error) {
    return error;
  }
  throw new Error(`${command.type} was not refused`);
}
const eventsOf = (s: DriftState, command: Command, now: number) =>
  apply(driftEngine, s, command, now).events.map((r) => r.event);

/** Alice: $1,000 deposit, long 90 SOL at $100 (taker fee $9 → $991 left). */
function aliceLong90(): DriftState {
  const s = run(driftEngine.initial(), setupCommands(), T0);
  return run(
    s,
    [
      { type: 'deposit', account: 'alice', amount: usd(1_000) },
      { type: 'openPosition', account: 'alice', market: M, sizeBase: milliSol(90_000) },
    ],
    T0,
  );
}

describe('driftV2Model', () => {
  test('default: trade, price drop, a partial liquidation, every balance to the unit', () => {
    let s = aliceLong90();
    expect(bal(s, 'acct:alice')).toBe(usd(991));
    expect(bal(s, 'protocol:SOL-PERP')).toBe(usd(9)); // 0.1 % of $9,000
    expect(position(s, 'alice')).toMatchObject({ sizeBase: milliSol(90_000), entryQuote: usd(9_000) });
    expect(position(s, 'amm')).toMatchObject({ sizeBase: -milliSol(90_000), entryQuote: -usd(9_000) });
    // $95: total 991 − 450 = 541 ≥ maintenance 427.5: healthy.
    s = step(s, solPrice(95), T0);
    expect(driftV2Model.health(s, 'alice', T0).liquidatable).toBe(false);
    expect(refusal(s, liquidate())).toBeInstanceOf(PositionNotLiquidatableError);
    // $93: total 991 − 630 = 361 < maintenance 8,370·5 % = 418.5.
    s = step(s, solPrice(93), T0);
    expect(driftV2Model.health(s, 'alice', T0).liquidatable).toBe(true);
    const events = eventsOf(s, liquidate(), T0);
    s = step(s, liquidate(), T0);
    // shortage = 8,370·7 % − 361 = 585.9 − 361 = 224.9; IF fee: 95 %·(7 % − 1 % − 224.9/(90·93)) > 1 % → capped 1 %;
    // cover = 224.9e6·1e9 / (93e6·6 % − 93e6·1 %) = 48,365,591,397 → 48.366 SOL; 10 % now → 4.8366 → 4.837 SOL.
    const rec = events.find((e) => e.type === 'DriftPerpLiquidated') as unknown as Record<string, bigint>;
    expect(rec).toMatchObject({
      slot: 2_500n,
      marginShortageQuote: 224_900_000n,
      liquidatorFeePpm: 10_000n,
      ifLiquidationFeePpm: 10_000n,
      baseToCover: 48_366_000_000n,
      maxPct: 1_000n,
      baseAssetAmount: 4_837_000_000n,
      baseAssetValueQuote: 449_841_000n, // 4.837 · 93
      liquidatorFeeQuote: 4_498_410n,
      unpaidQuote: 0n,
    });
    // The liquidator takes 4.837 SOL at 449.841 − 4.49841 = 445.34259.
    expect(position(s, 'liq')).toMatchObject({ sizeBase: 4_837_000_000n, entryQuote: 445_342_590n });
    // Alice: removed entry 9,000·4.837/90 = 483.7; realized 445.34259 − 483.7 = −38.35741; IF fee 4.49841.
    expect(position(s, 'alice')).toMatchObject({ sizeBase: 85_163_000_000n, entryQuote: 8_516_300_000n });
    expect(bal(s, 'acct:alice')).toBe(991_000_000n - 38_357_410n - 4_498_410n);
    expect(bal(s, 'insurance')).toBe(4_498_410n);
    expect(bal(s, 'acct:liq')).toBe(usd(10_000));
    expect(bal(s, 'acct:amm')).toBe(usd(1_000_000) + 38_357_410n); // the realized loss settles through the AMM
    // Still being liquidated: freed = 224.9 − new shortage.
    const after = driftMargin(
      viewOf(s),
      TEST_DRIFT_PARAMS,
      'alice',
      oraclePrices(s, T0, ['alice']),
      'maintenance',
      200n,
    );
    const newShortage = after.marginRequirementPlusBufferQuote - after.totalCollateralQuote;
    expect(s.ext.users.get('alice')).toEqual({
      beingLiquidated: true,
      lastActiveSlot: 2_500n,
      liquidationMarginFreed: 224_900_000n - newShortage,
    });
    // While liquidated: no withdrawal, and the threshold is now requirement plus buffer.
    expect(refusal(s, { type: 'withdraw', account: 'alice', amount: 1n })).toBeInstanceOf(
      ProtocolRevertError,
    );
    expect(driftV2Model.health(s, 'alice', T0).liquidatable).toBe(true);
  });

  test('behavior: the allowance grows with slots; a full cover exits the liquidation', () => {
    let s = aliceLong90();
    s = run(s, [solPrice(93), liquidate()], T0);
    // Same slot: 10 % of the initial shortage is already freed → nothing more allowed.
    const now = refusal(s, liquidate()) as ProtocolRevertError;
    expect(now).toBeInstanceOf(ProtocolRevertError);
    expect(now.reason).toBe('max_base_asset_amount_allowed_to_be_transferred == 0');
    // 60 s = 150 slots later the whole shortage may be freed: the transfer covers it, alice exits.
    s = step(s, liquidate(), T0 + 60);
    expect(s.ext.users.get('alice')?.beingLiquidated).toBe(false);
    const m = driftMargin(
      viewOf(s),
      TEST_DRIFT_PARAMS,
      'alice',
      oraclePrices(s, T0 + 60, ['alice']),
      'maintenance',
      200n,
    );
    expect(m.totalCollateralQuote).toBeGreaterThanOrEqual(m.marginRequirementPlusBufferQuote);
    expect(driftV2Model.health(s, 'alice', T0 + 60).liquidatable).toBe(false);
    expect(refusal(s, liquidate(), T0 + 60)).toBeInstanceOf(PositionNotLiquidatableError);
  });

  test('behavior: the liquidator fee ramps 1e-6 per slot after 1,500 slots', () => {
    let s = aliceLong90();
    s = run(s, [solPrice(93), liquidate()], T0);
    // 2,000 slots (800 s) after the liquidation began: 1 % + 2,000·1e-6 = 1.2 %.
    const events = eventsOf(s, liquidate({ maxBaseAssetAmount: milliSol(1_000) }), T0 + 800);
    const rec = events.find((e) => e.type === 'DriftPerpLiquidated') as unknown as Record<string, bigint>;
    expect(rec.liquidatorFeePpm).toBe(12_000n);
    expect(rec.baseAssetAmount).toBe(milliSol(1_000)); // the liquidator's maximum binds
    expect(rec.liquidatorFeeQuote).toBe(1_116_000n); // 1 SOL · $93 · 1.2 %
    // 30,000 slots later: capped at the 3 % maximum.
    s = step(s, liquidate({ maxBaseAssetAmount: milliSol(1_000) }), T0 + 800);
    const late = eventsOf(s, liquidate({ maxBaseAssetAmount: milliSol(1_000) }), T0 + 12_000);
    expect(
      (late.find((e) => e.type === 'DriftPerpLiquidated') as unknown as Record<string, bigint>)
        .liquidatorFeePpm,
    ).toBe(30_000n);
  });

  test('behavior: bankruptcy: insurance fund (keeps 1 unit), fee pool, then social loss through funding', () => {
    let s = run(driftEngine.initial(), setupCommands(), T0);
    s = run(
      s,
      [
        { type: 'fundInsurance', asset: 'USDC', amount: usd(2) },
        { type: 'deposit', account: 'alice', amount: usd(10) },
        { type: 'openPosition', account: 'alice', market: M, sizeBase: milliSol(450) }, // $45, fee $0.045
        solPrice(70),
      ],
      T0,
    );
    // total 9.955 − 13.5 = −3.545 < 0. The position ($31.5) is ≤ $50: taken whole at once.
    const events = eventsOf(s, liquidate(), T0);
    s = step(s, liquidate(), T0);
    // Liquidator pays 31.5 − 0.315 = 31.185; alice's realized −13.815 exceeds her 9.955: 3.86 unpaid.
    const rec = events.find((e) => e.type === 'DriftPerpLiquidated') as unknown as Record<string, bigint>;
    expect(rec).toMatchObject({
      baseAssetAmount: milliSol(450),
      ifLiquidationFeePpm: 0n,
      unpaidQuote: 3_860_000n,
    });
    const resolved = events.find((e) => e.type === 'DriftPerpBankruptcyResolved') as unknown as Record<
      string,
      bigint
    >;
    // IF pays 2 − 0.000001; fee pool pays 0.045; 1.815001 is socialized over 0.9 SOL of open interest:
    // delta = ceil(1,815,001·1e9 / 9e8)·1e3 = 2,016,668,000.
    expect(resolved).toMatchObject({
      lossQuote: 3_860_000n,
      ifPaymentQuote: 1_999_999n,
      feePoolPaymentQuote: 45_000n,
      socializedQuote: 1_815_001n,
      cumulativeFundingRateDelta: 2_016_668_000n,
    });
    expect(bal(s, 'insurance')).toBe(1n);
    expect(bal(s, 'protocol:SOL-PERP')).toBe(0n);
    expect(bal(s, 'acct:alice')).toBe(0n);
    expect(position(s, 'alice')).toBeUndefined();
    expect(s.ext.pendingLoss.toRecord()).toEqual({});
    expect(s.ext.insuranceSettled[M]).toBe(1_999_999n);
    // Each 0.45-SOL side pays ceil(0.45e9·2,016,668e9/1e18) = 907,501 into its entry.
    expect(position(s, 'liq')).toMatchObject({ sizeBase: milliSol(450), entryQuote: 31_185_000n + 907_501n });
    expect(balanceOf(s.ledger, 'socialized', 'USDC.debt')).toBe(1_815_001n);
    expect(s.ext.users.get('alice')?.beingLiquidated).toBe(false);
  });

  test('behavior: a loss stays pending while the bankrupt user still holds a position', () => {
    let s = run(driftEngine.initial(), setupCommands(), T0);
    s = run(
      s,
      [
        { type: 'deposit', account: 'alice', amount: usd(100) },
        { type: 'openPosition', account: 'alice', market: M, sizeBase: milliSol(9_000) }, // $900
        solPrice(85), // total 99.1 − 135 < 0
        liquidate(),
      ],
      T0,
    );
    // The first call took 10 % of the cover (≈1.754 SOL, realized ≈27.8 of alice's 99.1). 60 s later
    // the liquidator takes 6 SOL more: 6·(100 − 85·0.99) = 95.1 exceeds what is left; some SOL stays open.
    const left = position(s, 'alice')?.sizeBase ?? 0n;
    expect(left).toBeLessThan(milliSol(9_000));
    s = step(s, liquidate({ maxBaseAssetAmount: milliSol(6_000) }), T0 + 60);
    expect(position(s, 'alice')?.sizeBase).toBe(left - milliSol(6_000));
    expect(s.ext.pendingLoss.keys()).toEqual(['alice']);
    expect(bal(s, 'acct:alice')).toBe(0n);
    // The unpaid loss is negative PnL: it counts against her collateral, and a deposit settles it first.
    const pending = s.ext.pendingLoss.get('alice')?.[M] ?? 0n;
    const amm = bal(s, 'acct:amm');
    s = step(s, { type: 'deposit', account: 'alice', amount: usd(5) }, T0 + 60);
    expect(s.ext.pendingLoss.get('alice')?.[M]).toBe(pending - usd(5));
    expect(bal(s, 'acct:alice')).toBe(0n);
    expect(bal(s, 'acct:amm')).toBe(amm + usd(5));
    // Regression (property test): a user flat with a pending loss must not linger; closing the
    // rest, by liquidation here, resolves it once the position is gone.
    for (let t = T0 + 120; position(s, 'alice') !== undefined; t += 60) s = step(s, liquidate(), t);
    expect(s.ext.pendingLoss.toRecord()).toEqual({});
  });

  test('error: refusals by class', () => {
    const blank = driftEngine.initial();
    expect(refusal(blank, { type: 'deposit', account: 'a', amount: 1 })).toBeInstanceOf(NotConfiguredError);
    const fresh = run(blank, setupCommands(), T0);
    expect(refusal(fresh, { type: 'configure', params: TEST_DRIFT_PARAMS })).toBeInstanceOf(
      InvalidParameterError,
    );
    let s = aliceLong90();
    expect(refusal(s, { type: 'withdraw', account: 'alice', amount: usd(200) })).toBeInstanceOf(
      InsufficientMarginError,
    );
    expect(
      refusal(s, { type: 'openPosition', account: 'alice', market: M, sizeBase: 1_500_000n }),
    ).toBeInstanceOf(InvalidParameterError); // not a multiple of the 0.001 step
    expect(
      refusal(s, { type: 'openPosition', account: 'alice', market: M, sizeBase: milliSol(10_000) }),
    ).toBeInstanceOf(InsufficientMarginError);
    s = step(s, solPrice(93), T0);
    expect(refusal(s, liquidate({ liquidator: 'alice' }))).toBeInstanceOf(InvalidParameterError);
    expect(refusal(s, liquidate({ liquidator: 'nobody' }))).toBeInstanceOf(UnknownAccountError);
    expect(refusal(s, liquidate({ account: 'amm', liquidator: 'liq' }))).toBeInstanceOf(
      PositionNotLiquidatableError,
    );
    s = run(s, [{ type: 'deposit', account: 'poor', amount: 1n }], T0);
    const poor = refusal(s, liquidate({ liquidator: 'poor' })) as ProtocolRevertError;
    expect(poor.reason).toBe('InsufficientCollateral');
    expect(refusal(s, liquidate(), T0 + 2_000_000)).toBeInstanceOf(StaleOraclePriceError);
    expect(refusal(s, liquidate({ market: 'BTC-PERP' }))).toBeInstanceOf(InvalidParameterError);
  });

  test('behavior: the default parameters configure and trade', () => {
    let s = run(driftEngine.initial(), setupCommands(DEFAULT_DRIFT_PARAMS), T0);
    s = run(
      s,
      [
        { type: 'deposit', account: 'bob', amount: usd(1_000) },
        { type: 'openPosition', account: 'bob', market: M, sizeBase: -milliSol(5_000) },
        { type: 'accrueFunding', market: M, ratePpm: 100 },
        { type: 'closePosition', account: 'bob', market: M },
      ],
      T0,
    );
    expect(position(s, 'bob')).toBeUndefined();
    expect(bal(s, 'acct:bob')).toBeLessThan(usd(1_000)); // slippage and fees, minus the funding received
  });
});
