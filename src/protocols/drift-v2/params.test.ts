/** drift-v2 parameters: defaults, JSON round trip, field-naming errors. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import {
  coreMarketConfig,
  DEFAULT_DRIFT_PARAMS,
  driftParamsToJson,
  maxLiquidationFeePpm,
  parseDriftParams,
} from './params.js';

function fieldOf(raw: unknown): string {
  try {
    parseDriftParams(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('accepted');
}

describe('parseDriftParams', () => {
  test('default: the defaults parse and survive their own JSON', () => {
    expect(parseDriftParams(DEFAULT_DRIFT_PARAMS)).toEqual(DEFAULT_DRIFT_PARAMS);
    expect(parseDriftParams(driftParamsToJson(DEFAULT_DRIFT_PARAMS))).toEqual(DEFAULT_DRIFT_PARAMS);
    expect(DEFAULT_DRIFT_PARAMS.markets[0]?.maxLiquidatorFeePpm).toBe(30_000n); // min(3 · 1 %, 5 %)
  });
  test('behavior: the max fee defaults to min(fee · 3, maintenance · 100); core config', () => {
    expect(maxLiquidationFeePpm(20_000n, 500n)).toBe(50_000n);
    expect(maxLiquidationFeePpm(10_000n, 500n)).toBe(30_000n);
    const json = driftParamsToJson(DEFAULT_DRIFT_PARAMS) as { markets: Record<string, unknown>[] };
    delete json.markets[0]?.maxLiquidatorFeePpm;
    expect(parseDriftParams(json).markets[0]?.maxLiquidatorFeePpm).toBe(30_000n);
    const core = coreMarketConfig(DEFAULT_DRIFT_PARAMS, DEFAULT_DRIFT_PARAMS.markets[0]!);
    expect(core).toMatchObject({ baseDecimals: 9, priceDecimals: 6, quoteDecimals: 6, makerAccount: 'amm' });
    expect(core.marginTiers).toEqual([
      { upToNotionalQuote: null, initialMarginPpm: 100_000n, maintenanceMarginPpm: 50_000n },
    ]);
  });
  test('error: each bad field is named', () => {
    const json = () =>
      driftParamsToJson(DEFAULT_DRIFT_PARAMS) as { markets: Record<string, unknown>[] } & Record<
        string,
        unknown
      >;
    expect(fieldOf(null)).toBe('params');
    expect(fieldOf({ ...json(), markets: [] })).toBe('params.markets');
    const a = json();
    a.markets[0]!.marginRatioMaintenance = '2000';
    expect(fieldOf(a)).toBe('params.markets.0.marginRatioMaintenance');
    const b = json();
    b.markets[0]!.orderStepSize = '0';
    expect(fieldOf(b)).toBe('params.markets.0.orderStepSize');
    const c = json();
    c.markets[0]!.venue = { kind: 'book', levels: [] };
    expect(fieldOf(c)).toBe('params.markets.0.venue.levels');
    const d = json();
    d.markets.push({ ...d.markets[0]! });
    expect(fieldOf(d)).toBe('params.markets.1.market');
    expect(fieldOf({ ...json(), initialPctToLiquidate: '10001' })).toBe('params.initialPctToLiquidate');
    expect(fieldOf({ ...json(), makerAccount: '' })).toBe('params.makerAccount');
  });
});
