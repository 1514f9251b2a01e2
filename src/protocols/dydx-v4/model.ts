/**
 * dYdX v4 as an engine protocol model `dydx-v4`, built on the perpetuals core
 * (src/engine/perps): cross-margined subaccounts with USDC collateral, perpetual positions traded
 * against the resting order book (the makers' subaccount), TNC vs TMMR, protocol liquidations as IOC
 * orders bounded by the fillable price with per-match insurance fund deltas, per-block position and
 * subaccount limits, and deleveraging against opposite-side subaccounts at the bankruptcy price.
 * Ported from dydxprotocol/v4-chain protocol/x/clob/keeper/{liquidations,deleveraging}.go,
 * x/clob/types/liquidations_config.go, x/perpetuals/lib/lib.go (see math.ts, liquidation.ts).
 *
 * Blocks: a block is `blockSeconds` of engine time; block height = floor(time / blockSeconds). A
 * (subaccount, perpetual) pair is liquidated at most once per block, and a subaccount's notional
 * liquidated and insurance lost per block are capped; the counters reset when the block changes.
 *
 * Ledger mapping (quote asset USDC, one quote quantum = 1 smallest unit):
 * - `acct:<id>`: a subaccount's collateral. dYdX's signed USDC balance is collateral − Σ cost basis
 *   (the core's `entryQuote`) − funding owed; TNC = that + Σ position net notionals.
 * - realized PnL between a subaccount and the makers, or between two subaccounts in deleveraging:
 *   `Moved` between their `acct:` buckets (the makers' subaccount is the core's settlement account).
 * - `insurance`: the insurance fund; liquidation fees in, bankruptcy shortfalls out (per match).
 * - `protocol`: taker fees of users' orders. `world`/`wallet:<id>`: deposits and withdrawals.
 *
 * Not modelled (deviations): the OI-scaled initial margin, isolated markets, fee tiers and maker
 * rebates, the liquidation daemon's ordering across subaccounts (a `liquidate` command names the
 * subaccount), final-settlement deleveraging at the oracle price, and negative USDC balances: a
 * match whose realized loss the collateral cannot pay (possible only for cross accounts holding
 * profitable positions elsewhere) stops the order. The book is a standing depth profile around the
 * oracle price, refilled for every command. Withdrawals are gated while any subaccount has negative
 * TNC and for `withdrawalGatingBlocks` after a liquidation saw one.
 */
import { type EngineState, type ProtocolModel, requireAsset } from '../../engine/engine.js';
import {
  InsufficientMarginError,
  InvalidParameterError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { readBigint, readOptionalString, readString } from '../../engine/fields.js';
import { type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { MAX_HEALTH } from '../../engine/margin.js';
import {
  accountOpenedEvents,
  liquidationTargetOf,
  perpsAccountIds,
  readFundsBucket,
} from '../../engine/perps/commands.js';
import { accrueFunding, applyFill, fundingIndexDeltaForRate, PerpsTx } from '../../engine/perps/settle.js';
import { crossBucket, marketIds, type PerpsView, positionOf } from '../../engine/perps/types.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { divSigned, Rounding } from '../../math/mulDiv.js';
import { DYDX_LIQUIDATION_STAGES, makerAccounts } from './liquidation.js';
import { fillAmountToQuoteQuantums, isLiquidatable } from './math.js';
import { parseDydxParams } from './params.js';
import {
  blockAt,
  type DydxConfigured,
  type DydxExt,
  evolveDydx,
  initialDydxExt,
  levelSubticks,
  liquidationInfoAt,
  oracleMarks,
  QUOTE_DECIMALS,
  requireConfigured,
  requirePerpetual,
  type SubaccountRisk,
  subaccountRisk,
  viewOf,
} from './state.js';

/** Model id. */
export const DYDX_V4_ID = 'dydx-v4';

/**
 * Commands (amounts in quote quantums or base quantums, as bigints, safe integers or decimal
 * strings):
 * - `configure {params}` (once; see parseDydxParams; the quote asset must be listed with 6 decimals);
 * - `deposit {account, amount, source?: 'world' | 'wallet'}`;
 * - `withdraw {account, amount}` to `wallet:<account>` (initial-margin check, gating);
 * - `placeOrder {account, market, sizeBase, limitSubticks?}`: an IOC taker order (signed size, a
 *   multiple of the step) against the book, with dYdX's collateralization rules;
 * - `accrueFunding {market, ratePpm}`: a funding payment of ratePpm of the oracle price (> 0: longs
 *   pay shorts);
 * - `liquidate {account, market?}`: the protocol's liquidation of a subaccount (five stages).
 */
export const DYDX_COMMANDS: readonly string[] = [
  'configure',
  'deposit',
  'withdraw',
  'placeOrder',
  'accrueFunding',
  'liquidate',
];

type State = EngineState<DydxExt>;

/** The markets an account holds a non-zero position in. */
function openMarkets(view: PerpsView, account: string): string[] {
  return marketIds(view.book).filter((m) => (positionOf(view.book, account, m)?.sizeBase ?? 0n) !== 0n);
}

/** The subaccount's risk at the current oracle prices. */
export function riskOf(state: State, account: string, nowSeconds: number): SubaccountRisk {
  const { params, book } = requireConfigured(state, 'health');
  const view = viewOf(state, book);
  return subaccountRisk(
    view,
    params,
    account,
    oracleMarks(state, params, book, nowSeconds, openMarkets(view, account)),
  );
}

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.params !== null) throw new InvalidParameterError('params', 'dydx-v4 is already configured');
  const params = parseDydxParams(command.params);
  const info = requireAsset(state, params.quoteAsset);
  if (info.decimals !== QUOTE_DECIMALS) {
    throw new InvalidParameterError(
      'params.quoteAsset',
      `expected a 6-decimal asset (quote quantums), ${params.quoteAsset} has ${info.decimals}`,
    );
  }
  const configured: DydxConfigured = { type: 'DydxConfigured', params };
  return [configured];
}

