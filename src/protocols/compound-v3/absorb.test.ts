/** Tests of each stage of Comet's absorb (absorb.ts), called one by one on a hand-built market. */
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { PositionNotLiquidatableError, UnknownAccountError } from '../../engine/errors.js';
import { applyMove, balanceOf, type Moved } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { runLiquidation } from '../../engine/pipeline.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import {
  type AbsorbRequest,
  absorbExecution,
  absorbIncentive,
  absorbLossWaterfall,
  absorbSizing,
  absorbTrigger,
  COMPOUND_ABSORB_STAGES,
  decideAbsorb,
} from './absorb.js';
import { compoundV3Model } from './model.js';
import { DEFAULT_COMPOUND_PARAMS } from './params.js';
import type { CompoundExt } from './state.js';

type S = EngineState<CompoundExt>;
const engine = createEngine(compoundV3Model);
const NOW = 50;
const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const usdc = (n: bigint): bigint => n * 10n ** 6n;
const oracle = (asset: string): Command => feedOracleCommand(asset, 3600, { twapWindowSeconds: 1 });
const price = (asset: string, dollars: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: dollars * E8,
});

/**
 * 100,000 USDC supplied; reserves funded with `reserves`; alice posts 10 WETH ($2000) and 1 WBTC
 * ($30,000) and borrows 37,000 USDC (limit 10·2000·0.825 + 30000·0.70 = 16,500 + 21,000 = 37,500),
 * then WETH falls to `wethDollars`.
 */
function setup(wethDollars: bigint, reserves = 0n): S {
  const commands: Command[] = [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'listAsset', asset: 'WETH', decimals: 18 },
    { type: 'listAsset', asset: 'WBTC', decimals: 8 },
    { type: 'listAsset', asset: 'COMP', decimals: 18 },
    { type: 'configure', params: DEFAULT_COMPOUND_PARAMS },
    oracle('USDC'),
    oracle('WETH'),
    oracle('WBTC'),
    price('USDC', 1n),
    price('WETH', 2000n),
    price('WBTC', 30_000n),
    { type: 'supply', account: 'lena', amount: usdc(100_000n) },
    ...(reserves > 0n ? [{ type: 'fundReserves', amount: reserves }] : []),
    { type: 'supplyCollateral', account: 'alice', asset: 'WETH', amount: 10n * E18 },
    { type: 'supplyCollateral', account: 'alice', asset: 'WBTC', amount: E8 },
    { type: 'borrow', account: 'alice', amount: usdc(37_000n) },
    price('WETH', wethDollars),
  ];
  return commands.reduce((s, c) => apply(engine, s, c, NOW).state, engine.initial());
}

const request = (overrides: Partial<AbsorbRequest> = {}): AbsorbRequest => ({
  absorber: 'keeper',
  account: 'alice',
  nowSeconds: NOW,
  indexInCall: 0,
  gasCostWei: 0n,
  ...overrides,
});

describe('absorbTrigger', () => {
  test('default: reads Comet isLiquidatable at the liquidateCollateralFactors', () => {
    // WETH $1500: 10·1500·0.895 + 30000·0.77 = 13,425 + 23,100 = 36,525 < 37,000.
    const t = absorbTrigger(setup(1500n), request());
    expect(t.liquidityUsd8).toBe(-475n * E8);
    expect(t.oldBalance).toBe(-usdc(37_000n));
    // Holdings in asset order (COMP, WBTC, WETH) carry the liquidationFactor for the execution.
    expect(t.holdings.map((h) => [h.asset, h.factorWad])).toEqual([
      ['WBTC', 95n * 10n ** 16n],
      ['WETH', 95n * 10n ** 16n],
    ]);
  });
  test('error: a healthy or unknown account is refused', () => {
    // WETH $1600: 14,320 + 23,100 = 37,420 ≥ 37,000.
    expect(() => absorbTrigger(setup(1600n), request())).toThrow(PositionNotLiquidatableError);
    expect(() => absorbTrigger(setup(1500n), request({ account: 'nobody' }))).toThrow(UnknownAccountError);
  });
});

describe('absorbSizing', () => {
  test('default: the whole account, every collateral', () => {
    const s = setup(1500n);
    expect(absorbSizing(s, request(), absorbTrigger(s, request()))).toEqual({
      seized: { WBTC: E8, WETH: 10n * E18 },
    });
  });
});

