/**
 * A Synthetix perps v3 `liquidate(accountId)` as the engine's five stages
 * (Synthetixio/synthetix-v3 markets/perps-market/contracts/modules/LiquidationModule.sol,
 * storage/{PerpsAccount,PerpsMarket,PerpsMarketConfiguration,GlobalPerpsMarketConfiguration,
 * KeeperCosts}.sol):
 * - trigger: a flagged account can always be liquidated further; otherwise it must be eligible,
 *   `requiredMaintenanceMargin + possibleLiquidationReward > availableMargin`, else
 *   `NotEligibleForLiquidation`;
 * - sizing: per position, what the market's liquidation window admits (`maxLiquidatableAmount`:
 *   the capacity left in the trailing window, one more window when the market's skew is under
 *   `maxLiquidationPd`, everything for the endorsed liquidator);
 * - execution: the flag (first call) seizes all margin to the LPs (`flagForLiquidation`), then each
 *   admitted amount is closed against the LPs at the oracle price with no PnL paid to the account
 *   (`liquidatePosition`): its losses beyond what was seized stay with the LPs, its profits are
 *   forfeited to them; the account is unflagged with its last position;
 * - incentive: the keeper is paid from the LPs' funds `keeperReward(flagRewards, gasCost,
 *   seizedMargin)`, bounded below by its gas cost plus a profit and above by a share of the margin
 *   (`_processLiquidationRewards`): the flag reward once, at the flag, and the gas of each call;
 * - loss waterfall: Synthetix has no insurance fund: the LPs bear the bad debt, recorded as
 *   `<quote>.debt` claims moved from `mint` to `socialized`.
 */
