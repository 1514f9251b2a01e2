/**
 * The liquidation pipeline as five pluggable stages (DESIGN.md): trigger → sizing → execution →
 * incentive → loss waterfall. A protocol model is a choice of one function per stage; the runner
 * below is the only place they are chained, so every model liquidates the same way and a
 * composed protocol can swap any stage.
 */
import type { EngineEvent } from './machine.js';

/** What the execution stage produced: its events and any debt it could not recover. */
export interface ExecutionOutcome<D = unknown> {
  readonly events: readonly EngineEvent[];
  /** Unrecoverable debt left for the loss waterfall (0 when fully covered). */
  readonly shortfall: bigint;
  /** Stage-specific facts the incentive and loss stages read (amounts seized, repaid, ...). */
  readonly detail: D;
}

/**
 * The five stages of one protocol's liquidation. `S` is the state read, `R` the request (account,
 * liquidator, amounts asked), `T` what the trigger learnt (health, mode), `Z` the size decided.
 */
export interface LiquidationStages<S, R, T, Z, D> {
  /** Refuses (throws a typed error) unless the account may be liquidated now. */
  readonly trigger: (state: S, request: R) => T;
  /** How much may be liquidated in this call (close factor, budgets, dust rules). */
  readonly sizing: (state: S, request: R, triggered: T) => Z;
  /** Moves collateral and debt: a sale, an auction start, an absorb. */
  readonly execution: (state: S, request: R, size: Z, triggered: T) => ExecutionOutcome<D>;
  /** Pays whoever is owed an incentive (keeper tip, protocol share of a bonus). */
  readonly incentive: (state: S, request: R, outcome: ExecutionOutcome<D>) => readonly EngineEvent[];
  /** Places any shortfall: reserves, insurance fund, deficit, socialization. */
  readonly lossWaterfall: (state: S, request: R, outcome: ExecutionOutcome<D>) => readonly EngineEvent[];
}

/** The events of one liquidation, with what each stage decided (for traces and tests). */
export interface LiquidationRun<T, Z, D> {
  readonly events: readonly EngineEvent[];
  readonly triggered: T;
  readonly size: Z;
  readonly outcome: ExecutionOutcome<D>;
}

/** Runs the five stages in order. Stages are pure; the first refusal aborts with its error. */
export function runLiquidation<S, R, T, Z, D>(
  stages: LiquidationStages<S, R, T, Z, D>,
  state: S,
  request: R,
): LiquidationRun<T, Z, D> {
  const triggered = stages.trigger(state, request);
  const size = stages.sizing(state, request, triggered);
  const outcome = stages.execution(state, request, size, triggered);
  const events = [
    ...outcome.events,
    ...stages.incentive(state, request, outcome),
    ...stages.lossWaterfall(state, request, outcome),
  ];
  return { events, triggered, size, outcome };
}
