/**
 * Turning zero-sum net bucket changes into ledger moves, for perps models that compute a
 * liquidation's cash flows as nets first and pay them out afterwards.
 */
import { type Moved, moved } from '../ledger.js';

/**
 * Moves that realize zero-sum bucket nets in `asset` (smallest units): payers (negative nets, in
 * sorted bucket order) pay receivers (positive nets, sorted), each payer exhausted before the
 * next; a zero net moves nothing. When the nets do not sum to zero, what cannot be matched is left
 * unpaid.
 */
export function movesForNets(asset: string, nets: ReadonlyMap<string, bigint>, reason: string): Moved[] {
  const keys = [...nets.keys()].sort();
  const payers = keys
    .filter((k) => (nets.get(k) ?? 0n) < 0n)
    .map((k) => ({ bucket: k, left: -(nets.get(k) ?? 0n) }));
  const receivers = keys
    .filter((k) => (nets.get(k) ?? 0n) > 0n)
    .map((k) => ({ bucket: k, left: nets.get(k) ?? 0n }));
  const out: Moved[] = [];
  let i = 0;
  for (const r of receivers) {
    while (r.left > 0n) {
      const p = payers[i];
      if (p === undefined) break;
      const amount = p.left < r.left ? p.left : r.left;
      out.push(...moved(asset, p.bucket, r.bucket, amount, reason));
      p.left -= amount;
      r.left -= amount;
      if (p.left === 0n) i += 1;
    }
  }
  return out;
}
