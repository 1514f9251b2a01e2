/**
 * Property test of the crvUSD book index against the full scans: over random books, oracle walks
 * and commands (trades, arbitrage, hard and partial self-liquidations, repayments, added
 * collateral, loans opened mid-way), the borrowers' totals, the uncovered debt at several prices
 * (and the adapter's bad debt built on it) and the health buckets are those of a scan of every
 * loan — for an index that follows the states in order and for one that jumps between them.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SolventError } from '../../math/errors.js';
import { getSumXY } from '../../protocols/crvusd/amm.js';
import { crvusdModel } from '../../protocols/crvusd/model.js';
import { crvusdWalk, type WalkLoan, type WalkOp } from '../../protocols/crvusd/testkit.js';
import { floatToWad } from './core.js';
import { type CrvusdEngineState, crvusdBadDebtUsd } from './crvusd.js';
import { crvusdBookIndex, crvusdDeficit } from './crvusdIndex.js';
import { HEALTH_BUCKET_BOUNDS } from './types.js';

const walkLoanArb: fc.Arbitrary<WalkLoan> = fc.record({
  collateralWeth: fc.integer({ min: 1, max: 200 }),
  ltvPct: fc.integer({ min: 20, max: 88 }),
  bands: fc.integer({ min: 4, max: 50 }),
});

const walkOpArb: fc.Arbitrary<WalkOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      permille: fc.integer({ min: -200, max: 150 }),
      dt: fc.integer({ min: 1, max: 3_600 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('arbitrage' as const),
      maxSteps: fc.integer({ min: 0, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('exchange' as const),
      i: fc.integer({ min: 0, max: 1 }),
      amountWeth: fc.integer({ min: 1, max: 300 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat({ max: 40 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('selfLiquidate' as const),
      who: fc.nat({ max: 40 }),
      fracPermille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('repay' as const),
      who: fc.nat({ max: 40 }),
      permille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('addCollateral' as const),
      who: fc.nat({ max: 40 }),
      weth: fc.integer({ min: 1, max: 50 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), loan: walkLoanArb }) },
);

const SCALE = 10n ** 18n;

/** The borrowers' totals over `accounts` by one `get_sum_xy` per loan (the adapter's former scan). */
function scanTotals(s: CrvusdEngineState, accounts: readonly string[]): { collateral: bigint; owed: bigint } {
  const m = s.ext.market;
  let collateral = 0n;
  let owed = 0n;
  for (const account of accounts) {
    const loan = s.ext.loans.get(account);
    if (loan === undefined || m === null) continue;
    const { x, y } = getSumXY(s.ext.amm, m.amm, account);
    collateral += y;
    owed += loan.debt - x;
  }
  return { collateral, owed };
}

/** Σ max(0, debt − x − floor(y·p/1e18)) over every loan. */
function scanUncovered(s: CrvusdEngineState, priceWad: bigint): bigint {
  const m = s.ext.market;
  let uncovered = 0n;
  for (const [account, loan] of s.ext.loans.entries()) {
    if (m === null) continue;
    const { x, y } = getSumXY(s.ext.amm, m.amm, account);
    const value = x + (y * priceWad) / SCALE;
    if (loan.debt > value) uncovered += loan.debt - value;
  }
  return uncovered;
}

/** Health buckets by the model's `health` of each book loan (src/sim/stress/core.ts healthBuckets). */
function scanHealthCounts(s: CrvusdEngineState, accounts: readonly string[], t: number): number[] {
  const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
  for (const id of accounts) {
    if (!s.ext.loans.has(id)) continue;
    let h: ReturnType<typeof crvusdModel.health>;
    try {
      h = crvusdModel.health(s, id, t);
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    const hf = h.liquidatable ? Math.min(Number(h.healthWad) / 1e18, 0.999_999) : Number(h.healthWad) / 1e18;
    let b = HEALTH_BUCKET_BOUNDS.findIndex((bound) => hf < bound);
    if (b < 0) b = HEALTH_BUCKET_BOUNDS.length;
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}

describe('crvusdBookIndex', () => {
  test('behavior: totals, uncovered debt and health buckets equal the full scans', () => {
    let uncoveredSeen = 0n;
    let liquidatableSeen = 0;
    fc.assert(
      fc.property(
        fc.array(walkLoanArb, { minLength: 1, maxLength: 12 }),
        fc.array(walkOpArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.double({ min: 0, max: 4_000, noNaN: true }), { minLength: 1, maxLength: 3 }),
        fc.infiniteStream(fc.nat()),
        (loans, ops, pricesUsd, order) => {
          const points = crvusdWalk(loans, ops);
          // The book: every other account (loans opened mid-way and others count in bad debt only).
          const book = Array.from({ length: 14 }, (_, k) => `u${2 * k}`);
          const inOrder = crvusdBookIndex(book, SCALE);
          const jumping = crvusdBookIndex(book, SCALE);
          const visits = [
            ...points.map((_, i) => i),
            ...points.map(() => order.next().value % points.length),
          ];
          visits.forEach((i, k) => {
            const { state: s, nowSeconds } = points[i] as (typeof points)[number];
            const index = k < points.length ? inOrder : jumping;
            expect(index.borrowerTotals(s)).toEqual(scanTotals(s, book));
            for (const usd of pricesUsd) {
              const priceWad = floatToWad(usd);
              const uncovered = index.uncoveredDebt(s, priceWad);
              expect(uncovered).toBe(scanUncovered(s, priceWad));
              uncoveredSeen += uncovered;
              // The adapter's reading is the former scan's, to the last digit.
              expect(Number(crvusdDeficit(s) + uncovered) / 1e18).toBe(crvusdBadDebtUsd(s, usd));
            }
            // At and just below the prices where loans become covered (the ladder's boundaries).
            const m = s.ext.market;
            for (const [account, loan] of s.ext.loans.entries().slice(0, 3)) {
              if (m === null) continue;
              const { x, y } = getSumXY(s.ext.amm, m.amm, account);
              const short = loan.debt - x;
              if (short <= 0n || y === 0n) continue;
              const coverWad = (short * SCALE + y - 1n) / y; // ceil
              for (const p of [coverWad, coverWad - 1n])
                expect(index.uncoveredDebt(s, p)).toBe(scanUncovered(s, p));
            }
            const counts = index.healthCounts(s, nowSeconds);
            expect(counts).toEqual(scanHealthCounts(s, book, nowSeconds));
            liquidatableSeen += counts[0] ?? 0;
          });
        },
      ),
      { numRuns: 100 },
    );
    expect(uncoveredSeen).toBeGreaterThan(0n);
    expect(liquidatableSeen).toBeGreaterThan(0);
  });
});
