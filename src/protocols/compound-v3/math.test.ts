/**
 * Formula tables for the Comet math, each value derived by hand (shown in the comments) or taken
 * from compound-finance/comet tests (is-liquidatable-test.ts, absorb-test.ts,
 * quote-collateral-test.ts).
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { DivisionByZeroError, OverflowError } from '../../math/errors.js';
import {
  absorbAmounts,
  BASE_INDEX_SCALE,
  type CollateralHolding,
  cometReserves,
  divPrice,
  healthWad,
  isBorrowCollateralized,
  isLiquidatable,
  liquidityUsd8,
  MAX_UINT104,
  mulFactor,
  mulPrice,
  packFactor,
  presentValue,
  presentValueBorrow,
  presentValueSupply,
  principalValue,
  principalValueBorrow,
  principalValueSupply,
  quoteCollateral,
  repayAndSupplyAmount,
  signedMulPrice,
  storeFrontDiscountWad,
  withdrawAndBorrowAmount,
} from './math.js';

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
/** A factor given in ten-thousandths (8250 = 0.825). */
const f4 = (tenThousandths: bigint): bigint => tenThousandths * 10n ** 14n;
const usd = (dollars: bigint): bigint => dollars * E8;

describe('mulFactor / mulPrice / signedMulPrice / divPrice', () => {
  test('default', () => {
    expect(mulFactor(1000n, f4(8250n))).toBe(825n);
    expect(mulPrice(E18, usd(3000n), E18)).toBe(usd(3000n)); // 1 WETH at $3000
    expect(mulPrice(5n * E8, usd(41_000n), E8)).toBe(usd(205_000n)); // 5 WBTC
    expect(signedMulPrice(-100n * E6, E8, E6)).toBe(-usd(100n)); // −100 USDC
    expect(divPrice(usd(9500n), E8, E6)).toBe(9500n * E6);
  });
  test('behavior: unsigned divisions floor, the signed one truncates toward zero', () => {
    expect(mulFactor(999n, f4(5000n))).toBe(499n); // 499.5
    expect(mulFactor(1n, f4(9999n))).toBe(0n);
    expect(mulPrice(1n, 1n, 3n)).toBe(0n);
    expect(signedMulPrice(7n, 1n, 2n)).toBe(3n);
    expect(signedMulPrice(-7n, 1n, 2n)).toBe(-3n); // floor would be −4
    expect(signedMulPrice(-1n, E8, 3n)).toBe(-33_333_333n); // −33,333,333.3
    expect(divPrice(1n, 3n, 1n)).toBe(0n);
  });
  test('error: products past uint256 and zero divisors revert', () => {
    expect(() => mulFactor(1n << 255n, 4n)).toThrow(OverflowError);
    expect(() => divPrice(1n, 0n, 1n)).toThrow(DivisionByZeroError);
  });
});

describe('presentValue / principalValue', () => {
  // Borrow index 1.1, supply index 1.05.
  const indexes = { baseSupplyIndex: 1_050_000_000_000_000n, baseBorrowIndex: 1_100_000_000_000_000n };
  test('default: at the initial indexes (1e15) principal and present value coincide', () => {
    const initial = { baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE };
    expect(presentValue(-123n, initial)).toBe(-123n);
    expect(principalValue(-123n, initial)).toBe(-123n);
    expect(principalValue(456n, initial)).toBe(456n);
  });
  test('behavior: supply floors both ways, borrow principal rounds up (CometCore)', () => {
    expect(presentValueBorrow(indexes.baseBorrowIndex, 91n)).toBe(100n); // 100.1
    expect(principalValueBorrow(indexes.baseBorrowIndex, 100n)).toBe(91n); // ceil 90.909
    expect(principalValueBorrow(indexes.baseBorrowIndex, 101n)).toBe(92n); // ceil 91.818
    expect(presentValueSupply(indexes.baseSupplyIndex, 100n)).toBe(105n);
    expect(principalValueSupply(indexes.baseSupplyIndex, 100n)).toBe(95n); // floor 95.238
    expect(principalValue(-100n, indexes)).toBe(-91n);
    expect(presentValue(-91n, indexes)).toBe(-100n);
    expect(principalValue(100n, indexes)).toBe(95n);
    expect(presentValue(95n, indexes)).toBe(99n); // 99.75: the supplier loses the dust
  });
  test('error: a principal past uint104 reverts InvalidUInt104', () => {
    expect(() => principalValueSupply(BASE_INDEX_SCALE, MAX_UINT104 + 1n)).toThrow(ProtocolRevertError);
  });
});

describe('repayAndSupplyAmount / withdrawAndBorrowAmount', () => {
  test('default', () => {
    expect(repayAndSupplyAmount(-100n, 50n)).toEqual({ repay: 100n, supply: 50n });
    expect(withdrawAndBorrowAmount(100n, -50n)).toEqual({ withdraw: 100n, borrow: 50n });
  });
  test('behavior: each side of zero', () => {
    expect(repayAndSupplyAmount(-100n, -40n)).toEqual({ repay: 60n, supply: 0n });
    expect(repayAndSupplyAmount(20n, 50n)).toEqual({ repay: 0n, supply: 30n });
    expect(repayAndSupplyAmount(50n, 20n)).toEqual({ repay: 0n, supply: 0n });
    expect(withdrawAndBorrowAmount(100n, 40n)).toEqual({ withdraw: 60n, borrow: 0n });
    expect(withdrawAndBorrowAmount(-10n, -50n)).toEqual({ withdraw: 0n, borrow: 40n });
    expect(withdrawAndBorrowAmount(10n, 20n)).toEqual({ withdraw: 0n, borrow: 0n });
  });
});

