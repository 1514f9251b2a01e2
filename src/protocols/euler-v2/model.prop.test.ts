/**
 * Property test of the euler-v2 model: random sequences of collateral deposits, leveraged borrows,
 * repays, withdrawals, lender supplies and redemptions, price moves, time steps, LTV ramps,
 * governance changes and liquidations (by outside liquidators with their own collateral or repaying
 * from their wallet, and by other borrowers) across several accounts run through the engine
 * contract (`runContract`), which must report no violation. The runs must apply at least 3,000
 * commands, liquidate, and socialize bad debt.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { eulerV2Model } from './model.js';
import { DEFAULT_EULER_PARAMS } from './params.js';
import type { EulerLiquidated } from './state.js';

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
type Collateral = 'WETH' | 'wstETH' | 'WBTC';
const BORROWERS = ['alice', 'bob', 'carol', 'dave'] as const;
const LENDERS = ['lena', 'leo'] as const;
const LIQUIDATORS = ['kim', 'ken', 'alice', 'bob'] as const;
/** Opening prices, USD·1e8. */
const OPEN: Readonly<Record<Collateral, bigint>> = {
  WETH: 2_000n * E8,
  wstETH: 2_400n * E8,
  WBTC: 60_000n * E8,
};
/** One step of each collateral: 0.01 WETH, 0.01 wstETH, 0.001 WBTC. */
const STEP: Readonly<Record<Collateral, bigint>> = {
  WETH: E18 / 100n,
  wstETH: E18 / 100n,
  WBTC: E8 / 1_000n,
};
const UNIT: Readonly<Record<Collateral, bigint>> = { WETH: E18, wstETH: E18, WBTC: E8 };

const oracle = (asset: string): Command => feedOracleCommand(asset, 366 * 86_400);
const price = (asset: string, usd8: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: usd8,
});

const SETUP: readonly Command[] = [
  { type: 'listAsset', asset: 'USDC', decimals: 6 },
  { type: 'listAsset', asset: 'WETH', decimals: 18 },
  { type: 'listAsset', asset: 'wstETH', decimals: 18 },
  { type: 'listAsset', asset: 'WBTC', decimals: 8 },
  { type: 'configure', params: DEFAULT_EULER_PARAMS },
  oracle('USDC'),
  oracle('WETH'),
  oracle('wstETH'),
  oracle('WBTC'),
  price('USDC', E8),
  price('WETH', OPEN.WETH),
  price('wstETH', OPEN.wstETH),
  price('WBTC', OPEN.WBTC),
  ...LENDERS.map((account): Command => ({ type: 'supply', account, amount: 500_000n * E6 })),
  ...[...BORROWERS, 'kim', 'ken'].map(
    (actor): Command => ({ type: 'fundWallet', actor, asset: 'USDC', amount: 5_000_000n * E6 }),
  ),
  // kim liquidates on its own collateral; ken usually repays from its wallet.
  { type: 'deposit', account: 'kim', asset: 'WETH', amount: 200n * E18 },
];

const borrower = fc.constantFrom(...BORROWERS);
const collateral = fc.constantFrom<Collateral>('WETH', 'wstETH', 'WBTC');
/** Value in USDC units of n steps of a collateral at its opening price. */
const openValueUsdc = (asset: Collateral, n: number): bigint =>
  (BigInt(n) * STEP[asset] * OPEN[asset] * E6) / UNIT[asset] / E8;
const usdc = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E6);

const groupArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    // A leveraged position: collateral, then a borrow at 50–82 % of its opening value.
    arbitrary: fc
      .tuple(borrower, collateral, fc.integer({ min: 10, max: 800 }), fc.integer({ min: 50, max: 82 }))
      .map(([account, asset, n, pct]): Command[] => [
        { type: 'deposit', account, asset, amount: BigInt(n) * STEP[asset] },
        { type: 'borrow', account, amount: (openValueUsdc(asset, n) * BigInt(pct)) / 100n },
      ]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(borrower, collateral, fc.integer({ min: 1, max: 300 }))
      .map(([account, asset, n]): Command[] => [
        { type: 'deposit', account, asset, amount: BigInt(n) * STEP[asset] },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(borrower, usdc(50, 5_000))
      .map(([account, amount]): Command[] => [{ type: 'borrow', account, amount }]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(borrower, fc.oneof(fc.constant<'max'>('max'), usdc(1, 3_000)))
      .map(([account, amount]): Command[] => [{ type: 'repay', account, amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(...BORROWERS, 'kim'),
        collateral,
        fc.oneof(fc.constant<'max'>('max'), fc.integer({ min: 1, max: 200 })),
      )
      .map(([account, asset, n]): Command[] => [
        { type: 'withdraw', account, asset, amount: n === 'max' ? 'max' : BigInt(n) * STEP[asset] },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...LENDERS), fc.oneof(fc.constant<'max'>('max'), usdc(1, 50_000)), fc.boolean())
      .map(([account, amount, out]): Command[] =>
        out
          ? [{ type: 'withdraw', account, asset: 'USDC', amount }]
          : [{ type: 'supply', account, amount: amount === 'max' ? 10_000n * E6 : amount }],
      ),
    weight: 2,
  },
  {
    // Prices between 30 % and 120 % of the opening price.
    arbitrary: fc
      .tuple(collateral, fc.integer({ min: 30, max: 120 }))
      .map(([asset, pct]): Command[] => [price(asset, (OPEN[asset] * BigInt(pct)) / 100n)]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(
        borrower,
        fc.constantFrom(...LIQUIDATORS),
        collateral,
        fc.oneof(
          { arbitrary: fc.constant<'max'>('max'), weight: 5 },
          { arbitrary: usdc(1, 4_000), weight: 2 },
        ),
        fc.nat(9),
        fc.boolean(),
      )
      // The named collateral first, then the violator's other collaterals (each a separate call).
      .map(([violator, liquidator, first, repayAssets, strictness, fromWallet]): Command[] =>
        [first, ...(['WETH', 'wstETH', 'WBTC'] as const).filter((c) => c !== first)].map((asset) => ({
          type: 'liquidate',
          violator,
          liquidator,
          collateral: asset,
          repayAssets,
          minYieldBalance: strictness === 0 ? 10n ** 30n : 0n,
          repayFromWallet: liquidator === 'ken' ? strictness !== 1 : fromWallet,
        })),
      ),
    weight: 8,
  },
  {
    // Governance lowers (or raises) a liquidation LTV, often with a ramp.
    arbitrary: fc
      .tuple(collateral, fc.integer({ min: 50, max: 92 }), fc.constantFrom(0, 600, 3_600, 86_400))
      .map(([asset, pct, rampDuration]): Command[] => [
        {
          type: 'setLTV',
          collateral: asset,
          borrowLTV: pct * 100 - 200,
          liquidationLTV: pct * 100,
          rampDuration,
        },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.nat(3), fc.integer({ min: 500, max: 3_000 }), fc.nat(5))
      .map(([which, discountBps, seconds]): Command[] => [
        which === 0
          ? { type: 'setConfigFlags', dontSocializeDebt: true }
          : which === 1
            ? { type: 'setConfigFlags', dontSocializeDebt: false }
            : which === 2
              ? { type: 'setMaxLiquidationDiscount', discountBps }
              : { type: 'setLiquidationCoolOffTime', seconds },
      ]),
    weight: 1,
  },
);

const sequenceArb = fc.array(fc.tuple(groupArb, fc.nat(600)), { minLength: 80, maxLength: 80 });

/** Setup at t = 0, then the random groups at non-decreasing times. */
function timeline(random: readonly [Command[], number][]): TimedCommand[] {
  let now = 1;
  const out: TimedCommand[] = SETUP.map((command) => ({ command, nowSeconds: 0 }));
  for (const [group, dt] of random) {
    now += dt;
    for (const command of group) out.push({ command, nowSeconds: now });
  }
  return out;
}

describe('eulerV2Model contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = { applied: 0, liquidations: 0, withRepay: 0, socialized: 0, fromWallet: 0, byBorrower: 0 };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(eulerV2Model, commands);
        expect(result.violations).toEqual([]);
        expect(result.accepted + result.refused).toBe(commands.length);
        totals.applied += result.accepted;
        for (const { event } of result.log) {
          if (event.type === 'EulerLiquidated') {
            const e = event as EulerLiquidated;
            totals.liquidations += 1;
            // Euler liquidates only in violation: health ≤ 1.
            expect(e.healthScoreWad).toBeLessThanOrEqual(E18);
            if (e.repay > 0n) totals.withRepay += 1;
            if (e.liquidator === 'alice' || e.liquidator === 'bob') totals.byBorrower += 1;
          }
          if (event.type === 'EulerDebtSocialized') totals.socialized += 1;
          if (event.type === 'EulerRepaid' && (event as { account?: string }).account === 'ken')
            totals.fromWallet += 1;
        }
      }),
      { numRuns: 45 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(3_000);
    expect(totals.liquidations).toBeGreaterThan(0);
    expect(totals.withRepay).toBeGreaterThan(0);
    expect(totals.socialized).toBeGreaterThan(0);
    expect(totals.fromWallet).toBeGreaterThan(0);
  });
});
