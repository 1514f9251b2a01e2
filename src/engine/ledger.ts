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
import { PersistentMap } from './persistentMap.js';

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

/** Shard of a bucket name: FNV-1a over its UTF-16 code units, modulo the shard count. */
function shardOf(bucket: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bucket.length; i++) {
    h ^= bucket.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (LEDGER_SHARDS - 1);
}

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
  return shards[shardOf(bucket)]?.get(bucket) ?? 0n;
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
  assert(amount >= 0n, `move of a negative amount ${amount} ${asset} (${reason})`);
  if (amount === 0n || from === to) return [];
  return [{ type: 'Moved', asset, from, to, amount, reason }];
}

/**
 * Checks that a batch of moves can be applied in order without taking an unsigned bucket below
 * zero, and throws {@link InsufficientBalanceError} naming the first that would. Used by `decide`
 * so that a refused command changes nothing.
 */
export function requireMovesFeasible(ledger: Ledger, moves: readonly Moved[]): void {
  // Running balances of the touched buckets only: no ledger copies on the decide path.
  const running = new Map<string, bigint>();
  const key = (bucket: string, asset: string) => `${asset}\u0000${bucket}`;
  const read = (bucket: string, asset: string) =>
    running.get(key(bucket, asset)) ?? balanceOf(ledger, bucket, asset);
  for (const m of moves) {
    const have = read(m.from, m.asset);
    if (!SIGNED_BUCKETS.has(m.from) && have < m.amount) {
      throw new InsufficientBalanceError(m.from, m.asset, have, m.amount);
    }
    const to = read(m.to, m.asset);
    running.set(key(m.from, m.asset), have - m.amount);
    running.set(key(m.to, m.asset), to + m.amount);
  }
}

/** Applies one move, returning a new ledger (input untouched). Zero balances are dropped. */
export function applyMove(ledger: Ledger, m: Moved): Ledger {
  const from = balanceOf(ledger, m.from, m.asset) - m.amount;
  assert(SIGNED_BUCKETS.has(m.from) || from >= 0n, `${m.from} would hold ${from} ${m.asset} (${m.reason})`);
  if (m.from === m.to) {
    const withFrom = setBalance(ledger, m.asset, m.from, from);
    return setBalance(withFrom, m.asset, m.to, balanceOf(withFrom, m.to, m.asset) + m.amount);
  }
  // Both buckets in one copy of the asset's shard array.
  const to = balanceOf(ledger, m.to, m.asset) + m.amount;
  const shards = (ledger[m.asset] ?? EMPTY_SHARDS).slice();
  const put = (bucket: string, value: bigint): void => {
    const index = shardOf(bucket);
    const old = shards[index] ?? EMPTY_SHARD;
    shards[index] = value === 0n ? old.delete(bucket) : old.set(bucket, value);
  };
  put(m.from, from);
  put(m.to, to);
  return { ...ledger, [m.asset]: shards };
}

/** Copies the shard array and the touched trie path only; zero balances are dropped. */
function setBalance(ledger: Ledger, asset: string, bucket: string, value: bigint): Ledger {
  const index = shardOf(bucket);
  const shards = (ledger[asset] ?? EMPTY_SHARDS).slice();
  const old = shards[index] ?? EMPTY_SHARD;
  shards[index] = value === 0n ? old.delete(bucket) : old.set(bucket, value);
  return { ...ledger, [asset]: shards };
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
