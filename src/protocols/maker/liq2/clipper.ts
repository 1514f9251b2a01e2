/**
 * The Clipper's commands on a running engine (makerdao/dss src/clip.sol): `take` (with the
 * optional flash-liquidation callback), `redo`, `yank` and `upchost`, each checked against the
 * breaker level `stopped` and turned into ledger moves and events.
 */
import type { EngineState } from '../../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../../../engine/errors.js';
import {
  readBigint,
  readEnum,
  readInt,
  readObject,
  readOptionalString,
  readString,
} from '../../../engine/fields.js';
import { type Moved, moved } from '../../../engine/ledger.js';
import type { Command, EngineEvent } from '../../../engine/machine.js';
import { auctionPriceAndDone, chost, redoIncentive, startPriceRay, takeAmounts } from '../math/clipper.js';
import {
  auctionBucket,
  DAI,
  emit,
  ilkPrice,
  requireIlkParams,
  suckEvents,
  VOW_BUCKET,
  walletBucket,
} from '../vat.js';
import { requireClip } from './dog.js';
import type {
  ChostUpdated,
  ClipRedone,
  ClipTaken,
  ClipYanked,
  KeeperRewarded,
  Liq2Ext,
  Sale,
} from './state.js';

type State = EngineState<Liq2Ext>;

/** What a flash-take callback is told (dss `ClipperCallee.clipperCall(sender, owe, slice, data)`). */
export interface ClipperCall {
  readonly ilk: string;
  readonly id: number;
  /** Ledger asset of the collateral. */
  readonly gem: string;
  /** The keeper calling `take`; pays `owe` after the callback. */
  readonly sender: string;
  /** Received the slice before the callback. */
  readonly who: string;
  /** DAI the sender must pay, RAD. */
  readonly oweRad: bigint;
  /** Collateral `who` received, WAD. */
  readonly sliceWad: bigint;
}

/**
 * A flash-take callback for library use: returns the moves it makes (e.g. sell the slice from
 * `wallet:<who>` and credit `wallet:<sender>` with DAI). The moves must be built with `moved`.
 */
export type ClipperCallee = (call: ClipperCall) => readonly Moved[];

/**
 * The serializable flash callback: sell the whole slice from `wallet:<who>` to the outside market
 * (`world`) at `priceRay` DAI per unit, the proceeds (`slice·price`, RAD, exact) credited to
 * `wallet:<sender>` before the Clipper pulls `owe`.
 */
export interface MarketSellCallback {
  readonly sellTo: 'market';
  /** Market price, RAY (DAI per unit of collateral). */
  readonly priceRay: bigint;
}

/** Moves of a serializable market-sell callback. */
export function marketSellMoves(call: ClipperCall, priceRay: bigint): Moved[] {
  return [
    ...moved(call.gem, walletBucket(call.who), 'world', call.sliceWad, 'flash: sell slice'),
    // slice [wad] · price [ray] = rad, exact: nothing is rounded.
    ...moved(DAI, 'world', walletBucket(call.sender), call.sliceWad * priceRay, 'flash: sale proceeds'),
  ];
}

function callbackMoves(flash: unknown, call: ClipperCall): readonly Moved[] {
  if (flash === undefined) return [];
  if (typeof flash === 'function') {
    const out = (flash as ClipperCallee)(call);
    if (!Array.isArray(out))
      throw new InvalidParameterError('flash', 'the callback must return an array of moves');
    for (const m of out as readonly unknown[]) {
      const mv = m as Partial<Moved> | null;
      if (
        mv === null ||
        typeof mv !== 'object' ||
        mv.type !== 'Moved' ||
        typeof mv.amount !== 'bigint' ||
        mv.amount <= 0n
      ) {
        throw new InvalidParameterError(
          'flash',
          'the callback returned something that is not a positive Moved',
        );
      }
    }
    return out;
  }
  const obj = readObject(flash, 'flash');
  readEnum(obj, 'sellTo', ['market'], 'flash.sellTo');
  const priceRay = readBigint(obj, 'priceRay', 'flash.priceRay');
  return marketSellMoves(call, priceRay);
}

