/**
 * Keepers for the Maker models (`maker-liq2` Dog + Clipper, `maker-liq1` Cat + Flipper): a plain
 * view built from an engine state (unsafe vaults, running auctions, the keepers' wallets) and pure
 * policies that turn it into the models' own commands — gas-capped, gas-aware, flash, capital-
 * limited and zero-bid keepers, all presets of one configurable policy, {@link makerKeeper} — and
 * the bidder of the Vow's debt auctions (MKR for DAI), {@link flopBidder}, on its own view.
 */
import type { EngineState } from '../engine/engine.js';
import {
  CircuitBreakerError,
  InvalidParameterError,
  ProtocolRevertError,
  StaleOraclePriceError,
} from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import type { Command } from '../engine/machine.js';
import {
  type DebtAuctionHouse,
  type DebtAuctionStatus,
  debtAuctionStatus,
  lotAtPrice,
  maxDentLot,
  restartedLot,
} from '../engine/stages/debtAuction.js';
import { divRound, min, mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, WAD } from '../math/units.js';
import { flopHouse, flopperOf } from '../protocols/maker/flop.js';
import { CAT_GUY, type Liq1Ext } from '../protocols/maker/liq1/state.js';
import { saleStatus } from '../protocols/maker/liq2/clipper.js';
import type { ClipState, Liq2Ext } from '../protocols/maker/liq2/state.js';
import { biteOutcome } from '../protocols/maker/math/cat.js';
import { kickIncentive, redoIncentive, takeAmounts } from '../protocols/maker/math/clipper.js';
import { barkOutcome, isUnsafe, roomArtWad } from '../protocols/maker/math/dog.js';
import { dentRefusal, tendRefusal } from '../protocols/maker/math/flipper.js';
import {
  DAI,
  ilkPrice,
  type MakerCore,
  MKR,
  type UrnState,
  urnHealthWad,
  walletBucket,
} from '../protocols/maker/vat.js';
import {
  gasCostUsd,
  type KeeperAction,
  type KeeperPolicy,
  type MarketContext,
  radToUsd,
  validateMarket,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Gas
// ---------------------------------------------------------------------------------------------

/** Gas units a keeper assumes for each Maker transaction. */
export interface MakerGasUnits {
  readonly bark: bigint;
  readonly take: bigint;
  /** `take` with a flash callback that sells the slice on a DEX in the same transaction. */
  readonly takeFlash: bigint;
  readonly redo: bigint;
  readonly bite: bigint;
  readonly tend: bigint;
  readonly dent: bigint;
  readonly deal: bigint;
  readonly tick: bigint;
}

/**
 * Default gas per action. Only `bark` has a published figure: "a regular collateral bark cost is
 * around 450K" (makerdao/lockstake README.md, "Liquidation Bark Gas Benchmarks"). The rest are
 * ASSUMPTIONS, sized against it by how much storage each call writes, and should be replaced by
 * measured figures when available: `take` 200k (Clipper take: vat.flux, vat.move, dog.digs, sale
 * update), `takeFlash` 350k (take plus a DEX swap in the callee), `redo` 150k (OSM read, sale
 * update, vat.suck), `bite` 300k (Cat bite: vat.grab, vow.fess, Flipper kick; no incentive), `tend`
 * and `dent` 100k (one auction record and two DAI moves), `deal` 90k, `tick` 40k (one write).
 */
export const MAKER_GAS_UNITS: MakerGasUnits = {
  bark: 450_000n,
  take: 200_000n,
  takeFlash: 350_000n,
  redo: 150_000n,
  bite: 300_000n,
  tend: 100_000n,
  dent: 100_000n,
  deal: 90_000n,
  tick: 40_000n,
};

/**
 * Default discount a keeper wants below its net sell price before it buys or bids, bps. An
 * ASSUMPTION (1 %): without some margin a keeper that bids at its own price would never profit.
 */
export const DEFAULT_MIN_DISCOUNT_BPS = 100n;

// ---------------------------------------------------------------------------------------------
// View
// ---------------------------------------------------------------------------------------------

/** One ilk as a keeper sees it (dss scales: WAD 1e18, RAY 1e27, RAD 1e45). */
export interface MakerIlkView {
  readonly ilk: string;
  /** Ledger asset of the collateral. */
  readonly gem: string;
  /** Debt accumulator, RAY. */
  readonly rateRay: bigint;
  /** Spotter `spot` from the OSM now, RAY; undefined when the oracle has no usable price. */
  readonly spotRay: bigint | undefined;
  /** Clipper feed price (OSM value as DAI per unit), RAY; undefined as `spotRay`. */
  readonly feedPriceRay: bigint | undefined;
  readonly dustRad: bigint;
  readonly chopWad: bigint;
  /** Liquidation 2.0 keeper fee (flat), RAD. */
  readonly tipRad: bigint;
  /** Liquidation 2.0 keeper fee (share of tab), WAD. */
  readonly chipWad: bigint;
  /** Liquidation 2.0 cached minimum remainder, RAD (0 in liquidation 1.2). */
  readonly chostRad: bigint;
  /** Liquidation 2.0 per-ilk budget and its use, RAD (0 in 1.2). */
  readonly holeRad: bigint;
  readonly dirtRad: bigint;
  /** Liquidation 2.0 Clipper breaker level, 0–3 (0 in 1.2). */
  readonly stopped: number;
  /** Liquidation 1.2: most DAI per bite, RAD. */
  readonly dunkRad: bigint;
  /** Liquidation 1.2: minimum bid step, WAD. */
  readonly begWad: bigint;
}

/** An unsafe vault: the model would accept a `bark`/`bite` of it now (budgets permitting). */
export interface UnsafeVaultView {
  readonly urn: string;
  readonly ilk: string;
  readonly inkWad: bigint;
  readonly artWad: bigint;
  /** `art·rate`, RAD. */
  readonly debtRad: bigint;
}

/**
 * The view's order of unsafe vaults: largest debt first, then by urn id (a total order, so any
 * list of the same vaults sorts the same).
 */
export function compareUnsafeVaults(a: UnsafeVaultView, b: UnsafeVaultView): number {
  if (a.debtRad !== b.debtRad) return a.debtRad > b.debtRad ? -1 : 1;
  return a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0;
}

/**
 * An unsafe vault as the view lists it at the ilk's rate (RAY). `debtRad`, when given, must be
 * `artWad·rateRay` (an index that already holds it passes it on). The entry does not depend on the
 * spot, so an index keeps its entries across OSM updates; the health is read on demand with
 * {@link unsafeVaultHealthWad}.
 */
export function unsafeVaultView(
  urn: string,
  u: { readonly ilk: string; readonly inkWad: bigint; readonly artWad: bigint },
  rateRay: bigint,
  debtRad: bigint = u.artWad * rateRay,
): UnsafeVaultView {
  return { urn, ilk: u.ilk, inkWad: u.inkWad, artWad: u.artWad, debtRad };
}

/**
 * The model's health (urnHealth, WAD; below 1e18 for an unsafe vault) of a listed vault at its
 * ilk's rate and spot as `view` read them; undefined when the ilk has no usable spot.
 */
export function unsafeVaultHealthWad(
  view: Pick<MakerKeeperView, 'ilks'>,
  v: UnsafeVaultView,
): bigint | undefined {
  const ilk = view.ilks[v.ilk];
  if (ilk === undefined || ilk.spotRay === undefined) return undefined;
  return urnHealthWad(v, ilk.rateRay, ilk.spotRay);
}

/**
 * Where {@link makerKeeperView} gets its unsafe vaults. Either way the result must be what screening
 * every urn gives; an index (src/sim/stress/makerIndex.ts) only makes it cheaper.
 */
export interface MakerUnsafeSource {
  /**
   * Urns that may be unsafe, a superset of the unsafe ones (a liquidation-price ladder's range
   * read): only these are screened. Ids without an urn and repeats are ignored.
   */
  readonly candidates?: readonly string[];
  /**
   * The unsafe vaults already screened and in the view's order ({@link compareUnsafeVaults}), given
   * the ilks as the view read them (rate and OSM spot at its time); wins over `candidates`.
   */
  readonly unsafeVaults?: (ilks: Readonly<Record<string, MakerIlkView>>) => readonly UnsafeVaultView[];
}

/** A running Clipper sale (liquidation 2.0) at the view's time. */
export interface ClipSaleView {
  readonly ilk: string;
  readonly id: number;
  readonly usr: string;
  /** DAI still to raise, RAD. */
  readonly tabRad: bigint;
  /** Collateral left, WAD. */
  readonly lotWad: bigint;
  readonly topRay: bigint;
  readonly ticSeconds: number;
  /** Current auction price, DAI per unit, RAY. */
  readonly priceRay: bigint;
  /** True when `take` is refused until someone calls `redo`. */
  readonly needsRedo: boolean;
}

/** Where a Flipper auction stands at the view's time (makerdao/dss src/flip.sol guards). */
export type FlipStatus =
  /** `tend`/`dent` accepted: `(tic > now || tic == 0) && end > now`. */
  | 'open'
  /** `deal` accepted: `tic ≠ 0 && (tic < now || end < now)`. */
  | 'dealable'
  /** `tick` accepted: `end < now && tic == 0`. */
  | 'tickable'
  /** Nothing accepted this second (a boundary: `tic == now` or `end == now`). */
  | 'waiting';

/** A Flipper auction (liquidation 1.2). */
export interface FlipAuctionView {
  readonly ilk: string;
  readonly id: number;
  readonly usr: string;
  /** Highest bid, RAD. */
  readonly bidRad: bigint;
  readonly lotWad: bigint;
  readonly tabRad: bigint;
  /** Highest bidder (`cat` before the first bid). */
  readonly guy: string;
  readonly ticSeconds: number;
  readonly endSeconds: number;
  /** `tend` while the bid is below the tab, then `dent`. */
  readonly phase: 'tend' | 'dent';
  readonly status: FlipStatus;
}

/** A keeper's balances. */
export interface KeeperWalletView {
  /** DAI in `wallet:<id>`, RAD. */
  readonly daiRad: bigint;
  /** Collateral in `wallet:<id>` by ledger asset, WAD. */
  readonly gemWad: Readonly<Record<string, bigint>>;
  /** DAI locked in Flipper auctions where it is the high bidder, RAD (0 in 2.0). */
  readonly lockedBidRad: bigint;
}

/** What a Maker keeper sees. */
export interface MakerKeeperView {
  readonly model: 'maker-liq2' | 'maker-liq1';
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** Liquidation 2.0 global budget and its use, RAD (0 in 1.2). */
  readonly HoleRad: bigint;
  readonly DirtRad: bigint;
  /** Liquidation 1.2 budget and its use, RAD (0 in 2.0). */
  readonly boxRad: bigint;
  readonly litterRad: bigint;
  readonly ilks: Readonly<Record<string, MakerIlkView>>;
  /** Sorted by debt, largest first, then by urn id. */
  readonly unsafeVaults: readonly UnsafeVaultView[];
  /** Liquidation 2.0 sales by ilk then id. */
  readonly sales: readonly ClipSaleView[];
  /** Liquidation 1.2 auctions by ilk then id. */
  readonly flips: readonly FlipAuctionView[];
  /** Balances of the keepers named when the view was built. */
  readonly wallets: Readonly<Record<string, KeeperWalletView>>;
}

type MakerState = EngineState<Liq2Ext> | EngineState<Liq1Ext>;

function isLiq2(state: MakerState): state is EngineState<Liq2Ext> {
  return 'clips' in state.ext;
}

/** The OSM prices of an ilk, or undefined when the oracle refuses (stale, breaker). */
function ilkPriceOrUndefined(state: MakerState, ilk: string, nowSeconds: number) {
  try {
    return ilkPrice(state, ilk, nowSeconds);
  } catch (e) {
    if (e instanceof StaleOraclePriceError || e instanceof CircuitBreakerError) return undefined;
    throw e;
  }
}

function requireConfigured(core: MakerCore) {
  if (core.params === null) {
    throw new InvalidParameterError(
      'state',
      'the Maker model is not configured yet',
      'Send `configure` first.',
    );
  }
  return core.params;
}

/**
 * The view a Maker keeper decides on, built from a `maker-liq2` or `maker-liq1` engine state.
 * Unsafe vaults are screened per ilk with the model's own rule (`isUnsafe`: `spot > 0 &&
 * ink·spot < art·rate`, the spot read once per ilk from the OSM) and carry the model's health
 * (urnHealth); an ilk without a usable OSM price lists none. Sales carry their current price and
 * whether they need a `redo`; Flipper auctions their phase and status.
 * @param state an engine state of a Maker model (configured).
 * @param nowSeconds the time of the decision, seconds (must equal `market.nowSeconds`).
 * @param market what the keepers see of the market (see MarketContext).
 * @param keepers ids whose wallets the view includes (a policy refuses a view without its own).
 * @param unsafe where the unsafe vaults come from (default: every urn is screened); see
 * {@link MakerUnsafeSource}.
 * @throws InvalidParameterError for an unconfigured model, a state that is not a Maker one, a bad
 * market or a time mismatch.
 */
export function makerKeeperView(
  state: MakerState,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
  unsafe: MakerUnsafeSource = {},
): MakerKeeperView {
  validateMarket(market);
  if (market.nowSeconds !== nowSeconds) {
    throw new InvalidParameterError(
      'market.nowSeconds',
      `is ${market.nowSeconds}, the view is at ${nowSeconds}`,
    );
  }
  if (!('clips' in state.ext) && !('flips' in state.ext)) {
    throw new InvalidParameterError('state', `protocol ${state.protocol} is not a Maker liquidation model`);
  }
  const core = state.ext.core;
  const params = requireConfigured(core);
  const liq2 = isLiq2(state) ? state : undefined;
  const liq1 = isLiq2(state) ? undefined : (state as EngineState<Liq1Ext>);

  const ilks: Record<string, MakerIlkView> = {};
  for (const [name, p] of Object.entries(params.ilks)) {
    const price = ilkPriceOrUndefined(state, name, nowSeconds);
    const clip = liq2?.ext.clips[name];
    ilks[name] = {
      ilk: name,
      gem: p.gem,
      rateRay: core.ilks[name]?.rateRay ?? 0n,
      spotRay: price?.spotRay,
      feedPriceRay: price?.feedPriceRay,
      dustRad: p.dustRad,
      chopWad: p.chopWad,
      tipRad: p.tipRad,
      chipWad: p.chipWad,
      chostRad: clip?.chostRad ?? 0n,
      holeRad: liq2 === undefined ? 0n : p.holeRad,
      dirtRad: liq2?.ext.dog.dirtRad[name] ?? 0n,
      stopped: clip?.stopped ?? 0,
      dunkRad: p.dunkRad,
      begWad: p.begWad,
    };
  }

  let unsafeVaults: readonly UnsafeVaultView[];
  if (unsafe.unsafeVaults !== undefined) unsafeVaults = unsafe.unsafeVaults(ilks);
  else {
    const screened: UnsafeVaultView[] = [];
    const screen = (u: UrnState, urn: string): void => {
      const ilk = ilks[u.ilk];
      if (ilk === undefined || ilk.spotRay === undefined || u.artWad === 0n) return;
      if (!isUnsafe({ inkWad: u.inkWad, artWad: u.artWad, rateRay: ilk.rateRay, spotRay: ilk.spotRay }))
        return;
      screened.push(unsafeVaultView(urn, u, ilk.rateRay));
    };
    const candidates = unsafe.candidates;
    if (candidates === undefined) core.urns.forEach(screen);
    else {
      const seen = new Set<string>();
      for (const urn of candidates) {
        const u = core.urns.get(urn);
        if (u === undefined || seen.has(urn)) continue;
        seen.add(urn);
        screen(u, urn);
      }
    }
    unsafeVaults = screened.sort(compareUnsafeVaults);
  }

  const sales: ClipSaleView[] = [];
  if (liq2 !== undefined) {
    for (const [ilk, clip] of Object.entries(liq2.ext.clips))
      sales.push(...clipSalesView(liq2, ilk, clip, nowSeconds));
  }

  const flips: FlipAuctionView[] = [];
  for (const [ilk, flip] of Object.entries(liq1?.ext.flips ?? {})) {
    const ids = flip.bids
      .keys()
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const b = flip.bids.get(String(id));
      if (b === undefined) continue;
      flips.push({
        ilk,
        id,
        usr: b.usr,
        bidRad: b.bidRad,
        lotWad: b.lotWad,
        tabRad: b.tabRad,
        guy: b.guy,
        ticSeconds: b.ticSeconds,
        endSeconds: b.endSeconds,
        phase: b.bidRad < b.tabRad ? 'tend' : 'dent',
        status: flipStatus(b.ticSeconds, b.endSeconds, nowSeconds),
      });
    }
  }

  const gems = [...new Set(Object.values(params.ilks).map((p) => p.gem))].sort();
  const wallets: Record<string, KeeperWalletView> = {};
  for (const id of keepers) {
    const gemWad: Record<string, bigint> = {};
    for (const gem of gems) gemWad[gem] = balanceOf(state.ledger, walletBucket(id), gem);
    let lockedBidRad = 0n;
    for (const f of flips) if (f.guy === id) lockedBidRad += f.bidRad;
    wallets[id] = { daiRad: balanceOf(state.ledger, walletBucket(id), DAI), gemWad, lockedBidRad };
  }

  return {
    model: liq2 !== undefined ? 'maker-liq2' : 'maker-liq1',
    nowSeconds,
    market,
    HoleRad: liq2 === undefined ? 0n : params.HoleRad,
    DirtRad: liq2?.ext.dog.DirtRad ?? 0n,
    boxRad: liq1 === undefined ? 0n : params.boxRad,
    litterRad: liq1?.ext.litterRad ?? 0n,
    ilks,
    unsafeVaults,
    sales,
    flips,
    wallets,
  };
}

