/**
 * Tests of the cross-margin stages inside the perps core: the account margin view under portfolio
 * margin and netting (the stage's requirement beside the per-position sum), the leg the trigger
 * picks and the size it closes (hand-derived against the classic sizing of the same book), the
 * profit settlement before a cross close, the parameters, and the `perps-generic` engine
 * liquidating on the configured requirement. Scales of testkit.ts: value = size·price / 1e5 USDC
 * units, sizes in 0.001 base, tiers IM 10 % / MM 5 % below $50k, liquidation fee 1 %.
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../engine.js';
import { InvalidParameterError, PositionNotLiquidatableError } from '../errors.js';
import { balanceOf } from '../ledger.js';
import { apply, type Command } from '../machine.js';
import { runLiquidation } from '../pipeline.js';
import { feedOracleCommand } from '../testkit.js';
import {
  applyPerpsEvents,
  PERPS_LIQUIDATION_STAGES,
  type PerpLiquidated,
  type PerpLiquidationFee,
  type PerpsLiquidationContext,
  type PerpsLiquidationPolicy,
  perpsSizing,
  perpsTrigger,
} from './liquidation.js';
import { accountMargin, crossLegsOf, crossMarginStage, sizeToCloseForStageTarget } from './margin.js';
import { perpsGenericMargin, perpsGenericModel } from './model.js';
import { type PerpsGenericParams, parsePerpsGenericParams, perpsGenericParamsToJson } from './params.js';
import { compilePortfolioMargin } from './portfolio.js';
import { type PerpProfitApplied, payFromUnrealizedProfit } from './settle.js';
import { price8, testGenericMarket, testMarket, testView, usdcUnits } from './testkit.js';
import type { PerpsMarginStage, PerpsView } from './types.js';

const ETH = testMarket();
const ETH_B = testMarket({ market: 'ETH-PERP-B', makerAccount: 'mm-b' });
const BTC = testMarket({ market: 'BTC-PERP', oracleAsset: 'BTC' });

const PORTFOLIO: PerpsMarginStage = {
  kind: 'portfolio',
  portfolio: compilePortfolioMargin(
    {
      steps: 5,
      rangeSigmaPpm: 2_500_000n,
      underlyings: [
        { underlying: 'ETH', sigmaPpm: 20_000n },
        { underlying: 'BTC', sigmaPpm: 20_000n },
      ],
      correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: 800_000n }],
    },
    'pm',
  ),
};
const NETTING: PerpsMarginStage = { kind: 'netting', netting: { offsetCreditPpm: 900_000n } };

const POLICY: PerpsLiquidationPolicy = {
  sizing: 'partial',
  targetRatioPpm: 1_000_000n,
  bufferPpm: 0n,
  liquidatorSharePpm: 0n,
  lossSteps: ['insurance', 'socialize'],
  adlRanking: { kind: 'pnl' },
};

const never = (): never => {
  throw new Error('unreachable');
};

const withStage = (view: PerpsView, stage: PerpsMarginStage | undefined): PerpsView =>
  stage === undefined ? view : { ...view, book: { ...view.book, marginStage: stage } };

/** Alice: long 10 ETH at $2,000 on ETH-PERP, short `hedge` at $2,000 / $20,000, $400 of cash. */
function hedged(hedge: 'ETH-PERP-B' | 'BTC-PERP', stage?: PerpsMarginStage, cash = 400): PerpsView {
  return withStage(
    testView({
      markets: [ETH, ETH_B, BTC],
      positions: [
        { account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n, entryQuote: usdcUnits(20_000) },
        hedge === 'ETH-PERP-B'
          ? { account: 'alice', market: hedge, sizeBase: -6_000n, entryQuote: -usdcUnits(12_000) }
          : { account: 'alice', market: hedge, sizeBase: -600n, entryQuote: -usdcUnits(12_000) },
      ],
      balances: {
        'acct:alice': usdcUnits(cash),
        'acct:mm': usdcUnits(1_000_000),
        'acct:mm-b': usdcUnits(1_000_000),
      },
    }),
    stage,
  );
}