function decideDeposit(state: State, command: Command): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'deposit');
  const account = readString(command, 'account');
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'quote quantums > 0' });
  const source = readFundsBucket(command, 'source', account);
  return [
    ...accountOpenedEvents(viewOf(state, book), account),
    ...moved(params.quoteAsset, source, crossBucket(account), amount, 'dydx:deposit'),
  ];
}

/** Withdrawals are gated after a negative-TNC subaccount (`WithdrawalsAndTransfersBlocked`). */
function requireWithdrawalsOpen(state: State, nowSeconds: number): void {
  const { params, book } = requireConfigured(state, 'withdraw');
  const block = blockAt(params, nowSeconds);
  const seen = state.ext.negativeTncSeenAtBlock;
  if (seen !== null && block < seen + params.withdrawalGatingBlocks) {
    throw new ProtocolRevertError(
      'WithdrawalsAndTransfersBlocked',
      `a negative-TNC subaccount was seen at block ${seen}; withdrawals reopen at block ${seen + params.withdrawalGatingBlocks}`,
    );
  }
  const view = viewOf(state, book);
  const marks = oracleMarks(state, params, book, nowSeconds);
  for (const id of book.accounts.keys()) {
    if (subaccountRisk(view, params, id, marks).tncQuote < 0n) {
      throw new ProtocolRevertError('WithdrawalsAndTransfersBlocked', `subaccount ${id} has negative TNC`);
    }
  }
}

/**
 * dYdX's collateralization rule for an update (`UpdateSubaccounts`): valid if the subaccount ends
 * initially collateralized (TNC ≥ TIMR); otherwise refused as NewlyUndercollateralized when it was
 * before, or, for an already undercollateralized subaccount, unless TNC/TMMR does not fall (with
 * TMMR = 0 after, TNC must be ≥ 0).
 * @throws InsufficientMarginError naming the dYdX result.
 */
export function requireCollateralized(account: string, before: SubaccountRisk, after: SubaccountRisk): void {
  if (after.tncQuote >= after.timrQuote) return;
  if (before.tncQuote >= before.timrQuote) {
    throw new InsufficientMarginError(
      account,
      `NewlyUndercollateralized: TNC ${after.tncQuote} < TIMR ${after.timrQuote}`,
    );
  }
  const ok =
    after.tmmrQuote === 0n
      ? after.tncQuote >= 0n
      : before.tmmrQuote === 0n || after.tncQuote * before.tmmrQuote >= before.tncQuote * after.tmmrQuote;
  if (!ok)
    throw new InsufficientMarginError(
      account,
      `StillUndercollateralized: TNC/TMMR would fall to ${after.tncQuote}/${after.tmmrQuote}`,
    );
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'withdraw');
  const account = readString(command, 'account');
  if (!book.accounts.has(account)) throw new UnknownAccountError(account);
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'quote quantums > 0' });
  requireWithdrawalsOpen(state, nowSeconds);
  const moves = moved(params.quoteAsset, crossBucket(account), `wallet:${account}`, amount, 'dydx:withdraw');
  const view = viewOf(state, book);
  if (openMarkets(view, account).length > 0 && !makerAccounts(params).includes(account)) {
    const before = riskOf(state, account, nowSeconds);
    const after = { ...before, tncQuote: before.tncQuote - amount };
    requireCollateralized(account, before, after);
  }
  return moves;
}

/** Record of a user's order. */
export interface DydxOrderFilled {
  readonly type: 'DydxOrderFilled';
  readonly account: string;
  readonly market: string;
  readonly sizeBase: bigint;
  readonly quoteAmount: bigint;
  readonly feeQuote: bigint;
}

