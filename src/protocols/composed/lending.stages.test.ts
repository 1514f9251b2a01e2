/**
 * End-to-end tests of the composed lending market's optional risk stages through `runScript`: the
 * volatility poke (`updateRisk`), soft margin calls and their episodes, gradual de-leveraging
 * (amounts to the wei, cooldown and refusals), the dynamic bonus and auction keeper reward, the
 * risk oracle's rate-limited thresholds judging existing positions, and the configuration's named
 * errors. Alice holds 10 ETH at $2,000 and owes 15,000 USDC (health 1.0667 at an 80 % threshold).
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import {
  InvalidParameterError,
  PositionNotLiquidatableError,
  type ProtocolRevertError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { runScript } from '../script.js';
import { composedLendingConfigToJson, parseComposedLendingConfig } from './config.js';
import type { ComposedLendingExt } from './lending.js';

const USDC = 1_000_000n;
const ETH = 10n ** 18n;
const E8 = 100_000_000n;
const WAD = ETH;
const D = Decimal.clone({ precision: 60 });
const E18 = new D(10).pow(18);

const oracle = (asset: string) => ({
  at: 0,
  ...feedOracleCommand(asset, 86_400, { maxSpreadBps: 100, twapWindowSeconds: 600 }),
});
const price = (at: number, dollars: bigint, asset = 'ETH') => ({
  at,
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: String(dollars * E8),
});
const poke = (at: number, extra: Record<string, unknown> = {}) => ({ at, type: 'updateRisk', ...extra });

const classic = {
  kind: 'lending',
  id: 'risk-market',
  debtAsset: 'USDC',
  collateral: { ETH: { liquidationThresholdBps: 8000, initialLtvBps: 7500 } },
  sizing: { kind: 'closeFactor', closeFactorBps: 5000, fullBelowHealthWad: String((95n * ETH) / 100n) },
  execution: { kind: 'fixedDiscount', bonusBps: 500 },
  incentive: { protocolShareBps: 1000 },
  lossWaterfall: ['insurance', 'deficit'],
};
const volatility = {
  model: 'ewma',
  lambdaWad: '940000000000000000',
  initialSigmaWad: '800000000000000000',
  minSampleSeconds: 300,
};
const predictive = {
  horizonSeconds: 3600,
  softCallProbabilityWad: '50000000000000000',
  preHealthWad: String(WAD),
  stepBps: 2500,
  preBonusBps: 200,
  cooldownSeconds: 900,
};

function market(config: Record<string, unknown>, commands: Record<string, unknown>[]) {
  return runScript({
    protocol: config,
    commands: [
      { at: 0, type: 'listAsset', asset: 'ETH', decimals: 18 },
      { at: 0, type: 'listAsset', asset: 'USDC', decimals: 6 },
      oracle('ETH'),
      oracle('USDC'),
      price(0, 2_000n),
      price(0, 1n, 'USDC'),
      { at: 0, type: 'configure', params: 'default' },
      { at: 0, type: 'supply', amount: String(1_000_000n * USDC) },
      { at: 0, type: 'fundWallet', actor: 'liq', asset: 'USDC', amount: String(100_000n * USDC) },
      { at: 1, type: 'deposit', account: 'alice', asset: 'ETH', amount: String(10n * ETH) },
      { at: 1, type: 'borrow', account: 'alice', amount: String(15_000n * USDC) },
      ...commands,
    ],
  });
}
type Run = ReturnType<typeof market>;
const events = (run: Run, type: string) =>
  run.log.map((r) => r.event as EngineEvent & Record<string, unknown>).filter((e) => e.type === type);
const ext = (run: Run) => run.state.ext as ComposedLendingExt;
const bal = (run: Run, bucket: string, asset: string) => balanceOf(run.state.ledger, bucket, asset);
const refusal = (run: Run) => run.refusals.map((r) => r.error);
/** 2Φ(−ln h / s) by an alternating series in decimal.js (independent of the implementation). */
function probability(h: Decimal, s: Decimal): Decimal {
  const x = h.ln().div(s).neg();
  let sum = new D(0);
  let power = x;
  let factor = new D(1);
  for (let n = 0; n < 500; n++) {
    const term = power.div(factor.times(2 * n + 1));
    sum = n % 2 === 0 ? sum.plus(term) : sum.minus(term);
    if (term.abs().lt('1e-40')) break;
    power = power.times(x).times(x);
    factor = factor.times(2 * (n + 1));
  }
  return new D(0.5).plus(sum.div(D.acos(-1).times(2).sqrt())).times(2);
}

