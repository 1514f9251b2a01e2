/**
 * Keepers for the lending models (`aave-v3.3|3.5|3.7` and `compound-v3`): plain views built from an
 * engine state (liquidatable accounts with a dry run of what a liquidation would move, Comet's
 * collateral reserves for sale) and pure policies over them — an Aave liquidator that acts when the
 * bonus beats gas (I > C_gas + ε, optionally gas-capped and capital-limited), a Comet absorber that
 * follows a points policy (there is no on-chain reward) and a Comet buyer at the storefront price.
 */
import { debtClaimAsset, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { SolventError } from '../math/errors.js';
import { mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, MAX_UINT256, pow10, WAD } from '../math/units.js';
import { liquidationCallEvents } from '../protocols/aave-v3/liquidation.js';
import {
  type AaveExt,
  type AaveLiquidationCall,
  aaveDebtBucket,
  currentAccountData,
  positionOf,
  priceBase,
} from '../protocols/aave-v3/state.js';
import {
  isLiquidatable,
  presentValue,
  quoteCollateral,
  storeFrontDiscountWad,
} from '../protocols/compound-v3/math.js';
import { collateralReservesOf, reservesOf } from '../protocols/compound-v3/model.js';
import { type CompoundExt, cometPrice, holdingsOf } from '../protocols/compound-v3/state.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

// ---------------------------------------------------------------------------------------------
// Gas

/**
 * Gas units the lending keepers assume. ASSUMPTIONS (no published benchmark in the repository's
 * references): `liquidationCall` 400k (two reserve updates, health factor loop over the user's
 * reserves, two transfers), `absorb` 250k per account (Comet absorbInternal writes the user's
 * collateral and principal and the totals), `buyCollateral` 150k (quote, two transfers).
 */
export const LENDING_GAS_UNITS = {
  liquidationCall: 400_000n,
  absorbPerAccount: 250_000n,
  buyCollateral: 150_000n,
} as const;

/** A price of `asset` in the market context, USD per whole token, WAD. */
function priceWadOf(market: MarketContext, asset: string): bigint {
  return market.collateralPricesUsdWad?.[asset] ?? market.collateralPriceUsdWad;
}

/** USD (float, screen only) of `amount` smallest units at `priceWad`, net of `slippageBps`. */
function usdOf(amount: bigint, decimals: number, priceWad: bigint, slippageBps = 0n): number {
  // Floor: the keeper never overstates what it would receive.
  const wad = mulDiv(amount, priceWad * (BPS - slippageBps), pow10(decimals) * BPS, Rounding.Down);
  return Number(wad) / 1e18;
}

function walletsOf(
  state: EngineState<unknown>,
  keepers: readonly string[],
  assets: readonly string[],
): Record<string, Record<string, bigint>> {
  const out: Record<string, Record<string, bigint>> = {};
  for (const id of keepers) {
    const w: Record<string, bigint> = {};
    for (const a of assets) w[a] = balanceOf(state.ledger, `wallet:${id}`, a);
    out[id] = w;
  }
  return out;
}

/** Options of the lending views. */
export interface LendingViewOptions {
  /**
   * The accounts to screen (default every account of the state): a superset of the liquidatable
   * ones, e.g. from an incremental detector, gives the same view for less work. Unknown ids are
   * ignored.
   */
  readonly accounts?: readonly string[];
  /**
   * Aave only: list only the pairs that repay one of these assets (default every asset). Keepers
   * that hold none of an asset can't repay it, so leaving its pairs out (the union of
   * {@link AaveLiquidatorPolicy.repayableAssets} over the keepers) gives them the same decisions
   * without a dry run of each such pair.
   */
  readonly debtAssets?: ReadonlySet<string>;
  /**
   * Aave only: list only the pairs whose incentive to a keeper at this market could exceed this,
   * USD. A pair whose {@link aaveIncentiveBoundUsd} is not above it is left out without a dry run.
   * A keeper sends no pair whose incentive is not above its `I > C_gas + ε` threshold
   * ({@link AaveLiquidatorPolicy.screen}), so the lowest threshold of the keepers that send gives
   * them all the same decisions.
   */
  readonly incentiveAboveUsd?: number;
}

/** Inputs of {@link aaveIncentiveBoundUsd}. */
export interface AaveIncentiveBoundInput {
  /** The whole debt of the account in the debt asset, smallest units (any repay is at most this). */
  readonly debtUnits: bigint;
  readonly debtDecimals: number;
  readonly collateralDecimals: number;
  /** Oracle prices the model liquidates at (USD·1e8, or any scale common to both). */
  readonly debtOraclePrice: bigint;
  readonly collateralOraclePrice: bigint;
  /** Market prices the keeper values at, USD per whole token, WAD. */
  readonly debtMarketPriceWad: bigint;
  readonly collateralMarketPriceWad: bigint;
  /** The largest liquidation bonus the collateral can carry (reserve or eMode), bps (1e4 + bonus). */
  readonly liquidationBonusBps: bigint;
  /** The collateral reserve's protocol fee: its share of the bonus, bps (0 when none). */
  readonly liquidationProtocolFeeBps: bigint;
  readonly slippageBps: bigint;
}

/**
 * An upper bound (USD, float: a screen) of the incentive an Aave liquidator computes for one
 * (collateral, debt) pair of an account, whatever it repays. The model seizes at most
 * `repay · (P_debt/P_coll)_oracle · bonus` of collateral (floors, and one unit of the half-up or
 * upward `percentMul`; capped by the balance, with the debt needed floored at most a unit or two),
 * of which the treasury keeps `fee · (1 − 1/bonus)` (protocolFeeSplit, a unit or two of rounding),
 * so the liquidator gets at most `repay · (P_debt/P_coll)_oracle · (1 + (bonus − 1)(1 − fee))`;
 * the keeper earns that collateral at the market price less slippage minus the repay at the debt's
 * market price (aave-v3 calculateAvailableCollateralToLiquidate; aaveLiquidator). So
 * `I ≤ debtUsd · (R − 1) + a few units`, with `R = (1 + (bonus − 1)(1 − fee)) ·
 * (P_coll,mkt·(1 − slippage)/P_coll,oracle) · (P_debt,oracle/P_debt,mkt)` and `debtUsd` the whole
 * debt at the market price; R and the units are taken with a margin far above float error. A crash
 * with the oracle above the market gives R < 1: no pair can pay. Infinity when a price is not
 * positive (no bound: the dry run decides).
 */
export function aaveIncentiveBoundUsd(input: AaveIncentiveBoundInput): number {
  const debtOracle = Number(input.debtOraclePrice);
  const collOracle = Number(input.collateralOraclePrice);
  const debtMarket = Number(input.debtMarketPriceWad) / 1e18;
  const collMarket = Number(input.collateralMarketPriceWad) / 1e18;
  if (!(debtOracle > 0 && collOracle > 0 && debtMarket > 0)) return Number.POSITIVE_INFINITY;
  const keep = 1 - Number(input.slippageBps) / 1e4;
  const bonus = Number(input.liquidationBonusBps) / 1e4;
  const toLiquidator = 1 + (bonus - 1) * (1 - Number(input.liquidationProtocolFeeBps) / 1e4);
  const ratio = (toLiquidator * debtOracle * collMarket * keep) / (debtMarket * collOracle);
  const debtUsd = (Number(input.debtUnits) / 10 ** input.debtDecimals) * debtMarket;
  // A few smallest units of either side (the roundings above), and float error with room to spare.
  const units =
    4 *
    (1 + ratio) *
    Math.max(debtMarket / 10 ** input.debtDecimals, collMarket / 10 ** input.collateralDecimals);
  return debtUsd * Math.max(0, ratio * (1 + 1e-9) - 1) + units + 1e-9 * debtUsd + 1e-9;
}

/** The largest liquidation bonus `asset` can carry as collateral: its reserve's or an eMode's. */
function maxLiquidationBonusBps(params: AaveExt['params'] & object, asset: string): bigint {
  let bonus = params.reserves[asset]?.liquidationBonusBps ?? 0n;
  for (const c of Object.values(params.eModeCategories)) {
    if (c.collateralAssets.includes(asset) && c.liquidationBonusBps > bonus) bonus = c.liquidationBonusBps;
  }
  return bonus;
}

// ---------------------------------------------------------------------------------------------
// Aave

/** One liquidation an Aave keeper could send: the model's own dry run with `debtToCover = max`. */
export interface AaveCandidateView {
  readonly account: string;
  readonly collateralAsset: string;
  readonly debtAsset: string;
  readonly collateralDecimals: number;
  readonly debtDecimals: number;
  /** The account's health factor, WAD (below 1e18). */
  readonly healthFactorWad: bigint;
  /** Debt the call would repay (close factor applied), debt smallest units. */
  readonly debtToCover: bigint;
  /** Collateral the liquidator would receive (protocol fee excluded), collateral smallest units. */
  readonly collateralToLiquidator: bigint;
  /** True when the call would leave the account without collateral (deficit follows). */
  readonly hasNoCollateralLeft: boolean;
}

/** What an Aave keeper sees. */
export interface AaveKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** Liquidations the model accepts now, largest debt first, then by account and assets. */
  readonly candidates: readonly AaveCandidateView[];
  /** Keepers' wallets: asset → smallest units (every reserve asset). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/**
 * The incentive screen of one Aave view ({@link aaveIncentiveBoundUsd} against `floorUsd`), with
 * the oracle prices read once per asset: whether a pair could pay a keeper more than `floorUsd`,
 * and whether a debt could with any collateral reserve. Where the oracle refuses a price the
 * answer is yes (the dry run decides, and refuses).
 */
function aaveScreen(
  state: EngineState<AaveExt>,
  params: NonNullable<AaveExt['params']>,
  nowSeconds: number,
  market: MarketContext,
  floorUsd: number,
): {
  mayPay(debtUnits: bigint, collateralAsset: string, debtAsset: string): boolean;
  anyCollateral(debtUnits: bigint, debtAsset: string): boolean;
} {
  const decimals = (asset: string): number => state.assets[asset]?.decimals ?? 18;
  const oraclePrices = new Map<string, bigint | null>();
  const oraclePrice = (asset: string): bigint | null => {
    let price = oraclePrices.get(asset);
    if (price === undefined) {
      try {
        price = priceBase(state, asset, nowSeconds);
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
        price = null;
      }
      oraclePrices.set(asset, price);
    }
    return price;
  };
  const mayPay = (debtUnits: bigint, collateralAsset: string, debtAsset: string): boolean => {
    const debtOraclePrice = oraclePrice(debtAsset);
    const collateralOraclePrice = oraclePrice(collateralAsset);
    if (debtOraclePrice === null || collateralOraclePrice === null) return true;
    const bound = aaveIncentiveBoundUsd({
      debtUnits,
      debtDecimals: decimals(debtAsset),
      collateralDecimals: decimals(collateralAsset),
      debtOraclePrice,
      collateralOraclePrice,
      debtMarketPriceWad: priceWadOf(market, debtAsset),
      collateralMarketPriceWad: priceWadOf(market, collateralAsset),
      liquidationBonusBps: maxLiquidationBonusBps(params, collateralAsset),
      liquidationProtocolFeeBps: params.reserves[collateralAsset]?.liquidationProtocolFeeBps ?? 0n,
      slippageBps: market.slippageBps,
    });
    return bound > floorUsd;
  };
  /** Reserves that can be seized as collateral (a bonus above 100 %). */
  const collaterals = Object.keys(params.reserves).filter((a) => maxLiquidationBonusBps(params, a) > BPS);
  return {
    mayPay,
    anyCollateral: (debtUnits, debtAsset) => collaterals.some((c) => mayPay(debtUnits, c, debtAsset)),
  };
}

/**
 * Whether any account of an Aave state could pay a keeper more than `floorUsd` for repaying one of
 * `debtAssets` (default every reserve), judged on the whole outstanding debt of each asset: the
 * bound grows with the debt, so when the total cannot, no account can and a view screened with
 * `incentiveAboveUsd: floorUsd` lists nothing. In a crash with the oracle above the market this
 * answers no without reading a single account.
 * @throws InvalidParameterError for an unconfigured model.
 */
export function aaveMayPayAtAll(
  state: EngineState<AaveExt>,
  nowSeconds: number,
  market: MarketContext,
  floorUsd: number,
  debtAssets?: ReadonlySet<string>,
): boolean {
  const params = state.ext.params;
  if (params === null) throw new InvalidParameterError('state', 'the Aave model is not configured yet');
  const screen = aaveScreen(state, params, nowSeconds, market, floorUsd);
  for (const debtAsset of Object.keys(params.reserves)) {
    if (debtAssets !== undefined && !debtAssets.has(debtAsset)) continue;
    // Claims come from the signed buckets (`mint`, `world`): minus their sum is what every other
    // bucket holds together, so at least any one account's debt.
    const claim = debtClaimAsset(debtAsset);
    const total = -(balanceOf(state.ledger, 'mint', claim) + balanceOf(state.ledger, 'world', claim));
    if (total > 0n && screen.anyCollateral(total, debtAsset)) return true;
  }
  return false;
}

/** Liquidator name used for the dry runs (never an account id of a book: they are `[A-Za-z0-9]…`). */
const PREVIEW_LIQUIDATOR = '~preview';

/**
 * The view an Aave keeper decides on: for each account whose health factor is below 1, every
 * (collateral, debt) pair the model would liquidate now, with the amounts of a dry run of
 * `liquidationCall` (`debtToCover` max) through the model's own stages; pairs the model refuses
 * (grace period, stale oracle, dust rule) are left out.
 * @param state an `aave-v3.*` engine state (configured).
 * @param nowSeconds decision time, seconds (must equal `market.nowSeconds`).
 * @param keepers ids whose wallets the view includes.
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function aaveKeeperView(
  state: EngineState<AaveExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
  options: LendingViewOptions = {},
): AaveKeeperView {
  requireViewTime(market, nowSeconds);
  const params = state.ext.params;
  if (params === null) throw new InvalidParameterError('state', 'the Aave model is not configured yet');
  const candidates: AaveCandidateView[] = [];
  const decimals = (asset: string): number => state.assets[asset]?.decimals ?? 18;
  const repayable =
    options.debtAssets === undefined
      ? undefined
      : [...options.debtAssets].filter((a) => Object.hasOwn(params.reserves, a));
  const owes = (account: string, asset: string): boolean =>
    balanceOf(state.ledger, aaveDebtBucket(account), debtClaimAsset(asset)) > 0n;
  const floorUsd = options.incentiveAboveUsd;
  const screen = floorUsd === undefined ? undefined : aaveScreen(state, params, nowSeconds, market, floorUsd);
  /**
   * Whether any pair of the account could pay above `floorUsd`, from its debts alone (whatever
   * collateral it holds): accounts that cannot are left before their position and health are read.
   */
  const mayPayAny = (account: string): boolean => {
    for (const debtAsset of repayable ?? Object.keys(params.reserves)) {
      const units = balanceOf(state.ledger, aaveDebtBucket(account), debtClaimAsset(debtAsset));
      if (units > 0n && screen?.anyCollateral(units, debtAsset) !== false) return true;
    }
    return false;
  };
  for (const account of options.accounts ?? state.ext.accounts.keys()) {
    if (state.ext.accounts.get(account) === undefined) continue;
    if (floorUsd !== undefined) {
      if (!mayPayAny(account)) continue;
    } else if (repayable !== undefined && !repayable.some((a) => owes(account, a))) {
      // One ledger read per repayable asset first: most accounts owe none of them.
      continue;
    }
    const position = positionOf(state, params, account);
    const debtAssets = Object.keys(position.debt)
      .filter((a) => options.debtAssets === undefined || options.debtAssets.has(a))
      .sort();
    if (debtAssets.length === 0) continue; // nothing to repay (or nothing a keeper could repay)
    let healthFactorWad: bigint;
    try {
      healthFactorWad = currentAccountData(state, params, account, nowSeconds).healthFactorWad;
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    if (healthFactorWad >= WAD) continue;
    for (const collateralAsset of Object.keys(position.collateral).sort()) {
      for (const debtAsset of debtAssets) {
        if (
          screen !== undefined &&
          !screen.mayPay(position.debt[debtAsset] ?? 0n, collateralAsset, debtAsset)
        ) {
          continue;
        }
        try {
          const events = liquidationCallEvents(state, {
            account,
            liquidator: PREVIEW_LIQUIDATOR,
            collateralAsset,
            debtAsset,
            debtToCover: MAX_UINT256,
            nowSeconds,
          });
          const call = events.find((e) => e.type === 'AaveLiquidationCall') as
            | AaveLiquidationCall
            | undefined;
          if (call === undefined) continue;
          candidates.push({
            account,
            collateralAsset,
            debtAsset,
            collateralDecimals: decimals(collateralAsset),
            debtDecimals: decimals(debtAsset),
            healthFactorWad,
            debtToCover: call.debtToCover,
            collateralToLiquidator: call.liquidatedCollateralAmount,
            hasNoCollateralLeft: call.hasNoCollateralLeft,
          });
        } catch (e) {
          if (e instanceof SolventError) continue;
          throw e;
        }
      }
    }
  }
  candidates.sort((a, b) =>
    a.debtToCover !== b.debtToCover
      ? a.debtToCover > b.debtToCover
        ? -1
        : 1
      : a.account < b.account
        ? -1
        : a.account > b.account
          ? 1
          : 0,
  );
  return {
    nowSeconds,
    market,
    candidates,
    wallets: walletsOf(state, keepers, Object.keys(params.reserves).sort()),
  };
}

/** Options of {@link aaveLiquidator}. */
export interface AaveLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0). */
  readonly minProfitUsd: number;
  /** Above this gas price (gwei) the keeper sends nothing (the 2020-style cap); default none. */
  readonly maxGasPriceGwei?: number;
  /** Gas units of one liquidationCall (default {@link LENDING_GAS_UNITS}). */
  readonly gasUnits?: bigint;
}

