/** Hand-derived tables for the Synthetix perps v3 formulas of math.ts (all values D18). */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import {
  calculateFillPrice,
  calculateOrderFee,
  ceilDivide,
  currentLiquidationCapacity,
  divDecimal,
  flagReward,
  gasCostUsd,
  isEligibleForLiquidation,
  keeperReward,
  maxLiquidatableAmount,
  maxLiquidationAmountInWindow,
  mulDecimal,
  mulDecimalSigned,
  numberOfLiquidationWindows,
  possibleLiquidationReward,
  pricePnl,
  recordLiquidation,
  requiredMargins,
} from './math.js';

const E = 10n ** 18n;
const REWARDS = {
  minKeeperRewardUsd: 5n * E,
  minKeeperProfitRatioD18: (3n * E) / 10n,
  maxKeeperRewardUsd: 1000n * E,
  maxKeeperScalingRatioD18: E / 10n,
};

describe('decimal math', () => {
  test('default: floor on unsigned, truncation on signed', () => {
    expect(mulDecimal(3n, E / 2n)).toBe(1n);
    expect(divDecimal(1n, 3n * E)).toBe(0n);
    expect(divDecimal(2n * E, 3n * E)).toBe(666_666_666_666_666_666n);
    expect(mulDecimalSigned(-3n, E / 2n)).toBe(-1n);
    expect(ceilDivide(150n, 100n)).toBe(2n);
    expect(ceilDivide(200n, 100n)).toBe(2n);
    expect(ceilDivide(5n, 0n)).toBe(0n);
  });
  test('error: divDecimal by zero is Solidity panic 0x12', () => {
    expect(() => divDecimal(1n, 0n)).toThrow(ProtocolRevertError);
  });
});

describe('maxLiquidationAmountInWindow', () => {
  test('default: OP market of Liquidation.maxLiquidationAmount.test.ts = 100 units per 10 s', () => {
    const cfg = {
      makerFeeD18: 7n * 10n ** 15n,
      takerFeeD18: 3n * 10n ** 15n,
      skewScale: 1000n * E,
      maxLiquidationLimitAccumulationMultiplierD18: E,
      maxSecondsInLiquidationWindow: 10n,
    };
    expect(maxLiquidationAmountInWindow(cfg)).toBe(100n * E);
    // 150 units need two windows.
    expect(numberOfLiquidationWindows(-150n * E, 100n * E)).toBe(2n);
    // multiplier 0.5 halves it.
    expect(
      maxLiquidationAmountInWindow({ ...cfg, maxLiquidationLimitAccumulationMultiplierD18: E / 2n }),
    ).toBe(50n * E);
  });
});

describe('requiredMargins', () => {
  const cfg = {
    skewScale: 1000n * E,
    initialMarginRatioD18: 2n * E,
    minimumInitialMarginRatioD18: E / 100n,
    maintenanceMarginScalarD18: E / 2n,
    minimumPositionMargin: 0n,
  };
  test('default: 20 ETH at $2000 → IM $2000, MM $1000', () => {
    expect(requiredMargins(cfg, 20n * E, 2000n * E)).toEqual({
      initialMarginRatio: 5n * 10n ** 16n,
      maintenanceMarginRatio: 25n * 10n ** 15n,
      initialMargin: 2000n * E,
      maintenanceMargin: 1000n * E,
    });
  });
  test('behavior: minimum position margin is added; size 0 needs nothing; skew scale 0 leaves the minimum ratio', () => {
    expect(
      requiredMargins({ ...cfg, minimumPositionMargin: 50n * E }, -20n * E, 2000n * E).maintenanceMargin,
    ).toBe(1050n * E);
    expect(requiredMargins(cfg, 0n, 2000n * E).initialMargin).toBe(0n);
    // impact 0 → IMR = 1%, MMR 0.5% of $40k = $200.
    expect(requiredMargins({ ...cfg, skewScale: 0n }, 20n * E, 2000n * E).maintenanceMargin).toBe(200n * E);
  });
});

describe('keeperReward', () => {
  test('default: reward = rewards + cost inside [minCap, maxCap]', () => {
    expect(keeperReward(REWARDS, 30n * E, 2n * E, 500n * E)).toEqual({
      minCap: 7n * E,
      maxCap: 50n * E,
      reward: 32n * E,
    });
  });
  test('behavior: min cap lifts a small reward, the margin share caps a big one, margin 0 lifts the cap', () => {
    expect(keeperReward(REWARDS, 0n, 2n * E, 500n * E).reward).toBe(7n * E);
    expect(keeperReward(REWARDS, 100n * E, 2n * E, 500n * E).reward).toBe(50n * E);
    expect(keeperReward(REWARDS, 100n * E, 2n * E, 0n).reward).toBe(102n * E);
  });
});

describe('flagReward and possibleLiquidationReward', () => {
  test('default: Σ notional · ratio vs collateral · ratio', () => {
    // $40k · 0.5% = $200 and $10k · 0.5% = $50 → 250; collateral $8k · 1% = 80 → 250.
    const positions = [
      { notionalUsd: 40_000n * E, flagRewardRatioD18: 5n * 10n ** 15n },
      { notionalUsd: 10_000n * E, flagRewardRatioD18: 5n * 10n ** 15n },
    ];
    expect(flagReward(positions, 8_000n * E, E / 100n)).toBe(250n * E);
    expect(flagReward(positions, 30_000n * E, E / 100n)).toBe(300n * E);
  });
  test('behavior: each extra window adds a liquidate-only keeper reward', () => {
    // flag: keeperReward(200, 1, 8000) = min(max(6, 201), min(800, 1000)) = 201;
    // each extra window: keeperReward(0, 0.5, 0) = max(5.5, 0.65) = 5.5 → 201 + 2·5.5 = 212.
    expect(
      possibleLiquidationReward(REWARDS, {
        accumulatedFlagRewardsUsd: 200n * E,
        flagCostUsd: E,
        liquidateCostUsd: E / 2n,
        collateralValueUsd: 8_000n * E,
        maxNumberOfWindows: 3n,
      }),
    ).toBe(212n * E);
  });
  test('behavior: eligibility is strict', () => {
    expect(isEligibleForLiquidation(1_000n, 900n, 100n)).toBe(false);
    expect(isEligibleForLiquidation(999n, 900n, 100n)).toBe(true);
    expect(isEligibleForLiquidation(-1n, 0n, 0n)).toBe(true);
  });
});

