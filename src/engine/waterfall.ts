/**
 * The loss waterfall: what happens to debt that liquidation could not recover. In order, each
 * step a protocol enables absorbs what it can: protocol reserves, the insurance fund, then either
 * the deficit ledger (recorded, waiting for cover) or socialization (written off against
 * suppliers). Every step is a pair of ledger moves, so the loss is always somewhere.
 */
import { assert } from '../math/errors.js';
import { min } from '../math/mulDiv.js';
import { balanceOf, type Ledger, type Moved, moved } from './ledger.js';

/** One step of a loss waterfall. */
export type LossStep = 'reserves' | 'insurance' | 'deficit' | 'socialize';

/** Input of {@link absorbLoss}. */
export interface LossInput {
  readonly ledger: Ledger;
  /** The token the debt is owed in (e.g. `USDC`). */
  readonly asset: string;
  /** Ledger asset of the debt claims (e.g. `USDC.debt`). */
  readonly claimAsset: string;
  /** Bucket holding the unrecoverable claim (e.g. `debt:alice`). */
  readonly claimBucket: string;
  /** Claim units to absorb (> 0). */
  readonly amount: bigint;
  /** Where tokens that cover the loss go: `pool` for lenders, `mint` to burn a minted token. */
  readonly creditorBucket: string;
  /** Steps in order. The last must be `deficit` or `socialize` so nothing is left over. */
  readonly steps: readonly LossStep[];
}

/** What each step absorbed, in `asset` units. */
export interface LossOutcome {
  readonly moves: readonly Moved[];
  readonly fromReserves: bigint;
  readonly fromInsurance: bigint;
  readonly toDeficit: bigint;
  readonly socialized: bigint;
}

/**
 * Spreads a loss over the waterfall. Reserves and the insurance fund pay tokens to the creditor
 * and the matching claim is extinguished (moved back to `mint`); the deficit step parks the claim
 * in `deficit`; socialization moves it to `socialized`.
 */
export function absorbLoss(input: LossInput): LossOutcome {
  assert(input.amount >= 0n, 'loss must be non-negative');
  const last = input.steps[input.steps.length - 1];
  assert(last === 'deficit' || last === 'socialize', 'a loss waterfall must end in deficit or socialize');
  let left = input.amount;
  const moves: Moved[] = [];
  let fromReserves = 0n;
  let fromInsurance = 0n;
  let toDeficit = 0n;
  let socialized = 0n;
  for (const step of input.steps) {
    if (left === 0n) break;
    if (step === 'reserves' || step === 'insurance') {
      const bucket = step === 'reserves' ? 'protocol' : 'insurance';
      const pay = min(left, balanceOf(input.ledger, bucket, input.asset));
      moves.push(...moved(input.asset, bucket, input.creditorBucket, pay, `loss:${step}`));
      moves.push(...moved(input.claimAsset, input.claimBucket, 'mint', pay, `loss:${step}`));
      if (step === 'reserves') fromReserves += pay;
      else fromInsurance += pay;
      left -= pay;
    } else {
      const to = step === 'deficit' ? 'deficit' : 'socialized';
      moves.push(...moved(input.claimAsset, input.claimBucket, to, left, `loss:${step}`));
      if (step === 'deficit') toDeficit += left;
      else socialized += left;
      left = 0n;
    }
  }
  return { moves, fromReserves, fromInsurance, toDeficit, socialized };
}

/**
 * Covers recorded deficit from the insurance fund (or reserves): tokens go to the creditor, the
 * claim leaves `deficit`. Returns the moves and the amount covered (≤ both balances).
 */
export function coverDeficit(input: {
  readonly ledger: Ledger;
  readonly asset: string;
  readonly claimAsset: string;
  readonly from: 'insurance' | 'protocol';
  readonly creditorBucket: string;
  readonly maxAmount: bigint;
}): { readonly moves: readonly Moved[]; readonly covered: bigint } {
  const covered = min(
    input.maxAmount,
    min(
      balanceOf(input.ledger, input.from, input.asset),
      balanceOf(input.ledger, 'deficit', input.claimAsset),
    ),
  );
  return {
    moves: [
      ...moved(input.asset, input.from, input.creditorBucket, covered, 'coverDeficit'),
      ...moved(input.claimAsset, 'deficit', 'mint', covered, 'coverDeficit'),
    ],
    covered,
  };
}
