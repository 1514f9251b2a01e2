/**
 * Test support for the stress indexes' property tests: the health-bucket scan their readings are
 * checked against, written apart from src/sim/stress/core.ts (one health read per book account).
 */
import { SolventError } from '../../math/errors.js';
import { HEALTH_BUCKET_BOUNDS, healthBucketOf } from './types.js';

/** One health reading of a model: whether the account is liquidatable, and its factor (1e18 = 1). */
export interface HealthReading {
  readonly liquidatable: boolean;
  readonly healthWad: bigint;
}

/**
 * Health bucket counts over `accounts` by one `read` per account, as core.ts healthBuckets counts:
 * an account `read` returns undefined for, or whose read throws a SolventError (an oracle refusal),
 * has no reading; a liquidatable account counts below 1 whatever its factor. Bucket k counts the
 * factors below HEALTH_BUCKET_BOUNDS[k] and not below the bound before it; the last one the rest.
 * @throws whatever `read` throws that is not a SolventError.
 */
export function scanHealthCounts(
  accounts: readonly string[],
  read: (id: string) => HealthReading | undefined,
): number[] {
  const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
  for (const id of accounts) {
    let h: HealthReading | undefined;
    try {
      h = read(id);
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    if (h === undefined) continue;
    const b = healthBucketOf(h.healthWad, h.liquidatable);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}
