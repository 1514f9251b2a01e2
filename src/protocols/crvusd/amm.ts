/**
 * LLAMMA, the crvUSD AMM, as pure functions over a plain state: bands of (stablecoin x,
 * collateral y, shares), users' share ticks, the active band, deposits and withdrawals by share,
 * the swap (`calc_swap_out` + `exchange`), the amount that moves the AMM price to a target
 * (`get_amount_for_price`), and the per-user views the Controller reads (`get_x_down`,
 * `get_sum_xy`). Ported from curvefi/curve-stablecoin contracts/AMM.vy (mint-market LLAMMA with
 * DEAD_SHARES); each function names its source. Amounts inside bands are 1e18-scaled ("internal");
 * amounts crossing the boundary are token units, converted with the token's precision as the
 * contract does (floor out, ceil in).
 *
 * Not ported: the interest-rate multiplier (`rate_mul` stays 1e18, so the band grid never drifts),
 * the anti-sandwich dynamic fee and the oracle-change limiter of later LLAMMA versions (`limit_p_o`,
 * `get_dynamic_fee`: the fee is the static `fee`), the 50-band oracle-distance stop of later
 * versions, `exchange_dy`, and the liquidity-mining callbacks.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import {
  type BandConstants,
  bandCurve,
  bandPrice,
  checkedSub,
  DEAD_SHARES,
  isqrt,
  MAX_SHARES,
  MAX_SKIP_TICKS,
  MAX_TICKS,
  pCurrentDown,
  pOracleUp,
  WAD,
} from './math.js';

/** One band: internal amounts of stablecoin (x) and collateral (y) and its total shares. */
export interface Band {
  readonly x: bigint;
  readonly y: bigint;
  readonly shares: bigint;
}

/** A user's deposit: bands n1..n2 and the user's shares in each (AMM `user_shares`). */
export interface UserTicks {
  readonly n1: number;
  readonly n2: number;
  /** Shares in bands n1, n1+1, ..., n2. */
  readonly shares: readonly bigint[];
}

/** The AMM's state (the storage of AMM.vy that liquidations read and write). */
export interface AmmState {
  readonly activeBand: number;
  readonly minBand: number;
  readonly maxBand: number;
  /** Band number (decimal string) → band; absent = empty. */
  readonly bands: Readonly<Record<string, Band>>;
  /**
   * User → ticks; absent = no liquidity. A persistent map: a deposit or withdrawal copies O(log n)
   * nodes, not every user, and it serializes as the plain record (keys sorted).
   */
  readonly users: PersistentMap<UserTicks>;
  /** Admin fees accrued, token units (AMM `admin_fees_x`, `admin_fees_y`). */
  readonly adminFeesX: bigint;
  readonly adminFeesY: bigint;
}

/** What the AMM is constructed with (AMM.vy `__init__`), rate multiplier fixed at 1. */
export interface AmmConfig {
  readonly constants: BandConstants;
  /** `BASE_PRICE`: the oracle price at market creation, the top of band 0 (1e18-scaled). */
  readonly basePriceWad: bigint;
  /** AMM `fee`, 1e18 = 100 %. */
  readonly feeWad: bigint;
  /** AMM `admin_fee`: share of the fee kept for the admin, 1e18 = 100 %. */
  readonly adminFeeWad: bigint;
  /** 10^(18 − collateral decimals). */
  readonly collateralPrecision: bigint;
  /** 10^(18 − stablecoin decimals) (1 for crvUSD). */
  readonly borrowedPrecision: bigint;
}

const EMPTY_BAND: Band = { x: 0n, y: 0n, shares: 0n };

/** An AMM with no liquidity (all storage zero, as after deployment). */
export function emptyAmm(): AmmState {
  return {
    activeBand: 0,
    minBand: 0,
    maxBand: 0,
    bands: {},
    users: PersistentMap.empty(),
    adminFeesX: 0n,
    adminFeesY: 0n,
  };
}

/** Band `n` (empty when absent). */
export function bandAt(amm: AmmState, n: number): Band {
  return Object.hasOwn(amm.bands, String(n)) ? (amm.bands[String(n)] ?? EMPTY_BAND) : EMPTY_BAND;
}

/** `p_oracle_up(n)` per configuration object (a bigint `exp` each time otherwise). */
const pOracleUpMemo = new WeakMap<AmmConfig, Map<number, bigint>>();

/**
 * `p_oracle_up(n)` of this AMM (1e18-scaled), memoized per configuration object: a pure function
 * of the (immutable) configuration and n.
 */
