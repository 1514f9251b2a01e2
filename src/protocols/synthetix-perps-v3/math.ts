/**
 * Synthetix perps v3 liquidation arithmetic as small pure bigint functions (every value D18, i.e.
 * 1e18-scaled USD or asset units): required margins, the liquidation-window capacity, the flag and
 * keeper rewards with their gas-aware min/max caps, and the eligibility predicate.
 * Ported from Synthetixio/synthetix-v3 markets/perps-market/contracts/storage/
 * {PerpsMarketConfiguration,GlobalPerpsMarketConfiguration,PerpsAccount,PerpsMarket,KeeperCosts}.sol
 * and utils/MathUtil.sol. `DecimalMath.mulDecimal(x, y) = x·y/1e18` and `divDecimal(x, y) =
 * x·1e18/y` truncate (floor on the unsigned values used here), as Solidity's `/`.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { divRound, divSigned, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * `DecimalMath.mulDecimal` on uint256: `x · y / 1e18`, floor (favours whoever is paid the product:
 * margins, rewards and capacities are never overstated by rounding).
 */
export const mulDecimal = (x: bigint, y: bigint): bigint => divRound(x * y, WAD, Rounding.Down);

/**
 * `DecimalMath.divDecimal` on uint256: `x · 1e18 / y`, floor.
 * @throws ProtocolRevertError "panic: division by zero (0x12)" when y = 0, as Solidity does.
 */
export function divDecimal(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new ProtocolRevertError('panic: division by zero (0x12)', 'the divisor is 0');
  return divRound(x * WAD, y, Rounding.Down);
}

/**
 * `DecimalMath.mulDecimal` on int256: `x · y / 1e18` truncated toward zero (Solidity signed `/`).
 * Used for a position's PnL, so a loss is rounded toward zero by at most 1e-18 USD.
 */
export const mulDecimalSigned = (x: bigint, y: bigint): bigint => {
  const p = x * y;
  return divSigned(p, WAD, p < 0n ? Rounding.Up : Rounding.Down);
};

/** `MathUtil.ceilDivide(a, b)`: ⌈a / b⌉, and 0 when b = 0 (no revert). */
export const ceilDivide = (a: bigint, b: bigint): bigint => (b === 0n ? 0n : divRound(a, b, Rounding.Up));

/** Parameters of {@link maxLiquidationAmountInWindow} (`PerpsMarketConfiguration.Data`). */
export interface LiquidationWindowConfig {
  /** `orderFees.makerFee`, D18. */
  readonly makerFeeD18: bigint;
  /** `orderFees.takerFee`, D18. */
  readonly takerFeeD18: bigint;
  /** `skewScale`, asset units D18. */
  readonly skewScale: bigint;
  /** `maxLiquidationLimitAccumulationMultiplier`, D18. */
  readonly maxLiquidationLimitAccumulationMultiplierD18: bigint;
  /** `maxSecondsInLiquidationWindow`, seconds. */
  readonly maxSecondsInLiquidationWindow: bigint | number;
}

/**
 * `PerpsMarketConfiguration.maxLiquidationAmountInWindow`: the asset units that may be liquidated
 * in one window, `(makerFee + takerFee) ·ᴰ skewScale ·ᴰ multiplier · windowSeconds` (two floored
 * `mulDecimal`s, then an exact product).
 */
export const maxLiquidationAmountInWindow = (c: LiquidationWindowConfig): bigint =>
  mulDecimal(
    mulDecimal(c.makerFeeD18 + c.takerFeeD18, c.skewScale),
    c.maxLiquidationLimitAccumulationMultiplierD18,
  ) * BigInt(c.maxSecondsInLiquidationWindow);

/**
 * `PerpsMarketConfiguration.numberOfLiquidationWindows`: `ceilDivide(|size|, maxInWindow)`, the
 * windows needed to close a position (0 when the cap is 0).
 */
export const numberOfLiquidationWindows = (positionSizeAbs: bigint, maxLiquidationInWindow: bigint): bigint =>
  ceilDivide(abs(positionSizeAbs), maxLiquidationInWindow);

