/**
 * Tests of the detection model and the reference naive scan, with expectations worked out by hand
 * in USD (WETH at $2,000 with 8 price decimals, wstETH at $2,300 with 18, USDC at $1 with 8).
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, UnknownAssetError } from '../errors.js';
import {
  ASSETS_MAX,
  createAssetRegistry,
  type DetectAccount,
  type DetectAsset,
  type DetectPrices,
  naiveScan,
  netPosition,
} from './model.js';

const ASSETS: readonly DetectAsset[] = [
  { asset: 'WETH', decimals: 18, priceDecimals: 8 },
  { asset: 'USDC', decimals: 6, priceDecimals: 8 },
  { asset: 'wstETH', decimals: 18, priceDecimals: 18 },
];
const PRICES: DetectPrices = { WETH: 2_000n * 10n ** 8n, USDC: 10n ** 8n, wstETH: 2_300n * 10n ** 18n };
const ONE = 10n ** 18n;

/** 1 WETH at LT 82.5 % backs exactly $1,650 of debt; `usdcDebt` in USDC units (6 decimals). */
function wethAccount(id: string, usdcDebt: bigint): DetectAccount {
  return {
    id,
    collateral: [{ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }],
    debt: [{ asset: 'USDC', amount: usdcDebt }],
  };
}

