/**
 * State and events of Maker liquidations 1.2 on top of the vault core: the Cat's `litter` and one
 * Flipper per ilk (English-then-reverse auctions), with the fold of every event.
 */
import { PersistentMap } from '../../../engine/persistentMap.js';
import { assert } from '../../../math/errors.js';
import type { MakerParams } from '../params.js';
import type { UrnLiquidated } from '../stages.js';
import type { WithCore } from '../vat.js';

/** The Flipper's initial high bidder: the Cat that kicked the auction (dss `guy = msg.sender`). */
export const CAT_GUY = 'cat';

/** One Flipper auction (makerdao/dss src/flip.sol `Bid`); `gal` is always the Vow. */
export interface FlipBid {
  /** Highest bid, DAI, RAD. */
  readonly bidRad: bigint;
  /** Collateral for sale, WAD. */
  readonly lotWad: bigint;
  /** Highest bidder (the Cat until the first bid). */
  readonly guy: string;
  /** Bid expiry, seconds; 0 before the first bid. */
  readonly ticSeconds: number;
  /** Auction expiry, seconds. */
  readonly endSeconds: number;
  /** The liquidated urn: receives collateral released in the reverse phase. */
  readonly usr: string;
  /** DAI wanted, RAD. */
  readonly tabRad: bigint;
}

/** One ilk's Flipper. */
export interface FlipState {
  readonly kicks: number;
  /**
   * Running auctions by id (decimal string): a persistent map, so a kick or bid copies O(log n)
   * nodes however many auctions run (its canonical JSON is the plain record of bids).
   */
  readonly bids: PersistentMap<FlipBid>;
}

/** State of the `maker-liq1` model. */
export interface Liq1Ext extends WithCore {
  /** Cat `litter`: tab of all running auctions, RAD. */
  readonly litterRad: bigint;
  readonly flips: Readonly<Record<string, FlipState>>;
}

/** `Cat.bite`: an urn was liquidated into Flipper auction `id`. */
export interface CatBitten extends UrnLiquidated {
  readonly type: 'CatBitten';
}
/** `Flipper.kick` (bid 0, guy the Cat, end = now + tau). */
export interface FlipKicked {
  readonly type: 'FlipKicked';
  readonly ilk: string;
  readonly id: number;
  readonly lotWad: bigint;
  readonly tabRad: bigint;
  readonly usr: string;
  readonly endSeconds: number;
}
/** `Flipper.tend`: a higher DAI bid for the whole lot. */
export interface FlipTended {
  readonly type: 'FlipTended';
  readonly ilk: string;
  readonly id: number;
  readonly bidder: string;
  readonly bidRad: bigint;
  readonly ticSeconds: number;
}
/** `Flipper.dent`: less collateral for the full tab. */
export interface FlipDented {
  readonly type: 'FlipDented';
  readonly ilk: string;
  readonly id: number;
  readonly bidder: string;
  readonly lotWad: bigint;
  readonly ticSeconds: number;
}
/** `Flipper.deal`: the auction settled; `claw` released its tab from `litter`. */
export interface FlipDealt {
  readonly type: 'FlipDealt';
  readonly ilk: string;
  readonly id: number;
  readonly winner: string;
  readonly lotWad: bigint;
  readonly bidRad: bigint;
  readonly clawRad: bigint;
}
/** `Flipper.tick`: an auction without bids restarted. */
export interface FlipTicked {
  readonly type: 'FlipTicked';
  readonly ilk: string;
  readonly id: number;
  readonly endSeconds: number;
}

/** Every event of the liquidation 1.2 modules. */
export type Liq1Event = CatBitten | FlipKicked | FlipTended | FlipDented | FlipDealt | FlipTicked;

const LIQ1_EVENTS: ReadonlySet<string> = new Set([
  'CatBitten',
  'FlipKicked',
  'FlipTended',
  'FlipDented',
  'FlipDealt',
  'FlipTicked',
]);

/** Whether an event belongs to the liquidation 1.2 modules. */
export function isLiq1Event(event: { readonly type: string }): event is Liq1Event {
  return LIQ1_EVENTS.has(event.type);
}

/** The Flippers right after `configure`. */
export function initialFlips(params: MakerParams): Readonly<Record<string, FlipState>> {
  const flips: Record<string, FlipState> = {};
  for (const name of Object.keys(params.ilks))
    flips[name] = { kicks: 0, bids: PersistentMap.empty<FlipBid>() };
  return flips;
}

function withBid(ext: Liq1Ext, ilk: string, id: number, f: (b: FlipBid) => FlipBid): Liq1Ext {
  const flip = ext.flips[ilk];
  const bid = flip?.bids.get(String(id));
  assert(flip !== undefined && bid !== undefined, `no flip auction ${ilk} ${id}`);
  return {
    ...ext,
    flips: { ...ext.flips, [ilk]: { ...flip, bids: flip.bids.set(String(id), f(bid)) } },
  };
}

/** Folds one liquidation 1.2 event. */
export function evolveLiq1(ext: Liq1Ext, event: Liq1Event): Liq1Ext {
  switch (event.type) {
    case 'CatBitten':
      return { ...ext, litterRad: ext.litterRad + event.tabRad };
    case 'FlipKicked': {
      const flip = ext.flips[event.ilk];
      assert(flip !== undefined, `no flipper for ${event.ilk}`);
      const bid: FlipBid = {
        bidRad: 0n,
        lotWad: event.lotWad,
        guy: CAT_GUY,
        ticSeconds: 0,
        endSeconds: event.endSeconds,
        usr: event.usr,
        tabRad: event.tabRad,
      };
      return {
        ...ext,
        flips: {
          ...ext.flips,
          [event.ilk]: { kicks: event.id, bids: flip.bids.set(String(event.id), bid) },
        },
      };
    }
    case 'FlipTended':
      return withBid(ext, event.ilk, event.id, (b) => ({
        ...b,
        guy: event.bidder,
        bidRad: event.bidRad,
        ticSeconds: event.ticSeconds,
      }));
    case 'FlipDented':
      return withBid(ext, event.ilk, event.id, (b) => ({
        ...b,
        guy: event.bidder,
        lotWad: event.lotWad,
        ticSeconds: event.ticSeconds,
      }));
    case 'FlipTicked':
      return withBid(ext, event.ilk, event.id, (b) => ({ ...b, endSeconds: event.endSeconds }));
    case 'FlipDealt': {
      const flip = ext.flips[event.ilk];
      assert(flip !== undefined && ext.litterRad >= event.clawRad, `claw ${event.clawRad} exceeds litter`);
      const bids = flip.bids.delete(String(event.id));
      return {
        ...ext,
        litterRad: ext.litterRad - event.clawRad,
        flips: { ...ext.flips, [event.ilk]: { ...flip, bids } },
      };
    }
  }
}
