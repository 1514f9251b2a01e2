/**
 * Synthetix perps v3 as an engine protocol model `synthetix-perps-v3`, built on the perpetuals core
 * (src/engine/perps): cross-margined accounts with snxUSD margin, every order filled by the
 * market's LPs at the skew-adjusted fill price with maker/taker fees, skew-scaled initial and
 * maintenance margins, liquidation by flag-then-close in rate-limited windows, gas-aware keeper
 * rewards, and bad debt borne by the LPs. Ported from Synthetixio/synthetix-v3
 * markets/perps-market/contracts/{modules/LiquidationModule.sol, storage/PerpsAccount.sol,
 * storage/PerpsMarket.sol, storage/PerpsMarketConfiguration.sol,
 * storage/GlobalPerpsMarketConfiguration.sol, storage/KeeperCosts.sol, storage/AsyncOrder.sol}.
 *
 * Ledger mapping (quote asset snxUSD, 18 decimals, every amount USD D18):
 * - `acct:<id>`: an account's snxUSD margin. `acct:<lp>`: the LPs' funds backing the market (their
 *   delegated collateral, deposited with `depositLiquidity`); the LP vault is the core's maker and
 *   settlement account, holding the opposite of the market skew.
 * - trades: realized PnL and order fees between `acct:<id>` and `acct:<lp>`.
 * - liquidation: the flag moves the whole margin `acct:<id>` → `acct:<lp>`; closes move nothing
 *   (the account's PnL is not paid); the keeper reward goes `acct:<lp>` → `wallet:<keeper>`; the
 *   LPs' bad debt is recorded as `<quote>.debt` claims `mint` → `socialized`.
 * - `world`/`wallet:<id>`: deposits and withdrawals.
 *
 * Not modelled (deviations): non-snxUSD margin (so no account debt, no `liquidateMarginOnly`),
 * asynchronous order commit/settle (orders settle at once), funding and interest, open-interest
 * caps, the fee collector and referrers (all order fees go to the LPs). Available margin is the
 * core's equity: PnL realized on the reduced part of a position only (Synthetix realizes the whole
 * position's PnL at every change; equity is the same). Reducing orders skip the margin check. The
 * gas price comes from the configured keeper-cost oracle value, changed by `setGasPrice`.
 */
import { debtClaimAsset, type EngineState, type ProtocolModel, requireAsset } from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError, UnknownAccountError } from '../../engine/errors.js';
import { readBigint, readString } from '../../engine/fields.js';
import { balanceOf, moved } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { MAX_HEALTH } from '../../engine/margin.js';
import {
  accountOpenedEvents,
  liquidationTargetOf,
  perpsAccountIds,
  readFundsBucket,
  readPositiveAmount,
} from '../../engine/perps/commands.js';
import { applyFill, PerpsTx } from '../../engine/perps/settle.js';
import { crossBucket, marketIds, positionOf } from '../../engine/perps/types.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { SYNTHETIX_LIQUIDATION_STAGES } from './liquidation.js';
import { calculateFillPrice, calculateOrderFee, isSameSideReducing, mulDecimal } from './math.js';
import { parseSynthetixParams } from './params.js';
import {
  type AccountValuation,
  evolveSynthetix,
  healthWadOf,
  initialSynthetixExt,
  marketPrices,
  openMarkets,
  QUOTE_DECIMALS,
  requireConfigured,
  requireMarketParams,
  type SynthetixConfigured,
  type SynthetixExt,
  type SynthetixGasPriceSet,
  valueAccount,
  viewOf,
} from './state.js';

/** Model id. */
export const SYNTHETIX_PERPS_V3_ID = 'synthetix-perps-v3';

/**
 * Commands (amounts USD D18, sizes asset units D18; bigints, safe integers or decimal strings):
 * - `configure {params}` (once; the quote asset must be listed with 18 decimals);
 * - `depositLiquidity {amount, source?}`: the LPs' funds backing the market;
 * - `deposit {account, amount, source?: 'world' | 'wallet'}`, `withdraw {account, amount}`
 *   (`modifyCollateral`);
 * - `trade {account, market, sizeDelta}`: an order settled at once at the fill price;
 * - `setGasPrice {gasPriceUsdPerGasD18}`: the keeper-cost oracle's new gas price;
 * - `liquidate {account, keeper}`: `LiquidationModule.liquidate` (five stages).
 */
