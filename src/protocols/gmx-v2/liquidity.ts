/**
 * GMX v2 liquidity: a deposit of a pool token mints GM tokens at the pool value (PnL capped by
 * MAX_PNL_FACTOR_FOR_DEPOSITS); a withdrawal burns GM and pays both pool tokens in proportion to
 * their worth (PnL capped by MAX_PNL_FACTOR_FOR_WITHDRAWALS), refused while traders' pending profit
 * is too large or when it would leave open interest without its reserve. The pool is the
 * counterparty of every position, so the GM price is where LPs see PnL, fees and absorbed losses.
 * Deposit/withdrawal fees and swap impact are not modelled.
 * Ported from gmx-io/gmx-synthetics contracts/deposit/ExecuteDepositUtils.sol,
 * contracts/withdrawal/ExecuteWithdrawalUtils.sol and MarketUtils.getPoolValueInfo.
 */
import { ProtocolRevertError, UnknownAssetError } from '../../engine/errors.js';
import { readBigint, readString } from '../../engine/fields.js';
import { balanceOf, moved } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { accruedView } from './liquidation.js';
import {
  isSingleToken,
  type MarketView,
  poolUsd,
  poolValue,
  validateMaxPnlForWithdrawals,
  validateReserve,
} from './market.js';
import { marketTokenAmountToUsd, mulDivSignedTrunc, usdToMarketTokenAmount } from './math.js';
import { poolsAfter } from './orders.js';
import {
  type GmxMarketSet,
  type GmxState,
  marketTokenAsset,
  poolBucket,
  requireParams,
  walletBucket,
} from './state.js';

/** Record of a deposit. */
export interface GmxLiquidityDeposited {
  readonly type: 'GmxLiquidityDeposited';
  readonly lp: string;
  readonly market: string;
  readonly token: string;
  readonly amount: bigint;
  /** Pool value before the deposit, USD·1e30. */
  readonly poolValueUsd: bigint;
  /** GM minted (18 decimals). */
  readonly marketTokens: bigint;
}

/** Record of a withdrawal. */
export interface GmxLiquidityWithdrawn {
  readonly type: 'GmxLiquidityWithdrawn';
  readonly lp: string;
  readonly market: string;
  readonly marketTokens: bigint;
  readonly poolValueUsd: bigint;
  readonly longTokenAmount: bigint;
  readonly shortTokenAmount: bigint;
}

/** GM tokens in circulation (the `mint` bucket holds minus the supply). */
export function marketTokenSupply(state: GmxState, market: string): bigint {
  return -balanceOf(state.ledger, 'mint', marketTokenAsset(market));
}

/**
 * `depositLiquidity {lp, market, token, amount}`: `token` (a pool token) from `wallet:<lp>` into
 * `pool:<market>`; GM minted to `wallet:<lp>` = `usdToMarketTokenAmount(amount·price, poolValue, supply)`.
 * @throws ProtocolRevertError `InvalidPoolValueForDeposit`, `MinMarketTokens` (nothing minted);
 *   UnknownAssetError (not a pool token); StaleOraclePriceError.
 */
export function decideDeposit(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const lp = readString(command, 'lp');
  const market = readString(command, 'market');
  const token = readString(command, 'token');
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'token units > 0' });
  const view = accruedView(state, params, market, nowSeconds);
  if (token !== view.mp.longToken && token !== view.mp.shortToken)
    throw new UnknownAssetError(`${token} (not a pool token of ${market})`);
  const price = token === view.mp.longToken ? view.prices.long : view.prices.short;
  const value = poolValue(params, view, 'deposits');
  const supply = marketTokenSupply(state, market);
  const minted = usdToMarketTokenAmount(amount * price, value, supply);
  if (minted === 0n)
    throw new ProtocolRevertError('MinMarketTokens', 'the deposit is too small to mint a GM token unit', {
      usdValue: (amount * price).toString(),
    });
  const marketSet: GmxMarketSet = { type: 'GmxMarketSet', market, state: view.ms };
  const record: GmxLiquidityDeposited = {
    type: 'GmxLiquidityDeposited',
    lp,
    market,
    token,
    amount,
    poolValueUsd: value,
    marketTokens: minted,
  };
  return [
    ...moved(token, walletBucket(lp), poolBucket(market), amount, 'deposit'),
    ...moved(marketTokenAsset(market), 'mint', walletBucket(lp), minted, 'mintMarketTokens'),
    marketSet,
    record,
  ];
}

/**
 * `withdrawLiquidity {lp, market, amount}`: burns `amount` GM from `wallet:<lp>` and pays
 * `marketTokenAmountToUsd` split between the pool tokens by their worth (each floored at its
 * price). Refused when a side's PnL-to-pool factor exceeds MAX_PNL_FACTOR_FOR_WITHDRAWALS before,
 * or the reserve is broken after.
 * @throws ProtocolRevertError `PnlFactorExceededForLongs|Shorts`, `InvalidPoolValueForWithdrawal`,
 *   `EmptyWithdrawalAmounts`, `InsufficientReserve`, `EmptyMarketTokenSupply`; StaleOraclePriceError.
 */
export function decideWithdraw(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const lp = readString(command, 'lp');
  const market = readString(command, 'market');
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'GM units > 0' });
  const view = accruedView(state, params, market, nowSeconds);
  validateMaxPnlForWithdrawals(view);
  const value = poolValue(params, view, 'withdrawals');
  if (value <= 0n)
    throw new ProtocolRevertError('InvalidPoolValueForWithdrawal', 'the pool is worth nothing to withdraw', {
      poolValue: value.toString(),
    });
  const usd = marketTokenAmountToUsd(amount, value, marketTokenSupply(state, market));
  const longUsd = poolUsd(view, 'long');
  const shortUsd = poolUsd(view, 'short');
  const total = longUsd + shortUsd;
  if (total === 0n) throw new ProtocolRevertError('EmptyWithdrawalAmounts', 'the pool holds no tokens');
  // Precision.mulDiv: each side's share of the USD floored, then floored again at its price
  const longAmount = mulDivSignedTrunc(usd, longUsd, total) / view.prices.long;
  const shortAmount = mulDivSignedTrunc(usd, shortUsd, total) / view.prices.short;
  if (longAmount === 0n && shortAmount === 0n)
    throw new ProtocolRevertError('EmptyWithdrawalAmounts', 'the withdrawal is worth less than a token unit');
  const pool = poolBucket(market);
  const wallet = walletBucket(lp);
  const payouts = isSingleToken(view.mp)
    ? moved(view.mp.longToken, pool, wallet, longAmount + shortAmount, 'withdraw')
    : [
        ...moved(view.mp.longToken, pool, wallet, longAmount, 'withdraw'),
        ...moved(view.mp.shortToken, pool, wallet, shortAmount, 'withdraw'),
      ];
  const after: MarketView = { ...view, pools: poolsAfter(view.mp, view.pools, payouts) };
  validateReserve(after, 'long');
  validateReserve(after, 'short');
  const marketSet: GmxMarketSet = { type: 'GmxMarketSet', market, state: view.ms };
  const record: GmxLiquidityWithdrawn = {
    type: 'GmxLiquidityWithdrawn',
    lp,
    market,
    marketTokens: amount,
    poolValueUsd: value,
    longTokenAmount: longAmount,
    shortTokenAmount: shortAmount,
  };
  return [
    ...moved(marketTokenAsset(market), wallet, 'mint', amount, 'burnMarketTokens'),
    ...payouts,
    marketSet,
    record,
  ];
}
