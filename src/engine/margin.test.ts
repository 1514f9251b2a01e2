import { describe, expect, test } from 'vitest';
import { Rounding } from '../math/mulDiv.js';
import { MAX_UINT256 } from '../math/units.js';
import { CollateralIsAlsoDebtError, InvalidParameterError } from './errors.js';
import {
  accountValues,
  applyCollateralPriceDropBps,
  type CollateralLine,
  collateralRatioWad,
  type DebtLine,
  distanceToLiquidationBps,
  distanceToLiquidationByAssetBps,
  healthFactorWad,
  isLiquidatable,
  liquidationPrice,
  MAX_HEALTH,
  type MarginAccount,
  requiredMarginsWad,
  validateMarginAccount,
  valueWad,
} from './margin.js';

// Expected numbers below are worked out by hand from the definitions in margin.ts (the arithmetic
// is shown beside each); prices use 8 decimals (Chainlink / Aave base currency) unless stated.
const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;

const coll = (
  asset: string,
  amount: bigint,
  decimals: number,
  price: bigint,
  ltBps: bigint,
  ltvBps: bigint,
  priceDecimals = 8,
): CollateralLine => ({
  asset,
  amount,
  decimals,
  price,
  priceDecimals,
  liquidationThresholdBps: ltBps,
  initialLtvBps: ltvBps,
});
const debt = (
  asset: string,
  amount: bigint,
  decimals: number,
  price: bigint,
  priceDecimals = 8,
): DebtLine => ({
  asset,
  amount,
  decimals,
  price,
  priceDecimals,
});

/** 5 ETH at $2000 (LT 82.5 %, LTV 80 %) against 8500 USDC: health 8250 / 8500. */
const underwater: MarginAccount = {
  collateral: [coll('ETH', 5n * E18, 18, 2000n * E8, 8250n, 8000n)],
  debt: [debt('USDC', 8500n * E6, 6, 1n * E8)],
};
/** Same collateral against 6000 USDC: health 8250 / 6000 = 1.375. */
const healthy: MarginAccount = {
  collateral: [coll('ETH', 5n * E18, 18, 2000n * E8, 8250n, 8000n)],
  debt: [debt('USDC', 6000n * E6, 6, 1n * E8)],
};
/**
 * 10 ETH at $3000 (LT 82.5 %, LTV 80 %) + 1 WBTC (8 decimals) at $60 000 (LT 78 %, LTV 73 %)
 * against 40 000 USDC (6 decimals) + 10 000 DAI (18 decimals, price with 18 decimals).
 * C = 90 000, W = 24 750 + 46 800 = 71 550, B = 24 000 + 43 800 = 67 800, D = 50 000.
 */
const twoByTwo: MarginAccount = {
  collateral: [
    coll('ETH', 10n * E18, 18, 3000n * E8, 8250n, 8000n),
    coll('WBTC', 1n * E8, 8, 60_000n * E8, 7800n, 7300n),
  ],
  debt: [debt('USDC', 40_000n * E6, 6, 1n * E8), debt('DAI', 10_000n * E18, 18, 1n * E18, 18)],
};
/** 1 ETH at $2000 with LT 80 % against exactly 1600 USDC: health exactly 1. */
const atThreshold: MarginAccount = {
  collateral: [coll('ETH', 1n * E18, 18, 2000n * E8, 8000n, 7500n)],
  debt: [debt('USDC', 1600n * E6, 6, 1n * E8)],
};
const noDebt: MarginAccount = { collateral: underwater.collateral, debt: [] };
const noCollateral: MarginAccount = { collateral: [], debt: underwater.debt };

