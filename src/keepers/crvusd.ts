/**
 * Keepers for the crvUSD model (`crvusd`): a plain view of the market (LLAMMA's bands and config,
 * the oracle price its curve is drawn at, the loans others may hard-liquidate with a dry run of
 * what the liquidation moves, the keepers' wallets) and two pure policies over it — an arbitrageur
 * that trades LLAMMA against the outside market when the gap beats the AMM fee, the venue's fee and
 * gas (its trades are what soft liquidation and de-liquidation are), and a hard liquidator that
 * acts when the liquidation discount beats gas (I > C_gas + ε).
 */
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { SolventError } from '../math/errors.js';
import { mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, pow10, WAD } from '../math/units.js';
import {
  type AmmConfig,
  type AmmState,
  ammPrice,
  exchange,
  getAmountForPrice,
  getSumXY,
  withdrawnAmounts,
} from '../protocols/crvusd/amm.js';
import { controllerHealth } from '../protocols/crvusd/controller.js';
import { crvusdSizing, crvusdTrigger } from '../protocols/crvusd/liquidation.js';
import type { CrvusdMarket } from '../protocols/crvusd/params.js';
import { type CrvusdExt, oraclePriceWad } from '../protocols/crvusd/state.js';
import { CrvusdWatch } from './crvusdWatch.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

/** The index the view screens loans with (re-exported for callers of the keepers' entry point). */
export { type CrvusdLoanReading, CrvusdWatch, type CrvusdWatchListener } from './crvusdWatch.js';

// ---------------------------------------------------------------------------------------------
// Gas

/** Gas units the crvUSD keepers assume. */
export interface CrvusdGasUnits {
  /** LLAMMA `exchange`: the fixed part (transfers, price oracle read, admin fee bookkeeping). */
  readonly exchangeBase: bigint;
  /** LLAMMA `exchange`: each band the trade touches (its x and y written). */
  readonly exchangePerBand: bigint;
  /** Controller `liquidate` (whole loan: withdraw from every band, repay, transfers). */
  readonly liquidate: bigint;
}

/**
 * Default gas. ASSUMPTIONS (no published benchmark in the repository's references): `exchange`
 * 150k plus 20k per band touched (two storage writes per band), `liquidate` 400k (a withdrawal
 * over up to 50 bands, the Controller's loan and totals, three transfers).
 */
export const CRVUSD_GAS_UNITS: CrvusdGasUnits = {
  exchangeBase: 150_000n,
  exchangePerBand: 20_000n,
  liquidate: 400_000n,
};

/**
 * Default tolerance a keeper grants its trade's output (`minAmount`, `minX`) below what it saw,
 * bps. An ASSUMPTION (10 bp): the dry run is exact in the state it saw; the tolerance only lets a
 * transaction survive small changes made by others before it lands.
 */
export const DEFAULT_CRVUSD_TOLERANCE_BPS = 10n;

// ---------------------------------------------------------------------------------------------
// View

/** A loan others may hard-liquidate now (`liquidate` with frac 1), with the model's dry run. */
export interface CrvusdCandidateView {
  readonly account: string;
  /** Debt, stablecoin units (1e18). */
  readonly debt: bigint;
  /** health(full=True) at the loan's liquidation discount, 1e18-scaled, signed (< 0). */
  readonly healthWad: bigint;
  /** Stablecoin and collateral (token units) the liquidation withdraws from the loan's bands. */
  readonly x: bigint;
  readonly y: bigint;
  /** Stablecoin the liquidator pays in (debt − x, or 0) and receives (x − debt, or 0). */
  readonly paidByLiquidator: bigint;
  readonly surplusToLiquidator: bigint;
}

