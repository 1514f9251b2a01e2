/** Tests of the crvUSD parameter validator, the defaults and the market the factory derives. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { bandConstants } from './math.js';
import { buildMarket, crvusdParamsToJson, DEFAULT_CRVUSD_PARAMS, parseCrvusdParams } from './params.js';

const E18 = 10n ** 18n;
const raw = () => ({
  collateralAsset: 'WETH',
  stablecoin: 'crvUSD',
  A: 100,
  feeWad: '6000000000000000',
  adminFeeWad: '0',
  loanDiscountWad: '90000000000000000',
  liquidationDiscountWad: '60000000000000000',
  debtCeiling: '1000000000000000000000000',
  feeReceiver: 'dao',
  priceSource: 'spot',
});

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

describe('parseCrvusdParams', () => {
  test('default: JSON input becomes bigints; the defaults and their JSON parse to themselves', () => {
    const p = parseCrvusdParams(raw());
    expect(p).toEqual({
      collateralAsset: 'WETH',
      stablecoin: 'crvUSD',
      A: 100n,
      feeWad: 6n * 10n ** 15n,
      adminFeeWad: 0n,
      loanDiscountWad: 9n * 10n ** 16n,
      liquidationDiscountWad: 6n * 10n ** 16n,
      debtCeiling: 10n ** 6n * E18,
      feeReceiver: 'dao',
      priceSource: 'spot',
    });
    expect(parseCrvusdParams(DEFAULT_CRVUSD_PARAMS)).toEqual(DEFAULT_CRVUSD_PARAMS);
    expect(parseCrvusdParams(crvusdParamsToJson(DEFAULT_CRVUSD_PARAMS))).toEqual(DEFAULT_CRVUSD_PARAMS);
    const withBase = parseCrvusdParams({ ...raw(), basePriceWad: '2000000000000000000000' });
    expect(withBase.basePriceWad).toBe(2000n * E18);
    expect(parseCrvusdParams(crvusdParamsToJson(withBase))).toEqual(withBase);
    const { adminFeeWad: _a, feeReceiver: _f, priceSource: _p, ...minimal } = raw();
    expect(parseCrvusdParams(minimal)).toEqual({ ...p, feeReceiver: 'feeReceiver' });
  });
  test('behavior: the mainnet defaults (mechanisms.md §6)', () => {
    expect(DEFAULT_CRVUSD_PARAMS.A).toBe(100n);
    expect(DEFAULT_CRVUSD_PARAMS.feeWad).toBe(6n * 10n ** 15n); // 0.6 %
    expect(DEFAULT_CRVUSD_PARAMS.loanDiscountWad).toBe(9n * 10n ** 16n); // 9 %
    expect(DEFAULT_CRVUSD_PARAMS.liquidationDiscountWad).toBe(6n * 10n ** 16n); // 6 %
  });
  test('error: each rule of ControllerFactory.add_market names its field', () => {
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), A: 1 }))).toBe('params.A');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), A: 10_001 }))).toBe('params.A');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), feeWad: (10n ** 17n).toString() }))).toBe(
      'params.feeWad',
    );
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), adminFeeWad: E18.toString() }))).toBe(
      'params.adminFeeWad',
    );
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), liquidationDiscountWad: '9999999999999999' }))).toBe(
      'params.liquidationDiscountWad',
    );
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), loanDiscountWad: '500000000000000001' }))).toBe(
      'params.loanDiscountWad',
    );
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), loanDiscountWad: '60000000000000000' }))).toBe(
      'params.loanDiscountWad',
    );
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), stablecoin: 'WETH' }))).toBe('params.collateralAsset');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), basePriceWad: '0' }))).toBe('params.basePriceWad');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), priceSource: 'ema' }))).toBe('params.priceSource');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), debtCeiling: '-1' }))).toBe('params.debtCeiling');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), colour: 'red' }))).toBe('params.colour');
    expect(fieldOf(() => parseCrvusdParams('x'))).toBe('params');
    expect(fieldOf(() => parseCrvusdParams({ ...raw(), A: 1 }, 'markets.eth'))).toBe('markets.eth.A');
  });
});

describe('buildMarket', () => {
  test('default: band constants from A, precisions from the decimals', () => {
    const m = buildMarket(parseCrvusdParams(raw()), 2000n * E18, () => 18);
    expect(m.amm.constants).toEqual(bandConstants(100n));
    expect(m.amm.collateralPrecision).toBe(1n);
    expect(m.amm.borrowedPrecision).toBe(1n);
    expect(m.basePriceWad).toBe(2000n * E18);
    const wbtc = buildMarket({ ...parseCrvusdParams(raw()), collateralAsset: 'WBTC' }, E18, (a) =>
      a === 'WBTC' ? 8 : 18,
    );
    expect(wbtc.amm.collateralPrecision).toBe(10n ** 10n);
  });
  test('error: a stablecoin without 18 decimals, a collateral with more than 18', () => {
    const p = parseCrvusdParams(raw());
    expect(fieldOf(() => buildMarket(p, E18, (a) => (a === 'crvUSD' ? 6 : 18)))).toBe('params.stablecoin');
    expect(fieldOf(() => buildMarket(p, E18, (a) => (a === 'WETH' ? 24 : 18)))).toBe(
      'params.collateralAsset',
    );
  });
});
