/** Runs fixtures/vectors/dydx_v4.json through the dydx-v4 handlers, plus hand-derived extra cases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { dydxConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/dydx_v4.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'dydx_v4.json');
const lookup = (system: string, fn: string) =>
  system === dydxConformance.system ? dydxConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = dydxConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};

describe('dydxConformance', () => {
  test('default: every vector of dydx_v4.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'dydx_v4.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 13, passed: 13, failed: 0, unsupported: 0 });
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
    expect(runVectors([{ file: 't.json', vectors: tampered }], lookup).totals.failed).toBe(13);
  });

  test('behavior: fillable price of a deeply underwater long clamps ABR at 1', () => {
    // TNC = −100, TMMR = 500: ABR = 1·(1 + 0.2) = 1.2 → 1. Spread = 1·0.1·5e8 = 5e7:
    // (5e9 − 5e7)/1e7 = 495 exactly.
    const out = handler('GetFillablePrice')({
      PNNV: '5000000000',
      PMMR: '500000000',
      TNC: '-100000000',
      TMMR: '500000000',
      PS: '10000000',
      bankruptcyAdjustmentPpm: '1000000',
      spreadToMaintenanceMarginRatioPpm: '100000',
    });
    expect(out.fillablePrice_quoteQuantumsPerBaseQuantum).toBe('495/1');
    expect(out.adjustedBankruptcyRating).toBe('1/1');
  });

  test('behavior: healthy account (TNC ≥ TMMR) has ABR 0, fillable = oracle price', () => {
    const out = handler('GetFillablePrice')({
      PNNV: '-5000000000',
      PMMR: '500000000',
      TNC: '900000000',
      TMMR: '500000000',
      PS: '-10000000',
      bankruptcyAdjustmentPpm: '1000000',
      spreadToMaintenanceMarginRatioPpm: '100000',
      quantumConversionExponent: '-9',
      subticksPerTick: '10000',
    });
    expect(out.fillablePrice_quoteQuantumsPerBaseQuantum).toBe('500/1');
    // 500 qq/bq / 10^-9 = 5e11 subticks, already aligned.
    expect(out.fillablePriceSubticks).toBe('500000000000');
  });

  test('behavior: bankruptcy with negative TNC rounds toward +inf', () => {
    // TNC = −7, |DMMR| = 3, TMMR = 2: floor(−21/2) = −11 → 100 + 11 = 111.
    const out = handler('GetBankruptcyPriceInQuoteQuantums')({
      DNNV: '-100',
      DMMR: '-3',
      TNC: '-7',
      TMMR: '2',
      deltaQuantums: '-1',
    });
    expect(out.bankruptcyQuoteQuantums).toBe('111');
  });

  test('behavior: fee exactly at the cap and insurance validity', () => {
    const out = handler('GetLiquidationInsuranceFundDelta')({
      'deltaQuoteQuantums(fill)': '-4900000000',
      bankruptcyQuoteQuantums: '-5000000000',
      maxLiquidationFeePpm: '15000',
      insuranceFundBalance: '0',
    });
    // d = 100e6; cap = floor(4.9e9·0.015) = 73.5e6 → 73_500_000.
    expect(out).toEqual({ insuranceFundDelta: '73500000', isValidInsuranceFundDelta: true });
    const pays = handler('GetLiquidationInsuranceFundDelta')({
      'deltaQuoteQuantums(fill)': '100',
      bankruptcyQuoteQuantums: '150',
      maxLiquidationFeePpm: '15000',
      insuranceFundBalance: '49',
    });
    expect(pays).toEqual({ insuranceFundDelta: '-50', isValidInsuranceFundDelta: false });
  });

  test('behavior: a small position is liquidated whole (min bound = the notional)', () => {
    const out = handler('GetMaxAndMinPositionNotionalLiquidatable')({
      positionNotional: '-500000000',
      minPositionNotionalLiquidated: '1000000000',
      maxPositionPortionLiquidatedPpm: '100000',
    });
    expect(out).toEqual({ maxNotionalLiquidatable: '500000000', minNotionalLiquidatable: '500000000' });
  });

  test('error: a delta that does not reduce the position reverts ErrInvalidPerpetualPositionSizeDelta', () => {
    const inputs = { ...(vectors[0]?.inputs ?? {}), deltaQuantums: '10000000' };
    expect(() => handler('GetFillablePrice')(inputs)).toThrow(ProtocolRevertError);
    const revert = runVectors(
      [
        {
          file: 'x',
          vectors: [
            {
              system: 'dydx-v4',
              function: 'GetFillablePrice',
              inputs,
              expected: { revert: 'ErrInvalidPerpetualPositionSizeDelta' },
            },
          ],
        },
      ],
      lookup,
    );
    expect(revert.totals.passed).toBe(1);
  });

  test('error: TMMR = 0 panics on chain (revert), positive DMMR panics', () => {
    expect(() => handler('GetFillablePrice')({ ...(vectors[0]?.inputs ?? {}), TMMR: '0' })).toThrow(
      ProtocolRevertError,
    );
    expect(() =>
      handler('GetBankruptcyPriceInQuoteQuantums')({ ...(vectors[5]?.inputs ?? {}), DMMR: '1' }),
    ).toThrow(ProtocolRevertError);
  });

  test('error: a malformed input names inputs.<key>', () => {
    try {
      handler('GetFillablePrice')({ ...(vectors[0]?.inputs ?? {}), PNNV: 'abc' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect((e as InvalidParameterError).field).toBe('inputs.PNNV');
    }
    expect(() =>
      handler('GetLiquidationInsuranceFundDelta')({
        bankruptcyQuoteQuantums: '1',
        maxLiquidationFeePpm: '1',
      }),
    ).toThrow(InvalidParameterError);
  });
});