export function ammPOracleUp(cfg: AmmConfig, n: number): bigint {
  let tops = pOracleUpMemo.get(cfg);
  if (tops === undefined) {
    tops = new Map();
    pOracleUpMemo.set(cfg, tops);
  }
  const found = tops.get(n);
  if (found !== undefined) return found;
  const p = pOracleUp(cfg.basePriceWad, cfg.constants.logARatio, n);
  tops.set(n, p);
  return p;
}

/** Whether `user` has liquidity (AMM `has_liquidity`: its first tick is non-zero). */
export function hasLiquidity(amm: AmmState, user: string): boolean {
  const u = amm.users.get(user);
  return u !== undefined && (u.shares[0] ?? 0n) > 0n;
}

/** The user's ticks, or undefined. */
export function userTicks(amm: AmmState, user: string): UserTicks | undefined {
  return amm.users.get(user);
}

/** A mutable working copy used inside one operation (the input state is never touched). */
interface Draft {
  activeBand: number;
  minBand: number;
  maxBand: number;
  bands: Record<string, Band>;
  users: PersistentMap<UserTicks>;
  adminFeesX: bigint;
  adminFeesY: bigint;
}

/** A draft of `amm`: its own copy of the bands (few: one per price step), the users map shared (persistent). */
function draftOf(amm: AmmState): Draft {
  return { ...amm, bands: { ...amm.bands } };
}

function setBand(d: Draft, n: number, band: Band): void {
  if (band.x === 0n && band.y === 0n && band.shares === 0n) delete d.bands[String(n)];
  else d.bands[String(n)] = band;
}

function draftBand(d: Draft, n: number): Band {
  return d.bands[String(n)] ?? EMPTY_BAND;
}

function freeze(d: Draft): AmmState {
  return { ...d };
}

function revert(reason: string, hint: string, computed: Record<string, string> = {}): never {
  throw new ProtocolRevertError(reason, hint, computed);
}

/**
 * AMM `deposit_range(user, amount, n1, n2)`: spreads `amount` collateral (token units) evenly over
 * bands n1..n2 (the first band takes the division remainder), auto-skipping the active band down
 * past empty bands when n1 is not above it; the user's shares in a band are
 * (s + DEAD_SHARES)·y/(total_y + 1), floor (the depositor gets no more than its share).
 * @throws ProtocolRevertError `dev: User must have no liquidity`, `Deposit below current band`,
 *   `Amount too low`, `Band not empty`, `dev: too many bands`, `dev: shares overflow`.
 */
export function depositRange(
  amm: AmmState,
  cfg: AmmConfig,
  input: { readonly user: string; readonly amount: bigint; readonly n1: number; readonly n2: number },
): AmmState {
  const { user, amount, n1, n2 } = input;
  if (hasLiquidity(amm, user))
    revert('dev: User must have no liquidity', 'Withdraw the user’s liquidity first.');
  const d = draftOf(amm);
  let n0 = d.activeBand;
  // Autoskip bands if we can (AMM.deposit_range).
  for (let i = 0; i <= MAX_SKIP_TICKS; i++) {
    if (n1 > n0) {
      if (i !== 0) d.activeBand = n0;
      break;
    }
    if (draftBand(d, n0).x !== 0n || i >= MAX_SKIP_TICKS) {
      revert('Deposit below current band', 'Deposits must sit in bands below the active band.', {
        n1: String(n1),
        activeBand: String(d.activeBand),
      });
    }
    n0 -= 1;
  }
  const nBands = n2 - n1 + 1;
  if (nBands < 1 || nBands > MAX_TICKS)
    revert('dev: too many bands', `A deposit spans 1 to ${MAX_TICKS} bands.`);
  const total = amount * cfg.collateralPrecision;
  const yPerBand = total / BigInt(nBands); // floor; the first band takes the remainder
  if (yPerBand <= 100n) revert('Amount too low', 'Each band needs more than 100 internal units.');
  const shares: bigint[] = [];
  for (let i = 0; i < nBands; i++) {
    const n = n1 + i;
    const band = draftBand(d, n);
    if (band.x !== 0n) revert('Band not empty', `Band ${n} holds stablecoin.`);
    const y = i === 0 ? total - yPerBand * BigInt(nBands - 1) : yPerBand;
    const ds = ((band.shares + DEAD_SHARES) * y) / (band.y + 1n); // floor: never more shares than paid for
    if (ds <= 0n) revert('Amount too low', `No shares for band ${n}.`);
    const s = band.shares + ds;
    if (s > MAX_SHARES) revert('dev: shares overflow', 'A band’s shares must fit uint128.');
    shares.push(ds);
    setBand(d, n, { x: 0n, y: band.y + y, shares: s });
  }
  d.minBand = Math.min(d.minBand, n1);
  d.maxBand = Math.max(d.maxBand, n2);
  d.users = d.users.set(user, { n1, n2, shares });
  return freeze(d);
}