/** What a crvUSD keeper sees. */
export interface CrvusdKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** Ledger ids of the collateral and the stablecoin (18 decimals). */
  readonly collateralAsset: string;
  readonly stablecoin: string;
  readonly collateralDecimals: number;
  /** The oracle price LLAMMA reads now (1e18-scaled stablecoin per collateral); null when refused. */
  readonly pOracleWad: bigint | null;
  /** LLAMMA's state and configuration: the policies price trades with the model's own functions. */
  readonly amm: AmmState;
  readonly ammConfig: AmmConfig;
  /** Loans others may liquidate now, largest debt first, then by account (empty when the oracle refuses). */
  readonly candidates: readonly CrvusdCandidateView[];
  /** Wallets of the keepers' actors: actor → asset → token units (collateral and stablecoin). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/** Liquidator name used for the dry runs (never an account of a book: those start with a letter or digit). */
const PREVIEW_LIQUIDATOR = '~preview';

/** AMM `get_sum_xy` per user, memoized per AMM state (states are immutable; one AMM, one market). */
const sumXYMemo = new WeakMap<AmmState, Map<string, { readonly x: bigint; readonly y: bigint }>>();

/**
 * AMM `get_sum_xy(user)` (stablecoin and collateral of the user's bands, token units), memoized
 * per AMM state: the engine's states are immutable and keep the AMM object while only the oracle
 * moves, so the loans of a step are read once. An AMM state belongs to one market: `cfg` must be
 * that market's configuration.
 */
export function crvusdSumXY(
  amm: AmmState,
  cfg: AmmConfig,
  user: string,
): { readonly x: bigint; readonly y: bigint } {
  let users = sumXYMemo.get(amm);
  if (users === undefined) {
    users = new Map();
    sumXYMemo.set(amm, users);
  }
  const found = users.get(user);
  if (found !== undefined) return found;
  const xy = getSumXY(amm, cfg, user);
  users.set(user, xy);
  return xy;
}

/** The watch each market's views share when the caller brings none (one per market object). */
const watchMemo = new WeakMap<CrvusdMarket, CrvusdWatch>();

function watchOf(market: CrvusdMarket): CrvusdWatch {
  let watch = watchMemo.get(market);
  if (watch === undefined) {
    watch = new CrvusdWatch();
    watchMemo.set(market, watch);
  }
  return watch;
}

/** Options of {@link crvusdKeeperView}. */
export interface CrvusdKeeperViewOptions {
  /** Dry-run the liquidatable loans (default true; an arbitrageur does not need them). */
  readonly candidates?: boolean;
  /**
   * The index that screens the loans (default: one kept per market object). A run that also reads
   * the loans' totals passes its own, so that one sync serves both.
   */
  readonly watch?: CrvusdWatch;
}

