/**
 * Tests of the LLAMMA port: deposits and withdrawals by share (hand-derived share arithmetic), the
 * per-user views, band skipping, the swap (fee, rounding, band walk, admin fee) and the amount that
 * moves the AMM to a price. Curve prices are checked against the closed forms of the band math
 * (p_current_down = p_o³/p_up², a full band converts at √(p_up·p_down)) within stated tolerances.
 */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import { canonicalJson } from '../../engine/machine.js';
import {
  type AmmConfig,
  type AmmState,
  activeBandWithSkip,
  ammPatch,
  ammPOracleUp,
  ammPrice,
  applyAmmPatch,
  bandAt,
  calcSwapOut,
  canSkipBands,
  depositRange,
  emptyAmm,
  exchange,
  getAmountForPrice,
  getSumXY,
  getXDown,
  getXYUp,
  hasLiquidity,
  withdraw,
  withdrawnAmounts,
} from './amm.js';
import { isqrt, pOracleUp } from './math.js';
import { SELL_3000_CRVUSD_AT_1700, TEST_AMM_CONFIG } from './testkit.js';

const E18 = 10n ** 18n;
const cfg: AmmConfig = TEST_AMM_CONFIG;
/** The fee, 0.6 % (1e18 = 100 %). */
const FEE = cfg.feeWad;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);
/** |a − b| ≤ b·ppb/1e9. */
const near = (a: bigint, b: bigint, ppb: bigint): boolean => abs(a - b) * 10n ** 9n <= abs(b) * ppb;

/** alice: 10 WETH in bands 14..23 (1 WETH each), as a 15,000 crvUSD loan at $2000 places it. */
function withAlice(state: AmmState = emptyAmm()): AmmState {
  return depositRange(state, cfg, { user: 'alice', amount: 10n * E18, n1: 14, n2: 23 });
}

describe('depositRange (AMM.deposit_range)', () => {
  test('default: even split, shares (0 + 1000)·y/(0 + 1), bands and min/max tracked', () => {
    const amm = withAlice();
    expect(bandAt(amm, 14)).toEqual({ x: 0n, y: E18, shares: 1000n * E18 });
    expect(bandAt(amm, 23)).toEqual({ x: 0n, y: E18, shares: 1000n * E18 });
    expect(bandAt(amm, 24)).toEqual({ x: 0n, y: 0n, shares: 0n });
    expect(amm.users.get('alice')).toEqual({ n1: 14, n2: 23, shares: Array(10).fill(1000n * E18) });
    // Storage starts at 0: min_band = min(0, 14), max_band = max(0, 23).
    expect([amm.minBand, amm.maxBand, amm.activeBand]).toEqual([0, 23, 0]);
    expect(hasLiquidity(amm, 'alice')).toBe(true);
  });
  test('behavior: the first band takes the remainder; a second depositor gets (s + 1000)·y/(y_total + 1)', () => {
    const one = depositRange(emptyAmm(), cfg, { user: 'a', amount: 10n * E18 + 7n, n1: 5, n2: 14 });
    expect(bandAt(one, 5).y).toBe(E18 + 7n);
    expect(bandAt(one, 6).y).toBe(E18);
    const two = depositRange(one, cfg, { user: 'b', amount: 4n * E18, n1: 6, n2: 9 });
    // (1e21 + 1000)·1e18/(1e18 + 1) = 1000·(1e18 + 1)·1e18/(1e18 + 1) = 1e21 exactly.
    expect(two.users.get('b')?.shares[0]).toBe(1000n * E18);
    expect(bandAt(two, 6)).toEqual({ x: 0n, y: 2n * E18, shares: 2000n * E18 });
  });
  test('behavior: an empty active band is skipped down to n1 − 1', () => {
    const amm = depositRange(emptyAmm(), cfg, { user: 'a', amount: 4n * E18, n1: -3, n2: 0 });
    expect(amm.activeBand).toBe(-4);
  });
  test('error: a second deposit, a band holding stablecoin, a too-small amount', () => {
    const amm = withAlice();
    expect(() => depositRange(amm, cfg, { user: 'alice', amount: E18, n1: 30, n2: 33 })).toThrow(
      ProtocolRevertError,
    );
    expect(() => depositRange(emptyAmm(), cfg, { user: 'a', amount: 400n, n1: 1, n2: 4 })).toThrow(
      ProtocolRevertError,
    );
    const sold = exchange(amm, cfg, {
      i: 0,
      j: 1,
      inAmount: 5000n * E18,
      minAmount: 0n,
      pOracleWad: 1700n * E18,
    });
    expect(() =>
      depositRange(sold.state, cfg, {
        user: 'bob',
        amount: 4n * E18,
        n1: sold.state.activeBand - 3,
        n2: sold.state.activeBand,
      }),
    ).toThrow(ProtocolRevertError);
  });
});

