/**
 * What happens when a perps account cannot pay: the bankruptcy quote of a position, the insurance
 * fund and the backstop vault paying a shortfall, socialized loss through the funding indexes
 * (Drift), a backstop vault taking over positions and margin (Hyperliquid HLP), and
 * auto-deleveraging against ranked opposite positions at the bankruptcy price, with pluggable
 * rankings (PnL × leverage, PnL, leverage, seeded random, keeper-chosen).
 */
import { createHash } from 'node:crypto';
import { divSigned, max, min, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { debtClaimAsset } from '../engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../errors.js';
import { balanceOf } from '../ledger.js';
import { accountMargin, pendingFundingQuote, positionMargin, requireMark, valueQuote } from './margin.js';
import {
  applyFill,
  type PerpsStep,
  PerpsTx,
  releaseIsolatedMargin,
  requireMarket,
  settleFunding,
  settleMarketFunding,
} from './settle.js';
import {
  crossBucket,
  FUNDING_INDEX_SCALE,
  isolatedBucket,
  marketIds,
  marketOf,
  type PerpFundingIndexChanged,
  type PerpMarks,
  type PerpPosition,
  type PerpsView,
  type PositionSide,
  positionBucket,
  positionOf,
  quoteBalance,
  sideOf,
} from './types.js';

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

// ---------------------------------------------------------------------------------------------
// Bankruptcy quote
// ---------------------------------------------------------------------------------------------

/** Where a position goes bankrupt. */
export interface BankruptcyQuote {
  /** Signed base units of the whole position. */
  readonly sizeBase: bigint;
  /**
   * Signed quote the account receives for delivering its whole position (a long sells: > 0; a
   * short buys back: < 0, it pays −q), exact: max(value at mark rounded down, entry + pending
   * funding − collateral of the position's bucket). At the second term its bucket ends at exactly
   * 0; a position still solvent at the mark is closed at the mark instead.
   */
  readonly quote: bigint;
  /** The same as a price (quote per whole base × 10^priceDecimals), rounded toward the account's loss. */
  readonly price: bigint;
  /** Equity of the position alone with its bucket at the mark: collateral + unrealized PnL. */
  readonly positionEquityQuote: bigint;
}

/**
 * The bankruptcy quote of an account's whole position in `market` (see {@link BankruptcyQuote}).
 * For a cross position the bucket is the account's whole cross collateral (other cross positions
 * keep their unrealized PnL).
 * @throws InvalidParameterError when there is no open position or the mark is missing.
 */
export function bankruptcyQuote(
  view: PerpsView,
  accountId: string,
  market: string,
  marks: PerpMarks,
): BankruptcyQuote {
  const state = requireMarket(view, market);
  const position = positionOf(view.book, accountId, market);
  if (position === undefined || position.sizeBase === 0n) {
    throw new InvalidParameterError('market', `${accountId} has no open position in ${market}`);
  }
  const mark = requireMark(marks, market);
  const collateral = quoteBalance(view, positionBucket(accountId, market, position.marginMode));
  const entry = position.entryQuote + pendingFundingQuote(position, state);
  const atMark = valueQuote(position.sizeBase, mark, state.config, Rounding.Down);
  const atZero = entry - collateral;
  const quote = max(atMark, atZero);
  const c = state.config;
  const price = divSigned(
    quote * pow10(c.baseDecimals + c.priceDecimals),
    position.sizeBase * pow10(c.quoteDecimals),
    position.sizeBase > 0n ? Rounding.Down : Rounding.Up,
  );
  return { sizeBase: position.sizeBase, quote, price, positionEquityQuote: collateral + atMark - entry };
}

// ---------------------------------------------------------------------------------------------
// ADL ranking
// ---------------------------------------------------------------------------------------------

/** How ADL picks the opposite positions it closes first. */
export type AdlRanking =
  /** Unrealized PnL % × leverage, descending (Hyperliquid, BitMEX). */
  | { readonly kind: 'pnlLeverage' }
  /** Unrealized PnL in quote units, descending. */
  | { readonly kind: 'pnl' }
  /** Leverage (notional / equity), descending. */
  | { readonly kind: 'leverage' }
  /** A seeded shuffle: SHA-256 of `seed:account`, ascending (dYdX starts from a random one). */
  | { readonly kind: 'random'; readonly seed: string }
  /** Exactly the accounts a keeper lists, in its order (GMX's ADL keeper). */
  | { readonly kind: 'keeperChosen'; readonly accounts: readonly string[] };

/** Kinds of {@link AdlRanking}. */
export const ADL_RANKING_KINDS: readonly AdlRanking['kind'][] = [
  'pnlLeverage',
  'pnl',
  'leverage',
  'random',
  'keeperChosen',
];

/** One position ADL may close, with what its rank was computed from. */
export interface AdlCandidate {
  readonly account: string;
  readonly sizeBase: bigint;
  /** Unrealized PnL net of pending funding, quote units. */
  readonly unrealizedPnlQuote: bigint;
  /** |entry|, quote units (the PnL % denominator; 1 when 0). */
  readonly costBasisQuote: bigint;
  readonly notionalQuote: bigint;
  /** Equity of the position's scope (cross account or isolated position), quote units. */
  readonly equityQuote: bigint;
}

/** A rank as an exact fraction num/den (den > 0). */
interface Rank {
  readonly num: bigint;
  readonly den: bigint;
}

function rankOf(c: AdlCandidate, ranking: AdlRanking): Rank {
  // Leverage = notional / equity; an equity ≤ 0 counts as 1 quote unit (the highest leverage).
  const equity = c.equityQuote > 0n ? c.equityQuote : 1n;
  switch (ranking.kind) {
    case 'pnlLeverage':
      return { num: c.unrealizedPnlQuote * c.notionalQuote, den: c.costBasisQuote * equity };
    case 'pnl':
      return { num: c.unrealizedPnlQuote, den: 1n };
    case 'leverage':
      return { num: c.notionalQuote, den: equity };
    default:
      return { num: 0n, den: 1n };
  }
}

function hashRank(seed: string, account: string): string {
  return createHash('sha256').update(`${seed}:${account}`).digest('hex');
}

/**
 * The positions on `side` of `market`, in the order ADL closes them: by the ranking (descending;
 * ties by account id ascending), at `marks` (pass the previous oracle price where the protocol
 * ranks at it). `keeperChosen` returns only the listed accounts that hold a position on that side,
 * in the keeper's order. Flat positions are never candidates.
 * @param options.exclude accounts never ranked (the bankrupt account, protocol accounts).
 * @throws InvalidParameterError (unknown market, missing mark).
 */
export function rankForAdl(
  view: PerpsView,
  market: string,
  side: PositionSide,
  marks: PerpMarks,
  ranking: AdlRanking,
  options: { readonly exclude?: readonly string[] } = {},
): AdlCandidate[] {
  const state = requireMarket(view, market);
  const candidateOf = (account: string, position: PerpPosition): AdlCandidate => {
    const line = positionMargin(position, state, marks);
    const margin = accountMargin(view, account, marks);
    const scope = position.marginMode === 'cross' ? margin : margin.isolated[market]!;
    const basis = abs(position.entryQuote);
    return {
      account,
      sizeBase: position.sizeBase,
      unrealizedPnlQuote: line.unrealizedPnlQuote,
      costBasisQuote: basis === 0n ? 1n : basis,
      notionalQuote: line.notionalQuote,
      equityQuote: scope.equityQuote,
    };
  };
  if (ranking.kind === 'keeperChosen') {
    // Only the listed accounts are valued.
    const listed = keeperChosenOrder(view, market, side, ranking.accounts, options.exclude ?? []);
    return [...listed].map((c) => candidateOf(c.account, c.position));
  }
  const exclude = new Set(options.exclude ?? []);
  const candidates: AdlCandidate[] = [];
  for (const [account, position] of state.positions.entries()) {
    if (exclude.has(account) || position.sizeBase === 0n || sideOf(position.sizeBase) !== side) continue;
    candidates.push(candidateOf(account, position));
  }
  if (ranking.kind === 'random') {
    const keyed = candidates.map((c) => ({ c, key: hashRank(ranking.seed, c.account) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.c.account < b.c.account ? -1 : 1));
    return keyed.map((k) => k.c);
  }
  const ranked = candidates.map((c) => ({ c, r: rankOf(c, ranking) }));
  ranked.sort((a, b) => {
    // Descending by a.num/a.den vs b.num/b.den, compared exactly (dens > 0).
    const lhs = a.r.num * b.r.den;
    const rhs = b.r.num * a.r.den;
    if (lhs !== rhs) return lhs > rhs ? -1 : 1;
    return a.c.account < b.c.account ? -1 : a.c.account > b.c.account ? 1 : 0;
  });
  return ranked.map((x) => x.c);
}

// ---------------------------------------------------------------------------------------------
// Auto-deleveraging
// ---------------------------------------------------------------------------------------------

/** Record of one ADL fill. */
export interface PerpDeleveraged {
  readonly type: 'PerpDeleveraged';
  readonly market: string;
  readonly bankruptAccount: string;
  readonly counterparty: string;
  /** Base units closed on each side. */
  readonly sizeBase: bigint;
  /** Quote units exchanged (the bankrupt side's share of the bankruptcy quote). */
  readonly quoteAmount: bigint;
  readonly counterpartyRealizedQuote: bigint;
}

/** Input of {@link autoDeleverage}. */
export interface AdlRequest {
  readonly bankruptAccount: string;
  readonly market: string;
  /** Base units of the bankrupt position to close (unsigned, ≤ |size|). */
  readonly sizeBase: bigint;
  /**
   * Signed quote the bankrupt account receives for the `sizeBase` closed (as in
   * {@link BankruptcyQuote}: scale it if closing part). Split over the counterparties pro rata,
   * rounded toward −∞, the last fill taking the remainder, so the total is exact.
   */
  readonly bankruptcyQuote: bigint;
  readonly ranking: AdlRanking;
  /** Prices the ranking reads. */
  readonly marks: PerpMarks;
  /** Accounts never deleveraged (the bankrupt account is always excluded). */
  readonly exclude?: readonly string[];
}

/** Result of {@link autoDeleverage}. */
export interface AdlResult extends PerpsStep {
  /** Base units closed (the ADL volume). */
  readonly deleveragedBase: bigint;
  /** Base units left open (only when the ranking ran out, e.g. a short keeper list). */
  readonly remainingBase: bigint;
  /** Realized loss the bankrupt account could not pay (0 at an exact bankruptcy quote). */
  readonly unpaidQuote: bigint;
  readonly fills: readonly PerpDeleveraged[];
}

/**
 * The `keeperChosen` order of {@link rankForAdl} (the listed accounts, first listing only, that
 * hold a position on `side` and are not excluded, in the keeper's order) as account and size
 * only, produced lazily: ADL reads no more of it than the fills need, and none of the margins
 * rankForAdl computes for every candidate (a keeper may list the whole opposite side).
 */
function* keeperChosenOrder(
  view: PerpsView,
  market: string,
  side: PositionSide,
  accounts: readonly string[],
  exclude: readonly string[],
): Generator<{ readonly account: string; readonly sizeBase: bigint; readonly position: PerpPosition }> {
  const skip = new Set(exclude);
  const seen = new Set<string>();
  for (const account of accounts) {
    if (seen.has(account)) continue;
    seen.add(account);
    if (skip.has(account)) continue;
    const position = positionOf(view.book, account, market);
    if (position === undefined || position.sizeBase === 0n || sideOf(position.sizeBase) !== side) continue;
    yield { account, sizeBase: position.sizeBase, position };
  }
}

/**
 * Closes `sizeBase` of the bankrupt account's position against opposite positions in ranking
 * order, each fill at its share of the bankruptcy quote, until the size is gone or the ranking
 * runs out. Counterparties realize their PnL in cash (an isolated counterparty closed in full gets
 * its remaining margin back in cross collateral); the settlement account pays what the two sides'
 * entries leave over (see settle.ts).
 * @throws InvalidParameterError (no position, size out of range, unknown market);
 *   InsufficientBalanceError when the settlement account cannot pay a residual.
 */
export function autoDeleverage(view: PerpsView, request: AdlRequest): AdlResult {
  requireMarket(view, request.market);
  const position = positionOf(view.book, request.bankruptAccount, request.market);
  if (position === undefined || position.sizeBase === 0n) {
    throw new InvalidParameterError(
      'bankruptAccount',
      `${request.bankruptAccount} has no position in ${request.market}`,
    );
  }
  const total = request.sizeBase;
  if (total <= 0n || total > abs(position.sizeBase)) {
    throw new InvalidParameterError('sizeBase', `expected 0 < size ≤ ${abs(position.sizeBase)}`);
  }
  const opposite: PositionSide = position.sizeBase > 0n ? 'short' : 'long';
  const exclude = [request.bankruptAccount, ...(request.exclude ?? [])];
  const ranked =
    request.ranking.kind === 'keeperChosen'
      ? keeperChosenOrder(view, request.market, opposite, request.ranking.accounts, exclude)
      : rankForAdl(view, request.market, opposite, request.marks, request.ranking, { exclude });
  const sign = position.sizeBase > 0n ? -1n : 1n; // the bankrupt account's trade direction
  const tx = new PerpsTx(view);
  const fills: PerpDeleveraged[] = [];
  let left = total;
  let quoteLeft = request.bankruptcyQuote;
  let unpaid = 0n;
  for (const c of ranked) {
    if (left === 0n) break;
    const take = min(abs(c.sizeBase), left);
    // Pro-rata share of the signed quote, toward −∞ for the bankrupt side; the last fill takes the rest.
    const share = take === left ? quoteLeft : divSigned(request.bankruptcyQuote * take, total, Rounding.Down);
    // The bankrupt side receives `share` for selling (long) or pays −share for buying (short).
    const quoteAmount = sign < 0n ? share : -share;
    if (quoteAmount < 0n) {
      throw new ProtocolRevertError(
        'ADL_NEGATIVE_PRICE',
        'The bankruptcy quote has the wrong sign for this side; the position cannot be deleveraged.',
        { share: share.toString() },
      );
    }
    const fill = applyFill(tx.view, {
      account: request.bankruptAccount,
      counterparty: c.account,
      market: request.market,
      sizeBase: sign * take,
      quoteAmount,
      shortfall: 'settlement',
      reason: 'adl',
    });
    tx.adopt(fill);
    // A counterparty's isolated position closed in full returns its margin to cross collateral.
    tx.adopt(releaseIsolatedMargin(tx.view, c.account, request.market));
    unpaid += fill.unpaidQuote;
    const record: PerpDeleveraged = {
      type: 'PerpDeleveraged',
      market: request.market,
      bankruptAccount: request.bankruptAccount,
      counterparty: c.account,
      sizeBase: take,
      quoteAmount,
      counterpartyRealizedQuote: fill.counterpartyRealizedQuote,
    };
    tx.emit(record);
    fills.push(record);
    left -= take;
    quoteLeft -= share;
  }
  return { ...tx.step(), deleveragedBase: total - left, remainingBase: left, unpaidQuote: unpaid, fills };
}

// ---------------------------------------------------------------------------------------------
// Paying a shortfall: insurance, backstop vault, socialization
// ---------------------------------------------------------------------------------------------

/** Record of a social loss. */
export interface PerpLossSocialized {
  readonly type: 'PerpLossSocialized';
  readonly market: string;
  readonly lossQuote: bigint;
  /** Index move per base unit, × 1e18 (longs' index up, shorts' index down by it). */
  readonly indexDelta: bigint;
  /** What the open positions paid in total (≥ the loss: each share rounds up). */
  readonly chargedQuote: bigint;
  readonly creditor: string;
}

/**
 * Socializes a loss over every open position of a market (Drift): the funding indexes move by
 * d = ceil(loss·1e18 / (long OI + short OI)) against both sides (longs' index +d, shorts' −d), every
 * position settles (each share rounded up), and the total charged is credited to `creditor`'s
 * entry. The loss is recorded as `<quote>.debt` claims moved from `mint` to `socialized`. With no
 * open interest nothing is charged and the loss stays with the creditor (still recorded).
 * drift-labs/protocol-v2 programs/drift/src/controller/funding.rs / math/liquidation.rs (social
 * loss via cumulative funding rate delta).
 * @throws InvalidParameterError (unknown market, loss < 0).
 */
export function socializeLoss(
  view: PerpsView,
  input: { readonly market: string; readonly lossQuote: bigint; readonly creditor: string },
): PerpsStep & { chargedQuote: bigint } {
  const state = requireMarket(view, input.market);
  if (input.lossQuote < 0n) throw new InvalidParameterError('lossQuote', 'expected ≥ 0');
  if (input.lossQuote === 0n) return { view, events: [], chargedQuote: 0n };
  const tx = new PerpsTx(view);
  // Settle first at the old indexes so the charge below is exactly each position's share.
  tx.adopt(settleMarketFunding(tx.view, input.market));
  const oi = state.longOpenInterestBase + state.shortOpenInterestBase;
  // Round up: the positions pay at least the loss (favours the creditor, never short).
  const d = oi === 0n ? 0n : divSigned(input.lossQuote * FUNDING_INDEX_SCALE, oi, Rounding.Up);
  let charged = 0n;
  if (d > 0n) {
    const now = marketOf(tx.view.book, input.market);
    const changed: PerpFundingIndexChanged = {
      type: 'PerpFundingIndexChanged',
      market: input.market,
      fundingIndexLong: now.fundingIndexLong + d,
      fundingIndexShort: now.fundingIndexShort - d,
    };
    tx.emit(changed);
    const settled = settleMarketFunding(tx.view, input.market, input.creditor);
    tx.adopt(settled);
    charged = settled.totalOwedQuote;
  }
  tx.moveAsset(
    debtClaimAsset(view.book.quoteAsset),
    'mint',
    'socialized',
    input.lossQuote,
    'perps:socialLoss',
  );
  const record: PerpLossSocialized = {
    type: 'PerpLossSocialized',
    market: input.market,
    lossQuote: input.lossQuote,
    indexDelta: d,
    chargedQuote: charged,
    creditor: input.creditor,
  };
  tx.emit(record);
  return { ...tx.step(), chargedQuote: charged };
}

/** One step that pays a realized shortfall. */
export type ShortfallStep = 'insurance' | 'backstop' | 'socialize';

/** Input of {@link coverBankruptcy}. */
export interface CoverRequest {
  readonly market: string;
  /** Quote units the creditor is owed (> 0). */
  readonly shortfallQuote: bigint;
  /** Account owed the shortfall (the settlement account of the fill that left it). */
  readonly creditor: string;
  /** Steps in order; `socialize` covers everything left. */
  readonly steps: readonly ShortfallStep[];
  /** Vault account whose cross collateral the `backstop` step spends. */
  readonly backstopAccount?: string;
  /** Quote units the insurance fund keeps (Drift leaves 1 unit); default 0. */
  readonly insuranceFloorQuote?: bigint;
}

/** Record of a shortfall covered. */
export interface PerpShortfallCovered {
  readonly type: 'PerpShortfallCovered';
  readonly market: string;
  readonly creditor: string;
  readonly shortfallQuote: bigint;
  readonly fromInsuranceQuote: bigint;
  readonly fromBackstopQuote: bigint;
  readonly socializedQuote: bigint;
  /** Left with the creditor (no step could take it). */
  readonly uncoveredQuote: bigint;
}

/** How much each step of {@link coverBankruptcy} can pay now (socialize: unbounded, null). */
export function shortfallCapacity(
  view: PerpsView,
  step: ShortfallStep,
  options: { readonly backstopAccount?: string; readonly insuranceFloorQuote?: bigint } = {},
): bigint | null {
  if (step === 'socialize') return null;
  if (step === 'insurance')
    return max(0n, quoteBalance(view, 'insurance') - (options.insuranceFloorQuote ?? 0n));
  return options.backstopAccount === undefined
    ? 0n
    : quoteBalance(view, crossBucket(options.backstopAccount));
}

/**
 * Pays a realized shortfall owed to `creditor`, step by step: the insurance fund (`insurance` →
 * creditor's cross bucket, down to the floor), the backstop vault's cross collateral, then
 * socialization over the market's open positions ({@link socializeLoss}). What no step pays stays
 * with the creditor and is reported.
 * @throws InvalidParameterError (unknown market, shortfall < 0, backstop step without an account).
 */
export function coverBankruptcy(view: PerpsView, request: CoverRequest): PerpsStep & PerpShortfallCovered {
  requireMarket(view, request.market);
  if (request.shortfallQuote < 0n) throw new InvalidParameterError('shortfallQuote', 'expected ≥ 0');
  if (request.steps.includes('backstop') && request.backstopAccount === undefined) {
    throw new InvalidParameterError('backstopAccount', 'the backstop step needs a vault account');
  }
  const tx = new PerpsTx(view);
  let left = request.shortfallQuote;
  let fromInsurance = 0n;
  let fromBackstop = 0n;
  let socialized = 0n;
  const to = crossBucket(request.creditor);
  for (const step of request.steps) {
    if (left === 0n) break;
    const capacity = shortfallCapacity(tx.view, step, request);
    if (capacity === null) {
      tx.adopt(
        socializeLoss(tx.view, { market: request.market, lossQuote: left, creditor: request.creditor }),
      );
      socialized = left;
      left = 0n;
      continue;
    }
    const pay = min(left, capacity);
    const from = step === 'insurance' ? 'insurance' : crossBucket(request.backstopAccount!);
    tx.move(from, to, pay, `perps:shortfall:${step}`);
    if (step === 'insurance') fromInsurance += pay;
    else fromBackstop += pay;
    left -= pay;
  }
  const record: PerpShortfallCovered = {
    type: 'PerpShortfallCovered',
    market: request.market,
    creditor: request.creditor,
    shortfallQuote: request.shortfallQuote,
    fromInsuranceQuote: fromInsurance,
    fromBackstopQuote: fromBackstop,
    socializedQuote: socialized,
    uncoveredQuote: left,
  };
  if (request.shortfallQuote > 0n) tx.emit(record);
  return { ...tx.step(), ...record };
}

// ---------------------------------------------------------------------------------------------
// Backstop takeover
// ---------------------------------------------------------------------------------------------

/** Record of a backstop vault taking over an account's positions and margin. */
export interface PerpBackstopTookOver {
  readonly type: 'PerpBackstopTookOver';
  readonly account: string;
  readonly backstopAccount: string;
  /** `cross` or the isolated market taken over. */
  readonly scope: string;
  readonly markets: readonly string[];
  readonly marginQuote: bigint;
}

/**
 * A backstop vault (Hyperliquid's HLP liquidator) takes over a scope of an account: every cross
 * position and the cross collateral (`scope: 'cross'`), or one isolated position and its margin.
 * Positions merge into the vault's cross positions by adding sizes and entries, which keeps every
 * equity exact (after settling pending funding on both). The maintenance margin is not returned.
 * @throws InvalidParameterError (unknown market, nothing to take over, vault = account).
 */
export function backstopTakeover(
  view: PerpsView,
  input: { readonly account: string; readonly backstopAccount: string; readonly scope: 'cross' | string },
): PerpsStep {
  if (input.account === input.backstopAccount) {
    throw new InvalidParameterError('backstopAccount', 'the vault cannot take over its own positions');
  }
  const markets =
    input.scope === 'cross'
      ? marketIds(view.book).filter((m) => positionOf(view.book, input.account, m)?.marginMode === 'cross')
      : [input.scope];
  if (input.scope !== 'cross') requireMarket(view, input.scope);
  const tx = new PerpsTx(view);
  for (const market of markets) {
    tx.adopt(settleFunding(tx.view, input.account, market));
    tx.adopt(settleFunding(tx.view, input.backstopAccount, market));
    const from = positionOf(tx.view.book, input.account, market);
    if (from === undefined)
      throw new InvalidParameterError('scope', `${input.account} has no position in ${market}`);
    const into = positionOf(tx.view.book, input.backstopAccount, market);
    const size = (into?.sizeBase ?? 0n) + from.sizeBase;
    const state = marketOf(tx.view.book, market);
    tx.setPosition(market, input.account, null);
    tx.setPosition(market, input.backstopAccount, {
      sizeBase: size,
      entryQuote: (into?.entryQuote ?? 0n) + from.entryQuote,
      fundingIndexSettled: size >= 0n ? state.fundingIndexLong : state.fundingIndexShort,
      marginMode: 'cross',
    });
  }
  const bucket =
    input.scope === 'cross' ? crossBucket(input.account) : isolatedBucket(input.account, input.scope);
  const margin = balanceOf(tx.view.ledger, bucket, view.book.quoteAsset);
  tx.move(bucket, crossBucket(input.backstopAccount), margin, 'perps:backstopTakeover');
  const record: PerpBackstopTookOver = {
    type: 'PerpBackstopTookOver',
    account: input.account,
    backstopAccount: input.backstopAccount,
    scope: input.scope,
    markets,
    marginQuote: margin,
  };
  tx.emit(record);
  return tx.step();
}
