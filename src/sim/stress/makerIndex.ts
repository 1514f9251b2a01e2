/**
 * The Maker adapter's run-local book index: per ilk, a liquidation-price ladder of the vaults (each
 * vault's key is the smallest Spotter `spot` at which it is safe), so that the unsafe vaults at a
 * price are a range read instead of a scan of every vault; and running sums of the borrowers'
 * collateral and debt. It follows whatever state it is given by diffing that state's urns (a
 * PersistentMap) and ledger against the last one it saw, so it costs what changed since, and its
 * answers are functions of the state alone: exactly what the full scans return.
 */
import type { EngineState } from '../../engine/engine.js';
import { balanceOf, diffBalances, type Ledger } from '../../engine/ledger.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import {
  compareUnsafeVaults,
  type MakerIlkView,
  type UnsafeVaultView,
  unsafeVaultView,
} from '../../keepers/maker.js';
import { SolventError } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';
import { ilkPrice, type UrnState, urnHealthWad, type WithCore } from '../../protocols/maker/vat.js';
import { Ladder } from './ladder.js';
import { HEALTH_BUCKET_BOUNDS, healthBucketOf } from './types.js';

/** Any Maker engine state (both models share the core). */
type MakerState = EngineState<WithCore>;

/** Key of a vault that is unsafe at every positive spot (debt but no collateral): above any spot. */
const ALWAYS_UNSAFE = 1n << 512n;

/**
 * The liquidation key of a vault: the smallest spot (RAY) at which `ink·spot ≥ art·rate`, i.e. the
 * vault is unsafe at spot `s > 0` iff `s < key` (makerdao/dss src/dog.sol bark: `ink·spot < art·rate`).
 * 0 when it owes nothing (never unsafe), {@link ALWAYS_UNSAFE} when it owes but holds nothing.
 */
export function liquidationSpotRay(
  u: { readonly inkWad: bigint; readonly artWad: bigint },
  rateRay: bigint,
): bigint {
  const debtRad = u.artWad * rateRay;
  if (debtRad === 0n) return 0n;
  if (u.inkWad === 0n) return ALWAYS_UNSAFE;
  // ceil: the smallest integer spot with ink·spot ≥ debt.
  return divRound(debtRad, u.inkWad, Rounding.Up);
}

/**
 * The smallest health (WAD) whose float reading `Number(h) / 1e18` is ≥ `bound`: the health
 * buckets of the series compare that float, and it is monotone in h, so each bound is one integer.
 */
