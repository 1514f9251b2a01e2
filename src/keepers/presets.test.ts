/**
 * The presets as family policies: each maps to the lab's factory with the same options (checked
 * by deciding on real views), the wallets a view needs, and refusals of presets of another family.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { aaveV33Model } from '../protocols/aave-v3/model.js';
import { testMarket, units } from '../protocols/aave-v3/testkit.js';
import { aaveKeeperView, aaveLiquidator } from './lending.js';
import {
  ARBITRAGEUR_INVENTORY_SUFFIX,
  isKeeperFamily,
  KEEPER_FAMILIES,
  makerPresetPolicy,
  presetPolicyFor,
} from './presets.js';
import type { MarketContext } from './types.js';

const E8 = 10n ** 8n;
const E18 = 10n ** 18n;

/** Alice: 5 WETH, 8,000 USDC of debt, WETH at $1,900 (health 0.98): one Aave candidate. */
function aaveView(gasPriceGwei: number) {
  const m = testMarket(aaveV33Model);
  m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: units('WETH', 5n) }, 10);
  m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: units('USDC', 8_000n) }, 20);
  m.price('WETH', 1_900n * E8, 30);
  const market: MarketContext = {
    nowSeconds: 30,
    gasPriceGwei,
    ethPriceUsd: 2_000,
    collateralPriceUsdWad: 0n,
    collateralPricesUsdWad: { WETH: 1_900n * E18, USDC: E18 },
    slippageBps: 0n,
  };
  return aaveKeeperView(m.state, 30, market, ['liquidator']);
}

describe('presetPolicyFor', () => {
  test('default: aaveLiquidator decides as the factory with the same options', () => {
    const spec = {
      preset: 'aaveLiquidator',
      id: 'liquidator',
      minProfitUsd: 5,
      maxGasPriceGwei: 100,
    } as const;
    const chosen = presetPolicyFor('aave', spec);
    expect(chosen).toMatchObject({ family: 'aave', wallets: ['liquidator'] });
    const direct = aaveLiquidator({ id: 'liquidator', minProfitUsd: 5, maxGasPriceGwei: 100 });
    for (const gwei of [10, 100, 101]) {
      const view = aaveView(gwei);
      expect(chosen.policy.decide(view)).toEqual(direct.decide(view));
    }
    // The cap is carried over: above 100 gwei nothing, at 10 gwei the liquidation.
    expect(chosen.policy.decide(aaveView(101))).toEqual([]);
    expect(chosen.policy.decide(aaveView(10))).toHaveLength(1);
  });

  test('behavior: a crvUSD arbitrageur also needs its inventory actor’s wallet', () => {
    expect(presetPolicyFor('crvusd', { preset: 'arbitrageur', id: 'arb' }).wallets).toEqual([
      'arb',
      `arb${ARBITRAGEUR_INVENTORY_SUFFIX}`,
    ]);
    expect(presetPolicyFor('crvusd', { preset: 'liquidator', id: 'liq' }).wallets).toEqual(['liq']);
  });

  test('behavior: every family has a preset', () => {
    const specs = {
      'maker-liq2': { preset: 'gasCapped', id: 'k', maxGasPriceGwei: 100 },
      'maker-liq1': { preset: 'zeroBid', id: 'k' },
      aave: { preset: 'aaveLiquidator', id: 'k', minProfitUsd: 0 },
      compound: { preset: 'cometAbsorber', id: 'k' },
      euler: { preset: 'liquidator', id: 'k' },
      liquity: { preset: 'liquidator', id: 'k', minProfitUsd: 1 },
      crvusd: { preset: 'liquidator', id: 'k' },
      composed: { preset: 'liquidator', id: 'k', maxGasPriceGwei: 50 },
      perps: { preset: 'liquidator', id: 'k', minProfitUsd: 5 },
    } as const;
    for (const family of KEEPER_FAMILIES) {
      expect(presetPolicyFor(family, specs[family]).policy.id).toBe('k');
      expect(isKeeperFamily(family)).toBe(true);
    }
    expect(isKeeperFamily('perps-generic')).toBe(false);
  });

  test('error: a preset of another family names the field given', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof InvalidParameterError ? error.field : 'other';
      }
      return 'none';
    };
    expect(
      field(() => presetPolicyFor('aave', { preset: 'gasAware', id: 'k', minProfitUsd: 0 }, '--policy')),
    ).toBe('--policy');
    expect(field(() => presetPolicyFor('maker-liq2', { preset: 'liquidator', id: 'k' }))).toBe(
      'keepers[].preset',
    );
    expect(
      field(() => presetPolicyFor('compound', { preset: 'aaveLiquidator', id: 'k', minProfitUsd: 0 })),
    ).toBe('keepers[].preset');
    expect(field(() => presetPolicyFor('crvusd', { preset: 'flash', id: 'k' }))).toBe('keepers[].preset');
    expect(
      field(() => presetPolicyFor('perps', { preset: 'gasAware', id: 'k', minProfitUsd: 0 }, '--policy')),
    ).toBe('--policy');
  });
});

describe('makerPresetPolicy', () => {
  test('error: capital that is not whole DAI', () => {
    expect(() => makerPresetPolicy({ preset: 'capitalLimited', id: 'k', capitalDai: 1.5 })).toThrow(
      InvalidParameterError,
    );
    expect(makerPresetPolicy({ preset: 'capitalLimited', id: 'k', capitalDai: 50_000 }).id).toBe('k');
  });
});
