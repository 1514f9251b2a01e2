/**
 * `perps-generic`: a perpetuals venue built only from the perps core, the base the compose-your-own
 * perp market configures and a reference for the protocol models. Cross and isolated margin,
 * trades against the venue's maker account with slippage and a taker fee, funding, and
 * liquidation through the five generic stages (liquidation.ts).
 *
 * Ledger mapping (quote asset, e.g. USDC): `acct:<id>` cross collateral; `iso:<id>:<market>`
 * isolated margin; `world` deposits and withdrawals (or `wallet:<id>`); `protocol` taker fees;
 * `insurance` the insurance fund (engine `fundInsurance`, liquidation fees, shortfall payouts);
 * `wallet:<liquidator>` the liquidator's fee share. Realized PnL moves between the accounts'
 * buckets and the market's maker (settlement) account's `acct:` bucket. `<quote>.debt` claims move
 * from `mint` to `socialized` to record socialized losses. No bucket ever goes negative: the maker
 * account cannot run a negative balance (a fill it cannot pay is refused).
 *
 * Marks are the oracle spot price of each market's oracle asset (index = mark). Funding settles
 * eagerly: `accrueFunding` settles every position of the market at once, so Σ entryQuote = 0 holds
 * exactly in every market. The venue's depth is a standing profile around the mark: a book is not
 * consumed by fills and an AMM is re-pegged to the mark before each fill. A tripped breaker on a
 * market's oracle asset pauses liquidations of accounts with a position there, and risk-adding
 * opens in that market (the engine's own check only sees collateral assets).
 */