/** Result of {@link withdraw}: the new state and the token amounts taken out. */
export interface Withdrawn {
  readonly state: AmmState;
  /** Stablecoin, token units (floor of internal / precision). */
  readonly x: bigint;
  /** Collateral, token units (floor). */
  readonly y: bigint;
}

/**
 * AMM `withdraw(user, frac)`: removes `frac` of the user's shares in every band, paying out
 * (x + 1)·ds/(s + DEAD_SHARES) and (y + 1)·ds/(s + DEAD_SHARES), floor (the remaining holders keep
 * the rounding); a band left with no shares sends its dust to the admin fees. Totals are converted
 * to token units with a floor.
 * @param fracWad 1e18 = everything.
 * @throws ProtocolRevertError `No deposits`, `dev: frac > 1`.
 */
export function withdraw(amm: AmmState, cfg: AmmConfig, user: string, fracWad: bigint): Withdrawn {
  let state: AmmState = amm;
  const { x, y } = withdrawInto(amm, cfg, { user, fracWad }, (d) => {
    state = freeze(d);
  });
  return { state, x, y };
}

/**
 * The token amounts {@link withdraw} pays out (same arithmetic, same refusals), without building the
 * AMM state it leaves: a keeper's dry run of a liquidation reads only these.
 * @param fracWad 1e18 = everything.
 * @returns stablecoin `x` and collateral `y`, token units (floor).
 * @throws ProtocolRevertError `No deposits`, `dev: frac > 1`, a shares underflow (as withdraw).
 */
export function withdrawnAmounts(
  amm: AmmState,
  cfg: AmmConfig,
  user: string,
  fracWad: bigint,
): { readonly x: bigint; readonly y: bigint } {
  return withdrawInto(amm, cfg, { user, fracWad }, null);
}

/**
 * The body of AMM `withdraw`: with `done`, writes the new bands, admin fees, band range and ticks
 * into a draft and hands it over; with null, only adds up the amounts (bands are read from `amm`:
 * each band of the user is read once, before any write, so both read the same values).
 */
function withdrawInto(
  amm: AmmState,
  cfg: AmmConfig,
  input: { readonly user: string; readonly fracWad: bigint },
  done: ((d: Draft) => void) | null,
): { readonly x: bigint; readonly y: bigint } {
  const { user, fracWad } = input;
  if (fracWad > WAD || fracWad < 0n) revert('dev: frac > 1', 'frac is at most 1e18.');
  const ticks = userTicks(amm, user);
  if (ticks === undefined || (ticks.shares[0] ?? 0n) <= 0n)
    revert('No deposits', `${user} has no liquidity.`);
  const d = done === null ? null : draftOf(amm);
  let totalX = 0n;
  let totalY = 0n;
  let minBand = amm.minBand;
  const oldMinBand = minBand;
  const oldMaxBand = amm.maxBand;
  let maxBand = ticks.n1 - 1;
  const left: bigint[] = [];
  for (let i = 0; i <= ticks.n2 - ticks.n1; i++) {
    const n = ticks.n1 + i;
    const band = bandAt(amm, n);
    const share = ticks.shares[i] ?? 0n;
    const ds = (fracWad * share) / WAD; // floor: the user keeps the rounding
    const newShares = checkedSub(band.shares, ds, 'AMM.withdraw shares');
    const s = band.shares + DEAD_SHARES;
    const dx = ((band.x + 1n) * ds) / s; // floor
    const dy = ((band.y + 1n) * ds) / s; // floor
    totalX += dx;
    totalY += dy;
    if (d === null) continue;
    left.push(share - ds);
    let x = band.x - dx;
    let y = band.y - dy;
    if (newShares === 0n) {
      // The last withdrawal sends the dust to the admin fees.
      if (x > 0n) d.adminFeesX += x / cfg.borrowedPrecision; // floor
      if (y > 0n) d.adminFeesY += y / cfg.collateralPrecision; // floor
      x = 0n;
      y = 0n;
    }
    if (n === minBand && x === 0n && y === 0n) minBand += 1;
    if (x > 0n || y > 0n) maxBand = n;
    setBand(d, n, { x, y, shares: newShares });
  }
  if (d !== null && done !== null) {
    if (fracWad === WAD) d.users = d.users.delete(user);
    else d.users = d.users.set(user, { ...ticks, shares: left });
    if (oldMinBand !== minBand) d.minBand = minBand;
    if (oldMaxBand <= ticks.n2) d.maxBand = maxBand;
    done(d);
  }
  return {
    x: totalX / cfg.borrowedPrecision, // floor
    y: totalY / cfg.collateralPrecision, // floor
  };
}

