/**
 * The Euler adapter's run-local book index: which accounts the keeper view must screen and how the
 * book's healths fall into the series' buckets, from per-collateral price ladders (for an account
 * whose only valued collateral is one asset, the prices at which it enters violation or crosses a
 * health bound are exact integers, so a step reads ranges instead of pricing every account), and
 * running sums of the borrowers' totals and of the bad debt. It follows whatever state it is given
 * by diffing that state's accounts (a PersistentMap) and ledger against the last one it saw, so it
 * costs what changed, and its answers are functions of the state alone: exactly the full scans'.
 */
import { debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { diffBalances, type Ledger } from '../../engine/ledger.js';
import { spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert, SolventError } from '../../math/errors.js';
import {
  currentLtvBps,
  healthPriceFloor,
  type OneCollateralLine,
  quoteValue,
  violationPriceCeiling,
} from '../../protocols/euler-v2/math.js';
import { eulerV2Model } from '../../protocols/euler-v2/model.js';
import {
  type EulerAccount,
  type EulerExt,
  type EulerVault,
  hasNoCollateral,
  own,
} from '../../protocols/euler-v2/state.js';
import { Ladder } from './ladder.js';
import { healthThresholdWad } from './makerIndex.js';
import { HEALTH_BUCKET_BOUNDS, healthBucketOf } from './types.js';

type EulerState = EngineState<EulerExt>;

/** What the index reads. Each call first brings the index to `state`. */
export interface EulerBookIndex {
  /**
   * The accounts `eulerKeeperView` must screen at `nowSeconds` for its full view (its
   * `options.accounts`), sorted: every one-collateral account in violation at the oracle's prices
   * (exactly those), every account whose value rests on several collaterals or on a collateral at
   * LTV 0 (those the view decides itself), and nothing else: not accounts without debt, without a
   * recognised collateral balance (the view lists no pair for them), or whose collateral or debt
   * the oracle cannot price now (the view skips them).
   */
  screen(state: EulerState, nowSeconds: number): readonly string[];
  /**
   * The book accounts that owe, counted by the series' health buckets at `nowSeconds` as
   * src/sim/stress/core.ts healthBuckets counts the model's `health` (accounts it cannot price
   * left out): the same counts, from the ladders for one-collateral accounts.
   */
  healthCounts(state: EulerState, nowSeconds: number): number[];
  /**
   * The book accounts' collateral (`acct:<id>` balances of `assets.collateral`, smallest units)
   * and debt (`debt:<id>` balances of the debt claim of `assets.debt`, asset units).
   */
  borrowerTotals(state: EulerState): { readonly collateral: bigint; readonly owed: bigint };
  /**
   * Bad debt, asset units: the vault's socialized debt plus the debt of book accounts that owe
   * and hold no recognised collateral (`eulerBadDebtUsd` before its conversion to USD). 0 before
   * `configure`.
   */
  badDebtUnits(state: EulerState): bigint;
}

/** What the ladders' keys were computed from: any change refiles every account. */
interface LadderContext {
  /** The vault's LTV configurations (which collaterals are recognised). */
  readonly ltv: unknown;
  readonly unitDecimals: number;
  readonly debtAsset: string;
  /** Token decimals of the debt asset (undefined: not listed). */
  readonly debtDecimals: number | undefined;
  readonly debtPrice: bigint;
  readonly debtPriceDecimals: number;
  /** The vault's collaterals (`ltvList`), in order. */
  readonly collaterals: readonly string[];
  /** By collateral: token decimals (undefined: not listed). */
  readonly decimals: readonly (number | undefined)[];
  /** By collateral: decimals of its oracle price (undefined: no feed configured). */
  readonly priceDecimals: readonly (number | undefined)[];
  /** By collateral: the liquidation LTV in force (it moves during a ramp). */
  readonly ltvNow: readonly bigint[];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameContext(a: LadderContext, b: LadderContext): boolean {
  return (
    a.ltv === b.ltv &&
    a.unitDecimals === b.unitDecimals &&
    a.debtAsset === b.debtAsset &&
    a.debtDecimals === b.debtDecimals &&
    a.debtPrice === b.debtPrice &&
    a.debtPriceDecimals === b.debtPriceDecimals &&
    sameList(a.collaterals, b.collaterals) &&
    sameList(a.decimals, b.decimals) &&
    sameList(a.priceDecimals, b.priceDecimals) &&
    sameList(a.ltvNow, b.ltvNow)
  );
}

/** The price reading, or undefined when the oracle refuses (the model's reads throw then too). */
function readPrice(state: EulerState, asset: string, nowSeconds: number) {
  try {
    return spotPrice(state.oracle, asset, nowSeconds);
  } catch (e) {
    if (e instanceof SolventError) return undefined;
    throw e;
  }
}

/**
 * The ladders' context at `nowSeconds`, or undefined when the vault is not configured or the
 * oracle refuses the debt asset's price (the model then values no account that owes).
 */
function contextOf(state: EulerState, nowSeconds: number): LadderContext | undefined {
  const vault = state.ext.vault;
  if (vault === null) return undefined;
  const debt = readPrice(state, vault.asset, nowSeconds);
  if (debt === undefined) return undefined;
  return {
    ltv: vault.ltv,
    unitDecimals: vault.unitOfAccountDecimals,
    debtAsset: vault.asset,
    debtDecimals: own(state.assets, vault.asset)?.decimals,
    debtPrice: debt.price,
    debtPriceDecimals: debt.priceDecimals,
    collaterals: vault.ltvList,
    decimals: vault.ltvList.map((c) => own(state.assets, c)?.decimals),
    priceDecimals: vault.ltvList.map((c) => own(state.oracle.assets, c)?.config.priceDecimals),
    ltvNow: vault.ltvList.map((c) => {
      const config = own(vault.ltv, c);
      return config === undefined ? 0n : currentLtvBps(config, true, nowSeconds);
    }),
  };
}

/**
 * The line of `a`'s only collateral `asset` under `ctx` (its liability valued at the context's
 * debt price), or undefined when the model cannot value it (no feed, an unlisted asset) or it is
 * worth 0 at every price (LTV 0).
 */
function lineOf(ctx: LadderContext, a: EulerAccount, asset: string): OneCollateralLine | undefined {
  const at = ctx.collaterals.indexOf(asset);
  const ltvBps = ctx.ltvNow[at] ?? 0n;
  const decimals = ctx.decimals[at];
  const priceDecimals = ctx.priceDecimals[at];
  const balance = own(a.collateral, asset) ?? 0n;
  if (ltvBps === 0n || balance === 0n || decimals === undefined || priceDecimals === undefined)
    return undefined;
  if (ctx.debtDecimals === undefined) return undefined;
  const liabilityValue = quoteValue({
    amount: a.owed,
    decimals: ctx.debtDecimals,
    price: ctx.debtPrice,
    priceDecimals: ctx.debtPriceDecimals,
    unitDecimals: ctx.unitDecimals,
  });
  return { liabilityValue, balance, decimals, priceDecimals, unitDecimals: ctx.unitDecimals, ltvBps };
}

/** One key of an account on a named ladder. */
interface Rung {
  readonly ladder: string;
  readonly key: bigint;
}

/** How a follower files one account: on ladders, or among those always read one by one. */
type Filing = { readonly always: true } | { readonly always: false; readonly rungs: readonly Rung[] };

const ALWAYS: Filing = { always: true };

/**
 * Accounts filed on named ladders under a {@link LadderContext}, brought to each state it is given:
 * refiled whole when the context changes, else only the accounts the state's map changed.
 * `multiplicity` says how many times an id counts (0: not followed).
 */
function ladderFollower(
  fileOf: (ctx: LadderContext, vault: EulerVault, a: EulerAccount) => Filing | undefined,
  multiplicity: (id: string) => number,
  ids: (state: EulerState) => Iterable<string>,
) {
  let context: LadderContext | undefined;
  let seen = PersistentMap.empty<EulerAccount>();
  const filed = new Map<string, Filing>();
  const ladders = new Map<string, Ladder>();
  const always = new Map<string, number>();

  const unfile = (id: string): void => {
    const f = filed.get(id);
    if (f === undefined) return;
    filed.delete(id);
    if (f.always) {
      always.delete(id);
      return;
    }
    const n = multiplicity(id);
    for (const r of f.rungs) for (let i = 0; i < n; i++) ladders.get(r.ladder)?.delete(r.key, id);
  };

  const file = (ctx: LadderContext, vault: EulerVault, id: string, a: EulerAccount | undefined): void => {
    unfile(id);
    const n = multiplicity(id);
    const f = a === undefined || n === 0 ? undefined : fileOf(ctx, vault, a);
    if (f === undefined) return;
    filed.set(id, f);
    if (f.always) {
      always.set(id, n);
      return;
    }
    for (const r of f.rungs) {
      let ladder = ladders.get(r.ladder);
      if (ladder === undefined) {
        ladder = new Ladder();
        ladders.set(r.ladder, ladder);
      }
      for (let i = 0; i < n; i++) ladder.insert(r.key, id);
    }
  };

  return {
    /** Brings the filing to `state` under `ctx`. */
    sync(state: EulerState, ctx: LadderContext): void {
      const accounts = state.ext.accounts;
      const vault = state.ext.vault;
      assert(vault !== null, 'a ladder context without a vault');
      if (context === undefined || !sameContext(context, ctx)) {
        // Refile every account, each ladder sorted once.
        filed.clear();
        ladders.clear();
        always.clear();
        const rungs = new Map<string, { key: bigint; id: string }[]>();
        for (const id of ids(state)) {
          const a = accounts.get(id);
          const n = multiplicity(id);
          const f = a === undefined || n === 0 ? undefined : fileOf(ctx, vault, a);
          if (f === undefined) continue;
          filed.set(id, f);
          if (f.always) {
            always.set(id, n);
            continue;
          }
          for (const r of f.rungs) {
            const list = rungs.get(r.ladder) ?? [];
            for (let i = 0; i < n; i++) list.push({ key: r.key, id });
            rungs.set(r.ladder, list);
          }
        }
        for (const [name, list] of rungs) ladders.set(name, Ladder.of(list));
      } else if (seen !== accounts) {
        PersistentMap.diff(seen, accounts, (id, _before, after) => file(ctx, vault, id, after));
      }
      context = ctx;
      seen = accounts;
    },
    ladder: (name: string): Ladder | undefined => ladders.get(name),
    /** Names of the ladders (some may be empty). */
    ladderNames: (): IterableIterator<string> => ladders.keys(),
    always: (): ReadonlyMap<string, number> => always,
  };
}

/** The one collateral with a balance among `a`'s enabled ones that `keep` accepts, else how many. */
function onlyHeld(a: EulerAccount, keep: (asset: string) => boolean): string | number {
  let held: string | undefined;
  let count = 0;
  for (const c of a.enabledCollaterals) {
    if ((own(a.collateral, c) ?? 0n) === 0n || !keep(c)) continue;
    held = c;
    count += 1;
  }
  return count === 1 && held !== undefined ? held : count;
}

/** Health thresholds (WAD) of the bounds above the first (1: liquidatable or not decides it). */
const BOUND_THRESHOLDS_WAD: readonly bigint[] = HEALTH_BUCKET_BOUNDS.slice(1).map(healthThresholdWad);

/**
 * A fresh index over a run whose book accounts are `book` (ids; repeats count as often as they
 * appear, as the scans over the list do), whose borrowers' totals count `assets.collateral` and
 * the debt of the vault's asset `assets.debt`.
 */
export function eulerBookIndex(
  book: readonly string[],
  assets: { readonly collateral: string; readonly debt: string },
): EulerBookIndex {
  const debtClaim = debtClaimAsset(assets.debt);
  const multiplicity = new Map<string, number>();
  for (const id of book) multiplicity.set(id, (multiplicity.get(id) ?? 0) + 1);
  const bookCount = (id: string): number => multiplicity.get(id) ?? 0;

  // The screen: every account, keyed by the highest price of its collateral at which it is in
  // violation; accounts the view must decide itself are always listed.
  const screenLadders = ladderFollower(
    (ctx, vault, a) => {
      if (a.owed === 0n) return undefined;
      const held = onlyHeld(a, (c) => own(vault.ltv, c) !== undefined);
      if (held === 0) return undefined; // no pair to list
      if (typeof held === 'number') return ALWAYS; // several valued collaterals
      const at = ctx.collaterals.indexOf(held);
      if ((ctx.ltvNow[at] ?? 0n) === 0n) return ALWAYS; // worth 0 at every price
      const line = lineOf(ctx, a, held);
      // Without a feed or a listing the model cannot value the account: the view skips it.
      if (line === undefined) return undefined;
      if (line.liabilityValue === 0n) return undefined; // never in violation
      return { always: false, rungs: [{ ladder: held, key: violationPriceCeiling(line) }] };
    },
    () => 1,
    (state) => state.ext.accounts.keys(),
  );

  // The health buckets: book accounts that owe; one rung for the violation ceiling and one per
  // bound above 1 (the lowest price at which the score reaches it); the rest read one by one.
  const healthLadders = ladderFollower(
    (ctx, _vault, a) => {
      if (a.owed === 0n) return undefined; // no health reading
      // `health` prices every enabled collateral with a balance, recognised or not.
      const held = onlyHeld(a, () => true);
      if (typeof held === 'number') return ALWAYS;
      const at = ctx.collaterals.indexOf(held);
      if (at < 0) return ALWAYS; // not a recognised collateral: read it one by one
      const line = lineOf(ctx, a, held);
      if (line === undefined || line.liabilityValue === 0n) return ALWAYS;
      return {
        always: false,
        rungs: [
          { ladder: `${held}|violation`, key: violationPriceCeiling(line) },
          ...BOUND_THRESHOLDS_WAD.map((t, b) => ({
            ladder: `${held}|${b + 1}`,
            key: healthPriceFloor(line, t),
          })),
        ],
      };
    },
    bookCount,
    () => multiplicity.keys(),
  );

  // Borrowers' totals.
  let totalsLedger: Ledger = {};
  let collateral = 0n;
  let owed = 0n;

  // Bad debt.
  let badAccounts = PersistentMap.empty<EulerAccount>();
  let badLtv: unknown;
  const badOf = new Map<string, bigint>();
  let badSum = 0n;

  return {
    screen(state, nowSeconds) {
      const ctx = contextOf(state, nowSeconds);
      // The view values every account that owes with the debt's price: none can be listed.
      if (ctx === undefined) return [];
      screenLadders.sync(state, ctx);
      const out = [...screenLadders.always().keys()];
      for (const asset of screenLadders.ladderNames()) {
        const reading = readPrice(state, asset, nowSeconds);
        // Unpriced collateral: the view skips its accounts (their liquidity read throws).
        if (reading !== undefined) screenLadders.ladder(asset)?.idsAbove(reading.price - 1n, out);
      }
      return out.sort();
    },
    healthCounts(state, nowSeconds) {
      const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
      const ctx = contextOf(state, nowSeconds);
      // Every health read of an account that owes needs the debt's price: nothing to count.
      if (ctx === undefined) return counts;
      healthLadders.sync(state, ctx);
      const add = (bucket: number, n: number): void => {
        counts[bucket] = (counts[bucket] ?? 0) + n;
      };
      for (const name of healthLadders.ladderNames()) {
        if (!name.endsWith('|violation')) continue;
        const asset = name.slice(0, -'|violation'.length);
        const reading = readPrice(state, asset, nowSeconds);
        if (reading === undefined) continue; // the health reads throw: left out
        const p = reading.price;
        const violation = healthLadders.ladder(name);
        if (violation === undefined) continue;
        // at[b]: accounts at or above bound b. Bound 0 (1.0): those not in violation (their score
        // is ≥ 1e18); bounds above: those whose floor price is reached (all out of violation).
        const at = [violation.countAtMost(p - 1n)];
        for (let b = 1; b < HEALTH_BUCKET_BOUNDS.length; b++) {
          at.push(healthLadders.ladder(`${asset}|${b}`)?.countAtMost(p) ?? 0);
        }
        add(0, violation.size - (at[0] ?? 0));
        for (let b = 1; b < at.length; b++) add(b, (at[b - 1] ?? 0) - (at[b] ?? 0));
        add(HEALTH_BUCKET_BOUNDS.length, at[at.length - 1] ?? 0);
      }
      for (const [id, n] of healthLadders.always()) {
        try {
          const h = eulerV2Model.health(state, id, nowSeconds);
          add(healthBucketOf(h.healthWad, h.liquidatable), n);
        } catch (e) {
          if (!(e instanceof SolventError)) throw e; // the oracle refuses: no reading this step
        }
      }
      return counts;
    },
    borrowerTotals(state) {
      const count = (bucket: string, prefix: string): bigint =>
        bucket.startsWith(prefix) ? BigInt(bookCount(bucket.slice(prefix.length))) : 0n;
      diffBalances(totalsLedger, state.ledger, assets.collateral, (bucket, before, after) => {
        const n = count(bucket, 'acct:');
        if (n !== 0n) collateral += n * (after - before);
      });
      diffBalances(totalsLedger, state.ledger, debtClaim, (bucket, before, after) => {
        const n = count(bucket, 'debt:');
        if (n !== 0n) owed += n * (after - before);
      });
      totalsLedger = state.ledger;
      return { collateral, owed };
    },
    badDebtUnits(state) {
      const vault = state.ext.vault;
      if (vault === null) return 0n;
      const accounts = state.ext.accounts;
      const update = (id: string, a: EulerAccount | undefined): void => {
        const n = BigInt(bookCount(id));
        if (n === 0n) return;
        badSum -= badOf.get(id) ?? 0n;
        const units = a !== undefined && a.owed > 0n && hasNoCollateral(vault, a) ? n * a.owed : 0n;
        badSum += units;
        if (units === 0n) badOf.delete(id);
        else badOf.set(id, units);
      };
      if (badLtv !== vault.ltv) {
        // Which collaterals are recognised changed: recount every book account.
        badOf.clear();
        badSum = 0n;
        for (const id of multiplicity.keys()) update(id, accounts.get(id));
      } else if (badAccounts !== accounts) {
        PersistentMap.diff(badAccounts, accounts, (id, _before, after) => update(id, after));
      }
      badLtv = vault.ltv;
      badAccounts = accounts;
      return vault.socializedDebt + badSum;
    },
  };
}