/** An Aave liquidator policy, with what it could repay (for views that list only those pairs). */
export interface AaveLiquidatorPolicy extends KeeperPolicy<AaveKeeperView> {
  /**
   * The debt assets this keeper could repay now: those its wallet holds (> 0), none while gas is
   * above its cap. Its decisions never repay another asset, so a view that lists only these
   * pairs ({@link LendingViewOptions.debtAssets}) gives the same actions.
   * @param wallet the keeper's balances, asset → smallest units.
   */
  repayableAssets(market: MarketContext, wallet: Readonly<Record<string, bigint>>): string[];
  /**
   * The incentive this keeper needs now, USD: it sends no pair whose incentive is not above it
   * (its `C_gas + ε`, the float its decisions compare with). A view built with the lowest such
   * threshold ({@link LendingViewOptions.incentiveAboveUsd}) gives it the same actions.
   */
  incentiveAboveUsd(market: MarketContext): number;
}

/**
 * An Aave liquidator. For each candidate (largest debt first) it repays the allowed debt within
 * the debt tokens in its wallet (`debtToCover: 'max'` when the wallet covers it, else the wallet,
 * with the collateral scaled down pro rata, floored) and acts when the incentive
 * I = collateral × market price × (1 − slippage) − debt repaid × debt price exceeds the gas cost
 * plus `minProfitUsd`. Capital spent by earlier actions of the same decision is not reused.
 * With `maxGasPriceGwei`, nothing is sent while gas is above the cap.
 * @throws InvalidParameterError for a negative ε or cap (when built), a view without its wallet.
 */
