/**
 * Hyperliquid perpetuals as an engine protocol model `hyperliquid`, built on the engine's perps
 * core: USDC accounts with cross and isolated margin, maintenance margin from max leverage (or a
 * tier schedule), mark prices from the engine oracle, trades against the book's makers, and
 * liquidations as five stages (liquidation.ts): book orders (20 % chunks above $100k, 30 s
 * cooldown), the HLP liquidator vault below ⅔ of maintenance margin, and ADL ranked by unrealized
 * PnL and leverage at the previous oracle price.
 *
 * Ledger mapping (quote asset, e.g. USDC):
 * - `acct:<id>`: cross margin (the account's USDC); `iso:<id>:<market>`: an isolated position's
 *   margin. Realized PnL and funding move them.
 * - `acct:<maker>`: the book's makers as one account: the counterparty of trades and book
 *   liquidations, and the market's settlement account.
 * - `acct:<vault>`: the liquidator vault (HLP): receives taken-over positions and margin; pays any
 *   residual an ADL leaves.
 * - `protocol`: taker fees. `world`: deposits and withdrawals. No insurance fund is used: the
 *   vault and ADL are Hyperliquid's backstops.
 *
 * Not modelled: the order book's own matching (a depth profile stands for it), the mark price
 * formula (the oracle publishes it), builder and maker fees, the 10 %-of-notional rule for
 * withdrawing unrealized PnL (withdrawals keep the initial margin instead), leverage settings per
 * position (isolated margin is given explicitly), HLP deposits/withdrawals and its PnL sharing.
 */
import {
  type AccountHealth,
  type EngineState,
  type InvariantCheck,
  type ProtocolModel,
  requireAsset,
} from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { readBigint, readEnum, readString } from '../../engine/fields.js';
import { bucketsOf } from '../../engine/ledger.js';
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
  requireScopeInitialMargin,
  zeroSumMarketChecks,
} from '../../engine/perps/commands.js';
import { accountMargin, isLiquidatable, type MarginScope } from '../../engine/perps/margin.js';
import {
  accrueFunding,
  addIsolatedMargin,
  applyFill,
  fundingIndexDeltaForRate,
  PerpsTx,
  releaseIsolatedMargin,
  removeIsolatedMargin,
  requireMarket,
} from '../../engine/perps/settle.js';
import {
  crossBucket,
  type MarginMode,
  marketIds,
  type PerpsView,
  positionBucket,
  positionOf,
} from '../../engine/perps/types.js';
import { quoteMarketOrder, recenterAmm } from '../../engine/perps/venue.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { pow10, WAD } from '../../math/units.js';
import {
  HYPERLIQUID_LIQUIDATION_STAGES,
  type HyperliquidLiquidationContext,
  type HyperliquidLiquidationRequest,
} from './liquidation.js';
import { PPM } from './math.js';
import { parseHyperliquidParams } from './params.js';
import {
  evolveHyperliquid,
  type HyperliquidConfigured,
  type HyperliquidExt,
  initialHyperliquidExt,
  markPriceOf,
  markPrices,
  previousOraclePrices,
  requireConfigured,
  requireHyperliquidMarket,
  viewOf,
} from './state.js';

/** Model id. */
export const HYPERLIQUID_ID = 'hyperliquid';

/**
 * Commands (amounts in smallest units; bigint, safe integer or decimal string):
 * - `configure {params}` (once; {@link parseHyperliquidParams}; the quote asset must be listed);
 * - `deposit {account, amount}` (from `world`), `withdraw {account, amount}` (cross initial margin
 *   must hold after);
 * - `openPosition {account, market, sizeBase, marginMode?: 'cross' | 'isolated', isolatedMargin?}`
 *   (signed size, filled against the maker through the book at the mark with slippage; taker fee;
 *   isolated margin moved from cross first; the scope's initial margin must hold when risk grows);
 *   `closePosition {account, market, sizeBase?}`;
 * - `addIsolatedMargin | removeIsolatedMargin {account, market, amount}`;
 * - `accrueFunding {market, ratePpm}` (ppm of the mark per base, longs pay when positive);
 * - `liquidate {account, liquidator, market?}`.
 */
