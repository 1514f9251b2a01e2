/**
 * Property test of the crvusd model: random sequences of loans (create, add/remove collateral,
 * borrow more, repay by the borrower or a third party), oracle moves with arbitrage (soft
 * liquidation and de-liquidation), AMM trades, hard liquidations (whole, partial, self), write-offs
 * of bad debt, fee collection and time steps, across several accounts, run through the engine
 * contract (`runContract`), which must report no violation. The runs must apply at least 3,000
 * commands in all, hard-liquidate, and write off bad debt.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { crvusdModel } from './model.js';
import { DEFAULT_CRVUSD_PARAMS } from './params.js';
import { oracleCommand, priceCommand } from './testkit.js';

const E18 = 10n ** 18n;
const BORROWERS = ['alice', 'bob', 'carol', 'dave'] as const;
const LIQUIDATORS = ['liq1', 'liq2'] as const;

const SETUP: readonly Command[] = [
  { type: 'listAsset', asset: 'crvUSD', decimals: 18 },
  { type: 'listAsset', asset: 'WETH', decimals: 18 },
  oracleCommand('WETH'),
  priceCommand('WETH', 2000n),
  // A fifth of the fee to the admin so that collectFees has something to move.
  { type: 'configure', params: { ...DEFAULT_CRVUSD_PARAMS, adminFeeWad: 2n * 10n ** 17n } },
  { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 100_000_000n * E18 },
  { type: 'fundWallet', actor: 'arb', asset: 'WETH', amount: 100_000n * E18 },
  ...LIQUIDATORS.map(
    (actor): Command => ({ type: 'fundWallet', actor, asset: 'crvUSD', amount: 10_000_000n * E18 }),
  ),
  ...BORROWERS.map(
    (actor): Command => ({ type: 'fundWallet', actor, asset: 'crvUSD', amount: 20_000n * E18 }),
  ),
];

/** A generated step: a command, or a marker the timeline turns into one (prices, loans at the current price). */
type Step =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'move'; readonly bps: number }
  | {
      readonly kind: 'loan';
      readonly account: string;
      readonly tenths: number;
      readonly ltvPct: number;
      readonly N: number;
    };

const borrower = fc.constantFrom(...BORROWERS);
const liquidator = fc.constantFrom(...LIQUIDATORS);
const wethTenths = (n: number): bigint => (BigInt(n) * E18) / 10n;
const crv = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E18);
const cmd = (arb: fc.Arbitrary<Command>): fc.Arbitrary<Step[]> =>
  arb.map((command) => [{ kind: 'command', command }]);

const groupArb: fc.Arbitrary<Step[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        borrower,
        fc.integer({ min: 5, max: 300 }),
        fc.integer({ min: 30, max: 88 }),
        fc.integer({ min: 3, max: 51 }),
      )
      .map(([account, tenths, ltvPct, N]): Step[] => [{ kind: 'loan', account, tenths, ltvPct, N }]),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(borrower, fc.integer({ min: 1, max: 50 }))
      .map(([account, n]): Step[] => [
        { kind: 'command', command: { type: 'addCollateral', account, amount: wethTenths(n) } },
      ]),
    weight: 1,
  },
  {
    arbitrary: cmd(
      fc
        .tuple(borrower, fc.integer({ min: 1, max: 20 }))
        .map(([account, n]) => ({ type: 'removeCollateral', account, amount: wethTenths(n) })),
    ),
    weight: 1,
  },
  {
    arbitrary: cmd(
      fc.tuple(borrower, crv(10, 3000)).map(([account, debt]) => ({ type: 'borrowMore', account, debt })),
    ),
    weight: 1,
  },
  {
    arbitrary: cmd(
      fc
        .tuple(borrower, fc.oneof(fc.constant<'max'>('max'), crv(1, 5000)), fc.boolean())
        .map(([account, amount, third]) => ({
          type: 'repay',
          account,
          amount,
          ...(third ? { payer: 'bob' } : {}),
        })),
    ),
    weight: 2,
  },
  // Oracle moves: −8 % … +6 % (a downward drift so that loans get liquidated), then an arbitrage.
  {
    arbitrary: fc
      .tuple(
        fc.integer({ min: -800, max: 600 }),
        fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      )
      .map(([bps, maxSteps]): Step[] => [
        { kind: 'move', bps },
        {
          kind: 'command',
          command: { type: 'arbitrage', arbitrageur: 'arb', ...(maxSteps === undefined ? {} : { maxSteps }) },
        },
      ]),
    weight: 10,
  },
  {
    arbitrary: fc.integer({ min: -1500, max: 600 }).map((bps): Step[] => [{ kind: 'move', bps }]),
    weight: 2,
  },
  { arbitrary: cmd(fc.constant({ type: 'arbitrage', arbitrageur: 'arb' })), weight: 2 },
  {
    arbitrary: cmd(
      fc
        .tuple(fc.boolean(), fc.integer({ min: 1, max: 50 }))
        .map(([buy, n]) =>
          buy
            ? { type: 'exchange', trader: 'arb', i: 0, j: 1, amount: BigInt(n) * 100n * E18 }
            : { type: 'exchange', trader: 'arb', i: 1, j: 0, amount: wethTenths(n) },
        ),
    ),
    weight: 2,
  },
  {
    arbitrary: cmd(
      fc
        .tuple(borrower, liquidator)
        .map(([account, liq]) => ({ type: 'liquidate', account, liquidator: liq })),
    ),
    weight: 6,
  },
  {
    arbitrary: cmd(
      fc.tuple(borrower, liquidator, fc.integer({ min: 1, max: 100 })).map(([account, liq, pct]) => ({
        type: 'liquidateExtended',
        account,
        liquidator: liq,
        frac: BigInt(pct) * 10n ** 16n,
      })),
    ),
    weight: 3,
  },
  {
    arbitrary: cmd(borrower.map((account) => ({ type: 'liquidate', account, liquidator: account }))),
    weight: 1,
  },
  { arbitrary: cmd(borrower.map((account) => ({ type: 'writeOffBadDebt', account }))), weight: 3 },
  { arbitrary: cmd(fc.constant({ type: 'collectFees' })), weight: 1 },
  // A fall with the arbitrage, then a liquidation attempt.
  {
    arbitrary: fc
      .tuple(fc.integer({ min: -1500, max: -300 }), borrower, liquidator)
      .map(([bps, account, liq]): Step[] => [
        { kind: 'move', bps },
        { kind: 'command', command: { type: 'arbitrage', arbitrageur: 'arb' } },
        { kind: 'command', command: { type: 'liquidate', account, liquidator: liq } },
      ]),
    weight: 4,
  },
  // A gap nobody trades through, then the system writes off whatever is under water.
  {
    arbitrary: fc
      .integer({ min: -4000, max: -1500 })
      .map((bps): Step[] => [
        { kind: 'move', bps },
        ...BORROWERS.map(
          (account): Step => ({ kind: 'command', command: { type: 'writeOffBadDebt', account } }),
        ),
      ]),
    weight: 2,
  },
);

