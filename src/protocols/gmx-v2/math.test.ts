/** Formula tables for the GMX v2 arithmetic, every expectation derived by hand in its comment. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import {
  applyExponentFactor,
  applyFactor,
  baseSizeDeltaInTokens,
  borrowingFactorPerSecond,
  borrowingFeeUsd,
  capImpactForLiquidationCheck,
  capNegativeImpactUsd,
  capPositiveImpactUsd,
  cappedPnl,
  isPnlFactorExceeded,
  liquidationCheck,
  liquidationFees,
  marketPnlUsd,
  marketTokenAmountToUsd,
  mulDivSignedTrunc,
  payForCost,
  pnlToPoolFactor,
  poolUsdWithoutPnl,
  positionFees,
  positionPnlUsd,
  priceImpactAmount,
  priceImpactUsd,
  reservedUsd,
  roundUpDivision,
  roundUpMagnitudeDivision,
  toFactor,
  usdToMarketTokenAmount,
  validateAdlOutcome,
  willCollateralBeSufficient,
} from './math.js';

const F = 10n ** 30n; // FLOAT_PRECISION
const usd = (dollars: bigint): bigint => dollars * F;
const pct = (hundredths: bigint): bigint => (hundredths * F) / 10_000n; // 1 = 0.01 %
const ETH_2000 = 2n * 10n ** 15n; // $2000 per 1e18 wei = 2000·1e30/1e18
const USDC_1 = 10n ** 24n; // $1 per 1e6 units

describe('fixed-point helpers', () => {
  test('default: applyFactor floors value·factor/1e30', () => {
    expect(applyFactor(usd(100_000n), pct(20n))).toBe(usd(200n)); // 0.2 % of $100k
    expect(applyFactor(7n, F / 2n)).toBe(3n); // 3.5 → 3
  });

  test('behavior: signed helpers truncate toward zero or round the magnitude up', () => {
    expect(mulDivSignedTrunc(-7n, 1n, 2n)).toBe(-3n);
    expect(mulDivSignedTrunc(7n, 1n, 2n)).toBe(3n);
    expect(roundUpDivision(7n, 2n)).toBe(4n);
    expect(roundUpDivision(6n, 2n)).toBe(3n);
    expect(roundUpMagnitudeDivision(-7n, 2n)).toBe(-4n);
    expect(roundUpMagnitudeDivision(7n, 2n)).toBe(4n);
    expect(toFactor(-1n, 3n)).toBe(-(F / 3n)); // −0.333… truncated
  });

  test('behavior: applyExponentFactor works on the 18-decimal truncation', () => {
    expect(applyExponentFactor(F / 2n, 2n * F)).toBe(0n); // below 1 → 0
    expect(applyExponentFactor(123n * F + 7n, F)).toBe(123n * F + 7n); // exponent 1: unchanged
    expect(applyExponentFactor(3n * F, 2n * F)).toBe(9n * F);
    expect(applyExponentFactor((3n * F) / 2n, 2n * F)).toBe((9n * F) / 4n); // 1.5² = 2.25
    expect(applyExponentFactor(F + 999n, 2n * F)).toBe(F); // the 999 below 1e-18 is dropped
    expect(applyExponentFactor(2n * F, 3n * F)).toBe(8n * F);
  });

  test('error: a fractional exponent is refused', () => {
    expect(() => applyExponentFactor(2n * F, (14n * F) / 10n)).toThrow(InvalidParameterError);
  });
});

describe('priceImpactUsd', () => {
  const factors = {
    positiveImpactFactor: 5n * 10n ** 20n,
    negativeImpactFactor: 10n ** 21n,
    exponentFactor: 2n * F,
  };
  test('default: a growing imbalance costs f⁻·(next² − initial²)', () => {
    // longs $1000 → $2000, shorts 0: 1e-9 · (2000² − 1000²) = $0.003
    const r = priceImpactUsd({
      ...factors,
      longOpenInterestUsd: usd(1000n),
      shortOpenInterestUsd: 0n,
      isLong: true,
      usdDelta: usd(1000n),
    });
    expect(r).toEqual({ priceImpactUsd: -3n * 10n ** 27n, balanceWasImproved: false });
  });

  test('behavior: a same-side rebalance earns f⁺·(initial² − next²)', () => {
    // imbalance $2000 → $1000 with a short: 0.5e-9 · (4e6 − 1e6) = $0.0015
    const r = priceImpactUsd({
      ...factors,
      longOpenInterestUsd: usd(2000n),
      shortOpenInterestUsd: 0n,
      isLong: false,
      usdDelta: usd(1000n),
    });
    expect(r).toEqual({ priceImpactUsd: 15n * 10n ** 26n, balanceWasImproved: true });
  });

  test('behavior: a crossover nets f⁺(initial) against f⁻(next)', () => {
    // long 1000 / short 0 → short 3000: +0.5e-9·1000² − 1e-9·2000² = 0.0005 − 0.004 = −$0.0035
    const r = priceImpactUsd({
      ...factors,
      longOpenInterestUsd: usd(1000n),
      shortOpenInterestUsd: 0n,
      isLong: false,
      usdDelta: usd(3000n),
    });
    expect(r).toEqual({ priceImpactUsd: -35n * 10n ** 26n, balanceWasImproved: false });
  });

  test('error: a decrease larger than the open interest reverts', () => {
    expect(() =>
      priceImpactUsd({
        ...factors,
        longOpenInterestUsd: usd(1000n),
        shortOpenInterestUsd: 0n,
        isLong: true,
        usdDelta: -usd(2000n),
      }),
    ).toThrow(ProtocolRevertError);
  });
});

describe('impact caps and amounts', () => {
  test('default: the liquidation check ignores gains and caps losses at size·factor', () => {
    expect(capImpactForLiquidationCheck(5n, usd(100_000n), pct(10n))).toBe(0n);
    expect(capImpactForLiquidationCheck(-usd(500n), usd(100_000n), pct(10n))).toBe(-usd(100n)); // 0.1 % of $100k
    expect(capImpactForLiquidationCheck(-usd(50n), usd(100_000n), pct(10n))).toBe(-usd(50n));
  });

  test('behavior: a gain is capped by the impact pool and by the positive factor', () => {
    // 0.005 ETH in the impact pool at $2000 = $10 < 0.5 % of $100k = $500
    expect(
      capPositiveImpactUsd({
        impactUsd: usd(100n),
        impactPoolAmount: 5n * 10n ** 15n,
        indexPriceMin: ETH_2000,
        sizeDeltaUsd: usd(100_000n),
        maxPositiveImpactFactor: pct(50n),
      }),
    ).toBe(usd(10n));
    expect(
      capPositiveImpactUsd({
        impactUsd: -usd(7n),
        impactPoolAmount: 0n,
        indexPriceMin: ETH_2000,
        sizeDeltaUsd: 1n,
        maxPositiveImpactFactor: 0n,
      }),
    ).toBe(-usd(7n));
  });

  test('behavior: a decrease loss beyond the cap becomes the diff', () => {
    expect(capNegativeImpactUsd(-usd(1000n), usd(100_000n), pct(50n))).toEqual({
      priceImpactUsd: -usd(500n),
      priceImpactDiffUsd: usd(500n),
    });
    expect(capNegativeImpactUsd(usd(3n), usd(100_000n), pct(50n))).toEqual({
      priceImpactUsd: usd(3n),
      priceImpactDiffUsd: 0n,
    });
  });

  test('behavior: impact and size amounts round against the trader', () => {
    expect(priceImpactAmount(usd(10n), ETH_2000, ETH_2000)).toBe(5n * 10n ** 15n);
    expect(priceImpactAmount(-usd(10n) - 1n, ETH_2000, ETH_2000)).toBe(-(5n * 10n ** 15n + 1n));
    const threeK = 3n * 10n ** 15n;
    expect(baseSizeDeltaInTokens(usd(10_000n), true, ETH_2000, ETH_2000)).toBe(5n * 10n ** 18n);
    expect(baseSizeDeltaInTokens(usd(10_000n), true, threeK, threeK)).toBe(3333333333333333333n);
    expect(baseSizeDeltaInTokens(usd(10_000n), false, threeK, threeK)).toBe(3333333333333333334n);
  });
});

describe('positionPnlUsd', () => {
  const long = { isLong: true, sizeInUsd: usd(10_000n), sizeInTokens: 5n * 10n ** 18n };
  test('default: 5 ETH bought for $10k are worth $11k at $2200', () => {
    expect(positionPnlUsd(long, 22n * 10n ** 14n, usd(10_000n))).toEqual({
      positionPnlUsd: usd(1000n),
      uncappedPositionPnlUsd: usd(1000n),
      sizeDeltaInTokens: 5n * 10n ** 18n,
    });
    // a quarter: 1.25 ETH, $250
    expect(positionPnlUsd(long, 22n * 10n ** 14n, usd(2500n)).positionPnlUsd).toBe(usd(250n));
  });

  test('behavior: partial tokens round up for longs, down for shorts; PnL truncates', () => {
    // 7 tokens for 10 units of USD, close 5: long 4 tokens, (7·2 − 10)·4/7 = 16/7 → 2
    expect(positionPnlUsd({ isLong: true, sizeInUsd: 10n, sizeInTokens: 7n }, 2n, 5n)).toEqual({
      positionPnlUsd: 2n,
      uncappedPositionPnlUsd: 2n,
      sizeDeltaInTokens: 4n,
    });
    // short: 3 tokens, (10 − 14)·3/7 = −12/7 → −1
    expect(positionPnlUsd({ isLong: false, sizeInUsd: 10n, sizeInTokens: 7n }, 2n, 5n)).toEqual({
      positionPnlUsd: -1n,
      uncappedPositionPnlUsd: -1n,
      sizeDeltaInTokens: 3n,
    });
  });

  test('behavior: the trader cap scales a profit by cappedPoolPnl/poolPnl', () => {
    const r = positionPnlUsd(long, 22n * 10n ** 14n, usd(10_000n), {
      poolPnlUsd: usd(2000n),
      cappedPoolPnlUsd: usd(1000n),
    });
    expect(r.positionPnlUsd).toBe(usd(500n));
    expect(r.uncappedPositionPnlUsd).toBe(usd(1000n));
  });

  test('error: closing more than the size is refused', () => {
    expect(() => positionPnlUsd(long, ETH_2000, usd(10_001n))).toThrow(InvalidParameterError);
  });
});

describe('pool and ADL factors', () => {
  test('default: side PnL, pool worth, PnL-to-pool factor', () => {
    expect(marketPnlUsd(true, usd(10_000n), 5n * 10n ** 18n, 22n * 10n ** 14n)).toBe(usd(1000n));
    expect(marketPnlUsd(false, usd(10_000n), 5n * 10n ** 18n, 22n * 10n ** 14n)).toBe(-usd(1000n));
    expect(marketPnlUsd(true, 0n, 5n, 1n)).toBe(0n);
    expect(poolUsdWithoutPnl(5n, 3n, false)).toBe(15n);
    expect(poolUsdWithoutPnl(5n, 3n, true)).toBe(6n); // half of 5 floors to 2
    expect(pnlToPoolFactor(usd(1000n), usd(10_000n))).toBe(F / 10n);
    expect(pnlToPoolFactor(-1n, 3n)).toBe(-(F / 3n));
    expect(pnlToPoolFactor(5n, 0n)).toBe(0n);
  });

  test('behavior: the ADL trigger is strict and needs a positive factor', () => {
    expect(isPnlFactorExceeded(F / 2n, F / 2n)).toBe(false);
    expect(isPnlFactorExceeded(F / 2n + 1n, F / 2n)).toBe(true);
    expect(isPnlFactorExceeded(-1n, -5n)).toBe(false);
    expect(cappedPnl(100n, 1000n, F / 2n)).toBe(100n);
    expect(cappedPnl(600n, 1000n, F / 2n)).toBe(500n);
    expect(cappedPnl(-600n, 1000n, F / 2n)).toBe(-600n);
  });

  test('error: ADL must lower the factor, and not below the floor', () => {
    expect(() =>
      validateAdlOutcome({ pnlToPoolFactor: 5n, nextPnlToPoolFactor: 5n, minPnlFactorAfterAdl: 0n }),
    ).toThrow(ProtocolRevertError);
    try {
      validateAdlOutcome({ pnlToPoolFactor: 5n, nextPnlToPoolFactor: 3n, minPnlFactorAfterAdl: 4n });
      expect.unreachable();
    } catch (e) {
      expect((e as ProtocolRevertError).reason).toBe('PnlOvercorrected');
    }
    expect(() =>
      validateAdlOutcome({ pnlToPoolFactor: 5n, nextPnlToPoolFactor: 4n, minPnlFactorAfterAdl: 4n }),
    ).not.toThrow();
  });
});

describe('fees', () => {
  test('default: the liquidation fee of a $100k position at 0.2 % in USDC', () => {
    expect(
      liquidationFees({
        sizeInUsd: usd(100_000n),
        liquidationFeeFactor: pct(20n),
        collateralTokenPriceMin: USDC_1,
        liquidationFeeReceiverFactor: pct(3700n),
      }),
    ).toEqual({
      liquidationFeeUsd: usd(200n),
      liquidationFeeAmount: 200_000_000n,
      liquidationFeeAmountForFeeReceiver: 74_000_000n,
    });
    expect(
      liquidationFees({
        sizeInUsd: usd(1n),
        liquidationFeeFactor: 0n,
        collateralTokenPriceMin: USDC_1,
        liquidationFeeReceiverFactor: pct(3700n),
      }).liquidationFeeAmount,
    ).toBe(0n);
  });

  test('behavior: position, borrowing and liquidation fees split between receiver and pool', () => {
    // $100k at 0.05 % = 50 USDC (18.5 to the receiver); $20 borrowing = 20 USDC (7.4 to the
    // receiver); liquidation 0.2 % = 200 USDC (74 to the receiver)
    const fees = positionFees({
      sizeDeltaUsd: usd(100_000n),
      positionFeeFactor: pct(5n),
      positionFeeReceiverFactor: pct(3700n),
      borrowingFeeUsd: usd(20n),
      borrowingFeeReceiverFactor: pct(3700n),
      collateralTokenPriceMin: USDC_1,
      liquidation: { liquidationFeeFactor: pct(20n), liquidationFeeReceiverFactor: pct(3700n) },
    });
    expect(fees.positionFeeAmount).toBe(50_000_000n);
    expect(fees.positionFeeAmountForPool).toBe(31_500_000n);
    expect(fees.borrowingFeeAmount).toBe(20_000_000n);
    expect(fees.borrowingFeeAmountForFeeReceiver).toBe(7_400_000n);
    expect(fees.feeReceiverAmount).toBe(18_500_000n + 7_400_000n + 74_000_000n);
    expect(fees.feeAmountForPool).toBe(31_500_000n + 12_600_000n + 126_000_000n);
    expect(fees.totalCostAmount).toBe(270_000_000n);
  });

  test('behavior: borrowing factor per second and fee', () => {
    // 25 % utilisation × 6.25e-9 = 1.5625e-9 per second
    expect(
      borrowingFactorPerSecond({
        reservedUsd: usd(10_000n),
        poolUsd: usd(40_000n),
        borrowingFactor: 625n * 10n ** 19n,
        borrowingExponentFactor: F,
      }),
    ).toBe(15625n * 10n ** 17n);
    expect(
      borrowingFactorPerSecond({
        reservedUsd: 0n,
        poolUsd: 0n,
        borrowingFactor: 1n,
        borrowingExponentFactor: F,
      }),
    ).toBe(0n);
    expect(borrowingFeeUsd(usd(10_000n), 3n * 10n ** 27n, 10n ** 27n)).toBe(usd(20n)); // 0.2 % of $10k
    expect(reservedUsd(true, usd(1n), 5n * 10n ** 18n, ETH_2000)).toBe(usd(10_000n));
    expect(reservedUsd(false, usd(7n), 5n * 10n ** 18n, ETH_2000)).toBe(usd(7n));
  });

  test('error: borrowing from an empty pool, or a factor above the cumulative one', () => {
    expect(() =>
      borrowingFactorPerSecond({
        reservedUsd: 1n,
        poolUsd: 0n,
        borrowingFactor: 1n,
        borrowingExponentFactor: F,
      }),
    ).toThrow(ProtocolRevertError);
    expect(() => borrowingFeeUsd(1n, 1n, 2n)).toThrow(InvalidParameterError);
  });
});

describe('liquidationCheck', () => {
  const base = {
    collateralUsd: usd(10_000n),
    priceImpactUsd: -usd(50n),
    closingCostsUsd: usd(60n),
    sizeInUsd: usd(100_000n),
    minCollateralFactor: pct(50n), // 0.5 % → $500
    minCollateralUsd: usd(1n),
    shouldValidateMinCollateralUsd: true,
  };
  test('default: $10k − $8.5k − $50 − $60 = $1390 ≥ $500 is safe', () => {
    expect(liquidationCheck({ ...base, positionPnlUsd: -usd(8500n) })).toEqual({
      liquidatable: false,
      reason: '',
      remainingCollateralUsd: usd(1390n),
      minCollateralUsdForLeverage: usd(500n),
    });
  });

  test('behavior: each reason in GMX order', () => {
    expect(liquidationCheck({ ...base, positionPnlUsd: -usd(9500n) }).reason).toBe(
      'min collateral for leverage',
    );
    // remaining $0.50 < $1 MIN_COLLATERAL_USD
    expect(liquidationCheck({ ...base, positionPnlUsd: -usd(9890n) - F / 2n }).reason).toBe('min collateral');
    // without the MIN_COLLATERAL_USD validation, exactly 0 is '< 0'
    expect(
      liquidationCheck({ ...base, positionPnlUsd: -usd(9890n), shouldValidateMinCollateralUsd: false })
        .reason,
    ).toBe('< 0');
    // exactly at the leverage floor is not liquidatable (strict)
    expect(liquidationCheck({ ...base, positionPnlUsd: -usd(9390n) }).liquidatable).toBe(false);
  });

  test('behavior: collateral withdrawal sufficiency', () => {
    const args = {
      collateralAmount: 1000_000_000n,
      collateralTokenPriceMin: USDC_1,
      sizeInUsd: usd(10_000n),
      minCollateralFactor: pct(100n), // 1 % → $100
    };
    expect(willCollateralBeSufficient({ ...args, realizedPnlUsd: -usd(900n) })).toEqual({
      sufficient: true,
      remainingCollateralUsd: usd(100n),
    });
    expect(willCollateralBeSufficient({ ...args, realizedPnlUsd: -usd(901n) }).sufficient).toBe(false);
    expect(willCollateralBeSufficient({ ...args, realizedPnlUsd: -usd(1001n) })).toEqual({
      sufficient: false,
      remainingCollateralUsd: -usd(1n),
    });
  });
});

describe('payForCost', () => {
  const purses = { outputAmount: 100n, remainingCollateralAmount: 50n, secondaryOutputAmount: 10n };
  test('default: output first, then collateral', () => {
    expect(payForCost(purses, 120n, { collateralTokenPriceMin: 1n, secondaryTokenPriceMin: 2n })).toEqual({
      purses: { outputAmount: 0n, remainingCollateralAmount: 30n, secondaryOutputAmount: 10n },
      amountPaidInCollateralToken: 120n,
      amountPaidInSecondaryOutputToken: 0n,
      remainingCostUsd: 0n,
    });
  });

  test('behavior: the secondary output pays last and the shortfall is returned in USD', () => {
    // 200 USD: 150 tokens of collateral, 50 USD left = 25 secondary tokens, only 10 there → 15·2 USD
    expect(payForCost(purses, 200n, { collateralTokenPriceMin: 1n, secondaryTokenPriceMin: 2n })).toEqual({
      purses: { outputAmount: 0n, remainingCollateralAmount: 0n, secondaryOutputAmount: 0n },
      amountPaidInCollateralToken: 150n,
      amountPaidInSecondaryOutputToken: 10n,
      remainingCostUsd: 30n,
    });
    // 7 USD at 2 per token costs ceil(3.5) = 4 tokens
    expect(
      payForCost(purses, 7n, { collateralTokenPriceMin: 2n, secondaryTokenPriceMin: 2n })
        .amountPaidInCollateralToken,
    ).toBe(4n);
    expect(payForCost(purses, 0n, { collateralTokenPriceMin: 1n, secondaryTokenPriceMin: 1n }).purses).toBe(
      purses,
    );
  });
});

describe('GM token conversions', () => {
  test('default: the first deposit mints 1 GM per USD', () => {
    expect(usdToMarketTokenAmount(usd(1000n), 0n, 0n)).toBe(1000n * 10n ** 18n);
    expect(usdToMarketTokenAmount(usd(1000n), usd(1000n), 0n)).toBe(2000n * 10n ** 18n);
    expect(usdToMarketTokenAmount(usd(1000n), usd(2000n), 10n ** 21n)).toBe(5n * 10n ** 20n);
    expect(marketTokenAmountToUsd(5n * 10n ** 20n, usd(2000n), 10n ** 21n)).toBe(usd(1000n));
  });

  test('error: a negative pool value or no supply reverts', () => {
    expect(() => usdToMarketTokenAmount(1n, -1n, 1n)).toThrow(ProtocolRevertError);
    expect(() => marketTokenAmountToUsd(1n, 1n, 0n)).toThrow(ProtocolRevertError);
  });
});
