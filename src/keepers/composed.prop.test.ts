/**
 * Property test of the composed-market keeper: over random configurations (fixed-discount sales or
 * Dutch auctions on three curves; whole, close-factor and partial-to-target sizing; bonuses,
 * penalties, tips, chips and waterfalls), random borrowers opened through the model and random
 * price paths and clocks (auctions fall, expire and need resets), every command two competing
 * liquidators return is accepted by the model when applied in order at the view's time, and the
 * engine contract (ledger conservation, the model's invariants) holds afterwards. The risk stages
 * (volatility, predictive de-leveraging, dynamic incentive, risk oracle) are switched on at random,
 * with an `updateRisk` poke each step, and the keepers' de-leveraging steps are accepted too.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../engine/contract.js';
import { createEngine, type EngineState } from '../engine/engine.js';
import { apply, type Command } from '../engine/machine.js';
import { feedOracleCommand } from '../engine/testkit.js';
import { type ComposedLendingExt, composedLendingModelFor } from '../protocols/composed/lending.js';
import { composedKeeperView, composedLiquidator } from './composed.js';
import type { MarketContext } from './types.js';

const E18 = 10n ** 18n;
const USDC = 1_000_000n;
const E8 = 100_000_000n;

const execution = fc.oneof(
  fc.record({ kind: fc.constant('fixedDiscount'), bonusBps: fc.integer({ min: 0, max: 1_500 }).map(String) }),
  fc.record({
    kind: fc.constant('dutchAuction'),
    curve: fc.constantFrom(
      'StairstepExponentialDecrease cut=0.99 step=60',
      'LinearDecrease tau=3600',
      'ExponentialDecrease cut=0.999',
    ),
    bufBps: fc.integer({ min: 10_000, max: 13_000 }).map(String),
    tailSeconds: fc.integer({ min: 600, max: 7_200 }).map(String),
    cuspBps: fc.integer({ min: 2_000, max: 8_000 }).map(String),
    penaltyBps: fc.integer({ min: 0, max: 1_500 }).map(String),
  }),
);
const sizing = fc.oneof(
  fc.constant({ kind: 'whole' }),
  fc.record({
    kind: fc.constant('closeFactor'),
    closeFactorBps: fc.integer({ min: 1_000, max: 10_000 }).map(String),
    fullBelowHealthWad: fc.constantFrom('0', String((95n * E18) / 100n)),
  }),
  fc.record({
    kind: fc.constant('partialToTarget'),
    targetHealthWad: fc.constantFrom(String((11n * E18) / 10n), String((3n * E18) / 2n)),
  }),
);
/** The risk stages, each on or off (volatility with any of them). */
const stages = fc
  // Predictive on in 3 runs of 4: de-leveraging also needs a fall and a keeper that profits.
  .record({
    predictive: fc.constantFrom(true, true, true, false),
    dynamic: fc.boolean(),
    oracle: fc.boolean(),
  })
  .map(({ predictive, dynamic, oracle }) =>
    predictive || dynamic || oracle
      ? {
          volatility: {
            model: 'ewma',
            lambdaWad: '940000000000000000',
            initialSigmaWad: '800000000000000000',
            minSampleSeconds: 120,
          },
          ...(predictive
            ? {
                predictive: {
                  horizonSeconds: 3600,
                  softCallProbabilityWad: '50000000000000000',
                  preHealthWad: '1050000000000000000',
                  stepBps: 2500,
                  preBonusBps: 200,
                  cooldownSeconds: 600,
                },
              }
            : {}),
          ...(dynamic
            ? {
                dynamicIncentive: {
                  baseBps: 200,
                  sigmaSlopeBps: 300,
                  minBps: 100,
                  maxBps: 1500,
                  epsilonUsd: 5,
                },
              }
            : {}),
          ...(oracle
            ? {
                riskOracle: {
                  collateral: {
                    ETH: {
                      baseThresholdBps: 8600,
                      sigmaSlopeBps: 750,
                      minThresholdBps: 7500,
                      maxThresholdBps: 8300,
                    },
                  },
                  maxChangeBps: 50,
                  minSecondsBetweenChanges: 1800,
                },
              }
            : {}),
        }
      : {},
  );
const config = fc.record({
  stages,
  execution,
  sizing,
  incentive: fc.record({
    protocolShareBps: fc.integer({ min: 0, max: 10_000 }).map(String),
    keeperTip: fc.integer({ min: 0, max: 50 }).map((n) => String(BigInt(n) * USDC)),
    keeperChipBps: fc.integer({ min: 0, max: 100 }).map(String),
  }),
  lossWaterfall: fc.constantFrom(
    ['reserves', 'insurance', 'socialize'],
    ['insurance', 'deficit'],
    ['deficit'],
  ),
});

