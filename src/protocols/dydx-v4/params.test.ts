/** parseDydxParams: defaults, round trip through JSON, and refusals naming the field. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DEFAULT_DYDX_PARAMS, dydxParamsToJson, parseDydxParams } from './params.js';

const raw = (): Record<string, unknown> =>
  JSON.parse(dydxParamsToJson(DEFAULT_DYDX_PARAMS)) as Record<string, unknown>;

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  return undefined;
}

describe('parseDydxParams', () => {
  test('default: the defaults parse and survive their own JSON', () => {
    expect(parseDydxParams(DEFAULT_DYDX_PARAMS)).toEqual(DEFAULT_DYDX_PARAMS);
    expect(parseDydxParams(raw())).toEqual(DEFAULT_DYDX_PARAMS);
    expect(DEFAULT_DYDX_PARAMS.liquidations.maxLiquidationFeePpm).toBe(15_000n);
    expect(DEFAULT_DYDX_PARAMS.liquidations.spreadToMaintenanceMarginRatioPpm).toBe(1_500_000n);
  });

  test('error: liquidations config rules of LiquidationsConfig.Validate', () => {
    const bad = (patch: Record<string, unknown>) => {
      const r = raw();
      r.liquidations = { ...(r.liquidations as object), ...patch };
      return () => parseDydxParams(r);
    };
    expect(fieldOf(bad({ bankruptcyAdjustmentPpm: '999999' }))).toBe(
      'params.liquidations.bankruptcyAdjustmentPpm',
    );
    expect(fieldOf(bad({ maxLiquidationFeePpm: '0' }))).toBe('params.liquidations.maxLiquidationFeePpm');
    expect(fieldOf(bad({ maxLiquidationFeePpm: '1000001' }))).toBe(
      'params.liquidations.maxLiquidationFeePpm',
    );
    expect(fieldOf(bad({ spreadToMaintenanceMarginRatioPpm: '0' }))).toBe(
      'params.liquidations.spreadToMaintenanceMarginRatioPpm',
    );
    expect(fieldOf(bad({ maxPositionPortionLiquidatedPpm: '0' }))).toBe(
      'params.liquidations.maxPositionPortionLiquidatedPpm',
    );
    expect(fieldOf(bad({ maxNotionalLiquidated: '0' }))).toBe('params.liquidations.maxNotionalLiquidated');
    expect(fieldOf(bad({ maxQuantumsInsuranceLost: '0' }))).toBe(
      'params.liquidations.maxQuantumsInsuranceLost',
    );
    expect(fieldOf(bad({ extra: 1 }))).toBe('params.liquidations.extra');
  });

  test('error: perpetual fields, book sizes off the step, duplicate markets', () => {
    const r = raw();
    const perps = r.perpetuals as Record<string, unknown>[];
    const first = perps[0] as Record<string, unknown>;
    expect(fieldOf(() => parseDydxParams({ ...r, perpetuals: [{ ...first, atomicResolution: 3 }] }))).toBe(
      'params.perpetuals.0.atomicResolution',
    );
    expect(
      fieldOf(() =>
        parseDydxParams({
          ...r,
          perpetuals: [
            { ...first, book: { kind: 'book', levels: [{ priceOffsetPpm: '0', sizeBase: '1500000' }] } },
          ],
        }),
      ),
    ).toBe('params.perpetuals.0.book.levels.0.sizeBase');
    expect(fieldOf(() => parseDydxParams({ ...r, perpetuals: [first, first] }))).toBe(
      'params.perpetuals.1.market',
    );
    expect(fieldOf(() => parseDydxParams({ ...r, perpetuals: [] }))).toBe('params.perpetuals');
    expect(fieldOf(() => parseDydxParams({ ...r, blockSeconds: 0 }))).toBe('params.blockSeconds');
    expect(fieldOf(() => parseDydxParams('x'))).toBe('params');
  });
});