import { divSigned, min, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256, pow10, WAD } from '../../math/units.js';
import {
  type AccountHealth,
  debtClaimAsset,
  type EngineState,
  type InvariantCheck,
  type ProtocolModel,
  requireAsset,
} from '../engine.js';
import {
  CircuitBreakerError,
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../errors.js';
import { readBigint, readEnum, readOptionalString, readString } from '../fields.js';
import { balanceOf, bucketsOf } from '../ledger.js';
import type { Command, EngineEvent, Recorded } from '../machine.js';
import { oracleStatus, spotPrice } from '../oracle.js';
import { runLiquidation } from '../pipeline.js';
import { applyPerpsEvents, PERPS_LIQUIDATION_STAGES, type PerpsLiquidationPolicy } from './liquidation.js';
import {
  type AccountMargin,
  accountMargin,
  liquidatableScopes,
  type MarginScope,
  sideFundingIndex,
} from './margin.js';
import { type PerpsGenericParams, parsePerpsGenericParams, perpsMarginStageOf } from './params.js';
import {
  accrueFunding,
  addIsolatedMargin,
  applyFill,
  fundingIndexDeltaForRate,
  PerpsTx,
  releaseIsolatedMargin,
  removeIsolatedMargin,
  requireMarket,
} from './settle.js';
import {
  crossBucket,
  emptyPerpsBook,
  evolvePerpsBook,
  isolatedBucket,
  type MarginMode,
  marketIds,
  type PerpAccountOpened,
  type PerpMarketConfig,
  type PerpMarks,
  type PerpsBook,
  type PerpsView,
  PPM_SCALE,
  positionBucket,
  positionOf,
} from './types.js';
import { quoteMarketOrder, recenterAmm } from './venue.js';

/** Model id. */
export const PERPS_GENERIC_ID = 'perps-generic';

/**
 * Commands (amounts in quote smallest units, sizes in base smallest units; bigint, safe integer or
 * decimal string):
 * - `configure {params}` once (see parsePerpsGenericParams; the quote asset must be listed);
 * - `deposit {account, amount, from?: 'world' | 'wallet'}` (opens the account);
 * - `withdraw {account, amount, to?: 'world' | 'wallet'}`: cross equity − amount ≥ cross IM;
 * - `openPosition {account, market, sizeBase (signed), marginMode?, isolatedMargin?}`: a taker
 *   order filled in full against the maker at the venue's price (else refused), taker fee, and
 *   the position's scope must meet its initial margin when the trade adds risk;
 * - `closePosition {account, market, sizeBase?}`: reduce by |sizeBase| (default all);
 * - `addIsolatedMargin | removeIsolatedMargin {account, market, amount}` (remove: IM check);
 * - `accrueFunding {market, indexDelta}` or `{market, ratePpm}` (ppm of the mark per base unit);
 * - `liquidate {account, liquidator, market?}`.
 */
export const PERPS_GENERIC_COMMANDS: readonly string[] = [
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

/** The model's state: parameters and the book (null before `configure`). */
export interface PerpsGenericExt {
  readonly params: PerpsGenericParams | null;
  readonly book: PerpsBook | null;
}

/** `configure`: the validated parameters and the empty book. */
export interface PerpsGenericConfigured {
  readonly type: 'PerpsGenericConfigured';
  readonly params: PerpsGenericParams;
  readonly book: PerpsBook;
}

type State = EngineState<PerpsGenericExt>;

function configured(state: State, command: string): { params: PerpsGenericParams; book: PerpsBook } {
  const { params, book } = state.ext;
  if (params === null || book === null) throw new NotConfiguredError(PERPS_GENERIC_ID, command);
  return { params, book };
}

const viewOf = (state: State, book: PerpsBook): PerpsView => ({ book, ledger: state.ledger });

/**
 * The mark of a market: the oracle spot price of its asset.
 * @throws StaleOraclePriceError; InvalidParameterError when the oracle's decimals differ.
 */
export function perpsMark(state: EngineState<unknown>, config: PerpMarketConfig, nowSeconds: number): bigint {
  const reading = spotPrice(state.oracle, config.oracleAsset, nowSeconds);
  if (reading.priceDecimals !== config.priceDecimals) {
    throw new InvalidParameterError(
      `oracle.${config.oracleAsset}.priceDecimals`,
      `is ${reading.priceDecimals}, market ${config.market} expects ${config.priceDecimals}`,
    );
  }
  return reading.price;
}

/**
 * Refuses `action` while a tripped breaker on a market's oracle asset pauses it: the engine checks
 * breakers on collateral an account holds, and a perps account holds only the quote asset, so the
 * model checks its markets' price feeds itself.
 * @throws CircuitBreakerError.
 */
function requireNoBreaker(
  state: State,
  config: PerpMarketConfig,
  action: 'Liquidation' | 'Opening',
  nowSeconds: number,
): void {
  if (!Object.hasOwn(state.oracle.assets, config.oracleAsset)) return;
  const status = oracleStatus(state.oracle, config.oracleAsset, nowSeconds);
  const paused = action === 'Liquidation' ? status.liquidationsPaused : status.breakerPausesBorrowing;
  if (paused) {
    throw new CircuitBreakerError(
      action,
      config.oracleAsset,
      `the ${config.market} price breaker is tripped`,
    );
  }
}

/** Marks of the markets with an open position (of `accountId` only, when given). */
function marksOf(
  state: State,
  book: PerpsBook,
  nowSeconds: number,
  accountId?: string,
  extra?: string,
): PerpMarks {
  const marks: Record<string, bigint> = {};
  for (const market of marketIds(book)) {
    const m = book.markets[market]!;
    const open =
      accountId === undefined
        ? m.longOpenInterestBase > 0n
        : (positionOf(book, accountId, market)?.sizeBase ?? 0n) !== 0n;
    if (open || market === extra) marks[market] = perpsMark(state, m.config, nowSeconds);
  }
  return marks;
}

function exemptAccounts(params: PerpsGenericParams): string[] {
  const out = params.markets.map((m) => m.makerAccount);
  if (params.liquidation.backstop !== undefined) out.push(params.liquidation.backstop.account);
  return [...new Set(out)].sort();
}

function requireAccount(book: PerpsBook, account: string): void {
  if (!book.accounts.has(account)) throw new UnknownAccountError(account);
}

const amountOf = (command: Command, key = 'amount'): bigint =>
  readBigint(command, key, key, { min: 1n, expect: 'quote units > 0' });

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.params !== null) {
    throw new ProtocolRevertError(
      'ALREADY_CONFIGURED',
      'perps-generic is configured once; start a new engine.',
    );
  }
  const params = parsePerpsGenericParams(command.params);
  const quoteDecimals = requireAsset(state, params.quoteAsset).decimals;
  const markets: PerpMarketConfig[] = params.markets.map((m) => ({ ...m, quoteDecimals }));
  const event: PerpsGenericConfigured = {
    type: 'PerpsGenericConfigured',
    params,
    book: emptyPerpsBook(params.quoteAsset, quoteDecimals, markets, perpsMarginStageOf(params)),
  };
  return [event];
}

