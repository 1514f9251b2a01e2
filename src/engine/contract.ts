/**
 * The contract every protocol model must keep, as one checker all models share (like Hono's
 * router contract test): ledger conservation, no negative balances, the model's own invariants,
 * no liquidation of a healthy account, seized ≤ collateral, refusals that change nothing, a
 * replayed log that rebuilds the same state hash, and a second run of the same commands that gives
 * the same events and state.
 */
import { SolventError } from '../math/errors.js';
import { createEngine, type EngineState, type ProtocolModel } from './engine.js';
import { assetsOf, assetTotal, balanceOf, bucketsOf, type Moved, SIGNED_BUCKETS } from './ledger.js';
import { apply, type Command, canonicalJson, type Recorded, replay, stateHash } from './machine.js';

/** A command and the time it is submitted at. */
export interface TimedCommand {
  readonly command: Command;
  readonly nowSeconds: number;
}

/** Violations of the ledger and the model invariants in one state (empty when all hold). */
export function engineViolations<X>(model: ProtocolModel<X>, state: EngineState<X>): string[] {
  const out: string[] = [];
  for (const asset of assetsOf(state.ledger)) {
    const total = assetTotal(state.ledger, asset);
    if (total !== 0n) out.push(`ledger: ${asset} sums to ${total}, not 0`);
    for (const [bucket, value] of bucketsOf(state.ledger, asset)) {
      if (!SIGNED_BUCKETS.has(bucket) && value < 0n) out.push(`ledger: ${bucket} holds ${value} ${asset}`);
    }
  }
  for (const check of model.invariants(state)) {
    if (!check.holds) out.push(`${check.name}: ${check.detail}`);
  }
  return out;
}

/** What {@link runContract} saw. */
export interface ContractRun<X> {
  readonly state: EngineState<X>;
  readonly log: readonly Recorded[];
  readonly accepted: number;
  readonly refused: number;
  readonly liquidations: number;
  /** Everything that broke the contract (empty when the model keeps it). */
  readonly violations: readonly string[];
}

/**
 * Applies `commands` in order, checking the contract after each. A SolventError refusal is
 * allowed (and must leave the state hash unchanged); any other exception is a violation.
 */
export function runContract<X>(model: ProtocolModel<X>, commands: readonly TimedCommand[]): ContractRun<X> {
  const engine = createEngine(model);
  let state = engine.initial();
  const log: Recorded[] = [];
  const violations: string[] = [];
  let accepted = 0;
  let refused = 0;
  let liquidations = 0;
  for (const [i, { command, nowSeconds }] of commands.entries()) {
    const before = stateHash(state);
    const target = model.liquidationTarget(command);
    let healthyBefore = false;
    if (target !== undefined && model.accountIds(state).includes(target)) {
      try {
        healthyBefore = !model.health(state, target, nowSeconds).liquidatable;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
    }
    try {
      const result = apply(engine, state, command, nowSeconds);
      if (target !== undefined) {
        liquidations += 1;
        if (healthyBefore) violations.push(`#${i} ${command.type}: liquidated healthy account ${target}`);
        const seized = new Map<string, bigint>();
        for (const { event } of result.events) {
          if (event.type !== 'Moved') continue;
          const m = event as Moved;
          if (m.from === `acct:${target}`) seized.set(m.asset, (seized.get(m.asset) ?? 0n) + m.amount);
        }
        for (const [asset, amount] of seized) {
          const had = balanceOf(state.ledger, `acct:${target}`, asset);
          if (amount > had) violations.push(`#${i} ${command.type}: seized ${amount} ${asset} of ${had}`);
        }
      }
      state = result.state;
      log.push(...result.events);
      accepted += 1;
      for (const v of engineViolations(model, state)) violations.push(`#${i} ${command.type}: ${v}`);
    } catch (e) {
      if (!(e instanceof SolventError)) {
        violations.push(`#${i} ${command.type}: threw ${e instanceof Error ? e.message : String(e)}`);
        break;
      }
      refused += 1;
      if (stateHash(state) !== before) violations.push(`#${i} ${command.type}: refusal changed the state`);
    }
  }
  if (stateHash(replay(engine, log)) !== stateHash(state))
    violations.push('replay: log does not rebuild the state');
  // Determinism: the same commands from empty give the same events and the same state.
  let again = engine.initial();
  const againLog: Recorded[] = [];
  for (const { command, nowSeconds } of commands) {
    try {
      const result = apply(engine, again, command, nowSeconds);
      again = result.state;
      againLog.push(...result.events);
    } catch (e) {
      if (!(e instanceof SolventError)) break;
    }
  }
  if (canonicalJson(againLog) !== canonicalJson(log))
    violations.push('determinism: a second run gave other events');
  if (stateHash(again) !== stateHash(state)) violations.push('determinism: a second run gave another state');
  return { state, log, accepted, refused, liquidations, violations };
}