/**
 * AMM `get_sum_xy(user)` (`_get_xy(user, True)`): the user's stablecoin and collateral now, token
 * units: Σ (band + 1)·ds/(s + DEAD_SHARES), floor, then ÷ precision, floor.
 */
export function getSumXY(
  amm: AmmState,
  cfg: AmmConfig,
  user: string,
): { readonly x: bigint; readonly y: bigint } {
  const ticks = userTicks(amm, user);
  if (ticks === undefined || (ticks.shares[0] ?? 0n) === 0n) return { x: 0n, y: 0n };
  let x = 0n;
  let y = 0n;
  for (let i = 0; i <= ticks.n2 - ticks.n1; i++) {
    const band = bandAt(amm, ticks.n1 + i);
    const ds = ticks.shares[i] ?? 0n;
    const s = band.shares + DEAD_SHARES;
    x += ((band.x + 1n) * ds) / s; // floor
    y += ((band.y + 1n) * ds) / s; // floor
  }
  return { x: x / cfg.borrowedPrecision, y: y / cfg.collateralPrecision }; // floor
}

/**
 * AMM `get_xy_up(user, use_y)`: what the user would hold if the price moved adiabatically all the
 * way down (`use_y` false: stablecoin, `get_x_down`) or up (`use_y` true: collateral, `get_y_up`),
 * each band first "traded" to the oracle price on its own curve, then converted at the geometric
 * mean of the band's edges. Token units; every division floors (an under-estimate, as the contract
 * says: conservative for health).
 * @throws ProtocolRevertError when the oracle price is 0.
 */
export function getXYUp(
  amm: AmmState,
  cfg: AmmConfig,
  input: { readonly user: string; readonly useY: boolean; readonly pOracleWad: bigint },
): bigint {
  const { user, useY, pOracleWad: pO } = input;
  const c = cfg.constants;
  const ticks = userTicks(amm, user);
  if (ticks === undefined || (ticks.shares[0] ?? 0n) === 0n) return 0n;
  if (pO === 0n) revert('AMM.get_xy_up: p_o == 0', 'The oracle price is zero.');
  const sqrtBand = c.ammSqrtBandRatio;
  let pODown = ammPOracleUp(cfg, ticks.n1);
  let XY = 0n;
  for (let i = 0; i <= ticks.n2 - ticks.n1; i++) {
    const n = ticks.n1 + i;
    const band = bandAt(amm, n);
    const x = n <= amm.activeBand ? band.x : 0n;
    const y = n >= amm.activeBand ? band.y : 0n;
    const pOUp = pODown;
    pODown = (pODown * c.aMinus1) / c.A; // floor
    if (x === 0n && y === 0n) continue;
    const userShare = ticks.shares[i] ?? 0n;
    if (band.shares === 0n || userShare === 0n) continue;
    const totalShare = band.shares + DEAD_SHARES;
    // p_current_mid (floor) is read only for a one-coin band the oracle has left. The contract
    // computes it for every band, so a zero band edge still fails here (division by zero) as there.
    const pCurrentMid = (): bigint => (pCurrentDown(pO, pODown) * c.aMinus1) / c.A;
    if (pODown === 0n) pCurrentMid();
    if (x === 0n || y === 0n) {
      if (pO > pOUp) {
        // all to y at constant p_o, then to the target coin adiabatically
        const yEquiv = y === 0n ? (x * WAD) / pCurrentMid() : y; // floor
        XY += useY
          ? (yEquiv * userShare) / totalShare
          : (((yEquiv * pOUp) / sqrtBand) * userShare) / totalShare; // floors
        continue;
      }
      if (pO < pODown) {
        const xEquiv = x === 0n ? (y * pCurrentMid()) / WAD : x; // floor
        XY += useY
          ? (((xEquiv * sqrtBand) / pOUp) * userShare) / totalShare
          : (xEquiv * userShare) / totalShare; // floors
        continue;
      }
    }
    const { f, g, inv } = bandCurve(c, { x, y }, pO, pOUp);
    if (pO > pOUp) {
      const yO = (inv / f > g ? inv / f : g) - g; // floor
      XY += useY ? (yO * userShare) / totalShare : (((yO * pOUp) / sqrtBand) * userShare) / totalShare;
    } else if (pO < pODown) {
      const xO = (inv / g > f ? inv / g : f) - f; // floor
      XY += useY ? (((xO * sqrtBand) / pOUp) * userShare) / totalShare : (xO * userShare) / totalShare;
    } else {
      const root = isqrt((inv * WAD) / pO);
      const yO = (root > g ? root : g) - g;
      const q = inv / (g + yO);
      const xO = (q > f ? q : f) - f;
      XY += useY
        ? ((yO + (xO * WAD) / isqrt(pOUp * pO)) * userShare) / totalShare
        : ((xO + (yO * isqrt(pODown * pO)) / WAD) * userShare) / totalShare;
    }
  }
  return useY ? XY / cfg.collateralPrecision : XY / cfg.borrowedPrecision; // floor
}

