/**
 * Property test of the gmx-v2 model: random sequences of LP deposits and withdrawals, increases and
 * decreases by several traders (both sides, both collateral tokens), ETH price moves, time steps
 * (borrowing fees accrue), liquidation keepers and ADL keepers run through the engine contract
 * (`runContract`), which must report no violation: ledger conservation (tokens and GM), the model's
 * bookkeeping identities, no liquidation of a healthy position, refusals that change nothing,
 * replay and determinism. Keepers act on the state: a resolver applies each intention to the
 * state built so far and turns it into concrete commands (liquidate what is liquidatable, ADL the
 * most profitable position ranked by the perps core), then the whole list is checked from scratch.
 * The runs must apply ≥ 2,000 commands and include liquidations, insolvent closes and ADL.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { SolventError } from '../../math/errors.js';
import { adlCandidates } from './adl.js';
import { gmxHealth, gmxV2Model } from './model.js';
import {
  bps,
  E6,
  E8,
  E18,
  engine,
  MARKET,
  oracle,
  pid,
  type S,
  TEST_MARKET,
  TEST_PARAMS,
  usd,
} from './testkit.js';

const TRADERS = ['alice', 'bob', 'carol', 'dave'] as const;
const LPS = ['lp1', 'lp2'] as const;
const TOKENS = ['USDC', 'WETH'] as const;

const PARAMS = {
  ...TEST_PARAMS,
  markets: [
    {
      ...TEST_MARKET,
      negativePositionImpactFactor: 10n ** 21n,
      positivePositionImpactFactor: 5n * 10n ** 20n,
      maxPositionImpactFactorForLiquidations: bps(10n),
      borrowingFactor: { long: bps(1n) / 1000n, short: bps(1n) / 1000n },
      maxPnlFactorForTraders: { long: bps(9000n), short: bps(9000n) },
      maxPnlFactorForAdl: { long: bps(500n), short: bps(500n) },
      minPnlFactorAfterAdl: { long: bps(200n), short: bps(200n) },
    },
  ],
};

const publish = (asset: string, usd8: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: usd8,
});

const SETUP: readonly Command[] = [
  { type: 'listAsset', asset: 'ETH', decimals: 18 },
  { type: 'listAsset', asset: 'WETH', decimals: 18 },
  { type: 'listAsset', asset: 'USDC', decimals: 6 },
  oracle('ETH'),
  oracle('WETH'),
  oracle('USDC'),
  publish('ETH', 2000n * E8),
  publish('WETH', 2000n * E8),
  publish('USDC', E8),
  { type: 'configure', params: PARAMS },
  ...[...TRADERS, ...LPS].flatMap((actor): Command[] => [
    { type: 'fundWallet', actor, asset: 'USDC', amount: 2_000_000n * E6 },
    { type: 'fundWallet', actor, asset: 'WETH', amount: 1_000n * E18 },
  ]),
  { type: 'depositLiquidity', lp: 'lp1', market: MARKET, token: 'WETH', amount: 50n * E18 },
  { type: 'depositLiquidity', lp: 'lp1', market: MARKET, token: 'USDC', amount: 100_000n * E6 },
];

/** What a random step intends; keeper steps are resolved against the state. */
type Intent =
  | {
      readonly kind: 'increase';
      readonly trader: string;
      readonly token: string;
      readonly isLong: boolean;
      readonly units: number;
      readonly leverage: number;
    }
  | {
      readonly kind: 'decrease';
      readonly trader: string;
      readonly token: string;
      readonly isLong: boolean;
      readonly pct: number;
      readonly withdrawPct: number;
    }
  | { readonly kind: 'price'; readonly permille: number }
  | { readonly kind: 'liquidate'; readonly random: number }
  | { readonly kind: 'adl'; readonly isLong: boolean; readonly pct: number }
  | { readonly kind: 'deposit'; readonly lp: string; readonly token: string; readonly units: number }
  | { readonly kind: 'withdraw'; readonly lp: string; readonly pct: number };

