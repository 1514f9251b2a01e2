/**
 * End-to-end tests of the gmx-v2 model through createEngine/apply: liquidity, an increase, a price
 * move, the liquidation check and a liquidation with its fee split, a profitable close paid in the
 * PnL token, borrowing fees that make a position liquidatable over time, price impact and the
 * impact pool, the insolvent close absorbed by the pool (bad debt), ADL, and refusals by class.
 * Every expectation is derived by hand in the comments (ETH $2000 = 2e15 USD·1e30 per wei,
 * USDC $1 = 1e24 per unit).
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import {
  InsufficientBalanceError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { adlCandidates } from './adl.js';
import { accruedView } from './liquidation.js';
import { marketTokenSupply } from './liquidity.js';
import { poolValue } from './market.js';
import { gmxHealth, gmxV2Model } from './model.js';
import { DEFAULT_GMX_PARAMS } from './params.js';
import {
  bps,
  E18,
  engine,
  ethPrice,
  F,
  MARKET,
  open,
  pid,
  run,
  type S,
  setup,
  TEST_MARKET,
  TEST_PARAMS,
  usd,
  usdc,
  weth,
  withAlice,
} from './testkit.js';

const NOW = 1_000;
const bal = (s: S, bucket: string, asset: string): bigint => balanceOf(s.ledger, bucket, asset);
const ALICE = pid('alice', 'USDC', true);
const POOL = `pool:${MARKET}`;

function step(state: S, command: Command, now = NOW): S {
  const next = apply(engine, state, command, now).state;
  expect(engineViolations(gmxV2Model, next)).toEqual([]);
  return next;
}

/** Applies a command the model must refuse with ProtocolRevertError; returns GMX's reason. */
function revert(state: S, command: Command, now = NOW): string {
  try {
    apply(engine, state, command, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolRevertError);
    return (error as ProtocolRevertError).reason;
  }
  throw new Error(`${command.type} was not refused`);
}

const liquidate = (position = ALICE): Command => ({ type: 'liquidate', keeper: 'keeper', position });

describe('gmxV2Model: liquidity and increase', () => {
  test('default: deposits mint GM at the pool value; the increase pays its fee from collateral', () => {
    const s0 = setup();
    // 100 WETH at $2000 mints 200,000 GM (1 per USD); 200,000 USDC then mints 200,000 more
    expect(marketTokenSupply(s0, MARKET)).toBe(400_000n * E18);
    expect(bal(s0, 'wallet:lp', `GM:${MARKET}`)).toBe(400_000n * E18);
    const s = withAlice(s0);
    expect(engineViolations(gmxV2Model, s)).toEqual([]);
    const p = s.ext.positions.get(ALICE);
    // fee 0.1 % of $10,000 = 10 USDC: 3.7 to the fee receiver, 6.3 to the pool
    expect(p).toMatchObject({
      sizeInUsd: usd(10_000n),
      sizeInTokens: 5n * E18,
      collateralAmount: usdc(990n),
    });
    expect(bal(s, `acct:${ALICE}`, 'USDC')).toBe(usdc(990n));
    expect(bal(s, 'protocol', 'USDC')).toBe(3_700_000n);
    expect(bal(s, POOL, 'USDC')).toBe(usdc(200_000n) + 6_300_000n);
    expect(bal(s, 'wallet:alice', 'USDC')).toBe(0n);
    expect(s.ext.markets[MARKET]?.openInterestUsd.long).toBe(usd(10_000n));
    expect(s.ext.markets[MARKET]?.openInterestInTokens.long).toBe(5n * E18);
  });

  test('error: refusals by class (not configured, no funds, leverage, reserve, unknown position)', () => {
    const bare = run(engine.initial(), [{ type: 'listAsset', asset: 'USDC', decimals: 6 }]);
    expect(() =>
      apply(
        engine,
        bare,
        {
          type: 'increasePosition',
          account: 'a',
          market: MARKET,
          collateralToken: 'USDC',
          isLong: true,
          collateralAmount: 1,
          sizeDeltaUsd: 1,
        },
        NOW,
      ),
    ).toThrow(NotConfiguredError);
    const s = setup();
    const inc = (collateral: bigint, size: bigint, account = 'bob'): Command => ({
      type: 'increasePosition',
      account,
      market: MARKET,
      collateralToken: 'USDC',
      isLong: true,
      collateralAmount: collateral,
      sizeDeltaUsd: size,
    });
    // no wallet funds
    expect(() => apply(engine, s, inc(usdc(100n), usd(1000n)), NOW)).toThrow(InsufficientBalanceError);
    const funded = step(s, { type: 'fundWallet', actor: 'bob', asset: 'USDC', amount: usdc(100_000n) });
    // 100 USDC for $20,000: after the $20 fee, $80 < 1 % of $20,000 = $200
    expect(revert(funded, inc(usdc(100n), usd(20_000n)))).toBe('InsufficientCollateralUsd');
    // $5 of size is below MIN_POSITION_SIZE_USD $10
    expect(revert(funded, inc(usdc(100n), usd(5n)))).toBe('MinPositionSize');
    // long reserve: 200 % of 100 WETH·$2000 = $400,000; $450,000 more is too much
    expect(revert(funded, inc(usdc(100_000n), usd(450_000n)))).toBe('InsufficientReserve');
    expect(revert(funded, { ...inc(usdc(100n), usd(1000n)), collateralToken: 'ETH' })).toBe(
      'InvalidCollateralTokenForMarket',
    );
    expect(() => apply(engine, funded, liquidate('nobody:ETH-USD:USDC:long'), NOW)).toThrow(
      UnknownAccountError,
    );
    expect(() => apply(engine, funded, { ...inc(0n, 0n) }, NOW)).toThrow(InvalidParameterError);
  });
});