export const HYPERLIQUID_COMMANDS: readonly string[] = [
  'configure',
  'deposit',
  'withdraw',
  'openPosition',
  'closePosition',
  'addIsolatedMargin',
  'removeIsolatedMargin',
  'accrueFunding',
  'liquidate',
];

type State = EngineState<HyperliquidExt>;

const amountOf = (command: Command, key = 'amount'): bigint => readPositiveAmount(command, key);

/** The scope of a position's market (`cross` or its isolated scope) in a margin. */
function scopeOf(
  view: PerpsView,
  account: string,
  market: string,
  margin: ReturnType<typeof accountMargin>,
): MarginScope {
  const p = positionOf(view.book, account, market);
  if (p !== undefined && p.marginMode === 'isolated') return margin.isolated[market] ?? margin;
  return margin;
}

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.params !== null)
    throw new InvalidParameterError('params', 'hyperliquid is already configured');
  const params = parseHyperliquidParams(command.params, 'params');
  const info = requireAsset(state, params.quoteAsset);
  const e: HyperliquidConfigured = { type: 'HyperliquidConfigured', params, quoteDecimals: info.decimals };
  return [e];
}

function decideDeposit(state: State, command: Command): EngineEvent[] {
  const view = viewOf(state, 'deposit');
  const account = readString(command, 'account');
  const tx = new PerpsTx(view);
  for (const e of accountOpenedEvents(view, account)) tx.emit(e);
  tx.move('world', crossBucket(account), amountOf(command), 'hyperliquid:deposit');
  return [...tx.events];
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const view = viewOf(state, 'withdraw');
  const account = readString(command, 'account');
  const tx = new PerpsTx(view);
  tx.move(crossBucket(account), 'world', amountOf(command), 'hyperliquid:withdraw');
  requireScopeInitialMargin(
    accountMargin(tx.view, account, markPrices(state, nowSeconds, [account])),
    account,
    'withdraw',
  );
  return [...tx.events];
}

/** A trade against the book's makers. */
function trade(
  state: State,
  input: {
    readonly account: string;
    readonly market: string;
    readonly sizeBase: bigint;
    readonly marginMode?: MarginMode;
    readonly isolatedMargin?: bigint;
    readonly reduceOnly: boolean;
  },
  nowSeconds: number,
): EngineEvent[] {
  const { params } = requireConfigured(state);
  const view = viewOf(state);
  const { account, market } = input;
  if (account === params.makerAccount)
    throw new InvalidParameterError('account', 'the maker account is the counterparty of trades');
  const m = requireHyperliquidMarket(params, market);
  const core = requireMarket(view, market);
  const mark = markPriceOf(state, m, nowSeconds);
  const held = positionOf(view.book, account, market);
  const before = held?.sizeBase ?? 0n;
  const tx = new PerpsTx(view);
  for (const e of accountOpenedEvents(view, account)) tx.emit(e);
  const mode = held !== undefined && held.sizeBase !== 0n ? held.marginMode : (input.marginMode ?? 'cross');
  if (input.isolatedMargin !== undefined) {
    if (mode !== 'isolated')
      throw new InvalidParameterError('isolatedMargin', 'only for an isolated position');
    tx.adopt(
      addIsolatedMargin(tx.view, { account, market, amount: input.isolatedMargin, allowNoPosition: true }),
    );
  }
  const venue = recenterAmm(core.config.venue, mark, core.config);
  const abs = input.sizeBase < 0n ? -input.sizeBase : input.sizeBase;
  const quote = quoteMarketOrder(venue, input.sizeBase > 0n ? 'buy' : 'sell', abs, mark, core.config);
  if (quote.filledBase === 0n)
    throw new ProtocolRevertError('NO_LIQUIDITY', `The ${market} book fills nothing.`);
  const signed = input.sizeBase > 0n ? quote.filledBase : -quote.filledBase;
  const after = before + signed;
  const reduces = reducesPosition(before, after);
  if (input.reduceOnly && !reduces)
    throw new InvalidParameterError('sizeBase', 'a close must reduce the position');
  tx.adopt(
    applyFill(tx.view, {
      account,
      counterparty: params.makerAccount,
      market,
      sizeBase: signed,
      quoteAmount: quote.quoteAmount,
      marginMode: mode,
      reason: 'trade',
    }),
  );
  // Taker fee from the position's bucket, rounded up (favours the protocol).
  const fee = divRound(quote.quoteAmount * m.takerFeePpm, PPM, Rounding.Up);
  tx.move(positionBucket(account, market, mode), 'protocol', fee, 'hyperliquid:takerFee');
  if (mode === 'isolated') tx.adopt(releaseIsolatedMargin(tx.view, account, market));
  if (!reduces) {
    const margin = accountMargin(tx.view, account, markPrices(state, nowSeconds, [account], tx.view.book));
    requireScopeInitialMargin(scopeOf(tx.view, account, market, margin), account, 'risk-increasing trade');
  }
  return [...tx.events];
}

