/**
 * Tests of the liquidity venues, stress thinning, endogenous impact and the cascade measure: closed
 * forms and integrals worked by hand, a numerical integral of the book as an independent check,
 * monotonicity, exact half-lives, and a small liquidation loop in which thinning makes a cascade.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  applyFill,
  buy,
  type ConstantProductVenue,
  cascadeDepth,
  constantProductFromReserves,
  createImpactState,
  type DepthCurveVenue,
  decay,
  depthMultiplier,
  drawdownFraction,
  impactedPrice,
  maxFillBase,
  realizedVolatilityPerYear,
  reservesAt,
  sell,
  stressedVenue,
  thinVenue,
  type Venue,
  validateVenue,
  volatilityStress,
} from './liquidity.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error('expected an InvalidParameterError');
}

/** 1,000 ETH and 2,000,000 USD at 2,000 USD/ETH, no fee: L = √(2·10⁹). */
const pool: ConstantProductVenue = constantProductFromReserves({
  baseReserve: 1000,
  quoteReserve: 2_000_000,
  feeBps: 0,
});

/** A linear book: $1,000,000 within ±1 %, out to ±50 %. D(u) = 10⁸·u. */
const linearBook: DepthCurveVenue = {
  kind: 'depthCurve',
  depthQuoteAtReference: 1_000_000,
  referenceMoveFraction: 0.01,
  exponent: 1,
  maxMoveFraction: 0.5,
  feeBps: 0,
};

/** A quadratic book: $400,000 within ±2 %. D(u) = 10⁹·u². */
const quadraticBook: DepthCurveVenue = {
  kind: 'depthCurve',
  depthQuoteAtReference: 400_000,
  referenceMoveFraction: 0.02,
  exponent: 2,
  maxMoveFraction: 0.9,
  feeBps: 0,
};

/** A concave book (a = 0.5), depth bunched near the price, with a 10 bps fee. */
const sqrtBook: DepthCurveVenue = {
  kind: 'depthCurve',
  depthQuoteAtReference: 3_000_000,
  referenceMoveFraction: 0.05,
  exponent: 0.5,
  maxMoveFraction: 0.6,
  feeBps: 10,
};

const venues: readonly (readonly [string, Venue, number])[] = [
  ['constant product', pool, 2000],
  ['linear book', linearBook, 100],
  ['quadratic book', quadraticBook, 50],
  ['concave book', sqrtBook, 3],
];

