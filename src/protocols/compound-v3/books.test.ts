/** Tests of the ledger mapping: claim re-marking, reserve postings and the balance-sheet identity. */
import { describe, expect, test } from 'vitest';
import { applyMove, balanceOf, type Ledger, moved } from '../../engine/ledger.js';
import {
  applyMoves,
  balanceSheetDelta,
  claimMoves,
  closeBooks,
  impliedReserves,
  ledgerReserves,
  reserveMoves,
} from './books.js';

/** Ledger with `equity` in protocol and `deficit` recorded. */
function books(equity: bigint, deficit: bigint): Ledger {
  return [
    ...moved('USDC.supply', 'mint', 'protocol', equity, 'seed'),
    ...moved('USDC.debt', 'mint', 'deficit', deficit, 'seed'),
  ].reduce(applyMove, {} as Ledger);
}
const split = (l: Ledger): [bigint, bigint] => [
  balanceOf(l, 'protocol', 'USDC.supply'),
  balanceOf(l, 'deficit', 'USDC.debt'),
];

describe('reserveMoves', () => {
  test('default: a loss burns equity, then records deficit', () => {
    const l = books(30n, 0n);
    expect(split(applyMoves(l, reserveMoves(l, 'USDC', -100n, 'x')))).toEqual([0n, 70n]);
  });
  test('behavior: a gain covers deficit first, then adds equity; zero posts nothing', () => {
    const l = books(0n, 70n);
    expect(split(applyMoves(l, reserveMoves(l, 'USDC', 50n, 'x')))).toEqual([0n, 20n]);
    expect(split(applyMoves(l, reserveMoves(l, 'USDC', 100n, 'x')))).toEqual([30n, 0n]);
    expect(reserveMoves(l, 'USDC', 0n, 'x')).toEqual([]);
    // Either way the ledger's reserves move by exactly the delta.
    for (const delta of [-200n, -70n, -1n, 1n, 70n, 200n]) {
      expect(ledgerReserves(applyMoves(l, reserveMoves(l, 'USDC', delta, 'x')), 'USDC')).toBe(-70n + delta);
    }
  });
});

describe('balanceSheetDelta / closeBooks', () => {
  test('default: a borrow at par changes nothing; a donation is all reserves', () => {
    const borrow = [
      ...moved('USDC', 'pool', 'wallet:a', 100n, 'borrow'),
      ...moved('USDC.debt', 'mint', 'debt:a', 100n, 'borrow'),
    ];
    expect(balanceSheetDelta(borrow, 'USDC')).toBe(0n);
    expect(balanceSheetDelta(moved('USDC', 'world', 'pool', 5n, 'gift'), 'USDC')).toBe(5n);
  });
  test('behavior: closeBooks keeps protocol − deficit = pool + Σ debt − Σ supply', () => {
    let l: Ledger = {};
    const steps = [
      [...moved('USDC', 'world', 'pool', 1000n, 's'), ...moved('USDC.supply', 'mint', 'acct:l', 1000n, 's')],
      [...moved('USDC', 'pool', 'wallet:a', 400n, 'b'), ...moved('USDC.debt', 'mint', 'debt:a', 401n, 'b')], // rounding up
      moved('USDC.debt', 'debt:a', 'mint', 401n, 'absorb'), // debt taken over by reserves
      moved('USDC', 'wallet:x', 'pool', 0n, 'noop'),
    ];
    for (const s of steps) {
      l = applyMoves(l, closeBooks(l, 'USDC', s, 't'));
      expect(ledgerReserves(l, 'USDC')).toBe(impliedReserves(l, 'USDC'));
    }
    expect(ledgerReserves(l, 'USDC')).toBe(-400n);
  });
});

describe('claimMoves', () => {
  test('default: claims are issued from and returned to mint', () => {
    const l = applyMoves({}, moved('USDC.debt', 'mint', 'debt:a', 10n, 'b'));
    const moves = claimMoves(l, 'USDC', 'a', { supply: 3n, debt: 0n }, 'r');
    expect(moves.map((m) => [m.asset, m.from, m.to, m.amount])).toEqual([
      ['USDC.supply', 'mint', 'acct:a', 3n],
      ['USDC.debt', 'debt:a', 'mint', 10n],
    ]);
    expect(claimMoves(applyMoves(l, moves), 'USDC', 'a', { supply: 3n, debt: 0n }, 'r')).toEqual([]);
  });
});