describe('gmxV2Model: liquidation', () => {
  test('default: at $1810 the position is liquidated; fees split, the rest returned to the trader', () => {
    const atRisk = run(withAlice(), ethPrice(1820n));
    // $990 − $900 loss − $10 closing fee = $80 ≥ 0.5 % of $10,000 = $50: safe
    expect(gmxHealth(atRisk, ALICE, NOW)).toMatchObject({
      liquidatable: false,
      healthWad: (80n * E18) / 50n,
    });
    expect(() => apply(engine, atRisk, liquidate(), NOW)).toThrow(PositionNotLiquidatableError);
    const s = run(atRisk, ethPrice(1810n));
    // $990 − $950 − $10 = $30 < $50 → "min collateral for leverage"
    const health = gmxHealth(s, ALICE, NOW);
    expect(health.liquidatable).toBe(true);
    expect(health.healthWad).toBe((30n * E18) / 50n);
    const after = step(s, liquidate());
    // loss 950 USDC to the pool; fees 10 (position) + 20 (liquidation, 0.2 % of $10,000):
    // receiver 3.7 + 7.4 = 11.1, pool 6.3 + 12.6 = 18.9; 990 − 950 − 30 = 10 USDC back to alice
    expect(after.ext.positions.get(ALICE)).toBeUndefined();
    expect(bal(after, 'wallet:alice', 'USDC')).toBe(usdc(10n));
    expect(bal(after, 'protocol', 'USDC')).toBe(3_700_000n + 11_100_000n);
    expect(bal(after, POOL, 'USDC')).toBe(usdc(200_000n) + 6_300_000n + usdc(950n) + 18_900_000n);
    expect(bal(after, `acct:${ALICE}`, 'USDC')).toBe(0n);
    expect(after.ext.markets[MARKET]?.openInterestUsd.long).toBe(0n);
    expect(after.ext.markets[MARKET]?.insolventCloseUsd).toBe(0n);
    const record = apply(engine, s, liquidate(), NOW).events.find(
      (e) => e.event.type === 'GmxPositionLiquidated',
    );
    expect(record?.event).toMatchObject({
      reason: 'min collateral for leverage',
      remainingCollateralUsd: usd(30n),
      liquidationFeeAmount: usdc(20n),
      liquidationFeeAmountForFeeReceiver: 7_400_000n,
      basePnlUsd: -usd(950n),
    });
  });

  test('behavior: the liquidation fee stays out of the check; only a keeper may liquidate', () => {
    const s = run(withAlice(), ethPrice(1810n));
    expect(revert(s, { type: 'liquidate', keeper: 'alice', position: ALICE })).toBe('Unauthorized');
    // at $1815: $990 − $925 − $10 = $55 ≥ $50, although the $20 liquidation fee would take it below
    expect(gmxHealth(run(withAlice(), ethPrice(1815n)), ALICE, NOW).liquidatable).toBe(false);
  });

  test('behavior: borrowing fees accrue with time until the position is liquidatable', () => {
    const params = {
      ...TEST_PARAMS,
      markets: [{ ...TEST_MARKET, borrowingFactor: { long: bps(1n) / 1000n, short: 0n } }],
    };
    // 1e-7 per second at full utilisation; reserved $10,000 of a $200,000 long pool = 5 %:
    // 5e-9 per second; after 1,000,000 s the cumulative factor is 0.005 → fee 0.5 % of $10,000 = $50
    const s = run(withAlice(setup(params)), ethPrice(1820n));
    expect(gmxHealth(s, ALICE, NOW).liquidatable).toBe(false);
    const later = NOW + 1_000_000;
    const aged = run(s, [...ethPrice(1820n)], later);
    // at $1820 the ratio is unchanged (reserve and pool are both in ETH): $80 − $50 = $30 < $50
    const health = gmxHealth(aged, ALICE, later);
    expect(health.liquidatable).toBe(true);
    expect(health.healthWad).toBe((30n * E18) / 50n);
    const after = step(aged, liquidate(), later);
    // costs: loss 900, fees 10 + 50 (borrowing) + 20: receiver 3.7 + 18.5 + 7.4; back 990 − 980 = 10
    expect(bal(after, 'wallet:alice', 'USDC')).toBe(usdc(10n));
    expect(bal(after, 'protocol', 'USDC')).toBe(3_700_000n + 3_700_000n + 18_500_000n + 7_400_000n);
    expect(after.ext.markets[MARKET]?.cumulativeBorrowingFactor.long).toBe(F / 200n);
  });

  test('behavior: bad debt — an insolvent liquidation is absorbed by the pool (LPs)', () => {
    const s = run(withAlice(), ethPrice(1700n));
    const view = accruedView(s, TEST_PARAMS, MARKET, NOW);
    const valueBefore = poolValue(TEST_PARAMS, view, 'withdrawals');
    // $990 − $1500 − $10 = −$520 < MIN_COLLATERAL_USD
    expect(gmxHealth(s, ALICE, NOW)).toMatchObject({ liquidatable: true, healthWad: 0n });
    const result = apply(engine, s, liquidate(), NOW);
    const after = result.state;
    expect(engineViolations(gmxV2Model, after)).toEqual([]);
    // the loss is $1500; only the 990 USDC collateral exists: the pool receives it all, fees are
    // not charged, alice gets nothing, and $510 is the LPs' loss
    expect(bal(after, POOL, 'USDC')).toBe(usdc(200_000n) + 6_300_000n + usdc(990n));
    expect(bal(after, 'protocol', 'USDC')).toBe(3_700_000n);
    expect(bal(after, 'wallet:alice', 'USDC')).toBe(0n);
    expect(after.ext.markets[MARKET]?.insolventCloseUsd).toBe(usd(510n));
    const insolvent = result.events.find((e) => e.event.type === 'GmxInsolventClose')?.event;
    expect(insolvent).toMatchObject({ step: 'pnl', remainingCostUsd: usd(510n), position: ALICE });
    // the pool value rises by what it received (990) minus the position's counted PnL (1500):
    // from its value with alice's full loss counted, the LPs lose exactly the $510 unpaid
    const valueAfter = poolValue(TEST_PARAMS, accruedView(after, TEST_PARAMS, MARKET, NOW), 'withdrawals');
    expect(valueAfter - valueBefore).toBe(-usd(510n));
  });
});

