/**
 * Comet (Compound v3) arithmetic as small pure bigint functions: factor, price and index
 * conversions, the 4-decimal factor packing, `isLiquidatable` / `isBorrowCollateralized`, the
 * amounts of `absorbInternal`, the storefront quote and `getReserves`. Every division is Solidity's
 * `/` (floor on unsigned operands, truncation toward zero on signed ones) except
 * `principalValueBorrow`, which rounds up; every product is checked against uint256 as Solidity
 * 0.8 checked arithmetic does.
 * Ported from compound-finance/comet contracts/Comet.sol, contracts/CometCore.sol and
 * contracts/CometMath.sol (the `Comet` with `getPackedAssetInternal` and the storefront discount
 * `storeFrontPriceFactor · (1 − liquidationFactor)`).
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';
import { divRound, Rounding, requireUint256, requireUnsigned } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';

/** Comet `FACTOR_SCALE`: factors (collateral factors, storefront factor) are 1e18-scaled. */
export const FACTOR_SCALE: bigint = WAD;
/** Comet `BASE_INDEX_SCALE`: the supply and borrow indexes start at 1e15. */
export const BASE_INDEX_SCALE: bigint = 10n ** 15n;
/** `FACTOR_SCALE / 1e4`: factors are stored with 4 decimals (Comet `getPackedAssetInternal`). */
export const FACTOR_DESCALE: bigint = 10n ** 14n;
/** Comet `PRICE_FEED_DECIMALS`: every price feed answers in USD·1e8. */
export const PRICE_FEED_DECIMALS = 8;
/** Comet `MAX_ASSETS` (CometCore): at most 15 collateral assets. */
export const MAX_ASSETS = 15;
/** Comet `MAX_BASE_DECIMALS`: the base token has at most 18 decimals. */
export const MAX_BASE_DECIMALS = 18;
/** Comet `BASE_ACCRUAL_SCALE` = 1e6: the base token needs at least 6 decimals. */
export const MIN_BASE_DECIMALS = 6;
/** Largest uint16 (a packed factor). */
export const MAX_UINT16: bigint = (1n << 16n) - 1n;
/** Largest uint64 (indexes, scales). */
export const MAX_UINT64: bigint = (1n << 64n) - 1n;
/** Largest uint104 (base amounts and principals in magnitude). */
export const MAX_UINT104: bigint = (1n << 104n) - 1n;
/** Largest uint128 (collateral balances). */
export const MAX_UINT128: bigint = (1n << 128n) - 1n;
/** Largest int104 (a signed principal). */
export const MAX_INT104: bigint = (1n << 103n) - 1n;

/** Comet's supply and borrow indexes, each scaled by {@link BASE_INDEX_SCALE}. */
export interface CometIndexes {
  readonly baseSupplyIndex: bigint;
  readonly baseBorrowIndex: bigint;
}

/** The indexes of a freshly initialised Comet (`initializeStorage`): both 1e15. */
export const INITIAL_INDEXES: CometIndexes = {
  baseSupplyIndex: BASE_INDEX_SCALE,
  baseBorrowIndex: BASE_INDEX_SCALE,
};

/** `x · y` as Solidity 0.8 computes it: throws OverflowError past uint256 (panic 0x11). */
function checkedMul(x: bigint, y: bigint, operation: string): bigint {
  requireUnsigned(operation, x, y);
  return requireUint256(operation, x * y);
}

/** Solidity `/` on unsigned operands: floor, and a zero divisor reverts (panic 0x12). */
function floorDiv(numerator: bigint, denominator: bigint): bigint {
  return divRound(numerator, denominator, Rounding.Down);
}

/**
 * Comet `mulFactor(n, factor) = n · factor / FACTOR_SCALE`, floor. Used to weight collateral value
 * (floor: collateral is never over-valued, which favours the protocol) and to apply the
 * storefront discount.
 * @param n any unsigned amount; @param factorWad a 1e18-scaled factor.
 * @throws OverflowError when n · factor exceeds uint256; NegativeValueError on negative operands.
 */
export function mulFactor(n: bigint, factorWad: bigint): bigint {
  return floorDiv(checkedMul(n, factorWad, 'mulFactor'), FACTOR_SCALE);
}

/**
 * Comet `mulPrice(n, price, fromScale) = n · price / fromScale`, floor: a token amount (scale
 * `fromScale`) to USD·1e8. Floor: the value is never overstated (favours the protocol when it
 * values collateral).
 * @throws OverflowError past uint256; DivisionByZeroError when fromScale is 0.
 */