describe('updateRisk: the volatility estimate', () => {
  test('default: anchored at the first poke, folded after a 5 % fall an hour later (EWMA)', () => {
    const run = market({ ...classic, volatility }, [
      poke(10),
      price(3_610, 1_900n),
      poke(3_610),
      poke(3_700), // 90 s later: below minSampleSeconds, nothing folded
    ]);
    expect(run.refusals).toEqual([]);
    const updates = events(run, 'VolatilityUpdated');
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({
      asset: 'ETH',
      returnWad: 0n,
      varianceAnnualWad: 640_000_000_000_000_000n,
    });
    // v = 0.94·0.64 + 0.06·ln(0.95)²·31,536,000/3,600
    const r = new D(0.95).ln();
    const v = new D(0.94).times(0.64).plus(new D(0.06).times(r.pow(2).times(8_760)));
    const got = new D(String(updates[1]?.varianceAnnualWad)).div(E18);
    expect(got.minus(v).abs().toNumber()).toBeLessThan(1e-16);
    expect(ext(run).risk?.volatility.ETH?.atSeconds).toBe(3_610);
  });

  test('error: a market without risk sections refuses updateRisk; gas without dynamicIncentive', () => {
    const plain = market(classic, [poke(10)]);
    expect(refusal(plain)[0]).toBeInstanceOf(InvalidParameterError);
    expect(ext(plain).risk).toBeUndefined(); // the classic market's state is untouched
    const run = market({ ...classic, volatility }, [poke(10, { gasPriceGwei: '10', ethPriceUsd: '2000' })]);
    expect((refusal(run)[0] as InvalidParameterError).field).toBe('gasPriceGwei');
  });
});

describe('predictive stage: soft margin calls', () => {
  test('default: a fall to $1,900 puts health 1.0133 under H* = e^(1.96·σ√T): one call, with its probability', () => {
    const run = market({ ...classic, volatility, predictive }, [
      poke(10), // anchor: σ 0.8, health 1.0667 > H* ≈ 1.0169
      price(200, 1_900n),
      poke(200), // 190 s after the anchor: σ unchanged
      poke(250), // same episode: no second call
    ]);
    const calls = events(run, 'SoftMarginCalled');
    expect(calls).toHaveLength(1);
    const call = calls[0] as unknown as {
      healthWad: bigint;
      probabilityWad: bigint;
      sigmaOverHorizonWad: bigint;
    };
    // health = 10 × 1,900 × 0.8 / 15,000 = 1.01333…, floored to WAD
    expect(call.healthWad).toBe((15_200n * WAD) / 15_000n);
    // σ√T = 0.8·√(3,600/31,536,000) (ceil)
    const s = new D(0.64).times(3_600).div(31_536_000).sqrt();
    expect(new D(String(call.sigmaOverHorizonWad)).div(E18).minus(s).toNumber()).toBeLessThanOrEqual(1e-18);
    const exact = probability(new D(15_200).div(15_000), s); // 2Φ(−1.549…) ≈ 0.1213
    expect(new D(String(call.probabilityWad)).div(E18).minus(exact).abs().toNumber()).toBeLessThan(1e-15);
    expect(ext(run).risk?.softCalled).toEqual({ alice: true });
  });

  test('behavior: recovery clears the call and re-arms it', () => {
    const run = market({ ...classic, volatility, predictive }, [
      poke(10),
      price(200, 1_900n),
      poke(200),
      price(260, 2_000n),
      poke(260),
      price(280, 1_900n),
      poke(280),
    ]);
    expect(run.log.map((r) => r.event.type).filter((t) => t.startsWith('SoftMarginCall'))).toEqual([
      'SoftMarginCalled',
      'SoftMarginCallCleared',
      'SoftMarginCalled',
    ]);
    expect(ext(run).risk?.softMarginCalls).toBe(2);
  });
});

