import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState, type ProtocolModel } from './engine.js';
import {
  CircuitBreakerError,
  ClockWentBackwardsError,
  InsufficientBalanceError,
  InvalidParameterError,
  UnknownAssetError,
  UnknownCommandError,
} from './errors.js';
import { readBigint, readString } from './fields.js';
import { assetTotal, balanceOf, moved } from './ledger.js';
import { apply, type Command, type Recorded, replay, stateHash } from './machine.js';
import { spotPrice } from './oracle.js';

/** A minimal model: accounts deposit and withdraw; `sweep` moves an account's whole deposit. */
interface Ext {
  readonly sweeps: number;
}
const toy: ProtocolModel<Ext> = {
  id: 'toy',
  title: 'toy model for engine tests',
  sources: [],
  commands: ['deposit', 'withdraw', 'sweep', 'borrow'],
  initialExt: () => ({ sweeps: 0 }),
  decide(state, command) {
    const account = readString(command, 'account');
    const asset = readString(command, 'asset');
    if (command.type === 'borrow') return [{ type: 'Borrowed', account }];
    if (command.type === 'sweep') {
      return [
        ...moved(
          asset,
          `acct:${account}`,
          'protocol',
          balanceOf(state.ledger, `acct:${account}`, asset),
          'sweep',
        ),
        { type: 'Swept', account },
      ];
    }
    const amount = readBigint(command, 'amount', 'amount', { min: 1n });
    return command.type === 'deposit'
      ? moved(asset, 'world', `acct:${account}`, amount, 'deposit')
      : moved(asset, `acct:${account}`, 'world', amount, 'withdraw');
  },
  evolve: (state: EngineState<Ext>, r: Recorded) =>
    r.event.type === 'Swept' ? { sweeps: state.ext.sweeps + 1 } : state.ext,
  accountIds: () => [],
  health: (_s, accountId) => ({
    accountId,
    healthWad: 0n,
    liquidatable: false,
    collateralValueWad: 0n,
    debtValueWad: 0n,
  }),
  invariants: () => [],
  // `sweep` stands for a liquidation, `borrow` for a borrow: enough for the engine's breaker checks.
  liquidationTarget: (c) => (c.type === 'sweep' ? String(c.account) : undefined),
  borrowRequest: (_s, c) =>
    c.type === 'borrow' ? { account: String(c.account), asset: String(c.asset) } : undefined,
};

const engine = createEngine(toy);
function run(commands: readonly [Command, number][]) {
  let state = engine.initial();
  const log: Recorded[] = [];
  for (const [c, t] of commands) {
    const r = apply(engine, state, c, t);
    state = r.state;
    log.push(...r.events);
  }
  return { state, log };
}
const oracleConfig = {
  priceDecimals: 8,
  sources: ['a', 'b', 'c'],
  minSources: 2,
  staleAfterSeconds: 3600,
  maxSpreadBps: 500n,
  twapWindowSeconds: 1800,
  delaySeconds: 0,
};

