/**
 * The ledger: every unit of every asset sits in exactly one bucket, and it only ever changes by a
 * `Moved` event from one bucket to another. Conservation is therefore structural, and a check of
 * it (sum of every asset over every bucket is zero) is a real test of the models.
 *
 * Bucket names (a convention shared by every model):
 * - `world`: outside the system; deposits come from it, withdrawals go to it. May be negative.
 * - `mint`: the issuer of a minted token or of debt claims; may be negative (−outstanding).
 * - `acct:<id>`: collateral an account has posted; `debt:<id>`: claims the account owes.
 * - `wallet:<actor>`: tokens an actor (user, keeper) holds inside the simulated world.
 * - `auction:<id>`: lot or outstanding tab of an auction.
 * - `protocol`: protocol reserves / surplus / treasury; `insurance`: the insurance fund.
 * - `deficit`: bad debt recorded and not yet covered; `socialized`: loss passed to suppliers.
 * - `sysdebt`: system debt (Maker's Vow `sin`, minted keeper rewards).
 */
import { assert } from '../math/errors.js';
import { InsufficientBalanceError } from './errors.js';
import { fnv1a, mixHash, PersistentMap } from './persistentMap.js';

/**
 * asset → shard → bucket → balance (integer, in the asset's own smallest unit). Buckets are spread
 * over {@link LEDGER_SHARDS} shards by a hash of their name, and each shard is a
 * {@link PersistentMap}, so a move copies a 128-slot array and O(log n) trie nodes, never every
 * account's balance: the ledger stays immutable without an O(accounts) cost per move. (The shards
 * are kept so that a ledger's canonical JSON, hence every state hash, is what it was when each
 * shard was a plain record.) Read it through {@link balanceOf}, {@link bucketsOf},
 * {@link assetsOf} and {@link diffBalances}, never by indexing.
 */
export type Ledger = Readonly<Record<string, readonly LedgerShard[]>>;

/** One shard: bucket → balance, zero balances absent. */
export type LedgerShard = PersistentMap<bigint>;

/** Number of shards per asset (a power of two). */
export const LEDGER_SHARDS = 128;

const EMPTY_SHARD: LedgerShard = PersistentMap.empty<bigint>();
const EMPTY_SHARDS: readonly LedgerShard[] = Object.freeze(
  Array.from({ length: LEDGER_SHARDS }, () => EMPTY_SHARD),
);

/**
 * Shard of a bucket name: FNV-1a over its UTF-16 code units, modulo the shard count. Fixed: the
 * canonical JSON lists the shards by position. Lookups take the shard and the trie hash
 * (`mixHash` of the same FNV value, which is `keyHash(bucket)`) from one pass over the string.
 */
const shardOfHash = (fnv: number): number => fnv & (LEDGER_SHARDS - 1);

/** Buckets allowed to hold a negative balance: the outside world and issuers. */
export const SIGNED_BUCKETS: ReadonlySet<string> = new Set(['world', 'mint']);

/** A transfer of `amount` (> 0) of `asset` from one bucket to another. */
export interface Moved {
  readonly type: 'Moved';
  readonly asset: string;
  readonly from: string;
  readonly to: string;
  /** Smallest units of the asset (> 0). */
  readonly amount: bigint;
  /** Why (e.g. `deposit`, `seize`, `bonus`, `protocolFee`, `badDebt`). */
  readonly reason: string;
}

/** Balance of `bucket` in `asset` (0 when absent). */
export function balanceOf(ledger: Ledger, bucket: string, asset: string): bigint {
  const shards = ledger[asset];
  if (shards === undefined) return 0n;
  const fnv = fnv1a(bucket);
  return shards[shardOfHash(fnv)]?.getHashed(bucket, mixHash(fnv)) ?? 0n;
}

