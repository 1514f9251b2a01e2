/**
 * A generic perps liquidation as the engine's five stages: trigger (a scope's equity below its
 * maintenance margin), sizing (partial toward a target, or the whole position), execution (a
 * market close into the venue against the maker account with slippage, a backstop takeover, or a
 * hand-over to ADL when the loss waterfall cannot pay the fill's shortfall), incentive (the
 * liquidation fee, split between the liquidator and the insurance fund) and loss waterfall
 * (insurance → backstop vault → socialization, or ADL at the bankruptcy price). The
 * `perps-generic` model runs these; protocol models may swap any stage.
 */
import { divSigned, min, Rounding } from '../../math/mulDiv.js';
import { PositionNotLiquidatableError, ProtocolRevertError, UnknownAccountError } from '../errors.js';
import { applyMove, type Moved } from '../ledger.js';
import type { EngineEvent } from '../machine.js';
import type { ExecutionOutcome, LiquidationStages } from '../pipeline.js';
import {
  type AdlRanking,
  autoDeleverage,
  backstopTakeover,
  bankruptcyQuote,
  coverBankruptcy,
  type ShortfallStep,
  shortfallCapacity,
} from './loss.js';
import {
  accountMargin,
  isLiquidatable,
  liquidatableScopes,
  type MarginScope,
  notionalQuote,
  positionMargin,
  requireMark,
  sizeToCloseForStageTarget,
  sizeToCloseForTarget,
} from './margin.js';
import { applyFill, type PerpsStep, PerpsTx, payFromCrossProfits } from './settle.js';
import {
  evolvePerpsBook,
  marketIds,
  marketOf,
  type PerpMarks,
  type PerpsView,
  PPM_SCALE,
  positionBucket,
  positionOf,
  quoteBalance,
  sideOf,
} from './types.js';
import { quoteMarketClose, recenterAmm } from './venue.js';

/** One step of the perps loss waterfall: the shortfall payers, or auto-deleveraging. */
export type PerpsLossStep = ShortfallStep | 'adl';

/** How a perps venue liquidates. */
export interface PerpsLiquidationPolicy {
  /** `partial`: the least size that restores the target; `whole`: the whole position. */
  readonly sizing: 'partial' | 'whole';
  /** Partial target: equity ≥ maintenance·targetRatioPpm/1e6 (≥ 1e6) ... */
  readonly targetRatioPpm: bigint;
  /** ... + bufferPpm of the remaining notional (Drift's liquidation margin buffer). */
  readonly bufferPpm: bigint;
  /** Share of the liquidation fee paid to the liquidator, ppm; the rest goes to `insurance`. */
  readonly liquidatorSharePpm: bigint;
  /** Loss steps in order; the last is `socialize` or `adl`. */
  readonly lossSteps: readonly PerpsLossStep[];
  /** Ranking ADL closes opposite positions in. */
  readonly adlRanking: AdlRanking;
  /**
   * A backstop vault: it takes over the scope (positions and margin) instead of a venue close when
   * equity < maintenance·takeoverBelowMaintenancePpm/1e6 (Hyperliquid: ⅔), and is the account the
   * `backstop` loss step spends.
   */
  readonly backstop?: { readonly account: string; readonly takeoverBelowMaintenancePpm: bigint };
  /** Quote units the insurance fund always keeps. */
  readonly insuranceFloorQuote?: bigint;
  /** Accounts never liquidated (makers, vaults that the protocol lets run negative). */
  readonly exemptAccounts?: readonly string[];
  /**
   * A cross liquidation's venue close may draw on the unrealized profits of the account's other
   * cross positions ({@link payFromCrossProfits}, markets in id order): first for a realized loss
   * its cash cannot pay (so a hedged account with positive equity does not hand the loss waterfall
   * a shortfall while a hedge leg still shows a gain), then for the part of the liquidation fee its
   * cash cannot pay (still capped by its equity). Absent: the account's cash alone pays, as before.
   */
  readonly settleCrossProfits?: boolean;
}

