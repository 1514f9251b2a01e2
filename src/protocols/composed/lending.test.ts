import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { runScript } from '../script.js';
import { type ComposedLendingConfig, parseComposedLendingConfig } from './config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const USDC = 1_000_000n;
const ETH = 10n ** 18n;
const E8 = 100_000_000n;

const oracle = (asset: string) => ({
  at: 0,
  ...feedOracleCommand(asset, 86_400, { maxSpreadBps: 100, twapWindowSeconds: 600 }),
});
const price = (at: number, asset: string, dollars: bigint) => ({
  at,
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: String(dollars * E8),
});
function market(config: Record<string, unknown>, commands: Record<string, unknown>[]) {
  return runScript({
    protocol: config,
    commands: [
      { at: 0, type: 'listAsset', asset: 'ETH', decimals: 18 },
      { at: 0, type: 'listAsset', asset: 'USDC', decimals: 6 },
      oracle('ETH'),
      oracle('USDC'),
      price(0, 'ETH', 2_000n),
      price(0, 'USDC', 1n),
      { at: 0, type: 'configure', params: 'default' },
      { at: 0, type: 'supply', amount: String(1_000_000n * USDC) },
      { at: 0, type: 'fundWallet', actor: 'liq', asset: 'USDC', amount: String(100_000n * USDC) },
      { at: 10, type: 'deposit', account: 'alice', asset: 'ETH', amount: String(10n * ETH) },
      { at: 10, type: 'borrow', account: 'alice', amount: String(15_000n * USDC) },
      ...commands,
    ],
  });
}
const saleConfig = (overrides: Record<string, unknown> = {}) => ({
  kind: 'lending',
  id: 'sale-market',
  debtAsset: 'USDC',
  collateral: { ETH: { liquidationThresholdBps: 8000, initialLtvBps: 7500 } },
  sizing: { kind: 'closeFactor', closeFactorBps: 5000, fullBelowHealthWad: String((95n * ETH) / 100n) },
  execution: { kind: 'fixedDiscount', bonusBps: 500 },
  incentive: { protocolShareBps: 1000 },
  lossWaterfall: ['insurance', 'deficit'],
  ...overrides,
});
const bal = (run: ReturnType<typeof runScript>, bucket: string, asset: string) =>
  balanceOf(run.state.ledger, bucket, asset);