/** Parameters of {@link requiredMargins} (`PerpsMarketConfiguration.Data`). */
export interface MarginConfig {
  readonly skewScale: bigint;
  /** `initialMarginRatioD18` (the "initial margin fraction"): scales the position's skew impact. */
  readonly initialMarginRatioD18: bigint;
  /** `minimumInitialMarginRatioD18`: floor of the initial margin ratio. */
  readonly minimumInitialMarginRatioD18: bigint;
  /** `maintenanceMarginScalarD18`: MMR = IMR · scalar. */
  readonly maintenanceMarginScalarD18: bigint;
  /** `minimumPositionMargin`, USD D18, added to both margins. */
  readonly minimumPositionMargin: bigint;
}

/** A position's margin ratios (D18) and margins (USD D18). */
export interface RequiredMargins {
  readonly initialMarginRatio: bigint;
  readonly maintenanceMarginRatio: bigint;
  readonly initialMargin: bigint;
  readonly maintenanceMargin: bigint;
}

/**
 * `PerpsMarketConfiguration.calculateRequiredMargins`: `impact = |size| ÷ᴰ skewScale` (0 when the
 * skew scale is 0), `IMR = impact ·ᴰ initialMarginRatio + minimumInitialMarginRatio`,
 * `MMR = IMR ·ᴰ maintenanceMarginScalar`, `notional = |size| ·ᴰ price`, `IM = notional ·ᴰ IMR +
 * minimumPositionMargin`, `MM = notional ·ᴰ MMR + minimumPositionMargin`; all zero when size = 0.
 * @param size signed position size, asset units D18; @param price USD D18.
 */
export function requiredMargins(c: MarginConfig, size: bigint, price: bigint): RequiredMargins {
  if (size === 0n)
    return { initialMarginRatio: 0n, maintenanceMarginRatio: 0n, initialMargin: 0n, maintenanceMargin: 0n };
  const sizeAbs = abs(size);
  const impactOnSkew = c.skewScale === 0n ? 0n : divDecimal(sizeAbs, c.skewScale);
  const initialMarginRatio =
    mulDecimal(impactOnSkew, c.initialMarginRatioD18) + c.minimumInitialMarginRatioD18;
  const maintenanceMarginRatio = mulDecimal(initialMarginRatio, c.maintenanceMarginScalarD18);
  const notional = mulDecimal(sizeAbs, price);
  return {
    initialMarginRatio,
    maintenanceMarginRatio,
    initialMargin: mulDecimal(notional, initialMarginRatio) + c.minimumPositionMargin,
    maintenanceMargin: mulDecimal(notional, maintenanceMarginRatio) + c.minimumPositionMargin,
  };
}

/** Global keeper-reward bounds (`GlobalPerpsMarketConfiguration.Data`), D18. */
export interface KeeperRewardConfig {
  readonly minKeeperRewardUsd: bigint;
  readonly minKeeperProfitRatioD18: bigint;
  readonly maxKeeperRewardUsd: bigint;
  readonly maxKeeperScalingRatioD18: bigint;
}

/**
 * `GlobalPerpsMarketConfiguration.minimumKeeperRewardCap`:
 * `max(cost + minKeeperRewardUsd, cost ·ᴰ (1 + minKeeperProfitRatio))`.
 */
export const minimumKeeperRewardCap = (c: KeeperRewardConfig, costOfExecutionUsd: bigint): bigint =>
  maxOf(
    costOfExecutionUsd + c.minKeeperRewardUsd,
    mulDecimal(costOfExecutionUsd, c.minKeeperProfitRatioD18 + WAD),
  );

/**
 * `GlobalPerpsMarketConfiguration.maximumKeeperRewardCap`: `min(margin ·ᴰ maxKeeperScalingRatio,
 * maxKeeperRewardUsd)`, or `maxKeeperRewardUsd` when the available margin is 0 (a flagged account).
 */
