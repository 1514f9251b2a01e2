/**
 * The five Synthetix liquidation stages, each called on its own (liquidation.ts), on states built
 * with the model (testkit.ts). Alice: long 20 ETH at $2,020 with $3,979.8 of margin, oracle $1,850
 * (available margin 579.8, MM 925, possible reward 48.6), as derived in model.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError } from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import type { ExecutionOutcome } from '../../engine/pipeline.js';
import {
  type SynthetixExecutionDetail,
  synthetixExecution,
  synthetixIncentive,
  synthetixLossWaterfall,
  synthetixSizing,
  synthetixTrigger,
} from './liquidation.js';
import { aliceLong20Eth, contextAt, d18, usd8 } from './testkit.js';

function at1850() {
  const m = aliceLong20Eth();
  m.run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(1_850n) }, 100);
  return m;
}
const req = { account: 'alice', keeper: 'kim' };

describe('synthetixTrigger', () => {
  test('default: eligible account, not yet flagged', () => {
    const t = synthetixTrigger(contextAt(at1850(), 100), req);
    expect(t.alreadyFlagged).toBe(false);
    expect(t.valuation).toMatchObject({
      availableMarginQuote: d18(5_798n, 10n),
      requiredMaintenanceMarginQuote: d18(925n),
      possibleLiquidationRewardQuote: d18(486n, 10n),
    });
  });
  test('behavior: a flagged account passes whatever its margin', () => {
    const m = aliceLong20Eth();
    const ctx = {
      ...contextAt(m, 1),
      flagged: PersistentMap.fromRecord({ alice: { seizedMarginQuote: 1n, seizedRemainingQuote: 1n } }),
    };
    expect(synthetixTrigger(ctx, req).alreadyFlagged).toBe(true);
  });
  test('error: NotEligibleForLiquidation, the LP vault, unknown', () => {
    const ctx = contextAt(aliceLong20Eth(), 1);
    expect(() => synthetixTrigger(ctx, req)).toThrow(PositionNotLiquidatableError);
    expect(() => synthetixTrigger(ctx, { account: 'lp', keeper: 'kim' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => synthetixTrigger(ctx, { account: 'zed', keeper: 'kim' })).toThrow();
  });
});

describe('synthetixSizing', () => {
  test('default: the window admits 7 of 20 ETH', () => {
    const ctx = contextAt(at1850(), 100);
    expect(synthetixSizing(ctx, req, synthetixTrigger(ctx, req))).toEqual({
      closes: [{ market: 'ETH', sizeBase: d18(20n), amount: d18(7n), capacity: d18(7n) }],
    });
  });
  test('behavior: capacity used in the trailing window', () => {
    const base = contextAt(at1850(), 100);
    const ctx = { ...base, liquidationData: { ETH: [{ amount: d18(5n), timestampSeconds: 95 }] } };
    expect(synthetixSizing(ctx, req, synthetixTrigger(ctx, req)).closes[0]).toMatchObject({
      amount: d18(2n),
      capacity: d18(2n),
    });
  });
});

describe('synthetixExecution', () => {
  test('default: seize the margin, close 7 ETH with its loss unpaid', () => {
    const ctx = contextAt(at1850(), 100);
    const t = synthetixTrigger(ctx, req);
    const out = synthetixExecution(ctx, req, synthetixSizing(ctx, req, t), t);
    expect(out.detail).toMatchObject({
      flaggedNow: true,
      seizedMarginQuote: d18(3_979_8n, 10n),
      flagRewardQuote: d18(37n),
      costQuote: d18(11n, 10n),
      totalLiquidated: d18(7n),
      unpaidLossQuote: d18(1_190n),
      badDebtQuote: 0n,
      fullyLiquidated: false,
    });
    const moves = out.events.filter((e) => e.type === 'Moved') as Moved[];
    expect(moves.map((x) => [x.from, x.to, x.amount])).toEqual([
      ['acct:alice', 'acct:lp', d18(3_979_8n, 10n)],
    ]);
  });
  test('behavior: an already flagged account is not seized again; its remaining margin absorbs the loss', () => {
    const m = at1850();
    m.run({ type: 'liquidate', account: 'alice', keeper: 'kim' }, 100);
    m.run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(1_400n) }, 105);
    const ctx = contextAt(m, 111);
    const t = synthetixTrigger(ctx, req);
    const out = synthetixExecution(ctx, req, synthetixSizing(ctx, req, t), t);
    // 7 of the 13 ETH at $1,400: 9,800 − 14,140 = −4,340; 2,789.8 left of the seized margin → 1,550.2 of bad debt.
    expect(out.detail).toMatchObject({
      flaggedNow: false,
      seizedMarginQuote: 0n,
      costQuote: d18(5n, 10n),
      badDebtQuote: d18(15_502n, 10n),
    });
    expect(out.shortfall).toBe(d18(15_502n, 10n));
    expect(out.events.filter((e) => e.type === 'Moved')).toEqual([]);
  });
});

describe('synthetixIncentive and synthetixLossWaterfall', () => {
  const detail = {
    flaggedNow: true,
    seizedMarginQuote: d18(3_979_8n, 10n),
    flagRewardQuote: d18(37n),
    costQuote: d18(11n, 10n),
    totalLiquidated: d18(7n),
    badDebtQuote: d18(12n),
  } as SynthetixExecutionDetail;
  const outcome: ExecutionOutcome<SynthetixExecutionDetail> = { events: [], shortfall: d18(12n), detail };
  test('default: the keeper reward from the LPs, bounded by the caps', () => {
    const ctx = contextAt(at1850(), 100);
    const moves = synthetixIncentive(ctx, req, outcome).filter((e) => e.type === 'Moved') as Moved[];
    expect(moves.map((x) => [x.from, x.to, x.amount])).toEqual([['acct:lp', 'wallet:kim', d18(381n, 10n)]]);
    // Nothing flagged or liquidated: no reward.
    expect(
      synthetixIncentive(ctx, req, {
        ...outcome,
        detail: { ...detail, flaggedNow: false, totalLiquidated: 0n },
      }),
    ).toEqual([]);
  });
  test('default: bad debt recorded as socialized claims against the LPs', () => {
    const ctx = contextAt(at1850(), 100);
    const events = synthetixLossWaterfall(ctx, req, outcome);
    const [m] = events.filter((e) => e.type === 'Moved') as Moved[];
    expect(m).toMatchObject({ asset: 'snxUSD.debt', from: 'mint', to: 'socialized', amount: d18(12n) });
    expect(synthetixLossWaterfall(ctx, req, { ...outcome, detail: { ...detail, badDebtQuote: 0n } })).toEqual(
      [],
    );
  });
});
