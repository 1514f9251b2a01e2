/**
 * The contract of a composed lending market with its risk stages on, over random books, price
 * paths and command sequences (deposits, borrows, repays, withdrawals, price moves, risk pokes with
 * gas prices, de-leveraging, liquidations, auction takes and resets): runContract finds no
 * violation, and, read back from the log, de-leveraging never touches an account whose
 * probability of reaching health 1 is under the threshold while its health is at or above the
 * pre-liquidation health, soft calls come once per episode at or above the threshold, and the
 * risk oracle's thresholds never leave their bounds nor move faster than the rate limit.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { Command } from '../../engine/machine.js';
import { barrierHitProbabilityWad } from '../../engine/stages/predictive.js';
import { sigmaOverHorizonWad } from '../../engine/stages/volatility.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { composedLendingModelFor } from './lending.js';

const USDC = 1_000_000n;
const ETH = 10n ** 18n;
const WAD = ETH;

const predictive = {
  horizonSeconds: 3_600,
  softCallProbabilityWad: String(5n * 10n ** 16n),
  preHealthWad: String((103n * WAD) / 100n),
  stepBps: 2_500,
  preBonusBps: 200,
  cooldownSeconds: 600,
};
const riskOracle = {
  collateral: {
    ETH: { baseThresholdBps: 8_600, sigmaSlopeBps: 750, minThresholdBps: 7_500, maxThresholdBps: 8_300 },
  },
  maxChangeBps: 50,
  minSecondsBetweenChanges: 1_800,
};
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
];
const sizings = [
  { kind: 'whole' },
  { kind: 'closeFactor', closeFactorBps: '5000', fullBelowHealthWad: String((95n * WAD) / 100n) },
  { kind: 'partialToTarget', targetHealthWad: String((11n * WAD) / 10n) },
];

function setup(
  config: Record<string, unknown>,
  borrowers: readonly { eth: number; pct: number }[],
): TimedCommand[] {
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
  // A random book: up to five borrowers between 40 % and 100 % of the initial LTV.
  borrowers.forEach((b, i) => {
    commands.push({ type: 'deposit', account: `u${i}`, asset: 'ETH', amount: BigInt(b.eth) * ETH });
    commands.push({
      type: 'borrow',
      account: `u${i}`,
      amount: (BigInt(b.eth) * 1_500n * BigInt(b.pct) * USDC) / 100n,
    });
  });
  return commands.map((command) => ({ command, nowSeconds: 0 }));
}

type Intent =
  | { kind: 'borrow' | 'repay'; who: number; usdc: number }
  | { kind: 'deposit' | 'withdraw'; who: number; eth: number }
  | { kind: 'price'; bps: number }
  | { kind: 'poke'; gasGwei: number | null }
  | { kind: 'deleverage' | 'liquidate'; who: number }
  | { kind: 'take'; id: number }
  | { kind: 'redo'; id: number }
  | { kind: 'wait'; seconds: number };

const who = fc.nat(4);
const intent: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('borrow' as const, 'repay' as const),
      who,
      usdc: fc.integer({ min: 100, max: 8_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('deposit' as const, 'withdraw' as const),
      who,
      eth: fc.integer({ min: 1, max: 4 }),
    }),
  },
  // a price move of −12 % to +8 % (a falling market on average)
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('price' as const), bps: fc.integer({ min: -1_200, max: 800 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('poke' as const),
      gasGwei: fc.option(fc.integer({ min: 1, max: 2_000 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deleverage' as const), who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), who }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('take' as const), id: fc.integer({ min: 1, max: 6 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('redo' as const), id: fc.integer({ min: 1, max: 6 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      seconds: fc.integer({ min: 30, max: 1_800 }),
    }),
  },
);

function toCommands(intents: readonly Intent[], dynamic: boolean): TimedCommand[] {
  let now = 1;
  let priceUsd = 2_000n * 10n ** 8n;
  const out: TimedCommand[] = [];
  for (const i of intents) {
    const account = `u${'who' in i ? i.who : 0}`;
    let command: Command | undefined;
    switch (i.kind) {
      case 'borrow':
      case 'repay':
        command = { type: i.kind, account, amount: BigInt(i.usdc) * USDC };
        break;
      case 'deposit':
      case 'withdraw':
        command = { type: i.kind, account, asset: 'ETH', amount: BigInt(i.eth) * ETH };
        break;
      case 'price':
        priceUsd = (priceUsd * BigInt(10_000 + i.bps)) / 10_000n;
        if (priceUsd < 10n ** 8n) priceUsd = 10n ** 8n;
        command = { type: 'publishPrice', asset: 'ETH', source: 'feed', price: priceUsd };
        break;
      case 'poke':
        command =
          i.gasGwei === null || !dynamic
            ? { type: 'updateRisk' }
            : {
                type: 'updateRisk',
                gasPriceGwei: String(i.gasGwei),
                ethPriceUsd: String(priceUsd / 10n ** 8n),
              };
        break;
      case 'deleverage':
        command = { type: 'deleverage', account, keeper: 'keeper' };
        break;
      case 'liquidate':
        command = { type: 'liquidate', account, liquidator: 'keeper' };
        break;
      case 'take':
        command = { type: 'take', id: i.id, buyer: 'keeper', amount: 100n * ETH, maxPriceRay: 10n ** 40n };
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

describe('composed lending contract with the risk stages', () => {
  test('behavior: random books and paths keep the contract and the stages their rules', () => {
    const totals = {
      accepted: 0,
      deleverages: 0,
      softCalls: 0,
      thresholdChanges: 0,
      gas: 0,
      liquidations: 0,
    };
    fc.assert(
      fc.property(
        fc.nat(executions.length - 1),
        fc.nat(sizings.length - 1),
        fc.boolean(),
        fc.boolean(),
        fc.array(
          fc.record({ eth: fc.integer({ min: 1, max: 20 }), pct: fc.integer({ min: 40, max: 100 }) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(intent, { minLength: 60, maxLength: 100 }),
        (e, z, dynamic, oracle, borrowers, intents) => {
          const config = {
            kind: 'lending',
            id: 'prop-risk-market',
            debtAsset: 'USDC',
            collateral: { ETH: { liquidationThresholdBps: '8000', initialLtvBps: '7500' } },
            sizing: sizings[z],
            execution: executions[e],
            incentive: { protocolShareBps: '2000', keeperTip: String(5n * USDC), keeperChipBps: '10' },
            lossWaterfall: ['reserves', 'insurance', 'deficit'],
            volatility: {
              model: 'ewma',
              lambdaWad: String((94n * WAD) / 100n),
              initialSigmaWad: String((8n * WAD) / 10n),
              minSampleSeconds: 120,
            },
            predictive,
            ...(dynamic
              ? {
                  dynamicIncentive: {
                    baseBps: 200,
                    sigmaSlopeBps: 300,
                    minBps: 100,
                    maxBps: 1_500,
                    epsilonUsd: 5,
                  },
                }
              : {}),
            ...(oracle ? { riskOracle } : {}),
          };
          const run = runContract(composedLendingModelFor('prop-risk-market'), [
            ...setup(config, borrowers),
            ...toCommands(intents, dynamic),
          ]);
          expect(run.violations).toEqual([]);
          totals.accepted += run.accepted;
          totals.liquidations += run.liquidations;

          // Read the stages back from the log, with σ as the log last set it.
          let variance = (8n * WAD * 8n * WAD) / 100n / WAD; // 0.64, the initial σ²
          const called = new Set<string>();
          let threshold = 8_000n;
          let lastChange: number | undefined;
          const p = BigInt(predictive.softCallProbabilityWad);
          const pre = BigInt(predictive.preHealthWad);
          for (const r of run.log) {
            const ev = r.event as unknown as Record<string, unknown> & { type: string };
            if (ev.type === 'VolatilityUpdated') variance = ev.varianceAnnualWad as bigint;
            const s = sigmaOverHorizonWad(variance, predictive.horizonSeconds);
            // The slack of the probability and of the quantile behind H* (see predictive.ts).
            const slack = 3n + (8n * (WAD + s)) / (10n * s) + (10_000n * WAD) / s;
            if (ev.type === 'Deleveraged') {
              totals.deleverages += 1;
              const h = ev.healthBeforeWad as bigint;
              const prob = barrierHitProbabilityWad(h, s);
              expect(h).toBeGreaterThanOrEqual(WAD);
              expect(prob + slack >= p || h < pre).toBe(true);
              if (ev.reason === 'preHealth') expect(h).toBeLessThan(pre);
            }
            if (ev.type === 'SoftMarginCalled') {
              totals.softCalls += 1;
              const account = ev.account as string;
              expect(called.has(account)).toBe(false);
              called.add(account);
              expect(ev.healthWad as bigint).toBeGreaterThanOrEqual(WAD);
              expect((ev.probabilityWad as bigint) + slack).toBeGreaterThanOrEqual(p);
            }
            if (ev.type === 'SoftMarginCallCleared') {
              expect(called.delete(ev.account as string)).toBe(true);
              expect(ev.probabilityWad as bigint).toBeLessThan(p + slack);
            }
            if (ev.type === 'RiskParameterUpdated') {
              totals.thresholdChanges += 1;
              const next = ev.liquidationThresholdBps as bigint;
              expect(ev.previousLiquidationThresholdBps).toBe(threshold);
              expect(next >= 7_500n && next <= 8_300n).toBe(true);
              const move = next > threshold ? next - threshold : threshold - next;
              expect(move > 0n && move <= 50n).toBe(true);
              if (lastChange !== undefined) expect(r.atSeconds - lastChange).toBeGreaterThanOrEqual(1_800);
              threshold = next;
              lastChange = r.atSeconds;
            }
            if (ev.type === 'GasPricePublished') totals.gas += 1;
          }
        },
      ),
      { numRuns: 70 },
    );
    expect(totals.accepted).toBeGreaterThanOrEqual(3_000);
    expect(totals.deleverages).toBeGreaterThan(0);
    expect(totals.softCalls).toBeGreaterThan(0);
    expect(totals.thresholdChanges).toBeGreaterThan(0);
    expect(totals.gas).toBeGreaterThan(0);
    expect(totals.liquidations).toBeGreaterThan(0);
  });
});