describe('naiveScan', () => {
  test('default', () => {
    const accounts: DetectAccount[] = [
      wethAccount('at-one', 1_650n * 10n ** 6n), // HF = 1 exactly: not liquidatable
      wethAccount('above', 1_650n * 10n ** 6n + 1n), // one micro-USDC more: HF < 1
      wethAccount('healthy', 1_000n * 10n ** 6n),
    ];
    expect(naiveScan({ assets: ASSETS, accounts }, PRICES)).toEqual(['above']);
  });

  test('behavior: price decimals differ per asset (wstETH priced with 18 decimals)', () => {
    // 1 wstETH at $2,300 and LT 80 % backs $1,840.
    const account = (id: string, debt: bigint): DetectAccount => ({
      id,
      collateral: [{ asset: 'wstETH', amount: ONE, liquidationThresholdBps: 8_000n }],
      debt: [{ asset: 'USDC', amount: debt }],
    });
    const accounts = [account('edge', 1_840n * 10n ** 6n), account('over', 1_840n * 10n ** 6n + 1n)];
    expect(naiveScan({ assets: ASSETS, accounts }, PRICES)).toEqual(['over']);
  });

  test('behavior: no debt is never liquidatable, debt without collateral always is', () => {
    const accounts: DetectAccount[] = [
      {
        id: 'saver',
        collateral: [{ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }],
        debt: [],
      },
      { id: 'empty', collateral: [], debt: [] },
      { id: 'naked', collateral: [], debt: [{ asset: 'USDC', amount: 1n }] },
      {
        id: 'zero-lt',
        collateral: [{ asset: 'WETH', amount: 100n * ONE, liquidationThresholdBps: 0n }],
        debt: [{ asset: 'USDC', amount: 1n }],
      },
    ];
    expect(naiveScan({ assets: ASSETS, accounts }, PRICES)).toEqual(['naked', 'zero-lt']);
  });

  test('behavior: multi-collateral sums, and the result is sorted', () => {
    // 1 WETH (LT 82.5 %: $1,650) + 1 wstETH (LT 80 %: $1,840) back $3,490.
    const multi = (id: string, debt: bigint): DetectAccount => ({
      id,
      collateral: [
        { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
        { asset: 'wstETH', amount: ONE, liquidationThresholdBps: 8_000n },
      ],
      debt: [{ asset: 'USDC', amount: debt }],
    });
    const accounts = [
      multi('z', 3_490n * 10n ** 6n + 1n),
      multi('m', 3_490n * 10n ** 6n),
      multi('a', 3_491n * 10n ** 6n),
    ];
    expect(naiveScan({ assets: ASSETS, accounts }, PRICES)).toEqual(['a', 'z']);
  });

  test('error: a zero, negative or non-bigint price is refused', () => {
    const book = { assets: ASSETS, accounts: [] };
    expect(() => naiveScan(book, { ...PRICES, WETH: 0n })).toThrow(InvalidParameterError);
    expect(() => naiveScan(book, { ...PRICES, WETH: -1n })).toThrow(InvalidParameterError);
    expect(() => naiveScan(book, { ...PRICES, WETH: 2000 as unknown as bigint })).toThrow(
      InvalidParameterError,
    );
    const { WETH: _missing, ...withoutWeth } = PRICES;
    expect(() => naiveScan(book, withoutWeth)).toThrow(InvalidParameterError);
  });

  test('error: an unknown asset, in prices or in a line, is refused', () => {
    expect(() => naiveScan({ assets: ASSETS, accounts: [] }, { ...PRICES, DOGE: 1n })).toThrow(
      UnknownAssetError,
    );
    const account: DetectAccount = { id: 'x', collateral: [], debt: [{ asset: 'DOGE', amount: 1n }] };
    expect(() => naiveScan({ assets: ASSETS, accounts: [account] }, PRICES)).toThrow(UnknownAssetError);
  });

  test('error: malformed accounts and duplicate ids are refused', () => {
    const scan = (accounts: DetectAccount[]) => () => naiveScan({ assets: ASSETS, accounts }, PRICES);
    const lt = (value: bigint): DetectAccount => ({
      id: 'x',
      collateral: [{ asset: 'WETH', amount: 1n, liquidationThresholdBps: value }],
      debt: [],
    });
    expect(scan([lt(10_001n)])).toThrow(InvalidParameterError);
    expect(scan([lt(-1n)])).toThrow(InvalidParameterError);
    expect(scan([{ id: 'x', collateral: [], debt: [{ asset: 'USDC', amount: -1n }] }])).toThrow(
      InvalidParameterError,
    );
    expect(scan([{ id: '', collateral: [], debt: [] }])).toThrow(InvalidParameterError);
    expect(scan([wethAccount('twin', 1n), wethAccount('twin', 2n)])).toThrow(InvalidParameterError);
  });
});

describe('createAssetRegistry', () => {
  test('default', () => {
    // Common scale: max(18 + 8, 6 + 8, 18 + 18) = 36 decimals.
    const r = createAssetRegistry(ASSETS);
    expect(r.commonDecimals).toBe(36);
    expect(r.scale).toEqual([10n ** 10n, 10n ** 22n, 1n]);
  });

  test('error: no asset, too many, duplicates and bad decimals are refused', () => {
    expect(() => createAssetRegistry([])).toThrow(InvalidParameterError);
    const many = Array.from({ length: ASSETS_MAX + 1 }, (_, i) => ({
      asset: `A${i}`,
      decimals: 0,
      priceDecimals: 0,
    }));
    expect(() => createAssetRegistry(many)).toThrow(InvalidParameterError);
    expect(() => createAssetRegistry([ASSETS[0] as DetectAsset, ASSETS[0] as DetectAsset])).toThrow(
      InvalidParameterError,
    );
    expect(() => createAssetRegistry([{ asset: 'X', decimals: 256, priceDecimals: 0 }])).toThrow(
      InvalidParameterError,
    );
    expect(() => createAssetRegistry([{ asset: 'X', decimals: 6, priceDecimals: 1.5 }])).toThrow(
      InvalidParameterError,
    );
  });
});

describe('netPosition', () => {
  test('default', () => {
    // Two WETH lines merge: (1 + 2)·10^18 · 8,250 bps, then × scale 10^10; USDC debt
    // 5·10^6 · 10^4 × scale 10^22 with a minus sign. Assets in index order: WETH (0), USDC (1).
    const account: DetectAccount = {
      id: 'n',
      collateral: [
        { asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n },
        { asset: 'WETH', amount: 2n * ONE, liquidationThresholdBps: 8_250n },
      ],
      debt: [{ asset: 'USDC', amount: 5_000_000n }],
    };
    const net = netPosition(createAssetRegistry(ASSETS), account);
    expect(net.assets).toEqual([0, 1]);
    expect(net.coefs).toEqual([3n * ONE * 8_250n * 10n ** 10n, -5_000_000n * 10_000n * 10n ** 22n]);
  });

  test('behavior: an asset that is both collateral and debt nets, and zero nets vanish', () => {
    // 1 WETH at LT 82.5 % against 0.825 WETH of debt nets to exactly zero.
    const account: DetectAccount = {
      id: 'loop',
      collateral: [{ asset: 'WETH', amount: ONE, liquidationThresholdBps: 8_250n }],
      debt: [{ asset: 'WETH', amount: (825n * ONE) / 1_000n }],
    };
    expect(netPosition(createAssetRegistry(ASSETS), account)).toEqual({ assets: [], coefs: [] });
  });
});
