/**
 * Drift v2 perpetuals as an engine protocol model `drift-v2`, built on the engine's perps core:
 * cross-margined USDC accounts, perp markets priced by the engine oracle (Drift's 6-decimal
 * prices, 9-decimal base), trades against the market's AMM/maker account through its venue, and
 * `liquidate_perp` + `resolve_perp_bankruptcy` as five stages (liquidation.ts).
 *
 * Time: a Solana slot is 400 ms, so `slot = floor(seconds · 5 / 2)` (math.ts `slotFromSeconds`).
 *
 * Ledger mapping (quote asset, e.g. USDC):
 * - `acct:<id>`: a user's USDC deposit (its spot balance); realized PnL, funding and fees move it.
 * - `acct:<maker>`: the AMM / makers' collateral and Drift's PnL pool: the counterparty of trades,
 *   the settlement account that pays and receives realized PnL, and the creditor of a user's
 *   unpaid loss (a realized loss beyond its USDC). That loss stays on the user as negative PnL
 *   (`pendingLoss`, counted against its collateral) until its USDC settles it (any deposit, trade
 *   or `settlePnl`) or, once it holds no position and no USDC, `resolve_perp_bankruptcy` pays it.
 * - `protocol:<market>`: the market's fee pool (`amm.fee_pool`): taker fees; pays bankruptcies
 *   after the insurance fund.
 * - `insurance`: the insurance fund vault (the engine's `fundInsurance`): receives the IF
 *   liquidation fee, pays bankruptcies (keeping ≥ 1 unit, up to the market's insurance claim cap).
 * - `<quote>.debt` `mint → socialized`: a record of each socialized loss (the loss itself is paid
 *   by every open position through the funding indexes, credited to the maker account).
 * - `world`: deposits and withdrawals.
 *
 * Not modelled: spot borrows and other collateral (`liquidate_spot`, `liquidate_borrow_for_perp_pnl`,
 * `liquidate_perp_pnl_for_deposit`), open orders and LP shares, unrealized-PnL asset weights and
 * the IMF size premium, high-leverage mode, oracle guard rails, `limit_price`, the fee structure
 * tiers and maker rebates, the revenue pool / IF staking, and isolated perp positions.
 */
