/**
 * The Aave liquidator's incentive bound (aaveIncentiveBoundUsd), over random accounts (several
 * collateral and debt assets), oracle prices, market prices and slippage: it is never below the
 * incentive the liquidator computes from the model's own dry run, and a view screened with a
 * keeper's threshold gives that keeper the same actions as the full view.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { balanceOf } from '../engine/ledger.js';
import { aaveV33Model } from '../protocols/aave-v3/model.js';
import { aaveDebtBucket, priceBase } from '../protocols/aave-v3/state.js';
import { TEST_DECIMALS, TEST_PRICES, testMarket } from '../protocols/aave-v3/testkit.js';
import { aaveIncentiveBoundUsd, aaveKeeperView, aaveLiquidator, aaveMayPayAtAll } from './lending.js';
import { gasCostUsd, type MarketContext } from './types.js';

const ASSETS = ['USDC', 'WBTC', 'WETH', 'wstETH'] as const;
const unitsOf = (asset: string, whole: number): bigint =>
  (BigInt(Math.round(whole * 1e6)) * 10n ** BigInt(TEST_DECIMALS[asset] ?? 18)) / 10n ** 6n;

const account = fc.record({
  collateral: fc.constantFrom('WETH', 'WBTC', 'wstETH'),
  collateralUsd: fc.integer({ min: 100, max: 2_000_000 }),
  debt: fc.constantFrom('USDC', 'WETH', 'WBTC'),
  /** Borrowed share of the collateral's borrowing power. */
  use: fc.double({ min: 0.3, max: 0.99, noNaN: true }),
});

describe('aaveIncentiveBoundUsd (properties)', () => {
  test('behavior: never below the liquidator’s incentive; a screened view decides the same', () => {
    let screenedOut = 0;
    let kept = 0;
    let nobody = 0;
    fc.assert(
      fc.property(
        fc.array(account, { minLength: 1, maxLength: 6 }),
        // Oracle moves (bps of the start price) that make accounts liquidatable, and the market's
        // distance from the oracle (a lagging oracle above or below the market).
        fc.integer({ min: 500, max: 6_000 }),
        fc.integer({ min: -3_000, max: 1_500 }),
        fc.integer({ min: -300, max: 300 }),
        fc.integer({ min: 0, max: 500 }),
        fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 3_000 })),
        fc.integer({ min: 0, max: 50 }),
        (accounts, dropBps, marketGapBps, debtGapBps, slippage, gwei, eps) => {
          const m = testMarket(aaveV33Model);
          accounts.forEach((a, i) => {
            if (a.collateral === a.debt) return;
            const id = `a${i}`;
            const price = Number(TEST_PRICES[a.collateral]) / 1e8;
            const debtPrice = Number(TEST_PRICES[a.debt]) / 1e8;
            m.run(
              {
                type: 'deposit',
                account: id,
                asset: a.collateral,
                amount: unitsOf(a.collateral, a.collateralUsd / price),
              },
              1,
            );
            // LTV 70–80 %: borrow `use` of about 70 % of the collateral's value.
            const borrowUsd = a.collateralUsd * 0.7 * a.use;
            try {
              m.run(
                {
                  type: 'borrow',
                  account: id,
                  asset: a.debt,
                  amount: unitsOf(a.debt, borrowUsd / debtPrice),
                },
                1,
              );
            } catch {
              // Refused (caps, dust): the account holds collateral only.
            }
          });
          // Collateral prices fall by dropBps; USDC moves by debtGapBps/10.
          for (const asset of ASSETS) {
            const start = TEST_PRICES[asset] as bigint;
            const moved =
              asset === 'USDC'
                ? (start * BigInt(10_000 + Math.trunc(debtGapBps / 10))) / 10_000n
                : (start * BigInt(10_000 - dropBps)) / 10_000n;
            m.price(asset, moved, 2);
          }
          const state = m.state;
          const wad = (asset: string, gapBps: number): bigint =>
            (priceBase(state, asset, 2) * 10n ** 10n * BigInt(10_000 + gapBps)) / 10_000n;
          const prices: Record<string, bigint> = {};
          for (const asset of ASSETS)
            prices[asset] = wad(asset, asset === 'USDC' ? debtGapBps : marketGapBps);
          const market: MarketContext = {
            nowSeconds: 2,
            gasPriceGwei: gwei,
            ethPriceUsd: Number(prices.WETH) / 1e18,
            collateralPriceUsdWad: prices.WETH as bigint,
            collateralPricesUsdWad: prices,
            slippageBps: BigInt(slippage),
          };
          const keeper = aaveLiquidator({ id: 'liquidator', minProfitUsd: eps });
          const full = aaveKeeperView(state, 2, market, ['liquidator']);
          let bestUsd = 0;
          for (const c of full.candidates) {
            // The liquidator's own incentive for the whole call (it holds 1M of each asset).
            const seizedUsd =
              Number(
                (c.collateralToLiquidator *
                  (prices[c.collateralAsset] as bigint) *
                  (10_000n - BigInt(slippage))) /
                  (10n ** BigInt(c.collateralDecimals) * 10_000n),
              ) / 1e18;
            const repaidUsd =
              Number((c.debtToCover * (prices[c.debtAsset] as bigint)) / 10n ** BigInt(c.debtDecimals)) /
              1e18;
            const debtUnits = balanceOf(state.ledger, aaveDebtBucket(c.account), `${c.debtAsset}.debt`);
            const bound = aaveIncentiveBoundUsd({
              debtUnits,
              debtDecimals: c.debtDecimals,
              collateralDecimals: c.collateralDecimals,
              debtOraclePrice: priceBase(state, c.debtAsset, 2),
              collateralOraclePrice: priceBase(state, c.collateralAsset, 2),
              debtMarketPriceWad: prices[c.debtAsset] as bigint,
              collateralMarketPriceWad: prices[c.collateralAsset] as bigint,
              liquidationBonusBps: state.ext.params?.reserves[c.collateralAsset]?.liquidationBonusBps ?? 0n,
              liquidationProtocolFeeBps:
                state.ext.params?.reserves[c.collateralAsset]?.liquidationProtocolFeeBps ?? 0n,
              slippageBps: BigInt(slippage),
            });
            expect(bound).toBeGreaterThanOrEqual(seizedUsd - repaidUsd);
            bestUsd = Math.max(bestUsd, seizedUsd - repaidUsd);
          }
          // Just below the best incentive on offer, something can pay: the whole-debt check agrees.
          if (bestUsd > 0) expect(aaveMayPayAtAll(state, 2, market, bestUsd * 0.999)).toBe(true);
          const threshold = keeper.incentiveAboveUsd(market);
          expect(threshold).toBe(gasCostUsd(400_000n, market) + eps);
          const screened = aaveKeeperView(state, 2, market, ['liquidator'], { incentiveAboveUsd: threshold });
          expect(keeper.decide(screened)).toEqual(keeper.decide(full));
          // Judged on the whole outstanding debt: when nothing could pay, the keeper sends nothing.
          if (!aaveMayPayAtAll(state, 2, market, threshold)) {
            expect(keeper.decide(full)).toEqual([]);
            nobody += 1;
          }
          screenedOut += full.candidates.length - screened.candidates.length;
          kept += screened.candidates.length;
        },
      ),
      { numRuns: 200 },
    );
    // Both happen: pairs left out without a dry run, and pairs kept.
    expect(screenedOut).toBeGreaterThan(10);
    expect(kept).toBeGreaterThan(10);
    expect(nobody).toBeGreaterThan(10);
  });
});