/** AMM `get_x_down(user)`: stablecoin the user's position converts to on the way down. */
export function getXDown(amm: AmmState, cfg: AmmConfig, user: string, pOracleWad: bigint): bigint {
  return getXYUp(amm, cfg, { user, useY: false, pOracleWad });
}

/**
 * AMM `can_skip_bands(n_end)`: true when no liquidity lies between the active band and `n_end`
 * (collateral on the way to higher band numbers, stablecoin on the way down), within 1024 bands.
 */
export function canSkipBands(amm: AmmState, nEnd: number): boolean {
  let n = amm.activeBand;
  for (let i = 0; i < MAX_SKIP_TICKS; i++) {
    if (nEnd > n) {
      if (bandAt(amm, n).y !== 0n) return false;
      n += 1;
    } else {
      if (bandAt(amm, n).x !== 0n) return false;
      n -= 1;
    }
    if (n === nEnd) break;
  }
  return true;
}

/**
 * AMM `active_band_with_skip()`: the first band at or above the active price (band number at or
 * below the active band) holding stablecoin, or active − 1024 when there is none.
 */
export function activeBandWithSkip(amm: AmmState): number {
  const n0 = amm.activeBand;
  let n = n0;
  for (let i = 0; i < MAX_SKIP_TICKS; i++) {
    if (n < amm.minBand) return n0 - MAX_SKIP_TICKS;
    if (bandAt(amm, n).x !== 0n) break;
    n -= 1;
  }
  return n;
}

/** AMM `get_p()`: the AMM's marginal price in the active band, 1e18-scaled. */
export function ammPrice(amm: AmmState, cfg: AmmConfig, pOracleWad: bigint): bigint {
  const n = amm.activeBand;
  return bandPrice(cfg.constants, bandAt(amm, n), pOracleWad, ammPOracleUp(cfg, n));
}

/** AMM `DetailedTrade`: the outcome of {@link calcSwapOut} (internal units). */
export interface DetailedTrade {
  readonly inAmount: bigint;
  readonly outAmount: bigint;
  /** First band with liquidity the trade met. */
  readonly n1: number;
  /** Band the trade ended in (the new active band). */
  readonly n2: number;
  /** New balance of the input coin in each band n1 → n2. */
  readonly ticksIn: readonly bigint[];
  /** New balance of the output coin in band n2. */
  readonly lastTickJ: bigint;
  /** Admin share of the fee, internal units of the input coin. */
  readonly adminFee: bigint;
}

/**
 * AMM `calc_swap_out(pump, in_amount, p_o)`: walks the bands from the active one, converting each
 * on its curve (f + x)(g + y) = Inv with the fee taken on the input (antifee = 1e36/(1e18 − fee),
 * floor), until the input is used or the liquidity ends (max/min band, 50 bands). pump = stablecoin
 * in, collateral out (towards higher band numbers, lower oracle prices); otherwise collateral in.
 * The input used is rounded up and the output down to the tokens' precision (favouring the AMM).
 * @throws ProtocolRevertError on an arithmetic underflow (the contract reverts).
 */