/** What the stages read: the book with its ledger, marks, and the policy. */
export interface PerpsLiquidationContext {
  readonly view: PerpsView;
  readonly marks: PerpMarks;
  readonly policy: PerpsLiquidationPolicy;
}

/** A liquidation call. */
export interface PerpsLiquidationRequest {
  readonly account: string;
  /** Who calls it (receives the liquidator's share of the fee in `wallet:<liquidator>`). */
  readonly liquidator: string;
  /** The market to act on; default: the first liquidatable scope's largest position. */
  readonly market?: string;
}

/** What the trigger found. */
export interface PerpsTriggered {
  readonly scope: 'cross' | 'isolated';
  readonly market: string;
  /** The scope's margin at the marks. */
  readonly margin: MarginScope;
}

/** What the sizing decided. */
export interface PerpsLiquidationSize {
  readonly market: string;
  /** Base units to close (unsigned, > 0). */
  readonly closeBase: bigint;
  readonly whole: boolean;
}

/** What the execution did. */
export interface PerpsExecutionDetail {
  /** `venue` close, `backstop` takeover, or `adl` (left for the loss waterfall). */
  readonly kind: 'venue' | 'backstop' | 'adl';
  readonly market: string;
  /** The view after the execution's events. */
  readonly view: PerpsView;
  /** Bucket of the liquidated scope (`acct:` or `iso:`). */
  readonly bucket: string;
  /** Its balance before the liquidation, quote units. */
  readonly bucketBeforeQuote: bigint;
  readonly filledBase: bigint;
  readonly quoteAmount: bigint;
  /** Notional of what was closed at the mark, quote units (the fee base). */
  readonly closedNotionalQuote: bigint;
  /** The settlement (maker) account owed the shortfall. */
  readonly creditor: string;
}

/** Record of a liquidation's execution. */
export interface PerpLiquidated {
  readonly type: 'PerpLiquidated';
  readonly account: string;
  readonly liquidator: string;
  readonly market: string;
  readonly scope: 'cross' | 'isolated';
  readonly kind: PerpsExecutionDetail['kind'];
  readonly equityQuote: bigint;
  readonly maintenanceQuote: bigint;
  readonly markPrice: bigint;
  readonly closeBase: bigint;
  readonly filledBase: bigint;
  readonly quoteAmount: bigint;
  /** Average fill price, null when nothing was filled in the venue. */
  readonly averagePrice: bigint | null;
  /** Realized loss the account could not pay (the loss waterfall's input), quote units. */
  readonly shortfallQuote: bigint;
}

/** Record of a liquidation fee. */
export interface PerpLiquidationFee {
  readonly type: 'PerpLiquidationFee';
  readonly account: string;
  readonly liquidator: string;
  readonly feeQuote: bigint;
  readonly toLiquidatorQuote: bigint;
  readonly toInsuranceQuote: bigint;
}

/**
 * Applies events to a view: `Moved`s of any asset to the ledger, book events to the book. For
 * chaining stages whose events were computed from an earlier view.
 */
export function applyPerpsEvents(view: PerpsView, events: readonly EngineEvent[]): PerpsView {
  let ledger = view.ledger;
  let book = view.book;
  for (const e of events) {
    if (e.type === 'Moved') ledger = applyMove(ledger, e as Moved);
    else book = evolvePerpsBook(book, e);
  }
  return { book, ledger };
}

/**
 * Trigger: refuses unless the scope is below maintenance (equity < MM, strict). With a market,
 * the scope is that position's (cross or isolated); without, the first liquidatable scope
 * (cross first, then isolated markets sorted), and for cross the position with the largest
 * maintenance margin (ties: market id).
 * @throws UnknownAccountError; PositionNotLiquidatableError (healthy, exempt, no position);
 *   InvalidParameterError (missing mark, unknown market).
 */
