/**
 * Unit tests of the incremental detector: hand-worked ticks and thresholds, account kinds, the
 * work a tick does (only exposed accounts), an account on which a float decision would be wrong,
 * batched updates, typed errors that leave the detector unchanged, and a seeded stress run of
 * thousands of accounts and updates checked against naiveScan.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, UnknownAccountError, UnknownAssetError } from '../errors.js';
import { createDetector } from './detector.js';
import { generateSyntheticBook } from './generate.js';
import { type DetectAccount, type DetectAsset, naiveScan } from './model.js';

const ASSETS: readonly DetectAsset[] = [
  { asset: 'WETH', decimals: 18, priceDecimals: 8 },
  { asset: 'USDC', decimals: 6, priceDecimals: 8 },
  { asset: 'WBTC', decimals: 8, priceDecimals: 8 },
];
const PRICES = { WETH: 2_000n * 10n ** 8n, USDC: 10n ** 8n, WBTC: 60_000n * 10n ** 8n };
const ONE = 10n ** 18n;
const USD = 10n ** 6n; // one USDC in its units

/** `weth` WETH at LT 82.5 % against `usdc` USDC (6 decimals) of debt. */
function isolated(id: string, weth: bigint, usdc: bigint): DetectAccount {
  return {
    id,
    collateral: [{ asset: 'WETH', amount: weth, liquidationThresholdBps: 8_250n }],
    debt: [{ asset: 'USDC', amount: usdc }],
  };
}