describe('sell', () => {
  test('default', () => {
    // x = 1000, y = 2e6, p = 2000, Δ = 100: average p·x/(x+Δ) = 2000·1000/1100, price after
    // p·x²/(x+Δ)² = 2000/1.21, and the pool's k is unchanged.
    const fill = sell(pool, { baseAmount: 100, marketPrice: 2000 });
    expect(fill.side).toBe('sell');
    expect(fill.baseAmount).toBe(100);
    expect(fill.averagePrice).toBeCloseTo(2_000_000 / 1100, 9);
    expect(fill.quoteAmount).toBeCloseTo(200_000_000 / 1100, 7);
    expect(fill.priceAfter).toBeCloseTo(2000 / 1.21, 9);
    expect(fill.priceBefore).toBe(2000);
    expect(fill.feeQuote).toBe(0);
    expect((1000 + 100) * (2_000_000 - fill.quoteAmount)).toBeCloseTo(1000 * 2_000_000, 0);
    expect(fill.venue).toEqual(pool);
  });

  test('behavior: the fee comes out of the quote and does not move the price', () => {
    const feePool = { ...pool, feeBps: 30 };
    const noFee = sell(pool, { baseAmount: 100, marketPrice: 2000 });
    const withFee = sell(feePool, { baseAmount: 100, marketPrice: 2000 });
    expect(withFee.quoteAmount).toBeCloseTo(noFee.quoteAmount * 0.997, 7);
    expect(withFee.feeQuote).toBeCloseTo(noFee.quoteAmount * 0.003, 7);
    expect(withFee.quoteAmount + withFee.feeQuote).toBeCloseTo(noFee.quoteAmount, 7);
    expect(withFee.priceAfter).toBe(noFee.priceAfter);
  });

  test('behavior: a linear book by hand', () => {
    // p = 100, Δ = 5,000: p·Δ = 500,000 = 10⁸·u*, so u* = 0.005. Quote = ∫₀^0.005 100(1 − u)·10⁸/100 du
    // = 10⁸·(0.005 − 0.005²/2) = 500,000 − 1,250 = 498,750; average 99.75; price after 99.5.
    const fill = sell(linearBook, { baseAmount: 5000, marketPrice: 100 });
    expect(fill.quoteAmount).toBeCloseTo(498_750, 6);
    expect(fill.averagePrice).toBeCloseTo(99.75, 10);
    expect(fill.priceAfter).toBeCloseTo(99.5, 10);
  });

  test('behavior: a quadratic book by hand', () => {
    // p = 50, Δ = 1,000: p·Δ = 50,000 = 10⁹·u*², so u*² = 5·10⁻⁵. Quote = ∫₀^{u*} (1 − u)·2·10⁹·u du
    // = 10⁹·u*² − (2/3)·10⁹·u*³ = 50,000 − (2/3)·10⁹·(5·10⁻⁵)^{3/2}.
    const uStar = Math.sqrt(5e-5);
    const expected = 50_000 - (2 / 3) * 1e9 * 5e-5 * uStar;
    expect(expected).toBeCloseTo(49_764.298, 3);
    const fill = sell(quadraticBook, { baseAmount: 1000, marketPrice: 50 });
    expect(fill.quoteAmount).toBeCloseTo(expected, 6);
    expect(fill.priceAfter).toBeCloseTo(50 * (1 - uStar), 10);
  });

  test('behavior: the closed form matches a numerical walk of the book', () => {
    // Midpoint rule over 200,000 slices of the bid side of the concave book, fee applied after.
    const p = 3;
    const baseAmount = 400_000;
    const fill = sell(sqrtBook, { baseAmount, marketPrice: p });
    const c = sqrtBook.depthQuoteAtReference / sqrtBook.referenceMoveFraction ** sqrtBook.exponent;
    const uStar = ((p * baseAmount) / c) ** (1 / sqrtBook.exponent);
    const n = 200_000;
    let baseSum = 0;
    let quoteSum = 0;
    for (let i = 0; i < n; i++) {
      const lo = (uStar * i) / n;
      const hi = (uStar * (i + 1)) / n;
      const baseInSlice = (c * (hi ** 0.5 - lo ** 0.5)) / p;
      baseSum += baseInSlice;
      quoteSum += baseInSlice * p * (1 - (lo + hi) / 2);
    }
    expect(baseSum).toBeCloseTo(baseAmount, 3);
    expect(fill.quoteAmount / (quoteSum * (1 - 0.001))).toBeCloseTo(1, 7);
    expect(fill.priceAfter).toBeCloseTo(p * (1 - uStar), 12);
  });

  test('behavior: bigger sells fill at a worse average price and leave a lower price', () => {
    for (const [, venue, p] of venues) {
      const cap = Math.min(maxFillBase(venue, 'sell', p), 1e6);
      let lastAvg = Number.POSITIVE_INFINITY;
      let lastAfter = Number.POSITIVE_INFINITY;
      for (const share of [0, 0.01, 0.1, 0.3, 0.6, 1]) {
        const fill = sell(venue, { baseAmount: cap * share, marketPrice: p });
        expect(fill.averagePrice).toBeLessThan(lastAvg);
        if (share > 0) expect(fill.priceAfter).toBeLessThan(lastAfter);
        expect(fill.averagePrice).toBeGreaterThan(fill.priceAfter * (1 - venue.feeBps / 10_000) - 1e-9);
        lastAvg = fill.averagePrice;
        lastAfter = fill.priceAfter;
      }
    }
  });

  test('behavior: a zero sell fills at the price net of the fee and moves nothing', () => {
    for (const [, venue, p] of venues) {
      const fill = sell(venue, { baseAmount: 0, marketPrice: p });
      expect(fill.quoteAmount).toBe(0);
      expect(fill.priceAfter).toBe(p);
      expect(fill.averagePrice).toBeCloseTo(p * (1 - venue.feeBps / 10_000), 12);
    }
  });

  test('behavior: a depth curve fills exactly its extent and no more', () => {
    const cap = maxFillBase(linearBook, 'sell', 100);
    // D(0.5) = 10⁸·0.5 = 5·10⁷ quote, so 5·10⁵ base at p = 100.
    expect(cap).toBeCloseTo(500_000, 6);
    expect(sell(linearBook, { baseAmount: cap, marketPrice: 100 }).priceAfter).toBeCloseTo(50, 9);
    expect(() => sell(linearBook, { baseAmount: cap * 1.0001, marketPrice: 100 })).toThrow(
      InvalidParameterError,
    );
  });

  test('behavior: inputs are not mutated', () => {
    const frozen = Object.freeze({ ...linearBook });
    const request = Object.freeze({ baseAmount: 10, marketPrice: 100 });
    expect(() => sell(frozen, request)).not.toThrow();
    expect(frozen).toEqual(linearBook);
  });

  test('error: bad venue or request, by field', () => {
    const req = { baseAmount: 1, marketPrice: 100 };
    expect(() => sell({ ...pool, liquidity: 0 }, req)).toThrow(InvalidParameterError);
    expect(fieldOf(() => sell({ ...pool, liquidity: -1 }, req))).toBe('liquidity');
    expect(fieldOf(() => sell({ ...pool, feeBps: 10_000 }, req))).toBe('feeBps');
    expect(fieldOf(() => sell({ ...pool, feeBps: -1 }, req))).toBe('feeBps');
    expect(fieldOf(() => sell({ ...linearBook, depthQuoteAtReference: Number.NaN }, req))).toBe(
      'depthQuoteAtReference',
    );
    expect(fieldOf(() => sell({ ...linearBook, referenceMoveFraction: 1 }, req))).toBe(
      'referenceMoveFraction',
    );
    expect(fieldOf(() => sell({ ...linearBook, exponent: 0 }, req))).toBe('exponent');
    expect(fieldOf(() => sell({ ...linearBook, maxMoveFraction: 0 }, req))).toBe('maxMoveFraction');
    expect(fieldOf(() => sell({ ...linearBook, maxMoveFraction: 1 }, req))).toBe('maxMoveFraction');
    expect(fieldOf(() => sell({ kind: 'orderBook' } as unknown as Venue, req))).toBe('kind');
    expect(fieldOf(() => sell(pool, { baseAmount: -1, marketPrice: 100 }))).toBe('baseAmount');
    expect(fieldOf(() => sell(pool, { baseAmount: Number.POSITIVE_INFINITY, marketPrice: 100 }))).toBe(
      'baseAmount',
    );
    expect(fieldOf(() => sell(pool, { baseAmount: 1, marketPrice: 0 }))).toBe('marketPrice');
    expect(fieldOf(() => sell(linearBook, { baseAmount: 1e9, marketPrice: 100 }))).toBe('baseAmount');
  });
});

