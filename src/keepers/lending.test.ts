/**
 * Tests of the lending keepers: the Aave view's dry run against hand-computed liquidation amounts,
 * the liquidator's I > C_gas + ε rule, gas cap and capital limit (its commands accepted by the
 * model), and the Comet absorber and buyer on hand-built views.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { aaveV33Model } from '../protocols/aave-v3/model.js';
import { testMarket } from '../protocols/aave-v3/testkit.js';
import {
  aaveKeeperView,
  aaveLiquidator,
  type CometKeeperView,
  cometAbsorber,
  cometBuyer,
} from './lending.js';
import type { MarketContext } from './types.js';

const E18 = 10n ** 18n;
const at = (priceUsd: bigint, gasPriceGwei = 0): MarketContext => ({
  nowSeconds: 2,
  gasPriceGwei,
  ethPriceUsd: Number(priceUsd),
  collateralPriceUsdWad: priceUsd * E18,
  collateralPricesUsdWad: { USDC: E18 },
  slippageBps: 0n,
});

/** alice: 10 WETH at $2000, 15,000 USDC borrowed; then WETH at $1700 (HF 17,000·0.825/15,000 = 0.935). */
function underwater() {
  const m = testMarket(aaveV33Model);
  m.runAll(
    [
      { type: 'deposit', account: 'alice', asset: 'WETH', amount: 10n * E18 },
      { type: 'borrow', account: 'alice', asset: 'USDC', amount: 15_000n * 10n ** 6n },
      { type: 'fundWallet', actor: 'small', asset: 'USDC', amount: 5_000n * 10n ** 6n },
    ],
    1,
  );
  m.price('WETH', 1_700n * 10n ** 8n, 2);
  return m;
}

describe('aaveKeeperView', () => {
  test('default: the dry run matches the hand computation (full close below HF 0.95, 5 % bonus, 10 % fee)', () => {
    const m = underwater();
    const view = aaveKeeperView(m.state, 2, at(1_700n), ['liquidator']);
    expect(view.candidates).toHaveLength(1);
    const c = view.candidates[0];
    expect(c?.debtToCover).toBe(15_000n * 10n ** 6n);
    // 15,000 / 1,700 × (1 + 0.05 × 0.9) = 9.220588… WETH to the liquidator.
    expect(Math.abs(Number(c?.collateralToLiquidator) / 1e18 - (15_000 / 1_700) * 1.045)).toBeLessThan(1e-9);
    expect(c?.healthFactorWad).toBeLessThan(E18);
  });

  test('behavior: debtAssets lists only the pairs repaying those assets', () => {
    const m = underwater();
    const full = aaveKeeperView(m.state, 2, at(1_700n), ['small']);
    const usdc = aaveKeeperView(m.state, 2, at(1_700n), ['small'], { debtAssets: new Set(['USDC']) });
    const weth = aaveKeeperView(m.state, 2, at(1_700n), ['small'], { debtAssets: new Set(['WETH']) });
    expect(full.candidates).toHaveLength(1);
    expect(usdc.candidates).toEqual(full.candidates);
    // alice owes USDC only: nothing repays WETH.
    expect(weth.candidates).toEqual([]);
    expect(weth.wallets).toEqual(full.wallets);
  });

  test('error: a market at another time is refused', () => {
    expect(() => aaveKeeperView(underwater().state, 3, at(1_700n))).toThrow(InvalidParameterError);
  });
});

describe('aaveLiquidator.repayableAssets', () => {
  test('default: the assets its wallet holds, sorted', () => {
    const k = aaveLiquidator({ id: 'k', minProfitUsd: 0 });
    expect(k.repayableAssets(at(1_700n), { WETH: 1n, USDC: 5n, WBTC: 0n })).toEqual(['USDC', 'WETH']);
  });

  test('behavior: none above its gas cap, or with an empty wallet', () => {
    const capped = aaveLiquidator({ id: 'k', minProfitUsd: 0, maxGasPriceGwei: 40 });
    expect(capped.repayableAssets(at(1_700n, 50), { USDC: 5n })).toEqual([]);
    expect(capped.repayableAssets(at(1_700n, 40), { USDC: 5n })).toEqual(['USDC']);
    expect(capped.repayableAssets(at(1_700n), { USDC: 0n })).toEqual([]);
  });

  test("behavior: deciding on the view of its repayable pairs gives the full view's actions", () => {
    const m = underwater();
    m.runAll([{ type: 'fundWallet', actor: 'wethOnly', asset: 'WETH', amount: E18 }], 2);
    for (const [id, gas] of [
      ['small', 0],
      ['small', 50],
      ['wethOnly', 0],
    ] as const) {
      const k = aaveLiquidator({ id, minProfitUsd: 0, maxGasPriceGwei: 45 });
      const full = aaveKeeperView(m.state, 2, at(1_700n, gas), [id]);
      const wallet = full.wallets[id] ?? {};
      const debtAssets = new Set(k.repayableAssets(full.market, wallet));
      const narrow = aaveKeeperView(m.state, 2, at(1_700n, gas), [id], { debtAssets });
      expect(k.decide(narrow)).toEqual(k.decide(full));
    }
    // The cases differ: the funded keeper under its cap acts, the others do not.
    const k = aaveLiquidator({ id: 'small', minProfitUsd: 0, maxGasPriceGwei: 45 });
    expect(k.decide(aaveKeeperView(m.state, 2, at(1_700n), ['small']))).toHaveLength(1);
  });
});

