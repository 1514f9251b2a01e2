/**
 * End-to-end tests of the crvusd model through createEngine/apply: a loan as AMM liquidity, soft
 * liquidation and de-liquidation by arbitrage, hard liquidation (whole, partial, self), the system
 * write-off into `deficit`, loan management, AMM fees, an 8-decimal collateral, oracle refusals,
 * every refusal by class, and the ledger checked to the unit. Expected amounts follow from the
 * contract's accounting rules (stated in the comments) applied to the AMM's own views.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import {
  CircuitBreakerError,
  InsufficientBalanceError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  StaleOraclePriceError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, canonicalJson, type Recorded } from '../../engine/machine.js';
import { ammPrice, getSumXY } from './amm.js';
import { fRemove } from './math.js';
import { crvusdModel } from './model.js';
import { DEFAULT_CRVUSD_PARAMS } from './params.js';
import type { CrvusdExchanged, CrvusdLiquidated, CrvusdWrittenOff } from './state.js';
import { type CrvusdState, crvusdEngine, crvusdMarket, E18, priceCommand } from './testkit.js';

const CEILING = DEFAULT_CRVUSD_PARAMS.debtCeiling;
const DEBT = 15_000n * E18;
let clock = 1;

/** Applies a command (1 s later than the last), checks the contract's invariants, returns the state and events. */
function run(state: CrvusdState, command: Command): { state: CrvusdState; events: readonly Recorded[] } {
  clock += 1;
  const result = apply(crvusdEngine, state, command, clock);
  expect(engineViolations(crvusdModel, result.state)).toEqual([]);
  return result;
}
const step = (state: CrvusdState, command: Command): CrvusdState => run(state, command).state;
const steps = (state: CrvusdState, commands: readonly Command[]): CrvusdState => commands.reduce(step, state);
/** The error a command is refused with (fails when it is accepted). */
function refusal(state: CrvusdState, command: Command): unknown {
  try {
    apply(crvusdEngine, state, command, clock + 1);
  } catch (error) {
    return error;
  }
  throw new Error(`${command.type} was accepted`);
}
const bal = (s: CrvusdState, bucket: string, asset: string) => balanceOf(s.ledger, bucket, asset);
const market = (s: CrvusdState) => {
  const m = s.ext.market;
  if (m === null) throw new Error('not configured');
  return m;
};
const sumXY = (s: CrvusdState, user: string) => getSumXY(s.ext.amm, market(s).amm, user);
const price = (dollars: bigint): Command => priceCommand('WETH', dollars);
const arbitrage: Command = { type: 'arbitrage', arbitrageur: 'arb' };
const abs = (x: bigint) => (x < 0n ? -x : x);
const modelEvents = <T>(events: readonly Recorded[], type: string): T[] =>
  events.filter((r) => r.event.type === type).map((r) => r.event as unknown as T);

/** alice borrows 15,000 crvUSD on 10 WETH over 10 bands at $2000; arb and liq are funded. */
function withAlice(params?: unknown): CrvusdState {
  return steps(crvusdMarket(params === undefined ? {} : { params }), [
    { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: DEBT, N: 10 },
    { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 1_000_000n * E18 },
    { type: 'fundWallet', actor: 'arb', asset: 'WETH', amount: 1_000n * E18 },
    { type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: 100_000n * E18 },
  ]);
}

/** Walks the oracle down (or up) through `prices`, letting the arbitrageur trade after each. */
function walk(state: CrvusdState, prices: readonly bigint[]): CrvusdState {
  return prices.reduce((s, p) => steps(s, [price(p), arbitrage]), state);
}

