/** Runs the hyperliquid vectors of fixtures/vectors/perps_misc.json through the handlers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { hyperliquidConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/perps_misc.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'perps_misc.json').filter(
  (v) => v.system === hyperliquidConformance.system,
);
const lookup = (system: string, fn: string) =>
  system === hyperliquidConformance.system ? hyperliquidConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = hyperliquidConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};

describe('hyperliquidConformance', () => {
  test('default: every hyperliquid vector passes, every expected field compared', () => {
    const report = runVectors([{ file: 'perps_misc.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 3, passed: 3, failed: 0, unsupported: 0 });
    for (const v of vectors) {
      const out = handler(v.function)(v.inputs);
      for (const [key, value] of Object.entries(v.expected))
        expect(out[key], `${v.function} ${key}`).toEqual(value);
    }
  });

  test('behavior: a changed expected value fails (the comparison is not vacuous)', () => {
    const tampered = vectors.map((v) => ({
      ...v,
      expected: Object.fromEntries(
        Object.entries(v.expected).map(([k, x]) => [
          k,
          typeof x === 'boolean' ? !x : typeof x === 'number' ? x + 1 : `${String(x)}1`,
        ]),
      ),
    }));
    expect(runVectors([{ file: 't.json', vectors: tampered }], lookup).totals.failed).toBe(3);
  });

  test('behavior: hand-derived cases (rate from max leverage, cross, decimals, thresholds)', () => {
    // 20x → l = 1/40; long 2 @ 50,000, isolated 10,000: MM = 2·50,000/40 = 2,500, available 7,500,
    // liq = 50,000 − 7,500/2/(1 − 1/40) = 50,000 − 3,750·40/39 = 1,800,000/39 = 600,000/13.
    expect(
      handler('liquidation price (isolated)')({
        mark_price: '50000',
        side: '1',
        position_size: '2',
        isolated_margin: '10000',
        max_leverage: '20',
      }),
    ).toMatchObject({ margin_available: '7500/1', liq_price: '600000/13', liq_price_float: 600000 / 13 });
    // cross short 0.5 @ 3,000, account value 400, l = 0.02 → MM 30, available 370,
    // liq = 3,000 + 370/0.5/1.02 = 3,000 + 740/1.02 = 3,000 + 37,000/51 = 190,000/51.
    expect(
      handler('liquidation price (cross)')({
        mark_price: '3000',
        side: '-1',
        position_size: '0.5',
        account_value: '400',
        maintenance_margin_rate: '0.02',
      }),
    ).toMatchObject({ margin_available: '370/1', liq_price: '190000/51' });
    const trig = handler('backstop trigger');
    // exactly ⅔: 2,000 vs 3,000 → book yes, backstop no (strict).
    expect(trig({ account_equity: '2000', maintenance_margin: '3000' })).toEqual({
      orderbook_liquidation: true,
      backstop_liquidation: false,
    });
    expect(trig({ account_equity: '3000', maintenance_margin: '3000' })).toEqual({
      orderbook_liquidation: false,
      backstop_liquidation: false,
    });
    expect(
      trig({ account_equity: '-1', maintenance_margin: '3000', book_liquidation_failed: false }),
    ).toEqual({
      orderbook_liquidation: true,
      backstop_liquidation: false,
    });
  });

  test('error: malformed inputs name the field', () => {
    const iso = handler('liquidation price (isolated)');
    const base = vectors[0]?.inputs ?? {};
    for (const [key, bad] of [
      ['mark_price', 'x'],
      ['side', '2'],
      ['maintenance_margin_rate', '1/0'],
    ] as const) {
      try {
        iso({ ...base, [key]: bad });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidParameterError);
        expect((error as InvalidParameterError).field).toBe(`inputs.${key}`);
      }
    }
    expect(() => iso({ ...base, position_size: '0' })).toThrow(InvalidParameterError);
  });
});
