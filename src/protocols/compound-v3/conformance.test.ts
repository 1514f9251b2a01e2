/** Runs fixtures/vectors/compound_v3.json through the compound-v3 handlers and compares every expected field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { compoundConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/compound_v3.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'compound_v3.json');
const lookup = (system: string, fn: string) =>
  system === compoundConformance.system ? compoundConformance.handlers[fn] : undefined;

describe('compoundConformance', () => {
  test('default: every vector of compound_v3.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'compound_v3.json', vectors }], lookup);
    const failures = report.results.filter((r) => r.status !== 'passed');
    expect(failures).toEqual([]);
    expect(report.totals).toEqual({ vectors: 12, passed: 12, failed: 0, unsupported: 0 });
    // runVectors compares each expected key; check the keys really are produced by the handlers.
    for (const v of vectors) {
      const out = compoundConformance.handlers[v.function]?.(v.inputs) ?? {};
      for (const [key, value] of Object.entries(v.expected))
        expect(out[key], `${v.function} ${key}`).toEqual(value);
    }
  });

  test('behavior: a changed expected value fails (the comparison is not vacuous)', () => {
    const tampered = vectors.map((v) => ({
      ...v,
      expected: Object.fromEntries(
        Object.entries(v.expected).map(([k, x]) => [k, typeof x === 'boolean' ? !x : `${String(x)}1`]),
      ),
    }));
    const report = runVectors([{ file: 'tampered.json', vectors: tampered }], lookup);
    expect(report.totals.failed).toBe(12);
  });

  test('behavior: factor packing reverts as Comet does when both collateral factors are given', () => {
    const pack = compoundConformance.handlers['getPackedAssetInternal factor truncation'];
    expect(
      pack?.({
        borrowCollateralFactor_config: '825000000000000000',
        liquidateCollateralFactor_config: '895000000000000000',
      }),
    ).toMatchObject({
      stored_uint16: '8950',
      borrowCollateralFactor_stored_uint16: '8250',
    });
    // 0.80001 and 0.80009 both keep 8000: Comet's "be nice" re-check refuses them.
    expect(() =>
      pack?.({
        borrowCollateralFactor_config: '800010000000000000',
        liquidateCollateralFactor_config: '800090000000000000',
      }),
    ).toThrow(ProtocolRevertError);
  });

  test('behavior: principal inputs are converted with the given indexes', () => {
    const isLiq = compoundConformance.handlers.isLiquidatable;
    // principal −100 at borrow index 1.1e15 is a debt of floor(110) = 110 base units; 100 units of
    // collateral at price 1, scale 1, factor 1 is worth 100 < 110 → liquidatable.
    const out = isLiq?.({
      principal: '-100',
      baseBorrowIndex: '1100000000000000',
      basePrice_1e8: '1',
      baseScale: '1',
      collateral: [['100', '1', '1', '1000000000000000000']],
    });
    expect(out).toMatchObject({ liquidatable: true, liquidity_usd8: '-10' });
  });

  test('error: a malformed input names the field', () => {
    const quote = compoundConformance.handlers.quoteCollateral;
    const inputs = { ...(vectors[0]?.inputs ?? {}), assetPrice_1e8: 'abc' };
    expect(() => quote?.(inputs)).toThrow(InvalidParameterError);
    try {
      quote?.(inputs);
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('assetPrice_1e8');
    }
  });
});