describe('absorbExecution', () => {
  test('default: collateral to protocol, covered debt extinguished against reserves, shortfall left', () => {
    const s = setup(1500n);
    const t = absorbTrigger(s, request());
    const out = absorbExecution(s, request(), absorbSizing(s, request(), t), t);
    // credit 10·1500·0.95 + 30000·0.95 = 14,250 + 28,500 = 42,750 > 37,000: no shortfall, 5,750 supply.
    expect(out.shortfall).toBe(0n);
    expect(out.detail).toMatchObject({
      deltaBalance: usdc(42_750n),
      newBalance: usdc(5_750n),
      coveredDebt: usdc(37_000n),
    });
    const moves = out.events.filter((e): e is Moved => e.type === 'Moved');
    expect(moves.map((m) => [m.asset, m.from, m.to, m.amount])).toEqual([
      ['WBTC', 'acct:alice', 'protocol', E8],
      ['WETH', 'acct:alice', 'protocol', 10n * E18],
      ['USDC.debt', 'debt:alice', 'mint', usdc(37_000n)],
      ['USDC.supply', 'mint', 'acct:alice', usdc(5_750n)],
      ['USDC.debt', 'mint', 'deficit', usdc(42_750n)], // reserves were 0
    ]);
    expect(out.events.at(-1)).toMatchObject({
      type: 'CompoundAbsorbed',
      totalSupplyBase: usdc(105_750n),
      totalBorrowBase: 0n,
    });
  });
  test('behavior: with a shortfall the uncovered debt stays on the account for the waterfall', () => {
    const s = setup(200n); // credit 10·200·0.95 + 28,500 = 30,400 < 37,000
    const t = absorbTrigger(s, request());
    const out = absorbExecution(s, request(), absorbSizing(s, request(), t), t);
    expect(out.shortfall).toBe(usdc(6_600n));
    expect(balanceOf(out.detail.ledgerAfter, 'debt:alice', 'USDC.debt')).toBe(usdc(6_600n));
  });
});

describe('absorbIncentive', () => {
  test('default: points only, numAbsorbs and gas once per call', () => {
    const s = setup(1500n);
    const t = absorbTrigger(s, request());
    const out = absorbExecution(s, request(), absorbSizing(s, request(), t), t);
    expect(absorbIncentive(s, request({ gasCostWei: 9n }), out)).toEqual([
      {
        type: 'LiquidatorPointsAccrued',
        absorber: 'keeper',
        numAbsorbs: 1n,
        numAbsorbed: 1n,
        approxSpend: 9n,
      },
    ]);
    expect(absorbIncentive(s, request({ gasCostWei: 9n, indexInCall: 1 }), out)).toEqual([
      {
        type: 'LiquidatorPointsAccrued',
        absorber: 'keeper',
        numAbsorbs: 0n,
        numAbsorbed: 1n,
        approxSpend: 0n,
      },
    ]);
  });
});

describe('absorbLossWaterfall', () => {
  test('default: equity first, the rest parked in deficit', () => {
    // reserves 10,000; covered 30,400 burns them all and puts 20,400 in deficit; shortfall 6,600 → deficit.
    const s = setup(200n, usdc(10_000n));
    const t = absorbTrigger(s, request());
    const out = absorbExecution(s, request(), absorbSizing(s, request(), t), t);
    const moves = absorbLossWaterfall(s, request(), out) as Moved[];
    expect(moves.map((m) => [m.asset, m.from, m.to, m.amount])).toEqual([
      ['USDC.debt', 'debt:alice', 'deficit', usdc(6_600n)],
    ]);
  });
  test('behavior: equity left after the covered part pays the shortfall first', () => {
    // reserves 35,000: covered 30,400 leaves 4,600 of equity; shortfall 6,600 = 4,600 paid + 2,000 deficit.
    const s = setup(200n, usdc(35_000n));
    const t = absorbTrigger(s, request());
    const out = absorbExecution(s, request(), absorbSizing(s, request(), t), t);
    const moves = absorbLossWaterfall(s, request(), out) as Moved[];
    expect(moves.map((m) => [m.asset, m.from, m.to, m.amount])).toEqual([
      ['USDC.supply', 'protocol', 'mint', usdc(4_600n)],
      ['USDC.debt', 'debt:alice', 'mint', usdc(4_600n)],
      ['USDC.debt', 'debt:alice', 'deficit', usdc(2_000n)],
    ]);
    const after = [...out.events.filter((e): e is Moved => e.type === 'Moved'), ...moves].reduce(
      applyMove,
      s.ledger,
    );
    expect(balanceOf(after, 'deficit', 'USDC.debt')).toBe(usdc(2_000n)); // 35,000 − 37,000
    expect(balanceOf(after, 'debt:alice', 'USDC.debt')).toBe(0n);
  });
});

describe('COMPOUND_ABSORB_STAGES', () => {
  test('default: runLiquidation over the stages is what the absorb command emits for one account', () => {
    const s = setup(1500n);
    const run = runLiquidation(COMPOUND_ABSORB_STAGES, s, request());
    expect(decideAbsorb(s, { absorber: 'keeper', accounts: ['alice'], gasCostWei: 0n }, NOW)).toEqual(
      run.events,
    );
    expect(run.size.seized).toEqual({ WBTC: E8, WETH: 10n * E18 });
  });
});
