/** parseSynthetixParams: defaults, JSON round trip, refusals naming the field. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DEFAULT_SYNTHETIX_PARAMS, parseSynthetixParams, synthetixParamsToJson } from './params.js';

const raw = (): Record<string, unknown> =>
  JSON.parse(synthetixParamsToJson(DEFAULT_SYNTHETIX_PARAMS)) as Record<string, unknown>;
function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  return undefined;
}

describe('parseSynthetixParams', () => {
  test('default: the defaults parse and survive their own JSON', () => {
    expect(parseSynthetixParams(DEFAULT_SYNTHETIX_PARAMS)).toEqual(DEFAULT_SYNTHETIX_PARAMS);
    expect(parseSynthetixParams(raw())).toEqual(DEFAULT_SYNTHETIX_PARAMS);
  });
  test('error: unknown keys, bad fees, duplicate markets, bad endorsed liquidator, missing sections', () => {
    const r = raw();
    const markets = r.markets as Record<string, unknown>[];
    const eth = markets[1] as Record<string, unknown>;
    expect(fieldOf(() => parseSynthetixParams({ ...r, extra: 1 }))).toBe('params.extra');
    expect(fieldOf(() => parseSynthetixParams({ ...r, markets: [{ ...eth, takerFeeD18: '-1' }] }))).toBe(
      'params.markets.0.takerFeeD18',
    );
    expect(fieldOf(() => parseSynthetixParams({ ...r, markets: [{ ...eth, priceDecimals: 19 }] }))).toBe(
      'params.markets.0.priceDecimals',
    );
    expect(fieldOf(() => parseSynthetixParams({ ...r, markets: [eth, eth] }))).toBe(
      'params.markets.1.market',
    );
    expect(fieldOf(() => parseSynthetixParams({ ...r, markets: [{ ...eth, endorsedLiquidator: 5 }] }))).toBe(
      'params.markets.0.endorsedLiquidator',
    );
    expect(
      fieldOf(() =>
        parseSynthetixParams({ ...r, global: { ...(r.global as object), maxKeeperRewardUsd: 'x' } }),
      ),
    ).toBe('params.global.maxKeeperRewardUsd');
    expect(fieldOf(() => parseSynthetixParams({ ...r, keeperCosts: undefined }))).toBe('params.keeperCosts');
    expect(fieldOf(() => parseSynthetixParams({ ...r, markets: [] }))).toBe('params.markets');
  });
  test('behavior: an endorsed liquidator and a zero skew scale are accepted', () => {
    const r = raw();
    const eth = (r.markets as Record<string, unknown>[])[1] as Record<string, unknown>;
    const p = parseSynthetixParams({
      ...r,
      markets: [{ ...eth, endorsedLiquidator: 'eve', skewScale: '0' }],
    });
    expect(p.markets[0]).toMatchObject({ endorsedLiquidator: 'eve', skewScale: 0n });
  });
});