describe('crvusdModel: a loan is liquidity in N bands', () => {
  test('default: createLoan deposits 1 WETH per band from band 14, pays 15,000 crvUSD, records the debt', () => {
    const { state: s, events } = run(crvusdMarket(), {
      type: 'createLoan',
      account: 'alice',
      collateral: 10n * E18,
      debt: DEBT,
      N: 10,
    });
    expect(modelEvents<{ n1: number; n2: number }>(events, 'CrvusdLoanCreated')[0]).toMatchObject({
      n1: 14,
      n2: 23,
    });
    expect(bal(s, 'amm', 'WETH')).toBe(10n * E18);
    expect(bal(s, 'world', 'WETH')).toBe(-10n * E18);
    expect(bal(s, 'wallet:alice', 'crvUSD')).toBe(DEBT);
    expect(bal(s, 'protocol', 'crvUSD')).toBe(CEILING - DEBT);
    expect(bal(s, 'mint', 'crvUSD')).toBe(-CEILING);
    expect(bal(s, 'debt:alice', 'crvUSD.debt')).toBe(DEBT);
    expect(s.ext.loans.get('alice')).toEqual({ debt: DEBT, liquidationDiscountWad: 6n * 10n ** 16n });
    expect(s.ext.totals).toEqual({ totalDebt: DEBT, minted: DEBT, redeemed: 0n });
    for (let n = 14; n <= 23; n++) expect(s.ext.amm.bands[String(n)]?.y).toBe(E18);
    // health(full=True) = 0.210893 (controller.test.ts) → 1.210893 on the engine's 1e18-at-threshold scale.
    const h = crvusdModel.health(s, 'alice', clock);
    expect(h.liquidatable).toBe(false);
    expect(abs(h.healthWad - 1_210_893n * 10n ** 12n)).toBeLessThan(10n ** 13n);
    expect(h.collateralValueWad).toBe(20_000n * E18);
    expect(h.debtValueWad).toBe(DEBT);
    expect(crvusdModel.accountIds(s)).toEqual(['alice']);
  });

  test('behavior: soft liquidation sells the bands the price crosses, de-liquidation buys them back', () => {
    let s = withAlice();
    const arbBefore = { usd: bal(s, 'wallet:arb', 'crvUSD'), eth: bal(s, 'wallet:arb', 'WETH') };
    // $1900 and $1800 leave alice's bands (top 1737.5) untouched: nothing to arbitrage.
    s = walk(s, [1900n, 1800n]);
    expect(sumXY(s, 'alice')).toEqual({ x: 0n, y: 10n * E18 });
    const down = run(steps(s, [price(1700n)]), arbitrage);
    s = down.state;
    const trade = modelEvents<CrvusdExchanged>(down.events, 'CrvusdExchanged')[0];
    expect(trade).toMatchObject({ i: 0, j: 1, arbitrage: true, activeBandBefore: 0 });
    // The arbitrageur's wallet moves exactly as the AMM: crvUSD in, WETH out.
    expect(bal(s, 'wallet:arb', 'crvUSD')).toBe(arbBefore.usd - (trade?.inAmount ?? 0n));
    expect(bal(s, 'wallet:arb', 'WETH')).toBe(arbBefore.eth + (trade?.outAmount ?? 0n));
    expect(bal(s, 'amm', 'crvUSD')).toBe(trade?.inAmount);
    expect(bal(s, 'amm', 'WETH')).toBe(10n * E18 - (trade?.outAmount ?? 0n));
    // It stops where buying stops paying: AMM price at p_o·(1 − fee) = 1689.8 (to the band's rounding).
    expect(abs(ammPrice(s.ext.amm, market(s).amm, 1700n * E18) - 1_689_800n * 10n ** 15n)).toBeLessThan(
      10n ** 17n,
    );
    expect(trade?.profitAtOracleWad).toBeGreaterThan(0n);
    const soft = sumXY(s, 'alice');
    expect(soft.x).toBeGreaterThan(3000n * E18);
    expect(soft.y).toBeLessThan(9n * E18);
    // Back up to $1800: the arbitrageur sells WETH into the AMM until all of alice's crvUSD is gone.
    const up = run(steps(s, [price(1800n)]), arbitrage);
    s = up.state;
    expect(modelEvents<CrvusdExchanged>(up.events, 'CrvusdExchanged')[0]).toMatchObject({ i: 1, j: 0 });
    const back = sumXY(s, 'alice');
    expect(back.x).toBe(0n);
    // The round trip cost alice the fees and the spread the arbitrageur captured on the two ~6 %
    // oracle jumps (bought near $1650 in the bands, sold back near $1790): ~2.8 % of her WETH.
    expect(back.y).toBeLessThan(10n * E18);
    expect(back.y).toBeGreaterThan((95n * E18) / 10n);
    // The AMM holds exactly the bands' collateral (no admin fee in this market).
    expect(bal(s, 'amm', 'WETH')).toBe(Object.values(s.ext.amm.bands).reduce((a, b) => a + b.y, 0n));
    expect(bal(s, 'amm', 'crvUSD')).toBe(0n);
  });

  test('behavior: loans and AMM users are persistent maps that serialize as plain records', () => {
    const s = steps(crvusdMarket(), [
      { type: 'createLoan', account: 'zed', collateral: 10n * E18, debt: DEBT, N: 10 },
      { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: DEBT, N: 10 },
    ]);
    // The state hash reads the canonical JSON: the same as records of the same entries (keys sorted).
    const plain = { alice: s.ext.loans.get('alice'), zed: s.ext.loans.get('zed') };
    expect(canonicalJson(s.ext.loans)).toBe(canonicalJson(plain));
    expect(canonicalJson(s.ext.amm.users)).toBe(
      canonicalJson({ alice: s.ext.amm.users.get('alice'), zed: s.ext.amm.users.get('zed') }),
    );
    expect(crvusdModel.accountIds(s)).toEqual(['alice', 'zed']);
    // A repayment changes one entry: the other keeps its object.
    const repaid = step(s, { type: 'repay', account: 'zed', amount: 'max' });
    expect(repaid.ext.loans.get('alice')).toBe(s.ext.loans.get('alice'));
    expect(repaid.ext.loans.has('zed')).toBe(false);
    expect(repaid.ext.amm.users.get('alice')).toBe(s.ext.amm.users.get('alice'));
  });
  test('behavior: maxSteps moves the AMM at most that many bands per call', () => {
    const s = steps(withAlice(), [price(1600n)]);
    const one = run(s, { type: 'arbitrage', arbitrageur: 'arb', maxSteps: 15 });
    const trade = modelEvents<CrvusdExchanged>(one.events, 'CrvusdExchanged')[0];
    expect(trade?.activeBandAfter).toBeLessThanOrEqual(16);
    const all = modelEvents<CrvusdExchanged>(run(s, arbitrage).events, 'CrvusdExchanged')[0];
    expect(all?.activeBandAfter).toBeGreaterThan(trade?.activeBandAfter ?? 0);
  });
});

