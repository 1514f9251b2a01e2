/**
 * The contract of a composed lending market over random command sequences: every configuration
 * kind (sale or auction; whole, close-factor or partial sizing; each loss waterfall) keeps the
 * ledger conserved, never liquidates a healthy account and replays to the same state.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { composedLendingModelFor } from './lending.js';

const USDC = 1_000_000n;
const ETH = 10n ** 18n;
const WAD = ETH;

const sizings = [
  { kind: 'whole' },
  { kind: 'closeFactor', closeFactorBps: '5000', fullBelowHealthWad: String((95n * WAD) / 100n) },
  { kind: 'partialToTarget', targetHealthWad: String((11n * WAD) / 10n) },
];
const executions = [
  { kind: 'fixedDiscount', bonusBps: '500' },
  {
    kind: 'dutchAuction',
    curve: 'StairstepExponentialDecrease cut=0.99 step=60',
    bufBps: '11000',
    tailSeconds: '3600',
    cuspBps: '5000',
    penaltyBps: '1000',
  },
  {
    kind: 'dutchAuction',
    curve: 'LinearDecrease tau=1800',
    bufBps: '10500',
    tailSeconds: '1800',
    cuspBps: '0',
    penaltyBps: '500',
  },
];
const waterfalls = [['reserves', 'insurance', 'deficit'], ['insurance', 'socialize'], ['socialize']];

function setup(config: Record<string, unknown>): TimedCommand[] {
  const oracle = (asset: string): Command => feedOracleCommand(asset, 30_000_000, { maxSpreadBps: 100 });
  const commands: Command[] = [
    { type: 'listAsset', asset: 'ETH', decimals: 18 },
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    oracle('ETH'),
    oracle('USDC'),
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: 2_000n * 10n ** 8n },
    { type: 'publishPrice', asset: 'USDC', source: 'feed', price: 10n ** 8n },
    { type: 'configure', params: config },
    { type: 'supply', amount: 10_000_000n * USDC },
    { type: 'fundInsurance', asset: 'USDC', amount: 2_000n * USDC },
    { type: 'fundWallet', actor: 'keeper', asset: 'USDC', amount: 10_000_000n * USDC },
  ];
  // Four borrowers at 70% LTV, so that random price moves make liquidations common.
  for (const who of ['u0', 'u1', 'u2', 'u3']) {
    commands.push({ type: 'deposit', account: who, asset: 'ETH', amount: 5n * ETH });
    commands.push({ type: 'borrow', account: who, amount: 7_000n * USDC });
  }
  return commands.map((command) => ({ command, nowSeconds: 0 }));
}

type Intent =
  | { kind: 'deposit'; who: number; eth: number }
  | { kind: 'borrow'; who: number; usdc: number }
  | { kind: 'repay'; who: number; usdc: number }
  | { kind: 'withdraw'; who: number; eth: number }
  | { kind: 'price'; dollars: number }
  | { kind: 'liquidate'; who: number }
  | { kind: 'take'; id: number; eth: number }
  | { kind: 'redo'; id: number }
  | { kind: 'wait'; seconds: number };

const intent: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), who: fc.nat(3), eth: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('borrow' as const),
    who: fc.nat(3),
    usdc: fc.integer({ min: 100, max: 30_000 }),
  }),
  fc.record({
    kind: fc.constant('repay' as const),
    who: fc.nat(3),
    usdc: fc.integer({ min: 1, max: 5_000 }),
  }),
  fc.record({ kind: fc.constant('withdraw' as const), who: fc.nat(3), eth: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('price' as const), dollars: fc.integer({ min: 300, max: 2_500 }) }),
  fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat(3) }),
  fc.record({
    kind: fc.constant('take' as const),
    id: fc.integer({ min: 1, max: 6 }),
    eth: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({ kind: fc.constant('redo' as const), id: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 1_200 }) }),
);

function toCommands(intents: readonly Intent[]): TimedCommand[] {
  let now = 1;
  const out: TimedCommand[] = [];
  for (const i of intents) {
    const who = `u${'who' in i ? i.who : 0}`;
    let command: Command | undefined;
    switch (i.kind) {
      case 'deposit':
        command = { type: 'deposit', account: who, asset: 'ETH', amount: BigInt(i.eth) * ETH };
        break;
      case 'borrow':
        command = { type: 'borrow', account: who, amount: BigInt(i.usdc) * USDC };
        break;
      case 'repay':
        command = { type: 'repay', account: who, amount: BigInt(i.usdc) * USDC };
        break;
      case 'withdraw':
        command = { type: 'withdraw', account: who, asset: 'ETH', amount: BigInt(i.eth) * ETH };
        break;
      case 'price':
        command = {
          type: 'publishPrice',
          asset: 'ETH',
          source: 'feed',
          price: BigInt(i.dollars) * 10n ** 8n,
        };
        break;
      case 'liquidate':
        command = { type: 'liquidate', account: who, liquidator: 'keeper' };
        break;
      case 'take':
        command = {
          type: 'take',
          id: i.id,
          buyer: 'keeper',
          amount: BigInt(i.eth) * ETH,
          maxPriceRay: 10n ** 40n,
        };
        break;
      case 'redo':
        command = { type: 'redo', id: i.id, keeper: 'keeper' };
        break;
      case 'wait':
        now += i.seconds;
        break;
    }
    if (command !== undefined) out.push({ command, nowSeconds: now });
  }
  return out;
}

describe('composed lending contract', () => {
  test('behavior: random sequences keep the contract in every configuration', () => {
    const totals = { accepted: 0, liquidations: 0, losses: 0, takes: 0 };
    fc.assert(
      fc.property(
        fc.nat(sizings.length - 1),
        fc.nat(executions.length - 1),
        fc.nat(waterfalls.length - 1),
        fc.array(intent, { minLength: 50, maxLength: 100 }),
        (s, e, w, intents) => {
          const config = {
            kind: 'lending',
            id: 'prop-market',
            debtAsset: 'USDC',
            collateral: { ETH: { liquidationThresholdBps: '8000', initialLtvBps: '7500' } },
            sizing: sizings[s],
            execution: executions[e],
            incentive: { protocolShareBps: '2000', keeperTip: String(5n * USDC), keeperChipBps: '10' },
            lossWaterfall: waterfalls[w],
          };
          const run = runContract(composedLendingModelFor('prop-market'), [
            ...setup(config),
            ...toCommands(intents),
          ]);
          expect(run.violations).toEqual([]);
          totals.accepted += run.accepted;
          totals.liquidations += run.liquidations;
          for (const r of run.log) {
            const ev = r.event as { type: string; reason?: string; closed?: boolean };
            if (ev.type === 'Moved' && ev.reason?.startsWith('loss:') === true) totals.losses += 1;
            if (ev.type === 'ComposedAuctionTaken') totals.takes += 1;
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(totals.accepted).toBeGreaterThanOrEqual(2_000);
    expect(totals.liquidations).toBeGreaterThan(0);
    expect(totals.takes).toBeGreaterThan(0);
    expect(totals.losses).toBeGreaterThan(0);
  });
});
