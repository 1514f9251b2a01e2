/**
 * The `maker-liq1` protocol model: Maker's vault core with the legacy liquidations 1.2 (Cat +
 * Flipper English/reverse auctions + Vow), as one `ProtocolModel` the engine runs end to end.
 */
import type { EngineState, InvariantCheck, ProtocolModel } from '../../../engine/engine.js';
import { readOptionalString, readString } from '../../../engine/fields.js';
import type { Command, EngineEvent } from '../../../engine/machine.js';
import { withFlop } from '../flop.js';
import { auctionLots, coreInvariants, emptyCore, makerModel } from '../vat.js';
import { decideBite } from './cat.js';
import { decideDeal, decideDent, decideTend, decideTick } from './flipper.js';
import { evolveLiq1, initialFlips, isLiq1Event, type Liq1Ext } from './state.js';

/** Model id of Maker liquidations 1.2. */
export const MAKER_LIQ1_ID = 'maker-liq1';

/** Commands of the liquidation 1.2 modules (besides the core's). */
export const LIQ1_COMMANDS: readonly string[] = ['bite', 'tend', 'dent', 'deal', 'tick'];

/** The liquidation 1.2 commands; undefined for any other type (see makerModel). */
function decideLiq1(
  state: EngineState<Liq1Ext>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] | undefined {
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
      return undefined;
  }
}

/**
 * Invariants of liquidations 1.2 on top of the core's: `litter = Σ tab` of running auctions (bite
 * adds the tab, deal claws exactly it); each auction's lot is what its `auction:` bucket holds and
 * finished auctions hold nothing (see auctionLots); `0 ≤ bid ≤ tab`; the lot is positive.
 */
export function liq1Invariants(state: EngineState<Liq1Ext>): InvariantCheck[] {
  const ext = state.ext;
  const out: InvariantCheck[] = coreInvariants(state);
  if (ext.core.params === null) return out;
  let tabs = 0n;
  for (const [ilk, flip] of Object.entries(ext.flips)) {
    const lots = auctionLots(state, ilk, flip.bids);
    let ok = lots.eachHeld;
    for (const [id, bid] of flip.bids.entries()) {
      tabs += bid.tabRad;
      if (bid.lotWad <= 0n || bid.bidRad < 0n || bid.bidRad > bid.tabRad || Number(id) > flip.kicks)
        ok = false;
    }
    out.push({
      name: `flip.bids ${ilk}`,
      holds: ok && lots.bucketsWad === lots.lotsWad,
      detail: `Σ lot ${lots.lotsWad}, auction buckets ${lots.bucketsWad}`,
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
 *   `deal {ilk, id}`, `tick {ilk, id}`;
 * - with `params.vow.flop`, the Vow's debt auctions: `flop {}`, `flopDent {id, bidder, lotWad,
 *   bidRad}`, `flopTick {id}`, `flopDeal {id}` (see flop.ts).
 */
export const makerLiq1Model: ProtocolModel<Liq1Ext> = makerModel(
  withFlop({
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
    commands: LIQ1_COMMANDS,
    liquidationCommand: 'bite',
    initialExt: () => ({ core: emptyCore(), litterRad: 0n, flips: {} }),
    configured: (ext, params) => ({ ...ext, flips: initialFlips(params) }),
    decide: decideLiq1,
    isEvent: isLiq1Event,
    evolve: evolveLiq1,
    invariants: liq1Invariants,
  }),
);