import {
  type AccountHealth,
  type EngineState,
  type InvariantCheck,
  type ProtocolModel,
  requireAsset,
} from '../../engine/engine.js';
import { InsufficientMarginError, InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { readBigint, readString } from '../../engine/fields.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { MAX_HEALTH } from '../../engine/margin.js';
import {
  accountOpenedEvents,
  liquidationTargetOf,
  perpsAccountIds,
  readCloseOrder,
  readFundingRatePpm,
  readPositiveAmount,
  reducesPosition,
  zeroSumMarketChecks,
} from '../../engine/perps/commands.js';
import { applyPerpsEvents } from '../../engine/perps/liquidation.js';
import {
  accrueFunding,
  applyFill,
  fundingIndexDeltaForRate,
  PerpsTx,
  requireMarket,
} from '../../engine/perps/settle.js';
import { crossBucket, marketIds, type PerpsView, positionOf } from '../../engine/perps/types.js';
import { quoteMarketOrder, recenterAmm } from '../../engine/perps/venue.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';
import {
  DRIFT_LIQUIDATION_STAGES,
  type DriftLiquidationContext,
  type DriftLiquidationRequest,
  feePoolBucket,
  settlePendingLoss,
  sumPending,
} from './liquidation.js';
import { LIQUIDATION_FEE_PRECISION, slotFromSeconds, standardizeBaseAssetAmount, U64_MAX } from './math.js';
import { DRIFT_QUOTE_DECIMALS, parseDriftParams } from './params.js';
import {
  type DriftConfigured,
  type DriftExt,
  type DriftPendingLossChanged,
  type DriftUserStatus,
  type DriftUserStatusChanged,
  driftMargin,
  evolveDrift,
  initialDriftExt,
  marginShortageQuote,
  oraclePriceOf,
  oraclePrices,
  pendingLossOf,
  requireConfigured,
  requireDriftMarket,
  statusOf,
  viewOf,
} from './state.js';

/** Model id. */
export const DRIFT_V2_ID = 'drift-v2';

/**
 * Commands (amounts in smallest units: USDC 1e6, base 1e9; bigint, safe integer or decimal string):
 * - `configure {params}` (once; {@link parseDriftParams}; the quote asset must be listed with 6 decimals);
 * - `deposit {account, amount}` (from `world`; opens the account); `withdraw {account, amount}`
 *   (initial margin must hold after; refused while being liquidated);
 * - `openPosition {account, market, sizeBase}` (signed; a multiple of the step; filled against the
 *   maker account through the market venue at the oracle price with slippage; taker fee to the
 *   fee pool; initial margin checked when risk grows); `closePosition {account, market, sizeBase?}`;
 * - `accrueFunding {market, ratePpm}` (the rate, ppm of the oracle price per base, paid by longs
 *   when positive, every position settled);
 * - `settlePnl {account}` (permissionless, Drift `settle_pnl`): the account's unpaid loss is paid
 *   from its USDC, and resolved as a bankruptcy once it holds no position and no USDC;
 * - `liquidate {account, liquidator, market, maxBaseAssetAmount?}` (alias `liquidatePerp`).
 */
export const DRIFT_COMMANDS: readonly string[] = [
  'configure',
  'deposit',
  'withdraw',
  'openPosition',
  'closePosition',
  'accrueFunding',
  'settlePnl',
  'liquidate',
  'liquidatePerp',
];

type State = EngineState<DriftExt>;

const amountOf = (command: Command, key = 'amount'): bigint => readPositiveAmount(command, key);

function signedSize(command: Command, key = 'sizeBase'): bigint {
  const v = readBigint(command, key, key, {
    min: -U64_MAX,
    max: U64_MAX,
    expect: 'a signed size within u64',
  });
  if (v === 0n) throw new InvalidParameterError(key, 'expected a non-zero size');
  return v;
}

function statusEvent(account: string, status: DriftUserStatus): DriftUserStatusChanged {
  return { type: 'DriftUserStatusChanged', account, status };
}

const EXITED: DriftUserStatus = { beingLiquidated: false, lastActiveSlot: 0n, liquidationMarginFreed: 0n };

/**
 * `validate_user_not_being_liquidated`: nothing for a user not being liquidated; an exit event
 * when it now meets requirement plus buffer; else `UserIsBeingLiquidated`.
 */
function requireNotBeingLiquidated(
  state: State,
  view: PerpsView,
  account: string,
  nowSeconds: number,
): EngineEvent[] {
  const status = statusOf(state.ext, account);
  if (!status.beingLiquidated) return [];
  const { params } = requireConfigured(state);
  const m = driftMargin(
    view,
    params,
    account,
    oraclePrices(state, nowSeconds, [account]),
    'maintenance',
    params.liquidationMarginBufferRatio,
    pendingLossOf(state.ext, account),
  );
  if (m.totalCollateralQuote >= m.marginRequirementPlusBufferQuote) return [statusEvent(account, EXITED)];
  throw new ProtocolRevertError(
    'UserIsBeingLiquidated',
    'Add collateral until the requirement plus buffer is met.',
    {
      total_collateral: m.totalCollateralQuote.toString(),
      requirement_plus_buffer: m.marginRequirementPlusBufferQuote.toString(),
    },
  );
}

/**
 * Settles the account's pending loss after a command's events (from its USDC, and by the
 * bankruptcy waterfall once it holds no position): appends the events to `tx` and returns the
 * pending loss left.
 */
function settleAfter(state: State, tx: PerpsTx, account: string): bigint {
  const previous = state.ext.pendingLoss.get(account);
  if (previous === undefined) return 0n;
  const { params } = requireConfigured(state);
  const step = settlePendingLoss(tx.view, {
    account,
    previous,
    pending: previous,
    params,
    insuranceSettled: state.ext.insuranceSettled,
  });
  tx.adopt(step);
  return sumPending(step.pending);
}

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.params !== null) throw new InvalidParameterError('params', 'drift-v2 is already configured');
  const params = parseDriftParams(command.params, 'params');
  const info = requireAsset(state, params.quoteAsset);
  if (info.decimals !== DRIFT_QUOTE_DECIMALS) {
    throw new InvalidParameterError(
      'params.quoteAsset',
      `Drift's quote asset has 6 decimals, ${params.quoteAsset} has ${info.decimals}`,
    );
  }
  const e: DriftConfigured = { type: 'DriftConfigured', params };
  return [e];
}