describe('parseComposedLendingConfig', () => {
  test('default: the worked example validates', () => {
    const raw = parse(readFileSync(join(root, 'examples', 'composed-lending-auction.yaml'), 'utf8'));
    const config: ComposedLendingConfig = parseComposedLendingConfig(raw);
    expect(config.execution.kind).toBe('dutchAuction');
    expect(config.lossWaterfall).toEqual(['reserves', 'insurance', 'socialize']);
  });
  test('error: each bad field is named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { collateral: { ETH: { liquidationThresholdBps: 10_001, initialLtvBps: 7500 } } },
        'config.collateral.ETH.liquidationThresholdBps',
      ],
      [
        { collateral: { ETH: { liquidationThresholdBps: 8000, initialLtvBps: 8001 } } },
        'config.collateral.ETH.initialLtvBps',
      ],
      [
        { sizing: { kind: 'partialToTarget', targetHealthWad: String(ETH) } },
        'config.sizing.targetHealthWad',
      ],
      [
        {
          execution: {
            kind: 'dutchAuction',
            curve: 'Linear tau=1',
            bufBps: 11000,
            tailSeconds: 10,
            cuspBps: 1,
            penaltyBps: 0,
          },
        },
        'config.execution.curve',
      ],
      [
        {
          execution: {
            kind: 'dutchAuction',
            curve: 'LinearDecrease tau=60',
            bufBps: 9000,
            tailSeconds: 10,
            cuspBps: 1,
            penaltyBps: 0,
          },
        },
        'config.execution.bufBps',
      ],
      [{ lossWaterfall: ['insurance'] }, 'config.lossWaterfall[0]'],
      [{ id: 'Has Spaces' }, 'config.id'],
      [
        { collateral: { USDC: { liquidationThresholdBps: 8000, initialLtvBps: 7000 } } },
        'config.collateral.USDC',
      ],
    ];
    for (const [override, field] of cases) {
      try {
        parseComposedLendingConfig(saleConfig(override));
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('composed lending: fixed-discount sale', () => {
  test('default: a 50% close factor, bonus to the liquidator, 10% of the bonus to the protocol', () => {
    // $2,000 → $1,800: health = 10·1800·0.8/15000 = 0.96 ≥ 0.95: half the debt
    const run = market(saleConfig(), [
      price(20, 'ETH', 1_800n),
      { at: 30, type: 'liquidate', account: 'alice', liquidator: 'liq' },
    ]);
    expect(run.refusals).toEqual([]);
    const repaid = 7_500n * USDC;
    // seized = 7,500 / 1,800 × 1.05 ETH, floored to wei
    const seized = (repaid * 105n * ETH) / (1_800n * 100n * USDC);
    const bonus = seized - (seized * 10_000n + 10_499n) / 10_500n;
    const fee = (bonus * 1_000n) / 10_000n;
    expect(bal(run, 'debt:alice', 'USDC.debt')).toBe(15_000n * USDC - repaid);
    expect(bal(run, 'acct:alice', 'ETH')).toBe(10n * ETH - seized);
    expect(bal(run, 'wallet:liq', 'ETH')).toBe(seized - fee);
    expect(bal(run, 'protocol', 'ETH')).toBe(fee);
    expect(bal(run, 'pool', 'USDC')).toBe(1_000_000n * USDC - 15_000n * USDC + repaid);
  });

  test('behavior: partial to a target health repays just enough to reach it', () => {
    const target = (12n * ETH) / 10n; // 1.2
    const run = market(saleConfig({ sizing: { kind: 'partialToTarget', targetHealthWad: String(target) } }), [
      price(20, 'ETH', 1_800n),
      { at: 30, type: 'liquidate', account: 'alice', liquidator: 'liq' },
    ]);
    const after = run.accounts.find((a) => a.accountId === 'alice');
    // (14,400 − R·1.05·0.8) / (15,000 − R) = 1.2 → R = 3,600 / 0.36 = 10,000 USDC
    expect(bal(run, 'debt:alice', 'USDC.debt')).toBe(5_000n * USDC);
    expect(after?.healthWad).toBeGreaterThanOrEqual(target);
    expect(after?.healthWad).toBeLessThan(target + ETH / 1_000n);
  });

  test('behavior: an empty account is written off: insurance first, then the deficit', () => {
    const run = market(saleConfig({ sizing: { kind: 'whole' } }), [
      { at: 15, type: 'fundInsurance', asset: 'USDC', amount: String(1_000n * USDC) },
      price(20, 'ETH', 1_000n),
      // whole debt, but 10 ETH at $1,000 + 5% covers only 10,000/1.05 USDC
      { at: 30, type: 'liquidate', account: 'alice', liquidator: 'liq' },
    ]);
    const repaid = (10_000n * USDC * 10_000n) / 10_500n;
    const shortfall = 15_000n * USDC - repaid;
    expect(bal(run, 'acct:alice', 'ETH')).toBe(0n);
    expect(bal(run, 'insurance', 'USDC')).toBe(0n);
    expect(bal(run, 'deficit', 'USDC.debt')).toBe(shortfall - 1_000n * USDC);
    expect(bal(run, 'debt:alice', 'USDC.debt')).toBe(0n);
  });

  test('error: a healthy account, and borrowing past the LTV, are refused', () => {
    const run = market(saleConfig(), [
      { at: 20, type: 'liquidate', account: 'alice', liquidator: 'liq' },
      { at: 20, type: 'borrow', account: 'alice', amount: '1' },
      { at: 20, type: 'withdraw', account: 'alice', asset: 'ETH', amount: '1' },
    ]);
    expect(run.refusals.map((r) => r.error.name)).toEqual([
      'PositionNotLiquidatableError',
      'InsufficientMarginError',
      'InsufficientMarginError',
    ]);
  });
});