describe('predictive stage: de-leveraging', () => {
  test('default: a soft-called account repays 25 % of its debt for ETH at a 2 % bonus', () => {
    const run = market({ ...classic, volatility, predictive }, [
      poke(10),
      price(200, 1_900n),
      { at: 200, type: 'deleverage', account: 'alice', keeper: 'liq' },
    ]);
    expect(run.refusals).toEqual([]);
    const repaid = 3_750n * USDC; // ⌊15,000 × 25 %⌋
    // seized = 3,750 × 1.02 / 1,900 ETH, floored to the wei
    const seized = (3_750n * 102n * ETH) / (1_900n * 100n);
    expect(events(run, 'Deleveraged')).toEqual([
      {
        type: 'Deleveraged',
        account: 'alice',
        keeper: 'liq',
        asset: 'ETH',
        repaid,
        seized,
        bonusBps: 200n,
        reason: 'softCall',
        healthBeforeWad: (15_200n * WAD) / 15_000n,
      },
    ]);
    expect(bal(run, 'debt:alice', 'USDC.debt')).toBe(15_000n * USDC - repaid);
    expect(bal(run, 'acct:alice', 'ETH')).toBe(10n * ETH - seized);
    expect(bal(run, 'wallet:liq', 'ETH')).toBe(seized);
    expect(bal(run, 'wallet:liq', 'USDC')).toBe(100_000n * USDC - repaid);
    expect(ext(run).liquidations).toBe(0); // not a liquidation
    expect(ext(run).risk?.deleveragedDebt).toBe(repaid);
    // health after: (15,200 − seized × 1,900 × 0.8) / 11,250 ≈ 1.0791 > before
    const after = run.accounts.find((a) => a.accountId === 'alice');
    expect(Number(after?.healthWad) / 1e18).toBeCloseTo((15_200 - 3_750 * 1.02 * 0.8) / 11_250, 9);
  });

  test('behavior: the pre-liquidation band allows a step without a soft call', () => {
    const run = market(
      { ...classic, volatility, predictive: { ...predictive, preHealthWad: String((11n * WAD) / 10n) } },
      [{ at: 10, type: 'deleverage', account: 'alice', keeper: 'liq' }],
    );
    expect(run.refusals).toEqual([]);
    expect(events(run, 'Deleveraged')[0]?.reason).toBe('preHealth');
  });

  test('error: healthy, cooling down, liquidatable, or a market without the stage', () => {
    const run = market({ ...classic, volatility, predictive }, [
      { at: 10, type: 'deleverage', account: 'alice', keeper: 'liq' }, // 1.0667 > H* ≈ 1.017
      price(1_200, 1_400n),
      { at: 1_200, type: 'deleverage', account: 'alice', keeper: 'liq' }, // health 0.7467 < 1
    ]);
    const errors = refusal(run);
    expect(errors[0]).toBeInstanceOf(PositionNotLiquidatableError);
    expect((errors[1] as ProtocolRevertError).reason).toBe('Composed/liquidatable');
    // Below health 1.2 every step is allowed, but one per 900 s.
    const band = { ...predictive, preHealthWad: String((12n * WAD) / 10n) };
    const cooling = market({ ...classic, volatility, predictive: band }, [
      { at: 10, type: 'deleverage', account: 'alice', keeper: 'liq' },
      { at: 909, type: 'deleverage', account: 'alice', keeper: 'liq' },
      { at: 910, type: 'deleverage', account: 'alice', keeper: 'liq' },
    ]);
    expect(refusal(cooling).map((e) => (e as ProtocolRevertError).reason)).toEqual([
      'Composed/deleverage-cooldown',
    ]);
    expect(events(cooling, 'Deleveraged')).toHaveLength(2);
    const plain = market(classic, [{ at: 10, type: 'deleverage', account: 'alice', keeper: 'liq' }]);
    expect(refusal(plain)[0]).toBeInstanceOf(InvalidParameterError);
  });
});