describe('gmxV2Model: decreases', () => {
  test('default: a profitable close pays the profit in the PnL token (WETH) and returns the collateral', () => {
    const s = run(withAlice(), ethPrice(2200n));
    const after = step(s, {
      type: 'decreasePosition',
      account: 'alice',
      market: MARKET,
      collateralToken: 'USDC',
      isLong: true,
      sizeDeltaUsd: usd(10_000n),
    });
    // profit 5·2200 − 10,000 = $1000 = floor(1e33 / 2.2e15) wei; fee 10 USDC; 980 USDC back
    const profit = usd(1000n) / (22n * 10n ** 14n);
    expect(profit).toBe(454_545_454_545_454_545n);
    expect(bal(after, 'wallet:alice', 'WETH')).toBe(profit);
    expect(bal(after, 'wallet:alice', 'USDC')).toBe(usdc(980n));
    expect(bal(after, POOL, 'WETH')).toBe(weth(100n) - profit);
    expect(after.ext.positions.get(ALICE)).toBeUndefined();
  });

  test('behavior: a partial close keeps collateral; a withdrawal that breaks the floor is refused', () => {
    const s = withAlice();
    const dec = (size: bigint, collateral: bigint): Command => ({
      type: 'decreasePosition',
      position: ALICE,
      sizeDeltaUsd: size,
      collateralDeltaAmount: collateral,
    });
    const half = step(s, dec(usd(5000n), usdc(100n)));
    // fee 5 USDC, 100 withdrawn: 990 − 5 − 100 = 885 left
    expect(half.ext.positions.get(ALICE)).toMatchObject({
      sizeInUsd: usd(5000n),
      sizeInTokens: 25n * 10n ** 17n,
      collateralAmount: usdc(885n),
    });
    expect(bal(half, 'wallet:alice', 'USDC')).toBe(usdc(100n));
    // withdrawing 950 of 990 leaves $40 < 1 % of $10,000
    expect(revert(s, dec(0n, usdc(950n)))).toBe('UnableToWithdrawCollateral');
    // closing all but $5 (< MIN_POSITION_SIZE_USD) closes everything
    const closed = step(s, dec(usd(9995n), 0n));
    expect(closed.ext.positions.get(ALICE)).toBeUndefined();
    // a trader cannot close insolvently: at $1700 the $1500 loss exceeds the collateral
    expect(revert(run(s, ethPrice(1700n)), dec(usd(10_000n), 0n))).toBe('InsufficientFundsToPayForCosts');
  });

  test('behavior: price impact shrinks the tokens bought and fills the impact pool', () => {
    const params = {
      ...TEST_PARAMS,
      markets: [
        {
          ...TEST_MARKET,
          negativePositionImpactFactor: 10n ** 23n,
          positivePositionImpactFactor: 5n * 10n ** 22n,
        },
      ],
    };
    const s = withAlice(setup(params));
    // 1e-7 · 10,000² = $10 → 10/2000 = 0.005 ETH less: 4.995 ETH; the impact pool holds 0.005 ETH
    expect(s.ext.positions.get(ALICE)?.sizeInTokens).toBe(4_995n * 10n ** 15n);
    expect(s.ext.markets[MARKET]?.positionImpactPoolAmount).toBe(5n * 10n ** 15n);
    const after = step(s, { type: 'decreasePosition', position: ALICE, sizeDeltaUsd: usd(10_000n) });
    // closing improves the balance: +0.5e-7 · 10,000² = $5 (under the $10 pool, $50 cap) paid as
    // 0.0025 WETH; PnL −$10; fee 10 → 990 − 10 − 10 = 970 USDC back
    expect(bal(after, 'wallet:alice', 'WETH')).toBe(25n * 10n ** 14n);
    expect(bal(after, 'wallet:alice', 'USDC')).toBe(usdc(970n));
    expect(after.ext.markets[MARKET]?.positionImpactPoolAmount).toBe(25n * 10n ** 14n);
  });
});