describe('crvusdModel: hard liquidation', () => {
  test('default: below health 0 a liquidator repays debt − x and takes the collateral, to the unit', () => {
    let s = withAlice();
    expect(refusal(s, { type: 'liquidate', account: 'alice', liquidator: 'liq' })).toBeInstanceOf(
      PositionNotLiquidatableError,
    );
    s = walk(s, [1900n, 1800n, 1750n, 1700n, 1650n, 1600n, 1580n]);
    const h = crvusdModel.health(s, 'alice', clock + 1);
    expect(h.liquidatable).toBe(true);
    const { x, y } = sumXY(s, 'alice');
    expect(x).toBeLessThan(DEBT);
    const before = {
      liqUsd: bal(s, 'wallet:liq', 'crvUSD'),
      liqEth: bal(s, 'wallet:liq', 'WETH'),
      protocol: bal(s, 'protocol', 'crvUSD'),
    };
    const { state: after, events } = run(s, {
      type: 'liquidate',
      account: 'alice',
      liquidator: 'liq',
      minX: x,
    });
    const ev = modelEvents<CrvusdLiquidated>(events, 'CrvusdLiquidated')[0];
    expect(ev).toMatchObject({
      x,
      y,
      debtRepaid: DEBT,
      paidByLiquidator: DEBT - x,
      surplusToLiquidator: 0n,
      finalDebt: 0n,
    });
    // Controller._liquidate: the AMM's x and the liquidator's (debt − x) repay the debt; y goes to the liquidator.
    expect(bal(after, 'wallet:liq', 'crvUSD')).toBe(before.liqUsd - (DEBT - x));
    expect(bal(after, 'wallet:liq', 'WETH')).toBe(before.liqEth + y);
    expect(bal(after, 'protocol', 'crvUSD')).toBe(before.protocol + DEBT);
    expect(bal(after, 'protocol', 'crvUSD')).toBe(CEILING);
    expect(bal(after, 'debt:alice', 'crvUSD.debt')).toBe(0n);
    expect(bal(after, 'mint', 'crvUSD.debt')).toBe(0n);
    // Only the bands' rounding dust is left in the AMM, booked as admin fees.
    expect(bal(after, 'amm', 'crvUSD')).toBe(after.ext.amm.adminFeesX);
    expect(bal(after, 'amm', 'WETH')).toBe(after.ext.amm.adminFeesY);
    expect(after.ext.amm.users.size).toBe(0);
    expect(crvusdModel.accountIds(after)).toEqual([]);
    expect(after.ext.totals).toEqual({ totalDebt: 0n, minted: DEBT, redeemed: DEBT });
  });

  test('behavior: liquidateExtended repays frac of the debt for f_remove < frac of the liquidity; health improves', () => {
    const s = walk(withAlice(), [1900n, 1800n, 1700n, 1600n, 1580n]);
    const healthBefore = crvusdModel.health(s, 'alice', clock + 1).healthWad;
    const shares = s.ext.amm.users.get('alice')?.shares ?? [];
    const half = 5n * 10n ** 17n;
    const { state: after, events } = run(s, {
      type: 'liquidateExtended',
      account: 'alice',
      liquidator: 'liq',
      frac: half,
    });
    const f = fRemove(half, 6n * 10n ** 16n); // 0.4929…: the liquidator takes slightly less than half
    const ev = modelEvents<CrvusdLiquidated>(events, 'CrvusdLiquidated')[0];
    expect(ev).toMatchObject({ fracWad: half, fRemoveWad: f, debtRepaid: DEBT / 2n, finalDebt: DEBT / 2n });
    expect(after.ext.loans.get('alice')?.debt).toBe(DEBT / 2n);
    expect(bal(after, 'debt:alice', 'crvUSD.debt')).toBe(DEBT / 2n);
    // AMM.withdraw: each band keeps share − floor(f·share/1e18).
    expect(after.ext.amm.users.get('alice')?.shares).toEqual(shares.map((sh) => sh - (f * sh) / E18));
    expect(crvusdModel.health(after, 'alice', clock + 1).healthWad).toBeGreaterThan(healthBefore);
  });

  test('behavior: self-liquidation at any health; others only below 0', () => {
    const s = withAlice();
    expect(
      crvusdModel.liquidationTarget({ type: 'liquidate', account: 'alice', liquidator: 'alice' }),
    ).toBeUndefined();
    expect(crvusdModel.liquidationTarget({ type: 'liquidate', account: 'alice', liquidator: 'liq' })).toBe(
      'alice',
    );
    const after = step(s, { type: 'liquidate', account: 'alice', liquidator: 'alice' });
    // alice repays all 15,000 from her wallet and gets her 10 WETH back (no stablecoin in her bands).
    expect(bal(after, 'wallet:alice', 'crvUSD')).toBe(0n);
    expect(bal(after, 'wallet:alice', 'WETH')).toBe(10n * E18);
    expect(crvusdModel.accountIds(after)).toEqual([]);
  });

  test('error: min_x, an unknown loan, a liquidator who cannot pay, the oracle breaker', () => {
    const s = walk(withAlice(), [1900n, 1800n, 1700n, 1600n, 1580n]);
    const { x } = sumXY(s, 'alice');
    const slip = refusal(s, { type: 'liquidate', account: 'alice', liquidator: 'liq', minX: x + 1n });
    expect(slip).toBeInstanceOf(ProtocolRevertError);
    expect((slip as ProtocolRevertError).reason).toBe('Slippage');
    expect(refusal(s, { type: 'liquidate', account: 'bob', liquidator: 'liq' })).toBeInstanceOf(
      UnknownAccountError,
    );
    expect(refusal(s, { type: 'liquidate', account: 'alice', liquidator: 'pauper' })).toBeInstanceOf(
      InsufficientBalanceError,
    );
    expect(
      refusal(s, { type: 'liquidateExtended', account: 'alice', liquidator: 'liq', frac: 0 }),
    ).toBeInstanceOf(ProtocolRevertError);
  });
});

