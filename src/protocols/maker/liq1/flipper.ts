/**
 * The Flipper's commands on a running engine (makerdao/dss src/flip.sol): `tend` (English phase:
 * raise the DAI bid for the whole lot up to the tab), `dent` (reverse phase: ask for less
 * collateral for the full tab), `deal` (settle) and `tick` (restart an auction nobody bid on).
 */
import type { EngineState } from '../../../engine/engine.js';
import { ProtocolRevertError } from '../../../engine/errors.js';
import { readBigint, readInt, readString } from '../../../engine/fields.js';
import { moved } from '../../../engine/ledger.js';
import type { Command, EngineEvent } from '../../../engine/machine.js';
import { dentRefusal, tendRefusal } from '../math/flipper.js';
import { auctionBucket, DAI, emit, requireIlkParams, VOW_BUCKET, walletBucket } from '../vat.js';
import { requireFlip } from './cat.js';
import type { FlipBid, FlipDealt, FlipDented, FlipTended, FlipTicked, Liq1Ext } from './state.js';

type State = EngineState<Liq1Ext>;

interface BidCommand {
  readonly ilk: string;
  readonly id: number;
  readonly bidder: string;
  readonly lotWad: bigint;
  readonly bidRad: bigint;
}

function readBidCommand(command: Command): BidCommand {
  return {
    ilk: readString(command, 'ilk'),
    id: readInt(command, 'id', 'id', { min: 1 }),
    bidder: readString(command, 'bidder'),
    lotWad: readBigint(command, 'lotWad'),
    bidRad: readBigint(command, 'bidRad'),
  };
}

/**
 * A Flipper auction. dss reads an all-zero record for an unknown id and reverts later; here an
 * unknown id is refused at once with the revert its first check would give.
 * @throws ProtocolRevertError `reason`.
 */
function requireBid(state: State, ilk: string, id: number, reason: string): FlipBid {
  const flip = requireFlip(state.ext, ilk);
  const bid = flip.bids.get(String(id));
  if (bid === undefined)
    throw new ProtocolRevertError(reason, `No Flipper auction ${id} for ${ilk}.`, { id: String(id) });
  return bid;
}

/** dss flip.sol tend/dent: the auction still takes bids. */
function requireBiddable(bid: FlipBid, nowSeconds: number): void {
  if (!(bid.ticSeconds > nowSeconds || bid.ticSeconds === 0)) {
    throw new ProtocolRevertError(
      'Flipper/already-finished-tic',
      'The last bid has expired: deal the auction.',
    );
  }
  if (!(bid.endSeconds > nowSeconds)) {
    throw new ProtocolRevertError(
      'Flipper/already-finished-end',
      'The auction has ended: deal it (or tick it if nobody bid).',
    );
  }
}

/**
 * `tend {ilk, id, bidder, lotWad, bidRad}` (makerdao/dss src/flip.sol tend), checks in the
 * contract's order: the auction exists ("Flipper/guy-not-set"), takes bids, `lot` matches
 * ("Flipper/lot-not-matching"), then tendRefusal (`bid ≤ tab`, `bid > prev`,
 * `bid·1e18 ≥ beg·prev || bid == tab`). Moves: a new bidder refunds the previous high bid to
 * `wallet:<guy>`; the increase goes to the Vow (`protocol`). The bid then lives `ttl` seconds.
 * @throws ProtocolRevertError; InsufficientBalanceError (engine) when the bidder cannot pay.
 */
export function decideTend(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const c = readBidCommand(command);
  const bid = requireBid(state, c.ilk, c.id, 'Flipper/guy-not-set');
  requireBiddable(bid, nowSeconds);
  if (c.lotWad !== bid.lotWad)
    throw new ProtocolRevertError('Flipper/lot-not-matching', 'In the tend phase the lot is fixed.');
  const p = requireIlkParams(state.ext.core, c.ilk);
  const refusal = tendRefusal({ bid: c.bidRad, prevBid: bid.bidRad, tab: bid.tabRad, begWad: p.begWad });
  if (refusal !== undefined) {
    throw new ProtocolRevertError(
      refusal,
      'Bid higher: at least beg above the current bid, at most the tab.',
      {
        prevBidRad: bid.bidRad.toString(),
        tabRad: bid.tabRad.toString(),
      },
    );
  }
  return [
    ...(c.bidder !== bid.guy
      ? moved(DAI, walletBucket(c.bidder), walletBucket(bid.guy), bid.bidRad, 'tend: refund')
      : []),
    ...moved(DAI, walletBucket(c.bidder), VOW_BUCKET, c.bidRad - bid.bidRad, 'tend: increment'),
    emit<FlipTended>({
      type: 'FlipTended',
      ilk: c.ilk,
      id: c.id,
      bidder: c.bidder,
      bidRad: c.bidRad,
      ticSeconds: nowSeconds + p.ttlSeconds,
    }),
  ];
}

