/** Tests of the Liquity v1 parameter validator and its defaults. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DEFAULT_LIQUITY_PARAMS, liquityParamsToJson, parseLiquityParams } from './params.js';

/** The InvalidParameterError's field (fails the test when something else is thrown). */
function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('parseLiquityParams', () => {
  test('default: the deployed constants, and the parser reads its own JSON', () => {
    const d = DEFAULT_LIQUITY_PARAMS;
    expect([d.mcrWad, d.ccrWad, d.gasCompensation, d.minNetDebt, d.percentDivisor]).toEqual([
      11n * 10n ** 17n,
      15n * 10n ** 17n,
      200n * 10n ** 18n,
      1_800n * 10n ** 18n,
      200n,
    ]);
    expect([d.borrowingFeeFloorWad, d.maxBorrowingFeeWad, d.minuteDecayFactorWad]).toEqual([
      5n * 10n ** 15n,
      5n * 10n ** 16n,
      999_037_758_833_783_000n,
    ]);
    expect(parseLiquityParams(DEFAULT_LIQUITY_PARAMS)).toEqual(DEFAULT_LIQUITY_PARAMS);
    const json = JSON.parse(JSON.stringify(liquityParamsToJson(DEFAULT_LIQUITY_PARAMS)));
    expect(parseLiquityParams(json)).toEqual(DEFAULT_LIQUITY_PARAMS);
    expect(parseLiquityParams({})).toEqual(DEFAULT_LIQUITY_PARAMS);
  });

  test('behavior: overrides as decimal strings or numbers', () => {
    const p = parseLiquityParams({
      mcrWad: '1200000000000000000',
      percentDivisor: 100,
      collateralAsset: 'WETH',
    });
    expect(p.mcrWad).toBe(12n * 10n ** 17n);
    expect(p.percentDivisor).toBe(100n);
    expect(p.collateralAsset).toBe('WETH');
  });

  test('error: each refusal names its field', () => {
    expect(fieldOf(() => parseLiquityParams({ mcr: 1 }))).toBe('params.mcr');
    expect(fieldOf(() => parseLiquityParams({ mcrWad: '1000000000000000000' }))).toBe('params.mcrWad');
    expect(fieldOf(() => parseLiquityParams({ ccrWad: '1000000000000000001' }))).toBe('params.ccrWad');
    expect(fieldOf(() => parseLiquityParams({ percentDivisor: 0 }))).toBe('params.percentDivisor');
    expect(fieldOf(() => parseLiquityParams({ borrowingFeeFloorWad: '60000000000000000' }))).toBe(
      'params.borrowingFeeFloorWad',
    );
    expect(fieldOf(() => parseLiquityParams({ initialBaseRateWad: '2000000000000000000' }))).toBe(
      'params.initialBaseRateWad',
    );
    expect(fieldOf(() => parseLiquityParams({ debtAsset: 'ETH' }))).toBe('params.debtAsset');
    expect(fieldOf(() => parseLiquityParams({ minNetDebt: 'lots' }))).toBe('params.minNetDebt');
    expect(fieldOf(() => parseLiquityParams([], 'cfg'))).toBe('cfg');
  });
});
