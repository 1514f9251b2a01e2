/**
 * Tests of the Euler keeper on the model's testkit market (alice: 10 WETH, 16,000 USDC borrowed;
 * liquidation LTV 85 %, maximum discount 15 %): after WETH falls to $1,850 her health score is
 * 0.85 · 18,500 / 16,000 = 0.9828125, so a liquidator takes the whole debt over and receives
 * 16,000 / 0.9828125 = $16,279.96 of WETH — a $279.96 discount. Checked: the view, the gas screen,
 * ε and cap, a wallet-limited repay, the cool-off, and the refusals.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  E18,
  market as eulerMarket,
  price,
  run,
  type S,
  usdc,
  withBorrower,
} from '../protocols/euler-v2/testkit.js';
import { createEulerViewMemo, eulerKeeperView, eulerLiquidator, isEulerLiquidatorPolicy } from './euler.js';
import type { MarketContext } from './types.js';

const ctx = (nowSeconds: number, wethUsd: number, over: Partial<MarketContext> = {}): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 50,
  ethPriceUsd: wethUsd,
  collateralPriceUsdWad: BigInt(wethUsd) * E18,
  collateralPricesUsdWad: { WETH: BigInt(wethUsd) * E18, USDC: E18 },
  slippageBps: 0n,
  ...over,
});

/** alice's position with WETH at $1,850 and keeper `k` holding `walletUsdc` whole USDC, at t = 10. */
function fallen(walletUsdc: bigint): S {
  const s = withBorrower(eulerMarket(0), 0);
  return run(
    s,
    [
      price('WETH', 1_850n),
      ...(walletUsdc > 0n
        ? [{ type: 'fundWallet', actor: 'k', asset: 'USDC', amount: usdc(walletUsdc) }]
        : []),
    ],
    10,
  );
}

/** 16,000 / 0.9828125 in unit-of-account units (18 decimals), floored: Euler's maximum yield value. */
const MAX_YIELD_VALUE = (16_000n * E18 * E18) / 982_812_500_000_000_000n;
/** That value in WETH at $1,850, floored. */
const MAX_YIELD = (MAX_YIELD_VALUE * 10n * E18) / (18_500n * E18);

describe('eulerKeeperView', () => {
  test('default: alice in violation — the whole debt for 8.79998 WETH', () => {
    const view = eulerKeeperView(fallen(20_000n), 10, ctx(10, 1_850), ['k']);
    expect(view.asset).toBe('USDC');
    expect(view.assetDecimals).toBe(6);
    expect(view.candidates).toHaveLength(1);
    const c = view.candidates[0];
    expect(c?.violator).toBe('alice');
    expect(c?.collateral).toBe('WETH');
    expect(c?.healthScoreWad).toBe(982_812_500_000_000_000n);
    expect(c?.discountFactorWad).toBe(982_812_500_000_000_000n);
    expect(c?.maxRepay).toBe(usdc(16_000n));
    expect(c?.maxYield).toBe(MAX_YIELD);
    expect(view.wallets.k).toEqual({ USDC: usdc(20_000n) });
  });

  test('behavior: nobody in violation at $2,000; the cool-off hides a just-checked account', () => {
    const healthy = withBorrower(eulerMarket(0), 0);
    expect(eulerKeeperView(healthy, 10, ctx(10, 2_000)).candidates).toEqual([]);
    // The status check at t = 0 and a 1 s cool-off: not liquidatable at t = 0 even in violation.
    const s = run(withBorrower(eulerMarket(0), 0), [price('WETH', 1_850n)], 0);
    expect(eulerKeeperView(s, 0, ctx(0, 1_850)).candidates).toEqual([]);
    expect(eulerKeeperView(s, 1, ctx(1, 1_850)).candidates).toHaveLength(1);
  });

  test('behavior: options.accounts screens only those ids (unknown ids ignored); a superset changes nothing', () => {
    const s = fallen(20_000n);
    const full = eulerKeeperView(s, 10, ctx(10, 1_850), ['k']);
    expect(eulerKeeperView(s, 10, ctx(10, 1_850), ['k'], { accounts: ['alice', 'lena', 'nobody'] })).toEqual(
      full,
    );
    expect(eulerKeeperView(s, 10, ctx(10, 1_850), ['k'], { accounts: ['lena'] }).candidates).toEqual([]);
  });

  test('behavior: a memo gives the full view, and an unchanged account leaves its cool-off on time', () => {
    // alice was checked at t = 0 and the cool-off is 1 s: in violation at $1,850 but not
    // liquidatable at t = 0; at t = 1, same state and prices, she is.
    const s = run(withBorrower(eulerMarket(0), 0), [price('WETH', 1_850n)], 0);
    const memo = createEulerViewMemo();
    expect(eulerKeeperView(s, 0, ctx(0, 1_850), [], { memo }).candidates).toEqual([]);
    const later = eulerKeeperView(s, 1, ctx(1, 1_850), [], { memo });
    expect(later.candidates).toHaveLength(1);
    expect(later).toEqual(eulerKeeperView(s, 1, ctx(1, 1_850)));
    // A new price is a new read: the memo's entry is not reused.
    const fallenMore = run(s, [price('WETH', 1_700n)], 2);
    expect(eulerKeeperView(fallenMore, 2, ctx(2, 1_700), [], { memo })).toEqual(
      eulerKeeperView(fallenMore, 2, ctx(2, 1_700)),
    );
  });

  test('error: a market at another time, an unconfigured model', () => {
    expect(() => eulerKeeperView(fallen(0n), 11, ctx(10, 1_850))).toThrow(InvalidParameterError);
    const s = fallen(0n);
    expect(() => eulerKeeperView({ ...s, ext: { ...s.ext, vault: null } }, 10, ctx(10, 1_850))).toThrow(
      InvalidParameterError,
    );
  });
});

