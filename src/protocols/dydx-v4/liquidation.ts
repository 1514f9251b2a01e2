/**
 * A dYdX v4 liquidation as the engine's five stages (dydxprotocol/v4-chain
 * protocol/x/clob/keeper/liquidations.go, deleveraging.go):
 * - trigger: TNC < TMMR (TMMR > 0), and the (subaccount, perpetual) not yet liquidated this block
 *   (`MaybeGetLiquidationOrder`, `GetPerpetualPositionToLiquidate`);
 * - sizing: the position and subaccount block limits (`GetLiquidatablePositionSizeDelta`) and the
 *   order's worst price, the fillable price in subticks (`GetFillablePrice`,
 *   `ConvertFillablePriceToSubticks`);
 * - execution: the protocol's IOC order against the resting book, level by level while the maker's
 *   price is no worse than the fillable price; each match priced against the position's bankruptcy
 *   price (`GetBankruptcyPriceInQuoteQuantums`) into an insurance fund delta
 *   (`GetLiquidationInsuranceFundDelta`) and validated like `validateMatchedLiquidation`: the fund
 *   can pay, the subaccount's notional and insurance-lost block limits hold;
 * - incentive: the liquidation fee (the positive deltas, capped by maxLiquidationFeePpm) into the
 *   insurance fund: dYdX has no liquidator reward;
 * - loss waterfall: the insurance fund has already paid the negative deltas in the matches; when the
 *   order filled nothing and TNC < 0, deleveraging (`MaybeDeleverageSubaccount`,
 *   `OffsetSubaccountPerpetualPosition`) closes the whole position against opposite-side
 *   subaccounts at its bankruptcy price, starting from a pseudo-random one.
 *
 * Cash: every match is first computed on a scratch copy of the book and ledger (so each next match
 * sees the TNC the previous one left, fees included); the execution stage then posts the net cash
 * of all matches (PnL against the makers, insurance payouts) and the incentive stage posts the fees.
 * A fee is taken out of the liquidation proceeds before they reach the subaccount, the rest from
 * its collateral, so a liquidation never moves more out of `acct:<id>` than it held.
 */
