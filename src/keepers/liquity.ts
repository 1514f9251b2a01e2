/**
 * Keepers for the Liquity v1 model (`liquity-v1`): a plain view built from an engine state (the
 * troves the model would liquidate now, riskiest first, each with the gas compensation a dry run of
 * `liquidate` pays) and a pure liquidator policy that sends one `liquidate` or
 * `batchLiquidateTroves` when the compensation (200 LUSD + 0.5 % of the collateral per trove)
 * beats gas (I > C_gas + ε). The view may be given a screen of the troves (an index's superset of
 * those below its ceiling) and then costs what it screens; the reference view sorts every trove.
 */
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { SolventError } from '../math/errors.js';
import { mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, WAD } from '../math/units.js';
import { decideLiquidation } from '../protocols/liquity-v1/liquidation.js';
import { computeCR } from '../protocols/liquity-v1/math.js';
import type { LiquityParams } from '../protocols/liquity-v1/params.js';
import {
  compareRisk,
  type LiquityExt,
  liquityPriceWad,
  type RiskRow,
  riskRow,
  type SystemTotals,
  systemTotals,
  systemTotalsFromLedger,
  type Trove,
  type TroveLiquidated,
  tcrOf,
  totalLUSDDeposits,
  trovesByRisk,
} from '../protocols/liquity-v1/state.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

/**
 * Gas units the Liquity keeper assumes. ASSUMPTIONS (no measured figure in the repository's
 * references): a single `liquidate` 400k (TroveManager walks the trove, the Stability Pool offset
 * updates P and S, the redistribution updates L_ETH / L_LUSDDebt, SortedTroves removes a node, two
 * gas-compensation transfers); a batch 150k of fixed cost (one offset, one redistribution, one
 * gas-compensation payment for the whole call) plus 250k per trove (its own reads, closing and
 * SortedTroves removal).
 */
export const LIQUITY_GAS_UNITS = {
  liquidate: 400_000n,
  batchBase: 150_000n,
  batchPerTrove: 250_000n,
} as const;

/** Liquidator id of the view's dry runs (never a book id: those start with a letter or digit). */
const PREVIEW_LIQUIDATOR = '~preview';

/** A trove the model would liquidate now, with what a dry run of `liquidate {account}` pays. */
export interface LiquityCandidateView {
  readonly account: string;
  /** ICR at the oracle price, 1e18 = 100 %. */
  readonly icrWad: bigint;
  /** Entire debt (with pending rewards), LUSD wei. */
  readonly entireDebt: bigint;
  /** Entire collateral (with pending rewards), wei. */
  readonly entireColl: bigint;
  /** ETH the liquidator would receive (0.5 % of the collateral, or of the capped portion), wei. */
  readonly collGasCompensation: bigint;
  /** LUSD the liquidator would receive from the Gas Pool, wei. */
  readonly lusdGasCompensation: bigint;
  /** The branch the dry run took (`normal`, or the recovery-mode branch). */
  readonly branch: TroveLiquidated['branch'];
}

/** What a Liquity keeper sees. */
export interface LiquityKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** Ledger assets of the collateral (ETH) and of the stablecoin (LUSD). */
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** Whether the system is in Recovery Mode now (TCR < CCR). */
  readonly recoveryMode: boolean;
  /** Active troves (a call may never liquidate all of them: the last trove is never liquidated). */
  readonly troveCount: number;
  /** Troves `liquidate {account}` would liquidate now, riskiest first (SortedTroves from the bottom). */
  readonly candidates: readonly LiquityCandidateView[];
  /** Keepers' wallets: asset → wei (the collateral and the stablecoin). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/** Options of {@link liquityKeeperView}. */
export interface LiquityViewOptions {
  /**
   * A screen of the troves to consider (default every active trove): called once with the view's
   * price (`fetchPrice()`, USD·1e18) and ICR ceiling (1e18-scaled: MCR in Normal Mode, max(MCR, TCR)
   * in Recovery Mode), it must name every active trove whose ICR at that price is below the
   * ceiling; more names (repeats, safe or closed troves, unknown ids) are allowed and change
   * nothing, so a superset from an index (e.g. the stress adapter's liquityBookIndex) gives the
   * same view as the full screen for the work of what it names.
   */
  readonly candidatesBelow?: (ceilingIcrWad: bigint, priceWad: bigint) => Iterable<string>;
}

/**
 * The troves below `ceiling` in the risk order (compareRisk: SortedTroves from the bottom), read
 * from `ids` when given (a superset of them), else from every trove. Every trove below the ceiling
 * precedes every other in that order (ICR is non-decreasing in it), so the rows returned are the
 * first rows of trovesByRisk, exactly, whatever superset `ids` is.
 */