function decideDeposit(state: State, command: Command): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const account = readString(command, 'account');
  const amount = amountOf(command);
  const from =
    (command.from === undefined ? 'world' : readEnum(command, 'from', ['world', 'wallet'])) === 'world'
      ? 'world'
      : `wallet:${account}`;
  const tx = new PerpsTx(viewOf(state, book));
  if (!book.accounts.has(account)) {
    const opened: PerpAccountOpened = { type: 'PerpAccountOpened', account };
    tx.emit(opened);
  }
  tx.move(from, crossBucket(account), amount, 'perps:deposit');
  return tx.events;
}

function requireInitialMargin(account: string, scope: MarginScope, what: string): void {
  if (scope.equityQuote < scope.initialQuote) {
    throw new InsufficientMarginError(
      account,
      `${what}: equity ${scope.equityQuote} < initial margin ${scope.initialQuote}`,
    );
  }
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const account = readString(command, 'account');
  requireAccount(book, account);
  const amount = amountOf(command);
  const to =
    (command.to === undefined ? 'world' : readEnum(command, 'to', ['world', 'wallet'])) === 'world'
      ? 'world'
      : `wallet:${account}`;
  const view = viewOf(state, book);
  const tx = new PerpsTx(view);
  tx.move(crossBucket(account), to, amount, 'perps:withdraw');
  const margin = accountMargin(tx.view, account, marksOf(state, book, nowSeconds, account));
  requireInitialMargin(account, margin, 'withdraw');
  return tx.events;
}

