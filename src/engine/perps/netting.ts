/**
 * Cross-protocol netting (a clearing house, an issue-7 stage): one margin account across several
 * markets, with the maintenance requirement on the net exposure per underlying instead of the
 * gross sum. Markets are grouped by underlying (ETH-PERP on two venues, a perp and a dated future
 * with its own price feed); opposite legs of a group offset each other, each offset counting at
 * `offsetCreditPpm` (90 %: a 10 % basis haircut stays margined, for the legs' prices can part).
 *
 * Precedents. CME SPAN margins every product on one underlying together (a "combined commodity")
 * and grants inter-commodity spread credits between related ones, a credit rate applied to the
 * offsetting legs (cmegroup.com/clearing/span-methodology.html). Deribit's portfolio margin adds a
 * "contingency component" of 1–2 % of the underlying value for offsetting futures (long future A,
 * short future B), the basis haircut of this stage (deribit.com/pages/docs/portfoliomargin).
 *
 * ## The rule, per group (exact integers)
 * L = Σ notionals of its long legs, S = Σ of its short legs (each |size|·mark rounded up), gross
 * G = L + S, offset O = min(L, S), credit C = ⌊2·O·offsetCreditPpm/1e6⌋ (rounded down: against
 * the account), effective exposure E = G − C = |L − S| + (1 − c)·2·O. Each leg keeps its own
 * margin tiers on its share of E: effective notional_i = ⌈notional_i·E/G⌉ (rounded up), so with
 * no offset (one side only, or c = 0) every leg is margined exactly as today, and with c = 1 the
 * group needs margin on its net only.
 *
 * ## Liquidation (close the net first)
 * The group with the largest requirement is acted on (ties: the first underlying id); in it the
 * largest leg on the net side (long when L > S, short when S > L; either side when L = S; ties:
 * the first market id). Closing a net-side leg lowers |L − S| one for one and leaves the offset,
 * so the requirement falls until the group is flat; past that point it would start to rise (for
 * c > ½), which the sizing (margin.ts sizeToCloseForStageTarget) sees and stops at.
 */
import { divSigned, min, Rounding } from '../../math/mulDiv.js';
import { InvalidParameterError } from '../errors.js';
import { PPM_SCALE } from './types.js';

/** An underlying's own offset credit. */
export interface NettingUnderlyingParams {
  readonly underlying: string;
  /** Share of an offset that nets, ppm [0, 1e6]. */
  readonly offsetCreditPpm: bigint;
}

/** The `netting` section: the offset credit, and per-underlying overrides. */
export interface NettingParams {
  /** Share of an offset (a long against a short on one underlying) that nets, ppm [0, 1e6]. */
  readonly offsetCreditPpm: bigint;
  readonly underlyings?: readonly NettingUnderlyingParams[];
}

/** A cross position as netting sees it. */
export interface NettingLeg {
  readonly market: string;
  readonly underlying: string;
  /** Signed base units (+ long). */
  readonly sizeBase: bigint;
  /** |size|·mark, quote units, rounded up. */
  readonly notionalQuote: bigint;
}

/** One underlying's legs netted. */
export interface NettingGroup {
  readonly underlying: string;
  /** Markets of the group's legs, sorted. */
  readonly markets: readonly string[];
  /** Σ notionals of the long legs (L) and of the short legs (S), quote units. */
  readonly longQuote: bigint;
  readonly shortQuote: bigint;
  /** L − S (signed), quote units. */
  readonly netQuote: bigint;
  /** min(L, S), quote units. */
  readonly offsetQuote: bigint;
  /** ⌊2·offset·credit/1e6⌋, quote units. */
  readonly creditQuote: bigint;
  /** L + S − credit, quote units. */
  readonly effectiveQuote: bigint;
  readonly offsetCreditPpm: bigint;
}

/** The netting of a scope's legs. */
export interface NettedExposure {
  /** Groups by underlying, sorted by underlying id. */
  readonly groups: readonly NettingGroup[];
  /** Each leg's effective notional (its share of its group's effective exposure), by market. */
  readonly effectiveNotionalQuote: Readonly<Record<string, bigint>>;
}

/**
 * Checks a `netting` section: credits in [0, 1e6] ppm, each underlying listed once.
 * @param path dotted path of the section (`params.netting`).
 * @throws InvalidParameterError naming the field.
 */