describe('eulerLiquidator', () => {
  test('default: takes the whole debt over, repays it from its wallet and keeps the discount', () => {
    const s = fallen(20_000n);
    const [action, ...rest] = eulerLiquidator({ id: 'k' }).decide(
      eulerKeeperView(s, 10, ctx(10, 1_850), ['k']),
    );
    expect(rest).toEqual([]);
    expect(action?.command).toEqual({
      type: 'liquidate',
      violator: 'alice',
      liquidator: 'k',
      collateral: 'WETH',
      repayAssets: 'max',
      minYieldBalance: MAX_YIELD,
      repayFromWallet: true,
    });
    // I = 16,000 / 0.9828125 − 16,000 = 279.9618… (floored to the WETH unit and back).
    expect(action?.expectedProfitUsd).toBeCloseTo(16_000 / 0.9828125 - 16_000, 6);
    const after = run(s, [action?.command as never], 10);
    expect(after.ext.accounts.get('alice')?.owed).toBe(0n);
    expect(after.ext.accounts.get('k')?.owed).toBe(0n);
    expect(after.ext.accounts.get('k')?.collateral.WETH).toBe(MAX_YIELD);
  });

  test('behavior: ε and the cap — 600k gas at 50 gwei and $1,850 is $55.50', () => {
    const view = eulerKeeperView(fallen(20_000n), 10, ctx(10, 1_850), ['k']);
    // 279.96 > 55.5 + 224, not > 55.5 + 225.
    expect(eulerLiquidator({ id: 'k', minProfitUsd: 224 }).decide(view)).toHaveLength(1);
    expect(eulerLiquidator({ id: 'k', minProfitUsd: 225 }).decide(view)).toEqual([]);
    expect(eulerLiquidator({ id: 'k', maxGasPriceGwei: 49 }).decide(view)).toEqual([]);
    // 1 % slippage on $16,279.96 of WETH costs $162.80: I = 117.16 < 55.5 + 62.
    const slipped = eulerKeeperView(fallen(20_000n), 10, ctx(10, 1_850, { slippageBps: 100n }), ['k']);
    expect(eulerLiquidator({ id: 'k', minProfitUsd: 62 }).decide(slipped)).toEqual([]);
    expect(eulerLiquidator({ id: 'k', minProfitUsd: 61 }).decide(slipped)).toHaveLength(1);
  });

  test('behavior: a wallet of 8,000 USDC repays 8,000 for half the yield (floored, as Euler scales)', () => {
    const s = fallen(8_000n);
    const [action] = eulerLiquidator({ id: 'k' }).decide(eulerKeeperView(s, 10, ctx(10, 1_850), ['k']));
    expect(action?.command).toMatchObject({ repayAssets: usdc(8_000n), minYieldBalance: MAX_YIELD / 2n });
    const after = run(s, [action?.command as never], 10);
    expect(after.ext.accounts.get('alice')?.owed).toBe(usdc(8_000n));
    expect(after.ext.accounts.get('k')?.collateral.WETH).toBe(MAX_YIELD / 2n);
    // An empty wallet sends nothing.
    expect(
      eulerLiquidator({ id: 'k' }).decide(eulerKeeperView(fallen(0n), 10, ctx(10, 1_850), ['k'])),
    ).toEqual([]);
  });

  test('behavior: couldAct — false above the cap or with an empty wallet, where nothing is sent', () => {
    const capped = eulerLiquidator({ id: 'k', maxGasPriceGwei: 49 });
    expect(capped.couldAct(ctx(10, 1_850), usdc(20_000n))).toBe(false); // 50 gwei > 49
    expect(capped.decide(eulerKeeperView(fallen(20_000n), 10, ctx(10, 1_850), ['k']))).toEqual([]);
    const open = eulerLiquidator({ id: 'k' });
    expect(open.couldAct(ctx(10, 1_850), usdc(20_000n))).toBe(true);
    expect(open.couldAct(ctx(10, 1_850), 0n)).toBe(false);
    expect(open.decide(eulerKeeperView(fallen(0n), 10, ctx(10, 1_850), ['k']))).toEqual([]);
    expect(isEulerLiquidatorPolicy(open)).toBe(true);
    expect(isEulerLiquidatorPolicy({ id: 'x', decide: () => [] })).toBe(false);
  });

  test('error: a negative ε or cap; a view without the keeper wallet', () => {
    expect(() => eulerLiquidator({ id: 'k', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => eulerLiquidator({ id: 'k', maxGasPriceGwei: Number.NaN })).toThrow(InvalidParameterError);
    const view = eulerKeeperView(fallen(0n), 10, ctx(10, 1_850), []);
    expect(() => eulerLiquidator({ id: 'k' }).decide(view)).toThrow(InvalidParameterError);
  });
});