export function mulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  return floorDiv(checkedMul(n, price, 'mulPrice'), fromScale);
}

/**
 * Comet `signedMulPrice(n, price, fromScale) = n · price / fromScale` on int256: Solidity's signed
 * division truncates toward zero, so a debt (n < 0) is valued at the floor of its magnitude: it
 * favours the borrower by less than one unit of USD·1e8, exactly as Comet does.
 * @throws OverflowError past 2^255 in magnitude; DivisionByZeroError when fromScale is 0.
 */
export function signedMulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  const magnitude = n < 0n ? -n : n;
  const product = checkedMul(magnitude, price, 'signedMulPrice');
  requireUint256('signedMulPrice', product << 1n); // int256 range: |n · price| < 2^255
  const quotient = floorDiv(product, fromScale);
  return n < 0n ? -quotient : quotient;
}

/**
 * Comet `divPrice(n, price, toScale) = n · toScale / price`, floor: USD·1e8 to a token amount.
 * Floor: the amount credited never exceeds the value (favours the protocol).
 * @throws OverflowError past uint256; DivisionByZeroError when price is 0.
 */
export function divPrice(n: bigint, price: bigint, toScale: bigint): bigint {
  return floorDiv(checkedMul(n, toScale, 'divPrice'), price);
}

/**
 * CometCore `presentValueSupply = principal · index / BASE_INDEX_SCALE`, floor: a supplier is
 * owed the floor (favours the protocol).
 */
export function presentValueSupply(baseSupplyIndex: bigint, principal: bigint): bigint {
  return floorDiv(checkedMul(principal, baseSupplyIndex, 'presentValueSupply'), BASE_INDEX_SCALE);
}

/**
 * CometCore `presentValueBorrow = principal · index / BASE_INDEX_SCALE`, floor: Comet values a
 * debt at the floor (favours the borrower by < 1 base unit); `principalValueBorrow` rounding up
 * more than makes up for it.
 */
export function presentValueBorrow(baseBorrowIndex: bigint, principal: bigint): bigint {
  return floorDiv(checkedMul(principal, baseBorrowIndex, 'presentValueBorrow'), BASE_INDEX_SCALE);
}

/** CometMath `safe104`: throws the contract's `InvalidUInt104()` past 2^104 − 1. */
export function safe104(n: bigint): bigint {
  if (n > MAX_UINT104) {
    throw new ProtocolRevertError('InvalidUInt104', 'The amount does not fit Comet’s uint104 fields.', {
      value: n.toString(),
    });
  }
  return n;
}

/** CometMath `signed104` on a uint104 magnitude: throws `InvalidInt104()` past 2^103 − 1. */
function signed104(n: bigint): bigint {
  if (n > MAX_INT104) {
    throw new ProtocolRevertError('InvalidInt104', 'The principal does not fit Comet’s int104 principal.', {
      value: n.toString(),
    });
  }
  return n;
}

/**
 * CometCore `principalValueSupply = presentValue · BASE_INDEX_SCALE / index`, floor (favours the
 * protocol: the supplier's principal never exceeds what was supplied).
 * @throws ProtocolRevertError `InvalidUInt104` past uint104; DivisionByZeroError for index 0.
 */
export function principalValueSupply(baseSupplyIndex: bigint, presentValue: bigint): bigint {
  return safe104(
    floorDiv(checkedMul(presentValue, BASE_INDEX_SCALE, 'principalValueSupply'), baseSupplyIndex),
  );
}

/**
 * CometCore `principalValueBorrow = (presentValue · BASE_INDEX_SCALE + index − 1) / index`, i.e.
 * ceil (favours the protocol: a borrower's principal never understates the debt).
 * @throws ProtocolRevertError `InvalidUInt104` past uint104; DivisionByZeroError for index 0.
 */
export function principalValueBorrow(baseBorrowIndex: bigint, presentValue: bigint): bigint {
  return safe104(
    divRound(
      checkedMul(presentValue, BASE_INDEX_SCALE, 'principalValueBorrow'),
      baseBorrowIndex,
      Rounding.Up,
    ),
  );
}

/**
 * CometCore `presentValue(principal)`: the supply balance (≥ 0) or minus the borrow balance.
 * @param principal signed int104 principal.
 */
export function presentValue(principal: bigint, indexes: CometIndexes): bigint {
  return principal >= 0n
    ? presentValueSupply(indexes.baseSupplyIndex, principal)
    : -presentValueBorrow(indexes.baseBorrowIndex, -principal);
}

