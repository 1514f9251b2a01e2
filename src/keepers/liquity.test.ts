/**
 * Tests of the Liquity keeper: the view's candidates and gas compensation on the model's own example
 * (examples/liquity-v1.json: alice's trove at ICR 107.3 % after ETH falls to $1,100), the liquidator's
 * gas screen, cap and ε, batches that never name every trove, and the refusals.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { E18, type LiquityMarket, liquityMarket, openTrove, wei } from '../protocols/liquity-v1/testkit.js';
import { liquityKeeperView, liquityKeeperViewReference, liquityLiquidator } from './liquity.js';
import type { MarketContext } from './types.js';

const market = (nowSeconds: number, ethUsd: number, over: Partial<MarketContext> = {}): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 50,
  ethPriceUsd: ethUsd,
  collateralPriceUsdWad: BigInt(ethUsd) * E18,
  slippageBps: 0n,
  ...over,
});

/** The example: alice 10 ETH / 10,000 LUSD, bob 100 ETH / 50,000 LUSD, 5,000 LUSD in the pool, ETH at $1,100. */
function example(): LiquityMarket {
  const m = liquityMarket(2_000);
  m.run(openTrove('alice', 10, 10_000), 60);
  m.run(openTrove('bob', 100, 50_000), 60);
  m.run({ type: 'provideToSP', account: 'bob', amount: wei(5_000) }, 120);
  m.price(1_100, 3_600);
  return m;
}

describe('liquityKeeperView', () => {
  test('default: the example — alice is the one candidate, with 200 LUSD + 0.05 ETH of compensation', () => {
    const m = example();
    const view = liquityKeeperView(m.state, 3_600, market(3_600, 1_100), ['k']);
    expect(view.recoveryMode).toBe(false); // TCR 1.99 (the example's figure)
    expect(view.troveCount).toBe(2);
    expect(view.candidates).toHaveLength(1);
    const c = view.candidates[0];
    expect(c?.account).toBe('alice');
    // Debt 10,000 + 0.5 % fee + 200 gas compensation = 10,250 LUSD; ICR = 10 · 1,100 / 10,250.
    expect(c?.entireDebt).toBe(wei(10_250));
    expect(c?.icrWad).toBe((wei(10) * 1_100n * E18) / wei(10_250));
    // Liquidator: 200 LUSD and coll / 200 = 0.05 ETH.
    expect(c?.lusdGasCompensation).toBe(wei(200));
    expect(c?.collGasCompensation).toBe(wei(10) / 200n);
    expect(c?.branch).toBe('normal');
    expect(view.wallets.k).toEqual({ ETH: 0n, LUSD: 0n });
  });

  test('behavior: no candidate while every ICR is at or above MCR', () => {
    const m = example();
    m.price(2_000, 3_600);
    expect(liquityKeeperView(m.state, 3_600, market(3_600, 2_000)).candidates).toEqual([]);
  });

  test('behavior: a screen is asked once with the MCR and the price; the view walks what it names', () => {
    const m = example();
    const asked: [bigint, bigint][] = [];
    const screened = (ids: string[]) =>
      liquityKeeperView(m.state, 3_600, market(3_600, 1_100), ['k'], {
        candidatesBelow: (ceiling, priceWad) => {
          asked.push([ceiling, priceWad]);
          return ids;
        },
      });
    const full = liquityKeeperView(m.state, 3_600, market(3_600, 1_100), ['k']);
    // Normal Mode: the ceiling is MCR (1.1e18); the price is $1,100 at 1e18.
    expect(screened(['bob', 'alice', 'alice', 'nobody'])).toEqual(full);
    expect(asked).toEqual([[11n * 10n ** 17n, 1_100n * E18]]);
    expect(full).toEqual(liquityKeeperViewReference(m.state, 3_600, market(3_600, 1_100), ['k']));
    // The screen is trusted: a trove it leaves out is not walked.
    expect(screened(['bob']).candidates).toEqual([]);
  });

  test('error: a market at another time or an unconfigured model', () => {
    const m = example();
    expect(() => liquityKeeperView(m.state, 3_601, market(3_600, 1_100))).toThrow(InvalidParameterError);
    const fresh = liquityMarket(2_000);
    const unconfigured = { ...fresh.state, ext: { ...fresh.state.ext, params: null } };
    expect(() => liquityKeeperView(unconfigured, 0, market(0, 2_000))).toThrow(InvalidParameterError);
  });
});