describe('composedLiquidator', () => {
  test('behavior: every command returned on random markets and states is accepted by the model', () => {
    let acted = 0;
    let deleveraged = 0;
    fc.assert(
      fc.property(
        config,
        fc.array(
          fc.record({
            ethTenths: fc.integer({ min: 5, max: 200 }),
            drawPct: fc.integer({ min: 40, max: 100 }),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 3_000 }),
            ethUsd: fc.integer({ min: 600, max: 2_100 }),
            slipBps: fc.integer({ min: 0, max: 1_000 }),
            gasGwei: fc.integer({ min: 1, max: 300 }),
            swap: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.bigInt({ min: 0n, max: 40_000n }),
        (cfg, borrowers, steps, walletB) => {
          const { stages: risk, ...market } = cfg;
          // A dynamic incentive needs the keeper to keep a share of a sale's bonus.
          const shareOk = !('dynamicIncentive' in risk) || market.incentive.protocolShareBps !== '10000';
          const id = cfg.execution.kind === 'fixedDiscount' ? 'prop-sale' : 'prop-auction';
          const model = composedLendingModelFor(id);
          const engine = createEngine(model);
          let state = engine.initial() as EngineState<ComposedLendingExt>;
          const run = (c: Command, t: number) => {
            state = apply(engine, state, c, t).state as EngineState<ComposedLendingExt>;
          };
          const oracle = (asset: string): Command =>
            feedOracleCommand(asset, 7 * 86_400, { maxSpreadBps: 100, twapWindowSeconds: 600 });
          const setup: Command[] = [
            { type: 'listAsset', asset: 'ETH', decimals: 18 },
            { type: 'listAsset', asset: 'USDC', decimals: 6 },
            oracle('ETH'),
            oracle('USDC'),
            { type: 'publishPrice', asset: 'ETH', source: 'feed', price: 2_000n * E8 },
            { type: 'publishPrice', asset: 'USDC', source: 'feed', price: E8 },
            {
              type: 'configure',
              params: {
                kind: 'lending',
                id,
                debtAsset: 'USDC',
                collateral: { ETH: { liquidationThresholdBps: '8000', initialLtvBps: '7500' } },
                ...market,
                ...(shareOk ? risk : {}),
              },
            },
            { type: 'supply', amount: 10_000_000n * USDC },
            { type: 'fundInsurance', asset: 'USDC', amount: 1_000n * USDC },
            { type: 'fundWallet', actor: 'a', asset: 'USDC', amount: 1_000_000n * USDC },
            ...(walletB > 0n
              ? [{ type: 'fundWallet', actor: 'b', asset: 'USDC', amount: walletB * USDC }]
              : []),
          ];
          for (const c of setup) run(c, 0);
          borrowers.forEach((b, i) => {
            // Up to 75 % of $2,000 per ETH: the initial LTV.
            const draw = BigInt(Math.floor((b.ethTenths / 10) * 2_000 * 0.75 * (b.drawPct / 100)));
            run(
              { type: 'deposit', account: `u${i}`, asset: 'ETH', amount: (BigInt(b.ethTenths) * E18) / 10n },
              0,
            );
            if (draw > 0n) run({ type: 'borrow', account: `u${i}`, amount: draw * USDC }, 0);
          });
          const keepers = [
            composedLiquidator({ id: 'a' }),
            composedLiquidator({ id: 'b', minProfitUsd: 5, maxGasPriceGwei: 150, minDiscountBps: 300n }),
          ];
          let now = 0;
          for (const s of steps) {
            now += s.dt;
            run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: BigInt(s.ethUsd) * E8 }, now);
            run({ type: 'publishPrice', asset: 'USDC', source: 'feed', price: E8 }, now);
            if (shareOk && 'volatility' in risk) {
              run(
                'dynamicIncentive' in risk
                  ? { type: 'updateRisk', gasPriceGwei: String(s.gasGwei), ethPriceUsd: String(s.ethUsd) }
                  : { type: 'updateRisk' },
                now,
              );
            }
            const context: MarketContext = {
              nowSeconds: now,
              gasPriceGwei: s.gasGwei,
              ethPriceUsd: s.ethUsd,
              collateralPriceUsdWad: BigInt(s.ethUsd) * E18,
              collateralPricesUsdWad: { ETH: BigInt(s.ethUsd) * E18, USDC: E18 },
              slippageBps: BigInt(s.slipBps),
            };
            for (const k of s.swap ? [...keepers].reverse() : keepers) {
              const actions = k.decide(composedKeeperView(state, now, context, ['a', 'b']));
              for (const a of actions) run(a.command, now);
              acted += actions.length;
              deleveraged += actions.filter((a) => a.command.type === 'deleverage').length;
            }
            expect(engineViolations(model, state)).toEqual([]);
          }
        },
      ),
      // De-leveraging needs a predictive market, a fall and a keeper that profits: random seeds
      // missed it often enough to fail CI now and then (80 and even 200 runs), so the runs behind
      // the coverage counts below come from a fixed seed.
      { numRuns: 200, seed: 20_261_122 },
    );
    expect(acted).toBeGreaterThan(0);
    expect(deleveraged).toBeGreaterThan(0);
  });
});
