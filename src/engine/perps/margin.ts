/**
 * Margin calculus of perpetual positions: value and notional of a size at a price, unrealized PnL,
 * pending funding, tiered initial and maintenance requirements, an account's cross and isolated
 * equity against them, leverage, and the least size to close to bring an account back to a target.
 *
 * Rounding (one place each, always against the account): values and unrealized PnL round toward
 * −∞, pending funding owed rounds toward +∞, notionals and requirements round up.
 */
import { assert } from '../../math/errors.js';
import { divSigned, max, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { type NettedExposure, netExposure, nettingLiquidationLeg } from './netting.js';
import { type PortfolioRequirement, portfolioLiquidationLeg, portfolioRequirement } from './portfolio.js';
import {
  crossBucket,
  FUNDING_INDEX_SCALE,
  isolatedBucket,
  type MarginTier,
  marketIds,
  type PerpMarketState,
  type PerpMarks,
  type PerpPosition,
  type PerpScales,
  type PerpsMarginStage,
  type PerpsView,
  PPM_SCALE,
  positionOf,
  quoteBalance,
  underlyingOf,
} from './types.js';

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/**
 * Quote value of a signed size at a price: sizeBase · price · 10^quoteDecimals /
 * 10^(baseDecimals + priceDecimals), rounded as asked (Down = toward −∞, Up = toward +∞).
 * @param sizeBase signed base units; @param price quote per whole base × 10^priceDecimals.
 */
export function valueQuote(sizeBase: bigint, price: bigint, scales: PerpScales, rounding: Rounding): bigint {
  return divSigned(
    sizeBase * price * pow10(scales.quoteDecimals),
    pow10(scales.baseDecimals + scales.priceDecimals),
    rounding,
  );
}

/**
 * Notional of a position, |sizeBase| · price in quote units, rounded up (requirements are computed
 * from it, so it never understates the risk).
 */
export function notionalQuote(sizeBase: bigint, price: bigint, market: PerpScales): bigint {
  return valueQuote(abs(sizeBase), price, market, Rounding.Up);
}

/**
 * Unrealized PnL of a position at `price`, quote units: value(size, price) − entryQuote, the value
 * rounded toward −∞ (favours the protocol). Funding not yet settled is not included (see
 * {@link pendingFundingQuote}).
 */
export function unrealizedPnlQuote(position: PerpPosition, price: bigint, market: PerpScales): bigint {
  return valueQuote(position.sizeBase, price, market, Rounding.Down) - position.entryQuote;
}

/** The funding index a position of this size settles against (longs: long index; shorts: short). */
export function sideFundingIndex(sizeBase: bigint, market: PerpMarketState): bigint {
  return sizeBase >= 0n ? market.fundingIndexLong : market.fundingIndexShort;
}

/**
 * Funding a position owes since it last settled, quote units (negative: it is owed funding):
 * sizeBase · (index − fundingIndexSettled) / 1e18, rounded toward +∞ (payers pay the extra unit,
 * receivers get the unit less: favours the protocol).
 */
export function pendingFundingQuote(position: PerpPosition, market: PerpMarketState): bigint {
  if (position.sizeBase === 0n) return 0n;
  const delta = sideFundingIndex(position.sizeBase, market) - position.fundingIndexSettled;
  return divSigned(position.sizeBase * delta, FUNDING_INDEX_SCALE, Rounding.Up);
}

/** The tier that applies to a notional: the first whose cap is null or ≥ the notional. */
export function marginTierFor(notional: bigint, tiers: readonly MarginTier[]): MarginTier {
  for (const tier of tiers) {
    if (tier.upToNotionalQuote === null || notional <= tier.upToNotionalQuote) return tier;
  }
  const last = tiers[tiers.length - 1];
  if (last === undefined) throw new InvalidParameterError('marginTiers', 'needs at least one tier');
  return last;
}

/**
 * Initial or maintenance margin of one position's notional (quote units) under tiers: the tier of
 * the notional applies to the whole notional (Hyperliquid's schedule), IM = ceil(n·im/1e6),
 * MM = max(0, ceil(n·mm/1e6) − maintenanceDeductionQuote). Rounded up: requirements never
 * understate.
 * @throws InvalidParameterError when `tiers` is empty.
 */
export function marginRequirementQuote(
  notional: bigint,
  tiers: readonly MarginTier[],
  kind: 'initial' | 'maintenance',
): bigint {
  if (notional === 0n) return 0n;
  const tier = marginTierFor(notional, tiers);
  if (kind === 'initial') return divSigned(notional * tier.initialMarginPpm, PPM_SCALE, Rounding.Up);
  const gross = divSigned(notional * tier.maintenanceMarginPpm, PPM_SCALE, Rounding.Up);
  return max(0n, gross - (tier.maintenanceDeductionQuote ?? 0n));
}

/**
 * Checks margin tiers: at least one; caps strictly increasing with only the last one null; rates
 * in (0, 1e6] with maintenance ≤ initial; deductions ≥ 0; and maintenance and initial margins that
 * never fall as the notional grows (rates non-decreasing, and at each cap the next tier's
 * maintenance margin is at least this tier's), which {@link sizeToCloseForTarget} relies on.
 * @param path dotted path of the tiers in error fields (`params.markets.0.marginTiers`).
 * @throws InvalidParameterError naming the tier field.
 */
export function validateMarginTiers(tiers: readonly MarginTier[], path: string): void {
  if (tiers.length === 0) throw new InvalidParameterError(path, 'needs at least one tier');
  for (const [i, t] of tiers.entries()) {
    const at = `${path}.${i}`;
    const last = i === tiers.length - 1;
    if (last !== (t.upToNotionalQuote === null)) {
      throw new InvalidParameterError(`${at}.upToNotionalQuote`, 'only the last tier is unbounded (null)');
    }
    if (t.initialMarginPpm <= 0n || t.initialMarginPpm > PPM_SCALE) {
      throw new InvalidParameterError(`${at}.initialMarginPpm`, 'expected a rate in (0, 1e6] ppm');
    }
    if (t.maintenanceMarginPpm <= 0n || t.maintenanceMarginPpm > t.initialMarginPpm) {
      throw new InvalidParameterError(
        `${at}.maintenanceMarginPpm`,
        'expected a rate in (0, initialMarginPpm]',
      );
    }
    if ((t.maintenanceDeductionQuote ?? 0n) < 0n) {
      throw new InvalidParameterError(`${at}.maintenanceDeductionQuote`, 'expected ≥ 0');
    }
    const prev = tiers[i - 1];
    if (prev === undefined) continue;
    const cap = prev.upToNotionalQuote;
    if (cap === null || (t.upToNotionalQuote !== null && t.upToNotionalQuote <= cap)) {
      throw new InvalidParameterError(`${at}.upToNotionalQuote`, 'caps must increase strictly');
    }
    if (t.initialMarginPpm < prev.initialMarginPpm || t.maintenanceMarginPpm < prev.maintenanceMarginPpm) {
      throw new InvalidParameterError(`${at}`, 'margin rates must not fall in a higher tier');
    }
    // Exact at the cap: cap·mm_prev/1e6 − d_prev ≤ cap·mm/1e6 − d.
    const before = cap * prev.maintenanceMarginPpm - (prev.maintenanceDeductionQuote ?? 0n) * PPM_SCALE;
    const after = cap * t.maintenanceMarginPpm - (t.maintenanceDeductionQuote ?? 0n) * PPM_SCALE;
    if (after < before) {
      throw new InvalidParameterError(
        `${at}.maintenanceDeductionQuote`,
        'makes the maintenance margin fall at the tier boundary',
      );
    }
  }
}

/** One position valued at its mark. */
export interface PositionMargin {
  /** |size|·mark, quote units, rounded up. */
  readonly notionalQuote: bigint;
  /** value − entry − pending funding, quote units, rounded toward −∞. */
  readonly unrealizedPnlQuote: bigint;
  readonly initialQuote: bigint;
  readonly maintenanceQuote: bigint;
}

/** Equity and requirements of one margin scope (the cross account, or one isolated position). */
export interface MarginScope {
  /** Collateral in the scope's bucket, quote units. */
  readonly collateralQuote: bigint;
  /** Σ unrealized PnL of the scope's positions (after pending funding), quote units. */
  readonly unrealizedPnlQuote: bigint;
  /** collateral + unrealized PnL, quote units. */
  readonly equityQuote: bigint;
  /** Σ notionals, quote units. */
  readonly notionalQuote: bigint;
  /** Σ initial margins, quote units. */
  readonly initialQuote: bigint;
  /** Σ maintenance margins, quote units. */
  readonly maintenanceQuote: bigint;
}

/** An account's margin: the cross scope at the top level, and each isolated position. */
export interface AccountMargin extends MarginScope {
  /** Isolated positions by market id. */
  readonly isolated: Readonly<Record<string, MarginScope>>;
  /**
   * With a cross-margin stage configured (the book's `marginStage`): its reading of the cross
   * scope, beside the per-position sum; the scope's `maintenanceQuote` and `initialQuote` are then
   * the stage's. Absent without a stage.
   */
  readonly stage?: CrossMarginStage;
}

/** An open cross position's figures, as the cross-margin stages read them. */
export interface CrossLeg {
  readonly market: string;
  /** The market's underlying (its `underlying`, else its oracle asset). */
  readonly underlying: string;
  /** Signed base units (≠ 0). */
  readonly sizeBase: bigint;
  /** |size|·mark, quote units, rounded up (the notional requirements use). */
  readonly notionalUpQuote: bigint;
  /** |size|·mark, quote units, rounded down. */
  readonly notionalDownQuote: bigint;
  /** The position's own tiered initial and maintenance margins, quote units. */
  readonly initialQuote: bigint;
  readonly maintenanceQuote: bigint;
  readonly marginTiers: readonly MarginTier[];
}

/** What a cross-margin stage makes of a cross scope. */
export interface CrossMarginStage {
  readonly kind: PerpsMarginStage['kind'];
  /** Today's rule: Σ tiered maintenance margins of the cross positions, quote units. */
  readonly perPositionMaintenanceQuote: bigint;
  /** Σ tiered initial margins of the cross positions, quote units. */
  readonly perPositionInitialQuote: bigint;
  /** The configured maintenance requirement (the scope's `maintenanceQuote`), quote units. */
  readonly maintenanceQuote: bigint;
  /**
   * The initial requirement, quote units. Portfolio: ⌈requirement × initialFactorPpm/1e6⌉ when the
   * factor is configured, else the per-position sum raised to the requirement if that is higher
   * (an opening is never liquidatable at once). Netting: Σ each leg's tiered initial margin on its
   * effective notional (a clearing house margins the net for both).
   */
  readonly initialQuote: bigint;
  /** The portfolio margin's figures (kind `portfolio`). */
  readonly portfolio?: PortfolioRequirement;
  /** The netting's groups and each leg's requirement on its effective notional (kind `netting`). */
  readonly netting?: NettedExposure & { readonly maintenanceByMarketQuote: Readonly<Record<string, bigint>> };
  /** The leg a liquidation closes first (undefined without legs). */
  readonly liquidationMarket?: string;
}

/**
 * A cross position as a {@link CrossLeg} at `mark`.
 * @param position a position of size ≠ 0 in `market`.
 */
export function crossLeg(position: PerpPosition, market: PerpMarketState, mark: bigint): CrossLeg {
  const c = market.config;
  const up = notionalQuote(position.sizeBase, mark, c);
  const size = position.sizeBase < 0n ? -position.sizeBase : position.sizeBase;
  return {
    market: c.market,
    underlying: underlyingOf(c),
    sizeBase: position.sizeBase,
    notionalUpQuote: up,
    notionalDownQuote: valueQuote(size, mark, c, Rounding.Down),
    initialQuote: marginRequirementQuote(up, c.marginTiers, 'initial'),
    maintenanceQuote: marginRequirementQuote(up, c.marginTiers, 'maintenance'),
    marginTiers: c.marginTiers,
  };
}

/**
 * A cross scope's requirements under a stage (portfolio.ts, netting.ts), beside the per-position
 * sums. Portfolio: maintenance = the portfolio requirement; initial = ⌈maintenance ×
 * initialFactorPpm/1e6⌉ with the factor, else max(Σ IM, maintenance). Netting: maintenance and
 * initial = Σ each leg's tiered margins on its effective notional (never above the per-position
 * sums: effective ≤ own notional and tiers never fall).
 * @param legs the scope's open cross positions, sorted by market.
 */
export function crossMarginStage(stage: PerpsMarginStage, legs: readonly CrossLeg[]): CrossMarginStage {
  let mm = 0n;
  let im = 0n;
  for (const l of legs) {
    mm += l.maintenanceQuote;
    im += l.initialQuote;
  }
  const base = { kind: stage.kind, perPositionMaintenanceQuote: mm, perPositionInitialQuote: im };
  if (stage.kind === 'portfolio') {
    const req = portfolioRequirement(legs, stage.portfolio, mm);
    const market = portfolioLiquidationLeg(legs, req);
    const factor = stage.portfolio.initialFactorPpm;
    return {
      ...base,
      maintenanceQuote: req.requirementQuote,
      initialQuote:
        factor === undefined
          ? max(im, req.requirementQuote)
          : divSigned(req.requirementQuote * factor, PPM_SCALE, Rounding.Up),
      portfolio: req,
      ...(market === undefined ? {} : { liquidationMarket: market }),
    };
  }
  const exposure = netExposure(
    legs.map((l) => ({
      market: l.market,
      underlying: l.underlying,
      sizeBase: l.sizeBase,
      notionalQuote: l.notionalUpQuote,
    })),
    stage.netting,
  );
  const byMarket: Record<string, bigint> = {};
  let netted = 0n;
  let nettedInitial = 0n;
  for (const l of legs) {
    const effective = exposure.effectiveNotionalQuote[l.market] ?? l.notionalUpQuote;
    const requirement = marginRequirementQuote(effective, l.marginTiers, 'maintenance');
    byMarket[l.market] = requirement;
    netted += requirement;
    nettedInitial += marginRequirementQuote(effective, l.marginTiers, 'initial');
  }
  const market = nettingLiquidationLeg(
    legs.map((l) => ({
      market: l.market,
      underlying: l.underlying,
      sizeBase: l.sizeBase,
      notionalQuote: l.notionalUpQuote,
    })),
    exposure,
    byMarket,
  );
  return {
    ...base,
    maintenanceQuote: netted,
    initialQuote: nettedInitial,
    netting: { ...exposure, maintenanceByMarketQuote: byMarket },
    ...(market === undefined ? {} : { liquidationMarket: market }),
  };
}

/**
 * Mark of a market with an open position.
 * @throws InvalidParameterError (`marks.<market>`) when it is missing or ≤ 0.
 */
export function requireMark(marks: PerpMarks, market: string): bigint {
  const mark = Object.hasOwn(marks, market) ? marks[market] : undefined;
  if (mark === undefined || mark <= 0n) {
    throw new InvalidParameterError(`marks.${market}`, 'expected a positive mark price for an open position');
  }
  return mark;
}

/**
 * A position at its market's mark: notional, unrealized PnL net of pending funding, and its tiered
 * requirements. A flat position (size 0) needs no mark.
 * @throws InvalidParameterError when the mark is missing for a non-zero size.
 */
export function positionMargin(
  position: PerpPosition,
  market: PerpMarketState,
  marks: PerpMarks,
): PositionMargin {
  const funding = pendingFundingQuote(position, market);
  if (position.sizeBase === 0n) {
    return {
      notionalQuote: 0n,
      unrealizedPnlQuote: -position.entryQuote - funding,
      initialQuote: 0n,
      maintenanceQuote: 0n,
    };
  }
  const mark = requireMark(marks, market.config.market);
  const notional = notionalQuote(position.sizeBase, mark, market.config);
  return {
    notionalQuote: notional,
    unrealizedPnlQuote: unrealizedPnlQuote(position, mark, market.config) - funding,
    initialQuote: marginRequirementQuote(notional, market.config.marginTiers, 'initial'),
    maintenanceQuote: marginRequirementQuote(notional, market.config.marginTiers, 'maintenance'),
  };
}

function scopeOf(collateralQuote: bigint, lines: readonly PositionMargin[]): MarginScope {
  let upnl = 0n;
  let notional = 0n;
  let im = 0n;
  let mm = 0n;
  for (const l of lines) {
    upnl += l.unrealizedPnlQuote;
    notional += l.notionalQuote;
    im += l.initialQuote;
    mm += l.maintenanceQuote;
  }
  return {
    collateralQuote,
    unrealizedPnlQuote: upnl,
    equityQuote: collateralQuote + upnl,
    notionalQuote: notional,
    initialQuote: im,
    maintenanceQuote: mm,
  };
}

/**
 * An account's margin at `marks`: cross equity = `acct:<id>` collateral + Σ cross unrealized PnL
 * (net of pending funding) against Σ cross requirements; each isolated position's equity =
 * its `iso:<id>:<market>` margin + its unrealized PnL against its own requirements.
 * @param marks mark price per market with an open position.
 * @throws InvalidParameterError when a needed mark is missing.
 */
export function accountMargin(view: PerpsView, accountId: string, marks: PerpMarks): AccountMargin {
  const cross: PositionMargin[] = [];
  const isolated: Record<string, MarginScope> = {};
  for (const market of marketIds(view.book)) {
    const position = positionOf(view.book, accountId, market);
    if (position === undefined) continue;
    const state = view.book.markets[market]!;
    const line = positionMargin(position, state, marks);
    if (position.marginMode === 'cross') cross.push(line);
    else isolated[market] = scopeOf(quoteBalance(view, isolatedBucket(accountId, market)), [line]);
  }
  const scope = scopeOf(quoteBalance(view, crossBucket(accountId)), cross);
  const marginStage = view.book.marginStage;
  if (marginStage === undefined) return { ...scope, isolated };
  const stage = crossMarginStage(marginStage, crossLegsOf(view, accountId, marks));
  return {
    ...scope,
    initialQuote: stage.initialQuote,
    maintenanceQuote: stage.maintenanceQuote,
    isolated,
    stage,
  };
}

/**
 * The account's open cross positions as {@link CrossLeg}s at `marks`, sorted by market.
 * @throws InvalidParameterError when a needed mark is missing.
 */
export function crossLegsOf(view: PerpsView, accountId: string, marks: PerpMarks): CrossLeg[] {
  const legs: CrossLeg[] = [];
  for (const market of marketIds(view.book)) {
    const position = positionOf(view.book, accountId, market);
    if (position === undefined || position.marginMode !== 'cross' || position.sizeBase === 0n) continue;
    legs.push(crossLeg(position, view.book.markets[market]!, requireMark(marks, market)));
  }
  return legs;
}

/** Whether a scope is below maintenance: equity < maintenance margin (strict). */
export function isLiquidatable(scope: MarginScope): boolean {
  return scope.equityQuote < scope.maintenanceQuote;
}

/** The scopes of an account that are liquidatable: `'cross'` first, then isolated markets sorted. */
export function liquidatableScopes(margin: AccountMargin): string[] {
  const out: string[] = [];
  if (isLiquidatable(margin)) out.push('cross');
  for (const market of Object.keys(margin.isolated).sort()) {
    if (isLiquidatable(margin.isolated[market]!)) out.push(market);
  }
  return out;
}

/**
 * Leverage = notional / equity as a WAD (1e18 = 1x), rounded up; null when equity ≤ 0 (unbounded).
 * @param notionalQuote ≥ 0; @param equityQuote the scope's equity, quote units.
 */
export function leverageWad(notionalQuote: bigint, equityQuote: bigint): bigint | null {
  if (equityQuote <= 0n) return null;
  return divSigned(notionalQuote * 10n ** 18n, equityQuote, Rounding.Up);
}

/** Alias of {@link leverageWad} (the spec's name): leverage as a WAD, null when equity ≤ 0. */
export const leverage = leverageWad;

/** Target of {@link sizeToCloseForTarget}. */
export interface CloseTarget {
  readonly marks: PerpMarks;
  /** After closing, equity ≥ maintenance·targetRatioPpm/1e6 (1e6 = back to maintenance). */
  readonly targetRatioPpm: bigint;
  /** Plus bufferPpm of the scope's remaining notional (Drift `liquidation_margin_buffer_ratio`). */
  readonly bufferPpm?: bigint;
  /** Cost of closing (fees) as ppm of the closed notional, taken from equity. */
  readonly closingCostPpm?: bigint;
}

/**
 * How far a scope is from a close target, quote units: ⌈requirement·target/1e6⌉ + ⌈notional·buffer
 * /1e6⌉ + ⌈closed notional·closing cost/1e6⌉ − equity (ceilings: the target is never understated).
 * The target is met when this is ≤ 0.
 */
function targetGapQuote(
  target: CloseTarget,
  requirementQuote: bigint,
  notionalAfterQuote: bigint,
  closedNotionalQuote: bigint,
  equityQuote: bigint,
): bigint {
  const required =
    divSigned(requirementQuote * target.targetRatioPpm, PPM_SCALE, Rounding.Up) +
    divSigned(notionalAfterQuote * (target.bufferPpm ?? 0n), PPM_SCALE, Rounding.Up);
  const cost = divSigned(closedNotionalQuote * (target.closingCostPpm ?? 0n), PPM_SCALE, Rounding.Up);
  return required + cost - equityQuote;
}

/**
 * The least base amount (unsigned) of the account's position in `market` to close at the mark so
 * that the position's scope (cross or isolated) ends with equity − closing cost ≥
 * ceil(target·MM/1e6) + ceil(buffer·notional/1e6). Found by bisection over whole base units: the
 * requirement only falls as the position shrinks (see {@link validateMarginTiers}) and the cost
 * only grows, so the answer is the exact least integer (rounded up) whenever closingCostPpm is below
 * target·(lowest maintenance rate) + buffer, which parsePerpsGenericParams enforces. 0 when the
 * scope already meets the target; the whole size when even closing everything does not.
 * @throws InvalidParameterError when a needed mark is missing.
 */
export function sizeToCloseForTarget(
  view: PerpsView,
  accountId: string,
  market: string,
  target: CloseTarget,
): bigint {
  const position = positionOf(view.book, accountId, market);
  if (position === undefined || position.sizeBase === 0n) return 0n;
  const state = view.book.markets[market]!;
  const margin = accountMargin(view, accountId, target.marks);
  const scope = position.marginMode === 'cross' ? margin : margin.isolated[market]!;
  const line = positionMargin(position, state, target.marks);
  const mark = requireMark(target.marks, market);
  const otherMm = scope.maintenanceQuote - line.maintenanceQuote;
  const otherNotional = scope.notionalQuote - line.notionalQuote;
  const size = abs(position.sizeBase);
  const meets = (closeBase: bigint): boolean => {
    const rest = notionalQuote(size - closeBase, mark, state.config);
    const mm = otherMm + marginRequirementQuote(rest, state.config.marginTiers, 'maintenance');
    const closed = notionalQuote(closeBase, mark, state.config);
    return targetGapQuote(target, mm, otherNotional + rest, closed, scope.equityQuote) <= 0n;
  };
  if (meets(0n)) return 0n;
  if (!meets(size)) return size;
  let lo = 0n; // fails
  let hi = size; // meets
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * {@link sizeToCloseForTarget} for a cross scope under a cross-margin stage, where closing a leg
 * can raise the requirement (it unhedges the rest). g(t) = ⌈target·R(t)/1e6⌉ + ⌈buffer·notional(t)
 * /1e6⌉ + closing cost(t) − equity, with R(t) the stage's requirement after closing t base units
 * of the leg at the mark, is (up to rounding) convex in t: the stage requirement is a maximum of
 * linear functions of the sizes (portfolio) or a non-decreasing function of a convex exposure
 * (netting). So: t* = the minimizer of g by integer ternary search; when g(t*) ≤ 0, the least t in
 * [0, t*] with g(t) ≤ 0 by bisection (g does not increase there); otherwise t* (the leg's most
 * risk-reducing close), or the whole leg when t* = 0. Isolated positions use
 * {@link sizeToCloseForTarget}. 0 when the scope already meets the target.
 * @throws InvalidParameterError when a needed mark is missing.
 */
export function sizeToCloseForStageTarget(
  view: PerpsView,
  accountId: string,
  market: string,
  target: CloseTarget,
): bigint {
  const position = positionOf(view.book, accountId, market);
  if (position === undefined || position.sizeBase === 0n) return 0n;
  const marginStage = view.book.marginStage;
  if (marginStage === undefined || position.marginMode !== 'cross') {
    return sizeToCloseForTarget(view, accountId, market, target);
  }
  const state = view.book.markets[market]!;
  const mark = requireMark(target.marks, market);
  const margin = accountMargin(view, accountId, target.marks);
  const legs = crossLegsOf(view, accountId, target.marks);
  const at = legs.findIndex((l) => l.market === market);
  assert(at >= 0, `no cross leg ${market} of ${accountId}`);
  const size = abs(position.sizeBase);
  const otherNotional = margin.notionalQuote - legs[at]!.notionalUpQuote;
  const sign = position.sizeBase > 0n ? 1n : -1n;
  const memo = new Map<bigint, bigint>();
  const g = (closeBase: bigint): bigint => {
    const hit = memo.get(closeBase);
    if (hit !== undefined) return hit;
    const rest = size - closeBase;
    const after =
      rest === 0n
        ? legs.filter((_, k) => k !== at)
        : legs.map((l, k) => (k === at ? crossLeg({ ...position, sizeBase: sign * rest }, state, mark) : l));
    const requirement = crossMarginStage(marginStage, after).maintenanceQuote;
    const restNotional = notionalQuote(rest, mark, state.config);
    const closed = notionalQuote(closeBase, mark, state.config);
    const out = targetGapQuote(target, requirement, otherNotional + restNotional, closed, margin.equityQuote);
    memo.set(closeBase, out);
    return out;
  };
  if (g(0n) <= 0n) return 0n;
  // The least t with g(t) ≤ 0 once some t̂ meets: {g ≤ 0} is an interval (g convex), so between
  // the largest failing point below t̂ and t̂ the predicate flips once: bisection.
  const least = (meet0: bigint): bigint => {
    let fail = 0n;
    for (const t of memo.keys()) if (t < meet0 && t > fail && memo.get(t)! > 0n) fail = t;
    let meet = meet0;
    while (meet - fail > 1n) {
      const mid = (fail + meet) / 2n;
      if (g(mid) <= 0n) meet = mid;
      else fail = mid;
    }
    return meet;
  };
  // Ternary search for the minimizer of g, stopping at the first point that meets the target.
  let lo = 0n;
  let hi = size;
  while (hi - lo > 2n) {
    const m1 = lo + (hi - lo) / 3n;
    const m2 = hi - (hi - lo) / 3n;
    const g1 = g(m1);
    if (g1 <= 0n) return least(m1);
    const g2 = g(m2);
    if (g2 <= 0n) return least(m2);
    if (g1 <= g2) hi = m2;
    else lo = m1;
  }
  let best = lo;
  for (let t = lo + 1n; t <= hi; t++) if (g(t) < g(best)) best = t;
  if (g(best) > 0n) return best === 0n ? size : best;
  return least(best);
}
