/**
 * The embedded journal: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
 * transaction has been fsynced before `append` resolves. The file is held with an exclusive lock
 * for as long as it is open, so a second server on the same file is refused instead of
 * interleaving appends. better-sqlite3 is synchronous, so the connection lives on a worker thread:
 * while one group commit waits for its fsync, the main thread keeps taking and applying commands
 * (the next group), and the event loop never stalls on the disk.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  JournalError,
  JournalLockedError,
  JournalProtocolMismatchError,
  JournalSchemaError,
} from './errors.js';
import {
  JOURNAL_SCHEMA_VERSION,
  type Journal,
  type JournalInfo,
  type JournalRecord,
  requireContiguous,
} from './journal.js';

/** Options of {@link openSqliteJournal}. */
export interface SqliteJournalOptions {
  /** Path of the database file; created (with its schema) when missing. */
  readonly path: string;
  /** Protocol model id the server runs; a journal created for another one is refused. */
  readonly protocol: string;
  /** Wall-clock time written as `created_at` in a new journal, ISO 8601 (default: now). */
  readonly createdAt?: string;
  /**
   * `FULL` (default): fsync at every commit, durable before ack. `OFF` exists only so the
   * benchmark can measure what the fsync costs; a journal opened with it may lose acknowledged
   * commands on a power loss. The CLI never sets it.
   */
  readonly synchronous?: 'FULL' | 'OFF';
}

/**
 * The worker's code (CommonJS, evaluated by `new Worker(..., {eval: true})` so it runs the same
 * from src under the test runner and from dist): it owns the connection and answers one message
 * at a time, `{id, op, args}` → `{id, result}` or `{id, error: {message, code}}`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
let db;
let insert;
let selectFrom;
let selectKey;
let appendAll;
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, at_seconds INTEGER NOT NULL, ' +
    'command TEXT NOT NULL, actor TEXT NOT NULL, idempotency_key TEXT UNIQUE, state_hash TEXT)',
];
function open(a) {
  db = new Database(a.path, { timeout: 0 });
  try {
    // Exclusive locking before the first WAL access: held until close, and WAL needs no shared
    // memory. synchronous=FULL fsyncs the WAL at every commit.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = ' + (a.synchronous === 'OFF' ? 'OFF' : 'FULL'));
    db.exec('BEGIN IMMEDIATE');
    for (const statement of SCHEMA) db.exec(statement);
    let meta = db.prepare('SELECT key, value FROM meta').all();
    if (meta.length === 0) {
      meta = [
        { key: 'schema_version', value: a.schemaVersion },
        { key: 'protocol', value: a.protocol },
        { key: 'created_at', value: a.createdAt },
      ];
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (const m of meta) put.run(m.key, m.value);
    }
    db.exec('COMMIT');
    insert = db.prepare('INSERT INTO records (seq, at_seconds, command, actor, idempotency_key, state_hash) VALUES (?, ?, ?, ?, ?, ?)');
    selectFrom = db.prepare('SELECT * FROM records WHERE seq >= ? ORDER BY seq LIMIT ?');
    selectKey = db.prepare('SELECT * FROM records WHERE idempotency_key = ?');
    appendAll = db.transaction((rows) => {
      for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4], r[5]);
    });
    const last = db.prepare('SELECT COALESCE(MAX(seq), 0) AS last FROM records').get().last;
    return { meta, last };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    db = undefined;
    throw error;
  }
}
const ops = {
  open,
  append: (rows) => { appendAll(rows); return null; },
  read: (a) => selectFrom.all(a.fromSeq, a.limit),
  find: (key) => selectKey.get(key) ?? null,
  pragmas: () => ({
    synchronous: db.pragma('synchronous', { simple: true }),
    journalMode: db.pragma('journal_mode', { simple: true }),
    lockingMode: db.pragma('locking_mode', { simple: true }),
  }),
  close: () => { if (db !== undefined && db.open) db.close(); return null; },
};
parentPort.on('message', (message) => {
  try {
    parentPort.postMessage({ id: message.id, result: ops[message.op](message.args) });
  } catch (error) {
    parentPort.postMessage({
      id: message.id,
      error: { message: String((error && error.message) || error), code: error && error.code },
    });
  }
});
`;

interface RecordRow {
  readonly seq: number;
  readonly at_seconds: number;
  readonly command: string;
  readonly actor: string;
  readonly idempotency_key: string | null;
  readonly state_hash: string | null;
}

function fromRow(row: RecordRow): JournalRecord {
  return {
    seq: row.seq,
    atSeconds: row.at_seconds,
    command: row.command,
    actor: row.actor,
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
    ...(row.state_hash === null ? {} : { stateHash: row.state_hash }),
  };
}

/** An error the worker reported (SQLite's message and code). */
interface WorkerFailure {
  readonly message: string;
  readonly code?: string;
}