const sequenceArb = fc.array(fc.tuple(groupArb, fc.nat(120)), { minLength: 80, maxLength: 80 });

/** Setup at t = 0, then the generated steps at increasing times, with prices and loan sizes made concrete. */
function timeline(random: readonly [Step[], number][]): TimedCommand[] {
  let now = 1;
  let priceDollarsE2 = 200_000n; // $2000.00
  const out: TimedCommand[] = SETUP.map((command) => ({ command, nowSeconds: 0 }));
  for (const [group, dt] of random) {
    now += dt;
    for (const s of group) {
      if (s.kind === 'move') {
        priceDollarsE2 = (priceDollarsE2 * BigInt(10_000 + s.bps)) / 10_000n;
        if (priceDollarsE2 < 20_000n) priceDollarsE2 = 20_000n;
        if (priceDollarsE2 > 600_000n) priceDollarsE2 = 600_000n;
        out.push({ command: priceCommand('WETH', priceDollarsE2 * 10n ** 6n, true), nowSeconds: now });
      } else if (s.kind === 'loan') {
        // Debt: ltvPct of the collateral's value at the current price.
        const collateral = wethTenths(s.tenths);
        const debt = (collateral * priceDollarsE2 * BigInt(s.ltvPct)) / 100n / 100n;
        out.push({
          command: {
            type: 'createLoan',
            account: s.account,
            collateral,
            debt: debt > 0n ? debt : 1n,
            N: s.N,
          },
          nowSeconds: now,
        });
      } else {
        out.push({ command: s.command, nowSeconds: now });
      }
    }
  }
  return out;
}

describe('crvusdModel contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = {
      applied: 0,
      hard: 0,
      partial: 0,
      writeOffs: 0,
      softTrades: 0,
      deliquidations: 0,
      refused: 0,
    };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = timeline(random);
        const result = runContract(crvusdModel, commands);
        expect(result.violations).toEqual([]);
        expect(result.accepted + result.refused).toBe(commands.length);
        totals.applied += result.accepted;
        totals.refused += result.refused;
        for (const { event } of result.log) {
          const e = event as {
            type: string;
            fracWad?: bigint;
            liquidator?: string;
            account?: string;
            i?: number;
            inAmount?: bigint;
            arbitrage?: boolean;
          };
          if (e.type === 'CrvusdLiquidated' && e.liquidator !== e.account) {
            if (e.fracWad === E18) totals.hard += 1;
            else totals.partial += 1;
          }
          if (e.type === 'CrvusdWrittenOff') totals.writeOffs += 1;
          if (e.type === 'CrvusdExchanged' && e.arbitrage === true && (e.inAmount ?? 0n) > 0n) {
            if (e.i === 0) totals.softTrades += 1;
            else totals.deliquidations += 1;
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(3_000);
    expect(totals.hard).toBeGreaterThan(0);
    expect(totals.partial).toBeGreaterThan(0);
    expect(totals.writeOffs).toBeGreaterThan(0);
    expect(totals.softTrades).toBeGreaterThan(0);
    expect(totals.deliquidations).toBeGreaterThan(0);
  });
});
