/**
 * Tests of the crvUSD watch on the model's own engine: which loans the screen leaves out (untouched
 * above the oracle, fully converted below it, both only while provably healthy), its health against
 * the Controller's, the readings its listener is told of as loans open, trade and close, and a
 * reset when the market changes.
 */
import { describe, expect, test } from 'vitest';
import { getSumXY } from '../protocols/crvusd/amm.js';
import { controllerHealth } from '../protocols/crvusd/controller.js';
import { oraclePriceWad } from '../protocols/crvusd/state.js';
import { type CrvusdState, crvusdMarket, E18, priceCommand, runAll } from '../protocols/crvusd/testkit.js';
import { type CrvusdLoanReading, CrvusdWatch } from './crvusdWatch.js';

/**
 * alice: 10 WETH for 10,000 crvUSD over 10 bands at $2000 (the 9 % loan discount over 10 bands puts
 * her bands 54..63 at $1,162 down to $1,051); bob: 10 WETH for 2,000 crvUSD over 4 bands (217..220,
 * around $220); a trader with crvUSD.
 */
function book(): CrvusdState {
  return runAll(
    crvusdMarket(),
    [
      { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 10_000n * E18, N: 10 },
      { type: 'createLoan', account: 'bob', collateral: 10n * E18, debt: 2_000n * E18, N: 4 },
      { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 1_000_000n * E18 },
    ],
    1,
  );
}

/** The oracle price the state's market reads at `now`. */
function pO(s: CrvusdState, now: number): bigint {
  const m = s.ext.market;
  if (m === null) throw new Error('not configured');
  return oraclePriceWad(s, m, now);
}

/** The Controller's health(full=True) of `account` (the full computation the watch must match). */
function exactHealth(s: CrvusdState, account: string, pOracleWad: bigint): bigint {
  const m = s.ext.market;
  const loan = s.ext.loans.get(account);
  if (m === null || loan === undefined) throw new Error('no loan');
  return controllerHealth(s.ext.amm, m.amm, {
    user: account,
    debt: loan.debt,
    full: true,
    liquidationDiscountWad: loan.liquidationDiscountWad,
    pOracleWad,
  });
}

describe('CrvusdWatch', () => {
  test('default: loans far below the oracle are left out; health is the Controller’s', () => {
    const s = book();
    const watch = new CrvusdWatch();
    const p = pO(s, 1);
    expect(p).toBe(2000n * E18);
    expect(watch.screen(s, p)).toEqual([]);
    for (const account of ['alice', 'bob'])
      expect(watch.health(s, account, p)).toBe(exactHealth(s, account, p));
    expect(exactHealth(s, 'alice', p)).toBeGreaterThan(0n);
    expect(watch.health(s, 'carol', p)).toBeUndefined();
  });

  test('behavior: a loan whose bands the oracle has reached is screened in; others stay out', () => {
    const watch = new CrvusdWatch();
    const s = book();
    const n1 = s.ext.amm.users.get('alice')?.n1 ?? 0;
    expect(n1).toBeGreaterThan(s.ext.amm.activeBand);
    // Oracle at $1,100: inside alice's range (untouched: no trade yet), far above bob's.
    const down = runAll(s, [priceCommand('WETH', 1100n)], 60);
    const p = pO(down, 60);
    expect(watch.screen(down, p)).toEqual(['alice']);
    expect(watch.health(down, 'alice', p)).toBe(exactHealth(down, 'alice', p));
    expect(watch.health(down, 'bob', p)).toBe(exactHealth(down, 'bob', p));
  });

  test('behavior: a loan fully converted below the oracle is left out while its crvUSD covers it', () => {
    const watch = new CrvusdWatch();
    // The price walks down $5 a minute from $1,170 to $1,000, the arbitrage following each step:
    // alice's bands sell near their own prices.
    let s = book();
    let now = 60;
    for (let dollars = 1170n; dollars >= 1000n; dollars -= 5n) {
      s = runAll(s, [priceCommand('WETH', dollars)], now);
      s = runAll(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], now + 1);
      now += 60;
    }
    const m = s.ext.market;
    if (m === null) throw new Error('not configured');
    const alice = s.ext.amm.users.get('alice');
    // Every band of alice's now lies above the new active band and holds only crvUSD.
    expect((alice?.n2 ?? 0) < s.ext.amm.activeBand).toBe(true);
    const { x, y } = getSumXY(s.ext.amm, m.amm, 'alice');
    expect(y).toBe(0n);
    // x·(1 − 6 % liquidation discount) covers the 10,000 debt: health from x_down ≥ 0, no need
    // to read her ($1,000 is below her bottom band, $1,051).
    expect((x * 94n) / 100n).toBeGreaterThan(10_000n * E18);
    const p = pO(s, now);
    expect(p).toBe(1000n * E18);
    expect(watch.screen(s, p)).not.toContain('alice');
    expect(watch.health(s, 'alice', p)).toBe(exactHealth(s, 'alice', p));
    expect(watch.health(s, 'bob', p)).toBe(exactHealth(s, 'bob', p));
  });

  test('behavior: the listener hears every loan once, then only the loans that changed', () => {
    const heard: [string, CrvusdLoanReading | undefined, CrvusdLoanReading | undefined][] = [];
    const watch = new CrvusdWatch((account, before, after) => heard.push([account, before, after]));
    const s = book();
    watch.sync(s);
    expect(heard.map(([a, b]) => [a, b]).sort()).toEqual([
      ['alice', undefined],
      ['bob', undefined],
    ]);
    expect(heard.find(([a]) => a === 'alice')?.[2]).toEqual({ debt: 10_000n * E18, x: 0n, y: 10n * E18 });
    heard.length = 0;
    watch.sync(s); // the same state: nothing
    const traded = runAll(s, [priceCommand('WETH', 1100n), { type: 'arbitrage', arbitrageur: 'arb' }], 60);
    watch.sync(traded);
    // Only alice's bands traded: bob is not reported.
    expect(heard.map(([a]) => a)).toEqual(['alice']);
    const m = traded.ext.market;
    if (m === null) throw new Error('not configured');
    expect(heard[0]?.[2]).toEqual({ debt: 10_000n * E18, ...getSumXY(traded.ext.amm, m.amm, 'alice') });
    heard.length = 0;
    const repaid = runAll(traded, [{ type: 'repay', account: 'bob', amount: 'max' }], 61);
    watch.sync(repaid);
    expect(heard).toEqual([['bob', { debt: 2_000n * E18, x: 0n, y: 10n * E18 }, undefined]]);
  });

  test('behavior: another market resets the index', () => {
    const heard: string[] = [];
    const watch = new CrvusdWatch((account, before, after) =>
      heard.push(`${account}:${before === undefined ? '-' : 'b'}${after === undefined ? '-' : 'a'}`),
    );
    watch.sync(book());
    heard.length = 0;
    watch.sync(book()); // a new engine: a new market object, the same loans
    expect(heard.sort()).toEqual(['alice:-a', 'alice:b-', 'bob:-a', 'bob:b-']);
    heard.length = 0;
    watch.sync(crvusdMarket());
    expect(heard.sort()).toEqual(['alice:b-', 'bob:b-']);
  });
});
