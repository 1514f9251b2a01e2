/** parseGmxParams: defaults round-trip through JSON, per-side values, and errors naming the field. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DEFAULT_GMX_MARKET, DEFAULT_GMX_PARAMS, gmxParamsToJson, parseGmxParams } from './params.js';

const F = 10n ** 30n;

function fieldOf(raw: unknown): string {
  try {
    parseGmxParams(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('not refused');
}

describe('parseGmxParams', () => {
  test('default: the defaults parse and survive their own JSON', () => {
    expect(parseGmxParams(DEFAULT_GMX_PARAMS)).toEqual(DEFAULT_GMX_PARAMS);
    expect(parseGmxParams(JSON.parse(JSON.stringify(gmxParamsToJson(DEFAULT_GMX_PARAMS))))).toEqual(
      DEFAULT_GMX_PARAMS,
    );
    // documented values: 0.05 % / 0.07 % position fee, 0.5 % floors, 0.2 % liquidation fee
    expect(DEFAULT_GMX_MARKET.positionFeeFactorForPositiveImpact).toBe((5n * F) / 10_000n);
    expect(DEFAULT_GMX_MARKET.positionFeeFactorForNegativeImpact).toBe((7n * F) / 10_000n);
    expect(DEFAULT_GMX_MARKET.minCollateralFactor).toBe((5n * F) / 1000n);
    expect(DEFAULT_GMX_MARKET.liquidationFeeFactor).toBe((2n * F) / 1000n);
    expect(DEFAULT_GMX_PARAMS.liquidationFeeReceiverFactor).toBe((37n * F) / 100n);
  });

  test('behavior: markets keyed by id and one value for both sides', () => {
    const json = gmxParamsToJson(DEFAULT_GMX_PARAMS) as { markets: Record<string, unknown>[] };
    const { market: _id, ...entry } = json.markets[0] ?? {};
    const parsed = parseGmxParams({ ...json, markets: { 'ETH-USD': { ...entry, reserveFactor: '7' } } });
    expect(parsed.markets[0]?.market).toBe('ETH-USD');
    expect(parsed.markets[0]?.reserveFactor).toEqual({ long: 7n, short: 7n });
    expect(parsed.markets[0]?.maxPnlFactorForAdl).toEqual(DEFAULT_GMX_MARKET.maxPnlFactorForAdl);
  });

  test('error: each refusal names the dotted field', () => {
    const market = (patch: Record<string, unknown>) => ({
      ...DEFAULT_GMX_PARAMS,
      markets: [{ ...DEFAULT_GMX_MARKET, ...patch }],
    });
    expect(fieldOf({ ...DEFAULT_GMX_PARAMS, bogus: 1 })).toBe('params.bogus');
    expect(fieldOf(market({ liquidationFeeFactor: (F + 1n).toString() }))).toBe(
      'params.markets.0.liquidationFeeFactor',
    );
    expect(fieldOf(market({ positionImpactExponentFactor: ((3n * F) / 2n).toString() }))).toBe(
      'params.markets.0.positionImpactExponentFactor',
    );
    expect(fieldOf(market({ market: 'a:b' }))).toBe('params.markets.0.market');
    expect(fieldOf(market({ maxPnlFactorForAdl: { long: '1', short: '1' } }))).toBe(
      'params.markets.0.minPnlFactorAfterAdl.long',
    );
    expect(fieldOf(market({ reserveFactor: { long: '1' } }))).toBe('params.markets.0.reserveFactor.short');
    expect(fieldOf({ ...DEFAULT_GMX_PARAMS, liquidationKeepers: [''] })).toBe('params.liquidationKeepers.0');
    expect(fieldOf({ ...DEFAULT_GMX_PARAMS, markets: [] })).toBe('params.markets');
    expect(fieldOf({ ...DEFAULT_GMX_PARAMS, markets: [DEFAULT_GMX_MARKET, DEFAULT_GMX_MARKET] })).toBe(
      'params.markets.1.market',
    );
  });
});
