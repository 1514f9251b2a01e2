import { describe, expect, test } from 'vitest';
import type { EngineState } from '../engine/engine.js';
import type { MarketContext } from '../keepers/types.js';
import { aaveV33Model } from '../protocols/aave-v3/model.js';
import type { AaveExt } from '../protocols/aave-v3/state.js';
import { TEST_PRICES, testMarket, units } from '../protocols/aave-v3/testkit.js';
import { KeeperScreen, keeperView } from './views.js';

const market = (nowSeconds: number): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 10,
  ethPriceUsd: 2_000,
  collateralPriceUsdWad: 0n,
  slippageBps: 0n,
});

/**
 * An Aave book of `n` accounts, each 10 WETH against USDC borrowed at 40 %..79 % of the WETH value
 * (WETH's liquidation threshold is above 80 %, so every account starts healthy).
 */
function book(n: number): ReturnType<typeof testMarket> {
  const m = testMarket(aaveV33Model);
  const wethUsd = (TEST_PRICES.WETH as bigint) / 10n ** 8n;
  for (let i = 0; i < n; i++) {
    const account = `a${String(i).padStart(3, '0')}`;
    m.run({ type: 'deposit', account, asset: 'WETH', amount: units('WETH', 10n) }, 20);
    const borrowUsd = (10n * wethUsd * BigInt(40 + (i % 40))) / 100n;
    m.run({ type: 'borrow', account, asset: 'USDC', amount: units('USDC', borrowUsd) }, 20);
  }
  return m;
}

describe('KeeperScreen', () => {
  test('behavior: after a price drop the detector screens a few accounts and the view equals the full scan', () => {
    const m = book(80);
    const screen = new KeeperScreen();
    // The first call builds the detector over the whole book; nothing is liquidatable yet.
    const before = screen.screen(m.state, 30);
    expect(before.info).toEqual({ method: 'detector', screened: before.accounts?.length, accounts: 80 });
    // WETH falls 12 %: the most leveraged accounts (borrowed ≥ ~73 % of the old value) go under.
    const dropped = ((TEST_PRICES.WETH as bigint) * 88n) / 100n;
    m.price('WETH', dropped, 40);
    const state = m.state as EngineState<AaveExt>;
    const { accounts, info } = screen.screen(state, 50);
    expect(info.method).toBe('detector');
    expect(accounts).toBeDefined();
    expect(info.screened).toBeLessThan(40);
    const full = keeperView(state, 50, market(50), ['liquidator']);
    const screened = keeperView(state, 50, market(50), ['liquidator'], { accounts: accounts ?? [] });
    expect(screened).toEqual(full);
    // The view is not vacuous: liquidatable accounts exist, and every one is a screened candidate.
    const candidates = (full.view as { candidates: { account: string }[] }).candidates;
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) expect(accounts).toContain(c.account);
  });

  test('behavior: models without a watch fall back to the full scan', () => {
    const screen = new KeeperScreen();
    const m = book(3);
    const notLending = { ...m.state, protocol: 'liquity-v1' } as EngineState;
    expect(screen.screen(notLending, 30)).toEqual({
      accounts: undefined,
      info: { method: 'scan', screened: 3, accounts: 3 },
    });
  });
});