import { createHash } from 'node:crypto';
import {
  InsufficientBalanceError,
  InsufficientMarginError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { type Moved, moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { pendingFundingQuote } from '../../engine/perps/margin.js';
import { movesForNets } from '../../engine/perps/nets.js';
import { applyFill, PerpsTx, tradePosition } from '../../engine/perps/settle.js';
import {
  crossBucket,
  marketIds,
  type PerpMarks,
  type PerpsView,
  positionOf,
  quoteBalance,
} from '../../engine/perps/types.js';
import type { ExecutionOutcome, LiquidationStages } from '../../engine/pipeline.js';
import {
  bankruptcyPriceQuoteQuantums,
  baseToQuoteQuantums,
  fillAmountToQuoteQuantums,
  fillablePrice,
  fillablePriceToSubticks,
  isLiquidatable,
  isValidInsuranceFundDelta,
  liquidatablePositionSizeDelta,
  liquidationInsuranceFundDelta,
  positionNotionalBounds,
  quoteToBaseQuantums,
  remainingBlockLimit,
} from './math.js';
import type { DydxParams, DydxPerpetualParams } from './params.js';
import { formatRational, type Rational } from './rational.js';
import {
  type DydxLiquidationRecorded,
  type DydxNegativeTncSeen,
  levelSubticks,
  positionRisk,
  requirePerpetual,
  type SubaccountLiquidationInfo,
  type SubaccountRisk,
  subaccountRisk,
} from './state.js';

/** Moved to the perps core; re-exported for callers of this module. */
export { movesForNets } from '../../engine/perps/nets.js';

/** Quote quantums of rounding a match at the bankruptcy price may leave unpaid (borne by the makers). */
export const BANKRUPTCY_DUST_QUOTE = 2n;

/** What the stages read. */
export interface DydxLiquidationContext {
  readonly params: DydxParams;
  readonly view: PerpsView;
  /** Oracle prices of every market with open interest. */
  readonly marks: PerpMarks;
  /** Current block height. */
  readonly block: number;
  /** The subaccount's liquidation info in this block. */
  readonly info: SubaccountLiquidationInfo;
}

/** A liquidation of one subaccount (protocol-generated on dYdX: no liquidator). */
export interface DydxLiquidationRequest {
  readonly account: string;
  /** The perpetual to liquidate; default: the first (by id) not yet liquidated this block. */
  readonly market?: string;
}

/** What the trigger found. */
export interface DydxTriggered {
  readonly market: string;
  readonly risk: SubaccountRisk;
}

/** The liquidation order the sizing built. */
export interface DydxLiquidationOrderSize {
  readonly market: string;
  /** Signed delta of the position (opposite to it), base quantums. */
  readonly deltaBase: bigint;
  readonly isLiquidatingLong: boolean;
  /** Fillable price, quote quantums per base quantum, exact. */
  readonly fillablePrice: Rational;
  /** The order's limit in subticks (rounded in the liquidated side's favour). */
  readonly orderSubticks: bigint;
  /** PNNV of the whole position, quote quantums. */
  readonly positionNotionalQuote: bigint;
  /** Position block limit (max of `GetMaxAndMinPositionNotionalLiquidatable`). */
  readonly maxPositionNotionalQuote: bigint;
  /** What is left of the subaccount's notional block limit. */
  readonly maxSubaccountNotionalQuote: bigint;
}

/** One match of the liquidation order. */
export interface DydxLiquidationMatch {
  readonly type: 'DydxLiquidationMatch';
  readonly account: string;
  readonly maker: string;
  readonly market: string;
  /** Base quantums filled (unsigned). */
  readonly fillBase: bigint;
  /** The maker's price, subticks. */
  readonly makerSubticks: bigint;
  /** Quote quantums exchanged (unsigned). */
  readonly fillQuote: bigint;
  /** Signed quote the subaccount would receive at its bankruptcy price. */
  readonly bankruptcyQuote: bigint;
  /** Insurance fund delta: > 0 fee paid in, < 0 paid out by the fund. */
  readonly insuranceFundDelta: bigint;
  /** Rounding dust the subaccount could not pay (borne by the makers). */
  readonly unpaidQuote: bigint;
}

/** Why matching stopped. */
export type DydxStopReason =
  | 'filled'
  | 'fillablePrice'
  | 'bookExhausted'
  | 'subaccountNotionalLimit'
  | 'subaccountInsuranceLimit'
  | 'insuranceFundInsufficient'
  | 'collateralization';

/** What the execution did, for the incentive and loss stages. */
export interface DydxExecutionDetail {
  readonly market: string;
  readonly matches: readonly DydxLiquidationMatch[];
  readonly filledBase: bigint;
  readonly unfilledBase: bigint;
  readonly stopReason: DydxStopReason;
  /** The book and ledger after every match, fees included. */
  readonly viewAfter: PerpsView;
  /** Σ positive insurance deltas (fees), posted by the incentive stage. */
  readonly feesQuote: bigint;
  /** Part of the fees withheld from the proceeds in the makers' bucket. */
  readonly feesWithheldQuote: bigint;
  /** Σ negative insurance deltas (paid by the fund inside the matches), unsigned. */
  readonly insurancePaidQuote: bigint;
  readonly makerAccount: string;
}

/** Record of the liquidation order placed. */
export interface DydxLiquidationOrderPlaced {
  readonly type: 'DydxLiquidationOrderPlaced';
  readonly account: string;
  readonly market: string;
  readonly block: number;
  readonly tncQuote: bigint;
  readonly tmmrQuote: bigint;
  readonly deltaBase: bigint;
  /** "num/den", quote quantums per base quantum. */
  readonly fillablePrice: string;
  readonly orderSubticks: bigint;
  readonly filledBase: bigint;
  readonly stopReason: DydxStopReason;
}

/** Record of the fee of a liquidation. */
export interface DydxLiquidationFeePaid {
  readonly type: 'DydxLiquidationFeePaid';
  readonly account: string;
  readonly market: string;
  readonly feeQuote: bigint;
}

/** Record of one deleveraging match. */
export interface DydxDeleveraged {
  readonly type: 'DydxDeleveraged';
  readonly account: string;
  readonly offsettingAccount: string;
  readonly market: string;
  /** Base quantums closed on each side. */
  readonly sizeBase: bigint;
  /** Signed quote the liquidated subaccount received (its bankruptcy price for that size). */
  readonly bankruptcyQuote: bigint;
}

/** Record of a deleveraging run. */
export interface DydxDeleveragingDone {
  readonly type: 'DydxDeleveragingDone';
  readonly account: string;
  readonly market: string;
  readonly deleveragedBase: bigint;
  /** Left open: no opposite subaccount could take it (non-overlapping bankruptcy prices). */
  readonly remainingBase: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** The makers' subaccounts (never liquidated by this model: the book's aggregate). */
export const makerAccounts = (params: DydxParams): string[] => [
  ...new Set(params.perpetuals.map((p) => p.makerAccount)),
];

/**
 * Trigger: the subaccount is liquidatable (TNC < TMMR with TMMR > 0) and has a perpetual not yet
 * liquidated in this block (the requested one, or the first by id).
 * @throws UnknownAccountError; PositionNotLiquidatableError (healthy, or a makers' subaccount);
 *   ProtocolRevertError `ErrNoPerpetualPositionsToLiquidate`, `ErrSubaccountHasLiquidatedPerpetual`.
 */
export function dydxTrigger(ctx: DydxLiquidationContext, request: DydxLiquidationRequest): DydxTriggered {
  const { view, params } = ctx;
  if (!view.book.accounts.has(request.account)) throw new UnknownAccountError(request.account);
  if (makerAccounts(params).includes(request.account))
    throw new PositionNotLiquidatableError(request.account, "the makers' subaccount is the book itself");
  const risk = subaccountRisk(view, params, request.account, ctx.marks);
  if (!isLiquidatable(risk.tncQuote, risk.tmmrQuote)) {
    throw new PositionNotLiquidatableError(
      request.account,
      `TNC ${risk.tncQuote} ≥ TMMR ${risk.tmmrQuote} (or TMMR is 0)`,
    );
  }
  const open = marketIds(view.book).filter(
    (m) => (positionOf(view.book, request.account, m)?.sizeBase ?? 0n) !== 0n,
  );
  if (request.market !== undefined) {
    requirePerpetual(params, request.market);
    if (!open.includes(request.market))
      throw new ProtocolRevertError(
        'ErrNoPerpetualPositionsToLiquidate',
        `${request.account} has no ${request.market} position`,
      );
    if (ctx.info.perpetualsLiquidated.includes(request.market)) {
      throw new ProtocolRevertError(
        'ErrSubaccountHasLiquidatedPerpetual',
        `${request.account} ${request.market} was already liquidated in block ${ctx.block}`,
      );
    }
    return { market: request.market, risk };
  }
  const market = open.find((m) => !ctx.info.perpetualsLiquidated.includes(m));
  if (market === undefined) {
    throw new ProtocolRevertError(
      'ErrNoPerpetualPositionsToLiquidate',
      `every open position of ${request.account} was already liquidated in block ${ctx.block}`,
    );
  }
  return { market, risk };
}

/**
 * Sizing: the delta the block limits allow (`GetLiquidatablePositionSizeDelta`: the smaller of the
 * position limit and what is left of the subaccount's notional limit, whole position when it fits
 * or is one step) and the order's limit price (`GetFillablePrice` → subticks).
 * @throws ProtocolRevertError when a block limit is already exceeded or the price cannot be formed.
 */
export function dydxSizing(
  ctx: DydxLiquidationContext,
  request: DydxLiquidationRequest,
  triggered: DydxTriggered,
): DydxLiquidationOrderSize {
  const { params } = ctx;
  const perp = requirePerpetual(params, triggered.market);
  const size = positionOf(ctx.view.book, request.account, triggered.market)?.sizeBase ?? 0n;
  const price = ctx.marks[triggered.market] ?? 0n;
  const pos = positionRisk(perp, price, size);
  const config = params.liquidations;
  const bounds = positionNotionalBounds({
    positionNotionalQuoteQuantums: pos.netNotionalQuote,
    minPositionNotionalLiquidated: config.minPositionNotionalLiquidated,
    maxPositionPortionLiquidatedPpm: config.maxPositionPortionLiquidatedPpm,
  });
  const maxSubaccount = remainingBlockLimit(
    config.maxNotionalLiquidated,
    ctx.info.notionalLiquidated,
    'ErrLiquidationExceedsSubaccountMaxNotionalLiquidated',
  );
  const deltaBase = liquidatablePositionSizeDelta({
    positionBaseQuantums: size,
    positionNotionalQuoteQuantums: pos.netNotionalQuote,
    maxPositionNotionalLiquidatable: bounds.maxNotionalLiquidatable,
    maxSubaccountNotionalLiquidatable: maxSubaccount,
    stepBaseQuantums: perp.stepBaseQuantums,
    notionalToBase: (q) => quoteToBaseQuantums(q, perp.atomicResolution, price, -perp.priceDecimals),
  });
  const fillable = fillablePrice({
    pnnvQuoteQuantums: pos.netNotionalQuote,
    pmmrQuoteQuantums: pos.maintenanceQuote,
    tncQuoteQuantums: triggered.risk.tncQuote,
    tmmrQuoteQuantums: triggered.risk.tmmrQuote,
    positionBaseQuantums: size,
    bankruptcyAdjustmentPpm: config.bankruptcyAdjustmentPpm,
    spreadToMaintenanceMarginRatioPpm: config.spreadToMaintenanceMarginRatioPpm,
  });
  const isLiquidatingLong = size > 0n;
  return {
    market: triggered.market,
    deltaBase,
    isLiquidatingLong,
    fillablePrice: fillable,
    orderSubticks: fillablePriceToSubticks({
      fillablePrice: fillable,
      isLiquidatingLong,
      quantumConversionExponent: perp.quantumConversionExponent,
      subticksPerTick: perp.subticksPerTick,
    }),
    positionNotionalQuote: pos.netNotionalQuote,
    maxPositionNotionalQuote: bounds.maxNotionalLiquidatable,
    maxSubaccountNotionalQuote: maxSubaccount,
  };
}

/** The signed quote a subaccount receives for `deltaBase` at its bankruptcy price, in `view`. */
export function bankruptcyQuoteFor(
  view: PerpsView,
  params: DydxParams,
  account: string,
  market: string,
  deltaBase: bigint,
  marks: PerpMarks,
): bigint {
  const perp = requirePerpetual(params, market);
  const size = positionOf(view.book, account, market)?.sizeBase ?? 0n;
  const price = marks[market] ?? 0n;
  const before = positionRisk(perp, price, size);
  const after = positionRisk(perp, price, size + deltaBase);
  const risk = subaccountRisk(view, params, account, marks);
  return bankruptcyPriceQuoteQuantums({
    dnnvQuoteQuantums: after.netNotionalQuote - before.netNotionalQuote,
    dmmrQuoteQuantums: after.maintenanceQuote - before.maintenanceQuote,
    tncQuoteQuantums: risk.tncQuote,
    tmmrQuoteQuantums: risk.tmmrQuote,
  });
}

/** Net quote change of every bucket over some moves. */
function netsOf(moves: readonly Moved[]): Map<string, bigint> {
  const nets = new Map<string, bigint>();
  for (const m of moves) {
    nets.set(m.from, (nets.get(m.from) ?? 0n) - m.amount);
    nets.set(m.to, (nets.get(m.to) ?? 0n) + m.amount);
  }
  return nets;
}

/**
 * Execution: the IOC liquidation order walks the book from the best level while the maker's price
 * is no worse than the order's subticks. Each match (a multiple of the step) is priced against the
 * bankruptcy price of its size in the state the previous matches left, and stops the order when
 * the fund could not pay its delta (counting only the fund's balance before this liquidation), a
 * subaccount block limit would be exceeded, or the subaccount could not settle it (a cross account
 * whose USDC is short of its realized loss: dYdX lets the USDC balance go negative, the ledger
 * does not). The (subaccount, perpetual) is recorded as liquidated in this block in every case.
 */
export function dydxExecution(
  ctx: DydxLiquidationContext,
  request: DydxLiquidationRequest,
  size: DydxLiquidationOrderSize,
  triggered: DydxTriggered,
): ExecutionOutcome<DydxExecutionDetail> {
  const { params, view, marks } = ctx;
  const perp: DydxPerpetualParams = requirePerpetual(params, size.market);
  const config = params.liquidations;
  const maker = perp.makerAccount;
  const account = request.account;
  const acct = crossBucket(account);
  const price = marks[size.market] ?? 0n;
  const takerSide = size.isLiquidatingLong ? 'sell' : 'buy';
  let tx = new PerpsTx(view);
  const matches: DydxLiquidationMatch[] = [];
  const scratchEvents: EngineEvent[] = [];
  let remaining = abs(size.deltaBase);
  let notionalLeft = size.maxSubaccountNotionalQuote;
  let insuranceLeft = remainingBlockLimit(
    config.maxQuantumsInsuranceLost,
    ctx.info.quantumsInsuranceLost,
    'ErrLiquidationExceedsSubaccountMaxInsuranceLost',
  );
  let fundAvailable = quoteBalance(view, 'insurance');
  let notionalLiquidated = 0n;
  let insuranceLost = 0n;
  let stopReason: DydxStopReason = 'bookExhausted';
  for (const level of perp.book.levels) {
    if (remaining === 0n) break;
    const makerSubticks = levelSubticks(perp, level.priceOffsetPpm, takerSide, price);
    const worse = size.isLiquidatingLong
      ? makerSubticks < size.orderSubticks
      : makerSubticks > size.orderSubticks;
    if (worse) {
      stopReason = 'fillablePrice';
      break;
    }
    let fillBase = level.sizeBase < remaining ? level.sizeBase : remaining;
    fillBase -= fillBase % perp.stepBaseQuantums;
    if (fillBase === 0n) continue;
    const fillQuote = fillAmountToQuoteQuantums(makerSubticks, fillBase, perp.quantumConversionExponent);
    const deltaBase = size.isLiquidatingLong ? -fillBase : fillBase;
    const bankruptcy = bankruptcyQuoteFor(tx.view, params, account, size.market, deltaBase, marks);
    const delta = liquidationInsuranceFundDelta({
      fillQuoteQuantums: size.isLiquidatingLong ? fillQuote : -fillQuote,
      bankruptcyQuoteQuantums: bankruptcy,
      maxLiquidationFeePpm: config.maxLiquidationFeePpm,
    });
    const notional = abs(baseToQuoteQuantums(fillBase, perp.atomicResolution, price, -perp.priceDecimals));
    if (notional > notionalLeft) {
      stopReason = 'subaccountNotionalLimit';
      break;
    }
    if (delta < 0n && -delta > insuranceLeft) {
      stopReason = 'subaccountInsuranceLimit';
      break;
    }
    if (!isValidInsuranceFundDelta(fundAvailable, delta)) {
      stopReason = 'insuranceFundInsufficient';
      break;
    }
    const attempt = new PerpsTx(tx.view);
    let unpaid = 0n;
    let charged = delta;
    try {
      if (delta < 0n) attempt.move('insurance', acct, -delta, 'dydx:insuranceFund');
      const fill = applyFill(attempt.view, {
        account,
        counterparty: maker,
        market: size.market,
        sizeBase: deltaBase,
        quoteAmount: fillQuote,
        shortfall: 'settlement',
        reason: 'liquidation',
      });
      unpaid = fill.unpaidQuote;
      if (unpaid > BANKRUPTCY_DUST_QUOTE) {
        stopReason = 'collateralization';
        break;
      }
      attempt.adopt(fill);
      if (delta > 0n) {
        // Capped by what the subaccount holds after the match (differs from dYdX by rounding only).
        const have = quoteBalance(attempt.view, acct);
        charged = delta < have ? delta : have;
        attempt.move(acct, 'insurance', charged, 'dydx:liquidationFee');
      }
    } catch (error) {
      if (error instanceof InsufficientBalanceError || error instanceof InsufficientMarginError) {
        stopReason = 'collateralization';
        break;
      }
      throw error;
    }
    const record: DydxLiquidationMatch = {
      type: 'DydxLiquidationMatch',
      account,
      maker,
      market: size.market,
      fillBase,
      makerSubticks,
      fillQuote,
      bankruptcyQuote: bankruptcy,
      insuranceFundDelta: charged,
      unpaidQuote: unpaid,
    };
    attempt.emit(record);
    scratchEvents.push(...attempt.events);
    tx = new PerpsTx(attempt.view);
    matches.push(record);
    remaining -= fillBase;
    notionalLeft -= notional;
    notionalLiquidated += notional;
    if (delta < 0n) {
      insuranceLeft += delta;
      insuranceLost -= delta;
      fundAvailable += delta;
    }
  }
  if (remaining === 0n) stopReason = 'filled';

  // Post the net cash of all matches; fees separately (the incentive stage).
  const scratchMoves = scratchEvents.filter((e): e is Moved => e.type === 'Moved');
  const allEvents = scratchEvents.filter((e) => e.type !== 'Moved');
  const fees = scratchMoves
    .filter((m) => m.reason === 'dydx:liquidationFee')
    .reduce((s, m) => s + m.amount, 0n);
  const nets = netsOf(scratchMoves.filter((m) => m.reason !== 'dydx:liquidationFee'));
  const accountNet = nets.get(acct) ?? 0n;
  const withheld = accountNet > 0n ? (accountNet < fees ? accountNet : fees) : 0n;
  const makerBucket = crossBucket(maker);
  if (withheld > 0n) {
    nets.set(acct, accountNet - withheld);
    nets.set(makerBucket, (nets.get(makerBucket) ?? 0n) + withheld);
  }
  const insurancePaid = -(nets.get('insurance') ?? 0n);
  const filledBase = abs(size.deltaBase) - remaining;
  const placed: DydxLiquidationOrderPlaced = {
    type: 'DydxLiquidationOrderPlaced',
    account,
    market: size.market,
    block: ctx.block,
    tncQuote: triggered.risk.tncQuote,
    tmmrQuote: triggered.risk.tmmrQuote,
    deltaBase: size.deltaBase,
    fillablePrice: formatRational(size.fillablePrice),
    orderSubticks: size.orderSubticks,
    filledBase,
    stopReason,
  };
  const recorded: DydxLiquidationRecorded = {
    type: 'DydxLiquidationRecorded',
    block: ctx.block,
    account,
    market: size.market,
    notionalLiquidatedQuote: notionalLiquidated,
    insuranceLostQuote: insuranceLost,
  };
  const seen: DydxNegativeTncSeen[] =
    triggered.risk.tncQuote < 0n
      ? [{ type: 'DydxNegativeTncSeen', block: ctx.block, account, tncQuote: triggered.risk.tncQuote }]
      : [];
  const events: EngineEvent[] = [
    placed,
    ...allEvents,
    ...movesForNets(view.book.quoteAsset, nets, 'dydx:liquidation'),
    recorded,
    ...seen,
  ];
  return {
    events,
    shortfall: 0n,
    detail: {
      market: size.market,
      matches,
      filledBase,
      unfilledBase: remaining,
      stopReason,
      viewAfter: tx.view,
      feesQuote: fees,
      feesWithheldQuote: withheld,
      insurancePaidQuote: insurancePaid > 0n ? insurancePaid : 0n,
      makerAccount: maker,
    },
  };
}

/**
 * Incentive: the liquidation fees (the matches' positive insurance fund deltas, each at most
 * maxLiquidationFeePpm of its quote) go to the insurance fund: first the part withheld from the
 * proceeds in the makers' bucket, then the rest from the subaccount. No liquidator reward.
 */
export function dydxIncentive(
  ctx: DydxLiquidationContext,
  request: DydxLiquidationRequest,
  outcome: ExecutionOutcome<DydxExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  if (d.feesQuote === 0n) return [];
  const asset = ctx.view.book.quoteAsset;
  const record: DydxLiquidationFeePaid = {
    type: 'DydxLiquidationFeePaid',
    account: request.account,
    market: d.market,
    feeQuote: d.feesQuote,
  };
  return [
    ...moved(asset, crossBucket(d.makerAccount), 'insurance', d.feesWithheldQuote, 'dydx:liquidationFee'),
    ...moved(
      asset,
      crossBucket(request.account),
      'insurance',
      d.feesQuote - d.feesWithheldQuote,
      'dydx:liquidationFee',
    ),
    record,
  ];
}

/** The first index of a deleveraging pass: dYdX starts from a pseudo-random subaccount. */
export function deleveragingStart(
  seed: string,
  block: number,
  account: string,
  market: string,
  n: number,
): number {
  if (n <= 0) return 0;
  const hex = createHash('sha256').update(`${seed}:${block}:${market}:${account}`).digest('hex').slice(0, 12);
  return Number(BigInt(`0x${hex}`) % BigInt(n));
}

/**
 * Deleveraging (`OffsetSubaccountPerpetualPosition`): closes the whole position against subaccounts
 * on the opposite side, in id order from a pseudo-random start, at most
 * `maxDeleveragingSubaccountsToIterate`, each match at the bankruptcy price of its size in the
 * state the previous ones left (`GetBankruptcyPriceInQuoteQuantums`). An offsetting subaccount that
 * could not pay its realized loss is skipped (dYdX's non-overlapping bankruptcy prices); what no
 * one takes stays open.
 */
export function deleverage(
  ctx: DydxLiquidationContext,
  view: PerpsView,
  account: string,
  market: string,
): {
  readonly events: readonly EngineEvent[];
  readonly deleveragedBase: bigint;
  readonly remainingBase: bigint;
} {
  const { params, marks } = ctx;
  const position = positionOf(view.book, account, market);
  const size = position?.sizeBase ?? 0n;
  if (size === 0n) return { events: [], deleveragedBase: 0n, remainingBase: 0n };
  const candidates: string[] = [];
  view.book.markets[market]?.positions.forEach((p, id) => {
    if (id !== account && p.sizeBase * size < 0n) candidates.push(id);
  });
  candidates.sort();
  const n = candidates.length;
  const start = deleveragingStart(params.deleveragingSeed, ctx.block, account, market, n);
  let tx = new PerpsTx(view);
  const out: EngineEvent[] = [];
  let remaining = abs(size);
  const iterations = Math.min(n, params.maxDeleveragingSubaccountsToIterate);
  for (let i = 0; i < iterations && remaining > 0n; i++) {
    const other = candidates[(i + start) % n];
    if (other === undefined) continue;
    const offsetting = positionOf(tx.view.book, other, market);
    if (offsetting === undefined || offsetting.sizeBase * size >= 0n) continue;
    const take = abs(offsetting.sizeBase) < remaining ? abs(offsetting.sizeBase) : remaining;
    const deltaBase = size > 0n ? -take : take;
    const bankruptcy = bankruptcyQuoteFor(tx.view, params, account, market, deltaBase, marks);
    // The buyer pays the seller: a long being deleveraged sells for its bankruptcy quote.
    const quoteAmount = size > 0n ? bankruptcy : -bankruptcy;
    if (quoteAmount < 0n) continue;
    const marketState = tx.view.book.markets[market];
    if (marketState === undefined) continue;
    const settledEntry = offsetting.entryQuote + pendingFundingQuote(offsetting, marketState);
    const trade = tradePosition(
      { sizeBase: offsetting.sizeBase, entryQuote: settledEntry },
      -deltaBase,
      deltaBase < 0n ? quoteAmount : -quoteAmount,
    );
    if (trade.realizedQuote < 0n && -trade.realizedQuote > quoteBalance(tx.view, crossBucket(other)))
      continue;
    let fill: ReturnType<typeof applyFill>;
    try {
      fill = applyFill(tx.view, {
        account,
        counterparty: other,
        market,
        sizeBase: deltaBase,
        quoteAmount,
        shortfall: 'settlement',
        reason: 'deleveraging',
      });
    } catch (error) {
      if (error instanceof InsufficientBalanceError || error instanceof InsufficientMarginError) continue;
      throw error;
    }
    if (fill.unpaidQuote > BANKRUPTCY_DUST_QUOTE) continue;
    const step = new PerpsTx(tx.view);
    step.adopt(fill);
    const record: DydxDeleveraged = {
      type: 'DydxDeleveraged',
      account,
      offsettingAccount: other,
      market,
      sizeBase: take,
      bankruptcyQuote: bankruptcy,
    };
    step.emit(record);
    out.push(...step.events);
    tx = new PerpsTx(step.view);
    remaining -= take;
  }
  const done: DydxDeleveragingDone = {
    type: 'DydxDeleveragingDone',
    account,
    market,
    deleveragedBase: abs(size) - remaining,
    remainingBase: remaining,
  };
  return { events: [...out, done], deleveragedBase: abs(size) - remaining, remainingBase: remaining };
}

/**
 * Loss waterfall: the insurance fund paid its share inside the matches (execution). When the order
 * filled nothing and the subaccount's TNC is negative, deleveraging closes the position against
 * the opposite side at the bankruptcy price; otherwise the rest waits for the next block.
 */
export function dydxLossWaterfall(
  ctx: DydxLiquidationContext,
  request: DydxLiquidationRequest,
  outcome: ExecutionOutcome<DydxExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  if (d.filledBase > 0n) return [];
  const risk = subaccountRisk(d.viewAfter, ctx.params, request.account, ctx.marks);
  if (risk.tncQuote >= 0n) return [];
  return deleverage(ctx, d.viewAfter, request.account, d.market).events;
}

/** The dYdX stages, for `runLiquidation`. */
export const DYDX_LIQUIDATION_STAGES: LiquidationStages<
  DydxLiquidationContext,
  DydxLiquidationRequest,
  DydxTriggered,
  DydxLiquidationOrderSize,
  DydxExecutionDetail
> = {
  trigger: dydxTrigger,
  sizing: dydxSizing,
  execution: dydxExecution,
  incentive: dydxIncentive,
  lossWaterfall: dydxLossWaterfall,
};