describe('dynamic incentive', () => {
  const dynamicIncentive = {
    baseBps: 300,
    sigmaSlopeBps: 200,
    minBps: 200,
    maxBps: 1500,
    epsilonUsd: 10,
    gasUnits: 400000,
  };

  test('default: a sale at 300 + 160 + ⌈($80 + $10)/($7,500 × 90 %)⌉ = 594 bps', () => {
    const run = market({ ...classic, volatility, dynamicIncentive }, [
      { at: 5, type: 'publishGasPrice', gasPriceGwei: '100', ethPriceUsd: '2000' },
      { at: 6, type: 'publishGasPrice', gasPriceGwei: '100', ethPriceUsd: '2000' }, // unchanged: no event
      price(20, 1_800n),
      { at: 30, type: 'liquidate', account: 'alice', liquidator: 'liq' },
    ]);
    expect(run.refusals).toEqual([]);
    expect(events(run, 'GasPricePublished')).toHaveLength(1);
    // gas $80 = 400,000 × 100 gwei × $2,000; ε $10; repay 7,500 (close factor: health 0.96 ≥ 0.95)
    // gas part ⌈90 × 1e8 / (7,500 × 9,000)⌉ = ⌈133.3⌉ = 134; σ part ⌈200 × 0.8⌉ = 160
    const bonus = 594n;
    const repaid = 7_500n * USDC;
    const seized = (repaid * (10_000n + bonus) * ETH) / (1_800n * 10_000n * USDC);
    const premium = seized - (seized * 10_000n + 10_000n + bonus - 1n) / (10_000n + bonus);
    const fee = (premium * 1_000n) / 10_000n;
    expect(events(run, 'ComposedLiquidated')[0]).toMatchObject({
      repaid,
      seized,
      protocolFee: fee,
      bonusBps: bonus,
    });
    expect(bal(run, 'wallet:liq', 'ETH')).toBe(seized - fee);
    // the keeper's share pays gas + ε: 7,500 × 5.94 % × 90 % = $400.95 ≥ $90
    expect((repaid * bonus * 9_000n) / 10n ** 8n).toBeGreaterThanOrEqual(90n * USDC);
  });

  test('behavior: an auction keeper reward of ⌈tab × bps⌉, capped by the reserves', () => {
    const auction = {
      ...classic,
      id: 'risk-auction',
      sizing: { kind: 'whole' },
      execution: {
        kind: 'dutchAuction',
        curve: 'StairstepExponentialDecrease cut=0.99 step=60',
        bufBps: 11000,
        tailSeconds: 7200,
        cuspBps: 4000,
        penaltyBps: 1000,
      },
      incentive: { protocolShareBps: 10000 },
      lossWaterfall: ['reserves', 'insurance', 'deficit'],
      volatility,
      dynamicIncentive: { ...dynamicIncentive, baseBps: 0, sigmaSlopeBps: 0, minBps: 0, maxBps: 100 },
    };
    const run = market(auction, [
      { at: 2, type: 'deposit', account: 'bob', asset: 'ETH', amount: String(ETH) },
      { at: 2, type: 'borrow', account: 'bob', amount: String(1_500n * USDC) },
      { at: 5, type: 'publishGasPrice', gasPriceGwei: '100', ethPriceUsd: '2000' },
      price(20, 1_800n),
      // alice's auction: no reserves yet, so no reward; bought out, its penalty fills the reserves
      { at: 30, type: 'liquidate', account: 'alice', liquidator: 'liq' },
      {
        at: 30,
        type: 'take',
        id: 1,
        buyer: 'liq',
        amount: String(10n * ETH),
        maxPriceRay: String(10n ** 40n),
      },
      { at: 40, type: 'liquidate', account: 'bob', liquidator: 'liq' },
    ]);
    expect(run.refusals).toEqual([]);
    const started = events(run, 'ComposedAuctionStarted') as unknown as { keeperReward: bigint }[];
    expect(started[0]?.keeperReward).toBe(0n);
    // bob's tab 1,650 USDC: ⌈($80 + $10) × 1e8 / (1,650 × 10,000)⌉ = 546 bps → clamped to 100;
    // reward ⌈1,650 × 1 %⌉ = 16.5 USDC, below the 1,500 USDC penalty in the reserves.
    expect(started[1]?.keeperReward).toBe(16_500_000n);
  });
});

