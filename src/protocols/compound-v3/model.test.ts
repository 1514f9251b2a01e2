/**
 * End-to-end tests of the compound-v3 model through createEngine/apply: supply, borrow, price drop,
 * absorb, buyCollateral at the storefront discount, reserves going negative on bad debt, refusals
 * by class, and the ledger to the wei. Expected numbers are derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import { createEngine, type EngineState } from '../../engine/engine.js';
import {
  InsufficientBalanceError,
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  StaleOraclePriceError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { applyMove, balanceOf, moved } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { compoundV3Model, reservesOf } from './model.js';
import { DEFAULT_COMPOUND_PARAMS } from './params.js';
import type { CompoundExt } from './state.js';

type S = EngineState<CompoundExt>;
const engine = createEngine(compoundV3Model);
const NOW = 1_000;
const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
const usdc = (n: bigint): bigint => n * E6;

function step(state: S, command: Command, now = NOW): S {
  const next = apply(engine, state, command, now).state;
  expect(engineViolations(compoundV3Model, next)).toEqual([]);
  return next;
}
const run = (state: S, commands: readonly Command[]): S => commands.reduce((s, c) => step(s, c), state);
/** Applies a command the model must refuse with ProtocolRevertError; returns Comet's revert reason. */
function revert(state: S, command: Command): string {
  try {
    apply(engine, state, command, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolRevertError);
    return (error as ProtocolRevertError).reason;
  }
  throw new Error(`${command.type} was not refused`);
}
const bal = (state: S, bucket: string, asset: string): bigint => balanceOf(state.ledger, bucket, asset);
/** The configured market (fails the test when there is none). */
function marketOf(s: S) {
  const m = s.ext.market;
  if (m === null) throw new Error('not configured');
  return m;
}
const price = (asset: string, dollars: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: dollars * E8,
});
const oracle = (asset: string): Command => feedOracleCommand(asset, 86_400, { maxSpreadBps: 100 });

/** Listed assets, oracles at USDC $1, WETH $2000; a lender with 100,000 USDC; `params` configured. */
function market(params: unknown = DEFAULT_COMPOUND_PARAMS): S {
  return run(engine.initial(), [
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    { type: 'listAsset', asset: 'WETH', decimals: 18 },
    { type: 'listAsset', asset: 'WBTC', decimals: 8 },
    { type: 'listAsset', asset: 'COMP', decimals: 18 },
    { type: 'configure', params },
    oracle('USDC'),
    oracle('WETH'),
    price('USDC', 1n),
    price('WETH', 2000n),
    { type: 'supply', account: 'lena', amount: usdc(100_000n) },
  ]);
}

/** alice posts 10 WETH ($20,000) and borrows 16,000 USDC (borrow limit 10·2000·0.825 = 16,500). */
function withBorrower(state: S): S {
  return run(state, [
    { type: 'supplyCollateral', account: 'alice', asset: 'WETH', amount: 10n * E18 },
    { type: 'borrow', account: 'alice', amount: usdc(16_000n) },
  ]);
}

