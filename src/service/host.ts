/**
 * The engine host: runs one protocol model as a live process over a journal. Commands go through
 * the engine one at a time (`apply` is a pure fold, called synchronously in arrival order); only
 * an accepted command is journaled, and its caller hears back once the journal has made it durable
 * (group commit: commands accepted in the same event-loop turn share one transaction). Queries
 * and the event stream see only durable state. On open the journal is replayed and checked
 * against its last stored state hash; idempotency keys survive restarts because they are in the
 * journal.
 */
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import {
  apply,
  type Command,
  type Decider,
  type EngineEvent,
  type Recorded,
  stateHash,
} from '../engine/machine.js';
import { SolventError } from '../math/errors.js';
import type { ProtocolEntry } from '../protocols/catalog.js';
import {
  IdempotencyKeyConflictError,
  InitScriptRefusedError,
  JournalCorruptError,
  JournalUnavailableError,
  StateHashMismatchError,
} from './errors.js';
import { type Journal, type JournalRecord, readAll } from './journal.js';
import { canonicalCommand, toWire, wireJson } from './json.js';
import type { Metrics } from './metrics.js';

/** Most commands in one journal transaction (a bound on batch size and latency). */
export const MAX_BATCH_COMMANDS = 2_000;
/** Most commands accepted but not yet durable; beyond it new commands are refused (busy). */
export const MAX_PENDING_COMMANDS = 20_000;
/** Default checkpoint spacing: a state hash is stored at most once per this many records. */
export const DEFAULT_HASH_EVERY = 1_000;
/** Default share of wall time checkpoint hashing may take (2 %). */
export const DEFAULT_HASH_TIME_SHARE = 0.02;

/** Options of {@link EngineHost.open}. */
export interface HostOptions {
  /** The protocol model and its default parameters (`configure {params: "default"}`). */
  readonly entry: ProtocolEntry;
  readonly journal: Journal;
  /** Wall clock, milliseconds since the epoch (default `Date.now`); tests inject their own. */
  readonly clock?: () => number;
  /**
   * Store the engine's state hash with a record once at least this many records have passed since
   * the last one (checked at the end of each group commit; 1 = every batch). Default
   * {@link DEFAULT_HASH_EVERY}. A hash costs O(state): ~2 ms on a small state, ~40 ms at 6k accounts.
   */
  readonly hashEvery?: number;
  /**
   * Most of the wall time checkpoints may take, as a fraction (default
   * {@link DEFAULT_HASH_TIME_SHARE}): a checkpoint also waits until the time since the previous one
   * is at least the previous hash's duration divided by this, so a large state is hashed less
   * often instead of stalling commits. 1 or more: no time rule (every `hashEvery` records).
   */
  readonly hashTimeShare?: number;
  readonly metrics?: Metrics;
  /** Called once when a journal write fails and the host stops taking commands. */
  readonly onFatal?: (error: JournalUnavailableError) => void;
}

/** A command as a client sends it. */
export interface SubmitRequest {
  /** `{type, ...fields}` (parsed JSON; amounts as decimal strings or safe integers). */
  readonly command: unknown;
  /** Who sends it (the API key's name), journaled with it. */
  readonly actor: string;
  /** Client-chosen key making retries safe (1–200 printable characters). */
  readonly idempotencyKey?: string;
}

/** What an accepted command did. */
export interface CommandResult {
  /** Position of the command in the journal. */
  readonly commandSeq: number;
  /** Server time it was applied at, whole seconds. */
  readonly atSeconds: number;
  /** Events it caused, numbered in the engine's event sequence. */
  readonly events: readonly Recorded[];
  /** True when this answers a retry: the command was applied once, earlier. */
  readonly replayed: boolean;
}

/** A listener of durable events, called in order right after each group commit. */
export type EventListener = (events: readonly Recorded[]) => void;

interface KeyEntry {
  readonly text: string;
  readonly actor: string;
  readonly result: CommandResult;
}