/**
 * CometCore `principalValue(presentValue)`: supply principal (floor) for a balance ≥ 0, minus the
 * borrow principal (ceil) for a negative one.
 * @throws ProtocolRevertError `InvalidUInt104` / `InvalidInt104` when out of range.
 */
export function principalValue(balance: bigint, indexes: CometIndexes): bigint {
  return balance >= 0n
    ? signed104(principalValueSupply(indexes.baseSupplyIndex, balance))
    : -signed104(principalValueBorrow(indexes.baseBorrowIndex, -balance));
}

/**
 * Comet `repayAndSupplyAmount(oldPrincipal, newPrincipal)`: a principal increase split into the
 * part that repays borrow principal and the part that becomes supply principal.
 */
export function repayAndSupplyAmount(
  oldPrincipal: bigint,
  newPrincipal: bigint,
): { readonly repay: bigint; readonly supply: bigint } {
  if (newPrincipal < oldPrincipal) return { repay: 0n, supply: 0n };
  if (newPrincipal <= 0n) return { repay: newPrincipal - oldPrincipal, supply: 0n };
  if (oldPrincipal >= 0n) return { repay: 0n, supply: newPrincipal - oldPrincipal };
  return { repay: -oldPrincipal, supply: newPrincipal };
}

/**
 * Comet `withdrawAndBorrowAmount(oldPrincipal, newPrincipal)`: a principal decrease split into the
 * part that withdraws supply principal and the part that becomes borrow principal.
 */
export function withdrawAndBorrowAmount(
  oldPrincipal: bigint,
  newPrincipal: bigint,
): { readonly withdraw: bigint; readonly borrow: bigint } {
  if (newPrincipal > oldPrincipal) return { withdraw: 0n, borrow: 0n };
  if (newPrincipal >= 0n) return { withdraw: oldPrincipal - newPrincipal, borrow: 0n };
  if (oldPrincipal <= 0n) return { withdraw: 0n, borrow: oldPrincipal - newPrincipal };
  return { withdraw: oldPrincipal, borrow: -newPrincipal };
}

/** A factor as Comet stores it: the uint16 kept in the packed word and the factor it reads back. */
export interface PackedFactor {
  /** `factor / 1e14`, floor (4 decimals). */
  readonly stored: bigint;
  /** `stored · 1e14`: the 1e18-scaled factor every formula uses. */
  readonly effectiveWad: bigint;
}

/**
 * Comet `getPackedAssetInternal` / `getAssetInfo`: a configured factor is stored as
 * `uint16(factor / 1e14)` (floor, so a factor is never rounded up: favours the protocol) and read
 * back as `stored · 1e14`.
 * @param factorWad configured factor, 1e18-scaled, ≥ 0.
 * @throws InvalidParameterError (field `factorWad`) when the quotient does not fit uint16 (Comet's
 *   unchecked cast would silently wrap; factors above 1 are refused before this is reached);
 *   NegativeValueError for a negative factor.
 */
export function packFactor(factorWad: bigint): PackedFactor {
  requireUnsigned('packFactor', factorWad);
  const stored = floorDiv(factorWad, FACTOR_DESCALE);
  if (stored > MAX_UINT16) {
    throw new InvalidParameterError('factorWad', `${factorWad} / 1e14 does not fit the packed uint16`);
  }
  return { stored, effectiveWad: stored * FACTOR_DESCALE };
}

/** One collateral holding as Comet's liquidity loops read it. */
export interface CollateralHolding {
  /** Balance in the asset's smallest units (uint128). */
  readonly balance: bigint;
  /** Price in USD·1e8 (the feed's answer, > 0). */
  readonly price: bigint;
  /** 10^decimals of the asset (`AssetInfo.scale`). */
  readonly scale: bigint;
  /** The factor this loop applies (borrowCF, liquidateCF or liquidationFactor), 1e18-scaled. */
  readonly factorWad: bigint;
}

/** Inputs of the liquidity checks. */
export interface LiquidityInput {
  /** `presentValue(principal)`: signed base units. */
  readonly presentValue: bigint;
  /** Base price, USD·1e8. */
  readonly basePrice: bigint;
  /** 10^decimals of the base token. */
  readonly baseScale: bigint;
  /** Holdings in asset order (only assets with a non-zero balance matter). */
  readonly holdings: readonly CollateralHolding[];
}

