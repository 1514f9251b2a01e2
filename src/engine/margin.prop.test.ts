import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Rounding } from '../math/mulDiv.js';
import { MAX_UINT256 } from '../math/units.js';
import {
  accountValues,
  applyCollateralPriceDropBps,
  type CollateralLine,
  collateralRatioWad,
  type DebtLine,
  distanceToLiquidationBps,
  distanceToLiquidationByAssetBps,
  healthFactorWad,
  isLiquidatable,
  liquidationPrice,
  MAX_HEALTH,
  type MarginAccount,
  requiredMarginsWad,
  valueWad,
} from './margin.js';

const WAD = 10n ** 18n;
const BPS = 10_000n;
const RUNS = { numRuns: 300 };

// Ranges keep every value far below 2^256 (amount·price ≤ 1e48 USD = 1e66 WAD units), even at a
// liquidation price, so no property trips the uint256 overflow refusal.
const amountArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 27n }),
  fc.constantFrom(0n, 1n, 10n ** 6n, 10n ** 8n, 10n ** 18n),
);
const priceArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 21n }),
  fc.constantFrom(0n, 1n, 10n ** 8n, 10n ** 18n),
);
const decimalsArb = fc.oneof(fc.constantFrom(0, 6, 8, 18), fc.integer({ min: 0, max: 30 }));
const priceDecimalsArb = fc.oneof(fc.constantFrom(8, 18), fc.integer({ min: 0, max: 24 }));

const collateralArb = (asset: string): fc.Arbitrary<CollateralLine> =>
  fc
    .record({
      amount: amountArb,
      decimals: decimalsArb,
      price: priceArb,
      priceDecimals: priceDecimalsArb,
      lt: fc.oneof(fc.bigInt({ min: 0n, max: BPS }), fc.constantFrom(0n, 8250n, BPS)),
      ltvShareBps: fc.bigInt({ min: 0n, max: BPS }),
    })
    .map(({ lt, ltvShareBps, ...rest }) => ({
      asset,
      ...rest,
      liquidationThresholdBps: lt,
      initialLtvBps: (lt * ltvShareBps) / BPS, // test data only: any LTV ≤ LT will do
    }));

const debtArb = (asset: string): fc.Arbitrary<DebtLine> =>
  fc
    .record({ amount: amountArb, decimals: decimalsArb, price: priceArb, priceDecimals: priceDecimalsArb })
    .map((rest) => ({ asset, ...rest }));

function deepFreeze(account: MarginAccount): MarginAccount {
  return Object.freeze({
    collateral: Object.freeze(account.collateral.map((l) => Object.freeze({ ...l }))),
    debt: Object.freeze(account.debt.map((l) => Object.freeze({ ...l }))),
  });
}

/** Accounts with 0..4 collaterals (c0, c1, …) and 0..3 debts (d0, d1, …), frozen. */
const accountArb: fc.Arbitrary<MarginAccount> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }))
  .chain(([nc, nd]) =>
    fc.record({
      collateral: fc.tuple(...Array.from({ length: nc }, (_, i) => collateralArb(`c${i}`))),
      debt: fc.tuple(...Array.from({ length: nd }, (_, i) => debtArb(`d${i}`))),
    }),
  )
  .map(deepFreeze);

/**
 * Accounts near the threshold: 1..4 collaterals and one debt sized to a random health between
 * 0.3 and 3 (plus, sometimes, the random debts of {@link accountArb}), so that liquidation prices
 * and distances land strictly inside their ranges often.
 */
const nearThresholdArb: fc.Arbitrary<MarginAccount> = fc
  .tuple(
    accountArb.filter((a) => accountValues(a).weightedCollateralWad > 0n),
    // Realistic scales ($0.0001 to $10 000 a token), so that the sized amount stays inside uint256.
    fc
      .record({
        decimals: fc.constantFrom(0, 6, 8, 18),
        priceDecimals: fc.constantFrom(8, 18),
        priceE4: fc.bigInt({ min: 1n, max: 10n ** 8n }),
      })
      .map(({ decimals, priceDecimals, priceE4 }) => ({
        asset: 'dn',
        amount: 0n,
        decimals,
        price: (priceE4 * 10n ** BigInt(priceDecimals)) / BPS,
        priceDecimals,
      })),
    fc.bigInt({ min: 3000n, max: 30_000n }),
    fc.boolean(),
  )
  .map(([account, line, healthBps, keepDebts]) => {
    const targetWad = (accountValues(account).weightedCollateralWad * BPS) / healthBps;
    // amount = targetUsd · 10^(decimals + priceDecimals) / price (test data: any rounding will do).
    const amount = (targetWad * 10n ** BigInt(line.decimals + line.priceDecimals)) / (line.price * WAD);
    return deepFreeze({
      collateral: account.collateral,
      debt: [...(keepDebts ? account.debt : []), { ...line, amount }],
    });
  });