describe('buy', () => {
  test('default', () => {
    // x = 1000, p = 2000, Δ = 100: average p·x/(x−Δ) = 2000/0.9, price after 2000/0.81, k unchanged.
    const fill = buy(pool, { baseAmount: 100, marketPrice: 2000 });
    expect(fill.side).toBe('buy');
    expect(fill.averagePrice).toBeCloseTo(2000 / 0.9, 9);
    expect(fill.quoteAmount).toBeCloseTo(200_000 / 0.9, 7);
    expect(fill.priceAfter).toBeCloseTo(2000 / 0.81, 9);
    expect((1000 - 100) * (2_000_000 + fill.quoteAmount)).toBeCloseTo(1000 * 2_000_000, 0);
  });

  test('behavior: a linear book by hand, with the fee added to the quote paid', () => {
    // Δ = 5,000 at p = 100: u* = 0.005, gross quote 10⁸·(0.005 + 0.005²/2) = 501,250; fee 20 bps.
    const fill = buy({ ...linearBook, feeBps: 20 }, { baseAmount: 5000, marketPrice: 100 });
    expect(fill.quoteAmount).toBeCloseTo(501_250 * 1.002, 6);
    expect(fill.feeQuote).toBeCloseTo(501_250 * 0.002, 6);
    expect(fill.priceAfter).toBeCloseTo(100.5, 10);
  });

  test('behavior: buying costs more than selling brings, and more the bigger the trade', () => {
    for (const [, venue, p] of venues) {
      const size = Math.min(maxFillBase(venue, 'buy', p), maxFillBase(venue, 'sell', p)) / 10;
      const b = buy(venue, { baseAmount: size, marketPrice: p });
      const s = sell(venue, { baseAmount: size, marketPrice: p });
      expect(b.averagePrice).toBeGreaterThan(p);
      expect(s.averagePrice).toBeLessThan(p);
      expect(buy(venue, { baseAmount: 2 * size, marketPrice: p }).averagePrice).toBeGreaterThan(
        b.averagePrice,
      );
    }
  });

  test('error: a buy that reaches the pool reserve or the book extent', () => {
    // The pool holds exactly 1,000 base at p = 2,000.
    expect(() => buy(pool, { baseAmount: 1000, marketPrice: 2000 })).toThrow(InvalidParameterError);
    expect(fieldOf(() => buy(pool, { baseAmount: 1500, marketPrice: 2000 }))).toBe('baseAmount');
    expect(() => buy(pool, { baseAmount: 999, marketPrice: 2000 })).not.toThrow();
    expect(fieldOf(() => buy(linearBook, { baseAmount: 600_000, marketPrice: 100 }))).toBe('baseAmount');
  });
});

