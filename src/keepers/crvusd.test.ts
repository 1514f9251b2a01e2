/**
 * Tests of the crvUSD keepers on the model's own engine: the view (oracle price, liquidatable
 * loans with the dry run of the liquidation, checked against the published figures of
 * examples/crvusd.json), the arbitrageur (its trade equals the model's own `arbitrage` when the
 * market is the oracle price and the venue is free, in both directions; gas, ε, cap and wallet
 * limits) and the hard liquidator.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command } from '../engine/machine.js';
import type { CrvusdExchanged } from '../protocols/crvusd/state.js';
import {
  type CrvusdState,
  crvusdEngine,
  crvusdMarket,
  E18,
  priceCommand,
  runAll,
} from '../protocols/crvusd/testkit.js';
import { crvusdArbitrageur, crvusdKeeperView, crvusdLiquidator } from './crvusd.js';
import type { KeeperAction, MarketContext } from './types.js';

const ACTORS = ['arb', 'inv', 'liq'];

/** alice borrows 15,000 crvUSD on 10 WETH over 10 bands at $2000 (examples/crvusd.json); keepers funded. */
function withAlice(liqCrvusd = 20_000n): CrvusdState {
  return runAll(
    crvusdMarket(),
    [
      { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 15_000n * E18, N: 10 },
      { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 100_000n * E18 },
      { type: 'fundWallet', actor: 'arb', asset: 'WETH', amount: 100n * E18 },
      { type: 'fundWallet', actor: 'inv', asset: 'WETH', amount: 100n * E18 },
      { type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: liqCrvusd * E18 },
    ],
    1,
  );
}

/** The example's walk: WETH to $1,700 and $1,600, the model's arbitrage after each. */
function afterExampleWalk(liqCrvusd?: bigint): CrvusdState {
  let s = withAlice(liqCrvusd);
  s = runAll(s, [priceCommand('WETH', 1700n)], 60);
  s = runAll(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], 61);
  s = runAll(s, [priceCommand('WETH', 1600n)], 120);
  return runAll(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], 121);
}

const market = (nowSeconds: number, dollars: bigint, extra: Partial<MarketContext> = {}): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 0,
  ethPriceUsd: Number(dollars),
  collateralPriceUsdWad: dollars * E18,
  slippageBps: 0n,
  ...extra,
});

/** The `amount` of the first action's command (fails the test when there is none). */
function amountOf(actions: readonly KeeperAction[]): bigint {
  const command = actions[0]?.command;
  if (command === undefined) throw new Error('no action');
  return command.amount as bigint;
}

const view = (s: CrvusdState, now: number, m: MarketContext) => crvusdKeeperView(s, now, m, ACTORS);

/** Applies the actions at `now` (throws on a refusal) and returns the state and the events' exchanges. */
function land(s: CrvusdState, commands: readonly Command[], now: number) {
  let state = s;
  const exchanged: CrvusdExchanged[] = [];
  for (const c of commands) {
    const r = apply(crvusdEngine, state, c, now);
    state = r.state;
    for (const { event } of r.events)
      if (event.type === 'CrvusdExchanged') exchanged.push(event as unknown as CrvusdExchanged);
  }
  return { state, exchanged };
}

describe('crvusdKeeperView', () => {
  test('default: the oracle price, no candidates while the loan is healthy, the actors’ wallets', () => {
    const v = view(withAlice(), 2, market(2, 2000n));
    expect(v.pOracleWad).toBe(2000n * E18);
    expect(v.candidates).toEqual([]);
    expect(v.collateralAsset).toBe('WETH');
    expect(v.stablecoin).toBe('crvUSD');
    expect(v.wallets.arb).toEqual({ WETH: 100n * E18, crvUSD: 100_000n * E18 });
    expect(v.wallets.liq).toEqual({ WETH: 0n, crvUSD: 20_000n * E18 });
  });

  test('behavior: after the example’s walk alice is a candidate with the example’s figures', () => {
    const v = view(afterExampleWalk(), 122, market(122, 1600n));
    expect(v.candidates).toHaveLength(1);
    const c = v.candidates[0];
    // examples/crvusd.json: "the liquidator repays 15,000 − 12,211.68 crvUSD for the 2.0964 WETH left".
    expect(c?.account).toBe('alice');
    expect(c?.healthWad).toBeLessThan(0n);
    expect(Number(c?.x) / 1e18).toBeCloseTo(12_211.68, 2);
    expect(Number(c?.paidByLiquidator) / 1e18).toBeCloseTo(15_000 - 12_211.68, 2);
    expect(Number(c?.y) / 1e18).toBeCloseTo(2.0964, 4);
    expect(c?.surplusToLiquidator).toBe(0n);
  });

  test('behavior: a refused oracle gives no price and no candidates', () => {
    const s = afterExampleWalk();
    const later = 121 + 367 * 86_400; // testkit feed: stale after 366 days
    const v = view(s, later, market(later, 1600n));
    expect(v.pOracleWad).toBeNull();
    expect(v.candidates).toEqual([]);
  });

  test('error: an unconfigured model or a time mismatch', () => {
    expect(() => view(crvusdEngine.initial(), 0, market(0, 2000n))).toThrow(InvalidParameterError);
    expect(() => view(withAlice(), 2, market(3, 2000n))).toThrow(InvalidParameterError);
  });
});

