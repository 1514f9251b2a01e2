import { describe, expect, test } from 'vitest';
import { applyMove, assetTotal, balanceOf, type Ledger, moved } from './ledger.js';
import { absorbLoss, coverDeficit } from './waterfall.js';

function ledgerWith(reserves: bigint, insurance: bigint, claim: bigint): Ledger {
  const moves = [
    ...moved('USDC', 'world', 'protocol', reserves, 'seed'),
    ...moved('USDC', 'world', 'insurance', insurance, 'seed'),
    ...moved('USDC.debt', 'mint', 'debt:a', claim, 'borrow'),
  ];
  return moves.reduce(applyMove, {} as Ledger);
}

const base = {
  asset: 'USDC',
  claimAsset: 'USDC.debt',
  claimBucket: 'debt:a',
  creditorBucket: 'pool',
} as const;

describe('absorbLoss', () => {
  test('default: reserves, then insurance, then deficit', () => {
    const ledger = ledgerWith(30n, 50n, 100n);
    const out = absorbLoss({ ...base, ledger, amount: 100n, steps: ['reserves', 'insurance', 'deficit'] });
    expect([out.fromReserves, out.fromInsurance, out.toDeficit, out.socialized]).toEqual([30n, 50n, 20n, 0n]);
    const after = out.moves.reduce(applyMove, ledger);
    expect(balanceOf(after, 'pool', 'USDC')).toBe(80n);
    expect(balanceOf(after, 'deficit', 'USDC.debt')).toBe(20n);
    expect(balanceOf(after, 'debt:a', 'USDC.debt')).toBe(0n);
    expect(assetTotal(after, 'USDC')).toBe(0n);
    expect(assetTotal(after, 'USDC.debt')).toBe(0n);
  });
  test('behavior: socialization takes what the insurance fund cannot', () => {
    const ledger = ledgerWith(0n, 10n, 25n);
    const out = absorbLoss({ ...base, ledger, amount: 25n, steps: ['insurance', 'socialize'] });
    expect([out.fromInsurance, out.socialized]).toEqual([10n, 15n]);
    expect(balanceOf(out.moves.reduce(applyMove, ledger), 'socialized', 'USDC.debt')).toBe(15n);
  });
  test('behavior: a fully funded insurance fund leaves no deficit', () => {
    const ledger = ledgerWith(0n, 1000n, 25n);
    const out = absorbLoss({ ...base, ledger, amount: 25n, steps: ['insurance', 'deficit'] });
    expect([out.fromInsurance, out.toDeficit]).toEqual([25n, 0n]);
  });
  test('error: a waterfall that could leave loss unplaced is refused', () => {
    const ledger = ledgerWith(0n, 0n, 5n);
    expect(() => absorbLoss({ ...base, ledger, amount: 5n, steps: ['insurance'] })).toThrow(/invariant/);
  });
});

describe('coverDeficit', () => {
  test('default: covers at most what both the fund and the deficit hold', () => {
    const ledger0 = ledgerWith(0n, 7n, 20n);
    const parked = absorbLoss({ ...base, ledger: ledger0, amount: 20n, steps: ['deficit'] });
    const ledger = parked.moves.reduce(applyMove, ledger0);
    const out = coverDeficit({ ...base, ledger, from: 'insurance', maxAmount: 100n });
    expect(out.covered).toBe(7n);
    const after = out.moves.reduce(applyMove, ledger);
    expect(balanceOf(after, 'deficit', 'USDC.debt')).toBe(13n);
    expect(balanceOf(after, 'insurance', 'USDC')).toBe(0n);
  });
});
