/**
 * Property test of the compound-v3 model: random sequences of supplies, leveraged positions,
 * borrows, repays, withdrawals, price moves, time steps, index moves, absorbs, collateral sales and
 * reserve movements across several accounts run through the engine contract (`runContract`), which
 * must report no violation. The run must apply at least 1,500 commands, absorb and sell collateral.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { compoundV3Model } from './model.js';
import { DEFAULT_COMPOUND_PARAMS } from './params.js';

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
const BORROWERS = ['alice', 'bob', 'carol', 'dave'] as const;
const LENDERS = ['lena', 'leo'] as const;
/** Opening prices, USD·1e8. */
const OPEN: Readonly<Record<'WETH' | 'WBTC', bigint>> = { WETH: 2_000n * E8, WBTC: 30_000n * E8 };

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
  { type: 'listAsset', asset: 'WBTC', decimals: 8 },
  { type: 'listAsset', asset: 'COMP', decimals: 18 },
  // A low target so that both "for sale" and NotForSale happen.
  { type: 'configure', params: { ...DEFAULT_COMPOUND_PARAMS, targetReserves: 2_000n * E6 } },
  oracle('USDC'),
  oracle('WETH'),
  oracle('WBTC'),
  price('USDC', E8),
  price('WETH', OPEN.WETH),
  price('WBTC', OPEN.WBTC),
  ...LENDERS.map((account): Command => ({ type: 'supply', account, amount: 500_000n * E6 })),
  ...BORROWERS.map((actor): Command => ({ type: 'fundWallet', actor, asset: 'USDC', amount: 50_000n * E6 })),
  { type: 'fundWallet', actor: 'kim', asset: 'USDC', amount: 10_000_000n * E6 },
];

const borrower = fc.constantFrom(...BORROWERS);
const lender = fc.constantFrom(...LENDERS);
const collateral = fc.constantFrom<'WETH' | 'WBTC'>('WETH', 'WBTC');
/** n steps of 0.01 WETH or 0.001 WBTC ($20 or $30 at the opening prices). */
const unitsOf = (asset: 'WETH' | 'WBTC', n: number): bigint =>
  asset === 'WETH' ? (BigInt(n) * E18) / 100n : (BigInt(n) * E8) / 1_000n;
/** Value at the opening price of those units, in USDC base units. */
const openValueUsdc = (asset: 'WETH' | 'WBTC', n: number): bigint =>
  (BigInt(n) * OPEN[asset] * E6) / (asset === 'WETH' ? 100n : 1_000n) / E8;
const usdc = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E6);

/** A group of commands; `setIndexes` carries increments that are made absolute afterwards. */
const groupArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    // A leveraged position: collateral, then a borrow at 50–82 % of its opening value.
    arbitrary: fc
      .tuple(borrower, collateral, fc.integer({ min: 10, max: 800 }), fc.integer({ min: 50, max: 82 }))
      .map(([account, asset, n, ltvPct]): Command[] => [
        { type: 'supplyCollateral', account, asset, amount: unitsOf(asset, n) },
        { type: 'borrow', account, amount: (openValueUsdc(asset, n) * BigInt(ltvPct)) / 100n },
      ]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(borrower, collateral, fc.integer({ min: 1, max: 500 }))
      .map(([account, asset, n]): Command[] => [
        { type: 'supplyCollateral', account, asset, amount: unitsOf(asset, n) },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(borrower, usdc(100, 8_000))
      .map(([account, amount]): Command[] => [{ type: 'borrow', account, amount }]),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(borrower, fc.oneof(fc.constant<'max'>('max'), usdc(1, 5_000)))
      .map(([account, amount]): Command[] => [{ type: 'repay', account, amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(borrower, collateral, fc.integer({ min: 1, max: 200 }))
      .map(([account, asset, n]): Command[] => [
        { type: 'withdrawCollateral', account, asset, amount: unitsOf(asset, n) },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(lender, usdc(1, 50_000), fc.boolean())
      .map(([account, amount, out]): Command[] => [{ type: out ? 'withdraw' : 'supply', account, amount }]),
    weight: 2,
  },
  {
    // Prices between 30 % and 130 % of the opening price.
    arbitrary: fc
      .tuple(collateral, fc.integer({ min: 30, max: 130 }))
      .map(([asset, pct]): Command[] => [price(asset, (OPEN[asset] * BigInt(pct)) / 100n)]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('keeper1', 'keeper2'),
        fc.oneof(
          { arbitrary: fc.tuple(borrower), weight: 4 },
          { arbitrary: fc.tuple(borrower, borrower), weight: 1 },
        ),
        fc.nat(1_000),
      )
      .map(([absorber, accounts, gas]): Command[] => [
        { type: 'absorb', absorber, accounts: [...accounts], gasCostWei: BigInt(gas) },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('kim', 'bob'), collateral, usdc(1, 20_000), fc.nat(3))
      .map(([buyer, asset, baseAmount, strictness]): Command[] => [
        { type: 'buyCollateral', buyer, asset, baseAmount, minAmount: strictness === 0 ? 10n ** 30n : 0n },
      ]),
    weight: 5,
  },
  {
    arbitrary: usdc(1, 5_000).map((amount): Command[] => [{ type: 'fundReserves', amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('governor', 'eve'), usdc(1, 3_000))
      .map(([actor, amount]): Command[] => [{ type: 'withdrawReserves', actor, amount }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.nat(2_000_000_000_000), fc.nat(3_000_000_000_000))
      .map(([s, b]): Command[] => [
        { type: 'setIndexes', baseSupplyIndex: BigInt(s), baseBorrowIndex: BigInt(b) },
      ]),
    weight: 1,
  },
);

const sequenceArb = fc.array(fc.tuple(groupArb, fc.nat(600)), { minLength: 90, maxLength: 90 });

/** Setup at t = 0, then the random groups at increasing times, with absolute indexes. */
function timeline(random: readonly [Command[], number][]): TimedCommand[] {
  let now = 1;
  let supplyIndex = 10n ** 15n;
  let borrowIndex = 10n ** 15n;
  const out: TimedCommand[] = SETUP.map((command) => ({ command, nowSeconds: 0 }));
  for (const [group, dt] of random) {
    now += dt;
    for (const command of group) {
      if (command.type === 'setIndexes') {
        supplyIndex += command.baseSupplyIndex as bigint;
        borrowIndex += command.baseBorrowIndex as bigint;
        out.push({
          command: { ...command, baseSupplyIndex: supplyIndex, baseBorrowIndex: borrowIndex },
          nowSeconds: now,
        });
      } else {
        out.push({ command, nowSeconds: now });
      }
    }
  }
  return out;
}

describe('compoundV3Model contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = { applied: 0, absorbs: 0, accountsAbsorbed: 0, sales: 0, badDebt: 0 };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(compoundV3Model, commands);
        expect(result.violations).toEqual([]);
        expect(result.accepted + result.refused).toBe(commands.length);
        totals.applied += result.accepted;
        totals.absorbs += result.liquidations;
        for (const { event } of result.log) {
          if (event.type === 'CompoundCollateralBought') totals.sales += 1;
          if (event.type === 'CompoundAbsorbed') {
            totals.accountsAbsorbed += 1;
            if ((event as { shortfall?: bigint }).shortfall !== 0n) totals.badDebt += 1;
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(2_600);
    expect(totals.absorbs).toBeGreaterThan(0);
    expect(totals.accountsAbsorbed).toBeGreaterThanOrEqual(totals.absorbs);
    expect(totals.sales).toBeGreaterThan(0);
    expect(totals.badDebt).toBeGreaterThan(0);
  });
});
