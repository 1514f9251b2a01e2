/**
 * The Liquity adapter's run-local book index: every active trove with its entire collateral and
 * debt (pending redistribution rewards included) in an array sorted by a float screen of its
 * collateral ratio, so that the troves a keeper view must look at (ICR below a ceiling) are a
 * prefix read instead of a scan of the book, and the series' health buckets are a few binary
 * searches in Normal Mode; and running sums of the book borrowers' collateral and debt. It follows
 * whatever state it is given by diffing that state's troves (a PersistentMap) and ledger against
 * the last one it saw, so it costs what changed since; a redistribution moves L_ETH / L_LUSDDebt,
 * hence every trove's pending rewards, and costs one pass over the troves (plus a re-sort that is
 * nearly linear, the order barely moving). Its answers are functions of the state alone: exactly
 * what the full scans return (floats only screen; every decision near a boundary is exact).
 */
import type { EngineState } from '../../engine/engine.js';
import { balanceOf, diffBalances, type Ledger } from '../../engine/ledger.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { SolventError } from '../../math/errors.js';
import { MAX_UINT256 } from '../../math/units.js';
import { computeCR, DECIMAL_PRECISION, mulDivFloor } from '../../protocols/liquity-v1/math.js';
import {
  entireDebtAndColl,
  type LiquityExt,
  liquityPriceWad,
  surplusBucket,
  systemTotals,
  type Trove,
  tcrOf,
  totalLUSDDeposits,
} from '../../protocols/liquity-v1/state.js';
import { HEALTH_BUCKET_BOUNDS, healthBucketOf } from './types.js';

type LiquityState = EngineState<LiquityExt>;

/**
 * Relative margin of the screen: a trove is named when its float ratio is at most the float
 * bound × (1 + margin). Each float quotient is within 3·2⁻⁵³ (≈ 3.3e-16) of the exact one, so a
 * margin of 1e-9 covers them many times over: every trove below the ceiling is named.
 */
export const SCREEN_MARGIN = 1e-9;

/** Changed troves placed one by one (binary search and splice); more: one filter and re-sort. */
const SPLICE_MAX = 64;

/** What the index holds of one active trove. */
interface Entry {
  readonly id: string;
  readonly trove: Trove;
  /** How many times the book lists the id (0: not a book trove). */
  readonly weight: bigint;
  /** Entire collateral (wei) and debt (LUSD wei) at the L_ETH / L_LUSDDebt of the last sync. */
  entireColl: bigint;
  entireDebt: bigint;
  /** Float screen of entireColl / entireDebt (+∞ without debt). */
  key: number;
}

/** Screen order: by key, then by id (so every entry has one place). */
function compareEntries(a: Entry, b: Entry): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The float screen of coll / debt: +∞ for a debt of 0 (an infinite ICR). */
function screenKey(coll: bigint, debt: bigint): number {
  return debt === 0n ? Number.POSITIVE_INFINITY : Number(coll) / Number(debt);
}