const MARKS = { 'ETH-PERP': price8(2_000), 'ETH-PERP-B': price8(2_000), 'BTC-PERP': price8(20_000) };
const ctx = (view: PerpsView, marks = MARKS, policy = POLICY): PerpsLiquidationContext => ({
  view,
  marks,
  policy,
});

describe('accountMargin with a cross-margin stage', () => {
  test('default: netting needs $520 where the per-position sum is $1,600', () => {
    // L = 20,000, S = 12,000: credit 2·12,000·0.9 = 21,600, E = 10,400; shares 6,500 and 3,900
    // at 5 %: 325 + 195 = 520. Per position: 5 % of 32,000 = 1,600; initial 10 %: 3,200 per
    // position, 10 % of the shares netted: 1,040.
    const m = accountMargin(hedged('ETH-PERP-B', NETTING), 'alice', MARKS);
    expect(m.equityQuote).toBe(usdcUnits(400));
    expect(m.maintenanceQuote).toBe(usdcUnits(520));
    expect(m.initialQuote).toBe(usdcUnits(1_040));
    expect(m.stage).toMatchObject({
      kind: 'netting',
      perPositionMaintenanceQuote: usdcUnits(1_600),
      perPositionInitialQuote: usdcUnits(3_200),
      maintenanceQuote: usdcUnits(520),
      liquidationMarket: 'ETH-PERP',
    });
    expect(m.stage?.netting?.maintenanceByMarketQuote).toEqual({
      'ETH-PERP': usdcUnits(325),
      'ETH-PERP-B': usdcUnits(195),
    });
  });

  test('behavior: portfolio margin of long ETH / short BTC at ρ = 0.8 is the ETH-down driver, $520', () => {
    // Driver ETH −5 % with BTC −4 %: 1,000 − 480 = 520; the ball's best, g = (−2, 0), is the
    // same; (−1, 1) gives 440, (0, 2) 360. Initial: max(3,200, 520).
    const m = accountMargin(hedged('BTC-PERP', PORTFOLIO), 'alice', MARKS);
    expect(m.maintenanceQuote).toBe(usdcUnits(520));
    expect(m.initialQuote).toBe(usdcUnits(3_200));
    expect(m.stage?.portfolio).toMatchObject({
      worstLossQuote: usdcUnits(520),
      perPositionQuote: usdcUnits(1_600),
      worstScenario: { kind: 'driver', underlying: 'ETH', level: -2 },
      worstShockPpm: { ETH: -50_000n, BTC: -40_000n },
    });
    expect(m.stage?.liquidationMarket).toBe('ETH-PERP');
  });

  test('behavior: with initialFactorPpm the portfolio’s initial margin is a multiple of its requirement', () => {
    // 520 × 1.25 = 650 (Deribit's mm_factor 0.8), instead of the per-position 3,200.
    const factored: PerpsMarginStage = {
      kind: 'portfolio',
      portfolio: {
        ...(PORTFOLIO.kind === 'portfolio' ? PORTFOLIO.portfolio : never()),
        initialFactorPpm: 1_250_000n,
      },
    };
    const m = accountMargin(hedged('BTC-PERP', factored), 'alice', MARKS);
    expect(m.initialQuote).toBe(usdcUnits(650));
    expect(m.stage?.perPositionInitialQuote).toBe(usdcUnits(3_200));
  });

  test('behavior: without a stage the view is today’s, with no stage field', () => {
    const m = accountMargin(hedged('BTC-PERP'), 'alice', MARKS);
    expect(m.maintenanceQuote).toBe(usdcUnits(1_600));
    expect('stage' in m).toBe(false);
  });

  test('behavior: crossMarginStage of no legs is zero', () => {
    expect(crossMarginStage(NETTING, [])).toMatchObject({ maintenanceQuote: 0n, initialQuote: 0n });
    expect(crossMarginStage(PORTFOLIO, [])).toMatchObject({ maintenanceQuote: 0n, initialQuote: 0n });
  });
});