interface Pending {
  record: JournalRecord;
  readonly type: string;
  readonly stateAfter: EngineState;
  readonly events: readonly Recorded[];
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (error: unknown) => void;
  readonly promise: Promise<CommandResult>;
  readonly text: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Replay timing and counts, for logs. */
export interface ReplayReport {
  readonly records: number;
  readonly events: number;
  readonly milliseconds: number;
  /** Sequence of the checkpoint whose hash was verified (0: none stored yet). */
  readonly verifiedCheckpointSeq: number;
}

/** A protocol model served over a journal. Create with {@link EngineHost.open}. */
export class EngineHost {
  readonly entry: ProtocolEntry;
  readonly journal: Journal;
  readonly replayReport: ReplayReport;
  private readonly engine: Decider<EngineState, Command, EngineEvent>;
  private readonly clock: () => number;
  private readonly hashEvery: number;
  private readonly hashTimeShare: number;
  /** When the last checkpoint hash was taken and how long it took (performance.now() ms). */
  private lastHashAtMs = Number.NEGATIVE_INFINITY;
  private lastHashMs = 0;
  private readonly metrics: Metrics | undefined;
  private readonly onFatal: ((error: JournalUnavailableError) => void) | undefined;

  /** Durable state: what queries and the stream see. */
  private committed: EngineState;
  private committedSeq: number;
  private committedAt: number;
  /** State including accepted commands not yet durable. */
  private head: EngineState;
  private headSeq: number;
  private headAt: number;
  private lastCheckpointSeq: number;

  private readonly events: Recorded[];
  private readonly eventWire: (string | undefined)[] = [];
  private readonly keys = new Map<string, KeyEntry>();
  private readonly pendingKeys = new Map<string, Pending>();
  private pending: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private failure: JournalUnavailableError | undefined;
  private closed = false;
  private readonly listeners = new Set<EventListener>();
  private hashCache: { readonly state: EngineState; readonly hash: string } | undefined;
  private idle: (() => void)[] = [];

  private constructor(options: HostOptions, replayed: Replayed) {
    this.entry = options.entry;
    this.journal = options.journal;
    this.engine = replayed.engine;
    this.clock = options.clock ?? Date.now;
    this.hashEvery = options.hashEvery ?? DEFAULT_HASH_EVERY;
    this.hashTimeShare = options.hashTimeShare ?? DEFAULT_HASH_TIME_SHARE;
    this.metrics = options.metrics;
    this.onFatal = options.onFatal;
    this.committed = replayed.state;
    this.head = replayed.state;
    this.committedSeq = replayed.seq;
    this.headSeq = replayed.seq;
    this.committedAt = replayed.atSeconds;
    this.headAt = replayed.atSeconds;
    this.lastCheckpointSeq = replayed.lastCheckpointSeq;
    this.events = replayed.events;
    for (const [key, entry] of replayed.keys) this.keys.set(key, entry);
    this.replayReport = replayed.report;
  }

  /**
   * Replays the journal and returns a host serving its state.
   * @throws JournalCorruptError when a record does not parse or the engine refuses it on replay;
   *   StateHashMismatchError when the replayed state differs from the last stored hash;
   *   InvalidParameterError for a bad `hashEvery`; JournalError for read failures.
   */
  static async open(options: HostOptions): Promise<EngineHost> {
    const hashEvery = options.hashEvery ?? DEFAULT_HASH_EVERY;
    if (!Number.isSafeInteger(hashEvery) || hashEvery < 1) {
      throw new InvalidParameterError('hashEvery', `must be a whole number ≥ 1, got ${hashEvery}`);
    }
    const share = options.hashTimeShare ?? DEFAULT_HASH_TIME_SHARE;
    if (!Number.isFinite(share) || share <= 0) {
      throw new InvalidParameterError('hashTimeShare', `must be a number > 0, got ${share}`);
    }
    const replayed = await replayJournal(options.entry, options.journal);
    return new EngineHost(options, replayed);
  }

  /** The durable state (what has been acknowledged). */
  get state(): EngineState {
    return this.committed;
  }

  /** Sequence of the last durable command (0 = empty journal). */
  get commandSeq(): number {
    return this.committedSeq;
  }

  /** Sequence of the last durable event. */
  get eventSeq(): number {
    return this.events.length;
  }

  /** Whether a journal failure stopped the host. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The server time for a query: the clock's whole seconds, never before the last command. */
  nowSeconds(): number {
    return Math.max(Math.floor(this.clock() / 1000), this.committedAt);
  }