describe('compoundV3Model: supply and borrow', () => {
  test('default: lender cash in pool, borrower debt claim, reserves 0', () => {
    const s = withBorrower(market());
    expect(bal(s, 'pool', 'USDC')).toBe(usdc(84_000n));
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(usdc(16_000n));
    expect(bal(s, 'acct:lena', 'USDC.supply')).toBe(usdc(100_000n));
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(usdc(16_000n));
    expect(bal(s, 'acct:alice', 'WETH')).toBe(10n * E18);
    expect(s.ext.accounts.get('alice')?.principal).toBe(-usdc(16_000n));
    expect([s.ext.totalSupplyBase, s.ext.totalBorrowBase]).toEqual([usdc(100_000n), usdc(16_000n)]);
    expect(reservesOf(s, marketOf(s))).toBe(0n);
    // health: 10·2000·0.895 = 17,900 weighted vs 16,000 debt = 1.11875
    const h = compoundV3Model.health(s, 'alice', NOW);
    expect(h).toEqual({
      accountId: 'alice',
      healthWad: 1_118_750_000_000_000_000n,
      liquidatable: false,
      collateralValueWad: 20_000n * E18,
      debtValueWad: 16_000n * E18,
    });
  });

  test('behavior: repay from the wallet, withdraw supply, withdraw collateral once debt-free', () => {
    let s = withBorrower(market());
    s = run(s, [
      { type: 'repay', account: 'alice', amount: 'max' },
      { type: 'withdrawCollateral', account: 'alice', asset: 'WETH', amount: 10n * E18 },
      { type: 'withdraw', account: 'lena', amount: usdc(30_000n) },
    ]);
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(0n);
    expect(bal(s, 'wallet:alice', 'WETH')).toBe(10n * E18);
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(0n);
    expect(bal(s, 'acct:lena', 'USDC.supply')).toBe(usdc(70_000n));
    expect(bal(s, 'pool', 'USDC')).toBe(usdc(70_000n));
    expect([s.ext.totalSupplyBase, s.ext.totalBorrowBase]).toEqual([usdc(70_000n), 0n]);
  });

  test('behavior: a supply from the wallet repays first, then becomes supply', () => {
    let s = withBorrower(market());
    s = run(s, [
      { type: 'fundWallet', actor: 'alice', asset: 'USDC', amount: usdc(1_000n) },
      { type: 'supply', account: 'alice', amount: usdc(17_000n), source: 'wallet' },
    ]);
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(0n);
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(0n);
    expect(bal(s, 'acct:alice', 'USDC.supply')).toBe(usdc(1_000n));
    expect([s.ext.totalSupplyBase, s.ext.totalBorrowBase]).toEqual([usdc(101_000n), 0n]);
  });

  test('error: the invariants report a ledger that disagrees with Comet', () => {
    const s = withBorrower(market());
    const failing = (move: ReturnType<typeof moved>) =>
      compoundV3Model
        .invariants({ ...s, ledger: move.reduce(applyMove, s.ledger) })
        .filter((c) => !c.holds)
        .map((c) => c.name);
    // A debt claim nobody borrowed: the account's claim and the balance sheet disagree.
    expect(failing(moved('USDC.debt', 'mint', 'debt:alice', 1n, 'bug'))).toEqual([
      'compound-v3/claims',
      'compound-v3/balance-sheet',
    ]);
    // Cash leaving Comet without a command: the balance sheet and getReserves disagree.
    expect(failing(moved('USDC', 'pool', 'world', 1n, 'bug'))).toEqual([
      'compound-v3/balance-sheet',
      'compound-v3/getReserves',
    ]);
    expect(failing(moved('WETH', 'acct:alice', 'protocol', 1n, 'bug'))).toEqual(['compound-v3/collateral']);
    expect(failing(moved('USDC', 'world', 'protocol', 1n, 'bug'))).toEqual(['compound-v3/buckets']);
    expect(() => compoundV3Model.health(s, 'nobody', NOW)).toThrow(UnknownAccountError);
    expect(() => compoundV3Model.health(engine.initial(), 'alice', NOW)).toThrow(NotConfiguredError);
  });

  test('error: refusals by class', () => {
    const s = withBorrower(market());
    // 16,000 + 600 > 16,500 borrow limit (Comet NotCollateralized)
    expect(() => apply(engine, s, { type: 'borrow', account: 'alice', amount: usdc(600n) }, NOW)).toThrow(
      InsufficientMarginError,
    );
    // withdrawing 1 WETH leaves 9·2000·0.825 = 14,850 < 16,000
    expect(() =>
      apply(engine, s, { type: 'withdrawCollateral', account: 'alice', asset: 'WETH', amount: E18 }, NOW),
    ).toThrow(InsufficientMarginError);
    // baseBorrowMin 100 USDC (Comet BorrowTooSmall)
    const bob = step(s, { type: 'supplyCollateral', account: 'bob', asset: 'WETH', amount: E18 });
    expect(revert(bob, { type: 'borrow', account: 'bob', amount: usdc(99n) })).toBe('BorrowTooSmall');
    expect(revert(s, { type: 'supplyCollateral', account: 'x', asset: 'DOGE', amount: 1n })).toBe('BadAsset');
    expect(() => apply(engine, s, { type: 'borrow', account: 'alice', amount: 0n }, NOW)).toThrow(
      InvalidParameterError,
    );
    // COMP has no oracle: a borrower holding it cannot be checked
    const comp = step(s, { type: 'supplyCollateral', account: 'carl', asset: 'COMP', amount: E18 });
    expect(() => apply(engine, comp, { type: 'borrow', account: 'carl', amount: usdc(100n) }, NOW)).toThrow(
      StaleOraclePriceError,
    );
    const empty = engine.initial();
    expect(() => apply(engine, empty, { type: 'supply', account: 'a', amount: 1n }, NOW)).toThrow(
      NotConfiguredError,
    );
    expect(revert(s, { type: 'configure', params: DEFAULT_COMPOUND_PARAMS })).toBe('AlreadyInitialized');
    expect(() =>
      apply(
        engine,
        empty,
        { type: 'configure', params: { ...DEFAULT_COMPOUND_PARAMS, storeFrontPriceFactor: 2n * E18 } },
        NOW,
      ),
    ).toThrow(InvalidParameterError);
  });
});

