/**
 * Property test of the three Aave v3 models: random sequences of deposits, borrows, repays,
 * withdrawals, eMode switches, price moves, grace periods, liquidation calls and deficit cover,
 * over several accounts, run through the engine contract (ledger conservation, no negative
 * balances, the model's invariants incl. deficit = ledger deficit bucket, no liquidation of a
 * healthy account, seized ≤ collateral, refusals change nothing, replay rebuilds the hash).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { ProtocolModel } from '../../engine/engine.js';
import type { Command } from '../../engine/machine.js';
import { aaveProtocols } from './index.js';
import type { AaveExt } from './state.js';
import { marketSetup, TEST_DECIMALS } from './testkit.js';

const ACCOUNTS = ['a0', 'a1', 'a2', 'a3'] as const;
const ASSETS = ['WETH', 'wstETH', 'USDC', 'WBTC'] as const;
const NUM_RUNS = 30;
const MAX_COMMANDS = 50;

const E8 = 10n ** 8n;
const unit = (asset: string) => 10n ** BigInt(TEST_DECIMALS[asset] ?? 18);

const usdWorth: Readonly<Record<string, bigint>> = { WETH: 2_000n, wstETH: 2_300n, USDC: 1n, WBTC: 60_000n };

/** An amount worth roughly $1 … `maxUsd` of `asset` (at the test market's starting prices). */
function amountArb(asset: string, maxUsd: bigint): fc.Arbitrary<bigint> {
  return fc.bigInt({ min: 1n, max: maxUsd }).map((usd) => (usd * unit(asset)) / (usdWorth[asset] ?? 1n) + 1n);
}

const account = fc.constantFrom(...ACCOUNTS);
const asset = fc.constantFrom(...ASSETS);

/** Prices that swing each asset between ~35 % and ~115 % of its start, to cause liquidations. */
const priceArb = fc.oneof(
  fc.record({ asset: fc.constant('WETH'), price: fc.bigInt({ min: 700n, max: 2_300n }).map((p) => p * E8) }),
  fc.record({
    asset: fc.constant('wstETH'),
    price: fc.bigInt({ min: 800n, max: 2_600n }).map((p) => p * E8),
  }),
  fc.record({
    asset: fc.constant('WBTC'),
    price: fc.bigInt({ min: 20_000n, max: 70_000n }).map((p) => p * E8),
  }),
  fc.record({
    asset: fc.constant('USDC'),
    price: fc.bigInt({ min: 95n, max: 105n }).map((p) => p * 10n ** 6n),
  }),
);

/** A crash: a collateral asset at 40–75 % of its starting price (liquidations follow). */
const crashArb = fc
  .tuple(fc.constantFrom('WETH', 'wstETH', 'WBTC'), fc.bigInt({ min: 40n, max: 75n }))
  .map(([s, pct]) => ({ asset: s, price: ((usdWorth[s] ?? 1n) * E8 * pct) / 100n }));

