/**
 * The headroom index of cross-margin accounts: for each asset, the cross accounts holding it whose
 * certified headroom κ (screen.ts) at the last rebuild was small, grouped by κ in buckets, and the
 * asset's "extras": the accounts holding it that are at risk (their certificate broke on some
 * asset's drift, or they changed since the rebuild). A price tick of an asset breaks the
 * certificates of the buckets its drift newly reaches (listing those accounts as extras of every
 * asset they hold) and evaluates the asset's extras; every other account provably keeps its
 * status. Mutable; owned by the detector.
 *
 * Layout. Only the lowest buckets are indexed, up to a quarter of all cross lines (a drift beyond
 * them is handled by the detector from its full exposure lists, or by a rebuild). The indexed
 * accounts' lines are copied, in increasing κ, into a "hot" arena of the index, so a tick reads them
 * sequentially. Certified entries are (slot, first hot line, line count), asset after asset and
 * bucket after bucket; extras are (slot, generation, first hot line or −1, line count), and the
 * detector bumps a slot's generation whenever the account changes, which invalidates its extras in
 * O(1) (they are dropped at the next rebuild).
 */
import { assert } from '../../math/errors.js';

/** `to` (longer) holding a copy of `from` at its start. */
function growTo<T extends Int32Array | Uint16Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Buckets: κ in [b, b+1) / {@link HEADROOM_BUCKET_SCALE} goes to bucket b, the last takes the rest. */
export const HEADROOM_BUCKETS = 1_024;
/** Bucket width is 1 / 8,192 of relative headroom (0.0122 %); buckets cover κ < 12.5 %. */
export const HEADROOM_BUCKET_SCALE = 8_192;

/** The bucket of a headroom or drift ≥ 0. */
export function headroomBucket(kappa: number): number {
  // Literals, not the constants above: this runs once per account in a full re-evaluation, and a
  // module constant read there costs a load and a check each time (measured: several ms per 1M).
  const b = Math.floor(kappa * 8_192); // HEADROOM_BUCKET_SCALE
  return b < 1_023 ? b : 1_023; // HEADROOM_BUCKETS − 1
}

/**
 * What a rebuild reads: the bucket of every account slot (cross accounts only; any value ≥
 * {@link HEADROOM_BUCKETS} marks a slot that is not indexed: not a cross account), the cross lines
 * per bucket, and the detector's arena.
 */
export interface HeadroomSource {
  /** Bucket per slot, slots 0 … slotCount − 1 (≥ HEADROOM_BUCKETS: skipped). */
  readonly slotBucket: Uint16Array;
  readonly slotCount: number;
  /** Per bucket, the total line count of the cross accounts in it (HEADROOM_BUCKETS entries). */
  readonly linesPerBucket: Int32Array;
  readonly lineStart: Int32Array;
  readonly lineCount: Int32Array;
  readonly lineAsset: Int32Array;
  readonly lineCoefF: Float64Array;
}

/** A certified entry: the account and its lines in the hot arena. */
export type CertifiedVisitor = (slot: number, hotStart: number, lineCount: number) => void;

/** An extra entry: the account, its generation when listed, and its lines (hot, or −1: its own). */
export type ExtraVisitor = (slot: number, gen: number, hotStart: number, lineCount: number) => void;

/** Share of all cross lines the index (and its hot arena) may hold, as a right shift: a quarter. */
const INDEXED_SHARE_SHIFT = 2;

/** Per-asset headroom buckets, the hot arena, and per asset the extra entries. */
export class HeadroomIndex {
  private readonly assetCount: number;
  /**
   * Flat bucket offsets: the entries of asset a, bucket b, are entries[bucketStart[a·B + b] …
   * bucketStart[a·B + b + 1]) (B = HEADROOM_BUCKETS).
   */
  private readonly bucketStart: Int32Array;
  /** Scratch of {@link rebuild}: fill cursors per (asset, bucket), and hot offsets per bucket. */
  private readonly scratchCursor: Int32Array;
  private readonly scratchBucketHot = new Int32Array(HEADROOM_BUCKETS + 1);
  /**
   * The staging area of a rebuild: candidate accounts (slot, bucket, line count) in slot order, and
   * copies of their lines one after the other; complete unless a candidate did not fit.
   */
  private stagedSlot = new Int32Array(0);
  private stagedBucket = new Uint16Array(0);
  private stagedCount = new Int32Array(0);
  private stagedAsset = new Int32Array(0);
  private stagedCoefF = new Float64Array(0);
  private stagedAccounts = 0;
  private stagedLines = 0;
  private stagedCap = 0;
  private stagedComplete = false;
  private entrySlot = new Int32Array(0);
  private entryHot = new Int32Array(0);
  private entryCount = new Uint16Array(0);
  private indexed = 0;
  /** The hot arena: lines of the indexed accounts, in increasing κ. */
  hotAsset = new Int32Array(0);
  hotCoefF = new Float64Array(0);
  private hotUsed = 0;
  private readonly extraSlot: Int32Array[];
  private readonly extraGen: Uint32Array[];
  private readonly extraHot: Int32Array[];
  private readonly extraLines: Uint16Array[];
  private readonly extraCount: number[];
  private extras = 0;

