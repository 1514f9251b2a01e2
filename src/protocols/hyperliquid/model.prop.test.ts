/**
 * Property test of the hyperliquid model: random deposits, withdrawals, cross and isolated trades,
 * closes, isolated margin moves, price moves, funding, time steps and liquidations across several
 * accounts run through the engine contract (`runContract`): no violation (ledger conservation incl.
 * PnL, fees, vault takeovers and ADL transfers; Σ size = 0; Σ entry = 0; isolated margin only
 * behind isolated positions; no healthy account liquidated; refusals change nothing; replay and
 * determinism). The runs must apply ≥ 2,000 commands, liquidate through the book, the vault and ADL.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { hyperliquidModel } from './model.js';
import { btcPrice, setupCommands, usd } from './testkit.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const M = 'BTC-PERP';
const SETUP: readonly Command[] = [
  ...setupCommands(),
  ...USERS.map((account): Command => ({ type: 'deposit', account, amount: usd(20_000) })),
];
const user = fc.constantFrom(...USERS);

const groupArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(user, fc.integer({ min: 1, max: 5_000 }))
      .map(([account, n]): Command[] => [{ type: 'deposit', account, amount: usd(n) }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(user, fc.integer({ min: 1, max: 5_000 }))
      .map(([account, n]): Command[] => [{ type: 'withdraw', account, amount: usd(n) }]),
    weight: 1,
  },
  {
    // Up to ±8 BTC (0.001 BTC units), cross or isolated with 500–20,000 of margin.
    arbitrary: fc
      .tuple(
        user,
        fc.integer({ min: -8_000, max: 8_000 }).filter((n) => n !== 0),
        fc.option(fc.integer({ min: 500, max: 20_000 })),
      )
      .map(([account, n, iso]): Command[] => [
        iso === null
          ? { type: 'openPosition', account, market: M, sizeBase: BigInt(n) }
          : {
              type: 'openPosition',
              account,
              market: M,
              sizeBase: BigInt(n),
              marginMode: 'isolated',
              isolatedMargin: usd(iso),
            },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(user, fc.boolean())
      .map(([account, whole]): Command[] => [
        whole
          ? { type: 'closePosition', account, market: M }
          : { type: 'closePosition', account, market: M, sizeBase: 100n },
      ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(user, fc.boolean(), fc.integer({ min: 1, max: 2_000 }))
      .map(([account, add, n]): Command[] => [
        { type: add ? 'addIsolatedMargin' : 'removeIsolatedMargin', account, market: M, amount: usd(n) },
      ]),
    weight: 1,
  },
  {
    // A random walk of the price: moves of −0.8 % … +0.8 % (bps, resolved in the timeline).
    arbitrary: fc.integer({ min: -80, max: 80 }).map((bps): Command[] => [{ type: 'priceMove', bps }]),
    weight: 4,
  },
  {
    // A gap of 2–6 %: high-leverage accounts jump past zero (ADL).
    arbitrary: fc
      .tuple(fc.boolean(), fc.integer({ min: 200, max: 600 }))
      .map(([down, bps]): Command[] => [{ type: 'priceMove', bps: down ? -bps : bps }]),
    weight: 2,
  },
  {
    // A run of same-direction moves with every user liquidated after each: accounts pass through
    // maintenance, ⅔ of it and zero one after the other (book orders, the vault, ADL).
    arbitrary: fc
      .tuple(fc.boolean(), fc.integer({ min: 15, max: 120 }), fc.integer({ min: 3, max: 8 }))
      .map(([down, bps, steps]): Command[] =>
        Array.from({ length: steps }, (): Command[] => [
          { type: 'priceMove', bps: down ? -bps : bps },
          ...USERS.map((account): Command => ({ type: 'liquidate', account, liquidator: 'keeper' })),
        ]).flat(),
      ),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: -500, max: 500 })
      .map((ratePpm): Command[] => [{ type: 'accrueFunding', market: M, ratePpm }]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(user, fc.boolean())
      .map(([account, withMarket]): Command[] => [
        withMarket
          ? { type: 'liquidate', account, liquidator: 'keeper', market: M }
          : { type: 'liquidate', account, liquidator: 'keeper' },
      ]),
    weight: 8,
  },
);

const sequenceArb = fc.array(fc.tuple(groupArb, fc.nat(20)), { minLength: 50, maxLength: 50 });

function timeline(random: readonly [Command[], number][]): TimedCommand[] {
  let now = 1_000;
  let dollars = 100_000;
  const out: TimedCommand[] = SETUP.map((command) => ({ command, nowSeconds: now }));
  for (const [group, dt] of random) {
    now += dt + 1; // one publication per second at most
    for (const command of group) {
      if (command.type !== 'priceMove') {
        out.push({ command, nowSeconds: now });
        continue;
      }
      dollars = Math.min(
        200_000,
        Math.max(50_000, Math.round((dollars * (10_000 + Number(command.bps))) / 10_000)),
      );
      out.push({ command: btcPrice(dollars), nowSeconds: now });
    }
  }
  return out;
}

describe('hyperliquidModel contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = { applied: 0, liquidations: 0, book: 0, backstop: 0, adl: 0, partial: 0 };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(hyperliquidModel, commands);
        expect(result.violations).toEqual([]);
        totals.applied += result.accepted;
        totals.liquidations += result.liquidations;
        for (const { event } of result.log) {
          if (event.type === 'HyperliquidLiquidated') {
            const kind = (event as { kind?: string }).kind;
            if (kind === 'book') totals.book += 1;
            if (kind === 'backstop') totals.backstop += 1;
          }
          if (event.type === 'HyperliquidAutoDeleveraged') totals.adl += 1;
          if (event.type === 'HyperliquidPartiallyLiquidated') totals.partial += 1;
        }
      }),
      { numRuns: 50 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(2_000);
    expect(totals.book).toBeGreaterThan(0);
    expect(totals.backstop).toBeGreaterThan(0);
    expect(totals.adl).toBeGreaterThan(0);
    expect(totals.partial).toBeGreaterThan(0);
  });
});