/** First index of `sorted` whose entry is not before `(key, id)`. */
function positionOf(sorted: readonly Entry[], key: number, id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = sorted[mid] as Entry;
    if (e.key < key || (e.key === key && e.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index of `sorted` whose key is ≥ `key` (`strict`: > `key`). */
function firstKeyAtLeast(sorted: readonly Entry[], key: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = (sorted[mid] as Entry).key;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The system readings every trove's health shares (as src/sim/stress/liquity.ts liquityTroveHealth reads them). */
interface HealthReadings {
  readonly priceWad: bigint;
  readonly mcrWad: bigint;
  readonly tcrWad: bigint;
  readonly recovery: boolean;
  readonly spLUSD: bigint;
  /** More than one active trove (the last trove is never liquidatable). */
  readonly many: boolean;
}

/**
 * The health bucket of a trove of entire collateral `coll` and debt `debt` by liquityTroveHealth's
 * rule, or undefined where that reading throws (a product past uint256: the scan skips the trove).
 */
function bucketOf(coll: bigint, debt: bigint, r: HealthReadings): number | undefined {
  try {
    const icr = computeCR(coll, debt, r.priceWad);
    mulDivFloor(coll, r.priceWad, DECIMAL_PRECISION); // the reading's collateral value
    const cappedPossible = r.recovery && r.spLUSD > 0n && debt <= r.spLUSD && r.tcrWad > r.mcrWad;
    const threshold = cappedPossible ? r.tcrWad : r.mcrWad;
    const liquidatable = r.many && (icr < r.mcrWad || (cappedPossible && icr < r.tcrWad));
    const healthWad = icr === MAX_UINT256 ? MAX_UINT256 : mulDivFloor(icr, DECIMAL_PRECISION, threshold);
    return healthBucketOf(healthWad > MAX_UINT256 ? MAX_UINT256 : healthWad, liquidatable);
  } catch (e) {
    if (e instanceof SolventError) return undefined;
    throw e;
  }
}

/** The largest ICR whose health (ICR·1e18 / threshold) fits uint256. */
const ICR_READABLE_MAX = MAX_UINT256 / DECIMAL_PRECISION;

/**
 * With one threshold (MCR) for every trove, the bucket is a non-decreasing function of the ICR:
 * the smallest ICR ≤ {@link ICR_READABLE_MAX} whose bucket is above `j` (bisection, exact), or
 * undefined when none is.
 */
function minIcrAbove(j: number, r: HealthReadings): bigint | undefined {
  const above = (icr: bigint): boolean =>
    healthBucketOf(mulDivFloor(icr, DECIMAL_PRECISION, r.mcrWad), r.many && icr < r.mcrWad) > j;
  let lo = 0n;
  let hi = ICR_READABLE_MAX;
  if (!above(hi)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1n;
    if (above(mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/** Book borrowers' totals as the Liquity adapter reports them. */
export interface LiquityBorrowerTotals {
  /** Σ entire collateral of the book's active troves + Σ their CollSurplusPool balances, wei. */
  readonly collateralWei: bigint;
  /** Σ entire debt of the book's active troves, LUSD wei. */
  readonly debtWei: bigint;
}

/** The index's readings. Each call first brings the index to `state`. */
export interface LiquityBookIndex {
  /**
   * Every active trove of `state` (the book's or not) whose ICR at `priceWad` (USD·1e18) may be
   * below `ceilingIcrWad` (1e18-scaled): all those whose ICR is, and a few more at the margin.
   * Unordered. Ready to serve as the keeper view's `candidatesBelow`.
   */
  below(state: LiquityState, ceilingIcrWad: bigint, priceWad: bigint): string[];
  /** The book's totals (see {@link LiquityBorrowerTotals}); a book id listed twice counts twice. */
  borrowerTotals(state: LiquityState): LiquityBorrowerTotals;
  /**
   * The series' health buckets of the book's troves at `nowSeconds`: exactly what
   * src/sim/stress/core.ts healthBuckets counts with the adapter's liquityTroveHealth (all zero
   * while the oracle refuses a price). In Normal Mode (one threshold for every trove) a few
   * binary searches when every trove is a book trove listed once; else one exact pass.
   */
  healthCounts(state: LiquityState, nowSeconds: number): number[];
}

/**
 * A fresh index over the troves of a Liquity state, with running totals for the borrowers of
 * `book` (ids; the stress run's accounts) whose CollSurplusPool balances of `collateralAsset`
 * (ledger asset) count as theirs.
 */
export function liquityBookIndex(book: readonly string[], collateralAsset: string): LiquityBookIndex {
  const weights = new Map<string, bigint>();
  for (const id of book) weights.set(id, (weights.get(id) ?? 0n) + 1n);
  const weightOf = (id: string): bigint => weights.get(id) ?? 0n;
  let troves = PersistentMap.empty<Trove>();
  let lEth = 0n;
  let lDebt = 0n;
  const entries = new Map<string, Entry>();
  /** Every entry, in screen order. */
  let sorted: Entry[] = [];
  /** Entries whose weight is not 1 (off the book, or listed twice), and entries without debt. */
  let offBook = 0;
  let debtless = 0;
  /** At least every entry's entire collateral (raised as entries come, recomputed on a re-sort). */
  let maxColl = 0n;
  let bookColl = 0n;
  let bookDebt = 0n;
  let ledger: Ledger = {};
  let ledgerSeen = false;
  /** Σ over the book of CollSurplusPool balances (each id as often as the book lists it). */
  let surplusSum = 0n;
  /** {@link minIcrAbove} of each bucket, by MCR and whether more than one trove is active. */
  const icrBounds = new Map<string, readonly (bigint | undefined)[]>();

  const entryOf = (ext: LiquityExt, id: string, trove: Trove, measured: boolean): Entry => {
    const e: Entry = { id, trove, weight: weightOf(id), entireColl: 0n, entireDebt: 0n, key: 0 };
    if (measured) measure(ext, e);
    return e;
  };
  /** Computes an entry's entire values and key at `ext`'s L terms. */
  const measure = (ext: LiquityExt, e: Entry): void => {
    const entire = entireDebtAndColl(ext, e.trove);
    e.entireColl = entire.coll;
    e.entireDebt = entire.debt;
    e.key = screenKey(entire.coll, entire.debt);
  };
  /** Adds (`sign` 1) or removes (-1) an entry's share of the book's sums and off-book count. */
  const count = (e: Entry, sign: 1n | -1n): void => {
    if (e.weight !== 1n) offBook += sign === 1n ? 1 : -1;
    if (e.entireDebt === 0n) debtless += sign === 1n ? 1 : -1;
    if (sign === 1n && e.entireColl > maxColl) maxColl = e.entireColl;
    if (e.weight === 0n) return;
    bookColl += sign * e.weight * e.entireColl;
    bookDebt += sign * e.weight * e.entireDebt;
  };
  const dropSorted = (e: Entry): void => {
    const i = positionOf(sorted, e.key, e.id);
    if (sorted[i] === e) sorted.splice(i, 1);
  };

  /** Brings the troves, their screen order and the book's debt and collateral sums to `state`. */
  const sync = (state: LiquityState): void => {
    const ext = state.ext;
    const lMoved = ext.L_ETH !== lEth || ext.L_LUSDDebt !== lDebt;
    if (ext.troves === troves && !lMoved) return;
    const changed: [string, Trove | undefined][] = [];
    if (ext.troves !== troves)
      PersistentMap.diff(troves, ext.troves, (id, _was, now) => changed.push([id, now]));
    troves = ext.troves;
    if (!lMoved && changed.length <= SPLICE_MAX) {
      // A few troves changed under the same L terms: each leaves and re-enters at its place.
      for (const [id, now] of changed) {
        const old = entries.get(id);
        if (old !== undefined) {
          dropSorted(old);
          count(old, -1n);
          entries.delete(id);
        }
        if (now === undefined) continue;
        const e = entryOf(ext, id, now, true);
        entries.set(id, e);
        sorted.splice(positionOf(sorted, e.key, e.id), 0, e);
        count(e, 1n);
      }
      return;
    }
    // Many troves changed, or new L terms moved every trove's pending rewards: the changed ones
    // replace theirs, every one is re-measured when the L terms moved, the sums are added up again
    // (one pass) and the previous order re-sorted (TimSort: nearly linear when it barely moved).
    const fresh: Entry[] = [];
    for (const [id, now] of changed) {
      entries.delete(id);
      if (now === undefined) continue;
      const e = entryOf(ext, id, now, false);
      entries.set(id, e);
      fresh.push(e);
    }
    if (changed.length > 0) sorted = sorted.filter((e) => entries.get(e.id) === e);
    if (lMoved) for (const e of sorted) measure(ext, e);
    for (const e of fresh) {
      measure(ext, e);
      sorted.push(e);
    }
    bookColl = 0n;
    bookDebt = 0n;
    offBook = 0;
    debtless = 0;
    maxColl = 0n;
    for (const e of sorted) count(e, 1n);
    sorted.sort(compareEntries);
    lEth = ext.L_ETH;
    lDebt = ext.L_LUSDDebt;
  };

  /** Brings the book's CollSurplusPool balances to `state`'s ledger. */
  const syncSurplus = (state: LiquityState): void => {
    if (!ledgerSeen) {
      // First sight: read the book's buckets directly (a diff from the empty ledger would visit
      // every bucket of the asset, several per trove).
      for (const [id, weight] of weights) {
        surplusSum += weight * balanceOf(state.ledger, surplusBucket(id), collateralAsset);
      }
      ledger = state.ledger;
      ledgerSeen = true;
    }
    if (state.ledger === ledger) return;
    diffBalances(ledger, state.ledger, collateralAsset, (bucket, was, now) => {
      if (!bucket.startsWith('surplus:')) return;
      surplusSum += weightOf(bucket.slice('surplus:'.length)) * (now - was);
    });
    ledger = state.ledger;
  };

  /** The readings of `state` at `nowSeconds`, or undefined when the oracle (or the set-up) refuses. */
  const readingsOf = (state: LiquityState, nowSeconds: number): HealthReadings | undefined => {
    const params = state.ext.params;
    if (params === null) return undefined;
    let priceWad: bigint;
    try {
      priceWad = liquityPriceWad(state, nowSeconds);
    } catch (e) {
      if (e instanceof SolventError) return undefined;
      throw e;
    }
    const tcrWad = tcrOf(systemTotals(state, params), priceWad);
    return {
      priceWad,
      mcrWad: params.mcrWad,
      tcrWad,
      recovery: tcrWad < params.ccrWad,
      spLUSD: totalLUSDDeposits(state, params),
      many: state.ext.troves.size > 1,
    };
  };

  return {
    below(state, ceilingIcrWad, priceWad) {
      sync(state);
      // ICR = ⌊coll·price/debt⌋ < ceiling ⟺ coll/debt < ceiling/price: a prefix of the screen
      // order, widened by the margin (the floats err by far less).
      const bound = (Number(ceilingIcrWad) / Number(priceWad)) * (1 + SCREEN_MARGIN);
      const out: string[] = [];
      for (const e of sorted) {
        if (!(e.key <= bound)) break;
        out.push(e.id);
      }
      return out;
    },
    borrowerTotals(state) {
      sync(state);
      syncSurplus(state);
      return { collateralWei: bookColl + surplusSum, debtWei: bookDebt };
    },
    healthCounts(state, nowSeconds) {
      sync(state);
      const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
      const r = readingsOf(state, nowSeconds);
      if (r === undefined) return counts;
      const oneThreshold = !(r.recovery && r.spLUSD > 0n && r.tcrWad > r.mcrWad);
      // Every reading fits uint256 when the largest collateral's value ·1e18 does (debts ≥ 1 wei).
      const readable = debtless === 0 && maxColl * r.priceWad * DECIMAL_PRECISION <= MAX_UINT256;
      if (!oneThreshold || offBook > 0 || !readable) {
        for (const e of sorted) {
          if (e.weight === 0n) continue;
          const b = bucketOf(e.entireColl, e.entireDebt, r);
          if (b !== undefined) counts[b] = (counts[b] ?? 0) + Number(e.weight);
        }
        return counts;
      }
      // Every trove a book trove listed once, one threshold: bucket > j ⟺ ICR ≥ I_j ⟺
      // coll·price ≥ I_j·debt. The screen order places the troves surely below I_j first and those
      // surely above last; the few whose float ratio is within the margin are decided exactly.
      const n = sorted.length;
      const boundsKey = `${r.mcrWad}:${r.many}`;
      let bounds = icrBounds.get(boundsKey);
      if (bounds === undefined) {
        bounds = HEALTH_BUCKET_BOUNDS.map((_, j) => minIcrAbove(j, r));
        icrBounds.set(boundsKey, bounds);
      }
      const atLeast = bounds.map((icr) => {
        if (icr === undefined) return 0;
        const ratio = Number(icr) / Number(r.priceWad);
        const lo = firstKeyAtLeast(sorted, ratio * (1 - SCREEN_MARGIN), false);
        const hi = firstKeyAtLeast(sorted, ratio * (1 + SCREEN_MARGIN), true);
        let below = lo;
        for (let i = lo; i < hi; i++) {
          const e = sorted[i] as Entry;
          if (computeCR(e.entireColl, e.entireDebt, r.priceWad) < icr) below += 1;
        }
        return n - below;
      });
      counts[0] = n - (atLeast[0] ?? 0);
      for (let j = 0; j < atLeast.length; j++) {
        counts[j + 1] = (atLeast[j] ?? 0) - (atLeast[j + 1] ?? 0);
      }
      return counts;
    },
  };
}
