/**
 * The stress lab's Book → perpetual positions mapping: each book account (ETH collateral, USD
 * debt) becomes a trader with an ETH-USD position and USD margin, sized from the book and placed
 * as far from its liquidation as the lending account is. Floats only (the rigs turn them into
 * each model's integers, rounding down).
 *
 * ## The mapping (ASSUMPTIONS, documented here once)
 * - Notional = the account's ETH collateral value at the start price (a lending account that holds
 *   V of ETH carries V of ETH price risk).
 * - Side: every fourth account (index mod 4 = 3 in book order) is short, the rest long: about 25 %
 *   shorts, so auto-deleveraging has profitable opposite positions to close in a crash. The share
 *   is not sourced; history.md §10 only says the 2025-10-10 liquidations were mostly longs.
 * - Margin: the book's health is its collateral ratio r = V / debt against the synthetic book's
 *   floor c = 1.5 (DEFAULT_MIN_COLLATERAL_RATIO): the lending account is liquidated after a price
 *   fall d = 1 − c/r. The perp gets the margin that reaches the model's maintenance margin rate m
 *   after the same move: a long holds M = N·(1 − (1 − d)(1 − m)) (its equity M − N·d equals
 *   m·N·(1 − d) at the fallen price), a short M = N·(d + m(1 + d)) (liquidated after a rise d).
 *   With no debt, d = 1 (a long at 1x).
 * - The model's initial margin comes first: a margin below N·(im·1.1 + opening cost) is raised to
 *   it (counted as clamped), since the protocol would refuse to open the book's riskiest accounts.
 *
 * ## Hedged books ({@link perpsHedgePlan}, for protocols with several markets; ASSUMPTIONS)
 * - Every second planned position (odd index in plan order, {@link PERPS_HEDGE_EVERY}) becomes a
 *   cross account with a hedge leg: the opposite side, {@link PERPS_HEDGE_RATIO} (½) of the ETH
 *   leg's notional, in the hedge markets in turn (the protocol's other markets whose price the run
 *   has: another ETH venue, BTC, SOL). A dollar-for-dollar half hedge, the shape of a basis or
 *   relative-value trader; not sourced.
 * - Its margin adds the hedge leg's initial-margin floor, notional·(im·1.1 + opening cost), to the
 *   ETH leg's: the same deposits whatever the protocol's cross-margin stage, so the stages differ
 *   only in when they liquidate the same accounts.
 * - The rest of the book (even indexes) is unchanged, and so is the whole book of a one-market
 *   protocol.
 */
import { type Book, DEFAULT_MIN_COLLATERAL_RATIO } from '../book.js';

/** A model's margin rates at a notional, fractions of it (0.02 = 2 %). */
export interface PerpsMarginRates {
  readonly initial: number;
  readonly maintenance: number;
}

/** One position the mapping plans. */
export interface PerpsBookPosition {
  /** The book account id (also the protocol account id, except on GMX). */
  readonly account: string;
  readonly side: 'long' | 'short';
  /** Notional at the start price, USD. */
  readonly notionalUsd: number;
  /** Margin, USD. */
  readonly marginUsd: number;
  /** The book's collateral ratio (collateral value / debt); Infinity without debt. */
  readonly collateralRatio: number;
  /** The adverse price move (fraction) that takes the position to maintenance, as for the book account. */
  readonly distanceToLiquidation: number;
  /** Whether the margin was raised to the model's initial margin. */
  readonly clamped: boolean;
  /** A hedge leg in another market of the same cross account (hedged books only). */
  readonly hedge?: PerpsHedgeLeg;
}

/** The hedge leg of a hedged account. */
export interface PerpsHedgeLeg {
  readonly market: string;
  readonly side: 'long' | 'short';
  /** Notional at the hedge market's start price, USD. */
  readonly notionalUsd: number;
  /** Margin posted for it (included in the position's `marginUsd`), USD. */
  readonly marginUsd: number;
}

/** A market a hedge leg can be opened in. */
export interface PerpsHedgeMarket {
  readonly market: string;
  /** The market's margin rates at a notional (USD). */
  readonly rates: (notionalUsd: number) => PerpsMarginRates;
  /** What opening costs there (fee, slippage), fraction of notional. */
  readonly openingCost: number;
}

/** Every `PERPS_HEDGE_EVERY`-th planned position (the last of each group) carries a hedge leg. */
export const PERPS_HEDGE_EVERY = 2;

/** A hedge leg's notional, fraction of the ETH leg's. */
export const PERPS_HEDGE_RATIO = 0.5;

/**
 * A plan with hedge legs (see the file header): every {@link PERPS_HEDGE_EVERY}-th position gets
 * the opposite side in `markets[k mod n]` (k counting the hedged accounts) at
 * {@link PERPS_HEDGE_RATIO} of its notional, with that leg's initial-margin floor added to its
 * margin; the totals include the hedge legs. The plan unchanged without markets. Never throws.
 */