  /** `stateHash` of the durable state (cached until the next commit). */
  stateHash(): string {
    if (this.hashCache?.state !== this.committed) {
      this.hashCache = { state: this.committed, hash: stateHash(this.committed) };
    }
    return this.hashCache.hash;
  }

  /**
   * Durable events with `seq ≥ fromSeq`, at most `limit`.
   * @param fromSeq 1-based event sequence; @param limit ≥ 0.
   */
  eventsFrom(fromSeq: number, limit: number): readonly Recorded[] {
    const start = Math.max(fromSeq, 1) - 1;
    return this.events.slice(start, start + Math.max(limit, 0));
  }

  /** The wire JSON of durable event `seq` (1-based), computed once. */
  eventJson(seq: number): string {
    const cached = this.eventWire[seq - 1];
    if (cached !== undefined) return cached;
    const recorded = this.events[seq - 1];
    if (recorded === undefined) throw new RangeError(`no event ${seq}`);
    const text = wireJson(recorded);
    this.eventWire[seq - 1] = text;
    return text;
  }

  /** Calls `listener` with every batch of durable events from now on; returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Applies a command and resolves once it is durable. A refused command rejects with the engine's
   * typed error and is neither journaled nor applied. A request repeating an idempotency key gets
   * the first request's result (`replayed: true`), whether that one is durable yet or not.
   * @throws (rejects with) InvalidParameterError for a command that is not `{type, ...}` or a
   *   malformed idempotency key; IdempotencyKeyConflictError when the key was used for another
   *   command or actor; the engine's SolventError refusal; JournalUnavailableError after a journal
   *   failure or while too many commands wait for the journal.
   */
  async submit(request: SubmitRequest): Promise<CommandResult> {
    const { text, command } = this.normalize(request.command);
    const key = request.idempotencyKey;
    if (key !== undefined) {
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new InvalidParameterError('Idempotency-Key', 'must be 1–200 printable ASCII characters');
      }
      const done = this.keys.get(key);
      if (done !== undefined) {
        if (done.text !== text || done.actor !== request.actor) throw new IdempotencyKeyConflictError(key);
        this.metrics?.idempotentReplay();
        return { ...done.result, replayed: true };
      }
      const waiting = this.pendingKeys.get(key);
      if (waiting !== undefined) {
        if (waiting.text !== text || waiting.record.actor !== request.actor) {
          throw new IdempotencyKeyConflictError(key);
        }
        this.metrics?.idempotentReplay();
        const result = await waiting.promise;
        return { ...result, replayed: true };
      }
    }
    this.requireWritable();
    const atSeconds = Math.max(Math.floor(this.clock() / 1000), this.headAt);
    let applied: { state: EngineState; events: readonly Recorded[] };
    try {
      applied = apply(this.engine, this.head, command, atSeconds);
    } catch (error) {
      if (error instanceof SolventError) this.metrics?.commandRefused(command.type, error.code);
      throw error;
    }
    const record: JournalRecord = {
      seq: this.headSeq + 1,
      atSeconds,
      command: text,
      actor: request.actor,
      ...(key === undefined ? {} : { idempotencyKey: key }),
    };
    const pending = this.enqueue(record, command.type, text, applied);
    if (key !== undefined) this.pendingKeys.set(key, pending);
    return pending.promise;
  }

  /**
   * Applies `commands` all or nothing when the journal is empty (an `--init` script): each is
   * applied at the server time in order; if any is refused nothing is journaled.
   * @returns false (doing nothing) when the journal already holds records.
   * @throws InitScriptRefusedError naming the refused command; InvalidParameterError for a
   *   malformed one; JournalUnavailableError.
   */
  async bootstrap(commands: readonly unknown[], actor: string): Promise<boolean> {
    if (this.headSeq > 0) return false;
    this.requireWritable();
    const atSeconds = Math.max(Math.floor(this.clock() / 1000), this.headAt);
    let state = this.head;
    const staged: {
      text: string;
      type: string;
      applied: { state: EngineState; events: readonly Recorded[] };
    }[] = [];
    for (const [index, raw] of commands.entries()) {
      const { text, command } = this.normalize(raw);
      try {
        const applied = apply(this.engine, state, command, atSeconds);
        state = applied.state;
        staged.push({ text, type: command.type, applied });
      } catch (error) {
        if (error instanceof SolventError) throw new InitScriptRefusedError(index, command.type, error);
        throw error;
      }
    }
    const promises = staged.map(
      (s) =>
        this.enqueue({ seq: this.headSeq + 1, atSeconds, command: s.text, actor }, s.type, s.text, s.applied)
          .promise,
    );
    await Promise.all(promises);
    return true;
  }

