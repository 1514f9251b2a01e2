/**
 * Branded bigint fixed-point units. Brands cost nothing at run time and stop a WAD from being
 * added to a RAY by mistake; names still carry units because brands vanish in JSON and logs.
 */

import { InvalidDecimalsError } from './errors.js';

declare const brand: unique symbol;
/** A bigint tagged with its scale. */
export type Branded<S extends string> = bigint & { readonly [brand]: S };

/** 18-decimal fixed point (Maker `wad`, Liquity, Comet factors, Aave WadRayMath). */
export type Wad = Branded<'Wad'>;
/** 27-decimal fixed point (Maker `ray`: rate, spot, prices in auctions; Aave indexes). */
export type Ray = Branded<'Ray'>;
/** 45-decimal fixed point, WAD·RAY (Maker `rad`: dai, tab, dust, hole). */
export type Rad = Branded<'Rad'>;
/** Basis points, 1e4 = 100 % (Aave PercentageMath, Euler CONFIG_SCALE). */
export type Bps = Branded<'Bps'>;
/** Parts per million, 1e6 = 100 % (dYdX, Drift). */
export type Ppm = Branded<'Ppm'>;
/** 30-decimal fixed point (GMX v2 FLOAT_PRECISION). */
export type E30 = Branded<'E30'>;

/** 1e18. */
export const WAD = (10n ** 18n) as Wad;
/** 1e27. */
export const RAY = (10n ** 27n) as Ray;
/** 1e45. */
export const RAD = (10n ** 45n) as Rad;
/** 1e4 = 100 %. */
export const BPS = 10_000n as Bps;
/** 1e6 = 100 %. */
export const PPM = 1_000_000n as Ppm;
/** 1e30. */
export const E30_ONE = (10n ** 30n) as E30;

/** Largest uint256, the width of every Solidity amount. */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Tags a raw integer as WAD (no scaling happens). */
export const asWad = (x: bigint): Wad => x as Wad;
/** Tags a raw integer as RAY (no scaling happens). */
export const asRay = (x: bigint): Ray => x as Ray;
/** Tags a raw integer as RAD (no scaling happens). */
export const asRad = (x: bigint): Rad => x as Rad;
/** Tags a raw integer as basis points (no scaling happens). */
export const asBps = (x: bigint): Bps => x as Bps;
/** Tags a raw integer as ppm (no scaling happens). */
export const asPpm = (x: bigint): Ppm => x as Ppm;
/** Tags a raw integer as 1e30 fixed point (no scaling happens). */
export const asE30 = (x: bigint): E30 => x as E30;

/**
 * 10^decimals as a bigint, e.g. the unit of a token with `decimals` decimals.
 * @throws InvalidDecimalsError unless `decimals` is an integer in [0, 255].
 */
export function pow10(decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) {
    throw new InvalidDecimalsError(decimals);
  }
  return POWERS_OF_TEN[decimals] as bigint;
}

/** 10^0 .. 10^255, computed once (pow10 is on every value conversion of the engine). */
const POWERS_OF_TEN: readonly bigint[] = Array.from({ length: 256 }, (_, d) => 10n ** BigInt(d));