/** The last sales view of each Clipper state: a pure function of (clip, ilk parameters, time). */
const SALES_VIEWS = new WeakMap<
  ClipState,
  { readonly nowSeconds: number; readonly ilkParams: unknown; readonly sales: readonly ClipSaleView[] }
>();

/**
 * One Clipper's running sales as the view lists them (by id, with the current price and whether a
 * `redo` is needed). Remembered per Clipper state (immutable) and time, so keepers deciding on
 * the same auctions in the same second share one computation of the auction curves. (A memo per
 * sale record was tried: it hit 6–9 % of the time in stress runs, about what it cost.)
 */
function clipSalesView(
  state: EngineState<Liq2Ext>,
  ilk: string,
  clip: ClipState,
  nowSeconds: number,
): readonly ClipSaleView[] {
  const ilkParams = state.ext.core.params?.ilks[ilk];
  const seen = SALES_VIEWS.get(clip);
  if (
    seen !== undefined &&
    seen.nowSeconds === nowSeconds &&
    seen.ilkParams === ilkParams &&
    ilkParams !== undefined
  )
    return seen.sales;
  const sales: ClipSaleView[] = [];
  for (const id of [...clip.active].sort((a, b) => a - b)) {
    const sale = clip.sales.get(String(id));
    if (sale === undefined) continue;
    const status = saleStatus(state, ilk, sale, nowSeconds);
    sales.push({
      ilk,
      id,
      usr: sale.usr,
      tabRad: sale.tabRad,
      lotWad: sale.lotWad,
      topRay: sale.topRay,
      ticSeconds: sale.ticSeconds,
      priceRay: status.priceRay,
      needsRedo: status.done,
    });
  }
  SALES_VIEWS.set(clip, { nowSeconds, ilkParams, sales });
  return sales;
}