export function calcSwapOut(
  amm: AmmState,
  cfg: AmmConfig,
  input: { readonly pump: boolean; readonly inAmount: bigint; readonly pOracleWad: bigint },
): DetailedTrade {
  const { pump, inAmount, pOracleWad: pO } = input;
  const c = cfg.constants;
  const inPrecision = pump ? cfg.borrowedPrecision : cfg.collateralPrecision;
  const outPrecision = pump ? cfg.collateralPrecision : cfg.borrowedPrecision;
  const fee = cfg.feeWad < WAD - 1n ? cfg.feeWad : WAD - 1n;
  const antifee = (WAD * WAD) / (WAD - fee); // floor
  let n2 = amm.activeBand;
  let n1 = 0;
  let pOUp = ammPOracleUp(cfg, n2);
  let { x, y } = bandAt(amm, n2);
  let left = inAmount;
  let usedIn = 0n;
  let out = 0n;
  let lastTickJ = 0n;
  let adminFee = 0n;
  const ticks: bigint[] = [];
  let j = MAX_TICKS; // "not started" sentinel, as MAX_TICKS_UINT in the contract
  for (let i = 0; i < MAX_TICKS + MAX_SKIP_TICKS; i++) {
    let f = 0n;
    let g = 0n;
    let inv = 0n;
    if (x > 0n || y > 0n) {
      if (j === MAX_TICKS) {
        n1 = n2;
        j = 0;
      }
      ({ f, g, inv } = bandCurve(c, { x, y }, pO, pOUp));
    }
    if (j !== MAX_TICKS) ticks.push(pump ? x : y);
    if (pump) {
      if (y !== 0n && g !== 0n) {
        let xDest = checkedSub(checkedSub(inv / g, f, 'calc_swap_out'), x, 'calc_swap_out'); // floor
        let dx = (xDest * antifee) / WAD; // floor
        if (dx >= left) {
          // This is the last band.
          xDest = (left * WAD) / antifee; // floor: less than left
          const rest = checkedSub(inv / (f + x + xDest), g, 'calc_swap_out') + 1n; // +1: keep the rounding in the band
          lastTickJ = rest < y ? rest : y;
          const feeAdmin = ((left - xDest) * cfg.adminFeeWad) / WAD; // floor
          x += left;
          out += y - lastTickJ;
          ticks[j] = x - feeAdmin;
          usedIn = inAmount;
          adminFee += feeAdmin;
          break;
        }
        dx = dx > 1n ? dx : 1n; // prevents dust left in the band
        const feeAdmin = ((dx - xDest) * cfg.adminFeeWad) / WAD; // floor
        left -= dx;
        ticks[j] = x + dx - feeAdmin;
        usedIn += dx;
        out += y;
        adminFee += feeAdmin;
      }
      if (i !== MAX_TICKS + MAX_SKIP_TICKS - 1) {
        if (n2 === amm.maxBand) break;
        if (j === MAX_TICKS - 1) break;
        n2 += 1;
        pOUp = (pOUp * c.aMinus1) / c.A; // floor
        x = 0n;
        y = bandAt(amm, n2).y;
      }
    } else {
      if (x !== 0n && f !== 0n) {
        let yDest = checkedSub(checkedSub(inv / f, g, 'calc_swap_out'), y, 'calc_swap_out'); // floor
        let dy = (yDest * antifee) / WAD; // floor
        if (dy >= left) {
          yDest = (left * WAD) / antifee; // floor
          const rest = checkedSub(inv / (g + y + yDest), f, 'calc_swap_out') + 1n;
          lastTickJ = rest < x ? rest : x;
          const feeAdmin = ((left - yDest) * cfg.adminFeeWad) / WAD; // floor
          y += left;
          out += x - lastTickJ;
          ticks[j] = y - feeAdmin;
          usedIn = inAmount;
          adminFee += feeAdmin;
          break;
        }
        dy = dy > 1n ? dy : 1n;
        const feeAdmin = ((dy - yDest) * cfg.adminFeeWad) / WAD; // floor
        left -= dy;
        ticks[j] = y + dy - feeAdmin;
        usedIn += dy;
        out += x;
        adminFee += feeAdmin;
      }
      if (i !== MAX_TICKS + MAX_SKIP_TICKS - 1) {
        if (n2 === amm.minBand) break;
        if (j === MAX_TICKS - 1) break;
        n2 -= 1;
        pOUp = (pOUp * c.A) / c.aMinus1; // floor
        x = bandAt(amm, n2).x;
        y = 0n;
      }
    }
    if (j !== MAX_TICKS) j += 1;
  }
  // Round up what goes in and down what goes out.
  return {
    inAmount: ((usedIn + inPrecision - 1n) / inPrecision) * inPrecision,
    outAmount: (out / outPrecision) * outPrecision,
    n1,
    n2,
    ticksIn: ticks,
    lastTickJ,
    adminFee,
  };
}

/** Result of {@link exchange}. */
export interface Exchanged {
  readonly state: AmmState;
  /** Input coin taken from the trader, token units. */
  readonly inAmount: bigint;
  /** Output coin given to the trader, token units. */
  readonly outAmount: bigint;
  /** Admin fee kept, token units of the input coin. */
  readonly adminFee: bigint;
  /** The trade's DetailedTrade (band span), for events. */
  readonly n1: number;
  readonly n2: number;
}

/**
 * AMM `exchange(i, j, in_amount, min_amount)`: i = 0 sells stablecoin for collateral (pump), i = 1
 * sells collateral for stablecoin. Writes the new band balances from n1 to n2 and moves the active
 * band to n2. A trade that rounds to nothing changes nothing.
 * @throws ProtocolRevertError `Wrong index`, `Slippage`.
 */