describe('withdraw / getSumXY (AMM.withdraw, get_sum_xy)', () => {
  test('default: the sole depositor gets back exactly what it put in', () => {
    // (1e18 + 1)·1e21/(1e21 + 1000) = (1e18 + 1) − (1e18 + 1)·1000/(1e21 + 1000) = 1e18 + 1 − 1.
    const amm = withAlice();
    expect(getSumXY(amm, cfg, 'alice')).toEqual({ x: 0n, y: 10n * E18 });
    const w = withdraw(amm, cfg, 'alice', E18);
    expect([w.x, w.y]).toEqual([0n, 10n * E18]);
    expect(w.state.bands).toEqual({});
    expect(w.state.users.size).toBe(0);
    // max_band = n1 − 1 once the user's bands are empty; min_band stays 0 (band 0 was never used).
    expect([w.state.minBand, w.state.maxBand]).toEqual([0, 13]);
  });
  test('behavior: withdrawnAmounts pays what withdraw pays and leaves the state alone', () => {
    // bob's shares in bands 20..22: (1e21 + 1000)·1e18/(1e18 + 1) = 1e21 exactly, so there alice
    // withdraws (2e18 + 1)·5e20/(2e21 + 1000) = 5e17 (floor), as in her own bands (see below).
    const amm = depositRange(withAlice(), cfg, { user: 'bob', amount: 3n * E18, n1: 20, n2: 22 });
    expect(withdrawnAmounts(amm, cfg, 'alice', E18 / 2n)).toEqual({ x: 0n, y: 5n * E18 });
    const w = withdraw(amm, cfg, 'bob', E18);
    expect(withdrawnAmounts(amm, cfg, 'bob', E18)).toEqual({ x: w.x, y: w.y });
    expect(getSumXY(amm, cfg, 'bob')).toEqual({ x: 0n, y: 3n * E18 });
    expect(amm.users.get('bob')?.n1).toBe(20);
  });
  test('error: withdrawnAmounts refuses as withdraw does', () => {
    expect(() => withdrawnAmounts(withAlice(), cfg, 'bob', E18)).toThrow(ProtocolRevertError);
    expect(() => withdrawnAmounts(withAlice(), cfg, 'alice', E18 + 1n)).toThrow(ProtocolRevertError);
  });
  test('behavior: half the shares withdraw (y + 1)·ds/(s + 1000) per band', () => {
    // ds = 5e20; (1e18 + 1)·5e20/(1e21 + 1000) = 5e17·(1e21 + 1000)/(1e21 + 1000) = 5e17 exactly.
    const w = withdraw(withAlice(), cfg, 'alice', E18 / 2n);
    expect(w.y).toBe(5n * E18);
    expect(bandAt(w.state, 14)).toEqual({ x: 0n, y: E18 / 2n, shares: 500n * E18 });
    expect(w.state.users.get('alice')?.shares[0]).toBe(500n * E18);
  });
  test('behavior: the last holder of a band leaves its dust to the admin fees', () => {
    // 1 WETH + 1 wei in one band... withdraw gives (y + 1)·s/(s + 1000) and the rest is dust.
    const amm = depositRange(emptyAmm(), cfg, { user: 'a', amount: 4n * E18 + 3n, n1: 1, n2: 4 });
    const w = withdraw(amm, cfg, 'a', E18);
    const first = ((E18 + 4n) * (1000n * (E18 + 3n))) / (1000n * (E18 + 3n) + 1000n);
    expect(w.y).toBe(first + 3n * E18);
    expect(w.state.adminFeesY).toBe(E18 + 3n - first);
  });
  test('error: no deposits, frac above 1', () => {
    expect(() => withdraw(emptyAmm(), cfg, 'nobody', E18)).toThrow(ProtocolRevertError);
    expect(() => withdraw(withAlice(), cfg, 'alice', E18 + 1n)).toThrow(ProtocolRevertError);
  });
});