function decideDeposit(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const view = viewOf(state, 'deposit');
  const account = readString(command, 'account');
  const amount = amountOf(command);
  const tx = new PerpsTx(view);
  for (const e of accountOpenedEvents(view, account)) tx.emit(e);
  tx.move('world', crossBucket(account), amount, 'drift:deposit');
  const pending = settleAfter(state, tx, account);
  const events = [...tx.events];
  // Drift's deposit re-checks a user being liquidated and lets it exit when it can.
  if (statusOf(state.ext, account).beingLiquidated) {
    const { params } = requireConfigured(state);
    const m = driftMargin(
      tx.view,
      params,
      account,
      oraclePrices(state, nowSeconds, [account], tx.view.book),
      'maintenance',
      params.liquidationMarginBufferRatio,
      pending,
    );
    if (m.totalCollateralQuote >= m.marginRequirementPlusBufferQuote)
      events.push(statusEvent(account, EXITED));
  }
  return events;
}

function requireInitialMargin(
  state: State,
  view: PerpsView,
  account: string,
  nowSeconds: number,
  what: string,
  pendingLossQuote: bigint,
): void {
  const { params } = requireConfigured(state);
  const m = driftMargin(
    view,
    params,
    account,
    oraclePrices(state, nowSeconds, [account], view.book),
    'initial',
    0n,
    pendingLossQuote,
  );
  if (m.totalCollateralQuote < m.marginRequirementQuote) {
    throw new InsufficientMarginError(
      account,
      `${what}: total collateral ${m.totalCollateralQuote} < initial requirement ${m.marginRequirementQuote}`,
    );
  }
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const view = viewOf(state, 'withdraw');
  const account = readString(command, 'account');
  const amount = amountOf(command);
  const status = requireNotBeingLiquidated(state, view, account, nowSeconds);
  const tx = new PerpsTx(view);
  tx.move(crossBucket(account), 'world', amount, 'drift:withdraw');
  requireInitialMargin(state, tx.view, account, nowSeconds, 'withdraw', pendingLossOf(state.ext, account));
  return [...status, ...tx.events];
}

/** A trade of `sizeBase` (signed) against the maker account through the venue. */
function trade(
  state: State,
  account: string,
  market: string,
  sizeBase: bigint,
  nowSeconds: number,
  reduceOnly: boolean,
): EngineEvent[] {
  const { params } = requireConfigured(state);
  const view = viewOf(state);
  if (account === params.makerAccount)
    throw new InvalidParameterError('account', 'the maker account is the counterparty of trades');
  const m = requireDriftMarket(params, market);
  const core = requireMarket(view, market);
  const status = requireNotBeingLiquidated(state, view, account, nowSeconds);
  const abs = sizeBase < 0n ? -sizeBase : sizeBase;
  if (abs % m.orderStepSize !== 0n) {
    throw new InvalidParameterError('sizeBase', `must be a multiple of the step size ${m.orderStepSize}`);
  }
  const price = oraclePriceOf(state, m, nowSeconds);
  const venue = recenterAmm(core.config.venue, price, core.config);
  const side = sizeBase > 0n ? 'buy' : 'sell';
  let quote = quoteMarketOrder(venue, side, abs, price, core.config);
  const fillable = standardizeBaseAssetAmount(quote.filledBase, m.orderStepSize);
  if (fillable === 0n)
    throw new ProtocolRevertError('InsufficientLiquidity', `The ${market} venue cannot fill one step.`);
  if (fillable !== quote.filledBase) quote = quoteMarketOrder(venue, side, fillable, price, core.config);
  const before = positionOf(view.book, account, market)?.sizeBase ?? 0n;
  const signed = sizeBase > 0n ? fillable : -fillable;
  const after = before + signed;
  const reduces = reducesPosition(before, after);
  if (reduceOnly && !reduces) throw new InvalidParameterError('sizeBase', 'a close must reduce the position');
  const tx = new PerpsTx(view);
  for (const e of accountOpenedEvents(view, account)) tx.emit(e);
  tx.adopt(
    applyFill(tx.view, {
      account,
      counterparty: params.makerAccount,
      market,
      sizeBase: signed,
      quoteAmount: quote.quoteAmount,
      marginMode: 'cross',
      reason: 'trade',
    }),
  );
  // Taker fee, rounded up (favours the fee pool).
  const fee = divRound(quote.quoteAmount * m.takerFeePpm, LIQUIDATION_FEE_PRECISION, Rounding.Up);
  tx.move(crossBucket(account), feePoolBucket(market), fee, 'drift:takerFee');
  const pending = settleAfter(state, tx, account);
  if (!reduces) requireInitialMargin(state, tx.view, account, nowSeconds, 'risk-increasing trade', pending);
  return [...status, ...tx.events];
}