/**
 * Comet's liquidity: `signedMulPrice(presentValue, basePrice, baseScale) + Σ mulFactor(mulPrice(
 * balance, price, scale), factor)`, in USD·1e8, summed over every holding (Comet
 * `getLiquidationMargin` / `getBorrowLiquidity`). Negative = short of collateral.
 */
export function liquidityUsd8(input: LiquidityInput): bigint {
  let liquidity = signedMulPrice(input.presentValue, input.basePrice, input.baseScale);
  for (const h of input.holdings) liquidity += mulFactor(mulPrice(h.balance, h.price, h.scale), h.factorWad);
  return liquidity;
}

/**
 * The loop shared by `isLiquidatable` and `isBorrowCollateralized`: false/true at once for a
 * non-negative principal, otherwise accumulate holdings, exiting as soon as liquidity ≥ 0 (every
 * term is ≥ 0, so the early exit never changes the answer, only skips work).
 */
function liquidityIsNegative(input: LiquidityInput): boolean {
  let liquidity = signedMulPrice(input.presentValue, input.basePrice, input.baseScale);
  for (const h of input.holdings) {
    if (h.balance === 0n) continue; // not in assetsIn
    if (liquidity >= 0n) return false;
    liquidity += mulFactor(mulPrice(h.balance, h.price, h.scale), h.factorWad);
  }
  return liquidity < 0n;
}

/**
 * Comet `isLiquidatable`: false when the present value is ≥ 0; otherwise true iff the liquidity
 * with each holding weighted by its liquidateCollateralFactor is strictly negative (liquidity
 * exactly 0 is not liquidatable).
 * @param input holdings' `factorWad` must be the liquidateCollateralFactor.
 */
export function isLiquidatable(input: LiquidityInput): boolean {
  if (input.presentValue >= 0n) return false;
  return liquidityIsNegative(input);
}

/**
 * Comet `isBorrowCollateralized`: true when the present value is ≥ 0; otherwise true iff the
 * liquidity with each holding weighted by its borrowCollateralFactor is ≥ 0.
 * @param input holdings' `factorWad` must be the borrowCollateralFactor.
 */
export function isBorrowCollateralized(input: LiquidityInput): boolean {
  if (input.presentValue >= 0n) return true;
  return !liquidityIsNegative(input);
}

/** Inputs of {@link absorbAmounts}. */
export interface AbsorbInput {
  /** `presentValue(oldPrincipal)`: signed base units (negative for an absorbable account). */
  readonly oldBalance: bigint;
  /** Base price, USD·1e8. */
  readonly basePrice: bigint;
  /** 10^decimals of the base token. */
  readonly baseScale: bigint;
  /** Every seized holding; `factorWad` is the asset's liquidationFactor. */
  readonly holdings: readonly CollateralHolding[];
}

/** What `absorbInternal` computes for one account. */
export interface AbsorbAmounts {
  /** Σ mulFactor(mulPrice(seized, price, scale), liquidationFactor), USD·1e8. */
  readonly deltaValueUsd8: bigint;
  /** `divPrice(deltaValue, basePrice, baseScale)`: the credit in base units. */
  readonly deltaBalance: bigint;
  /** `max(0, oldBalance + deltaBalance)`: the account's balance after the absorb. */
  readonly newBalance: bigint;
  /** `newBalance − oldBalance`: what reserves pay (the debt taken over plus any credit). */
  readonly basePaidOut: bigint;
  /** `basePaidOut − deltaBalance` (≥ 0): debt the seized collateral does not cover at its liquidation value. */
  readonly shortfall: bigint;
}

/**
 * The amounts of Comet `absorbInternal`: the seized collateral is credited at its liquidation
 * factor, the credit is converted to base at the base price (floor: favours the protocol), the
 * balance is floored at 0 (reserves absorb any excess debt) and excess credit stays with the
 * account as a supply balance.
 * @throws OverflowError / DivisionByZeroError as the contract would revert.
 */
export function absorbAmounts(input: AbsorbInput): AbsorbAmounts {
  let deltaValueUsd8 = 0n;
  for (const h of input.holdings) {
    deltaValueUsd8 += mulFactor(mulPrice(h.balance, h.price, h.scale), h.factorWad);
  }
  const deltaBalance = divPrice(deltaValueUsd8, input.basePrice, input.baseScale);
  const raw = input.oldBalance + deltaBalance;
  // Comet: "New balance will not be negative, all excess debt absorbed by reserves".
  const newBalance = raw < 0n ? 0n : raw;
  const basePaidOut = newBalance - input.oldBalance;
  return { deltaValueUsd8, deltaBalance, newBalance, basePaidOut, shortfall: basePaidOut - deltaBalance };
}