/**
 * The view a crvUSD keeper decides on: the oracle price LLAMMA reads (null when the oracle
 * refuses), the AMM, and every loan the model would let others liquidate now with what the
 * liquidation would move — the model's own trigger (health(full=True) < 0 at the loan's
 * liquidation discount, oracle breakers), sizing (frac 1) and AMM withdrawal. Loans the model
 * refuses are left out. Only the loans a {@link CrvusdWatch} cannot prove healthy are read (those
 * whose bands the oracle or the active band has reached, and the few that are unhealthy anyway);
 * every loan left out has health(full=True) ≥ 0, so the candidates are those of a full scan.
 * @param state a configured `crvusd` engine state.
 * @param nowSeconds decision time, seconds (must equal `market.nowSeconds`).
 * @param actors ids whose wallets the view includes (keepers and any trading actors of theirs).
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function crvusdKeeperView(
  state: EngineState<CrvusdExt>,
  nowSeconds: number,
  market: MarketContext,
  actors: readonly string[] = [],
  options: CrvusdKeeperViewOptions = {},
): CrvusdKeeperView {
  requireViewTime(market, nowSeconds);
  const m = state.ext.market;
  if (m === null) throw new InvalidParameterError('state', 'the crvUSD model is not configured yet');
  const { collateralAsset, stablecoin } = m.params;
  let pOracleWad: bigint | null = null;
  try {
    pOracleWad = oraclePriceWad(state, m, nowSeconds);
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
  }
  const candidates: CrvusdCandidateView[] = [];
  if (pOracleWad !== null && options.candidates !== false) {
    const watch = options.watch ?? watchOf(m);
    for (const account of watch.screen(state, pOracleWad)) {
      const loan = state.ext.loans.get(account);
      if (loan === undefined) continue;
      // The exact trigger condition first (no exception for the many healthy loans).
      const health = controllerHealth(state.ext.amm, m.amm, {
        user: account,
        debt: loan.debt,
        full: true,
        liquidationDiscountWad: loan.liquidationDiscountWad,
        pOracleWad,
      });
      if (health >= 0n) continue;
      const request = { account, liquidator: PREVIEW_LIQUIDATOR, fracWad: WAD, minX: 0n, nowSeconds };
      try {
        // The model's own stages: trigger ("Not enough rekt", breakers), sizing, AMM withdrawal.
        const triggered = crvusdTrigger(state, request);
        const size = crvusdSizing(state, request, triggered);
        const w = withdrawnAmounts(state.ext.amm, m.amm, account, size.fRemoveWad);
        candidates.push({
          account,
          debt: triggered.loan.debt,
          healthWad: triggered.healthWad,
          x: w.x,
          y: w.y,
          paidByLiquidator: size.debtRepaid > w.x ? size.debtRepaid - w.x : 0n,
          surplusToLiquidator: w.x > size.debtRepaid ? w.x - size.debtRepaid : 0n,
        });
      } catch (e) {
        if (e instanceof SolventError) continue;
        throw e;
      }
    }
    candidates.sort((a, b) =>
      a.debt !== b.debt ? (a.debt > b.debt ? -1 : 1) : a.account < b.account ? -1 : 1,
    );
  }
  const wallets: Record<string, Record<string, bigint>> = {};
  for (const id of actors) {
    wallets[id] = {
      [collateralAsset]: balanceOf(state.ledger, `wallet:${id}`, collateralAsset),
      [stablecoin]: balanceOf(state.ledger, `wallet:${id}`, stablecoin),
    };
  }
  return {
    nowSeconds,
    market,
    collateralAsset,
    stablecoin,
    collateralDecimals: state.assets[collateralAsset]?.decimals ?? 18,
    pOracleWad,
    amm: state.ext.amm,
    ammConfig: m.amm,
    candidates,
    wallets,
  };
}

// ---------------------------------------------------------------------------------------------
// Shared screens

function requireTolerance(bps: bigint): void {
  if (bps < 0n || bps > BPS) throw new InvalidParameterError('slippageToleranceBps', 'must be in [0, 10000]');
}

/** The outside market's price of the collateral, USD (= stablecoin, crvUSD at $1) per whole token, WAD. */
function collateralPriceWad(view: CrvusdKeeperView): bigint {
  return view.market.collateralPricesUsdWad?.[view.collateralAsset] ?? view.market.collateralPriceUsdWad;
}

/** USD (float, screen only) of a stablecoin amount (18 decimals, crvUSD at $1). */
const stableUsd = (units: bigint): number => Number(units) / 1e18;

/** USD (float, screen only) of `amount` collateral units at `priceWad` (USD per whole token, WAD), floor. */
function collateralUsd(amount: bigint, decimals: number, priceWad: bigint): number {
  // Floor: the keeper never overstates what the collateral is worth.
  return Number(mulDiv(amount, priceWad, pow10(decimals), Rounding.Down)) / 1e18;
}

/** `amount` less `bps`, floor (the least the keeper accepts). */
const lessBps = (amount: bigint, bps: bigint): bigint => mulDiv(amount, BPS - bps, BPS, Rounding.Down);

// ---------------------------------------------------------------------------------------------
// Arbitrageur

