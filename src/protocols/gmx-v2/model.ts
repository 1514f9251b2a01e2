/**
 * GMX v2 (gmx-synthetics) as an engine protocol model `gmx-v2`: markets whose liquidity pool (long
 * and short pool tokens, GM tokens for LPs) is the counterparty of every position; positions with
 * a collateral amount, `sizeInUsd` and `sizeInTokens`; increase/decrease orders at oracle prices
 * with position fees, borrowing fees and price impact; the liquidation check with closing costs
 * and capped impact; liquidation by a LIQUIDATION_KEEPER as a full decrease with the liquidation
 * fee; insolvent closes (liquidation/ADL only) whose unpaid cost the pool absorbs; ADL driven by
 * the PnL-to-pool factor. Formulas in math.ts, orders in orders.ts, stages in liquidation.ts.
 *
 * Ledger mapping:
 * - `wallet:<actor>`: traders' and LPs' tokens (fund them with the engine's `fundWallet`); order
 *   outputs (profit, returned collateral) are paid here, as GMX pays the order's receiver.
 * - `acct:<position id>`: the position's collateral (`collateralAmount`), in its collateral token.
 * - `pool:<market>`: the market's pool amounts of its long and short tokens (GMX `poolAmount`).
 *   Losses, negative impact and the pool share of fees flow in; profit and positive impact flow
 *   out. An insolvent close's unpaid cost is never received: that is the LPs' loss.
 * - `out:<position id>`: a decrease's output while its costs are paid (profit first lands here,
 *   as in `processCollateral`); always empty after a command.
 * - `protocol`: the fee receiver (position, borrowing and liquidation fee receiver shares).
 * - `GM:<market>`: GM tokens (18 decimals), issued by `mint` to `wallet:<lp>` and burnt back.
 * The position impact pool (`positionImpactPoolAmount`, index-token units) is an accounting entry
 * of the market state, not a ledger bucket: as in GMX its tokens sit in the pool amounts.
 *
 * Not modelled (deviations): funding fees, referral/UI fees and pro tiers, deposit/withdrawal fees
 * and swap impact, min/max price spreads (one oracle price per token), the claimable price-impact
 * diff of a capped decrease impact (not charged here), borrowing exponents other than whole numbers
 * and the optimal-usage borrowing curve, virtual inventory, order keepers' execution fees and
 * acceptable prices, swaps of profit into the collateral token (profit in the other pool token is
 * paid out as that token, GMX's `NoSwap`).
 */
import {
  type AccountHealth,
  type InvariantCheck,
  type ProtocolModel,
  requireAsset,
} from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError, UnknownAccountError } from '../../engine/errors.js';
import { readBigintOr, readBoolean, readString } from '../../engine/fields.js';
import { assetsOf, balanceOf, bucketsOf } from '../../engine/ledger.js';
import type { Command, EngineEvent, Recorded } from '../../engine/machine.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { decideExecuteAdl, decideUpdateAdlState } from './adl.js';
import { accruedView, GMX_LIQUIDATION_STAGES } from './liquidation.js';
import { decideDeposit, decideWithdraw } from './liquidity.js';
import { applyFactor } from './math.js';
import { movesOf, positionLiquidation, processDecrease, processIncrease } from './orders.js';
import { parseGmxParams } from './params.js';
import {
  emptyMarketState,
  evolveGmx,
  type GmxConfigured,
  type GmxExt,
  type GmxMarketSet,
  type GmxPositionSet,
  type GmxState,
  initialGmxExt,
  marketTokenAsset,
  own,
  positionBucket,
  positionId,
  requireMarket,
  requireParams,
  requirePosition,
} from './state.js';

/** Model id. */
export const GMX_V2_ID = 'gmx-v2';

/**
 * Commands (amounts in smallest units; USD sizes USD·1e30; integers as bigint, safe number or
 * decimal string):
 * - `configure {params}` (once; see `parseGmxParams`; every token must be a listed asset);
 * - `depositLiquidity {lp, market, token, amount}`, `withdrawLiquidity {lp, market, amount}` (GM);
 * - `increasePosition {account, market, collateralToken, isLong, collateralAmount, sizeDeltaUsd}`;
 * - `decreasePosition {account, market, collateralToken, isLong, sizeDeltaUsd, collateralDeltaAmount?}`
 *   (or `{position, ...}` with the position key);
 * - `liquidate {keeper, position}` (LIQUIDATION_KEEPER);
 * - `updateAdlState {keeper, market, isLong}`, `executeAdl {keeper, position, sizeDeltaUsd}` (ADL_KEEPER).
 */