function decideOpen(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  requireConfigured(state, 'openPosition');
  return trade(
    state,
    readString(command, 'account'),
    readString(command, 'market'),
    signedSize(command),
    nowSeconds,
    false,
  );
}

function decideClose(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { book } = requireConfigured(state, 'closePosition');
  const order = readCloseOrder(book, command);
  return trade(state, order.account, order.market, order.sizeBase, nowSeconds, true);
}

function decideFunding(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params } = requireConfigured(state, 'accrueFunding');
  const view = viewOf(state);
  const market = readString(command, 'market');
  const m = requireDriftMarket(params, market);
  const ratePpm = readFundingRatePpm(command);
  const price = oraclePriceOf(state, m, nowSeconds);
  const indexDelta = fundingIndexDeltaForRate(view, market, price, ratePpm);
  return [...accrueFunding(view, { market, indexDelta }).events];
}

/** The liquidation request of a command. @throws InvalidParameterError. */
export function liquidationRequestOf(command: Command): DriftLiquidationRequest {
  const base = {
    account: readString(command, 'account'),
    liquidator: readString(command, 'liquidator'),
    market: readString(command, 'market'),
  };
  if (command.maxBaseAssetAmount === undefined) return base;
  return {
    ...base,
    liquidatorMaxBaseAssetAmount: readBigint(command, 'maxBaseAssetAmount', 'maxBaseAssetAmount', {
      min: 1n,
      max: U64_MAX,
      expect: 'a base amount in [1, u64]',
    }),
  };
}

/** The context the liquidation stages read. */
export function liquidationContext(
  state: State,
  request: DriftLiquidationRequest,
  nowSeconds: number,
): DriftLiquidationContext {
  const { params } = requireConfigured(state, 'liquidate');
  const view = viewOf(state);
  const prices = { ...oraclePrices(state, nowSeconds, [request.account, request.liquidator]) };
  if (Object.hasOwn(view.book.markets, request.market) && prices[request.market] === undefined) {
    prices[request.market] = oraclePriceOf(state, requireDriftMarket(params, request.market), nowSeconds);
  }
  return {
    view,
    params,
    prices,
    slot: slotFromSeconds(nowSeconds),
    user: statusOf(state.ext, request.account),
    pendingLoss: state.ext.pendingLoss.get(request.account) ?? {},
    liquidatorPendingLossQuote: pendingLossOf(state.ext, request.liquidator),
    insuranceSettled: state.ext.insuranceSettled,
  };
}

function decideLiquidate(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const request = liquidationRequestOf(command);
  const ctx = liquidationContext(state, request, nowSeconds);
  const run = runLiquidation(DRIFT_LIQUIDATION_STAGES, ctx, request);
  const after = applyPerpsEvents(ctx.view, run.events);
  const { params } = ctx;
  // Status after the call (liquidate_perp): exit when the transfer covered the shortage or the
  // user was bankrupt and resolved; otherwise stay in liquidation with the margin freed added.
  let status: DriftUserStatus = EXITED;
  const stillOpen = marketIds(after.book).some(
    (mk) => (positionOf(after.book, request.account, mk)?.sizeBase ?? 0n) !== 0n,
  );
  if (stillOpen && run.size.baseAssetAmount < run.size.baseToCover) {
    // The pending loss after the call: the last DriftPendingLossChanged per market wins.
    const pending: Record<string, bigint> = { ...ctx.pendingLoss };
    for (const e of run.events) {
      if (e.type !== 'DriftPendingLossChanged') continue;
      const c = e as DriftPendingLossChanged;
      if (c.account === request.account) pending[c.market] = c.pendingQuote;
    }
    const now = driftMargin(
      after,
      params,
      request.account,
      ctx.prices,
      'maintenance',
      params.liquidationMarginBufferRatio,
      sumPending(pending),
    );
    const freedNow = run.triggered.marginShortageQuote - marginShortageQuote(now);
    status = {
      beingLiquidated: true,
      lastActiveSlot: run.triggered.lastActiveSlot,
      liquidationMarginFreed: run.triggered.liquidationMarginFreed + (freedNow > 0n ? freedNow : 0n),
    };
  }
  return [...run.events, statusEvent(request.account, status)];
}