export const SYNTHETIX_COMMANDS: readonly string[] = [
  'configure',
  'depositLiquidity',
  'deposit',
  'withdraw',
  'trade',
  'setGasPrice',
  'liquidate',
];

type State = EngineState<SynthetixExt>;

/** Record of a settled order. */
export interface SynthetixOrderSettled {
  readonly type: 'SynthetixOrderSettled';
  readonly account: string;
  readonly market: string;
  readonly sizeDelta: bigint;
  readonly fillPriceD18: bigint;
  readonly orderFeeQuote: bigint;
}

const sourceOf = (command: Command, account: string): string => readFundsBucket(command, 'source', account);

const amountOf = (command: Command, key = 'amount'): bigint =>
  readPositiveAmount(command, key, 'an amount > 0 (D18)');

/** The account's valuation now (prices of its open markets, the state's gas price). */
export function valuationOf(state: State, account: string, nowSeconds: number): AccountValuation {
  const { params, book } = requireConfigured(state, 'valuation');
  const view = viewOf(state, book);
  const prices = marketPrices(state, params, book, nowSeconds, openMarkets(view, account));
  return valueAccount(view, params, account, prices, state.ext.gasPriceUsdPerGasD18);
}

/** Refuses a flagged or liquidatable account (`AccountLiquidatable`). */
function requireNotLiquidatable(state: State, account: string, nowSeconds: number): AccountValuation {
  if (state.ext.flagged.has(account))
    throw new ProtocolRevertError('AccountLiquidatable', `account ${account} is flagged for liquidation`);
  const v = valuationOf(state, account, nowSeconds);
  if (v.eligible)
    throw new ProtocolRevertError('AccountLiquidatable', `account ${account} is eligible for liquidation`);
  return v;
}

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.params !== null)
    throw new InvalidParameterError('params', 'synthetix-perps-v3 is already configured');
  const params = parseSynthetixParams(command.params);
  const info = requireAsset(state, params.quoteAsset);
  if (info.decimals !== QUOTE_DECIMALS)
    throw new InvalidParameterError(
      'params.quoteAsset',
      `expected an 18-decimal asset, ${params.quoteAsset} has ${info.decimals}`,
    );
  const e: SynthetixConfigured = { type: 'SynthetixConfigured', params };
  return [e];
}

function decideDepositLiquidity(state: State, command: Command): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'depositLiquidity');
  const lp = params.lpAccount;
  return [
    ...accountOpenedEvents(viewOf(state, book), lp),
    ...moved(
      params.quoteAsset,
      sourceOf(command, lp),
      crossBucket(lp),
      amountOf(command),
      'synthetix:depositLiquidity',
    ),
  ];
}

function decideDeposit(state: State, command: Command): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'deposit');
  const account = readString(command, 'account');
  if (account === params.lpAccount)
    throw new InvalidParameterError('account', 'the LP vault deposits with depositLiquidity');
  if (state.ext.flagged.has(account))
    throw new ProtocolRevertError('AccountLiquidatable', `account ${account} is flagged for liquidation`);
  return [
    ...accountOpenedEvents(viewOf(state, book), account),
    ...moved(
      params.quoteAsset,
      sourceOf(command, account),
      crossBucket(account),
      amountOf(command),
      'synthetix:modifyCollateral',
    ),
  ];
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'withdraw');
  const account = readString(command, 'account');
  if (!book.accounts.has(account) || account === params.lpAccount) throw new UnknownAccountError(account);
  const amount = amountOf(command);
  const v = requireNotLiquidatable(state, account, nowSeconds);
  // `getWithdrawableMargin`: with positions, available − (IM + possible liquidation reward).
  const withdrawable =
    v.positions.length > 0
      ? v.availableMarginQuote - v.requiredInitialMarginQuote - v.possibleLiquidationRewardQuote
      : v.collateralQuote;
  if (amount > withdrawable) {
    throw new ProtocolRevertError(
      'InsufficientCollateralAvailableForWithdraw',
      `withdrawable ${withdrawable}, requested ${amount}`,
    );
  }
  return moved(
    params.quoteAsset,
    crossBucket(account),
    `wallet:${account}`,
    amount,
    'synthetix:modifyCollateral',
  );
}

