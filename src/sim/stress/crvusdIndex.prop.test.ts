/**
 * Property test of the crvUSD book index against the full scans: over random books, oracle walks
 * and commands (trades, arbitrage, hard and partial self-liquidations, repayments, added
 * collateral, loans opened mid-way), the borrowers' totals, the uncovered debt at several prices
 * (and the adapter's bad debt built on it) and the health buckets are those of a scan of every
 * loan — for an index that follows the states in order and for one that jumps between them.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { getSumXY } from '../../protocols/crvusd/amm.js';
import { crvusdModel } from '../../protocols/crvusd/model.js';
import { crvusdWalk, walkLoanArb, walkOpArb } from '../../protocols/crvusd/testkit.js';
import { floatToWad } from './core.js';
import { type CrvusdEngineState, crvusdBadDebtUsd } from './crvusd.js';
import { crvusdBookIndex, crvusdDeficit } from './crvusdIndex.js';
import { scanHealthCounts } from './testkit.js';

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
function scanCounts(s: CrvusdEngineState, accounts: readonly string[], t: number): number[] {
  return scanHealthCounts(accounts, (id) => (s.ext.loans.has(id) ? crvusdModel.health(s, id, t) : undefined));
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
            expect(counts).toEqual(scanCounts(s, book, nowSeconds));
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