function decideOpen(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  requireConfigured(state, 'openPosition');
  const sizeBase = readBigint(command, 'sizeBase', 'sizeBase', {
    min: -(1n << 128n),
    expect: 'a signed size',
  });
  if (sizeBase === 0n) throw new InvalidParameterError('sizeBase', 'expected a non-zero size');
  return trade(
    state,
    {
      account: readString(command, 'account'),
      market: readString(command, 'market'),
      sizeBase,
      ...(command.marginMode === undefined
        ? {}
        : { marginMode: readEnum(command, 'marginMode', ['cross', 'isolated'] as const) }),
      ...(command.isolatedMargin === undefined
        ? {}
        : { isolatedMargin: amountOf(command, 'isolatedMargin') }),
      reduceOnly: false,
    },
    nowSeconds,
  );
}

function decideClose(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { book } = requireConfigured(state, 'closePosition');
  return trade(state, { ...readCloseOrder(book, command), reduceOnly: true }, nowSeconds);
}

function decideIsolated(state: State, command: Command, nowSeconds: number, add: boolean): EngineEvent[] {
  const view = viewOf(state, command.type);
  const account = readString(command, 'account');
  const market = readString(command, 'market');
  const amount = amountOf(command);
  if (add) return [...addIsolatedMargin(view, { account, market, amount }).events];
  const p = positionOf(view.book, account, market);
  if (p === undefined || p.marginMode !== 'isolated') {
    throw new InvalidParameterError('market', `${account} has no isolated position in ${market}`);
  }
  const step = removeIsolatedMargin(view, { account, market, amount });
  const margin = accountMargin(step.view, account, markPrices(state, nowSeconds, [account]));
  requireScopeInitialMargin(margin.isolated[market] ?? margin, account, 'removeIsolatedMargin');
  return [...step.events];
}

function decideFunding(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params } = requireConfigured(state, 'accrueFunding');
  const view = viewOf(state);
  const market = readString(command, 'market');
  const m = requireHyperliquidMarket(params, market);
  const ratePpm = readFundingRatePpm(command);
  const indexDelta = fundingIndexDeltaForRate(view, market, markPriceOf(state, m, nowSeconds), ratePpm);
  return [...accrueFunding(view, { market, indexDelta }).events];
}

/** The context the liquidation stages read. */
export function liquidationContext(
  state: State,
  request: HyperliquidLiquidationRequest,
  nowSeconds: number,
): HyperliquidLiquidationContext {
  const { params } = requireConfigured(state, 'liquidate');
  const last = state.ext.lastPartialLiquidationSeconds.get(request.account);
  return {
    view: viewOf(state),
    params,
    marks: markPrices(state, nowSeconds),
    previousMarks: previousOraclePrices(state, nowSeconds),
    nowSeconds,
    ...(last === undefined ? {} : { lastPartialLiquidationSeconds: last }),
  };
}

function decideLiquidate(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  requireConfigured(state, 'liquidate');
  const request: HyperliquidLiquidationRequest = {
    account: readString(command, 'account'),
    liquidator: readString(command, 'liquidator'),
    ...(command.market === undefined ? {} : { market: readString(command, 'market') }),
  };
  if (request.market !== undefined) requireHyperliquidMarket(requireConfigured(state).params, request.market);
  return [
    ...runLiquidation(HYPERLIQUID_LIQUIDATION_STAGES, liquidationContext(state, request, nowSeconds), request)
      .events,
  ];
}