function rowsBelow(
  ext: LiquityExt,
  ceilingIcrWad: bigint,
  priceWad: bigint,
  ids: Iterable<string> | undefined,
): RiskRow[] {
  const rows: RiskRow[] = [];
  const consider = (id: string, trove: Trove): void => {
    const row = riskRow(ext, id, trove);
    if (computeCR(row.entire.coll, row.entire.debt, priceWad) < ceilingIcrWad) rows.push(row);
  };
  if (ids === undefined) {
    ext.troves.forEach((trove, id) => {
      consider(id, trove);
    });
  } else {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const trove = ext.troves.get(id);
      if (trove !== undefined) consider(id, trove);
    }
  }
  return rows.sort(compareRisk);
}

/** How a view reads the system totals and the troves below its ceiling. */
interface ViewReads {
  readonly totals: (state: EngineState<LiquityExt>, params: LiquityParams) => SystemTotals;
  /** Rows in the risk order; every trove below the ceiling, any number of others after them. */
  readonly rows: (
    state: EngineState<LiquityExt>,
    ceilingIcrWad: bigint,
    priceWad: bigint,
  ) => Iterable<RiskRow>;
}

/** The view from its reads: the walk the fast view and the reference share. */
function viewWith(
  state: EngineState<LiquityExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[],
  reads: ViewReads,
): LiquityKeeperView {
  requireViewTime(market, nowSeconds);
  const params = state.ext.params;
  if (params === null) throw new InvalidParameterError('state', 'the Liquity model is not configured yet');
  const wallets: Record<string, Record<string, bigint>> = {};
  for (const id of keepers) {
    wallets[id] = {
      [params.collateralAsset]: balanceOf(state.ledger, `wallet:${id}`, params.collateralAsset),
      [params.debtAsset]: balanceOf(state.ledger, `wallet:${id}`, params.debtAsset),
    };
  }
  const base = {
    nowSeconds,
    market,
    collateralAsset: params.collateralAsset,
    debtAsset: params.debtAsset,
    troveCount: state.ext.troves.size,
    wallets,
  };
  let priceWad: bigint;
  try {
    priceWad = liquityPriceWad(state, nowSeconds);
  } catch (e) {
    if (e instanceof SolventError) return { ...base, recoveryMode: false, candidates: [] };
    throw e;
  }
  const tcr = tcrOf(reads.totals(state, params), priceWad);
  const recoveryMode = tcr < params.ccrWad;
  // Above this ICR nothing is liquidatable: MCR in Normal Mode, max(MCR, TCR) in Recovery Mode.
  const ceiling = recoveryMode && tcr > params.mcrWad ? tcr : params.mcrWad;
  const spLUSD = totalLUSDDeposits(state, params);
  const candidates: LiquityCandidateView[] = [];
  for (const row of reads.rows(state, ceiling, priceWad)) {
    const icrWad = computeCR(row.entire.coll, row.entire.debt, priceWad);
    if (icrWad >= ceiling) break; // sorted by ICR: every later trove is at least as safe
    // Recovery Mode spares MCR ≤ ICR < TCR unless the pool absorbs the whole debt (the model's
    // `skipDebtAboveSP` branch): skip the dry run, which would only refuse.
    if (icrWad >= params.mcrWad && row.entire.debt > spLUSD) continue;
    try {
      const events = decideLiquidation(state, {
        liquidator: PREVIEW_LIQUIDATOR,
        call: { kind: 'liquidate', account: row.id },
        nowSeconds,
      });
      const liquidated = events.find((e) => e.type === 'TroveLiquidated') as TroveLiquidated | undefined;
      if (liquidated === undefined) continue;
      candidates.push({
        account: row.id,
        icrWad,
        entireDebt: liquidated.entireDebt,
        entireColl: liquidated.entireColl,
        collGasCompensation: liquidated.collGasCompensation,
        lusdGasCompensation: liquidated.LUSDGasCompensation,
        branch: liquidated.branch,
      });
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
  }
  return { ...base, recoveryMode, candidates };
}

/**
 * The view a Liquity keeper decides on: for each trove from the riskiest up, while its ICR is below
 * the MCR (or, in Recovery Mode, below the TCR), a dry run of `liquidate {account}` through the
 * model's own stages; troves the model spares (the last trove, a capped offset the Stability Pool
 * cannot absorb, a stale oracle) are left out, and without a fresh price there are no candidates.
 * Costs O(1) for the system totals, one ICR per screened trove (every trove, or only those
 * `options.candidatesBelow` names), a sort of the troves below the ceiling and one dry run each:
 * the same view as {@link liquityKeeperViewReference}.
 * @param state a configured `liquity-v1` engine state.
 * @param nowSeconds decision time, seconds (must equal `market.nowSeconds`).
 * @param keepers ids whose wallets the view includes.
 * @param options a screen of the troves (see {@link LiquityViewOptions}).
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function liquityKeeperView(
  state: EngineState<LiquityExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
  options: LiquityViewOptions = {},
): LiquityKeeperView {
  return viewWith(state, nowSeconds, market, keepers, {
    totals: systemTotals,
    rows: (s, ceiling, priceWad) =>
      rowsBelow(s.ext, ceiling, priceWad, options.candidatesBelow?.(ceiling, priceWad)),
  });
}

/**
 * Reference for {@link liquityKeeperView} (the test oracle and the naive baseline): the same walk
 * over every trove sorted by trovesByRisk (O(n log n)) with the system totals read from the
 * ledger (systemTotalsFromLedger). Same parameters (no screen), same result, same throws.
 */
export function liquityKeeperViewReference(
  state: EngineState<LiquityExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
): LiquityKeeperView {
  return viewWith(state, nowSeconds, market, keepers, {
    totals: systemTotalsFromLedger,
    rows: (s) => trovesByRisk(s.ext),
  });
}

/** Options of {@link liquityLiquidator}. */
export interface LiquityLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
  /** Most troves in one call (≥ 1, default 25). */
  readonly maxTrovesPerCall?: number;
  /** Gas units (default {@link LIQUITY_GAS_UNITS}). */
  readonly gasUnits?: {
    readonly liquidate: bigint;
    readonly batchBase: bigint;
    readonly batchPerTrove: bigint;
  };
}

