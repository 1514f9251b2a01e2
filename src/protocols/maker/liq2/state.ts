/**
 * State and events of Maker liquidations 2.0 on top of the vault core: the Dog's in-flight
 * budgets (`Dirt`, per-ilk `dirt`), one Clipper per ilk (sales, `kicks`, the `active` list,
 * `stopped`, the cached `chost`) and the ClipperMom's lock, with the fold of every event.
 */

import { PersistentMap } from '../../../engine/persistentMap.js';
import { assert } from '../../../math/errors.js';
import type { TakeOutcome } from '../math/clipper.js';
import { chost } from '../math/clipper.js';
import type { MakerParams } from '../params.js';
import type { UrnLiquidated } from '../stages.js';
import type { WithCore } from '../vat.js';

/** One Dutch auction (makerdao/dss src/clip.sol `Sale`). */
export interface Sale {
  /** DAI left to raise, RAD. */
  readonly tabRad: bigint;
  /** Collateral left, WAD. */
  readonly lotWad: bigint;
  /** The liquidated urn: receives leftover collateral. */
  readonly usr: string;
  /** Start (or last reset) time, seconds. */
  readonly ticSeconds: number;
  /** Starting price, RAY. */
  readonly topRay: bigint;
}

/** One ilk's Clipper. */
export interface ClipState {
  /** Total auctions ever started (the last id). */
  readonly kicks: number;
  /** Ids of running auctions, in dss's order (swap-and-pop on removal). */
  readonly active: readonly number[];
  /**
   * Running sales by id (decimal string): a persistent map, so a kick or take copies O(log n) nodes
   * however many auctions run (its canonical JSON is the plain record of sales).
   */
  readonly sales: PersistentMap<Sale>;
  /** Breaker level: 0 none, 1 no kick, 2 no kick/redo, 3 no kick/redo/take. */
  readonly stopped: number;
  /** Cached `wmul(dust, chop)`, RAD (refreshed by `upchost`). */
  readonly chostRad: bigint;
  /** ClipperMom: `tripBreaker` is refused until after this time (seconds). */
  readonly momLockedUntilSeconds: number;
}

/** The Dog's accumulators. */
export interface DogState {
  /** DAI (tab) of all running auctions, RAD. */
  readonly DirtRad: bigint;
  /** Per ilk, RAD. */
  readonly dirtRad: Readonly<Record<string, bigint>>;
}

/** State of the `maker-liq2` model. */
export interface Liq2Ext extends WithCore {
  readonly dog: DogState;
  readonly clips: Readonly<Record<string, ClipState>>;
}

/** `Dog.bark`: an urn was liquidated into auction `id`; `keeper` called it. */
export interface DogBarked extends UrnLiquidated {
  readonly type: 'DogBarked';
  readonly keeper: string;
}
/** `Clipper.kick`: a sale started. */
export interface ClipKicked {
  readonly type: 'ClipKicked';
  readonly ilk: string;
  readonly id: number;
  readonly tabRad: bigint;
  readonly lotWad: bigint;
  readonly usr: string;
  readonly ticSeconds: number;
  readonly topRay: bigint;
}
/** A keeper was paid `tip + chip·tab` (minted, see `VatSucked`); `coinRad` may be 0. */
export interface KeeperRewarded {
  readonly type: 'KeeperRewarded';
  readonly ilk: string;
  readonly id: number;
  readonly keeper: string;
  readonly on: 'kick' | 'redo';
  readonly coinRad: bigint;
}
/** `Clipper.take`: a purchase. */
export interface ClipTaken {
  readonly type: 'ClipTaken';
  readonly ilk: string;
  readonly id: number;
  readonly keeper: string;
  readonly who: string;
  readonly priceRay: bigint;
  readonly oweRad: bigint;
  readonly sliceWad: bigint;
  readonly tabAfterRad: bigint;
  readonly lotAfterWad: bigint;
  readonly outcome: TakeOutcome;
  /** Released from Dirt/dirt (`dog.digs`), RAD. */
  readonly digsRad: bigint;
  /** Tab written off when the lot ran out first (bad debt left as the Vow's sin), RAD. */
  readonly badDebtRad: bigint;
}
/** `Clipper.redo`: a sale restarted from a fresh price. */
export interface ClipRedone {
  readonly type: 'ClipRedone';
  readonly ilk: string;
  readonly id: number;
  readonly ticSeconds: number;
  readonly topRay: bigint;
}
/** `Clipper.yank`: a sale cancelled by governance; its lot went to `protocol`. */
export interface ClipYanked {
  readonly type: 'ClipYanked';
  readonly ilk: string;
  readonly id: number;
  readonly digsRad: bigint;
}
/** `Clipper.upchost`: the cached minimum tab was refreshed. */
export interface ChostUpdated {
  readonly type: 'ChostUpdated';
  readonly ilk: string;
  readonly chostRad: bigint;
}
/** The Clipper's breaker level changed (ClipperMom `setBreaker` or `tripBreaker`). */
export interface BreakerSet {
  readonly type: 'BreakerSet';
  readonly ilk: string;
  readonly level: number;
  readonly by: 'governance' | 'tripBreaker';
  /** New ClipperMom lock (governance only), seconds. */
  readonly lockedUntilSeconds?: number;
}

