/**
 * Formula tables for the Aave v3 math. Every expected value is worked out by hand in the comment
 * beside it (amounts in smallest units, values in USD·1e8, HF in WAD).
 */
import { describe, expect, test } from 'vitest';
import { DivisionByZeroError, NegativeValueError } from '../../math/errors.js';
import { Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256 } from '../../math/units.js';
import {
  AAVE_VERSION_RULES,
  AAVE_VERSIONS,
  calculateAvailableCollateralToLiquidate,
  dustCheck,
  hasNoCollateralLeft,
  healthFactor,
  isLiquidatableHealth,
  MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD,
  MIN_LEFTOVER_BASE,
  maxLiquidatableDebt,
  maxLiquidatableDebtV30,
  percentDivRounded,
  percentMulRounded,
  protocolFeeSplit,
  valueInBase,
} from './math.js';

const V33 = AAVE_VERSION_RULES['3.3'];
const V35 = AAVE_VERSION_RULES['3.5'];
const V37 = AAVE_VERSION_RULES['3.7'];
const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;

describe('AAVE_VERSION_RULES', () => {
  test('default: the rounding table of mechanisms.md §2.7', () => {
    expect(AAVE_VERSIONS).toEqual(['3.3', '3.5', '3.7']);
    const row = (v: (typeof AAVE_VERSIONS)[number]) => {
      const r = AAVE_VERSION_RULES[v];
      return [
        r.debtValueRounding,
        r.maxCollateralRounding,
        r.debtNeededRounding,
        r.bonusBaseRounding,
        r.protocolFeeRounding,
      ];
    };
    expect(row('3.3')).toEqual(['Down', 'HalfUp', 'HalfUp', 'HalfUp', 'HalfUp']);
    expect(row('3.5')).toEqual(['Up', 'HalfUp', 'Up', 'HalfUp', 'HalfUp']);
    expect(row('3.7')).toEqual(['Up', 'Down', 'Up', 'Down', 'Up']);
  });

  test('behavior: version switches (HF formula, sentinel, self-liquidation)', () => {
    expect([V33.healthFactorFormula, V35.healthFactorFormula, V37.healthFactorFormula]).toEqual([
      'averagedThreshold',
      'thresholdSum',
      'thresholdSum',
    ]);
    expect([V33.priceOracleSentinel, V35.priceOracleSentinel, V37.priceOracleSentinel]).toEqual([
      true,
      true,
      false,
    ]);
    expect([V33.selfLiquidationBanned, V35.selfLiquidationBanned, V37.selfLiquidationBanned]).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe('percentMulRounded', () => {
  test('default', () => {
    // 3 × 50 % = 1.5: half-up 2, floor 1, ceil 2; 1 × 49.99 % = 0.4999: 0, 0, 1.
    expect(
      [Rounding.HalfUp, Rounding.Down, Rounding.Up].map((r) => percentMulRounded(3n, 5_000n, r)),
    ).toEqual([2n, 1n, 2n]);
    expect(
      [Rounding.HalfUp, Rounding.Down, Rounding.Up].map((r) => percentMulRounded(1n, 4_999n, r)),
    ).toEqual([0n, 0n, 1n]);
  });

  test('behavior: exact products are not rounded', () => {
    expect(percentMulRounded(20_000n, 10_500n, Rounding.Up)).toBe(21_000n);
  });
});

describe('percentDivRounded', () => {
  test('default', () => {
    // 1 ÷ 200 % = 0.5: half-up 1, floor 0, ceil 1; 1000 ÷ 105 % = 952.38: 952, 952, 953.
    expect(
      [Rounding.HalfUp, Rounding.Down, Rounding.Up].map((r) => percentDivRounded(1n, 20_000n, r)),
    ).toEqual([1n, 0n, 1n]);
    expect(
      [Rounding.HalfUp, Rounding.Down, Rounding.Up].map((r) => percentDivRounded(1_000n, 10_500n, r)),
    ).toEqual([952n, 952n, 953n]);
  });

  test('error: division by a zero percentage', () => {
    expect(() => percentDivRounded(1n, 0n, Rounding.Down)).toThrow(DivisionByZeroError);
  });
});

describe('valueInBase', () => {
  test('default', () => {
    // 1.5 USDC at $0.9999: 1_500_000 × 99_990_000 / 1e6 = 149_985_000 exactly.
    expect(valueInBase(1_500_000n, 99_990_000n, 6, Rounding.Down)).toBe(149_985_000n);
  });

  test('behavior: 1 wei of WETH at $2,000 is 2e-7 base units: floor 0, ceil 1', () => {
    expect(valueInBase(1n, 2_000n * E8, 18, Rounding.Down)).toBe(0n);
    expect(valueInBase(1n, 2_000n * E8, 18, Rounding.Up)).toBe(1n);
  });

  test('error: negative amount', () => {
    expect(() => valueInBase(-1n, E8, 6, Rounding.Down)).toThrow(NegativeValueError);
  });
});

describe('healthFactor', () => {
  test('default: 5 WETH at $1,900 (LT 82.5 %) against 8,000 USDC', () => {
    // Σv = 9,500e8; v3.3: percentMul(9,500e8, 8250) = 7,837.5e8, / 8,000e8 = 0.9796875;
    // v3.5+: 9,500e8 · 8250 · 1e18 / 8,000e8 / 1e4 = 0.9796875 too (exact).
    const position = {
      collaterals: [
        {
          amount: 5n * E18,
          priceBase: 1_900n * E8,
          decimals: 18,
          liquidationThresholdBps: 8_250n,
          ltvBps: 8_000n,
        },
      ],
      debts: [{ amount: 8_000n * E6, priceBase: E8, decimals: 6 }],
    };
    for (const v of AAVE_VERSIONS) {
      expect(healthFactor(AAVE_VERSION_RULES[v], position)).toEqual({
        totalCollateralBase: 950_000_000_000n,
        totalDebtBase: 800_000_000_000n,
        avgLtvBps: 8_000n,
        avgLiquidationThresholdBps: 8_250n,
        healthFactorWad: 979_687_500_000_000_000n,
        hasZeroLtvCollateral: false,
      });
    }
  });

  test('behavior: v3.3 averages the threshold first, v3.5+ does not', () => {
    // $100 at LT 80 % + $200 at LT 70 %, $200 debt. avgLT = (100·8000 + 200·7000)/300 = 7333.3 → 7333.
    // v3.3: percentMul(300e8, 7333) = 219.99e8 → HF 1.09995; v3.5+: 2.2e13·1e18/2e10/1e4 = 1.1.
    const position = {
      collaterals: [
        { amount: 100n * E6, priceBase: E8, decimals: 6, liquidationThresholdBps: 8_000n },
        { amount: 200n * E6, priceBase: E8, decimals: 6, liquidationThresholdBps: 7_000n },
      ],
      debts: [{ amount: 200n * E6, priceBase: E8, decimals: 6 }],
    };
    expect(healthFactor(V33, position).avgLiquidationThresholdBps).toBe(7_333n);
    expect(healthFactor(V33, position).healthFactorWad).toBe(1_099_950_000_000_000_000n);
    expect(healthFactor(V35, position).healthFactorWad).toBe(1_100_000_000_000_000_000n);
    expect(healthFactor(V37, position).healthFactorWad).toBe(1_100_000_000_000_000_000n);
    // No LTV given: every line counts as zero-LTV collateral.
    expect(healthFactor(V33, position).hasZeroLtvCollateral).toBe(true);
  });

  test('behavior: debt of 1 wei WETH floors to $0 in v3.3 (no debt: max HF), ceils to 1 base unit in v3.5+', () => {
    // v3.5+: 2,000e8 · 8250 = 1.65e15; wadDiv by 1 = 1.65e33; / 1e4 = 1.65e29.
    const position = {
      collaterals: [{ amount: E18, priceBase: 2_000n * E8, decimals: 18, liquidationThresholdBps: 8_250n }],
      debts: [{ amount: 1n, priceBase: 2_000n * E8, decimals: 18 }],
    };
    expect(healthFactor(V33, position).healthFactorWad).toBe(MAX_UINT256);
    expect(healthFactor(V35, position).totalDebtBase).toBe(1n);
    expect(healthFactor(V35, position).healthFactorWad).toBe(165_000_000_000_000_000_000_000_000_000n);
  });

  test('behavior: collateral with LT 0 is ignored; no debt gives type(uint256).max', () => {
    const data = healthFactor(V35, {
      collaterals: [
        { amount: E18, priceBase: 2_000n * E8, decimals: 18, liquidationThresholdBps: 0n },
        { amount: 10n * E6, priceBase: E8, decimals: 6, liquidationThresholdBps: 8_000n, ltvBps: 7_500n },
      ],
      debts: [],
    });
    expect(data.totalCollateralBase).toBe(1_000_000_000n);
    expect(data.avgLtvBps).toBe(7_500n);
    expect(data.healthFactorWad).toBe(MAX_UINT256);
  });
});

describe('isLiquidatableHealth', () => {
  test('default: strictly below 1e18', () => {
    expect(isLiquidatableHealth(E18)).toBe(false);
    expect(isLiquidatableHealth(E18 - 1n)).toBe(true);
    expect(isLiquidatableHealth(MAX_UINT256)).toBe(false);
  });
});

describe('maxLiquidatableDebtV30', () => {
  test('default', () => {
    // HF 0.97 > 0.95: 50 % of this reserve's debt; at 0.95 exactly: 100 %.
    expect(maxLiquidatableDebtV30(3_000n * E6, 970_000_000_000_000_000n)).toBe(1_500n * E6);
    expect(maxLiquidatableDebtV30(3_000n * E6, 950_000_000_000_000_000n)).toBe(3_000n * E6);
  });

  test('behavior: half-up percentMul (3 × 50 % = 1.5 → 2)', () => {
    expect(maxLiquidatableDebtV30(3n, E18 - 1n)).toBe(2n);
  });
});

describe('maxLiquidatableDebt', () => {
  const base = {
    reserveDebt: 8_000n * E6,
    reserveDebtBase: 8_000n * E8,
    reserveCollateralBase: 9_500n * E8,
    totalDebtBase: 8_000n * E8,
    healthFactorWad: 979_687_500_000_000_000n,
    debtPriceBase: E8,
    debtDecimals: 6,
  };

  test('default: 50 % of the total debt when both sides ≥ $2,000 and HF > 0.95', () => {
    // percentMul(8,000e8, 5000) = 4,000e8 < 8,000e8 → 4,000e8 · 1e6 / 1e8 = 4,000 USDC.
    expect(maxLiquidatableDebt(base)).toEqual({
      maxLiquidatableDebt: 4_000n * E6,
      closeFactor: 'half',
      capped: true,
    });
  });

  test('behavior: 100 % at HF ≤ 0.95 or below $2,000 on either side (thresholds inclusive)', () => {
    const full = { maxLiquidatableDebt: 8_000n * E6, closeFactor: 'full', capped: false };
    expect(maxLiquidatableDebt({ ...base, healthFactorWad: 950_000_000_000_000_000n })).toEqual(full);
    expect(
      maxLiquidatableDebt({ ...base, reserveCollateralBase: MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD - 1n }),
    ).toEqual(full);
    expect(
      maxLiquidatableDebt({ ...base, reserveDebtBase: MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD - 1n }).closeFactor,
    ).toBe('full');
    // Exactly $2,000 on both sides still halves: 2,000 USDC of a $2,000 total → 1,000 USDC.
    expect(
      maxLiquidatableDebt({
        ...base,
        reserveDebt: 2_000n * E6,
        reserveDebtBase: 2_000n * E8,
        reserveCollateralBase: 2_000n * E8,
        totalDebtBase: 2_000n * E8,
      }),
    ).toEqual({ maxLiquidatableDebt: 1_000n * E6, closeFactor: 'half', capped: true });
  });

  test('behavior: a reserve holding at most half of the total debt is liquidatable in full', () => {
    // 3,000 of 9,000 USD: half of the total is 4,500 ≥ 3,000.
    expect(
      maxLiquidatableDebt({
        ...base,
        reserveDebt: 3_000n * E6,
        reserveDebtBase: 3_000n * E8,
        totalDebtBase: 9_000n * E8,
        healthFactorWad: 970_000_000_000_000_000n,
      }),
    ).toEqual({ maxLiquidatableDebt: 3_000n * E6, closeFactor: 'half', capped: false });
  });

  test('behavior: the base → token conversion floors', () => {
    // half = 3,000e8; at $0.9999: 3,000e8 · 1e6 / 99,990,000 = 3,000,300,030.003 → 3,000,300,030.
    expect(
      maxLiquidatableDebt({
        ...base,
        reserveDebt: 6_000n * E6,
        reserveDebtBase: 5_999_40_000_000n,
        totalDebtBase: 6_000n * E8,
        debtPriceBase: 99_990_000n,
      }).maxLiquidatableDebt,
    ).toBe(3_000_300_030n);
  });
});

describe('protocolFeeSplit', () => {
  test('default: 10 % of a 5 % bonus', () => {
    // 1050 seized at 105 %: base 1000, bonus 50, fee 5, liquidator 1045 (every version).
    for (const v of AAVE_VERSIONS) {
      expect(
        protocolFeeSplit(AAVE_VERSION_RULES[v], {
          collateralSeized: 1_050n,
          liquidationBonusBps: 10_500n,
          protocolFeeBps: 1_000n,
        }),
      ).toEqual({ bonusCollateral: 50n, protocolFee: 5n, collateralToLiquidator: 1_045n });
    }
  });

  test('behavior: v3.7 floors the base and ceils the fee', () => {
    // 1051 / 1.05 = 1000.95: half-up 1001 → bonus 50 → fee 5.0 → 5; floor 1000 → bonus 51 → fee 5.1 → ceil 6.
    const input = { collateralSeized: 1_051n, liquidationBonusBps: 10_500n, protocolFeeBps: 1_000n };
    expect(protocolFeeSplit(V33, input)).toEqual({
      bonusCollateral: 50n,
      protocolFee: 5n,
      collateralToLiquidator: 1_046n,
    });
    expect(protocolFeeSplit(V35, input)).toEqual({
      bonusCollateral: 50n,
      protocolFee: 5n,
      collateralToLiquidator: 1_046n,
    });
    expect(protocolFeeSplit(V37, input)).toEqual({
      bonusCollateral: 51n,
      protocolFee: 6n,
      collateralToLiquidator: 1_045n,
    });
  });

  test('behavior: no fee, everything to the liquidator', () => {
    expect(
      protocolFeeSplit(V37, { collateralSeized: 1_051n, liquidationBonusBps: 10_500n, protocolFeeBps: 0n }),
    ).toEqual({
      bonusCollateral: 0n,
      protocolFee: 0n,
      collateralToLiquidator: 1_051n,
    });
  });
});

describe('calculateAvailableCollateralToLiquidate', () => {
  const partial = {
    collateralPriceBase: 1_900n * E8,
    collateralDecimals: 18,
    debtPriceBase: E8,
    debtDecimals: 6,
    debtToCover: 4_000n * E6,
    borrowerCollateralBalance: 5n * E18,
    liquidationBonusBps: 10_500n,
    liquidationProtocolFeeBps: 1_000n,
  };

  test('default: 4,000 USDC against WETH at $1,900', () => {
    // base = 4,000/1,900 ETH = 2.105263157894736842 (floor); × 1.05 = 2.2105263157894736841 → 2.210526315789473684
    // (half-up and floor agree). Fee: 2.210526315789473684 / 1.05 = 2.1052631578947368419…:
    // half-up …842 → bonus 0.105263157894736842 → fee 0.0105263157894736842 → …684; liquidator 2.2 ETH.
    expect(calculateAvailableCollateralToLiquidate(V33, partial)).toEqual({
      baseCollateral: 2_105_263_157_894_736_842n,
      maxCollateralToLiquidate: 2_210_526_315_789_473_684n,
      cappedByBalance: false,
      collateralSeized: 2_210_526_315_789_473_684n,
      collateralToLiquidator: 2_200_000_000_000_000_000n,
      protocolFee: 10_526_315_789_473_684n,
      bonusCollateral: 105_263_157_894_736_842n,
      debtToRepay: 4_000n * E6,
      collateralToLiquidateInBase: 419_999_999_999n, // 2.210526315789473684 × 1,900e8 = 4,199.99999999… e8
    });
  });

  test('behavior: v3.7 gives the liquidator 1 wei less and the treasury 1 wei more', () => {
    // Floor base …841 → bonus …843 → fee 0.0105263157894736843 → ceil …685.
    const v37 = calculateAvailableCollateralToLiquidate(V37, partial);
    expect(v37.collateralToLiquidator).toBe(2_199_999_999_999_999_999n);
    expect(v37.protocolFee).toBe(10_526_315_789_473_685n);
    expect(calculateAvailableCollateralToLiquidate(V35, partial).collateralToLiquidator).toBe(
      2_200_000_000_000_000_000n,
    );
  });

  test('behavior: capped by the balance, the debt repaid shrinks (half-up in 3.3, ceil from 3.5)', () => {
    // 1 WETH at $1,000 for 1,200 USDC: 1.26 ETH wanted > 1 held. Debt = 1,000 USDC / 1.05 = 952.380952…
    const capped = {
      ...partial,
      collateralPriceBase: 1_000n * E8,
      debtToCover: 1_200n * E6,
      borrowerCollateralBalance: E18,
    };
    expect(calculateAvailableCollateralToLiquidate(V33, capped)).toMatchObject({
      cappedByBalance: true,
      collateralSeized: E18,
      debtToRepay: 952_380_952n,
      protocolFee: 4_761_904_761_904_762n,
      collateralToLiquidator: 995_238_095_238_095_238n,
    });
    expect(calculateAvailableCollateralToLiquidate(V35, capped).debtToRepay).toBe(952_380_953n);
    expect(calculateAvailableCollateralToLiquidate(V37, capped).debtToRepay).toBe(952_380_953n);
  });

  test('error: zero collateral price', () => {
    expect(() =>
      calculateAvailableCollateralToLiquidate(V33, { ...partial, collateralPriceBase: 0n }),
    ).toThrow(DivisionByZeroError);
  });
});

describe('dustCheck', () => {
  const base = {
    reserveDebt: 2_100n * E6,
    debtToRepay: 1_200n * E6,
    debtPriceBase: E8,
    debtDecimals: 6,
    collateralBalance: E18,
    collateralSeized: 572_727_272_727_272_727n,
    collateralPriceBase: 2_200n * E8,
    collateralDecimals: 18,
  };

  test('default: $900 of debt left is dust (MUST_NOT_LEAVE_DUST)', () => {
    // Debt left 900 USDC = 900e8; collateral left 0.427272727272727273 ETH × 2,200 = 940.00000000000000006 → 940e8.
    expect(dustCheck(V33, base)).toEqual({
      applies: true,
      leftoverDebtBase: 90_000_000_000n,
      leftoverCollateralBase: 94_000_000_000n,
      passes: false,
    });
  });

  test('behavior: clearing all the debt or all the collateral lifts the rule', () => {
    expect(dustCheck(V33, { ...base, debtToRepay: base.reserveDebt }).passes).toBe(true);
    expect(dustCheck(V33, { ...base, collateralSeized: base.collateralBalance }).passes).toBe(true);
  });

  test('behavior: exactly $1,000 left on both sides passes, one base unit less fails', () => {
    const exact = {
      ...base,
      reserveDebt: 2_000n * E6,
      debtToRepay: 1_000n * E6,
      collateralPriceBase: 2_000n * E8,
      collateralSeized: E18 / 2n,
    };
    expect(dustCheck(V33, exact)).toMatchObject({
      leftoverDebtBase: MIN_LEFTOVER_BASE,
      leftoverCollateralBase: MIN_LEFTOVER_BASE,
      passes: true,
    });
    expect(dustCheck(V33, { ...exact, debtToRepay: 1_000n * E6 + 1n }).passes).toBe(false);
    // One wei of WETH less than $1,000 of collateral left: floor(0.499999999999999999 × 2,000e8) = 99,999,999,999.
    expect(dustCheck(V33, { ...exact, collateralSeized: E18 / 2n + 1n })).toMatchObject({
      leftoverCollateralBase: 99_999_999_999n,
      passes: false,
    });
  });

  test('behavior: v3.5+ values the leftover debt rounding up', () => {
    // 333.333333333333333333 WETH-debt at $3: 999.9999999999 → floor 99,999,999,999 (fails), ceil 1e11 (passes).
    const input = {
      ...base,
      reserveDebt: 333_333_333_333_333_333_333n + E18,
      debtToRepay: E18,
      debtPriceBase: 3n * E8,
      debtDecimals: 18,
      collateralBalance: 10n * E18,
      collateralSeized: E18,
    };
    expect(dustCheck(V33, input)).toMatchObject({ leftoverDebtBase: 99_999_999_999n, passes: false });
    expect(dustCheck(V35, input)).toMatchObject({ leftoverDebtBase: 100_000_000_000n, passes: true });
  });
});

describe('hasNoCollateralLeft', () => {
  test('default: all of the only collateral seized', () => {
    const input = {
      totalCollateralBase: 1_000n * E8,
      collateralSeized: E18,
      collateralBalance: E18,
      collateralPriceBase: 1_000n * E8,
      collateralDecimals: 18,
    };
    for (const v of AAVE_VERSIONS) expect(hasNoCollateralLeft(AAVE_VERSION_RULES[v], input)).toBe(true);
  });

  test('behavior: other collateral left, or part of this one', () => {
    const input = {
      totalCollateralBase: 1_500n * E8,
      collateralSeized: E18,
      collateralBalance: E18,
      collateralPriceBase: 1_000n * E8,
      collateralDecimals: 18,
    };
    expect(hasNoCollateralLeft(V33, input)).toBe(false);
    expect(
      hasNoCollateralLeft(V33, { ...input, totalCollateralBase: 2_000n * E8, collateralBalance: 2n * E18 }),
    ).toBe(false);
  });

  test('behavior: other collateral worth $0 in base currency (1 wei of WETH) still counts as none left', () => {
    // Total = 1,000e8 (1 WETH at $1,000) + floor(1 wei × 1,000e8 / 1e18) = 1,000e8 + 0.
    const input = {
      totalCollateralBase: 100_000_000_000n,
      collateralSeized: E18,
      collateralBalance: E18,
      collateralPriceBase: 1_000n * E8,
      collateralDecimals: 18,
    };
    expect(hasNoCollateralLeft(V37, input)).toBe(true);
    expect(hasNoCollateralLeft(V33, input)).toBe(true);
  });
});