/** A taker trade of `sizeBase` (signed) against the market's maker at the venue price, with its fee. */
function takerTrade(
  state: State,
  book: PerpsBook,
  input: {
    readonly account: string;
    readonly market: string;
    readonly sizeBase: bigint;
    readonly marginMode?: MarginMode;
    readonly isolatedMargin?: bigint;
    readonly reduceOnly: boolean;
  },
  nowSeconds: number,
): readonly EngineEvent[] {
  const view = viewOf(state, book);
  const market = requireMarket(view, input.market);
  const config = market.config;
  if (input.account === config.makerAccount) {
    throw new InvalidParameterError(
      'account',
      `${input.account} is the ${input.market} maker; it cannot take`,
    );
  }
  const held = positionOf(book, input.account, input.market);
  const before = held?.sizeBase ?? 0n;
  const mode = held !== undefined && held.sizeBase !== 0n ? held.marginMode : (input.marginMode ?? 'cross');
  if (
    input.marginMode !== undefined &&
    held !== undefined &&
    held.sizeBase !== 0n &&
    held.marginMode !== input.marginMode
  ) {
    throw new InvalidParameterError('marginMode', `the open ${input.market} position is ${held.marginMode}`);
  }
  const marks = marksOf(state, book, nowSeconds, input.account, input.market);
  const mark = marks[input.market]!;
  const tx = new PerpsTx(view);
  if (input.isolatedMargin !== undefined) {
    if (mode !== 'isolated') throw new InvalidParameterError('isolatedMargin', 'needs marginMode isolated');
    tx.adopt(
      addIsolatedMargin(tx.view, {
        account: input.account,
        market: input.market,
        amount: input.isolatedMargin,
        allowNoPosition: true,
      }),
    );
  }
  const side = input.sizeBase > 0n ? 'buy' : 'sell';
  const size = input.sizeBase < 0n ? -input.sizeBase : input.sizeBase;
  const quote = quoteMarketOrder(recenterAmm(config.venue, mark, config), side, size, mark, config);
  if (quote.unfilledBase > 0n) {
    throw new ProtocolRevertError(
      'INSUFFICIENT_LIQUIDITY',
      `The ${input.market} venue can fill only ${quote.filledBase} of ${size}.`,
      {
        filledBase: quote.filledBase.toString(),
      },
    );
  }
  tx.adopt(
    applyFill(tx.view, {
      account: input.account,
      counterparty: config.makerAccount,
      market: input.market,
      sizeBase: input.sizeBase,
      quoteAmount: quote.quoteAmount,
      marginMode: mode,
      reason: 'trade',
    }),
  );
  // Taker fee, rounded up (favours the protocol), from the position's bucket.
  const fee = divSigned(quote.quoteAmount * config.takerFeePpm, PPM_SCALE, Rounding.Up);
  tx.move(positionBucket(input.account, input.market, mode), 'protocol', fee, 'perps:takerFee');
  const after = positionOf(tx.view.book, input.account, input.market)?.sizeBase ?? 0n;
  const addsRisk =
    after !== 0n &&
    (before === 0n ||
      after > 0n !== before > 0n ||
      (after < 0n ? -after : after) > (before < 0n ? -before : before));
  if (addsRisk && !input.reduceOnly) {
    requireNoBreaker(state, config, 'Opening', nowSeconds);
    const margin = accountMargin(tx.view, input.account, marks);
    const scope = mode === 'cross' ? margin : margin.isolated[input.market]!;
    requireInitialMargin(input.account, scope, `${input.market} position`);
  }
  tx.adopt(releaseIsolatedMargin(tx.view, input.account, input.market));
  return tx.events;
}

function decideOpen(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const account = readString(command, 'account');
  requireAccount(book, account);
  const market = readString(command, 'market');
  const sizeBase = readBigint(command, 'sizeBase', 'sizeBase', {
    min: -(2n ** 200n),
    expect: 'a signed size ≠ 0',
  });
  if (sizeBase === 0n) throw new InvalidParameterError('sizeBase', 'expected a signed size ≠ 0');
  const marginMode =
    command.marginMode === undefined ? undefined : readEnum(command, 'marginMode', ['cross', 'isolated']);
  const isolatedMargin =
    command.isolatedMargin === undefined ? undefined : amountOf(command, 'isolatedMargin');
  return takerTrade(
    state,
    book,
    {
      account,
      market,
      sizeBase,
      reduceOnly: false,
      ...(marginMode === undefined ? {} : { marginMode }),
      ...(isolatedMargin === undefined ? {} : { isolatedMargin }),
    },
    nowSeconds,
  );
}

function decideClose(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const account = readString(command, 'account');
  requireAccount(book, account);
  const market = readString(command, 'market');
  requireMarket(viewOf(state, book), market);
  const held = positionOf(book, account, market)?.sizeBase ?? 0n;
  if (held === 0n) throw new ProtocolRevertError('NO_POSITION', `${account} has no open ${market} position.`);
  const open = held < 0n ? -held : held;
  const size =
    command.sizeBase === undefined
      ? open
      : readBigint(command, 'sizeBase', 'sizeBase', { min: 1n, max: open });
  return takerTrade(
    state,
    book,
    { account, market, sizeBase: held > 0n ? -size : size, reduceOnly: true },
    nowSeconds,
  );
}

