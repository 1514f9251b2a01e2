/** Runs fixtures/vectors/synthetix_perps_v3.json through the synthetix-perps-v3 handlers, plus hand-derived cases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { synthetixConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/synthetix_perps_v3.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'synthetix_perps_v3.json');
const lookup = (system: string, fn: string) =>
  system === synthetixConformance.system ? synthetixConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = synthetixConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};
const E18 = 10n ** 18n;

describe('synthetixConformance', () => {
  test('default: every vector of synthetix_perps_v3.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'synthetix_perps_v3.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 5, passed: 5, failed: 0, unsupported: 0 });
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
    expect(runVectors([{ file: 't.json', vectors: tampered }], lookup).totals.failed).toBe(5);
  });

  test('behavior: keeper reward capped by the margin share', () => {
    // rewards 100 + cost 2 = 102 > maxCap = min(300·0.1, 1000) = 30.
    const out = handler('GlobalPerpsMarketConfiguration.keeperReward')({
      rewards: (100n * E18).toString(),
      cost: (2n * E18).toString(),
      avail_margin: (300n * E18).toString(),
      min_reward: (5n * E18).toString(),
      min_profit_ratio: ((3n * E18) / 10n).toString(),
      max_reward: (1000n * E18).toString(),
      max_scaling: (E18 / 10n).toString(),
    });
    expect(out).toEqual({
      minCap: (7n * E18).toString(),
      maxCap: (30n * E18).toString(),
      reward: (30n * E18).toString(),
    });
  });

  test('behavior: a high gas cost makes the profit ratio the binding minimum', () => {
    // cost 50: max(50 + 5, 50·1.3 = 65) = 65.
    const out = handler('GlobalPerpsMarketConfiguration.keeperReward')({
      rewards: '0',
      cost: (50n * E18).toString(),
      avail_margin: '0',
      min_reward: (5n * E18).toString(),
      min_profit_ratio: ((3n * E18) / 10n).toString(),
      max_reward: (1000n * E18).toString(),
      max_scaling: (E18 / 10n).toString(),
    });
    expect(out.minCap).toBe((65n * E18).toString());
    expect(out.reward).toBe((65n * E18).toString());
  });

  test('behavior: short sizes use |size|; a zero cap means zero windows', () => {
    const m = handler('PerpsMarketConfiguration.calculateRequiredMargins')({
      ...(vectors[4]?.inputs ?? {}),
      size: '-20000000000000000000',
    });
    expect(m.maintenanceMargin).toBe('1000000000000000000000');
    expect(
      handler('PerpsMarketConfiguration.numberOfLiquidationWindows')({
        positionSize: '5',
        maxLiquidationInWindow: '0',
      }),
    ).toEqual({ windows: '0' });
  });

  test('behavior: capacity used up in the window, extended once when the skew is small', () => {
    const base = {
      maxLiquidationInWindow: (100n * E18).toString(),
      maxSecondsInLiquidationWindow: '10',
      liquidatedInWindow: (100n * E18).toString(),
      latestLiquidationTimestamp: '95',
      timestamp: '100',
      requestedAmount: (50n * E18).toString(),
      skewScale: (1000n * E18).toString(),
    };
    const m = handler('PerpsMarket.maxLiquidatableAmount');
    expect(m(base)).toEqual({ capacity: '0', liquidatableAmount: '0' });
    // |skew|/skewScale = 0.01 < maxLiquidationPd 0.02: one more window.
    expect(
      m({ ...base, skew: (10n * E18).toString(), maxLiquidationPd: ((2n * E18) / 100n).toString() }),
    ).toEqual({
      capacity: '0',
      liquidatableAmount: (50n * E18).toString(),
    });
    // window rolled: the entry at 95 is outside (100 − 10, 100] once now = 105.
    expect(m({ ...base, timestamp: '105' })).toEqual({
      capacity: (100n * E18).toString(),
      liquidatableAmount: (50n * E18).toString(),
    });
  });

  test('error: a malformed or negative unsigned input names inputs.<key>', () => {
    try {
      handler('GlobalPerpsMarketConfiguration.keeperReward')({ ...(vectors[2]?.inputs ?? {}), cost: '-1' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect((e as InvalidParameterError).field).toBe('inputs.cost');
    }
    expect(() => handler('PerpsMarketConfiguration.maxLiquidationAmountInWindow')({ makerFee: 'x' })).toThrow(
      InvalidParameterError,
    );
  });
});