export function perpsHedgePlan(plan: PerpsBookPlan, markets: readonly PerpsHedgeMarket[]): PerpsBookPlan {
  if (markets.length === 0) return plan;
  let longUsd = plan.longUsd;
  let shortUsd = plan.shortUsd;
  let hedged = 0;
  const positions = plan.positions.map((p, index) => {
    if (index % PERPS_HEDGE_EVERY !== PERPS_HEDGE_EVERY - 1) return p;
    const m = markets[hedged % markets.length]!;
    hedged += 1;
    const side = p.side === 'long' ? 'short' : 'long';
    const notionalUsd = p.notionalUsd * PERPS_HEDGE_RATIO;
    const marginUsd = notionalUsd * (m.rates(notionalUsd).initial * 1.1 + m.openingCost);
    if (side === 'long') longUsd += notionalUsd;
    else shortUsd += notionalUsd;
    return {
      ...p,
      marginUsd: p.marginUsd + marginUsd,
      hedge: { market: m.market, side, notionalUsd, marginUsd },
    } satisfies PerpsBookPosition;
  });
  return { ...plan, positions, longUsd, shortUsd };
}

/** Why a book account has no position. */
export type PerpsSkipReason = 'unsupported-collateral' | 'zero-collateral' | 'dust' | 'refused';

/** A book account the mapping (or the protocol) left out. */
export interface PerpsSkipped {
  readonly account: string;
  readonly reason: PerpsSkipReason;
  readonly detail: string;
}

/** What {@link perpsBookPlan} returns. */
export interface PerpsBookPlan {
  readonly positions: readonly PerpsBookPosition[];
  readonly skipped: readonly PerpsSkipped[];
  /** Σ notional of the longs and of the shorts, USD. */
  readonly longUsd: number;
  readonly shortUsd: number;
}

/** Every `PERPS_SHORT_EVERY`-th account of the book (the last of each group) is short: 25 %. */
export const PERPS_SHORT_EVERY = 4;

/** Options of {@link perpsBookPlan}. */
export interface PerpsBookPlanOptions {
  /** ETH price at the start, USD (> 0). */
  readonly priceUsd: number;
  /** The model's margin rates at a notional (USD). */
  readonly rates: (notionalUsd: number) => PerpsMarginRates;
  /** What opening costs (fee, slippage), fraction of notional, added to the initial-margin floor. */
  readonly openingCost: number;
  /** The collateral asset of the book that becomes ETH exposure (default `ETH`). */
  readonly asset?: string;
  /** The book's floor collateral ratio (default {@link DEFAULT_MIN_COLLATERAL_RATIO}). */
  readonly minCollateralRatio?: number;
}

/**
 * Plans the positions of a book (see the file header for the mapping). Never throws: accounts
 * without the asset or with zero collateral are skipped with the reason.
 */
export function perpsBookPlan(book: Book, options: PerpsBookPlanOptions): PerpsBookPlan {
  const asset = options.asset ?? 'ETH';
  const floorRatio = options.minCollateralRatio ?? DEFAULT_MIN_COLLATERAL_RATIO;
  const positions: PerpsBookPosition[] = [];
  const skipped: PerpsSkipped[] = [];
  let longUsd = 0;
  let shortUsd = 0;
  book.accounts.forEach((a, index) => {
    const lines = a.collateral.filter((c) => c.asset === asset);
    if (lines.length === 0) {
      skipped.push({ account: a.id, reason: 'unsupported-collateral', detail: `no ${asset} collateral` });
      return;
    }
    const notionalUsd = lines.reduce((s, c) => s + c.amountWhole, 0) * options.priceUsd;
    if (!(notionalUsd > 0)) {
      skipped.push({ account: a.id, reason: 'zero-collateral', detail: `${asset} worth $${notionalUsd}` });
      return;
    }
    const side = index % PERPS_SHORT_EVERY === PERPS_SHORT_EVERY - 1 ? 'short' : 'long';
    const ratio = a.debtUsd > 0 ? notionalUsd / a.debtUsd : Number.POSITIVE_INFINITY;
    const d = Math.min(1, Math.max(0, 1 - floorRatio / ratio));
    const rates = options.rates(notionalUsd);
    const m = rates.maintenance;
    const wanted = side === 'long' ? notionalUsd * (1 - (1 - d) * (1 - m)) : notionalUsd * (d + m * (1 + d));
    const floor = notionalUsd * (rates.initial * 1.1 + options.openingCost);
    const clamped = wanted < floor;
    positions.push({
      account: a.id,
      side,
      notionalUsd,
      marginUsd: clamped ? floor : wanted,
      collateralRatio: ratio,
      distanceToLiquidation: d,
      clamped,
    });
    if (side === 'long') longUsd += notionalUsd;
    else shortUsd += notionalUsd;
  });
  return { positions, skipped, longUsd, shortUsd };
}