/** A deterministic uniform source (LCG) for seeded tests. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('createDetector', () => {
  test('default', () => {
    // 1 WETH backs $1,650 at $2,000: liquidatable below $2,000 · debt / 1,650.
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [
        isolated('a', ONE, 1_600n * USD), // liquidatable below $1,939.39...
        isolated('b', ONE, 1_500n * USD), // below $1,818.18...
        isolated('c', ONE, 1_700n * USD), // already liquidatable: $2,060.60... > $2,000
      ],
    });
    expect(detector.liquidatable()).toEqual(['c']);
    // $1,900: a (1,939.39 > 1,900) joins; b stays healthy.
    const tick = detector.setPrice('WETH', 1_900n * 10n ** 8n);
    expect(tick.newlyLiquidatable).toEqual(['a']);
    expect(tick.newlyHealthy).toEqual([]);
    expect(tick.liquidatableCount).toBe(2);
    // Back to $2,100: everyone healthy ($2,060.60 < $2,100).
    const back = detector.setPrice('WETH', 2_100n * 10n ** 8n);
    expect(back.newlyHealthy).toEqual(['a', 'c']);
    expect(detector.liquidatable()).toEqual([]);
  });

  test('behavior: the exact liquidation price, and strictness at it', () => {
    // 1 WETH, LT 82.5 %, $1,650 of debt: HF = 1 exactly at $2,000 (not liquidatable), < 1 below.
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [isolated('edge', ONE, 1_650n * USD)],
    });
    expect(detector.liquidationPrice('edge')).toEqual({
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      debtPrice: 10n ** 8n,
      healthyCollateralPriceMin: 2_000n * 10n ** 8n,
    });
    expect(detector.isLiquidatable('edge')).toBe(false);
    expect(detector.setPrice('WETH', 2_000n * 10n ** 8n - 1n).newlyLiquidatable).toEqual(['edge']);
    expect(detector.setPrice('WETH', 2_000n * 10n ** 8n).newlyHealthy).toEqual(['edge']);
    // A debt price move shifts the same ladder: USDC at $1.00000001 tips it over.
    expect(detector.setPrice('USDC', 10n ** 8n + 1n).newlyLiquidatable).toEqual(['edge']);
  });

  test('behavior: accounts are sorted into kinds, netting an asset held on both sides', () => {
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [
        {
          id: 'saver',
          collateral: [{ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }],
          debt: [],
        },
        { id: 'naked', collateral: [], debt: [{ asset: 'USDC', amount: 1n }] },
        isolated('iso', ONE, 1_000n * USD),
        {
          id: 'cross',
          collateral: [
            { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
            { asset: 'WBTC', amount: 10n ** 7n, liquidationThresholdBps: 7_800n },
          ],
          debt: [{ asset: 'USDC', amount: 1_000n * USD }],
        },
        {
          // WETH collateral against WETH debt only: the net sign does not depend on any price.
          id: 'loop',
          collateral: [{ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }],
          debt: [{ asset: 'WETH', amount: (9n * ONE) / 10n }],
        },
        {
          // WETH on both sides plus USDC debt: nets to one collateral and one debt, so isolated.
          id: 'netted',
          collateral: [{ asset: 'WETH', amount: 2n * ONE, liquidationThresholdBps: 8_250n }],
          debt: [
            { asset: 'WETH', amount: ONE / 2n },
            { asset: 'USDC', amount: 100n * USD },
          ],
        },
      ],
    });
    expect(['saver', 'naked', 'iso', 'cross', 'loop', 'netted'].map((id) => detector.kindOf(id))).toEqual([
      'never',
      'always',
      'isolated',
      'cross',
      'always', // 0.825 WETH of weighted collateral < 0.9 WETH of debt, at any price
      'isolated',
    ]);
    expect(detector.liquidatable()).toEqual(['loop', 'naked']);
    // WETH at ~0: the isolated positions go under; the cross account's 0.1 WBTC ($4,680 weighted)
    // still covers its $1,000.
    expect(detector.setPrice('WETH', 1n).newlyLiquidatable).toEqual(['iso', 'netted']);
    expect(detector.setPrice('WBTC', 1n).newlyLiquidatable).toEqual(['cross']);
  });

  test('behavior: a tick looks only at accounts exposed to the asset', () => {
    const cross = (id: string, other: 'WBTC' | 'USDC'): DetectAccount => ({
      id,
      collateral: [
        { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
        { asset: other, amount: 10n ** 6n, liquidationThresholdBps: 7_000n },
      ],
      debt: [{ asset: other === 'WBTC' ? 'USDC' : 'WBTC', amount: 1n }],
    });
    const detector = createDetector({
      assets: [...ASSETS, { asset: 'DAI', decimals: 18, priceDecimals: 8 }],
      prices: { ...PRICES, DAI: 10n ** 8n },
      accounts: [cross('x', 'WBTC'), cross('y', 'USDC'), isolated('i', ONE, 1_000n * USD)],
      crossRebuildThreshold: 1_000_000,
    });
    const none = detector.setPrice('DAI', 2n * 10n ** 8n); // nobody holds DAI
    expect(none.work).toEqual({
      laddersTouched: 0,
      ladderCrossings: 0,
      crossScreened: 0,
      crossClearedByScreen: 0,
      crossRetainedByScreen: 0,
      crossUncertain: 0,
      exactChecks: 0,
      rebuilt: false,
    });
    // Both cross accounts have a large headroom: a 1 % WETH move is below it, nobody is screened.
    const small = detector.setPrice('WETH', 1_980n * 10n ** 8n);
    expect(small.work.crossScreened).toBe(0);
    expect(small.work.laddersTouched).toBe(1);
    // A full re-evaluation screens both and proves them healthy without bigint.
    const all = detector.reevaluateCross();
    expect(all.work.crossScreened).toBe(2);
    expect(all.work.crossClearedByScreen).toBe(2);
    expect(all.work.exactChecks).toBe(0);
  });

  test('behavior: an account a float decision would get wrong is decided exactly', () => {
    // Three assets with no decimals (scale 1): N = 10^4·(2^60 + 1) for A, −10^4·2^60 for B,
    // −10^4 for C. At unit prices the exact margin is 0: not liquidatable. In doubles
    // 10^4·(2^60 + 1) rounds to 10^4·2^60, so a float margin says −10^4 < 0: liquidatable.
    const assets = ['A', 'B', 'C'].map((asset) => ({ asset, decimals: 0, priceDecimals: 0 }));
    const account: DetectAccount = {
      id: 'knife-edge',
      collateral: [{ asset: 'A', amount: 2n ** 60n + 1n, liquidationThresholdBps: 10_000n }],
      debt: [
        { asset: 'B', amount: 2n ** 60n },
        { asset: 'C', amount: 1n },
      ],
    };
    const floatMargin = Number(10_000n * (2n ** 60n + 1n)) - Number(10_000n * 2n ** 60n) - 10_000;
    expect(floatMargin).toBeLessThan(0);
    const detector = createDetector({ assets, prices: { A: 1n, B: 1n, C: 1n }, accounts: [account] });
    expect(detector.liquidatable()).toEqual([]);
    const audit = detector.reevaluateCross();
    expect(audit.work.crossUncertain).toBe(1);
    expect(audit.work.exactChecks).toBe(1);
    // C at 2: the exact margin is −10^4, now liquidatable.
    expect(detector.setPrice('C', 2n).newlyLiquidatable).toEqual(['knife-edge']);
  });

  test("behavior: once another asset's drift breaks a certificate, every asset's tick watches it", () => {
    // X and Y worth 100,000 each (LT 100 %), D debt 196,000: M = 4,000, W = 396,000, κ ≈ 1.01 %.
    const assets = ['X', 'Y', 'D'].map((asset) => ({ asset, decimals: 0, priceDecimals: 0 }));
    const account: DetectAccount = {
      id: 'spread',
      collateral: [
        { asset: 'X', amount: 100n, liquidationThresholdBps: 10_000n },
        { asset: 'Y', amount: 100n, liquidationThresholdBps: 10_000n },
      ],
      debt: [{ asset: 'D', amount: 196_000n }],
    };
    const detector = createDetector({ assets, prices: { X: 1_000n, Y: 1_000n, D: 1n }, accounts: [account] });
    // X −3.7 % (beyond κ): M = 96,300 + 100,000 − 196,000 = 300, still healthy.
    const first = detector.setPrice('X', 963n);
    expect(first.work.crossScreened).toBe(1);
    expect(first.newlyLiquidatable).toEqual([]);
    // Y −0.5 %, well below κ on its own: M = 96,300 + 99,500 − 196,000 = −200.
    const second = detector.setPrice('Y', 995n);
    expect(second.newlyLiquidatable).toEqual(['spread']);
  });

  test('behavior: a batched update evaluates an account holding two moved assets once', () => {
    const account: DetectAccount = {
      id: 'both',
      collateral: [
        { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
        { asset: 'WBTC', amount: 10n ** 8n, liquidationThresholdBps: 7_800n },
      ],
      debt: [{ asset: 'USDC', amount: 48_000n * USD }],
    };
    // Weighted collateral: $1,650 + $46,800 = $48,450 > $48,000.
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [account],
      crossRebuildThreshold: 1_000,
    });
    // WETH −50 % and WBTC −1 %: $825 + $46,332 = $47,157 < $48,000.
    const tick = detector.setPrices({ WETH: 1_000n * 10n ** 8n, WBTC: 59_400n * 10n ** 8n });
    expect(tick.newlyLiquidatable).toEqual(['both']);
    expect(tick.work.crossScreened).toBe(1);
  });

  test('behavior: upserts move an account between kinds and report its status', () => {
    const detector = createDetector({ assets: ASSETS, prices: PRICES });
    expect(detector.upsert(isolated('u', ONE, 1_700n * USD))).toEqual({
      id: 'u',
      liquidatable: true,
      wasLiquidatable: false,
    });
    // A deposit of WBTC makes it cross and healthy.
    const deposit: DetectAccount = {
      ...isolated('u', ONE, 1_700n * USD),
      collateral: [
        { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
        { asset: 'WBTC', amount: 10n ** 7n, liquidationThresholdBps: 7_800n },
      ],
    };
    expect(detector.upsert(deposit)).toEqual({ id: 'u', liquidatable: false, wasLiquidatable: true });
    expect(detector.kindOf('u')).toBe('cross');
    // Full repay: never liquidatable.
    expect(detector.upsert({ ...deposit, debt: [] }).liquidatable).toBe(false);
    expect(detector.kindOf('u')).toBe('never');
    expect(detector.remove('u')).toEqual({ id: 'u', liquidatable: false, wasLiquidatable: false });
    expect(detector.size).toBe(0);
  });

  test('behavior: inputs are neither mutated nor retained', () => {
    const account = Object.freeze({
      id: 'frozen',
      collateral: Object.freeze([
        Object.freeze({ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }),
      ]),
      debt: Object.freeze([Object.freeze({ asset: 'USDC', amount: 1_000n * USD })]),
    });
    const prices = Object.freeze({ ...PRICES });
    const detector = createDetector({
      assets: Object.freeze([...ASSETS]),
      prices,
      accounts: Object.freeze([account]),
    });
    detector.setPrice('WETH', 1n);
    expect(prices.WETH).toBe(2_000n * 10n ** 8n);
    const listed = detector.liquidatable();
    listed.push('tampered');
    expect(detector.liquidatable()).toEqual(['frozen']);
  });

  test('behavior: a seeded run of thousands of accounts and updates matches naiveScan', () => {
    const uniform = lcg(42);
    const book = generateSyntheticBook({ accounts: 3_000, crossShare: 0.5, nearShare: 0.2 }, uniform);
    const accounts = new Map(book.accounts.map((a) => [a.id, a]));
    const prices: Record<string, bigint> = { ...book.prices };
    const detector = createDetector({ assets: book.assets, prices, accounts: book.accounts });
    const names = book.assets.map((a) => a.asset);
    const check = () =>
      expect(detector.liquidatable()).toEqual(
        naiveScan({ assets: book.assets, accounts: [...accounts.values()] }, prices),
      );
    check();
    let rebuilt = 0;
    for (let step = 0; step < 300; step++) {
      const r = uniform();
      if (r < 0.6) {
        const asset = names[Math.floor(uniform() * names.length)] as string;
        const bps = BigInt(Math.floor((uniform() - 0.5) * 800));
        prices[asset] = ((prices[asset] as bigint) * (10_000n + bps)) / 10_000n;
        if (detector.setPrice(asset, prices[asset] as bigint).work.rebuilt) rebuilt += 1;
      } else if (r < 0.9) {
        // Borrow or repay on a random account (or open a copy of it under a new id).
        const source = book.accounts[Math.floor(uniform() * book.accounts.length)] as DetectAccount;
        const id = uniform() < 0.2 ? `new-${step}` : source.id;
        const factor = BigInt(Math.floor(80 + uniform() * 40));
        const next: DetectAccount = {
          ...source,
          id,
          debt: source.debt.map((l) => ({ ...l, amount: (l.amount * factor) / 100n })),
        };
        accounts.set(id, next);
        detector.upsert(next);
      } else {
        const ids = [...accounts.keys()];
        const id = ids[Math.floor(uniform() * ids.length)] as string;
        accounts.delete(id);
        detector.remove(id);
      }
      if (step % 25 === 0) check();
    }
    check();
    expect(rebuilt).toBeGreaterThan(0);
    const audit = detector.reevaluateAll();
    expect([...audit.newlyLiquidatable, ...audit.newlyHealthy]).toEqual([]);
  });

  test('error: unknown asset and bad prices are refused and change nothing', () => {
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [isolated('a', ONE, 1_600n * USD)],
    });
    expect(() => detector.setPrice('DOGE', 1n)).toThrow(UnknownAssetError);
    expect(() => detector.setPrice('WETH', 0n)).toThrow(InvalidParameterError);
    expect(() => detector.setPrice('WETH', -5n)).toThrow(InvalidParameterError);
    // One bad price in a batch: the good one is not applied either.
    expect(() => detector.setPrices({ WETH: 1n, USDC: 0n })).toThrow(InvalidParameterError);
    expect(detector.price('WETH')).toBe(PRICES.WETH);
    expect(detector.liquidatable()).toEqual([]);
    expect(() => detector.price('DOGE')).toThrow(UnknownAssetError);
  });

  test('error: unknown accounts are refused', () => {
    const detector = createDetector({ assets: ASSETS, prices: PRICES });
    expect(() => detector.remove('ghost')).toThrow(UnknownAccountError);
    expect(() => detector.isLiquidatable('ghost')).toThrow(UnknownAccountError);
    expect(() => detector.kindOf('ghost')).toThrow(UnknownAccountError);
    expect(() => detector.liquidationPrice('ghost')).toThrow(UnknownAccountError);
  });

  test('error: malformed accounts and options are refused and change nothing', () => {
    expect(() => createDetector({ assets: ASSETS, prices: { WETH: 1n, USDC: 1n } })).toThrow(
      InvalidParameterError,
    );
    expect(() =>
      createDetector({
        assets: ASSETS,
        prices: PRICES,
        accounts: [isolated('twin', 1n, 1n), isolated('twin', 2n, 1n)],
      }),
    ).toThrow(InvalidParameterError);
    expect(() => createDetector({ assets: ASSETS, prices: PRICES, crossRebuildThreshold: -1 })).toThrow(
      InvalidParameterError,
    );
    const detector = createDetector({
      assets: ASSETS,
      prices: PRICES,
      accounts: [isolated('a', ONE, 1_700n * USD)],
    });
    const bad: DetectAccount = { id: 'a', collateral: [], debt: [{ asset: 'DOGE', amount: 1n }] };
    expect(() => detector.upsert(bad)).toThrow(UnknownAssetError);
    expect(() =>
      detector.upsert({ ...isolated('a', ONE, 1n), debt: [{ asset: 'USDC', amount: -1n }] }),
    ).toThrow(InvalidParameterError);
    expect(detector.liquidatable()).toEqual(['a']);
    expect(detector.kindOf('a')).toBe('isolated');
  });
});