describe('maxFillBase', () => {
  test('default', () => {
    expect(maxFillBase(pool, 'sell', 2000)).toBe(Number.POSITIVE_INFINITY);
    expect(maxFillBase(pool, 'buy', 2000)).toBeCloseTo(1000, 9);
    // Quadratic book: D(0.9) = 10⁹·0.81 quote, at p = 50 that is 1.62·10⁷ base.
    expect(maxFillBase(quadraticBook, 'buy', 50)).toBeCloseTo(1.62e7, 3);
  });

  test('error: bad price', () => {
    expect(fieldOf(() => maxFillBase(pool, 'sell', Number.NaN))).toBe('marketPrice');
  });
});

describe('constantProductFromReserves', () => {
  test('default', () => {
    expect(pool.liquidity).toBeCloseTo(Math.sqrt(2e9), 6);
    // Re-centred at 500 USD/ETH the same k holds 2,000 ETH and 1,000,000 USD.
    const at500 = reservesAt(pool, 500);
    expect(at500.baseReserve).toBeCloseTo(2000, 9);
    expect(at500.quoteReserve).toBeCloseTo(1_000_000, 6);
  });

  test('error: non-positive reserve', () => {
    expect(fieldOf(() => constantProductFromReserves({ baseReserve: 0, quoteReserve: 1, feeBps: 0 }))).toBe(
      'baseReserve',
    );
    expect(fieldOf(() => constantProductFromReserves({ baseReserve: 1, quoteReserve: -1, feeBps: 0 }))).toBe(
      'quoteReserve',
    );
    expect(fieldOf(() => reservesAt(pool, -5))).toBe('marketPrice');
  });
});

describe('validateVenue', () => {
  test('default', () => {
    expect(validateVenue(linearBook)).toBe(linearBook);
  });

  test('error: unknown kind', () => {
    expect(() => validateVenue({ kind: 'x', feeBps: 0 } as unknown as Venue)).toThrow(InvalidParameterError);
  });
});