export function perpsTrigger(ctx: PerpsLiquidationContext, request: PerpsLiquidationRequest): PerpsTriggered {
  const { view, marks, policy } = ctx;
  if (!view.book.accounts.has(request.account)) throw new UnknownAccountError(request.account);
  if ((policy.exemptAccounts ?? []).includes(request.account)) {
    throw new PositionNotLiquidatableError(request.account, 'the account is exempt (a maker or vault)');
  }
  const margin = accountMargin(view, request.account, marks);
  const crossMarket = (): string | undefined => {
    // A cross-margin stage names the leg that reduces its requirement (netting: the net side).
    if (margin.stage !== undefined) return margin.stage.liquidationMarket;
    let best: { market: string; mm: bigint } | undefined;
    for (const market of marketIds(view.book)) {
      const p = positionOf(view.book, request.account, market);
      if (p === undefined || p.marginMode !== 'cross' || p.sizeBase === 0n) continue;
      const mm = positionMargin(p, marketOf(view.book, market), marks).maintenanceQuote;
      if (best === undefined || mm > best.mm) best = { market, mm };
    }
    return best?.market;
  };
  if (request.market !== undefined) {
    const p = positionOf(view.book, request.account, request.market);
    if (p === undefined || p.sizeBase === 0n) {
      throw new PositionNotLiquidatableError(request.account, `no open position in ${request.market}`);
    }
    const scope = p.marginMode === 'cross' ? margin : margin.isolated[request.market]!;
    if (!isLiquidatable(scope)) {
      throw new PositionNotLiquidatableError(
        request.account,
        `equity ${scope.equityQuote} ≥ maintenance margin ${scope.maintenanceQuote}`,
      );
    }
    return { scope: p.marginMode, market: request.market, margin: scope };
  }
  for (const scope of liquidatableScopes(margin)) {
    if (scope !== 'cross') return { scope: 'isolated', market: scope, margin: margin.isolated[scope]! };
    const market = crossMarket();
    if (market !== undefined) return { scope: 'cross', market, margin };
  }
  throw new PositionNotLiquidatableError(
    request.account,
    `equity ${margin.equityQuote} ≥ maintenance margin ${margin.maintenanceQuote} in every scope`,
  );
}

/**
 * Sizing: the whole position when the policy says so or the scope's equity is ≤ 0; otherwise the
 * least size that brings the scope back to the target after paying the liquidation fee
 * ({@link sizeToCloseForTarget}; for a cross scope under a cross-margin stage
 * {@link sizeToCloseForStageTarget}, which stops where closing the leg would raise the stage's
 * requirement), at least one base unit.
 * @throws InvalidParameterError (missing mark).
 */
export function perpsSizing(
  ctx: PerpsLiquidationContext,
  request: PerpsLiquidationRequest,
  triggered: PerpsTriggered,
): PerpsLiquidationSize {
  const position = positionOf(ctx.view.book, request.account, triggered.market)!;
  const size = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  if (ctx.policy.sizing === 'whole' || triggered.margin.equityQuote <= 0n) {
    return { market: triggered.market, closeBase: size, whole: true };
  }
  const config = marketOf(ctx.view.book, triggered.market).config;
  const sizer =
    triggered.scope === 'cross' && ctx.view.book.marginStage !== undefined
      ? sizeToCloseForStageTarget
      : sizeToCloseForTarget;
  const closeBase = sizer(ctx.view, request.account, triggered.market, {
    marks: ctx.marks,
    targetRatioPpm: ctx.policy.targetRatioPpm,
    bufferPpm: ctx.policy.bufferPpm,
    closingCostPpm: config.liquidationFeePpm,
  });
  const at = closeBase < 1n ? 1n : closeBase;
  return { market: triggered.market, closeBase: at, whole: at === size };
}

/** Σ what the steps before `adl` can pay (null: unbounded). */
function capacityBeforeAdl(view: PerpsView, policy: PerpsLiquidationPolicy): bigint | null {
  let total = 0n;
  for (const step of policy.lossSteps) {
    if (step === 'adl') break;
    const c = shortfallCapacity(view, step, {
      ...(policy.backstop === undefined ? {} : { backstopAccount: policy.backstop.account }),
      ...(policy.insuranceFloorQuote === undefined
        ? {}
        : { insuranceFloorQuote: policy.insuranceFloorQuote }),
    });
    if (c === null) return null;
    total += c;
  }
  return total;
}

