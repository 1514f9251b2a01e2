/** Runs fixtures/vectors/euler_v2.json through the euler-v2 handlers and compares every expected field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { eulerConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/euler_v2.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'euler_v2.json');
const lookup = (system: string, fn: string) =>
  system === eulerConformance.system ? eulerConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = eulerConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};

describe('eulerConformance', () => {
  test('default: every vector of euler_v2.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'euler_v2.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 5, passed: 5, failed: 0, unsupported: 0 });
    for (const v of vectors) {
      const out = handler(v.function)(v.inputs);
      for (const [key, value] of Object.entries(v.expected))
        expect(out[key], `${v.function} ${key}`).toEqual(value);
    }
  });

  test('behavior: a changed expected value fails (the comparison is not vacuous)', () => {
    const tampered = vectors.map((v) => ({
      ...v,
      expected: Object.fromEntries(Object.entries(v.expected).map(([k, x]) => [k, `${String(x)}1`])),
    }));
    const report = runVectors([{ file: 'tampered.json', vectors: tampered }], lookup);
    expect(report.totals.failed).toBe(5);
  });

  test('behavior: other inputs of the same vocabulary (hand-derived)', () => {
    const max = handler('calculateMaxLiquidation');
    // Healthy: adjusted 9 > liability 8 → nothing to liquidate.
    expect(
      max({
        collateralBalance: '10',
        collateralValue: '10',
        collateralAdjustedValue: '9',
        liability: '8',
        liabilityValue: '8',
        maxLiquidationDiscount_bps: '2000',
      }),
    ).toMatchObject({ liquidatable: false, repay: '0', yield: '0', socializedDebt: '0' });
    // At equality Euler liquidates: health 1 → discount factor 1e18, yield value = repay value.
    // liability 100 units worth 50 (price 0.5), collateral 200 units worth 80, adjusted 50.
    // maxYieldValue = 50·1e18/1e18 = 50 < 80 → repay = 50·100/50 = 100, yield = 50·200/80 = 125.
    expect(
      max({
        collateralBalance: '200',
        collateralValue: '80',
        collateralAdjustedValue: '50',
        liability: '100',
        liabilityValue: '50',
        maxLiquidationDiscount_bps: '1500',
      }),
    ).toMatchObject({
      liquidatable: true,
      discountFactor: '1000000000000000000',
      repay: '100',
      yield: '125',
    });
    // Worthless collateral: claimed for no repay; everything is socialized (liabilityValue 5e6 ≥ 1e6).
    expect(
      max({
        collateralBalance: '7',
        collateralValue: '0',
        collateralAdjustedValue: '0',
        liability: '5000000',
        liabilityValue: '5000000',
        maxLiquidationDiscount_bps: '1500',
      }),
    ).toMatchObject({ repay: '0', yield: '7', socializedDebt: '5000000' });
    // Below MIN_SOCIALIZATION_LIABILITY_VALUE (999,999 < 1e6) nothing is socialized.
    expect(
      max({
        collateralBalance: '7',
        collateralValue: '0',
        collateralAdjustedValue: '0',
        liability: '999999',
        liabilityValue: '999999',
        maxLiquidationDiscount_bps: '1500',
      }),
    ).toMatchObject({ socializedDebt: '0' });
    // Same as the first fixture vector but with socialization disabled, or another collateral left.
    const base = vectors[0]?.inputs ?? {};
    expect(max({ ...base, dontSocializeDebt: true })).toMatchObject({ socializedDebt: '0' });
    expect(max({ ...base, otherCollateralLeft: true })).toMatchObject({ socializedDebt: '0' });
  });

  test('behavior: the ramp ends at the target and never ramps a raise', () => {
    const ltv = handler('LTVConfig.getLTV(liquidation=true) during ramp');
    const ramp = {
      initialLiquidationLTV_bps: '8500',
      targetLiquidationLTV_bps: '7500',
      rampDuration_s: '86400',
    };
    expect(ltv({ ...ramp, timeRemaining_s: '86400' })).toEqual({ currentLiquidationLTV_bps: '8500' });
    expect(ltv({ ...ramp, timeRemaining_s: '0' })).toEqual({ currentLiquidationLTV_bps: '7500' });
    // 1000·1/86400 floors to 0.
    expect(ltv({ ...ramp, timeRemaining_s: '1' })).toEqual({ currentLiquidationLTV_bps: '7500' });
    // 1000·87/86400 = 1.007 → 7501.
    expect(ltv({ ...ramp, timeRemaining_s: '87' })).toEqual({ currentLiquidationLTV_bps: '7501' });
    expect(ltv({ ...ramp, targetLiquidationLTV_bps: '9000', timeRemaining_s: '100' })).toEqual({
      currentLiquidationLTV_bps: '9000',
    });
  });

  test('error: a desired repay above the maximum reverts E_ExcessiveRepayAmount', () => {
    const calc = handler('calculateLiquidation (desiredRepay < maxRepay)');
    expect(() => calc({ maxRepay: '10', maxYield: '12', desiredRepay: '11' })).toThrow(ProtocolRevertError);
    try {
      calc({ maxRepay: '10', maxYield: '12', desiredRepay: '11' });
    } catch (error) {
      expect((error as ProtocolRevertError).reason).toBe('E_ExcessiveRepayAmount');
      expect((error as ProtocolRevertError).computed).toEqual({ maxRepay: '10', maxYield: '12' });
    }
    expect(calc({ maxRepay: '10', maxYield: '12', desiredRepay: 'max' })).toEqual({
      repay: '10',
      yield: '12',
    });
    // Zero maximum (worthless collateral): a zero desired repay keeps the whole yield.
    expect(calc({ maxRepay: '0', maxYield: '12', desiredRepay: '0' })).toEqual({ repay: '0', yield: '12' });
  });

  test('error: a malformed input names the field', () => {
    const max = handler('calculateMaxLiquidation');
    const inputs = { ...(vectors[1]?.inputs ?? {}), liabilityValue: 'abc' };
    expect(() => max(inputs)).toThrow(InvalidParameterError);
    try {
      max(inputs);
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('inputs.liabilityValue');
    }
    const ltv = handler('LTVConfig.getLTV(liquidation=true) during ramp');
    expect(() =>
      ltv({
        initialLiquidationLTV_bps: '8500',
        targetLiquidationLTV_bps: '7500',
        rampDuration_s: '10',
        timeRemaining_s: '11',
      }),
    ).toThrow(InvalidParameterError);
  });
});
