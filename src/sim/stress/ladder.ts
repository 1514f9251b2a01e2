/**
 * A liquidation-price ladder: accounts sorted by a bigint key (the price below which each becomes
 * unsafe), kept in short sorted blocks so that adding or removing one account costs O(√n) at
 * worst and "every account whose key is above this price" is a range read. A run-local index of
 * the stress lab (src/sim/stress/makerIndex.ts): it is mutated in place, never shared or stored.
 */

/** One rung: an account and its key. */
interface Rung {
  readonly key: bigint;
  readonly id: string;
}

/** Rungs per block before it is split in two. */
const BLOCK_MAX = 512;

/** (key, id) order: by key, then by id (so equal keys still have one place). */
function before(a: Rung, key: bigint, id: string): boolean {
  return a.key < key || (a.key === key && a.id < id);
}

/** A sorted multiset of (key, id) pairs with range reads by key. */
export class Ladder {
  /** Sorted blocks, each sorted and non-empty; block i's rungs all precede block i+1's. */
  private blocks: Rung[][] = [];
  #size = 0;

  /** Number of rungs. */
  get size(): number {
    return this.#size;
  }

  /** A ladder of the given pairs (sorted once: faster than one insert each). */
  static of(pairs: readonly { readonly key: bigint; readonly id: string }[]): Ladder {
    const rungs = pairs.map((p) => ({ key: p.key, id: p.id }));
    rungs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const ladder = new Ladder();
    const half = BLOCK_MAX / 2;
    for (let i = 0; i < rungs.length; i += half) ladder.blocks.push(rungs.slice(i, i + half));
    ladder.#size = rungs.length;
    return ladder;
  }

  /** Index of the first block whose last rung is not before (key, id); blocks.length when none. */
  /** An independent copy (the rungs themselves are immutable and shared). */
  clone(): Ladder {
    const copy = new Ladder();
    copy.blocks = this.blocks.map((block) => block.slice());
    copy.#size = this.#size;
    return copy;
  }

  private blockFor(key: bigint, id: string): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] as Rung[];
      if (before(block[block.length - 1] as Rung, key, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the first rung of `block` not before (key, id). */
  private static within(block: readonly Rung[], key: bigint, id: string): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(block[mid] as Rung, key, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds (key, id); a pair already present is added again (callers keep one per account). */
  insert(key: bigint, id: string): void {
    this.#size += 1;
    if (this.blocks.length === 0) {
      this.blocks.push([{ key, id }]);
      return;
    }
    let b = this.blockFor(key, id);
    if (b === this.blocks.length) b -= 1; // after every rung: append to the last block
    const block = this.blocks[b] as Rung[];
    block.splice(Ladder.within(block, key, id), 0, { key, id });
    if (block.length > BLOCK_MAX)
      this.blocks.splice(b, 1, block.slice(0, BLOCK_MAX / 2), block.slice(BLOCK_MAX / 2));
  }

  /** Removes one (key, id); returns false when it is not there. */
  delete(key: bigint, id: string): boolean {
    const b = this.blockFor(key, id);
    const block = this.blocks[b];
    if (block === undefined) return false;
    const i = Ladder.within(block, key, id);
    const rung = block[i];
    if (rung === undefined || rung.key !== key || rung.id !== id) return false;
    block.splice(i, 1);
    if (block.length === 0) this.blocks.splice(b, 1);
    this.#size -= 1;
    return true;
  }

  /** Appends to `out` the id of every rung whose key is > `price`, in ladder order. */
  idsAbove(price: bigint, out: string[]): void {
    for (let b = this.firstBlockAbove(price); b < this.blocks.length; b++) {
      const block = this.blocks[b] as Rung[];
      for (const r of block) if (r.key > price) out.push(r.id);
    }
  }

  /** Calls `visit` on every rung whose key is in (lo, hi], in ladder order. */
  forEachIn(lo: bigint, hi: bigint, visit: (id: string, key: bigint) => void): void {
    for (let b = this.firstBlockAbove(lo); b < this.blocks.length; b++) {
      const block = this.blocks[b] as Rung[];
      if ((block[0] as Rung).key > hi) return;
      for (const r of block) {
        if (r.key > hi) return;
        if (r.key > lo) visit(r.id, r.key);
      }
    }
  }

  /** Number of rungs whose key is ≤ `price`. */
  countAtMost(price: bigint): number {
    let n = 0;
    for (const block of this.blocks) {
      if ((block[block.length - 1] as Rung).key <= price) {
        n += block.length;
        continue;
      }
      for (const r of block) {
        if (r.key > price) return n;
        n += 1;
      }
      return n;
    }
    return n;
  }

  /** Index of the first block holding a key > `price` (binary search on block maxima). */
  private firstBlockAbove(price: bigint): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] as Rung[];
      if ((block[block.length - 1] as Rung).key <= price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
