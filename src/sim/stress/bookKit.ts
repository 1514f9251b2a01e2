/**
 * Shared pieces of the stress adapters that open a book in a lending-style market (composed
 * lending, Euler v2, Liquity v1): float → token units, the clamp tolerance option and the clamp
 * rule, oracle price lookup, book debt in USD → debt tokens, token decimals, the deposit/borrow
 * commands of an opened account and the skip tally.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { Command } from '../../engine/machine.js';
import { assert } from '../../math/errors.js';
import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { BPS, pow10 } from '../../math/units.js';
import type { SkippedAccount, SkipReason } from '../book.js';

/** Default most book debt above the borrowing limit that is lowered to the limit, bps (as book.ts). */
export const DEFAULT_CLAMP_TOLERANCE_BPS = 1;

/** USD scale of book debt converted to tokens: 1e8 (8 decimals, as the fixed $1 feed). */
const USD8 = 10n ** 8n;

/** Token decimals of the non-18-decimal assets a composed or Euler run may list. */
const BOOK_TOKEN_DECIMALS: Readonly<Record<string, number>> = { USDC: 6, USDT: 6, WBTC: 8 };

/**
 * Token decimals the composed and Euler adapters list an asset with: USDC and USDT 6, WBTC 8,
 * any other asset 18. Never throws.
 */
export function bookTokenDecimals(asset: string): number {
  return BOOK_TOKEN_DECIMALS[asset] ?? 18;
}

/**
 * `x` (finite, ≥ 0) × 10^decimals as an integer, from the shortest decimal that reads back as `x`
 * (what `String(x)` prints), rounded down (the rule of book.ts `floatToUnits`: the protocol never
 * holds more than the book). E.g. `floatToUnits(1.5, 6)` is 1_500_000n.
 * @param x a whole-token (or USD) amount, finite and ≥ 0. @param decimals the target scale (0–255).
 * @throws Error (a failed `assert`: a bug in the caller) for a negative, NaN or infinite `x`.
 */
export function floatToUnits(x: number, decimals: number): bigint {
  assert(Number.isFinite(x) && x >= 0, `a finite non-negative double prints as digits, got ${x}`);
  // A safe integer prints as its own digits: BigInt(x) is that mantissa, exactly.
  if (Number.isSafeInteger(x)) return BigInt(x) * pow10(decimals);
  // Otherwise `digits[.fraction][e±exponent]` (String of a finite double ≥ 0), read by position.
  const text = String(x);
  const e = text.indexOf('e');
  const digits = e < 0 ? text : text.slice(0, e);
  const dot = digits.indexOf('.');
  const fraction = dot < 0 ? '' : digits.slice(dot + 1);
  const mantissa = BigInt(dot < 0 ? digits : digits.slice(0, dot) + fraction);
  const shift = (e < 0 ? 0 : Number(text.slice(e + 1))) - fraction.length + decimals;
  // Extremes beyond the powers table (a double near 1e308 at 36 decimals, or 5e-324): computed,
  // or 0 when the divisor has more digits than the mantissa.
  if (shift > 255) return mantissa * 10n ** BigInt(shift);
  if (shift >= 0) return mantissa * pow10(shift);
  if (-shift > 255) return 0n;
  // floor: never more than the book (collateral and debt alike).
  return divRound(mantissa, pow10(-shift), Rounding.Down);
}

/**
 * The `clampToleranceBps` option of a book-opening function, checked, as a bigint (default
 * {@link DEFAULT_CLAMP_TOLERANCE_BPS}).
 * @param tolerance bps, an integer in [0, 10000], or undefined for the default.
 * @throws InvalidParameterError (`clampToleranceBps`) for anything else.
 */
export function readClampToleranceBps(tolerance: number | undefined): bigint {
  const bps = tolerance ?? DEFAULT_CLAMP_TOLERANCE_BPS;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) {
    throw new InvalidParameterError('clampToleranceBps', `expected an integer in [0, 10000], got ${bps}`);
  }
  return BigInt(bps);
}

/**
 * Whether a debt above its limit is close enough to be lowered to it (clamped) rather than skipped:
 * `debt ≤ limit × (1 + tolerance)`, exactly (`debt × 10000 ≤ limit × (10000 + toleranceBps)`).
 * @param debt the book's debt, token units. @param limit the largest debt the protocol accepts,
 * same units. @param toleranceBps the tolerance, bps. Never throws.
 */
export function withinClampTolerance(debt: bigint, limit: bigint, toleranceBps: bigint): boolean {
  return debt * BPS <= limit * (BPS + toleranceBps);
}

/** An oracle price as the engine holds it: `price / 10^priceDecimals` USD per whole token. */
export interface BookPrice {
  readonly price: bigint;
  readonly priceDecimals: number;
}

/**
 * The price of `asset` in `prices` (own keys only).
 * @throws InvalidParameterError (`prices.<asset>`) when it is missing or ≤ 0.
 */
export function requireBookPrice(prices: Readonly<Record<string, BookPrice>>, asset: string): BookPrice {
  const p = Object.hasOwn(prices, asset) ? prices[asset] : undefined;
  if (p === undefined || p.price <= 0n)
    throw new InvalidParameterError(`prices.${asset}`, 'expected a price > 0');
  return p;
}

/**
 * A book debt in USD as debt-asset units at its oracle price: the USD floored to 1e-8, then
 * `⌊usd8 × 10^(decimals + priceDecimals) / (1e8 × price)⌋`. Both floors: never above the book.
 * @param debtUsd USD, finite and ≥ 0. @param debtDecimals the debt token's decimals.
 * @param price the debt token's oracle price (> 0).
 * @throws Error (a failed `assert`) for a negative or non-finite `debtUsd`.
 */
export function usdToDebtUnits(debtUsd: number, debtDecimals: number, price: BookPrice): bigint {
  // Floor (both steps): the protocol side never gets more debt than the book.
  return mulDiv(
    floatToUnits(debtUsd, 8),
    pow10(debtDecimals + price.priceDecimals),
    USD8 * price.price,
    Rounding.Down,
  );
}

/**
 * The commands that open one book account in a lending market: a `deposit {account, asset,
 * amount}` per collateral line, in order, then `borrow {account, amount}` when the debt is > 0.
 * @param account the account id. @param collateral token units per asset. @param debt debt units.
 * Never throws; the inputs are not changed.
 */
export function depositBorrowCommands(
  account: string,
  collateral: readonly { readonly asset: string; readonly amount: bigint }[],
  debt: bigint,
): Command[] {
  const commands: Command[] = collateral.map((c) => ({
    type: 'deposit',
    account,
    asset: c.asset,
    amount: c.amount,
  }));
  if (debt > 0n) commands.push({ type: 'borrow', account, amount: debt });
  return commands;
}

/** Every skip reason, in the order a `BookCommands.skippedByReason` lists them. */
const SKIP_REASONS: readonly SkipReason[] = [
  'dust',
  'collateral-ratio',
  'unsupported-collateral',
  'zero-collateral',
  'ceiling',
  'supply-cap',
];

/**
 * How many accounts were skipped for each reason (every reason present, 0 when unused).
 * Never throws.
 */
export function countSkipsByReason(skipped: readonly SkippedAccount[]): Record<SkipReason, number> {
  const counts = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  for (const s of skipped) counts[s.reason] += 1;
  return counts;
}
