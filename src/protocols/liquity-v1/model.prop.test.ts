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
import { fundSam, liquityCommandArb, liquitySetup, whaleTrove } from './testkit.js';

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
/** Depositors: the borrowers and `sam`, who holds LUSD bought outside. */
const DEPOSITORS = [...ACCOUNTS, 'sam', 'sam', 'sam', 'sam', 'sam'];

const groupArb: fc.Arbitrary<Command[]> = liquityCommandArb({
  borrowers: ACCOUNTS,
  depositors: DEPOSITORS,
  withdrawers: DEPOSITORS,
  withdrawZero: true,
  maxSortedLiquidations: 5,
  maxBatchAccounts: 4,
  weights: {
    openTrove: 8,
    adjustCollateral: 2,
    adjustDebt: 3,
    closeTrove: 1,
    provideToSP: 5,
    withdrawFromSP: 2,
    price: 6,
    liquidate: 5,
    liquidateTroves: 3,
    batchLiquidate: 3,
    recoveryDrop: 2,
    claimCollateral: 2,
  },
});

/** A whale trove of 0, 60 or 300 ETH (borrowing a quarter of its value) and the random groups. */
const sequenceArb = fc.tuple(
  fc.constantFrom(0n, 60n, 300n),
  fc.array(fc.tuple(groupArb, fc.nat(900)), { minLength: 120, maxLength: 120 }),
);

/** The market at $2,000, a whale trove that anchors the TCR (if any), and `sam`'s LUSD. */
function setup(whaleEth: bigint): Command[] {
  return [...liquitySetup(2_000), ...(whaleEth === 0n ? [] : [whaleTrove(whaleEth)]), fundSam];
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
