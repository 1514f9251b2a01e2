/**
 * The `maker-liq1` protocol model: Maker's vault core with the legacy liquidations 1.2 (Cat +
 * Flipper English/reverse auctions + Vow), as one `ProtocolModel` the engine runs end to end.
 */
import type { EngineState, InvariantCheck, ProtocolModel } from '../../../engine/engine.js';
import { UnknownCommandError } from '../../../engine/errors.js';
import { readOptionalString, readString } from '../../../engine/fields.js';
import { balanceOf, sumByPrefix } from '../../../engine/ledger.js';
import type { Command, EngineEvent, Recorded } from '../../../engine/machine.js';
import { assert } from '../../../math/errors.js';
import {
  auctionBucket,
  CORE_COMMANDS,
  coreInvariants,
  decideCoreCommand,
  emptyCore,
  evolveCore,
  isCoreEvent,
  makerBorrowRequest,
  requireParams,
  urnHealth,
  urnIds,
} from '../vat.js';
import { decideBite } from './cat.js';
import { decideDeal, decideDent, decideTend, decideTick } from './flipper.js';
import { evolveLiq1, initialFlips, isLiq1Event, type Liq1Ext } from './state.js';

/** Model id of Maker liquidations 1.2. */
export const MAKER_LIQ1_ID = 'maker-liq1';

/** Commands of the liquidation 1.2 modules (besides the core's). */
export const LIQ1_COMMANDS: readonly string[] = ['bite', 'tend', 'dent', 'deal', 'tick'];

function decide(state: EngineState<Liq1Ext>, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const core = decideCoreCommand(state, command, nowSeconds);
  if (core !== undefined) return core;
  requireParams(state.ext.core);
  switch (command.type) {
    case 'bite': {
      const ilk = readOptionalString(command, 'ilk');
      return decideBite(state, {
        urn: readString(command, 'account'),
        nowSeconds,
        ...(ilk === undefined ? {} : { ilk }),
      });
    }
    case 'tend':
      return decideTend(state, command, nowSeconds);
    case 'dent':
      return decideDent(state, command, nowSeconds);
    case 'deal':
      return decideDeal(state, command, nowSeconds);
    case 'tick':
      return decideTick(state, command, nowSeconds);
    default:
      throw new UnknownCommandError(MAKER_LIQ1_ID, command.type, [...CORE_COMMANDS, ...LIQ1_COMMANDS]);
  }
}

function evolve(state: EngineState<Liq1Ext>, recorded: Recorded): Liq1Ext {
  const event = recorded.event;
  const ext = state.ext;
  if (isCoreEvent(event)) {
    const core = evolveCore(ext.core, event, recorded.atSeconds);
    if (event.type === 'MakerConfigured') return { ...ext, core, flips: initialFlips(event.params) };
    return { ...ext, core };
  }
  assert(isLiq1Event(event), `maker-liq1 cannot fold event ${event.type}`);
  return evolveLiq1(ext, event);
}

/**
 * Invariants of liquidations 1.2 on top of the core's: `litter = Σ tab` of running auctions (bite
 * adds the tab, deal claws exactly it); each auction's lot is what its `auction:` bucket holds and
 * finished auctions hold nothing; `0 ≤ bid ≤ tab`; the lot is positive.
 */
export function liq1Invariants(state: EngineState<Liq1Ext>): InvariantCheck[] {
  const ext = state.ext;
  const out: InvariantCheck[] = coreInvariants(state);
  const params = ext.core.params;
  if (params === null) return out;
  let tabs = 0n;
  for (const [ilk, flip] of Object.entries(ext.flips)) {
    const p = params.ilks[ilk];
    let lots = 0n;
    let ok = true;
    for (const [id, bid] of Object.entries(flip.bids)) {
      tabs += bid.tabRad;
      lots += bid.lotWad;
      const held = p === undefined ? -1n : balanceOf(state.ledger, auctionBucket(ilk, Number(id)), p.gem);
      if (
        held !== bid.lotWad ||
        bid.lotWad <= 0n ||
        bid.bidRad < 0n ||
        bid.bidRad > bid.tabRad ||
        Number(id) > flip.kicks
      )
        ok = false;
    }
    const allLots = p === undefined ? -1n : sumByPrefix(state.ledger, p.gem, `auction:${ilk}:`);
    out.push({
      name: `flip.bids ${ilk}`,
      holds: ok && allLots === lots,
      detail: `Σ lot ${lots}, auction buckets ${allLots}`,
    });
  }
  out.push({
    name: 'cat.litter',
    holds: ext.litterRad === tabs,
    detail: `litter ${ext.litterRad}, Σ tab ${tabs}`,
  });
  return out;
}

/**
 * Maker liquidations 1.2. Commands (amounts in the unit their name says):
 * - core: `configure {params}`, `file {what, data, ilk?}`, `deposit {account, ilk?, amountWad}`,
 *   `withdraw {account, amountWad}`, `draw {account, artWad}`, `wipe {account, artWad}`,
 *   `frob {account, ilk?, dinkWad, dartWad}`, `drip {ilk}`, `flog {era}`, `heal {amountRad}`;
 * - `bite {account, ilk?}` (the liquidation: runs the five pipeline stages);
 * - `tend {ilk, id, bidder, lotWad, bidRad}`, `dent {ilk, id, bidder, lotWad, bidRad}`,
 *   `deal {ilk, id}`, `tick {ilk, id}`.
 */
export const makerLiq1Model: ProtocolModel<Liq1Ext> = {
  id: MAKER_LIQ1_ID,
  title:
    'MakerDAO liquidations 1.2: Vat + Cat (box/litter/dunk) + Flipper English-then-reverse auctions + Vow',
  sources: [
    'makerdao/dss src/vat.sol',
    'makerdao/dss src/cat.sol',
    'makerdao/dss src/flip.sol',
    'makerdao/dss src/vow.sol',
    'makerdao/dss src/jug.sol',
    'makerdao/dss src/spot.sol',
    'makerdao/osm src/osm.sol',
  ],
  commands: [...CORE_COMMANDS, ...LIQ1_COMMANDS],
  initialExt: () => ({ core: emptyCore(), litterRad: 0n, flips: {} }),
  decide,
  evolve,
  accountIds: (state) => urnIds(state.ext.core),
  health: (state, accountId, nowSeconds) => urnHealth(state, accountId, nowSeconds),
  invariants: liq1Invariants,
  liquidationTarget: (command) =>
    command.type === 'bite' && typeof command.account === 'string' ? command.account : undefined,
  borrowRequest: (_state, command) => makerBorrowRequest(command),
};
