import { describe, expect, test } from 'vitest';
import { ENGINE_COMMANDS } from '../engine/engine.js';
import { PROTOCOL_CATALOG } from '../protocols/catalog.js';
import { composedLendingModelFor } from '../protocols/composed/lending.js';
import { CATEGORY_ROLES, COMMAND_CATEGORIES, categoryOf, isDeclaredCommand, namedIds } from './commands.js';

describe('COMMAND_CATEGORIES', () => {
  test('default', () => {
    // Every command of every model Solvent ships, and every engine command, has a declared category.
    // Composed lending markets are not in the catalogue (their id is the configuration's).
    const all = new Set([
      ...ENGINE_COMMANDS,
      ...PROTOCOL_CATALOG.flatMap((e) => e.model.commands),
      ...composedLendingModelFor('any-market').commands,
    ]);
    const undeclared = [...all].filter((type) => !isDeclaredCommand(type));
    expect(undeclared).toEqual([]);
  });

  test('behavior: prices belong to oracles, liquidations to keepers, parameters to the operator', () => {
    expect(categoryOf('publishPrice')).toBe('oracle');
    expect(categoryOf('publishGasPrice')).toBe('oracle');
    // Permissionless upkeep and the issue-7 stages' keeper actions.
    for (const type of ['updateRisk', 'deleverage', 'flop', 'flopDent', 'flopTick', 'flopDeal']) {
      expect(categoryOf(type), type).toBe('keeper');
    }
    for (const type of [
      'bark',
      'take',
      'liquidationCall',
      'absorb',
      'liquidate',
      'bite',
      'tend',
      'dent',
      'deal',
    ]) {
      expect(categoryOf(type), type).toBe('keeper');
    }
    for (const type of ['configure', 'configureOracle', 'resetBreaker', 'listAsset', 'fundWallet', 'file']) {
      expect(categoryOf(type), type).toBe('operator');
    }
    for (const type of ['deposit', 'withdraw', 'borrow', 'repay', 'openPosition', 'closePosition', 'frob']) {
      expect(categoryOf(type), type).toBe('account');
    }
    // Only the operator may send operator commands; readers send nothing.
    expect(CATEGORY_ROLES.operator).toEqual(['operator']);
    for (const roles of Object.values(CATEGORY_ROLES)) expect(roles).not.toContain('reader');
  });

  test('behavior: an undeclared type falls to the operator', () => {
    expect(categoryOf('someFutureCommand')).toBe('operator');
    expect(categoryOf('constructor')).toBe('operator');
    expect(Object.isFrozen(COMMAND_CATEGORIES)).toBe(true);
  });
});

describe('namedIds', () => {
  test('default', () => {
    expect(namedIds('account', { type: 'repay', account: 'alice', payer: 'bob', amount: '1' })).toEqual([
      'alice',
      'bob',
    ]);
  });

  test('behavior: world and wallet in to/from are places, not accounts', () => {
    expect(namedIds('account', { type: 'withdraw', account: 'alice', to: 'world' })).toEqual(['alice']);
    expect(namedIds('keeper', { type: 'liquidate', account: 'victim', liquidator: 'k1' })).toEqual(['k1']);
    expect(namedIds('oracle', { type: 'publishPrice', asset: 'ETH', source: 'chainlink' })).toEqual([
      'chainlink',
    ]);
  });
});