describe('getXYUp / getXDown (AMM.get_x_down, get_y_up)', () => {
  test('default: above the bands each band converts at √(p_up·p_down) = p_up/√(A/(A−1))', () => {
    const amm = withAlice();
    const xDown = getXDown(amm, cfg, 'alice', 2000n * E18);
    // Σ_{n=14}^{23} 2000·0.99^n·√0.99 = 2000·0.994987·0.99^14·(1 − 0.99^10)/0.01 ≈ 16530.12
    let ideal = 0n;
    for (let n = 14; n <= 23; n++) ideal += (ammPOracleUp(cfg, n) * E18) / cfg.constants.ammSqrtBandRatio;
    expect(near(xDown, ideal, 10n)).toBe(true);
    expect(xDown / E18).toBe(16530n);
    // Fully up: the collateral itself (less the DEAD_SHARES rounding).
    expect(
      near(getXYUp(amm, cfg, { user: 'alice', useY: true, pOracleWad: 2000n * E18 }), 10n * E18, 10n),
    ).toBe(true);
  });
  test('behavior: it falls as the oracle price enters the bands, and counts converted stablecoin', () => {
    const amm = withAlice();
    const high = getXDown(amm, cfg, 'alice', 2000n * E18);
    const mid = getXDown(amm, cfg, 'alice', 1700n * E18);
    expect(mid).toBeLessThan(high);
    const sold = exchange(amm, cfg, SELL_3000_CRVUSD_AT_1700);
    expect(getSumXY(sold.state, cfg, 'alice').x).toBeGreaterThan(2900n * E18);
    expect(getXDown(emptyAmm(), cfg, 'alice', 1700n * E18)).toBe(0n);
  });
  test('error: a zero oracle price', () => {
    expect(() => getXDown(withAlice(), cfg, 'alice', 0n)).toThrow(ProtocolRevertError);
  });
});

describe('canSkipBands / activeBandWithSkip', () => {
  test('default', () => {
    const amm = withAlice();
    expect(canSkipBands(amm, 13)).toBe(true); // bands 0..12 hold no collateral
    expect(canSkipBands(amm, 15)).toBe(false); // band 14 does
    expect(activeBandWithSkip(amm)).toBe(-1024); // no stablecoin anywhere
  });
  test('behavior: after a sale the active band holds stablecoin', () => {
    const sold = exchange(withAlice(), cfg, SELL_3000_CRVUSD_AT_1700);
    expect(activeBandWithSkip(sold.state)).toBe(sold.state.activeBand);
  });
});

