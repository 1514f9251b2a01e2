/**
 * End-to-end tests of the Aave v3 models through createEngine + apply: positions are opened,
 * prices move, liquidators act, and every balance is checked to the wei against amounts derived by
 * hand in the comments (WETH 18 decimals, USDC 6, prices USD·1e8, DEFAULT_AAVE_PARAMS: WETH
 * LT 82.5 % / LTV 80 % / bonus 105 % / fee 10 % of the bonus).
 */
import { describe, expect, test } from 'vitest';
import { balance, debtClaimAsset } from '../../engine/engine.js';
import {
  CircuitBreakerError,
  InsufficientBalanceError,
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
  UnknownAssetError,
} from '../../engine/errors.js';
import { stateHash } from '../../engine/machine.js';
import { aaveProtocols } from './index.js';
import { aaveV33Model, aaveV35Model, aaveV37Model, createAaveModel } from './model.js';
import { DEFAULT_AAVE_PARAMS } from './params.js';
import { Market, testMarket, units } from './testkit.js';

const E8 = 10n ** 8n;
const E18 = 10n ** 18n;
const USDC = (n: bigint) => units('USDC', n);
const WETH = (n: bigint) => units('WETH', n);
const MODELS = [aaveV33Model, aaveV35Model, aaveV37Model] as const;
const START_LIQUIDATOR_USDC = USDC(1_000_000n);
const START_POOL_USDC = USDC(1_000_000n);