/** Every non-zero `[bucket, balance]` of one asset, sorted by bucket name. */
export function bucketsOf(ledger: Ledger, asset: string): [string, bigint][] {
  const out: [string, bigint][] = [];
  for (const shard of ledger[asset] ?? EMPTY_SHARDS) {
    shard.forEach((v, b) => {
      out.push([b, v]);
    });
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Every asset that has ever moved, sorted. */
export function assetsOf(ledger: Ledger): string[] {
  return Object.keys(ledger).sort();
}

/** Builds a `Moved` event; returns none when `amount` is 0 so callers can emit unconditionally. */
export function moved(asset: string, from: string, to: string, amount: bigint, reason: string): Moved[] {
  if (amount < 0n) assert(false, `move of a negative amount ${amount} ${asset} (${reason})`);
  if (amount === 0n || from === to) return [];
  return [{ type: 'Moved', asset, from, to, amount, reason }];
}

/**
 * Checks that a batch of moves can be applied in order without taking an unsigned bucket below
 * zero, and throws {@link InsufficientBalanceError} naming the first that would. Used by `decide`
 * so that a refused command changes nothing.
 */
export function requireMovesFeasible(ledger: Ledger, moves: readonly Moved[]): void {
  // What the batch has moved so far, per touched (asset, bucket), in the scratch arrays below
  // (searched linearly: a command moves a handful of times). A bucket's balance is read only when
  // it is debited and may not go negative; credits and signed buckets need no read.
  scratchAssets.length = 0;
  scratchBuckets.length = 0;
  scratchDeltas.length = 0;
  scratchBases.length = 0;
  for (const m of moves) {
    const from = scratchSlot(m.from, m.asset);
    if (!SIGNED_BUCKETS.has(m.from)) {
      let base = scratchBases[from];
      if (base === undefined) {
        base = balanceOf(ledger, m.from, m.asset);
        scratchBases[from] = base;
      }
      const have = base + (scratchDeltas[from] as bigint);
      if (have < m.amount) throw new InsufficientBalanceError(m.from, m.asset, have, m.amount);
    }
    if (m.to === m.from) {
      // Kept as it always was: the credit is computed from the balance before the debit, so a
      // move to the same bucket leaves the running balance `amount` higher.
      scratchDeltas[from] = (scratchDeltas[from] as bigint) + m.amount;
    } else {
      scratchDeltas[from] = (scratchDeltas[from] as bigint) - m.amount;
      const to = scratchSlot(m.to, m.asset);
      scratchDeltas[to] = (scratchDeltas[to] as bigint) + m.amount;
    }
  }
}

/*
 * Scratch space of requireMovesFeasible, reused from call to call (it runs synchronously, calls
 * nothing that could re-enter it, and clears it first): parallel arrays of the touched asset and
 * bucket, the net amount moved, and the balance before the batch once read.
 */
const scratchAssets: string[] = [];
const scratchBuckets: string[] = [];
const scratchDeltas: bigint[] = [];
const scratchBases: (bigint | undefined)[] = [];

/** Index of (bucket, asset) in the scratch arrays, added with nothing moved when new. */
function scratchSlot(bucket: string, asset: string): number {
  for (let i = 0; i < scratchBuckets.length; i++) {
    if (scratchBuckets[i] === bucket && scratchAssets[i] === asset) return i;
  }
  scratchAssets.push(asset);
  scratchBuckets.push(bucket);
  scratchDeltas.push(0n);
  scratchBases.push(undefined);
  return scratchBuckets.length - 1;
}

/** Applies one move, returning a new ledger (input untouched). Zero balances are dropped. */
export function applyMove(ledger: Ledger, m: Moved): Ledger {
  const shards = (ledger[m.asset] ?? EMPTY_SHARDS).slice();
  moveInto(shards, m);
  return { ...ledger, [m.asset]: shards };
}

/**
 * Applies `moves` in order, returning a new ledger (input untouched): the same ledger as folding
 * {@link applyMove} over them, built with one copy of the ledger record and one copy of each
 * touched asset's shard array instead of one of each per move. Zero balances are dropped.
 * @throws AssertionError (via `assert`) when a move would take an unsigned bucket below zero.
 */
export function applyMoves(ledger: Ledger, moves: readonly Moved[]): Ledger {
  if (moves.length === 0) return ledger;
  const out: Record<string, readonly LedgerShard[]> = { ...ledger };
  // Assets whose shard array in `out` is already this call's own copy (few per command).
  const owned: string[] = [];
  for (const m of moves) {
    let shards = out[m.asset] as LedgerShard[] | undefined;
    if (shards === undefined || !owned.includes(m.asset)) {
      shards = (shards ?? EMPTY_SHARDS).slice();
      out[m.asset] = shards;
      owned.push(m.asset);
    }
    moveInto(shards, m);
  }
  return out;
}

/**
 * Debits `m.from` then credits `m.to` in `shards` (an array the caller owns and may overwrite),
 * each bucket hashed once. A move to the same bucket reads its credit after its debit.
 */
function moveInto(shards: LedgerShard[], m: Moved): void {
  const fromFnv = fnv1a(m.from);
  const fromIndex = shardOfHash(fromFnv);
  const fromHash = mixHash(fromFnv);
  const fromShard = shards[fromIndex] ?? EMPTY_SHARD;
  const from = (fromShard.getHashed(m.from, fromHash) ?? 0n) - m.amount;
  // The message is only built when the check fails (it formats a bigint).
  if (from < 0n && !SIGNED_BUCKETS.has(m.from)) {
    assert(false, `${m.from} would hold ${from} ${m.asset} (${m.reason})`);
  }
  shards[fromIndex] =
    from === 0n ? fromShard.deleteHashed(m.from, fromHash) : fromShard.setHashed(m.from, fromHash, from);
  const toFnv = m.to === m.from ? fromFnv : fnv1a(m.to);
  const toIndex = shardOfHash(toFnv);
  const toHash = m.to === m.from ? fromHash : mixHash(toFnv);
  const toShard = shards[toIndex] ?? EMPTY_SHARD;
  const to = (toShard.getHashed(m.to, toHash) ?? 0n) + m.amount;
  shards[toIndex] = to === 0n ? toShard.deleteHashed(m.to, toHash) : toShard.setHashed(m.to, toHash, to);
}

/**
 * Calls `change(bucket, before, after)` for every bucket whose balance of `asset` differs between
 * two ledgers (0n for absent). Shards and trie nodes the ledgers share are skipped, so following
 * one state to the next costs what changed, not the number of buckets.
 */
export function diffBalances(
  before: Ledger,
  after: Ledger,
  asset: string,
  change: (bucket: string, before: bigint, after: bigint) => void,
): void {
  const a = before[asset] ?? EMPTY_SHARDS;
  const b = after[asset] ?? EMPTY_SHARDS;
  if (a === b) return;
  for (let i = 0; i < LEDGER_SHARDS; i++) {
    const sa = a[i] ?? EMPTY_SHARD;
    const sb = b[i] ?? EMPTY_SHARD;
    if (sa !== sb) PersistentMap.diff(sa, sb, (bucket, x, y) => change(bucket, x ?? 0n, y ?? 0n));
  }
}

/** Sum of one asset over every bucket: zero on every ledger built only from moves. */
export function assetTotal(ledger: Ledger, asset: string): bigint {
  let total = 0n;
  for (const [, v] of bucketsOf(ledger, asset)) total += v;
  return total;
}

/** Sum of one asset over the buckets whose name starts with `prefix` (e.g. `acct:`). */
export function sumByPrefix(ledger: Ledger, asset: string, prefix: string): bigint {
  let total = 0n;
  for (const [bucket, v] of bucketsOf(ledger, asset)) if (bucket.startsWith(prefix)) total += v;
  return total;
}
