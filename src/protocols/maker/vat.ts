/**
 * The vault core shared by both Maker models: the Vat (ilks, urns, `frob`, `grab`, `suck`, `heal`,
 * `fold`), the Spotter's `spot = price / mat` read from the engine's OSM-style delayed oracle, the
 * Jug's `drip`, configuration, health and the Vat's accounting invariants; and `makerModel`, which
 * joins the core to a liquidation module (1.2 or 2.0) as one `ProtocolModel`.
 *
 * Ledger mapping (every change is a `Moved`, every asset sums to zero):
 * - collateral `gem` (e.g. `ETH`, WAD, listed with 18 decimals): `acct:<urn>` holds the urn's
 *   `ink`; `auction:<ilk>:<id>` an auction's lot; `wallet:<actor>` collateral bought by a keeper or
 *   returned to a vault owner; `world` the outside (deposits come from it, withdrawals go to it);
 *   `protocol` collateral yanked by governance.
 * - `DAI`: the Vat's internal `dai` in RAD (listed with 45 decimals, so nothing is rounded away).
 *   `mint` issues it (draws, `suck`, `fold`) and takes it back (wipes, `heal`), so
 *   −balance(mint) is the Vat's `debt`; `wallet:<actor>` holds users' and keepers' dai; `protocol`
 *   is the Vow's dai (surplus). `fundWallet` DAI comes from `world` (bought outside the model).
 * - `art:<ilk>`: normalized debt, WAD. `mint` → `debt:<urn>` on draw; −balance(mint) is the ilk's `Art`.
 * - `SIN`: the Vat's `sin` of the Vow in RAD (the only holder of sin). `mint` → `sysdebt` on `grab`
 *   (debt taken from a liquidated vault) and `suck` (keeper rewards); back on `heal` and on the
 *   `kiss` of a debt auction's first bid. What stays in `sysdebt` beyond the Vow's dai is bad debt.
 * - `MKR` (18 decimals, listed only when `params.vow.flop` switches debt auctions on): `mint` →
 *   `wallet:<winner>` when a debt auction is dealt (see flop.ts).
 */
import type {
  AccountHealth,
  AssetListed,
  EngineState,
  InvariantCheck,
  ProtocolModel,
} from '../../engine/engine.js';
import {
  InsufficientBalanceError,
  InvalidParameterError,
  ProtocolRevertError,
  UnknownAccountError,
  UnknownCommandError,
} from '../../engine/errors.js';
import { readBigint, readOptionalString, readString } from '../../engine/fields.js';
import { balanceOf, type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent, Recorded } from '../../engine/machine.js';
import { delayedPrice, type PriceReading } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert } from '../../math/errors.js';
import { addChecked, mulChecked, rdiv, rmul, rpow } from '../../math/maker.js';
import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256, RAY, WAD } from '../../math/units.js';
import type { FlopperState } from './flop.js';
import { feedPriceRay } from './math/clipper.js';
import { isUnsafe } from './math/dog.js';
import { type MakerIlkParams, type MakerParams, makerParamsToJson, parseMakerParams } from './params.js';

/** Ledger asset of the Vat's dai, RAD (45 decimals). */
export const DAI = 'DAI';
/** Decimals DAI is listed with: RAD. */
export const DAI_DECIMALS = 45;
/** Ledger pseudo-asset of the Vow's `sin` in the Vat, RAD. */
export const SIN = 'SIN';
/** Ledger asset of the governance token debt auctions mint (18 decimals, WAD), when they are on. */
export const MKR = 'MKR';
/**
 * The borrowing a command does, for the engine's breaker check: `draw`, or `frob` with a positive
 * `dartWad`, mints DAI against the urn.
 */
export function makerBorrowRequest(command: {
  readonly type: string;
  readonly [field: string]: unknown;
}): { readonly account: string; readonly asset: string } | undefined {
  if (typeof command.account !== 'string') return undefined;
  if (command.type === 'draw') return { account: command.account, asset: DAI };
  if (command.type === 'frob' && /^[1-9]\d*$/.test(String(command.dartWad)))
    return { account: command.account, asset: DAI };
  return undefined;
}

/** Ledger pseudo-asset of an ilk's normalized debt `art`, WAD. */
export const artAsset = (ilk: string): string => `art:${ilk}`;
/** Bucket of an urn's locked collateral. */
export const urnBucket = (urn: string): string => `acct:${urn}`;
/** Bucket of an urn's normalized debt. */
export const debtBucket = (urn: string): string => `debt:${urn}`;
/** Bucket of an actor's tokens. */
export const walletBucket = (actor: string): string => `wallet:${actor}`;
/** Bucket of an auction's lot. */
export const auctionBucket = (ilk: string, id: number): string => `auction:${ilk}:${id}`;
/** Bucket of the Vow's dai (surplus). */
export const VOW_BUCKET = 'protocol';
/** Bucket of the Vow's sin. */
export const SIN_BUCKET = 'sysdebt';

/**
 * Returns an event unchanged, typed as its own event type: `emit<DogBarked>({...})` checks the
 * literal's fields against `DogBarked` and lets it join an `EngineEvent[]`.
 */
export const emit = <E extends EngineEvent>(event: E): E => event;

/** Vat ilk state (plus the Jug's `rho`). */
export interface IlkState {
  /** Total normalized debt, WAD. */
  readonly ArtWad: bigint;
  /** Debt accumulator, RAY. */
  readonly rateRay: bigint;
  /** Last `drip` time, seconds. */
  readonly rhoSeconds: number;
}

/** A vault. Its owner is the urn itself (`wallet:<urn>` holds its dai). */
export interface UrnState {
  readonly ilk: string;
  /** Locked collateral, WAD. */
  readonly inkWad: bigint;
  /** Normalized debt, WAD. */
  readonly artWad: bigint;
}