/**
 * Execution. A backstop takeover when the policy has a vault and equity is below its threshold;
 * otherwise a market close of the sized amount into the venue (an AMM re-pegged to the mark first;
 * the venue's depth is a standing profile, not consumed) against the maker account. A fill that
 * would leave a shortfall the steps before `adl` cannot pay is not made: the whole position is
 * left to ADL at its bankruptcy price in the loss waterfall.
 * @throws ProtocolRevertError `NO_LIQUIDITY` when the venue fills nothing; InvalidParameterError.
 */
export function perpsExecution(
  ctx: PerpsLiquidationContext,
  request: PerpsLiquidationRequest,
  size: PerpsLiquidationSize,
  triggered: PerpsTriggered,
): ExecutionOutcome<PerpsExecutionDetail> {
  const { view, marks, policy } = ctx;
  const market = size.market;
  const state = marketOf(view.book, market);
  const position = positionOf(view.book, request.account, market)!;
  const bucket = positionBucket(request.account, market, position.marginMode);
  const mark = requireMark(marks, market);
  const base = {
    market,
    bucket,
    bucketBeforeQuote: quoteBalance(view, bucket),
    creditor: state.config.makerAccount,
  };
  const record = (
    kind: PerpsExecutionDetail['kind'],
    filledBase: bigint,
    quoteAmount: bigint,
    shortfall: bigint,
    averagePrice: bigint | null,
  ): PerpLiquidated => ({
    type: 'PerpLiquidated',
    account: request.account,
    liquidator: request.liquidator,
    market,
    scope: triggered.scope,
    kind,
    equityQuote: triggered.margin.equityQuote,
    maintenanceQuote: triggered.margin.maintenanceQuote,
    markPrice: mark,
    closeBase: size.closeBase,
    filledBase,
    quoteAmount,
    averagePrice,
    shortfallQuote: shortfall,
  });

  const backstop = policy.backstop;
  if (
    backstop !== undefined &&
    triggered.margin.equityQuote * PPM_SCALE <
      triggered.margin.maintenanceQuote * backstop.takeoverBelowMaintenancePpm
  ) {
    const tx = new PerpsTx(view);
    tx.adopt(
      backstopTakeover(view, {
        account: request.account,
        backstopAccount: backstop.account,
        scope: triggered.scope === 'cross' ? 'cross' : market,
      }),
    );
    tx.emit(record('backstop', 0n, 0n, 0n, null));
    const detail = {
      ...base,
      kind: 'backstop' as const,
      view: tx.view,
      filledBase: 0n,
      quoteAmount: 0n,
      closedNotionalQuote: 0n,
    };
    return { events: tx.events, shortfall: 0n, detail };
  }

  const side = sideOf(position.sizeBase);
  const venue = recenterAmm(state.config.venue, mark, state.config);
  const quote = quoteMarketClose(venue, side, size.closeBase, mark, state.config);
  if (quote.filledBase === 0n) {
    throw new ProtocolRevertError(
      'NO_LIQUIDITY',
      `The ${market} venue fills nothing; the position stays open.`,
    );
  }
  const fill = applyFill(view, {
    account: request.account,
    counterparty: state.config.makerAccount,
    market,
    sizeBase: side === 'long' ? -quote.filledBase : quote.filledBase,
    quoteAmount: quote.quoteAmount,
    shortfall: 'settlement',
    reason: 'liquidation',
  });
  // The account's other cross legs in profit pay the shortfall first (policy settleCrossProfits).
  let unpaid = fill.unpaidQuote;
  let covered: PerpsStep = { view: fill.view, events: [] };
  if (unpaid > 0n && policy.settleCrossProfits === true && triggered.scope === 'cross') {
    const paid = payFromCrossProfits(fill.view, {
      account: request.account,
      exceptMarket: market,
      marks,
      toBucket: positionBucket(state.config.makerAccount, market, 'cross'),
      maxQuote: unpaid,
    });
    covered = paid;
    unpaid -= paid.paidQuote;
  }
  if (unpaid > 0n && policy.lossSteps.includes('adl')) {
    const capacity = capacityBeforeAdl(view, policy);
    if (capacity !== null && unpaid > capacity) {
      // The waterfall cannot pay this fill: deleverage the whole position instead (no venue fill).
      const deficit = bankruptcyQuote(view, request.account, market, marks).positionEquityQuote;
      const shortfall = deficit < 0n ? -deficit : 0n;
      const detail = {
        ...base,
        kind: 'adl' as const,
        view,
        filledBase: 0n,
        quoteAmount: 0n,
        closedNotionalQuote: 0n,
      };
      return { events: [record('adl', 0n, 0n, shortfall, null)], shortfall, detail };
    }
  }
  const tx = new PerpsTx(view);
  tx.adopt(fill);
  tx.adopt(covered);
  tx.emit(record('venue', quote.filledBase, quote.quoteAmount, unpaid, quote.averagePrice));
  const detail = {
    ...base,
    kind: 'venue' as const,
    view: tx.view,
    filledBase: quote.filledBase,
    quoteAmount: quote.quoteAmount,
    closedNotionalQuote: notionalQuote(quote.filledBase, mark, state.config),
  };
  return { events: tx.events, shortfall: unpaid, detail };
}