describe('gmxV2Model: ADL', () => {
  /** A 4 WETH long pool: alice's $10k long at $4000 is +$10,000 on $16,000 = 62.5 % > 50 %. */
  function adlMarket(): S {
    const s = withAlice(setup(TEST_PARAMS, { weth: weth(4n), usdc: usdc(100_000n) }));
    return run(s, ethPrice(4000n));
  }
  const adl = (size: bigint, position = ALICE): Command => ({
    type: 'executeAdl',
    keeper: 'adl',
    position,
    sizeDeltaUsd: size,
  });
  const flag: Command = { type: 'updateAdlState', keeper: 'adl', market: MARKET, isLong: true };

  test('default: the keeper flags the side, then halves alice; the factor falls to 45.45 %', () => {
    const s = adlMarket();
    expect(revert(s, adl(usd(5000n)))).toBe('AdlNotEnabled');
    const flagged = step(s, flag);
    expect(flagged.ext.markets[MARKET]?.adlEnabled.long).toBe(true);
    expect(adlCandidates(flagged, MARKET, true, NOW)).toEqual([ALICE]);
    const result = apply(engine, flagged, adl(usd(5000n)), NOW);
    expect(engineViolations(gmxV2Model, result.state)).toEqual([]);
    // 2.5 ETH realised at $4000: +$5000 = 1.25 WETH from the pool; fee $5 from collateral
    expect(bal(result.state, 'wallet:alice', 'WETH')).toBe(125n * 10n ** 16n);
    expect(result.state.ext.positions.get(ALICE)).toMatchObject({
      sizeInUsd: usd(5000n),
      collateralAmount: usdc(985n),
    });
    const record = result.events.find((e) => e.event.type === 'GmxAdlExecuted')?.event;
    // before 10,000/16,000 = 0.625; after 5,000/(2.75·4000 = 11,000) = 0.4545…
    expect(record).toMatchObject({ pnlToPoolFactor: (F * 5n) / 8n, nextPnlToPoolFactor: (F * 5n) / 11n });
  });

  test('error: ADL that overcorrects, does not lower the factor, or is not required', () => {
    const flagged = step(adlMarket(), flag);
    // closing everything leaves a factor of 0 < MIN_PNL_FACTOR_AFTER_ADL 40 %
    expect(revert(flagged, adl(usd(10_000n)))).toBe('PnlOvercorrected');
    // bob's long opened at $4000 has no PnL: reducing it leaves the factor unchanged
    const withBob = open(flagged, {
      account: 'bob',
      isLong: true,
      token: 'USDC',
      collateral: usdc(1000n),
      sizeUsd: usd(4000n),
    });
    expect(revert(withBob, adl(usd(2000n), pid('bob', 'USDC', true)))).toBe('InvalidAdl');
    // at $3000: 5,000 / 12,000 = 41.7 % ≤ 50 %
    expect(revert(run(flagged, ethPrice(3000n)), adl(usd(5000n)))).toBe('AdlNotRequired');
    expect(revert(flagged, { ...adl(usd(5000n)), keeper: 'keeper' })).toBe('Unauthorized');
    expect(revert(flagged, adl(usd(20_000n)))).toBe('InvalidSizeDeltaForAdl');
    // a flag newer than the oracle price: the price must be refreshed first
    expect(revert(step(flagged, flag, NOW + 10), adl(usd(5000n)), NOW + 10)).toBe(
      'OracleTimestampsAreSmallerThanRequired',
    );
  });
});

