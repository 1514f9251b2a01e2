/**
 * Tests of the keeper screens: gas cost in USD, DAI (RAD) in USD, and the market context check.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { RAD, WAD } from '../math/units.js';
import { gasCostUsd, type MarketContext, radToUsd, validateMarket } from './types.js';

const MARKET: MarketContext = {
  nowSeconds: 0,
  gasPriceGwei: 100,
  ethPriceUsd: 2000,
  collateralPriceUsdWad: 2000n * WAD,
  slippageBps: 50n,
};

describe('gasCostUsd', () => {
  test('default: units × gwei × 1e-9 × ETH price', () => {
    // 450,000 gas at 100 gwei = 0.045 ETH; at $2,000 that is $90.
    expect(gasCostUsd(450_000n, MARKET)).toBeCloseTo(90, 9);
  });

  test('behavior: zero gas price costs nothing', () => {
    expect(gasCostUsd(450_000n, { gasPriceGwei: 0, ethPriceUsd: 2000 })).toBe(0);
  });
});

describe('radToUsd', () => {
  test('default: 1 DAI in RAD is $1', () => {
    expect(radToUsd(RAD)).toBe(1);
    expect(radToUsd((1022n * RAD) / 10n)).toBeCloseTo(102.2, 12);
  });

  test('behavior: a loss stays negative; sub-1e-18 DAI is dropped', () => {
    expect(radToUsd(-5n * RAD)).toBe(-5);
    expect(radToUsd(1n)).toBe(0);
  });
});

describe('validateMarket', () => {
  test('default: a sane market passes', () => {
    expect(() => validateMarket(MARKET)).not.toThrow();
  });

  test('error: negative gas, non-finite ETH price, slippage above 100 %, fractional time', () => {
    expect(() => validateMarket({ ...MARKET, gasPriceGwei: -1 })).toThrow(InvalidParameterError);
    expect(() => validateMarket({ ...MARKET, ethPriceUsd: Number.NaN })).toThrow(InvalidParameterError);
    expect(() => validateMarket({ ...MARKET, slippageBps: 10_001n })).toThrow(InvalidParameterError);
    expect(() => validateMarket({ ...MARKET, nowSeconds: 1.5 })).toThrow(InvalidParameterError);
    expect(() => validateMarket({ ...MARKET, collateralPriceUsdWad: -1n })).toThrow(InvalidParameterError);
  });
});
