import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from './contract.js';
import type { EngineState, ProtocolModel } from './engine.js';
import { InvalidParameterError } from './errors.js';
import { readBigint, readString } from './fields.js';
import { balanceOf, bucketsOf, moved } from './ledger.js';

/**
 * A toy lending model with knobs that break one rule each, to prove the contract checker sees it.
 * `seize` takes an account's deposit; it is "liquidatable" when the account flagged itself.
 */
interface Ext {
  readonly flagged: Readonly<Record<string, boolean>>;
  readonly log: string[];
}
let hiddenCounter = 0;
function toyModel(bug: 'none' | 'healthy' | 'mutate' | 'invariant' | 'hidden-state'): ProtocolModel<Ext> {
  return {
    id: `toy-${bug}`,
    title: 'toy',
    sources: [],
    commands: ['deposit', 'flag', 'seize'],
    initialExt: () => ({ flagged: {}, log: [] }),
    decide(state, c) {
      const account = readString(c, 'account');
      if (c.type === 'deposit') {
        return moved(
          'ETH',
          'world',
          `acct:${account}`,
          readBigint(c, 'amount', 'amount', { min: 1n }),
          'deposit',
        );
      }
      if (c.type === 'flag') {
        // The hidden-state bug numbers its events from a counter outside the state.
        hiddenCounter += 1;
        return [{ type: 'Flagged', account, ...(bug === 'hidden-state' ? { n: hiddenCounter } : {}) }];
      }
      if (bug === 'mutate') state.ext.log.push('decided');
      if (bug !== 'healthy' && state.ext.flagged[account] !== true) {
        throw new InvalidParameterError('account', 'not flagged');
      }
      const held = balanceOf(state.ledger, `acct:${account}`, 'ETH');
      return moved('ETH', `acct:${account}`, 'protocol', held, 'seize');
    },
    evolve: (s: EngineState<Ext>, r) => {
      if (r.event.type !== 'Flagged') return s.ext;
      const account = (r.event as unknown as { account: string }).account;
      return { ...s.ext, flagged: { ...s.ext.flagged, [account]: true } };
    },
    accountIds: (s) =>
      bucketsOf(s.ledger, 'ETH')
        .map(([b]) => b)
        .filter((b) => b.startsWith('acct:'))
        .map((b) => b.slice(5)),
    health: (s, accountId) => ({
      accountId,
      healthWad: 0n,
      liquidatable: s.ext.flagged[accountId] === true,
      collateralValueWad: 0n,
      debtValueWad: 0n,
    }),
    invariants: (s) =>
      bug === 'invariant'
        ? [{ name: 'toy', holds: balanceOf(s.ledger, 'protocol', 'ETH') === 0n, detail: 'x' }]
        : [],
    liquidationTarget: (c) => (c.type === 'seize' ? String(c.account) : undefined),
  };
}

const setup: TimedCommand[] = [
  { command: { type: 'listAsset', asset: 'ETH', decimals: 18 }, nowSeconds: 0 },
  { command: { type: 'deposit', account: 'a', amount: 10n }, nowSeconds: 1 },
  { command: { type: 'deposit', account: 'b', amount: 5n }, nowSeconds: 1 },
];

describe('runContract', () => {
  test('default: a correct model passes, refusals counted', () => {
    const run = runContract(toyModel('none'), [
      ...setup,
      { command: { type: 'seize', account: 'a' }, nowSeconds: 2 },
      { command: { type: 'flag', account: 'a' }, nowSeconds: 3 },
      { command: { type: 'seize', account: 'a' }, nowSeconds: 4 },
    ]);
    expect(run.violations).toEqual([]);
    expect([run.accepted, run.refused, run.liquidations]).toEqual([5, 1, 1]);
  });
  test('behavior: liquidating a healthy account is a violation', () => {
    const run = runContract(toyModel('healthy'), [
      ...setup,
      { command: { type: 'seize', account: 'b' }, nowSeconds: 2 },
    ]);
    expect(run.violations.join('\n')).toMatch(/liquidated healthy account b/);
  });
  test('behavior: a decide that mutates its input is caught when it refuses', () => {
    const run = runContract(toyModel('mutate'), [
      ...setup,
      { command: { type: 'seize', account: 'a' }, nowSeconds: 2 },
    ]);
    expect(run.violations.join('\n')).toMatch(/refusal changed the state/);
  });
  test('behavior: a broken model invariant is reported', () => {
    const run = runContract(toyModel('invariant'), [
      ...setup,
      { command: { type: 'flag', account: 'a' }, nowSeconds: 2 },
      { command: { type: 'seize', account: 'a' }, nowSeconds: 2 },
    ]);
    expect(run.violations.join('\n')).toMatch(/toy: x/);
  });
  test('behavior: a model whose events depend on something outside the state is not deterministic', () => {
    const run = runContract(toyModel('hidden-state'), [
      ...setup,
      { command: { type: 'flag', account: 'a' }, nowSeconds: 2 },
    ]);
    expect(run.violations).toContain('determinism: a second run gave other events');
  });
});