describe('depthMultiplier', () => {
  const thinning = { sensitivity: 2, floorFraction: 0.1 };

  test('default', () => {
    expect(depthMultiplier(0, thinning)).toBe(1);
    // e^{−2·ln2/2} = 1/2, so m = 0.1 + 0.9·0.5 = 0.55.
    expect(depthMultiplier(Math.LN2 / 2, thinning)).toBeCloseTo(0.55, 12);
  });

  test('behavior: more stress, thinner, down to the floor', () => {
    let last = 1.0000001;
    for (const stress of [0, 0.1, 0.5, 1, 2, 5]) {
      const m = depthMultiplier(stress, thinning);
      expect(m).toBeLessThan(last);
      expect(m).toBeGreaterThan(0.1);
      last = m;
    }
    expect(depthMultiplier(100, thinning)).toBeCloseTo(0.1, 12);
    expect(depthMultiplier(3, { sensitivity: 0, floorFraction: 0.1 })).toBe(1);
  });

  test('error: bad stress or thinning', () => {
    expect(fieldOf(() => depthMultiplier(-1, thinning))).toBe('stress');
    expect(fieldOf(() => depthMultiplier(1, { sensitivity: -1, floorFraction: 0.1 }))).toBe('sensitivity');
    expect(fieldOf(() => depthMultiplier(1, { sensitivity: 1, floorFraction: 0 }))).toBe('floorFraction');
    expect(fieldOf(() => depthMultiplier(1, { sensitivity: 1, floorFraction: 1.5 }))).toBe('floorFraction');
  });
});

describe('thinVenue', () => {
  test('default', () => {
    const thin = thinVenue(pool, 0.25);
    expect(thin.kind === 'constantProduct' && thin.liquidity).toBeCloseTo(pool.liquidity * 0.25, 9);
    // Quarter of L: at 2,000 USD/ETH the pool holds 250 ETH, so a 100 ETH sell averages 2000·250/350.
    expect(sell(thin, { baseAmount: 100, marketPrice: 2000 }).averagePrice).toBeCloseTo(
      (2000 * 250) / 350,
      9,
    );
  });

  test('behavior: depth is homogeneous: m·Δ in the thinned venue fills like Δ in the original', () => {
    for (const [, venue, p] of venues) {
      const size = Math.min(maxFillBase(venue, 'sell', p), 1e6) / 5;
      const original = sell(venue, { baseAmount: size, marketPrice: p });
      const thinned = sell(thinVenue(venue, 0.05), { baseAmount: size * 0.05, marketPrice: p });
      expect(thinned.averagePrice / original.averagePrice).toBeCloseTo(1, 10);
      expect(thinned.priceAfter / original.priceAfter).toBeCloseTo(1, 10);
    }
  });

  test('behavior: the size that costs 4 % slippage falls with depth (history §8: 10–100×)', () => {
    // Constant product: average p·x/(x+Δ) = 0.96·p at Δ = x·0.04/0.96. At a floor of 0.05 the pool
    // keeps 5 % of its depth, so the 4 % size falls 20×, inside the 10–100× seen on Curve in 2023.
    const stressed = stressedVenue(pool, 50, { sensitivity: 1, floorFraction: 0.05 });
    const x = reservesAt(pool, 2000).baseReserve;
    const xStressed = reservesAt(stressed as ConstantProductVenue, 2000).baseReserve;
    expect(x / xStressed).toBeCloseTo(20, 9);
    const size = (x * 0.04) / 0.96;
    const sizeStressed = (xStressed * 0.04) / 0.96;
    expect(sell(pool, { baseAmount: size, marketPrice: 2000 }).averagePrice).toBeCloseTo(1920, 9);
    expect(sell(stressed, { baseAmount: sizeStressed, marketPrice: 2000 }).averagePrice).toBeCloseTo(1920, 9);
  });

  test('behavior: more stress gives a worse fill for the same sell', () => {
    const thinning = { sensitivity: 1, floorFraction: 0.02 };
    let last = Number.POSITIVE_INFINITY;
    for (const stress of [0, 0.5, 1, 2, 4]) {
      const avg = sell(stressedVenue(linearBook, stress, thinning), {
        baseAmount: 5000,
        marketPrice: 100,
      }).averagePrice;
      expect(avg).toBeLessThan(last);
      last = avg;
    }
  });

  test('error: bad multiplier', () => {
    expect(fieldOf(() => thinVenue(pool, 0))).toBe('depthMultiplier');
    expect(fieldOf(() => thinVenue(pool, Number.POSITIVE_INFINITY))).toBe('depthMultiplier');
  });
});

