/**
 * The incremental liquidation detector: after a price update it finds exactly the accounts whose
 * status changed without looking at the accounts the price cannot affect, and never decides on a
 * float. Its answer always equals {@link naiveScan}'s (see detector.prop.test.ts).
 *
 * How it is built. Every account is netted per asset (NetPosition, model.ts) and falls in one of
 * four kinds:
 * - never liquidatable (no net debt) and always liquidatable (net debt, no net collateral): their
 *   status does not depend on prices, so no price update touches them;
 * - isolated (one net collateral asset, one net debt asset): kept in the liquidation ladder of its
 *   (collateral, debt) pair (ladder.ts), sorted by the exact price ratio at which it becomes
 *   liquidatable; a price update is two binary searches per ladder of the asset and a walk over
 *   exactly the accounts that crossed;
 * - cross (anything else): kept in a structure-of-arrays arena (asset index and float net
 *   coefficient per line; the exact coefficients beside it, packed as 64-bit limbs in one flat
 *   array, limbs.ts, as are the isolated accounts': apart from its id, an account makes no heap
 *   object for the garbage collector to visit) and in the exposure list of each asset it holds. A rebuild screens every cross account in float64 with a proven error bound
 *   (screen.ts), which also certifies a headroom κ: no price moving by less than κ (relative) can
 *   change the account's status. After that, a price update of asset A looks only at the accounts
 *   holding A whose certificate A's drift since the rebuild (or another asset's) may have broken,
 *   found through the per-asset headroom buckets (headroom.ts). Each of those is screened; an
 *   account the screen proves healthy is healthy; one it proves liquidatable stays in the set if
 *   it was there (it entered after an exact check); everything else is decided in exact bigint,
 *   and so is every account before it enters the set. When too many accounts are at risk, the
 *   update rebuilds instead (a full cross re-evaluation; its prices become the new reference).
 *
 * Mutability: a {@link Detector} is a mutable object owned by its caller (one million accounts
 * cannot be copied per tick). Inputs are never mutated and never retained (account lines are copied
 * into the detector's own arrays); every array it returns is a fresh copy.
 */
import { assert } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { InvalidParameterError, UnknownAccountError } from '../errors.js';
import { HEADROOM_BUCKETS, HeadroomIndex, headroomBucket } from './headroom.js';
import { type LadderCoefficients, LiquidationLadder } from './ladder.js';
import { limbCount, readLimbs, writeLimbs } from './limbs.js';
import {
  type AssetRegistry,
  assetIndex,
  createAssetRegistry,
  type DetectAccount,
  type DetectAsset,
  type DetectPrices,
  type NetPosition,
  netPosition,
  pricesByIndex,
  requirePrice,
  validateAccount,
} from './model.js';
import { driftUpperBound, screenHeadroom } from './screen.js';

/** How an account's status depends on prices (see the file comment). */
export type AccountKind = 'never' | 'always' | 'isolated' | 'cross';

const KIND_FREE = 0;
const KIND_NEVER = 1;
const KIND_ALWAYS = 2;
const KIND_ISOLATED = 3;
const KIND_CROSS = 4;
const KIND_NAMES: readonly (AccountKind | undefined)[] = [undefined, 'never', 'always', 'isolated', 'cross'];

/** What {@link createDetector} needs. */
export interface DetectorOptions {
  /** Every asset accounts may hold; fixed for the detector's life (it sets the common scale). */
  readonly assets: readonly DetectAsset[];
  /** One price > 0 per asset, scaled by its `priceDecimals`. */
  readonly prices: DetectPrices;
  /** The initial book (bulk-loaded: faster than one upsert per account). Ids must be unique. */
  readonly accounts?: readonly DetectAccount[];
  /**
   * Tuning: how many entries of the cross-margin index a price update may visit before it rebuilds
   * the index instead (a full cross re-evaluation). Default 1,024 + cross accounts / 8. Any value
   * gives the same answers; 0 rebuilds on every update (tests use it).
   */
  readonly crossRebuildThreshold?: number;
}

/** What one price update (or a full re-evaluation) did. */
export interface TickWork {
  /** Ladders whose price ratio moved. */
  readonly laddersTouched: number;
  /** Isolated accounts whose status flipped (found by range queries, never scanned). */
  readonly ladderCrossings: number;
  /** Cross accounts screened in float64. */
  readonly crossScreened: number;
  /** Of those, how many the screen proved healthy (no bigint work). */
  readonly crossClearedByScreen: number;
  /**
   * Of those, how many the screen proved still liquidatable while already in the set (they entered
   * it after an exact check; nothing is reported for them and no bigint is needed).
   */
  readonly crossRetainedByScreen: number;
  /** Of those, how many the screen left uncertain (its error bound straddles 0). */
  readonly crossUncertain: number;
  /** Exact bigint evaluations done (every screened account the screen did not settle). */
  readonly exactChecks: number;
  /** Whether this update rebuilt the cross-margin index (a full cross re-evaluation). */
  readonly rebuilt: boolean;
}

/** The outcome of a price update: the exact change of the liquidatable set. */
export interface TickResult {
  /** Accounts liquidatable now and not before the update, sorted (default string order). */
  readonly newlyLiquidatable: readonly string[];
  /** Accounts liquidatable before the update and not now, sorted. */
  readonly newlyHealthy: readonly string[];
  /** Size of the whole liquidatable set after the update ({@link Detector.liquidatable} lists it). */
  readonly liquidatableCount: number;
  readonly work: TickWork;
}

/** An account's status after {@link Detector.upsert} or {@link Detector.remove}. */
export interface AccountStatus {
  readonly id: string;
  readonly liquidatable: boolean;
  readonly wasLiquidatable: boolean;
}

/** The liquidation price of an isolated account at the current debt price. */
export interface LiquidationPrice {
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** The debt asset's current price (its `priceDecimals` scale). */
  readonly debtPrice: bigint;
  /**
   * The smallest collateral price (its `priceDecimals` scale) at which the account is not
   * liquidatable: it is liquidatable iff the collateral price is below this.
   */
  readonly healthyCollateralPriceMin: bigint;
}