function liquidate(
  m: Market,
  account: string,
  debtToCover: bigint | 'max',
  at: number,
  liquidator = 'liquidator',
) {
  return m.run(
    { type: 'liquidationCall', account, liquidator, collateralAsset: 'WETH', debtAsset: 'USDC', debtToCover },
    at,
  );
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

/** Alice: 5 WETH at $2,000, 8,000 USDC borrowed, then WETH at $1,900 (HF 0.9796875). */
function aliceAt1900(model: (typeof MODELS)[number]): Market {
  const m = testMarket(model);
  m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
  m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
  return m.price('WETH', 1_900n * E8, 30);
}

describe('aaveProtocols', () => {
  test('default: three models sharing one implementation', () => {
    expect(aaveProtocols.map((m) => m.id)).toEqual(['aave-v3.3', 'aave-v3.5', 'aave-v3.7']);
    expect(createAaveModel('3.5').commands).toEqual(aaveV35Model.commands);
    expect(aaveV33Model.commands).toContain('liquidationCall');
    expect(aaveV33Model.liquidationTarget({ type: 'liquidationCall', account: 'alice' })).toBe('alice');
    expect(aaveV33Model.liquidationTarget({ type: 'borrow', account: 'alice' })).toBeUndefined();
  });
});

describe('liquidationCall end to end', () => {
  test('default: 50 % close factor on a position above $2,000 with HF in (0.95, 1)', () => {
    for (const model of MODELS) {
      const m = aliceAt1900(model);
      // HF = percentMul(9,500e8, 8250) / 8,000e8 = 0.9796875 (v3.5+: same, exact).
      expect(model.health(m.state, 'alice', 30)).toEqual({
        accountId: 'alice',
        healthWad: 979_687_500_000_000_000n,
        liquidatable: true,
        collateralValueWad: 9_500n * E18,
        debtValueWad: 8_000n * E18,
      });
      liquidate(m, 'alice', 'max', 40);
      // Close factor: half of the $8,000 total = $4,000 → 4,000 USDC repaid.
      // Seized: 4,000/1,900 ETH = 2.105263157894736842 × 1.05 → 2.210526315789473684 (see math.test.ts).
      const seized = 2_210_526_315_789_473_684n;
      const fee = model === aaveV37Model ? 10_526_315_789_473_685n : 10_526_315_789_473_684n;
      expect(balance(m.state, 'wallet:liquidator', 'USDC')).toBe(START_LIQUIDATOR_USDC - USDC(4_000n));
      expect(balance(m.state, 'wallet:liquidator', 'WETH')).toBe(WETH(1_000_000n) + seized - fee);
      expect(balance(m.state, 'protocol', 'WETH')).toBe(fee);
      expect(balance(m.state, 'acct:alice', 'WETH')).toBe(WETH(5n) - seized);
      expect(balance(m.state, 'debt:alice', debtClaimAsset('USDC'))).toBe(USDC(4_000n));
      expect(balance(m.state, 'pool', 'USDC')).toBe(START_POOL_USDC - USDC(8_000n) + USDC(4_000n));
      expect(balance(m.state, 'wallet:alice', 'USDC')).toBe(USDC(8_000n));
      expect(balance(m.state, 'deficit', debtClaimAsset('USDC'))).toBe(0n);
      // Left: 2.789473684210526316 ETH × 1,900 = $5,300 against $4,000: HF 1.093125, healthy.
      expect(model.health(m.state, 'alice', 40)).toMatchObject({
        healthWad: 1_093_125_000_000_000_000n,
        liquidatable: false,
      });
      expect(m.state.ext.liquidationCount).toBe(1);
    }
  });

  test('behavior: v3.7 rounding moves 1 wei from the liquidator to the treasury, end to end', () => {
    const v33 = aliceAt1900(aaveV33Model);
    const v37 = aliceAt1900(aaveV37Model);
    liquidate(v33, 'alice', 'max', 40);
    liquidate(v37, 'alice', 'max', 40);
    const gain = (m: Market) => balance(m.state, 'wallet:liquidator', 'WETH') - WETH(1_000_000n);
    expect(gain(v33)).toBe(2_200_000_000_000_000_000n);
    expect(gain(v37)).toBe(2_199_999_999_999_999_999n);
    expect(balance(v37.state, 'protocol', 'WETH') - balance(v33.state, 'protocol', 'WETH')).toBe(1n);
    // The borrower keeps the same collateral: the wei only changes hands between liquidator and treasury.
    expect(balance(v37.state, 'acct:alice', 'WETH')).toBe(balance(v33.state, 'acct:alice', 'WETH'));
  });

  test('behavior: 100 % close factor under $2,000 even with HF 0.99 (vector 18 end to end)', () => {
    for (const model of MODELS) {
      const m = testMarket(model);
      m.run({ type: 'deposit', account: 'bob', asset: 'WETH', amount: WETH(1n) }, 10);
      m.run({ type: 'borrow', account: 'bob', asset: 'USDC', amount: USDC(1_500n) }, 20);
      m.price('WETH', 1_800n * E8, 30);
      // HF = 1,800 × 0.825 / 1,500 = 0.99; collateral $1,800 < $2,000 → the whole 1,500 USDC.
      expect(model.health(m.state, 'bob', 30).healthWad).toBe(990_000_000_000_000_000n);
      const events = liquidate(m, 'bob', 'max', 40);
      // 1,500/1,800 ETH = 0.833333333333333333 × 1.05 = 0.87499999999999999965: half-up 0.875, floor (3.7) …999.
      // Fee, 10 % of the bonus: 3.3/3.5: 0.875/1.05 → …333 (half-up) → bonus 0.041666666666666667 → fee …667;
      // 3.7: 0.874999999999999999/1.05 = 0.83333333333333333238 → …332 (floor) → bonus …667 → fee ceil …666.7 → …667.
      const seized = model === aaveV37Model ? 874_999_999_999_999_999n : 875_000_000_000_000_000n;
      expect(events.find((e) => e.type === 'AaveLiquidationCall')).toMatchObject({
        debtToCover: USDC(1_500n),
        liquidatedCollateralAmount: seized - 4_166_666_666_666_667n,
        protocolFee: 4_166_666_666_666_667n,
        closeFactor: 'full',
        hasNoCollateralLeft: false,
      });
      expect(balance(m.state, 'debt:bob', debtClaimAsset('USDC'))).toBe(0n);
      expect(balance(m.state, 'acct:bob', 'WETH')).toBe(WETH(1n) - seized);
    }
  });

  test('behavior: leaving under $1,000 reverts MUST_NOT_LEAVE_DUST with the leftovers, and changes nothing', () => {
    for (const model of MODELS) {
      const m = testMarket(model);
      m.price('WETH', 2_800n * E8, 5);
      m.run({ type: 'deposit', account: 'carol', asset: 'WETH', amount: WETH(1n) }, 10);
      m.run({ type: 'borrow', account: 'carol', asset: 'USDC', amount: USDC(2_100n) }, 20);
      m.price('WETH', 2_200n * E8, 30);
      const before = stateHash(m.state);
      // Vector 19: 1,200 of 2,100 USDC leaves $900 of debt and $940 of collateral.
      const error = thrown(() => liquidate(m, 'carol', USDC(1_200n), 40));
      expect(error).toBeInstanceOf(ProtocolRevertError);
      expect((error as ProtocolRevertError).reason).toBe('MUST_NOT_LEAVE_DUST');
      expect((error as ProtocolRevertError).computed).toMatchObject({
        leftoverDebtBase: '90000000000',
        leftoverCollateralBase: '94000000000',
        debtToRepay: '1200000000',
      });
      expect(stateHash(m.state)).toBe(before);
    }
  });

  test('behavior: bad debt — every debt left without collateral goes to its reserve deficit', () => {
    for (const model of MODELS) {
      const m = testMarket(model);
      m.run({ type: 'deposit', account: 'dave', asset: 'WETH', amount: WETH(1n) }, 10);
      m.run({ type: 'borrow', account: 'dave', asset: 'USDC', amount: USDC(1_200n) }, 20);
      m.run({ type: 'borrow', account: 'dave', asset: 'WBTC', amount: 100_000n }, 21); // 0.001 WBTC = $60
      m.price('WETH', 1_000n * E8, 30);
      liquidate(m, 'dave', 'max', 40);
      // The whole 1 WETH is worth $1,000: debt repaid = 1,000 USDC ÷ 1.05 = 952.380952… USDC,
      // half-up 952,380,952 in v3.3, ceil 952,380,953 from v3.5; the rest becomes deficit.
      const repaid = model === aaveV33Model ? 952_380_952n : 952_380_953n;
      expect(balance(m.state, 'acct:dave', 'WETH')).toBe(0n);
      expect(balance(m.state, 'protocol', 'WETH')).toBe(4_761_904_761_904_762n);
      expect(balance(m.state, 'wallet:liquidator', 'WETH') - WETH(1_000_000n)).toBe(995_238_095_238_095_238n);
      expect(balance(m.state, 'debt:dave', debtClaimAsset('USDC'))).toBe(0n);
      expect(balance(m.state, 'debt:dave', debtClaimAsset('WBTC'))).toBe(0n);
      expect(balance(m.state, 'deficit', debtClaimAsset('USDC'))).toBe(USDC(1_200n) - repaid);
      expect(balance(m.state, 'deficit', debtClaimAsset('WBTC'))).toBe(100_000n);
      expect(m.state.ext.reserves.USDC?.deficit).toBe(USDC(1_200n) - repaid);
      expect(m.state.ext.reserves.WBTC?.deficit).toBe(100_000n);
      for (const check of model.invariants(m.state)) expect(check).toMatchObject({ holds: true });

      // Umbrella (the insurance fund) eliminates the USDC deficit; asking for more is capped at it.
      const deficit = USDC(1_200n) - repaid;
      m.run({ type: 'fundInsurance', asset: 'USDC', amount: USDC(1_000n) }, 50);
      const poolBefore = balance(m.state, 'pool', 'USDC');
      m.run({ type: 'eliminateReserveDeficit', asset: 'USDC', amount: USDC(1_000n) }, 60);
      expect(balance(m.state, 'deficit', debtClaimAsset('USDC'))).toBe(0n);
      expect(m.state.ext.reserves.USDC?.deficit).toBe(0n);
      expect(balance(m.state, 'insurance', 'USDC')).toBe(USDC(1_000n) - deficit);
      expect(balance(m.state, 'pool', 'USDC')).toBe(poolBefore + deficit);
      expect(() => m.run({ type: 'eliminateReserveDeficit', asset: 'USDC', amount: 1n }, 70)).toThrow(
        ProtocolRevertError,
      );
      // The WBTC deficit needs WBTC in the insurance fund.
      expect(() => m.run({ type: 'eliminateReserveDeficit', asset: 'WBTC', amount: 1n }, 70)).toThrow(
        InsufficientBalanceError,
      );
    }
  });

  test('behavior: an eMode category raising LT makes the position healthy', () => {
    for (const model of MODELS) {
      const m = testMarket(model);
      m.run({ type: 'deposit', account: 'erin', asset: 'wstETH', amount: WETH(1n) }, 10);
      // 0.9 WETH = $1,800 against $2,300 of wstETH at LTV 78.5 %: needs $2,292.99 ≤ $2,300.
      m.run({ type: 'borrow', account: 'erin', asset: 'WETH', amount: 900_000_000_000_000_000n }, 20);
      m.price('wstETH', 2_150n * E8, 30);
      // Outside eMode: HF = 2,150 × 0.81 / 1,800 = 0.9675 → liquidatable.
      expect(model.health(m.state, 'erin', 30)).toMatchObject({
        healthWad: 967_500_000_000_000_000n,
        liquidatable: true,
      });
      m.run({ type: 'setUserEMode', account: 'erin', categoryId: 1 }, 40);
      // ETH-correlated eMode LT 95 %: HF = 2,150 × 0.95 / 1,800 = 1.1347222222222222222… → …222.
      expect(model.health(m.state, 'erin', 40)).toMatchObject({
        healthWad: 1_134_722_222_222_222_222n,
        liquidatable: false,
      });
      expect(() =>
        m.run(
          {
            type: 'liquidationCall',
            account: 'erin',
            liquidator: 'liquidator',
            collateralAsset: 'wstETH',
            debtAsset: 'WETH',
            debtToCover: 'max',
          },
          50,
        ),
      ).toThrow(PositionNotLiquidatableError);
    }
  });

  test('behavior: the eMode bonus replaces the reserve bonus', () => {
    const m = testMarket(aaveV33Model);
    m.run({ type: 'setUserEMode', account: 'fay', categoryId: 1 }, 5);
    m.run({ type: 'deposit', account: 'fay', asset: 'wstETH', amount: WETH(10n) }, 10);
    m.run({ type: 'borrow', account: 'fay', asset: 'WETH', amount: WETH(10n) }, 20); // $20,000 of $23,000 at LTV 93 %
    m.price('wstETH', 2_100n * E8, 30); // HF = 21,000 × 0.95 / 20,000 = 0.9975
    m.run(
      {
        type: 'liquidationCall',
        account: 'fay',
        liquidator: 'liquidator',
        collateralAsset: 'wstETH',
        debtAsset: 'WETH',
        debtToCover: WETH(1n),
      },
      40,
    );
    // 1 WETH = $2,000 → 2,000/2,100 wstETH = 0.952380952380952380 × 1.01 = 0.961904761904761903.8 → …904 (half-up).
    // Fee (wstETH reserve 10 %): 0.961904761904761904 / 1.01 = 0.952380952380952380.2 → …380; bonus 0.009523809523809524;
    // fee 0.0009523809523809524 → …952; liquidator 0.961904761904761904 − 0.000952380952380952.
    expect(balance(m.state, 'wallet:liquidator', 'wstETH') - WETH(1_000_000n)).toBe(960_952_380_952_380_952n);
    expect(balance(m.state, 'protocol', 'wstETH')).toBe(952_380_952_380_952n);
  });

  test('behavior: during the oracle outage grace period only HF < 0.95 is liquidatable (3.3–3.6), any HF < 1 in 3.7', () => {
    // WETH's feed goes stale after 300 s; recovery at 400 starts a 600 s grace period (to 1,000 inclusive).
    const grace = { WETH: { staleAfterSeconds: 300, outageGraceSeconds: 600 } };
    for (const model of MODELS) {
      const m = testMarket(model, grace);
      m.price('WETH', 2_000n * E8, 10);
      m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
      m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
      m.price('WETH', 1_900n * E8, 400); // recovery: HF 0.9796875 ≥ 0.95
      const attempt = () => liquidate(m, 'alice', USDC(100n), 500);
      if (model === aaveV37Model) {
        attempt();
        expect(balance(m.state, 'debt:alice', debtClaimAsset('USDC'))).toBe(USDC(7_900n));
        continue;
      }
      expect(attempt).toThrow(CircuitBreakerError);
      // Borrowing is refused during the grace period too.
      expect(() => m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: 1n }, 500)).toThrow(
        CircuitBreakerError,
      );
      // HF below 0.95 is allowed: at $1,800, HF = 9,000 × 0.825 / 8,000 = 0.928125.
      m.price('WETH', 1_800n * E8, 600);
      liquidate(m, 'alice', USDC(100n), 600);
      m.price('WETH', 1_900n * E8, 900);
      // After the grace period (1,001) an HF of 0.98 is liquidatable again.
      liquidate(m, 'alice', USDC(100n), 1_001);
      expect(balance(m.state, 'debt:alice', debtClaimAsset('USDC'))).toBe(USDC(7_800n));
    }
  });

  test('behavior: a reserve liquidation grace period blocks until it has strictly passed', () => {
    const m = aliceAt1900(aaveV35Model);
    m.run({ type: 'setReserveGracePeriod', asset: 'USDC', gracePeriodSeconds: 3_600 }, 100); // until 3,700
    const error = thrown(() => liquidate(m, 'alice', USDC(100n), 3_700));
    expect(error).toBeInstanceOf(ProtocolRevertError);
    expect((error as ProtocolRevertError).reason).toBe('LIQUIDATION_GRACE_SENTINEL_CHECK_FAILED');
    liquidate(m, 'alice', USDC(100n), 3_701);
    expect(m.state.ext.reserves.USDC?.liquidationGracePeriodUntil).toBe(3_700);
  });

  test('behavior: self-liquidation is allowed in 3.3 and refused from 3.4 on', () => {
    const v33 = aliceAt1900(aaveV33Model);
    liquidate(v33, 'alice', USDC(100n), 40, 'alice'); // pays from the borrowed USDC in wallet:alice
    expect(balance(v33.state, 'debt:alice', debtClaimAsset('USDC'))).toBe(USDC(7_900n));
    const v35 = aliceAt1900(aaveV35Model);
    const error = thrown(() => liquidate(v35, 'alice', USDC(100n), 40, 'alice'));
    expect((error as ProtocolRevertError).reason).toBe('SELF_LIQUIDATION');
  });

  test('error: a healthy position is refused (HF exactly 1 included)', () => {
    for (const model of MODELS) {
      const m = testMarket(model);
      m.price('WETH', 2_200n * E8, 5);
      m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
      m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_250n) }, 20); // LTV allows $8,800
      expect(() => liquidate(m, 'alice', 'max', 30)).toThrow(PositionNotLiquidatableError);
      // At $2,000: HF = 10,000 × 0.825 / 8,250 = 1 exactly, which is not below 1.
      m.price('WETH', 2_000n * E8, 40);
      expect(model.health(m.state, 'alice', 40)).toMatchObject({ healthWad: E18, liquidatable: false });
      expect(() => liquidate(m, 'alice', 'max', 40)).toThrow(PositionNotLiquidatableError);
      // One dollar less of WETH price tips it over.
      m.price('WETH', 1_999n * E8, 50);
      expect(model.health(m.state, 'alice', 50).liquidatable).toBe(true);
    }
  });

  test('error: wrong pair, unknown account, zero collateral, receiveAToken', () => {
    const m = aliceAt1900(aaveV33Model);
    const call = (patch: Record<string, unknown>) =>
      m.run(
        {
          type: 'liquidationCall',
          account: 'alice',
          liquidator: 'liquidator',
          collateralAsset: 'WETH',
          debtAsset: 'USDC',
          debtToCover: 'max',
          ...patch,
        },
        40,
      );
    expect(() => call({ account: 'nobody' })).toThrow(UnknownAccountError);
    expect(() => call({ debtAsset: 'DAI' })).toThrow(UnknownAssetError);
    expect((thrown(() => call({ debtAsset: 'WBTC' })) as ProtocolRevertError).reason).toBe(
      'SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER',
    );
    expect((thrown(() => call({ collateralAsset: 'USDC' })) as ProtocolRevertError).reason).toBe(
      'COLLATERAL_CANNOT_BE_LIQUIDATED',
    );
    expect(() => call({ receiveAToken: true })).toThrow(InvalidParameterError);
    expect(() => call({ debtToCover: 0 })).toThrow(InvalidParameterError);
    // A liquidator without USDC cannot pay: the engine refuses the whole call.
    expect(() => call({ liquidator: 'pauper' })).toThrow(InsufficientBalanceError);
  });
});

