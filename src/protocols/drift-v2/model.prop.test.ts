/**
 * Property test of the drift-v2 model: random deposits, withdrawals, trades, closes, price moves,
 * funding, insurance top-ups, time steps and liquidations across several accounts run through the
 * engine contract (`runContract`), which must report no violation (ledger conservation incl. PnL,
 * fees, insurance and social-loss transfers; the model's invariants: Σ base = 0, Σ entry = 0,
 * step multiples, the insurance claim cap; no healthy account liquidated; refusals change
 * nothing; replay and determinism). The runs must apply ≥ 2,000 commands, liquidate, and resolve
 * bankruptcies.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { driftV2Model } from './model.js';
import { milliSol, setupCommands, solPrice, usd } from './testkit.js';

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
const LIQUIDATORS = ['liq', 'kim'] as const;
const M = 'SOL-PERP';

const SETUP: readonly Command[] = [
  ...setupCommands(),
  { type: 'deposit', account: 'kim', amount: usd(20_000) },
  ...USERS.map((account): Command => ({ type: 'deposit', account, amount: usd(500) })),
];

const user = fc.constantFrom(...USERS);
const groupArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(user, fc.integer({ min: 1, max: 800 }))
      .map(([account, n]): Command[] => [{ type: 'deposit', account, amount: usd(n) }]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(user, fc.integer({ min: 1, max: 400 }))
      .map(([account, n]): Command[] => [{ type: 'withdraw', account, amount: usd(n) }]),
    weight: 1,
  },
  {
    // Leveraged trades: up to ±90 SOL (0.001 steps), often refused for margin.
    arbitrary: fc
      .tuple(
        user,
        fc.integer({ min: -90_000, max: 90_000 }).filter((n) => n !== 0),
      )
      .map(([account, n]): Command[] => [
        { type: 'openPosition', account, market: M, sizeBase: milliSol(n) },
      ]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(user, fc.boolean())
      .map(([account, whole]): Command[] => [
        whole
          ? { type: 'closePosition', account, market: M }
          : { type: 'closePosition', account, market: M, sizeBase: milliSol(1_000) },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc.integer({ min: 60, max: 140 }).map((d): Command[] => [solPrice(d)]),
    weight: 5,
  },
  {
    arbitrary: fc
      .integer({ min: -2_000, max: 2_000 })
      .map((ratePpm): Command[] => [{ type: 'accrueFunding', market: M, ratePpm }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .integer({ min: 1, max: 50 })
      .map((n): Command[] => [{ type: 'fundInsurance', asset: 'USDC', amount: usd(n) }]),
    weight: 1,
  },
  {
    arbitrary: user.map((account): Command[] => [{ type: 'settlePnl', account }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(
        user,
        fc.constantFrom<string>(...LIQUIDATORS, ...USERS),
        fc.option(fc.integer({ min: 1, max: 50_000 })),
      )
      .map(([account, liquidator, max]): Command[] => [
        max === null
          ? { type: 'liquidate', account, liquidator, market: M }
          : { type: 'liquidatePerp', account, liquidator, market: M, maxBaseAssetAmount: milliSol(max) },
      ]),
    weight: 7,
  },
);

const sequenceArb = fc.array(fc.tuple(groupArb, fc.nat(90)), { minLength: 70, maxLength: 70 });

function timeline(random: readonly [Command[], number][]): TimedCommand[] {
  let now = 1_000;
  const out: TimedCommand[] = SETUP.map((command) => ({ command, nowSeconds: now }));
  for (const [group, dt] of random) {
    now += dt;
    for (const command of group) out.push({ command, nowSeconds: now });
  }
  return out;
}

describe('driftV2Model contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = { applied: 0, liquidations: 0, bankruptcies: 0, socialized: 0, pending: 0 };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(driftV2Model, commands);
        expect(result.violations).toEqual([]);
        totals.applied += result.accepted;
        totals.liquidations += result.liquidations;
        for (const { event } of result.log) {
          if (event.type === 'DriftPerpBankruptcyResolved') totals.bankruptcies += 1;
          if (event.type === 'DriftLossSocialized') totals.socialized += 1;
          if (event.type === 'DriftPendingLossChanged') totals.pending += 1;
        }
      }),
      { numRuns: 50 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(2_000);
    expect(totals.liquidations).toBeGreaterThan(0);
    expect(totals.bankruptcies).toBeGreaterThan(0);
    expect(totals.socialized).toBeGreaterThan(0);
  });
});
