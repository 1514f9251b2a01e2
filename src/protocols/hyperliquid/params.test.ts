/** hyperliquid parameters: defaults, JSON round trip, tiers, field-naming errors. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import {
  DEFAULT_HYPERLIQUID_PARAMS,
  hyperliquidParamsToJson,
  marginTiersOf,
  parseHyperliquidParams,
} from './params.js';

function fieldOf(raw: unknown): string {
  try {
    parseHyperliquidParams(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('accepted');
}
const json = () =>
  hyperliquidParamsToJson(DEFAULT_HYPERLIQUID_PARAMS) as { markets: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;

describe('parseHyperliquidParams', () => {
  test('default: the defaults parse and survive their own JSON', () => {
    expect(parseHyperliquidParams(DEFAULT_HYPERLIQUID_PARAMS)).toEqual(DEFAULT_HYPERLIQUID_PARAMS);
    expect(parseHyperliquidParams(json())).toEqual(DEFAULT_HYPERLIQUID_PARAMS);
  });
  test('behavior: one tier from max leverage, or a schedule', () => {
    // 40x: IM 2.5 %, MM 1.25 %; 3x: IM ceil(33.33 %), MM ceil(16.67 %).
    expect(marginTiersOf(DEFAULT_HYPERLIQUID_PARAMS.markets[0]!)).toEqual([
      { upToNotionalQuote: null, initialMarginPpm: 25_000n, maintenanceMarginPpm: 12_500n },
    ]);
    expect(marginTiersOf({ ...DEFAULT_HYPERLIQUID_PARAMS.markets[0]!, maxLeverage: 3n })).toEqual([
      { upToNotionalQuote: null, initialMarginPpm: 333_334n, maintenanceMarginPpm: 166_667n },
    ]);
    const j = json();
    j.markets[0]!.marginTiers = [
      { upToNotionalQuote: '150000000000', initialMarginPpm: '25000', maintenanceMarginPpm: '12500' },
      {
        upToNotionalQuote: null,
        initialMarginPpm: '50000',
        maintenanceMarginPpm: '25000',
        maintenanceDeductionQuote: '1875000000',
      },
    ];
    expect(parseHyperliquidParams(j).markets[0]?.marginTiers?.[1]).toEqual({
      upToNotionalQuote: null,
      initialMarginPpm: 50_000n,
      maintenanceMarginPpm: 25_000n,
      maintenanceDeductionQuote: 1_875_000_000n,
    });
  });
  test('error: each bad field is named', () => {
    expect(fieldOf('x')).toBe('params');
    expect(fieldOf({ ...json(), markets: [] })).toBe('params.markets');
    expect(fieldOf({ ...json(), backstopAccount: 'book' })).toBe('params.backstopAccount');
    const a = json();
    a.markets[0]!.maxLeverage = '0';
    expect(fieldOf(a)).toBe('params.markets.0.maxLeverage');
    const b = json();
    b.markets[0]!.venue = { kind: 'pool' };
    expect(fieldOf(b)).toBe('params.markets.0.venue.kind');
    const c = json();
    c.markets[0]!.marginTiers = [
      { upToNotionalQuote: '1', initialMarginPpm: '25000', maintenanceMarginPpm: '12500' },
    ];
    expect(fieldOf(c)).toBe('params.markets.0.marginTiers.0.upToNotionalQuote');
    expect(fieldOf({ ...json(), partialLiquidationThresholdQuote: '-1' })).toBe(
      'params.partialLiquidationThresholdQuote',
    );
  });
});
