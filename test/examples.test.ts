/** The examples in examples/ run and give the numbers the README and their descriptions state. */
import { describe, expect, test } from 'vitest';
import { liquidateOnAave } from '../examples/library.js';

describe('examples/library.ts', () => {
  test('default: half of the debt is repaid for collateral with a 5% bonus, 10% of it to the treasury', () => {
    const out = liquidateOnAave();
    // repaid 4,000 USDC at $1,900/WETH: base 4000/1900 WETH, ×1.05 seized; the treasury keeps
    // 10% of the bonus part (seized − seized/1.05), the liquidator the rest.
    const WEI = 10n ** 18n;
    const seized = (((4_000n * WEI) / 1_900n) * 10_500n + 5_000n) / 10_000n; // percentMul half-up
    const bonus = seized - (seized * 10_000n + 10_500n / 2n) / 10_500n; // percentDiv half-up
    const fee = (bonus * 1_000n + 5_000n) / 10_000n;
    expect(out.bobWethWei).toBe(seized - fee);
    expect(out.treasuryWethWei).toBe(fee);
    expect(out.aliceDebtUsdc).toBe(4_000_000_000n);
    expect(out.health.liquidatable).toBe(false);
    expect(out.replayedHashMatches).toBe(true);
  });
});