describe('realizedVolatilityPerYear', () => {
  test('default', () => {
    // Daily log-returns of ±1 %: realized variance 10⁻⁴ per day, so 0.01·√365 per year.
    const prices = [100, 100 * Math.exp(0.01), 100, 100 * Math.exp(0.01), 100];
    expect(realizedVolatilityPerYear(prices, 86_400)).toBeCloseTo(0.01 * Math.sqrt(365), 12);
    expect(realizedVolatilityPerYear([5, 5, 5], 60)).toBe(0);
  });

  test('error: too few or bad prices, bad step', () => {
    expect(fieldOf(() => realizedVolatilityPerYear([100], 60))).toBe('prices');
    expect(fieldOf(() => realizedVolatilityPerYear([100, 0], 60))).toBe('prices[1]');
    expect(fieldOf(() => realizedVolatilityPerYear([100, 101], 0))).toBe('stepSeconds');
  });
});

describe('drawdownFraction', () => {
  test('default', () => {
    expect(drawdownFraction([100, 120, 90])).toBeCloseTo(0.25, 15);
    expect(drawdownFraction([100, 90, 130])).toBe(0);
  });

  test('error: bad prices', () => {
    expect(fieldOf(() => drawdownFraction([100, -1]))).toBe('prices[1]');
  });
});

describe('volatilityStress', () => {
  test('default', () => {
    expect(volatilityStress({ realizedVolatilityPerYear: 3.2, baselineVolatilityPerYear: 0.8 })).toBeCloseTo(
      3,
      12,
    );
    expect(volatilityStress({ realizedVolatilityPerYear: 0.4, baselineVolatilityPerYear: 0.8 })).toBe(0);
  });

  test('error: bad volatility', () => {
    expect(
      fieldOf(() => volatilityStress({ realizedVolatilityPerYear: 1, baselineVolatilityPerYear: 0 })),
    ).toBe('baselineVolatilityPerYear');
    expect(
      fieldOf(() => volatilityStress({ realizedVolatilityPerYear: -1, baselineVolatilityPerYear: 1 })),
    ).toBe('realizedVolatilityPerYear');
  });
});

describe('decay', () => {
  const state = createImpactState({ halfLifeSeconds: 600, logImpact: -0.08 });

  test('default', () => {
    // After one half-life the impact is exactly halved, after two quartered.
    expect(decay(state, 600).logImpact).toBe(-0.04);
    expect(decay(state, 1200).logImpact).toBe(-0.02);
    expect(decay(state, 0).logImpact).toBe(-0.08);
    expect(decay(state, 600).halfLifeSeconds).toBe(600);
  });

  test('behavior: decays to zero, in any split of the time', () => {
    expect(Math.abs(decay(state, 600 * 100).logImpact)).toBeLessThan(1e-31);
    let stepped = state;
    for (let i = 0; i < 10; i++) stepped = decay(stepped, 90);
    expect(stepped.logImpact).toBeCloseTo(decay(state, 900).logImpact, 15);
    expect(Math.abs(stepped.logImpact)).toBeLessThan(0.08);
    expect(
      decay(createImpactState({ halfLifeSeconds: Number.POSITIVE_INFINITY, logImpact: -0.1 }), 1e9).logImpact,
    ).toBe(-0.1);
  });

  test('error: bad state or time', () => {
    expect(fieldOf(() => decay(state, -1))).toBe('dtSeconds');
    expect(fieldOf(() => createImpactState({ halfLifeSeconds: 0 }))).toBe('halfLifeSeconds');
    expect(fieldOf(() => createImpactState({ halfLifeSeconds: 60, logImpact: Number.NaN }))).toBe(
      'logImpact',
    );
    expect(fieldOf(() => decay({ logImpact: 0, halfLifeSeconds: -5 }, 1))).toBe('halfLifeSeconds');
  });
});