describe('crvusdArbitrageur', () => {
  test('default: after a fall it buys collateral from LLAMMA exactly as the model’s own arbitrage does', () => {
    let s = withAlice();
    s = runAll(s, [priceCommand('WETH', 1700n)], 60);
    const actions = crvusdArbitrageur({ id: 'arb' }).decide(view(s, 61, market(61, 1700n)));
    expect(actions).toHaveLength(1);
    const command = actions[0]?.command;
    expect(command).toMatchObject({ type: 'exchange', trader: 'arb', i: 0, j: 1 });
    // Market = oracle and a free venue: the keeper's target p_o·(1 − fee) is the model's own.
    const mine = land(s, [command as Command], 61);
    const model = land(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], 61);
    expect(mine.exchanged[0]?.inAmount).toBe(model.exchanged[0]?.inAmount);
    expect(mine.exchanged[0]?.outAmount).toBe(model.exchanged[0]?.outAmount);
    expect(mine.state.ext.amm).toEqual(model.state.ext.amm);
    // Soft liquidation: alice's bands now hold crvUSD; the keeper expected what it got at $1,700.
    const out = mine.exchanged[0]?.outAmount ?? 0n;
    const paid = mine.exchanged[0]?.inAmount ?? 0n;
    expect(actions[0]?.expectedProfitUsd).toBeCloseTo((Number(out) / 1e18) * 1700 - Number(paid) / 1e18, 6);
    expect(actions[0]?.expectedProfitUsd).toBeGreaterThan(0);
    // Inside the no-trade band now: nothing more to do.
    expect(crvusdArbitrageur({ id: 'arb' }).decide(view(mine.state, 61, market(61, 1700n)))).toEqual([]);
  });

  test('behavior: after a rise it sells collateral from its inventory actor, as the model’s arbitrage would', () => {
    let s = withAlice();
    s = runAll(s, [priceCommand('WETH', 1700n)], 60);
    s = runAll(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], 61);
    s = runAll(s, [priceCommand('WETH', 2000n)], 120);
    const actions = crvusdArbitrageur({ id: 'arb', inventoryActor: 'inv' }).decide(
      view(s, 121, market(121, 2000n)),
    );
    expect(actions).toHaveLength(1);
    expect(actions[0]?.command).toMatchObject({ type: 'exchange', trader: 'inv', i: 1, j: 0 });
    const mine = land(s, [actions[0]?.command as Command], 121);
    const model = land(s, [{ type: 'arbitrage', arbitrageur: 'arb' }], 121);
    expect(mine.exchanged[0]?.inAmount).toBe(model.exchanged[0]?.inAmount);
    expect(mine.state.ext.amm).toEqual(model.state.ext.amm);
    expect(balanceOf(mine.state.ledger, 'wallet:inv', 'WETH')).toBe(
      100n * E18 - (mine.exchanged[0]?.inAmount ?? 0n),
    );
  });

  test('behavior: the venue fee narrows the trade; gas, ε and the gas cap stop it', () => {
    let s = withAlice();
    s = runAll(s, [priceCommand('WETH', 1700n)], 60);
    const free = crvusdArbitrageur({ id: 'arb' }).decide(view(s, 61, market(61, 1700n)));
    const fee = crvusdArbitrageur({ id: 'arb' }).decide(view(s, 61, market(61, 1700n, { slippageBps: 30n })));
    expect(amountOf(fee)).toBeLessThan(amountOf(free));
    const profit = free[0]?.expectedProfitUsd ?? 0;
    // ε equal to the profit: I > C_gas + ε fails (strict).
    expect(
      crvusdArbitrageur({ id: 'arb', minProfitUsd: profit }).decide(view(s, 61, market(61, 1700n))),
    ).toEqual([]);
    expect(
      crvusdArbitrageur({ id: 'arb' }).decide(view(s, 61, market(61, 1700n, { gasPriceGwei: 1e9 }))),
    ).toEqual([]);
    expect(
      crvusdArbitrageur({ id: 'arb', maxGasPriceGwei: 40 }).decide(
        view(s, 61, market(61, 1700n, { gasPriceGwei: 50 })),
      ),
    ).toEqual([]);
  });

  test('behavior: the wallet caps the trade; the market above the oracle trades more', () => {
    let s = runAll(
      crvusdMarket(),
      [
        { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 15_000n * E18, N: 10 },
        { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 100n * E18 },
      ],
      1,
    );
    s = runAll(s, [priceCommand('WETH', 1700n)], 60);
    const capped = crvusdArbitrageur({ id: 'arb' }).decide(
      crvusdKeeperView(s, 61, market(61, 1700n), ['arb']),
    );
    expect(capped[0]?.command).toMatchObject({ amount: 100n * E18 });
    const rich = withAlice();
    const r = runAll(rich, [priceCommand('WETH', 1700n)], 60);
    const atOracle = crvusdArbitrageur({ id: 'arb' }).decide(view(r, 61, market(61, 1700n)));
    const above = crvusdArbitrageur({ id: 'arb' }).decide(view(r, 61, market(61, 1750n)));
    expect(amountOf(above)).toBeGreaterThan(amountOf(atOracle));
  });

  test('behavior: nothing while the oracle refuses', () => {
    const s = runAll(withAlice(), [priceCommand('WETH', 1700n)], 60);
    const later = 60 + 367 * 86_400;
    expect(crvusdArbitrageur({ id: 'arb' }).decide(view(s, later, market(later, 1700n)))).toEqual([]);
  });

  test('error: bad options and a view without the trading actor’s wallet', () => {
    expect(() => crvusdArbitrageur({ id: 'arb', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => crvusdArbitrageur({ id: 'arb', maxGasPriceGwei: Number.NaN })).toThrow(
      InvalidParameterError,
    );
    expect(() => crvusdArbitrageur({ id: 'arb', slippageToleranceBps: 10_001n })).toThrow(
      InvalidParameterError,
    );
    const s = runAll(withAlice(), [priceCommand('WETH', 1700n)], 60);
    const v = crvusdKeeperView(s, 61, market(61, 1700n), []);
    expect(() => crvusdArbitrageur({ id: 'arb' }).decide(v)).toThrow(InvalidParameterError);
  });
});