  /** An empty index over `assetCount` assets. */
  constructor(assetCount: number) {
    this.assetCount = assetCount;
    this.bucketStart = new Int32Array(assetCount * HEADROOM_BUCKETS + 1);
    this.scratchCursor = new Int32Array(assetCount * HEADROOM_BUCKETS + 1);
    this.extraSlot = Array.from({ length: assetCount }, () => new Int32Array(8));
    this.extraGen = Array.from({ length: assetCount }, () => new Uint32Array(8));
    this.extraHot = Array.from({ length: assetCount }, () => new Int32Array(8));
    this.extraLines = Array.from({ length: assetCount }, () => new Uint16Array(8));
    this.extraCount = Array.from({ length: assetCount }, () => 0);
  }

  /** Extra entries over all assets (live or stale) since the last rebuild. */
  get extraEntries(): number {
    return this.extras;
  }

  /** Lines held in the hot arena. */
  get hotLines(): number {
    return this.hotUsed;
  }

  /** Buckets 0 … indexedBuckets − 1 are indexed; a drift in a higher bucket is not covered. */
  get indexedBuckets(): number {
    return this.indexed;
  }

  /**
   * Starts a rebuild: empties the staging area, which will take the lines of at most a quarter of
   * `lineCount` lines (the most the index can hold when the detector has that many cross lines).
   * The caller then offers every account with a bucket below HEADROOM_BUCKETS − 1 to
   * {@link stage}. Without this call, {@link rebuild} reads every indexed account from the arena.
   */
  beginRebuild(lineCount: number): void {
    this.stagedAccounts = 0;
    this.stagedLines = 0;
    this.stagedCap = lineCount >>> INDEXED_SHARE_SHIFT;
    this.stagedComplete = true;
  }

  /**
   * Offers an account the next {@link rebuild} may index (its bucket < HEADROOM_BUCKETS − 1; slots
   * in increasing order): its lines are copied now, while the caller has them in cache, so the
   * rebuild need not fetch them from all over the arena. Past the staging budget the account is
   * not copied and the rebuild reads the arena instead.
   */
  stage(
    slot: number,
    bucket: number,
    lineAsset: Int32Array,
    lineCoefF: Float64Array,
    start: number,
    count: number,
  ): void {
    if (!this.stagedComplete) return;
    if (this.stagedLines + count > this.stagedCap) {
      this.stagedComplete = false;
      return;
    }
    this.stageUnchecked(slot, bucket, lineAsset, lineCoefF, start, count);
  }

  private stageUnchecked(
    slot: number,
    bucket: number,
    lineAsset: Int32Array,
    lineCoefF: Float64Array,
    start: number,
    count: number,
  ): void {
    const k = this.stagedAccounts;
    if (k === this.stagedSlot.length) {
      const size = Math.max(64, 2 * k);
      this.stagedSlot = growTo(this.stagedSlot, new Int32Array(size));
      this.stagedBucket = growTo(this.stagedBucket, new Uint16Array(size));
      this.stagedCount = growTo(this.stagedCount, new Int32Array(size));
    }
    const at = this.stagedLines;
    if (at + count > this.stagedAsset.length) {
      const size = Math.max(256, 2 * (at + count));
      this.stagedAsset = growTo(this.stagedAsset, new Int32Array(size));
      this.stagedCoefF = growTo(this.stagedCoefF, new Float64Array(size));
    }
    this.stagedSlot[k] = slot;
    this.stagedBucket[k] = bucket;
    this.stagedCount[k] = count;
    const stagedAsset = this.stagedAsset;
    const stagedCoefF = this.stagedCoefF;
    for (let l = 0; l < count; l++) {
      stagedAsset[at + l] = lineAsset[start + l] as number;
      stagedCoefF[at + l] = lineCoefF[start + l] as number;
    }
    this.stagedAccounts = k + 1;
    this.stagedLines = at + count;
  }