describe('compoundV3Model: absorb', () => {
  test('default: price drop, absorb, excess credit becomes supply, reserves negative until the collateral sells', () => {
    let s = withBorrower(market());
    // At $1800: 10·1800·0.895 = 16,110 ≥ 16,000: healthy, absorb refused.
    s = step(s, price('WETH', 1800n));
    expect(compoundV3Model.health(s, 'alice', NOW).liquidatable).toBe(false);
    expect(() => apply(engine, s, { type: 'absorb', absorber: 'keeper', accounts: ['alice'] }, NOW)).toThrow(
      PositionNotLiquidatableError,
    );
    // At $1780: 15,931 < 16,000: liquidatable.
    s = step(s, price('WETH', 1780n));
    expect(compoundV3Model.health(s, 'alice', NOW).liquidatable).toBe(true);
    s = step(s, { type: 'absorb', absorber: 'keeper', accounts: ['alice'], gasCostWei: 123n });
    // Credit 10·1780·0.95 = 16,910 USDC: the 16,000 debt is gone and 910 USDC is alice's supply.
    expect(bal(s, 'acct:alice', 'WETH')).toBe(0n);
    expect(bal(s, 'protocol', 'WETH')).toBe(10n * E18);
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(0n);
    expect(bal(s, 'acct:alice', 'USDC.supply')).toBe(usdc(910n));
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(usdc(16_000n));
    expect(bal(s, 'wallet:keeper', 'USDC')).toBe(0n); // no on-chain reward
    expect(s.ext.accounts.get('alice')).toEqual({ principal: usdc(910n), collateral: {} });
    expect([s.ext.totalSupplyBase, s.ext.totalBorrowBase]).toEqual([usdc(100_910n), 0n]);
    expect(s.ext.totalsCollateral.WETH).toBe(0n);
    expect(s.ext.liquidatorPoints.keeper).toEqual({ numAbsorbs: 1n, numAbsorbed: 1n, approxSpend: 123n });
    // Reserves paid basePaidOut = 16,910: 84,000 − 100,910 + 0 = −16,910, held as deficit.
    expect(reservesOf(s, marketOf(s))).toBe(-usdc(16_910n));
    expect(bal(s, 'deficit', 'USDC.debt')).toBe(usdc(16_910n));
    expect(bal(s, 'protocol', 'USDC.supply')).toBe(0n);

    // buyCollateral at the storefront discount 0.5·(1 − 0.95) = 2.5 %: 1780·0.975 = 1735.5 per WETH.
    s = step(s, { type: 'fundWallet', actor: 'bob', asset: 'USDC', amount: usdc(20_000n) });
    expect(
      revert(s, {
        type: 'buyCollateral',
        buyer: 'bob',
        asset: 'WETH',
        minAmount: 10n * E18 + 1n,
        baseAmount: usdc(17_355n),
      }),
    ).toBe('TooMuchSlippage');
    s = step(s, {
      type: 'buyCollateral',
      buyer: 'bob',
      asset: 'WETH',
      minAmount: 10n * E18,
      baseAmount: usdc(17_355n),
    });
    expect(bal(s, 'wallet:bob', 'WETH')).toBe(10n * E18); // 17,355 / 1735.5 = 10
    expect(bal(s, 'wallet:bob', 'USDC')).toBe(usdc(2_645n));
    expect(bal(s, 'protocol', 'WETH')).toBe(0n);
    expect(bal(s, 'pool', 'USDC')).toBe(usdc(101_355n));
    // −16,910 + 17,355 = 445: the deficit is covered and the rest is protocol equity.
    expect(reservesOf(s, marketOf(s))).toBe(usdc(445n));
    expect(bal(s, 'deficit', 'USDC.debt')).toBe(0n);
    expect(bal(s, 'protocol', 'USDC.supply')).toBe(usdc(445n));
    // Nothing left to sell.
    expect(
      revert(s, {
        type: 'buyCollateral',
        buyer: 'bob',
        asset: 'WETH',
        minAmount: 0n,
        baseAmount: usdc(100n),
      }),
    ).toBe('InsufficientReserves');

    // The governor takes the reserves out; nobody else may, and not more than there is.
    expect(revert(s, { type: 'withdrawReserves', actor: 'eve', amount: 1n })).toBe('Unauthorized');
    expect(revert(s, { type: 'withdrawReserves', actor: 'governor', amount: usdc(446n) })).toBe(
      'InsufficientReserves',
    );
    s = step(s, { type: 'withdrawReserves', actor: 'governor', amount: usdc(445n) });
    expect(bal(s, 'wallet:governor', 'USDC')).toBe(usdc(445n));
    expect(reservesOf(s, marketOf(s))).toBe(0n);
    expect(bal(s, 'protocol', 'USDC.supply')).toBe(0n);
  });

  test('behavior: bad debt is charged to reserves, which go negative (execution then loss waterfall)', () => {
    let s = withBorrower(step(market(), { type: 'fundReserves', amount: usdc(12_000n) }));
    expect(reservesOf(s, marketOf(s))).toBe(usdc(12_000n));
    expect(bal(s, 'protocol', 'USDC.supply')).toBe(usdc(12_000n));
    // WETH crashes to $1000: credit 10·1000·0.95 = 9,500 against 16,000: shortfall 6,500.
    s = step(s, price('WETH', 1000n));
    const { events } = apply(engine, s, { type: 'absorb', absorber: 'keeper', accounts: ['alice'] }, NOW);
    const absorbed = events.map((r) => r.event).find((e) => e.type === 'CompoundAbsorbed');
    expect(absorbed).toMatchObject({
      deltaBalance: usdc(9_500n),
      newBalance: 0n,
      basePaidOut: usdc(16_000n),
      shortfall: usdc(6_500n),
    });
    // Waterfall moves: 2,500 of equity left after the 9,500 covered part, then 4,000 parked in deficit.
    const reasons = events
      .map((r) => r.event)
      .filter((e): e is typeof e & { reason: string; amount: bigint } => e.type === 'Moved')
      .filter((m) => m.reason.startsWith('loss:'))
      .map((m) => [m.reason, m.amount]);
    expect(reasons).toEqual([
      ['loss:reserves', usdc(2_500n)],
      ['loss:reserves', usdc(2_500n)],
      ['loss:deficit', usdc(4_000n)],
    ]);
    s = step(s, { type: 'absorb', absorber: 'keeper', accounts: ['alice'] });
    expect(reservesOf(s, marketOf(s))).toBe(-usdc(4_000n)); // 12,000 − 16,000
    expect(bal(s, 'deficit', 'USDC.debt')).toBe(usdc(4_000n));
    expect(bal(s, 'protocol', 'USDC.supply')).toBe(0n);
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(0n);
    expect(s.ext.accounts.get('alice')?.principal).toBe(0n);
    expect(bal(s, 'pool', 'USDC')).toBe(usdc(96_000n)); // 100,000 + 12,000 − 16,000
    // A negative reserve blocks withdrawals but not sales.
    expect(revert(s, { type: 'withdrawReserves', actor: 'governor', amount: 1n })).toBe(
      'InsufficientReserves',
    );
  });

  test('behavior: one call absorbs several accounts; one healthy account refuses the whole call', () => {
    let s = withBorrower(market());
    s = run(s, [
      { type: 'supplyCollateral', account: 'carol', asset: 'WETH', amount: 2n * E18 },
      { type: 'borrow', account: 'carol', amount: usdc(3_000n) }, // limit 3,300
      { type: 'supplyCollateral', account: 'dave', asset: 'WETH', amount: 10n * E18 },
      { type: 'borrow', account: 'dave', amount: usdc(1_000n) },
      price('WETH', 1600n), // alice 14,320 < 16,000; carol 2,864 < 3,000; dave healthy
    ]);
    expect(() =>
      apply(engine, s, { type: 'absorb', absorber: 'keeper', accounts: ['alice', 'dave'] }, NOW),
    ).toThrow(PositionNotLiquidatableError);
    s = step(s, { type: 'absorb', absorber: 'keeper', accounts: ['alice', 'carol'], gasCostWei: 7n });
    expect(s.ext.liquidatorPoints.keeper).toEqual({ numAbsorbs: 1n, numAbsorbed: 2n, approxSpend: 7n });
    // alice: 10·1600·0.95 = 15,200 < 16,000; carol: 2·1600·0.95 = 3,040 > 3,000 → 40 USDC supply.
    expect(s.ext.accounts.get('alice')?.principal).toBe(0n);
    expect(s.ext.accounts.get('carol')?.principal).toBe(usdc(40n));
    expect(bal(s, 'protocol', 'WETH')).toBe(12n * E18);
    expect(reservesOf(s, marketOf(s))).toBe(-usdc(16_000n + 3_040n));
    // Absorbing an absorbed account again is refused (no debt left).
    expect(() => apply(engine, s, { type: 'absorb', absorber: 'keeper', accounts: ['alice'] }, NOW)).toThrow(
      PositionNotLiquidatableError,
    );
    expect(
      compoundV3Model.liquidationTarget({ type: 'absorb', absorber: 'k', accounts: ['carol', 'alice'] }),
    ).toBe('carol');
    expect(compoundV3Model.liquidationTarget({ type: 'borrow', account: 'carol' })).toBeUndefined();
  });

  test('behavior: no sales once reserves reach targetReserves', () => {
    let s = withBorrower(market({ ...DEFAULT_COMPOUND_PARAMS, targetReserves: usdc(400n) }));
    s = run(s, [
      price('WETH', 1780n),
      { type: 'absorb', absorber: 'keeper', accounts: ['alice'] }, // reserves −16,910
      { type: 'fundWallet', actor: 'bob', asset: 'USDC', amount: usdc(20_000n) },
      // half the WETH: 8,677.5 USDC → 5 WETH; reserves −8,232.5
      { type: 'buyCollateral', buyer: 'bob', asset: 'WETH', minAmount: 5n * E18, baseAmount: 8_677_500_000n },
    ]);
    expect(bal(s, 'wallet:bob', 'WETH')).toBe(5n * E18);
    expect(reservesOf(s, marketOf(s))).toBe(-8_232_500_000n);
    s = step(s, { type: 'fundReserves', amount: usdc(8_632n) }); // reserves 399.5 < 400: still for sale
    expect(reservesOf(s, marketOf(s))).toBe(399_500_000n);
    s = step(s, { type: 'buyCollateral', buyer: 'bob', asset: 'WETH', minAmount: 0n, baseAmount: usdc(1n) });
    // reserves now 400.5 ≥ 400: NotForSale although 5 WETH (less dust) is still held
    expect(bal(s, 'protocol', 'WETH') > 4n * E18).toBe(true);
    expect(
      revert(s, { type: 'buyCollateral', buyer: 'bob', asset: 'WETH', minAmount: 0n, baseAmount: usdc(1n) }),
    ).toBe('NotForSale');
    // A buyer short of funds is refused before anything is quoted.
    const poor = step(withBorrower(market()), price('WETH', 1000n));
    const absorbedPoor = step(poor, { type: 'absorb', absorber: 'k', accounts: ['alice'] });
    expect(() =>
      apply(
        engine,
        absorbedPoor,
        { type: 'buyCollateral', buyer: 'nobody', asset: 'WETH', minAmount: 0n, baseAmount: 1n },
        NOW,
      ),
    ).toThrow(InsufficientBalanceError);
  });
});

