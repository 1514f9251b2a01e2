/**
 * Property test of the synthetix-perps-v3 model: random deposits, orders in two markets,
 * withdrawals, price moves (crashes included), gas-price changes, time steps and liquidation calls
 * by keepers, run through the engine contract (`runContract`): the ledger conserves value
 * (margin, PnL, fees, seized margin, keeper rewards), the model's invariants hold (Σ sizes and
 * entries zero per market, flagged accounts hold no margin, the LPs' bad debt matches its claims),
 * no healthy account is liquidated, refusals change nothing, replay rebuilds the state. The runs
 * must apply ≥ 2,000 commands and flag, liquidate across windows, pay keepers and leave LP bad debt.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { synthetixPerpsV3Model } from './model.js';
import { d18, synthetixSetup, usd8 } from './testkit.js';

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
const KEEPERS = ['kim', 'ken'] as const;
const MARKETS = [
  { market: 'ETH', open: usd8(2_000n), unit: d18(1n, 2n) }, // 0.5 ETH
  { market: 'BTC', open: usd8(30_000n), unit: d18(1n, 20n) }, // 0.05 BTC
] as const;

type Action =
  | { readonly kind: 'deposit'; readonly user: number; readonly dollars: number }
  | { readonly kind: 'trade'; readonly user: number; readonly market: number; readonly units: number }
  | { readonly kind: 'withdraw'; readonly user: number; readonly dollars: number }
  | { readonly kind: 'move'; readonly market: number; readonly pct: number }
  | { readonly kind: 'gas'; readonly microUsd: number }
  | { readonly kind: 'liquidate'; readonly user: number; readonly keeper: number; readonly dt: number };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const market = fc.integer({ min: 0, max: 1 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user,
      dollars: fc.integer({ min: 100, max: 4_000 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('trade' as const),
      user,
      market,
      units: fc.integer({ min: -40, max: 40 }),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      user,
      dollars: fc.integer({ min: 10, max: 2_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      market,
      pct: fc.integer({ min: -20, max: 10 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('gas' as const), microUsd: fc.integer({ min: 0, max: 2_000 }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('liquidate' as const),
      user,
      keeper: fc.integer({ min: 0, max: 1 }),
      dt: fc.integer({ min: 0, max: 12 }),
    }),
    weight: 7,
  },
);

function toCommands(actions: readonly Action[]): TimedCommand[] {
  const out: TimedCommand[] = synthetixSetup().map((command) => ({ command, nowSeconds: 0 }));
  const prices = MARKETS.map((m) => m.open);
  let t = 1;
  for (const a of actions) {
    let command: Command;
    switch (a.kind) {
      case 'deposit':
        command = { type: 'deposit', account: USERS[a.user], amount: d18(BigInt(a.dollars)) };
        break;
      case 'trade': {
        const m = MARKETS[a.market] ?? MARKETS[0];
        command = {
          type: 'trade',
          account: USERS[a.user],
          market: m.market,
          sizeDelta: BigInt(a.units === 0 ? 1 : a.units) * m.unit,
        };
        break;
      }
      case 'withdraw':
        command = { type: 'withdraw', account: USERS[a.user], amount: d18(BigInt(a.dollars)) };
        break;
      case 'move': {
        const m = MARKETS[a.market] ?? MARKETS[0];
        let next = ((prices[a.market] ?? m.open) * BigInt(100 + a.pct)) / 100n;
        if (next < m.open / 5n) next = m.open / 5n;
        if (next > m.open * 2n) next = m.open * 2n;
        prices[a.market] = next;
        command = { type: 'publishPrice', asset: m.market, source: 'feed', price: next };
        break;
      }
      case 'gas':
        command = { type: 'setGasPrice', gasPriceUsdPerGasD18: BigInt(a.microUsd) * 10n ** 12n };
        break;
      case 'liquidate':
        t += a.dt;
        command = { type: 'liquidate', account: USERS[a.user], keeper: KEEPERS[a.keeper] };
        break;
    }
    out.push({ command, nowSeconds: t });
  }
  return out;
}

describe('synthetixPerpsV3Model (property)', () => {
  test('behavior: random command sequences keep the engine contract; flags, windows, rewards and LP bad debt happen', () => {
    const seen = { accepted: 0, liquidations: 0, flags: 0, continued: 0, rewards: 0, badDebt: 0 };
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 90, maxLength: 90 }), (actions) => {
        const run = runContract(synthetixPerpsV3Model, toCommands(actions));
        expect(run.violations).toEqual([]);
        seen.accepted += run.accepted;
        seen.liquidations += run.liquidations;
        for (const r of run.log) {
          if (r.event.type === 'SynthetixAccountFlagged') seen.flags += 1;
          if (r.event.type === 'SynthetixSeizedMarginUsed' || r.event.type === 'SynthetixAccountUnflagged')
            seen.continued += 1;
          if (r.event.type === 'SynthetixKeeperRewarded') seen.rewards += 1;
          if (r.event.type === 'SynthetixLpBadDebt') seen.badDebt += 1;
        }
      }),
      { numRuns: 50 },
    );
    expect(seen.accepted).toBeGreaterThanOrEqual(2_000);
    expect(seen.liquidations).toBeGreaterThan(0);
    expect(seen.flags).toBeGreaterThan(0);
    expect(seen.continued).toBeGreaterThan(seen.flags);
    expect(seen.rewards).toBeGreaterThan(0);
    expect(seen.badDebt).toBeGreaterThan(0);
  });
});