/** USD (float, screen only) of `wei` at `priceWad` (USD per whole token, WAD) net of `slippageBps`. */
function usdOf(wei: bigint, priceWad: bigint, slippageBps: bigint): number {
  // Floor: the keeper never overstates what it would receive.
  return Number(mulDiv(wei, priceWad * (BPS - slippageBps), WAD * BPS, Rounding.Down)) / 1e18;
}

/**
 * A Liquity liquidator. Its incentive for a trove is the model's gas compensation,
 * I = LUSD compensation (LUSD at $1) + ETH compensation × market price × (1 − slippage). From the
 * riskiest candidate up it keeps the troves whose I beats their own gas (one trove's share of a
 * batch), at most `maxTrovesPerCall` and never every active trove (the model refuses to liquidate
 * the last one); it sends them as one `liquidate` (one trove) or `batchLiquidateTroves` when the
 * call's total I exceeds its gas plus `minProfitUsd`. One call per decision: the view's dry runs
 * are stale after it. With `maxGasPriceGwei`, nothing is sent while gas is above the cap.
 * @throws InvalidParameterError for a negative ε or cap, or a batch size below 1 (when built).
 */
export function liquityLiquidator(options: LiquityLiquidatorOptions): KeeperPolicy<LiquityKeeperView> {
  const minProfitUsd = options.minProfitUsd ?? 0;
  requireNonNegative(minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const maxTroves = options.maxTrovesPerCall ?? 25;
  if (!Number.isSafeInteger(maxTroves) || maxTroves < 1) {
    throw new InvalidParameterError('maxTrovesPerCall', 'must be an integer ≥ 1');
  }
  const gas = options.gasUnits ?? LIQUITY_GAS_UNITS;
  return {
    id: options.id,
    decide(view) {
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const priceWad = m.collateralPricesUsdWad?.[view.collateralAsset] ?? m.collateralPriceUsdWad;
      const perTroveGasUsd = gasCostUsd(gas.batchPerTrove, m);
      // The last active trove is never liquidated: a call names at most troveCount − 1 troves.
      const room = Math.min(maxTroves, view.troveCount - 1);
      const chosen: { account: string; incentiveUsd: number }[] = [];
      for (const c of view.candidates) {
        if (chosen.length >= room) break;
        const incentiveUsd =
          Number(c.lusdGasCompensation) / 1e18 + usdOf(c.collGasCompensation, priceWad, m.slippageBps);
        if (!(incentiveUsd > perTroveGasUsd)) continue;
        chosen.push({ account: c.account, incentiveUsd });
      }
      if (chosen.length === 0) return [];
      const totalUsd = chosen.reduce((s, c) => s + c.incentiveUsd, 0);
      const single = chosen.length === 1;
      const gasUnits = single ? gas.liquidate : gas.batchBase + gas.batchPerTrove * BigInt(chosen.length);
      const gasUsd = gasCostUsd(gasUnits, m);
      if (!clearsGas(totalUsd, gasUsd, minProfitUsd)) return [];
      const first = chosen[0] as { account: string };
      const action: KeeperAction = {
        command: single
          ? { type: 'liquidate', account: first.account, liquidator: options.id }
          : { type: 'batchLiquidateTroves', accounts: chosen.map((c) => c.account), liquidator: options.id },
        gasUnits,
        reason: `liquidate ${chosen.length} trove(s): I $${totalUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
        expectedProfitUsd: totalUsd,
      };
      return [action];
    },
  };
}
