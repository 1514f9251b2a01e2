/**
 * Hyperliquid liquidations as the engine's five stages: trigger (a cross account's or isolated
 * position's equity below its maintenance margin at the mark price), sizing (the whole position,
 * or 20 % of it above $100k notional outside the 30 s cooldown), execution (a market order into
 * the book; below ⅔ of the maintenance margin the liquidator vault takes over the positions and
 * margin; with negative equity, or a vault that cannot carry it, auto-deleveraging), incentive
 * (none: no clearance fee, what is left stays with the trader) and the loss waterfall (ADL of the
 * opposite positions ranked by unrealized PnL and leverage, closed at the previous oracle price).
 * Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations and
 * …/trading/auto-deleveraging; formulas in math.ts.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import {
  type PerpsLiquidationPolicy,
  type PerpsLiquidationRequest,
  type PerpsTriggered,
  perpsTrigger,
} from '../../engine/perps/liquidation.js';
import {
  autoDeleverage,
  backstopTakeover,
  bankruptcyQuote,
  coverBankruptcy,
} from '../../engine/perps/loss.js';
import { accountMargin, isLiquidatable, notionalQuote, requireMark } from '../../engine/perps/margin.js';
import { applyFill, PerpsTx, releaseIsolatedMargin } from '../../engine/perps/settle.js';
import {
  marketOf,
  type PerpMarks,
  type PerpsView,
  type PositionSide,
  positionOf,
  sideOf,
} from '../../engine/perps/types.js';
import { quoteMarketClose, recenterAmm } from '../../engine/perps/venue.js';
import type { ExecutionOutcome, LiquidationStages } from '../../engine/pipeline.js';
import { pow10 } from '../../math/units.js';
import { adlSortKey, liquidationOrderSizeBase, liquidationTriggersQuote } from './math.js';
import type { HyperliquidParams } from './params.js';
import { type Rational, rational } from './rational.js';
import type { HyperliquidPartiallyLiquidated } from './state.js';

/** What the stages read. */
export interface HyperliquidLiquidationContext {
  readonly view: PerpsView;
  readonly params: HyperliquidParams;
  /** Mark prices of every market with an open position. */
  readonly marks: PerpMarks;
  /** Previous oracle prices of every market with an open position (ADL ranks and fills at them). */
  readonly previousMarks: PerpMarks;
  readonly nowSeconds: number;
  /** The liquidated user's last partial liquidation, if any (seconds). */
  readonly lastPartialLiquidationSeconds?: number;
}

/** A liquidation call (the core's request: account, liquidator, optional market). */
export type HyperliquidLiquidationRequest = PerpsLiquidationRequest;

/** What the trigger found: the core's scope and margin, with the ⅔ backstop threshold. */
export interface HyperliquidTriggered extends PerpsTriggered {
  /** equity < ⅔ · maintenance margin. */
  readonly belowBackstopThreshold: boolean;
  /** equity < 0: the account or isolated position is underwater. */
  readonly negativeEquity: boolean;
}

/** What the sizing decided. */
export interface HyperliquidLiquidationSize {
  readonly market: string;
  /** Base units of the market order (unsigned, > 0). */
  readonly closeBase: bigint;
  /** True for a 20 % chunk of a position above the threshold. */
  readonly partial: boolean;
  /** The position's notional at the mark, quote units. */
  readonly notionalQuote: bigint;
}

/** What the execution did. */
export interface HyperliquidExecutionDetail {
  /** `book` order, `backstop` takeover by the vault, or `adl` (done by the loss waterfall). */
  readonly kind: 'book' | 'backstop' | 'adl';
  readonly market: string;
  readonly scope: 'cross' | 'isolated';
  /** The view after the execution's events. */
  readonly view: PerpsView;
  readonly filledBase: bigint;
  readonly quoteAmount: bigint;
}

/** Record of a liquidation's execution. */
export interface HyperliquidLiquidated {
  readonly type: 'HyperliquidLiquidated';
  readonly account: string;
  readonly market: string;
  readonly scope: 'cross' | 'isolated';
  readonly kind: HyperliquidExecutionDetail['kind'];
  readonly equityQuote: bigint;
  readonly maintenanceQuote: bigint;
  readonly markPrice: bigint;
  readonly closeBase: bigint;
  readonly filledBase: bigint;
  readonly quoteAmount: bigint;
  readonly averagePrice: bigint | null;
}