export function exchange(
  amm: AmmState,
  cfg: AmmConfig,
  input: {
    readonly i: number;
    readonly j: number;
    readonly inAmount: bigint;
    readonly minAmount: bigint;
    readonly pOracleWad: bigint;
  },
): Exchanged {
  const { i, j } = input;
  if (!((i === 0 && j === 1) || (i === 1 && j === 0)))
    revert('Wrong index', 'Coins are 0 (stablecoin) and 1 (collateral).');
  const none: Exchanged = {
    state: amm,
    inAmount: 0n,
    outAmount: 0n,
    adminFee: 0n,
    n1: amm.activeBand,
    n2: amm.activeBand,
  };
  if (input.inAmount === 0n) return none;
  const pump = i === 0;
  const inPrecision = pump ? cfg.borrowedPrecision : cfg.collateralPrecision;
  const outPrecision = pump ? cfg.collateralPrecision : cfg.borrowedPrecision;
  const trade = calcSwapOut(amm, cfg, {
    pump,
    inAmount: input.inAmount * inPrecision,
    pOracleWad: input.pOracleWad,
  });
  const inDone = trade.inAmount / inPrecision; // exact: a multiple of the precision
  const outDone = trade.outAmount / outPrecision; // exact
  if (outDone < input.minAmount) {
    revert('Slippage', `The trade gives ${outDone}, below min_amount ${input.minAmount}.`, {
      outAmount: outDone.toString(),
    });
  }
  if (outDone === 0n || inDone === 0n) return none;
  const d = draftOf(amm);
  const adminFee = trade.adminFee / inPrecision; // floor
  if (pump) d.adminFeesX += adminFee;
  else d.adminFeesY += adminFee;
  const nDiff = Math.abs(trade.n2 - trade.n1);
  let n = Math.min(trade.n1, trade.n2);
  for (let k = 0; k <= nDiff; k++) {
    const band = draftBand(d, n);
    let x = 0n;
    let y = 0n;
    if (pump) {
      x = trade.ticksIn[k] ?? 0n;
      if (n === trade.n2) y = trade.lastTickJ;
    } else {
      y = trade.ticksIn[nDiff - k] ?? 0n;
      if (n === trade.n2) x = trade.lastTickJ;
    }
    setBand(d, n, { x, y, shares: band.shares });
    n += 1;
  }
  d.activeBand = trade.n2;
  return { state: freeze(d), inAmount: inDone, outAmount: outDone, adminFee, n1: trade.n1, n2: trade.n2 };
}

/** Result of {@link getAmountForPrice}: the input (token units) and its direction. */
export interface AmountForPrice {
  readonly amount: bigint;
  /** true: stablecoin in (moves the AMM price up, to higher band numbers); false: collateral in. */
  readonly pump: boolean;
  /** Band boundaries the trade is sized to cross. */
  readonly bandsCrossed: number;
}

/**
 * AMM `get_amount_for_price(p)`: the input that moves the AMM's price to `p`, band by band: full
 * conversion of each band crossed, then the in-band amount to reach p on the band's curve; grossed
 * up by the fee (÷ (1 − fee), floor) and rounded up to the token precision.
 * @param maxBands optional cap on the band boundaries crossed (the trade is then sized to stop at the
 *   edge of the last band reached; not in the contract, used by the model's `arbitrage`).
 */
export function getAmountForPrice(
  amm: AmmState,
  cfg: AmmConfig,
  input: { readonly targetPriceWad: bigint; readonly pOracleWad: bigint; readonly maxBands?: number },
): AmountForPrice {
  const c = cfg.constants;
  const p = input.targetPriceWad;
  const pO = input.pOracleWad;
  const A2 = c.A * c.A;
  const aMinus12 = c.aMinus1 * c.aMinus1;
  let n = amm.activeBand;
  let pOUp = ammPOracleUp(cfg, n);
  let pDown = pCurrentDown(pO, pOUp);
  let pUp = (pDown * A2) / aMinus12; // floor
  let amount = 0n;
  let j = MAX_TICKS;
  let pump = true;
  let crossed = 0;
  for (let i = 0; i < MAX_TICKS + MAX_SKIP_TICKS; i++) {
    if (pOUp === 0n) revert('AMM.get_amount_for_price: p_o_up == 0', 'The band grid ran out of range.');
    const band = bandAt(amm, n);
    const { x, y } = band;
    if (i === 0 && p < bandPrice(c, band, pO, pOUp)) pump = false;
    const notEmpty = x > 0n || y > 0n;
    let f = 0n;
    let g = 0n;
    let inv = 0n;
    if (notEmpty) {
      ({ f, g, inv } = bandCurve(c, { x, y }, pO, pOUp));
      if (j === MAX_TICKS) j = 0;
    }
    if (p <= pUp && p >= pDown) {
      if (notEmpty) {
        const root = isqrt((inv * WAD) / p);
        const yNew = (root > g ? root : g) - g;
        const q = inv / (g + yNew);
        const xNew = (q > f ? q : f) - f;
        if (pump) amount += (xNew > x ? xNew : x) - x;
        else amount += (yNew > y ? yNew : y) - y;
      }
      break;
    }
    if (pump) {
      if (notEmpty)
        amount += checkedSub(checkedSub(inv / g, f, 'get_amount_for_price'), x, 'get_amount_for_price');
      if (n === amm.maxBand) break;
      if (j === MAX_TICKS - 1) break;
      if (input.maxBands !== undefined && crossed >= input.maxBands) break;
      n += 1;
      crossed += 1;
      pDown = pUp;
      pUp = (pUp * A2) / aMinus12; // floor
      pOUp = (pOUp * c.aMinus1) / c.A; // floor
    } else {
      if (notEmpty)
        amount += checkedSub(checkedSub(inv / f, g, 'get_amount_for_price'), y, 'get_amount_for_price');
      if (n === amm.minBand) break;
      if (j === MAX_TICKS - 1) break;
      if (input.maxBands !== undefined && crossed >= input.maxBands) break;
      n -= 1;
      crossed += 1;
      pUp = pDown;
      pDown = (pDown * aMinus12) / A2; // floor
      pOUp = (pOUp * c.A) / c.aMinus1; // floor
    }
    if (j !== MAX_TICKS) j += 1;
  }
  amount = (amount * WAD) / (WAD - cfg.feeWad); // floor, as the contract
  if (amount === 0n) return { amount: 0n, pump, bandsCrossed: crossed };
  const precision = pump ? cfg.borrowedPrecision : cfg.collateralPrecision;
  return { amount: (amount - 1n) / precision + 1n, pump, bandsCrossed: crossed }; // ceil to token units
}