export const GMX_COMMANDS: readonly string[] = [
  'configure',
  'depositLiquidity',
  'withdrawLiquidity',
  'increasePosition',
  'decreasePosition',
  'liquidate',
  'updateAdlState',
  'executeAdl',
];

/** Record of an increase (`PositionIncrease`). */
export interface GmxPositionIncreased {
  readonly type: 'GmxPositionIncreased';
  readonly position: string;
  readonly collateralAmount: bigint;
  readonly sizeDeltaUsd: bigint;
  readonly sizeDeltaInTokens: bigint;
  readonly priceImpactUsd: bigint;
  readonly positionFeeAmount: bigint;
  readonly borrowingFeeAmount: bigint;
}

/** Record of a trader's decrease (`PositionDecrease`). */
export interface GmxPositionDecreased {
  readonly type: 'GmxPositionDecreased';
  readonly position: string;
  readonly sizeDeltaUsd: bigint;
  readonly sizeDeltaInTokens: bigint;
  readonly basePnlUsd: bigint;
  readonly priceImpactUsd: bigint;
  readonly outputAmount: bigint;
  readonly secondaryOutputAmount: bigint;
}

const WAD_FROM_FLOAT = 10n ** 12n; // USD·1e30 → USD·1e18

function readId(command: Command, key: string): string {
  const id = readString(command, key);
  if (id.includes(':')) throw new InvalidParameterError(key, `must not contain ":", got ${id}`);
  return id;
}

/** The position key a command names: `position`, or `account`/`market`/`collateralToken`/`isLong`. */
function commandPositionId(command: Command): string {
  if (command.position !== undefined) return readString(command, 'position');
  return positionId(
    readId(command, 'account'),
    readId(command, 'market'),
    readId(command, 'collateralToken'),
    readBoolean(command, 'isLong'),
  );
}

function decideConfigure(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  if (state.ext.params !== null)
    throw new ProtocolRevertError(
      'AlreadyInitialized',
      'GMX is configured once; start a new engine to change it',
    );
  const params = parseGmxParams(command.params);
  params.markets.forEach((m, i) => {
    for (const key of ['indexToken', 'longToken', 'shortToken'] as const) {
      try {
        requireAsset(state, m[key]);
      } catch {
        throw new InvalidParameterError(`params.markets.${i}.${key}`, `${m[key]} is not a listed asset`);
      }
    }
  });
  const event: GmxConfigured = { type: 'GmxConfigured', params, atSeconds: nowSeconds };
  return [event];
}

function decideIncrease(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readId(command, 'account');
  const market = readId(command, 'market');
  const collateralToken = readId(command, 'collateralToken');
  const isLong = readBoolean(command, 'isLong');
  const collateralAmount = readBigintOr(command, 'collateralAmount', 0n);
  const sizeDeltaUsd = readBigintOr(command, 'sizeDeltaUsd', 0n);
  if (collateralAmount === 0n && sizeDeltaUsd === 0n)
    throw new InvalidParameterError('sizeDeltaUsd', 'an increase needs collateral or size');
  const { mp } = requireMarket(state, params, market);
  if (collateralToken !== mp.longToken && collateralToken !== mp.shortToken)
    throw new ProtocolRevertError(
      'InvalidCollateralTokenForMarket',
      `${collateralToken} is not a pool token of ${market}`,
    );
  const id = positionId(account, market, collateralToken, isLong);
  const view = accruedView(state, params, market, nowSeconds);
  const result = processIncrease(params, view, id, state.ext.positions.get(id), {
    account,
    collateralToken,
    isLong,
    collateralAmount,
    sizeDeltaUsd,
  });
  const positionSet: GmxPositionSet = { type: 'GmxPositionSet', id, position: result.position };
  const marketSet: GmxMarketSet = { type: 'GmxMarketSet', market, state: result.marketState };
  const record: GmxPositionIncreased = {
    type: 'GmxPositionIncreased',
    position: id,
    collateralAmount,
    sizeDeltaUsd,
    sizeDeltaInTokens: result.sizeDeltaInTokens,
    priceImpactUsd: result.priceImpactUsd,
    positionFeeAmount: result.fees.positionFeeAmount,
    borrowingFeeAmount: result.fees.borrowingFeeAmount,
  };
  return [...movesOf(result.flows), positionSet, marketSet, record];
}