function journalError(action: string, path: string, failure: WorkerFailure): JournalError {
  if (failure.code?.startsWith('SQLITE_BUSY') === true) return new JournalLockedError(path);
  return new JournalError('Journal', `SQLite journal ${path}: ${action} failed: ${failure.message}.`, {
    metaMessages: ['Check the disk (space, permissions) and restart the server.'],
    details: {
      path,
      action,
      reason: failure.message,
      ...(failure.code === undefined ? {} : { code: failure.code }),
    },
  });
}

/** The connection on its worker thread: one request at a time in order, each answered once. */
class SqliteWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { readonly resolve: (value: unknown) => void; readonly reject: (failure: WorkerFailure) => void }
  >();
  private dead: WorkerFailure | undefined;

  constructor() {
    const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { betterSqlite3 } });
    this.worker.on('message', (message: { id: number; result?: unknown; error?: WorkerFailure }) => {
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter.reject(message.error);
      else waiter.resolve(message.result);
    });
    const fail = (failure: WorkerFailure): void => {
      this.dead ??= failure;
      for (const waiter of this.waiting.values()) waiter.reject(failure);
      this.waiting.clear();
    };
    this.worker.on('error', (error) => fail({ message: `journal thread failed: ${error.message}` }));
    this.worker.on('exit', () => fail({ message: 'journal thread exited' }));
  }

  call(op: string, args: unknown): Promise<unknown> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Opens (creating when missing) the SQLite journal at `options.path`.
 * @throws JournalLockedError when another connection (this process or another) has it open;
 *   JournalSchemaError for another schema version; JournalProtocolMismatchError when it was made
 *   for another protocol; JournalError for any other SQLite failure (unreadable, not a database).
 */
export async function openSqliteJournal(options: SqliteJournalOptions): Promise<SqliteJournal> {
  const { path, protocol } = options;
  const worker = new SqliteWorker();
  let opened: { meta: { key: string; value: string }[]; last: number };
  try {
    opened = (await worker.call('open', {
      path,
      protocol,
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      createdAt: options.createdAt ?? new Date().toISOString(),
      synchronous: options.synchronous ?? 'FULL',
    })) as typeof opened;
  } catch (failure) {
    await worker.terminate();
    throw journalError('open', path, failure as WorkerFailure);
  }
  const meta = new Map(opened.meta.map((m) => [m.key, m.value]));
  const version = meta.get('schema_version') ?? '(none)';
  const stored = meta.get('protocol') ?? '(none)';
  if (version !== JOURNAL_SCHEMA_VERSION || stored !== protocol) {
    await worker.call('close', null).catch(() => undefined);
    await worker.terminate();
    if (version !== JOURNAL_SCHEMA_VERSION) throw new JournalSchemaError(version, JOURNAL_SCHEMA_VERSION);
    throw new JournalProtocolMismatchError(stored, protocol);
  }
  return new SqliteJournal(worker, { kind: 'sqlite', location: path, protocol }, opened.last);
}

/** An open SQLite journal (see {@link openSqliteJournal}). */
export class SqliteJournal implements Journal {
  readonly info: JournalInfo;
  private last: number;
  private closed = false;

  /** @internal Use {@link openSqliteJournal}. */
  constructor(
    private readonly worker: SqliteWorker,
    info: JournalInfo,
    last: number,
  ) {
    this.info = info;
    this.last = last;
  }

  private async call(action: string, op: string, args: unknown): Promise<unknown> {
    if (this.closed) throw journalError(action, this.info.location, { message: 'the journal is closed' });
    try {
      return await this.worker.call(op, args);
    } catch (failure) {
      throw journalError(action, this.info.location, failure as WorkerFailure);
    }
  }

  async lastSeq(): Promise<number> {
    return this.last;
  }

  async append(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    requireContiguous(this.last, records);
    const rows = records.map((r) => [
      r.seq,
      r.atSeconds,
      r.command,
      r.actor,
      r.idempotencyKey ?? null,
      r.stateHash ?? null,
    ]);
    // Advance before the commit lands so a second append cannot reuse the numbers; an append that
    // fails leaves the journal unusable anyway (the host stops).
    const before = this.last;
    this.last = records[records.length - 1]!.seq;
    try {
      await this.call('append', 'append', rows);
    } catch (error) {
      this.last = before;
      throw error;
    }
  }

  async read(fromSeq: number, limit: number): Promise<JournalRecord[]> {
    return ((await this.call('read', 'read', { fromSeq, limit })) as RecordRow[]).map(fromRow);
  }

  async findByIdempotencyKey(key: string): Promise<JournalRecord | undefined> {
    const row = (await this.call('read', 'find', key)) as RecordRow | null;
    return row === null ? undefined : fromRow(row);
  }

  /** The connection's durability pragmas (for tests and diagnostics). */
  async pragmas(): Promise<{ synchronous: number; journalMode: string; lockingMode: string }> {
    return (await this.call('read', 'pragmas', null)) as {
      synchronous: number;
      journalMode: string;
      lockingMode: string;
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.call('close', null).catch(() => undefined);
    await this.worker.terminate();
  }
}