/** Options of {@link crvusdArbitrageur}. */
export interface CrvusdArbitrageurOptions {
  /** Keeper id: the actor that buys collateral from LLAMMA with the stablecoin in `wallet:<id>`. */
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
  /**
   * The actor that sells collateral into LLAMMA when its price is above the market (default `id`):
   * its wallet holds the collateral inventory standing for what the keeper buys outside.
   */
  readonly inventoryActor?: string;
  /** `minAmount` below the dry run's output, bps (default {@link DEFAULT_CRVUSD_TOLERANCE_BPS}). */
  readonly slippageToleranceBps?: bigint;
  readonly gasUnits?: CrvusdGasUnits;
}

/**
 * A LLAMMA arbitrageur against the outside market (price P = the market's collateral price, venue
 * fee s = `market.slippageBps`, AMM fee f). Buying collateral from LLAMMA costs its marginal price
 * grossed up by the fee and earns P·(1 − s) outside, so while the AMM price is below
 * P·(1 − s)·(1 − f) (floor) the keeper pays stablecoin in (LLAMMA `exchange` i = 0, j = 1) until
 * the AMM price reaches it — after a price fall this converts borrowers' collateral into
 * stablecoin: soft liquidation. Selling collateral into LLAMMA earns its price net of the fee and
 * costs P·(1 + s) outside, so above P·(1 + s)/(1 − f) (ceil) it sells collateral from its
 * inventory actor (i = 1, j = 0): de-liquidation after a rise. The trade is sized with the AMM's
 * `get_amount_for_price` (at most 50 bands of liquidity), capped by the wallet, priced with the
 * AMM's own `exchange` at the view's oracle price, and sent when
 * I = output·outside price − input·outside price exceeds gas + ε (gas: base + per band touched).
 * `minAmount` is the dry run's output less the tolerance. Nothing while the oracle refuses.
 * @throws InvalidParameterError for a negative ε, cap or a tolerance outside [0, 10000] (when
 *   built), a view without the wallet of an actor it trades with.
 */