/** The Vow's debt queue (makerdao/dss src/vow.sol). */
export interface VowState {
  /**
   * Queued debt by era (timestamp of the `fess`), RAD; flogged eras are dropped. A persistent map:
   * a crash fesses at hundreds of eras, and each fess copies O(log n) nodes, not every era.
   */
  readonly sinByEra: PersistentMap<bigint>;
  /** Total queued debt, RAD. */
  readonly SinRad: bigint;
  /**
   * Debt on flop auction, RAD: `flop` adds `sump`, the first bid of an auction kisses it away.
   * Always 0 unless `params.vow.flop` switches debt auctions on (see flop.ts); without them the
   * Vow's sin only waits for surplus, as on mainnet today.
   */
  readonly AshRad: bigint;
  /** The Flopper's auctions; absent until the first `flop` (and always without debt auctions). */
  readonly flopper?: FlopperState;
}

/** The shared core of both Maker models' state. */
export interface MakerCore {
  /** Null until `configure`. */
  readonly params: MakerParams | null;
  readonly ilks: Readonly<Record<string, IlkState>>;
  /**
   * Vaults by urn id: a persistent map, so a `frob` or `grab` copies O(log n) nodes, not every
   * vault (its canonical JSON is the plain record of urns).
   */
  readonly urns: PersistentMap<UrnState>;
  /** Vat `debt`: all dai issued, RAD. */
  readonly debtRad: bigint;
  /** Vat `vice`: all sin, RAD. */
  readonly viceRad: bigint;
  readonly vow: VowState;
}

/** A Maker model's state: the core plus the model's liquidation modules. */
export interface WithCore {
  readonly core: MakerCore;
}