const withPrice = (account: MarginAccount, asset: string, price: bigint): MarginAccount => ({
  collateral: account.collateral.map((l) => (l.asset === asset ? { ...l, price } : l)),
  debt: account.debt,
});

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('valueWad', () => {
  test('default', () => {
    // 5 ETH · $2000 = $10 000.
    expect(valueWad(5n * E18, 18, 2000n * E8, 8, Rounding.Down)).toBe(10_000n * E18);
  });
  test('behavior: 6, 8 and 18 decimal tokens and 18 decimal prices', () => {
    expect(valueWad(8500n * E6, 6, 1n * E8, 8, Rounding.Up)).toBe(8500n * E18);
    expect(valueWad(1n * E8, 8, 60_000n * E8, 8, Rounding.Down)).toBe(60_000n * E18);
    expect(valueWad(10_000n * E18, 18, 1n * E18, 18, Rounding.Down)).toBe(10_000n * E18);
    // 1.5 USDC at $0.999 9 = $1.499 85.
    expect(valueWad(1_500_000n, 6, 99_990_000n, 8, Rounding.Down)).toBe(1_499_850_000_000_000_000n);
    // 3 units of a 0-decimal token at $0.333333 (6 price decimals) = $0.999999.
    expect(valueWad(3n, 0, 333_333n, 6, Rounding.Down)).toBe(999_999_000_000_000_000n);
  });
  test('behavior: a fraction of a WAD unit is rounded once in the named direction', () => {
    // 1 wei at $0.50 = 0.5e-18 USD = half a WAD unit.
    expect(valueWad(1n, 18, 50_000_000n, 8, Rounding.Down)).toBe(0n);
    expect(valueWad(1n, 18, 50_000_000n, 8, Rounding.Up)).toBe(1n);
    expect(valueWad(1n, 18, 50_000_000n, 8, Rounding.HalfUp)).toBe(1n);
    // 1 wei at $0.000 000 01 = 1e-26 USD.
    expect(valueWad(1n, 18, 1n, 8, Rounding.Down)).toBe(0n);
    expect(valueWad(1n, 18, 1n, 8, Rounding.Up)).toBe(1n);
    expect(valueWad(0n, 18, 1n, 8, Rounding.Up)).toBe(0n);
  });
  test('error: negative amounts and prices, decimals outside 0..77', () => {
    expect(() => valueWad(-1n, 18, 1n, 8, Rounding.Down)).toThrow(InvalidParameterError);
    expect(fieldOf(() => valueWad(-1n, 18, -1n, 8, Rounding.Down))).toBe('amount');
    expect(fieldOf(() => valueWad(1n, 18, -1n, 8, Rounding.Down))).toBe('price');
    expect(fieldOf(() => valueWad(1n, 78, 1n, 8, Rounding.Down))).toBe('decimals');
    expect(fieldOf(() => valueWad(1n, 18, 1n, 1.5, Rounding.Down))).toBe('priceDecimals');
    expect(fieldOf(() => valueWad(1n, 18, 1n, -1, Rounding.Down))).toBe('priceDecimals');
  });
});

