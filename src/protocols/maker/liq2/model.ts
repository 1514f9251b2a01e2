/**
 * The `maker-liq2` protocol model: Maker's vault core with liquidations 2.0 (Dog + Clipper +
 * Abacus + ClipperMom + Vow), as one `ProtocolModel` the engine runs end to end.
 */
import type { EngineState, InvariantCheck, ProtocolModel } from '../../../engine/engine.js';
import { readOptionalString, readString } from '../../../engine/fields.js';
import type { Command, EngineEvent } from '../../../engine/machine.js';
import { withFlop } from '../flop.js';
import { auctionLots, coreInvariants, emptyCore, makerModel } from '../vat.js';
import { decideRedo, decideTake, decideUpchost, decideYank } from './clipper.js';
import { decideBark } from './dog.js';
import { decideSetBreaker, decideTripBreaker } from './mom.js';
import { evolveLiq2, initialLiq2, isLiq2Event, type Liq2Ext } from './state.js';

/** Model id of Maker liquidations 2.0. */
export const MAKER_LIQ2_ID = 'maker-liq2';

/** Commands of the liquidation 2.0 modules (besides the core's). */
export const LIQ2_COMMANDS: readonly string[] = [
  'bark',
  'take',
  'redo',
  'yank',
  'upchost',
  'setBreaker',
  'tripBreaker',
];

/** The liquidation 2.0 commands; undefined for any other type (see makerModel). */
function decideLiq2(
  state: EngineState<Liq2Ext>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] | undefined {
  switch (command.type) {
    case 'bark':
      return decideBark(state, {
        urn: readString(command, 'account'),
        keeper: readString(command, 'keeper'),
        nowSeconds,
        ...optionalIlk(command),
      });
    case 'take':
      return decideTake(state, command, nowSeconds);
    case 'redo':
      return decideRedo(state, command, nowSeconds);
    case 'yank':
      return decideYank(state, command);
    case 'upchost':
      return decideUpchost(state, command);
    case 'setBreaker':
      return decideSetBreaker(state, command, nowSeconds);
    case 'tripBreaker':
      return decideTripBreaker(state, command, nowSeconds);
    default:
      return undefined;
  }
}

function optionalIlk(command: Command): { ilk?: string } {
  const ilk = readOptionalString(command, 'ilk');
  return ilk === undefined ? {} : { ilk };
}

/**
 * Invariants of liquidations 2.0 on top of the core's: `Dirt = Σ dirt`; per ilk
 * `dirt = Σ tab of running sales` (bark adds the tab, every take, yank and lot-exhausted end digs
 * exactly what leaves the sales); the active list matches the sales; each sale's lot is what its
 * `auction:` bucket holds and no finished auction holds collateral (see auctionLots); tab and lot
 * of a running sale are positive; `stopped` is 0–3.
 */
export function liq2Invariants(state: EngineState<Liq2Ext>): InvariantCheck[] {
  const ext = state.ext;
  const out: InvariantCheck[] = coreInvariants(state);
  if (ext.core.params === null) return out;
  let dirtSum = 0n;
  for (const [ilk, clip] of Object.entries(ext.clips)) {
    const dirt = ext.dog.dirtRad[ilk] ?? 0n;
    dirtSum += dirt;
    const lots = auctionLots(state, ilk, clip.sales);
    let tabs = 0n;
    let salesOk = lots.eachHeld;
    for (const sale of clip.sales.values()) {
      tabs += sale.tabRad;
      if (sale.tabRad <= 0n || sale.lotWad <= 0n) salesOk = false;
    }
    const activeOk =
      clip.active.length === clip.sales.size &&
      clip.active.every((id) => clip.sales.has(String(id)) && id >= 1 && id <= clip.kicks);
    out.push({ name: `dog.dirt ${ilk}`, holds: dirt === tabs, detail: `dirt ${dirt}, Σ tab ${tabs}` });
    out.push({
      name: `clip.sales ${ilk}`,
      holds:
        salesOk && activeOk && lots.bucketsWad === lots.lotsWad && clip.stopped >= 0 && clip.stopped <= 3,
      detail: `Σ lot ${lots.lotsWad}, auction buckets ${lots.bucketsWad}, active ${clip.active.join(',')}, stopped ${clip.stopped}`,
    });
  }
  out.push({
    name: 'dog.Dirt',
    holds: ext.dog.DirtRad === dirtSum,
    detail: `Dirt ${ext.dog.DirtRad}, Σ dirt ${dirtSum}`,
  });
  return out;
}

/**
 * Maker liquidations 2.0. Commands (fields; amounts are integers in the unit their name says):
 * - core: `configure {params}`, `file {what, data, ilk?}`, `deposit {account, ilk?, amountWad}`,
 *   `withdraw {account, amountWad}`, `draw {account, artWad}`, `wipe {account, artWad}`,
 *   `frob {account, ilk?, dinkWad, dartWad}`, `drip {ilk}`, `flog {era}`, `heal {amountRad}`;
 * - `bark {account, keeper, ilk?}` (the liquidation: runs the five pipeline stages);
 * - `take {ilk, id, amtWad, maxRay, keeper, who?, flash?}`, `redo {ilk, id, keeper}`,
 *   `yank {ilk, id}`, `upchost {ilk}`;
 * - `setBreaker {ilk, level, delaySeconds?}` (governance), `tripBreaker {ilk}` (anyone);
 * - with `params.vow.flop`, the Vow's debt auctions: `flop {}`, `flopDent {id, bidder, lotWad,
 *   bidRad}`, `flopTick {id}`, `flopDeal {id}` (see flop.ts).
 */
export const makerLiq2Model: ProtocolModel<Liq2Ext> = makerModel(
  withFlop({
    id: MAKER_LIQ2_ID,
    title:
      'MakerDAO liquidations 2.0: Vat + Dog (Hole/hole) + Clipper Dutch auctions (Abacus curves) + ClipperMom + Vow',
    sources: [
      'makerdao/dss src/vat.sol',
      'makerdao/dss src/dog.sol',
      'makerdao/dss src/clip.sol',
      'makerdao/dss src/abaci.sol',
      'makerdao/dss src/vow.sol',
      'makerdao/dss src/jug.sol',
      'makerdao/dss src/spot.sol',
      'makerdao/clipper-mom src/ClipperMom.sol',
      'makerdao/osm src/osm.sol',
    ],
    commands: LIQ2_COMMANDS,
    liquidationCommand: 'bark',
    initialExt: () => ({ core: emptyCore(), dog: { DirtRad: 0n, dirtRad: {} }, clips: {} }),
    configured: (ext, params) => ({ ...ext, ...initialLiq2(params) }),
    decide: decideLiq2,
    isEvent: isLiq2Event,
    evolve: evolveLiq2,
    invariants: liq2Invariants,
  }),
);