describe('liquityLiquidator', () => {
  test('default: liquidates alice when 200 LUSD + 0.05 ETH · $1,100 = $255 beats the gas', () => {
    const m = example();
    const k = liquityLiquidator({ id: 'k' });
    const actions = k.decide(liquityKeeperView(m.state, 3_600, market(3_600, 1_100), ['k']));
    expect(actions).toHaveLength(1);
    expect(actions[0]?.command).toEqual({ type: 'liquidate', account: 'alice', liquidator: 'k' });
    expect(actions[0]?.gasUnits).toBe(400_000n);
    expect(actions[0]?.expectedProfitUsd).toBeCloseTo(255, 9);
    // The model accepts it and pays exactly that compensation.
    m.run(actions[0]?.command as never, 3_600);
    expect(m.balance('wallet:k', 'LUSD')).toBe(wei(200));
    expect(m.balance('wallet:k', 'ETH')).toBe(wei(10) / 200n);
  });

  test('behavior: ε and the gas cap — gas of 400k at 50 gwei and $1,100 is $22', () => {
    const m = example();
    const view = liquityKeeperView(m.state, 3_600, market(3_600, 1_100), ['k']);
    // I = 255 > 22 + 232 = 254, not > 22 + 234 = 256.
    expect(liquityLiquidator({ id: 'k', minProfitUsd: 232 }).decide(view)).toHaveLength(1);
    expect(liquityLiquidator({ id: 'k', minProfitUsd: 234 }).decide(view)).toEqual([]);
    expect(liquityLiquidator({ id: 'k', maxGasPriceGwei: 49 }).decide(view)).toEqual([]);
    expect(liquityLiquidator({ id: 'k', maxGasPriceGwei: 50 }).decide(view)).toHaveLength(1);
    // Slippage on the ETH part: 0.05 ETH · 1,100 · 0.5 = 27.5, so I = 227.5 < 22 + 232.
    const slipped = liquityKeeperView(m.state, 3_600, market(3_600, 1_100, { slippageBps: 5_000n }), ['k']);
    expect(liquityLiquidator({ id: 'k', minProfitUsd: 232 }).decide(slipped)).toEqual([]);
  });

  test('behavior: two troves below MCR go in one batch, riskiest first; never every trove', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000), 60); // ICR at $1,100: 11,000 / 10,250 = 1.073
    m.run(openTrove('carol', 10, 9_000), 60); // 11,000 / 9,245 = 1.190 → below MCR at $1,000
    m.run(openTrove('bob', 100, 50_000), 60);
    m.price(1_000, 3_600); // alice 0.976, carol 1.082, bob 1.98
    const view = liquityKeeperView(m.state, 3_600, market(3_600, 1_000), ['k']);
    expect(view.candidates.map((c) => c.account)).toEqual(['alice', 'carol']);
    const [action] = liquityLiquidator({ id: 'k' }).decide(view);
    expect(action?.command).toEqual({
      type: 'batchLiquidateTroves',
      accounts: ['alice', 'carol'],
      liquidator: 'k',
    });
    expect(action?.gasUnits).toBe(150_000n + 2n * 250_000n);
    // With at most one trove per call it sends a single liquidate of the riskiest.
    const [one] = liquityLiquidator({ id: 'k', maxTrovesPerCall: 1 }).decide(view);
    expect(one?.command).toEqual({ type: 'liquidate', account: 'alice', liquidator: 'k' });
    m.run(action?.command as never, 3_600);
    expect(m.state.ext.troves.keys()).toEqual(['bob']);

    // Two troves, both below MCR: only one is named (the model never liquidates the last trove).
    const pair = liquityMarket(2_000);
    pair.run(openTrove('alice', 10, 10_000), 60);
    pair.run(openTrove('dave', 11, 11_000), 60);
    pair.price(1_000, 3_600);
    const both = liquityKeeperView(pair.state, 3_600, market(3_600, 1_000), ['k']);
    const [last] = liquityLiquidator({ id: 'k' }).decide(both);
    expect(last?.command.type).toBe('liquidate');
    pair.run(last?.command as never, 3_600);
    expect(pair.state.ext.troves.keys()).toHaveLength(1);
  });

  test('error: a negative ε or cap, a batch size below 1', () => {
    expect(() => liquityLiquidator({ id: 'k', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => liquityLiquidator({ id: 'k', maxGasPriceGwei: -1 })).toThrow(InvalidParameterError);
    expect(() => liquityLiquidator({ id: 'k', maxTrovesPerCall: 0 })).toThrow(InvalidParameterError);
  });
});