describe('crvusdModel: bad debt is left with the system (deficit)', () => {
  test('default: a loan under water at the oracle price is written off; the unpaid debt lands in deficit', () => {
    // The oracle gaps from $1700 to $1200 with no trade in between: alice holds crvUSD from the
    // sale at ~$1700 and WETH now worth $1200, together less than her 15,000 debt.
    let s = walk(withAlice(), [1900n, 1800n, 1700n]);
    s = step(s, price(1200n));
    const { x, y } = sumXY(s, 'alice');
    const proceeds = (y * 1200n * E18) / E18; // the collateral sold at the oracle price, floor
    expect(x + proceeds).toBeLessThan(DEBT);
    expect(crvusdModel.health(s, 'alice', clock + 1).liquidatable).toBe(true);
    const protocolBefore = bal(s, 'protocol', 'crvUSD');
    const { state: after, events } = run(s, { type: 'writeOffBadDebt', account: 'alice' });
    const ev = modelEvents<CrvusdWrittenOff>(events, 'CrvusdWrittenOff')[0];
    const deficit = DEBT - x - proceeds;
    expect(ev).toMatchObject({ debt: DEBT, x, y, proceeds, deficit });
    expect(bal(after, 'deficit', 'crvUSD.debt')).toBe(deficit);
    expect(bal(after, 'debt:alice', 'crvUSD.debt')).toBe(0n);
    expect(bal(after, 'protocol', 'crvUSD')).toBe(protocolBefore + x + proceeds);
    // The Controller's balance plus the deficit still account for the whole ceiling.
    expect(bal(after, 'protocol', 'crvUSD') + bal(after, 'deficit', 'crvUSD.debt')).toBe(CEILING);
    expect(bal(after, 'world', 'WETH')).toBe(bal(s, 'world', 'WETH') + y);
    expect(after.ext.totals).toEqual({ totalDebt: 0n, minted: DEBT, redeemed: x + proceeds });
    // No insurance fund: funding the engine's `insurance` bucket changes nothing for crvUSD.
    expect(bal(after, 'insurance', 'crvUSD')).toBe(0n);
  });

  test('behavior: a liquidator could still close it, at its own loss', () => {
    let s = walk(withAlice(), [1900n, 1800n, 1700n]);
    s = step(s, price(1200n));
    const { x, y } = sumXY(s, 'alice');
    const after = step(s, { type: 'liquidate', account: 'alice', liquidator: 'liq' });
    const paid = 100_000n * E18 - bal(after, 'wallet:liq', 'crvUSD');
    expect(paid).toBe(DEBT - x);
    expect((y * 1200n * E18) / E18).toBeLessThan(paid); // worth less than it paid at the oracle price
    expect(bal(after, 'deficit', 'crvUSD.debt')).toBe(0n);
  });

  test('error: a write-off needs a loan that is liquidatable and under water', () => {
    const healthy = withAlice();
    expect(refusal(healthy, { type: 'writeOffBadDebt', account: 'alice' })).toBeInstanceOf(
      PositionNotLiquidatableError,
    );
    // Liquidatable but solvent: a liquidator will do it.
    const solvent = walk(withAlice(), [1900n, 1800n, 1700n, 1600n, 1580n]);
    expect(crvusdModel.health(solvent, 'alice', clock + 1).liquidatable).toBe(true);
    expect(refusal(solvent, { type: 'writeOffBadDebt', account: 'alice' })).toBeInstanceOf(
      PositionNotLiquidatableError,
    );
  });
});