function decidePlaceOrder(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'placeOrder');
  const account = readString(command, 'account');
  const market = readString(command, 'market');
  const perp = requirePerpetual(params, market);
  if (makerAccounts(params).includes(account))
    throw new InvalidParameterError('account', "the makers' subaccount is the book");
  const sizeBase = readBigint(command, 'sizeBase', 'sizeBase', { min: -(1n << 63n), max: 1n << 63n });
  if (sizeBase === 0n || sizeBase % perp.stepBaseQuantums !== 0n)
    throw new InvalidParameterError(
      'sizeBase',
      `expected a non-zero multiple of stepBaseQuantums ${perp.stepBaseQuantums}`,
    );
  const limit =
    command.limitSubticks === undefined
      ? undefined
      : readBigint(command, 'limitSubticks', 'limitSubticks', { min: 1n });
  const view = viewOf(state, book);
  if (!book.accounts.has(account)) throw new UnknownAccountError(account);
  const markets = [...new Set([...openMarkets(view, account), market])];
  const marks = oracleMarks(state, params, book, nowSeconds, markets);
  const price = marks[market] ?? 0n;
  const side = sizeBase > 0n ? 'buy' : 'sell';
  let left = sizeBase < 0n ? -sizeBase : sizeBase;
  let filled = 0n;
  let quote = 0n;
  for (const level of perp.book.levels) {
    if (left === 0n) break;
    const subticks = levelSubticks(perp, level.priceOffsetPpm, side, price);
    if (limit !== undefined && (side === 'buy' ? subticks > limit : subticks < limit)) break;
    let take = level.sizeBase < left ? level.sizeBase : left;
    take -= take % perp.stepBaseQuantums;
    if (take === 0n) continue;
    quote += fillAmountToQuoteQuantums(subticks, take, perp.quantumConversionExponent);
    filled += take;
    left -= take;
  }
  if (filled === 0n)
    throw new ProtocolRevertError(
      'OrderUnfilled',
      `no resting ${side === 'buy' ? 'ask' : 'bid'} within the limit`,
    );
  const before = subaccountRisk(view, params, account, marks);
  const tx = new PerpsTx(view);
  tx.adopt(
    applyFill(view, {
      account,
      counterparty: perp.makerAccount,
      market,
      sizeBase: sizeBase > 0n ? filled : -filled,
      quoteAmount: quote,
      reason: 'trade',
    }),
  );
  // Taker fee, rounded up (favours the fee collector).
  const fee = divSigned(quote * perp.takerFeePpm, 1_000_000n, Rounding.Up);
  tx.move(crossBucket(account), 'protocol', fee, 'dydx:takerFee');
  requireCollateralized(account, before, subaccountRisk(tx.view, params, account, marks));
  const record: DydxOrderFilled = {
    type: 'DydxOrderFilled',
    account,
    market,
    sizeBase: sizeBase > 0n ? filled : -filled,
    quoteAmount: quote,
    feeQuote: fee,
  };
  tx.emit(record);
  return [...tx.events];
}

function decideAccrueFunding(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'accrueFunding');
  const market = readString(command, 'market');
  requirePerpetual(params, market);
  const ratePpm = readBigint(command, 'ratePpm', 'ratePpm', { min: -1_000_000n, max: 1_000_000n });
  const view = viewOf(state, book);
  const price = oracleMarks(state, params, book, nowSeconds, [market])[market] ?? 0n;
  return [
    ...accrueFunding(view, { market, indexDelta: fundingIndexDeltaForRate(view, market, price, ratePpm) })
      .events,
  ];
}

function decideLiquidate(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'liquidate');
  const account = readString(command, 'account');
  const market = readOptionalString(command, 'market');
  const block = blockAt(params, nowSeconds);
  const view = viewOf(state, book);
  const ctx = {
    params,
    view,
    marks: oracleMarks(state, params, book, nowSeconds),
    block,
    info: liquidationInfoAt(state.ext, block, account),
  };
  return [
    ...runLiquidation(DYDX_LIQUIDATION_STAGES, ctx, market === undefined ? { account } : { account, market })
      .events,
  ];
}

function decideDydx(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command);
    case 'deposit':
      return decideDeposit(state, command);
    case 'withdraw':
      return decideWithdraw(state, command, nowSeconds);
    case 'placeOrder':
      return decidePlaceOrder(state, command, nowSeconds);
    case 'accrueFunding':
      return decideAccrueFunding(state, command, nowSeconds);
    case 'liquidate':
      return decideLiquidate(state, command, nowSeconds);
    default:
      throw new InvalidParameterError('type', `dydx-v4 has no command ${command.type}`);
  }
}

/** USDC smallest units (1e-6) → USD·1e18. */
const QUOTE_TO_WAD = 10n ** 12n;