/**
 * Incentive: after a venue close that left no shortfall, the liquidation fee
 * ceil(closed notional · liquidationFeePpm / 1e6) (rounded up: favours the fund) is taken from the
 * scope's bucket, capped by the scope's remaining equity (a fee never makes an account bankrupt)
 * and by what the bucket held before the liquidation net of what the close already took; the
 * liquidator gets floor(fee · share / 1e6) in `wallet:<liquidator>`, the insurance fund the rest.
 * Nothing after a takeover, an ADL or a shortfall.
 * @throws InvalidParameterError (missing mark).
 */
export function perpsIncentive(
  ctx: PerpsLiquidationContext,
  request: PerpsLiquidationRequest,
  outcome: ExecutionOutcome<PerpsExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  if (d.kind !== 'venue' || outcome.shortfall > 0n) return [];
  const config = marketOf(d.view.book, d.market).config;
  const fee = divSigned(d.closedNotionalQuote * config.liquidationFeePpm, PPM_SCALE, Rounding.Up);
  const margin = accountMargin(d.view, request.account, ctx.marks);
  const position = positionOf(d.view.book, request.account, d.market);
  const isolated = d.bucket.startsWith('iso:');
  const equity = !isolated
    ? margin.equityQuote
    : position === undefined
      ? quoteBalance(d.view, d.bucket)
      : (margin.isolated[d.market]?.equityQuote ?? 0n);
  const outflow = outflowOf(outcome.events, d.bucket, d.view.book.quoteAsset);
  const cap = min(min(equity, quoteBalance(d.view, d.bucket)), d.bucketBeforeQuote - outflow);
  const fromBucket = cap <= 0n ? 0n : min(fee, cap);
  const tx = new PerpsTx(d.view);
  // What the cash cannot pay, the other cross legs' profits may (policy), within the equity.
  const room = min(fee, equity) - fromBucket;
  let fromProfits = 0n;
  if (ctx.policy.settleCrossProfits === true && !isolated && room > 0n) {
    const paid = payFromCrossProfits(tx.view, {
      account: request.account,
      exceptMarket: d.market,
      marks: ctx.marks,
      toBucket: 'insurance',
      maxQuote: room,
    });
    tx.adopt(paid);
    fromProfits = paid.paidQuote;
  }
  const charged = fromBucket + fromProfits;
  if (charged === 0n) return [];
  const toLiquidator = divSigned(charged * ctx.policy.liquidatorSharePpm, PPM_SCALE, Rounding.Down);
  // The bucket pays the liquidator first; profits paid into the fund cover the rest of its share.
  const bucketToLiquidator = min(toLiquidator, fromBucket);
  tx.move(d.bucket, `wallet:${request.liquidator}`, bucketToLiquidator, 'perps:liquidationFee');
  tx.move(d.bucket, 'insurance', fromBucket - bucketToLiquidator, 'perps:liquidationFee');
  tx.move(
    'insurance',
    `wallet:${request.liquidator}`,
    toLiquidator - bucketToLiquidator,
    'perps:liquidationFee',
  );
  const record: PerpLiquidationFee = {
    type: 'PerpLiquidationFee',
    account: request.account,
    liquidator: request.liquidator,
    feeQuote: charged,
    toLiquidatorQuote: toLiquidator,
    toInsuranceQuote: charged - toLiquidator,
  };
  tx.emit(record);
  return tx.events;
}