/** Health: the lowest equity / maintenance margin over the account's scopes, WAD. */
function health(state: State, accountId: string, nowSeconds: number): AccountHealth {
  const { params, book } = requireConfigured(state);
  const view = viewOf(state);
  const margin = accountMargin(view, accountId, markPrices(state, nowSeconds, [accountId]));
  const scopes: MarginScope[] = [margin, ...Object.values(margin.isolated)];
  let healthWad = MAX_HEALTH;
  let liquidatable = false;
  for (const s of scopes) {
    if (isLiquidatable(s)) liquidatable = true;
    if (s.maintenanceQuote === 0n) continue;
    const h = s.equityQuote <= 0n ? 0n : divRound(s.equityQuote * WAD, s.maintenanceQuote, Rounding.Down);
    if (h < healthWad) healthWad = h;
  }
  const exempt = accountId === params.makerAccount || accountId === params.backstopAccount;
  const toWad = pow10(18 - Math.min(18, book.quoteDecimals));
  let equity = 0n;
  let mm = 0n;
  for (const s of scopes) {
    equity += s.equityQuote;
    mm += s.maintenanceQuote;
  }
  return {
    accountId,
    healthWad,
    liquidatable: !exempt && liquidatable,
    collateralValueWad: equity > 0n ? equity * toWad : 0n,
    debtValueWad: mm * toWad,
  };
}

function invariants(state: State): InvariantCheck[] {
  const { params, book } = state.ext;
  if (params === null || book === null) return [];
  const out: InvariantCheck[] = [];
  for (const market of marketIds(book)) {
    out.push(...zeroSumMarketChecks(market, book.markets[market]!));
  }
  // Isolated margin sits only behind an isolated position.
  for (const [bucket, amount] of bucketsOf(state.ledger, params.quoteAsset)) {
    if (!bucket.startsWith('iso:') || amount === 0n) continue;
    const market = marketIds(book).find((m) => bucket.endsWith(`:${m}`));
    const account = market === undefined ? '' : bucket.slice(4, bucket.length - market.length - 1);
    const p = market === undefined ? undefined : positionOf(book, account, market);
    out.push({
      name: `${bucket} backs an isolated position`,
      holds: p !== undefined && p.marginMode === 'isolated',
      detail: `${amount} held, position ${p === undefined ? 'none' : p.marginMode}`,
    });
  }
  for (const [account, at] of state.ext.lastPartialLiquidationSeconds.entries()) {
    out.push({
      name: `partial liquidation of ${account} is in the past`,
      holds: at <= state.timeSeconds,
      detail: `${at}`,
    });
  }
  return out;
}

/** The Hyperliquid perpetuals model. */
export const hyperliquidModel: ProtocolModel<HyperliquidExt> = {
  id: HYPERLIQUID_ID,
  title:
    'Hyperliquid perps: MM from max leverage, mark-price liquidation, 20 % chunks and 30 s cooldown above $100k, HLP backstop below ⅔ MM, ADL',
  sources: [
    'https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations',
    'https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging',
    'https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margining',
    'https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers',
  ],
  commands: HYPERLIQUID_COMMANDS,
  initialExt: initialHyperliquidExt,
  decide(state, command, nowSeconds) {
    switch (command.type) {
      case 'configure':
        return decideConfigure(state, command);
      case 'deposit':
        return decideDeposit(state, command);
      case 'withdraw':
        return decideWithdraw(state, command, nowSeconds);
      case 'openPosition':
        return decideOpen(state, command, nowSeconds);
      case 'closePosition':
        return decideClose(state, command, nowSeconds);
      case 'addIsolatedMargin':
        return decideIsolated(state, command, nowSeconds, true);
      case 'removeIsolatedMargin':
        return decideIsolated(state, command, nowSeconds, false);
      case 'accrueFunding':
        return decideFunding(state, command, nowSeconds);
      case 'liquidate':
        return decideLiquidate(state, command, nowSeconds);
      default:
        throw new InvalidParameterError('type', `unknown command ${command.type}`);
    }
  },
  evolve: evolveHyperliquid,
  accountIds: (state) => perpsAccountIds(state.ext.book),
  health,
  invariants,
  liquidationTarget: (command) => liquidationTargetOf(command),
};
