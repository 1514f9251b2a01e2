/**
 * How Comet's balance sheet maps onto the engine ledger (see the mapping at the top of model.ts):
 * the pseudo-asset names, the moves that keep each account's claims equal to its present values,
 * and the moves that post a change of reserves to the protocol's equity (`protocol` holding
 * `<base>.supply`) or, once that is exhausted, to the deficit (`deficit` holding `<base>.debt`).
 */
import { debtClaimAsset } from '../../engine/engine.js';
import { applyMove, balanceOf, type Ledger, type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import { min } from '../../math/mulDiv.js';
import type { PresentClaims } from './state.js';

/**
 * Ledger pseudo-asset of supply claims on the market, in base units: an account's positive base
 * balance (`acct:<id>`) and, held by `protocol`, the protocol's positive reserves (its equity).
 */
export function supplyClaimAsset(base: string): string {
  return `${base}.supply`;
}

/** Ledger pseudo-asset of debt claims in base units (`debt:<id>`; `deficit` = negative reserves). */
export { debtClaimAsset };

/** Bucket of an account's supply claim and collateral. */
export const accountBucket = (id: string): string => `acct:${id}`;
/** Bucket of an account's debt claim. */
export const debtBucket = (id: string): string => `debt:${id}`;

/** Applies moves in order (input untouched). */
export function applyMoves(ledger: Ledger, moves: readonly Moved[]): Ledger {
  return moves.reduce(applyMove, ledger);
}

/**
 * Moves that bring an account's ledger claims to `target` (its present supply balance and debt):
 * claims are issued from / returned to `mint`, so every other balance is untouched.
 */
export function claimMoves(
  ledger: Ledger,
  base: string,
  id: string,
  target: PresentClaims,
  reason: string,
): Moved[] {
  const moves: Moved[] = [];
  const supplyAsset = supplyClaimAsset(base);
  const debtAsset = debtClaimAsset(base);
  const supplyNow = balanceOf(ledger, accountBucket(id), supplyAsset);
  const debtNow = balanceOf(ledger, debtBucket(id), debtAsset);
  if (target.supply > supplyNow)
    moves.push(...moved(supplyAsset, 'mint', accountBucket(id), target.supply - supplyNow, reason));
  if (target.supply < supplyNow)
    moves.push(...moved(supplyAsset, accountBucket(id), 'mint', supplyNow - target.supply, reason));
  if (target.debt > debtNow)
    moves.push(...moved(debtAsset, 'mint', debtBucket(id), target.debt - debtNow, reason));
  if (target.debt < debtNow)
    moves.push(...moved(debtAsset, debtBucket(id), 'mint', debtNow - target.debt, reason));
  return moves;
}

/**
 * The change of the ledger's reserves a batch of moves implies: Δ(Comet's cash in `pool`) +
 * Δ(Σ account debt claims) − Δ(Σ account supply claims). Reserve postings themselves (`protocol`,
 * `deficit`) do not count.
 */
export function balanceSheetDelta(moves: readonly Moved[], base: string): bigint {
  const supplyAsset = supplyClaimAsset(base);
  const debtAsset = debtClaimAsset(base);
  let delta = 0n;
  const side = (bucket: string, asset: string): bigint => {
    if (asset === base && bucket === 'pool') return 1n;
    if (asset === debtAsset && bucket.startsWith('debt:')) return 1n;
    if (asset === supplyAsset && bucket.startsWith('acct:')) return -1n;
    return 0n;
  };
  for (const m of moves) delta += (side(m.to, m.asset) - side(m.from, m.asset)) * m.amount;
  return delta;
}

/**
 * Posts a change of reserves. A gain first extinguishes recorded deficit (`deficit` → `mint`,
 * debt claims) and then adds to the protocol's equity (`mint` → `protocol`, supply claims); a
 * loss first burns equity (`protocol` → `mint`) and records the rest as deficit (`mint` →
 * `deficit`), so at most one of the two buckets is ever non-zero.
 * @param ledger the ledger the postings apply to (after every earlier move of the command).
 * @param delta signed base units.
 */
export function reserveMoves(ledger: Ledger, base: string, delta: bigint, reason: string): Moved[] {
  const supplyAsset = supplyClaimAsset(base);
  const debtAsset = debtClaimAsset(base);
  if (delta > 0n) {
    const cover = min(delta, balanceOf(ledger, 'deficit', debtAsset));
    return [
      ...moved(debtAsset, 'deficit', 'mint', cover, `${reason}:coverDeficit`),
      ...moved(supplyAsset, 'mint', 'protocol', delta - cover, `${reason}:reserves`),
    ];
  }
  const loss = -delta;
  const burn = min(loss, balanceOf(ledger, 'protocol', supplyAsset));
  return [
    ...moved(supplyAsset, 'protocol', 'mint', burn, `${reason}:reserves`),
    ...moved(debtAsset, 'mint', 'deficit', loss - burn, `${reason}:deficit`),
  ];
}

/** `moves` followed by the reserve postings that keep the balance sheet identity. */
export function closeBooks(ledger: Ledger, base: string, moves: readonly Moved[], reason: string): Moved[] {
  const delta = balanceSheetDelta(moves, base);
  return [...moves, ...reserveMoves(applyMoves(ledger, moves), base, delta, reason)];
}

/** The ledger's reserves: protocol equity minus recorded deficit, signed base units. */
export function ledgerReserves(ledger: Ledger, base: string): bigint {
  return (
    balanceOf(ledger, 'protocol', supplyClaimAsset(base)) - balanceOf(ledger, 'deficit', debtClaimAsset(base))
  );
}

/** Comet's cash as the ledger holds it (`pool`), base units. */
export function cometCash(ledger: Ledger, base: string): bigint {
  return balanceOf(ledger, 'pool', base);
}

/**
 * The right-hand side of the balance-sheet identity: cash + Σ account debt claims − Σ account
 * supply claims. Equals {@link ledgerReserves} after every command.
 */
export function impliedReserves(ledger: Ledger, base: string): bigint {
  return (
    cometCash(ledger, base) +
    sumByPrefix(ledger, debtClaimAsset(base), 'debt:') -
    sumByPrefix(ledger, supplyClaimAsset(base), 'acct:')
  );
}