describe('liquidation sizing under a stage', () => {
  test('default: netting closes 1.501 ETH of the net-side leg; the classic sizing the whole leg', () => {
    // Closing x ETH of the long (x ≤ 4): E = 10,400 − 2,000x, MM = 520 − 100x, fee 20x, so
    // 400 − 20x ≥ 520 − 100x from x = 1.5. At exactly 1.5 the shares round up
    // (⌈17,000·7,400/29,000⌉ + ⌈12,000·7,400/29,000⌉ = 7,400.000001) and MM is 370.000001 > 370:
    // one more base unit, 1,501. Classic: 400 − 20x ≥ 1,600 − 100x needs x ≥ 15 > 10: the whole leg.
    const view = hedged('ETH-PERP-B', NETTING);
    const triggered = perpsTrigger(ctx(view), { account: 'alice', liquidator: 'k' });
    expect(triggered).toMatchObject({ scope: 'cross', market: 'ETH-PERP' });
    expect(perpsSizing(ctx(view), { account: 'alice', liquidator: 'k' }, triggered)).toEqual({
      market: 'ETH-PERP',
      closeBase: 1_501n,
      whole: false,
    });
    const classic = hedged('ETH-PERP-B');
    const t2 = perpsTrigger(ctx(classic), { account: 'alice', liquidator: 'k' });
    expect(perpsSizing(ctx(classic), { account: 'alice', liquidator: 'k' }, t2)).toEqual({
      market: 'ETH-PERP',
      closeBase: 10_000n,
      whole: true,
    });
  });

  test('behavior: portfolio margin closes 1.5 ETH, where the hedge still counts', () => {
    // R(x) = max(520 − 100x, 440 − 50x, 360, ...) against 400 − 20x: x ∈ [1.5, 2]; least 1.5 ETH
    // (exact: 850 − 480 = 370 = 400 − 30). At 1.499 ETH: 369.9 + ... fails (370.1 > 370.02).
    const view = hedged('BTC-PERP', PORTFOLIO);
    const triggered = perpsTrigger(ctx(view), { account: 'alice', liquidator: 'k' });
    expect(perpsSizing(ctx(view), { account: 'alice', liquidator: 'k' }, triggered).closeBase).toBe(1_500n);
    // Closing the hedge instead can only fail: R rises (the driver ETH −5 % loses 1,000).
    const target = { marks: MARKS, targetRatioPpm: 1_000_000n, closingCostPpm: 10_000n };
    expect(sizeToCloseForStageTarget(view, 'alice', 'BTC-PERP', target)).toBe(600n);
  });

  test('behavior: healthy under the stage, liquidatable under the sum', () => {
    const rich = hedged('BTC-PERP', PORTFOLIO, 600);
    expect(() => perpsTrigger(ctx(rich), { account: 'alice', liquidator: 'k' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(
      perpsTrigger(ctx(hedged('BTC-PERP', undefined, 600)), { account: 'alice', liquidator: 'k' }).market,
    ).toBe('ETH-PERP');
    expect(
      sizeToCloseForStageTarget(rich, 'alice', 'ETH-PERP', { marks: MARKS, targetRatioPpm: 1_000_000n }),
    ).toBe(0n);
  });
});

describe('payFromUnrealizedProfit', () => {
  const view = (makerCash: number) =>
    testView({
      markets: [ETH, ETH_B],
      positions: [{ account: 'alice', market: 'ETH-PERP-B', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) }],
      balances: { 'acct:alice': usdcUnits(10), 'acct:mm-b': usdcUnits(makerCash), 'acct:mm': usdcUnits(5) },
    });
  const pay = (v: PerpsView, markPrice: bigint, maxQuote: bigint) =>
    payFromUnrealizedProfit(v, {
      account: 'alice',
      market: 'ETH-PERP-B',
      markPrice,
      toBucket: 'acct:mm',
      maxQuote,
    });

  test('default: $60 of a $100 profit pays a $60 shortfall to the creditor; entries follow', () => {
    const step = pay(view(1_000), price8(2_100), usdcUnits(60));
    expect(step.paidQuote).toBe(usdcUnits(60));
    expect(balanceOf(step.view.ledger, 'acct:mm', 'USDC')).toBe(usdcUnits(65));
    expect(balanceOf(step.view.ledger, 'acct:mm-b', 'USDC')).toBe(usdcUnits(940));
    // The account's bucket is untouched; its profit falls by 60 (entry 2,060), the payer's claim too.
    expect(balanceOf(step.view.ledger, 'acct:alice', 'USDC')).toBe(usdcUnits(10));
    expect(step.view.book.markets['ETH-PERP-B']?.positions.get('alice')?.entryQuote).toBe(usdcUnits(2_060));
    expect(step.view.book.markets['ETH-PERP-B']?.positions.get('mm-b')?.entryQuote).toBe(-usdcUnits(60));
    const record = step.events.find((e) => e.type === 'PerpProfitApplied') as PerpProfitApplied;
    expect(record).toMatchObject({ market: 'ETH-PERP-B', toBucket: 'acct:mm', amountQuote: usdcUnits(60) });
  });

  test('behavior: at most the profit and what the payer holds; nothing on a loss', () => {
    expect(pay(view(1_000), price8(2_100), usdcUnits(500)).paidQuote).toBe(usdcUnits(100));
    expect(pay(view(30), price8(2_100), usdcUnits(500)).paidQuote).toBe(usdcUnits(30));
    const loss = view(1_000);
    expect(pay(loss, price8(1_900), usdcUnits(500))).toEqual({ view: loss, events: [], paidQuote: 0n });
  });

  test('behavior: a cross close whose loss exceeds the cash leaves no shortfall when the hedge pays', () => {
    // ETH at $1,950 (−500 on the long), BTC at $19,000 (+600 on the short), $500 of cash: equity
    // 600 < 5 % × (19,500 + 11,400) = 1,545. The whole ETH leg is sold into the bids for Q; its
    // realized loss 20,000 − Q exceeds the $500 cash by the shortfall, which the BTC profit pays,
    // and what is left of it pays the 1 % fee on 19,500 (195) up to the equity left.
    const marks = { ...MARKS, 'ETH-PERP': price8(1_950), 'BTC-PERP': price8(19_000) };
    const hedgedView = hedged('BTC-PERP', undefined, 500);
    const request = { account: 'alice', liquidator: 'k' };
    const plain = runLiquidation(PERPS_LIQUIDATION_STAGES, ctx(hedgedView, marks), request);
    const sold = plain.events.find((e) => e.type === 'PerpLiquidated') as PerpLiquidated;
    expect(sold.closeBase).toBe(10_000n);
    const shortfall = usdcUnits(20_000) - sold.quoteAmount - usdcUnits(500);
    expect(sold.shortfallQuote).toBe(shortfall);
    expect(shortfall > 0n).toBe(true);
    expect(plain.events.some((e) => e.type === 'PerpLiquidationFee')).toBe(false);
    const policy = { ...POLICY, settleCrossProfits: true, liquidatorSharePpm: 500_000n };
    const paid = runLiquidation(PERPS_LIQUIDATION_STAGES, ctx(hedgedView, marks, policy), request);
    const applied = paid.events.filter((e) => e.type === 'PerpProfitApplied') as PerpProfitApplied[];
    expect(applied[0]).toMatchObject({ market: 'BTC-PERP', toBucket: 'acct:mm', amountQuote: shortfall });
    expect((paid.events.find((e) => e.type === 'PerpLiquidated') as PerpLiquidated).shortfallQuote).toBe(0n);
    expect(paid.events.some((e) => e.type === 'PerpShortfallCovered')).toBe(false);
    // Equity left: 600 − slippage (19,500 − Q); the fee is min(195, that), all from the profit.
    const equityLeft = usdcUnits(600) - (usdcUnits(19_500) - sold.quoteAmount);
    const fee = paid.events.find((e) => e.type === 'PerpLiquidationFee') as PerpLiquidationFee;
    const expected = equityLeft < usdcUnits(195) ? equityLeft : usdcUnits(195);
    expect(fee.feeQuote).toBe(expected);
    expect(applied[1]).toMatchObject({ toBucket: 'insurance', amountQuote: expected });
    expect(fee.toLiquidatorQuote).toBe(expected / 2n);
    expect(balanceOf(applyPerpsEvents(hedgedView, paid.events).ledger, 'wallet:k', 'USDC')).toBe(
      expected / 2n,
    );
  });
});

const BASE_PARAMS: PerpsGenericParams = {
  quoteAsset: 'USDC',
  markets: [testGenericMarket(), testGenericMarket({ market: 'BTC-PERP', oracleAsset: 'BTC' })],
  liquidation: { ...POLICY, liquidatorSharePpm: 500_000n },
};
const PM_RAW = {
  steps: 5,
  rangeSigmaPpm: 2_500_000,
  underlyings: [
    { underlying: 'ETH', sigmaPpm: 20_000 },
    { underlying: 'BTC', sigmaPpm: 20_000 },
  ],
  correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: 800_000 }],
};

