/**
 * Each liquidation stage of the Aave v3 model on its own, on engine states built through the
 * engine (amounts derived by hand in model.test.ts and math.test.ts), and a swapped stage.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { MAX_UINT256 } from '../../math/units.js';
import {
  AAVE_LIQUIDATION_STAGES,
  type AaveLiquidationRequest,
  aaveLiquidationExecution,
  aaveLiquidationIncentive,
  aaveLiquidationSizing,
  aaveLiquidationTrigger,
  aaveLossWaterfall,
} from './liquidation.js';
import { aaveV33Model, aaveV37Model } from './model.js';
import type { AaveExt } from './state.js';
import { testMarket, units } from './testkit.js';

const E8 = 10n ** 8n;
const USDC = (n: bigint) => units('USDC', n);
const WETH = (n: bigint) => units('WETH', n);

function request(patch: Partial<AaveLiquidationRequest> = {}): AaveLiquidationRequest {
  return {
    account: 'alice',
    liquidator: 'liquidator',
    collateralAsset: 'WETH',
    debtAsset: 'USDC',
    debtToCover: MAX_UINT256,
    nowSeconds: 40,
    ...patch,
  };
}

/** Alice: 5 WETH, 8,000 USDC debt, WETH at $1,900 (HF 0.9796875). */
function aliceState(model = aaveV33Model): EngineState<AaveExt> {
  const m = testMarket(model);
  m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
  m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
  return m.price('WETH', 1_900n * E8, 30).state;
}

/** Dave: 1 WETH, 1,200 USDC and 0.001 WBTC of debt, WETH at $1,000 (bad debt once seized). */
function daveState(): EngineState<AaveExt> {
  const m = testMarket(aaveV33Model);
  m.run({ type: 'deposit', account: 'dave', asset: 'WETH', amount: WETH(1n) }, 10);
  m.run({ type: 'borrow', account: 'dave', asset: 'USDC', amount: USDC(1_200n) }, 20);
  m.run({ type: 'borrow', account: 'dave', asset: 'WBTC', amount: 100_000n }, 21);
  return m.price('WETH', 1_000n * E8, 30).state;
}