describe('calcSwapOut / exchange (AMM.calc_swap_out, exchange)', () => {
  test('default: a small buy at p_o = p_up costs p_up grossed up by the fee', () => {
    // One band full of collateral, oracle at its top: marginal price = p_o = p_up.
    const amm = depositRange(emptyAmm(), cfg, { user: 'a', amount: 4n * E18, n1: 1, n2: 4 });
    const pUp = ammPOracleUp(cfg, 1);
    const moved = { ...amm, activeBand: 1 };
    const t = exchange(moved, cfg, { i: 0, j: 1, inAmount: 100n * E18, minAmount: 0n, pOracleWad: pUp });
    expect(t.inAmount).toBe(100n * E18);
    // out ≈ 100·(1 − 0.006)/1980 = 0.0502020…; buying 5 % of the band moves its price up by
    // ~0.1 % (the band spans p_o³/p_up² … p_o³/p_down², 2 %), so the average is ~0.05 % dearer.
    const ideal = (100n * E18 * (E18 - FEE)) / pUp;
    expect(t.outAmount).toBeLessThan(ideal);
    expect(near(t.outAmount, ideal, 1_000_000n)).toBe(true);
    expect(ammPrice(t.state, cfg, pUp)).toBeGreaterThan(pUp);
    expect(t.state.activeBand).toBe(1);
    expect(bandAt(t.state, 1).x).toBe(100n * E18);
  });
  test('behavior: at p_o = p_up a full band converts at √(p_current_down·p_current_up)/(1 − fee)', () => {
    const amm = { ...withAlice(), activeBand: 14 };
    const pO = ammPOracleUp(cfg, 14);
    const pDown = ammPOracleUp(cfg, 15);
    // At a fixed oracle price the band's AMM price runs from p_o³/p_up² (= p_up here) to
    // p_o³/p_down² (1772.77 for 1737.49/1720.12); on the curve a full band sells at their
    // geometric mean p_o³/(p_up·p_down) = 1755.03, i.e. 1765.6 crvUSD with the 0.6 % fee.
    const top = (((pO * pO) / pDown) * pO) / pDown;
    const need = getAmountForPrice(amm, cfg, { targetPriceWad: top, pOracleWad: pO });
    expect(need.pump).toBe(true);
    const idealIn = (isqrt(pO * top) * E18) / (E18 - FEE);
    expect(near(need.amount, idealIn, 10n)).toBe(true);
    expect(need.amount / E18).toBe(1765n);
    const t = exchange(amm, cfg, { i: 0, j: 1, inAmount: need.amount, minAmount: 0n, pOracleWad: pO });
    expect(near(t.outAmount, E18, 1n)).toBe(true);
    expect(bandAt(t.state, 14).y).toBeLessThan(10_000n); // the "+1" rounding stays in the band
    expect(bandAt(t.state, 15).y).toBe(E18);
  });
  test('behavior: more input than liquidity buys every band and stops at max_band', () => {
    const t = exchange(withAlice(), cfg, {
      i: 0,
      j: 1,
      inAmount: 10n ** 6n * E18,
      minAmount: 0n,
      pOracleWad: 1500n * E18,
    });
    expect(t.outAmount).toBe(10n * E18);
    expect(t.state.activeBand).toBe(23);
    expect(t.inAmount).toBeLessThan(10n ** 6n * E18);
    for (let n = 14; n <= 23; n++) expect(bandAt(t.state, n).y).toBe(0n);
    const xs = Object.values(t.state.bands).reduce((s, b) => s + b.x, 0n);
    expect(xs).toBe(t.inAmount); // no admin fee: all input stays in the bands
    // Selling all the collateral back walks down to band 14 and returns less crvUSD (the fee twice).
    const back = exchange(t.state, cfg, {
      i: 1,
      j: 0,
      inAmount: 10n * E18,
      minAmount: 0n,
      pOracleWad: 1500n * E18,
    });
    expect(back.outAmount).toBeLessThan(t.inAmount);
    expect(back.state.activeBand).toBe(14);
  });
  test('behavior: the admin fee keeps (dx − x_dest)·admin_fee of each band input', () => {
    const withAdmin: AmmConfig = { ...cfg, adminFeeWad: E18 / 2n };
    const amm = withAlice();
    const a = exchange(amm, withAdmin, {
      i: 0,
      j: 1,
      inAmount: 5000n * E18,
      minAmount: 0n,
      pOracleWad: 1700n * E18,
    });
    const b = exchange(amm, cfg, {
      i: 0,
      j: 1,
      inAmount: 5000n * E18,
      minAmount: 0n,
      pOracleWad: 1700n * E18,
    });
    expect(a.outAmount).toBe(b.outAmount);
    // dx − x_dest = dx·(1 − 1/antifee) = dx·fee in every band: 5000·0.006/2 = 15 crvUSD, less
    // the floors of antifee and of each division (14.99…).
    expect(a.adminFee / 10n ** 16n).toBe(1499n);
    expect(a.state.adminFeesX).toBe(a.adminFee);
    const xs = Object.values(a.state.bands).reduce((s, x) => s + x.x, 0n);
    expect(xs + a.adminFee).toBe(a.inAmount);
  });
  test('behavior: nothing to trade returns zeros and the same state', () => {
    const amm = withAlice();
    expect(
      exchange(amm, cfg, { i: 0, j: 1, inAmount: 0n, minAmount: 0n, pOracleWad: 1700n * E18 }).state,
    ).toBe(amm);
    // Selling collateral into an AMM with no stablecoin gives nothing.
    const none = exchange(amm, cfg, { i: 1, j: 0, inAmount: E18, minAmount: 0n, pOracleWad: 1700n * E18 });
    expect([none.inAmount, none.outAmount]).toEqual([0n, 0n]);
    expect(calcSwapOut(amm, cfg, { pump: false, inAmount: E18, pOracleWad: 1700n * E18 }).outAmount).toBe(0n);
  });
  test('error: wrong index, slippage', () => {
    const amm = withAlice();
    expect(() =>
      exchange(amm, cfg, { i: 0, j: 0, inAmount: E18, minAmount: 0n, pOracleWad: 1700n * E18 }),
    ).toThrow(ProtocolRevertError);
    expect(() =>
      exchange(amm, cfg, {
        i: 0,
        j: 1,
        inAmount: 1000n * E18,
        minAmount: 10n * E18,
        pOracleWad: 1700n * E18,
      }),
    ).toThrow(ProtocolRevertError);
  });
});

