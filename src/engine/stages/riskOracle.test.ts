/**
 * Tests of the risk-oracle stage: the σ target worked by hand, the rate-limited step, the LTV that
 * follows the threshold, and the section's named errors.
 */
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import {
  ltvForThresholdBps,
  nextThresholdBps,
  parseRiskOracleParams,
  type RiskOracleAssetParams,
  targetThresholdBps,
} from './riskOracle.js';

const eth: RiskOracleAssetParams = {
  baseThresholdBps: 8_600n,
  sigmaSlopeBps: 750n,
  minThresholdBps: 7_500n,
  maxThresholdBps: 8_300n,
};
const sigma = (x: number) => (BigInt(Math.round(x * 1_000)) * WAD) / 1_000n;

describe('targetThresholdBps', () => {
  test('default: 8,600 − 750·σ, clamped to [7,500, 8,300]', () => {
    expect(targetThresholdBps(eth, sigma(0.8))).toBe(8_000n);
    expect(targetThresholdBps(eth, sigma(1.2))).toBe(7_700n);
    expect(targetThresholdBps(eth, sigma(2))).toBe(7_500n); // 7,100 below the floor
    expect(targetThresholdBps(eth, 0n)).toBe(8_300n); // 8,600 above the cap
  });
  test('behavior: the drop is rounded up (a lower threshold), and never below 0 before the clamp', () => {
    expect(targetThresholdBps(eth, 800_000_000_000_000_001n)).toBe(7_999n);
    expect(targetThresholdBps({ ...eth, minThresholdBps: 1n }, 100n * WAD)).toBe(1n);
  });
});

describe('nextThresholdBps', () => {
  const step = {
    currentBps: 8_000n,
    targetBps: 7_500n,
    maxChangeBps: 50n,
    lastChangeAtSeconds: undefined,
    nowSeconds: 10_000,
    minSecondsBetweenChanges: 3_600,
  };
  test('default: at most maxChangeBps toward the target', () => {
    expect(nextThresholdBps(step)).toBe(7_950n);
    expect(nextThresholdBps({ ...step, targetBps: 8_030n })).toBe(8_030n);
    expect(nextThresholdBps({ ...step, targetBps: 8_300n })).toBe(8_050n);
  });
  test('behavior: no change at the target or within the minimum delay', () => {
    expect(nextThresholdBps({ ...step, targetBps: 8_000n })).toBeUndefined();
    expect(nextThresholdBps({ ...step, lastChangeAtSeconds: 6_401 })).toBeUndefined();
    expect(nextThresholdBps({ ...step, lastChangeAtSeconds: 6_400 })).toBe(7_950n);
  });
});

describe('ltvForThresholdBps', () => {
  test('default: the configured gap is kept, never below 0', () => {
    const configured = { liquidationThresholdBps: 8_000n, initialLtvBps: 7_500n };
    expect(ltvForThresholdBps(7_950n, configured)).toBe(7_450n);
    expect(ltvForThresholdBps(400n, configured)).toBe(0n);
  });
});

describe('parseRiskOracleParams', () => {
  const configured = { ETH: { liquidationThresholdBps: 8_000n, initialLtvBps: 7_500n } };
  const good = {
    collateral: {
      ETH: { baseThresholdBps: 8600, sigmaSlopeBps: 750, minThresholdBps: 7500, maxThresholdBps: 8300 },
    },
    maxChangeBps: 50,
    minSecondsBetweenChanges: 3600,
  };
  test('default: the example section', () => {
    expect(parseRiskOracleParams(good, 'r', configured)).toEqual({
      collateral: { ETH: eth },
      maxChangeBps: 50n,
      minSecondsBetweenChanges: 3_600,
    });
  });
  test('error: each bad field is named', () => {
    const withEth = (over: Record<string, unknown>) => ({
      ...good,
      collateral: { ETH: { ...good.collateral.ETH, ...over } },
    });
    for (const [raw, field] of [
      [{ ...good, collateral: { WBTC: good.collateral.ETH } }, 'r.collateral.WBTC'],
      [withEth({ maxThresholdBps: 7_999 }), 'r.collateral.ETH.maxThresholdBps'],
      [withEth({ minThresholdBps: 8_001 }), 'r.collateral.ETH.minThresholdBps'],
      [withEth({ minThresholdBps: 500 }), 'r.collateral.ETH.minThresholdBps'], // within the LTV gap
      [{ ...good, maxChangeBps: 0 }, 'r.maxChangeBps'],
      [{ ...good, collateral: {} }, 'r.collateral'],
    ] as const) {
      try {
        parseRiskOracleParams(raw, 'r', configured);
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});
