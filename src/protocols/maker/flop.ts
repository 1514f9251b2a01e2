/**
 * The Vow's debt auctions for both Maker models (makerdao/dss src/vow.sol `flop`, `kiss`;
 * src/flop.sol `kick`, `dent`, `tick`, `deal`), switched on by `params.vow.flop`: when the Vow's
 * unqueued sin is at least `sump` and it holds no dai, anyone may `flop`, which auctions newly
 * minted MKR for `sump` DAI. Bidders ask for ever fewer MKR; the first bid pays the Vow, which
 * retires that much sin at once (`kiss`); the winner is minted its MKR at `deal`. The auction
 * rules are the engine's debt-auction stage (src/engine/stages/debtAuction.ts).
 *
 * Ledger: `MKR` (18 decimals, listed at `configure` when debt auctions are on) is minted from
 * `mint` to `wallet:<winner>`; DAI moves from `wallet:<bidder>` to the previous high bidder or the
 * Vow (`protocol`); the kiss moves DAI `protocol` → `mint` and SIN `sysdebt` → `mint`.
 */
import type { EngineState, InvariantCheck } from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { readBigint, readInt, readString } from '../../engine/fields.js';
import { balanceOf, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import {
  type DebtAuction,
  type DebtAuctionHouse,
  dealDebtAuction,
  dentDebtAuction,
  kickDebtAuction,
  tickDebtAuction,
} from '../../engine/stages/debtAuction.js';
import { assert } from '../../math/errors.js';
import { min } from '../../math/mulDiv.js';
import type { MakerFlopParams } from './params.js';
import {
  DAI,
  emit,
  type MakerCore,
  type MakerModuleSpec,
  MKR,
  requireParams,
  SIN,
  SIN_BUCKET,
  VOW_BUCKET,
  type WithCore,
  walletBucket,
} from './vat.js';

/** The Flopper's high bidder before the first bid: the Vow that kicked the auction (dss `gal`). */
export const VOW_GUY = 'vow';

/** Commands of the debt auctions (added to both models by {@link withFlop}). */
export const FLOP_COMMANDS: readonly string[] = ['flop', 'flopDent', 'flopTick', 'flopDeal'];

/** The Flopper: its auction count and running auctions by id (decimal string; RAD bids, WAD lots). */
export interface FlopperState {
  readonly kicks: number;
  readonly bids: PersistentMap<DebtAuction>;
}

/** `vow.flop` → `flopper.kick`: auction `id` offers `lotWad` MKR for `bidRad` DAI; `Ash += bid`. */
export interface VowFlopped {
  readonly type: 'VowFlopped';
  readonly id: number;
  readonly lotWad: bigint;
  readonly bidRad: bigint;
  readonly endSeconds: number;
}
/** `flopper.dent`: `bidder` leads, asking `lotWad` MKR for the fixed bid; its bid expires at `tic`. */
export interface FlopDented {
  readonly type: 'FlopDented';
  readonly id: number;
  readonly bidder: string;
  readonly lotWad: bigint;
  readonly ticSeconds: number;
}
/** `vow.kiss(rad)` at an auction's first bid: `Ash −= rad` and the Vow heals `rad` of sin. */
export interface VowKissed {
  readonly type: 'VowKissed';
  readonly id: number;
  readonly rad: bigint;
}
/** `flopper.tick`: an unbid auction restarted with `lotWad` (× pad) until `endSeconds`. */
export interface FlopTicked {
  readonly type: 'FlopTicked';
  readonly id: number;
  readonly lotWad: bigint;
  readonly endSeconds: number;
}
/** `flopper.deal`: `winner` was minted `lotWad` MKR for `bidRad` DAI. */
export interface FlopDealt {
  readonly type: 'FlopDealt';
  readonly id: number;
  readonly winner: string;
  readonly lotWad: bigint;
  readonly bidRad: bigint;
}

/** Every event of the debt auctions. */
export type FlopEvent = VowFlopped | FlopDented | VowKissed | FlopTicked | FlopDealt;

const FLOP_EVENTS: ReadonlySet<string> = new Set([
  'VowFlopped',
  'FlopDented',
  'VowKissed',
  'FlopTicked',
  'FlopDealt',
]);

/** Whether an event belongs to the debt auctions. */
export function isFlopEvent(event: { readonly type: string }): event is FlopEvent {
  return FLOP_EVENTS.has(event.type);
}

/**
 * The debt-auction parameters. @throws InvalidParameterError (`configure`) before `configure`,
 * (`params.vow.flop`) when the model was configured without debt auctions.
 */
export function requireFlopParams(core: MakerCore): MakerFlopParams {
  const flop = requireParams(core).vow?.flop;
  if (flop === undefined) {
    throw new InvalidParameterError(
      'params.vow.flop',
      'debt auctions are not configured',
      'Configure with params.vow.flop (e.g. {"vow": {"flop": {}}} for the 2020 lot terms).',
    );
  }
  return flop;
}

/** The Flopper's rules as the engine's debt-auction house. */
export function flopHouse(p: MakerFlopParams): DebtAuctionHouse {
  return { begWad: p.begWad, padWad: p.padWad, ttlSeconds: p.ttlSeconds, tauSeconds: p.tauSeconds };
}

/** The Flopper (empty before the first auction). */
export function flopperOf(core: MakerCore): FlopperState {
  return core.vow.flopper ?? { kicks: 0, bids: PersistentMap.empty<DebtAuction>() };
}

/**
 * Sin the Vow may put on auction or heal now: `vice − Sin − Ash`, RAD (makerdao/dss src/vow.sol
 * `sin(vow) − Sin − Ash`; the Vow is the only holder of sin here).
 */
export function unqueuedSinRad(core: MakerCore): bigint {
  return core.viceRad - core.vow.SinRad - core.vow.AshRad;
}

/**
 * `flop {}` (makerdao/dss src/vow.sol flop, anyone may call it), checks in the contract's order:
 * `sump ≤ vice − Sin − Ash` ("Vow/insufficient-debt") and the Vow holds no dai
 * ("Vow/surplus-not-zero": heal first). Then `Ash += sump` and the Flopper kicks auction
 * `kicks + 1` offering `dump` MKR for `sump` DAI until `now + tau` (src/flop.sol kick).
 * @throws InvalidParameterError when debt auctions are not configured; ProtocolRevertError.
 */
export function decideFlop(state: EngineState<WithCore>, nowSeconds: number): EngineEvent[] {
  const core = state.ext.core;
  const p = requireFlopParams(core);
  const unqueued = unqueuedSinRad(core);
  if (p.sumpRad > unqueued) {
    throw new ProtocolRevertError(
      'Vow/insufficient-debt',
      'Less unqueued sin than one lot: flog queued eras first.',
      {
        unqueuedSinRad: unqueued.toString(),
        sumpRad: p.sumpRad.toString(),
      },
    );
  }
  const surplusRad = balanceOf(state.ledger, VOW_BUCKET, DAI);
  if (surplusRad !== 0n) {
    throw new ProtocolRevertError('Vow/surplus-not-zero', 'The Vow holds dai: heal it against sin first.', {
      surplusRad: surplusRad.toString(),
    });
  }
  const auction = kickDebtAuction(flopHouse(p), {
    issuer: VOW_GUY,
    lot: p.dumpWad,
    bid: p.sumpRad,
    nowSeconds,
  });
  return [
    emit<VowFlopped>({
      type: 'VowFlopped',
      id: flopperOf(core).kicks + 1,
      lotWad: auction.lot,
      bidRad: auction.bid,
      endSeconds: auction.endSeconds,
    }),
  ];
}

/** A running debt auction. @throws ProtocolRevertError `reason` for an unknown id. */
function requireFlop(core: MakerCore, id: number, reason: string): DebtAuction {
  const auction = flopperOf(core).bids.get(String(id));
  if (auction === undefined) {
    throw new ProtocolRevertError(reason, `No debt auction ${id}.`, { id: String(id) });
  }
  return auction;
}

function readId(command: Command): number {
  return readInt(command, 'id', 'id', { min: 1 });
}

/**
 * `flopDent {id, bidder, lotWad, bidRad}` (makerdao/dss src/flop.sol dent): an unknown id is
 * refused ("Flopper/guy-not-set"), then the stage's checks (debtAuctionDentRefusal) with dss's
 * reasons. A new leader pays `bid` DAI from `wallet:<bidder>` to the previous high bidder's
 * wallet, or, at the first bid, to the Vow, which then kisses `min(bid, Ash)`: `Ash` falls and
 * that much dai and sin are cancelled (vat.heal). The bid lives `ttl` seconds.
 * @throws InvalidParameterError for malformed fields or the bidder `vow`; ProtocolRevertError;
 * InsufficientBalanceError (engine) when the bidder cannot pay.
 */
export function decideFlopDent(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const core = state.ext.core;
  const p = requireFlopParams(core);
  const id = readId(command);
  const bidder = readString(command, 'bidder');
  if (bidder === VOW_GUY)
    throw new InvalidParameterError('bidder', `${VOW_GUY} is the Vow's own name`, 'Bid as another actor.');
  const lotWad = readBigint(command, 'lotWad');
  const bidRad = readBigint(command, 'bidRad');
  const auction = requireFlop(core, id, 'Flopper/guy-not-set');
  const out = dentDebtAuction(
    flopHouse(p),
    auction,
    { bidder, lot: lotWad, bid: bidRad, nowSeconds },
    'Flopper',
  );
  const events: EngineEvent[] = [];
  if (out.payee !== undefined) {
    const to = out.payee === VOW_GUY ? VOW_BUCKET : walletBucket(out.payee);
    events.push(
      ...moved(
        DAI,
        walletBucket(bidder),
        to,
        bidRad,
        out.payee === VOW_GUY ? 'flop dent' : 'flop dent: refund',
      ),
    );
  }
  events.push(
    emit<FlopDented>({ type: 'FlopDented', id, bidder, lotWad, ticSeconds: out.auction.ticSeconds }),
  );
  if (out.firstBid) {
    // dss flop.sol dent: on the first dent the Vow kisses min(bid, Ash) (src/vow.sol kiss).
    const rad = min(bidRad, core.vow.AshRad);
    events.push(
      ...moved(DAI, VOW_BUCKET, 'mint', rad, 'kiss'),
      ...moved(SIN, SIN_BUCKET, 'mint', rad, 'kiss'),
      emit<VowKissed>({ type: 'VowKissed', id, rad }),
    );
  }
  return events;
}

/**
 * `flopTick {id}` (makerdao/dss src/flop.sol tick): an auction past its end with no bid restarts
 * with `floor(pad·lot / 1e18)` MKR until `now + tau`. An unknown id is refused
 * ("Flopper/guy-not-set"); dss would write a stray record.
 * @throws InvalidParameterError; ProtocolRevertError ("Flopper/not-finished", "Flopper/bid-already-placed").
 */
export function decideFlopTick(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const core = state.ext.core;
  const p = requireFlopParams(core);
  const id = readId(command);
  const ticked = tickDebtAuction(
    flopHouse(p),
    requireFlop(core, id, 'Flopper/guy-not-set'),
    nowSeconds,
    'Flopper',
  );
  return [emit<FlopTicked>({ type: 'FlopTicked', id, lotWad: ticked.lot, endSeconds: ticked.endSeconds })];
}

/**
 * `flopDeal {id}` (makerdao/dss src/flop.sol deal): once the last bid expired or the auction
 * ended (`tic ≠ 0 && (tic < now || end < now)`, "Flopper/not-finished"), `lot` MKR is minted to
 * `wallet:<winner>` and the auction is deleted.
 * @throws InvalidParameterError; ProtocolRevertError.
 */
export function decideFlopDeal(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const core = state.ext.core;
  requireFlopParams(core);
  const id = readId(command);
  const dealt = dealDebtAuction(requireFlop(core, id, 'Flopper/not-finished'), nowSeconds, 'Flopper');
  return [
    ...moved(MKR, 'mint', walletBucket(dealt.winner), dealt.lot, 'flop deal: mint'),
    emit<FlopDealt>({ type: 'FlopDealt', id, winner: dealt.winner, lotWad: dealt.lot, bidRad: dealt.bid }),
  ];
}

/**
 * Decides `flop {}`, `flopDent {id, bidder, lotWad, bidRad}`, `flopTick {id}` and `flopDeal {id}`;
 * undefined for any other command. @throws as each decide function.
 */
export function decideFlopCommand(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] | undefined {
  switch (command.type) {
    case 'flop':
      return decideFlop(state, nowSeconds);
    case 'flopDent':
      return decideFlopDent(state, command, nowSeconds);
    case 'flopTick':
      return decideFlopTick(state, command, nowSeconds);
    case 'flopDeal':
      return decideFlopDeal(state, command, nowSeconds);
    default:
      return undefined;
  }
}

function withAuction(core: MakerCore, id: number, f: (a: DebtAuction) => DebtAuction): MakerCore {
  const flopper = flopperOf(core);
  const auction = flopper.bids.get(String(id));
  assert(auction !== undefined, `no debt auction ${id}`);
  return {
    ...core,
    vow: { ...core.vow, flopper: { ...flopper, bids: flopper.bids.set(String(id), f(auction)) } },
  };
}

/** Folds one debt-auction event into the core. */
export function evolveFlop(core: MakerCore, event: FlopEvent): MakerCore {
  switch (event.type) {
    case 'VowFlopped': {
      const flopper = flopperOf(core);
      const auction: DebtAuction = {
        bid: event.bidRad,
        lot: event.lotWad,
        guy: VOW_GUY,
        ticSeconds: 0,
        endSeconds: event.endSeconds,
      };
      return {
        ...core,
        vow: {
          ...core.vow,
          AshRad: core.vow.AshRad + event.bidRad,
          flopper: { kicks: event.id, bids: flopper.bids.set(String(event.id), auction) },
        },
      };
    }
    case 'FlopDented':
      return withAuction(core, event.id, (a) => ({
        ...a,
        guy: event.bidder,
        lot: event.lotWad,
        ticSeconds: event.ticSeconds,
      }));
    case 'VowKissed':
      assert(core.vow.AshRad >= event.rad, `kiss ${event.rad} exceeds Ash ${core.vow.AshRad}`);
      return {
        ...core,
        vow: { ...core.vow, AshRad: core.vow.AshRad - event.rad },
        viceRad: core.viceRad - event.rad,
        debtRad: core.debtRad - event.rad,
      };
    case 'FlopTicked':
      return withAuction(core, event.id, (a) => ({ ...a, lot: event.lotWad, endSeconds: event.endSeconds }));
    case 'FlopDealt': {
      const flopper = flopperOf(core);
      return {
        ...core,
        vow: { ...core.vow, flopper: { ...flopper, bids: flopper.bids.delete(String(event.id)) } },
      };
    }
  }
}

/**
 * Invariants of the debt auctions (only when they are configured): `Ash = Σ bid` of the auctions
 * nobody has bid on yet (flop adds the bid, the first dent kisses exactly it); every auction's id
 * is at most `kicks` and its bid is positive; the MKR minted (−mint) is what the wallets hold.
 */
export function flopInvariants(state: EngineState<WithCore>): InvariantCheck[] {
  const core = state.ext.core;
  if (core.params?.vow?.flop === undefined) return [];
  const flopper = flopperOf(core);
  let unbid = 0n;
  let ok = true;
  for (const [id, a] of flopper.bids.entries()) {
    if (a.ticSeconds === 0) unbid += a.bid;
    if (a.bid <= 0n || a.lot < 0n || Number(id) > flopper.kicks || Number(id) < 1) ok = false;
  }
  const minted = -balanceOf(state.ledger, 'mint', MKR);
  const held = sumByPrefix(state.ledger, MKR, 'wallet:');
  return [
    {
      name: 'vow.Ash',
      holds: core.vow.AshRad === unbid && ok,
      detail: `Ash ${core.vow.AshRad}, Σ bid of unbid auctions ${unbid}, kicks ${flopper.kicks}`,
    },
    {
      name: 'flop.MKR',
      holds: minted >= 0n && minted === held,
      detail: `MKR minted ${minted}, in wallets ${held}`,
    },
  ];
}

/**
 * A liquidation module's spec with the Vow's debt auctions added: the FLOP_COMMANDS, their events
 * folded into the core, and {@link flopInvariants}. Commands of the module come first; a flop
 * command of a model configured without `params.vow.flop` is refused (InvalidParameterError).
 */
export function withFlop<E extends WithCore, V extends EngineEvent>(
  spec: MakerModuleSpec<E, V>,
): MakerModuleSpec<E, V | FlopEvent> {
  return {
    ...spec,
    sources: spec.sources.includes('makerdao/dss src/flop.sol')
      ? spec.sources
      : [...spec.sources, 'makerdao/dss src/flop.sol'],
    commands: [...spec.commands, ...FLOP_COMMANDS],
    decide: (state, command, nowSeconds) =>
      spec.decide(state, command, nowSeconds) ?? decideFlopCommand(state, command, nowSeconds),
    isEvent: (event): event is V | FlopEvent => spec.isEvent(event) || isFlopEvent(event),
    evolve: (ext, event) =>
      isFlopEvent(event) ? { ...ext, core: evolveFlop(ext.core, event) } : spec.evolve(ext, event as V),
    invariants: (state) => [...spec.invariants(state), ...flopInvariants(state)],
  };
}
