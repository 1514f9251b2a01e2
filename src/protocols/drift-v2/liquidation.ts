/**
 * Drift v2 `liquidate_perp` and `resolve_perp_bankruptcy` as the engine's five liquidation stages:
 * trigger (total collateral < maintenance requirement, or < requirement plus buffer once the user
 * is being liquidated), sizing (the base that covers the margin shortage with the liquidator and
 * insurance fees, limited by the share freeable so far and the liquidator's maximum, whole below
 * $50), execution (the liquidator takes the position over at the oracle price less its fee: a fill
 * between the two accounts in the perps core), incentive (the insurance-fund fee) and the loss
 * waterfall (once the user holds no position: the insurance fund leaving ≥ 1 unit, then the
 * market's fee pool, then a social loss through the cumulative funding-rate delta).
 * Ported from drift-labs/protocol-v2 programs/drift/src/controller/liquidation.rs and
 * math/liquidation.rs (formulas in math.ts).
 */
import { debtClaimAsset } from '../../engine/engine.js';
import {
  InvalidParameterError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { applyPerpsEvents } from '../../engine/perps/liquidation.js';
import {
  applyFill,
  type PerpsStep,
  PerpsTx,
  requireMarket,
  settleMarketFunding,
} from '../../engine/perps/settle.js';
import {
  crossBucket,
  FUNDING_INDEX_SCALE,
  marketIds,
  marketOf,
  type PerpFundingIndexChanged,
  type PerpMarks,
  type PerpsView,
  positionOf,
  quoteBalance,
} from '../../engine/perps/types.js';
import type { ExecutionOutcome, LiquidationStages } from '../../engine/pipeline.js';
import {
  baseAssetAmountToCoverMarginShortage,
  baseAssetValueQuote,
  fundingRateDeltaToResolveBankruptcy,
  LIQUIDATION_PCT_PRECISION,
  liquidationFeePpm,
  maxPctToLiquidate,
  PRICE_PRECISION,
  perpIfFeePpm,
  SMALL_POSITION_VALUE_QUOTE,
  standardizeBaseAssetAmount,
  standardizeBaseAssetAmountCeil,
  transferFees,
  U64_MAX,
} from './math.js';
import type { DriftMarketParams, DriftParams } from './params.js';
import {
  type DriftInsuranceSettled,
  type DriftMarginCalculation,
  type DriftPendingLossChanged,
  type DriftUserStatus,
  driftMargin,
  marginShortageQuote,
  requireDriftMarket,
  trackedMarketMarginShortage,
} from './state.js';

/** Drift `FUNDING_RATE_PRECISION` (1e9 per whole base) to the core index (quote units per base unit · 1e18) at Drift's precisions: × 1e6. */
export const DRIFT_RATE_TO_CORE_INDEX = FUNDING_INDEX_SCALE / 1_000_000_000_000n;

/** The fee pool bucket of a market (Drift `amm.fee_pool`): trading fees, spent on bankruptcies. */
export const feePoolBucket = (market: string): string => `protocol:${market}`;

/** What the stages read. */
export interface DriftLiquidationContext {
  readonly view: PerpsView;
  readonly params: DriftParams;
  /** Oracle prices of every market where the user or the liquidator has a position, 1e6. */
  readonly prices: PerpMarks;
  /** The current slot (see math.ts `slotFromSeconds`). */
  readonly slot: bigint;
  /** The liquidated user's status before the call. */
  readonly user: DriftUserStatus;
  /** Unpaid losses of the user waiting for its bankruptcy, by market, quote 1e6. */
  readonly pendingLoss: Readonly<Record<string, bigint>>;
  /** The liquidator's own unpaid loss (counts against its initial margin), quote 1e6. */
  readonly liquidatorPendingLossQuote: bigint;
  /** `quote_settled_insurance` by market. */
  readonly insuranceSettled: Readonly<Record<string, bigint>>;
}

/** A `liquidate_perp` call. */
export interface DriftLiquidationRequest {
  readonly account: string;
  /** A Drift account that takes the position over (it must meet its initial margin after). */
  readonly liquidator: string;
  readonly market: string;
  /** `liquidator_max_base_asset_amount` (1e9), standardized down to the step; default unbounded. */
  readonly liquidatorMaxBaseAssetAmount?: bigint;
}

/** What the trigger found. */
export interface DriftTriggered {
  readonly marketParams: DriftMarketParams;
  /** The margin calculation with the liquidation buffer, before the call. */
  readonly margin: DriftMarginCalculation;
  /** Requirement plus buffer − total collateral, quote 1e6 (> 0). */
  readonly marginShortageQuote: bigint;
  /** Oracle price of the market, 1e6. */
  readonly oraclePrice: bigint;
  /** True when this call starts the liquidation (`enter_liquidation`). */
  readonly entering: boolean;
  /** `last_active_slot` in force (this slot when entering). */
  readonly lastActiveSlot: bigint;
  /** `liquidation_margin_freed` so far (0 when entering). */
  readonly liquidationMarginFreed: bigint;
}

/** What the sizing decided. */
export interface DriftLiquidationSize {
  /** Base transferred to the liquidator, 1e9, a multiple of the step. */
  readonly baseAssetAmount: bigint;
  /** `base_asset_amount_to_cover_margin_shortage` (step-ceiled), 1e9. */
  readonly baseToCover: bigint;
  readonly marginRatioWithBuffer: bigint;
  readonly liquidatorFeePpm: bigint;
  readonly ifLiquidationFeePpm: bigint;
  /** `calculate_max_pct_to_liquidate`, 1e4. */
  readonly maxPct: bigint;
  /** `max_base_asset_amount_allowed_to_be_transferred`, 1e9. */
  readonly maxBaseAllowed: bigint;
}

/** What the execution did. */
export interface DriftExecutionDetail {
  readonly market: string;
  /** The view after the fill. */
  readonly view: PerpsView;
  readonly size: DriftLiquidationSize;
  readonly triggered: DriftTriggered;
  /** Value of the transferred base at the oracle price, 1e6. */
  readonly baseAssetValueQuote: bigint;
  /** Paid to the liquidator inside the fill price, 1e6. */
  readonly liquidatorFeeQuote: bigint;
  /** Owed to the insurance fund, 1e6 (paid by the incentive stage). */
  readonly ifFeeQuote: bigint;
  /** Quote exchanged in the fill, 1e6. */
  readonly quoteAmount: bigint;
}

/** Record of one `liquidate_perp` transfer. */
export interface DriftPerpLiquidated {
  readonly type: 'DriftPerpLiquidated';
  readonly account: string;
  readonly liquidator: string;
  readonly market: string;
  readonly slot: bigint;
  readonly oraclePrice: bigint;
  readonly totalCollateralQuote: bigint;
  readonly marginRequirementQuote: bigint;
  readonly marginShortageQuote: bigint;
  readonly baseAssetAmount: bigint;
  readonly baseToCover: bigint;
  readonly maxPct: bigint;
  readonly liquidatorFeePpm: bigint;
  readonly ifLiquidationFeePpm: bigint;
  readonly baseAssetValueQuote: bigint;
  readonly liquidatorFeeQuote: bigint;
  /** Realized loss the user could not pay (pending until its bankruptcy is resolved). */
  readonly unpaidQuote: bigint;
}

/** Record of the insurance-fund fee of a transfer. */
export interface DriftIfFeePaid {
  readonly type: 'DriftIfFeePaid';
  readonly account: string;
  readonly market: string;
  /** The fee computed, 1e6. */
  readonly ifFeeQuote: bigint;
  /** What the user's collateral could pay of it, 1e6 (the rest would come back out of the fund). */
  readonly paidQuote: bigint;
}

/** Record of a social loss (`resolve_perp_bankruptcy`'s funding-rate delta). */
export interface DriftLossSocialized {
  readonly type: 'DriftLossSocialized';
  readonly market: string;
  readonly lossQuote: bigint;
  /** `cumulative_funding_rate_delta`, FUNDING_RATE_PRECISION (1e9). */
  readonly cumulativeFundingRateDelta: bigint;
  /** What the open positions paid, 1e6 (≥ the loss: the delta is a ceiling). */
  readonly chargedQuote: bigint;
  readonly creditor: string;
}

/** Record of one resolved perp bankruptcy. */
export interface DriftPerpBankruptcyResolved {
  readonly type: 'DriftPerpBankruptcyResolved';
  readonly account: string;
  readonly market: string;
  readonly lossQuote: bigint;
  readonly ifPaymentQuote: bigint;
  readonly feePoolPaymentQuote: bigint;
  readonly socializedQuote: bigint;
  readonly cumulativeFundingRateDelta: bigint;
}

function pendingChanged(account: string, market: string, pendingQuote: bigint): DriftPendingLossChanged {
  return { type: 'DriftPendingLossChanged', account, market, pendingQuote };
}

/** Whether the account holds a non-zero position in any market. */
export function hasOpenPosition(view: PerpsView, account: string): boolean {
  return marketIds(view.book).some((m) => (positionOf(view.book, account, m)?.sizeBase ?? 0n) !== 0n);
}

/**
 * Trigger (`liquidate_perp`): refuses unless the user's total collateral is below its maintenance
 * requirement (`meets_margin_requirement` fails), or, once being liquidated, below the requirement
 * plus buffer (it cannot `exit_liquidation`); the user must hold a position in the market.
 * @throws UnknownAccountError (user or liquidator); InvalidParameterError (self-liquidation,
 *   unknown market); PositionNotLiquidatableError (the maker account, sufficient collateral);
 *   ProtocolRevertError `PositionDoesntHaveOpenPositionOrOrders`; StaleOraclePriceError via prices.
 */
export function driftTrigger(ctx: DriftLiquidationContext, request: DriftLiquidationRequest): DriftTriggered {
  const { view, params } = ctx;
  for (const id of [request.account, request.liquidator]) {
    if (!view.book.accounts.has(id)) throw new UnknownAccountError(id);
  }
  if (request.account === request.liquidator) {
    throw new InvalidParameterError('liquidator', 'a user cannot liquidate itself');
  }
  if (request.account === params.makerAccount) {
    throw new PositionNotLiquidatableError(request.account, 'the AMM (settlement account) is not a user');
  }
  const marketParams = requireDriftMarket(params, request.market);
  const margin = driftMargin(
    view,
    params,
    request.account,
    ctx.prices,
    'maintenance',
    params.liquidationMarginBufferRatio,
  );
  const being = ctx.user.beingLiquidated;
  if (!being && margin.totalCollateralQuote >= margin.marginRequirementQuote) {
    throw new PositionNotLiquidatableError(
      request.account,
      `total collateral ${margin.totalCollateralQuote} ≥ maintenance requirement ${margin.marginRequirementQuote} (SufficientCollateral)`,
    );
  }
  if (being && margin.totalCollateralQuote >= margin.marginRequirementPlusBufferQuote) {
    throw new PositionNotLiquidatableError(
      request.account,
      `total collateral ${margin.totalCollateralQuote} ≥ requirement plus buffer ${margin.marginRequirementPlusBufferQuote}: the user exits liquidation`,
    );
  }
  const position = positionOf(view.book, request.account, request.market);
  if (position === undefined || position.sizeBase === 0n) {
    throw new ProtocolRevertError(
      'PositionDoesntHaveOpenPositionOrOrders',
      `${request.account} has no position in ${request.market}`,
    );
  }
  const oraclePrice = ctx.prices[request.market];
  if (oraclePrice === undefined)
    throw new InvalidParameterError(`prices.${request.market}`, 'missing oracle price');
  return {
    marketParams,
    margin,
    marginShortageQuote: marginShortageQuote(margin),
    oraclePrice,
    entering: !being,
    lastActiveSlot: being ? ctx.user.lastActiveSlot : ctx.slot,
    liquidationMarginFreed: being ? ctx.user.liquidationMarginFreed : 0n,
  };
}

/**
 * Sizing (`liquidate_perp`): liquidator fee from the ramp since `last_active_slot`; the IF fee
 * from the tracked market's shortage; the base that covers the shortage, ceiled to the step; the
 * share freeable now (`calculate_max_pct_to_liquidate`) of it, floored; the whole position when it
 * is worth at most $50; never more than the position or the liquidator's maximum; ceiled to the
 * step.
 * @throws ProtocolRevertError `InvalidBaseAssetAmountForLiquidatePerp` (liquidator maximum below
 *   one step), `CastingFailure`, `MathError` (formulas), and
 *   `max_base_asset_amount_allowed_to_be_transferred == 0` (Drift's no-op, refused here so the call
 *   changes nothing).
 */
export function driftSizing(
  ctx: DriftLiquidationContext,
  request: DriftLiquidationRequest,
  triggered: DriftTriggered,
): DriftLiquidationSize {
  const m = triggered.marketParams;
  const position = positionOf(ctx.view.book, request.account, request.market)!;
  const userBase = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  const liquidatorMax = standardizeBaseAssetAmount(
    request.liquidatorMaxBaseAssetAmount ?? U64_MAX,
    m.orderStepSize,
  );
  if (liquidatorMax === 0n) {
    throw new ProtocolRevertError(
      'InvalidBaseAssetAmountForLiquidatePerp',
      'liquidator_max_base_asset_amount must be greater or equal to the step size',
    );
  }
  const marginRatioWithBuffer = m.marginRatioMaintenance + ctx.params.liquidationMarginBufferRatio;
  const shortage = triggered.marginShortageQuote;
  const liquidatorFee = liquidationFeePpm({
    baseFeePpm: m.liquidatorFeePpm,
    maxFeePpm: m.maxLiquidatorFeePpm,
    lastActiveSlot: triggered.lastActiveSlot,
    currentSlot: ctx.slot,
  });
  const ifFee = perpIfFeePpm({
    marginShortageQuote: trackedMarketMarginShortage(triggered.margin, request.market, shortage),
    userBaseAssetAmount: userBase,
    marginRatio: marginRatioWithBuffer,
    liquidatorFeePpm: liquidatorFee,
    oraclePrice: triggered.oraclePrice,
    quoteOraclePrice: PRICE_PRECISION,
    maxIfFeePpm: m.ifLiquidationFeePpm,
  });
  const baseToCover = standardizeBaseAssetAmountCeil(
    baseAssetAmountToCoverMarginShortage({
      marginShortageQuote: shortage,
      marginRatio: marginRatioWithBuffer,
      liquidatorFeePpm: liquidatorFee,
      ifLiquidationFeePpm: ifFee,
      oraclePrice: triggered.oraclePrice,
      quoteOraclePrice: PRICE_PRECISION,
    }),
    m.orderStepSize,
  );
  const maxPct = maxPctToLiquidate({
    marginShortageQuote: shortage,
    slotsElapsed: ctx.slot - triggered.lastActiveSlot,
    initialPctToLiquidate: ctx.params.initialPctToLiquidate,
    liquidationDurationSlots: ctx.params.liquidationDurationSlots,
    liquidationMarginFreedQuote: triggered.liquidationMarginFreed,
  });
  const maxBaseAllowed = (baseToCover * maxPct) / LIQUIDATION_PCT_PRECISION;
  if (maxBaseAllowed > U64_MAX) {
    throw new ProtocolRevertError('CastingFailure', 'the allowed base does not fit u64', {
      max_base_allowed: maxBaseAllowed.toString(),
    });
  }
  if (maxBaseAllowed === 0n) {
    throw new ProtocolRevertError(
      'max_base_asset_amount_allowed_to_be_transferred == 0',
      'Nothing may be transferred yet: wait for more slots to pass.',
      { base_to_cover: baseToCover.toString(), max_pct: maxPct.toString() },
    );
  }
  // A position worth at most $50 may be taken whole.
  const minBase =
    baseAssetValueQuote(userBase, triggered.oraclePrice) > SMALL_POSITION_VALUE_QUOTE ? 0n : userBase;
  let base = userBase < liquidatorMax ? userBase : liquidatorMax;
  const allowed = maxBaseAllowed > minBase ? maxBaseAllowed : minBase;
  if (allowed < base) base = allowed;
  base = standardizeBaseAssetAmountCeil(base, m.orderStepSize);
  if (base > userBase) base = userBase;
  return {
    baseAssetAmount: base,
    baseToCover,
    marginRatioWithBuffer,
    liquidatorFeePpm: liquidatorFee,
    ifLiquidationFeePpm: ifFee,
    maxPct,
    maxBaseAllowed,
  };
}

/**
 * Execution (`liquidate_perp`): the liquidator takes `base` over at the oracle price, its fee
 * inside the price (the user receives value − fee for a long, pays value + fee for a short:
 * `update_quote_asset_and_break_even_amount(±liquidator_fee)` on both), as a core fill whose
 * realized loss the user cannot pay is owed to the maker (settlement) account; then the liquidator
 * must meet its initial margin.
 * @throws ProtocolRevertError `InsufficientCollateral` (liquidator below initial margin after).
 */
export function driftExecution(
  ctx: DriftLiquidationContext,
  request: DriftLiquidationRequest,
  size: DriftLiquidationSize,
  triggered: DriftTriggered,
): ExecutionOutcome<DriftExecutionDetail> {
  const position = positionOf(ctx.view.book, request.account, request.market)!;
  const fees = transferFees(size.baseAssetAmount, triggered.oraclePrice, {
    liquidatorFeePpm: size.liquidatorFeePpm,
    ifFeePpm: size.ifLiquidationFeePpm,
  });
  const long = position.sizeBase > 0n;
  const quoteAmount = long
    ? fees.baseAssetValueQuote - fees.liquidatorFeeQuote
    : fees.baseAssetValueQuote + fees.liquidatorFeeQuote;
  const fill = applyFill(ctx.view, {
    account: request.account,
    counterparty: request.liquidator,
    market: request.market,
    sizeBase: long ? -size.baseAssetAmount : size.baseAssetAmount,
    quoteAmount,
    marginMode: 'cross',
    shortfall: 'settlement',
    reason: 'liquidation',
  });
  const liquidatorMargin = driftMargin(
    fill.view,
    ctx.params,
    request.liquidator,
    ctx.prices,
    'initial',
    0n,
    ctx.liquidatorPendingLossQuote,
  );
  if (liquidatorMargin.totalCollateralQuote < liquidatorMargin.marginRequirementQuote) {
    throw new ProtocolRevertError(
      'InsufficientCollateral',
      'Liquidator doesnt have enough collateral to take over perp position',
      {
        total_collateral: liquidatorMargin.totalCollateralQuote.toString(),
        initial_margin_requirement: liquidatorMargin.marginRequirementQuote.toString(),
      },
    );
  }
  const record: DriftPerpLiquidated = {
    type: 'DriftPerpLiquidated',
    account: request.account,
    liquidator: request.liquidator,
    market: request.market,
    slot: ctx.slot,
    oraclePrice: triggered.oraclePrice,
    totalCollateralQuote: triggered.margin.totalCollateralQuote,
    marginRequirementQuote: triggered.margin.marginRequirementQuote,
    marginShortageQuote: triggered.marginShortageQuote,
    baseAssetAmount: size.baseAssetAmount,
    baseToCover: size.baseToCover,
    maxPct: size.maxPct,
    liquidatorFeePpm: size.liquidatorFeePpm,
    ifLiquidationFeePpm: size.ifLiquidationFeePpm,
    baseAssetValueQuote: fees.baseAssetValueQuote,
    liquidatorFeeQuote: fees.liquidatorFeeQuote,
    unpaidQuote: fill.unpaidQuote,
  };
  const tx = new PerpsTx(fill.view);
  tx.emit(record);
  return {
    events: [...fill.events, ...tx.events],
    shortfall: fill.unpaidQuote,
    detail: {
      market: request.market,
      view: tx.view,
      size,
      triggered,
      baseAssetValueQuote: fees.baseAssetValueQuote,
      liquidatorFeeQuote: fees.liquidatorFeeQuote,
      ifFeeQuote: fees.ifFeeQuote,
      quoteAmount,
    },
  };
}

/**
 * Incentive: the insurance-fund fee `value · if_fee / 1e6` from the user's collateral to the
 * `insurance` bucket (Drift books it as the market's `total_liquidation_fee`, bound for the fund).
 * It is capped at what the user still holds, and at what it held before the call net of what the
 * fill took (the engine never takes more from a liquidated account than it had: a profit the fill
 * paid in does not fund the fee). What is not charged would, in Drift, deepen the user's negative
 * PnL and come straight back out of the same fund at bankruptcy, so the net is the same in the
 * usual case. The liquidator's fee was paid inside the execution's fill price.
 */
export function driftIncentive(
  ctx: DriftLiquidationContext,
  request: DriftLiquidationRequest,
  outcome: ExecutionOutcome<DriftExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  const bucket = crossBucket(request.account);
  const tx = new PerpsTx(d.view);
  let outflow = 0n;
  for (const e of outcome.events) {
    if (e.type !== 'Moved') continue;
    const m = e as Moved;
    if (m.from === bucket && m.asset === d.view.book.quoteAsset) outflow += m.amount;
  }
  const before = quoteBalance(ctx.view, bucket) - outflow;
  const have = quoteBalance(d.view, bucket);
  let paid = d.ifFeeQuote < have ? d.ifFeeQuote : have;
  if (before < paid) paid = before > 0n ? before : 0n;
  tx.move(bucket, 'insurance', paid, 'drift:ifLiquidationFee');
  const record: DriftIfFeePaid = {
    type: 'DriftIfFeePaid',
    account: request.account,
    market: d.market,
    ifFeeQuote: d.ifFeeQuote,
    paidQuote: paid,
  };
  tx.emit(record);
  return tx.events;
}

/**
 * A social loss as `resolve_perp_bankruptcy` makes it: positions settle at the old indexes, then
 * the cumulative funding rate of longs rises and that of shorts falls by
 * `calculate_funding_rate_deltas_to_resolve_bankruptcy(loss)` (math.ts), every position settles
 * its share, and what they pay is credited to `creditor`; the loss is recorded as `<quote>.debt`
 * claims moved from `mint` to `socialized`. Each position's payment is rounded by the core's
 * settlement (toward +∞ for the payer) where Drift truncates.
 * @throws ProtocolRevertError `CantResolvePerpBankruptcy` when no position is open;
 *   InvalidParameterError (unknown market, loss < 0).
 */
export function socializeDriftLoss(
  view: PerpsView,
  input: { readonly market: string; readonly lossQuote: bigint; readonly creditor: string },
): PerpsStep & { readonly cumulativeFundingRateDelta: bigint; readonly chargedQuote: bigint } {
  requireMarket(view, input.market);
  if (input.lossQuote < 0n) throw new InvalidParameterError('lossQuote', 'expected ≥ 0');
  if (input.lossQuote === 0n) return { view, events: [], cumulativeFundingRateDelta: 0n, chargedQuote: 0n };
  const tx = new PerpsTx(view);
  tx.adopt(settleMarketFunding(tx.view, input.market));
  const state = marketOf(tx.view.book, input.market);
  const delta = fundingRateDeltaToResolveBankruptcy({
    lossQuote: input.lossQuote,
    baseAssetAmountLong: state.longOpenInterestBase,
    baseAssetAmountShort: -state.shortOpenInterestBase,
  });
  const indexDelta = delta * DRIFT_RATE_TO_CORE_INDEX;
  const changed: PerpFundingIndexChanged = {
    type: 'PerpFundingIndexChanged',
    market: input.market,
    fundingIndexLong: state.fundingIndexLong + indexDelta,
    fundingIndexShort: state.fundingIndexShort - indexDelta,
  };
  tx.emit(changed);
  const settled = settleMarketFunding(tx.view, input.market, input.creditor);
  tx.adopt(settled);
  tx.moveAsset(
    debtClaimAsset(view.book.quoteAsset),
    'mint',
    'socialized',
    input.lossQuote,
    'drift:socialLoss',
  );
  const record: DriftLossSocialized = {
    type: 'DriftLossSocialized',
    market: input.market,
    lossQuote: input.lossQuote,
    cumulativeFundingRateDelta: delta,
    chargedQuote: settled.totalOwedQuote,
    creditor: input.creditor,
  };
  tx.emit(record);
  return { ...tx.step(), cumulativeFundingRateDelta: delta, chargedQuote: settled.totalOwedQuote };
}

/**
 * `resolve_perp_bankruptcy` for one market's loss owed to the maker (settlement) account: the
 * insurance fund pays min(loss, fund − 1, quote_max_insurance − quote_settled_insurance), the
 * market's fee pool pays what it can of the rest, and the remainder is socialized
 * ({@link socializeDriftLoss}).
 * @returns the events, and the new settled insurance of the market.
 */
export function resolvePerpBankruptcy(
  view: PerpsView,
  input: {
    readonly account: string;
    readonly market: string;
    readonly lossQuote: bigint;
    readonly params: DriftParams;
    readonly insuranceSettledQuote: bigint;
  },
): PerpsStep & { readonly insuranceSettledQuote: bigint } {
  const market = requireDriftMarket(input.params, input.market);
  const creditor = input.params.makerAccount;
  const tx = new PerpsTx(view);
  const fund = quoteBalance(view, 'insurance');
  const fundAvailable = fund > 1n ? fund - 1n : 0n; // the vault always keeps ≥ 1 unit
  const claimLeft =
    market.quoteMaxInsurance > input.insuranceSettledQuote
      ? market.quoteMaxInsurance - input.insuranceSettledQuote
      : 0n;
  let ifPayment = input.lossQuote;
  if (fundAvailable < ifPayment) ifPayment = fundAvailable;
  if (claimLeft < ifPayment) ifPayment = claimLeft;
  tx.move('insurance', crossBucket(creditor), ifPayment, 'drift:bankruptcy:insurance');
  let left = input.lossQuote - ifPayment;
  const pool = quoteBalance(tx.view, feePoolBucket(input.market));
  const feePoolPayment = left < pool ? left : pool;
  tx.move(feePoolBucket(input.market), crossBucket(creditor), feePoolPayment, 'drift:bankruptcy:feePool');
  left -= feePoolPayment;
  const social = socializeDriftLoss(tx.view, { market: input.market, lossQuote: left, creditor });
  tx.adopt(social);
  const record: DriftPerpBankruptcyResolved = {
    type: 'DriftPerpBankruptcyResolved',
    account: input.account,
    market: input.market,
    lossQuote: input.lossQuote,
    ifPaymentQuote: ifPayment,
    feePoolPaymentQuote: feePoolPayment,
    socializedQuote: left,
    cumulativeFundingRateDelta: social.cumulativeFundingRateDelta,
  };
  tx.emit(record);
  return { ...tx.step(), insuranceSettledQuote: input.insuranceSettledQuote + ifPayment };
}

/** Σ of a pending-loss record, quote 1e6. */
export function sumPending(pending: Readonly<Record<string, bigint>>): bigint {
  let total = 0n;
  for (const v of Object.values(pending)) total += v;
  return total;
}

/** Result of {@link settlePendingLoss}. */
export interface PendingSettlement extends PerpsStep {
  /** The user's pending loss by market after the step (zeros dropped). */
  readonly pending: Readonly<Record<string, bigint>>;
  /** `quote_settled_insurance` by market after the step. */
  readonly insuranceSettled: Readonly<Record<string, bigint>>;
}

/**
 * Settles a user's unpaid (pending) loss: first from its USDC (`settle_pnl` of negative PnL: the
 * collateral pays the maker account it is owed to), at most `maxRepayQuote` of it; then, once the
 * user holds no position anywhere and no USDC (Drift `is_user_bankrupt`), whatever is left is
 * resolved ({@link resolvePerpBankruptcy}: insurance fund, fee pool, social loss). Emits
 * `DriftPendingLossChanged` for each market whose pending loss differs from `previous`, and
 * `DriftInsuranceSettled` for each market whose claim grew.
 */
export function settlePendingLoss(
  view: PerpsView,
  input: {
    readonly account: string;
    readonly previous: Readonly<Record<string, bigint>>;
    readonly pending: Readonly<Record<string, bigint>>;
    readonly params: DriftParams;
    readonly insuranceSettled: Readonly<Record<string, bigint>>;
    /** Cap on the USDC taken (a liquidation may not take more than the account held); default none. */
    readonly maxRepayQuote?: bigint;
  },
): PendingSettlement {
  const tx = new PerpsTx(view);
  const pending: Record<string, bigint> = {};
  for (const [m, v] of Object.entries(input.pending)) if (v > 0n) pending[m] = v;
  const settled: Record<string, bigint> = { ...input.insuranceSettled };
  const markets = Object.keys(pending).sort();
  const bucket = crossBucket(input.account);
  let allowance = input.maxRepayQuote;
  for (const market of markets) {
    const cash = quoteBalance(tx.view, bucket);
    const owed = pending[market] ?? 0n;
    let repay = cash < owed ? cash : owed;
    if (allowance !== undefined && allowance < repay) repay = allowance > 0n ? allowance : 0n;
    if (repay === 0n) continue;
    tx.move(bucket, crossBucket(input.params.makerAccount), repay, 'drift:settlePnl');
    pending[market] = owed - repay;
    if (allowance !== undefined) allowance -= repay;
  }
  if (!hasOpenPosition(tx.view, input.account) && quoteBalance(tx.view, bucket) === 0n) {
    for (const market of markets) {
      const loss = pending[market] ?? 0n;
      if (loss === 0n) continue;
      const before = settled[market] ?? 0n;
      const resolved = resolvePerpBankruptcy(tx.view, {
        account: input.account,
        market,
        lossQuote: loss,
        params: input.params,
        insuranceSettledQuote: before,
      });
      tx.adopt(resolved);
      pending[market] = 0n;
      if (resolved.insuranceSettledQuote !== before) {
        settled[market] = resolved.insuranceSettledQuote;
        const e: DriftInsuranceSettled = {
          type: 'DriftInsuranceSettled',
          market,
          settledQuote: resolved.insuranceSettledQuote,
        };
        tx.emit(e);
      }
    }
  }
  const names = new Set([...Object.keys(input.previous), ...markets]);
  for (const market of [...names].sort()) {
    const now = pending[market] ?? 0n;
    if (now !== (input.previous[market] ?? 0n)) tx.emit(pendingChanged(input.account, market, now));
  }
  const out: Record<string, bigint> = {};
  for (const [m, v] of Object.entries(pending)) if (v > 0n) out[m] = v;
  return { ...tx.step(), pending: out, insuranceSettled: settled };
}

/**
 * Loss waterfall: the fill's unpaid loss joins the user's pending loss in the market, which is
 * settled ({@link settlePendingLoss}): from USDC the user held before the call, and, once it holds
 * no position and no USDC, by the insurance fund, the fee pool and a social loss.
 */
export function driftLossWaterfall(
  ctx: DriftLiquidationContext,
  request: DriftLiquidationRequest,
  outcome: ExecutionOutcome<DriftExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  const incentive = driftIncentive(ctx, request, outcome);
  const view = applyPerpsEvents(d.view, incentive);
  const pending: Record<string, bigint> = { ...ctx.pendingLoss };
  pending[d.market] = (pending[d.market] ?? 0n) + outcome.shortfall;
  // Only USDC the user held before the call may settle it (never a profit this call paid in).
  const bucket = crossBucket(request.account);
  let outflow = 0n;
  for (const e of [...outcome.events, ...incentive]) {
    if (e.type !== 'Moved') continue;
    const m = e as Moved;
    if (m.from === bucket && m.asset === view.book.quoteAsset) outflow += m.amount;
  }
  const held = quoteBalance(ctx.view, bucket) - outflow;
  return settlePendingLoss(view, {
    account: request.account,
    previous: ctx.pendingLoss,
    pending,
    params: ctx.params,
    insuranceSettled: ctx.insuranceSettled,
    maxRepayQuote: held > 0n ? held : 0n,
  }).events;
}

/** Drift's perp liquidation stages, for `runLiquidation`. */
export const DRIFT_LIQUIDATION_STAGES: LiquidationStages<
  DriftLiquidationContext,
  DriftLiquidationRequest,
  DriftTriggered,
  DriftLiquidationSize,
  DriftExecutionDetail
> = {
  trigger: driftTrigger,
  sizing: driftSizing,
  execution: driftExecution,
  incentive: driftIncentive,
  lossWaterfall: driftLossWaterfall,
};