describe('accountValues', () => {
  test('default', () => {
    expect(accountValues(underwater)).toEqual({
      collateralValueWad: 10_000n * E18,
      debtValueWad: 8500n * E18,
      weightedCollateralWad: 8250n * E18, // 10 000 · 0.825
      borrowCapacityWad: 8000n * E18, // 10 000 · 0.80
    });
  });
  test('behavior: two collaterals and two debts of 6, 8 and 18 decimals', () => {
    expect(accountValues(twoByTwo)).toEqual({
      collateralValueWad: 90_000n * E18,
      debtValueWad: 50_000n * E18,
      weightedCollateralWad: 71_550n * E18,
      borrowCapacityWad: 67_800n * E18,
    });
  });
  test('behavior: each sum is rounded once, after adding the exact line values', () => {
    // Two collaterals and two debts worth half a WAD unit each: per line they would floor to 0
    // and ceil to 1; summed first they are exactly 1.
    const halves: MarginAccount = {
      collateral: [
        coll('A', 1n, 18, 50_000_000n, 10_000n, 10_000n),
        coll('B', 1n, 18, 50_000_000n, 5000n, 0n),
      ],
      debt: [debt('X', 1n, 18, 50_000_000n), debt('Y', 1n, 18, 50_000_000n)],
    };
    expect(accountValues(halves)).toEqual({
      collateralValueWad: 1n,
      debtValueWad: 1n,
      weightedCollateralWad: 0n, // 0.5 · 1 + 0.5 · 0.5 = 0.75, floored
      borrowCapacityWad: 0n, // 0.5 · 1 + 0.5 · 0 = 0.5, floored
    });
  });
  test('behavior: rounding favours the protocol (collateral down, debt up)', () => {
    // 1 wei at $0.000 000 01 on both sides: exactly equal, 1e-8 WAD each.
    const dust: MarginAccount = {
      collateral: [coll('A', 1n, 18, 1n, 10_000n, 10_000n)],
      debt: [debt('X', 1n, 18, 1n)],
    };
    expect(accountValues(dust)).toEqual({
      collateralValueWad: 0n,
      debtValueWad: 1n,
      weightedCollateralWad: 0n,
      borrowCapacityWad: 0n,
    });
    expect(isLiquidatable(dust)).toBe(true);
  });
  test('behavior: an empty account is worth nothing', () => {
    expect(accountValues({ collateral: [], debt: [] })).toEqual({
      collateralValueWad: 0n,
      debtValueWad: 0n,
      weightedCollateralWad: 0n,
      borrowCapacityWad: 0n,
    });
  });
  test('behavior: the same asset as collateral and debt is valued on both sides', () => {
    // 10 ETH supplied, 5 ETH borrowed, at $2000.
    const loop: MarginAccount = {
      collateral: [coll('ETH', 10n * E18, 18, 2000n * E8, 8250n, 8000n)],
      debt: [debt('ETH', 5n * E18, 18, 2000n * E8)],
    };
    expect(accountValues(loop).debtValueWad).toBe(10_000n * E18);
    expect(healthFactorWad(loop)).toBe(1_650_000_000_000_000_000n); // 16 500 / 10 000
  });
  test('behavior: inputs are not mutated', () => {
    const frozen: MarginAccount = Object.freeze({
      collateral: Object.freeze(twoByTwo.collateral.map((l) => Object.freeze({ ...l }))),
      debt: Object.freeze(twoByTwo.debt.map((l) => Object.freeze({ ...l }))),
    });
    expect(() => {
      accountValues(frozen);
      requiredMarginsWad(frozen);
      liquidationPrice(frozen, 'ETH');
      distanceToLiquidationBps(frozen);
      distanceToLiquidationByAssetBps(frozen, 'WBTC');
      applyCollateralPriceDropBps(frozen, 100n);
    }).not.toThrow();
    expect(frozen.collateral[0]?.price).toBe(3000n * E8);
  });
  test('error: invalid fields are named', () => {
    const c0 = twoByTwo.collateral[0]!;
    const c1 = twoByTwo.collateral[1]!;
    const d0 = twoByTwo.debt[0]!;
    const d1 = twoByTwo.debt[1]!;
    const cases: readonly [MarginAccount, string][] = [
      [{ collateral: [{ ...c0, amount: -1n }, c1], debt: [d0] }, 'collateral[0].amount'],
      [{ collateral: [{ ...c0, amount: 1n << 256n }], debt: [] }, 'collateral[0].amount'],
      [{ collateral: [{ ...c0, price: -5n }], debt: [] }, 'collateral[0].price'],
      [{ collateral: [{ ...c0, decimals: 78 }], debt: [] }, 'collateral[0].decimals'],
      [{ collateral: [{ ...c0, decimals: 6.5 }], debt: [] }, 'collateral[0].decimals'],
      [{ collateral: [{ ...c0, priceDecimals: -1 }], debt: [] }, 'collateral[0].priceDecimals'],
      [
        { collateral: [c0, { ...c1, liquidationThresholdBps: 10_001n }], debt: [] },
        'collateral[1].liquidationThresholdBps',
      ],
      [
        { collateral: [{ ...c0, liquidationThresholdBps: -1n }], debt: [] },
        'collateral[0].liquidationThresholdBps',
      ],
      [{ collateral: [c0, { ...c1, initialLtvBps: 7801n }], debt: [] }, 'collateral[1].initialLtvBps'],
      [{ collateral: [{ ...c0, initialLtvBps: -1n }], debt: [] }, 'collateral[0].initialLtvBps'],
      [{ collateral: [{ ...c0, asset: '' }], debt: [] }, 'collateral[0].asset'],
      [{ collateral: [c0], debt: [{ ...d0, amount: -1n }] }, 'debt[0].amount'],
      [{ collateral: [c0], debt: [d0, { ...d1, decimals: 78 }] }, 'debt[1].decimals'],
      [{ collateral: [c0], debt: [{ ...d0, price: -1n }] }, 'debt[0].price'],
      [{ collateral: [c0], debt: [{ ...d0, priceDecimals: 2.5 }] }, 'debt[0].priceDecimals'],
    ];
    for (const [account, field] of cases) {
      expect(() => accountValues(account)).toThrow(InvalidParameterError);
      expect(fieldOf(() => validateMarginAccount(account))).toBe(field);
      // Every entry point validates.
      for (const fn of [
        healthFactorWad,
        isLiquidatable,
        collateralRatioWad,
        requiredMarginsWad,
        distanceToLiquidationBps,
        (a: MarginAccount) => liquidationPrice(a, 'ETH'),
        (a: MarginAccount) => distanceToLiquidationByAssetBps(a, 'ETH'),
        (a: MarginAccount) => applyCollateralPriceDropBps(a, 1n),
      ]) {
        expect(fieldOf(() => fn(account))).toBe(field);
      }
    }
  });
  test('error: a number where a bigint is due', () => {
    const c0 = twoByTwo.collateral[0]!;
    const bad = { collateral: [{ ...c0, amount: 5 as unknown as bigint }], debt: [] };
    expect(fieldOf(() => accountValues(bad))).toBe('collateral[0].amount');
  });
});