function commandArb(collateralOf: Readonly<Record<string, string>>): fc.Arbitrary<Command> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(account, asset)
        .chain(([a, s]) =>
          amountArb(s, 3_000n).map((amount) => ({ type: 'deposit', account: a, asset: s, amount })),
        ),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(account, asset)
        .chain(([a, s]) =>
          amountArb(s, 10_000n).map((amount) => ({ type: 'borrow', account: a, asset: s, amount })),
        ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(account, asset, fc.boolean()).chain(([a, s, max]) =>
        (max ? fc.constant<bigint | 'max'>('max') : amountArb(s, 10_000n)).map((amount) => ({
          type: 'repay',
          account: a,
          asset: s,
          amount,
        })),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(account, asset, fc.boolean()).chain(([a, s, max]) =>
        (max ? fc.constant<bigint | 'max'>('max') : amountArb(s, 10_000n)).map((amount) => ({
          type: 'withdraw',
          account: a,
          asset: s,
          amount,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('setUserEMode'), account, categoryId: fc.constantFrom(0, 1) }),
    },
    {
      weight: 3,
      arbitrary: crashArb.map(({ asset: s, price }) => ({
        type: 'publishPrice',
        asset: s,
        source: 'feed',
        price,
      })),
    },
    {
      weight: 5,
      arbitrary: priceArb.map(({ asset: s, price }) => ({
        type: 'publishPrice',
        asset: s,
        source: 'feed',
        price,
      })),
    },
    {
      weight: 7,
      arbitrary: fc
        .tuple(
          account,
          fc.boolean(),
          asset,
          fc.oneof({ weight: 3, arbitrary: fc.constant('USDC') }, { weight: 1, arbitrary: asset }),
          fc.oneof(fc.constant<'max' | bigint>('max'), fc.bigInt({ min: 1n, max: 20_000n })),
          fc.boolean(),
        )
        .map(([a, own, anyAsset, debtAsset, cover, self]) => ({
          type: 'liquidationCall',
          account: a,
          liquidator: self ? a : 'liquidator',
          // Mostly the collateral the account opened with; sometimes any asset (refusals are checked too).
          collateralAsset: own ? (collateralOf[a] ?? anyAsset) : anyAsset,
          debtAsset,
          // A numeric debtToCover is a dollar amount converted to the debt asset's units.
          debtToCover: cover === 'max' ? 'max' : (cover * unit(debtAsset)) / (usdWorth[debtAsset] ?? 1n) + 1n,
        })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('setReserveGracePeriod'),
        asset,
        gracePeriodSeconds: fc.integer({ min: 0, max: 900 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(asset, fc.bigInt({ min: 1n, max: 5_000n })).map(([s, usd]) => ({
        type: 'fundInsurance',
        asset: s,
        amount: (usd * unit(s)) / (usdWorth[s] ?? 1n) + 1n,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(asset, fc.constantFrom(1n, 10n ** 30n))
        .map(([s, amount]) => ({ type: 'eliminateReserveDeficit', asset: s, amount })),
    },
  );
}

/** Each account opens a position first: collateral worth $2k–$40k, USDC borrowed at 55–72 % of it (below every LTV). */
const openingArb = fc.tuple(
  ...ACCOUNTS.map((a) =>
    fc.tuple(
      fc.constant(a),
      fc.constantFrom('WETH', 'wstETH', 'WBTC'),
      fc.bigInt({ min: 2_000n, max: 40_000n }),
      fc.bigInt({ min: 5_500n, max: 7_200n }),
    ),
  ),
);

/** WETH's feed in the outage variant: stale after 30 min, then a 10 min sentinel grace period. */
const OUTAGE = { WETH: { staleAfterSeconds: 1_800, outageGraceSeconds: 600 } };

const scenarioArb = fc.tuple(openingArb, fc.boolean()).chain(([opening, outage]) => {
  const collateralOf = Object.fromEntries(opening.map(([a, collateral]) => [a, collateral]));
  const commands: Command[] = opening.flatMap(([a, collateral, usd, ltvBps]): Command[] => [
    {
      type: 'deposit',
      account: a,
      asset: collateral,
      amount: (usd * unit(collateral)) / (usdWorth[collateral] ?? 1n),
    },
    { type: 'borrow', account: a, asset: 'USDC', amount: (usd * ltvBps * unit('USDC')) / 10_000n },
  ]);
  return fc
    .array(fc.tuple(commandArb(collateralOf), fc.integer({ min: 0, max: 600 })), {
      minLength: 30,
      maxLength: MAX_COMMANDS,
    })
    .map((steps) => [commands, steps, outage] as const);
});

function timed(
  opening: readonly Command[],
  steps: readonly (readonly [Command, number])[],
  outage: boolean,
): TimedCommand[] {
  const setup = [...marketSetup(outage ? OUTAGE : {}), ...opening].map((command) => ({
    command,
    nowSeconds: 0,
  }));
  let now = 0;
  return [
    ...setup,
    ...steps.map(([command, dt]) => {
      now += dt;
      return { command, nowSeconds: now };
    }),
  ];
}

const totals = { applied: 0, liquidations: 0 };

describe('aave-v3 models keep the engine contract', () => {
  for (const model of aaveProtocols as readonly ProtocolModel<AaveExt>[]) {
    test(`behavior: random sequences on ${model.id}`, () => {
      let applied = 0;
      let liquidations = 0;
      let deficits = 0;
      fc.assert(
        fc.property(scenarioArb, ([opening, steps, outage]) => {
          const run = runContract(model, timed(opening, steps, outage));
          expect(run.violations).toEqual([]);
          // Count the random commands only (not the fixed market setup).
          applied += run.accepted + run.refused - marketSetup().length;
          liquidations += run.liquidations;
          if (run.log.some((r) => r.event.type === 'AaveDeficitCreated')) deficits += 1;
        }),
        { numRuns: NUM_RUNS },
      );
      totals.applied += applied;
      totals.liquidations += liquidations;
      // Not vacuous: positions were liquidated in this version's runs.
      expect(liquidations).toBeGreaterThan(0);
      // The bad-debt path ran too (about a third of the runs create a deficit).
      expect(deficits).toBeGreaterThan(0);
    });
  }

  test('behavior: at least 2,000 commands applied and liquidations happened across versions', () => {
    expect(totals.applied).toBeGreaterThanOrEqual(3_300);
    expect(totals.liquidations).toBeGreaterThan(0);
  });
});