describe('getAmountForPrice (AMM.get_amount_for_price)', () => {
  test('default: the trade it sizes brings the AMM price to the target', () => {
    const amm = withAlice();
    const pO = 1700n * E18;
    const need = getAmountForPrice(amm, cfg, { targetPriceWad: pO, pOracleWad: pO });
    expect(need.pump).toBe(true);
    const t = exchange(amm, cfg, { i: 0, j: 1, inAmount: need.amount, minAmount: 0n, pOracleWad: pO });
    // The fee stays in the band (x grows by the gross input), so the price lands a hair above p.
    expect(near(ammPrice(t.state, cfg, pO), pO, 100_000n)).toBe(true);
    // And back: a higher oracle price makes the AMM dear; selling collateral brings it down (at
    // 1710 the target lies in band 15: 1710³/1720.1² = 1690.0 … 1710³/1703.0² = 1724.1).
    const up = 1710n * E18;
    const back = getAmountForPrice(t.state, cfg, { targetPriceWad: up, pOracleWad: up });
    expect(back.pump).toBe(false);
    const t2 = exchange(t.state, cfg, { i: 1, j: 0, inAmount: back.amount, minAmount: 0n, pOracleWad: up });
    expect(near(ammPrice(t2.state, cfg, up), up, 100_000n)).toBe(true);
    expect(t2.state.activeBand).toBe(15);
  });
  test('behavior: a target beyond the liquidity converts every band, and the dust walks to min_band', () => {
    // At 1750 the oracle is above alice's top band (1737.5): even band 14 full of collateral is
    // dearer (1750³/1737.5² = 1775), so the whole stablecoin is sold back and the few wei of
    // rounding left walk the active band down through the empty bands to min_band (0), as on chain.
    const pO = 1700n * E18;
    const sold = exchange(withAlice(), cfg, {
      i: 0,
      j: 1,
      inAmount: getAmountForPrice(withAlice(), cfg, { targetPriceWad: pO, pOracleWad: pO }).amount,
      minAmount: 0n,
      pOracleWad: pO,
    });
    const up = 1750n * E18;
    const back = getAmountForPrice(sold.state, cfg, { targetPriceWad: up, pOracleWad: up });
    const t = exchange(sold.state, cfg, { i: 1, j: 0, inAmount: back.amount, minAmount: 0n, pOracleWad: up });
    expect(t.outAmount).toBe(sold.inAmount);
    expect(t.state.activeBand).toBe(0);
    for (let n = 14; n <= 23; n++) expect(bandAt(t.state, n).x).toBe(0n);
  });
  test('behavior: maxBands caps the band boundaries crossed; no liquidity means no amount', () => {
    const amm = withAlice();
    const capped = getAmountForPrice(amm, cfg, {
      targetPriceWad: 1500n * E18,
      pOracleWad: 1500n * E18,
      maxBands: 15,
    });
    const full = getAmountForPrice(amm, cfg, { targetPriceWad: 1500n * E18, pOracleWad: 1500n * E18 });
    expect(capped.bandsCrossed).toBe(15);
    expect(capped.amount).toBeLessThan(full.amount);
    expect(
      getAmountForPrice(emptyAmm(), cfg, { targetPriceWad: 1500n * E18, pOracleWad: 1500n * E18 }).amount,
    ).toBe(0n);
  });
});