function decideIsolatedMargin(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const account = readString(command, 'account');
  requireAccount(book, account);
  const market = readString(command, 'market');
  const amount = amountOf(command);
  const view = viewOf(state, book);
  if (command.type === 'addIsolatedMargin')
    return addIsolatedMargin(view, { account, market, amount }).events;
  const position = positionOf(book, account, market);
  if (position === undefined || position.marginMode !== 'isolated') {
    throw new InvalidParameterError('market', `${account} has no isolated ${market} position`);
  }
  const step = removeIsolatedMargin(view, { account, market, amount });
  const margin = accountMargin(step.view, account, marksOf(state, book, nowSeconds, account));
  requireInitialMargin(account, margin.isolated[market]!, `isolated ${market} margin`);
  return step.events;
}

function decideFunding(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { book } = configured(state, command.type);
  const market = readString(command, 'market');
  const view = viewOf(state, book);
  const m = requireMarket(view, market);
  let indexDelta: bigint;
  if (command.indexDelta !== undefined) {
    indexDelta = readBigint(command, 'indexDelta', 'indexDelta', { min: -(2n ** 200n), max: 2n ** 200n });
  } else {
    const ratePpm = readBigint(command, 'ratePpm', 'ratePpm', {
      min: -PPM_SCALE,
      max: PPM_SCALE,
      expect: 'a rate in [−1e6, 1e6] ppm',
    });
    indexDelta = fundingIndexDeltaForRate(view, market, perpsMark(state, m.config, nowSeconds), ratePpm);
  }
  return accrueFunding(view, { market, indexDelta }).events;
}

/** The liquidation policy the stages run with (ADL random seed mixed with the log position). */
export function perpsGenericPolicy(params: PerpsGenericParams, seq: number): PerpsLiquidationPolicy {
  const ranking = params.liquidation.adlRanking;
  return {
    ...params.liquidation,
    adlRanking: ranking.kind === 'random' ? { kind: 'random', seed: `${ranking.seed}:${seq}` } : ranking,
    exemptAccounts: exemptAccounts(params),
  };
}

function decideLiquidate(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  const { params, book } = configured(state, command.type);
  const account = readString(command, 'account');
  const liquidator = readString(command, 'liquidator');
  const market = readOptionalString(command, 'market');
  requireAccount(book, account);
  const view = viewOf(state, book);
  if (market !== undefined) requireMarket(view, market);
  for (const m of marketIds(book)) {
    if ((positionOf(book, account, m)?.sizeBase ?? 0n) !== 0n) {
      requireNoBreaker(state, book.markets[m]!.config, 'Liquidation', nowSeconds);
    }
  }
  const ctx = {
    view,
    marks: marksOf(state, book, nowSeconds),
    policy: perpsGenericPolicy(params, state.seq),
  };
  const run = runLiquidation(PERPS_LIQUIDATION_STAGES, ctx, {
    account,
    liquidator,
    ...(market === undefined ? {} : { market }),
  });
  // Isolated margin left over goes back to cross once the position is gone. Nothing can be left
  // when the liquidated position was cross and its isolated bucket empty (no liquidation event
  // moves quote into it): skip re-folding the events then (they are many in a keeper's dry run).
  const iso = isolatedBucket(account, run.size.market);
  const held = positionOf(book, account, run.size.market);
  if (held?.marginMode !== 'isolated' && balanceOf(state.ledger, iso, book.quoteAsset) === 0n)
    return run.events;
  const after = applyPerpsEvents(view, run.events);
  return [...run.events, ...releaseIsolatedMargin(after, account, run.size.market).events];
}

function decidePerps(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
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
    case 'removeIsolatedMargin':
      return decideIsolatedMargin(state, command, nowSeconds);
    case 'accrueFunding':
      return decideFunding(state, command, nowSeconds);
    case 'liquidate':
      return decideLiquidate(state, command, nowSeconds);
    default:
      throw new InvalidParameterError('type', `perps-generic has no command ${command.type}`);
  }
}

