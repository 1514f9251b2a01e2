/**
 * Tests of the Controller's band placement (`_calculate_debt_n1`) and health (`_health`), with the
 * expected bands and healths derived by hand from the closed forms (shown in the comments).
 */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import { type AmmConfig, ammPOracleUp, depositRange, emptyAmm, exchange } from './amm.js';
import { calculateDebtN1, controllerHealth } from './controller.js';
import { SELL_3000_CRVUSD_AT_1700, TEST_AMM_CONFIG } from './testkit.js';

const E18 = 10n ** 18n;
const cfg: AmmConfig = TEST_AMM_CONFIG;
const LOAN = 9n * 10n ** 16n;
const LIQ = 6n * 10n ** 16n;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

describe('calculateDebtN1 (Controller._calculate_debt_n1)', () => {
  test('default: 10 WETH for 15,000 crvUSD over 10 bands at $2000 starts at band 14', () => {
    // y_effective = 8.657615 (math.test.ts); ratio = 8.657615·2000/15000 = 1.1543487;
    // n1 = floor(ln 1.1543487/ln(100/99)) = floor(0.143540/0.0100503) = floor(14.28) = 14.
    const n1 = calculateDebtN1(emptyAmm(), cfg, {
      collateral: 10n * E18,
      debt: 15_000n * E18,
      bands: 10,
      loanDiscountWad: LOAN,
      pOracleWad: 2000n * E18,
    });
    expect(n1).toBe(14);
    // 12,000 crvUSD: ratio 1.4430 → ln/0.0100503 = 36.48 → 36.
    expect(
      calculateDebtN1(emptyAmm(), cfg, {
        collateral: 10n * E18,
        debt: 12_000n * E18,
        bands: 10,
        loanDiscountWad: LOAN,
        pOracleWad: 2000n * E18,
      }),
    ).toBe(36);
  });
  test('behavior: a tiny debt is capped 1024 − N bands below the active band', () => {
    const n1 = calculateDebtN1(emptyAmm(), cfg, {
      collateral: 10n * E18,
      debt: 1n,
      bands: 10,
      loanDiscountWad: LOAN,
      pOracleWad: 2000n * E18,
    });
    expect(n1).toBe(1014);
  });
  test('error: no debt, too much debt, too little collateral', () => {
    const base = { collateral: 10n * E18, bands: 10, loanDiscountWad: LOAN, pOracleWad: 2000n * E18 };
    expect(() => calculateDebtN1(emptyAmm(), cfg, { ...base, debt: 0n })).toThrow(ProtocolRevertError);
    // 18,000: ratio 0.962 → n1 = −4; p_oracle_up(−4) = 2000·(100/99)^4 = 2081.6 ≥ 2000: "Debt too high".
    expect(() => calculateDebtN1(emptyAmm(), cfg, { ...base, debt: 18_000n * E18 })).toThrow(
      ProtocolRevertError,
    );
    // Also when the oracle is below the band the debt needs.
    expect(() =>
      calculateDebtN1(emptyAmm(), cfg, { ...base, debt: 15_000n * E18, pOracleWad: 1700n * E18 }),
    ).toThrow(ProtocolRevertError);
    expect(() => calculateDebtN1(emptyAmm(), cfg, { ...base, collateral: 1n, debt: 10n ** 30n })).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('controllerHealth (Controller._health)', () => {
  const amm = depositRange(emptyAmm(), cfg, { user: 'alice', amount: 10n * E18, n1: 14, n2: 23 });
  const debt = 15_000n * E18;
  test('default: a fresh loan above the price', () => {
    // x_down = Σ_{14..23} 2000·0.99^n·√0.99 = 16530.12 (amm.test.ts); 16530.12·0.94/15000 − 1
    // = 0.035887; full adds (2000 − p_up(14) = 262.508)·10/15000 = 0.175006 → 0.210893.
    const notFull = controllerHealth(amm, cfg, {
      user: 'alice',
      debt,
      full: false,
      liquidationDiscountWad: LIQ,
      pOracleWad: 2000n * E18,
    });
    const full = controllerHealth(amm, cfg, {
      user: 'alice',
      debt,
      full: true,
      liquidationDiscountWad: LIQ,
      pOracleWad: 2000n * E18,
    });
    expect(abs(notFull - 35_887n * 10n ** 12n)).toBeLessThan(10n ** 13n);
    const bonus = ((2000n * E18 - ammPOracleUp(cfg, 14)) * 10n * E18) / debt;
    expect(full - notFull).toBe(bonus);
    expect(abs(full - 210_893n * 10n ** 12n)).toBeLessThan(10n ** 13n);
    // Self-liquidation view: no discount.
    const noDiscount = controllerHealth(amm, cfg, {
      user: 'alice',
      debt,
      full: false,
      liquidationDiscountWad: 0n,
      pOracleWad: 2000n * E18,
    });
    expect(noDiscount).toBeGreaterThan(notFull);
  });
  test('behavior: in soft liquidation the full=True bonus is gone and health falls with the price', () => {
    const sold = exchange(amm, cfg, SELL_3000_CRVUSD_AT_1700).state;
    expect(sold.activeBand).toBeGreaterThanOrEqual(14);
    const full = controllerHealth(sold, cfg, {
      user: 'alice',
      debt,
      full: true,
      liquidationDiscountWad: LIQ,
      pOracleWad: 1700n * E18,
    });
    const notFull = controllerHealth(sold, cfg, {
      user: 'alice',
      debt,
      full: false,
      liquidationDiscountWad: LIQ,
      pOracleWad: 1700n * E18,
    });
    expect(full).toBe(notFull);
    expect(full).toBeLessThan(
      controllerHealth(amm, cfg, {
        user: 'alice',
        debt,
        full: false,
        liquidationDiscountWad: LIQ,
        pOracleWad: 2000n * E18,
      }),
    );
  });
  test('error: a zero debt', () => {
    expect(() =>
      controllerHealth(amm, cfg, {
        user: 'alice',
        debt: 0n,
        full: true,
        liquidationDiscountWad: LIQ,
        pOracleWad: 2000n * E18,
      }),
    ).toThrow(ProtocolRevertError);
  });
});