/**
 * `dent {ilk, id, bidder, lotWad, bidRad}` (makerdao/dss src/flip.sol dent), in the contract's
 * order: the auction exists, takes bids, `bid` equals the current bid ("Flipper/not-matching-bid")
 * and the tab ("Flipper/tend-not-finished"), then dentRefusal (`lot < prev`,
 * `beg·lot ≤ prev·1e18`). Moves: a new bidder pays the previous one the full bid; the released
 * collateral `prevLot − lot` goes back to the vault owner `wallet:<usr>`.
 * @throws ProtocolRevertError; InsufficientBalanceError (engine) when the bidder cannot pay.
 */
export function decideDent(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const c = readBidCommand(command);
  const bid = requireBid(state, c.ilk, c.id, 'Flipper/guy-not-set');
  requireBiddable(bid, nowSeconds);
  if (c.bidRad !== bid.bidRad)
    throw new ProtocolRevertError('Flipper/not-matching-bid', 'In the dent phase the bid is the tab.');
  if (c.bidRad !== bid.tabRad)
    throw new ProtocolRevertError('Flipper/tend-not-finished', 'Bid the full tab (tend) before denting.');
  const p = requireIlkParams(state.ext.core, c.ilk);
  const refusal = dentRefusal({ lot: c.lotWad, prevLot: bid.lotWad, begWad: p.begWad });
  if (refusal !== undefined) {
    throw new ProtocolRevertError(refusal, 'Ask for less collateral: at least beg below the current lot.', {
      prevLotWad: bid.lotWad.toString(),
    });
  }
  return [
    ...(c.bidder !== bid.guy
      ? moved(DAI, walletBucket(c.bidder), walletBucket(bid.guy), c.bidRad, 'dent: refund')
      : []),
    ...moved(
      p.gem,
      auctionBucket(c.ilk, c.id),
      walletBucket(bid.usr),
      bid.lotWad - c.lotWad,
      'dent: release to usr',
    ),
    emit<FlipDented>({
      type: 'FlipDented',
      ilk: c.ilk,
      id: c.id,
      bidder: c.bidder,
      lotWad: c.lotWad,
      ticSeconds: nowSeconds + p.ttlSeconds,
    }),
  ];
}

/**
 * `deal {ilk, id}` (makerdao/dss src/flip.sol deal): needs a bid and either its `ttl` or the
 * auction's `tau` passed (`tic ≠ 0 && (tic < now || end < now)`, "Flipper/not-finished"). The Cat
 * releases the tab from `litter` (`claw`), the lot goes to the winner's wallet. DAI the auction did
 * not raise stays as the Vow's sin (bad debt).
 * @throws ProtocolRevertError.
 */
export function decideDeal(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const id = readInt(command, 'id', 'id', { min: 1 });
  const bid = requireBid(state, ilk, id, 'Flipper/not-finished');
  if (!(bid.ticSeconds !== 0 && (bid.ticSeconds < nowSeconds || bid.endSeconds < nowSeconds))) {
    throw new ProtocolRevertError(
      'Flipper/not-finished',
      'The auction is still running (or has no bid: tick it after its end).',
    );
  }
  const p = requireIlkParams(state.ext.core, ilk);
  return [
    ...moved(p.gem, auctionBucket(ilk, id), walletBucket(bid.guy), bid.lotWad, 'deal'),
    emit<FlipDealt>({
      type: 'FlipDealt',
      ilk,
      id,
      winner: bid.guy,
      lotWad: bid.lotWad,
      bidRad: bid.bidRad,
      clawRad: bid.tabRad,
    }),
  ];
}

/**
 * `tick {ilk, id}` (makerdao/dss src/flip.sol tick): an auction past its end with no bid
 * (`end < now`, "Flipper/not-finished"; `tic == 0`, "Flipper/bid-already-placed") restarts with
 * `end = now + tau`. An unknown id is refused ("Flipper/guy-not-set"); dss would write a stray record.
 * @throws ProtocolRevertError.
 */
export function decideTick(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const id = readInt(command, 'id', 'id', { min: 1 });
  const bid = requireBid(state, ilk, id, 'Flipper/guy-not-set');
  if (!(bid.endSeconds < nowSeconds))
    throw new ProtocolRevertError('Flipper/not-finished', `The auction runs until ${bid.endSeconds}.`);
  if (bid.ticSeconds !== 0)
    throw new ProtocolRevertError('Flipper/bid-already-placed', 'Someone bid: deal the auction instead.');
  const p = requireIlkParams(state.ext.core, ilk);
  return [emit<FlipTicked>({ type: 'FlipTicked', ilk, id, endSeconds: nowSeconds + p.tauSeconds })];
}