/** Random and near-threshold accounts. */
const anyAccountArb = fc.oneof(accountArb, nearThresholdArb);

/** An account with at least one collateral, and the index of one of them. */
const withCollateralArb = anyAccountArb
  .filter((a) => a.collateral.length > 0)
  .chain((a) => fc.tuple(fc.constant(a), fc.nat({ max: a.collateral.length - 1 })));

const setPrice = (account: MarginAccount, asset: string, price: bigint): MarginAccount => ({
  collateral: account.collateral.map((l) => (l.asset === asset ? { ...l, price } : l)),
  debt: account.debt,
});

describe('healthFactorWad', () => {
  test('behavior: non-decreasing in each collateral price', () => {
    fc.assert(
      fc.property(withCollateralArb, fc.bigInt({ min: 0n, max: 10n ** 21n }), ([account, i], up) => {
        const line = account.collateral[i]!;
        const raised = setPrice(account, line.asset, line.price + up);
        expect(healthFactorWad(raised) >= healthFactorWad(account)).toBe(true);
      }),
      RUNS,
    );
  });
  test('behavior: non-increasing in each debt amount', () => {
    fc.assert(
      fc.property(
        anyAccountArb.filter((a) => a.debt.length > 0),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 10n ** 27n }),
        (account, k, more) => {
          const j = k % account.debt.length;
          const bigger = {
            ...account,
            debt: account.debt.map((l, x) => (x === j ? { ...l, amount: l.amount + more } : l)),
          };
          expect(healthFactorWad(bigger) <= healthFactorWad(account)).toBe(true);
        },
      ),
      RUNS,
    );
  });
  test('behavior: health is W·1e18/D floored, and below 1 exactly when W < D', () => {
    fc.assert(
      fc.property(anyAccountArb, (account) => {
        const v = accountValues(account);
        const health = healthFactorWad(account);
        const liquidatable = isLiquidatable(account);
        const excess = requiredMarginsWad(account).excessMaintenanceWad;
        expect(liquidatable).toBe(health < WAD);
        expect(liquidatable).toBe(excess < 0n);
        expect(excess).toBe(v.weightedCollateralWad - v.debtValueWad);
        if (v.debtValueWad === 0n) {
          expect(health).toBe(MAX_HEALTH);
        } else if (health < MAX_HEALTH) {
          expect(health * v.debtValueWad <= v.weightedCollateralWad * WAD).toBe(true);
          expect(v.weightedCollateralWad * WAD < (health + 1n) * v.debtValueWad).toBe(true);
        }
        const ratio = collateralRatioWad(account);
        if (v.debtValueWad === 0n) expect(ratio).toBeNull();
        else if (ratio !== null && ratio < MAX_UINT256) {
          expect(ratio * v.debtValueWad <= v.collateralValueWad * WAD).toBe(true);
          expect(v.collateralValueWad * WAD < (ratio + 1n) * v.debtValueWad).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('accountValues', () => {
  test('behavior: each sum lies between the sums of the rounded line values', () => {
    fc.assert(
      fc.property(anyAccountArb, (account) => {
        const v = accountValues(account);
        const c = account.collateral;
        const d = account.debt;
        const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
        const cDown = sum(
          c.map((l) => valueWad(l.amount, l.decimals, l.price, l.priceDecimals, Rounding.Down)),
        );
        const dUp = sum(d.map((l) => valueWad(l.amount, l.decimals, l.price, l.priceDecimals, Rounding.Up)));
        // floor(Σx) ∈ [Σ floor(x), Σ floor(x) + n − 1]; ceil(Σx) ∈ [Σ ceil(x) − (n − 1), Σ ceil(x)].
        expect(cDown <= v.collateralValueWad).toBe(true);
        expect(v.collateralValueWad <= cDown + BigInt(Math.max(c.length - 1, 0))).toBe(true);
        expect(v.debtValueWad <= dUp).toBe(true);
        expect(dUp - BigInt(Math.max(d.length - 1, 0)) <= v.debtValueWad).toBe(true);
        expect(v.borrowCapacityWad <= v.weightedCollateralWad).toBe(true);
        expect(v.weightedCollateralWad <= v.collateralValueWad).toBe(true);
      }),
      RUNS,
    );
  });
  test('behavior: splitting a holding into two lines changes nothing', () => {
    fc.assert(
      fc.property(withCollateralArb, fc.bigInt({ min: 0n, max: BPS }), ([account, i], shareBps) => {
        const line = account.collateral[i]!;
        const part = (line.amount * shareBps) / BPS;
        const split = {
          ...account,
          collateral: [
            ...account.collateral.filter((_, x) => x !== i),
            { ...line, amount: part },
            { ...line, amount: line.amount - part },
          ],
        };
        expect(accountValues(split)).toEqual(accountValues(account));
        expect(liquidationPrice(split, line.asset)).toBe(liquidationPrice(account, line.asset));
      }),
      RUNS,
    );
  });
});

describe('requiredMarginsWad', () => {
  test('behavior: C ≥ requirement implies the margin holds; a holding margin implies C + 1 ≥ requirement', () => {
    fc.assert(
      fc.property(anyAccountArb, (account) => {
        const c = accountValues(account).collateralValueWad;
        const m = requiredMarginsWad(account);
        const pairs: readonly [bigint | null, boolean][] = [
          [m.maintenanceWad, m.excessMaintenanceWad >= 0n],
          [m.initialWad, m.excessInitialWad >= 0n],
        ];
        for (const [required, holds] of pairs) {
          if (required === null) {
            expect(holds).toBe(false);
            continue;
          }
          if (c >= required) expect(holds).toBe(true);
          if (holds) expect(c + 1n >= required).toBe(true);
        }
        expect(m.excessMaintenanceWad >= 0n).toBe(!isLiquidatable(account));
      }),
      RUNS,
    );
  });
});

describe('liquidationPrice', () => {
  test('behavior: liquidatable at the price and below it, not one unit above', () => {
    fc.assert(
      fc.property(withCollateralArb, fc.bigInt({ min: 0n, max: 10n ** 24n }), ([account, i], probe) => {
        const asset = account.collateral[i]!.asset;
        const limit = liquidationPrice(account, asset);
        const at = (p: bigint): boolean => isLiquidatable(setPrice(account, asset, p));
        if (limit === null) {
          expect(at(0n)).toBe(false);
          expect(at(probe)).toBe(false);
          return;
        }
        expect(at(0n)).toBe(true);
        if (limit === MAX_UINT256) {
          // Every price liquidates (valuing the holding at 2^256 − 1 itself would overflow).
          expect(at(probe)).toBe(true);
          expect(isLiquidatable(account)).toBe(true);
          return;
        }
        expect(at(limit)).toBe(true);
        expect(at(limit + 1n)).toBe(false);
        expect(at(probe)).toBe(probe <= limit);
        expect(isLiquidatable(account)).toBe(account.collateral[i]!.price <= limit);
      }),
      { numRuns: 500 },
    );
  });
});

describe('distanceToLiquidationBps', () => {
  test('behavior: liquidatable after the returned drop, not after one bps less', () => {
    fc.assert(
      fc.property(anyAccountArb, (account) => {
        const d = distanceToLiquidationBps(account);
        if (d === null) {
          expect(accountValues(account).debtValueWad).toBe(0n);
          expect(isLiquidatable(applyCollateralPriceDropBps(account, BPS))).toBe(false);
          return;
        }
        expect(d >= 0n && d <= BPS).toBe(true);
        expect(isLiquidatable(applyCollateralPriceDropBps(account, d))).toBe(true);
        if (d > 0n) expect(isLiquidatable(applyCollateralPriceDropBps(account, d - 1n))).toBe(false);
        expect(d === 0n).toBe(isLiquidatable(account));
      }),
      { numRuns: 500 },
    );
  });
});

describe('distanceToLiquidationByAssetBps', () => {
  test('behavior: liquidatable after the returned drop of that asset, not after one bps less', () => {
    fc.assert(
      fc.property(withCollateralArb, ([account, i]) => {
        const line = account.collateral[i]!;
        const d = distanceToLiquidationByAssetBps(account, line.asset);
        const liquidatableAfter = (bps: bigint): boolean =>
          isLiquidatable(applyCollateralPriceDropBps(account, bps, line.asset));
        if (d === null) {
          expect(liquidatableAfter(BPS)).toBe(false);
          return;
        }
        expect(d >= 0n && d <= BPS).toBe(true);
        expect(liquidatableAfter(d)).toBe(true);
        if (d > 0n) expect(liquidatableAfter(d - 1n)).toBe(false);
        // Consistent with the liquidation price: the stressed price is at or below it.
        const limit = liquidationPrice(account, line.asset);
        expect(limit).not.toBeNull();
        expect((line.price * (BPS - d)) / BPS <= limit!).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
  test('behavior: a drop of every collateral is never further away than a drop of one', () => {
    fc.assert(
      fc.property(withCollateralArb, ([account, i]) => {
        const one = distanceToLiquidationByAssetBps(account, account.collateral[i]!.asset);
        const all = distanceToLiquidationBps(account);
        if (one !== null) expect(all !== null && all <= one).toBe(true);
      }),
      RUNS,
    );
  });
});