/** Record of an ADL. */
export interface HyperliquidAutoDeleveraged {
  readonly type: 'HyperliquidAutoDeleveraged';
  readonly account: string;
  readonly market: string;
  /** The previous oracle price the ranking and the fills used. */
  readonly previousOraclePrice: bigint;
  /** Quote the bankrupt side received for its whole position (negative: paid). */
  readonly bankruptcyQuote: bigint;
  /** Counterparties in the order they were closed. */
  readonly counterparties: readonly string[];
  readonly deleveragedBase: bigint;
}

/** The core policy the trigger reads (only the exempt accounts matter to it). */
function corePolicy(params: HyperliquidParams): PerpsLiquidationPolicy {
  return {
    sizing: 'whole',
    targetRatioPpm: 1_000_000n,
    bufferPpm: 0n,
    liquidatorSharePpm: 0n,
    lossSteps: ['adl'],
    adlRanking: { kind: 'pnlLeverage' },
    exemptAccounts: [params.makerAccount, params.backstopAccount],
  };
}

/**
 * Trigger: the core's (equity < maintenance margin at the mark, strict; the given market's scope,
 * or the first liquidatable scope: cross first), with the ⅔ backstop threshold and the sign of the
 * equity. The book maker and the liquidator vault are never liquidated.
 * @throws UnknownAccountError; PositionNotLiquidatableError; InvalidParameterError (marks).
 */
export function hyperliquidTrigger(
  ctx: HyperliquidLiquidationContext,
  request: HyperliquidLiquidationRequest,
): HyperliquidTriggered {
  const t = perpsTrigger({ view: ctx.view, marks: ctx.marks, policy: corePolicy(ctx.params) }, request);
  const triggers = liquidationTriggersQuote(t.margin.equityQuote, t.margin.maintenanceQuote);
  return {
    ...t,
    belowBackstopThreshold: triggers.backstopLiquidation,
    negativeEquity: t.margin.equityQuote < 0n,
  };
}

/**
 * Sizing: the order is for the whole position, except a position above the partial-liquidation
 * threshold outside the cooldown, whose order is 20 % of it (rounded up to a base unit).
 */
export function hyperliquidSizing(
  ctx: HyperliquidLiquidationContext,
  request: HyperliquidLiquidationRequest,
  triggered: HyperliquidTriggered,
): HyperliquidLiquidationSize {
  const position = positionOf(ctx.view.book, request.account, triggered.market)!;
  const size = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  const config = marketOf(ctx.view.book, triggered.market).config;
  const notional = notionalQuote(size, requireMark(ctx.marks, triggered.market), config);
  const last = ctx.lastPartialLiquidationSeconds;
  const inCooldown =
    last !== undefined && ctx.nowSeconds < last + ctx.params.partialLiquidationCooldownSeconds;
  const closeBase = liquidationOrderSizeBase({
    sizeBase: size,
    notionalQuote: notional,
    thresholdQuote: ctx.params.partialLiquidationThresholdQuote,
    inCooldown,
  });
  return { market: triggered.market, closeBase, partial: closeBase < size, notionalQuote: notional };
}

/** Whether the vault can carry the scope: after the takeover it is still above its maintenance margin. */
function vaultCanTakeOver(ctx: HyperliquidLiquidationContext, step: { readonly view: PerpsView }): boolean {
  const vault = accountMargin(step.view, ctx.params.backstopAccount, ctx.marks);
  return !isLiquidatable(vault);
}

/**
 * Execution. Negative equity: nothing here, ADL in the loss waterfall. Below ⅔ of the maintenance
 * margin: the liquidator vault takes over the scope's positions and margin (the maintenance margin
 * is not returned), unless it could not carry them, in which case ADL. Otherwise a market order of
 * the sized amount into the book against the maker account (an AMM venue is re-pegged to the
 * mark first); what the book cannot fill stays open; an emptied isolated position's margin goes
 * back to cross; a partial order starts the cooldown.
 * @throws ProtocolRevertError `NO_LIQUIDITY` (the book fills nothing), `BOOK_LIQUIDATION_FAILED`
 *   (the fill's realized loss exceeds what the scope holds: the order is not sent; the vault takes
 *   over once equity is below ⅔ of the maintenance margin).
 */