describe('gmxV2Model: withdrawals and configuration', () => {
  test('default: a withdrawal pays both pool tokens pro rata; reserve and PnL guards refuse', () => {
    const s = setup();
    const after = step(s, { type: 'withdrawLiquidity', lp: 'lp', market: MARKET, amount: 100_000n * E18 });
    // 100,000 GM of 400,000 = $100,000 of a $400,000 pool: half WETH, half USDC
    expect(bal(after, 'wallet:lp', 'WETH')).toBe(weth(25n));
    expect(bal(after, 'wallet:lp', 'USDC')).toBe(usdc(50_000n));
    // with alice's $10,000 long, the long reserve (200 %) needs $5,000 of WETH: taking 399,000 GM
    // leaves 0.25 WETH ($500)
    const busy = withAlice(s);
    expect(
      revert(busy, { type: 'withdrawLiquidity', lp: 'lp', market: MARKET, amount: 399_000n * E18 }),
    ).toBe('InsufficientReserve');
  });

  test('error: configure validates parameters and listed tokens', () => {
    const listed = run(engine.initial(), [{ type: 'listAsset', asset: 'USDC', decimals: 6 }]);
    expect(() => apply(engine, listed, { type: 'configure', params: DEFAULT_GMX_PARAMS }, NOW)).toThrow(
      InvalidParameterError,
    );
    expect(() => apply(engine, setup(), { type: 'configure', params: TEST_PARAMS }, NOW)).toThrow(
      ProtocolRevertError,
    );
  });
});