/** Every event of the liquidation 2.0 modules. */
export type Liq2Event =
  | DogBarked
  | ClipKicked
  | KeeperRewarded
  | ClipTaken
  | ClipRedone
  | ClipYanked
  | ChostUpdated
  | BreakerSet;

/** The Dog and Clippers right after `configure`: `chost` already computed, as a spell does. */
export function initialLiq2(params: MakerParams): Pick<Liq2Ext, 'dog' | 'clips'> {
  const clips: Record<string, ClipState> = {};
  const dirtRad: Record<string, bigint> = {};
  for (const [name, p] of Object.entries(params.ilks)) {
    clips[name] = {
      kicks: 0,
      active: [],
      sales: PersistentMap.empty<Sale>(),
      stopped: 0,
      chostRad: chost(p.dustRad, p.chopWad),
      momLockedUntilSeconds: 0,
    };
    dirtRad[name] = 0n;
  }
  return { dog: { DirtRad: 0n, dirtRad }, clips };
}

function withClip(ext: Liq2Ext, ilk: string, f: (c: ClipState) => ClipState): Liq2Ext {
  const c = ext.clips[ilk];
  assert(c !== undefined, `no clipper for ${ilk}`);
  return { ...ext, clips: { ...ext.clips, [ilk]: f(c) } };
}

function digs(ext: Liq2Ext, ilk: string, rad: bigint): Liq2Ext {
  const dirt = ext.dog.dirtRad[ilk] ?? 0n;
  assert(ext.dog.DirtRad >= rad && dirt >= rad, `digs ${rad} exceeds Dirt/dirt`);
  return {
    ...ext,
    dog: { DirtRad: ext.dog.DirtRad - rad, dirtRad: { ...ext.dog.dirtRad, [ilk]: dirt - rad } },
  };
}

/** The Clipper with running sale `id` changed by `f`. */
function withSale(c: ClipState, id: number, f: (s: Sale) => Sale): ClipState {
  const sale = c.sales.get(String(id));
  assert(sale !== undefined, `sale ${id} missing`);
  return { ...c, sales: c.sales.set(String(id), f(sale)) };
}

/** dss clip.sol `_remove`: swap the last active id into the removed one's place, then pop. */
function removeSale(c: ClipState, id: number): ClipState {
  const index = c.active.indexOf(id);
  assert(index >= 0, `sale ${id} is not active`);
  const active = [...c.active];
  const last = active.pop() as number;
  if (last !== id) active[index] = last;
  return { ...c, active, sales: c.sales.delete(String(id)) };
}

/** Folds one liquidation 2.0 event. */
export function evolveLiq2(ext: Liq2Ext, event: Liq2Event): Liq2Ext {
  switch (event.type) {
    case 'DogBarked': {
      const dirt = ext.dog.dirtRad[event.ilk] ?? 0n;
      return {
        ...ext,
        dog: {
          DirtRad: ext.dog.DirtRad + event.tabRad,
          dirtRad: { ...ext.dog.dirtRad, [event.ilk]: dirt + event.tabRad },
        },
      };
    }
    case 'ClipKicked':
      return withClip(ext, event.ilk, (c) => ({
        ...c,
        kicks: event.id,
        active: [...c.active, event.id],
        sales: c.sales.set(String(event.id), {
          tabRad: event.tabRad,
          lotWad: event.lotWad,
          usr: event.usr,
          ticSeconds: event.ticSeconds,
          topRay: event.topRay,
        }),
      }));
    case 'KeeperRewarded':
      return ext;
    case 'ClipTaken': {
      const after = digs(ext, event.ilk, event.digsRad);
      return withClip(after, event.ilk, (c) =>
        event.outcome !== 'continues'
          ? removeSale(c, event.id)
          : withSale(c, event.id, (s) => ({ ...s, tabRad: event.tabAfterRad, lotWad: event.lotAfterWad })),
      );
    }
    case 'ClipRedone':
      return withClip(ext, event.ilk, (c) =>
        withSale(c, event.id, (s) => ({ ...s, ticSeconds: event.ticSeconds, topRay: event.topRay })),
      );
    case 'ClipYanked':
      return withClip(digs(ext, event.ilk, event.digsRad), event.ilk, (c) => removeSale(c, event.id));
    case 'ChostUpdated':
      return withClip(ext, event.ilk, (c) => ({ ...c, chostRad: event.chostRad }));
    case 'BreakerSet':
      return withClip(ext, event.ilk, (c) => ({
        ...c,
        stopped: event.level,
        momLockedUntilSeconds: event.lockedUntilSeconds ?? c.momLockedUntilSeconds,
      }));
  }
}

const LIQ2_EVENTS: ReadonlySet<string> = new Set([
  'DogBarked',
  'ClipKicked',
  'KeeperRewarded',
  'ClipTaken',
  'ClipRedone',
  'ClipYanked',
  'ChostUpdated',
  'BreakerSet',
]);

/** Whether an event belongs to the liquidation 2.0 modules. */
export function isLiq2Event(event: { readonly type: string }): event is Liq2Event {
  return LIQ2_EVENTS.has(event.type);
}