describe('collateralRatioWad', () => {
  test('default', () => {
    // 10 000 / 8500 = 1.176470588235294117|647…
    expect(collateralRatioWad(underwater)).toBe(1_176_470_588_235_294_117n);
  });
  test('behavior: two by two, no debt, no collateral, debt priced at zero', () => {
    expect(collateralRatioWad(twoByTwo)).toBe(1_800_000_000_000_000_000n); // 90 000 / 50 000
    expect(collateralRatioWad(noDebt)).toBeNull();
    expect(collateralRatioWad(noCollateral)).toBe(0n);
    expect(
      collateralRatioWad({ collateral: underwater.collateral, debt: [debt('USDC', 5n, 6, 0n)] }),
    ).toBeNull();
  });
});

describe('healthFactorWad', () => {
  test('default', () => {
    // 8250 / 8500 = 0.970588235294117647|058…, floored.
    expect(healthFactorWad(underwater)).toBe(970_588_235_294_117_647n);
  });
  test('behavior: exact cases, two collaterals, the boundary', () => {
    expect(healthFactorWad(healthy)).toBe(1_375_000_000_000_000_000n); // 8250 / 6000
    expect(healthFactorWad(twoByTwo)).toBe(1_431_000_000_000_000_000n); // 71 550 / 50 000
    expect(healthFactorWad(atThreshold)).toBe(E18); // 1600 / 1600
  });
  test('behavior: no debt is MAX_HEALTH, no collateral is 0', () => {
    expect(MAX_HEALTH).toBe(2n ** 256n - 1n);
    expect(healthFactorWad(noDebt)).toBe(MAX_HEALTH);
    expect(healthFactorWad({ collateral: [], debt: [] })).toBe(MAX_HEALTH);
    expect(healthFactorWad(noCollateral)).toBe(0n);
  });
  test('behavior: capped at MAX_HEALTH when W·1e18/D exceeds uint256', () => {
    // W = 1e58 USD = 1e76 WAD units against D = 1 WAD unit: 1e94 > 2^256.
    const whale: MarginAccount = {
      collateral: [coll('A', 10n ** 58n, 0, 1n, 10_000n, 0n, 0)],
      debt: [debt('X', 1n, 18, 1n * E8)],
    };
    expect(healthFactorWad(whale)).toBe(MAX_HEALTH);
  });
});

describe('isLiquidatable', () => {
  test('default', () => {
    expect(isLiquidatable(underwater)).toBe(true);
    expect(isLiquidatable(healthy)).toBe(false);
  });
  test('behavior: health exactly 1 is safe; one unit of debt more is not', () => {
    expect(isLiquidatable(atThreshold)).toBe(false);
    const oneMore = { ...atThreshold, debt: [debt('USDC', 1600n * E6 + 1n, 6, 1n * E8)] };
    expect(isLiquidatable(oneMore)).toBe(true);
  });
  test('behavior: no debt is never liquidatable; debt without collateral always is', () => {
    expect(isLiquidatable(noDebt)).toBe(false);
    expect(isLiquidatable(noCollateral)).toBe(true);
  });
});

