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

describe('composed perp market with partial liquidation and ADL (the README example)', () => {
  test('default: dave is partly closed into the book, alice is deleveraged against bob', async () => {
    const run = await runExample('composed-perp-adl.run.yaml');
    const events = run.log.map((r) => r.event as unknown as Record<string, unknown>);
    expect(run.refusals.map((r) => r.index)).toEqual([15]); // dave is healthy at $1,900
    const [dave, alice] = events.filter((e) => e.type === 'PerpLiquidated');
    // Dave: 10 ETH bought for 2 @ 2002 + 5 @ 2010 + 3 @ 2040 = 20,174, fee 10.087. At $1,800 his
    // equity is 2,489.913 + 18,000 − 20,174 = 315.913 < MM 900. The least x with
    // 315.913 − 1%·1800·x ≥ 5%·1800·(10 − x) is x = 8.113 ETH, sold into the bids at
    // 2 @ 1798.2 + 5 @ 1791 + 1.113 @ 1764 = 14,514.732 USDC (average below the $1,800 mark).
    expect(dave).toMatchObject({
      kind: 'venue',
      closeBase: 8_113n,
      filledBase: 8_113n,
      quoteAmount: 14_514_732n * 1_000n,
    });
    // Alice: 3 ETH bought for 6,014, fee 3.007: equity at $1,700 = 696.993 + 5,100 − 6,014 < 0.
    // The fund (10 + dave's 73.017 fee share) cannot pay the venue close's 228.907 shortfall: ADL.
    expect(alice).toMatchObject({ kind: 'adl', shortfallQuote: 217_007n * 1_000n });
    // Bob (PnL% × leverage 0.46) ranks before carol (0.39) and buys back 3 ETH at alice's
    // bankruptcy quote 6,014 − 696.993 = 5,317.007, realizing 5,982 − 5,317.007 = +664.993.
    expect(events.filter((e) => e.type === 'PerpDeleveraged')).toEqual([
      expect.objectContaining({
        bankruptAccount: 'alice',
        counterparty: 'bob',
        sizeBase: 3_000n,
        quoteAmount: 5_317_007n * 1_000n,
        counterpartyRealizedQuote: 664_993n * 1_000n,
      }),
    ]);
    expect(balanceOf(run.state.ledger, 'insurance', 'USDC')).toBe(USDC * 10n + 73_017n * 1_000n);
    expect(balanceOf(run.state.ledger, 'acct:alice', 'USDC')).toBe(0n);
  });
});
