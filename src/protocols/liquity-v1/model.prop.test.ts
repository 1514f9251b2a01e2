/**
 * Property test of the liquity-v1 model: random sequences of trove openings, adjustments and
 * closings, Stability Pool deposits and withdrawals, price moves (deep enough for Recovery Mode),
 * single, sorted and batch liquidations and surplus claims across several accounts run through the
 * engine contract (`runContract`), which must report no violation. The runs must apply at least
 * 2,000 commands, liquidate troves through the pool, redistribute bad debt, hit Recovery Mode and
 * make capped offsets.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { liquityV1Model } from './model.js';
import type { TroveLiquidated } from './state.js';
import { E18, liquitySetup, usd8 } from './testkit.js';

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const account = fc.constantFrom(...ACCOUNTS);
/** Depositors: the borrowers and `sam`, who holds LUSD bought outside. */
const depositor = fc.constantFrom<string>(...ACCOUNTS, 'sam', 'sam', 'sam', 'sam', 'sam');
/** n halves of an ETH. */
const halfEth = (n: number): bigint => (BigInt(n) * E18) / 2n;
const lusd = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E18);

const groupArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    // A trove worth 2000 $/ETH × coll, borrowing 35–85 % of that value.
    arbitrary: fc
      .tuple(account, fc.integer({ min: 3, max: 60 }), fc.integer({ min: 35, max: 85 }))
      .map(([a, n, pct]): Command[] => [
        {
          type: 'openTrove',
          account: a,
          collDeposit: halfEth(n),
          lusdAmount: (halfEth(n) * 2_000n * BigInt(pct)) / 100n,
        },
      ]),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(account, fc.integer({ min: 1, max: 10 }), fc.boolean())
      .map(([a, n, add]): Command[] => [
        add
          ? { type: 'adjustTrove', account: a, collDeposit: halfEth(n) }
          : { type: 'adjustTrove', account: a, collWithdrawal: halfEth(n) },
      ]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(account, lusd(100, 6_000), fc.boolean())
      .map(([a, amount, draw]): Command[] => [
        { type: 'adjustTrove', account: a, lusdChange: amount, isDebtIncrease: draw },
      ]),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(account, lusd(0, 30_000)).map(([a, amount]): Command[] => [
      { type: 'fundWallet', actor: a, asset: 'LUSD', amount: amount + 1n },
      { type: 'closeTrove', account: a },
    ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(depositor, lusd(1, 25_000))
      .map(([a, amount]): Command[] => [{ type: 'provideToSP', account: a, amount }]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(depositor, fc.oneof(fc.constant(0n), lusd(1, 20_000), fc.constant(10n ** 30n)))
      .map(([a, amount]): Command[] => [{ type: 'withdrawFromSP', account: a, amount }]),
    weight: 2,
  },
  {
    // ETH between $500 and $2,600.
    arbitrary: fc
      .integer({ min: 600, max: 2_600 })
      .map((dollars): Command[] => [
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(account, fc.constantFrom('k1', 'k2'))
      .map(([a, liquidator]): Command[] => [{ type: 'liquidate', account: a, liquidator }]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom('k1', 'k2'))
      .map(([n, liquidator]): Command[] => [{ type: 'liquidateTroves', n, liquidator }]),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.uniqueArray(account, { minLength: 1, maxLength: 4 }), fc.constantFrom('k1', 'k2'))
      .map(([accounts, liquidator]): Command[] => [{ type: 'batchLiquidateTroves', accounts, liquidator }]),
    weight: 3,
  },
  {
    // A funded pool, then a fall into the Recovery Mode band where capped offsets happen.
    arbitrary: fc
      .tuple(lusd(10_000, 40_000), fc.integer({ min: 1_100, max: 1_500 }))
      .map(([amount, dollars]): Command[] => [
        { type: 'provideToSP', account: 'sam', amount },
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) },
        { type: 'liquidateTroves', n: 5, liquidator: 'k1' },
      ]),
    weight: 2,
  },
  {
    arbitrary: account.map((a): Command[] => [{ type: 'claimCollateral', account: a }]),
    weight: 2,
  },
);

/** A whale trove of 0, 60 or 300 ETH (borrowing a quarter of its value) and the random groups. */
const sequenceArb = fc.tuple(
  fc.constantFrom(0n, 60n, 300n),
  fc.array(fc.tuple(groupArb, fc.nat(900)), { minLength: 120, maxLength: 120 }),
);

/** The market at $2,000, a whale trove that anchors the TCR (if any), and `sam`'s LUSD. */
function setup(whaleEth: bigint): Command[] {
  return [
    ...liquitySetup(2_000),
    ...(whaleEth === 0n
      ? []
      : [
          {
            type: 'openTrove',
            account: 'whale',
            collDeposit: whaleEth * E18,
            lusdAmount: whaleEth * 500n * E18,
          },
        ]),
    { type: 'fundWallet', actor: 'sam', asset: 'LUSD', amount: 1_000_000n * E18 },
  ];
}

/** Setup at t = 0, then the random groups at increasing times. */
function timeline([whaleEth, random]: readonly [bigint, readonly [Command[], number][]]): TimedCommand[] {
  let now = 1;
  const out: TimedCommand[] = setup(whaleEth).map((command) => ({ command, nowSeconds: 0 }));
  for (const [group, dt] of random) {
    now += dt;
    for (const command of group) out.push({ command, nowSeconds: now });
  }
  return out;
}

describe('liquityV1Model contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = {
      applied: 0,
      liquidatedTroves: 0,
      offsets: 0,
      redistributions: 0,
      recovery: 0,
      capped: 0,
      claims: 0,
    };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(liquityV1Model, commands);
        expect(result.violations).toEqual([]);
        expect(result.accepted + result.refused).toBe(commands.length);
        totals.applied += result.accepted;
        for (const { event } of result.log) {
          if (event.type === 'TroveLiquidated') {
            const e = event as TroveLiquidated;
            totals.liquidatedTroves += 1;
            if (e.mode === 'recovery') totals.recovery += 1;
            if (e.branch === 'cappedOffset') totals.capped += 1;
          }
          if (event.type === 'StabilityPoolOffset') totals.offsets += 1;
          if (event.type === 'Redistributed') totals.redistributions += 1;
          if (event.type === 'CollateralClaimed') totals.claims += 1;
        }
      }),
      { numRuns: 40 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(2_000);
    expect(totals.liquidatedTroves).toBeGreaterThan(0);
    expect(totals.offsets).toBeGreaterThan(0);
    expect(totals.redistributions).toBeGreaterThan(0);
    expect(totals.recovery).toBeGreaterThan(0);
    expect(totals.capped).toBeGreaterThan(0);
  });
});