describe('requiredMarginsWad', () => {
  test('default', () => {
    expect(requiredMarginsWad(underwater)).toEqual({
      initialWad: 10_625n * E18, // 8500 / 0.80
      maintenanceWad: 10_303_030_303_030_303_030_304n, // 8500 / 0.825 = 10 303.030303030303030303|03…, ceiled
      excessInitialWad: -500n * E18, // 8000 − 8500
      excessMaintenanceWad: -250n * E18, // 8250 − 8500
    });
  });
  test('behavior: two collaterals use the value-weighted average threshold', () => {
    expect(requiredMarginsWad(twoByTwo)).toEqual({
      // 50 000 · 90 000 / 67 800 = 66 371.681415929203539823|00…, ceiled
      initialWad: 66_371_681_415_929_203_539_824n,
      // 50 000 · 90 000 / 71 550 = 62 893.081761006289308176|10…, ceiled
      maintenanceWad: 62_893_081_761_006_289_308_177n,
      excessInitialWad: 17_800n * E18,
      excessMaintenanceWad: 21_550n * E18,
    });
  });
  test('behavior: no debt requires nothing; weightless collateral cannot meet a requirement', () => {
    expect(requiredMarginsWad(noDebt)).toEqual({
      initialWad: 0n,
      maintenanceWad: 0n,
      excessInitialWad: 8000n * E18,
      excessMaintenanceWad: 8250n * E18,
    });
    expect(requiredMarginsWad(noCollateral)).toEqual({
      initialWad: null,
      maintenanceWad: null,
      excessInitialWad: -8500n * E18,
      excessMaintenanceWad: -8500n * E18,
    });
    // LTV 0 (cannot borrow against it) but LT 50 %: 8500 / 0.5 = 17 000.
    const frozenLtv = { ...underwater, collateral: [coll('ETH', 5n * E18, 18, 2000n * E8, 5000n, 0n)] };
    expect(requiredMarginsWad(frozenLtv)).toEqual({
      initialWad: null,
      maintenanceWad: 17_000n * E18,
      excessInitialWad: -8500n * E18,
      excessMaintenanceWad: -3500n * E18,
    });
  });
  test('behavior: meeting the maintenance requirement is exactly health 1 when no rounding occurs', () => {
    const m = requiredMarginsWad(atThreshold);
    expect(m.maintenanceWad).toBe(2000n * E18); // 1600 / 0.8
    expect(accountValues(atThreshold).collateralValueWad).toBe(m.maintenanceWad);
    expect(m.excessMaintenanceWad).toBe(0n);
  });
});

