/** Runs fixtures/vectors/crvusd.json through the crvusd-llamma handlers and compares every expected field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { crvusdConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/crvusd.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'crvusd.json');
const lookup = (system: string, fn: string) =>
  system === crvusdConformance.system ? crvusdConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = crvusdConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};
const E18 = 10n ** 18n;

describe('crvusdConformance', () => {
  test('default: every vector of crvusd.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'crvusd.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 7, passed: 7, failed: 0, unsupported: 0 });
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
    expect(runVectors([{ file: 'tampered.json', vectors: tampered }], lookup).totals.failed).toBe(7);
  });

  test('behavior: other inputs of the same vocabulary (hand-derived)', () => {
    // f_remove(0.25, 0.1) = ((1.05·0.75/1.1) + 0.25)·0.25: 1.05e18·0.75e18/1.1e18 = 715909090909090909.09
    // → floor, + 0.25e18 = 965909090909090909, ·0.25 = 241477272727272727.25 → floor.
    expect(
      handler('Controller._get_f_remove(frac, health_limit)')({
        frac: '250000000000000000',
        health_limit: '100000000000000000',
      }),
    ).toEqual({
      f_remove: '241477272727272727',
    });
    // 2000·0.9/1500 − 1 = 0.2 exactly.
    expect(
      handler('Controller._health(full=False)')({
        x_down: (2000n * E18).toString(),
        debt: (1500n * E18).toString(),
        liquidation_discount: '100000000000000000',
      }),
    ).toEqual({ health: '200000000000000000' });
    // full=True: 0.2 + (2100 − 2000)·1/1500 = 0.2 + 0.0666… → 266666666666666666.
    expect(
      handler('Controller._health(full=True)')({
        x_down: (2000n * E18).toString(),
        debt: (1500n * E18).toString(),
        liquidation_discount: '100000000000000000',
        p_oracle: (2100n * E18).toString(),
        p_up: (2000n * E18).toString(),
        collateral: E18.toString(),
      }),
    ).toEqual({ health: '266666666666666666' });
    // p_oracle_up(0) is the base price; p_oracle_down(0) = p_oracle_up(1) ≈ base·0.99.
    const edges = handler('AMM.p_oracle_up(n)')({ A: '100', base_price: (2000n * E18).toString(), n: '0' });
    expect(edges.p_oracle_up).toBe((2000n * E18).toString());
    expect(BigInt(String(edges.p_oracle_down)) / E18).toBe(1980n);
    const y = handler('Controller.get_y_effective(collateral, N, discount)')({
      A: '100',
      collateral: (10n * E18).toString(),
      N: '10',
      discount: '90000000000000000',
    });
    expect(BigInt(String(y.y_effective)) / 10n ** 12n).toBe(8_657_615n);
  });

  test('error: a malformed input names the field', () => {
    const run = (fn: string, inputs: Record<string, string>) => {
      try {
        handler(fn)(inputs);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidParameterError);
        return (error as InvalidParameterError).field;
      }
      throw new Error('no error');
    };
    expect(run('Controller._get_f_remove(frac, health_limit)', { frac: 'abc', health_limit: '0' })).toBe(
      'inputs.frac',
    );
    expect(run('Controller._get_f_remove(frac, health_limit)', { frac: '1' })).toBe('inputs.health_limit');
    expect(run('Controller._health(full=False)', { x_down: '1', debt: '0', liquidation_discount: '0' })).toBe(
      'inputs.debt',
    );
    expect(
      run('Controller._health(full=False)', { x_down: '-5', debt: '1', liquidation_discount: '0' }),
    ).toBe('inputs.x_down');
    expect(run('AMM.p_oracle_up(n)', { A: '1', base_price: '1', n: '0' })).toBe('inputs.A');
  });
});