describe('aaveLiquidator', () => {
  test('default: liquidates with max when I > gas + ε, and the model accepts it', () => {
    const m = underwater();
    const view = aaveKeeperView(m.state, 2, at(1_700n, 50), ['liquidator']);
    const actions = aaveLiquidator({ id: 'liquidator', minProfitUsd: 10 }).decide(view);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.command.debtToCover).toBe('max');
    const before = balanceOf(m.state.ledger, 'wallet:liquidator', 'WETH');
    m.run(actions[0]?.command as (typeof actions)[number]['command'], 2);
    expect(balanceOf(m.state.ledger, 'wallet:liquidator', 'WETH') - before).toBe(
      view.candidates[0]?.collateralToLiquidator,
    );
  });

  test('behavior: abstains when ε exceeds the bonus (≈ $675), or gas is above its cap', () => {
    const m = underwater();
    // I = 9.2206 × 1700 − 15,000 ≈ 675.0 USD; gas 400k × 50 gwei × $1700 = $34.
    const view = aaveKeeperView(m.state, 2, at(1_700n, 50), ['liquidator']);
    expect(aaveLiquidator({ id: 'liquidator', minProfitUsd: 600 }).decide(view)).toHaveLength(1);
    expect(aaveLiquidator({ id: 'liquidator', minProfitUsd: 660 }).decide(view)).toHaveLength(0);
    expect(aaveLiquidator({ id: 'liquidator', minProfitUsd: 0, maxGasPriceGwei: 40 }).decide(view)).toEqual(
      [],
    );
    expect(
      aaveLiquidator({ id: 'liquidator', minProfitUsd: 0, maxGasPriceGwei: 50 }).decide(view),
    ).toHaveLength(1);
  });

  test('behavior: capital-limited: repays what its wallet holds, accepted by the model', () => {
    const m = underwater();
    const view = aaveKeeperView(m.state, 2, at(1_700n), ['small']);
    const [action] = aaveLiquidator({ id: 'small', minProfitUsd: 0 }).decide(view);
    expect(action?.command.debtToCover).toBe(5_000n * 10n ** 6n);
    m.run(action?.command as NonNullable<typeof action>['command'], 2);
    expect(balanceOf(m.state.ledger, 'wallet:small', 'USDC')).toBe(0n);
    expect(balanceOf(m.state.ledger, 'debt:alice', 'USDC.debt')).toBe(10_000n * 10n ** 6n);
  });

  test('error: a view without its wallet, a negative ε', () => {
    const view = aaveKeeperView(underwater().state, 2, at(1_700n), []);
    expect(() => aaveLiquidator({ id: 'liquidator', minProfitUsd: 0 }).decide(view)).toThrow(
      InvalidParameterError,
    );
    expect(() => aaveLiquidator({ id: 'x', minProfitUsd: -1 })).toThrow(InvalidParameterError);
  });
});

const cometView = (over: Partial<CometKeeperView> = {}): CometKeeperView => ({
  nowSeconds: 2,
  market: { ...at(2_000n, 50), collateralPricesUsdWad: { WETH: 2_000n * E18, USDC: E18 } },
  baseAsset: 'USDC',
  baseDecimals: 6,
  liquidatable: Array.from({ length: 12 }, (_, i) => ({ account: `a${i}`, debtBase: 1n })),
  reservesBase: -1n,
  targetReservesBase: 5n,
  forSale: [
    { asset: 'WETH', decimals: 18, amount: E18, baseForAll: 1_000n * 10n ** 6n, collateralForAll: E18 },
  ],
  wallets: { buyer: { USDC: 10_000n * 10n ** 6n } },
  ...over,
});

describe('cometAbsorber', () => {
  test('default: absorbs every liquidatable account in batches, reporting gas in wei', () => {
    const actions = cometAbsorber({ id: 'abs' }).decide(cometView());
    expect(actions.map((a) => (a.command.accounts as string[]).length)).toEqual([10, 2]);
    expect(actions[1]?.command.gasCostWei).toBe(2n * 250_000n * 50n * 10n ** 9n);
  });

  test('behavior: abstains above its gas cap', () => {
    expect(cometAbsorber({ id: 'abs', maxGasPriceGwei: 49 }).decide(cometView())).toEqual([]);
    expect(cometAbsorber({ id: 'abs', maxGasPriceGwei: 50 }).decide(cometView())).toHaveLength(2);
  });
});

describe('cometBuyer', () => {
  test('default: buys at the storefront when I = $2000 − $1000 > gas + ε', () => {
    const [a] = cometBuyer({ id: 'buyer', minProfitUsd: 10 }).decide(cometView());
    expect(a?.command).toEqual({
      type: 'buyCollateral',
      buyer: 'buyer',
      asset: 'WETH',
      minAmount: (E18 * 9_999n) / 10_000n,
      baseAmount: 1_000n * 10n ** 6n,
    });
  });

  test('behavior: abstains when ε is above the discount; capital-limited buys pro rata', () => {
    expect(cometBuyer({ id: 'buyer', minProfitUsd: 1_000 }).decide(cometView())).toEqual([]);
    const [a] = cometBuyer({ id: 'buyer', minProfitUsd: 0 }).decide(
      cometView({ wallets: { buyer: { USDC: 500n * 10n ** 6n } } }),
    );
    expect(a?.command.baseAmount).toBe(500n * 10n ** 6n);
    expect(a?.command.minAmount).toBe(((E18 / 2n) * 9_999n) / 10_000n);
  });
});
