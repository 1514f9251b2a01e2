/**
 * A liquidation-price ladder for isolated positions (one collateral asset, one debt asset): the
 * accounts of one (collateral, debt) pair sorted by the price ratio below which each becomes
 * liquidatable, so that a price tick is a range query. Mutable; owned by the detector.
 *
 * An isolated account with net collateral coefficient A > 0 and net debt coefficient B > 0 (see
 * NetPosition in model.ts) is liquidatable iff P_c·A < P_d·B, that is iff its threshold ratio
 * r = B/A exceeds the price ratio q = P_c/P_d. The ladder keeps the entries in increasing r, each
 * with the double nearest to r as its key (ratio.ts): the keys are sorted too (the rounding is
 * monotone), so a binary search over them is exact wherever the keys differ, and the exact bigints
 * B, A decide among equal keys. Ties in r are broken by slot number, which makes the order total and
 * lets an entry be found again in O(log n).
 *
 * Storage is a list of blocks (sorted runs of at most {@link LADDER_BLOCK_CAPACITY} entries, each a
 * Float64Array of keys and an Int32Array of slots): insert and remove are a binary search over the
 * blocks, one inside the block and a move of at most one block's entries; a full block splits in
 * two (a splice of the block directory, whose length is n / capacity), an emptied one is dropped.
 */
import { assert } from '../../math/errors.js';
import { ratioToDouble } from './ratio.js';

/** Most entries a block holds; a full block splits in two halves. */
export const LADDER_BLOCK_CAPACITY = 1024;
/** Entries per block after a bulk load, leaving room for inserts before the first split. */
const BULK_FILL = 768;

/** A position in the ladder: block `b`, offset `i` (b = block count means the end). */
interface Position {
  readonly b: number;
  readonly i: number;
}

/**
 * Where the ladder reads the exact coefficients of an account slot (the detector keeps them packed
 * in flat arrays, so the ladder asks for them: only at ties of the float keys and on insertion).
 */
export interface LadderCoefficients {
  /** Net collateral coefficient A > 0 of a slot (collateral amount·LT·scale). */
  collateralCoef(slot: number): bigint;
  /** Net debt coefficient B > 0 of a slot (debt amount·10^4·scale). */
  debtCoef(slot: number): bigint;
}

/**
 * The ladder of one (collateral, debt) pair. Entries are account slots (integers ≥ 0) whose
 * coefficients the ladder reads through the accessors it was given, whose answers for a slot
 * must not change while the slot is in the ladder.
 */
export class LiquidationLadder {
  /** Asset index of the collateral (its price is the numerator of q). */
  readonly collateralAsset: number;
  /** Asset index of the debt (its price is the denominator of q). */
  readonly debtAsset: number;
  private readonly coefs: LadderCoefficients;
  private readonly blockKeys: Float64Array[] = [];
  private readonly blockSlots: Int32Array[] = [];
  private readonly blockLength: number[] = [];
  private count = 0;