/** A running sale. @throws ProtocolRevertError "Clipper/not-running-auction". */
export function requireSale(ext: Liq2Ext, ilk: string, id: number): Sale {
  const clip = requireClip(ext, ilk);
  const sale = clip.sales.get(String(id));
  if (sale === undefined) {
    throw new ProtocolRevertError('Clipper/not-running-auction', `No running auction ${id} for ${ilk}.`, {
      id: String(id),
    });
  }
  return sale;
}

function requireLevel(state: State, ilk: string, level: number): void {
  // dss clip.sol isStopped(level): require(stopped < level, "Clipper/stopped-incorrect").
  if (!(requireClip(state.ext, ilk).stopped < level)) {
    throw new ProtocolRevertError(
      'Clipper/stopped-incorrect',
      `The Clipper's breaker blocks this (stopped ≥ ${level}).`,
    );
  }
}

/** Price and reset flag of a sale at `nowSeconds` with its ilk's curve, tail and cusp. */
export function saleStatus(state: State, ilk: string, sale: Sale, nowSeconds: number) {
  const p = requireIlkParams(state.ext.core, ilk);
  return auctionPriceAndDone({
    curve: p.calc,
    topRay: sale.topRay,
    durSeconds: BigInt(nowSeconds - sale.ticSeconds),
    tailSeconds: BigInt(p.tailSeconds),
    cuspRay: p.cuspRay,
  });
}

/**
 * `take {ilk, id, amtWad, maxRay, keeper, who?, flash?}` (makerdao/dss src/clip.sol take):
 * requires `stopped < 3`, a running sale that does not need a reset ("Clipper/needs-reset"), and
 * `max ≥ price`; the amounts follow takeAmounts. Moves, in the contract's order: the slice to
 * `wallet:<who>` (default the keeper); the flash callback's moves (`flash`: a MarketSellCallback
 * or, in library use, a ClipperCallee); `owe` DAI from `wallet:<keeper>` to the Vow (`protocol`);
 * when the tab is covered, the rest of the lot back to `wallet:<usr>`. When the lot runs out first,
 * the unraised tab is written off: it stays as the Vow's sin (bad debt).
 * @throws ProtocolRevertError with the dss string; InsufficientBalanceError (from the engine) when
 * the keeper cannot pay after the callback; InvalidParameterError for malformed fields.
 */
export function decideTake(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const id = readInt(command, 'id', 'id', { min: 1 });
  const keeper = readString(command, 'keeper');
  const who = readOptionalString(command, 'who') ?? keeper;
  const amtWad = readBigint(command, 'amtWad');
  const maxRay = readBigint(command, 'maxRay');
  requireLevel(state, ilk, 3);
  const sale = requireSale(state.ext, ilk, id);
  const status = saleStatus(state, ilk, sale, nowSeconds);
  if (status.done) {
    throw new ProtocolRevertError(
      'Clipper/needs-reset',
      'The auction ran past tail or below cusp: redo it first.',
      {
        priceRay: status.priceRay.toString(),
      },
    );
  }
  const p = requireIlkParams(state.ext.core, ilk);
  const amounts = takeAmounts({
    tabRad: sale.tabRad,
    lotWad: sale.lotWad,
    priceRay: status.priceRay,
    amtWad,
    maxRay,
    chostRad: requireClip(state.ext, ilk).chostRad,
  });
  const lotBucket = auctionBucket(ilk, id);
  const call: ClipperCall = {
    ilk,
    id,
    gem: p.gem,
    sender: keeper,
    who,
    oweRad: amounts.oweRad,
    sliceWad: amounts.sliceWad,
  };
  const event: ClipTaken = {
    type: 'ClipTaken',
    ilk,
    id,
    keeper,
    who,
    priceRay: status.priceRay,
    oweRad: amounts.oweRad,
    sliceWad: amounts.sliceWad,
    tabAfterRad: amounts.tabAfterRad,
    lotAfterWad: amounts.lotAfterWad,
    outcome: amounts.outcome,
    digsRad: amounts.digsRad,
    badDebtRad: amounts.outcome === 'lotExhausted' ? amounts.tabAfterRad : 0n,
  };
  return [
    ...moved(p.gem, lotBucket, walletBucket(who), amounts.sliceWad, 'take'),
    ...callbackMoves(command.flash, call),
    ...moved(DAI, walletBucket(keeper), VOW_BUCKET, amounts.oweRad, 'take'),
    ...moved(p.gem, lotBucket, walletBucket(sale.usr), amounts.returnedToUsrWad, 'take: leftover to usr'),
    event,
  ];
}