/** Inputs of {@link quoteCollateral}. */
export interface QuoteInput {
  /** Collateral price, USD·1e8. */
  readonly assetPrice: bigint;
  /** Base price, USD·1e8. */
  readonly basePrice: bigint;
  /** Base units offered. */
  readonly baseAmount: bigint;
  /** 10^decimals of the collateral. */
  readonly assetScale: bigint;
  /** 10^decimals of the base token. */
  readonly baseScale: bigint;
  /** Comet `storeFrontPriceFactor`, 1e18-scaled (≤ 1e18). */
  readonly storeFrontPriceFactorWad: bigint;
  /** The asset's liquidationFactor (as stored, 4 decimals), 1e18-scaled (≤ 1e18). */
  readonly liquidationFactorWad: bigint;
}

/**
 * The storefront discount of an asset: `mulFactor(storeFrontPriceFactor, 1e18 − liquidationFactor)`
 * (Comet `quoteCollateral`), 1e18-scaled. Floor: the discount is never overstated (favours the
 * protocol).
 */
export function storeFrontDiscountWad(
  storeFrontPriceFactorWad: bigint,
  liquidationFactorWad: bigint,
): bigint {
  return mulFactor(storeFrontPriceFactorWad, FACTOR_SCALE - liquidationFactorWad);
}

/**
 * Comet `quoteCollateral(asset, baseAmount)`, step for step:
 * `discountFactor = mulFactor(storeFrontPriceFactor, 1e18 − liquidationFactor)`,
 * `assetPriceDiscounted = mulFactor(assetPrice, 1e18 − discountFactor)`, then
 * `basePrice · baseAmount · assetScale / assetPriceDiscounted / baseScale` with two floors in that
 * order (dividing by the discounted price before the base scale is what keeps the quote exact for
 * small prices; each floor favours the protocol, the buyer never gets a unit too many).
 * @throws DivisionByZeroError when the discounted price is 0 (storefront factor 1 with
 *   liquidationFactor 0: Comet panics 0x12); OverflowError past uint256.
 */
export function quoteCollateral(input: QuoteInput): bigint {
  const discountFactor = storeFrontDiscountWad(input.storeFrontPriceFactorWad, input.liquidationFactorWad);
  const assetPriceDiscounted = mulFactor(input.assetPrice, FACTOR_SCALE - discountFactor);
  if (assetPriceDiscounted === 0n) throw new DivisionByZeroError('quoteCollateral');
  const numerator = checkedMul(
    checkedMul(input.basePrice, input.baseAmount, 'quoteCollateral'),
    input.assetScale,
    'quoteCollateral',
  );
  return floorDiv(floorDiv(numerator, assetPriceDiscounted), input.baseScale);
}

/** Inputs of {@link cometReserves}. */
export interface ReservesInput {
  /** Comet's base token balance (ERC-20 `balanceOf(comet)`), base units. */
  readonly balance: bigint;
  /** Σ positive principals. */
  readonly totalSupplyBase: bigint;
  /** Σ borrow principals (magnitudes). */
  readonly totalBorrowBase: bigint;
  readonly indexes: CometIndexes;
}

/**
 * Comet `getReserves() = balance − presentValueSupply(totalSupplyBase) + presentValueBorrow(
 * totalBorrowBase)`, signed base units; negative when absorbed debt exceeded reserves.
 */
export function cometReserves(input: ReservesInput): bigint {
  return (
    input.balance -
    presentValueSupply(input.indexes.baseSupplyIndex, input.totalSupplyBase) +
    presentValueBorrow(input.indexes.baseBorrowIndex, input.totalBorrowBase)
  );
}

/**
 * Health on a 1e18 scale from Comet's own sums: weighted collateral / debt, both USD·1e8 and ≥ 0.
 * Floor: health is never overstated (favours the protocol), and health < 1e18 exactly when
 * weighted < debt, i.e. when Comet's liquidity is negative.
 * @param maxHealthWad returned when the debt is 0.
 */
export function healthWad(weightedCollateralUsd8: bigint, debtUsd8: bigint, maxHealthWad: bigint): bigint {
  if (debtUsd8 === 0n) return maxHealthWad;
  return divRound(weightedCollateralUsd8 * WAD, debtUsd8, Rounding.Down);
}