describe('packFactor', () => {
  test('default: 4 decimals kept, floor', () => {
    expect(packFactor(895_000_000_012_345_678n)).toEqual({ stored: 8950n, effectiveWad: f4(8950n) });
  });
  test('behavior: never rounds up; 0 and 1 are exact', () => {
    expect(packFactor(824_999_990_000_000_000n)).toEqual({ stored: 8249n, effectiveWad: f4(8249n) });
    expect(packFactor(0n).stored).toBe(0n);
    expect(packFactor(E18).stored).toBe(10_000n);
  });
  test('error: a factor that does not fit uint16', () => {
    expect(() => packFactor(65_536n * 10n ** 14n)).toThrow(InvalidParameterError);
  });
});

/** COMP at $1 (18 decimals) as in compound-finance/comet test/is-liquidatable-test.ts. */
const comp = (units: bigint, factor: bigint, price = E8): CollateralHolding => ({
  balance: units * E18,
  price,
  scale: E18,
  factorWad: factor,
});
const owing = (dollars: bigint, holdings: CollateralHolding[]) => ({
  presentValue: -dollars * E6,
  basePrice: E8,
  baseScale: E6,
  holdings,
});

describe('isLiquidatable', () => {
  test('default: $100k debt, $100k COMP at liquidateCF 0.8 is liquidatable (Comet test)', () => {
    expect(isLiquidatable(owing(100_000n, [comp(100_000n, f4(8000n))]))).toBe(true);
    expect(liquidityUsd8(owing(100_000n, [comp(100_000n, f4(8000n))]))).toBe(-usd(20_000n));
  });
  test('behavior: the Comet test-suite cases', () => {
    expect(isLiquidatable(owing(100_000n, [comp(100_000n, E18)]))).toBe(false); // covered
    expect(isLiquidatable(owing(100_000n, [comp(95_000n, E18)]))).toBe(true); // $95k < $100k
    expect(isLiquidatable(owing(100_000n, [comp(100_000n, E18, E8 / 2n)]))).toBe(true); // price halves
    expect(isLiquidatable(owing(1n, []))).toBe(true); // owes and has nothing
    expect(isLiquidatable({ ...owing(0n, []), presentValue: 1_000_000n })).toBe(false); // owed principal
  });
  test('behavior: liquidity exactly 0 is not liquidatable (strict)', () => {
    expect(isLiquidatable(owing(80_000n, [comp(100_000n, f4(8000n))]))).toBe(false);
    expect(
      isLiquidatable({ ...owing(80_000n, [comp(100_000n, f4(8000n))]), presentValue: -80_000n * E6 - 1n }),
    ).toBe(true);
  });
});

describe('isBorrowCollateralized', () => {
  test('default: liquidity exactly 0 may borrow', () => {
    expect(isBorrowCollateralized(owing(75_000n, [comp(100_000n, f4(7500n))]))).toBe(true);
  });
  test('behavior: one base unit more is refused; a supplier always passes', () => {
    expect(
      isBorrowCollateralized({
        ...owing(75_000n, [comp(100_000n, f4(7500n))]),
        presentValue: -75_000n * E6 - 1n,
      }),
    ).toBe(false);
    expect(isBorrowCollateralized({ ...owing(0n, []), presentValue: 5n })).toBe(true);
  });
});

describe('absorbAmounts', () => {
  test('default: 5 ETH at $2000, lf 0.95, against 10,000 USDC: balance floored at 0, reserves take 500', () => {
    const out = absorbAmounts({
      oldBalance: -10_000n * E6,
      basePrice: E8,
      baseScale: E6,
      holdings: [{ balance: 5n * E18, price: usd(2000n), scale: E18, factorWad: f4(9500n) }],
    });
    // 5 · 2000 · 0.95 = $9,500 → 9,500 USDC credited.
    expect(out).toEqual({
      deltaValueUsd8: usd(9500n),
      deltaBalance: 9500n * E6,
      newBalance: 0n,
      basePaidOut: 10_000n * E6,
      shortfall: 500n * E6,
    });
  });
  test('behavior: excess credit stays as supply (Comet absorb-test "more than enough collateral")', () => {
    // COMP $175 + WETH $3000 + WBTC $41000 at liquidationFactor 1 = $44,175 against 44,175 USDC − 1.
    const owed = 44_175n * E6 - 1n;
    const out = absorbAmounts({
      oldBalance: -owed,
      basePrice: E8,
      baseScale: E6,
      holdings: [
        { balance: E18, price: usd(175n), scale: E18, factorWad: E18 },
        { balance: E18, price: usd(3000n), scale: E18, factorWad: E18 },
        { balance: E8, price: usd(41_000n), scale: E8, factorWad: E18 },
      ],
    });
    expect(out.newBalance).toBe(1n);
    expect(out.basePaidOut).toBe(44_175n * E6);
    expect(out.shortfall).toBe(0n);
  });
  test('behavior: dust collateral (Comet absorb-test account 1): 1e-6 COMP credits 175 units of a 1 USDC debt', () => {
    const out = absorbAmounts({
      oldBalance: -E6,
      basePrice: E8,
      baseScale: E6,
      holdings: [{ balance: 10n ** 12n, price: usd(175n), scale: E18, factorWad: E18 }],
    });
    // 1e12 · 175e8 / 1e18 = 17,500 USD·1e8 → 17,500 · 1e6 / 1e8 = 175 units.
    expect([out.deltaValueUsd8, out.deltaBalance, out.newBalance, out.basePaidOut, out.shortfall]).toEqual([
      17_500n,
      175n,
      0n,
      E6,
      E6 - 175n,
    ]);
  });
});