/** The part of an AMM state a command changed (new values; `null` = removed). */
export interface AmmPatch {
  readonly activeBand?: number;
  readonly minBand?: number;
  readonly maxBand?: number;
  readonly adminFeesX?: bigint;
  readonly adminFeesY?: bigint;
  readonly bands?: Readonly<Record<string, Band | null>>;
  readonly users?: Readonly<Record<string, UserTicks | null>>;
}

/** The patch that turns `before` into `after` (only changed entries). */
export function ammPatch(before: AmmState, after: AmmState): AmmPatch {
  const bands: Record<string, Band | null> = {};
  if (before.bands !== after.bands) {
    // Keys of `before` in order, then the keys only `after` has (the order of their union).
    for (const key of Object.keys(before.bands)) {
      const a = before.bands[key] as Band;
      const b = Object.hasOwn(after.bands, key) ? after.bands[key] : undefined;
      if (a === b) continue;
      if (b === undefined) bands[key] = null;
      else if (a.x !== b.x || a.y !== b.y || a.shares !== b.shares) bands[key] = b;
    }
    for (const key of Object.keys(after.bands)) {
      if (!Object.hasOwn(before.bands, key)) bands[key] = after.bands[key] as Band;
    }
  }
  const users: Record<string, UserTicks | null> = {};
  // Only the entries that differ (subtrees the two maps share are skipped).
  PersistentMap.diff(before.users, after.users, (key, _a, b) => {
    users[key] = b ?? null;
  });
  return {
    ...(before.activeBand !== after.activeBand ? { activeBand: after.activeBand } : {}),
    ...(before.minBand !== after.minBand ? { minBand: after.minBand } : {}),
    ...(before.maxBand !== after.maxBand ? { maxBand: after.maxBand } : {}),
    ...(before.adminFeesX !== after.adminFeesX ? { adminFeesX: after.adminFeesX } : {}),
    ...(before.adminFeesY !== after.adminFeesY ? { adminFeesY: after.adminFeesY } : {}),
    ...(Object.keys(bands).length > 0 ? { bands } : {}),
    ...(Object.keys(users).length > 0 ? { users } : {}),
  };
}

/**
 * Applies a patch made by {@link ammPatch} (input untouched). Parts the patch leaves alone keep
 * their identity (the same `bands` object, the same `users` map), so readers can tell what moved.
 */
export function applyAmmPatch(amm: AmmState, patch: AmmPatch): AmmState {
  let bands = amm.bands;
  if (patch.bands !== undefined) {
    const next = { ...amm.bands };
    for (const [key, band] of Object.entries(patch.bands)) {
      if (band === null) delete next[key];
      else next[key] = band;
    }
    bands = next;
  }
  let users = amm.users;
  for (const [key, ticks] of Object.entries(patch.users ?? {})) {
    users = ticks === null ? users.delete(key) : users.set(key, ticks);
  }
  return {
    activeBand: patch.activeBand ?? amm.activeBand,
    minBand: patch.minBand ?? amm.minBand,
    maxBand: patch.maxBand ?? amm.maxBand,
    adminFeesX: patch.adminFeesX ?? amm.adminFeesX,
    adminFeesY: patch.adminFeesY ?? amm.adminFeesY,
    bands,
    users,
  };
}