describe('liquidationPrice', () => {
  test('default', () => {
    // 5 · p · 0.825 < 6000  <=>  p < 1454.545454545454… → 1454.54545454 with 8 decimals.
    expect(liquidationPrice(healthy, 'ETH')).toBe(145_454_545_454n);
    expect(isLiquidatable(withPrice(healthy, 'ETH', 145_454_545_454n))).toBe(true);
    expect(isLiquidatable(withPrice(healthy, 'ETH', 145_454_545_455n))).toBe(false);
  });
  test('behavior: an account already liquidatable has a liquidation price above the current one', () => {
    // 5 · p · 0.825 < 8500  <=>  p < 2060.60606060606…
    expect(liquidationPrice(underwater, 'ETH')).toBe(206_060_606_060n);
  });
  test('behavior: health exactly 1 at the current price is safe, one unit below is not', () => {
    expect(liquidationPrice(atThreshold, 'ETH')).toBe(2000n * E8 - 1n);
  });
  test('behavior: each collateral with the other held fixed', () => {
    // ETH: 8.25 · p + 46 800 < 50 000  <=>  p < 387.878787…
    expect(liquidationPrice(twoByTwo, 'ETH')).toBe(38_787_878_787n);
    // WBTC: 0.78 · p + 24 750 < 50 000  <=>  p < 32 371.794871794…
    expect(liquidationPrice(twoByTwo, 'WBTC')).toBe(3_237_179_487_179n);
  });
  test('behavior: lines of one asset are summed', () => {
    const split = {
      ...healthy,
      collateral: [
        coll('ETH', 2n * E18, 18, 2000n * E8, 8250n, 8000n),
        coll('ETH', 3n * E18, 18, 2000n * E8, 8250n, 8000n),
      ],
    };
    expect(liquidationPrice(split, 'ETH')).toBe(145_454_545_454n);
  });
  test('behavior: null when no price is low enough, 2^256 − 1 when every price is', () => {
    expect(liquidationPrice(noDebt, 'ETH')).toBeNull();
    // WBTC alone (46 800) covers 40 000 of debt: no ETH price makes the account liquidatable.
    const covered = { ...twoByTwo, debt: [debt('USDC', 40_000n * E6, 6, 1n * E8)] };
    expect(liquidationPrice(covered, 'ETH')).toBeNull();
    // An LT-0 asset never counts: null if the rest covers, every price if it does not.
    const zeroLt = coll('MEME', 1000n * E18, 18, 5n * E8, 0n, 0n);
    expect(liquidationPrice({ ...healthy, collateral: [...healthy.collateral, zeroLt] }, 'MEME')).toBeNull();
    expect(liquidationPrice({ ...underwater, collateral: [...underwater.collateral, zeroLt] }, 'MEME')).toBe(
      MAX_UINT256,
    );
    // So does a zero holding.
    const none = coll('WBTC', 0n, 8, 60_000n * E8, 7800n, 7300n);
    expect(liquidationPrice({ ...underwater, collateral: [...underwater.collateral, none] }, 'WBTC')).toBe(
      MAX_UINT256,
    );
  });
  test('behavior: a debt line of the asset with amount 0 does not count as borrowing it', () => {
    const zeroDebt = { ...healthy, debt: [...healthy.debt, debt('ETH', 0n, 18, 2000n * E8)] };
    expect(liquidationPrice(zeroDebt, 'ETH')).toBe(145_454_545_454n);
  });
  test('error: the asset is not collateral, is also borrowed, or is priced two ways', () => {
    expect(fieldOf(() => liquidationPrice(healthy, 'WBTC'))).toBe('asset');
    const loop = { ...healthy, debt: [...healthy.debt, debt('ETH', 1n, 18, 2000n * E8)] };
    expect(() => liquidationPrice(loop, 'ETH')).toThrow(CollateralIsAlsoDebtError);
    const twoPrices = {
      ...healthy,
      collateral: [...healthy.collateral, coll('ETH', 1n, 18, 2001n * E8, 8250n, 8000n)],
    };
    expect(fieldOf(() => liquidationPrice(twoPrices, 'ETH'))).toBe('collateral[1].price');
    const twoScales = {
      ...healthy,
      collateral: [...healthy.collateral, coll('ETH', 1n, 18, 2000n * E18, 8250n, 8000n, 18)],
    };
    expect(fieldOf(() => liquidationPrice(twoScales, 'ETH'))).toBe('collateral[1].priceDecimals');
  });
});

describe('applyCollateralPriceDropBps', () => {
  test('default', () => {
    const dropped = applyCollateralPriceDropBps(twoByTwo, 2500n);
    expect(dropped.collateral.map((l) => l.price)).toEqual([2250n * E8, 45_000n * E8]);
    expect(dropped.debt).toEqual(twoByTwo.debt);
    expect(twoByTwo.collateral[0]?.price).toBe(3000n * E8);
  });
  test('behavior: prices are floored; one asset only; 0 and 10000 bps', () => {
    const tiny = { collateral: [coll('A', 1n, 0, 3n, 5000n, 0n, 0)], debt: [] };
    expect(applyCollateralPriceDropBps(tiny, 5000n).collateral[0]?.price).toBe(1n); // 1.5 floored
    expect(applyCollateralPriceDropBps(twoByTwo, 5000n, 'WBTC').collateral.map((l) => l.price)).toEqual([
      3000n * E8,
      30_000n * E8,
    ]);
    expect(applyCollateralPriceDropBps(twoByTwo, 0n)).toEqual(twoByTwo);
    expect(applyCollateralPriceDropBps(twoByTwo, 10_000n).collateral.map((l) => l.price)).toEqual([0n, 0n]);
  });
  test('error: drop outside 0..10000 bps, unknown asset', () => {
    expect(fieldOf(() => applyCollateralPriceDropBps(twoByTwo, 10_001n))).toBe('dropBps');
    expect(fieldOf(() => applyCollateralPriceDropBps(twoByTwo, -1n))).toBe('dropBps');
    expect(fieldOf(() => applyCollateralPriceDropBps(twoByTwo, 1n, 'DOGE'))).toBe('asset');
  });
});