describe('risk oracle', () => {
  const riskOracle = {
    collateral: {
      ETH: { baseThresholdBps: 8600, sigmaSlopeBps: 750, minThresholdBps: 7500, maxThresholdBps: 8300 },
    },
    maxChangeBps: 50,
    minSecondsBetweenChanges: 3600,
  };
  const hot = { ...volatility, initialSigmaWad: '1200000000000000000' }; // σ 1.2: target 7,700

  test('default: 50 bps per hour toward the σ target; the LTV follows; each change an event', () => {
    const run = market({ ...classic, volatility: hot, riskOracle }, [
      poke(10),
      poke(20),
      poke(3_610),
      poke(7_210),
    ]);
    const updates = events(run, 'RiskParameterUpdated') as unknown as {
      liquidationThresholdBps: bigint;
      initialLtvBps: bigint;
      targetThresholdBps: bigint;
    }[];
    // t=10: σ 1.2 → 7,700: 8,000 → 7,950; t=20 too soon; t=3,610: σ² 1.44 × 0.94 → target 7,728 → 7,900;
    // t=7,210: σ² × 0.94 again, σ ≈ 1.128 → target ≈ 7,754 → 7,850.
    expect(updates.map((u) => u.liquidationThresholdBps)).toEqual([7_950n, 7_900n, 7_850n]);
    expect(updates.map((u) => u.initialLtvBps)).toEqual([7_450n, 7_400n, 7_350n]);
    expect(updates[0]?.targetThresholdBps).toBe(7_700n);
    expect(ext(run).risk?.parameterUpdates).toBe(3);
  });

  test('behavior: an existing position is judged by the current threshold', () => {
    // At $1,900 alice's health is 1.0133 at 80 %, 1.0007 at 79 %, 0.9943 at 78.5 %.
    const run = market({ ...classic, volatility: hot, riskOracle }, [
      price(5, 1_900n),
      poke(10),
      { at: 11, type: 'liquidate', account: 'alice', liquidator: 'liq' },
      poke(3_610),
      { at: 3_611, type: 'liquidate', account: 'alice', liquidator: 'liq' },
      poke(7_210),
      { at: 7_211, type: 'liquidate', account: 'alice', liquidator: 'liq' },
    ]);
    expect(refusal(run).map((e) => e.constructor)).toEqual([
      PositionNotLiquidatableError,
      PositionNotLiquidatableError,
    ]);
    expect(ext(run).liquidations).toBe(1);
  });
});

describe('parseComposedLendingConfig: the risk sections', () => {
  const all = {
    ...classic,
    volatility,
    predictive,
    dynamicIncentive: { baseBps: 300, maxBps: 1500 },
    riskOracle: {
      collateral: {
        ETH: { baseThresholdBps: 8600, sigmaSlopeBps: 750, minThresholdBps: 7500, maxThresholdBps: 8300 },
      },
      maxChangeBps: 50,
      minSecondsBetweenChanges: 3600,
    },
  };
  test('default: every section parses and survives the JSON round trip; absent sections add no keys', () => {
    const config = parseComposedLendingConfig(all);
    expect(parseComposedLendingConfig(composedLendingConfigToJson(config))).toEqual(config);
    expect(Object.keys(parseComposedLendingConfig(classic))).not.toContain('volatility');
  });
  test('error: the cross-section rules name their field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...classic, predictive }, 'config.volatility'],
      [
        { ...classic, volatility, predictive: { ...predictive, preBonusBps: 2500 } },
        'config.predictive.preBonusBps',
      ],
      // with the risk oracle the highest threshold (83 %) counts: 1.21 × 0.83 ≥ 1
      [{ ...all, predictive: { ...predictive, preBonusBps: 2100 } }, 'config.predictive.preBonusBps'],
      [
        { ...classic, incentive: { protocolShareBps: 10000 }, dynamicIncentive: { baseBps: 1, maxBps: 1 } },
        'config.incentive.protocolShareBps',
      ],
      [{ ...classic, dynamicIncentive: { baseBps: 1, maxBps: 1, sigmaSlopeBps: 5 } }, 'config.volatility'],
      [{ ...all, volatility: { ...volatility, lambdaWad: String(WAD) } }, 'config.volatility.lambdaWad'],
    ];
    for (const [raw, field] of cases) {
      try {
        parseComposedLendingConfig(raw);
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});