function decideDecrease(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const position = requirePosition(state, commandPositionId(command));
  const view = accruedView(state, params, position.market, nowSeconds);
  const result = processDecrease(params, view, position, {
    sizeDeltaUsd: readBigintOr(command, 'sizeDeltaUsd', 0n),
    collateralDeltaAmount: readBigintOr(command, 'collateralDeltaAmount', 0n),
    kind: 'user',
  });
  const positionSet: GmxPositionSet = { type: 'GmxPositionSet', id: position.id, position: result.position };
  const marketSet: GmxMarketSet = {
    type: 'GmxMarketSet',
    market: position.market,
    state: result.marketState,
  };
  const record: GmxPositionDecreased = {
    type: 'GmxPositionDecreased',
    position: position.id,
    sizeDeltaUsd: result.sizeDeltaUsd,
    sizeDeltaInTokens: result.sizeDeltaInTokens,
    basePnlUsd: result.basePnlUsd,
    priceImpactUsd: result.priceImpactUsd,
    outputAmount: result.outputAmount,
    secondaryOutputAmount: result.secondaryOutputAmount,
  };
  return [...movesOf(result.flows), positionSet, marketSet, record];
}

function decideLiquidate(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const run = runLiquidation(GMX_LIQUIDATION_STAGES, state, {
    keeper: readString(command, 'keeper'),
    positionId: readString(command, 'position'),
    nowSeconds,
  });
  return [...run.events];
}

/**
 * Health of a position: `remainingCollateralUsd` of the liquidation check over the floor it must
 * stay above (max(MIN_COLLATERAL_USD, size·minCollateralFactorForLiquidation)), 1e18 = at the
 * floor; liquidatable by GMX's own strict rule (which also liquidates at remaining ≤ 0).
 * @throws UnknownAccountError; NotConfiguredError; StaleOraclePriceError.
 */
export function gmxHealth(state: GmxState, id: string, nowSeconds: number): AccountHealth {
  const params = requireParams(state, 'health');
  const position = state.ext.positions.get(id);
  if (position === undefined) throw new UnknownAccountError(id);
  const view = accruedView(state, params, position.market, nowSeconds);
  const info = positionLiquidation(params, view, position, 'liquidation', true);
  const remaining = info.remainingCollateralUsd;
  let healthWad: bigint;
  if (remaining <= 0n) healthWad = 0n;
  else if (info.thresholdUsd === 0n) healthWad = 10n ** 36n;
  else healthWad = divRound(remaining * 10n ** 18n, info.thresholdUsd, Rounding.Down);
  return {
    accountId: id,
    healthWad,
    liquidatable: info.liquidatable,
    collateralValueWad: remaining > 0n ? remaining / WAD_FROM_FLOAT : 0n,
    debtValueWad: divRound(info.thresholdUsd, WAD_FROM_FLOAT, Rounding.Up),
  };
}

