/**
 * The five GMX liquidation stages, each tested on its own (same market as model.test.ts: alice's
 * $10,000 long on 990 USDC at $2000; 0.1 % position fee, 0.2 % liquidation fee, 37 % receiver).
 */
import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import {
  GMX_LIQUIDATION_STAGES,
  gmxExecution,
  gmxIncentive,
  gmxLossWaterfall,
  gmxSizing,
  gmxTrigger,
} from './liquidation.js';
import { ethPrice, MARKET, pid, run, type S, usd, usdc, withAlice } from './testkit.js';

const NOW = 1_000;
const ALICE = pid('alice', 'USDC', true);
const request = { keeper: 'keeper', positionId: ALICE, nowSeconds: NOW };
const at = (dollars: bigint): S => run(withAlice(), ethPrice(dollars));
const movesIn = (events: readonly { readonly type: string }[]): Moved[] =>
  events.filter((e): e is Moved => e.type === 'Moved');

describe('gmxTrigger', () => {
  test('default: a position below the floor is triggered with GMX’s reason', () => {
    const t = gmxTrigger(at(1810n), request);
    expect(t.info).toMatchObject({
      liquidatable: true,
      reason: 'min collateral for leverage',
      remainingCollateralUsd: usd(30n),
      thresholdUsd: usd(50n),
      closingCostsUsd: usd(10n),
    });
  });

  test('error: healthy positions and non-keepers are refused', () => {
    expect(() => gmxTrigger(at(1820n), request)).toThrow(PositionNotLiquidatableError);
    expect(() => gmxTrigger(at(1810n), { ...request, keeper: 'mallory' })).toThrow(ProtocolRevertError);
  });
});

describe('gmxSizing', () => {
  test('default: always the whole position', () => {
    const s = at(1810n);
    expect(gmxSizing(s, request, gmxTrigger(s, request))).toBe(usd(10_000n));
  });
});

describe('gmxExecution', () => {
  test('default: the loss goes to the pool, the rest back to the trader; fees left for the incentive', () => {
    const s = at(1810n);
    const outcome = gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request));
    expect(outcome.shortfall).toBe(0n);
    expect(movesIn(outcome.events).map((m) => [m.from, m.to, m.amount, m.reason])).toEqual([
      [`acct:${ALICE}`, `pool:${MARKET}`, usdc(950n), 'pnl'],
      [`acct:${ALICE}`, 'wallet:alice', usdc(10n), 'closeCollateral'],
    ]);
    expect(outcome.detail.fees?.totalCostAmount).toBe(usdc(30n));
  });

  test('behavior: an insolvent close reports the unpaid cost as the shortfall', () => {
    const s = at(1700n);
    const outcome = gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request));
    expect(outcome.shortfall).toBe(usd(510n));
    expect(outcome.detail.fees).toBeNull();
    expect(movesIn(outcome.events).map((m) => m.amount)).toEqual([usdc(990n)]);
  });
});

describe('gmxIncentive', () => {
  test('default: liquidation fee 37 % to the fee receiver, the rest and the position fee split', () => {
    const s = at(1810n);
    const outcome = gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request));
    expect(movesIn(gmxIncentive(s, request, outcome)).map((m) => [m.to, m.amount, m.reason])).toEqual([
      ['protocol', 3_700_000n, 'positionFee'],
      [`pool:${MARKET}`, 6_300_000n, 'positionFee'],
      ['protocol', 7_400_000n, 'liquidationFee'],
      [`pool:${MARKET}`, 12_600_000n, 'liquidationFee'],
    ]);
  });

  test('behavior: nothing is paid when the close was insolvent', () => {
    const s = at(1700n);
    const outcome = gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request));
    expect(gmxIncentive(s, request, outcome)).toEqual([]);
  });
});

describe('gmxLossWaterfall', () => {
  test('default: a solvent liquidation leaves nothing to absorb', () => {
    const s = at(1810n);
    expect(
      gmxLossWaterfall(s, request, gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request))),
    ).toEqual([]);
  });

  test('behavior: the pool absorbs the unpaid loss (recorded, no token moves)', () => {
    const s = at(1700n);
    const events = gmxLossWaterfall(
      s,
      request,
      gmxExecution(s, request, usd(10_000n), gmxTrigger(s, request)),
    );
    expect(events).toEqual([
      {
        type: 'GmxInsolventClose',
        position: ALICE,
        market: MARKET,
        step: 'pnl',
        remainingCostUsd: usd(510n),
      },
    ]);
    expect(GMX_LIQUIDATION_STAGES.lossWaterfall).toBe(gmxLossWaterfall);
  });
});