export function validateNetting(params: NettingParams, path: string): void {
  const check = (v: bigint, at: string) => {
    if (v < 0n || v > PPM_SCALE) throw new InvalidParameterError(at, 'expected a share in [0, 1e6] ppm');
  };
  check(params.offsetCreditPpm, `${path}.offsetCreditPpm`);
  const seen = new Set<string>();
  for (const [i, u] of (params.underlyings ?? []).entries()) {
    if (seen.has(u.underlying)) {
      throw new InvalidParameterError(`${path}.underlyings.${i}.underlying`, `repeats ${u.underlying}`);
    }
    seen.add(u.underlying);
    check(u.offsetCreditPpm, `${path}.underlyings.${i}.offsetCreditPpm`);
  }
}

/** The offset credit of an underlying (its override, else the section's), ppm. */
export function offsetCreditFor(params: NettingParams, underlying: string): bigint {
  return (
    params.underlyings?.find((u) => u.underlying === underlying)?.offsetCreditPpm ?? params.offsetCreditPpm
  );
}

/**
 * Nets `legs` per underlying (file header): each group's long, short, net, offset, credit and
 * effective exposure, and each leg's effective notional. Legs of size 0 are ignored.
 */
export function netExposure(legs: readonly NettingLeg[], params: NettingParams): NettedExposure {
  const byUnderlying = new Map<string, NettingLeg[]>();
  for (const leg of legs) {
    if (leg.sizeBase === 0n) continue;
    const list = byUnderlying.get(leg.underlying) ?? [];
    list.push(leg);
    byUnderlying.set(leg.underlying, list);
  }
  const groups: NettingGroup[] = [];
  const effective: Record<string, bigint> = {};
  for (const underlying of [...byUnderlying.keys()].sort()) {
    const group = byUnderlying.get(underlying)!;
    let long = 0n;
    let short = 0n;
    for (const leg of group) {
      if (leg.sizeBase > 0n) long += leg.notionalQuote;
      else short += leg.notionalQuote;
    }
    const credit = offsetCreditFor(params, underlying);
    const gross = long + short;
    const offset = min(long, short);
    // Rounded down: the account gets no more credit than the exact share.
    const creditQuote = divSigned(2n * offset * credit, PPM_SCALE, Rounding.Down);
    const effectiveQuote = gross - creditQuote;
    for (const leg of group) {
      // Rounded up: a leg's share of the effective exposure never understates it.
      effective[leg.market] =
        gross === 0n ? 0n : divSigned(leg.notionalQuote * effectiveQuote, gross, Rounding.Up);
    }
    groups.push({
      underlying,
      markets: group.map((l) => l.market).sort(),
      longQuote: long,
      shortQuote: short,
      netQuote: long - short,
      offsetQuote: offset,
      creditQuote,
      effectiveQuote,
      offsetCreditPpm: credit,
    });
  }
  return { groups, effectiveNotionalQuote: effective };
}

/**
 * The leg a liquidation of a netted scope closes (file header: the group with the largest
 * requirement, its largest net-side leg).
 * @param requirementByMarket each leg's requirement on its effective notional, quote units.
 * @returns the market id, or undefined without legs.
 */
export function nettingLiquidationLeg(
  legs: readonly NettingLeg[],
  exposure: NettedExposure,
  requirementByMarket: Readonly<Record<string, bigint>>,
): string | undefined {
  let target: { group: NettingGroup; requirement: bigint } | undefined;
  for (const group of exposure.groups) {
    let requirement = 0n;
    for (const market of group.markets) requirement += requirementByMarket[market] ?? 0n;
    if (target === undefined || requirement > target.requirement) target = { group, requirement };
  }
  if (target === undefined) return undefined;
  const net = target.group.netQuote;
  let best: NettingLeg | undefined;
  for (const leg of [...legs].sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0))) {
    if (leg.underlying !== target.group.underlying || leg.sizeBase === 0n) continue;
    if ((net > 0n && leg.sizeBase < 0n) || (net < 0n && leg.sizeBase > 0n)) continue;
    if (best === undefined || leg.notionalQuote > best.notionalQuote) best = leg;
  }
  return best?.market;
}