describe('applyFill', () => {
  test('default', () => {
    // Exogenous 2,000 with an earlier impact of ln 0.9: the venue trades at 1,800; selling 100 of
    // the pool's x = L/√1800 moves it to 1800·x²/(x+100)², which is then the simulated price.
    let impact = createImpactState({ halfLifeSeconds: 300, logImpact: Math.log(0.9) });
    const priceNow = impactedPrice(impact, 2000);
    expect(priceNow).toBeCloseTo(1800, 9);
    const fill = sell(pool, { baseAmount: 100, marketPrice: priceNow });
    const x = pool.liquidity / Math.sqrt(1800);
    expect(fill.priceAfter).toBeCloseTo((1800 * x * x) / (x + 100) ** 2, 9);
    impact = applyFill(impact, fill);
    expect(impactedPrice(impact, 2000)).toBeCloseTo(fill.priceAfter, 9);
    // One half-life later the simulated price has recovered half of the log move.
    expect(impactedPrice(decay(impact, 300), 2000)).toBeCloseTo(2000 * Math.sqrt(fill.priceAfter / 2000), 9);
  });

  test('error: bad fill or price', () => {
    const impact = createImpactState({ halfLifeSeconds: 300 });
    const fill = sell(pool, { baseAmount: 1, marketPrice: 2000 });
    expect(fieldOf(() => applyFill(impact, { ...fill, priceAfter: 0 }))).toBe('priceAfter');
    expect(fieldOf(() => impactedPrice(impact, 0))).toBe('exogenousPrice');
  });
});

describe('cascadeDepth', () => {
  test('default', () => {
    expect(
      cascadeDepth({ liquidationVolumes: [5, 3, 2, 0], liquidationLogImpacts: [-0.02, -0.01, -0.005, 0] }),
    ).toEqual({ maxDepth: 2, seedStep: 0, triggeredSteps: 2 });
  });

  test('behavior: runs, gaps and the deepest one', () => {
    // Steps 1 and 2 follow impact (run of 2 seeded at 0); step 3 has no liquidations; step 4 follows
    // no impact (step 3 had none); step 5 follows step 4's impact (run of 1 seeded at 4); then a run
    // of 3 seeded at 6 (steps 7, 8, 9).
    const volumes = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1];
    const impacts = [-0.01, -0.01, -0.01, 0, -0.01, 0, -0.02, -0.02, -0.02, 0];
    expect(cascadeDepth({ liquidationVolumes: volumes, liquidationLogImpacts: impacts })).toEqual({
      maxDepth: 3,
      seedStep: 6,
      triggeredSteps: 6,
    });
    // Only pushes bigger than 1.5 % count: the first runs vanish, the last stays.
    expect(
      cascadeDepth({ liquidationVolumes: volumes, liquidationLogImpacts: impacts, minLogImpact: 0.015 }),
    ).toEqual({ maxDepth: 3, seedStep: 6, triggeredSteps: 3 });
    // Upward pushes (short liquidations buying) count by magnitude.
    expect(cascadeDepth({ liquidationVolumes: [2, 2], liquidationLogImpacts: [0.01, 0.01] }).maxDepth).toBe(
      1,
    );
  });

  test('behavior: no cascade', () => {
    expect(cascadeDepth({ liquidationVolumes: [], liquidationLogImpacts: [] })).toEqual({
      maxDepth: 0,
      seedStep: -1,
      triggeredSteps: 0,
    });
    // Liquidations every step but they never moved the price.
    expect(cascadeDepth({ liquidationVolumes: [1, 1, 1], liquidationLogImpacts: [0, 0, 0] }).maxDepth).toBe(
      0,
    );
    // Impact with no liquidations recorded behind it does not count.
    expect(cascadeDepth({ liquidationVolumes: [0, 1], liquidationLogImpacts: [-0.1, 0] }).maxDepth).toBe(0);
  });

  test('error: by field', () => {
    expect(fieldOf(() => cascadeDepth({ liquidationVolumes: [1, 2], liquidationLogImpacts: [0] }))).toBe(
      'liquidationLogImpacts',
    );
    expect(fieldOf(() => cascadeDepth({ liquidationVolumes: [1, -2], liquidationLogImpacts: [0, 0] }))).toBe(
      'liquidationVolumes[1]',
    );
    expect(
      fieldOf(() => cascadeDepth({ liquidationVolumes: [1, 2], liquidationLogImpacts: [0, Number.NaN] })),
    ).toBe('liquidationLogImpacts[1]');
    expect(
      fieldOf(() => cascadeDepth({ liquidationVolumes: [1], liquidationLogImpacts: [0], minLogImpact: -1 })),
    ).toBe('minLogImpact');
  });
});