  /**
   * An empty ladder.
   * @param collateralAsset asset index of the collateral; @param debtAsset asset index of the debt.
   * @param coefficients the per-slot exact coefficients (read, never written).
   */
  constructor(collateralAsset: number, debtAsset: number, coefficients: LadderCoefficients) {
    this.collateralAsset = collateralAsset;
    this.debtAsset = debtAsset;
    this.coefs = coefficients;
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** The key of a slot: the double nearest to its threshold ratio B/A. */
  private keyOf(slot: number): number {
    return ratioToDouble(this.coefs.debtCoef(slot), this.coefs.collateralCoef(slot));
  }

  /** Orders entry (k, s) against (kt, st): key, then exact ratio, then slot. */
  private compare(k: number, s: number, kt: number, st: number): number {
    if (k !== kt) return k < kt ? -1 : 1;
    // Equal keys: compare B_s/A_s with B_t/A_t exactly, by cross-multiplying (A > 0).
    const left = this.coefs.debtCoef(s) * this.coefs.collateralCoef(st);
    const right = this.coefs.debtCoef(st) * this.coefs.collateralCoef(s);
    if (left !== right) return left < right ? -1 : 1;
    return s - st;
  }

  /** First position whose entry satisfies `pred` (monotone: false…false true…true). */
  private search(pred: (key: number, slot: number) => boolean): Position {
    const blocks = this.blockLength.length;
    let lo = 0;
    let hi = blocks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = (this.blockLength[mid] as number) - 1;
      if (
        pred(
          (this.blockKeys[mid] as Float64Array)[last] as number,
          (this.blockSlots[mid] as Int32Array)[last] as number,
        )
      ) {
        hi = mid;
      } else lo = mid + 1;
    }
    if (lo === blocks) return { b: blocks, i: 0 };
    const keys = this.blockKeys[lo] as Float64Array;
    const slots = this.blockSlots[lo] as Int32Array;
    let l = 0;
    let h = (this.blockLength[lo] as number) - 1; // the last entry satisfies pred
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (pred(keys[mid] as number, slots[mid] as number)) h = mid;
      else l = mid + 1;
    }
    return { b: lo, i: l };
  }

  /** First position whose threshold ratio r = B/A is > q = qNum/qDen (qNum, qDen > 0). */
  private firstAbove(qNum: bigint, qDen: bigint): Position {
    const fq = ratioToDouble(qNum, qDen);
    // key > fq ⇒ r > q and key < fq ⇒ r < q (the key is a monotone function of r); equal keys
    // are decided exactly: r > q ⇔ B·qDen > qNum·A.
    return this.search(
      (k, s) => k > fq || (k === fq && this.coefs.debtCoef(s) * qDen > qNum * this.coefs.collateralCoef(s)),
    );
  }

  /**
   * Adds an account slot (not already present; its coefficients must already be readable).
   * O(log n + block capacity).
   */
  insert(slot: number): void {
    const key = this.keyOf(slot);
    if (this.blockLength.length === 0) {
      this.blockKeys.push(new Float64Array(LADDER_BLOCK_CAPACITY));
      this.blockSlots.push(new Int32Array(LADDER_BLOCK_CAPACITY));
      this.blockLength.push(0);
    }
    let { b, i } = this.search((k, s) => this.compare(k, s, key, slot) > 0);
    if (b === this.blockLength.length) {
      b -= 1;
      i = this.blockLength[b] as number;
    }
    if (this.blockLength[b] === LADDER_BLOCK_CAPACITY) {
      this.split(b);
      const left = this.blockLength[b] as number;
      // i = left stays at the end of the left half, which now has room.
      if (i > left) {
        b += 1;
        i -= left;
      }
    }
    const keys = this.blockKeys[b] as Float64Array;
    const slots = this.blockSlots[b] as Int32Array;
    const length = this.blockLength[b] as number;
    keys.copyWithin(i + 1, i, length);
    slots.copyWithin(i + 1, i, length);
    keys[i] = key;
    slots[i] = slot;
    this.blockLength[b] = length + 1;
    this.count += 1;
  }

  /** Splits full block `b` into two halves. */
  private split(b: number): void {
    const half = LADDER_BLOCK_CAPACITY >>> 1;
    const keys = this.blockKeys[b] as Float64Array;
    const slots = this.blockSlots[b] as Int32Array;
    const newKeys = new Float64Array(LADDER_BLOCK_CAPACITY);
    const newSlots = new Int32Array(LADDER_BLOCK_CAPACITY);
    newKeys.set(keys.subarray(half, LADDER_BLOCK_CAPACITY));
    newSlots.set(slots.subarray(half, LADDER_BLOCK_CAPACITY));
    this.blockKeys.splice(b + 1, 0, newKeys);
    this.blockSlots.splice(b + 1, 0, newSlots);
    this.blockLength.splice(b + 1, 0, LADDER_BLOCK_CAPACITY - half);
    this.blockLength[b] = half;
  }

  /**
   * Removes an account slot, which must be present with the coefficients it was inserted with.
   * O(log n + block capacity).
   */
  remove(slot: number): void {
    const key = this.keyOf(slot);
    const { b, i } = this.search((k, s) => this.compare(k, s, key, slot) >= 0);
    assert(
      b < this.blockLength.length && (this.blockSlots[b] as Int32Array)[i] === slot,
      `ladder remove: slot ${slot} is not in the ladder`,
    );
    const keys = this.blockKeys[b] as Float64Array;
    const slots = this.blockSlots[b] as Int32Array;
    const length = this.blockLength[b] as number;
    keys.copyWithin(i, i + 1, length);
    slots.copyWithin(i, i + 1, length);
    this.blockLength[b] = length - 1;
    this.count -= 1;
    if (length === 1) {
      this.blockKeys.splice(b, 1);
      this.blockSlots.splice(b, 1);
      this.blockLength.splice(b, 1);
    }
  }

  /**
   * Fills an empty ladder with many slots at once: O(n log n) sorting instead of n inserts.
   * @param slots distinct account slots whose coefficients are already readable.
   */
  bulkLoad(slots: ArrayLike<number>): void {
    assert(this.count === 0, 'bulkLoad needs an empty ladder');
    const n = slots.length;
    if (n === 0) return;
    const keys = new Float64Array(n);
    const order = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      keys[j] = this.keyOf(slots[j] as number);
      order[j] = j;
    }
    order.sort((x, y) =>
      this.compare(keys[x] as number, slots[x] as number, keys[y] as number, slots[y] as number),
    );
    for (let start = 0; start < n; start += BULK_FILL) {
      const length = Math.min(BULK_FILL, n - start);
      const blockKeys = new Float64Array(LADDER_BLOCK_CAPACITY);
      const blockSlots = new Int32Array(LADDER_BLOCK_CAPACITY);
      for (let j = 0; j < length; j++) {
        const o = order[start + j] as number;
        blockKeys[j] = keys[o] as number;
        blockSlots[j] = slots[o] as number;
      }
      this.blockKeys.push(blockKeys);
      this.blockSlots.push(blockSlots);
      this.blockLength.push(length);
    }
    this.count = n;
  }

  /** Calls `visit` for every slot from position `from` (inclusive) to `to` (exclusive). */
  private forEachBetween(from: Position, to: Position, visit: (slot: number) => void): number {
    let visited = 0;
    for (let b = from.b; b < this.blockLength.length && b <= to.b; b++) {
      const slots = this.blockSlots[b] as Int32Array;
      const start = b === from.b ? from.i : 0;
      const end = b === to.b ? to.i : (this.blockLength[b] as number);
      for (let i = start; i < end; i++) visit(slots[i] as number);
      if (end > start) visited += end - start;
    }
    return visited;
  }

  /**
   * Visits every slot whose threshold ratio r satisfies low < r ≤ high, where low = lowNum/lowDen
   * and high = highNum/highDen (all > 0, low ≤ high): the accounts that change status when the
   * price ratio P_c/P_d moves between low and high (in either direction). Returns how many.
   */
  forEachBetweenRatios(
    range: {
      readonly lowNum: bigint;
      readonly lowDen: bigint;
      readonly highNum: bigint;
      readonly highDen: bigint;
    },
    visit: (slot: number) => void,
  ): number {
    const from = this.firstAbove(range.lowNum, range.lowDen);
    const to = this.firstAbove(range.highNum, range.highDen);
    return this.forEachBetween(from, to, visit);
  }

  /**
   * Visits every slot whose threshold ratio exceeds q = qNum/qDen: the accounts liquidatable at
   * collateral price qNum and debt price qDen. Returns how many.
   */
  forEachAbove(qNum: bigint, qDen: bigint, visit: (slot: number) => void): number {
    return this.forEachBetween(this.firstAbove(qNum, qDen), { b: this.blockLength.length, i: 0 }, visit);
  }

  /**
   * Visits every slot with whether its threshold ratio exceeds q = qNum/qDen (whether it is
   * liquidatable at those prices), in ladder order. O(n): for full re-evaluations.
   */
  forEachWithStatus(qNum: bigint, qDen: bigint, visit: (slot: number, above: boolean) => void): void {
    const from = this.firstAbove(qNum, qDen);
    this.forEachBetween({ b: 0, i: 0 }, from, (s) => visit(s, false));
    this.forEachBetween(from, { b: this.blockLength.length, i: 0 }, (s) => visit(s, true));
  }

  /** Every slot in ladder order (increasing threshold ratio): for tests and audits. O(n). */
  slotsInOrder(): number[] {
    const out: number[] = [];
    this.forEachBetween({ b: 0, i: 0 }, { b: this.blockLength.length, i: 0 }, (s) => out.push(s));
    return out;
  }

  /** Number of blocks (for tests of splitting and merging). */
  get blockCount(): number {
    return this.blockLength.length;
  }
}