describe('crvusdModel: loan management', () => {
  test('default: add, remove, borrow more, repay part and all', () => {
    let s = steps(withAlice(), [{ type: 'fundWallet', actor: 'alice', asset: 'WETH', amount: 5n * E18 }]);
    s = step(s, { type: 'addCollateral', account: 'alice', amount: 5n * E18, source: 'wallet' });
    expect(bal(s, 'wallet:alice', 'WETH')).toBe(0n);
    expect(bal(s, 'amm', 'WETH')).toBe(15n * E18);
    const n1 = s.ext.amm.users.get('alice')?.n1 ?? 0;
    expect(n1).toBeGreaterThan(14); // more collateral for the same debt: bands further below the price
    s = step(s, { type: 'removeCollateral', account: 'alice', amount: 2n * E18 });
    expect(bal(s, 'wallet:alice', 'WETH')).toBe(2n * E18);
    expect(bal(s, 'amm', 'WETH')).toBe(13n * E18);
    s = step(s, { type: 'borrowMore', account: 'alice', debt: 1000n * E18 });
    expect(bal(s, 'wallet:alice', 'crvUSD')).toBe(DEBT + 1000n * E18);
    expect(bal(s, 'debt:alice', 'crvUSD.debt')).toBe(DEBT + 1000n * E18);
    expect(s.ext.totals.minted).toBe(DEBT + 1000n * E18);
    s = step(s, { type: 'repay', account: 'alice', amount: 6000n * E18 });
    expect(s.ext.loans.get('alice')?.debt).toBe(10_000n * E18);
    expect(bal(s, 'protocol', 'crvUSD')).toBe(CEILING - 10_000n * E18);
    s = step(s, { type: 'repay', account: 'alice', amount: 'max' });
    expect(crvusdModel.accountIds(s)).toEqual([]);
    expect(bal(s, 'wallet:alice', 'crvUSD')).toBe(0n);
    // 13 WETH back (sole depositor: exactly, see amm.test.ts), plus the 2 removed.
    expect(bal(s, 'wallet:alice', 'WETH')).toBe(15n * E18);
    expect(bal(s, 'protocol', 'crvUSD')).toBe(CEILING);
    expect(s.ext.totals).toEqual({ totalDebt: 0n, minted: DEBT + 1000n * E18, redeemed: DEBT + 1000n * E18 });
  });

  test("behavior: a third party may repay while the loan stays healthy; a full repayment with crvUSD in the bands is the borrower's", () => {
    let s = steps(withAlice(), [
      { type: 'fundWallet', actor: 'bob', asset: 'crvUSD', amount: 20_000n * E18 },
    ]);
    s = step(s, { type: 'repay', account: 'alice', amount: 1000n * E18, payer: 'bob' });
    expect(bal(s, 'wallet:bob', 'crvUSD')).toBe(19_000n * E18);
    expect(s.ext.loans.get('alice')?.debt).toBe(14_000n * E18);
    // The partial repayment moved the bands down (14,000 debt: n1 = 21, top $1620.9).
    expect(s.ext.amm.users.get('alice')?.n1).toBe(21);
    const soft = walk(s, [1900n, 1800n, 1700n, 1600n]);
    expect(sumXY(soft, 'alice').x).toBeGreaterThan(0n);
    expect(refusal(soft, { type: 'repay', account: 'alice', amount: 'max', payer: 'bob' })).toBeInstanceOf(
      ProtocolRevertError,
    );
    const closed = steps(soft, [
      { type: 'fundWallet', actor: 'alice', asset: 'crvUSD', amount: 1000n * E18 },
    ]);
    const { x, y } = sumXY(closed, 'alice');
    const after = step(closed, { type: 'repay', account: 'alice', amount: 'max' });
    // The bands' crvUSD reaches alice's wallet before she pays: 15,000 + 1,000 + x − 14,000.
    expect(bal(after, 'wallet:alice', 'crvUSD')).toBe(2000n * E18 + x);
    expect(bal(after, 'wallet:alice', 'WETH')).toBe(y);
  });

  test('error: every create/adjust rule of the Controller', () => {
    const s = withAlice();
    const reason = (command: Command) => {
      const e = refusal(s, command);
      expect(e).toBeInstanceOf(ProtocolRevertError);
      return (e as ProtocolRevertError).reason;
    };
    const loan = { type: 'createLoan', account: 'bob', collateral: 10n * E18, debt: DEBT };
    expect(reason({ ...loan, N: 3 })).toBe('Need more ticks');
    expect(reason({ ...loan, N: 51 })).toBe('Need less ticks');
    expect(reason({ ...loan, N: 10, debt: 18_000n * E18 })).toBe('Debt too high');
    expect(reason({ ...loan, account: 'alice', N: 10 })).toBe('Loan already created');
    expect(reason({ type: 'removeCollateral', account: 'alice', amount: 5n * E18 })).toBe('Debt too high');
    const soft = walk(s, [1900n, 1800n, 1700n]);
    const e = refusal(soft, { type: 'removeCollateral', account: 'alice', amount: E18 });
    expect((e as ProtocolRevertError).reason).toBe('Already in underwater mode');
    expect(refusal(s, { type: 'repay', account: 'nobody', amount: 1 })).toBeInstanceOf(UnknownAccountError);
    expect(
      refusal(crvusdEngine.initial(), { type: 'createLoan', account: 'a', collateral: 1, debt: 1, N: 4 }),
    ).toBeInstanceOf(NotConfiguredError);
    expect(refusal(s, { type: 'configure', params: DEFAULT_CRVUSD_PARAMS })).toBeInstanceOf(
      ProtocolRevertError,
    );
  });
});

