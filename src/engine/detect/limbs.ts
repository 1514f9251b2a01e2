/**
 * Exact bigints packed as 64-bit limbs in one flat BigUint64Array, so that a million accounts'
 * exact coefficients are a few big arrays instead of millions of small heap objects (which every
 * major garbage collection would have to visit). A value is stored as its magnitude, least
 * significant limb first; the caller keeps the limb count and the sign (a signed count).
 */

/** Bits per limb. */
const LIMB_BITS = 64n;

/** How many 64-bit limbs hold |x| (0 for 0). */
export function limbCount(x: bigint): number {
  let rest = x < 0n ? -x : x;
  let n = 0;
  while (rest > 0n) {
    rest >>= LIMB_BITS;
    n += 1;
  }
  return n;
}

/**
 * Writes |x| into `limbs[at …]`, least significant limb first, and returns the signed limb count:
 * +n for x > 0, −n for x < 0, 0 for 0. The caller has reserved {@link limbCount}(x) limbs.
 */
export function writeLimbs(limbs: BigUint64Array, at: number, x: bigint): number {
  let rest = x < 0n ? -x : x;
  let n = 0;
  while (rest > 0n) {
    limbs[at + n] = BigInt.asUintN(64, rest); // the low 64 bits: exact, no rounding
    rest >>= LIMB_BITS;
    n += 1;
  }
  return x < 0n ? -n : n;
}

/**
 * The value stored at `limbs[at …]` with signed limb count `signedCount` (as {@link writeLimbs}
 * returned it). Allocates bigints: for the exact path only, never for the float screen.
 */
export function readLimbs(limbs: BigUint64Array, at: number, signedCount: number): bigint {
  const n = signedCount < 0 ? -signedCount : signedCount;
  let x = 0n;
  for (let k = n - 1; k >= 0; k--) x = (x << LIMB_BITS) | (limbs[at + k] as bigint);
  return signedCount < 0 ? -x : x;
}