describe('distanceToLiquidationBps', () => {
  test('default', () => {
    // Exact: 1 − 6000 / 8250 = 27.2727…%; ETH at 2000 · (1 − d) is exact, so the first whole bps
    // that triggers is 2728 (5 · 1454.40 · 0.825 = 5999.4 < 6000; at 2727: 6000.225).
    expect(distanceToLiquidationBps(healthy)).toBe(2728n);
    expect(isLiquidatable(applyCollateralPriceDropBps(healthy, 2728n))).toBe(true);
    expect(isLiquidatable(applyCollateralPriceDropBps(healthy, 2727n))).toBe(false);
  });
  test('behavior: two collaterals drop together', () => {
    // 1 − 50 000 / 71 550 = 431 / 1431 = 30.1187…% → 3012 (71 550 · 0.6988 = 49 999.14).
    expect(distanceToLiquidationBps(twoByTwo)).toBe(3012n);
  });
  test('behavior: 0 when liquidatable, null without debt, 0 without collateral', () => {
    expect(distanceToLiquidationBps(underwater)).toBe(0n);
    expect(distanceToLiquidationBps(noDebt)).toBeNull();
    expect(distanceToLiquidationBps(noCollateral)).toBe(0n);
    // Health exactly 1: any drop of a whole bps triggers.
    expect(distanceToLiquidationBps(atThreshold)).toBe(1n);
  });
  test('behavior: an asset also borrowed keeps its debt price', () => {
    // 10 ETH (LT 82.5 %) against 5 ETH: 16 500 · (1 − d) < 10 000  <=>  d > 39.39…% → 3940.
    const loop: MarginAccount = {
      collateral: [coll('ETH', 10n * E18, 18, 2000n * E8, 8250n, 8000n)],
      debt: [debt('ETH', 5n * E18, 18, 2000n * E8)],
    };
    expect(distanceToLiquidationBps(loop)).toBe(3940n);
  });
});

describe('distanceToLiquidationByAssetBps', () => {
  test('default', () => {
    // One collateral: the same as the uniform drop.
    expect(distanceToLiquidationByAssetBps(healthy, 'ETH')).toBe(2728n);
  });
  test('behavior: each collateral alone', () => {
    // ETH from 3000 to ≤ 387.87878787: 3000 · (10000 − d) / 10000 ≤ 387.87878787  <=>  d ≥ 8708.
    expect(distanceToLiquidationByAssetBps(twoByTwo, 'ETH')).toBe(8708n);
    // WBTC from 60 000 to ≤ 32 371.79487179: 10000 − d ≤ 5395.29…  <=>  d ≥ 4605.
    expect(distanceToLiquidationByAssetBps(twoByTwo, 'WBTC')).toBe(4605n);
  });
  test('behavior: 0 when liquidatable, null when the rest covers the debt or there is none', () => {
    expect(distanceToLiquidationByAssetBps(underwater, 'ETH')).toBe(0n);
    expect(distanceToLiquidationByAssetBps(noDebt, 'ETH')).toBeNull();
    const covered = { ...twoByTwo, debt: [debt('USDC', 40_000n * E6, 6, 1n * E8)] };
    expect(distanceToLiquidationByAssetBps(covered, 'ETH')).toBeNull();
    const zeroLt = coll('MEME', 1000n * E18, 18, 5n * E8, 0n, 0n);
    expect(
      distanceToLiquidationByAssetBps(
        { ...underwater, collateral: [...underwater.collateral, zeroLt] },
        'MEME',
      ),
    ).toBe(0n);
  });
  test('error: as liquidationPrice', () => {
    expect(fieldOf(() => distanceToLiquidationByAssetBps(healthy, 'WBTC'))).toBe('asset');
    const loop = { ...healthy, debt: [...healthy.debt, debt('ETH', 1n, 18, 2000n * E8)] };
    expect(() => distanceToLiquidationByAssetBps(loop, 'ETH')).toThrow(CollateralIsAlsoDebtError);
  });
});
