/** Runs fixtures/vectors/drift_v2.json through the drift-v2 handlers and compares every expected field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { driftConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/drift_v2.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'drift_v2.json').filter(
  (v) => v.system === driftConformance.system,
);
const lookup = (system: string, fn: string) =>
  system === driftConformance.system ? driftConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = driftConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};

describe('driftConformance', () => {
  test('default: every vector of drift_v2.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'drift_v2.json', vectors }], lookup);
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

  test('behavior: hand-derived extra cases', () => {
    // 2 % IF fee, 1 % liquidator fee, 10 % margin: divisor = 100·(0.1 − 0.01) − 100·0.02 = 7 → $14/7 = 2 base.
    expect(
      handler('calculate_base_asset_amount_to_cover_margin_shortage')({
        margin_shortage_1e6: '14000000',
        margin_ratio_1e4: '1000',
        liquidation_fee_1e6: '10000',
        if_liquidation_fee_1e6: '20000',
        oracle_price_1e6: '100000000',
        quote_oracle_price_1e6: '1000000',
      }),
    ).toEqual({ base_asset_amount_1e9: '2000000000' });
    // margin ratio 1 % ≤ liquidator fee 1 %: unbounded (u64::MAX).
    expect(
      handler('calculate_base_asset_amount_to_cover_margin_shortage')({
        margin_shortage_1e6: '1',
        margin_ratio_1e4: '100',
        liquidation_fee_1e6: '10000',
        if_liquidation_fee_1e6: '0',
        oracle_price_1e6: '1',
        quote_oracle_price_1e6: '1000000',
      }),
    ).toEqual({ base_asset_amount_1e9: '18446744073709551615' });
    // slot 1,499 after activity: still the base fee; slot 1,500: base + 1,500.
    const fee = handler('get_liquidation_fee');
    const at = (s: string) =>
      fee({ base_fee_1e6: '10000', max_fee_1e6: '50000', last_active_slot: '100', current_slot: s });
    expect(at('1599')).toEqual({ liquidation_fee_1e6: '10000' });
    expect(at('1600')).toEqual({ liquidation_fee_1e6: '11500' });
    // $1,000 shortage, $500 already freed, 10 % + 75/150 = 60 % of $1,500 = $900 → $400 more = 40 %.
    expect(
      handler('calculate_max_pct_to_liquidate')({
        margin_shortage_1e6: '1000000000',
        slot: '175',
        last_active_slot: '100',
        initial_pct_to_liquidate: '1000',
        liquidation_duration: '150',
        liquidation_margin_freed: '500000000',
      }),
    ).toEqual({ pct_1e4: '4000' });
    // Drift's own test: loss $100 over 7 long + 4 short base → ceil(1e17/11e9) · 1e3.
    expect(
      handler('calculate_funding_rate_deltas_to_resolve_bankruptcy')({
        loss_1e6: '-100000000',
        base_asset_amount_long_1e9: '7000000000',
        base_asset_amount_short_1e9: '-4000000000',
      }),
    ).toEqual({ cumulative_funding_rate_delta: '9090910000' });
  });

  test('error: malformed inputs name the field; impossible states revert', () => {
    const cover = handler('calculate_base_asset_amount_to_cover_margin_shortage');
    const inputs = { ...(vectors[0]?.inputs ?? {}), oracle_price_1e6: 'abc' };
    expect(() => cover(inputs)).toThrow(InvalidParameterError);
    try {
      cover(inputs);
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('inputs.oracle_price_1e6');
    }
    expect(() =>
      handler('get_liquidation_fee')({
        base_fee_1e6: '1',
        max_fee_1e6: '2',
        last_active_slot: '5',
        current_slot: '4',
      }),
    ).toThrow(ProtocolRevertError);
    expect(() =>
      handler('calculate_funding_rate_deltas_to_resolve_bankruptcy')({
        loss_1e6: '-1',
        base_asset_amount_long_1e9: '0',
        base_asset_amount_short_1e9: '0',
      }),
    ).toThrow(ProtocolRevertError);
  });
});