export function crvusdArbitrageur(options: CrvusdArbitrageurOptions): KeeperPolicy<CrvusdKeeperView> {
  const minProfitUsd = options.minProfitUsd ?? 0;
  requireNonNegative(minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const tolerance = options.slippageToleranceBps ?? DEFAULT_CRVUSD_TOLERANCE_BPS;
  requireTolerance(tolerance);
  const gas = options.gasUnits ?? CRVUSD_GAS_UNITS;
  const inventory = options.inventoryActor ?? options.id;
  return {
    id: options.id,
    decide(view) {
      const m = view.market;
      const pO = view.pOracleWad;
      if (pO === null) return [];
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const cfg = view.ammConfig;
      const priceWad = collateralPriceWad(view);
      if (priceWad === 0n) return [];
      const fee = cfg.feeWad;
      // What the venue pays for collateral (floor) and charges for it (ceil): the keeper never
      // overstates its margin.
      const sellNetWad = mulDiv(priceWad, BPS - m.slippageBps, BPS, Rounding.Down);
      const buyGrossWad = mulDiv(priceWad, BPS + m.slippageBps, BPS, Rounding.Up);
      const buyBelow = mulDiv(sellNetWad, WAD - fee, WAD, Rounding.Down); // floor: stops at or before break-even
      const sellAbove = mulDiv(buyGrossWad, WAD, WAD - fee, Rounding.Up); // ceil: stops at or before break-even
      const pAmm = ammPrice(view.amm, cfg, pO);
      const pump = pAmm < buyBelow;
      if (!pump && !(pAmm > sellAbove)) return [];
      const wanted = getAmountForPrice(view.amm, cfg, {
        targetPriceWad: pump ? buyBelow : sellAbove,
        pOracleWad: pO,
      });
      if (wanted.amount === 0n || wanted.pump !== pump) return [];
      const trader = pump ? options.id : inventory;
      const wallet = view.wallets[trader];
      if (wallet === undefined) {
        throw new InvalidParameterError('view.wallets', `the view has no wallet for ${trader}`);
      }
      const held = wallet[pump ? view.stablecoin : view.collateralAsset] ?? 0n;
      const amount = wanted.amount < held ? wanted.amount : held;
      if (amount === 0n) return [];
      const i = pump ? 0 : 1;
      // The model's own swap, at the oracle price the model will read: exact in this state.
      const done = exchange(view.amm, cfg, { i, j: 1 - i, inAmount: amount, minAmount: 0n, pOracleWad: pO });
      if (done.outAmount === 0n || done.inAmount === 0n) return [];
      const d = view.collateralDecimals;
      const profitUsd = pump
        ? collateralUsd(done.outAmount, d, sellNetWad) - stableUsd(done.inAmount)
        : stableUsd(done.outAmount) - collateralUsd(done.inAmount, d, buyGrossWad);
      const gasUnits = gas.exchangeBase + gas.exchangePerBand * BigInt(Math.abs(done.n2 - done.n1) + 1);
      const gasUsd = gasCostUsd(gasUnits, m);
      if (!clearsGas(profitUsd, gasUsd, minProfitUsd)) return [];
      const action: KeeperAction = {
        command: {
          type: 'exchange',
          trader,
          i,
          j: 1 - i,
          amount,
          minAmount: lessBps(done.outAmount, tolerance),
        },
        gasUnits,
        reason: `${pump ? 'buy collateral from' : 'sell collateral to'} LLAMMA (bands ${done.n1}→${done.n2}): I $${profitUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
        expectedProfitUsd: profitUsd,
      };
      return [action];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Liquidator

/** Options of {@link crvusdLiquidator}. */
export interface CrvusdLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
  /** `minX` below the dry run's stablecoin, bps (default {@link DEFAULT_CRVUSD_TOLERANCE_BPS}). */
  readonly slippageToleranceBps?: bigint;
  /** Gas units of one `liquidate` (default {@link CRVUSD_GAS_UNITS}). */
  readonly gasUnits?: bigint;
}

/**
 * A crvUSD hard liquidator. For each candidate (largest debt first) whose payment (debt − x) its
 * wallet covers, the incentive is I = y·P·(1 − s) + surplus − payment (P the market's collateral
 * price, s `market.slippageBps`; crvUSD at $1); it sends `liquidate` (frac 1, `minX` the dry run's
 * x less the tolerance) when I exceeds gas + ε. Stablecoin committed by earlier actions of the same
 * decision is not reused. With `maxGasPriceGwei`, nothing is sent while gas is above the cap.
 * @throws InvalidParameterError for a negative ε or cap or a tolerance outside [0, 10000] (when
 *   built), a view without its wallet.
 */
export function crvusdLiquidator(options: CrvusdLiquidatorOptions): KeeperPolicy<CrvusdKeeperView> {
  const minProfitUsd = options.minProfitUsd ?? 0;
  requireNonNegative(minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const tolerance = options.slippageToleranceBps ?? DEFAULT_CRVUSD_TOLERANCE_BPS;
  requireTolerance(tolerance);
  const gasUnits = options.gasUnits ?? CRVUSD_GAS_UNITS.liquidate;
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
      const sellNetWad = mulDiv(collateralPriceWad(view), BPS - m.slippageBps, BPS, Rounding.Down);
      let cash = wallet[view.stablecoin] ?? 0n;
      const actions: KeeperAction[] = [];
      for (const c of view.candidates) {
        if (c.paidByLiquidator > cash) continue;
        const incentiveUsd =
          collateralUsd(c.y, view.collateralDecimals, sellNetWad) +
          stableUsd(c.surplusToLiquidator) -
          stableUsd(c.paidByLiquidator);
        if (!clearsGas(incentiveUsd, gasUsd, minProfitUsd)) continue;
        cash -= c.paidByLiquidator;
        actions.push({
          command: {
            type: 'liquidate',
            account: c.account,
            liquidator: options.id,
            minX: lessBps(c.x, tolerance),
          },
          gasUnits,
          reason: `liquidate ${c.account} (health ${(Number(c.healthWad) / 1e18).toFixed(4)}): I $${incentiveUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }
      return actions;
    },
  };
}