export const maximumKeeperRewardCap = (c: KeeperRewardConfig, availableMarginUsd: bigint): bigint =>
  availableMarginUsd === 0n
    ? c.maxKeeperRewardUsd
    : minOf(mulDecimal(availableMarginUsd, c.maxKeeperScalingRatioD18), c.maxKeeperRewardUsd);

/** A keeper reward with the caps it was bounded by (USD D18). */
export interface KeeperReward {
  readonly minCap: bigint;
  readonly maxCap: bigint;
  readonly reward: bigint;
}

/**
 * `GlobalPerpsMarketConfiguration.keeperReward`: `min(max(minCap, rewards + cost), maxCap)`: the
 * keeper is paid at least its gas cost plus a profit and at most a share of the margin.
 * @param keeperRewards the flag rewards owed (USD D18); @param costOfExecutionUsd the gas cost
 *   from the keeper-cost oracle (USD D18); @param availableMarginUsd the margin the caps scale with.
 */
export function keeperReward(
  c: KeeperRewardConfig,
  keeperRewards: bigint,
  costOfExecutionUsd: bigint,
  availableMarginUsd: bigint,
): KeeperReward {
  const minCap = minimumKeeperRewardCap(c, costOfExecutionUsd);
  const maxCap = maximumKeeperRewardCap(c, availableMarginUsd);
  return { minCap, maxCap, reward: minOf(maxOf(minCap, keeperRewards + costOfExecutionUsd), maxCap) };
}

/**
 * The flag reward of `PerpsAccount.flagReward` / `LiquidationModule`: `max(Σ notionalᵢ ·ᴰ
 * flagRewardRatioᵢ, collateralValue ·ᴰ collateralLiquidateRewardRatio)` (mechanisms.md §7.2).
 * @param positions each position's `|size| ·ᴰ price` notional and its market's flag reward ratio.
 */
export function flagReward(
  positions: readonly { readonly notionalUsd: bigint; readonly flagRewardRatioD18: bigint }[],
  collateralValueUsd: bigint,
  collateralLiquidateRewardRatioD18: bigint,
): bigint {
  let sum = 0n;
  for (const p of positions) sum += mulDecimal(p.notionalUsd, p.flagRewardRatioD18);
  return maxOf(sum, mulDecimal(collateralValueUsd, collateralLiquidateRewardRatioD18));
}

/**
 * `PerpsAccount.getPossibleLiquidationReward`: what the account must hold for its own liquidation,
 * `keeperReward(flagRewards, flagCost, collateral) + (windows − 1) · keeperReward(0, liquidateCost, 0)`
 * (every extra window is another keeper call).
 */
export function possibleLiquidationReward(
  c: KeeperRewardConfig,
  input: {
    readonly accumulatedFlagRewardsUsd: bigint;
    readonly flagCostUsd: bigint;
    readonly liquidateCostUsd: bigint;
    readonly collateralValueUsd: bigint;
    readonly maxNumberOfWindows: bigint;
  },
): bigint {
  const flagAndLiquidate = keeperReward(
    c,
    input.accumulatedFlagRewardsUsd,
    input.flagCostUsd,
    input.collateralValueUsd,
  ).reward;
  const extraWindows =
    input.maxNumberOfWindows === 0n
      ? 0n
      : keeperReward(c, 0n, input.liquidateCostUsd, 0n).reward * (input.maxNumberOfWindows - 1n);
  return flagAndLiquidate + extraWindows;
}

/**
 * `PerpsAccount.isEligibleForLiquidation`: `requiredMaintenanceMargin + possibleLiquidationReward >
 * availableMargin` (strict).
 */
export const isEligibleForLiquidation = (
  availableMarginUsd: bigint,
  requiredMaintenanceMarginUsd: bigint,
  possibleLiquidationRewardUsd: bigint,
): boolean => requiredMaintenanceMarginUsd + possibleLiquidationRewardUsd > availableMarginUsd;

/** One entry of a market's `liquidationData` (amount liquidated at a timestamp). */
export interface LiquidationEntry {
  readonly amount: bigint;
  readonly timestampSeconds: number;
}