describe('parsePerpsGenericParams with stages', () => {
  test('default: portfolioMargin, netting, underlying and settleCrossProfits parse and round-trip', () => {
    const pm = parsePerpsGenericParams({
      ...BASE_PARAMS,
      portfolioMargin: PM_RAW,
      liquidation: { ...BASE_PARAMS.liquidation, settleCrossProfits: true },
    });
    expect(pm.portfolioMargin?.correlations?.[0]?.correlationPpm).toBe(800_000n);
    expect(pm.liquidation.settleCrossProfits).toBe(true);
    expect(parsePerpsGenericParams(JSON.parse(perpsGenericParamsToJson(pm)))).toEqual(pm);
    const net = parsePerpsGenericParams({
      ...BASE_PARAMS,
      markets: [
        ...BASE_PARAMS.markets,
        { ...BASE_PARAMS.markets[0]!, market: 'ETH-FUT', oracleAsset: 'ETHF', underlying: 'ETH' },
      ],
      netting: { offsetCreditPpm: 900_000, underlyings: [{ underlying: 'ETH', offsetCreditPpm: 950_000 }] },
    });
    expect(net.markets[2]?.underlying).toBe('ETH');
    expect(net.netting).toEqual({
      offsetCreditPpm: 900_000n,
      underlyings: [{ underlying: 'ETH', offsetCreditPpm: 950_000n }],
    });
    expect(parsePerpsGenericParams(JSON.parse(perpsGenericParamsToJson(net)))).toEqual(net);
    expect('portfolioMargin' in parsePerpsGenericParams(BASE_PARAMS)).toBe(false);
  });

  test('error: each refusal names its dotted field', () => {
    const fieldOf = (raw: unknown): string => {
      try {
        parsePerpsGenericParams(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        return (e as InvalidParameterError).field;
      }
      throw new Error('accepted');
    };
    expect(fieldOf({ ...BASE_PARAMS, portfolioMargin: PM_RAW, netting: { offsetCreditPpm: 1 } })).toBe(
      'params.netting',
    );
    const ethOnly = { steps: 5, rangeSigmaPpm: 2_500_000, underlyings: [PM_RAW.underlyings[0]] };
    expect(fieldOf({ ...BASE_PARAMS, portfolioMargin: ethOnly })).toBe('params.portfolioMargin.underlyings');
    expect(fieldOf({ ...BASE_PARAMS, portfolioMargin: { ...PM_RAW, steps: 6 } })).toBe(
      'params.portfolioMargin.steps',
    );
    expect(fieldOf({ ...BASE_PARAMS, portfolioMargin: { ...PM_RAW, scan: 1 } })).toBe(
      'params.portfolioMargin.scan',
    );
    expect(
      fieldOf({
        ...BASE_PARAMS,
        portfolioMargin: { ...PM_RAW, correlations: [{ a: 'ETH', b: 'BTC', correlationPpm: 1_000_000 }] },
      }),
    ).toBe('params.portfolioMargin.correlations.0.correlationPpm');
    expect(fieldOf({ ...BASE_PARAMS, netting: { offsetCreditPpm: 1_000_001 } })).toBe(
      'params.netting.offsetCreditPpm',
    );
    expect(fieldOf({ ...BASE_PARAMS, netting: { offsetCreditPpm: 1, groups: [] } })).toBe(
      'params.netting.groups',
    );
    expect(
      fieldOf({ ...BASE_PARAMS, liquidation: { ...BASE_PARAMS.liquidation, settleCrossProfits: 'yes' } }),
    ).toBe('params.liquidation.settleCrossProfits');
    expect(fieldOf({ ...BASE_PARAMS, markets: [{ ...BASE_PARAMS.markets[0]!, underlying: 7 }] })).toBe(
      'params.markets.0.underlying',
    );
  });
});

describe('perps-generic with portfolio margin', () => {
  test('behavior: the engine liquidates on the configured requirement and reports both', () => {
    // Alice deposits $3,500, buys 10 ETH for 2 @ 2,002 + 5 @ 2,010 + 3 @ 2,040 = 20,174 (fee
    // 10.087) and sells 0.6 BTC at 19,980 = 11,988 (fee 5.994): equity 3,297.919 ≥ IM 10 % of
    // 32,000. ETH −25 % to 1,500 and BTC −20 % to 16,000: PnL −5,174 + 2,388, equity 697.919.
    // Per position: 5 % of 15,000 + 9,600 = 1,230 > 697.919, liquidatable. Portfolio: the ETH
    // driver (−5 %, BTC −4 %) loses 750 − 384 = 366 < 697.919, healthy.
    const engine = createEngine(perpsGenericModel);
    const run = (params: unknown) => {
      let state = engine.initial();
      const commands: Command[] = [
        { type: 'listAsset', asset: 'USDC', decimals: 6 },
        { type: 'configure', params },
        feedOracleCommand('ETH'),
        feedOracleCommand('BTC'),
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: price8(2_000) },
        { type: 'publishPrice', asset: 'BTC', source: 'feed', price: price8(20_000) },
        { type: 'deposit', account: 'mm', amount: usdcUnits(10_000_000) },
        { type: 'deposit', account: 'alice', amount: usdcUnits(3_500) },
        { type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n },
        { type: 'openPosition', account: 'alice', market: 'BTC-PERP', sizeBase: -600n },
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: price8(1_500) },
        { type: 'publishPrice', asset: 'BTC', source: 'feed', price: price8(16_000) },
      ];
      commands.forEach((c, i) => {
        state = apply(engine, state, c, i + 1).state;
      });
      return state;
    };
    const raw = JSON.parse(perpsGenericParamsToJson(BASE_PARAMS)) as Record<string, unknown>;
    const classic = run(raw);
    const pm = run({ ...raw, portfolioMargin: PM_RAW });
    const t = 20;
    expect(perpsGenericModel.health(classic, 'alice', t).liquidatable).toBe(true);
    expect(perpsGenericModel.health(pm, 'alice', t).liquidatable).toBe(false);
    const view = perpsGenericMargin(pm, 'alice', t);
    const perPosition = view.stage?.perPositionMaintenanceQuote ?? 0n;
    // Both figures, computed independently from the positions: 5 % of the notionals at the marks.
    const legs = crossLegsOf({ book: pm.ext.book!, ledger: pm.ledger }, 'alice', {
      'ETH-PERP': price8(1_500),
      'BTC-PERP': price8(16_000),
    });
    expect(legs.map((l) => l.notionalUpQuote)).toEqual([usdcUnits(9_600), usdcUnits(15_000)]);
    expect(perPosition).toBe(usdcUnits(1_230));
    expect(view.maintenanceQuote).toBe(usdcUnits(366));
    expect(view.equityQuote).toBe(697_919_000n);
    expect(perPosition).toBe(perpsGenericMargin(classic, 'alice', t).maintenanceQuote);
    expect(view.maintenanceQuote < view.equityQuote).toBe(true);
    expect(view.equityQuote < perPosition).toBe(true);
    const liquidate: Command = { type: 'liquidate', account: 'alice', liquidator: 'k' };
    expect(() => apply(engine, pm, liquidate, t)).toThrow(PositionNotLiquidatableError);
    expect(apply(engine, classic, liquidate, t).events.some((r) => r.event.type === 'PerpLiquidated')).toBe(
      true,
    );
  });
});