/** The core of an unconfigured model. */
export function emptyCore(): MakerCore {
  return {
    params: null,
    ilks: {},
    urns: PersistentMap.empty<UrnState>(),
    debtRad: 0n,
    viceRad: 0n,
    vow: { sinByEra: PersistentMap.empty<bigint>(), SinRad: 0n, AshRad: 0n },
  };
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** The model was configured. */
export interface MakerConfigured {
  readonly type: 'MakerConfigured';
  readonly params: MakerParams;
}
/** Governance changed a parameter (`file`): the whole validated parameter set after the change. */
export interface MakerFiled {
  readonly type: 'MakerFiled';
  readonly what: string;
  readonly ilk?: string;
  readonly params: MakerParams;
}
/** `vat.frob`: an urn's ink and art changed (signed deltas, WAD). */
export interface UrnFrobbed {
  readonly type: 'UrnFrobbed';
  readonly urn: string;
  readonly ilk: string;
  readonly dinkWad: bigint;
  readonly dartWad: bigint;
  /** The ilk's rate at the time, RAY (dai issued or burnt = rate·dart). */
  readonly rateRay: bigint;
}
/** `jug.drip` → `vat.fold`: the ilk's rate rose; the Vow received `foldRad` dai. */
export interface IlkDripped {
  readonly type: 'IlkDripped';
  readonly ilk: string;
  readonly rateRay: bigint;
  readonly rhoSeconds: number;
  readonly foldRad: bigint;
}
/** `vat.grab` by a liquidation: collateral and debt taken from an urn; `dueRad` becomes sin. */
export interface UrnGrabbed {
  readonly type: 'UrnGrabbed';
  readonly urn: string;
  readonly ilk: string;
  readonly dinkWad: bigint;
  readonly dartWad: bigint;
  readonly dueRad: bigint;
}
/** `vat.suck(vow, to, rad)`: unbacked dai minted to `to` against new sin (keeper rewards). */
export interface VatSucked {
  readonly type: 'VatSucked';
  readonly to: string;
  readonly rad: bigint;
}
/** `vow.fess`: debt pushed on the queue at `era`. */
export interface VowFessed {
  readonly type: 'VowFessed';
  readonly era: number;
  readonly rad: bigint;
}
/** `vow.flog`: the era's queued debt released for healing. */
export interface VowFlogged {
  readonly type: 'VowFlogged';
  readonly era: number;
  readonly rad: bigint;
}
/** `vow.heal`: the Vow's dai cancelled against its sin. */
export interface VowHealed {
  readonly type: 'VowHealed';
  readonly rad: bigint;
}

/** Every event of the core. */
export type CoreEvent =
  | MakerConfigured
  | MakerFiled
  | UrnFrobbed
  | IlkDripped
  | UrnGrabbed
  | VatSucked
  | VowFessed
  | VowFlogged
  | VowHealed;

const CORE_EVENTS: ReadonlySet<string> = new Set([
  'MakerConfigured',
  'MakerFiled',
  'UrnFrobbed',
  'IlkDripped',
  'UrnGrabbed',
  'VatSucked',
  'VowFessed',
  'VowFlogged',
  'VowHealed',
]);

/** Whether `event` is a core event. */
export function isCoreEvent(event: EngineEvent): event is CoreEvent {
  return CORE_EVENTS.has(event.type);
}

/** Lookup of an urn (ids like `__proto__` or `constructor` are plain keys). */
function ownUrn(core: MakerCore, urn: string): UrnState | undefined {
  return core.urns.get(urn);
}

/**
 * Folds one core event into the core. `atSeconds` is the event's time (the configured ilks start
 * their Jug clock then).
 */
export function evolveCore(core: MakerCore, event: CoreEvent, atSeconds: number): MakerCore {
  switch (event.type) {
    case 'MakerConfigured': {
      const ilks: Record<string, IlkState> = {};
      for (const name of Object.keys(event.params.ilks))
        ilks[name] = { ArtWad: 0n, rateRay: RAY, rhoSeconds: atSeconds };
      return { ...core, params: event.params, ilks };
    }
    case 'MakerFiled':
      return { ...core, params: event.params };
    case 'UrnFrobbed': {
      const urn = ownUrn(core, event.urn) ?? { ilk: event.ilk, inkWad: 0n, artWad: 0n };
      const ilk = requireIlkState(core, event.ilk);
      return {
        ...core,
        urns: core.urns.set(event.urn, {
          ilk: event.ilk,
          inkWad: urn.inkWad + event.dinkWad,
          artWad: urn.artWad + event.dartWad,
        }),
        ilks: { ...core.ilks, [event.ilk]: { ...ilk, ArtWad: ilk.ArtWad + event.dartWad } },
        debtRad: core.debtRad + event.rateRay * event.dartWad,
      };
    }
    case 'IlkDripped': {
      const ilk = requireIlkState(core, event.ilk);
      return {
        ...core,
        ilks: { ...core.ilks, [event.ilk]: { ...ilk, rateRay: event.rateRay, rhoSeconds: event.rhoSeconds } },
        debtRad: core.debtRad + event.foldRad,
      };
    }
    case 'UrnGrabbed': {
      const urn = ownUrn(core, event.urn);
      const ilk = requireIlkState(core, event.ilk);
      if (urn === undefined) throw new UnknownAccountError(event.urn);
      return {
        ...core,
        urns: core.urns.set(event.urn, {
          ...urn,
          inkWad: urn.inkWad - event.dinkWad,
          artWad: urn.artWad - event.dartWad,
        }),
        ilks: { ...core.ilks, [event.ilk]: { ...ilk, ArtWad: ilk.ArtWad - event.dartWad } },
        viceRad: core.viceRad + event.dueRad,
      };
    }
    case 'VatSucked':
      return { ...core, viceRad: core.viceRad + event.rad, debtRad: core.debtRad + event.rad };
    case 'VowFessed': {
      const key = String(event.era);
      const sinByEra = core.vow.sinByEra.set(key, (core.vow.sinByEra.get(key) ?? 0n) + event.rad);
      return { ...core, vow: { ...core.vow, sinByEra, SinRad: core.vow.SinRad + event.rad } };
    }
    case 'VowFlogged': {
      const sinByEra = core.vow.sinByEra.delete(String(event.era));
      return { ...core, vow: { ...core.vow, sinByEra, SinRad: core.vow.SinRad - event.rad } };
    }
    case 'VowHealed':
      return { ...core, viceRad: core.viceRad - event.rad, debtRad: core.debtRad - event.rad };
  }
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/**
 * The configured parameters. @throws InvalidParameterError (field `configure`) before `configure`.
 */
export function requireParams(core: MakerCore): MakerParams {
  if (core.params === null) {
    throw new InvalidParameterError(
      'configure',
      'the Maker model is not configured yet',
      'Send `configure {params}` first.',
    );
  }
  return core.params;
}

/** Parameters of one ilk. @throws InvalidParameterError naming `field` for an unknown ilk. */
export function requireIlkParams(core: MakerCore, ilk: string, field = 'ilk'): MakerIlkParams {
  const ilks = requireParams(core).ilks;
  const p = Object.hasOwn(ilks, ilk) ? ilks[ilk] : undefined;
  if (p === undefined) {
    throw new InvalidParameterError(
      field,
      `unknown ilk ${JSON.stringify(ilk)}`,
      `Configured: ${Object.keys(ilks).join(', ')}.`,
    );
  }
  return p;
}

function requireIlkState(core: MakerCore, ilk: string): IlkState {
  const s = core.ilks[ilk];
  if (s === undefined) throw new InvalidParameterError('ilk', `unknown ilk ${JSON.stringify(ilk)}`);
  return s;
}

/** The Vat state of an ilk. @throws InvalidParameterError naming `field` for an unknown ilk. */
export function ilkState(core: MakerCore, ilk: string, field = 'ilk'): IlkState {
  requireIlkParams(core, ilk, field);
  return requireIlkState(core, ilk);
}

/** An urn. @throws UnknownAccountError when it has never been opened. */
export function requireUrn(core: MakerCore, urn: string): UrnState {
  const u = ownUrn(core, urn);
  if (u === undefined) throw new UnknownAccountError(urn);
  return u;
}

/** Prices of an ilk as its Maker modules read them. */
export interface IlkPrice {
  /** The OSM's current value, WAD (USD per unit of collateral). */
  readonly valWad: bigint;
  /** `rdiv(val·1e9, par)` with par = 1 RAY: DAI per unit, RAY (Clipper getFeedPrice). */
  readonly feedPriceRay: bigint;
  /** `rdiv(feedPrice, mat)`, RAY (Spotter poke). */
  readonly spotRay: bigint;
}

/**
 * An oracle reading as a WAD: exact when the feed has ≤ 18 decimals; floored otherwise (the
 * collateral is never over-valued by the conversion, which favours the protocol).
 */
export function readingToWad(reading: PriceReading): bigint {
  const d = reading.priceDecimals;
  if (d <= 18) return reading.price * 10n ** BigInt(18 - d);
  // floor: a collateral price rounded down favours the protocol.
  return mulDiv(reading.price, 1n, 10n ** BigInt(d - 18), Rounding.Down);
}

/**
 * The ilk's prices at `nowSeconds`: the OSM value is the engine oracle's delayed price of the gem
 * (`delayedPrice`: the aggregated price one hop ago, Maker OSM `peek`), the spot is what a Spotter
 * `poke` at that moment would store (makerdao/dss src/spot.sol poke:
 * `spot = rdiv(rdiv(val·1e9, par), mat)`, par = 1 RAY), so the Vat always holds the latest poke.
 * @throws StaleOraclePriceError when the oracle has no delayed price; InvalidParameterError for an unknown ilk.
 */
export function ilkPrice(state: EngineState<WithCore>, ilk: string, nowSeconds: number): IlkPrice {
  const p = requireIlkParams(state.ext.core, ilk);
  const valWad = readingToWad(delayedPrice(state.oracle, p.gem, nowSeconds));
  const feed = feedPriceRay(valWad);
  return { valWad, feedPriceRay: feed, spotRay: rdiv(feed, p.matRay) };
}

/**
 * Health of an urn: collateral ratio relative to `mat` as a WAD, `ink·spot / (art·rate)`
 * (1e18 = at the liquidation ratio; floored, so it is never reported healthier than it is);
 * liquidatable iff `spot > 0 && ink·spot < art·rate` (makerdao/dss src/dog.sol bark). A debt-free
 * urn has health 2^256 − 1.
 * @throws UnknownAccountError; StaleOraclePriceError when the oracle has no delayed price.
 */
export function urnHealth(state: EngineState<WithCore>, urn: string, nowSeconds: number): AccountHealth {
  const core = state.ext.core;
  const u = requireUrn(core, urn);
  const ilk = ilkState(core, u.ilk);
  const price = ilkPrice(state, u.ilk, nowSeconds);
  const debtRad = u.artWad * ilk.rateRay;
  return {
    accountId: urn,
    healthWad: urnHealthWad(u, ilk.rateRay, price.spotRay),
    liquidatable: isUnsafe({
      inkWad: u.inkWad,
      artWad: u.artWad,
      rateRay: ilk.rateRay,
      spotRay: price.spotRay,
    }),
    // floor: collateral value is never overstated.
    collateralValueWad: mulDiv(u.inkWad, price.valWad, WAD, Rounding.Down),
    // ceil: the debt's dai value (rad → wad) is never understated.
    debtValueWad: divRound(debtRad, RAY, Rounding.Up),
  };
}

/**
 * An urn's health at a given rate and spot (what {@link urnHealth} reports): `ink·spot·1e18 /
 * (art·rate)` floored (never overstated), 2^256 − 1 when it owes nothing.
 * @param u the urn's `inkWad` and `artWad` (WAD). @param rateRay RAY. @param spotRay RAY.
 */
export function urnHealthWad(
  u: { readonly inkWad: bigint; readonly artWad: bigint },
  rateRay: bigint,
  spotRay: bigint,
): bigint {
  const debtRad = u.artWad * rateRay;
  // floor: health is never overstated.
  return debtRad === 0n ? MAX_UINT256 : mulDiv(u.inkWad * spotRay, WAD, debtRad, Rounding.Down);
}

/** Every urn id, sorted. */
export function urnIds(core: MakerCore): readonly string[] {
  return core.urns.keys();
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** Command types the core decides (both models accept them). */
export const CORE_COMMANDS: readonly string[] = [
  'configure',
  'file',
  'deposit',
  'withdraw',
  'draw',
  'wipe',
  'frob',
  'drip',
  'flog',
  'heal',
];

/**
 * `configure {params}`: validates the parameters (parseMakerParams) and lists the assets the model
 * needs: DAI with 45 decimals, MKR with 18 when `vow.flop` switches debt auctions on (no ilk may
 * then use MKR as its gem), and each ilk's gem with 18 (a gem already listed must have 18).
 * @throws InvalidParameterError naming the field; when already configured (field `configure`).
 */
export function decideConfigure(state: EngineState<WithCore>, command: Command): EngineEvent[] {
  if (state.ext.core.params !== null) {
    throw new InvalidParameterError(
      'configure',
      'the Maker model is already configured',
      'Start a new engine to change parameters.',
    );
  }
  const params = parseMakerParams(command.params);
  const events: EngineEvent[] = [];
  const want = new Map<string, { decimals: number; field: string }>([
    [DAI, { decimals: DAI_DECIMALS, field: 'DAI' }],
  ]);
  if (params.vow?.flop !== undefined) want.set(MKR, { decimals: 18, field: 'params.vow.flop' });
  for (const [name, p] of Object.entries(params.ilks)) {
    if (
      p.gem === DAI ||
      p.gem === SIN ||
      p.gem.startsWith('art:') ||
      (p.gem === MKR && params.vow?.flop !== undefined)
    ) {
      throw new InvalidParameterError(
        `params.ilks.${name}.gem`,
        `${p.gem} is a name the Maker model uses for its own ledger`,
      );
    }
    want.set(p.gem, { decimals: 18, field: `params.ilks.${name}.gem` });
  }
  for (const [asset, { decimals, field }] of want) {
    const listed = state.assets[asset];
    if (listed === undefined) events.push(emit<AssetListed>({ type: 'AssetListed', asset, decimals }));
    else if (listed.decimals !== decimals) {
      throw new InvalidParameterError(
        field,
        `${asset} is listed with ${listed.decimals} decimals; the Maker model counts it with ${decimals}`,
      );
    }
  }
  events.push(emit<MakerConfigured>({ type: 'MakerConfigured', params }));
  return events;
}

const GLOBAL_FILE_FIELDS: readonly string[] = ['LineRad', 'HoleRad', 'boxRad', 'vowWaitSeconds'];

/**
 * Governance `file {what, data, ilk?}`: changes one parameter (a global one such as `HoleRad`, or
 * with `ilk` one of that ilk's, e.g. `dustRad`, `chopWad`, `calc`), validated exactly as in
 * `configure`. The gem cannot change. Cached values are not refreshed: the Clipper's `chost` keeps
 * its old value until `upchost`, as in dss. Changing `dutyRay` needs a `drip` in the same second
 * first ("Jug/rho-not-updated", makerdao/dss src/jug.sol file).
 * @throws InvalidParameterError naming the field; ProtocolRevertError.
 */
export function decideFile(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const core = state.ext.core;
  const params = requireParams(core);
  const what = readString(command, 'what');
  const ilk = readOptionalString(command, 'ilk');
  const json = makerParamsToJson(params);
  if (ilk === undefined) {
    if (!GLOBAL_FILE_FIELDS.includes(what)) {
      throw new InvalidParameterError(
        'what',
        `not a global parameter: ${what}`,
        `Global: ${GLOBAL_FILE_FIELDS.join(', ')}; pass ilk for the others.`,
      );
    }
    json[what] = command.data as unknown;
  } else {
    requireIlkParams(core, ilk);
    if (what === 'gem') throw new InvalidParameterError('what', 'the gem of an ilk cannot change');
    if (what === 'dutyRay' && ilkState(core, ilk).rhoSeconds !== nowSeconds) {
      throw new ProtocolRevertError(
        'Jug/rho-not-updated',
        'Drip the ilk in the same second before changing its duty.',
      );
    }
    const ilks = json.ilks as Record<string, Record<string, unknown>>;
    const target = ilks[ilk] as Record<string, unknown>;
    if (!Object.hasOwn(target, what))
      throw new InvalidParameterError('what', `not an ilk parameter: ${what}`);
    target[what] = command.data as unknown;
  }
  let next: MakerParams;
  try {
    next = parseMakerParams(json);
  } catch (e) {
    if (e instanceof InvalidParameterError)
      throw new InvalidParameterError('data', `${what}: ${e.shortMessage}`);
    throw e;
  }
  return [
    emit<MakerFiled>({ type: 'MakerFiled', what, ...(ilk === undefined ? {} : { ilk }), params: next }),
  ];
}

function signed(command: Command, key: string): bigint {
  return readBigint(command, key, key, { min: -MAX_UINT256, max: MAX_UINT256, expect: 'a signed integer' });
}

/**
 * `vat.frob(ilk, urn, urn, urn, dink, dart)` for an urn that owns itself (makerdao/dss src/vat.sol
 * frob), checks in the contract's order:
 * ink and art stay ≥ 0 (InsufficientBalanceError otherwise, the contract's underflow);
 * `dart > 0` needs `Art·rate ≤ line && debt ≤ Line` ("Vat/ceiling-exceeded");
 * `dart > 0 || dink < 0` needs `art·rate ≤ ink·spot` ("Vat/not-safe", spot read from the OSM);
 * the urn's debt is 0 or ≥ dust ("Vat/dust").
 * Moves: dink > 0 brings collateral from `world` into `acct:<urn>` (join + lock), dink < 0 returns
 * it; dart > 0 issues `rate·dart` dai from `mint` to `wallet:<urn>`, dart < 0 burns it from there.
 * @throws as listed; InvalidParameterError for an unknown ilk or an urn opened with another ilk;
 * StaleOraclePriceError when a risky frob finds no price.
 */
export function decideFrob(
  state: EngineState<WithCore>,
  input: {
    readonly urn: string;
    readonly ilk: string | undefined;
    readonly dinkWad: bigint;
    readonly dartWad: bigint;
  },
  nowSeconds: number,
): EngineEvent[] {
  const core = state.ext.core;
  const params = requireParams(core);
  const existing = ownUrn(core, input.urn);
  const ilkName = input.ilk ?? existing?.ilk ?? Object.keys(params.ilks)[0] ?? '';
  if (existing !== undefined && existing.ilk !== ilkName) {
    throw new InvalidParameterError(
      'ilk',
      `urn ${input.urn} holds ${existing.ilk}, not ${ilkName}`,
      'Use another account id for another ilk.',
    );
  }
  const p = requireIlkParams(core, ilkName);
  const ilk = ilkState(core, ilkName);
  const { dinkWad, dartWad } = input;
  if (dinkWad === 0n && dartWad === 0n)
    throw new InvalidParameterError('amount', 'expected a non-zero change');
  const inkWad = (existing?.inkWad ?? 0n) + dinkWad;
  const artWad = (existing?.artWad ?? 0n) + dartWad;
  if (inkWad < 0n)
    throw new InsufficientBalanceError(urnBucket(input.urn), p.gem, existing?.inkWad ?? 0n, -dinkWad);
  if (artWad < 0n)
    throw new InsufficientBalanceError(
      debtBucket(input.urn),
      artAsset(ilkName),
      existing?.artWad ?? 0n,
      -dartWad,
    );
  const ArtWad = ilk.ArtWad + dartWad;
  const tabRad = mulChecked(ilk.rateRay, artWad);
  if (dartWad > 0n) {
    const debtRad = core.debtRad + ilk.rateRay * dartWad;
    if (!(mulChecked(ArtWad, ilk.rateRay) <= p.lineRad && debtRad <= params.LineRad)) {
      throw new ProtocolRevertError(
        'Vat/ceiling-exceeded',
        'The ilk or global debt ceiling would be exceeded: draw less.',
        {
          ilkDebtRad: (ArtWad * ilk.rateRay).toString(),
          lineRad: p.lineRad.toString(),
        },
      );
    }
  }
  if (dartWad > 0n || dinkWad < 0n) {
    const { spotRay } = ilkPrice(state, ilkName, nowSeconds);
    if (tabRad > mulChecked(inkWad, spotRay)) {
      throw new ProtocolRevertError(
        'Vat/not-safe',
        'The vault would be below its liquidation ratio: add collateral or draw less.',
        {
          debtRad: tabRad.toString(),
          collateralRad: (inkWad * spotRay).toString(),
        },
      );
    }
  }
  if (!(artWad === 0n || tabRad >= p.dustRad)) {
    throw new ProtocolRevertError(
      'Vat/dust',
      'A vault with debt must owe at least dust: draw more or repay all.',
      {
        debtRad: tabRad.toString(),
        dustRad: p.dustRad.toString(),
      },
    );
  }
  const daiRad = ilk.rateRay * (dartWad < 0n ? -dartWad : dartWad);
  const moves: Moved[] = [
    ...(dinkWad > 0n ? moved(p.gem, 'world', urnBucket(input.urn), dinkWad, 'deposit') : []),
    ...(dinkWad < 0n ? moved(p.gem, urnBucket(input.urn), 'world', -dinkWad, 'withdraw') : []),
    ...(dartWad > 0n ? moved(artAsset(ilkName), 'mint', debtBucket(input.urn), dartWad, 'draw') : []),
    ...(dartWad > 0n ? moved(DAI, 'mint', walletBucket(input.urn), daiRad, 'draw') : []),
    ...(dartWad < 0n ? moved(DAI, walletBucket(input.urn), 'mint', daiRad, 'wipe') : []),
    ...(dartWad < 0n ? moved(artAsset(ilkName), debtBucket(input.urn), 'mint', -dartWad, 'wipe') : []),
  ];
  const event: UrnFrobbed = {
    type: 'UrnFrobbed',
    urn: input.urn,
    ilk: ilkName,
    dinkWad,
    dartWad,
    rateRay: ilk.rateRay,
  };
  return [...moves, event];
}

/**
 * `jug.drip(ilk)` with `base = 0` (makerdao/dss src/jug.sol drip):
 * `rate' = rmul(rpow(duty, now − rho, RAY), rate)` (rpow half-up, rmul floor, as the Jug), then
 * `vat.fold`: the Vow receives `Art·(rate' − rate)` dai (makerdao/dss src/vat.sol fold).
 * @throws InvalidParameterError for an unknown ilk; OverflowError where the Jug would revert.
 */
export function decideDrip(state: EngineState<WithCore>, ilkName: string, nowSeconds: number): EngineEvent[] {
  const core = state.ext.core;
  const p = requireIlkParams(core, ilkName);
  const ilk = ilkState(core, ilkName);
  const rateRay = rmul(rpow(p.dutyRay, BigInt(nowSeconds - ilk.rhoSeconds), RAY), ilk.rateRay);
  const foldRad = mulChecked(ilk.ArtWad, rateRay - ilk.rateRay);
  return [
    ...moved(DAI, 'mint', VOW_BUCKET, foldRad, 'fold'),
    emit<IlkDripped>({ type: 'IlkDripped', ilk: ilkName, rateRay, rhoSeconds: nowSeconds, foldRad }),
  ];
}

/**
 * `vat.suck(vow, to, rad)` as the Clipper uses it for keeper rewards: `rad` dai minted to
 * `wallet:<to>`, the same `rad` of sin to the Vow (makerdao/dss src/vat.sol suck).
 */
export function suckEvents(input: {
  readonly to: string;
  readonly rad: bigint;
  readonly reason: string;
}): EngineEvent[] {
  const { to, rad, reason } = input;
  if (rad === 0n) return [];
  return [
    ...moved(DAI, 'mint', walletBucket(to), rad, reason),
    ...moved(SIN, 'mint', SIN_BUCKET, rad, reason),
    emit<VatSucked>({ type: 'VatSucked', to, rad }),
  ];
}

/**
 * `vat.grab(ilk, urn, auctionHouse, vow, −dink, −dart)` (makerdao/dss src/vat.sol grab): the lot
 * moves from `acct:<urn>` into `lotBucket`, the art is cancelled and `dart·rate` becomes the Vow's sin.
 */
export function grabEvents(input: {
  readonly core: MakerCore;
  readonly urn: string;
  readonly ilk: string;
  readonly dinkWad: bigint;
  readonly dartWad: bigint;
  readonly dueRad: bigint;
  readonly lotBucket: string;
}): EngineEvent[] {
  const p = requireIlkParams(input.core, input.ilk);
  return [
    ...moved(p.gem, urnBucket(input.urn), input.lotBucket, input.dinkWad, 'grab'),
    ...moved(artAsset(input.ilk), debtBucket(input.urn), 'mint', input.dartWad, 'grab'),
    ...moved(SIN, 'mint', SIN_BUCKET, input.dueRad, 'grab'),
    emit<UrnGrabbed>({
      type: 'UrnGrabbed',
      urn: input.urn,
      ilk: input.ilk,
      dinkWad: input.dinkWad,
      dartWad: input.dartWad,
      dueRad: input.dueRad,
    }),
  ];
}

/**
 * `vow.flog(era)` (makerdao/dss src/vow.sol): releases the debt queued at `era` once
 * `era + wait ≤ now` ("Vow/wait-not-finished").
 * @throws ProtocolRevertError; InvalidParameterError for a bad era.
 */
export function decideFlog(
  core: MakerCore,
  input: { readonly era: number; readonly nowSeconds: number },
): EngineEvent[] {
  const { era, nowSeconds } = input;
  const params = requireParams(core);
  if (!(era + params.vowWaitSeconds <= nowSeconds)) {
    throw new ProtocolRevertError(
      'Vow/wait-not-finished',
      `Queued debt can be flogged ${params.vowWaitSeconds} s after its era.`,
      {
        era: String(era),
        readyAtSeconds: String(era + params.vowWaitSeconds),
      },
    );
  }
  const rad = core.vow.sinByEra.get(String(era)) ?? 0n;
  return [emit<VowFlogged>({ type: 'VowFlogged', era, rad })];
}

/**
 * `vow.heal(rad)` (makerdao/dss src/vow.sol heal): cancels the Vow's dai against its unqueued sin:
 * `rad ≤ dai[vow]` ("Vow/insufficient-surplus"), `rad ≤ sin[vow] − Sin − Ash` ("Vow/insufficient-debt").
 * @throws ProtocolRevertError.
 */
export function decideHeal(state: EngineState<WithCore>, rad: bigint): EngineEvent[] {
  const core = state.ext.core;
  requireParams(core);
  const surplusRad = balanceOf(state.ledger, VOW_BUCKET, DAI);
  if (rad > surplusRad) {
    throw new ProtocolRevertError('Vow/insufficient-surplus', 'The Vow holds less dai than that.', {
      surplusRad: surplusRad.toString(),
    });
  }
  const healableRad = core.viceRad - core.vow.SinRad - core.vow.AshRad;
  if (rad > healableRad) {
    throw new ProtocolRevertError(
      'Vow/insufficient-debt',
      'Not that much unqueued debt: flog queued eras first.',
      {
        healableRad: healableRad.toString(),
      },
    );
  }
  return [
    ...moved(DAI, VOW_BUCKET, 'mint', rad, 'heal'),
    ...moved(SIN, SIN_BUCKET, 'mint', rad, 'heal'),
    emit<VowHealed>({ type: 'VowHealed', rad }),
  ];
}

/**
 * Decides the core commands:
 * - `configure {params}`;
 * - `deposit {account, ilk?, amountWad}`, `withdraw {account, amountWad}`: lock / free collateral;
 * - `draw {account, artWad}`, `wipe {account, artWad}`: issue / repay `rate·art` dai;
 * - `frob {account, ilk?, dinkWad, dartWad}`: both at once (signed);
 * - `drip {ilk}`: accrue the stability fee;
 * - `flog {era}`, `heal {amountRad}`: the Vow's queue and debt settlement.
 * The ilk of a new urn defaults to the first configured one. Returns undefined for other commands.
 * @throws InvalidParameterError for malformed fields; ProtocolRevertError with the dss revert string.
 */
export function decideCoreCommand(
  state: EngineState<WithCore>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] | undefined {
  const frob = (dinkWad: bigint, dartWad: bigint): EngineEvent[] =>
    decideFrob(
      state,
      { urn: readString(command, 'account'), ilk: readOptionalString(command, 'ilk'), dinkWad, dartWad },
      nowSeconds,
    );
  const amount = (key: string): bigint => readBigint(command, key, key, { min: 1n, expect: 'an amount > 0' });
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command);
    case 'file':
      return decideFile(state, command, nowSeconds);
    case 'deposit':
      return frob(amount('amountWad'), 0n);
    case 'withdraw':
      return frob(-amount('amountWad'), 0n);
    case 'draw':
      return frob(0n, amount('artWad'));
    case 'wipe':
      return frob(0n, -amount('artWad'));
    case 'frob':
      return frob(signed(command, 'dinkWad'), signed(command, 'dartWad'));
    case 'drip':
      requireParams(state.ext.core);
      return decideDrip(state, readString(command, 'ilk'), nowSeconds);
    case 'flog': {
      const era = readBigint(command, 'era', 'era', { max: BigInt(Number.MAX_SAFE_INTEGER) });
      return decideFlog(state.ext.core, { era: Number(era), nowSeconds });
    }
    case 'heal':
      return decideHeal(state, amount('amountRad'));
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

function check(name: string, holds: boolean, detail: string): InvariantCheck {
  return { name, holds, detail };
}

/**
 * The Vat's and Vow's accounting, checked against the ledger:
 * every urn's ink/art equals its buckets; per ilk Σ art = Art = −mint(art:<ilk>);
 * `debt = vice + Σ Art·rate` (makerdao/dss src/vat.sol) and `debt = −mint(DAI)`;
 * `vice = sysdebt(SIN) = −mint(SIN)`; `Sin = Σ sin[era]`; `Sin + Ash ≤ vice`.
 */
export function coreInvariants(state: EngineState<WithCore>): InvariantCheck[] {
  const core = state.ext.core;
  const out: InvariantCheck[] = [];
  if (core.params === null) return out;
  const artByIlk = new Map<string, bigint>();
  for (const [id, u] of core.urns.entries()) {
    const p = core.params.ilks[u.ilk];
    const ink = p === undefined ? -1n : balanceOf(state.ledger, urnBucket(id), p.gem);
    const art = balanceOf(state.ledger, debtBucket(id), artAsset(u.ilk));
    out.push(
      check(
        `vat.urn ${id}`,
        ink === u.inkWad && art === u.artWad && u.inkWad >= 0n && u.artWad >= 0n,
        `ink ${u.inkWad} (ledger ${ink}), art ${u.artWad} (ledger ${art})`,
      ),
    );
    artByIlk.set(u.ilk, (artByIlk.get(u.ilk) ?? 0n) + u.artWad);
  }
  let ArtRateRad = 0n;
  for (const [name, ilk] of Object.entries(core.ilks)) {
    const sum = artByIlk.get(name) ?? 0n;
    const minted = -balanceOf(state.ledger, 'mint', artAsset(name));
    out.push(
      check(
        `vat.Art ${name}`,
        sum === ilk.ArtWad && minted === ilk.ArtWad,
        `Σ art ${sum}, Art ${ilk.ArtWad}, ledger ${minted}`,
      ),
    );
    ArtRateRad += ilk.ArtWad * ilk.rateRay;
  }
  const daiIssued = -balanceOf(state.ledger, 'mint', DAI);
  out.push(
    check(
      'vat.debt',
      core.debtRad === core.viceRad + ArtRateRad && core.debtRad === daiIssued,
      `debt ${core.debtRad}, vice + Σ Art·rate ${core.viceRad + ArtRateRad}, dai issued ${daiIssued}`,
    ),
  );
  const sinHeld = balanceOf(state.ledger, SIN_BUCKET, SIN);
  const sinIssued = -balanceOf(state.ledger, 'mint', SIN);
  out.push(
    check(
      'vat.vice',
      core.viceRad === sinHeld && sinHeld === sinIssued,
      `vice ${core.viceRad}, sysdebt ${sinHeld}, issued ${sinIssued}`,
    ),
  );
  let queued = 0n;
  core.vow.sinByEra.forEach((v) => {
    queued += v;
  });
  out.push(
    check(
      'vow.Sin',
      queued === core.vow.SinRad && addChecked(core.vow.SinRad, core.vow.AshRad) <= core.viceRad,
      `Σ sin[era] ${queued}, Sin ${core.vow.SinRad}, vice ${core.viceRad}`,
    ),
  );
  return out;
}

/**
 * How an ilk's auctions stand against the ledger, for the modules' invariants: whether each
 * running auction's `auction:<ilk>:<id>` bucket holds exactly its lot, Σ lot (WAD), and what all
 * `auction:<ilk>:` buckets hold (WAD; more than Σ lot means a finished auction kept collateral).
 * An ilk missing from the parameters reads as −1 held, so every check on it fails.
 */
export function auctionLots(
  state: EngineState<WithCore>,
  ilk: string,
  auctions: PersistentMap<{ readonly lotWad: bigint }>,
): { readonly eachHeld: boolean; readonly lotsWad: bigint; readonly bucketsWad: bigint } {
  const p = state.ext.core.params?.ilks[ilk];
  let eachHeld = true;
  let lotsWad = 0n;
  for (const [id, auction] of auctions.entries()) {
    lotsWad += auction.lotWad;
    const held = p === undefined ? -1n : balanceOf(state.ledger, auctionBucket(ilk, Number(id)), p.gem);
    if (held !== auction.lotWad) eachHeld = false;
  }
  const bucketsWad = p === undefined ? -1n : sumByPrefix(state.ledger, p.gem, `auction:${ilk}:`);
  return { eachHeld, lotsWad, bucketsWad };
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * What a liquidation module (the Cat and Flipper of 1.2, the Dog, Clipper and ClipperMom of 2.0)
 * brings to the core to make a Maker model. `E` is the model's state, `V` the module's events.
 */
export interface MakerModuleSpec<E extends WithCore, V extends EngineEvent> {
  readonly id: string;
  readonly title: string;
  readonly sources: readonly string[];
  /** The module's command types, besides CORE_COMMANDS. */
  readonly commands: readonly string[];
  /** The command that liquidates the urn named in its `account` field (`bite`, `bark`). */
  readonly liquidationCommand: string;
  /** State of an unconfigured model. */
  readonly initialExt: () => E;
  /**
   * The module's state once `configure` has set the core up (its per-ilk auction houses). `file`
   * cannot add an ilk, so only configuration creates them.
   */
  readonly configured: (ext: E, params: MakerParams) => E;
  /**
   * Decides a module command once the model is configured; undefined for a type the module does
   * not know (the model then refuses it with UnknownCommandError).
   */
  readonly decide: (
    state: EngineState<E>,
    command: Command,
    nowSeconds: number,
  ) => readonly EngineEvent[] | undefined;
  /** Whether an event is one of the module's. */
  readonly isEvent: (event: EngineEvent) => event is V;
  /** Folds one module event. */
  readonly evolve: (ext: E, event: V) => E;
  /** Every invariant of the model (coreInvariants and the module's own). */
  readonly invariants: (state: EngineState<E>) => readonly InvariantCheck[];
}

/**
 * A Maker `ProtocolModel`: the core decides its commands (see decideCoreCommand); any other
 * command needs `configure` first (InvalidParameterError) and goes to the module, which refuses
 * an unknown type with UnknownCommandError listing every command. Core events fold into the core,
 * `MakerConfigured` also through `spec.configured`; module events through `spec.evolve` (any
 * other event breaks an assertion). Accounts are the urns, health is urnHealth, and `draw`/`frob`
 * borrow DAI (makerBorrowRequest).
 */
export function makerModel<E extends WithCore, V extends EngineEvent>(
  spec: MakerModuleSpec<E, V>,
): ProtocolModel<E> {
  const commands = [...CORE_COMMANDS, ...spec.commands];
  return {
    id: spec.id,
    title: spec.title,
    sources: spec.sources,
    commands,
    initialExt: spec.initialExt,
    decide: (state, command, nowSeconds) => {
      const core = decideCoreCommand(state, command, nowSeconds);
      if (core !== undefined) return core;
      requireParams(state.ext.core);
      const events = spec.decide(state, command, nowSeconds);
      if (events === undefined) throw new UnknownCommandError(spec.id, command.type, commands);
      return events;
    },
    evolve: (state: EngineState<E>, recorded: Recorded): E => {
      const event = recorded.event;
      const ext = state.ext;
      if (isCoreEvent(event)) {
        const next = { ...ext, core: evolveCore(ext.core, event, recorded.atSeconds) };
        return event.type === 'MakerConfigured' ? spec.configured(next, event.params) : next;
      }
      assert(spec.isEvent(event), `${spec.id} cannot fold event ${event.type}`);
      return spec.evolve(ext, event);
    },
    accountIds: (state) => urnIds(state.ext.core),
    health: (state, accountId, nowSeconds) => urnHealth(state, accountId, nowSeconds),
    invariants: spec.invariants,
    liquidationTarget: (command) =>
      command.type === spec.liquidationCommand && typeof command.account === 'string'
        ? command.account
        : undefined,
    borrowRequest: (_state, command) => makerBorrowRequest(command),
  };
}