describe('liquidation loop', () => {
  /**
   * Five accounts each sell 10 base when the price reaches their liquidation price (99.5, 98.9,
   * 98.3, 97.7, 97.1); the exogenous price drops from 100 to 99.4 and stays. A linear book whose
   * normal depth is $1,000,000 within 1 % barely moves (10 base at ~99 is 0.001 %); thinned to
   * 0.1 % of that, each 10-base sale moves the price ~1 %, more than the 0.6 spacing, so every
   * liquidation reaches the next account.
   */
  function run(venue: Venue): { readonly liquidated: number; readonly depth: number } {
    const liquidationPrices = [99.5, 98.9, 98.3, 97.7, 97.1];
    const done = liquidationPrices.map(() => false);
    let impact = createImpactState({ halfLifeSeconds: 3600 });
    const volumes: number[] = [];
    const impacts: number[] = [];
    for (let step = 0; step < 10; step++) {
      impact = decay(impact, 60);
      const price = impactedPrice(impact, 99.4);
      let baseToSell = 0;
      liquidationPrices.forEach((lp, i) => {
        if (!done[i] && price <= lp) {
          done[i] = true;
          baseToSell += 10;
        }
      });
      const fill = sell(venue, { baseAmount: baseToSell, marketPrice: price });
      volumes.push(baseToSell);
      impacts.push(Math.log(fill.priceAfter / fill.priceBefore));
      impact = applyFill(impact, fill);
    }
    return {
      liquidated: done.filter(Boolean).length,
      depth: cascadeDepth({ liquidationVolumes: volumes, liquidationLogImpacts: impacts }).maxDepth,
    };
  }

  const calm = { ...linearBook, maxMoveFraction: 0.2 };

  test('default', () => {
    expect(run(calm)).toEqual({ liquidated: 1, depth: 0 });
  });

  test('behavior: thinning under stress turns one liquidation into a cascade', () => {
    const stressed = stressedVenue(calm, 20, { sensitivity: 1, floorFraction: 0.001 });
    // By hand: D_ref ≈ 1,000, so 10 base at ~99.4 walks u ≈ 0.0099: 99.4 → ~98.4 (account 2 is hit),
    // → ~97.45 (accounts 3 and 4, 20 base, u ≈ 0.0195) → ~95.6 (account 5). Volumes 10, 10, 20, 10:
    // seed step 0 and three triggered steps.
    expect(run(stressed)).toEqual({ liquidated: 5, depth: 3 });
  });
});