function evolvePerps(state: State, recorded: Recorded): PerpsGenericExt {
  const event = recorded.event;
  if (event.type === 'PerpsGenericConfigured') {
    const e = event as PerpsGenericConfigured;
    return { params: e.params, book: e.book };
  }
  const book = state.ext.book;
  if (book === null) return state.ext;
  const next = evolvePerpsBook(book, event);
  return next === book ? state.ext : { ...state.ext, book: next };
}

/** Quote units → USD WAD (the quote asset counted at $1), rounded as asked. */
function quoteToWad(amount: bigint, quoteDecimals: number, rounding: Rounding): bigint {
  return divSigned(amount * WAD, pow10(quoteDecimals), rounding);
}

/**
 * Health of an account: the weakest scope's equity / maintenance margin as a WAD (0 when equity
 * ≤ 0; MAX_UINT256 with no requirement). Liquidatable when some scope has equity < maintenance,
 * except the exempt accounts (makers, the backstop vault). Collateral value = Σ scopes' positive
 * equity (floor), debt value = Σ maintenance margins (ceil), both in USD WAD at $1 per quote unit.
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError.
 */
function healthOf(state: State, accountId: string, nowSeconds: number): AccountHealth {
  const { params, book } = configured(state, 'health');
  requireAccount(book, accountId);
  const margin = accountMargin(viewOf(state, book), accountId, marksOf(state, book, nowSeconds, accountId));
  const scopes: MarginScope[] = [
    margin,
    ...Object.keys(margin.isolated)
      .sort()
      .map((m) => margin.isolated[m]!),
  ];
  let healthWad = MAX_UINT256;
  let equity = 0n;
  let maintenance = 0n;
  for (const s of scopes) {
    if (s.equityQuote > 0n) equity += s.equityQuote;
    maintenance += s.maintenanceQuote;
    if (s.maintenanceQuote === 0n) continue;
    // Floor: health is never overstated.
    const h = s.equityQuote <= 0n ? 0n : divSigned(s.equityQuote * WAD, s.maintenanceQuote, Rounding.Down);
    healthWad = min(healthWad, h);
  }
  const exempt = exemptAccounts(params).includes(accountId);
  return {
    accountId,
    healthWad,
    liquidatable: !exempt && liquidatableScopes(margin).length > 0,
    collateralValueWad: quoteToWad(equity, book.quoteDecimals, Rounding.Down),
    debtValueWad: quoteToWad(maintenance, book.quoteDecimals, Rounding.Up),
  };
}

/**
 * An account's margin at the current marks, with both rules when a cross-margin stage is
 * configured: `maintenanceQuote` is the configured requirement (what liquidation triggers on) and
 * `stage.perPositionMaintenanceQuote` today's per-position sum beside it (for the service and the
 * lab to report both). Works on any model whose state carries a perps-core book.
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError.
 */
export function perpsGenericMargin(
  state: EngineState<PerpsGenericExt>,
  accountId: string,
  nowSeconds: number,
): AccountMargin {
  const { book } = configured(state, 'margin');
  requireAccount(book, accountId);
  return accountMargin(viewOf(state, book), accountId, marksOf(state, book, nowSeconds, accountId));
}

/**
 * The model's invariants (beyond the ledger's per-asset zero sum, which already covers every PnL,
 * fee, funding, insurance and ADL transfer): per market Σ sizeBase = 0 and open interest equal to
 * the positions' sums; Σ entryQuote = 0 (the settlement identity: Σ equity = Σ collateral at any
 * price, up to valuation rounding); every position settled at its side's funding index; no
 * isolated margin without an isolated position; quote only in known buckets and socialized-loss
 * claims only in `mint`/`socialized`.
 */