describe('crvusdLiquidator', () => {
  test('default: liquidates alice after the walk; pays debt − x, receives the collateral left', () => {
    const s = afterExampleWalk();
    const v = view(s, 122, market(122, 1600n));
    const actions = crvusdLiquidator({ id: 'liq' }).decide(v);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.command).toMatchObject({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    // I = y·P − (debt − x), by hand from the example's figures: 2.0964·1600 − 2,788.32 ≈ 565.92.
    expect(actions[0]?.expectedProfitUsd).toBeCloseTo(2.0964 * 1600 - (15_000 - 12_211.68), 0);
    const after = land(s, [actions[0]?.command as Command], 122).state;
    expect(after.ext.loans.get('alice')).toBeUndefined();
    const c = v.candidates[0];
    expect(balanceOf(after.ledger, 'wallet:liq', 'crvUSD')).toBe(20_000n * E18 - (c?.paidByLiquidator ?? 0n));
    expect(balanceOf(after.ledger, 'wallet:liq', 'WETH')).toBe(c?.y);
  });

  test('behavior: nothing for a healthy loan, a wallet short of the payment, gas above the cap or the incentive', () => {
    expect(crvusdLiquidator({ id: 'liq' }).decide(view(withAlice(), 2, market(2, 2000n)))).toEqual([]);
    const poor = afterExampleWalk(1_000n);
    expect(crvusdLiquidator({ id: 'liq' }).decide(view(poor, 122, market(122, 1600n)))).toEqual([]);
    const s = afterExampleWalk();
    expect(
      crvusdLiquidator({ id: 'liq', maxGasPriceGwei: 100 }).decide(
        view(s, 122, market(122, 1600n, { gasPriceGwei: 101 })),
      ),
    ).toEqual([]);
    expect(
      crvusdLiquidator({ id: 'liq', minProfitUsd: 1_000 }).decide(view(s, 122, market(122, 1600n))),
    ).toEqual([]);
    // At a market of $1,300 the 2.0964 WETH are worth less than the 2,788.32 crvUSD to pay.
    expect(crvusdLiquidator({ id: 'liq' }).decide(view(s, 122, market(122, 1300n)))).toEqual([]);
  });

  test('error: bad options and a view without its wallet', () => {
    expect(() => crvusdLiquidator({ id: 'liq', minProfitUsd: Number.POSITIVE_INFINITY })).toThrow(
      InvalidParameterError,
    );
    expect(() => crvusdLiquidator({ id: 'liq', slippageToleranceBps: -1n })).toThrow(InvalidParameterError);
    const v = crvusdKeeperView(afterExampleWalk(), 122, market(122, 1600n), []);
    expect(() => crvusdLiquidator({ id: 'liq' }).decide(v)).toThrow(InvalidParameterError);
  });
});