export function healthThresholdWad(bound: number): bigint {
  let lo = 0n;
  let hi = 1n << 96n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1n;
    if (Number(mid) / 1e18 >= bound) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

const THRESHOLDS_WAD: readonly bigint[] = HEALTH_BUCKET_BOUNDS.map(healthThresholdWad);

/** Entering vaults spliced one by one into the unsafe list (more: one merge pass). */
const SPLICE_MAX = 64;

/** First index of `list` (the view's order) not before a vault of debt `debtRad` and id `urn`. */
function positionOf(list: readonly UnsafeVaultView[], debtRad: bigint, urn: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = list[mid] as UnsafeVaultView;
    const before = e.debtRad > debtRad || (e.debtRad === debtRad && e.urn < urn);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A copy of `list` without the entries at `indices` (any order, repeats allowed). */
function withoutIndices(list: readonly UnsafeVaultView[], indices: number[]): UnsafeVaultView[] {
  if (indices.length === 0) return list.slice();
  indices.sort((a, b) => a - b);
  const out: UnsafeVaultView[] = [];
  let from = 0;
  for (const i of indices) {
    if (i < from) continue; // a repeat
    for (let k = from; k < i; k++) out.push(list[k] as UnsafeVaultView);
    from = i + 1;
  }
  for (let k = from; k < list.length; k++) out.push(list[k] as UnsafeVaultView);
  return out;
}

/**
 * `sorted` (the view's order, changed in place) with `entering` (same order, none already in
 * it) merged in: a few by binary search and splice, more by one merge pass.
 */
function mergedInto(sorted: UnsafeVaultView[], entering: readonly UnsafeVaultView[]): UnsafeVaultView[] {
  if (entering.length <= SPLICE_MAX) {
    for (const e of entering) sorted.splice(positionOf(sorted, e.debtRad, e.urn), 0, e);
    return sorted;
  }
  const out: UnsafeVaultView[] = [];
  let j = 0;
  for (const kept of sorted) {
    while (j < entering.length && compareUnsafeVaults(entering[j] as UnsafeVaultView, kept) < 0) {
      out.push(entering[j] as UnsafeVaultView);
      j += 1;
    }
    out.push(kept);
  }
  while (j < entering.length) out.push(entering[j++] as UnsafeVaultView);
  return out;
}

/** What the index keeps of one vault. */
interface Tracked {
  readonly ilk: string;
  readonly inkWad: bigint;
  readonly artWad: bigint;
  /** Its rung on the ilk's ladder; undefined while it owes nothing (not on a ladder). */
  readonly key: bigint | undefined;
}

/** One ilk: the rate its keys were computed with and its ladders (book vaults, others). */
interface IlkIndex {
  readonly rateRay: bigint;
  readonly book: Ladder;
  readonly other: Ladder;
}

/** Borrowers' totals as the Maker adapter reports them. */
export interface MakerBorrowerTotals {
  /** Book vaults' locked collateral plus the collateral returned to their wallets, WAD. */
  readonly collateralWad: bigint;
  /** Book vaults' debt `Σ art·rate`, RAD. */
  readonly debtRad: bigint;
}

/** The index's readings. Each call first brings the index to `state`. */
export interface MakerBookIndex {
  /**
   * Ids of the vaults unsafe at `nowSeconds` under each ilk's OSM spot (`spot > 0 &&
   * ink·spot < art·rate`), every vault of the state counted, not only the book's; none for an ilk
   * whose price the oracle refuses or is 0. Unordered.
   */
  unsafe(state: MakerState, nowSeconds: number): string[];
  /**
   * The keeper view's unsafe vaults (makerKeeperView's screen of every urn, in its order) at the
   * ilks' rates and spots as the view read them: kept from call to call and updated with what
   * changed (vaults touched, a new spot), the same array while nothing did.
   */
  unsafeVaults(state: MakerState, ilks: Readonly<Record<string, MakerIlkView>>): readonly UnsafeVaultView[];
  /** Book vaults' totals (see {@link MakerBorrowerTotals}). */
  borrowerTotals(state: MakerState): MakerBorrowerTotals;
  /**
   * Book vaults with debt counted by the series' health buckets at `nowSeconds` (urnHealth at each
   * ilk's spot); vaults of an ilk whose price the oracle refuses are left out.
   */
  healthCounts(state: MakerState, nowSeconds: number): number[];
  /** Brings the index to `state` (vaults and the book's wallets) without reading anything. */
  prime(state: MakerState): void;
  /**
   * An independent copy at the same point: each follows its own states from here, answering as a
   * fresh index brought to those states would. Paths of a Monte Carlo unit open the same state and
   * fork one primed index instead of each indexing every vault again.
   */
  fork(): MakerBookIndex;
}

/** Everything an index holds, so that {@link MakerBookIndex.fork} can copy it. */
interface MakerIndexSeed {
  readonly urns: PersistentMap<UrnState>;
  readonly ledger: Ledger;
  readonly ledgerSeen: boolean;
  readonly tracked: Map<string, Tracked>;
  readonly byIlk: Map<string, IlkIndex>;
  readonly wallet: Map<string, bigint>;
  readonly collateralWad: bigint;
  readonly artByIlk: Map<string, bigint>;
  readonly owingByIlk: Map<string, number>;
  readonly list: readonly UnsafeVaultView[];
  readonly listIlks:
    | ReadonlyMap<string, { readonly rateRay: bigint; readonly spotRay: bigint | undefined }>
    | undefined;
  readonly changedSinceList: Map<string, Tracked | undefined>;
}

/**
 * A fresh index over the vaults of `book` (ids; the stress run's accounts) whose wallets hold the
 * collateral `gem` returned to them (ledger asset).
 */
export function makerBookIndex(book: readonly string[], gem: string): MakerBookIndex {
  return indexFrom(new Set(book), gem, undefined);
}

/** An index over `inBook`, empty or continuing from `seed` (whose maps it takes as its own). */
function indexFrom(
  inBook: ReadonlySet<string>,
  gem: string,
  seed: MakerIndexSeed | undefined,
): MakerBookIndex {
  let urns = seed?.urns ?? PersistentMap.empty<UrnState>();
  let ledger: Ledger = seed?.ledger ?? {};
  let ledgerSeen = seed?.ledgerSeen ?? false;
  const tracked = seed?.tracked ?? new Map<string, Tracked>();
  const byIlk = seed?.byIlk ?? new Map<string, IlkIndex>();
  /** Book ids' wallet balances of `gem` (absent: 0). */
  const wallet = seed?.wallet ?? new Map<string, bigint>();
  let collateralWad = seed?.collateralWad ?? 0n;
  /** Σ art of book vaults by ilk, WAD. */
  const artByIlk = seed?.artByIlk ?? new Map<string, bigint>();
  /** Book vaults with debt, by ilk. */
  const owingByIlk = seed?.owingByIlk ?? new Map<string, number>();
  /** The last unsafe list, the ilks' rate and spot it was built at, and vaults changed since. */
  let list: readonly UnsafeVaultView[] = seed?.list ?? [];
  let listIlks:
    | ReadonlyMap<string, { readonly rateRay: bigint; readonly spotRay: bigint | undefined }>
    | undefined = seed?.listIlks;
  /** Vaults changed since the list was built, with what the index held of them then. */
  const changedSinceList = seed?.changedSinceList ?? new Map<string, Tracked | undefined>();

  const ilkIndex = (ilk: string, rateRay: bigint): IlkIndex => {
    let x = byIlk.get(ilk);
    if (x === undefined) {
      x = { rateRay, book: new Ladder(), other: new Ladder() };
      byIlk.set(ilk, x);
    }
    return x;
  };
  const ladderOf = (x: IlkIndex, id: string): Ladder => (inBook.has(id) ? x.book : x.other);

  const untrack = (id: string, t: Tracked): void => {
    const x = byIlk.get(t.ilk);
    if (t.key !== undefined && x !== undefined) ladderOf(x, id).delete(t.key, id);
    if (!inBook.has(id)) return;
    collateralWad -= t.inkWad + (wallet.get(id) ?? 0n);
    artByIlk.set(t.ilk, (artByIlk.get(t.ilk) ?? 0n) - t.artWad);
    if (t.artWad !== 0n) owingByIlk.set(t.ilk, (owingByIlk.get(t.ilk) ?? 0) - 1);
  };
  const track = (id: string, u: UrnState, rateRay: bigint): void => {
    const x = ilkIndex(u.ilk, rateRay);
    const key = u.artWad === 0n ? undefined : liquidationSpotRay(u, x.rateRay);
    if (key !== undefined) ladderOf(x, id).insert(key, id);
    tracked.set(id, { ilk: u.ilk, inkWad: u.inkWad, artWad: u.artWad, key });
    if (!inBook.has(id)) return;
    collateralWad += u.inkWad + (wallet.get(id) ?? 0n);
    artByIlk.set(u.ilk, (artByIlk.get(u.ilk) ?? 0n) + u.artWad);
    if (u.artWad !== 0n) owingByIlk.set(u.ilk, (owingByIlk.get(u.ilk) ?? 0) + 1);
  };

  /**
   * Brings the book's wallets to `state`'s ledger. Only the borrowers' totals read them, so the
   * other readings skip it and one diff per step covers every transaction of the step. Exact
   * whenever it runs: `collateralWad` counts `wallet` (the map) for every tracked vault, and each
   * change of the map for a tracked vault, or of the tracked set, moves it by the difference.
   */
  const syncWallets = (state: MakerState): void => {
    if (ledgerSeen === false) {
      // First sight: read the book's wallets directly (a diff from the empty ledger would visit
      // every bucket of the asset, one per vault).
      for (const id of inBook) {
        const now = balanceOf(state.ledger, `wallet:${id}`, gem);
        if (now === 0n) continue;
        wallet.set(id, now);
        if (tracked.has(id)) collateralWad += now;
      }
      ledger = state.ledger;
      ledgerSeen = true;
    }
    if (state.ledger !== ledger) {
      diffBalances(ledger, state.ledger, gem, (bucket, was, now) => {
        if (!bucket.startsWith('wallet:')) return;
        const id = bucket.slice('wallet:'.length);
        if (!inBook.has(id)) return;
        wallet.set(id, now);
        // Only vaults the index holds count their wallets (a wallet without a vault is not a borrower's).
        if (tracked.has(id)) collateralWad += now - was;
      });
      ledger = state.ledger;
    }
  };

  /** Brings the vaults, their ladders and the book's running sums to `state`. */
  const sync = (state: MakerState): void => {
    const core = state.ext.core;
    const rateOf = (ilk: string): bigint => core.ilks[ilk]?.rateRay ?? 0n;
    if (core.urns !== urns && tracked.size === 0 && byIlk.size === 0) {
      // First sight of a book: every vault at once, each ilk's ladders sorted once.
      const rungs = new Map<
        string,
        { book: { key: bigint; id: string }[]; other: { key: bigint; id: string }[] }
      >();
      core.urns.forEach((u, id) => {
        changedSinceList.set(id, undefined);
        const key = u.artWad === 0n ? undefined : liquidationSpotRay(u, rateOf(u.ilk));
        tracked.set(id, { ilk: u.ilk, inkWad: u.inkWad, artWad: u.artWad, key });
        let r = rungs.get(u.ilk);
        if (r === undefined) {
          r = { book: [], other: [] };
          rungs.set(u.ilk, r);
        }
        if (key !== undefined) (inBook.has(id) ? r.book : r.other).push({ key, id });
        if (!inBook.has(id)) return;
        collateralWad += u.inkWad + (wallet.get(id) ?? 0n);
        artByIlk.set(u.ilk, (artByIlk.get(u.ilk) ?? 0n) + u.artWad);
        if (u.artWad !== 0n) owingByIlk.set(u.ilk, (owingByIlk.get(u.ilk) ?? 0) + 1);
      });
      for (const [ilk, r] of rungs) {
        byIlk.set(ilk, { rateRay: rateOf(ilk), book: Ladder.of(r.book), other: Ladder.of(r.other) });
      }
      urns = core.urns;
    }
    if (core.urns !== urns) {
      PersistentMap.diff(urns, core.urns, (id, was, now) => {
        const t = tracked.get(id);
        if (!changedSinceList.has(id)) changedSinceList.set(id, t);
        if (t !== undefined) untrack(id, t);
        tracked.delete(id);
        if (was !== undefined && t === undefined) return; // cannot happen: every vault seen is tracked
        if (now !== undefined) track(id, now, rateOf(now.ilk));
      });
      urns = core.urns;
    }
    // A new rate (a drip) moves every key of the ilk: rebuild its ladders.
    for (const [ilk, x] of byIlk) {
      const rateRay = rateOf(ilk);
      if (rateRay === x.rateRay) continue;
      const book: { key: bigint; id: string }[] = [];
      const other: { key: bigint; id: string }[] = [];
      for (const [id, t] of tracked) {
        if (t.ilk !== ilk || t.artWad === 0n) continue;
        const key = liquidationSpotRay(t, rateRay);
        tracked.set(id, { ...t, key });
        (inBook.has(id) ? book : other).push({ key, id });
      }
      byIlk.set(ilk, { rateRay, book: Ladder.of(book), other: Ladder.of(other) });
    }
  };

  /** The ilk's spot now, or undefined when the oracle refuses (as the keeper view reads it). */
  const spotOf = (state: MakerState, ilk: string, nowSeconds: number): bigint | undefined => {
    try {
      return ilkPrice(state, ilk, nowSeconds).spotRay;
    } catch (e) {
      if (e instanceof SolventError) return undefined;
      throw e;
    }
  };

  return {
    unsafe(state, nowSeconds) {
      sync(state);
      const out: string[] = [];
      for (const [ilk, x] of byIlk) {
        if (x.book.size === 0 && x.other.size === 0) continue;
        if (state.ext.core.params === null || !Object.hasOwn(state.ext.core.params.ilks, ilk)) continue;
        const spotRay = spotOf(state, ilk, nowSeconds);
        if (spotRay === undefined || spotRay === 0n) continue;
        x.book.idsAbove(spotRay, out);
        x.other.idsAbove(spotRay, out);
      }
      return out;
    },
    unsafeVaults(state, ilks) {
      sync(state);
      const entryOf = (id: string, rateRay: bigint): UnsafeVaultView => {
        const t = tracked.get(id) as Tracked;
        return unsafeVaultView(id, t, rateRay);
      };
      const usable = (v: MakerIlkView): boolean => v.spotRay !== undefined && v.spotRay > 0n;
      const names = Object.keys(ilks);
      const rebuild =
        listIlks === undefined ||
        listIlks.size !== names.length ||
        names.some((name) => {
          const was = listIlks?.get(name);
          const v = ilks[name] as MakerIlkView;
          return (
            was === undefined ||
            was.rateRay !== v.rateRay ||
            (was.spotRay !== undefined && was.spotRay > 0n) !== usable(v) ||
            (byIlk.get(name)?.rateRay ?? v.rateRay) !== v.rateRay
          );
        });
      if (
        !rebuild &&
        changedSinceList.size === 0 &&
        names.every((n) => listIlks?.get(n)?.spotRay === ilks[n]?.spotRay)
      ) {
        return list;
      }
      const next: UnsafeVaultView[] = [];
      if (rebuild) {
        for (const name of names) {
          const v = ilks[name] as MakerIlkView;
          const x = byIlk.get(name);
          if (x === undefined || !usable(v)) continue;
          const spotRay = v.spotRay as bigint;
          const ids: string[] = [];
          x.book.idsAbove(spotRay, ids);
          x.other.idsAbove(spotRay, ids);
          for (const id of ids) next.push(entryOf(id, v.rateRay));
        }
        list = next.sort(compareUnsafeVaults);
      } else {
        // Vaults that changed leave from where the list holds them (found by binary search on
        // their old debt) and come back at their new key; a new spot moves the ilk's boundary
        // (vaults between the two spots enter or leave) and renews its entries' health.
        const dropAt: number[] = [];
        const dropListed = (id: string, debtRad: bigint): void => {
          const i = positionOf(list, debtRad, id);
          if (list[i]?.urn === id) dropAt.push(i);
        };
        const entering: UnsafeVaultView[] = [];
        for (const [id, was] of changedSinceList) {
          const at = was === undefined ? undefined : listIlks?.get(was.ilk);
          if (
            was !== undefined &&
            was.key !== undefined &&
            at?.spotRay !== undefined &&
            was.key > at.spotRay
          ) {
            dropListed(id, was.artWad * at.rateRay);
          }
          const t = tracked.get(id);
          const v = t === undefined ? undefined : ilks[t.ilk];
          if (t === undefined || t.key === undefined || v === undefined || !usable(v)) continue;
          if (t.key > (v.spotRay as bigint)) entering.push(entryOf(id, v.rateRay));
        }
        for (const name of names) {
          const v = ilks[name] as MakerIlkView;
          const was = listIlks?.get(name)?.spotRay;
          const x = byIlk.get(name);
          if (!usable(v) || was === undefined || was === v.spotRay || x === undefined) continue;
          const now = v.spotRay as bigint;
          const visit = (id: string): void => {
            if (changedSinceList.has(id)) return;
            if (now < was) entering.push(entryOf(id, v.rateRay));
            // Unchanged since the list was built: listed at its tracked debt and the same rate.
            else dropListed(id, (tracked.get(id) as Tracked).artWad * v.rateRay);
          };
          const [lo, hi] = now < was ? [now, was] : [was, now];
          x.book.forEachIn(lo, hi, visit);
          x.other.forEachIn(lo, hi, visit);
        }
        // Entries do not depend on the spot (see unsafeVaultView): the ones that stay are kept.
        const next = withoutIndices(list, dropAt);
        entering.sort(compareUnsafeVaults);
        list = mergedInto(next, entering);
      }
      listIlks = new Map(
        names.map((n) => [n, { rateRay: (ilks[n] as MakerIlkView).rateRay, spotRay: ilks[n]?.spotRay }]),
      );
      changedSinceList.clear();
      return list;
    },
    borrowerTotals(state) {
      sync(state);
      syncWallets(state);
      let debtRad = 0n;
      for (const [ilk, art] of artByIlk) debtRad += art * (state.ext.core.ilks[ilk]?.rateRay ?? 0n);
      return { collateralWad, debtRad };
    },
    healthCounts(state, nowSeconds) {
      sync(state);
      const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
      for (const [ilk, x] of byIlk) {
        const owing = owingByIlk.get(ilk) ?? 0;
        if (owing === 0) continue;
        const spotRay = spotOf(state, ilk, nowSeconds);
        if (spotRay === undefined) continue; // urnHealth throws: no reading
        if (spotRay === 0n) {
          // A zero price: read each vault (rare; the ladder's keys assume spot > 0).
          for (const [id, t] of tracked) {
            if (t.ilk !== ilk || t.artWad === 0n || !inBook.has(id)) continue;
            const b = healthBucketOf(urnHealthWad(t, x.rateRay, 0n), false);
            counts[b] = (counts[b] ?? 0) + 1;
          }
          continue;
        }
        // atLeast[j]: vaults in bucket ≥ j + 1, i.e. safe (key ≤ spot) with health ≥ threshold j.
        const atLeast = THRESHOLDS_WAD.map((thresholdWad) => {
          // health ≥ T ⟺ ink·spot·1e18 ≥ T·art·rate ⟺ (for ink > 0) key·T ≲ spot·1e18: vaults
          // whose key is ≤ lo surely pass, above hi surely fail; the few between are read exactly.
          const ratio = divRound(spotRay * WAD, thresholdWad, Rounding.Down);
          const lo = ratio - 2n < spotRay ? ratio - 2n : spotRay;
          const hi = ratio + 2n < spotRay ? ratio + 2n : spotRay;
          let n = x.book.countAtMost(lo);
          if (hi > lo) {
            x.book.forEachIn(lo, hi, (id) => {
              const t = tracked.get(id) as Tracked;
              if (urnHealthWad(t, x.rateRay, spotRay) >= thresholdWad) n += 1;
            });
          }
          return n;
        });
        counts[0] = (counts[0] ?? 0) + owing - (atLeast[0] ?? 0);
        for (let j = 0; j < atLeast.length; j++) {
          counts[j + 1] = (counts[j + 1] ?? 0) + (atLeast[j] ?? 0) - (atLeast[j + 1] ?? 0);
        }
      }
      return counts;
    },
    prime(state) {
      sync(state);
      syncWallets(state);
    },
    fork() {
      // The list and the ilks it was built at are replaced, never changed in place: shared.
      return indexFrom(inBook, gem, {
        urns,
        ledger,
        ledgerSeen,
        tracked: new Map(tracked),
        byIlk: new Map(
          [...byIlk].map(([ilk, x]) => [
            ilk,
            { rateRay: x.rateRay, book: x.book.clone(), other: x.other.clone() },
          ]),
        ),
        wallet: new Map(wallet),
        collateralWad,
        artByIlk: new Map(artByIlk),
        owingByIlk: new Map(owingByIlk),
        list,
        listIlks,
        changedSinceList: new Map(changedSinceList),
      });
    },
  };
}
