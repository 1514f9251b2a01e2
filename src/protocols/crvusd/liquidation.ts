/**
 * crvUSD hard liquidation (Controller `liquidate`, `liquidate_extended` → `_liquidate`) and the
 * system's write-off of an insolvent loan, as the engine's five liquidation stages: trigger
 * (health(full=True) at the user's liquidation discount strictly below 0, "Not enough rekt"; none
 * for self-liquidation; insolvency at the oracle price for a write-off), sizing (debt·frac repaid,
 * f_remove of the AMM shares withdrawn), execution (the AMM stablecoin repays first, the liquidator
 * pays the rest and takes the collateral, or takes the surplus stablecoin), incentive (none: crvUSD
 * pays no keeper fee; the liquidator's margin is the liquidation discount) and loss waterfall
 * (crvUSD has no insurance fund and no reserves: unpaid debt is recorded in `deficit`).
 *
 * The write-off is a modelling step, not a Controller function: a mint market leaves an insolvent
 * loan's unpaid debt with the system (the crvUSD it minted stays in circulation without backing).
 * `writeOffBadDebt` makes that loss explicit: it closes a loan that others may liquidate
 * (health(full=True) < 0) and whose stablecoin plus collateral at the oracle price is worth less
 * than its debt, sells the collateral at the oracle price (to `world`), repays what the stablecoin
 * and the proceeds cover, and parks the rest of the debt in `deficit`.
 */
