/**
 * Property test of the dydx-v4 model: random deposits, leveraged orders in two markets, reductions,
 * withdrawals, funding, price moves (crashes included), time steps, insurance top-ups and
 * liquidation attempts across several subaccounts run through the engine contract (`runContract`):
 * value is conserved (the ledger sums to zero per asset, including PnL, fees, the insurance fund
 * and deleveraging transfers), the model's invariants hold (Σ sizes = Σ entries = 0 per market,
 * block limits), no healthy subaccount is liquidated, refusals change nothing, replay rebuilds the
 * state. The runs must apply ≥ 2,000 commands and liquidate, pay from the fund and deleverage.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { dydxV4Model } from './model.js';
import { dydxSetup, usdc } from './testkit.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const MARKETS = [
  { market: 'BTC-USD', asset: 'BTC', open: 50_000n * 10n ** 8n, unit: 10n ** 8n }, // 0.01 BTC
  { market: 'ETH-USD', asset: 'ETH', open: 3_000n * 10n ** 8n, unit: 10n ** 8n }, // 0.1 ETH
] as const;

type Action =
  | { readonly kind: 'deposit'; readonly user: number; readonly dollars: number }
  | { readonly kind: 'order'; readonly user: number; readonly market: number; readonly units: number }
  | { readonly kind: 'withdraw'; readonly user: number; readonly dollars: number }
  | { readonly kind: 'move'; readonly market: number; readonly pct: number }
  | { readonly kind: 'funding'; readonly market: number; readonly ratePpm: number }
  | { readonly kind: 'insurance'; readonly dollars: number }
  | { readonly kind: 'liquidate'; readonly user: number; readonly dt: number };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const market = fc.integer({ min: 0, max: 1 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user,
      dollars: fc.integer({ min: 200, max: 6_000 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      user,
      market,
      units: fc.integer({ min: -120, max: 120 }),
    }),
    weight: 7,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      user,
      dollars: fc.integer({ min: 10, max: 5_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      market,
      pct: fc.integer({ min: -25, max: 12 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('funding' as const),
      market,
      ratePpm: fc.integer({ min: -2_000, max: 2_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('insurance' as const),
      dollars: fc.integer({ min: 1, max: 300 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('liquidate' as const),
      user,
      dt: fc.integer({ min: 0, max: 2 }),
    }),
    weight: 6,
  },
);

/** Turns actions into timed commands, keeping prices on a bounded random walk. */
function toCommands(actions: readonly Action[]): TimedCommand[] {
  const out: TimedCommand[] = dydxSetup().map((command) => ({ command, nowSeconds: 0 }));
  const prices = MARKETS.map((m) => m.open);
  let t = 1;
  for (const a of actions) {
    let command: Command;
    switch (a.kind) {
      case 'deposit':
        command = { type: 'deposit', account: USERS[a.user], amount: usdc(BigInt(a.dollars)) };
        break;
      case 'order': {
        const m = MARKETS[a.market] ?? MARKETS[0];
        command = {
          type: 'placeOrder',
          account: USERS[a.user],
          market: m.market,
          sizeBase: BigInt(a.units === 0 ? 1 : a.units) * m.unit,
        };
        break;
      }
      case 'withdraw':
        command = { type: 'withdraw', account: USERS[a.user], amount: usdc(BigInt(a.dollars)) };
        break;
      case 'move': {
        const i = a.market;
        const m = MARKETS[i] ?? MARKETS[0];
        const now = prices[i] ?? m.open;
        // Bounded walk: between a fifth and twice the opening price.
        let next = (now * BigInt(100 + a.pct)) / 100n;
        if (next < m.open / 5n) next = m.open / 5n;
        if (next > m.open * 2n) next = m.open * 2n;
        prices[i] = next;
        command = { type: 'publishPrice', asset: m.asset, source: 'feed', price: next };
        break;
      }
      case 'funding':
        command = {
          type: 'accrueFunding',
          market: (MARKETS[a.market] ?? MARKETS[0]).market,
          ratePpm: BigInt(a.ratePpm),
        };
        break;
      case 'insurance':
        command = { type: 'fundInsurance', asset: 'USDC', amount: usdc(BigInt(a.dollars)) };
        break;
      case 'liquidate':
        t += a.dt;
        command = { type: 'liquidate', account: USERS[a.user] };
        break;
    }
    out.push({ command, nowSeconds: t });
  }
  return out;
}

describe('dydxV4Model (property)', () => {
  test('behavior: random command sequences keep the engine contract; liquidations, fund payouts and deleveraging happen', () => {
    let accepted = 0;
    let liquidations = 0;
    let matches = 0;
    let fundPayouts = 0;
    let deleveraged = 0;
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 90, maxLength: 90 }), (actions) => {
        const run = runContract(dydxV4Model, toCommands(actions));
        expect(run.violations).toEqual([]);
        accepted += run.accepted;
        liquidations += run.liquidations;
        for (const r of run.log) {
          if (r.event.type === 'DydxLiquidationMatch') {
            matches += 1;
            if ((r.event as unknown as { insuranceFundDelta: bigint }).insuranceFundDelta < 0n)
              fundPayouts += 1;
          }
          if (r.event.type === 'DydxDeleveraged') deleveraged += 1;
        }
      }),
      { numRuns: 40 },
    );
    expect(accepted).toBeGreaterThanOrEqual(2_000);
    expect(liquidations).toBeGreaterThan(0);
    expect(matches).toBeGreaterThan(0);
    expect(fundPayouts).toBeGreaterThan(0);
    expect(deleveraged).toBeGreaterThan(0);
  });
});