describe('crvusdModel: AMM trading and fees', () => {
  test('default: exchange through the AMM; admin fees go to the fee receiver on collectFees', () => {
    let s = withAlice({ ...DEFAULT_CRVUSD_PARAMS, adminFeeWad: 5n * 10n ** 17n });
    s = steps(s, [
      price(1700n),
      { type: 'fundWallet', actor: 'trader', asset: 'crvUSD', amount: 3000n * E18 },
    ]);
    const { state: traded, events } = run(s, {
      type: 'exchange',
      trader: 'trader',
      i: 0,
      j: 1,
      amount: 3000n * E18,
    });
    const ev = modelEvents<CrvusdExchanged>(events, 'CrvusdExchanged')[0];
    expect(ev?.inAmount).toBe(3000n * E18);
    expect(bal(traded, 'wallet:trader', 'WETH')).toBe(ev?.outAmount);
    // Half of the 0.6 % fee: 3000·0.006/2 = 9 crvUSD, less the floors.
    expect(traded.ext.amm.adminFeesX / 10n ** 16n).toBe(899n);
    const collected = step(traded, { type: 'collectFees' });
    expect(bal(collected, 'wallet:feeReceiver', 'crvUSD')).toBe(traded.ext.amm.adminFeesX);
    expect(collected.ext.amm.adminFeesX).toBe(0n);
    expect(bal(collected, 'amm', 'crvUSD')).toBe(3000n * E18 - traded.ext.amm.adminFeesX);
  });

  test('behavior: inside the fee band around the oracle price the arbitrageur does nothing', () => {
    const s = walk(withAlice(), [1900n, 1800n, 1700n]);
    const again = run(s, arbitrage);
    const ev = modelEvents<CrvusdExchanged>(again.events, 'CrvusdExchanged')[0];
    expect([ev?.inAmount, ev?.outAmount]).toEqual([0n, 0n]);
    expect(again.state.ledger).toBe(s.ledger);
  });

  test('error: slippage on exchange, an arbitrageur with an empty wallet', () => {
    const s = steps(withAlice(), [
      price(1700n),
      { type: 'fundWallet', actor: 'trader', asset: 'crvUSD', amount: 100n * E18 },
    ]);
    const e = refusal(s, {
      type: 'exchange',
      trader: 'trader',
      i: 0,
      j: 1,
      amount: 100n * E18,
      minAmount: E18,
    });
    expect((e as ProtocolRevertError).reason).toBe('Slippage');
    expect(refusal(s, { type: 'arbitrage', arbitrageur: 'nobody' })).toBeInstanceOf(InsufficientBalanceError);
  });
});

