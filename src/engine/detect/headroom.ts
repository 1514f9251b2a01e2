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

/** Buckets: κ in [b, b+1) / {@link HEADROOM_BUCKET_SCALE} goes to bucket b, the last takes the rest. */
export const HEADROOM_BUCKETS = 1_024;
/** Bucket width is 1 / 8,192 of relative headroom (0.0122 %); buckets cover κ < 12.5 %. */
export const HEADROOM_BUCKET_SCALE = 8_192;

/** The bucket of a headroom or drift ≥ 0. */
export function headroomBucket(kappa: number): number {
  const b = Math.floor(kappa * HEADROOM_BUCKET_SCALE);
  return b < HEADROOM_BUCKETS - 1 ? b : HEADROOM_BUCKETS - 1;
}

/** What a rebuild reads: every cross account with its bucket, and the detector's arena. */
export interface HeadroomSource {
  /** Slots of the accounts, any order. */
  readonly slots: Int32Array;
  /** Bucket of each of those accounts (same order). */
  readonly buckets: Uint16Array;
  readonly slotCount: number;
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
  private bucketStart: Int32Array;
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
   * Replaces the whole index by the accounts of `source` whose bucket is among the lowest (counting
   * sorts: O(accounts + indexed lines + assets × buckets)); drops every extra entry.
   */
  rebuild(source: HeadroomSource): void {
    const { slots, buckets, slotCount, lineStart, lineCount, lineAsset, lineCoefF } = source;
    // 1. Lines per bucket, and how many of the lowest buckets fit the budget.
    const linesPerBucket = new Int32Array(HEADROOM_BUCKETS);
    let lines = 0;
    for (let k = 0; k < slotCount; k++) {
      const m = lineCount[slots[k] as number] as number;
      const b = buckets[k] as number;
      linesPerBucket[b] = (linesPerBucket[b] as number) + m;
      lines += m;
    }
    const budget = lines >>> INDEXED_SHARE_SHIFT;
    let indexed = 0;
    let hotLines = 0;
    while (indexed < HEADROOM_BUCKETS && hotLines + (linesPerBucket[indexed] as number) <= budget) {
      hotLines += linesPerBucket[indexed] as number;
      indexed += 1;
    }
    this.indexed = indexed;
    // 2. The indexed accounts in bucket order.
    const perBucket = new Int32Array(indexed + 1);
    for (let k = 0; k < slotCount; k++) {
      const b = buckets[k] as number;
      if (b < indexed) perBucket[b + 1] = (perBucket[b + 1] as number) + 1;
    }
    for (let b = 1; b <= indexed; b++) perBucket[b] = (perBucket[b] as number) + (perBucket[b - 1] as number);
    const order = new Int32Array(perBucket[indexed] as number);
    for (let k = 0; k < slotCount; k++) {
      const b = buckets[k] as number;
      if (b >= indexed) continue;
      order[perBucket[b] as number] = k;
      perBucket[b] = (perBucket[b] as number) + 1;
    }
    // 3. Hot copies of their lines, and entry counts per (asset, bucket).
    if (this.hotAsset.length < hotLines || this.hotAsset.length > 4 * hotLines + 1_024) {
      this.hotAsset = new Int32Array(hotLines);
      this.hotCoefF = new Float64Array(hotLines);
    }
    const hotAsset = this.hotAsset;
    const hotCoefF = this.hotCoefF;
    const cells = this.assetCount * HEADROOM_BUCKETS;
    const cursor = new Int32Array(cells + 1); // counts, then start offsets, then fill cursors
    let hot = 0;
    for (let j = 0; j < order.length; j++) {
      const k = order[j] as number;
      const b = buckets[k] as number;
      const slot = slots[k] as number;
      const from = lineStart[slot] as number;
      const m = lineCount[slot] as number;
      for (let l = 0; l < m; l++) {
        const asset = lineAsset[from + l] as number;
        hotAsset[hot + l] = asset;
        hotCoefF[hot + l] = lineCoefF[from + l] as number;
        const cell = asset * HEADROOM_BUCKETS + b;
        cursor[cell] = (cursor[cell] as number) + 1;
      }
      hot += m;
    }
    this.hotUsed = hot;
    let entries = 0;
    for (let cell = 0; cell < cells; cell++) {
      const count = cursor[cell] as number;
      cursor[cell] = entries;
      entries += count;
    }
    cursor[cells] = entries;
    this.bucketStart = cursor.slice();
    if (this.entrySlot.length < entries || this.entrySlot.length > 4 * entries + 1_024) {
      this.entrySlot = new Int32Array(entries);
      this.entryHot = new Int32Array(entries);
      this.entryCount = new Uint16Array(entries);
    }
    // 4. One entry per (indexed account, asset it holds), pointing at the account's hot lines.
    hot = 0;
    for (let j = 0; j < order.length; j++) {
      const k = order[j] as number;
      const b = buckets[k] as number;
      const slot = slots[k] as number;
      const m = lineCount[slot] as number;
      for (let l = 0; l < m; l++) {
        const cell = (hotAsset[hot + l] as number) * HEADROOM_BUCKETS + b;
        const at = cursor[cell] as number;
        this.entrySlot[at] = slot;
        this.entryHot[at] = hot;
        this.entryCount[at] = m;
        cursor[cell] = at + 1;
      }
      hot += m;
    }
    for (let a = 0; a < this.assetCount; a++) this.extraCount[a] = 0;
    this.extras = 0;
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
