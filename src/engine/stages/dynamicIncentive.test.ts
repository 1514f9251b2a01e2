/**
 * Tests of the dynamic incentive stage: the gas cost and the bonus formula worked by hand, its
 * clamps, the I > C_gas + ε guarantee on a worked case, reading a published gas price exactly, and
 * the section's named errors.
 */
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import {
  type DynamicIncentiveParams,
  dynamicIncentiveBps,
  gasCostUsdWad,
  parseDynamicIncentiveParams,
  readGasPrice,
} from './dynamicIncentive.js';

const params: DynamicIncentiveParams = {
  baseBps: 300n,
  sigmaSlopeBps: 200n,
  minBps: 200n,
  maxBps: 1_500n,
  epsilonUsd: 10n,
  gasUnits: 400_000n,
};
const GWEI = 1_000_000_000n;

describe('gasCostUsdWad', () => {
  test('default: 400,000 gas at 100 gwei and $2,000 per ETH cost $80', () => {
    expect(gasCostUsdWad(400_000n, { gasPriceWei: 100n * GWEI, ethPriceUsdWad: 2_000n * WAD })).toBe(
      80n * WAD,
    );
  });
  test('behavior: rounded up to the next 1e-18 USD', () => {
    // 1 gas × 1 wei × $1 = 1e-18 ETH·$ = 1e-18 USD exactly; × $0.5 → 0.5e-18 → 1 (ceil)
    expect(gasCostUsdWad(1n, { gasPriceWei: 1n, ethPriceUsdWad: WAD / 2n })).toBe(1n);
  });
});

describe('dynamicIncentiveBps', () => {
  const input = {
    params,
    sigmaAnnualWad: 800_000_000_000_000_000n, // σ = 0.8
    gasCostUsdWad: 80n * WAD,
    amountUsdWad: 10_000n * WAD,
    keeperShareBps: 9_000n,
  };
  test('default: 300 + ⌈200·0.8⌉ + ⌈($80 + $10)·1e8 / ($10,000·9,000)⌉ = 300 + 160 + 100 = 560 bps', () => {
    expect(dynamicIncentiveBps(input)).toBe(560n);
  });

  test('behavior: the keeper share of the bonus pays gas + ε when the cap does not bind', () => {
    const bonus = dynamicIncentiveBps(input);
    // $10,000 × 5.6 % × 90 % = $504 ≥ $90
    expect((10_000n * bonus * 9_000n) / 10_000n / 10_000n).toBeGreaterThanOrEqual(90n);
    // a $1,000 repay: gas part ⌈90e8/(1,000·9,000)⌉ = 1,000 bps, total 1,460
    const small = dynamicIncentiveBps({ ...input, amountUsdWad: 1_000n * WAD });
    expect(small).toBe(1_460n);
    expect(1_000n * small * 9_000n).toBeGreaterThanOrEqual(90n * 10_000n * 10_000n);
  });

  test('behavior: clamped to [min, max]; nothing to repay pays the most', () => {
    expect(dynamicIncentiveBps({ ...input, amountUsdWad: 100n * WAD })).toBe(1_500n);
    expect(dynamicIncentiveBps({ ...input, amountUsdWad: 0n })).toBe(1_500n);
    expect(
      dynamicIncentiveBps({
        ...input,
        params: { ...params, baseBps: 0n, epsilonUsd: 0n },
        sigmaAnnualWad: 0n,
        gasCostUsdWad: 0n,
      }),
    ).toBe(200n);
  });

  test('error: a keeper share outside (0, 10000]', () => {
    expect(() => dynamicIncentiveBps({ ...input, keeperShareBps: 0n })).toThrow(InvalidParameterError);
    expect(() => dynamicIncentiveBps({ ...input, keeperShareBps: 10_001n })).toThrow(InvalidParameterError);
  });
});

describe('readGasPrice', () => {
  test('default: decimals read exactly into wei and a WAD', () => {
    expect(readGasPrice({ gasPriceGwei: '23.5', ethPriceUsd: 1850.25 })).toEqual({
      gasPriceWei: 23_500_000_000n,
      ethPriceUsdWad: 1_850_250_000_000_000_000_000n,
    });
  });
  test('error: more than 9 gwei decimals, a negative or missing value', () => {
    for (const [raw, field] of [
      [{ gasPriceGwei: '1.0000000001', ethPriceUsd: '1' }, 'gasPriceGwei'],
      [{ gasPriceGwei: '-1', ethPriceUsd: '1' }, 'gasPriceGwei'],
      [{ gasPriceGwei: '1' }, 'ethPriceUsd'],
    ] as const) {
      try {
        readGasPrice(raw);
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('parseDynamicIncentiveParams', () => {
  test('default: defaults for the optional fields', () => {
    expect(parseDynamicIncentiveParams({ baseBps: 300, maxBps: 1500 }, 'd')).toEqual({
      baseBps: 300n,
      sigmaSlopeBps: 0n,
      minBps: 0n,
      maxBps: 1_500n,
      epsilonUsd: 0n,
      gasUnits: 400_000n,
    });
  });
  test('error: each bad field is named', () => {
    for (const [raw, field] of [
      [{ baseBps: 300, maxBps: 5_001 }, 'd.maxBps'],
      [{ baseBps: 300, maxBps: 1_000, minBps: 1_001 }, 'd.minBps'],
      [{ maxBps: 1_000 }, 'd.baseBps'],
      [{ baseBps: 1, maxBps: 1, gasUnits: 0 }, 'd.gasUnits'],
    ] as const) {
      try {
        parseDynamicIncentiveParams(raw, 'd');
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});