export function aaveLiquidator(options: AaveLiquidatorOptions): AaveLiquidatorPolicy {
  requireNonNegative(options.minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const gasUnits = options.gasUnits ?? LENDING_GAS_UNITS.liquidationCall;
  const repayableAssets = (market: MarketContext, wallet: Readonly<Record<string, bigint>>): string[] =>
    gasAboveCap(market, options.maxGasPriceGwei)
      ? []
      : Object.keys(wallet)
          .filter((asset) => (wallet[asset] ?? 0n) > 0n)
          .sort();
  return {
    id: options.id,
    repayableAssets,
    incentiveAboveUsd: (market) => gasCostUsd(gasUnits, market) + options.minProfitUsd,
    decide(view) {
      const wallet = view.wallets[options.id];
      if (wallet === undefined) {
        throw new InvalidParameterError('view.wallets', `the view has no wallet for keeper ${options.id}`);
      }
      const m = view.market;
      if (repayableAssets(m, wallet).length === 0) return [];
      const gasUsd = gasCostUsd(gasUnits, m);
      const left: Record<string, bigint> = { ...wallet };
      const done = new Set<string>();
      const actions: KeeperAction[] = [];
      for (const c of view.candidates) {
        if (done.has(c.account)) continue; // one call per account per decision: the dry run is stale after it
        const cash = left[c.debtAsset] ?? 0n;
        if (cash <= 0n || c.debtToCover === 0n) continue;
        const repay = cash < c.debtToCover ? cash : c.debtToCover;
        // Pro rata, floored: the keeper never counts on more collateral than the call gives.
        const seized =
          repay === c.debtToCover
            ? c.collateralToLiquidator
            : mulDiv(c.collateralToLiquidator, repay, c.debtToCover, Rounding.Down);
        const incentiveUsd =
          usdOf(seized, c.collateralDecimals, priceWadOf(m, c.collateralAsset), m.slippageBps) -
          usdOf(repay, c.debtDecimals, priceWadOf(m, c.debtAsset));
        if (!clearsGas(incentiveUsd, gasUsd, options.minProfitUsd)) continue;
        left[c.debtAsset] = cash - repay;
        done.add(c.account);
        actions.push({
          command: {
            type: 'liquidationCall',
            account: c.account,
            liquidator: options.id,
            collateralAsset: c.collateralAsset,
            debtAsset: c.debtAsset,
            debtToCover: repay === c.debtToCover ? 'max' : repay,
            receiveAToken: false,
          },
          gasUnits,
          reason: `liquidate ${c.account}: I $${incentiveUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }
      return actions;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Compound v3

/** An account Comet would absorb now. */
export interface CometLiquidatableView {
  readonly account: string;
  /** Present debt, base smallest units. */
  readonly debtBase: bigint;
}

/** Collateral Comet sells from its reserves at the storefront price. */
export interface CometForSaleView {
  readonly asset: string;
  readonly decimals: number;
  /** Collateral reserves, smallest units. */
  readonly amount: bigint;
  /** Base to pay to buy (nearly) all of it: floor(amount × discounted price / base price), base units. */
  readonly baseForAll: bigint;
  /** What `buyCollateral` returns for `baseForAll` (Comet quoteCollateral), ≤ amount. */
  readonly collateralForAll: bigint;
}

/** What a Comet keeper sees. */
export interface CometKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  readonly baseAsset: string;
  readonly baseDecimals: number;
  /** Liquidatable accounts, by id. */
  readonly liquidatable: readonly CometLiquidatableView[];
  /** Comet `getReserves()` and `targetReserves`, base units (signed / ≥ 0). */
  readonly reservesBase: bigint;
  readonly targetReservesBase: bigint;
  /** Collateral for sale (empty while reserves ≥ target), in Comet's asset order. */
  readonly forSale: readonly CometForSaleView[];
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/**
 * The view a Comet keeper decides on: liquidatable accounts (Comet `isLiquidatable` at oracle
 * prices; accounts whose prices are refused are left out), reserves against the target, and the
 * collateral reserves with the storefront quote for buying them.
 * @param state a `compound-v3` engine state (configured).
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function cometKeeperView(
  state: EngineState<CompoundExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
  options: LendingViewOptions = {},
): CometKeeperView {
  requireViewTime(market, nowSeconds);
  const cm = state.ext.market;
  if (cm === null) throw new InvalidParameterError('state', 'the Comet model is not configured yet');
  const base = cm.params.baseAsset;
  const liquidatable: CometLiquidatableView[] = [];
  let basePrice: bigint | undefined;
  try {
    basePrice = cometPrice(state, base, nowSeconds);
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
  }
  const screened =
    options.accounts === undefined
      ? state.ext.accounts.entries()
      : [...options.accounts].sort().map((id) => [id, state.ext.accounts.get(id)] as const);
  for (const [id, account] of screened) {
    if (account === undefined || account.principal >= 0n || basePrice === undefined) continue;
    try {
      const holdings = holdingsOf(state, cm, account.collateral, 'liquidateCollateralFactor', nowSeconds);
      const balance = presentValue(account.principal, state.ext.indexes);
      if (isLiquidatable({ presentValue: balance, basePrice, baseScale: cm.baseScale, holdings })) {
        liquidatable.push({ account: id, debtBase: -balance });
      }
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
  }
  const reservesBase = reservesOf(state, cm);
  const target = cm.params.targetReserves;
  const forSale: CometForSaleView[] = [];
  if (basePrice !== undefined && (reservesBase < 0n || reservesBase < target)) {
    for (const info of cm.assets) {
      const amount = collateralReservesOf(state, info.asset);
      if (amount === 0n) continue;
      let assetPrice: bigint;
      try {
        assetPrice = cometPrice(state, info.asset, nowSeconds);
      } catch (e) {
        if (e instanceof SolventError) continue;
        throw e;
      }
      const discount = storeFrontDiscountWad(cm.params.storeFrontPriceFactor, info.liquidationFactor);
      // Discounted price as Comet computes it (mulFactor floors); base for all, floored so the
      // quote never exceeds the reserves (favours the protocol: the buyer leaves a unit behind).
      const discounted = mulDiv(assetPrice, WAD - discount, WAD, Rounding.Down);
      const baseForAll = mulDiv(amount * discounted, cm.baseScale, basePrice * info.scale, Rounding.Down);
      if (baseForAll === 0n) continue;
      const collateralForAll = quoteCollateral({
        assetPrice,
        basePrice,
        baseAmount: baseForAll,
        assetScale: info.scale,
        baseScale: cm.baseScale,
        storeFrontPriceFactorWad: cm.params.storeFrontPriceFactor,
        liquidationFactorWad: info.liquidationFactor,
      });
      if (collateralForAll === 0n || collateralForAll > amount) continue;
      forSale.push({
        asset: info.asset,
        decimals: state.assets[info.asset]?.decimals ?? 18,
        amount,
        baseForAll,
        collateralForAll,
      });
    }
  }
  return {
    nowSeconds,
    market,
    baseAsset: base,
    baseDecimals: state.assets[base]?.decimals ?? 6,
    liquidatable,
    reservesBase,
    targetReservesBase: target,
    forSale,
    wallets: walletsOf(state, keepers, [base, debtClaimAsset(base), ...cm.assets.map((a) => a.asset)]),
  };
}

/** Options of {@link cometAbsorber}. */
export interface CometAbsorberOptions {
  readonly id: string;
  /**
   * The points policy: Comet pays no reward for `absorb` (only liquidator points), so the keeper
   * absorbs whenever gas is at or below this cap, gwei; default: always.
   */
  readonly maxGasPriceGwei?: number;
  /** Most accounts per call (default 10). */
  readonly maxAccountsPerCall?: number;
  /** Gas units per absorbed account (default {@link LENDING_GAS_UNITS}). */
  readonly gasUnitsPerAccount?: bigint;
}

/**
 * A Comet absorber: absorbs every liquidatable account, `maxAccountsPerCall` per call, while gas is
 * at or below its cap. The command reports `gasCostWei` = gas units × gas price (for points).
 * @throws InvalidParameterError for a bad cap or batch size (when built).
 */
export function cometAbsorber(options: CometAbsorberOptions): KeeperPolicy<CometKeeperView> {
  requireGasCap(options.maxGasPriceGwei);
  const batch = options.maxAccountsPerCall ?? 10;
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InvalidParameterError('maxAccountsPerCall', 'must be an integer ≥ 1');
  }
  const perAccount = options.gasUnitsPerAccount ?? LENDING_GAS_UNITS.absorbPerAccount;
  return {
    id: options.id,
    decide(view) {
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const actions: KeeperAction[] = [];
      for (let i = 0; i < view.liquidatable.length; i += batch) {
        const accounts = view.liquidatable.slice(i, i + batch).map((a) => a.account);
        const gasUnits = perAccount * BigInt(accounts.length);
        // gwei → wei, rounded down (a report for points only).
        const gasCostWei = gasUnits * BigInt(Math.floor(m.gasPriceGwei * 1e9));
        actions.push({
          command: { type: 'absorb', absorber: options.id, accounts, gasCostWei },
          gasUnits,
          reason: `absorb ${accounts.length} account(s) at ${m.gasPriceGwei} gwei`,
        });
      }
      return actions;
    },
  };
}

/** Options of {@link cometBuyer}. */
export interface CometBuyerOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0). */
  readonly minProfitUsd: number;
  readonly maxGasPriceGwei?: number;
  readonly gasUnits?: bigint;
}

/**
 * A buyer of Comet's collateral reserves at the storefront discount: for each asset for sale it
 * spends min(wallet base, base for all), expecting the quote pro rata (floored), and buys when
 * I = collateral × market price × (1 − slippage) − base paid × base price exceeds gas + ε.
 * `minAmount` is the expected quote less 1 bp (the pro-rata floor may differ from Comet's quote
 * by rounding).
 * @throws InvalidParameterError for a negative ε or cap (when built), a view without its wallet.
 */
export function cometBuyer(options: CometBuyerOptions): KeeperPolicy<CometKeeperView> {
  requireNonNegative(options.minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const gasUnits = options.gasUnits ?? LENDING_GAS_UNITS.buyCollateral;
  return {
    id: options.id,
    decide(view) {
      const wallet = view.wallets[options.id];
      if (wallet === undefined) {
        throw new InvalidParameterError('view.wallets', `the view has no wallet for keeper ${options.id}`);
      }
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const gasUsd = gasCostUsd(gasUnits, m);
      let cash = wallet[view.baseAsset] ?? 0n;
      const actions: KeeperAction[] = [];
      for (const s of view.forSale) {
        if (cash <= 0n) break;
        const pay = cash < s.baseForAll ? cash : s.baseForAll;
        const expected =
          pay === s.baseForAll
            ? s.collateralForAll
            : mulDiv(s.collateralForAll, pay, s.baseForAll, Rounding.Down);
        if (expected === 0n) continue;
        const incentiveUsd =
          usdOf(expected, s.decimals, priceWadOf(m, s.asset), m.slippageBps) -
          usdOf(pay, view.baseDecimals, priceWadOf(m, view.baseAsset));
        if (!clearsGas(incentiveUsd, gasUsd, options.minProfitUsd)) continue;
        cash -= pay;
        actions.push({
          command: {
            type: 'buyCollateral',
            buyer: options.id,
            asset: s.asset,
            // 1 bp below the expectation, floored: tolerates the quote's own rounding.
            minAmount: mulDiv(expected, BPS - 1n, BPS, Rounding.Down),
            baseAmount: pay,
          },
          gasUnits,
          reason: `buy ${s.asset}: I $${incentiveUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }
      return actions;
    },
  };
}
