/**
 * The crvUSD adapter's run-local book index: the borrowers' running totals (collateral in their
 * bands, debt less the stablecoin in them) and the loans' bad-debt ladder, fed by the keeper view's
 * {@link CrvusdWatch} as loans change, so that the per-step readings cost what changed plus the
 * loans under water at the step's price, not a `get_sum_xy` of every loan. Its answers are
 * functions of the state given: exactly what the full scans (`borrowerTotals`, `crvusdBadDebtUsd`)
 * return.
 */
import type { EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { type CrvusdLoanReading, CrvusdWatch } from '../../keepers/crvusdWatch.js';
import { SolventError } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';
import { type CrvusdExt, oraclePriceWad } from '../../protocols/crvusd/state.js';
import { Ladder } from './ladder.js';
import { HEALTH_BUCKET_BOUNDS, healthBucketOf } from './types.js';

/** A crvUSD engine state. */
type CrvusdState = EngineState<CrvusdExt>;

/** The index's readings. */
export interface CrvusdBookIndex {
  /** The watch the index listens to: hand it to the keeper view so that one sync serves both. */
  readonly watch: CrvusdWatch;
  /**
   * Over the book's accounts with an open loan: Σ collateral in their bands (token units) and
   * Σ (debt − stablecoin in their bands) (stablecoin units, signed).
   */
  borrowerTotals(state: CrvusdState): { readonly collateral: bigint; readonly owed: bigint };
  /**
   * Σ over every open loan of max(0, debt − x − floor(y·priceWad/10^decimals)), stablecoin units:
   * the loans' debt that their stablecoin and collateral at `priceWad` (USD per whole collateral,
   * 1e18-scaled) do not cover. The deficit ledger is not included.
   */
  uncoveredDebt(state: CrvusdState, priceWad: bigint): bigint;
  /**
   * The series' health buckets of the book's open loans at `nowSeconds` (health(full=True) as the
   * model's `health` reads it, counted as src/sim/stress/core.ts healthBuckets does): loans in a
   * regime of the watch are read from their cached x_down, the others exactly. All zero while the
   * oracle refuses (the scan skips every loan then).
   */
  healthCounts(state: CrvusdState, nowSeconds: number): number[];
}

/**
 * The price (1e18-scaled, per whole token) from which a loan's collateral covers what its stablecoin
 * does not: ceil(short·scale/y). floor(y·p/scale) < short ⟺ y·p < short·scale ⟺ p < that price.
 */
function coverPriceWad(short: bigint, y: bigint, scale: bigint): bigint {
  return divRound(short * scale, y, Rounding.Up); // up: the least price that covers
}

/**
 * A book index over `accounts` (the totals count only those; the bad debt counts every loan, as
 * the scan does). `collateralScale` is 10^(collateral decimals).
 */
export function crvusdBookIndex(accounts: readonly string[], collateralScale: bigint): CrvusdBookIndex {
  const book = new Set(accounts);
  let collateral = 0n;
  let owed = 0n;
  /** Σ short of the loans with no collateral left (under water at every price). */
  let bare = 0n;
  /** Loans with collateral and a short, keyed by {@link coverPriceWad}. */
  const ladder = new Ladder();
  const readings = new Map<string, CrvusdLoanReading>();

  const count = (account: string, r: CrvusdLoanReading, sign: 1n | -1n): void => {
    if (book.has(account)) {
      collateral += sign * r.y;
      owed += sign * (r.debt - r.x);
    }
    const short = r.debt - r.x;
    if (short <= 0n) return;
    if (r.y === 0n) bare += sign * short;
    else if (sign > 0n) ladder.insert(coverPriceWad(short, r.y, collateralScale), account);
    else ladder.delete(coverPriceWad(short, r.y, collateralScale), account);
  };
  const watch = new CrvusdWatch((account, before, after) => {
    if (before !== undefined) count(account, before, -1n);
    if (after !== undefined) {
      count(account, after, 1n);
      readings.set(account, after);
    } else readings.delete(account);
  });

  return {
    watch,
    borrowerTotals(state) {
      watch.sync(state);
      return { collateral, owed };
    },
    uncoveredDebt(state, priceWad) {
      watch.sync(state);
      let uncovered = bare;
      const max = 1n << 512n;
      ladder.forEachIn(priceWad, max, (account) => {
        const r = readings.get(account) as CrvusdLoanReading;
        // Floor, as the scan: the collateral is never over-valued.
        uncovered += r.debt - r.x - (r.y * priceWad) / collateralScale;
      });
      return uncovered;
    },
    healthCounts(state, nowSeconds) {
      const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
      const market = state.ext.market;
      if (market === null) return counts; // no market, no loans
      let pOracleWad: bigint;
      try {
        pOracleWad = oraclePriceWad(state, market, nowSeconds);
      } catch (e) {
        if (e instanceof SolventError) return counts; // every open loan's reading refuses alike
        throw e;
      }
      for (const account of accounts) {
        let health: bigint | undefined;
        try {
          health = watch.health(state, account, pOracleWad);
        } catch (e) {
          if (e instanceof SolventError) continue;
          throw e;
        }
        if (health === undefined) continue;
        // The model's reading: 1e18 at the threshold, clamped at 0 (crvusd model.ts healthOf).
        const shifted = health + WAD;
        const b = healthBucketOf(shifted > 0n ? shifted : 0n, health < 0n);
        counts[b] = (counts[b] ?? 0) + 1;
      }
      return counts;
    },
  };
}

/** Debt written off into `deficit` (stablecoin debt claims), stablecoin units. */
export function crvusdDeficit(state: CrvusdState): bigint {
  const m = state.ext.market;
  return m === null ? 0n : balanceOf(state.ledger, 'deficit', `${m.params.stablecoin}.debt`);
}
