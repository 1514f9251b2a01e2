/** Runs the gmx-v2 vectors of fixtures/vectors/perps_misc.json through the gmx-v2 handlers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { gmxConformance } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/perps_misc.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'perps_misc.json').filter(
  (v) => v.system === gmxConformance.system,
);
const lookup = (system: string, fn: string) =>
  system === gmxConformance.system ? gmxConformance.handlers[fn] : undefined;
const F = 10n ** 30n;

describe('gmxConformance', () => {
  test('default: every gmx-v2 vector of perps_misc.json passes, every expected field compared', () => {
    expect(vectors.length).toBe(4);
    const report = runVectors([{ file: 'perps_misc.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({ vectors: 4, passed: 4, failed: 0, unsupported: 0 });
    for (const v of vectors) {
      const out = gmxConformance.handlers[v.function]?.(v.inputs) ?? {};
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
    expect(runVectors([{ file: 'tampered.json', vectors: tampered }], lookup).totals.failed).toBe(4);
  });

  test('behavior: other vocabulary of the same functions (amount·price collateral, impact cap, reasons)', () => {
    const check = gmxConformance.handlers['PositionUtils.isPositionLiquidatable'];
    // 1000 USDC at $1; PnL −$995; impact −$100 capped at 0.1 % of $10k = −$10; costs $0 → $−5 → '< 0'
    // once MIN_COLLATERAL_USD is not validated
    expect(
      check?.({
        collateralAmount: '1000000000',
        collateralTokenPriceMin: (10n ** 24n).toString(),
        positionPnlUsd: (-995n * F).toString(),
        priceImpactUsd: (-100n * F).toString(),
        maxPositionImpactFactorForLiquidations: (F / 1000n).toString(),
        sizeInUsd: (10_000n * F).toString(),
        minCollateralFactor: (F / 100n).toString(),
        shouldValidateMinCollateralUsd: false,
      }),
    ).toMatchObject({ remainingCollateralUsd: (-5n * F).toString(), liquidatable: true, reason: '< 0' });
    // a positive impact counts as 0; remaining $1 < MIN_COLLATERAL_USD $2
    expect(
      check?.({
        collateralUsd: (10n * F).toString(),
        positionPnlUsd: (-9n * F).toString(),
        'priceImpactUsd(capped, <=0)': (5n * F).toString(),
        closingCostsUsd: '0',
        sizeInUsd: (10n * F).toString(),
        minCollateralFactorForLiquidation: '0',
        MIN_COLLATERAL_USD: (2n * F).toString(),
      }),
    ).toMatchObject({ remainingCollateralUsd: F.toString(), reason: 'min collateral' });
  });

  test('behavior: PnL and PnL-to-pool factor handlers', () => {
    const pnl = gmxConformance.handlers['PositionUtils.getPositionPnlUsd'];
    // 5 ETH bought for $10k, at $2200 → +$1000
    expect(
      pnl?.({
        isLong: true,
        sizeInUsd: (10_000n * F).toString(),
        sizeInTokens: (5n * 10n ** 18n).toString(),
        indexTokenPrice: (22n * 10n ** 14n).toString(),
      }),
    ).toEqual({ positionPnlUsd: (1000n * F).toString(), sizeDeltaInTokens: (5n * 10n ** 18n).toString() });
    const factor = gmxConformance.handlers['MarketUtils.getPnlToPoolFactor'];
    // $1000 of long PnL over a $2000 pool = 50 % > 45 %
    expect(
      factor?.({
        isLong: true,
        pnlUsd: (1000n * F).toString(),
        poolUsd: (2000n * F).toString(),
        maxPnlFactor: ((45n * F) / 100n).toString(),
      }),
    ).toEqual({ pnlToPoolFactor: (F / 2n).toString(), pnlUsd: (1000n * F).toString(), isExceeded: true });
  });

  test('error: a malformed input names inputs.<key>', () => {
    const fees = gmxConformance.handlers['PositionPricingUtils.getLiquidationFees'];
    const inputs = { ...(vectors[0]?.inputs ?? {}), collateralTokenPriceMin: 'abc' };
    expect(() => fees?.(inputs)).toThrow(InvalidParameterError);
    try {
      fees?.(inputs);
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('inputs.collateralTokenPriceMin');
    }
  });
});
