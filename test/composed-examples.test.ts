/** The compose-your-own examples of the README, read the way `solvent run` reads them. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { inlineProtocolFile, readStructuredFile } from '../src/cli/files.js';
import { balanceOf } from '../src/engine/ledger.js';
import { runScript } from '../src/protocols/script.js';
import { repoRoot } from './support.js';

const USDC = 1_000_000n;
const ETH = 10n ** 18n;

async function runExample(name: string) {
  const path = join(repoRoot, 'examples', name);
  return runScript(await inlineProtocolFile(await readStructuredFile(path), path));
}

describe('composed lending: Dutch auction with an insurance fund (the README example)', () => {
  test('default: the insurance fund covers one shortfall, runs out on the next, the rest is socialized', async () => {
    const run = await runExample('composed-lending-auction.run.yaml');
    const bal = (bucket: string, asset: string) => balanceOf(run.state.ledger, bucket, asset);
    expect(run.refusals.map((r) => r.index)).toEqual([14]); // bob is still healthy at $1,500
    const taken = run.log.map((r) => r.event).filter((e) => e.type === 'ComposedAuctionTaken') as unknown as {
      priceRay: bigint;
      owe: bigint;
      shortfall: bigint;
    }[];
    // auction 1: 10 ETH from $1,650 after ten 1% steps; auction 2: 1 ETH from $1,100 after 30 steps
    expect(Number(taken[0]?.priceRay) / 1e27).toBeCloseTo(1650 * 0.99 ** 10, 6);
    expect(Number(taken[1]?.priceRay) / 1e27).toBeCloseTo(1100 * 0.99 ** 30, 6);
    const shortfall1 = 15_000n * USDC - (taken[0]?.owe ?? 0n);
    const shortfall2 = 1_100n * USDC - (taken[1]?.owe ?? 0n);
    expect(taken.map((t) => t.shortfall)).toEqual([shortfall1, shortfall2]);
    // 300 USDC of insurance: all of shortfall 1, the rest against shortfall 2, then socialized
    expect(bal('insurance', 'USDC')).toBe(0n);
    expect(bal('socialized', 'USDC.debt')).toBe(shortfall1 + shortfall2 - 300n * USDC);
    expect(bal('wallet:buyer', 'ETH')).toBe(11n * ETH);
  });
});