describe('crvusdModel: an 8-decimal collateral', () => {
  test('default: WBTC precision 1e10 in and out of the bands', () => {
    const params = { ...DEFAULT_CRVUSD_PARAMS, collateralAsset: 'WBTC' };
    let s = crvusdMarket({ params, collateral: 'WBTC', collateralDecimals: 8, priceDollars: 30_000n });
    s = steps(s, [
      { type: 'createLoan', account: 'carol', collateral: 10n ** 8n, debt: 20_000n * E18, N: 4 },
      { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 100_000n * E18 },
      { type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: 100_000n * E18 },
    ]);
    expect(bal(s, 'amm', 'WBTC')).toBe(10n ** 8n);
    expect(s.ext.amm.bands[String(s.ext.amm.users.get('carol')?.n1)]?.y).toBe(25n * 10n ** 16n); // 0.25 WBTC internal = 2.5e17
    // n1 = 28 (ratio 0.89199·30000/20000 = 1.338, ln/0.01005 = 28.97): bands from $22,657 down.
    expect(s.ext.amm.users.get('carol')?.n1).toBe(28);
    // A gradual fall converts carol's bands near their own prices and leaves her healthy (the 9 %
    // loan discount exceeds the 6 % liquidation discount); a jump below all four bands sells them
    // at ~21000³/22300² ≈ 18,600 and makes her liquidatable.
    for (const p of [24_000n, 21_000n]) {
      s = steps(s, [priceCommand('WBTC', p), arbitrage]);
    }
    expect(crvusdModel.health(s, 'carol', clock + 1).liquidatable).toBe(true);
    const { x, y } = sumXY(s, 'carol');
    const after = step(s, { type: 'liquidate', account: 'carol', liquidator: 'liq' });
    expect(bal(after, 'wallet:liq', 'WBTC')).toBe(y);
    expect(bal(after, 'wallet:liq', 'crvUSD')).toBe(100_000n * E18 - (20_000n * E18 - x));
  });
});

