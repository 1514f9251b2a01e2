/**
 * Settlement of perpetual positions, pure: fills between two accounts (open, increase, reduce,
 * flip) with realized PnL paid as ledger moves, funding settled into positions, funding accrual,
 * and isolated margin in and out. Each function takes a {@link PerpsView} and returns the events
 * (ledger `Moved`s, book events, records) with the view after them, so calls chain.
 *
 * Cash model. A fill of `s` base for `Q` quote changes each party's position "cleanly": an open
 * adds ±Q to its entry; a reduce removes the reduced share of its entry and realizes
 * PnL = proceeds − removed entry; a flip does both. Both parties' equities then change by exactly
 * the trade's value at any price, so Σ(realized) of the two equals Σ(entry changes) of the two;
 * that residual (non-zero when both reduce, e.g. in ADL) is paid by the market's settlement account
 * (its maker account), whose entry takes the matching claim. Hence per market Σ entryQuote = 0 and
 * Σ sizeBase = 0 always, every realized PnL is a ledger move, and Σ equity = Σ collateral.
 */
import { divSigned, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { InsufficientBalanceError, InsufficientMarginError, InvalidParameterError } from '../errors.js';
import { applyMove, balanceOf, moved, SIGNED_BUCKETS } from '../ledger.js';
import type { EngineEvent } from '../machine.js';
import { pendingFundingQuote, sideFundingIndex, valueQuote } from './margin.js';
import {
  crossBucket,
  evolvePerpsBook,
  FUNDING_INDEX_SCALE,
  isolatedBucket,
  type MarginMode,
  marketIds,
  marketOf,
  type PerpFundingIndexChanged,
  type PerpMarketState,
  type PerpPosition,
  type PerpPositionChanged,
  type PerpsView,
  PPM_SCALE,
  positionBucket,
  positionOf,
} from './types.js';

/** What every settlement function returns: the view after its events, and the events. */
export interface PerpsStep {
  readonly view: PerpsView;
  readonly events: readonly EngineEvent[];
}

/**
 * A small accumulator for building one command's events over a view: each move is checked (a
 * typed refusal, never an assert) and applied to the view's ledger, each book event folded into
 * its book, so later steps read the state earlier steps left. Local to one decision.
 */
export class PerpsTx {
  private current: PerpsView;
  private readonly out: EngineEvent[] = [];

  constructor(view: PerpsView) {
    this.current = view;
  }

  /** The view after every event so far. */
  get view(): PerpsView {
    return this.current;
  }

  /** The events so far. */
  get events(): readonly EngineEvent[] {
    return this.out;
  }

  /** The view and events as a {@link PerpsStep}. */
  step(): PerpsStep {
    return { view: this.current, events: [...this.out] };
  }

  /**
   * Moves `amount` quote units between buckets (nothing for 0).
   * @throws InsufficientBalanceError when an unsigned bucket holds less.
   */
  move(from: string, to: string, amount: bigint, reason: string): void {
    this.moveAsset(this.current.book.quoteAsset, from, to, amount, reason);
  }

  /** Moves units of any asset (claim records such as `<quote>.debt`). Same throws as {@link move}. */
  moveAsset(asset: string, from: string, to: string, amount: bigint, reason: string): void {
    const have = balanceOf(this.current.ledger, from, asset);
    if (amount > 0n && !SIGNED_BUCKETS.has(from) && have < amount) {
      throw new InsufficientBalanceError(from, asset, have, amount);
    }
    for (const m of moved(asset, from, to, amount, reason)) {
      this.current = { ...this.current, ledger: applyMove(this.current.ledger, m) };
      this.out.push(m);
    }
  }

  /** Sets a position (null or flat with no entry: removed). */
  setPosition(market: string, account: string, position: PerpPosition | null): void {
    const keep = position !== null && (position.sizeBase !== 0n || position.entryQuote !== 0n);
    const event: PerpPositionChanged = {
      type: 'PerpPositionChanged',
      market,
      account,
      position: keep ? position : null,
    };
    this.emit(event);
  }

  /** Appends an event, folding it into the book when it is a book event. */
  emit(event: EngineEvent): void {
    this.current = { ...this.current, book: evolvePerpsBook(this.current.book, event) };
    this.out.push(event);
  }

  /** Appends a step's events (already folded into `step.view`) and adopts its view. */
  adopt(step: PerpsStep): void {
    this.current = step.view;
    this.out.push(...step.events);
  }
}

/** Clean update of one party's position: its new size and entry, and the PnL it realizes. */
export interface PositionTrade {
  readonly sizeBase: bigint;
  readonly entryQuote: bigint;
  /** Realized PnL, quote units (negative: a loss the party pays). */
  readonly realizedQuote: bigint;
}

/**
 * One party's side of a fill: `deltaBase` (signed: + buys) for `costQuote` (signed: the quote it
 * pays, negative when it receives). Open/increase: entry += cost, nothing realized. Reduce by a of
 * |S|: removed entry e = ceil(entry·a/|S|) (toward +∞, so the realized PnL = −cost − e is never
 * above the exact share; the rest stays in the open basis, so equity is exact). Flip: the closing
 * part's cost c₁ = ceil(cost·|S|/a) realizes −c₁ − entry, the rest c − c₁ opens the new side.
 */
export function tradePosition(
  position: { readonly sizeBase: bigint; readonly entryQuote: bigint },
  deltaBase: bigint,
  costQuote: bigint,
): PositionTrade {
  const size = position.sizeBase;
  const entry = position.entryQuote;
  if (deltaBase === 0n) return { sizeBase: size, entryQuote: entry, realizedQuote: 0n };
  if (size === 0n || size > 0n === deltaBase > 0n) {
    return { sizeBase: size + deltaBase, entryQuote: entry + costQuote, realizedQuote: 0n };
  }
  const a = deltaBase < 0n ? -deltaBase : deltaBase;
  const s = size < 0n ? -size : size;
  if (a <= s) {
    const removed = divSigned(entry * a, s, Rounding.Up);
    return { sizeBase: size + deltaBase, entryQuote: entry - removed, realizedQuote: -costQuote - removed };
  }
  const closeCost = divSigned(costQuote * s, a, Rounding.Up);
  return { sizeBase: size + deltaBase, entryQuote: costQuote - closeCost, realizedQuote: -closeCost - entry };
}

/** Funding settled into a position (entry += owed) at the market's current index. */
function settledPosition(position: PerpPosition, market: PerpMarketState): PerpPosition {
  const owed = pendingFundingQuote(position, market);
  return {
    ...position,
    entryQuote: position.entryQuote + owed,
    fundingIndexSettled: sideFundingIndex(position.sizeBase, market),
  };
}

/**
 * Settles one position's pending funding into its entry (a payer's cost basis rises), quote units
 * rounded toward +∞ (see pendingFundingQuote). Lazy settlement: Σ entry drifts by the rounding;
 * {@link settleMarketFunding} settles a whole market exactly.
 */
export function settleFunding(
  view: PerpsView,
  accountId: string,
  market: string,
): PerpsStep & { owedQuote: bigint } {
  const position = positionOf(view.book, accountId, market);
  if (position === undefined) return { view, events: [], owedQuote: 0n };
  const state = marketOf(view.book, market);
  const owed = pendingFundingQuote(position, state);
  const settled = settledPosition(position, state);
  if (owed === 0n && settled.fundingIndexSettled === position.fundingIndexSettled) {
    return { view, events: [], owedQuote: 0n };
  }
  const tx = new PerpsTx(view);
  tx.setPosition(market, accountId, settled);
  return { ...tx.step(), owedQuote: owed };
}

/**
 * Settles every position of a market into its entry and credits the total owed to `creditor`'s
 * entry in that market (its claim: the settlement account for funding-rounding dust, the creditor
 * of a social loss), so Σ entryQuote is unchanged exactly.
 * @param creditor account id; defaults to the market's maker (settlement) account.
 */
export function settleMarketFunding(
  view: PerpsView,
  market: string,
  creditor?: string,
): PerpsStep & { totalOwedQuote: bigint } {
  const state = marketOf(view.book, market);
  const tx = new PerpsTx(view);
  let total = 0n;
  for (const [account, position] of state.positions.entries()) {
    total += pendingFundingQuote(position, state);
    const settled = settledPosition(position, state);
    if (
      settled.entryQuote !== position.entryQuote ||
      settled.fundingIndexSettled !== position.fundingIndexSettled
    ) {
      tx.setPosition(market, account, settled);
    }
  }
  const to = creditor ?? state.config.makerAccount;
  if (total !== 0n) {
    const after = marketOf(tx.view.book, market);
    const held = positionOf(tx.view.book, to, market);
    tx.setPosition(market, to, {
      sizeBase: held?.sizeBase ?? 0n,
      entryQuote: (held?.entryQuote ?? 0n) - total,
      fundingIndexSettled: held === undefined ? after.fundingIndexLong : held.fundingIndexSettled,
      marginMode: held?.marginMode ?? 'cross',
    });
  }
  return { ...tx.step(), totalOwedQuote: total };
}

/** A market's funding indexes moved by an accrual. */
export interface PerpFundingAccrued {
  readonly type: 'PerpFundingAccrued';
  readonly market: string;
  /** Index change, quote per base × 1e18 (> 0: longs pay shorts). */
  readonly indexDelta: bigint;
  /** Σ rounding surplus credited to the settlement account, quote units (≥ 0). */
  readonly roundingQuote: bigint;
}

/**
 * Accrues funding: both indexes move by `indexDelta` (longs pay shorts when > 0) and every
 * position settles at once ({@link settleMarketFunding}), the rounding surplus going to the
 * settlement account. Σ sizes = 0 makes the exact total 0.
 * @throws InvalidParameterError for an unknown market.
 */
export function accrueFunding(
  view: PerpsView,
  input: { readonly market: string; readonly indexDelta: bigint },
): PerpsStep {
  requireMarket(view, input.market);
  const state = marketOf(view.book, input.market);
  const tx = new PerpsTx(view);
  const changed: PerpFundingIndexChanged = {
    type: 'PerpFundingIndexChanged',
    market: input.market,
    fundingIndexLong: state.fundingIndexLong + input.indexDelta,
    fundingIndexShort: state.fundingIndexShort + input.indexDelta,
  };
  tx.emit(changed);
  const settled = settleMarketFunding(tx.view, input.market);
  tx.adopt(settled);
  const record: PerpFundingAccrued = {
    type: 'PerpFundingAccrued',
    market: input.market,
    indexDelta: input.indexDelta,
    roundingQuote: settled.totalOwedQuote,
  };
  tx.emit(record);
  return tx.step();
}

/**
 * Funding index change for a rate: ratePpm of the mark per base unit,
 * mark·10^quoteDecimals·1e18·rate / (10^(baseDecimals+priceDecimals)·1e6), rounded toward −∞
 * (both sides use the same delta, so the rounding favours neither).
 */
export function fundingIndexDeltaForRate(
  view: PerpsView,
  market: string,
  markPrice: bigint,
  ratePpm: bigint,
): bigint {
  const c = marketOf(view.book, market).config;
  return divSigned(
    markPrice * pow10(c.quoteDecimals) * FUNDING_INDEX_SCALE * ratePpm,
    pow10(c.baseDecimals + c.priceDecimals) * PPM_SCALE,
    Rounding.Down,
  );
}

/** The market, or a typed refusal. @throws InvalidParameterError (`market`). */
export function requireMarket(view: PerpsView, market: string): PerpMarketState {
  if (!Object.hasOwn(view.book.markets, market)) {
    throw new InvalidParameterError(
      'market',
      `unknown market ${market}; known: ${marketIds(view.book).join(', ')}`,
    );
  }
  return view.book.markets[market]!;
}

/** A fill between two accounts. */
export interface FillRequest {
  readonly account: string;
  readonly counterparty: string;
  readonly market: string;
  /** Signed base units from `account`'s side (+: account buys from the counterparty). */
  readonly sizeBase: bigint;
  /** Quote units the buyer pays the seller (≥ 0). */
  readonly quoteAmount: bigint;
  /** Mode of a position `account` opens (an existing non-flat position keeps its own). Default cross. */
  readonly marginMode?: MarginMode;
  /**
   * A party's bucket cannot pay its realized loss: `refuse` (default; InsufficientMarginError) or
   * `settlement` (pay what it holds; the settlement account receives the rest less, and the unpaid
   * amount is reported for the loss waterfall).
   */
  readonly shortfall?: 'refuse' | 'settlement';
  /** Why (`trade`, `liquidation`, `adl`, ...): a suffix of the move reasons. */
  readonly reason?: string;
}

/** Record of one fill. */
export interface PerpFilled {
  readonly type: 'PerpFilled';
  readonly market: string;
  readonly account: string;
  readonly counterparty: string;
  readonly sizeBase: bigint;
  readonly quoteAmount: bigint;
  readonly realizedQuote: bigint;
  readonly counterpartyRealizedQuote: bigint;
  /** Residual the settlement account received (negative: paid), quote units. */
  readonly settlementQuote: bigint;
  /** Realized loss a party could not pay, quote units (the settlement account is owed it). */
  readonly unpaidQuote: bigint;
  readonly reason: string;
}

/** Result of {@link applyFill}. */
export interface FillResult extends PerpsStep {
  readonly realizedQuote: bigint;
  readonly counterpartyRealizedQuote: bigint;
  readonly settlementQuote: bigint;
  readonly unpaidQuote: bigint;
  /** The settlement account (creditor of `unpaidQuote`). */
  readonly settlementAccount: string;
}

/**
 * Fills `sizeBase` between `account` and `counterparty` at `quoteAmount`: settles both positions'
 * pending funding, updates both positions cleanly ({@link tradePosition}), pays realized PnL
 * between their buckets (cross `acct:` or isolated `iso:`), and passes the residual to the
 * market's settlement account (module doc). Moves are netted per bucket.
 * @throws InvalidParameterError (unknown market, zero size, negative quote, self-fill, a mode
 *   that differs from the open position's); InsufficientMarginError when a party cannot pay its
 *   realized loss and `shortfall` is `refuse`; InsufficientBalanceError when the settlement
 *   account cannot pay the residual.
 */
export function applyFill(view: PerpsView, request: FillRequest): FillResult {
  const { account, counterparty, market } = request;
  const state = requireMarket(view, market);
  if (request.sizeBase === 0n) throw new InvalidParameterError('sizeBase', 'expected a non-zero size');
  if (request.quoteAmount < 0n) throw new InvalidParameterError('quoteAmount', 'expected ≥ 0');
  if (account === counterparty)
    throw new InvalidParameterError('counterparty', 'must differ from the account');
  const reason = request.reason ?? 'trade';
  const tx = new PerpsTx(view);
  tx.adopt(settleFunding(tx.view, account, market));
  tx.adopt(settleFunding(tx.view, counterparty, market));
  const settlement = state.config.makerAccount;

  const buyerPays = request.quoteAmount;
  const accountCost = request.sizeBase > 0n ? buyerPays : -buyerPays;
  const parties = [
    { id: account, delta: request.sizeBase, cost: accountCost, mode: request.marginMode ?? 'cross' },
    { id: counterparty, delta: -request.sizeBase, cost: -accountCost, mode: 'cross' as MarginMode },
  ];
  const after = new Map<string, PerpPosition>();
  const realized: bigint[] = [];
  for (const p of parties) {
    const held = positionOf(tx.view.book, p.id, market);
    const open = held !== undefined && (held.sizeBase !== 0n || held.entryQuote !== 0n);
    if (
      open &&
      p.id === account &&
      request.marginMode !== undefined &&
      held.marginMode !== request.marginMode
    ) {
      throw new InvalidParameterError(
        'marginMode',
        `${p.id} holds a ${held.marginMode} position in ${market}; close it before switching mode`,
      );
    }
    const mode = open ? held.marginMode : p.mode;
    const trade = tradePosition(held ?? { sizeBase: 0n, entryQuote: 0n }, p.delta, p.cost);
    const current = marketOf(tx.view.book, market);
    after.set(p.id, {
      sizeBase: trade.sizeBase,
      entryQuote: trade.entryQuote,
      fundingIndexSettled: sideFundingIndex(trade.sizeBase, current),
      marginMode: mode,
    });
    realized.push(trade.realizedQuote);
  }
  const realizedAccount = realized[0]!;
  const realizedCounterparty = realized[1]!;
  // Residual paid by the settlement account, which takes the matching claim in its entry.
  const residual = realizedAccount + realizedCounterparty;
  const settlementHeld = after.get(settlement) ?? positionOf(tx.view.book, settlement, market);
  const current = marketOf(tx.view.book, market);
  after.set(settlement, {
    sizeBase: settlementHeld?.sizeBase ?? 0n,
    entryQuote: (settlementHeld?.entryQuote ?? 0n) - residual,
    fundingIndexSettled: settlementHeld?.fundingIndexSettled ?? current.fundingIndexLong,
    marginMode: settlementHeld?.marginMode ?? 'cross',
  });

  // Net cash per bucket: parties receive their realized PnL, the settlement account pays the residual.
  const bucketOf = (id: string): string => positionBucket(id, market, after.get(id)!.marginMode);
  const deltas = new Map<string, bigint>();
  const add = (bucket: string, amount: bigint) => deltas.set(bucket, (deltas.get(bucket) ?? 0n) + amount);
  add(bucketOf(account), realizedAccount);
  add(bucketOf(counterparty), realizedCounterparty);
  add(bucketOf(settlement), -residual);
  const settlementBucket = bucketOf(settlement);
  let unpaid = 0n;
  for (const [bucket, delta] of deltas) {
    if (bucket === settlementBucket || delta >= 0n) continue;
    const have = balanceOf(tx.view.ledger, bucket, tx.view.book.quoteAsset);
    if (have >= -delta) continue;
    if ((request.shortfall ?? 'refuse') === 'refuse') {
      throw new InsufficientMarginError(
        bucket,
        `the realized loss ${-delta} exceeds the ${have} held (a fill may not leave bad debt)`,
      );
    }
    unpaid += -delta - have;
    deltas.set(bucket, -have);
  }
  if (unpaid > 0n) add(settlementBucket, -unpaid);
  payNetted(tx, deltas, `perps:${reason}:pnl`);
  for (const [id, position] of after) tx.setPosition(market, id, position);
  const record: PerpFilled = {
    type: 'PerpFilled',
    market,
    account,
    counterparty,
    sizeBase: request.sizeBase,
    quoteAmount: request.quoteAmount,
    realizedQuote: realizedAccount,
    counterpartyRealizedQuote: realizedCounterparty,
    settlementQuote: deltas.get(settlementBucket) ?? 0n,
    unpaidQuote: unpaid,
    reason,
  };
  tx.emit(record);
  return {
    ...tx.step(),
    realizedQuote: realizedAccount,
    counterpartyRealizedQuote: realizedCounterparty,
    settlementQuote: record.settlementQuote,
    unpaidQuote: unpaid,
    settlementAccount: settlement,
  };
}

/** Pays a zero-sum set of bucket deltas: payers in insertion order to receivers in insertion order. */
function payNetted(tx: PerpsTx, deltas: ReadonlyMap<string, bigint>, reason: string): void {
  const payers = [...deltas].filter(([, d]) => d < 0n).map(([b, d]) => ({ bucket: b, left: -d }));
  const receivers = [...deltas].filter(([, d]) => d > 0n).map(([b, d]) => ({ bucket: b, left: d }));
  let i = 0;
  for (const r of receivers) {
    while (r.left > 0n) {
      const p = payers[i];
      if (p === undefined) break;
      const amount = p.left < r.left ? p.left : r.left;
      tx.move(p.bucket, r.bucket, amount, reason);
      p.left -= amount;
      r.left -= amount;
      if (p.left === 0n) i += 1;
    }
  }
}

/**
 * Moves margin from an account's cross collateral into its isolated position in `market`.
 * @throws InvalidParameterError (unknown market, amount ≤ 0, no isolated position there unless
 *   `allowNoPosition`); InsufficientBalanceError when the cross collateral is short.
 */
export function addIsolatedMargin(
  view: PerpsView,
  input: {
    readonly account: string;
    readonly market: string;
    readonly amount: bigint;
    readonly allowNoPosition?: boolean;
  },
): PerpsStep {
  requireMarket(view, input.market);
  if (input.amount <= 0n) throw new InvalidParameterError('amount', 'expected > 0');
  const position = positionOf(view.book, input.account, input.market);
  if (position === undefined ? input.allowNoPosition !== true : position.marginMode !== 'isolated') {
    throw new InvalidParameterError('market', `${input.account} has no isolated position in ${input.market}`);
  }
  const tx = new PerpsTx(view);
  tx.move(
    crossBucket(input.account),
    isolatedBucket(input.account, input.market),
    input.amount,
    'perps:isolatedMargin',
  );
  return tx.step();
}

/**
 * Moves isolated margin back to cross collateral (no margin check here: callers check the initial
 * margin of what stays isolated).
 * @throws InvalidParameterError (unknown market, amount ≤ 0); InsufficientBalanceError.
 */
export function removeIsolatedMargin(
  view: PerpsView,
  input: { readonly account: string; readonly market: string; readonly amount: bigint },
): PerpsStep {
  requireMarket(view, input.market);
  if (input.amount <= 0n) throw new InvalidParameterError('amount', 'expected > 0');
  const tx = new PerpsTx(view);
  tx.move(
    isolatedBucket(input.account, input.market),
    crossBucket(input.account),
    input.amount,
    'perps:isolatedMargin',
  );
  return tx.step();
}

/**
 * Returns what is left in `iso:<account>:<market>` to the account's cross collateral once it holds
 * no position there (nothing otherwise).
 */
export function releaseIsolatedMargin(view: PerpsView, account: string, market: string): PerpsStep {
  if (positionOf(view.book, account, market) !== undefined) return { view, events: [] };
  const bucket = isolatedBucket(account, market);
  const left = balanceOf(view.ledger, bucket, view.book.quoteAsset);
  if (left <= 0n) return { view, events: [] };
  const tx = new PerpsTx(view);
  tx.move(bucket, crossBucket(account), left, 'perps:isolatedRelease');
  return tx.step();
}

/** Record of a cross leg's unrealized profit paid out for its account (a shortfall, a fee). */
export interface PerpProfitApplied {
  readonly type: 'PerpProfitApplied';
  readonly account: string;
  /** The profitable leg's market. */
  readonly market: string;
  /** The bucket paid (the closed market's settlement account, `insurance`). */
  readonly toBucket: string;
  /** The mark the profit was valued at. */
  readonly markPrice: bigint;
  readonly amountQuote: bigint;
}

/**
 * Pays up to `maxQuote` for an account out of the unrealized profit of its position in `market`,
 * without closing that position (a shortfall it left in another market, a liquidation fee): its
 * pending funding first, then profit = value at the mark (rounded down: favours the payer) −
 * entry; amount = min(profit, maxQuote, what the paying settlement account holds unless it pays
 * itself). The position's entry rises by the amount (its profit falls by it), the market's
 * settlement (maker) account's entry falls by it (it owes that much less), and the settlement
 * account pays the amount into `toBucket` (no cash moves when that is its own bucket: the two
 * claims net). Σ entryQuote per market and the ledger stay exact; the account's own buckets are
 * not touched. Nothing for a loss, a flat position or the settlement account itself.
 * @throws InvalidParameterError (unknown market).
 */
export function payFromUnrealizedProfit(
  view: PerpsView,
  input: {
    readonly account: string;
    readonly market: string;
    readonly markPrice: bigint;
    readonly toBucket: string;
    readonly maxQuote: bigint;
  },
): PerpsStep & { readonly paidQuote: bigint } {
  const state = requireMarket(view, input.market);
  const payer = state.config.makerAccount;
  const held = positionOf(view.book, input.account, input.market);
  if (held === undefined || held.sizeBase === 0n || input.account === payer || input.maxQuote <= 0n) {
    return { view, events: [], paidQuote: 0n };
  }
  const tx = new PerpsTx(view);
  tx.adopt(settleFunding(tx.view, input.account, input.market));
  const position = positionOf(tx.view.book, input.account, input.market)!;
  const profit =
    valueQuote(position.sizeBase, input.markPrice, state.config, Rounding.Down) - position.entryQuote;
  const payerHeld = positionOf(tx.view.book, payer, input.market);
  const payerBucket = positionBucket(payer, input.market, payerHeld?.marginMode ?? 'cross');
  let amount = profit < input.maxQuote ? profit : input.maxQuote;
  if (payerBucket !== input.toBucket) {
    const available = balanceOf(tx.view.ledger, payerBucket, tx.view.book.quoteAsset);
    if (available < amount) amount = available;
  }
  if (amount <= 0n) return { view, events: [], paidQuote: 0n };
  const current = marketOf(tx.view.book, input.market);
  tx.setPosition(input.market, input.account, { ...position, entryQuote: position.entryQuote + amount });
  tx.setPosition(input.market, payer, {
    sizeBase: payerHeld?.sizeBase ?? 0n,
    entryQuote: (payerHeld?.entryQuote ?? 0n) - amount,
    fundingIndexSettled: payerHeld?.fundingIndexSettled ?? current.fundingIndexLong,
    marginMode: payerHeld?.marginMode ?? 'cross',
  });
  if (payerBucket !== input.toBucket) tx.move(payerBucket, input.toBucket, amount, 'perps:paidFromProfit');
  const record: PerpProfitApplied = {
    type: 'PerpProfitApplied',
    account: input.account,
    market: input.market,
    toBucket: input.toBucket,
    markPrice: input.markPrice,
    amountQuote: amount,
  };
  tx.emit(record);
  return { ...tx.step(), paidQuote: amount };
}

/**
 * Pays up to `maxQuote` into `toBucket` out of the unrealized profits of the account's cross
 * positions other than `exceptMarket`, in market id order ({@link payFromUnrealizedProfit}).
 * @param marks mark of every market where the account holds a cross position.
 * @throws InvalidParameterError (unknown market, missing mark).
 */
export function payFromCrossProfits(
  view: PerpsView,
  input: {
    readonly account: string;
    readonly exceptMarket: string;
    readonly marks: Readonly<Record<string, bigint>>;
    readonly toBucket: string;
    readonly maxQuote: bigint;
  },
): PerpsStep & { readonly paidQuote: bigint } {
  const tx = new PerpsTx(view);
  let left = input.maxQuote;
  for (const market of marketIds(view.book)) {
    if (left <= 0n) break;
    const p = positionOf(tx.view.book, input.account, market);
    if (market === input.exceptMarket || p === undefined || p.marginMode !== 'cross' || p.sizeBase === 0n) {
      continue;
    }
    const markPrice = input.marks[market];
    if (markPrice === undefined) throw new InvalidParameterError(`marks.${market}`, 'expected a mark');
    const paid = payFromUnrealizedProfit(tx.view, {
      account: input.account,
      market,
      markPrice,
      toBucket: input.toBucket,
      maxQuote: left,
    });
    tx.adopt(paid);
    left -= paid.paidQuote;
  }
  return { ...tx.step(), paidQuote: input.maxQuote - left };
}