/** Counts describing a detector's contents. */
export interface DetectorStats {
  readonly accounts: number;
  readonly never: number;
  readonly always: number;
  readonly isolated: number;
  readonly cross: number;
  readonly ladders: number;
  readonly liquidatable: number;
  /** Cross-account lines stored (live), and the arena's capacity in lines. */
  readonly crossLines: number;
  readonly arenaCapacityLines: number;
  /** Lines copied into the headroom index (cross accounts with a small certified headroom). */
  readonly hotLines: number;
}

/**
 * An incremental, exact liquidation detector (a mutable object owned by its caller; see the file
 * comment). Throws only typed errors: UnknownAssetError, UnknownAccountError, InvalidParameterError.
 */
export interface Detector {
  /** Number of accounts. */
  readonly size: number;
  /**
   * Adds an account or replaces the one with the same id (a deposit, borrow, repay or liquidation
   * is an upsert of the account's new lines). O(log n + assets of the account).
   * @throws InvalidParameterError or UnknownAssetError for a malformed account (nothing changes).
   */
  upsert(account: DetectAccount): AccountStatus;
  /**
   * Removes an account. @throws UnknownAccountError when there is none with that id.
   */
  remove(id: string): AccountStatus;
  /**
   * Sets one asset's price and returns the exact change of the liquidatable set. Touches only the
   * ladders of the asset and the cross accounts holding it that its drift puts at risk (or, when
   * those are too many, re-evaluates every cross account: `work.rebuilt`).
   * @param price > 0, scaled by the asset's `priceDecimals`.
   * @throws UnknownAssetError for an asset the detector does not list; InvalidParameterError for a
   *   price that is not a bigint > 0 (nothing changes).
   */
  setPrice(asset: string, price: bigint): TickResult;
  /**
   * Sets several prices at once (one consistent update: an account exposed to two of them is
   * evaluated once, at the new prices of both). Same throws as {@link setPrice}, checked for
   * every price before any changes.
   */
  setPrices(prices: DetectPrices): TickResult;
  /**
   * Re-evaluates every account from scratch at the current prices (every cross account as in
   * {@link reevaluateCross}, every ladder entry against its ladder's ratio, every static account)
   * and returns the differences with the maintained set: always empty unless the detector is
   * broken. An audit. O(accounts + cross lines).
   */
  reevaluateAll(): TickResult;
  /**
   * Re-evaluates every cross-margin account from scratch at the current prices (float screen with
   * its error bound, exact bigint wherever the screen does not settle the account) and makes the
   * current prices the reference of the cross-margin index. Returns the differences with the
   * maintained set: always empty unless the detector is broken. O(cross-margin lines).
   */
  reevaluateCross(): TickResult;
  /** Every liquidatable account id, sorted (default string order). O(L log L). */
  liquidatable(): string[];
  /** Whether one account is liquidatable. @throws UnknownAccountError. */
  isLiquidatable(id: string): boolean;
  /** How the account's status depends on prices. @throws UnknownAccountError. */
  kindOf(id: string): AccountKind;
  /**
   * The exact liquidation price of an isolated account (undefined for other kinds).
   * @throws UnknownAccountError.
   */
  liquidationPrice(id: string): LiquidationPrice | undefined;
  /** The current price of an asset. @throws UnknownAssetError. */
  price(asset: string): bigint;
  /** Counts of accounts by kind, ladders, the liquidatable set and the cross arena. */
  stats(): DetectorStats;
}

/**
 * Creates a detector over a fixed set of assets, at the given prices, with an optional initial book.
 * @throws InvalidParameterError for bad assets, a missing or bad price, a malformed account, a
 *   duplicate account id or a bad threshold; UnknownAssetError for a price or line of an unlisted
 *   asset.
 */
export function createDetector(options: DetectorOptions): Detector {
  const registry = createAssetRegistry(options.assets);
  const threshold = options.crossRebuildThreshold;
  if (threshold !== undefined && !(Number.isSafeInteger(threshold) && threshold >= 0)) {
    throw new InvalidParameterError(
      'crossRebuildThreshold',
      `must be a non-negative integer, got ${threshold}`,
    );
  }
  const detector = new IncrementalDetector(registry, pricesByIndex(registry, options.prices), threshold);
  detector.load(options.accounts ?? []);
  return detector;
}

/** Mutable collectors of one tick's flips and counts. */
interface TickAccumulator {
  readonly liquidated: number[];
  readonly healed: number[];
  laddersTouched: number;
  ladderCrossings: number;
  crossScreened: number;
  crossClearedByScreen: number;
  crossRetainedByScreen: number;
  crossUncertain: number;
  exactChecks: number;
  rebuilt: boolean;
}

function newAccumulator(): TickAccumulator {
  return {
    liquidated: [],
    healed: [],
    laddersTouched: 0,
    ladderCrossings: 0,
    crossScreened: 0,
    crossClearedByScreen: 0,
    crossRetainedByScreen: 0,
    crossUncertain: 0,
    exactChecks: 0,
    rebuilt: false,
  };
}

/** certBucket of a cross account changed since the last rebuild (it is an extra of all its assets). */
const UNCERTIFIED = 0xffff;
/** certBucket of an account whose certificate broke since the last rebuild (an extra of all its assets). */
const BROKEN = 0xfffe;