describe('createEngine', () => {
  test('default: engine commands, oracle commands and model commands all land in one log', () => {
    const { state, log } = run([
      [{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 0],
      [{ type: 'configureOracle', asset: 'ETH', config: oracleConfig }, 0],
      [{ type: 'publishPrice', asset: 'ETH', source: 'a', price: 200_000_000_000n }, 10],
      [{ type: 'publishPrice', asset: 'ETH', source: 'b', price: 200_100_000_000n }, 11],
      [{ type: 'deposit', account: 'alice', asset: 'ETH', amount: '5' }, 12],
      [{ type: 'fundInsurance', asset: 'ETH', amount: 2n }, 12],
      [{ type: 'fundWallet', actor: 'keeper', asset: 'ETH', amount: 3n }, 13],
      [{ type: 'sweep', account: 'alice', asset: 'ETH' }, 14],
    ]);
    expect(state.assets.ETH).toEqual({ decimals: 18 });
    // median of two fresh sources = floor of the mean of the middle pair
    expect(spotPrice(state.oracle, 'ETH', 14).price).toBe(200_050_000_000n);
    expect(balanceOf(state.ledger, 'insurance', 'ETH')).toBe(2n);
    expect(balanceOf(state.ledger, 'wallet:keeper', 'ETH')).toBe(3n);
    expect(balanceOf(state.ledger, 'protocol', 'ETH')).toBe(5n);
    expect(assetTotal(state.ledger, 'ETH')).toBe(0n);
    expect(state.ext.sweeps).toBe(1);
    expect(state.seq).toBe(log.length);
    expect(state.timeSeconds).toBe(14);
    expect(stateHash(replay(engine, log))).toBe(stateHash(state));
  });

  test('behavior: the same commands give the same events and hash', () => {
    const commands: [Command, number][] = [
      [{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 0],
      [{ type: 'deposit', account: 'a', asset: 'ETH', amount: 9n }, 5],
      [{ type: 'withdraw', account: 'a', asset: 'ETH', amount: 4n }, 6],
    ];
    const one = run(commands);
    const two = run(commands);
    expect(two.log).toEqual(one.log);
    expect(stateHash(two.state)).toBe(stateHash(one.state));
  });

  test('error: unaffordable moves are refused before anything changes', () => {
    const { state } = run([
      [{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 0],
      [{ type: 'deposit', account: 'a', asset: 'ETH', amount: 1n }, 1],
    ]);
    const before = stateHash(state);
    expect(() =>
      apply(engine, state, { type: 'withdraw', account: 'a', asset: 'ETH', amount: 2n }, 2),
    ).toThrow(InsufficientBalanceError);
    expect(stateHash(state)).toBe(before);
  });

  test('error: unknown commands, unknown assets, bad fields and a clock going back are typed', () => {
    const { state } = run([[{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 100]]);
    expect(() => apply(engine, state, { type: 'bark' }, 100)).toThrow(UnknownCommandError);
    expect(() => apply(engine, state, { type: 'fundInsurance', asset: 'BTC', amount: 1n }, 100)).toThrow(
      UnknownAssetError,
    );
    expect(() => apply(engine, state, { type: 'fundInsurance', asset: 'ETH', amount: 0n }, 100)).toThrow(
      InvalidParameterError,
    );
    expect(() => apply(engine, state, { type: 'listAsset', asset: 'ETH', decimals: 18 }, 100)).toThrow(
      InvalidParameterError,
    );
    expect(() => apply(engine, state, { type: 'listAsset', asset: 'X', decimals: 6 }, 99)).toThrow(
      ClockWentBackwardsError,
    );
  });

  test('error: an asset id every JavaScript object already has (__proto__, constructor) is refused by name', () => {
    const { state } = run([[{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 100]]);
    for (const asset of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => apply(engine, state, { type: 'listAsset', asset, decimals: 18 }, 100)).toThrow(
        /is reserved: every JavaScript object has a member of that name/,
      );
    }
    // A near name is an ordinary asset.
    const listed = apply(engine, state, { type: 'listAsset', asset: 'proto', decimals: 18 }, 100);
    expect(listed.state.assets.proto?.decimals).toBe(18);
  });

  test('behavior: a tripped oracle breaker pauses liquidations and borrowing in every model until reset', () => {
    const config = {
      ...oracleConfig,
      minSources: 1,
      breaker: { maxMoveBps: 2_000n, windowSeconds: 3_600, pauses: 'both' },
    };
    const { state } = run([
      [{ type: 'listAsset', asset: 'ETH', decimals: 18 }, 0],
      [{ type: 'listAsset', asset: 'USDC', decimals: 6 }, 0],
      [{ type: 'configureOracle', asset: 'ETH', config }, 0],
      [{ type: 'publishPrice', asset: 'ETH', source: 'a', price: 200_000_000_000n }, 10],
      [{ type: 'deposit', account: 'alice', asset: 'ETH', amount: 5n }, 10],
      // a 50% fall within the window trips the breaker
      [{ type: 'publishPrice', asset: 'ETH', source: 'a', price: 100_000_000_000n }, 20],
    ]);
    const sweep = { type: 'sweep', account: 'alice', asset: 'ETH' };
    const borrowUsdc = { type: 'borrow', account: 'alice', asset: 'USDC' };
    const borrowEth = { type: 'borrow', account: 'bob', asset: 'ETH' };
    expect(() => apply(engine, state, sweep, 30)).toThrow(CircuitBreakerError);
    // alice's collateral is ETH, so borrowing anything against it is paused; so is borrowing ETH
    expect(() => apply(engine, state, borrowUsdc, 30)).toThrow(CircuitBreakerError);
    expect(() => apply(engine, state, borrowEth, 30)).toThrow(CircuitBreakerError);
    // bob holds no ETH and borrows USDC: not affected
    expect(() => apply(engine, state, { type: 'borrow', account: 'bob', asset: 'USDC' }, 30)).not.toThrow();
    const reset = apply(engine, state, { type: 'resetBreaker', asset: 'ETH' }, 40).state;
    expect(() => apply(engine, reset, sweep, 41)).not.toThrow();
    expect(() => apply(engine, reset, borrowUsdc, 41)).not.toThrow();
  });
});