import { debtClaimAsset } from '../../engine/engine.js';
import { PositionNotLiquidatableError, UnknownAccountError } from '../../engine/errors.js';
import { type Moved, moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { valueQuote } from '../../engine/perps/margin.js';
import { movesForNets } from '../../engine/perps/nets.js';
import { applyFill, PerpsTx } from '../../engine/perps/settle.js';
import { crossBucket, type PerpsView, positionOf, quoteBalance } from '../../engine/perps/types.js';
import type { PersistentMap } from '../../engine/persistentMap.js';
import type { ExecutionOutcome, LiquidationStages } from '../../engine/pipeline.js';
import { Rounding } from '../../math/mulDiv.js';
import {
  currentLiquidationCapacity,
  flagReward,
  type KeeperReward,
  keeperReward,
  type LiquidationEntry,
  maxLiquidatableAmount,
  maxLiquidationAmountInWindow,
} from './math.js';
import type { SynthetixParams } from './params.js';
import {
  type AccountValuation,
  type FlaggedAccount,
  type MarketPrices,
  requireMarketParams,
  type SynthetixAccountFlagged,
  type SynthetixAccountUnflagged,
  type SynthetixLiquidationRecorded,
  type SynthetixLpBadDebt,
  type SynthetixSeizedMarginUsed,
  valueAccount,
} from './state.js';

/** What the stages read. */
export interface SynthetixLiquidationContext {
  readonly params: SynthetixParams;
  readonly view: PerpsView;
  /** Oracle prices of every market with open interest. */
  readonly prices: MarketPrices;
  readonly nowSeconds: number;
  readonly gasPriceUsdPerGasD18: bigint;
  readonly flagged: PersistentMap<FlaggedAccount>;
  readonly liquidationData: Readonly<Record<string, readonly LiquidationEntry[]>>;
}

/** A `liquidate(accountId)` call by `keeper`. */
export interface SynthetixLiquidationRequest {
  readonly account: string;
  readonly keeper: string;
}

/** What the trigger found. */
export interface SynthetixTriggered {
  /** The account was flagged by an earlier call (no flag, no flag reward now). */
  readonly alreadyFlagged: boolean;
  readonly valuation: AccountValuation;
}

/** One position's liquidation in this call. */
export interface SynthetixClose {
  readonly market: string;
  /** The position's signed size before the call. */
  readonly sizeBase: bigint;
  /** Units the window admits now (unsigned; 0 = none). */
  readonly amount: bigint;
  /** Capacity left in the market's window before the call. */
  readonly capacity: bigint;
}

/** What the sizing decided. */
export interface SynthetixLiquidationSize {
  readonly closes: readonly SynthetixClose[];
}

/** What the execution did. */
export interface SynthetixExecutionDetail {
  readonly flaggedNow: boolean;
  /** Margin seized at the flag (0 when already flagged), USD D18. */
  readonly seizedMarginQuote: bigint;
  /** The flag reward owed once, at the flag, on the positions as they stood. */
  readonly flagRewardQuote: bigint;
  /** Gas cost of this call: a liquidation, plus the flag when flagged now. */
  readonly costQuote: bigint;
  /** Σ amounts liquidated (asset units, summed over markets as Synthetix does). */
  readonly totalLiquidated: bigint;
  /** Losses of the closes the account did not pay (the seized margin covers part). */
  readonly unpaidLossQuote: bigint;
  /** Profits of the closes forfeited to the LPs. */
  readonly forfeitedProfitQuote: bigint;
  /** Losses beyond the seized margin and forfeited profits: the LPs' bad debt. */
  readonly badDebtQuote: bigint;
  readonly fullyLiquidated: boolean;
  readonly viewAfter: PerpsView;
}

/** Record of a keeper's payout. */
export interface SynthetixKeeperRewarded {
  readonly type: 'SynthetixKeeperRewarded';
  readonly account: string;
  readonly keeper: string;
  readonly flagRewardQuote: bigint;
  readonly costQuote: bigint;
  readonly minCap: bigint;
  readonly maxCap: bigint;
  readonly rewardQuote: bigint;
}

/** Record of one position liquidated (`PositionLiquidated`). */
export interface SynthetixPositionLiquidated {
  readonly type: 'SynthetixPositionLiquidated';
  readonly account: string;
  readonly market: string;
  readonly amountLiquidated: bigint;
  readonly newPositionSize: bigint;
  readonly priceD18: bigint;
  /** The position's PnL at the close (not paid to the account). */
  readonly pnlQuote: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/**
 * Trigger: `LiquidationModule.liquidate`: an account already in `liquidatableAccounts` continues;
 * otherwise it must be eligible (`isEligibleForLiquidation`, strict).
 * @throws UnknownAccountError; PositionNotLiquidatableError (`NotEligibleForLiquidation`, or the LP vault).
 */
export function synthetixTrigger(
  ctx: SynthetixLiquidationContext,
  request: SynthetixLiquidationRequest,
): SynthetixTriggered {
  if (!ctx.view.book.accounts.has(request.account)) throw new UnknownAccountError(request.account);
  if (request.account === ctx.params.lpAccount)
    throw new PositionNotLiquidatableError(request.account, "the LPs' vault is the market's counterparty");
  const valuation = valueAccount(ctx.view, ctx.params, request.account, ctx.prices, ctx.gasPriceUsdPerGasD18);
  if (ctx.flagged.has(request.account)) return { alreadyFlagged: true, valuation };
  if (!valuation.eligible) {
    throw new PositionNotLiquidatableError(
      request.account,
      `NotEligibleForLiquidation: maintenance ${valuation.requiredMaintenanceMarginQuote} + reward ${valuation.possibleLiquidationRewardQuote} ≤ available margin ${valuation.availableMarginQuote}`,
    );
  }
  return { alreadyFlagged: false, valuation };
}

/**
 * Sizing: for each open position (markets in id order), `PerpsMarket.maxLiquidatableAmount(|size|)`
 * against the market's trailing window at this timestamp.
 */
export function synthetixSizing(
  ctx: SynthetixLiquidationContext,
  request: SynthetixLiquidationRequest,
  triggered: SynthetixTriggered,
): SynthetixLiquidationSize {
  const closes: SynthetixClose[] = [];
  for (const p of triggered.valuation.positions) {
    const m = requireMarketParams(ctx.params, p.market);
    const capacity = currentLiquidationCapacity(
      ctx.liquidationData[p.market] ?? [],
      maxLiquidationAmountInWindow(m),
      m.maxSecondsInLiquidationWindow,
      ctx.nowSeconds,
    );
    // The market's skew is the traders' net size: the opposite of the LPs' position.
    const skew = -(positionOf(ctx.view.book, ctx.params.lpAccount, p.market)?.sizeBase ?? 0n);
    const amount = maxLiquidatableAmount({
      requestedAmount: abs(p.sizeBase),
      capacity,
      maxLiquidationPdD18: m.maxLiquidationPdD18,
      skew,
      skewScale: m.skewScale,
      nowSeconds: ctx.nowSeconds,
      endorsedLiquidator: m.endorsedLiquidator !== null && m.endorsedLiquidator === request.keeper,
    });
    closes.push({ market: p.market, sizeBase: p.sizeBase, amount, capacity: capacity.capacity });
  }
  return { closes };
}

/**
 * Execution: the flag (all margin to the LPs) on the first call, then each admitted amount closed
 * against the LPs at the oracle price. The closes' cash is netted: an account whose margin was
 * seized pays none of its loss (the LPs' bucket receives nothing for it) and keeps none of its
 * profit (forfeited to the LPs), so only the seizure moves tokens out of the account.
 */
export function synthetixExecution(
  ctx: SynthetixLiquidationContext,
  request: SynthetixLiquidationRequest,
  size: SynthetixLiquidationSize,
  triggered: SynthetixTriggered,
): ExecutionOutcome<SynthetixExecutionDetail> {
  const { params } = ctx;
  const account = request.account;
  const acct = crossBucket(account);
  const lp = crossBucket(params.lpAccount);
  const events: EngineEvent[] = [];
  const v = triggered.valuation;
  let flaggedNow = false;
  let seized = 0n;
  let flagRewardQuote = 0n;
  let view = ctx.view;
  if (!triggered.alreadyFlagged) {
    flaggedNow = true;
    seized = quoteBalance(ctx.view, acct);
    const tx = new PerpsTx(ctx.view);
    tx.move(acct, lp, seized, 'synthetix:flag:seizeMargin');
    const flagged: SynthetixAccountFlagged = {
      type: 'SynthetixAccountFlagged',
      account,
      seizedMarginQuote: seized,
      flagCostQuote: v.flagCostQuote,
    };
    tx.emit(flagged);
    events.push(...tx.events);
    view = tx.view;
    // Endorsed liquidators get no flag reward on their markets (nor the collateral floor).
    const endorsed = (market: string) =>
      requireMarketParams(params, market).endorsedLiquidator === request.keeper;
    const rewarded = v.positions.filter((p) => !endorsed(p.market));
    const anyEndorsed = rewarded.length < v.positions.length;
    flagRewardQuote = flagReward(
      rewarded.map((p) => ({
        notionalUsd: p.notionalQuote,
        flagRewardRatioD18: requireMarketParams(params, p.market).flagRewardRatioD18,
      })),
      anyEndorsed ? 0n : seized,
      params.global.collateralLiquidateRewardRatioD18,
    );
  }
  let remaining = (ctx.flagged.get(account)?.seizedRemainingQuote ?? 0n) + seized;
  let totalLiquidated = 0n;
  let unpaid = 0n;
  let forfeited = 0n;
  let badDebt = 0n;
  const closeEvents: EngineEvent[] = [];
  const closeMoves: Moved[] = [];
  for (const c of size.closes) {
    if (c.amount === 0n) continue;
    const m = requireMarketParams(params, c.market);
    const state = view.book.markets[c.market];
    const mark = ctx.prices.marks[c.market] ?? 0n;
    if (state === undefined) continue;
    const step = new PerpsTx(view);
    const recorded: SynthetixLiquidationRecorded = {
      type: 'SynthetixLiquidationRecorded',
      market: c.market,
      amount: c.amount,
      timestampSeconds: ctx.nowSeconds,
      windowSeconds: m.maxSecondsInLiquidationWindow,
    };
    step.emit(recorded);
    // Closed at the oracle price: the quote is the amount's value there, rounded down.
    const quote = valueQuote(c.amount, mark, state.config, Rounding.Down);
    const fill = applyFill(step.view, {
      account,
      counterparty: params.lpAccount,
      market: c.market,
      sizeBase: c.sizeBase > 0n ? -c.amount : c.amount,
      quoteAmount: quote,
      shortfall: 'settlement',
      reason: 'liquidation',
    });
    step.adopt(fill);
    // A profit is forfeited to the LPs: the flagged account keeps nothing.
    const profit = fill.realizedQuote > 0n ? quoteBalance(step.view, acct) : 0n;
    step.move(acct, lp, profit, 'synthetix:liquidation:forfeit');
    const lossUnpaid = fill.unpaidQuote;
    const covered = lossUnpaid < remaining ? lossUnpaid : remaining;
    remaining += profit - covered;
    unpaid += lossUnpaid;
    forfeited += profit;
    badDebt += lossUnpaid - covered;
    totalLiquidated += c.amount;
    const newSize = c.sizeBase > 0n ? c.sizeBase - c.amount : c.sizeBase + c.amount;
    const record: SynthetixPositionLiquidated = {
      type: 'SynthetixPositionLiquidated',
      account,
      market: c.market,
      amountLiquidated: c.amount,
      newPositionSize: newSize,
      priceD18: ctx.prices.d18[c.market] ?? 0n,
      pnlQuote: fill.realizedQuote,
    };
    step.emit(record);
    for (const e of step.events) {
      if (e.type === 'Moved') closeMoves.push(e as Moved);
      else closeEvents.push(e);
    }
    view = step.view;
  }
  const nets = new Map<string, bigint>();
  for (const mv of closeMoves) {
    nets.set(mv.from, (nets.get(mv.from) ?? 0n) - mv.amount);
    nets.set(mv.to, (nets.get(mv.to) ?? 0n) + mv.amount);
  }
  events.push(...closeEvents, ...movesForNets(ctx.view.book.quoteAsset, nets, 'synthetix:liquidation'));
  const fullyLiquidated = size.closes.every((c) => {
    const p = positionOf(view.book, account, c.market);
    return p === undefined || p.sizeBase === 0n;
  });
  if (fullyLiquidated) {
    const unflagged: SynthetixAccountUnflagged = { type: 'SynthetixAccountUnflagged', account };
    events.push(unflagged);
  } else {
    const used: SynthetixSeizedMarginUsed = {
      type: 'SynthetixSeizedMarginUsed',
      account,
      seizedRemainingQuote: remaining,
    };
    events.push(used);
  }
  return {
    events,
    shortfall: badDebt,
    detail: {
      flaggedNow,
      seizedMarginQuote: seized,
      flagRewardQuote,
      costQuote: v.liquidateCostQuote + (flaggedNow ? v.flagCostQuote : 0n),
      totalLiquidated,
      unpaidLossQuote: unpaid,
      forfeitedProfitQuote: forfeited,
      badDebtQuote: badDebt,
      fullyLiquidated,
      viewAfter: view,
    },
  };
}

/**
 * Incentive: `_processLiquidationRewards`: when the call flagged or liquidated something, the
 * keeper gets `keeperReward(flagReward, gasCost, seizedMargin)` from the LPs' funds (the market's
 * `withdrawMarketUsd`): at least the gas cost plus `max(minKeeperRewardUsd, cost·minKeeperProfitRatio)`,
 * at most `min(seized·maxKeeperScalingRatio, maxKeeperRewardUsd)` (`maxKeeperRewardUsd` when nothing
 * was seized in this call).
 */
export function synthetixIncentive(
  ctx: SynthetixLiquidationContext,
  request: SynthetixLiquidationRequest,
  outcome: ExecutionOutcome<SynthetixExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  if (!d.flaggedNow && d.totalLiquidated === 0n) return [];
  if (d.flagRewardQuote + d.costQuote === 0n) return [];
  const r: KeeperReward = keeperReward(
    ctx.params.global,
    d.flagRewardQuote,
    d.costQuote,
    d.seizedMarginQuote,
  );
  const record: SynthetixKeeperRewarded = {
    type: 'SynthetixKeeperRewarded',
    account: request.account,
    keeper: request.keeper,
    flagRewardQuote: d.flagRewardQuote,
    costQuote: d.costQuote,
    minCap: r.minCap,
    maxCap: r.maxCap,
    rewardQuote: r.reward,
  };
  return [
    ...moved(
      ctx.view.book.quoteAsset,
      crossBucket(ctx.params.lpAccount),
      `wallet:${request.keeper}`,
      r.reward,
      'synthetix:keeperReward',
    ),
    record,
  ];
}

/**
 * Loss waterfall: no insurance fund; the bad debt (losses beyond the seized margin and forfeited
 * profits) stays with the LPs, recorded as `<quote>.debt` claims from `mint` to `socialized`.
 */
export function synthetixLossWaterfall(
  ctx: SynthetixLiquidationContext,
  request: SynthetixLiquidationRequest,
  outcome: ExecutionOutcome<SynthetixExecutionDetail>,
): readonly EngineEvent[] {
  const amount = outcome.detail.badDebtQuote;
  if (amount === 0n) return [];
  const record: SynthetixLpBadDebt = {
    type: 'SynthetixLpBadDebt',
    account: request.account,
    amountQuote: amount,
  };
  return [
    ...moved(debtClaimAsset(ctx.view.book.quoteAsset), 'mint', 'socialized', amount, 'synthetix:lpBadDebt'),
    record,
  ];
}

/** The Synthetix stages, for `runLiquidation`. */
export const SYNTHETIX_LIQUIDATION_STAGES: LiquidationStages<
  SynthetixLiquidationContext,
  SynthetixLiquidationRequest,
  SynthetixTriggered,
  SynthetixLiquidationSize,
  SynthetixExecutionDetail
> = {
  trigger: synthetixTrigger,
  sizing: synthetixSizing,
  execution: synthetixExecution,
  incentive: synthetixIncentive,
  lossWaterfall: synthetixLossWaterfall,
};
