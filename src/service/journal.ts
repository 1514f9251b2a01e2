/**
 * The journal: the append-only log of accepted commands that is the service's system of record.
 * A record is durable when `append` resolves; the server acknowledges a command only after that,
 * and rebuilds its state on start by replaying every record in order. Two implementations share
 * this interface and one contract test: SQLite (journalSqlite.ts, embedded default) and
 * PostgreSQL (journalPg.ts).
 */
import { JournalSequenceError } from './errors.js';

/** Schema version written in the journal's `meta` table; a journal with another one is refused. */
export const JOURNAL_SCHEMA_VERSION = '1';

/** One accepted command as journaled. */
export interface JournalRecord {
  /** 1-based position in the journal, contiguous. */
  readonly seq: number;
  /** Server time the command was applied at, whole seconds (never decreasing along the journal). */
  readonly atSeconds: number;
  /** The command as canonical JSON text (sorted keys, bigints as decimal strings). */
  readonly command: string;
  /** Who sent it: the key's name (never the key itself). */
  readonly actor: string;
  /** The client's idempotency key, unique across the journal. */
  readonly idempotencyKey?: string;
  /** Checkpoint: the engine's `stateHash` after this record, when one was taken here. */
  readonly stateHash?: string;
}

/** What a journal knows about itself. */
export interface JournalInfo {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where it lives (file path, or database and schema), for logs; never a password. */
  readonly location: string;
  /** Protocol model id the journal was created for. */
  readonly protocol: string;
}

/**
 * An open journal. Appends are made by one writer at a time (the engine host serialises them);
 * reads may interleave.
 */
export interface Journal {
  readonly info: JournalInfo;
  /** Sequence number of the last record (0 when empty). */
  lastSeq(): Promise<number>;
  /**
   * Appends records atomically (all or none) and resolves once they are durable (SQLite: WAL with
   * synchronous=FULL; PostgreSQL: committed with synchronous_commit on).
   * @param records contiguous, starting at `lastSeq() + 1`.
   * @throws JournalSequenceError when they do not follow the last record; JournalError for I/O
   *   failures (a duplicate idempotency key included: the host never sends one).
   */
  append(records: readonly JournalRecord[]): Promise<void>;
  /**
   * Records with `seq ≥ fromSeq`, in order, at most `limit` of them.
   * @param fromSeq 1-based; @param limit ≥ 1.
   */
  read(fromSeq: number, limit: number): Promise<JournalRecord[]>;
  /** The record journaled with this idempotency key, if any. */
  findByIdempotencyKey(key: string): Promise<JournalRecord | undefined>;
  /** Closes the connection or file; further calls fail. */
  close(): Promise<void>;
}

/**
 * Every record of a journal in order, read in pages of `pageSize`.
 * @param pageSize records per read (≥ 1), bounds memory while replaying.
 */
export async function* readAll(journal: Journal, pageSize = 10_000): AsyncGenerator<JournalRecord> {
  let from = 1;
  for (;;) {
    const page = await journal.read(from, pageSize);
    for (const record of page) yield record;
    const last = page[page.length - 1];
    if (last === undefined || page.length < pageSize) return;
    from = last.seq + 1;
  }
}

/**
 * Checks that `records` continue a journal whose last record is `lastSeq`, contiguously.
 * @throws JournalSequenceError naming the first record out of place.
 */
export function requireContiguous(lastSeq: number, records: readonly JournalRecord[]): void {
  let expected = lastSeq + 1;
  for (const record of records) {
    if (record.seq !== expected) throw new JournalSequenceError(expected, record.seq);
    expected += 1;
  }
}

/** Name of the journal's writer in the `meta` table and in logs. */
export const JOURNAL_META_KEYS = ['schema_version', 'protocol', 'created_at'] as const;