describe('liquidation windows', () => {
  test('default: capacity is what the trailing window leaves', () => {
    const entries = [
      { amount: 30n, timestampSeconds: 5 },
      { amount: 50n, timestampSeconds: 12 },
    ];
    // window (10, 20]: only 50 counts.
    expect(currentLiquidationCapacity(entries, 100n, 10, 20)).toEqual({
      capacity: 50n,
      maxLiquidationInWindow: 100n,
      latestLiquidationTimestamp: 12,
    });
    expect(currentLiquidationCapacity(entries, 60n, 10, 14).capacity).toBe(0n);
    expect(currentLiquidationCapacity([], 100n, 10, 14).capacity).toBe(100n);
  });
  test('behavior: max liquidatable, endorsed and unconfigured markets', () => {
    const cap = { capacity: 40n, maxLiquidationInWindow: 100n, latestLiquidationTimestamp: 12 };
    const i = {
      requestedAmount: 150n,
      capacity: cap,
      maxLiquidationPdD18: 0n,
      skew: 0n,
      skewScale: E,
      nowSeconds: 14,
      endorsedLiquidator: false,
    };
    expect(maxLiquidatableAmount(i)).toBe(40n);
    expect(maxLiquidatableAmount({ ...i, endorsedLiquidator: true })).toBe(150n);
    expect(maxLiquidatableAmount({ ...i, capacity: { ...cap, maxLiquidationInWindow: 0n } })).toBe(150n);
    const empty = { ...cap, capacity: 0n };
    expect(maxLiquidatableAmount({ ...i, capacity: empty })).toBe(0n);
    expect(
      maxLiquidatableAmount({ ...i, capacity: empty, maxLiquidationPdD18: E / 10n, skew: E / 20n }),
    ).toBe(100n);
    // same timestamp as the last liquidation: no extension (once per block).
    expect(
      maxLiquidatableAmount({ ...i, capacity: empty, maxLiquidationPdD18: E / 10n, nowSeconds: 12 }),
    ).toBe(0n);
    // skew too large: |skew|/scale = 0.2 ≥ 0.1.
    expect(
      maxLiquidatableAmount({ ...i, capacity: empty, maxLiquidationPdD18: E / 10n, skew: -E / 5n }),
    ).toBe(0n);
  });
  test('behavior: recording merges a same-timestamp entry and drops expired ones', () => {
    const e1 = recordLiquidation([], 10n, 5, 10);
    const e2 = recordLiquidation(e1, 7n, 5, 10);
    expect(e2).toEqual([{ amount: 17n, timestampSeconds: 5 }]);
    expect(recordLiquidation(e2, 1n, 16, 10)).toEqual([{ amount: 1n, timestampSeconds: 16 }]);
  });
});

describe('pricePnl and gasCostUsd', () => {
  test('default: signed PnL truncated toward zero; gas cost', () => {
    expect(pricePnl(2n * E, 1900n * E, 2000n * E)).toBe(-200n * E);
    expect(pricePnl(-1n, 3n, 1n)).toBe(0n);
    expect(gasCostUsd(10n ** 12n, 500_000n)).toBe(5n * 10n ** 17n);
  });
});

describe('calculateFillPrice and calculateOrderFee', () => {
  test('default: Liquidation.margin.test.ts ETH: 20 ETH long from a flat market at $2,000 fills at $2,020', () => {
    // pd before 0, after 20/1000 = 2 %: (2000 + 2040)/2 = 2020 → PnL at the oracle −400.
    expect(calculateFillPrice(0n, 1_000n * E, 20n * E, 2_000n * E)).toBe(2_020n * E);
    expect(pricePnl(20n * E, 2_000n * E, 2_020n * E)).toBe(-400n * E);
    // BTC short 1 at skew scale 100 and $30,000: (30000 + 29700)/2 = 29,850 → PnL −150.
    expect(calculateFillPrice(0n, 100n * E, -E, 30_000n * E)).toBe(29_850n * E);
    expect(calculateFillPrice(5n * E, 0n, E, 7n * E)).toBe(7n * E);
  });
  test('behavior: fees by side of the skew, split on a flip', () => {
    const fees = { makerFeeD18: 2n * 10n ** 14n, takerFeeD18: 5n * 10n ** 14n };
    // increasing a long skew: taker 5 bps of 10 · $100 = $0.5.
    expect(calculateOrderFee(10n * E, 100n * E, 5n * E, fees)).toBe(E / 2n);
    // reducing it: maker 2 bps → $0.2.
    expect(calculateOrderFee(-3n * E, 100n * E, 5n * E, fees)).toBe(6n * 10n ** 16n);
    // flip from +5 to −5: maker on $500, taker on $500 → 0.1 + 0.25.
    expect(calculateOrderFee(-10n * E, 100n * E, 5n * E, fees)).toBe(35n * 10n ** 16n);
    // flat market: taker.
    expect(calculateOrderFee(-E, 100n * E, 0n, fees)).toBe(5n * 10n ** 16n);
  });
});