const trader = fc.constantFrom(...TRADERS);
const token = fc.constantFrom(...TOKENS);
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('increase' as const),
      trader,
      token,
      isLong: fc.boolean(),
      units: fc.integer({ min: 1, max: 40 }),
      // mostly moderate leverage; some near the 100x limit, which small moves liquidate solvently
      leverage: fc.oneof(fc.integer({ min: 2, max: 25 }), fc.integer({ min: 60, max: 95 })),
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('decrease' as const),
      trader,
      token,
      isLong: fc.boolean(),
      pct: fc.integer({ min: 0, max: 100 }),
      withdrawPct: fc.integer({ min: 0, max: 30 }),
    }),
    weight: 3,
  },
  // small moves (±0.2 %, below the 0.5 % liquidation floor: a watching keeper closes solvently)
  {
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      permille: fc.integer({ min: 998, max: 1002 }),
    }),
    weight: 6,
  },
  // gaps (−20 % … +25 %: liquidations after them leave bad debt)
  {
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      permille: fc.integer({ min: 800, max: 1250 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('liquidate' as const), random: fc.nat(15) }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('adl' as const),
      isLong: fc.boolean(),
      pct: fc.integer({ min: 5, max: 100 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      lp: fc.constantFrom(...LPS),
      token,
      units: fc.integer({ min: 1, max: 20 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      lp: fc.constantFrom(...LPS),
      pct: fc.integer({ min: 1, max: 60 }),
    }),
    weight: 1,
  },
);

/** $ value of one collateral unit: 500 USDC, or 0.25 WETH ($500 at $2000). */
const unitAmount = (t: string, n: number): bigint =>
  t === 'USDC' ? BigInt(n) * 500n * E6 : (BigInt(n) * E18) / 4n;

/** Turns intentions into concrete commands, applying each to the state so keepers see the present. */
function resolve(random: readonly [Intent, number][]): TimedCommand[] {
  let state: S = engine.initial();
  const out: TimedCommand[] = [];
  const push = (command: Command, nowSeconds: number): void => {
    out.push({ command, nowSeconds });
    try {
      state = apply(engine, state, command, nowSeconds).state;
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
  };
  /** The liquidation keeper: liquidates every liquidatable position; returns the ids it saw. */
  const sweep = (now: number): string[] => {
    const ids = gmxV2Model.accountIds(state);
    for (const id of ids) {
      let liquidatable = false;
      try {
        liquidatable = gmxHealth(state, id, now).liquidatable;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
      if (liquidatable) push({ type: 'liquidate', keeper: 'keeper', position: id }, now);
    }
    return [...ids];
  };
  for (const command of SETUP) push(command, 0);
  let now = 1;
  let ethUsd8 = 2000n * E8;
  for (const [intent, dt] of random) {
    now += dt;
    switch (intent.kind) {
      case 'increase': {
        const collateral = unitAmount(intent.token, intent.units);
        const size = usd(BigInt(intent.units) * 500n * BigInt(intent.leverage));
        push(
          {
            type: 'increasePosition',
            account: intent.trader,
            market: MARKET,
            collateralToken: intent.token,
            isLong: intent.isLong,
            collateralAmount: collateral,
            sizeDeltaUsd: size,
          },
          now,
        );
        break;
      }
      case 'decrease': {
        // the trader's position, or else any open one
        const own = pid(intent.trader, intent.token, intent.isLong);
        const ids = gmxV2Model.accountIds(state);
        const id =
          state.ext.positions.get(own) !== undefined
            ? own
            : (ids[intent.pct % Math.max(1, ids.length)] ?? own);
        const p = state.ext.positions.get(id);
        const size = p === undefined ? usd(1000n) : (p.sizeInUsd * BigInt(intent.pct)) / 100n;
        const withdraw = p === undefined ? 0n : (p.collateralAmount * BigInt(intent.withdrawPct)) / 100n;
        push(
          { type: 'decreasePosition', position: id, sizeDeltaUsd: size, collateralDeltaAmount: withdraw },
          now,
        );
        break;
      }
      case 'price': {
        // a move of permille ‰ from the last price, kept between $400 and $8000
        let next = (ethUsd8 * BigInt(intent.permille)) / 1000n;
        if (next < 400n * E8) next = 400n * E8;
        if (next > 8000n * E8) next = 8000n * E8;
        ethUsd8 = next;
        push(publish('ETH', next), now);
        push(publish('WETH', next), now);
        // a watching keeper reacts to small moves (solvent liquidations); big gaps leave bad debt
        if (intent.permille >= 990 && intent.permille <= 1010) sweep(now);
        break;
      }
      case 'liquidate': {
        const ids = sweep(now);
        // sometimes a keeper tries a random position (healthy ones must be refused)
        const any = ids[intent.random % Math.max(1, ids.length)];
        if (any !== undefined && intent.random % 3 === 0)
          push({ type: 'liquidate', keeper: 'keeper', position: any }, now);
        break;
      }
      case 'adl': {
        // the ADL keeper brings fresh prices (AdlUtils.validateAdl: oracle time ≥ latest ADL time),
        // refreshes both sides' flags, and reduces the most profitable position of a flagged side
        push(publish('ETH', ethUsd8), now);
        push(publish('WETH', ethUsd8), now);
        for (const isLong of [intent.isLong, !intent.isLong]) {
          push({ type: 'updateAdlState', keeper: 'adl', market: MARKET, isLong }, now);
          const flagged = state.ext.markets[MARKET]?.adlEnabled[isLong ? 'long' : 'short'] ?? false;
          // a flag that is off is still tried now and then (refused: AdlNotEnabled)
          if (!flagged && intent.pct % 4 !== 0) continue;
          let top: string | undefined;
          try {
            top = adlCandidates(state, MARKET, isLong, now)[0];
          } catch (e) {
            if (!(e instanceof SolventError)) throw e;
          }
          const p = top === undefined ? undefined : state.ext.positions.get(top);
          if (p === undefined) continue;
          const sizeDeltaUsd = (p.sizeInUsd * BigInt(intent.pct)) / 100n;
          push({ type: 'executeAdl', keeper: 'adl', position: p.id, sizeDeltaUsd: sizeDeltaUsd || 1n }, now);
        }
        break;
      }
      case 'deposit':
        push(
          {
            type: 'depositLiquidity',
            lp: intent.lp,
            market: MARKET,
            token: intent.token,
            amount: unitAmount(intent.token, intent.units) * 10n,
          },
          now,
        );
        break;
      case 'withdraw': {
        const gm = balanceOf(state.ledger, `wallet:${intent.lp}`, `GM:${MARKET}`);
        push(
          {
            type: 'withdrawLiquidity',
            lp: intent.lp,
            market: MARKET,
            amount: (gm * BigInt(intent.pct)) / 100n || 1n,
          },
          now,
        );
        break;
      }
    }
  }
  return out;
}

const sequenceArb = fc.array(fc.tuple(intentArb, fc.nat(20_000)), { minLength: 70, maxLength: 70 });

describe('gmxV2Model contract', () => {
  test('behavior: random sequences keep the engine contract and the model invariants', () => {
    const totals = { applied: 0, liquidations: 0, insolvent: 0, solvent: 0, adl: 0, increases: 0 };
    fc.assert(
      fc.property(sequenceArb, (random) => {
        const commands = resolve(random);
        const result = runContract(gmxV2Model, commands);
        expect(result.violations).toEqual([]);
        expect(result.accepted + result.refused).toBe(commands.length);
        totals.applied += result.accepted;
        for (const { event } of result.log) {
          if (event.type === 'GmxPositionLiquidated') {
            totals.liquidations += 1;
            if ((event as { liquidationFeeAmount?: bigint }).liquidationFeeAmount !== 0n) totals.solvent += 1;
          }
          if (event.type === 'GmxInsolventClose') totals.insolvent += 1;
          if (event.type === 'GmxAdlExecuted') totals.adl += 1;
          if (event.type === 'GmxPositionIncreased') totals.increases += 1;
        }
      }),
      { numRuns: 30 },
    );
    expect(totals.applied).toBeGreaterThanOrEqual(2_000);
    expect(totals.increases).toBeGreaterThan(0);
    expect(totals.liquidations).toBeGreaterThan(0);
    expect(totals.insolvent).toBeGreaterThan(0);
    expect(totals.solvent).toBeGreaterThan(0);
    expect(totals.adl).toBeGreaterThan(0);
  });
});