  /**
   * Replaces the whole index by the accounts of `source` whose bucket is among the lowest (counting
   * sorts: O(staged lines + assets × buckets), or O(slots + indexed lines) when the staging area
   * overflowed); drops every extra entry. Reuses its buffers from one rebuild to the next: a rebuild
   * allocates nothing once the sizes have settled. Call {@link beginRebuild} and {@link stage} first.
   * (Each hot loop is a method of its own that ends with the loop, so that the optimizing compiler
   * sees all of it from the first call.)
   */
  rebuild(source: HeadroomSource): void {
    // 1. How many of the lowest buckets fit the budget: a quarter of all cross lines.
    const linesPerBucket = source.linesPerBucket;
    let lines = 0;
    for (let b = 0; b < HEADROOM_BUCKETS; b++) lines += linesPerBucket[b] as number;
    const budget = lines >>> INDEXED_SHARE_SHIFT;
    let indexed = 0;
    let hotLines = 0;
    while (indexed < HEADROOM_BUCKETS && hotLines + (linesPerBucket[indexed] as number) <= budget) {
      hotLines += linesPerBucket[indexed] as number;
      indexed += 1;
    }
    assert(lines === 0 || indexed < HEADROOM_BUCKETS, 'the last bucket is never indexed');
    this.indexed = indexed;
    // Some candidate was not staged: stage exactly the indexed accounts from the arena instead.
    if (!this.stagedComplete) this.restage(source, indexed);
    // 2. Hot lines per (asset, bucket) and per bucket, then start offsets.
    if (this.hotAsset.length < hotLines || this.hotAsset.length > 4 * hotLines + 1_024) {
      this.hotAsset = new Int32Array(hotLines);
      this.hotCoefF = new Float64Array(hotLines);
    }
    const cells = this.assetCount * HEADROOM_BUCKETS;
    const cursor = this.bucketStart; // counts, then start offsets
    cursor.fill(0);
    const perBucket = this.scratchBucketHot; // lines, then first hot line, of each indexed bucket
    perBucket.fill(0);
    this.countStaged(indexed);
    for (let b = 1; b <= indexed; b++) perBucket[b] = (perBucket[b] as number) + (perBucket[b - 1] as number);
    assert(perBucket[indexed] === hotLines, 'staged lines match the bucket counts');
    let entries = 0;
    for (let cell = 0; cell < cells; cell++) {
      const count = cursor[cell] as number;
      cursor[cell] = entries;
      entries += count;
    }
    cursor[cells] = entries;
    if (this.entrySlot.length < entries || this.entrySlot.length > 4 * entries + 1_024) {
      this.entrySlot = new Int32Array(entries);
      this.entryHot = new Int32Array(entries);
      this.entryCount = new Uint16Array(entries);
    }
    this.scratchCursor.set(cursor);
    // 3. Hot copies and entries.
    this.fillStaged(indexed);
    this.hotUsed = hotLines;
    for (let a = 0; a < this.assetCount; a++) this.extraCount[a] = 0;
    this.extras = 0;
    this.stagedComplete = false; // the next rebuild reads the arena unless staged anew
  }

  /** Empties the staging area and stages the accounts of buckets below `indexed` from the arena. */
  private restage(source: HeadroomSource, indexed: number): void {
    const { slotBucket, slotCount, lineStart, lineCount, lineAsset, lineCoefF } = source;
    this.stagedAccounts = 0;
    this.stagedLines = 0;
    for (let slot = 0; slot < slotCount; slot++) {
      const b = slotBucket[slot] as number;
      if (b < indexed) {
        this.stageUnchecked(
          slot,
          b,
          lineAsset,
          lineCoefF,
          lineStart[slot] as number,
          lineCount[slot] as number,
        );
      }
    }
    this.stagedComplete = true;
  }

  /** Counts the staged lines of buckets below `indexed` per (asset, bucket) cell and per bucket. */
  private countStaged(indexed: number): void {
    const cursor = this.bucketStart;
    const perBucket = this.scratchBucketHot;
    const stagedAccounts = this.stagedAccounts;
    const stagedBucket = this.stagedBucket;
    const stagedCount = this.stagedCount;
    const stagedAsset = this.stagedAsset;
    let from = 0;
    for (let k = 0; k < stagedAccounts; k++) {
      const b = stagedBucket[k] as number;
      const m = stagedCount[k] as number;
      if (b < indexed) {
        perBucket[b + 1] = (perBucket[b + 1] as number) + m;
        for (let l = from; l < from + m; l++) {
          const cell = (stagedAsset[l] as number) * HEADROOM_BUCKETS + b;
          cursor[cell] = (cursor[cell] as number) + 1;
        }
      }
      from += m;
    }
  }