/** Capacity of a market's liquidation window. */
export interface LiquidationCapacity {
  /** Units still liquidatable in the trailing window. */
  readonly capacity: bigint;
  readonly maxLiquidationInWindow: bigint;
  /** Timestamp of the last entry (0 when none). */
  readonly latestLiquidationTimestamp: number;
}

/**
 * `PerpsMarket.currentLiquidationCapacity`: `max(maxInWindow − Σ amounts with timestamp >
 * now − windowSeconds, 0)`.
 */
export function currentLiquidationCapacity(
  entries: readonly LiquidationEntry[],
  maxLiquidationInWindow: bigint,
  windowSeconds: number,
  nowSeconds: number,
): LiquidationCapacity {
  const last = entries[entries.length - 1];
  if (last === undefined)
    return { capacity: maxLiquidationInWindow, maxLiquidationInWindow, latestLiquidationTimestamp: 0 };
  const windowStart = nowSeconds - windowSeconds;
  let used = 0n;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e === undefined || e.timestampSeconds <= windowStart) break;
    used += e.amount;
  }
  const left = maxLiquidationInWindow - used;
  return {
    capacity: left > 0n ? left : 0n,
    maxLiquidationInWindow,
    latestLiquidationTimestamp: last.timestampSeconds,
  };
}

/** Inputs of {@link maxLiquidatableAmount}. */
export interface MaxLiquidatableInput {
  readonly requestedAmount: bigint;
  readonly capacity: LiquidationCapacity;
  /** `maxLiquidationPd` (D18; 0 = never extend). */
  readonly maxLiquidationPdD18: bigint;
  /** The market's skew (asset units D18, signed) and skew scale. */
  readonly skew: bigint;
  readonly skewScale: bigint;
  readonly nowSeconds: number;
  /** Whether the caller is the market's endorsed liquidator (no cap). */
  readonly endorsedLiquidator: boolean;
}

/**
 * `PerpsMarket.maxLiquidatableAmount` (the read part; the caller records the amount): the endorsed
 * liquidator and a market with no window cap take the whole request; else `min(capacity,
 * request)`; with no capacity left, one more full window is allowed when `|skew| ÷ᴰ skewScale <
 * maxLiquidationPd` and no liquidation was recorded at this timestamp (once per block).
 */
export function maxLiquidatableAmount(input: MaxLiquidatableInput): bigint {
  if (input.endorsedLiquidator) return input.requestedAmount;
  const { capacity, maxLiquidationInWindow, latestLiquidationTimestamp } = input.capacity;
  if (maxLiquidationInWindow === 0n) return input.requestedAmount;
  if (capacity !== 0n) return minOf(capacity, input.requestedAmount);
  if (input.maxLiquidationPdD18 !== 0n && latestLiquidationTimestamp !== input.nowSeconds) {
    const currentPd = divDecimal(abs(input.skew), input.skewScale);
    if (currentPd < input.maxLiquidationPdD18) return minOf(maxLiquidationInWindow, input.requestedAmount);
  }
  return 0n;
}

/**
 * `PerpsMarket._updateLiquidationData`: the amount is added to the last entry when it has the same
 * timestamp, else appended. Entries older than `keepSeconds` before `nowSeconds` are dropped (they
 * can no longer count in any window; the contract keeps them, which changes no result).
 */
export function recordLiquidation(
  entries: readonly LiquidationEntry[],
  amount: bigint,
  nowSeconds: number,
  keepSeconds: number,
): LiquidationEntry[] {
  const kept = entries.filter((e) => e.timestampSeconds > nowSeconds - keepSeconds);
  const last = kept[kept.length - 1];
  if (last !== undefined && last.timestampSeconds === nowSeconds) {
    return [...kept.slice(0, -1), { amount: last.amount + amount, timestampSeconds: nowSeconds }];
  }
  return [...kept, { amount, timestampSeconds: nowSeconds }];
}

/**
 * A position's price PnL since its last interaction (`Position.getPnl` price part):
 * `size ·ᴰ (price − lastPrice)`, truncated toward zero (int256 `mulDecimal`).
 */
