/**
 * The deterministic state machine every Solvent engine is: `decide(state, command, now)` returns
 * events or throws a typed refusal; `evolve(state, event)` folds one event. `apply` is the two
 * together; `replay` rebuilds a state from its event log; `stateHash` proves two states equal.
 */
import { createHash } from 'node:crypto';
import { ClockWentBackwardsError, InvalidParameterError } from './errors.js';
import { PersistentMap } from './persistentMap.js';

/** A command: a plain object with a `type` naming what is asked. */
export interface Command {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** An event: a plain object with a `type` naming what happened. */
export interface EngineEvent {
  readonly type: string;
}

/** An event as stored in the log: numbered and stamped with the time of its command. */
export interface Recorded<E extends EngineEvent = EngineEvent> {
  /** 1-based position in the log. */
  readonly seq: number;
  /** Time of the command that produced it, in whole seconds. */
  readonly atSeconds: number;
  readonly event: E;
}

/** A pure decide/evolve pair over state `S`. */
export interface Decider<S, C extends Command = Command, E extends EngineEvent = EngineEvent> {
  /** The empty state a log is replayed from. */
  initial(): S;
  /** Events the command causes; throws a SolventError (and changes nothing) to refuse it. */
  decide(state: S, command: C, nowSeconds: number): readonly E[];
  /** The state after one recorded event. Never throws for events `decide` produced. */
  evolve(state: S, recorded: Recorded<E>): S;
  /**
   * Optional batched fold: the state after `recorded` in order, which must equal (deep-equal, same
   * canonical JSON) folding {@link evolve} over them one by one. {@link apply} uses it when given,
   * since the states between the events of one command are never observed; a decider may then
   * copy its state once per command instead of once per event. Never throws for events `decide`
   * produced. (A wrapper that replaces `evolve` must replace or drop this too, or `apply` will
   * bypass it.)
   */
  evolveAll?(state: S, recorded: readonly Recorded<E>[]): S;
  /** Sequence number of the last event folded into `state` (0 for the empty state). */
  seqOf(state: S): number;
  /** Time of the last command folded into `state`. */
  timeOf(state: S): number;
}

/** Result of {@link apply}: the new state and the events recorded. */
export interface Applied<S, E extends EngineEvent> {
  readonly state: S;
  readonly events: readonly Recorded<E>[];
}

/** Throws unless `nowSeconds` is a non-negative safe integer. */
export function requireTimestamp(nowSeconds: number, field = 'nowSeconds'): void {
  if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0) {
    throw new InvalidParameterError(field, `expected whole seconds ≥ 0, got ${nowSeconds}`);
  }
}

/**
 * Decides `command` at `nowSeconds` and folds the resulting events (through the decider's
 * `evolveAll` when it has one, else one `evolve` per event; the state is the same either way).
 * @throws ClockWentBackwardsError when `nowSeconds` is before the state's time; whatever typed
 * error `decide` throws. On a throw the input state is untouched (states are immutable).
 */
export function apply<S, C extends Command, E extends EngineEvent>(
  decider: Decider<S, C, E>,
  state: S,
  command: C,
  nowSeconds: number,
): Applied<S, E> {
  requireTimestamp(nowSeconds);
  const last = decider.timeOf(state);
  if (nowSeconds < last) throw new ClockWentBackwardsError(last, nowSeconds);
  const decided = decider.decide(state, command, nowSeconds);
  const seq = decider.seqOf(state);
  const events: Recorded<E>[] = [];
  for (let i = 0; i < decided.length; i++) {
    events.push({ seq: seq + i + 1, atSeconds: nowSeconds, event: decided[i] as E });
  }
  if (decider.evolveAll !== undefined) return { state: decider.evolveAll(state, events), events };
  let next = state;
  for (const recorded of events) next = decider.evolve(next, recorded);
  return { state: next, events };
}

/** Folds a whole log from the empty state. */
export function replay<S, C extends Command, E extends EngineEvent>(
  decider: Decider<S, C, E>,
  log: readonly Recorded<E>[],
): S {
  let state = decider.initial();
  for (const recorded of log) state = decider.evolve(state, recorded);
  return state;
}

/**
 * JSON with sorted keys, bigints written as `"<digits>n"` strings and `undefined` fields dropped:
 * equal states give equal text whatever order their fields were built in. A {@link PersistentMap}
 * is written as the plain record it stands for, so a state holding one hashes as the record would.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof PersistentMap) return normalize(value.toRecord());
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = normalize(v);
    }
    return out;
  }
  return value;
}

/** SHA-256 (hex) of the canonical JSON of a state. */
export function stateHash(state: unknown): string {
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}
