/**
 * The models' margin views feed the engine's margin calculus: liquidation prices and distances
 * agree with the protocols' own thresholds, worked out by hand from the example scripts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runScript } from '../src/protocols/script.js';
import { repoRoot } from './support.js';

function example(name: string, keep: number) {
  const script = JSON.parse(readFileSync(join(repoRoot, 'examples', name), 'utf8')) as {
    commands: unknown[];
  };
  return { ...script, commands: script.commands.slice(0, keep) };
}

describe('compound-v3 margin view', () => {
  test('default: the WETH liquidation price is where 10 WETH × liquidateCF 0.895 covers 16,000 USDC', () => {
    // up to alice's borrow: 10 WETH at $2,000 against 16,000 USDC
    const run = runScript(example('compound-v3-absorb.json', 12));
    const alice = run.risks.find((r) => r.accountId === 'alice');
    // liquidatable iff 10·p·0.895 < 16,000 ⇔ p < 1787.709497…: the largest such USD·1e8 price
    expect(alice?.liquidationPrices.WETH).toEqual({ price: 178_770_949_720n, priceDecimals: 8 });
    // a 10.62% drop takes $2,000 to $1,787.60, below the threshold; 10.61% gives $1,787.80, above
    expect(alice?.distanceToLiquidationBps).toBe(1_062n);
    const lena = run.risks.find((r) => r.accountId === 'lena');
    expect(lena?.distanceToLiquidationBps).toBeNull();
  });

  test('behavior: the protocol agrees: absorb is refused at $1,800 and accepted at $1,780', () => {
    const run = runScript(example('compound-v3-absorb.json', 16));
    expect(run.refusals.map((r) => r.type)).toEqual(['absorb']);
    expect(run.log.some((r) => r.event.type === 'CompoundAbsorbed')).toBe(true);
  });
});