describe('quoteCollateral', () => {
  const q = { basePrice: E8, assetScale: E18, baseScale: E6 };
  test('default: 200 USDC of COMP at $200, sf 0.5, lf 0.6 → 1.25 COMP (Comet quote-collateral-test)', () => {
    // discount 0.5 · 0.4 = 0.2; price 200 · 0.8 = 160; 200 / 160 = 1.25.
    expect(
      quoteCollateral({
        ...q,
        assetPrice: usd(200n),
        baseAmount: 200n * E6,
        storeFrontPriceFactorWad: f4(5000n),
        liquidationFactorWad: f4(6000n),
      }),
    ).toBe(1_250_000_000_000_000_000n);
  });
  test('behavior: discount algebra and floors', () => {
    expect(storeFrontDiscountWad(f4(5000n), f4(9500n))).toBe(f4(250n)); // 2.5 %
    // sf = floor(1e18 / 3), lf 0.9: floor(333…333 · 0.1) = 33…333 (17 threes).
    expect(storeFrontDiscountWad(333_333_333_333_333_333n, f4(9000n))).toBe(33_333_333_333_333_333n);
    // 100k USDC of WETH at $3000, sf 0.5, lf 0.95: price 2925, 34.188034188034188034… WETH, floor.
    expect(
      quoteCollateral({
        ...q,
        assetPrice: usd(3000n),
        baseAmount: 100_000n * E6,
        storeFrontPriceFactorWad: f4(5000n),
        liquidationFactorWad: f4(9500n),
      }),
    ).toBe(34_188_034_188_034_188_034n);
    // storeFrontPriceFactor 0: market price.
    expect(
      quoteCollateral({
        ...q,
        assetPrice: usd(200n),
        baseAmount: 200n * E6,
        storeFrontPriceFactorWad: 0n,
        liquidationFactorWad: f4(6000n),
      }),
    ).toBe(E18);
  });
  test('error: a zero discounted price divides by zero (sf 1, lf 0)', () => {
    expect(() =>
      quoteCollateral({
        ...q,
        assetPrice: usd(1n),
        baseAmount: 1n,
        storeFrontPriceFactorWad: E18,
        liquidationFactorWad: 0n,
      }),
    ).toThrow(DivisionByZeroError);
  });
});

describe('cometReserves', () => {
  test('default: balance − supply + borrow', () => {
    const indexes = { baseSupplyIndex: BASE_INDEX_SCALE, baseBorrowIndex: BASE_INDEX_SCALE };
    expect(cometReserves({ balance: 1000n, totalSupplyBase: 800n, totalBorrowBase: 300n, indexes })).toBe(
      500n,
    );
    // Comet absorb-test "absorbs 2 accounts": totalBorrowBase 2000 → 2000; after 100 + 700 absorbed → 1200.
    expect(cometReserves({ balance: 0n, totalSupplyBase: 0n, totalBorrowBase: 2000n, indexes })).toBe(2000n);
    expect(cometReserves({ balance: 0n, totalSupplyBase: 0n, totalBorrowBase: 1200n, indexes })).toBe(1200n);
  });
  test('behavior: present values of the totals at the current indexes; may be negative', () => {
    const indexes = { baseSupplyIndex: 1_100_000_000_000_000n, baseBorrowIndex: 1_200_000_000_000_000n };
    expect(cometReserves({ balance: 0n, totalSupplyBase: 100n, totalBorrowBase: 100n, indexes })).toBe(10n);
    expect(cometReserves({ balance: 0n, totalSupplyBase: 100n, totalBorrowBase: 0n, indexes })).toBe(-110n);
  });
});

describe('healthWad', () => {
  test('default', () => {
    expect(healthWad(80n, 100n, 7n)).toBe(8n * 10n ** 17n);
  });
  test('behavior: floor, and the maximum without debt', () => {
    expect(healthWad(1n, 3n, 7n)).toBe(333_333_333_333_333_333n);
    expect(healthWad(100n, 100n, 7n)).toBe(E18);
    expect(healthWad(5n, 0n, 7n)).toBe(7n);
  });
});