describe('aaveLiquidationTrigger', () => {
  test('default: what validateLiquidationCall reads', () => {
    const triggered = aaveLiquidationTrigger(aliceState(), request());
    expect(triggered.accountData).toMatchObject({
      totalCollateralBase: 9_500n * E8,
      totalDebtBase: 8_000n * E8,
      healthFactorWad: 979_687_500_000_000_000n,
    });
    expect(triggered).toMatchObject({
      collateral: { asset: 'WETH', decimals: 18, priceBase: 1_900n * E8 },
      debt: { asset: 'USDC', decimals: 6, priceBase: E8 },
      collateralBalance: WETH(5n),
      reserveDebt: USDC(8_000n),
      liquidationBonusBps: 10_500n,
      liquidationProtocolFeeBps: 1_000n,
    });
  });

  test('error: a healthy account, and a pair the user does not hold', () => {
    const m = testMarket(aaveV37Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
    expect(() => aaveLiquidationTrigger(m.state, request({ nowSeconds: 20 }))).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => aaveLiquidationTrigger(aliceState(), request({ debtAsset: 'WBTC' }))).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('aaveLiquidationSizing', () => {
  test('default: half of the $8,000 total debt', () => {
    const state = aliceState();
    const triggered = aaveLiquidationTrigger(state, request());
    expect(aaveLiquidationSizing(state, request(), triggered)).toEqual({
      closeFactor: { maxLiquidatableDebt: USDC(4_000n), closeFactor: 'half', capped: true },
      actualDebtToLiquidate: USDC(4_000n),
    });
  });

  test('behavior: a smaller debtToCover wins', () => {
    const state = aliceState();
    const asked = request({ debtToCover: USDC(1_000n) });
    expect(
      aaveLiquidationSizing(state, asked, aaveLiquidationTrigger(state, asked)).actualDebtToLiquidate,
    ).toBe(USDC(1_000n));
  });
});

describe('aaveLiquidationExecution', () => {
  test('default: liquidator pays the pool, claims are burned, collateral goes to the liquidator', () => {
    const state = aliceState();
    const triggered = aaveLiquidationTrigger(state, request());
    const outcome = aaveLiquidationExecution(
      state,
      request(),
      aaveLiquidationSizing(state, request(), triggered),
      triggered,
    );
    expect(outcome.shortfall).toBe(0n);
    expect(outcome.detail.badDebt).toEqual([]);
    expect(outcome.detail.hasNoCollateralLeft).toBe(false);
    expect(outcome.events).toEqual([
      {
        type: 'Moved',
        asset: 'USDC',
        from: 'wallet:liquidator',
        to: 'pool',
        amount: USDC(4_000n),
        reason: 'liquidationRepay',
      },
      {
        type: 'Moved',
        asset: 'USDC.debt',
        from: 'debt:alice',
        to: 'mint',
        amount: USDC(4_000n),
        reason: 'liquidationRepay',
      },
      {
        type: 'Moved',
        asset: 'WETH',
        from: 'acct:alice',
        to: 'wallet:liquidator',
        amount: 2_200_000_000_000_000_000n,
        reason: 'seize',
      },
      {
        type: 'AaveLiquidationCall',
        account: 'alice',
        liquidator: 'liquidator',
        collateralAsset: 'WETH',
        debtAsset: 'USDC',
        debtToCover: USDC(4_000n),
        liquidatedCollateralAmount: 2_200_000_000_000_000_000n,
        protocolFee: 10_526_315_789_473_684n,
        closeFactor: 'half',
        hasNoCollateralLeft: false,
      },
    ]);
  });

  test('error: MUST_NOT_LEAVE_DUST when $1,000 would not be left', () => {
    // HF at $1,600 = 8,000 × 0.825 / 8,000 = 0.825 ≤ 0.95 → 100 % close factor. Covering 7,500 USDC
    // seizes 7,500/1,600 × 1.05 = 4.921875 of 5 WETH: $500 of debt and $125 of collateral left.
    const m = testMarket(aaveV33Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
    m.price('WETH', 1_600n * E8, 30);
    const asked = request({ debtToCover: USDC(7_500n) });
    const triggered = aaveLiquidationTrigger(m.state, asked);
    const size = aaveLiquidationSizing(m.state, asked, triggered);
    expect(size.closeFactor.closeFactor).toBe('full');
    expect(() => aaveLiquidationExecution(m.state, asked, size, triggered)).toThrow(ProtocolRevertError);
  });
});

describe('aaveLiquidationIncentive', () => {
  test('default: the protocol fee goes from the account to the treasury', () => {
    const state = aliceState();
    const run = runLiquidation(AAVE_LIQUIDATION_STAGES, state, request());
    expect(aaveLiquidationIncentive(state, request(), run.outcome)).toEqual([
      {
        type: 'Moved',
        asset: 'WETH',
        from: 'acct:alice',
        to: 'protocol',
        amount: 10_526_315_789_473_684n,
        reason: 'protocolFee',
      },
    ]);
  });

  test('behavior: a composed protocol may swap the stage (no protocol fee)', () => {
    const state = aliceState();
    const run = runLiquidation({ ...AAVE_LIQUIDATION_STAGES, incentive: () => [] }, state, request());
    expect(run.events.some((e) => (e as { reason?: string }).reason === 'protocolFee')).toBe(false);
  });
});

describe('aaveLossWaterfall', () => {
  test('default: no collateral left → every remaining debt to its reserve deficit', () => {
    const state = daveState();
    const asked = request({ account: 'dave' });
    const run = runLiquidation(AAVE_LIQUIDATION_STAGES, state, asked);
    // 1 WETH = $1,000 repays 1,000/1.05 = 952.380952 USDC (half-up in 3.3); the rest is deficit.
    expect(run.outcome.detail.badDebt).toEqual([
      { asset: 'USDC', amount: 247_619_048n },
      { asset: 'WBTC', amount: 100_000n },
    ]);
    expect(run.outcome.shortfall).toBe(247_619_048n);
    expect(aaveLossWaterfall(state, asked, run.outcome)).toEqual([
      {
        type: 'Moved',
        asset: 'USDC.debt',
        from: 'debt:dave',
        to: 'deficit',
        amount: 247_619_048n,
        reason: 'loss:deficit',
      },
      { type: 'AaveDeficitCreated', account: 'dave', asset: 'USDC', amount: 247_619_048n },
      {
        type: 'Moved',
        asset: 'WBTC.debt',
        from: 'debt:dave',
        to: 'deficit',
        amount: 100_000n,
        reason: 'loss:deficit',
      },
      { type: 'AaveDeficitCreated', account: 'dave', asset: 'WBTC', amount: 100_000n },
    ]);
  });

  test('behavior: nothing when collateral is left', () => {
    const state = aliceState();
    const run = runLiquidation(AAVE_LIQUIDATION_STAGES, state, request());
    expect(aaveLossWaterfall(state, request(), run.outcome)).toEqual([]);
  });
});
