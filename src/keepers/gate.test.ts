/**
 * Tests of the shared keeper checks: option validation, the view's time check, the gas cap and the
 * strict profit gate `I > C_gas + ε`.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { WAD } from '../math/units.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import type { MarketContext } from './types.js';

const MARKET: MarketContext = {
  nowSeconds: 100,
  gasPriceGwei: 50,
  ethPriceUsd: 2000,
  collateralPriceUsdWad: 2000n * WAD,
  slippageBps: 0n,
};

describe('requireNonNegative', () => {
  test('default: 0 and positive finite values pass', () => {
    expect(() => requireNonNegative(0, 'minProfitUsd')).not.toThrow();
    expect(() => requireNonNegative(12.5, 'minProfitUsd')).not.toThrow();
  });

  test('error: negative, NaN and infinite values are refused', () => {
    expect(() => requireNonNegative(-0.01, 'minProfitUsd')).toThrow(InvalidParameterError);
    expect(() => requireNonNegative(Number.NaN, 'minProfitUsd')).toThrow(InvalidParameterError);
    expect(() => requireNonNegative(Number.POSITIVE_INFINITY, 'x')).toThrow(InvalidParameterError);
  });
});

describe('requireGasCap', () => {
  test('default: no cap, or a cap ≥ 0, passes', () => {
    expect(() => requireGasCap(undefined)).not.toThrow();
    expect(() => requireGasCap(0)).not.toThrow();
    expect(() => requireGasCap(300)).not.toThrow();
  });

  test('error: a negative cap is refused', () => {
    expect(() => requireGasCap(-1)).toThrow(InvalidParameterError);
    expect(() => requireGasCap(-1)).toThrow(/maxGasPriceGwei/);
  });
});

describe('requireViewTime', () => {
  test('default: a valid market at the view time passes', () => {
    expect(() => requireViewTime(MARKET, 100)).not.toThrow();
  });

  test('error: a time mismatch names market.nowSeconds', () => {
    expect(() => requireViewTime(MARKET, 101)).toThrow(InvalidParameterError);
    expect(() => requireViewTime(MARKET, 101)).toThrow(/market\.nowSeconds/);
  });

  test('error: a bad market is refused before the time check', () => {
    expect(() => requireViewTime({ ...MARKET, gasPriceGwei: -1 }, 100)).toThrow(/market\.gasPriceGwei/);
  });
});

describe('gasAboveCap', () => {
  test('default: without a cap gas is never above it', () => {
    expect(gasAboveCap({ gasPriceGwei: 10_000 }, undefined)).toBe(false);
  });

  test('behavior: strictly above the cap stops, at the cap does not', () => {
    expect(gasAboveCap({ gasPriceGwei: 51 }, 50)).toBe(true);
    expect(gasAboveCap({ gasPriceGwei: 50 }, 50)).toBe(false);
    expect(gasAboveCap({ gasPriceGwei: 49.9 }, 50)).toBe(false);
  });
});

describe('clearsGas', () => {
  test('default: an incentive above gas + ε clears', () => {
    // $100 incentive against $90 gas and a $5 margin: 100 > 95.
    expect(clearsGas(100, 90, 5)).toBe(true);
  });

  test('behavior: the gate is strict and fails on NaN', () => {
    expect(clearsGas(95, 90, 5)).toBe(false);
    expect(clearsGas(94, 90, 5)).toBe(false);
    expect(clearsGas(Number.NaN, 0, 0)).toBe(false);
  });
});