import type { EngineState } from '../../engine/engine.js';
import {
  CircuitBreakerError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { applyMove, type Ledger, type Moved, moved, requireMovesFeasible } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { oracleStatus } from '../../engine/oracle.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import { absorbLoss } from '../../engine/waterfall.js';
import { ammPatch, getSumXY, withdraw } from './amm.js';
import { controllerHealth } from './controller.js';
import { fRemove, WAD } from './math.js';
import type { CrvusdMarket } from './params.js';
import {
  type CrvusdExt,
  type CrvusdLiquidated,
  type CrvusdWrittenOff,
  type LoanState,
  oraclePriceWad,
  requireLoan,
  requireMarket,
} from './state.js';

/** One liquidation call. */
export interface CrvusdLiquidationRequest {
  /** The loan liquidated. */
  readonly account: string;
  /** Who calls `liquidate` (pays and receives); null for the system's write-off. */
  readonly liquidator: string | null;
  /** Fraction of the debt repaid, 1e18 = all (values above are capped, as `liquidate_extended`). */
  readonly fracWad: bigint;
  /** `min_x`: the least stablecoin the withdrawal must yield ("Slippage"). */
  readonly minX: bigint;
  readonly nowSeconds: number;
}

/** How a liquidation is made. */
export type CrvusdLiquidationKind = 'hard' | 'self' | 'writeOff';

/** What the trigger read. */
export interface CrvusdTriggered {
  readonly market: CrvusdMarket;
  readonly kind: CrvusdLiquidationKind;
  readonly loan: LoanState;
  readonly pOracleWad: bigint;
  /** `health_limit`: the user's liquidation discount, or 0 for self-liquidation. */
  readonly healthLimitWad: bigint;
  /** health(full=True) at `healthLimitWad`. */
  readonly healthWad: bigint;
}

/** The size of a liquidation. */
export interface CrvusdSize {
  readonly fracWad: bigint;
  /** debt·frac/1e18 (floor). */
  readonly debtRepaid: bigint;
  readonly finalDebt: bigint;
  /** Share of the user's AMM liquidity withdrawn (`_get_f_remove`). */
  readonly fRemoveWad: bigint;
}

/** What the execution did, for the incentive and loss stages. */
export interface CrvusdLiquidationDetail {
  /** Stablecoin and collateral withdrawn from the bands (token units). */
  readonly x: bigint;
  readonly y: bigint;
  readonly paidByLiquidator: bigint;
  readonly surplusToLiquidator: bigint;
  /** Write-off only: the collateral's sale proceeds at the oracle price. */
  readonly proceeds: bigint;
  /** The ledger after the execution's moves. */
  readonly ledgerAfter: Ledger;
}

function kindOf(request: CrvusdLiquidationRequest): CrvusdLiquidationKind {
  if (request.liquidator === null) return 'writeOff';
  return request.liquidator === request.account ? 'self' : 'hard';
}

/**
 * Trigger. Others (and the write-off) need health(full=True) < 0 at the user's snapshotted
 * liquidation discount (Controller `_liquidate`: `assert self._health(user, debt, True,
 * health_limit) < 0, "Not enough rekt"`); a user may liquidate itself at any health (limit 0). A
 * write-off also needs x + y·p_o < debt. A tripped oracle breaker on the collateral pauses
 * liquidations by others, as the engine does for every model.
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError, CircuitBreakerError,
 *   PositionNotLiquidatableError.
 */
export function crvusdTrigger(
  state: EngineState<CrvusdExt>,
  request: CrvusdLiquidationRequest,
): CrvusdTriggered {
  const market = requireMarket(state, 'liquidate');
  const loan = requireLoan(state, request.account);
  const pOracleWad = oraclePriceWad(state, market, request.nowSeconds);
  const kind = kindOf(request);
  const collateral = market.params.collateralAsset;
  if (kind !== 'self' && oracleStatus(state.oracle, collateral, request.nowSeconds).liquidationsPaused) {
    throw new CircuitBreakerError(
      'Liquidation',
      collateral,
      'an oracle breaker is tripped; an operator must reset it',
    );
  }
  const healthLimitWad = kind === 'self' ? 0n : loan.liquidationDiscountWad;
  const healthWad = controllerHealth(state.ext.amm, market.amm, {
    user: request.account,
    debt: loan.debt,
    full: true,
    liquidationDiscountWad: healthLimitWad,
    pOracleWad,
  });
  if (kind !== 'self' && healthWad >= 0n) {
    throw new PositionNotLiquidatableError(
      request.account,
      `health(full=True) is ${healthWad} ≥ 0 at liquidation discount ${healthLimitWad} ("Not enough rekt")`,
    );
  }
  if (kind === 'writeOff') {
    const { x, y } = getSumXY(state.ext.amm, market.amm, request.account);
    const value = x + (y * market.amm.collateralPrecision * pOracleWad) / WAD; // floor
    if (value >= loan.debt) {
      throw new PositionNotLiquidatableError(
        request.account,
        `solvent at the oracle price (stablecoin + collateral worth ${value} ≥ debt ${loan.debt}): a liquidator can close it`,
      );
    }
  }
  return { market, kind, loan, pOracleWad, healthLimitWad, healthWad };
}

/**
 * Sizing: `debt = debt·frac/1e18` (floor: the liquidator repays no more than asked), `f_remove =
 * _get_f_remove(frac, health_limit)`. A write-off takes the whole loan.
 * @throws ProtocolRevertError when debt·frac rounds to 0 (`assert debt > 0`).
 */
export function crvusdSizing(
  _state: EngineState<CrvusdExt>,
  request: CrvusdLiquidationRequest,
  triggered: CrvusdTriggered,
): CrvusdSize {
  const fracWad = triggered.kind === 'writeOff' || request.fracWad > WAD ? WAD : request.fracWad;
  const debt = triggered.loan.debt;
  const debtRepaid = (debt * fracWad) / WAD; // floor
  if (debtRepaid === 0n) {
    throw new ProtocolRevertError(
      'Controller._liquidate: assert debt > 0',
      'frac is too small for this debt.',
      {
        debt: debt.toString(),
        frac: fracWad.toString(),
      },
    );
  }
  return {
    fracWad,
    debtRepaid,
    finalDebt: debt - debtRepaid,
    fRemoveWad: fRemove(fracWad, triggered.healthLimitWad),
  };
}

/** The ledger after `moves`, refusing (InsufficientBalanceError) a move nobody can afford. */
function applyMoves(ledger: Ledger, moves: readonly Moved[]): Ledger {
  requireMovesFeasible(ledger, moves);
  return moves.reduce(applyMove, ledger);
}

/**
 * Execution (Controller `_liquidate`): withdraws f_remove of the user's AMM shares ("Slippage" when
 * the stablecoin is below min_x); min(x, debt) of that stablecoin repays debt; when the debt is
 * larger the liquidator gets the collateral and pays the rest from its wallet, otherwise it gets
 * the collateral and the surplus stablecoin. The debt claim repaid returns to `mint`; the loan keeps
 * the rest of the debt (closed at 0). A write-off sells the collateral at the oracle price instead
 * and leaves the uncovered debt to the loss waterfall.
 * @throws ProtocolRevertError `Slippage`; InsufficientBalanceError (checked by the engine) when the
 *   liquidator cannot pay.
 */
export function crvusdExecution(
  state: EngineState<CrvusdExt>,
  request: CrvusdLiquidationRequest,
  size: CrvusdSize,
  triggered: CrvusdTriggered,
): ExecutionOutcome<CrvusdLiquidationDetail> {
  const { market, kind, loan, pOracleWad } = triggered;
  const { stablecoin: stable, collateralAsset: collateral } = market.params;
  const claim = `${stable}.debt`;
  const debtBucket = `debt:${request.account}`;
  const w = withdraw(state.ext.amm, market.amm, request.account, size.fRemoveWad);
  if (w.x < request.minX) {
    throw new ProtocolRevertError(
      'Slippage',
      `The withdrawal yields ${w.x} stablecoin, below min_x ${request.minX}.`,
      {
        x: w.x.toString(),
      },
    );
  }
  const burned = w.x < size.debtRepaid ? w.x : size.debtRepaid;
  const moves: Moved[] = [...moved(stable, 'amm', 'protocol', burned, `${kind}:ammStablecoin`)];
  const totals = state.ext.totals;
  const patch = ammPatch(state.ext.amm, w.state);

  if (kind === 'writeOff') {
    const proceeds = (w.y * market.amm.collateralPrecision * pOracleWad) / WAD; // floor: the sale never over-recovers
    const covered = burned + proceeds;
    moves.push(
      ...moved(collateral, 'amm', 'world', w.y, 'writeOff:sale'),
      ...moved(stable, 'world', 'protocol', proceeds, 'writeOff:sale'),
      ...moved(claim, debtBucket, 'mint', covered, 'writeOff:repay'),
    );
    const deficit = loan.debt - covered;
    const event: CrvusdWrittenOff = {
      type: 'CrvusdWrittenOff',
      account: request.account,
      debt: loan.debt,
      x: w.x,
      y: w.y,
      proceeds,
      deficit,
      amm: patch,
      loans: { [request.account]: null },
      totals: {
        totalDebt: totals.totalDebt > loan.debt ? totals.totalDebt - loan.debt : 0n,
        minted: totals.minted,
        redeemed: totals.redeemed + covered,
      },
    };
    return {
      events: [...moves, event],
      shortfall: deficit,
      detail: {
        x: w.x,
        y: w.y,
        paidByLiquidator: 0n,
        surplusToLiquidator: 0n,
        proceeds,
        ledgerAfter: applyMoves(state.ledger, moves),
      },
    };
  }

  const liquidator = request.liquidator ?? request.account;
  const wallet = `wallet:${liquidator}`;
  const paid = size.debtRepaid > w.x ? size.debtRepaid - w.x : 0n;
  const surplus = w.x > size.debtRepaid ? w.x - size.debtRepaid : 0n;
  moves.push(
    ...moved(collateral, 'amm', wallet, w.y, `${kind}:collateral`),
    ...moved(stable, wallet, 'protocol', paid, `${kind}:repay`),
    ...moved(stable, 'amm', wallet, surplus, `${kind}:surplus`),
    ...moved(claim, debtBucket, 'mint', size.debtRepaid, `${kind}:repay`),
  );
  const event: CrvusdLiquidated = {
    type: 'CrvusdLiquidated',
    account: request.account,
    liquidator,
    fracWad: size.fracWad,
    fRemoveWad: size.fRemoveWad,
    healthWad: triggered.healthWad,
    debtRepaid: size.debtRepaid,
    x: w.x,
    y: w.y,
    paidByLiquidator: paid,
    surplusToLiquidator: surplus,
    finalDebt: size.finalDebt,
    amm: patch,
    loans: {
      [request.account]: size.finalDebt === 0n ? null : { ...loan, debt: size.finalDebt },
    },
    totals: {
      totalDebt: totals.totalDebt > size.debtRepaid ? totals.totalDebt - size.debtRepaid : 0n,
      minted: totals.minted,
      redeemed: totals.redeemed + size.debtRepaid,
    },
  };
  return {
    events: [...moves, event],
    shortfall: 0n,
    detail: {
      x: w.x,
      y: w.y,
      paidByLiquidator: paid,
      surplusToLiquidator: surplus,
      proceeds: 0n,
      ledgerAfter: applyMoves(state.ledger, moves),
    },
  };
}

/**
 * Incentive: none. crvUSD pays no keeper fee and no protocol penalty; the liquidator's margin is
 * that it repays debt·frac for collateral worth more (the liquidation discount), and the borrower's
 * losses came earlier, from soft liquidation in the AMM.
 */
export function crvusdIncentive(
  _state: EngineState<CrvusdExt>,
  _request: CrvusdLiquidationRequest,
  _outcome: ExecutionOutcome<CrvusdLiquidationDetail>,
): readonly EngineEvent[] {
  return [];
}

/**
 * Loss waterfall: crvUSD itself has no insurance fund and keeps no reserves (AMM and interest fees
 * go to the fee receiver), so an unpaid debt goes straight to `deficit`: the debt claim is parked
 * there, standing for minted crvUSD that no loan backs any more. Only a write-off leaves one: a
 * liquidator always repays debt·frac in full.
 */
export function crvusdLossWaterfall(
  state: EngineState<CrvusdExt>,
  request: CrvusdLiquidationRequest,
  outcome: ExecutionOutcome<CrvusdLiquidationDetail>,
): readonly EngineEvent[] {
  const stable = requireMarket(state, 'liquidate').params.stablecoin;
  return absorbLoss({
    ledger: outcome.detail.ledgerAfter,
    asset: stable,
    claimAsset: `${stable}.debt`,
    claimBucket: `debt:${request.account}`,
    amount: outcome.shortfall,
    creditorBucket: 'protocol',
    steps: ['deficit'],
  }).moves;
}

/** crvUSD liquidation as the engine's five stages. */
export const CRVUSD_LIQUIDATION_STAGES: LiquidationStages<
  EngineState<CrvusdExt>,
  CrvusdLiquidationRequest,
  CrvusdTriggered,
  CrvusdSize,
  CrvusdLiquidationDetail
> = {
  trigger: crvusdTrigger,
  sizing: crvusdSizing,
  execution: crvusdExecution,
  incentive: crvusdIncentive,
  lossWaterfall: crvusdLossWaterfall,
};

/** Runs one liquidation (or write-off) through the stages; returns its events. */
export function decideCrvusdLiquidation(
  state: EngineState<CrvusdExt>,
  request: CrvusdLiquidationRequest,
): readonly EngineEvent[] {
  return runLiquidation(CRVUSD_LIQUIDATION_STAGES, state, request).events;
}
