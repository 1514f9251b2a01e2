/** Runs fixtures/vectors/liquity_v1.json through the liquity-v1 handlers, plus hand-derived extra cases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { liquityConformance, RECOVERY_BRANCH_TEXT } from './conformance.js';

const FILE = join(import.meta.dirname, '../../../fixtures/vectors/liquity_v1.json');
const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'liquity_v1.json');
const lookup = (system: string, fn: string) =>
  system === liquityConformance.system ? liquityConformance.handlers[fn] : undefined;
const handler = (fn: string) => {
  const h = liquityConformance.handlers[fn];
  if (h === undefined) throw new Error(`no handler ${fn}`);
  return h;
};
const E18 = 10n ** 18n;

describe('liquityConformance', () => {
  test('default: every vector of liquity_v1.json passes, every expected field compared', () => {
    const report = runVectors([{ file: 'liquity_v1.json', vectors }], lookup);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.totals).toEqual({
      vectors: vectors.length,
      passed: vectors.length,
      failed: 0,
      unsupported: 0,
    });
    for (const v of vectors) {
      const out = handler(v.function)(v.inputs);
      for (const [key, value] of Object.entries(v.expected))
        expect(out[key], `${v.function} ${key}`).toEqual(value);
    }
  });

  test('behavior: a parenthesised note after a known name reaches the same handler', () => {
    expect(lookup('liquity-v1', '_redistributeDebtAndColl (second call, carried error)')).toBe(
      liquityConformance.handlers._redistributeDebtAndColl,
    );
    expect(lookup('liquity-v1', '_getCappedOffsetVals (Recovery Mode, MCR <= ICR < TCR)')).toBeDefined();
    expect(lookup('liquity-v1', 'redeemCollateral')).toBeUndefined();
  });

  test('behavior: a changed expected value fails (the comparison is not vacuous)', () => {
    const tampered = vectors.map((v) => ({
      ...v,
      expected: Object.fromEntries(
        Object.entries(v.expected).map(([k, x]) => [k, typeof x === 'boolean' ? !x : `${String(x)}1`]),
      ),
    }));
    const report = runVectors([{ file: 'tampered.json', vectors: tampered }], lookup);
    expect(report.totals.failed).toBe(vectors.length);
  });

  test('behavior: hand-derived normal-mode split with a partly filled Stability Pool', () => {
    // debt 3,000, coll 20 ETH at $150 (ICR 100 %): gas 0.1 ETH, 19.9 ETH to liquidate;
    // SP 1,000 → offset 1,000, coll to SP 19.9·1000/3000 = 6.6333… → 6633333333333333333 (floor).
    const out = handler('_liquidateNormalMode')({
      entireDebt: (3_000n * E18).toString(),
      entireColl: (20n * E18).toString(),
      LUSDInSP: (1_000n * E18).toString(),
      price: (150n * E18).toString(),
    });
    expect(out).toMatchObject({
      collGasCompensation: '100000000000000000',
      debtToOffset: '1000000000000000000000',
      collToSendToSP: '6633333333333333333',
      debtToRedistribute: '2000000000000000000000',
      collToRedistribute: '13266666666666666667',
      ICR: '1000000000000000000',
      belowMCR: true,
    });
  });

  test('behavior: every recovery branch in the contract order, including debt above the SP', () => {
    const b = handler('_liquidateRecoveryMode branch');
    const at = (ICR: bigint, TCR: bigint, debtLEQ_SP: boolean) =>
      b({ ICR: ICR.toString(), TCR: TCR.toString(), debtLEQ_SP }).branch;
    expect(at(E18, 14n * 10n ** 17n, true)).toBe(RECOVERY_BRANCH_TEXT.redistribute);
    // ICR < MCR is liquidated even when TCR is below it.
    expect(at(105n * 10n ** 16n, 102n * 10n ** 16n, false)).toBe(RECOVERY_BRANCH_TEXT.offsetThenRedistribute);
    expect(at(13n * 10n ** 17n, 14n * 10n ** 17n, false)).toBe(RECOVERY_BRANCH_TEXT.skipDebtAboveSP);
    expect(at(11n * 10n ** 17n, 14n * 10n ** 17n, true)).toBe(RECOVERY_BRANCH_TEXT.cappedOffset);
    expect(at(14n * 10n ** 17n, 14n * 10n ** 17n, true)).toBe(RECOVERY_BRANCH_TEXT.skipAboveTCR);
  });

  test('behavior: carried errors feed the next redistribution and SP offset', () => {
    // 1 wei of debt over 3 stakes with a carried error of 2: (1e18 + 2) / 3 = 333333333333333334 exactly.
    expect(
      handler('_redistributeDebtAndColl')({ coll: '0', debt: '1', totalStakes: '3', lastLUSDDebtError: '2' }),
    ).toMatchObject({
      LUSDDebtRewardPerUnitStaked: '333333333333333334',
      lastLUSDDebtError: '0',
    });
    // Loss 1 over 3 deposits with a carried overshoot of 1: (1e18 − 1) / 3 = 333333333333333333 r0, +1.
    expect(
      handler('_computeRewardsPerUnitStaked')({
        debtToOffset: '1',
        totalLUSDDeposits: '3',
        collToAdd: '0',
        lastLUSDLossError_Offset: '1',
      }),
    ).toMatchObject({ LUSDLossPerUnitStaked: '333333333333333334', lastLUSDLossError_Offset: '3' });
    // Emptying the pool: loss exactly 1e18, no error.
    expect(
      handler('_computeRewardsPerUnitStaked')({
        debtToOffset: '7',
        totalLUSDDeposits: '7',
        collToAdd: '5',
        lastErrors: '3',
      }),
    ).toMatchObject({ LUSDLossPerUnitStaked: E18.toString(), lastLUSDLossError_Offset: '0' });
  });

  test('error: SafeMath and assert refusals carry the contract reason', () => {
    // ICR 100 % < MCR: the capped portion 110 exceeds the collateral 100.
    expect(() =>
      handler('_getCappedOffsetVals')({ entireDebt: '100', entireColl: '100', price: E18.toString() }),
    ).toThrow(ProtocolRevertError);
    expect(() =>
      handler('_computeRewardsPerUnitStaked')({ debtToOffset: '8', totalLUSDDeposits: '7', collToAdd: '1' }),
    ).toThrow(ProtocolRevertError);
  });

  test('error: a malformed input names inputs.<key>', () => {
    const run = () => handler('LiquityMath._computeCR')({ coll: 'x', debt: '1', price: '1' });
    expect(run).toThrow(InvalidParameterError);
    try {
      run();
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('inputs.coll');
    }
    expect(() => handler('_liquidateRecoveryMode branch')({ ICR: '1', TCR: '1', debtLEQ_SP: 'yes' })).toThrow(
      InvalidParameterError,
    );
  });
});