function decideTrade(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'trade');
  const account = readString(command, 'account');
  if (!book.accounts.has(account) || account === params.lpAccount) throw new UnknownAccountError(account);
  const market = readString(command, 'market');
  const m = requireMarketParams(params, market);
  const sizeDelta = readBigint(command, 'sizeDelta', 'sizeDelta', {
    min: -(1n << 127n),
    max: (1n << 127n) - 1n,
  });
  if (sizeDelta === 0n)
    throw new InvalidParameterError('sizeDelta', 'expected a non-zero size (ZeroSizeOrder)');
  const before = requireNotLiquidatable(state, account, nowSeconds);
  const view = viewOf(state, book);
  const prices = marketPrices(state, params, book, nowSeconds, [
    ...new Set([...openMarkets(view, account), market]),
  ]);
  const price = prices.d18[market] ?? 0n;
  const skew = -(positionOf(book, params.lpAccount, market)?.sizeBase ?? 0n);
  const fillPrice = calculateFillPrice(skew, m.skewScale, sizeDelta, price);
  const fee = calculateOrderFee(sizeDelta, fillPrice, skew, m);
  const oldSize = positionOf(book, account, market)?.sizeBase ?? 0n;
  const newSize = oldSize + sizeDelta;
  if (!isSameSideReducing(oldSize, newSize)) {
    // `AsyncOrder.validateRequest`: available margin ≥ fees + the other positions' maintenance
    // margins + this position's initial margin at the fill price + the possible liquidation reward.
    const after = valueAccount(view, params, account, prices, state.ext.gasPriceUsdPerGasD18, {
      sizes: { [market]: newSize },
      marginPrice: { [market]: fillPrice },
    });
    const self = after.positions.find((p) => p.market === market);
    const required =
      fee +
      after.requiredMaintenanceMarginQuote -
      (self?.maintenanceMarginQuote ?? 0n) +
      (self?.initialMarginQuote ?? 0n) +
      after.possibleLiquidationRewardQuote;
    if (before.availableMarginQuote < required) {
      throw new ProtocolRevertError(
        'InsufficientMargin',
        `available margin ${before.availableMarginQuote}, required ${required}`,
      );
    }
  }
  const tx = new PerpsTx(view);
  tx.adopt(
    applyFill(view, {
      account,
      counterparty: params.lpAccount,
      market,
      sizeBase: sizeDelta,
      quoteAmount: mulDecimal(sizeDelta < 0n ? -sizeDelta : sizeDelta, fillPrice),
      reason: 'trade',
    }),
  );
  tx.move(crossBucket(account), crossBucket(params.lpAccount), fee, 'synthetix:orderFee');
  const record: SynthetixOrderSettled = {
    type: 'SynthetixOrderSettled',
    account,
    market,
    sizeDelta,
    fillPriceD18: fillPrice,
    orderFeeQuote: fee,
  };
  tx.emit(record);
  return [...tx.events];
}

function decideSetGasPrice(state: State, command: Command): EngineEvent[] {
  requireConfigured(state, 'setGasPrice');
  const e: SynthetixGasPriceSet = {
    type: 'SynthetixGasPriceSet',
    gasPriceUsdPerGasD18: readBigint(command, 'gasPriceUsdPerGasD18', 'gasPriceUsdPerGasD18', {
      max: (1n << 128n) - 1n,
    }),
  };
  return [e];
}

function decideLiquidate(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const { params, book } = requireConfigured(state, 'liquidate');
  const account = readString(command, 'account');
  const keeper = readString(command, 'keeper');
  const ctx = {
    params,
    view: viewOf(state, book),
    prices: marketPrices(state, params, book, nowSeconds),
    nowSeconds,
    gasPriceUsdPerGasD18: state.ext.gasPriceUsdPerGasD18,
    flagged: state.ext.flagged,
    liquidationData: state.ext.liquidationData,
  };
  return [...runLiquidation(SYNTHETIX_LIQUIDATION_STAGES, ctx, { account, keeper }).events];
}

function decideSynthetix(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command);
    case 'depositLiquidity':
      return decideDepositLiquidity(state, command);
    case 'deposit':
      return decideDeposit(state, command);
    case 'withdraw':
      return decideWithdraw(state, command, nowSeconds);
    case 'trade':
      return decideTrade(state, command, nowSeconds);
    case 'setGasPrice':
      return decideSetGasPrice(state, command);
    case 'liquidate':
      return decideLiquidate(state, command, nowSeconds);
    default:
      throw new InvalidParameterError('type', `synthetix-perps-v3 has no command ${command.type}`);
  }
}