export function hyperliquidExecution(
  ctx: HyperliquidLiquidationContext,
  request: HyperliquidLiquidationRequest,
  size: HyperliquidLiquidationSize,
  triggered: HyperliquidTriggered,
): ExecutionOutcome<HyperliquidExecutionDetail> {
  const { view } = ctx;
  const market = size.market;
  const state = marketOf(view.book, market);
  const mark = requireMark(ctx.marks, market);
  const record = (
    kind: HyperliquidExecutionDetail['kind'],
    filledBase: bigint,
    quoteAmount: bigint,
    averagePrice: bigint | null,
  ): HyperliquidLiquidated => ({
    type: 'HyperliquidLiquidated',
    account: request.account,
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
  });
  const base = { market, scope: triggered.scope, filledBase: 0n, quoteAmount: 0n };
  const adl = (): ExecutionOutcome<HyperliquidExecutionDetail> => {
    const deficit = -triggered.margin.equityQuote;
    return {
      events: [record('adl', 0n, 0n, null)],
      shortfall: deficit > 0n ? deficit : 0n,
      detail: { ...base, kind: 'adl', view },
    };
  };
  if (triggered.negativeEquity) return adl();
  if (triggered.belowBackstopThreshold) {
    const takeover = backstopTakeover(view, {
      account: request.account,
      backstopAccount: ctx.params.backstopAccount,
      scope: triggered.scope === 'cross' ? 'cross' : market,
    });
    if (!vaultCanTakeOver(ctx, takeover)) return adl();
    const tx = new PerpsTx(view);
    tx.adopt(takeover);
    tx.emit(record('backstop', 0n, 0n, null));
    return { events: tx.events, shortfall: 0n, detail: { ...base, kind: 'backstop', view: tx.view } };
  }
  const position = positionOf(view.book, request.account, market)!;
  const side = sideOf(position.sizeBase);
  const venue = recenterAmm(state.config.venue, mark, state.config);
  const quote = quoteMarketClose(venue, side, size.closeBase, mark, state.config);
  if (quote.filledBase === 0n) {
    throw new ProtocolRevertError(
      'NO_LIQUIDITY',
      `The ${market} book fills nothing; the position stays open.`,
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
  if (fill.unpaidQuote > 0n) {
    throw new ProtocolRevertError(
      'BOOK_LIQUIDATION_FAILED',
      'The book order would realize a loss the margin cannot pay; the vault takes over below ⅔ of maintenance.',
      { unpaid: fill.unpaidQuote.toString() },
    );
  }
  const tx = new PerpsTx(view);
  tx.adopt(fill);
  if (position.marginMode === 'isolated') tx.adopt(releaseIsolatedMargin(tx.view, request.account, market));
  if (size.partial && quote.filledBase === size.closeBase) {
    const partial: HyperliquidPartiallyLiquidated = {
      type: 'HyperliquidPartiallyLiquidated',
      account: request.account,
      atSeconds: ctx.nowSeconds,
    };
    tx.emit(partial);
  }
  tx.emit(record('book', quote.filledBase, quote.quoteAmount, quote.averagePrice));
  return {
    events: tx.events,
    shortfall: 0n,
    detail: {
      ...base,
      kind: 'book',
      view: tx.view,
      filledBase: quote.filledBase,
      quoteAmount: quote.quoteAmount,
    },
  };
}

/**
 * Incentive: none. Hyperliquid's book liquidations charge no clearance fee (the remaining
 * collateral stays with the trader) and the vault's reward is the maintenance margin it keeps.
 */
export function hyperliquidIncentive(
  _ctx: HyperliquidLiquidationContext,
  _request: HyperliquidLiquidationRequest,
  _outcome: ExecutionOutcome<HyperliquidExecutionDetail>,
): readonly EngineEvent[] {
  return [];
}

/** One ADL candidate with its sort key. */
export interface HyperliquidAdlCandidate {
  readonly account: string;
  readonly sizeBase: bigint;
  /** (mark/entry)·(notional/account value) at the previous oracle price; null when the account value is ≤ 0. */
  readonly key: Rational | null;
}

/**
 * A ranked candidate. Its published `key` (adlSortKey's exact, reduced rational) is computed when
 * first read: ranking compares the same key as an unreduced fraction (see hyperliquidAdlRanking),
 * and the waterfall reads only the accounts.
 */
class AdlEntry implements HyperliquidAdlCandidate {
  #key: Rational | null | undefined;
  /** The key as `num/den` (den > 0), unreduced; null exactly when `key` is. */
  readonly #order: { readonly num: bigint; readonly den: bigint } | null;
  readonly #keyOf: () => Rational | null;

  constructor(
    readonly account: string,
    readonly sizeBase: bigint,
    order: { readonly num: bigint; readonly den: bigint } | null,
    keyOf: () => Rational | null,
  ) {
    this.#order = order;
    this.#keyOf = keyOf;
  }

  get key(): Rational | null {
    if (this.#key === undefined) this.#key = this.#order === null ? null : this.#keyOf();
    return this.#key;
  }

  /** ADL order: -1 when this entry is closed before `other` (larger key first, null keys last, then id). */
  compare(other: AdlEntry): number {
    const a = this.#order;
    const b = other.#order;
    if (a === null || b === null) {
      if (a !== b) return a === null ? 1 : -1;
    } else {
      // Descending: this after other when other's key is larger (dens > 0).
      const lhs = b.num * a.den;
      const rhs = a.num * b.den;
      if (lhs !== rhs) return lhs > rhs ? 1 : -1;
    }
    return this.account < other.account ? -1 : this.account > other.account ? 1 : 0;
  }
}

/**
 * The positions on `side` of `market` in ADL order: the docs' sort key
 * `(mark / entry) · (notional / account value)` (entry / mark for shorts), descending, at the
 * previous oracle prices; accounts with no positive value last; ties by account id.
 * The order compares each key as an unreduced fraction, which is the same rational as adlSortKey's:
 * with value V/D (V = |size|·price·10^quoteDecimals, D = 10^(baseDecimals+priceDecimals)), |entry| E
 * and account value A (all > 0 for a non-null key), a long's key (V/D / E)·(V/D / A) is V²/(D²·E·A)
 * and a short's (E / (V/D))·((V/D) / A) is E/A. Cross-multiplying needs no gcd, and the reduced
 * key (one gcd per operation) is only built for a candidate whose `key` is read.
 * @param previousMarks prices of every market with an open position.
 */
export function hyperliquidAdlRanking(
  view: PerpsView,
  market: string,
  side: PositionSide,
  previousMarks: PerpMarks,
  exclude: readonly string[],
): HyperliquidAdlCandidate[] {
  const state = marketOf(view.book, market);
  const c = state.config;
  const price = requireMark(previousMarks, market);
  const scaleD = pow10(c.baseDecimals + c.priceDecimals);
  const out: AdlEntry[] = [];
  // Walk order, not sorted entries: the sort below is a total order (ties by account id).
  state.positions.forEach((p, account) => {
    if (exclude.includes(account) || p.sizeBase === 0n || sideOf(p.sizeBase) !== side) return;
    const size = p.sizeBase < 0n ? -p.sizeBase : p.sizeBase;
    // Exact value at the previous price; mark/entry as value/|entry| (the same size divides both).
    const valueNum = size * price * pow10(c.quoteDecimals);
    const entryQuote = p.entryQuote < 0n ? -p.entryQuote : p.entryQuote;
    const margin = accountMargin(view, account, previousMarks);
    const scope = p.marginMode === 'cross' ? margin : margin.isolated[market]!;
    const equity = scope.equityQuote;
    // adlSortKey's null cases: no entry, account value ≤ 0, value ≤ 0.
    const keyed = entryQuote > 0n && equity > 0n && valueNum > 0n;
    const order = !keyed
      ? null
      : side === 'long'
        ? { num: valueNum * valueNum, den: scaleD * scaleD * entryQuote * equity }
        : { num: entryQuote, den: equity };
    const keyOf = (): Rational | null =>
      adlSortKey({
        side: side === 'long' ? 1n : -1n,
        markPrice: rational(valueNum, scaleD),
        entryPrice: rational(entryQuote),
        notional: rational(valueNum, scaleD),
        accountValue: rational(equity),
      });
    out.push(new AdlEntry(account, p.sizeBase, order, keyOf));
  });
  return out.sort((a, b) => a.compare(b));
}

/**
 * Loss waterfall: after an ADL hand-over, the whole underwater position is closed against the
 * opposite positions in {@link hyperliquidAdlRanking} order at the previous oracle price: each
 * counterparty trades at that price, and the underwater account's deficit there is taken from
 * their proceeds pro rata (the core's bankruptcy quote at that price), so the platform keeps no
 * bad debt. A residual the fills leave (none at an exact bankruptcy quote) is paid by the vault's
 * collateral. An emptied isolated position's margin goes back to cross.
 * @throws ProtocolRevertError `ADL_INCOMPLETE` when the opposite side runs out (impossible while
 *   Σ sizes = 0).
 */
export function hyperliquidLossWaterfall(
  ctx: HyperliquidLiquidationContext,
  request: HyperliquidLiquidationRequest,
  outcome: ExecutionOutcome<HyperliquidExecutionDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  if (d.kind !== 'adl') return [];
  const position = positionOf(d.view.book, request.account, d.market)!;
  const whole = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  const previous = requireMark(ctx.previousMarks, d.market);
  const bq = bankruptcyQuote(d.view, request.account, d.market, ctx.previousMarks);
  const opposite: PositionSide = position.sizeBase > 0n ? 'short' : 'long';
  const ranking = hyperliquidAdlRanking(d.view, d.market, opposite, ctx.previousMarks, [request.account]);
  const adl = autoDeleverage(d.view, {
    bankruptAccount: request.account,
    market: d.market,
    sizeBase: whole,
    bankruptcyQuote: bq.quote,
    ranking: { kind: 'keeperChosen', accounts: ranking.map((r) => r.account) },
    marks: ctx.previousMarks,
  });
  if (adl.remainingBase > 0n) {
    throw new ProtocolRevertError(
      'ADL_INCOMPLETE',
      'The opposite side ran out before the position was closed.',
      {
        remainingBase: adl.remainingBase.toString(),
      },
    );
  }
  const tx = new PerpsTx(d.view);
  tx.adopt(adl);
  if (adl.unpaidQuote > 0n) {
    tx.adopt(
      coverBankruptcy(tx.view, {
        market: d.market,
        shortfallQuote: adl.unpaidQuote,
        creditor: ctx.params.makerAccount,
        steps: ['backstop'],
        backstopAccount: ctx.params.backstopAccount,
      }),
    );
  }
  if (position.marginMode === 'isolated') tx.adopt(releaseIsolatedMargin(tx.view, request.account, d.market));
  const record: HyperliquidAutoDeleveraged = {
    type: 'HyperliquidAutoDeleveraged',
    account: request.account,
    market: d.market,
    previousOraclePrice: previous,
    bankruptcyQuote: bq.quote,
    counterparties: adl.fills.map((f) => f.counterparty),
    deleveragedBase: adl.deleveragedBase,
  };
  tx.emit(record);
  return tx.events;
}

/** Hyperliquid's liquidation stages, for `runLiquidation`. */
export const HYPERLIQUID_LIQUIDATION_STAGES: LiquidationStages<
  HyperliquidLiquidationContext,
  HyperliquidLiquidationRequest,
  HyperliquidTriggered,
  HyperliquidLiquidationSize,
  HyperliquidExecutionDetail
> = {
  trigger: hyperliquidTrigger,
  sizing: hyperliquidSizing,
  execution: hyperliquidExecution,
  incentive: hyperliquidIncentive,
  lossWaterfall: hyperliquidLossWaterfall,
};