describe('compoundV3Model: setIndexes', () => {
  test('default: claims follow the indexes and the spread posts to reserves (CometCore present values)', () => {
    let s = withBorrower(market());
    s = step(s, {
      type: 'setIndexes',
      baseSupplyIndex: 1_050_000_000_000_000n,
      baseBorrowIndex: 1_100_000_000_000_000n,
    });
    expect(bal(s, 'acct:lena', 'USDC.supply')).toBe(usdc(105_000n));
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(usdc(17_600n));
    // 84,000 − 105,000 + 17,600 = −3,400
    expect(reservesOf(s, marketOf(s))).toBe(-usdc(3_400n));
    expect(bal(s, 'deficit', 'USDC.debt')).toBe(usdc(3_400n));
    // repay max = borrowBalanceOf = 17,600
    s = run(s, [
      { type: 'fundWallet', actor: 'alice', asset: 'USDC', amount: usdc(1_600n) },
      { type: 'repay', account: 'alice', amount: 'max' },
    ]);
    expect(s.ext.accounts.get('alice')?.principal).toBe(0n);
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(0n);
    // a borrow of 101 USDC at index 1.1: principal ceil(101e6 / 1.1) = 91,818,182, debt floor(…·1.1) = 101,000,000
    s = step(s, { type: 'borrow', account: 'alice', amount: usdc(101n) });
    expect(s.ext.accounts.get('alice')?.principal).toBe(-91_818_182n);
    expect(bal(s, 'debt:alice', 'USDC.debt')).toBe(101_000_000n);
  });
  test('error: indexes only grow', () => {
    const s = market();
    expect(() =>
      apply(
        engine,
        s,
        { type: 'setIndexes', baseSupplyIndex: 999_999_999_999_999n, baseBorrowIndex: 10n ** 15n },
        NOW,
      ),
    ).toThrow(InvalidParameterError);
  });
});