describe('pool commands', () => {
  test('default: deposit, borrow, repay, withdraw move tokens and claims', () => {
    const m = testMarket(aaveV35Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(2n) }, 10);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(1_000n) }, 20);
    expect(balance(m.state, 'wallet:alice', 'USDC')).toBe(USDC(1_000n));
    expect(balance(m.state, 'debt:alice', 'USDC.debt')).toBe(USDC(1_000n));
    expect(balance(m.state, 'mint', 'USDC.debt')).toBe(-USDC(1_000n));
    m.run({ type: 'repay', account: 'alice', asset: 'USDC', amount: USDC(400n) }, 30);
    expect(balance(m.state, 'debt:alice', 'USDC.debt')).toBe(USDC(600n));
    m.run({ type: 'repay', account: 'alice', asset: 'USDC', amount: 'max' }, 40);
    expect(balance(m.state, 'debt:alice', 'USDC.debt')).toBe(0n);
    m.run({ type: 'withdraw', account: 'alice', asset: 'WETH', amount: 'max' }, 50);
    expect(balance(m.state, 'acct:alice', 'WETH')).toBe(0n);
    expect(balance(m.state, 'pool', 'USDC')).toBe(START_POOL_USDC);
    expect(aaveV35Model.accountIds(m.state)).toEqual(['alice']);
  });

  test('behavior: borrowing stops at the LTV (collateral needed = debt ÷% avg LTV)', () => {
    const m = testMarket(aaveV33Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(1n) }, 10);
    // $2,000 at LTV 80 %: $1,600 needs exactly $2,000; one more USDC wei needs more.
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(1_600n) }, 20);
    // One more USDC ($1 = 1e8 base): needs (1,601e8) ÷ 80 % = 2,001.25e8 > 2,000e8.
    expect(() => m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(1n) }, 30)).toThrow(
      InsufficientMarginError,
    );
  });

  test('behavior: withdrawing is refused when HF would fall below 1', () => {
    const m = testMarket(aaveV33Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(1n) }, 10);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(1_600n) }, 20);
    // HF after withdrawing w: (1 − w) × 2,000 × 0.825 / 1,600 ≥ 1 ⇔ w ≤ 0.0303 ETH.
    m.run({ type: 'withdraw', account: 'alice', asset: 'WETH', amount: (WETH(1n) / 100n) * 3n }, 30);
    expect(() =>
      m.run({ type: 'withdraw', account: 'alice', asset: 'WETH', amount: WETH(1n) / 100n }, 40),
    ).toThrow(InsufficientMarginError);
    expect(
      (
        thrown(() =>
          m.run({ type: 'withdraw', account: 'alice', asset: 'WETH', amount: WETH(2n) }, 40),
        ) as ProtocolRevertError
      ).reason,
    ).toBe('NOT_ENOUGH_AVAILABLE_USER_BALANCE');
  });

  test('behavior: a deposit of a reserve with LT 0 is not collateral (no HF weight, free to withdraw, not seizable)', () => {
    const m = testMarket(aaveV33Model);
    const reserves = {
      ...DEFAULT_AAVE_PARAMS.reserves,
      USDC: {
        ...DEFAULT_AAVE_PARAMS.reserves.USDC,
        ltvBps: 0,
        liquidationThresholdBps: 0,
        liquidationBonusBps: 0,
      },
    };
    m.run({ type: 'configure', params: { ...DEFAULT_AAVE_PARAMS, reserves } }, 1);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(5n) }, 10);
    m.run({ type: 'deposit', account: 'alice', asset: 'USDC', amount: USDC(50_000n) }, 10);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(8_000n) }, 20);
    m.price('WETH', 1_900n * E8, 30);
    // The $50,000 of USDC adds nothing: HF = 9,500 × 0.825 / 8,000 = 0.9796875 as without it.
    expect(aaveV33Model.health(m.state, 'alice', 30)).toMatchObject({
      healthWad: 979_687_500_000_000_000n,
      liquidatable: true,
    });
    m.run({ type: 'withdraw', account: 'alice', asset: 'USDC', amount: USDC(10_000n) }, 40);
    expect(() => m.run({ type: 'withdraw', account: 'alice', asset: 'WETH', amount: 1n }, 40)).toThrow(
      InsufficientMarginError,
    );
    const seizeUsdc = () =>
      m.run(
        {
          type: 'liquidationCall',
          account: 'alice',
          liquidator: 'liquidator',
          collateralAsset: 'USDC',
          debtAsset: 'USDC',
          debtToCover: 'max',
        },
        50,
      );
    expect((thrown(seizeUsdc) as ProtocolRevertError).reason).toBe('COLLATERAL_CANNOT_BE_LIQUIDATED');
  });

  test('behavior: eMode refuses a borrow outside the category and a category that breaks HF', () => {
    const m = testMarket(aaveV37Model);
    m.run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: WETH(1n) }, 10);
    m.run({ type: 'setUserEMode', account: 'alice', categoryId: 1 }, 15);
    expect(
      (
        thrown(() =>
          m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: 1n }, 20),
        ) as ProtocolRevertError
      ).reason,
    ).toBe('NOT_BORROWABLE_IN_EMODE');
    m.run({ type: 'borrow', account: 'alice', asset: 'wstETH', amount: WETH(1n) / 2n }, 20); // $1,150 at LTV 93 %
    m.run({ type: 'setUserEMode', account: 'alice', categoryId: 0 }, 25); // HF = 2,000 × 0.825 / 1,150 = 1.43
    expect(
      (
        thrown(() =>
          m.run({ type: 'setUserEMode', account: 'alice', categoryId: 7 }, 30),
        ) as ProtocolRevertError
      ).reason,
    ).toBe('INCONSISTENT_EMODE_CATEGORY');
    m.run({ type: 'repay', account: 'alice', asset: 'wstETH', amount: 'max', payer: 'alice' }, 35);
    m.run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: USDC(1_000n) }, 40);
    expect(
      (
        thrown(() =>
          m.run({ type: 'setUserEMode', account: 'alice', categoryId: 1 }, 50),
        ) as ProtocolRevertError
      ).reason,
    ).toBe('NOT_BORROWABLE_IN_EMODE');
  });

  test('error: commands before configure, on unknown reserves, or with bad params', () => {
    const m = new Market(aaveV33Model);
    m.run({ type: 'listAsset', asset: 'WETH', decimals: 18 }, 0);
    expect(() => m.run({ type: 'deposit', account: 'a', asset: 'WETH', amount: 1n }, 0)).toThrow(
      NotConfiguredError,
    );
    const bad = {
      reserves: {
        WETH: {
          ltvBps: 8000,
          liquidationThresholdBps: 10_001,
          liquidationBonusBps: 10_500,
          liquidationProtocolFeeBps: 1000,
        },
      },
    };
    const error = thrown(() => m.run({ type: 'configure', params: bad }, 0));
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).field).toBe('params.reserves.WETH.liquidationThresholdBps');
    m.run({ type: 'configure', params: DEFAULT_AAVE_PARAMS }, 0);
    // USDC is a reserve but not listed in the engine; DAI is not a reserve.
    expect(() => m.run({ type: 'deposit', account: 'a', asset: 'USDC', amount: 1n }, 0)).toThrow(
      UnknownAssetError,
    );
    expect(() => m.run({ type: 'deposit', account: 'a', asset: 'DAI', amount: 1n }, 0)).toThrow(
      UnknownAssetError,
    );
    // A configured reserve cannot be removed by a later configure.
    expect(() =>
      m.run({ type: 'configure', params: { reserves: { USDC: DEFAULT_AAVE_PARAMS.reserves.USDC } } }, 0),
    ).toThrow(InvalidParameterError);
    expect(() =>
      m.run({ type: 'setReserveGracePeriod', asset: 'WETH', gracePeriodSeconds: 14_401 }, 0),
    ).toThrow(InvalidParameterError);
  });
});
