/** Runs every aave-v3 conformance vector through the model's handlers and checks every expected field. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import type { VectorObject } from '../conformance-types.js';
import { AAVE_VERSION_TAGS, aaveConformance } from './conformance.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/vectors/aave_v3.json', import.meta.url));

function handler(fn: string) {
  const h = aaveConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler for ${fn}`);
  return h;
}

/** Vector 20 of the fixture: 1 WETH at $1,000 against 1,200 USDC (HF 0.6875). */
const BAD_DEBT: VectorObject = {
  healthFactor: '687500000000000000',
  totalDebtBase: '120000000000',
  totalCollateralBase: '100000000000',
  collateralBalance: '1000000000000000000',
  collateralPrice: '100000000000',
  collateralDecimals: '18',
  debtBalance: '1200000000',
  debtPrice: '100000000',
  debtDecimals: '6',
  bonus_bps: '10500',
  protocolFee_bps: '1000',
  debtToCover: 'type(uint256).max',
};

describe('aaveConformance', () => {
  test('default: every vector of fixtures/vectors/aave_v3.json passes', () => {
    const vectors = parseVectorFile(readFileSync(FIXTURE, 'utf8'), 'aave_v3.json');
    const report = runVectors([{ file: 'aave_v3.json', vectors }], (system, fn) =>
      system === aaveConformance.system ? aaveConformance.handlers[fn] : undefined,
    );
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals.passed).toBe(vectors.length);
    expect(vectors.length).toBeGreaterThanOrEqual(23);
  });

  test('behavior: every version tag is served for each function', () => {
    for (const tag of ['v3.3', 'v3.5-3.6', 'v3.7', 'v3.5+']) {
      expect(AAVE_VERSION_TAGS[tag]).toBeDefined();
      for (const fn of [
        'healthFactor',
        '_calculateAvailableCollateralToLiquidate',
        'executeLiquidationCall amounts',
      ]) {
        expect(aaveConformance.handlers[`${fn} [${tag}]`]).toBeDefined();
      }
    }
    expect(aaveConformance.system).toBe('aave-v3');
  });

  test('behavior: executeLiquidationCall amounts at v3.5-3.6 and v3.7 round the capped debt up', () => {
    // 1,000 USDC of collateral value ÷ 1.05 = 952.380952…: ceil 952,380,953 → deficit 247,619,047.
    expect(handler('executeLiquidationCall amounts [v3.3]')(BAD_DEBT)).toMatchObject({
      debtToRepay: '952380952',
      deficitCreated: '247619048',
    });
    for (const tag of ['v3.5-3.6', 'v3.7']) {
      expect(handler(`executeLiquidationCall amounts [${tag}]`)(BAD_DEBT)).toMatchObject({
        closeFactor: '100%',
        debtToRepay: '952380953',
        collateralToLiquidator: '995238095238095238',
        protocolFee: '4761904761904762',
        hasNoCollateralLeft: true,
        deficitCreated: '247619047',
      });
    }
  });

  test('behavior: the v3.0 vs v3.3 close factor when the 50 % cap binds (price implied by the base value)', () => {
    // 5,000 of 6,000 USD total, HF 0.97, both ≥ $2,000: v3.0 → 2,500 USDC; v3.3 → 50 % of $6,000 = 3,000 USDC.
    expect(
      handler('max liquidatable debt: v3.0-3.2 vs v3.3+')({
        'reserveDebt(USDC,6dec)': '5000000000',
        totalDebtBase: '600000000000',
        healthFactor: '970000000000000000',
        reserveDebtBase: '500000000000',
        reserveCollateralBase: '900000000000',
      }),
    ).toMatchObject({ 'v3.0_maxLiquidatableDebt': '2500000000', 'v3.3_maxLiquidatableDebt': '3000000000' });
  });

  test('error: a dust revert carries the values computed before it', () => {
    const error = (() => {
      try {
        handler('executeLiquidationCall amounts [v3.7]')({
          ...BAD_DEBT,
          collateralPrice: '250000000000',
          debtToCover: '1000000000',
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    // $2,500 of collateral, HF forced low: repaying 1,000 of 1,200 leaves $200 of debt → dust.
    expect(error).toBeInstanceOf(ProtocolRevertError);
    expect((error as ProtocolRevertError).computed).toMatchObject({ leftoverDebtBase: '20000000000' });
  });

  test('error: a healthy position (HF exactly 1) reverts before any amount', () => {
    const healthy = () =>
      handler('executeLiquidationCall amounts [v3.5-3.6]')({
        ...BAD_DEBT,
        healthFactor: '1000000000000000000',
      });
    expect(healthy).toThrow(ProtocolRevertError);
    expect(healthy).toThrow(/HEALTH_FACTOR_NOT_BELOW_THRESHOLD/);
  });

  test('error: malformed inputs name the field', () => {
    expect(() =>
      handler('healthFactor [v3.3]')({ 'collaterals[amount,price,dec,LT_bps]': [['1', 'x', '18', '8000']] }),
    ).toThrow(InvalidParameterError);
    const missing = () =>
      handler('_calculateAvailableCollateralToLiquidate [v3.7]')({ collateralPrice: '1' });
    expect(missing).toThrow(InvalidParameterError);
    expect(missing).toThrow(/collateralDecimals/);
  });
});