/** The Flipper guards of makerdao/dss src/flip.sol tend/dent, deal and tick, as one status. */
export function flipStatus(ticSeconds: number, endSeconds: number, nowSeconds: number): FlipStatus {
  if ((ticSeconds > nowSeconds || ticSeconds === 0) && endSeconds > nowSeconds) return 'open';
  if (ticSeconds !== 0 && (ticSeconds < nowSeconds || endSeconds < nowSeconds)) return 'dealable';
  if (endSeconds < nowSeconds && ticSeconds === 0) return 'tickable';
  return 'waiting';
}

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/** 1e9: WAD price → RAY price. */
const BLN = 10n ** 9n;

/**
 * What the keeper nets selling one unit of `gem`: market price × (1 − slippage), DAI per unit,
 * RAY (DAI = 1 USD). Floored: the keeper never overstates its proceeds.
 */
export function netSellPriceRay(market: MarketContext, gem: string): bigint {
  const usdWad = market.collateralPricesUsdWad?.[gem] ?? market.collateralPriceUsdWad;
  // floor: proceeds are understated, so profit is never overstated.
  if (market.daiPriceUsdWad === undefined)
    return mulDiv(usdWad * BLN, BPS - market.slippageBps, BPS, Rounding.Down);
  // DAI per unit: the USD proceeds bought back in DAI at its market price, one floor.
  return mulDiv(usdWad * BLN * WAD, BPS - market.slippageBps, BPS * market.daiPriceUsdWad, Rounding.Down);
}

/** What one DAI is worth against gas, USD (1 without a DAI price in the market). */
function daiUsd(market: MarketContext): number {
  return market.daiPriceUsdWad === undefined ? 1 : Number(market.daiPriceUsdWad) / 1e18;
}

/** A DAI amount (RAD) in USD at the market's DAI price. */
function radDaiToUsd(rad: bigint, market: MarketContext): number {
  return market.daiPriceUsdWad === undefined ? radToUsd(rad) : radToUsd(rad) * daiUsd(market);
}

