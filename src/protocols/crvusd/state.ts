/**
 * The crvUSD model's own state (market, LLAMMA, loans, Controller totals), its events, the fold of
 * those events, and the read helpers every command shares (the oracle price as LLAMMA reads it,
 * the configured market, an open loan).
 */
import type { EngineState } from '../../engine/engine.js';
import { NotConfiguredError, StaleOraclePriceError, UnknownAccountError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import { spotPrice, twapPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { type AmmPatch, type AmmState, applyAmmPatch, emptyAmm } from './amm.js';
import { priceToWad } from './math.js';
import type { CrvusdMarket } from './params.js';

/** One loan (Controller `loan[user]` with rate_mul fixed at 1, and `liquidation_discounts[user]`). */
export interface LoanState {
  /** Debt in stablecoin units (1e18). */
  readonly debt: bigint;
  /** The liquidation discount snapshotted for this user, 1e18-scaled. */
  readonly liquidationDiscountWad: bigint;
}

/** Controller counters: `_total_debt`, `minted`, `redeemed` (stablecoin units). */
export interface ControllerTotals {
  readonly totalDebt: bigint;
  readonly minted: bigint;
  readonly redeemed: bigint;
}

/** The model's part of the engine state. */
export interface CrvusdExt {
  /** The market, or null before `configure`. */
  readonly market: CrvusdMarket | null;
  readonly amm: AmmState;
  /**
   * Open loans by account: a persistent map, so a loan event copies O(log n) nodes rather than
   * every loan; it serializes as the plain record (keys sorted).
   */
  readonly loans: PersistentMap<LoanState>;
  readonly totals: ControllerTotals;
}

/** The state of an engine without a configured market. */
export function initialCrvusdExt(): CrvusdExt {
  return {
    market: null,
    amm: emptyAmm(),
    loans: PersistentMap.empty(),
    totals: { totalDebt: 0n, minted: 0n, redeemed: 0n },
  };
}

/** `configure`: the market as ControllerFactory.add_market builds it. */
export interface CrvusdConfigured {
  readonly type: 'CrvusdConfigured';
  readonly market: CrvusdMarket;
}

/** What any other model event changes: an AMM patch, loans (null = closed) and the Controller totals. */
export interface CrvusdStateChange {
  readonly amm?: AmmPatch;
  readonly loans?: Readonly<Record<string, LoanState | null>>;
  readonly totals?: ControllerTotals;
}

/** `createLoan` (Controller `create_loan`). */
export interface CrvusdLoanCreated extends CrvusdStateChange {
  readonly type: 'CrvusdLoanCreated';
  readonly account: string;
  readonly collateral: bigint;
  readonly debt: bigint;
  readonly n1: number;
  readonly n2: number;
}

/** `addCollateral`, `removeCollateral`, `borrowMore` (Controller `_add_collateral_borrow`). */
export interface CrvusdLoanAdjusted extends CrvusdStateChange {
  readonly type: 'CrvusdLoanAdjusted';
  readonly action: 'addCollateral' | 'removeCollateral' | 'borrowMore';
  readonly account: string;
  readonly collateralDelta: bigint;
  readonly debtDelta: bigint;
  readonly n1: number;
  readonly n2: number;
}

/** `repay` (Controller `repay`). */
export interface CrvusdRepaid extends CrvusdStateChange {
  readonly type: 'CrvusdRepaid';
  readonly account: string;
  readonly payer: string;
  readonly amount: bigint;
  readonly debtAfter: bigint;
  /** Stablecoin and collateral returned to the account (a full repayment closes the loan). */
  readonly returnedX: bigint;
  readonly returnedY: bigint;
}

/** `exchange` or `arbitrage` (AMM `exchange`). */
export interface CrvusdExchanged extends CrvusdStateChange {
  readonly type: 'CrvusdExchanged';
  readonly trader: string;
  /** true: the model's `arbitrage` sized the trade to bring the AMM price to the oracle price. */
  readonly arbitrage: boolean;
  readonly i: number;
  readonly j: number;
  readonly inAmount: bigint;
  readonly outAmount: bigint;
  readonly adminFee: bigint;
  readonly pOracleWad: bigint;
  readonly ammPriceBefore: bigint;
  readonly ammPriceAfter: bigint;
  readonly activeBandBefore: number;
  readonly activeBandAfter: number;
  /** The trader's gain at the oracle price, crvUSD units, signed (see the model's `tradeProfitAtOracle`). */
  readonly profitAtOracleWad: bigint;
}

/** `liquidate`, `liquidateExtended` (Controller `_liquidate`). */
export interface CrvusdLiquidated extends CrvusdStateChange {
  readonly type: 'CrvusdLiquidated';
  readonly account: string;
  readonly liquidator: string;
  readonly fracWad: bigint;
  readonly fRemoveWad: bigint;
  /** health(full=True) at the liquidation discount used as limit (0 for self-liquidation). */
  readonly healthWad: bigint;
  /** Debt repaid (debt·frac). */
  readonly debtRepaid: bigint;
  /** Stablecoin and collateral withdrawn from the account's bands. */
  readonly x: bigint;
  readonly y: bigint;
  /** Stablecoin the liquidator paid in (debt repaid − x, or 0). */
  readonly paidByLiquidator: bigint;
  /** Stablecoin returned to the liquidator (x − debt repaid, or 0). */
  readonly surplusToLiquidator: bigint;
  readonly finalDebt: bigint;
}

/** `writeOffBadDebt`: the system closes an insolvent loan (a modelling step, see the model doc). */
export interface CrvusdWrittenOff extends CrvusdStateChange {
  readonly type: 'CrvusdWrittenOff';
  readonly account: string;
  readonly debt: bigint;
  readonly x: bigint;
  readonly y: bigint;
  /** The collateral's value at the oracle price, floor: the system's sale proceeds. */
  readonly proceeds: bigint;
  /** Debt no asset covers: parked in `deficit`. */
  readonly deficit: bigint;
}

/** `collectFees` (Controller `collect_fees`, AMM admin fees only). */
export interface CrvusdFeesCollected extends CrvusdStateChange {
  readonly type: 'CrvusdFeesCollected';
  readonly receiver: string;
  readonly x: bigint;
  readonly y: bigint;
}

/** Every event type the model folds. */
export const CRVUSD_EVENT_TYPES: readonly string[] = [
  'CrvusdConfigured',
  'CrvusdLoanCreated',
  'CrvusdLoanAdjusted',
  'CrvusdRepaid',
  'CrvusdExchanged',
  'CrvusdLiquidated',
  'CrvusdWrittenOff',
  'CrvusdFeesCollected',
];

/** Folds one model event into the model state (input untouched). */
export function evolveCrvusd(ext: CrvusdExt, event: EngineEvent): CrvusdExt {
  if (event.type === 'CrvusdConfigured') return { ...ext, market: (event as CrvusdConfigured).market };
  if (!CRVUSD_EVENT_TYPES.includes(event.type)) return ext;
  const change = event as CrvusdStateChange;
  let loans = ext.loans;
  for (const [id, loan] of Object.entries(change.loans ?? {})) {
    loans = loan === null ? loans.delete(id) : loans.set(id, loan);
  }
  return {
    ...ext,
    amm: change.amm === undefined ? ext.amm : applyAmmPatch(ext.amm, change.amm),
    loans,
    totals: change.totals ?? ext.totals,
  };
}

/** The configured market. @throws NotConfiguredError before `configure`. */
export function requireMarket(state: EngineState<CrvusdExt>, command: string): CrvusdMarket {
  const market = state.ext.market;
  if (market === null) throw new NotConfiguredError(state.protocol, command);
  return market;
}

/** An open loan. @throws UnknownAccountError when `account` has none. */
export function requireLoan(state: EngineState<CrvusdExt>, account: string): LoanState {
  const loan = state.ext.loans.get(account);
  if (loan === undefined) throw new UnknownAccountError(account);
  return loan;
}

/**
 * The collateral price LLAMMA reads (`price_oracle_contract.price()`), 1e18-scaled crvUSD per
 * collateral: the engine oracle's spot or TWAP price of the collateral (params.priceSource), with
 * crvUSD taken at $1.
 * @throws StaleOraclePriceError when the oracle has no fresh price, or a zero price.
 */
export function oraclePriceWad(
  state: EngineState<CrvusdExt>,
  market: CrvusdMarket,
  nowSeconds: number,
): bigint {
  const asset = market.params.collateralAsset;
  const reading =
    market.params.priceSource === 'twap'
      ? twapPrice(state.oracle, asset, nowSeconds)
      : spotPrice(state.oracle, asset, nowSeconds);
  const p = priceToWad(reading.price, reading.priceDecimals);
  if (p === 0n) throw new StaleOraclePriceError(asset, 'the price is 0; LLAMMA cannot price bands at 0');
  return p;
}