describe('ammPatch / applyAmmPatch', () => {
  test('default: a patch replays the change exactly and holds only what changed', () => {
    const before = withAlice();
    const after = exchange(before, cfg, SELL_3000_CRVUSD_AT_1700).state;
    const patch = ammPatch(before, after);
    expect(applyAmmPatch(before, patch)).toEqual(after);
    expect(Object.keys(patch.bands ?? {}).length).toBeLessThan(10);
    expect(patch.users).toBeUndefined();
    const gone = withdraw(after, cfg, 'alice', E18).state;
    expect(applyAmmPatch(after, ammPatch(after, gone))).toEqual(gone);
    expect(ammPatch(after, after)).toEqual({});
  });
  test('behavior: what a patch leaves alone keeps its identity (bands record, users map)', () => {
    const before = withAlice();
    const traded = exchange(before, cfg, SELL_3000_CRVUSD_AT_1700).state;
    const replayed = applyAmmPatch(before, ammPatch(before, traded));
    expect(replayed.users).toBe(before.users); // a trade moves no user
    expect(replayed.bands).not.toBe(before.bands);
    const feesOnly = applyAmmPatch(replayed, { adminFeesX: 5n });
    expect(feesOnly.bands).toBe(replayed.bands);
    expect(feesOnly.users).toBe(replayed.users);
  });
  test('behavior: the users map serializes as the plain record (keys sorted)', () => {
    const amm = depositRange(withAlice(), cfg, { user: 'bob', amount: 3n * E18, n1: 20, n2: 22 });
    const plain = { alice: amm.users.get('alice'), bob: amm.users.get('bob') };
    expect(canonicalJson(amm.users)).toBe(canonicalJson(plain));
    expect(JSON.stringify({ u: amm.users }, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(
      JSON.stringify({ u: plain }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
  });
});

describe('ammPOracleUp', () => {
  test('default: p_oracle_up(0) is the base price; the memo returns the formula’s value', () => {
    expect(ammPOracleUp(cfg, 0)).toBe(2000n * E18);
    for (const n of [-30, -1, 1, 14, 23, 400]) {
      const direct = pOracleUp(cfg.basePriceWad, cfg.constants.logARatio, n);
      expect(ammPOracleUp(cfg, n)).toBe(direct);
      expect(ammPOracleUp(cfg, n)).toBe(direct); // second read: from the memo
    }
    // A configuration with another base price is memoized on its own.
    expect(ammPOracleUp({ ...cfg, basePriceWad: 1000n * E18 }, 0)).toBe(1000n * E18);
  });
});