/** The keeper's own price: the net sell price less its required discount, RAY. Floored (same reason). */
function keeperPriceRay(netRay: bigint, minDiscountBps: bigint): bigint {
  return mulDiv(netRay, BPS - minDiscountBps, BPS, Rounding.Down);
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

/** When a keeper starts (or restarts) auctions: `bark`/`bite`, `redo`, `tick`. */
export type KickRule =
  /** whenever the model would accept it, reward or not (Maker's own keepers in 2020). */
  | 'always'
  /** only when the on-chain reward pays for itself (see the profit rule of makerKeeper). */
  | 'rewarded'
  | 'never';

/** Configuration of {@link makerKeeper}; the named presets fill it in. */
export interface MakerKeeperConfig {
  /** The actor: commands name it and it pays from `wallet:<id>`. */
  readonly id: string;
  /** Above this gas price (gwei) the keeper does nothing at all. */
  readonly maxGasPriceGwei?: number;
  /**
   * ε, USD. When set the keeper is gas-aware: every action needs `I > C_gas + ε` (I its incentive
   * in USD, C_gas = gasUnits × gwei × 1e-9 × ETH price). When unset, `I > 0` is enough.
   */
  readonly minProfitUsd?: number;
  /** `wallet`: pays DAI from its wallet; `flash`: no capital, takes with the flash callback. */
  readonly funding: 'wallet' | 'flash';
  /**
   * Working capital, RAD: the most DAI at stake at once — this decision's spending plus the bids it
   * already has locked in Flipper auctions. Collateral it has won is assumed sold outside the
   * model, so capital is freed when an auction settles. The wallet balance bounds it too.
   */
  readonly capitalDaiRad?: bigint;
  /** When it starts or restarts auctions (see KickRule). */
  readonly kicks: KickRule;
  /** Liquidation 1.2 only: bid the minimum (1 RAD unit = 1e-45 DAI) on auctions nobody bid on, nothing else. */
  readonly zeroBid?: boolean;
  /** Required discount below the net sell price before buying or bidding, bps (default 100). */
  readonly minDiscountBps?: bigint;
  /** Overrides of MAKER_GAS_UNITS. */
  readonly gasUnits?: Partial<MakerGasUnits>;
  /**
   * Above the gas cap, still `bark`/`bite` (but never bid or take): the Black Thursday pattern where
   * bites went through and bids did not. Default false: above the cap the keeper stops entirely.
   */
  readonly kicksAboveCap?: boolean;
}

function validateConfig(c: MakerKeeperConfig): void {
  if (c.id.length === 0) throw new InvalidParameterError('keeper.id', 'must not be empty');
  if (c.maxGasPriceGwei !== undefined && !(Number.isFinite(c.maxGasPriceGwei) && c.maxGasPriceGwei >= 0)) {
    throw new InvalidParameterError('keeper.maxGasPriceGwei', 'must be finite and ≥ 0');
  }
  if (c.minProfitUsd !== undefined && !(Number.isFinite(c.minProfitUsd) && c.minProfitUsd >= 0)) {
    throw new InvalidParameterError('keeper.minProfitUsd', 'must be finite and ≥ 0');
  }
  if (c.capitalDaiRad !== undefined && c.capitalDaiRad < 0n)
    throw new InvalidParameterError('keeper.capitalDaiRad', 'must be ≥ 0');
  const d = c.minDiscountBps;
  if (d !== undefined && (d < 0n || d >= BPS))
    throw new InvalidParameterError('keeper.minDiscountBps', 'must be in 0–9999');
  for (const [k, v] of Object.entries(c.gasUnits ?? {})) {
    if (v !== undefined && v < 0n) throw new InvalidParameterError(`keeper.gasUnits.${k}`, 'must be ≥ 0');
  }
}

/** One decision in progress: the view, the rules, and the DAI still available. */
interface Ctx {
  readonly view: MakerKeeperView;
  readonly cfg: MakerKeeperConfig;
  readonly gas: MakerGasUnits;
  readonly discountBps: bigint;
  readonly onlyKicks: boolean;
  /** DAI the keeper may still commit in this decision, RAD. */
  budgetRad: bigint;
  readonly out: KeeperAction[];
}

/** The profit rule: `I > C_gas + ε` when gas-aware, else `I > 0`. */
function worth(ctx: Ctx, incentiveRad: bigint, gasUnits: bigint): boolean {
  if (incentiveRad <= 0n) return false;
  if (ctx.cfg.minProfitUsd === undefined) return true;
  return (
    radDaiToUsd(incentiveRad, ctx.view.market) > gasCostUsd(gasUnits, ctx.view.market) + ctx.cfg.minProfitUsd
  );
}

/** Whether a kick-like action (bark, bite, redo) with on-chain reward `rewardRad` is sent. */
function kickWorth(ctx: Ctx, rewardRad: bigint, gasUnits: bigint): boolean {
  if (ctx.cfg.kicks === 'never') return false;
  if (ctx.cfg.kicks === 'always') return true;
  return worth(ctx, rewardRad, gasUnits);
}

/** Queues an action; `incentiveRad` (what it should earn before gas) is what a gas auction bids from. */
function push(ctx: Ctx, command: Command, gasUnits: bigint, reason: string, incentiveRad?: bigint): void {
  ctx.out.push({
    command,
    gasUnits,
    reason,
    ...(incentiveRad === undefined ? {} : { expectedProfitUsd: radDaiToUsd(incentiveRad, ctx.view.market) }),
  });
}

function usd(rad: bigint): string {
  return radToUsd(rad).toFixed(2);
}

/** `take` on running sales (liquidation 2.0). */
function decideTakes(ctx: Ctx): void {
  const { view, cfg } = ctx;
  if (cfg.zeroBid === true) return;
  // The net and the keeper's prices depend only on the ilk's gem: computed once per ilk.
  const prices = new Map<string, { readonly netRay: bigint; readonly limitRay: bigint }>();
  for (const s of view.sales) {
    const ilk = view.ilks[s.ilk];
    if (ilk === undefined || s.needsRedo || ilk.stopped >= 3) continue;
    let price = prices.get(ilk.gem);
    if (price === undefined) {
      const net = netSellPriceRay(view.market, ilk.gem);
      price = { netRay: net, limitRay: keeperPriceRay(net, ctx.discountBps) };
      prices.set(ilk.gem, price);
    }
    const { netRay } = price;
    if (s.priceRay > price.limitRay) continue;
    const flash = cfg.funding === 'flash';
    const gasUnits = flash ? ctx.gas.takeFlash : ctx.gas.take;
    // An upper bound first (makerdao/dss src/clip.sol take): `owe ≥ slice·price` in each of its
    // branches and `slice ≤ lot`, so the profit `slice·net − owe` is at most `lot·(net − price)`
    // [wad·ray = rad]. `worth` is monotone in the profit, so a sale whose bound is not worth the
    // gas is one the exact amounts below would refuse too: skipped before the division and the
    // take algebra, with the same decision.
    if (!worth(ctx, s.lotWad * (netRay - s.priceRay), gasUnits)) continue;
    // floor: the keeper never asks for more collateral than its budget pays for at this price.
    const affordable = s.priceRay === 0n ? s.lotWad : divRound(ctx.budgetRad, s.priceRay, Rounding.Down);
    const amtWad = flash ? s.lotWad : min(s.lotWad, affordable);
    if (amtWad === 0n) continue;
    let amounts: ReturnType<typeof takeAmounts>;
    try {
      amounts = takeAmounts({
        tabRad: s.tabRad,
        lotWad: s.lotWad,
        priceRay: s.priceRay,
        amtWad,
        maxRay: s.priceRay,
        chostRad: ilk.chostRad,
      });
    } catch (e) {
      if (e instanceof ProtocolRevertError) continue;
      throw e;
    }
    if (amounts.sliceWad === 0n) continue;
    // slice [wad] · price [ray] = rad, exact.
    const proceedsRad = amounts.sliceWad * netRay;
    if (flash ? proceedsRad < amounts.oweRad : amounts.oweRad > ctx.budgetRad) continue;
    const profitRad = proceedsRad - amounts.oweRad;
    if (!worth(ctx, profitRad, gasUnits)) continue;
    if (!flash) ctx.budgetRad -= amounts.oweRad;
    const command: Command = {
      type: 'take',
      ilk: s.ilk,
      id: s.id,
      amtWad,
      maxRay: s.priceRay,
      keeper: cfg.id,
      ...(flash ? { flash: { sellTo: 'market', priceRay: netRay } } : {}),
    };
    push(
      ctx,
      command,
      gasUnits,
      `take ${s.ilk}#${s.id}: buy at ${s.priceRay} ray, sell at ${netRay}, +$${usd(profitRad)}`,
      profitRad,
    );
  }
}

/** `redo` on sales that need a reset (liquidation 2.0). */
function decideRedos(ctx: Ctx): void {
  const { view, cfg } = ctx;
  for (const s of view.sales) {
    const ilk = view.ilks[s.ilk];
    if (ilk === undefined || !s.needsRedo || ilk.stopped >= 2 || ilk.feedPriceRay === undefined) continue;
    const coinRad = redoIncentive({
      tabRad: s.tabRad,
      lotWad: s.lotWad,
      feedPriceRay: ilk.feedPriceRay,
      chostRad: ilk.chostRad,
      tipRad: ilk.tipRad,
      chipWad: ilk.chipWad,
    });
    if (ilk.feedPriceRay === 0n || !kickWorth(ctx, coinRad, ctx.gas.redo)) continue;
    push(
      ctx,
      { type: 'redo', ilk: s.ilk, id: s.id, keeper: cfg.id },
      ctx.gas.redo,
      `redo ${s.ilk}#${s.id}: reward $${usd(coinRad)}`,
      coinRad,
    );
  }
}

/**
 * Where {@link decideBarks} may jump to: the debt (RAD) below which a vault of the list may still be
 * barked and worth it, given the budgets left, or `null` to stop (none can), or `undefined` when
 * some ilk could still take any vault (no jump). Exact, from barkOutcome's rules: with room `R`
 * left (`min(Hole − Dirt, hole − dirt)`) and `dartMax = R·WAD/rate/chop`, a vault is refused when
 * `R ≤ 0`, or when `dartMax·rate < dust` (no non-dusty partial auction fits) and its debt is
 * ≥ `dust + dartMax·rate` (it is too big to be taken whole); and a kick is not worth it when even
 * the largest reward the remaining vaults could pay, `tip + chip·(debt·chop)`, is not (rewards
 * grow with the tab, and a vault's tab is at most its debt·chop). Debts are the list's order.
 */
function barkHorizon(
  ctx: Ctx,
  DirtRad: bigint,
  dirt: Readonly<Record<string, bigint>>,
  debtRad: bigint,
): bigint | null | undefined {
  const { view } = ctx;
  let horizon: bigint | null = null;
  for (const [name, ilk] of Object.entries(view.ilks)) {
    if (ilk.spotRay === undefined || ilk.stopped >= 1) continue;
    if (ilk.feedPriceRay === undefined || ilk.feedPriceRay === 0n) continue;
    const roomRad = min(view.HoleRad - DirtRad, ilk.holeRad - (dirt[name] ?? ilk.dirtRad));
    if (roomRad <= 0n) continue;
    if (ilk.rateRay === 0n || ilk.chopWad === 0n) return undefined; // the model's own errors decide
    // floor: tab = dart·rate·chop/WAD ≤ debt·chop/WAD for every vault at or below this debt.
    const tabMaxRad = divRound(debtRad * ilk.chopWad, WAD, Rounding.Down);
    const coinMaxRad = kickIncentive({ tabRad: tabMaxRad, tipRad: ilk.tipRad, chipWad: ilk.chipWad });
    if (!kickWorth(ctx, coinMaxRad, ctx.gas.bark)) continue;
    const dartMaxWad = roomArtWad({ roomRad, rateRay: ilk.rateRay, chopWad: ilk.chopWad });
    const partialRad = dartMaxWad * ilk.rateRay;
    if (partialRad >= ilk.dustRad) return undefined;
    const below = ilk.dustRad + partialRad;
    if (horizon === null || below > horizon) horizon = below;
  }
  return horizon;
}

/** First index ≥ `from` of `vaults` (debt descending) whose debt is < `belowRad`. */
function firstBelow(vaults: readonly UnsafeVaultView[], from: number, belowRad: bigint): number {
  let lo = from;
  let hi = vaults.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((vaults[mid] as UnsafeVaultView).debtRad >= belowRad) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `bark` unsafe vaults within the Dog's budgets, largest first (liquidation 2.0). When one is
 * refused or not worth it, the rest of the list is skipped down to where a bark may still be sent
 * ({@link barkHorizon}): the same actions as trying each vault, without touching the thousands
 * that wait for budget in a crash.
 */
function decideBarks(ctx: Ctx): void {
  const { view, cfg } = ctx;
  let DirtRad = view.DirtRad;
  const dirt: Record<string, bigint> = {};
  const vaults = view.unsafeVaults;
  let i = 0;
  const skip = (debtRad: bigint): boolean => {
    const horizon = barkHorizon(ctx, DirtRad, dirt, debtRad);
    if (horizon === undefined) return true;
    if (horizon === null) return false;
    i = Math.max(i, firstBelow(vaults, i, horizon) - 1);
    return true;
  };
  for (; i < vaults.length; i++) {
    const v = vaults[i] as UnsafeVaultView;
    const ilk = view.ilks[v.ilk];
    if (ilk === undefined || ilk.spotRay === undefined || ilk.stopped >= 1) continue;
    const dirtRad = dirt[v.ilk] ?? ilk.dirtRad;
    let tabRad: bigint;
    try {
      // barkOutcome, not barkAmounts: a refusal is skipped without building an error.
      const outcome = barkOutcome({
        inkWad: v.inkWad,
        artWad: v.artWad,
        rateRay: ilk.rateRay,
        spotRay: ilk.spotRay,
        dustRad: ilk.dustRad,
        HoleRad: view.HoleRad,
        DirtRad,
        holeRad: ilk.holeRad,
        dirtRad,
        chopWad: ilk.chopWad,
      });
      if ('refusal' in outcome) {
        if (!skip(v.debtRad)) return;
        continue;
      }
      tabRad = outcome.tabRad;
    } catch (e) {
      if (e instanceof ProtocolRevertError) continue;
      throw e;
    }
    if (tabRad === 0n || ilk.feedPriceRay === undefined || ilk.feedPriceRay === 0n) continue;
    const coinRad = kickIncentive({ tabRad, tipRad: ilk.tipRad, chipWad: ilk.chipWad });
    if (!kickWorth(ctx, coinRad, ctx.gas.bark)) {
      if (!skip(v.debtRad)) return;
      continue;
    }
    DirtRad += tabRad;
    dirt[v.ilk] = dirtRad + tabRad;
    push(
      ctx,
      { type: 'bark', account: v.urn, keeper: cfg.id, ilk: v.ilk },
      ctx.gas.bark,
      `bark ${v.urn}: tab $${usd(tabRad)}, reward $${usd(coinRad)}`,
      coinRad,
    );
  }
}

/**
 * `bite` unsafe vaults within the Cat's box, largest first (liquidation 1.2: no on-chain reward).
 * Stops as soon as nothing more can be sent: a keeper that does not kick unrewarded never bites,
 * and once the box has no room for a non-dusty auction of any ilk every bite is refused (the
 * litter only grows within a decision). The same actions as trying each vault in every state the
 * Cat can reach (litter ≤ box; past it biteAmounts throws OverflowError, which a keeper that does
 * not kick never reaches).
 */
function decideBites(ctx: Ctx): void {
  const { view } = ctx;
  if (!kickWorth(ctx, 0n, ctx.gas.bite)) return;
  let litterRad = view.litterRad;
  const boxFull = (): boolean =>
    litterRad <= view.boxRad &&
    Object.values(view.ilks).every(
      (ilk) =>
        ilk.spotRay === undefined || !(litterRad < view.boxRad && view.boxRad - litterRad >= ilk.dustRad),
    );
  for (const v of view.unsafeVaults) {
    const ilk = view.ilks[v.ilk];
    if (ilk === undefined || ilk.spotRay === undefined) continue;
    let tabRad: bigint;
    try {
      // biteOutcome: refusals skipped without building an error (see decideBarks).
      const outcome = biteOutcome({
        inkWad: v.inkWad,
        artWad: v.artWad,
        rateRay: ilk.rateRay,
        spotRay: ilk.spotRay,
        dustRad: ilk.dustRad,
        boxRad: view.boxRad,
        litterRad,
        dunkRad: ilk.dunkRad,
        chopWad: ilk.chopWad,
      });
      if ('refusal' in outcome) {
        if (boxFull()) return;
        continue;
      }
      tabRad = outcome.tabRad;
    } catch (e) {
      if (e instanceof ProtocolRevertError) continue;
      throw e;
    }
    litterRad += tabRad;
    push(
      ctx,
      { type: 'bite', account: v.urn, ilk: v.ilk },
      ctx.gas.bite,
      `bite ${v.urn}: tab $${usd(tabRad)}`,
    );
  }
}

/** Flipper auctions: deal own wins, tick unbid expired ones, tend/dent at the keeper's price. */
function decideFlips(ctx: Ctx): void {
  const { view, cfg } = ctx;
  for (const f of view.flips) {
    const ilk = view.ilks[f.ilk];
    if (ilk === undefined) continue;
    const netRay = netSellPriceRay(view.market, ilk.gem);
    // lot [wad] · price [ray] = rad, exact.
    const lotValueRad = f.lotWad * netRay;
    if (f.status === 'dealable') {
      if (f.guy === cfg.id && worth(ctx, lotValueRad, ctx.gas.deal)) {
        push(
          ctx,
          { type: 'deal', ilk: f.ilk, id: f.id },
          ctx.gas.deal,
          `deal ${f.ilk}#${f.id}: won ${f.lotWad} wad for $${usd(f.bidRad)}`,
        );
      }
      continue;
    }
    if (f.status === 'tickable') {
      const tick =
        cfg.kicks === 'always' || (cfg.kicks === 'rewarded' && worth(ctx, lotValueRad, ctx.gas.tick));
      if (tick)
        push(
          ctx,
          { type: 'tick', ilk: f.ilk, id: f.id },
          ctx.gas.tick,
          `tick ${f.ilk}#${f.id}: restart unbid auction`,
        );
      continue;
    }
    if (f.status !== 'open' || f.guy === cfg.id || cfg.funding === 'flash') continue;
    if (f.phase === 'tend') {
      let bidRad: bigint;
      if (cfg.zeroBid === true) {
        // Nobody bid yet: the smallest bid the Flipper accepts (bid > 0).
        if (f.guy !== CAT_GUY || f.bidRad !== 0n) continue;
        bidRad = 1n;
      } else {
        // lot [wad] · price [ray] = rad, exact: the keeper bids its price for the lot, at most the tab.
        bidRad = min(f.tabRad, f.lotWad * keeperPriceRay(netRay, ctx.discountBps));
        bidRad = min(bidRad, ctx.budgetRad);
      }
      if (bidRad > ctx.budgetRad) continue;
      const refusal = tendRefusal({ bid: bidRad, prevBid: f.bidRad, tab: f.tabRad, begWad: ilk.begWad });
      if (refusal !== undefined) continue;
      if (!worth(ctx, lotValueRad - bidRad, ctx.gas.tend)) continue;
      ctx.budgetRad -= bidRad;
      push(
        ctx,
        { type: 'tend', ilk: f.ilk, id: f.id, bidder: cfg.id, lotWad: f.lotWad, bidRad },
        ctx.gas.tend,
        `tend ${f.ilk}#${f.id}: bid $${usd(bidRad)} for a lot worth $${usd(lotValueRad)}`,
      );
      continue;
    }
    if (cfg.zeroBid === true || f.tabRad > ctx.budgetRad) continue;
    const priceRay = keeperPriceRay(netRay, ctx.discountBps);
    if (priceRay === 0n) continue;
    // ceil: the keeper asks for at least the collateral its price needs for the tab.
    const lotWad = divRound(f.tabRad, priceRay, Rounding.Up);
    if (lotWad === 0n || dentRefusal({ lot: lotWad, prevLot: f.lotWad, begWad: ilk.begWad }) !== undefined)
      continue;
    // lot [wad] · price [ray] = rad, exact.
    if (!worth(ctx, lotWad * netRay - f.tabRad, ctx.gas.dent)) continue;
    ctx.budgetRad -= f.tabRad;
    push(
      ctx,
      { type: 'dent', ilk: f.ilk, id: f.id, bidder: cfg.id, lotWad, bidRad: f.tabRad },
      ctx.gas.dent,
      `dent ${f.ilk}#${f.id}: ${lotWad} wad for the tab $${usd(f.tabRad)}`,
    );
  }
}

/** The keeper's wallet in the view. @throws InvalidParameterError when the view lacks it. */
function requireWallet(view: MakerKeeperView, id: string): KeeperWalletView {
  const w = Object.hasOwn(view.wallets, id) ? view.wallets[id] : undefined;
  if (w === undefined) {
    throw new InvalidParameterError(
      'view.wallets',
      `no wallet for keeper ${JSON.stringify(id)}`,
      'Pass the keeper id to makerKeeperView.',
    );
  }
  return w;
}

/**
 * A Maker keeper from its configuration. Each decision, in order: stop if gas is above the cap
 * (unless `kicksAboveCap`, then only kicks); liquidation 2.0: `take` sales priced at or below the
 * keeper's price (net sell price × (1 − minDiscount)), buying what its budget pays for (whole lots
 * with `flash`, paid from the callback's proceeds), then `redo` and `bark`; liquidation 1.2: `deal`
 * its wins, `tick` unbid expired auctions, `tend` (bid its price for the lot, at most the tab; or
 * the 1e-45 DAI minimum with `zeroBid`) and `dent` (ask `ceil(tab / price)` of collateral), each
 * checked against the beg rule, then `bite`. Amounts come from the models' own formulas
 * (takeAmounts, barkAmounts, biteAmounts, tendRefusal, dentRefusal), so the commands are accepted
 * when applied at the view's time to the view's state in the returned order (a competitor acting
 * first may still make one fail). DAI committed never exceeds `min(wallet, capital − locked bids)`.
 * @throws InvalidParameterError for a bad configuration; `decide` throws it when the view has no
 * wallet for the keeper.
 */
export function makerKeeper(config: MakerKeeperConfig): KeeperPolicy<MakerKeeperView> {
  validateConfig(config);
  const gas: MakerGasUnits = { ...MAKER_GAS_UNITS, ...definedOnly(config.gasUnits ?? {}) };
  const discountBps = config.minDiscountBps ?? DEFAULT_MIN_DISCOUNT_BPS;
  return {
    id: config.id,
    decide(view: MakerKeeperView): readonly KeeperAction[] {
      const wallet = requireWallet(view, config.id);
      const capped =
        config.maxGasPriceGwei !== undefined && view.market.gasPriceGwei > config.maxGasPriceGwei;
      if (capped && config.kicksAboveCap !== true) return [];
      const capitalLeft =
        config.capitalDaiRad === undefined ? wallet.daiRad : config.capitalDaiRad - wallet.lockedBidRad;
      const ctx: Ctx = {
        view,
        cfg: config,
        gas,
        discountBps,
        onlyKicks: capped,
        budgetRad: capitalLeft < wallet.daiRad ? (capitalLeft < 0n ? 0n : capitalLeft) : wallet.daiRad,
        out: [],
      };
      if (view.model === 'maker-liq2') {
        if (!ctx.onlyKicks) {
          decideTakes(ctx);
          decideRedos(ctx);
        }
        decideBarks(ctx);
      } else {
        if (!ctx.onlyKicks) decideFlips(ctx);
        decideBites(ctx);
      }
      return ctx.out;
    },
  };
}

function definedOnly(o: Partial<MakerGasUnits>): Partial<MakerGasUnits> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<MakerGasUnits>;
}

/** Options shared by the presets: anything of MakerKeeperConfig but the fields a preset fixes. */
type PresetOptions = Omit<MakerKeeperConfig, 'funding' | 'kicks'> & { readonly kicks?: KickRule };

/**
 * Maker's 2020 keeper: barks/bites every unsafe vault and bids/takes whenever it is profitable
 * before gas (`I > 0`), but does nothing at all when gas is above `maxGasPriceGwei`
 * (history.md §1: "the reference keeper software did not raise gas prices enough and failed to
 * bid"). Pays from its wallet; kicks `always`.
 * @throws InvalidParameterError for a bad option.
 */
export function gasCappedKeeper(
  options: PresetOptions & { readonly maxGasPriceGwei: number },
): KeeperPolicy<MakerKeeperView> {
  const { minProfitUsd: _ignored, ...rest } = options;
  return makerKeeper({ kicks: 'always', ...rest, funding: 'wallet' });
}

/**
 * A gas-aware keeper: acts only when its incentive beats gas, `I > C_gas + ε` (ε =
 * `minProfitUsd`): for takes and bids I is the discount of the auction against the net sell
 * price; for kicks and redos, the on-chain `tip + chip·tab`. Pays from its wallet; kicks `rewarded`.
 * @throws InvalidParameterError for a bad option.
 */
export function gasAwareKeeper(
  options: PresetOptions & { readonly minProfitUsd: number },
): KeeperPolicy<MakerKeeperView> {
  return makerKeeper({ kicks: 'rewarded', ...options, funding: 'wallet' });
}

/**
 * A flash keeper with no capital: takes whole lots with the model's flash callback (sell the slice
 * to the market at the net sell price), paying `owe` from the proceeds; gas-aware with ε =
 * `minProfitUsd` (default 0). It cannot bid in liquidation 1.2 (no flash there): it only bites,
 * ticks and deals. Kicks `rewarded`.
 * @throws InvalidParameterError for a bad option.
 */
export function flashKeeper(options: PresetOptions): KeeperPolicy<MakerKeeperView> {
  return makerKeeper({ kicks: 'rewarded', minProfitUsd: 0, ...options, funding: 'flash' });
}

/**
 * A capital-limited keeper: like the gas-aware one (ε default 0) but never has more than
 * `capitalDaiRad` (RAD) of DAI at stake: one decision spends at most the capital less the bids it
 * already has locked in Flipper auctions (and never more than its wallet).
 * @throws InvalidParameterError for a bad option.
 */
export function capitalLimitedKeeper(
  options: PresetOptions & { readonly capitalDaiRad: bigint },
): KeeperPolicy<MakerKeeperView> {
  return makerKeeper({ kicks: 'rewarded', minProfitUsd: 0, ...options, funding: 'wallet' });
}

/**
 * The Black Thursday zero bidder (liquidation 1.2): bids the smallest amount the Flipper accepts
 * (1 RAD unit, 1e-45 DAI) on every auction nobody has bid on, deals what it wins, ticks unbid
 * expired auctions and bites unsafe vaults (kicks `always` unless overridden). With
 * `minProfitUsd` it is gas-aware (history.md §1 check 2: "one gas-aware keeper that bids ~0 DAI").
 * In liquidation 2.0 there is nothing to zero-bid: it only barks (and takes nothing).
 * @throws InvalidParameterError for a bad option.
 */
export function zeroBidKeeper(options: Omit<PresetOptions, 'zeroBid'>): KeeperPolicy<MakerKeeperView> {
  return makerKeeper({ kicks: 'always', ...options, zeroBid: true, funding: 'wallet' });
}

// ---------------------------------------------------------------------------------------------
// Debt auctions (the Vow's flop)
// ---------------------------------------------------------------------------------------------

/** A running debt auction as a bidder sees it (makerdao/dss src/flop.sol `Bid`). */
export interface FlopAuctionView {
  readonly id: number;
  /** The fixed DAI bid (Vow `sump`), RAD. */
  readonly bidRad: bigint;
  /** MKR the high bidder would be minted, WAD. */
  readonly lotWad: bigint;
  /** High bidder (`vow` before the first bid). */
  readonly guy: string;
  readonly ticSeconds: number;
  readonly endSeconds: number;
  readonly status: DebtAuctionStatus;
}

/** What a debt-auction bidder sees. */
export interface MakerFlopView {
  readonly nowSeconds: number;
  /** The market; the MKR price is `collateralPricesUsdWad.MKR` (USD per MKR, WAD). */
  readonly market: MarketContext;
  /** The Flopper's rules; undefined when the model runs without debt auctions. */
  readonly house: DebtAuctionHouse | undefined;
  /** Running debt auctions by id. */
  readonly flops: readonly FlopAuctionView[];
  /** The bidders' balances: DAI (RAD) and MKR (WAD) in `wallet:<id>`. */
  readonly wallets: Readonly<Record<string, { readonly daiRad: bigint; readonly mkrWad: bigint }>>;
}

/**
 * The view a debt-auction bidder decides on, from a `maker-liq2` or `maker-liq1` state: the
 * Flopper's rules and its running auctions with their status at `nowSeconds`, and the wallets of
 * `bidders`. Without `params.vow.flop` the house is undefined and there are no auctions.
 * @param nowSeconds the time of the decision, seconds (must equal `market.nowSeconds`).
 * @throws InvalidParameterError for an unconfigured model, a bad market or a time mismatch.
 */
export function makerFlopView(
  state: MakerState,
  nowSeconds: number,
  market: MarketContext,
  bidders: readonly string[] = [],
): MakerFlopView {
  validateMarket(market);
  if (market.nowSeconds !== nowSeconds) {
    throw new InvalidParameterError(
      'market.nowSeconds',
      `is ${market.nowSeconds}, the view is at ${nowSeconds}`,
    );
  }
  const core = state.ext.core;
  const params = requireConfigured(core);
  const flop = params.vow?.flop;
  const flopper = flopperOf(core);
  const flops: FlopAuctionView[] = [];
  for (const [key, a] of flopper.bids.entries()) {
    flops.push({
      id: Number(key),
      bidRad: a.bid,
      lotWad: a.lot,
      guy: a.guy,
      ticSeconds: a.ticSeconds,
      endSeconds: a.endSeconds,
      status: debtAuctionStatus(a, nowSeconds),
    });
  }
  flops.sort((a, b) => a.id - b.id);
  const wallets: Record<string, { daiRad: bigint; mkrWad: bigint }> = {};
  for (const id of bidders) {
    wallets[id] = {
      daiRad: balanceOf(state.ledger, walletBucket(id), DAI),
      mkrWad: balanceOf(state.ledger, walletBucket(id), MKR),
    };
  }
  return { nowSeconds, market, house: flop === undefined ? undefined : flopHouse(flop), flops, wallets };
}

/** Gas units a debt-auction bidder assumes for each Flopper transaction. */
export interface FlopGasUnits {
  readonly flopDent: bigint;
  readonly flopDeal: bigint;
  readonly flopTick: bigint;
}

/**
 * Default gas per Flopper action. ASSUMPTIONS, sized like the Flipper's (see MAKER_GAS_UNITS):
 * `flopDent` 100k (one auction record, a DAI move, and on the first bid the Vow's kiss), `flopDeal`
 * 120k (the MKR mint adds an ERC-20 write to a Flipper deal's 90k), `flopTick` 40k (one write).
 */
export const FLOP_GAS_UNITS: FlopGasUnits = { flopDent: 100_000n, flopDeal: 120_000n, flopTick: 40_000n };

/**
 * Default discount a debt-auction bidder wants below the MKR market price, bps. An ASSUMPTION
 * (5 %): buyers of newly minted MKR in size want a margin over the market for the price risk of
 * holding it; history.md §1's totals (5.3M DAI for 20,980 MKR, 252.6 DAI per MKR, against a
 * reported average of $296.35) suggest the 2020 bidders got about 15 %.
 */
export const DEFAULT_FLOP_DISCOUNT_BPS = 500n;

/** Configuration of {@link flopBidder}. */
export interface FlopBidderConfig {
  /** The actor: commands name it and it pays from `wallet:<id>`. */
  readonly id: string;
  /** Discount below the MKR price net of slippage it requires, bps 0–9999 (default 500). */
  readonly minDiscountBps?: bigint;
  /** ε, USD: a bid needs `I > C_gas + ε`, I the MKR's value less the DAI paid (default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) it does nothing. */
  readonly maxGasPriceGwei?: number;
  /** Overrides of FLOP_GAS_UNITS. */
  readonly gasUnits?: Partial<FlopGasUnits>;
}

/**
 * A bidder in the Vow's debt auctions. It values MKR at `P·(1 − slippage)·(1 − minDiscount)` (P the
 * market's MKR price, `collateralPricesUsdWad.MKR`; RAY DAI per MKR, floored) and, each decision,
 * in auction order: deals the auctions it won; ticks an unbid expired auction when it would then
 * bid on the restarted lot (and the bid pays both gases); and bids on every open auction it does not lead its reservation
 * lot, `ceil(sump / value)` MKR (lotAtPrice), when the Flopper accepts it (at most
 * `maxDentLot(lot)`, so beg is met) and the MKR at the market price beats the DAI paid by gas +
 * ε. Bidding the reservation at once is where competition among bidders ends (within one beg
 * step), so the auction sells at the best bidder's valuation. It never commits more DAI than its
 * wallet holds. Without an MKR price it only deals and does not tick. Commands are accepted when
 * applied in order at the view's time to the view's state (a rival acting first may still make
 * one fail).
 * @throws InvalidParameterError for a bad configuration; `decide` throws it when the view has no
 * wallet for the bidder.
 */
export function flopBidder(config: FlopBidderConfig): KeeperPolicy<MakerFlopView> {
  if (config.id.length === 0) throw new InvalidParameterError('keeper.id', 'must not be empty');
  const discountBps = config.minDiscountBps ?? DEFAULT_FLOP_DISCOUNT_BPS;
  if (discountBps < 0n || discountBps >= BPS)
    throw new InvalidParameterError('keeper.minDiscountBps', 'must be in 0–9999');
  if (
    config.minProfitUsd !== undefined &&
    !(Number.isFinite(config.minProfitUsd) && config.minProfitUsd >= 0)
  )
    throw new InvalidParameterError('keeper.minProfitUsd', 'must be finite and ≥ 0');
  if (
    config.maxGasPriceGwei !== undefined &&
    !(Number.isFinite(config.maxGasPriceGwei) && config.maxGasPriceGwei >= 0)
  )
    throw new InvalidParameterError('keeper.maxGasPriceGwei', 'must be finite and ≥ 0');
  const gas: FlopGasUnits = {
    ...FLOP_GAS_UNITS,
    ...(Object.fromEntries(
      Object.entries(config.gasUnits ?? {}).filter(([, v]) => v !== undefined),
    ) as Partial<FlopGasUnits>),
  };
  for (const [k, v] of Object.entries(gas)) {
    if (v < 0n) throw new InvalidParameterError(`keeper.gasUnits.${k}`, 'must be ≥ 0');
  }
  const epsUsd = config.minProfitUsd ?? 0;
  const worthGas = (market: MarketContext, incentiveRad: bigint, units: bigint): boolean =>
    incentiveRad > 0n && radToUsd(incentiveRad) > gasCostUsd(units, market) + epsUsd;
  return {
    id: config.id,
    decide(view: MakerFlopView): readonly KeeperAction[] {
      const wallet = Object.hasOwn(view.wallets, config.id) ? view.wallets[config.id] : undefined;
      if (wallet === undefined) {
        throw new InvalidParameterError(
          'view.wallets',
          `no wallet for bidder ${JSON.stringify(config.id)}`,
          'Pass the bidder id to makerFlopView.',
        );
      }
      const house = view.house;
      if (house === undefined) return [];
      if (config.maxGasPriceGwei !== undefined && view.market.gasPriceGwei > config.maxGasPriceGwei)
        return [];
      const mkrUsdWad = view.market.collateralPricesUsdWad?.[MKR];
      // net of slippage, floored (netSellPriceRay), then less its discount, floored: never overstated.
      const netRay = mkrUsdWad === undefined ? undefined : netSellPriceRay(view.market, MKR);
      const valueRay = netRay === undefined ? 0n : keeperPriceRay(netRay, discountBps);
      let budgetRad = wallet.daiRad;
      const out: KeeperAction[] = [];
      for (const f of view.flops) {
        if (f.status === 'dealable') {
          if (f.guy !== config.id) continue;
          out.push({
            command: { type: 'flopDeal', id: f.id },
            gasUnits: gas.flopDeal,
            reason: `flopDeal #${f.id}: mint ${f.lotWad} wad MKR won for $${usd(f.bidRad)}`,
          });
          continue;
        }
        if (valueRay === 0n || netRay === undefined) continue;
        // ceil: the fewest MKR whose value at its price covers the bid.
        const reservationWad = lotAtPrice(f.bidRad, valueRay);
        // lot [wad] · price [ray] = rad, exact: the MKR's worth at the market (net of slippage).
        const profitRad = reservationWad * netRay - f.bidRad;
        if (f.status === 'tickable') {
          // Restart only to bid: the restarted lot takes its reservation and the bid pays both gases.
          const restarted = restartedLot(house, f.lotWad);
          if (
            reservationWad <= maxDentLot(house, restarted) &&
            worthGas(view.market, profitRad, gas.flopTick + gas.flopDent)
          ) {
            out.push({
              command: { type: 'flopTick', id: f.id },
              gasUnits: gas.flopTick,
              reason: `flopTick #${f.id}: restart with ${restarted} wad MKR`,
            });
          }
          continue;
        }
        if (f.status !== 'open' || f.guy === config.id) continue;
        if (reservationWad > maxDentLot(house, f.lotWad) || f.bidRad > budgetRad) continue;
        if (!worthGas(view.market, profitRad, gas.flopDent)) continue;
        budgetRad -= f.bidRad;
        out.push({
          command: {
            type: 'flopDent',
            id: f.id,
            bidder: config.id,
            lotWad: reservationWad,
            bidRad: f.bidRad,
          },
          gasUnits: gas.flopDent,
          reason: `flopDent #${f.id}: ${reservationWad} wad MKR for $${usd(f.bidRad)} (offered ${f.lotWad})`,
          expectedProfitUsd: radToUsd(profitRad),
        });
      }
      return out;
    },
  };
}