/** The model's bookkeeping identities, checked after every command by the contract test. */
export function gmxInvariants(state: GmxState): InvariantCheck[] {
  const checks: InvariantCheck[] = [];
  const params = state.ext.params;
  const positions = state.ext.positions.values();
  const check = (name: string, holds: boolean, detail: string): void => {
    checks.push({ name, holds, detail: holds ? '' : detail });
  };
  // every collateral bucket mirrors its position; nothing else holds collateral
  const collateralByToken = new Map<string, bigint>();
  for (const p of positions) {
    const held = balanceOf(state.ledger, positionBucket(p.id), p.collateralToken);
    check(
      'gmx.collateral',
      held === p.collateralAmount,
      `${p.id} holds ${held}, position says ${p.collateralAmount}`,
    );
    check(
      'gmx.positionSize',
      p.sizeInUsd > 0n && p.sizeInTokens > 0n,
      `${p.id} has size ${p.sizeInUsd} / ${p.sizeInTokens} tokens`,
    );
    collateralByToken.set(
      p.collateralToken,
      (collateralByToken.get(p.collateralToken) ?? 0n) + p.collateralAmount,
    );
  }
  for (const asset of assetsOf(state.ledger)) {
    let inAccounts = 0n;
    for (const [bucket, value] of bucketsOf(state.ledger, asset)) {
      if (bucket.startsWith('acct:')) inAccounts += value;
      if (bucket.startsWith('out:'))
        check('gmx.outputEmpty', false, `${bucket} still holds ${value} ${asset}`);
      if (asset.startsWith('GM:') && bucket !== 'mint' && !bucket.startsWith('wallet:'))
        check('gmx.marketTokens', false, `${bucket} holds ${value} ${asset}`);
    }
    const expected = collateralByToken.get(asset) ?? 0n;
    check(
      'gmx.collateralTotal',
      inAccounts === expected,
      `acct:* hold ${inAccounts} ${asset}, positions ${expected}`,
    );
  }
  if (params === null) return checks;
  for (const mp of params.markets) {
    const ms = own(state.ext.markets, mp.market) ?? emptyMarketState(0);
    for (const side of ['long', 'short'] as const) {
      let usd = 0n;
      let tokens = 0n;
      let borrowing = 0n;
      for (const p of positions) {
        if (p.market !== mp.market || (p.isLong ? 'long' : 'short') !== side) continue;
        usd += p.sizeInUsd;
        tokens += p.sizeInTokens;
        borrowing += applyFactor(p.sizeInUsd, p.borrowingFactor);
        check(
          'gmx.borrowingFactor',
          p.borrowingFactor <= ms.cumulativeBorrowingFactor[side],
          `${p.id} borrowing factor above the cumulative one`,
        );
      }
      check(
        'gmx.openInterest',
        ms.openInterestUsd[side] === usd,
        `${mp.market} ${side} OI ${ms.openInterestUsd[side]} ≠ Σ ${usd}`,
      );
      check(
        'gmx.openInterestInTokens',
        ms.openInterestInTokens[side] === tokens,
        `${mp.market} ${side} OI tokens ${ms.openInterestInTokens[side]} ≠ Σ ${tokens}`,
      );
      check(
        'gmx.totalBorrowing',
        ms.totalBorrowing[side] === borrowing,
        `${mp.market} ${side} total borrowing ${ms.totalBorrowing[side]} ≠ Σ ${borrowing}`,
      );
    }
    check(
      'gmx.impactPool',
      ms.positionImpactPoolAmount >= 0n,
      `${mp.market} impact pool ${ms.positionImpactPoolAmount}`,
    );
    check('gmx.insolventClose', ms.insolventCloseUsd >= 0n, `${mp.market} absorbed ${ms.insolventCloseUsd}`);
    const supply = -balanceOf(state.ledger, 'mint', marketTokenAsset(mp.market));
    check('gmx.marketTokenSupply', supply >= 0n, `${mp.market} GM supply ${supply}`);
  }
  return checks;
}

/** The `gmx-v2` model. */
export const gmxV2Model: ProtocolModel<GmxExt> = {
  id: GMX_V2_ID,
  title:
    'GMX v2 (gmx-synthetics): pool as counterparty, liquidation check with closing fees and capped impact, liquidation fee, insolvent closes absorbed by LPs, ADL on the PnL-to-pool factor',
  sources: [
    'gmx-io/gmx-synthetics contracts/position/PositionUtils.sol',
    'gmx-io/gmx-synthetics contracts/position/DecreasePositionCollateralUtils.sol',
    'gmx-io/gmx-synthetics contracts/position/IncreasePositionUtils.sol',
    'gmx-io/gmx-synthetics contracts/liquidation/LiquidationUtils.sol',
    'gmx-io/gmx-synthetics contracts/pricing/PositionPricingUtils.sol',
    'gmx-io/gmx-synthetics contracts/market/MarketUtils.sol',
    'gmx-io/gmx-synthetics contracts/adl/AdlUtils.sol',
    'gmx-io/gmx-synthetics contracts/exchange/AdlHandler.sol',
  ],
  commands: GMX_COMMANDS,
  initialExt: initialGmxExt,
  decide(state, command, nowSeconds) {
    switch (command.type) {
      case 'configure':
        return decideConfigure(state, command, nowSeconds);
      case 'depositLiquidity':
        return decideDeposit(state, command, nowSeconds);
      case 'withdrawLiquidity':
        return decideWithdraw(state, command, nowSeconds);
      case 'increasePosition':
        return decideIncrease(state, command, nowSeconds);
      case 'decreasePosition':
        return decideDecrease(state, command, nowSeconds);
      case 'liquidate':
        return decideLiquidate(state, command, nowSeconds);
      case 'updateAdlState':
        return decideUpdateAdlState(state, command, nowSeconds);
      case 'executeAdl':
        return decideExecuteAdl(state, command, nowSeconds);
      default:
        throw new InvalidParameterError('type', `gmx-v2 does not decide ${command.type}`);
    }
  },
  evolve(state: GmxState, recorded: Recorded): GmxExt {
    return evolveGmx(state, recorded);
  },
  accountIds(state) {
    return state.ext.positions.keys();
  },
  health: gmxHealth,
  invariants: gmxInvariants,
  liquidationTarget(command) {
    if (command.type !== 'liquidate' || typeof command.position !== 'string') return undefined;
    return command.position;
  },
};