describe('crvusdModel: oracle', () => {
  test('default: the base price is the oracle price at configure', () => {
    expect(market(crvusdMarket({ priceDollars: 3000n })).basePriceWad).toBe(3000n * E18);
    const fixed = crvusdMarket({ params: { ...DEFAULT_CRVUSD_PARAMS, basePriceWad: 2500n * E18 } });
    expect(market(fixed).basePriceWad).toBe(2500n * E18);
  });

  test('behavior: priceSource twap reads the time-weighted price', () => {
    let s = crvusdMarket({ params: { ...DEFAULT_CRVUSD_PARAMS, priceSource: 'twap' } });
    s = steps(s, [{ type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: DEBT, N: 10 }]);
    clock = Math.max(clock, 10_000);
    s = step(s, price(1000n));
    // One second after the jump the 600 s TWAP still sits near $2000: no liquidation yet.
    expect(crvusdModel.health(s, 'alice', clock + 1).liquidatable).toBe(false);
    expect(crvusdModel.health(s, 'alice', clock + 600).liquidatable).toBe(true);
  });

  test('error: a stale price, a tripped breaker', () => {
    const s = withAlice();
    const late = crvusdEngine.decide;
    expect(() =>
      late(
        s,
        { type: 'createLoan', account: 'bob', collateral: 10n * E18, debt: 1000n * E18, N: 4 },
        400 * 86_400,
      ),
    ).toThrow(StaleOraclePriceError);
    const guarded = steps(
      crvusdMarket({ oracle: { breaker: { maxMoveBps: 1000, windowSeconds: 3600, pauses: 'both' } } }),
      [
        { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: DEBT, N: 10 },
        { type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: 100_000n * E18 },
      ],
    );
    const tripped = step(guarded, price(1400n));
    expect(refusal(tripped, { type: 'liquidate', account: 'alice', liquidator: 'liq' })).toBeInstanceOf(
      CircuitBreakerError,
    );
    expect(
      refusal(tripped, { type: 'createLoan', account: 'bob', collateral: 10n * E18, debt: 100n * E18, N: 4 }),
    ).toBeInstanceOf(CircuitBreakerError);
  });
});