function outflowOf(events: readonly EngineEvent[], bucket: string, asset: string): bigint {
  let out = 0n;
  for (const e of events) {
    if (e.type !== 'Moved') continue;
    const m = e as Moved;
    if (m.asset === asset && m.from === bucket) out += m.amount;
  }
  return out;
}

/**
 * Loss waterfall. After a venue close with a shortfall: the policy's steps before `adl`
 * ({@link coverBankruptcy}: insurance, backstop vault, socialization) pay the maker it is owed.
 * After an ADL hand-over: the whole position is closed against ranked opposite positions at its
 * bankruptcy quote ({@link autoDeleverage}); a remainder the ranking could not take is refused.
 * @throws ProtocolRevertError `ADL_INCOMPLETE`; InsufficientBalanceError (settlement account short).
 */
export function perpsLossWaterfall(
  ctx: PerpsLiquidationContext,
  request: PerpsLiquidationRequest,
  outcome: ExecutionOutcome<PerpsExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  const policy = ctx.policy;
  const payers = policy.lossSteps.filter((s): s is ShortfallStep => s !== 'adl');
  const cover = (view: PerpsView, shortfall: bigint) =>
    coverBankruptcy(view, {
      market: d.market,
      shortfallQuote: shortfall,
      creditor: d.creditor,
      steps: payers,
      ...(policy.backstop === undefined ? {} : { backstopAccount: policy.backstop.account }),
      ...(policy.insuranceFloorQuote === undefined
        ? {}
        : { insuranceFloorQuote: policy.insuranceFloorQuote }),
    });
  if (d.kind === 'venue') return outcome.shortfall > 0n ? cover(d.view, outcome.shortfall).events : [];
  if (d.kind !== 'adl') return [];
  const position = positionOf(d.view.book, request.account, d.market)!;
  const whole = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  const bq = bankruptcyQuote(d.view, request.account, d.market, ctx.marks);
  const adl = autoDeleverage(d.view, {
    bankruptAccount: request.account,
    market: d.market,
    sizeBase: whole,
    bankruptcyQuote: bq.quote,
    ranking: policy.adlRanking,
    marks: ctx.marks,
  });
  if (adl.remainingBase > 0n) {
    throw new ProtocolRevertError(
      'ADL_INCOMPLETE',
      'The ADL ranking ran out of opposite positions before the bankrupt position was closed.',
      { remainingBase: adl.remainingBase.toString() },
    );
  }
  if (adl.unpaidQuote === 0n) return adl.events;
  return [...adl.events, ...cover(adl.view, adl.unpaidQuote).events];
}

/** The generic perps stages, for `runLiquidation`. */
export const PERPS_LIQUIDATION_STAGES: LiquidationStages<
  PerpsLiquidationContext,
  PerpsLiquidationRequest,
  PerpsTriggered,
  PerpsLiquidationSize,
  PerpsExecutionDetail
> = {
  trigger: perpsTrigger,
  sizing: perpsSizing,
  execution: perpsExecution,
  incentive: perpsIncentive,
  lossWaterfall: perpsLossWaterfall,
};