/** Health: total collateral over the maintenance requirement (plus buffer while being liquidated), WAD. */
function health(state: State, accountId: string, nowSeconds: number): AccountHealth {
  const { params } = requireConfigured(state);
  const view = viewOf(state);
  const being = statusOf(state.ext, accountId).beingLiquidated;
  const m = driftMargin(
    view,
    params,
    accountId,
    oraclePrices(state, nowSeconds, [accountId]),
    'maintenance',
    params.liquidationMarginBufferRatio,
    pendingLossOf(state.ext, accountId),
  );
  const threshold = being ? m.marginRequirementPlusBufferQuote : m.marginRequirementQuote;
  const total = m.totalCollateralQuote;
  const toWad = 10n ** BigInt(18 - DRIFT_QUOTE_DECIMALS);
  const healthWad =
    threshold === 0n ? MAX_HEALTH : total <= 0n ? 0n : divRound(total * WAD, threshold, Rounding.Down);
  return {
    accountId,
    healthWad,
    liquidatable: accountId !== params.makerAccount && total < threshold,
    collateralValueWad: total > 0n ? total * toWad : 0n,
    debtValueWad: threshold * toWad,
  };
}

function invariants(state: State): InvariantCheck[] {
  const { params, book } = state.ext;
  if (params === null || book === null) return [];
  const out: InvariantCheck[] = [];
  for (const market of marketIds(book)) {
    const s = book.markets[market]!;
    const m = requireDriftMarket(params, market);
    let offStep = '';
    for (const [id, p] of s.positions.entries()) {
      if (p.sizeBase % m.orderStepSize !== 0n) offStep = id;
      if (p.marginMode !== 'cross') offStep = `${id} (isolated)`;
    }
    out.push(...zeroSumMarketChecks(market, s, 'base'));
    out.push({
      name: `${market}: cross positions in step multiples`,
      holds: offStep === '',
      detail: offStep,
    });
    const settled = state.ext.insuranceSettled[market] ?? 0n;
    out.push({
      name: `${market}: settled insurance ≤ quote_max_insurance`,
      holds: settled <= m.quoteMaxInsurance,
      detail: `${settled} > ${m.quoteMaxInsurance}`,
    });
  }
  for (const account of state.ext.pendingLoss.keys()) {
    const open = marketIds(book).some((mk) => (positionOf(book, account, mk)?.sizeBase ?? 0n) !== 0n);
    const cash = balanceOf(state.ledger, crossBucket(account), params.quoteAsset);
    out.push({
      name: `pending loss of ${account} waits only while it holds a position or USDC`,
      holds: (open || cash > 0n) && pendingLossOf(state.ext, account) > 0n,
      detail: `pending ${pendingLossOf(state.ext, account)}, open ${open}, USDC ${cash}`,
    });
  }
  return out;
}

/** The Drift v2 perpetuals model. */
export const driftV2Model: ProtocolModel<DriftExt> = {
  id: DRIFT_V2_ID,
  title:
    'Drift v2 perps: margin shortage cover, liquidation fee ramp, insurance-fund fee, gradual liquidation, IF → fee pool → social loss',
  sources: [
    'drift-labs/protocol-v2 programs/drift/src/math/liquidation.rs',
    'drift-labs/protocol-v2 programs/drift/src/controller/liquidation.rs',
    'drift-labs/protocol-v2 programs/drift/src/math/constants.rs',
    'drift-labs/protocol-v2 programs/drift/src/math/margin.rs',
    'drift-labs/protocol-v2 programs/drift/src/math/funding.rs',
  ],
  commands: DRIFT_COMMANDS,
  initialExt: initialDriftExt,
  decide(state, command, nowSeconds) {
    switch (command.type) {
      case 'configure':
        return decideConfigure(state, command);
      case 'deposit':
        return decideDeposit(state, command, nowSeconds);
      case 'withdraw':
        return decideWithdraw(state, command, nowSeconds);
      case 'openPosition':
        return decideOpen(state, command, nowSeconds);
      case 'closePosition':
        return decideClose(state, command, nowSeconds);
      case 'accrueFunding':
        return decideFunding(state, command, nowSeconds);
      case 'settlePnl': {
        const tx = new PerpsTx(viewOf(state, 'settlePnl'));
        settleAfter(state, tx, readString(command, 'account'));
        return [...tx.events];
      }
      case 'liquidate':
      case 'liquidatePerp':
        requireConfigured(state, command.type);
        return decideLiquidate(state, command, nowSeconds);
      default:
        throw new InvalidParameterError('type', `unknown command ${command.type}`);
    }
  },
  evolve: evolveDrift,
  accountIds: (state) => perpsAccountIds(state.ext.book),
  health,
  invariants,
  liquidationTarget: (command) => liquidationTargetOf(command, ['liquidate', 'liquidatePerp']),
};