function healthOf(state: State, accountId: string, nowSeconds: number) {
  const { params, book } = requireConfigured(state, 'health');
  if (!book.accounts.has(accountId)) throw new UnknownAccountError(accountId);
  const v = valuationOf(state, accountId, nowSeconds);
  const flagged = state.ext.flagged.has(accountId);
  const health = healthWadOf(v);
  return {
    accountId,
    healthWad: flagged ? 0n : health === null || health > MAX_HEALTH ? MAX_HEALTH : health,
    liquidatable: accountId !== params.lpAccount && (flagged || v.eligible),
    collateralValueWad: v.collateralQuote,
    debtValueWad: v.requiredMaintenanceMarginQuote + v.possibleLiquidationRewardQuote,
  };
}

function invariantsOf(state: State) {
  const { params, book } = state.ext;
  if (params === null || book === null) return [];
  const sums: string[] = [];
  for (const market of marketIds(book)) {
    const ms = book.markets[market];
    if (ms === undefined) continue;
    let size = 0n;
    let entry = 0n;
    let longs = 0n;
    let shorts = 0n;
    for (const p of ms.positions.values()) {
      size += p.sizeBase;
      entry += p.entryQuote;
      if (p.sizeBase > 0n) longs += p.sizeBase;
      else shorts -= p.sizeBase;
    }
    if (
      size !== 0n ||
      entry !== 0n ||
      longs !== ms.longOpenInterestBase ||
      shorts !== ms.shortOpenInterestBase
    )
      sums.push(`${market}: Σ size ${size}, Σ entry ${entry}`);
  }
  const flagged: string[] = [];
  const view = viewOf(state, book);
  for (const [id, f] of state.ext.flagged.entries()) {
    if (balanceOf(state.ledger, crossBucket(id), params.quoteAsset) !== 0n)
      flagged.push(`${id} holds margin`);
    if (openMarkets(view, id).length === 0) flagged.push(`${id} has no position`);
    if (f.seizedRemainingQuote < 0n) flagged.push(`${id} remaining ${f.seizedRemainingQuote}`);
    if (id === params.lpAccount) flagged.push('the LP vault is flagged');
  }
  const windows: string[] = [];
  for (const [market, entries] of Object.entries(state.ext.liquidationData)) {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const prev = entries[i - 1];
      if (
        e === undefined ||
        e.amount <= 0n ||
        (prev !== undefined && prev.timestampSeconds >= e.timestampSeconds)
      )
        windows.push(`${market} entry ${i}`);
    }
  }
  const recorded = balanceOf(state.ledger, 'socialized', debtClaimAsset(params.quoteAsset));
  return [
    { name: 'synthetix-perps-v3/zero-sum', holds: sums.length === 0, detail: sums.join('; ') },
    { name: 'synthetix-perps-v3/flagged', holds: flagged.length === 0, detail: flagged.join('; ') },
    { name: 'synthetix-perps-v3/windows', holds: windows.length === 0, detail: windows.join('; ') },
    {
      name: 'synthetix-perps-v3/lp-bad-debt',
      holds: recorded === state.ext.lpBadDebtQuote,
      detail: `socialized claims ${recorded}, recorded bad debt ${state.ext.lpBadDebtQuote}`,
    },
  ];
}

/** The Synthetix perps v3 model. */
export const synthetixPerpsV3Model: ProtocolModel<SynthetixExt> = {
  id: SYNTHETIX_PERPS_V3_ID,
  title:
    'Synthetix perps v3: skew-scaled margins, flag then liquidate in rate-limited windows, gas-aware keeper rewards, LP-borne bad debt',
  sources: [
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/modules/LiquidationModule.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/PerpsAccount.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/PerpsMarket.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/PerpsMarketConfiguration.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/GlobalPerpsMarketConfiguration.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/KeeperCosts.sol',
    'Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/AsyncOrder.sol',
  ],
  commands: SYNTHETIX_COMMANDS,
  initialExt: initialSynthetixExt,
  decide: decideSynthetix,
  evolve: evolveSynthetix,
  accountIds: (state) => perpsAccountIds(state.ext.book),
  health: healthOf,
  invariants: invariantsOf,
  liquidationTarget: (command) => liquidationTargetOf(command),
};