function healthOf(state: State, accountId: string, nowSeconds: number) {
  const { params, book } = requireConfigured(state, 'health');
  if (!book.accounts.has(accountId)) throw new UnknownAccountError(accountId);
  const risk = riskOf(state, accountId, nowSeconds);
  const maker = makerAccounts(params).includes(accountId);
  const healthWad =
    risk.tmmrQuote === 0n
      ? MAX_HEALTH
      : risk.tncQuote <= 0n
        ? 0n
        : divSigned(risk.tncQuote * 10n ** 18n, risk.tmmrQuote, Rounding.Down);
  return {
    accountId,
    healthWad: healthWad > MAX_HEALTH ? MAX_HEALTH : healthWad,
    liquidatable: !maker && isLiquidatable(risk.tncQuote, risk.tmmrQuote),
    collateralValueWad: risk.tncQuote > 0n ? risk.tncQuote * QUOTE_TO_WAD : 0n,
    debtValueWad: risk.tmmrQuote * QUOTE_TO_WAD,
  };
}

function invariantsOf(state: State) {
  const { params, book } = state.ext;
  if (params === null || book === null) return [];
  const sums: string[] = [];
  const steps: string[] = [];
  for (const market of marketIds(book)) {
    const m = book.markets[market];
    if (m === undefined) continue;
    const perp = requirePerpetual(params, market);
    let size = 0n;
    let entry = 0n;
    let longs = 0n;
    let shorts = 0n;
    for (const [id, p] of m.positions.entries()) {
      size += p.sizeBase;
      entry += p.entryQuote;
      if (p.sizeBase > 0n) longs += p.sizeBase;
      else shorts -= p.sizeBase;
      if (p.sizeBase % perp.stepBaseQuantums !== 0n) steps.push(`${id} ${market} ${p.sizeBase}`);
      if (p.marginMode !== 'cross') steps.push(`${id} ${market} is ${p.marginMode}`);
    }
    if (
      size !== 0n ||
      entry !== 0n ||
      longs !== m.longOpenInterestBase ||
      shorts !== m.shortOpenInterestBase
    ) {
      sums.push(
        `${market}: Σ size ${size}, Σ entry ${entry}, OI ${m.longOpenInterestBase}/${m.shortOpenInterestBase} vs ${longs}/${shorts}`,
      );
    }
  }
  const limits: string[] = [];
  for (const [id, info] of state.ext.liquidationInfo.entries()) {
    if (info.notionalLiquidated > params.liquidations.maxNotionalLiquidated)
      limits.push(`${id} notional ${info.notionalLiquidated}`);
    if (info.quantumsInsuranceLost > params.liquidations.maxQuantumsInsuranceLost)
      limits.push(`${id} insurance ${info.quantumsInsuranceLost}`);
    if (new Set(info.perpetualsLiquidated).size !== info.perpetualsLiquidated.length)
      limits.push(`${id} liquidated a perpetual twice`);
  }
  const isolated = sumByPrefix(state.ledger, params.quoteAsset, 'iso:');
  return [
    { name: 'dydx-v4/zero-sum', holds: sums.length === 0, detail: sums.join('; ') },
    { name: 'dydx-v4/steps-and-cross', holds: steps.length === 0, detail: steps.join('; ') },
    { name: 'dydx-v4/block-limits', holds: limits.length === 0, detail: limits.join('; ') },
    { name: 'dydx-v4/no-isolated-margin', holds: isolated === 0n, detail: `iso: buckets hold ${isolated}` },
  ];
}

/** Net ledger moves of a list of events (for tests and reports). */
export function movesOf(events: readonly EngineEvent[]): Moved[] {
  return events.filter((e): e is Moved => e.type === 'Moved');
}

/** The dYdX v4 model. */
export const dydxV4Model: ProtocolModel<DydxExt> = {
  id: DYDX_V4_ID,
  title:
    'dYdX v4: TNC vs TMMR, fillable-price IOC liquidations, insurance fund deltas, block limits, deleveraging',
  sources: [
    'dydxprotocol/v4-chain protocol/x/clob/keeper/liquidations.go',
    'dydxprotocol/v4-chain protocol/x/clob/keeper/deleveraging.go',
    'dydxprotocol/v4-chain protocol/x/clob/types/liquidations_config.go',
    'dydxprotocol/v4-chain protocol/x/perpetuals/lib/lib.go',
    'dydxprotocol/v4-chain protocol/lib/big_math.go',
    'dydxprotocol/v4-chain protocol/testing/genesis.sh',
  ],
  commands: DYDX_COMMANDS,
  initialExt: initialDydxExt,
  decide: decideDydx,
  evolve: evolveDydx,
  accountIds: (state) => perpsAccountIds(state.ext.book),
  health: healthOf,
  invariants: invariantsOf,
  liquidationTarget: (command) => liquidationTargetOf(command),
};