export const pricePnl = (size: bigint, price: bigint, lastInteractionPrice: bigint): bigint =>
  mulDecimalSigned(size, price - lastInteractionPrice);

/**
 * Gas cost of a keeper call from the keeper-cost oracle (`KeeperCosts` → the gas-price node):
 * `gasPriceUsdPerGas · gasUnits`, where a flag needs `flagGasUnits + perFeedGasUnits · feeds`
 * (one price feed per open position and non-snxUSD collateral).
 * @param gasPriceUsdPerGasD18 USD per gas unit, D18 (e.g. 1e-6 USD/gas = 1e12).
 */
export const gasCostUsd = (gasPriceUsdPerGasD18: bigint, gasUnits: bigint): bigint =>
  gasPriceUsdPerGasD18 * gasUnits;

/** `DecimalMath.divDecimal` on int256: `x · 1e18 / y`, truncated toward zero. */
export function divDecimalSigned(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new ProtocolRevertError('panic: division by zero (0x12)', 'the divisor is 0');
  const p = x * WAD;
  return divSigned(p, y, p < 0n === y < 0n ? Rounding.Down : Rounding.Up);
}

/** `MathUtil.sameSide(a, b)`: either is 0, or both have the same sign. */
export const sameSide = (a: bigint, b: bigint): boolean => a === 0n || b === 0n || a > 0n === b > 0n;

/** `MathUtil.isSameSideReducing(a, b)`: `b` is on `a`'s side and smaller in size. */
export const isSameSideReducing = (a: bigint, b: bigint): boolean => sameSide(a, b) && abs(b) < abs(a);

/**
 * `AsyncOrder.calculateFillPrice`: the oracle price moved by the average premium of the skew
 * before and after the order, `(p·(1 + skew/S) + p·(1 + (skew + size)/S)) / 2` with truncating
 * D18 steps; the oracle price itself when the skew scale is 0.
 * @param skew market skew and @param size order size (signed, asset D18); @param price USD D18.
 * @throws ProtocolRevertError when the premium makes the price negative (`toUint` reverts).
 */
export function calculateFillPrice(skew: bigint, skewScale: bigint, size: bigint, price: bigint): bigint {
  if (skewScale === 0n) return price;
  const pdBefore = divDecimalSigned(skew, skewScale);
  const pdAfter = divDecimalSigned(skew + size, skewScale);
  const priceBefore = price + mulDecimalSigned(price, pdBefore);
  const priceAfter = price + mulDecimalSigned(price, pdAfter);
  const sum = priceBefore + priceAfter;
  if (sum < 0n)
    throw new ProtocolRevertError(
      'OverflowInt256ToUint256',
      'the skew premium makes the fill price negative',
    );
  return divDecimal(sum, 2n * WAD);
}

/**
 * `AsyncOrder.calculateOrderFee`: an order that keeps the skew on one side pays the taker fee on
 * its whole notional when it increases the skew, the maker fee when it reduces it; an order that
 * flips the skew pays the maker fee on the part that closes the old skew and the taker fee on the
 * new skew it opens. USD D18, truncating.
 */
export function calculateOrderFee(
  sizeDelta: bigint,
  fillPrice: bigint,
  marketSkew: bigint,
  fees: { readonly makerFeeD18: bigint; readonly takerFeeD18: bigint },
): bigint {
  const notionalDiff = mulDecimalSigned(sizeDelta, fillPrice);
  if (sameSide(marketSkew + sizeDelta, marketSkew)) {
    const rate = sameSide(notionalDiff, marketSkew) ? fees.takerFeeD18 : fees.makerFeeD18;
    return abs(mulDecimalSigned(notionalDiff, rate));
  }
  const takerSize = abs(mulDecimalSigned(marketSkew + sizeDelta, fillPrice));
  const makerSize = abs(mulDecimalSigned(marketSkew, fillPrice));
  return mulDecimal(takerSize, fees.takerFeeD18) + mulDecimal(makerSize, fees.makerFeeD18);
}