/**
 * `redo {ilk, id, keeper}` (makerdao/dss src/clip.sol redo): requires `stopped < 2`, a running sale
 * that needs a reset ("Clipper/cannot-reset"); restarts it at `now` from
 * `top = rmul(feedPrice, buf)` with the current OSM price, and pays the keeper
 * `tip + chip·tab` only when `tab ≥ chost && lot·feedPrice ≥ chost`.
 * @throws ProtocolRevertError; StaleOraclePriceError when there is no OSM price.
 */
export function decideRedo(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const id = readInt(command, 'id', 'id', { min: 1 });
  const keeper = readString(command, 'keeper');
  requireLevel(state, ilk, 2);
  const sale = requireSale(state.ext, ilk, id);
  if (!saleStatus(state, ilk, sale, nowSeconds).done) {
    throw new ProtocolRevertError('Clipper/cannot-reset', 'The auction is still within tail and above cusp.');
  }
  const p = requireIlkParams(state.ext.core, ilk);
  const { feedPriceRay } = ilkPrice(state, ilk, nowSeconds);
  const topRay = startPriceRay(feedPriceRay, p.bufRay);
  if (topRay === 0n) throw new ProtocolRevertError('Clipper/zero-top-price', 'The OSM price times buf is 0.');
  const coinRad = redoIncentive({
    tabRad: sale.tabRad,
    lotWad: sale.lotWad,
    feedPriceRay,
    chostRad: requireClip(state.ext, ilk).chostRad,
    tipRad: p.tipRad,
    chipWad: p.chipWad,
  });
  return [
    emit<ClipRedone>({ type: 'ClipRedone', ilk, id, ticSeconds: nowSeconds, topRay }),
    ...suckEvents({ to: keeper, rad: coinRad, reason: 'redo incentive' }),
    emit<KeeperRewarded>({ type: 'KeeperRewarded', ilk, id, keeper, on: 'redo', coinRad }),
  ];
}

/**
 * `yank {ilk, id}` (governance / End; makerdao/dss src/clip.sol yank): cancels a running sale,
 * releases its tab from Dirt/dirt and hands the lot to the caller (`protocol`). The tab is not
 * raised: its debt stays as the Vow's sin.
 * @throws ProtocolRevertError "Clipper/not-running-auction".
 */
export function decideYank(state: State, command: Command): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const id = readInt(command, 'id', 'id', { min: 1 });
  const sale = requireSale(state.ext, ilk, id);
  const p = requireIlkParams(state.ext.core, ilk);
  return [
    ...moved(p.gem, auctionBucket(ilk, id), 'protocol', sale.lotWad, 'yank'),
    emit<ClipYanked>({ type: 'ClipYanked', ilk, id, digsRad: sale.tabRad }),
  ];
}

/**
 * `upchost {ilk}` (permissionless; makerdao/dss src/clip.sol upchost): `chost = wmul(dust, chop)`
 * from the current parameters.
 */
export function decideUpchost(state: State, command: Command): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  requireClip(state.ext, ilk);
  const p = requireIlkParams(state.ext.core, ilk);
  return [emit<ChostUpdated>({ type: 'ChostUpdated', ilk, chostRad: chost(p.dustRad, p.chopWad) })];
}