  /** Resolves once every accepted command is durable (or the host failed). */
  async drain(): Promise<void> {
    if (this.pending.length === 0 && !this.flushing) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Stops taking commands, waits for the accepted ones to be durable and closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    await this.journal.close();
  }

  private normalize(raw: unknown): { text: string; command: Command } {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new InvalidParameterError('command', 'expected an object {type, ...fields}');
    }
    const fields = raw as Readonly<Record<string, unknown>>;
    if (typeof fields.type !== 'string' || fields.type === '') {
      throw new InvalidParameterError('type', 'expected the command type as a non-empty string');
    }
    let input: Readonly<Record<string, unknown>> = fields;
    // As in scripts: `configure {params: "default"}` runs the model on its embedded parameters.
    if (fields.type === 'configure' && fields.params === 'default') {
      input = { ...fields, params: toWire(this.entry.defaultParams) };
    }
    // The command applied is the canonical value the journaled text parses back to: replay
    // applies the very same input.
    const { text, value } = canonicalCommand(input);
    return { text, command: value as Command };
  }

  private requireWritable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new JournalUnavailableError('the server is shutting down');
    if (this.pending.length >= MAX_PENDING_COMMANDS) {
      throw new JournalUnavailableError(`${this.pending.length} commands are waiting for the journal`);
    }
  }

  private enqueue(
    record: JournalRecord,
    type: string,
    text: string,
    applied: { state: EngineState; events: readonly Recorded[] },
  ): Pending {
    let resolve!: (result: CommandResult) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<CommandResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A caller that never awaits (a dropped HTTP request) must not crash the process.
    promise.catch(() => undefined);
    const pending: Pending = {
      record,
      type,
      text,
      stateAfter: applied.state,
      events: applied.events,
      resolve,
      reject,
      promise,
    };
    this.head = applied.state;
    this.headSeq = record.seq;
    this.headAt = record.atSeconds;
    this.pending.push(pending);
    this.schedule();
    return pending;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate: the requests already read in this turn join the same transaction.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.failure !== undefined) return;
    if (this.pending.length === 0) {
      this.notifyIdle();
      return;
    }
    this.flushing = true;
    const batch = this.pending.splice(0, MAX_BATCH_COMMANDS);
    const last = batch[batch.length - 1] as Pending;
    if (this.checkpointDue(last.record.seq)) {
      const hashStarted = performance.now();
      last.record = { ...last.record, stateHash: stateHash(last.stateAfter) };
      this.lastHashAtMs = performance.now();
      this.lastHashMs = this.lastHashAtMs - hashStarted;
    }
    const started = performance.now();
    try {
      await this.journal.append(batch.map((p) => p.record));
    } catch (error) {
      this.flushing = false;
      this.fail(error, batch);
      return;
    }
    this.metrics?.journalAppend((performance.now() - started) / 1000, batch.length);
    if (last.record.stateHash !== undefined) this.lastCheckpointSeq = last.record.seq;
    this.committed = last.stateAfter;
    this.committedSeq = last.record.seq;
    this.committedAt = last.record.atSeconds;
    const durable: Recorded[] = [];
    for (const p of batch) {
      for (const e of p.events) this.events.push(e);
      durable.push(...p.events);
      const result: CommandResult = {
        commandSeq: p.record.seq,
        atSeconds: p.record.atSeconds,
        events: p.events,
        replayed: false,
      };
      const key = p.record.idempotencyKey;
      if (key !== undefined) {
        this.keys.set(key, { text: p.text, actor: p.record.actor, result });
        this.pendingKeys.delete(key);
      }
      this.metrics?.commandAccepted(p.type);
      p.resolve(result);
    }
    this.flushing = false;
    if (durable.length > 0) {
      for (const listener of [...this.listeners]) listener(durable);
    }
    if (this.pending.length > 0) this.schedule();
    else this.notifyIdle();
  }

  /** Whether the batch ending at `seq` should carry a state hash (records and time rules). */
  private checkpointDue(seq: number): boolean {
    if (seq - this.lastCheckpointSeq < this.hashEvery) return false;
    if (this.hashTimeShare >= 1) return true;
    return performance.now() - this.lastHashAtMs >= this.lastHashMs / this.hashTimeShare;
  }

  private fail(error: unknown, batch: readonly Pending[]): void {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = new JournalUnavailableError(reason);
    this.failure = failure;
    // Nothing after the last durable command is kept: the host serves the journal's state only.
    this.head = this.committed;
    this.headSeq = this.committedSeq;
    this.headAt = this.committedAt;
    for (const p of [...batch, ...this.pending]) p.reject(failure);
    this.pending = [];
    this.pendingKeys.clear();
    this.notifyIdle();
    this.onFatal?.(failure);
  }

  private notifyIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