function growInt32(a: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

class IncrementalDetector implements Detector {
  private readonly registry: AssetRegistry;
  private readonly assetCount: number;
  private readonly priceExact: bigint[];
  private readonly priceF: Float64Array;

  // Per account slot.
  private capacity = 0;
  private slotEnd = 0;
  private readonly freeSlots: number[] = [];
  private readonly ids: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private kind = new Uint8Array(0);
  private liqPos = new Int32Array(0); // position in liqList, −1 when healthy
  private liqFlag = new Uint8Array(0); // 1 when liquidatable (a dense copy of liqPos ≥ 0)
  private mark = new Uint32Array(0); // tick epoch that last visited the slot
  private epoch = 0;
  private liqList = new Int32Array(16);
  private liqCount = 0;
  private readonly kindCount = [0, 0, 0, 0, 0];

  // Isolated accounts: exact coefficients A, B (packed in the limb arena, read by the ladders
  // through ladderCoefs) and ladder index. isoLimbsA: limb count of A (B follows it).
  private isoLimbsA = new Int32Array(0);
  private isoLimbsB = new Int32Array(0);
  private isoLadder = new Int32Array(0);
  private readonly ladderCoefs: LadderCoefficients = {
    collateralCoef: (slot) => this.isoCoefA(slot),
    debtCoef: (slot) => this.isoCoefB(slot),
  };
  private readonly ladders: LiquidationLadder[] = [];
  private readonly ladderByPair = new Map<number, number>();
  private readonly laddersByAsset: number[][];
  private readonly ladderMark: number[] = [];

  // Cross accounts: a region of the line arena per slot (asset index, float coefficient, and the
  // signed limb count of the exact coefficient per line).
  private lineStart = new Int32Array(0);
  private lineCount = new Int32Array(0);
  private lineCap = new Int32Array(0);
  private arenaCapacity = 0;
  private arenaEnd = 0;
  private arenaLive = 0;
  private lineAsset = new Int32Array(0);
  private lineCoefF = new Float64Array(0);
  private lineLimbs = new Int32Array(0);
  // Exact coefficients of isolated and cross accounts: a region of the limb arena per slot
  // (limbs.ts), the lines' coefficients one after the other (isolated: A then B). No per-account
  // heap object, so a major GC has nothing per account to visit here.
  private limbStart = new Int32Array(0);
  private limbCap = new Int32Array(0);
  private limbCapacity = 0;
  private limbEnd = 0;
  private limbLive = 0;
  private limbs = new BigUint64Array(0);
  // Scratch of rebuildCross: lines per headroom bucket.
  private readonly linesPerBucket = new Int32Array(HEADROOM_BUCKETS);
  private generation = new Uint32Array(0); // bumped whenever a cross slot's lines change
  private certBucket = new Uint16Array(0); // bucket of the slot's κ at the last rebuild, BROKEN or UNCERTIFIED
  // Per-asset exposure lists of cross accounts (every holder, kept up to date by upserts), and per
  // line its position in its asset's list.
  private linePos = new Int32Array(0);
  private readonly exposure: Int32Array[];
  private readonly exposureCount: number[];
  // The headroom index (headroom.ts), the prices it was built at, and per asset the headroom
  // bucket of the largest drift |P_a / refPrice_a − 1| since (−1: none). Invariant: every cross
  // account holding an asset whose certified bucket is at most that asset's drift bucket is
  // BROKEN, and every BROKEN or UNCERTIFIED account is an extra of every asset it holds.
  private readonly headroom: HeadroomIndex;
  private readonly refPrice: bigint[];
  private driftBucket: Int32Array;
  private readonly crossRebuildThreshold: number | undefined;

  constructor(registry: AssetRegistry, prices: readonly bigint[], crossRebuildThreshold: number | undefined) {
    this.registry = registry;
    this.crossRebuildThreshold = crossRebuildThreshold;
    this.assetCount = registry.names.length;
    this.priceExact = [...prices];
    this.priceF = Float64Array.from(prices, (p) => Number(p)); // nearest double: one rounding
    this.laddersByAsset = registry.names.map(() => []);
    this.headroom = new HeadroomIndex(this.assetCount);
    this.refPrice = [...prices];
    this.driftBucket = new Int32Array(this.assetCount).fill(-1);
    this.exposure = registry.names.map(() => new Int32Array(8));
    this.exposureCount = registry.names.map(() => 0);
  }

  get size(): number {
    return this.slotOf.size;
  }

  // ---- slots -------------------------------------------------------------------------------

  private ensureSlotCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    const size = Math.max(16, needed, this.capacity * 2);
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    this.liqPos = growInt32(this.liqPos, size, -1);
    const liqFlag = new Uint8Array(size);
    liqFlag.set(this.liqFlag);
    this.liqFlag = liqFlag;
    const mark = new Uint32Array(size);
    mark.set(this.mark);
    this.mark = mark;
    this.isoLadder = growInt32(this.isoLadder, size);
    this.isoLimbsA = growInt32(this.isoLimbsA, size);
    this.isoLimbsB = growInt32(this.isoLimbsB, size);
    this.lineStart = growInt32(this.lineStart, size);
    this.lineCount = growInt32(this.lineCount, size);
    this.lineCap = growInt32(this.lineCap, size);
    this.limbStart = growInt32(this.limbStart, size);
    this.limbCap = growInt32(this.limbCap, size);
    const generation = new Uint32Array(size);
    generation.set(this.generation);
    this.generation = generation;
    const certBucket = new Uint16Array(size);
    certBucket.set(this.certBucket);
    certBucket.fill(UNCERTIFIED, this.capacity); // not a cross account: never indexed
    this.certBucket = certBucket;
    for (let s = this.capacity; s < size; s++) this.ids.push('');
    this.capacity = size;
  }

  private allocSlot(id: string): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      this.ensureSlotCapacity(this.slotEnd + 1);
      slot = this.slotEnd;
      this.slotEnd += 1;
    }
    this.ids[slot] = id;
    this.slotOf.set(id, slot);
    return slot;
  }

  private slotOrThrow(id: string): number {
    const slot = this.slotOf.get(id);
    if (slot === undefined) throw new UnknownAccountError(id);
    return slot;
  }

  private setStatus(slot: number, liquidatable: boolean): void {
    const pos = this.liqPos[slot] as number;
    if (liquidatable && pos < 0) {
      if (this.liqCount === this.liqList.length) this.liqList = growInt32(this.liqList, this.liqCount * 2);
      this.liqList[this.liqCount] = slot;
      this.liqPos[slot] = this.liqCount;
      this.liqFlag[slot] = 1;
      this.liqCount += 1;
    } else if (!liquidatable && pos >= 0) {
      const last = this.liqList[this.liqCount - 1] as number;
      this.liqList[pos] = last;
      this.liqPos[last] = pos;
      this.liqPos[slot] = -1;
      this.liqFlag[slot] = 0;
      this.liqCount -= 1;
    }
  }

  private isLiquidatableSlot(slot: number): boolean {
    return this.liqFlag[slot] === 1;
  }

  /** Records a flip found during a tick (the caller established that the status changes). */
  private flip(slot: number, liquidatable: boolean, acc: TickAccumulator): void {
    this.setStatus(slot, liquidatable);
    (liquidatable ? acc.liquidated : acc.healed).push(slot);
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffff_ffff) {
      this.mark.fill(0);
      this.ladderMark.fill(0);
      this.epoch = 0;
    }
    this.epoch += 1;
    return this.epoch;
  }

  // ---- kinds and indexes -------------------------------------------------------------------

  private static kindOfPosition(net: NetPosition): number {
    let positive = 0;
    let negative = 0;
    for (const c of net.coefs) {
      if (c > 0n) positive += 1;
      else negative += 1;
    }
    if (negative === 0) return KIND_NEVER;
    if (positive === 0) return KIND_ALWAYS;
    if (positive === 1 && negative === 1) return KIND_ISOLATED;
    return KIND_CROSS;
  }

  private ladderFor(collateral: number, debt: number): number {
    const pair = collateral * this.assetCount + debt;
    let id = this.ladderByPair.get(pair);
    if (id === undefined) {
      id = this.ladders.length;
      this.ladders.push(new LiquidationLadder(collateral, debt, this.ladderCoefs));
      this.ladderByPair.set(pair, id);
      this.ladderMark.push(0);
      this.laddersByAsset[collateral]?.push(id);
      this.laddersByAsset[debt]?.push(id);
    }
    return id;
  }

  /**
   * Puts a slot (currently detached) into the index of its kind. `incremental` is false only during
   * the bulk load, which bulk-loads the ladders and rebuilds the headroom index afterwards.
   */
  private attach(slot: number, kind: number, net: NetPosition, incremental: boolean): void {
    this.kind[slot] = kind;
    this.kindCount[kind] = (this.kindCount[kind] as number) + 1;
    if (kind === KIND_ISOLATED) {
      const [a0, a1] = net.assets as [number, number];
      const [c0, c1] = net.coefs as [bigint, bigint];
      const collateralFirst = c0 > 0n;
      const coefA = collateralFirst ? c0 : c1;
      const coefB = collateralFirst ? -c1 : -c0;
      const limbsA = limbCount(coefA);
      this.reserve(slot, 0, limbsA + limbCount(coefB));
      const at = this.limbStart[slot] as number;
      this.isoLimbsA[slot] = writeLimbs(this.limbs, at, coefA);
      this.isoLimbsB[slot] = writeLimbs(this.limbs, at + limbsA, coefB);
      const ladder = this.ladderFor(collateralFirst ? a0 : a1, collateralFirst ? a1 : a0);
      this.isoLadder[slot] = ladder;
      if (incremental) this.ladders[ladder]?.insert(slot);
    } else if (kind === KIND_CROSS) {
      const m = net.assets.length;
      let limbTotal = 0;
      for (const coef of net.coefs) limbTotal += limbCount(coef);
      this.reserve(slot, m, limbTotal);
      const start = this.lineStart[slot] as number;
      let at = this.limbStart[slot] as number;
      this.lineCount[slot] = m;
      const gen = ((this.generation[slot] as number) + 1) >>> 0;
      this.generation[slot] = gen;
      this.certBucket[slot] = UNCERTIFIED; // no certificate until the next rebuild
      for (let j = 0; j < m; j++) {
        const line = start + j;
        const asset = net.assets[j] as number;
        const coef = net.coefs[j] as bigint;
        this.lineAsset[line] = asset;
        this.lineCoefF[line] = Number(coef); // nearest double: one rounding, in the bound
        const limbs = writeLimbs(this.limbs, at, coef);
        this.lineLimbs[line] = limbs;
        at += limbs < 0 ? -limbs : limbs;
        this.addExposure(asset, slot, line);
        // No certificate yet: ticks of this asset look at it until the next rebuild.
        if (incremental) this.headroom.addExtra(asset, slot, gen, -1, m);
      }
    } else if ((this.lineCap[slot] as number) > 0 || (this.limbCap[slot] as number) > 0) {
      this.releaseRegion(slot);
    }
  }

  /** Takes a slot out of its kind's index (its cross region, if any, stays reserved). */
  private detach(slot: number): void {
    const kind = this.kind[slot] as number;
    this.kindCount[kind] = (this.kindCount[kind] as number) - 1;
    if (kind === KIND_ISOLATED) {
      this.ladders[this.isoLadder[slot] as number]?.remove(slot);
    } else if (kind === KIND_CROSS) {
      // Invalidates the slot's entries in the headroom index (dropped at its next rebuild).
      this.generation[slot] = ((this.generation[slot] as number) + 1) >>> 0;
      this.certBucket[slot] = UNCERTIFIED;
      const start = this.lineStart[slot] as number;
      const end = start + (this.lineCount[slot] as number);
      for (let line = start; line < end; line++)
        this.removeExposure(this.lineAsset[line] as number, slot, line);
      this.lineCount[slot] = 0;
    }
    this.kind[slot] = KIND_FREE;
  }

  /** Gives back a slot's regions of the line and limb arenas (garbage until the next compaction). */
  private releaseRegion(slot: number): void {
    this.arenaLive -= this.lineCap[slot] as number;
    this.lineCap[slot] = 0;
    this.lineCount[slot] = 0;
    this.limbLive -= this.limbCap[slot] as number;
    this.limbCap[slot] = 0;
  }

  /**
   * Gives `slot` (detached) room for `m` lines and `n` limbs: its current regions when they are
   * large enough (and it holds lines iff it needs them), else new ones at the ends of the arenas,
   * growing and compacting both as needed.
   */
  private reserve(slot: number, m: number, n: number): void {
    const lineCap = this.lineCap[slot] as number;
    const limbCap = this.limbCap[slot] as number;
    if (lineCap >= m && limbCap >= n && (m === 0) === (lineCap === 0)) return;
    this.releaseRegion(slot);
    if (this.arenaEnd + m > this.arenaCapacity || this.limbEnd + n > this.limbCapacity) {
      this.compact(Math.max(64, 2 * (this.arenaLive + m)), Math.max(64, 2 * (this.limbLive + n)));
    }
    this.lineStart[slot] = this.arenaEnd;
    this.lineCap[slot] = m;
    this.arenaEnd += m;
    this.arenaLive += m;
    this.limbStart[slot] = this.limbEnd;
    this.limbCap[slot] = n;
    this.limbEnd += n;
    this.limbLive += n;
  }

  /**
   * Moves every slot's regions, in slot order, to the start of new arenas of the given capacities
   * (≥ the live sizes). Offsets move: the headroom index holds its own copies of lines and reads
   * limbs through the slot's current offset, so nothing else points into the arenas.
   */
  private compact(lineCapacity: number, limbCapacity: number): void {
    assert(lineCapacity >= this.arenaLive && limbCapacity >= this.limbLive, 'arena too small');
    const lineAsset = new Int32Array(lineCapacity);
    const lineCoefF = new Float64Array(lineCapacity);
    const linePos = new Int32Array(lineCapacity);
    const lineLimbs = new Int32Array(lineCapacity);
    const limbs = new BigUint64Array(limbCapacity);
    // Limbs are copied as pairs of 32-bit words: reading a BigUint64Array element makes a bigint.
    const fromWords = new Uint32Array(this.limbs.buffer, this.limbs.byteOffset, 2 * this.limbs.length);
    const toWords = new Uint32Array(limbs.buffer);
    let end = 0;
    let limbEnd = 0;
    for (let s = 0; s < this.slotEnd; s++) {
      const cap = this.lineCap[s] as number;
      if (cap > 0) {
        const from = this.lineStart[s] as number;
        for (let j = 0; j < cap; j++) {
          lineAsset[end + j] = this.lineAsset[from + j] as number;
          lineCoefF[end + j] = this.lineCoefF[from + j] as number;
          linePos[end + j] = this.linePos[from + j] as number;
          lineLimbs[end + j] = this.lineLimbs[from + j] as number;
        }
        this.lineStart[s] = end;
        end += cap;
      }
      const limbCap = this.limbCap[s] as number;
      if (limbCap > 0) {
        const from = this.limbStart[s] as number;
        for (let w = 0; w < 2 * limbCap; w++) toWords[2 * limbEnd + w] = fromWords[2 * from + w] as number;
        this.limbStart[s] = limbEnd;
        limbEnd += limbCap;
      }
    }
    assert(end === this.arenaLive && limbEnd === this.limbLive, 'arena live counts');
    this.lineAsset = lineAsset;
    this.lineCoefF = lineCoefF;
    this.linePos = linePos;
    this.lineLimbs = lineLimbs;
    this.limbs = limbs;
    this.arenaEnd = end;
    this.arenaCapacity = lineCapacity;
    this.limbEnd = limbEnd;
    this.limbCapacity = limbCapacity;
  }

  private addExposure(asset: number, slot: number, line: number): void {
    let list = this.exposure[asset] as Int32Array;
    const count = this.exposureCount[asset] as number;
    if (count === list.length) {
      list = growInt32(list, count * 2);
      this.exposure[asset] = list;
    }
    list[count] = slot;
    this.linePos[line] = count;
    this.exposureCount[asset] = count + 1;
  }

  /** Swap-removes the slot from the asset's list: O(lines of the account moved into its place). */
  private removeExposure(asset: number, slot: number, line: number): void {
    const list = this.exposure[asset] as Int32Array;
    const last = (this.exposureCount[asset] as number) - 1;
    const pos = this.linePos[line] as number;
    assert(list[pos] === slot, 'exposure list position');
    const moved = list[last] as number;
    list[pos] = moved;
    this.exposureCount[asset] = last;
    if (moved === slot) return;
    const start = this.lineStart[moved] as number;
    const end = start + (this.lineCount[moved] as number);
    for (let l = start; l < end; l++) {
      if (this.lineAsset[l] === asset) {
        this.linePos[l] = pos;
        return;
      }
    }
    assert(false, 'exposure list names a slot without a line of the asset');
  }

  // ---- exact and screened evaluation -------------------------------------------------------

  /** The exact status of a slot at the current prices (no float anywhere). */
  private exactStatus(slot: number): boolean {
    switch (this.kind[slot]) {
      case KIND_NEVER:
        return false;
      case KIND_ALWAYS:
        return true;
      case KIND_ISOLATED: {
        const ladder = this.ladders[this.isoLadder[slot] as number] as LiquidationLadder;
        const pc = this.priceExact[ladder.collateralAsset] as bigint;
        const pd = this.priceExact[ladder.debtAsset] as bigint;
        return pc * this.isoCoefA(slot) < pd * this.isoCoefB(slot);
      }
      case KIND_CROSS:
        return this.crossMarginExact(slot, this.lineAsset, this.lineStart[slot] as number) < 0n;
    }
    assert(false, `slot ${slot} has no account`);
  }

  /** The exact net collateral coefficient A > 0 of an isolated slot. */
  private isoCoefA(slot: number): bigint {
    return readLimbs(this.limbs, this.limbStart[slot] as number, this.isoLimbsA[slot] as number);
  }

  /** The exact net debt coefficient B > 0 of an isolated slot (stored after A). */
  private isoCoefB(slot: number): bigint {
    const limbsA = this.isoLimbsA[slot] as number; // A > 0: a positive count
    return readLimbs(this.limbs, (this.limbStart[slot] as number) + limbsA, this.isoLimbsB[slot] as number);
  }

  /**
   * Σ price·N over the slot's lines, exact: the exact coefficients of the slot (limb arena), the
   * asset of line j read from `lineAsset[lineStart + j]` (the main arena or the hot copy of the
   * headroom index: same order, since the caller checked the slot has not changed).
   */
  private crossMarginExact(slot: number, lineAsset: Int32Array, lineStart: number): bigint {
    const own = this.lineStart[slot] as number;
    const m = this.lineCount[slot] as number;
    let at = this.limbStart[slot] as number;
    let margin = 0n;
    for (let j = 0; j < m; j++) {
      const limbs = this.lineLimbs[own + j] as number;
      const coef = readLimbs(this.limbs, at, limbs);
      at += limbs < 0 ? -limbs : limbs;
      margin += (this.priceExact[lineAsset[lineStart + j] as number] as bigint) * coef;
    }
    return margin;
  }

  /**
   * Screens one cross slot at the current prices and settles its status: proven healthy → healthy;
   * proven liquidatable and already in the set → stays (no bigint); anything else → exact bigint.
   * Records a flip. Returns the certified headroom κ (0 when the screen was uncertain).
   */
  private evaluateCross(
    slot: number,
    // The hot path of every tick: the line range is passed positionally, not as an object, so
    // nothing is allocated per account. `lineAsset`/`lineCoefF` are the main arena or the hot copy.
    lineAsset: Int32Array,
    lineCoefF: Float64Array,
    lineStart: number,
    lineCount: number,
    acc: TickAccumulator,
  ): number {
    acc.crossScreened += 1;
    const headroom = screenHeadroom(this.priceF, lineAsset, lineCoefF, lineStart, lineCount);
    if (headroom > 0) {
      acc.crossClearedByScreen += 1;
      if (this.liqFlag[slot] === 1) this.flip(slot, false, acc);
      return headroom;
    }
    this.settleUnclear(slot, headroom, lineAsset, lineStart, acc);
    return -headroom;
  }

  /**
   * The rest of {@link evaluateCross} for a slot the screen did not prove healthy (`headroom` ≤ 0):
   * proven liquidatable and already in the set → stays; anything else → exact bigint. Records a flip.
   */
  private settleUnclear(
    slot: number,
    headroom: number,
    lineAsset: Int32Array,
    lineStart: number,
    acc: TickAccumulator,
  ): void {
    const was = this.isLiquidatableSlot(slot);
    if (headroom < 0 && was) {
      acc.crossRetainedByScreen += 1;
      return;
    }
    if (headroom === 0) acc.crossUncertain += 1;
    acc.exactChecks += 1;
    const liquidatable = this.crossMarginExact(slot, lineAsset, lineStart) < 0n;
    // The bound is a proof: an exact contradiction would be a bug in the screen.
    assert(liquidatable || headroom === 0, 'screen proved liquidatable, exact says healthy');
    if (liquidatable !== was) this.flip(slot, liquidatable, acc);
  }

  /**
   * Re-evaluates every cross account at the current prices and rebuilds the headroom index with
   * them as the new reference. O(cross lines): one sequential pass over the slots and the line
   * arena ({@link screenAllCross}), then the index's counting sorts. Allocates nothing per account
   * (nothing at all once the buffers have settled).
   */
  private rebuildCross(acc: TickAccumulator): void {
    acc.rebuilt = true;
    this.linesPerBucket.fill(0);
    this.headroom.beginRebuild(this.arenaLive);
    const screened = this.screenAllCross(acc);
    assert(screened === this.kindCount[KIND_CROSS], 'cross account count');
    this.headroom.rebuild({
      slotBucket: this.certBucket, // non-cross slots hold UNCERTIFIED (≥ HEADROOM_BUCKETS): skipped
      slotCount: this.slotEnd,
      linesPerBucket: this.linesPerBucket,
      lineStart: this.lineStart,
      lineCount: this.lineCount,
      lineAsset: this.lineAsset,
      lineCoefF: this.lineCoefF,
    });
    for (let a = 0; a < this.assetCount; a++) this.refPrice[a] = this.priceExact[a] as bigint;
    this.driftBucket.fill(-1);
  }

  /**
   * The loop of {@link rebuildCross}: evaluates every cross slot as {@link evaluateCross} does (the
   * common case, proven healthy and already healthy, without leaving the loop), sets its certified
   * bucket, counts its lines per bucket and stages the accounts the headroom index may take (their
   * lines are in cache now). Returns the number of cross slots. Nothing but the loop is in this
   * function, so the optimizing compiler sees all of it from the first call (code after a hot loop
   * that has never run would make every call leave optimized code).
   */
  private screenAllCross(acc: TickAccumulator): number {
    const kind = this.kind;
    const lineStart = this.lineStart;
    const lineCount = this.lineCount;
    const lineAsset = this.lineAsset;
    const lineCoefF = this.lineCoefF;
    const certBucket = this.certBucket;
    const liqFlag = this.liqFlag;
    const priceF = this.priceF;
    const linesPerBucket = this.linesPerBucket;
    const headroomIndex = this.headroom;
    const slotEnd = this.slotEnd;
    // Module constants as locals: read once, not once per account.
    const cross = KIND_CROSS;
    const lastBucket = HEADROOM_BUCKETS - 1;
    let screened = 0;
    let cleared = 0;
    for (let slot = 0; slot < slotEnd; slot++) {
      if (kind[slot] !== cross) continue;
      const start = lineStart[slot] as number;
      const m = lineCount[slot] as number;
      screened += 1;
      let headroom = screenHeadroom(priceF, lineAsset, lineCoefF, start, m);
      if (headroom > 0) {
        cleared += 1;
        if (liqFlag[slot] === 1) this.flip(slot, false, acc);
      } else {
        this.settleUnclear(slot, headroom, lineAsset, start, acc);
        headroom = -headroom;
      }
      const bucket = headroomBucket(headroom);
      certBucket[slot] = bucket;
      linesPerBucket[bucket] = (linesPerBucket[bucket] as number) + m;
      if (bucket < lastBucket) headroomIndex.stage(slot, bucket, lineAsset, lineCoefF, start, m);
    }
    acc.crossScreened += screened;
    acc.crossClearedByScreen += cleared;
    return screened;
  }

  // ---- loading -----------------------------------------------------------------------------

  /** Bulk-loads the initial book into an empty detector (validated entirely before anything is stored). */
  load(accounts: readonly DetectAccount[]): void {
    assert(this.slotEnd === 0, 'load needs an empty detector');
    const nets: NetPosition[] = [];
    for (let i = 0; i < accounts.length; i++) {
      const account = accounts[i] as DetectAccount;
      try {
        validateAccount(this.registry, account);
        if (this.slotOf.has(account.id)) {
          throw new InvalidParameterError(`accounts.${account.id}`, 'duplicate account id');
        }
      } catch (error) {
        this.slotOf.clear(); // nothing stored yet but the ids seen so far
        throw error;
      }
      this.slotOf.set(account.id, i); // slot i: slots are handed out in order below
      nets.push(netPosition(this.registry, account));
    }
    this.ensureSlotCapacity(accounts.length);
    this.slotEnd = accounts.length;
    // Arenas and exposure lists of exactly the size needed (growth by doubling leaves up to as
    // much again unused).
    let lineTotal = 0;
    let limbTotal = 0;
    const holders = new Int32Array(this.assetCount);
    for (const net of nets) {
      const kind = IncrementalDetector.kindOfPosition(net);
      if (kind === KIND_CROSS) {
        lineTotal += net.coefs.length;
        for (const a of net.assets) holders[a] = (holders[a] as number) + 1;
      }
      if (kind === KIND_CROSS || kind === KIND_ISOLATED) {
        for (const coef of net.coefs) limbTotal += limbCount(coef);
      }
    }
    this.compact(lineTotal, limbTotal);
    for (let a = 0; a < this.assetCount; a++) {
      this.exposure[a] = new Int32Array(Math.max(8, holders[a] as number));
    }
    const pending = new Map<number, number[]>();
    for (let slot = 0; slot < accounts.length; slot++) {
      const net = nets[slot] as NetPosition;
      this.ids[slot] = (accounts[slot] as DetectAccount).id;
      const kind = IncrementalDetector.kindOfPosition(net);
      this.attach(slot, kind, net, false);
      if (kind === KIND_ISOLATED) {
        const ladder = this.isoLadder[slot] as number;
        let list = pending.get(ladder);
        if (list === undefined) {
          list = [];
          pending.set(ladder, list);
        }
        list.push(slot);
      }
    }
    for (const [ladder, slots] of pending) this.ladders[ladder]?.bulkLoad(slots);
    this.reevaluateAll();
  }

  // ---- public API --------------------------------------------------------------------------

  upsert(account: DetectAccount): AccountStatus {
    validateAccount(this.registry, account);
    const net = netPosition(this.registry, account);
    const kind = IncrementalDetector.kindOfPosition(net);
    let slot = this.slotOf.get(account.id);
    let was = false;
    if (slot === undefined) {
      slot = this.allocSlot(account.id);
    } else {
      was = this.isLiquidatableSlot(slot);
      this.detach(slot);
    }
    this.attach(slot, kind, net, true);
    const now = this.exactStatus(slot);
    this.setStatus(slot, now);
    return { id: account.id, liquidatable: now, wasLiquidatable: was };
  }

  remove(id: string): AccountStatus {
    const slot = this.slotOrThrow(id);
    const was = this.isLiquidatableSlot(slot);
    this.detach(slot);
    this.releaseRegion(slot);
    this.setStatus(slot, false);
    this.ids[slot] = '';
    this.slotOf.delete(id);
    this.freeSlots.push(slot);
    return { id, liquidatable: false, wasLiquidatable: was };
  }

  setPrice(asset: string, price: bigint): TickResult {
    return this.setPrices({ [asset]: price });
  }

  setPrices(prices: DetectPrices): TickResult {
    // Check everything before changing anything.
    const changed: number[] = [];
    const updates: bigint[] = [];
    for (const asset of Object.keys(prices)) {
      const a = assetIndex(this.registry, asset);
      const price = requirePrice(asset, prices[asset]);
      if (price !== this.priceExact[a]) {
        changed.push(a);
        updates.push(price);
      }
    }
    const acc = newAccumulator();
    if (changed.length === 0) return this.result(acc);
    const oldPrice = [...this.priceExact];
    changed.forEach((a, i) => {
      const price = updates[i] as bigint;
      this.priceExact[a] = price;
      this.priceF[a] = Number(price); // nearest double: one rounding, in the bound
    });
    const epoch = this.nextEpoch();

    // Isolated accounts: each ladder of a changed asset is a range query between the old and the
    // new price ratio q = P_c / P_d; the accounts in between flip, nobody else is looked at.
    for (const a of changed) {
      for (const id of this.laddersByAsset[a] as number[]) {
        if (this.ladderMark[id] === epoch) continue;
        this.ladderMark[id] = epoch;
        const ladder = this.ladders[id] as LiquidationLadder;
        if (ladder.size === 0) continue;
        const oldC = oldPrice[ladder.collateralAsset] as bigint;
        const oldD = oldPrice[ladder.debtAsset] as bigint;
        const newC = this.priceExact[ladder.collateralAsset] as bigint;
        const newD = this.priceExact[ladder.debtAsset] as bigint;
        const newTimesOld = newC * oldD; // q_new < q_old ⇔ newC·oldD < oldC·newD
        const oldTimesNew = oldC * newD;
        if (newTimesOld === oldTimesNew) continue;
        acc.laddersTouched += 1;
        const falling = newTimesOld < oldTimesNew;
        // q fell: accounts with q_new < r ≤ q_old become liquidatable; q rose: q_old < r ≤ q_new heal.
        acc.ladderCrossings += ladder.forEachBetweenRatios(
          falling
            ? { lowNum: newC, lowDen: newD, highNum: oldC, highDen: oldD }
            : { lowNum: oldC, lowDen: oldD, highNum: newC, highDen: newD },
          (slot) => {
            assert(this.isLiquidatableSlot(slot) !== falling, 'ladder status out of step');
            this.flip(slot, falling, acc);
          },
        );
      }
    }

    // Cross accounts. An account's certificate (κ at the reference prices) stays valid while every
    // asset it holds has drifted by less than κ since then. For each moved asset, the accounts
    // holding it whose bucket is at most that asset's largest drift bucket are visited; those
    // whose certificate breaks now are also listed as extras of their other assets, so that those
    // assets' ticks visit them too. Everyone else provably keeps its status.
    const buckets = changed.map((a) =>
      Math.max(
        this.driftBucket[a] as number,
        headroomBucket(driftUpperBound(this.priceExact[a] as bigint, this.refPrice[a] as bigint)),
      ),
    );
    const indexed = this.headroom.indexedBuckets;
    let atRisk = 0;
    changed.forEach((a, i) => {
      const bucket = buckets[i] as number;
      const previous = this.driftBucket[a] as number;
      if (bucket > previous) {
        atRisk +=
          bucket < indexed
            ? this.headroom.countBetween(a, previous, bucket)
            : (this.exposureCount[a] as number);
      }
      atRisk += this.headroom.extraCountOf(a);
    });
    if (atRisk > this.rebuildThreshold() || this.headroom.extraEntries > this.extrasLimit()) {
      this.rebuildCross(acc);
    } else {
      const hotAsset = this.headroom.hotAsset;
      const hotCoefF = this.headroom.hotCoefF;
      /** Breaks an account's certificate: lists it as an extra of every asset it holds. */
      const breakCertificate = (
        slot: number,
        lineAsset: Int32Array,
        start: number,
        hotStart: number,
        count: number,
      ) => {
        if ((this.certBucket[slot] as number) >= BROKEN) return; // already an extra everywhere
        this.certBucket[slot] = BROKEN;
        const gen = this.generation[slot] as number;
        for (let l = start; l < start + count; l++) {
          this.headroom.addExtra(lineAsset[l] as number, slot, gen, hotStart, count);
        }
      };
      const breakHot = (slot: number, hotStart: number, count: number): void =>
        breakCertificate(slot, hotAsset, hotStart, hotStart, count);
      // Several assets at once: an account may be an extra of two of them; evaluate it once.
      const dedupe = changed.length > 1;
      const visitExtra = (slot: number, gen: number, hotStart: number, count: number): void => {
        if (this.generation[slot] !== gen) return; // changed since listed: a newer entry covers it
        if (dedupe) {
          if (this.mark[slot] === epoch) return;
          this.mark[slot] = epoch;
        }
        if (hotStart >= 0) this.evaluateCross(slot, hotAsset, hotCoefF, hotStart, count, acc);
        else {
          const start = this.lineStart[slot] as number;
          this.evaluateCross(
            slot,
            this.lineAsset,
            this.lineCoefF,
            start,
            this.lineCount[slot] as number,
            acc,
          );
        }
      };
      // First every certificate the new drifts break, then the extras of every moved asset.
      changed.forEach((a, i) => {
        const bucket = buckets[i] as number;
        const previous = this.driftBucket[a] as number;
        if (bucket <= previous) return;
        if (bucket < indexed) {
          this.headroom.forEachBetween(a, previous, bucket, breakHot);
        } else {
          // A drift past the indexed buckets: every holder of the asset, from the exposure list.
          const list = this.exposure[a] as Int32Array;
          const count = this.exposureCount[a] as number;
          for (let j = 0; j < count; j++) {
            const slot = list[j] as number;
            const certified = this.certBucket[slot] as number;
            if (certified > previous && certified <= bucket) {
              const start = this.lineStart[slot] as number;
              breakCertificate(slot, this.lineAsset, start, -1, this.lineCount[slot] as number);
            }
          }
        }
        this.driftBucket[a] = bucket;
      });
      for (const a of changed) this.headroom.forEachExtra(a, visitExtra);
    }
    return this.result(acc);
  }

  /** Extra entries (over all assets) beyond which the next tick rebuilds: as many as cross lines. */
  private extrasLimit(): number {
    return 1_024 + this.arenaLive;
  }

  /**
   * Entries a tick may visit before rebuilding is cheaper: an eighth of the cross accounts (a
   * rebuild screens all of them and sorts their lines into buckets, about eight times the cost of
   * screening one at-risk entry).
   */
  private rebuildThreshold(): number {
    return this.crossRebuildThreshold ?? 1_024 + ((this.kindCount[KIND_CROSS] as number) >>> 3);
  }

  reevaluateCross(): TickResult {
    const acc = newAccumulator();
    this.rebuildCross(acc);
    return this.result(acc);
  }

  reevaluateAll(): TickResult {
    const acc = newAccumulator();
    for (const ladder of this.ladders) {
      const pc = this.priceExact[ladder.collateralAsset] as bigint;
      const pd = this.priceExact[ladder.debtAsset] as bigint;
      ladder.forEachWithStatus(pc, pd, (slot, liquidatable) => {
        if (liquidatable !== this.isLiquidatableSlot(slot)) this.flip(slot, liquidatable, acc);
      });
    }
    this.rebuildCross(acc);
    this.settleStatic(acc);
    return this.result(acc);
  }

  /** Gives every never/always account its fixed status, recording flips (the audit's last pass). */
  private settleStatic(acc: TickAccumulator): void {
    const slotEnd = this.slotEnd;
    for (let slot = 0; slot < slotEnd; slot++) {
      const kind = this.kind[slot];
      if (kind === KIND_NEVER || kind === KIND_ALWAYS) {
        const liquidatable = kind === KIND_ALWAYS;
        if (liquidatable !== this.isLiquidatableSlot(slot)) this.flip(slot, liquidatable, acc);
      }
    }
  }

  private result(acc: TickAccumulator): TickResult {
    return {
      newlyLiquidatable: acc.liquidated.map((s) => this.ids[s] as string).sort(),
      newlyHealthy: acc.healed.map((s) => this.ids[s] as string).sort(),
      liquidatableCount: this.liqCount,
      work: {
        laddersTouched: acc.laddersTouched,
        ladderCrossings: acc.ladderCrossings,
        crossScreened: acc.crossScreened,
        crossClearedByScreen: acc.crossClearedByScreen,
        crossRetainedByScreen: acc.crossRetainedByScreen,
        crossUncertain: acc.crossUncertain,
        exactChecks: acc.exactChecks,
        rebuilt: acc.rebuilt,
      },
    };
  }

  liquidatable(): string[] {
    const out: string[] = new Array<string>(this.liqCount);
    for (let j = 0; j < this.liqCount; j++) out[j] = this.ids[this.liqList[j] as number] as string;
    return out.sort();
  }

  isLiquidatable(id: string): boolean {
    return this.isLiquidatableSlot(this.slotOrThrow(id));
  }

  kindOf(id: string): AccountKind {
    const kind = KIND_NAMES[this.kind[this.slotOrThrow(id)] as number];
    assert(kind !== undefined, `account ${id} has no kind`);
    return kind;
  }

  liquidationPrice(id: string): LiquidationPrice | undefined {
    const slot = this.slotOrThrow(id);
    if (this.kind[slot] !== KIND_ISOLATED) return undefined;
    const ladder = this.ladders[this.isoLadder[slot] as number] as LiquidationLadder;
    const debtPrice = this.priceExact[ladder.debtAsset] as bigint;
    return {
      collateralAsset: this.registry.names[ladder.collateralAsset] as string,
      debtAsset: this.registry.names[ladder.debtAsset] as string,
      debtPrice,
      // Liquidatable iff P_c·A < P_d·B iff P_c < P_d·B/A iff P_c < ⌈P_d·B/A⌉ for an integer P_c:
      // rounding Up makes the bound exact for integer prices, so it favours no one.
      healthyCollateralPriceMin: divRound(debtPrice * this.isoCoefB(slot), this.isoCoefA(slot), Rounding.Up),
    };
  }

  price(asset: string): bigint {
    return this.priceExact[assetIndex(this.registry, asset)] as bigint;
  }

  stats(): DetectorStats {
    return {
      accounts: this.slotOf.size,
      never: this.kindCount[KIND_NEVER] as number,
      always: this.kindCount[KIND_ALWAYS] as number,
      isolated: this.kindCount[KIND_ISOLATED] as number,
      cross: this.kindCount[KIND_CROSS] as number,
      ladders: this.ladders.length,
      liquidatable: this.liqCount,
      crossLines: this.arenaLive,
      arenaCapacityLines: this.arenaCapacity,
      hotLines: this.headroom.hotLines,
    };
  }
}