  /**
   * Copies the staged lines of buckets below `indexed` into the hot arena in bucket order (slot
   * order within a bucket; `scratchBucketHot` holds each bucket's first hot line), and writes one
   * entry per (account, asset it holds) pointing at them (`scratchCursor` holds each cell's first
   * entry).
   */
  private fillStaged(indexed: number): void {
    const perBucket = this.scratchBucketHot;
    const fill = this.scratchCursor;
    const hotAsset = this.hotAsset;
    const hotCoefF = this.hotCoefF;
    const entrySlot = this.entrySlot;
    const entryHot = this.entryHot;
    const entryCount = this.entryCount;
    const stagedAccounts = this.stagedAccounts;
    const stagedSlot = this.stagedSlot;
    const stagedBucket = this.stagedBucket;
    const stagedCount = this.stagedCount;
    const stagedAsset = this.stagedAsset;
    const stagedCoefF = this.stagedCoefF;
    let from = 0;
    for (let k = 0; k < stagedAccounts; k++) {
      const b = stagedBucket[k] as number;
      const m = stagedCount[k] as number;
      if (b < indexed) {
        const slot = stagedSlot[k] as number;
        const hot = perBucket[b] as number;
        perBucket[b] = hot + m;
        for (let l = 0; l < m; l++) {
          const asset = stagedAsset[from + l] as number;
          hotAsset[hot + l] = asset;
          hotCoefF[hot + l] = stagedCoefF[from + l] as number;
          const cell = asset * HEADROOM_BUCKETS + b;
          const at = fill[cell] as number;
          entrySlot[at] = slot;
          entryHot[at] = hot;
          entryCount[at] = m;
          fill[cell] = at + 1;
        }
      }
      from += m;
    }
  }

  /**
   * Lists account `slot` (generation `gen`) as an extra of `asset`, visited by its every tick until
   * the next rebuild, with its lines in the hot arena from `hotStart` (−1: read them from the
   * account's own record) and its line count.
   */
  addExtra(asset: number, slot: number, gen: number, hotStart: number, lineCount: number): void {
    const count = this.extraCount[asset] as number;
    if (count === (this.extraSlot[asset] as Int32Array).length) {
      const grow = <T extends Int32Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
        const b = make(count * 2);
        b.set(a);
        return b;
      };
      this.extraSlot[asset] = grow(this.extraSlot[asset] as Int32Array, (n) => new Int32Array(n));
      this.extraGen[asset] = grow(this.extraGen[asset] as Uint32Array, (n) => new Uint32Array(n));
      this.extraHot[asset] = grow(this.extraHot[asset] as Int32Array, (n) => new Int32Array(n));
      this.extraLines[asset] = grow(this.extraLines[asset] as Uint16Array, (n) => new Uint16Array(n));
    }
    (this.extraSlot[asset] as Int32Array)[count] = slot;
    (this.extraGen[asset] as Uint32Array)[count] = gen;
    (this.extraHot[asset] as Int32Array)[count] = hotStart;
    (this.extraLines[asset] as Uint16Array)[count] = lineCount;
    this.extraCount[asset] = count + 1;
    this.extras += 1;
  }

  /** Extra entries of `asset` (live or stale). */
  extraCountOf(asset: number): number {
    return this.extraCount[asset] as number;
  }

  /**
   * Certified entries of `asset` in buckets `after` + 1 … `upTo` (both < indexedBuckets, `after`
   * may be −1): the accounts a drift moving from bucket `after` to bucket `upTo` newly reaches.
   */
  countBetween(asset: number, after: number, upTo: number): number {
    const base = asset * HEADROOM_BUCKETS;
    return (this.bucketStart[base + upTo + 1] as number) - (this.bucketStart[base + after + 1] as number);
  }

  /** Visits the certified entries {@link countBetween} counts, with their hot lines. */
  forEachBetween(asset: number, after: number, upTo: number, visit: CertifiedVisitor): void {
    const base = asset * HEADROOM_BUCKETS;
    const from = this.bucketStart[base + after + 1] as number;
    const end = this.bucketStart[base + upTo + 1] as number;
    const slots = this.entrySlot;
    const hots = this.entryHot;
    const counts = this.entryCount;
    for (let k = from; k < end; k++) visit(slots[k] as number, hots[k] as number, counts[k] as number);
  }

  /**
   * Visits every extra entry of `asset`, in the order listed (entries added during the visit, to
   * this asset, are visited too). The caller skips entries whose generation is stale.
   */
  forEachExtra(asset: number, visit: ExtraVisitor): void {
    for (let k = 0; k < (this.extraCount[asset] as number); k++) {
      visit(
        (this.extraSlot[asset] as Int32Array)[k] as number,
        (this.extraGen[asset] as Uint32Array)[k] as number,
        (this.extraHot[asset] as Int32Array)[k] as number,
        (this.extraLines[asset] as Uint16Array)[k] as number,
      );
    }
  }
}