interface Replayed {
  readonly engine: Decider<EngineState, Command, EngineEvent>;
  readonly state: EngineState;
  readonly seq: number;
  readonly atSeconds: number;
  readonly lastCheckpointSeq: number;
  readonly events: Recorded[];
  readonly keys: Map<string, KeyEntry>;
  readonly report: ReplayReport;
}

/**
 * Rebuilds the state a journal describes: every record applied in order at its own time. The
 * state at the last stored checkpoint is hashed and compared with the stored hash.
 * @throws JournalCorruptError, StateHashMismatchError, JournalError.
 */
async function replayJournal(entry: ProtocolEntry, journal: Journal): Promise<Replayed> {
  const started = performance.now();
  const engine = createEngine(entry.model) as Decider<EngineState, Command, EngineEvent>;
  let state = engine.initial();
  let seq = 0;
  let atSeconds = 0;
  const events: Recorded[] = [];
  const keys = new Map<string, KeyEntry>();
  let checkpoint: { readonly seq: number; readonly hash: string; readonly state: EngineState } | undefined;
  for await (const record of readAll(journal)) {
    if (record.seq !== seq + 1) throw new JournalCorruptError(record.seq, `expected record ${seq + 1}`);
    let command: Command;
    try {
      command = JSON.parse(record.command) as Command;
    } catch {
      throw new JournalCorruptError(record.seq, 'the command is not JSON');
    }
    let applied: { state: EngineState; events: readonly Recorded[] };
    try {
      applied = apply(engine, state, command, record.atSeconds);
    } catch (error) {
      const reason = error instanceof SolventError ? error.shortMessage : String(error);
      throw new JournalCorruptError(record.seq, `the engine refuses it now (${reason})`);
    }
    state = applied.state;
    seq = record.seq;
    atSeconds = record.atSeconds;
    for (const e of applied.events) events.push(e);
    if (record.idempotencyKey !== undefined) {
      keys.set(record.idempotencyKey, {
        text: record.command,
        actor: record.actor,
        result: {
          commandSeq: record.seq,
          atSeconds: record.atSeconds,
          events: applied.events,
          replayed: false,
        },
      });
    }
    // States are immutable: keeping the checkpoint's state costs a reference, not a copy.
    if (record.stateHash !== undefined) checkpoint = { seq: record.seq, hash: record.stateHash, state };
  }
  if (checkpoint !== undefined) {
    const replayedHash = stateHash(checkpoint.state);
    if (replayedHash !== checkpoint.hash)
      throw new StateHashMismatchError(checkpoint.seq, checkpoint.hash, replayedHash);
  }
  return {
    engine,
    state,
    seq,
    atSeconds,
    lastCheckpointSeq: checkpoint?.seq ?? 0,
    events,
    keys,
    report: {
      records: seq,
      events: events.length,
      milliseconds: performance.now() - started,
      verifiedCheckpointSeq: checkpoint?.seq ?? 0,
    },
  };
}

/**
 * The state a journal replays to and its hash, computed from scratch (for checks outside a
 * running server: the crash test's "clean replay in a fresh process").
 * @throws as {@link EngineHost.open}.
 */
export async function replayStateHash(
  entry: ProtocolEntry,
  journal: Journal,
): Promise<{ readonly commandSeq: number; readonly eventSeq: number; readonly stateHash: string }> {
  const replayed = await replayJournal(entry, journal);
  return { commandSeq: replayed.seq, eventSeq: replayed.events.length, stateHash: stateHash(replayed.state) };
}