function invariantsOf(state: State): readonly InvariantCheck[] {
  const { params, book } = state.ext;
  if (params === null || book === null) return [];
  const sizeErrors: string[] = [];
  const entryErrors: string[] = [];
  const fundingErrors: string[] = [];
  for (const market of marketIds(book)) {
    const m = book.markets[market]!;
    let sum = 0n;
    let long = 0n;
    let short = 0n;
    let entries = 0n;
    for (const [account, p] of m.positions.entries()) {
      sum += p.sizeBase;
      if (p.sizeBase > 0n) long += p.sizeBase;
      else short -= p.sizeBase;
      entries += p.entryQuote;
      if (p.sizeBase !== 0n && p.fundingIndexSettled !== sideFundingIndex(p.sizeBase, m)) {
        fundingErrors.push(`${market}/${account} settled at ${p.fundingIndexSettled}`);
      }
      if (p.sizeBase === 0n && p.entryQuote === 0n) sizeErrors.push(`${market}/${account} is empty but kept`);
    }
    if (sum !== 0n) sizeErrors.push(`${market}: Σ sizeBase = ${sum}`);
    if (long !== m.longOpenInterestBase || short !== m.shortOpenInterestBase || long !== short) {
      sizeErrors.push(
        `${market}: OI ${m.longOpenInterestBase}/${m.shortOpenInterestBase}, positions ${long}/${short}`,
      );
    }
    if (entries !== 0n) entryErrors.push(`${market}: Σ entryQuote = ${entries}`);
  }
  const bucketErrors: string[] = [];
  for (const [bucket, amount] of bucketsOf(state.ledger, book.quoteAsset)) {
    if (bucket.startsWith('iso:')) {
      const [, account = '', market = ''] = bucket.split(':');
      const p = positionOf(book, account, market);
      if (p === undefined || p.marginMode !== 'isolated')
        bucketErrors.push(`${bucket} holds ${amount} without an isolated position`);
      continue;
    }
    if (bucket.startsWith('acct:')) {
      if (!book.accounts.has(bucket.slice(5))) bucketErrors.push(`${bucket} is not an account`);
      continue;
    }
    if (!['world', 'protocol', 'insurance'].includes(bucket) && !bucket.startsWith('wallet:')) {
      bucketErrors.push(`${book.quoteAsset} in unexpected bucket ${bucket}`);
    }
  }
  for (const [bucket] of bucketsOf(state.ledger, debtClaimAsset(book.quoteAsset))) {
    if (bucket !== 'mint' && bucket !== 'socialized')
      bucketErrors.push(`claims in unexpected bucket ${bucket}`);
  }
  return [
    { name: 'perps/size-zero-sum', holds: sizeErrors.length === 0, detail: sizeErrors.join('; ') },
    { name: 'perps/entry-zero-sum', holds: entryErrors.length === 0, detail: entryErrors.join('; ') },
    { name: 'perps/funding-settled', holds: fundingErrors.length === 0, detail: fundingErrors.join('; ') },
    { name: 'perps/buckets', holds: bucketErrors.length === 0, detail: bucketErrors.join('; ') },
  ];
}

/** The `perps-generic` model. */
export const perpsGenericModel: ProtocolModel<PerpsGenericExt> = {
  id: PERPS_GENERIC_ID,
  title:
    'Generic perpetuals: tiered cross/isolated margin, book or AMM venue, partial liquidation, insurance, backstop, socialized loss, ADL',
  sources: [
    'solvent src/engine/perps (generic core; formulas cited per function)',
    'dydxprotocol/v4-chain protocol/x/clob/keeper/liquidations.go, deleveraging.go',
    'drift-labs/protocol-v2 programs/drift/src/math/liquidation.rs',
    'https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations',
  ],
  commands: PERPS_GENERIC_COMMANDS,
  initialExt: () => ({ params: null, book: null }),
  decide: decidePerps,
  evolve: evolvePerps,
  accountIds: (state) => (state.ext.book === null ? [] : state.ext.book.accounts.keys()),
  health: healthOf,
  invariants: invariantsOf,
  liquidationTarget(command) {
    return command.type === 'liquidate' && typeof command.account === 'string' ? command.account : undefined;
  },
};

/** Every protocol model of this directory (one: `perps-generic`). */
export const perpsGenericProtocols: readonly ProtocolModel<PerpsGenericExt>[] = [perpsGenericModel];
