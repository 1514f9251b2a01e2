/**
 * The PostgreSQL journal, for when one machine's disk is not the system of record: the same
 * interface as the SQLite one, one `journal` table (with a unique index on the idempotency key)
 * and a `journal_meta` table in a schema of its own. A session advisory lock makes the server the
 * journal's only writer; each append is one INSERT (atomic) committed with synchronous_commit on.
 */
import pg from 'pg';
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

/** Options of {@link openPgJournal}. */
export interface PgJournalOptions {
  /** Connection string, `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** Protocol model id the server runs; a journal created for another one is refused. */
  readonly protocol: string;
  /** Schema holding the journal's tables (created when missing), default `solvent`. */
  readonly schema?: string;
  /**
   * How long to wait for another session's lock on this journal to go, in milliseconds (default
   * 10,000): a server killed a moment ago may still hold it until PostgreSQL notices.
   */
  readonly lockWaitMs?: number;
  /** Wall-clock time written as `created_at` in a new journal, ISO 8601 (default: now). */
  readonly createdAt?: string;
  /**
   * How long a call keeps trying to reconnect after the connection drops (PostgreSQL restarted, a
   * network blip, the session terminated), in milliseconds (default 10,000). 0: never reconnect.
   */
  readonly reconnectMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface RecordRow {
  readonly seq: string;
  readonly at_seconds: string;
  readonly command: string;
  readonly actor: string;
  readonly idempotency_key: string | null;
  readonly state_hash: string | null;
}

function fromRow(row: RecordRow): JournalRecord {
  return {
    seq: Number(row.seq),
    atSeconds: Number(row.at_seconds),
    command: row.command,
    actor: row.actor,
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
    ...(row.state_hash === null ? {} : { stateHash: row.state_hash }),
  };
}

/** The connection string without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable PostgreSQL URL)';
  }
}

function journalError(action: string, location: string, error: unknown): JournalError {
  if (error instanceof JournalError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new JournalError('Journal', `PostgreSQL journal ${location}: ${action} failed: ${reason}.`, {
    metaMessages: ['Check that PostgreSQL is up and reachable, then restart the server.'],
    details: { location, action, reason },
    cause: error,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects to PostgreSQL, takes the journal's writer lock and creates the schema when missing.
 * @throws JournalLockedError when another session holds the journal past `lockWaitMs`;
 *   JournalSchemaError / JournalProtocolMismatchError as the SQLite journal; JournalError for a
 *   connection or SQL failure; InvalidParameter-like JournalError for a bad schema name.
 */
export async function openPgJournal(options: PgJournalOptions): Promise<Journal> {
  const schema = options.schema ?? 'solvent';
  const location = `${redactUrl(options.url)} schema ${schema}`;
  if (!SCHEMA_NAME.test(schema)) {
    throw new JournalError('Journal', `Invalid PostgreSQL schema name "${schema}".`, {
      metaMessages: [
        'Use lower-case letters, digits and underscores (at most 63), not starting with a digit.',
      ],
      details: { schema },
    });
  }
  const session = await openSession(options.url, schema, options.lockWaitMs ?? 10_000, location);
  const client = session.client;
  try {
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.journal_meta (key text PRIMARY KEY, value text NOT NULL)`,
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.journal (
      seq bigint PRIMARY KEY,
      at_seconds bigint NOT NULL,
      command text NOT NULL,
      actor text NOT NULL,
      idempotency_key text,
      state_hash text)`);
    await client.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS journal_idempotency_key ON ${schema}.journal (idempotency_key)`,
    );
    const meta = new Map(
      (
        await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${schema}.journal_meta`)
      ).rows.map((r) => [r.key, r.value]),
    );
    if (meta.size === 0) {
      await client.query(
        `INSERT INTO ${schema}.journal_meta (key, value) VALUES ('schema_version', $1), ('protocol', $2), ('created_at', $3)`,
        [JOURNAL_SCHEMA_VERSION, options.protocol, options.createdAt ?? new Date().toISOString()],
      );
    } else {
      const version = meta.get('schema_version') ?? '(none)';
      if (version !== JOURNAL_SCHEMA_VERSION) throw new JournalSchemaError(version, JOURNAL_SCHEMA_VERSION);
      const stored = meta.get('protocol') ?? '(none)';
      if (stored !== options.protocol) throw new JournalProtocolMismatchError(stored, options.protocol);
    }
    await client.query('COMMIT');
    const last = await client.query<{ last: string }>(
      `SELECT COALESCE(MAX(seq), 0) AS last FROM ${schema}.journal`,
    );
    return new PgJournal(
      session,
      {
        url: options.url,
        schema,
        lockWaitMs: options.lockWaitMs ?? 10_000,
        reconnectMs: options.reconnectMs ?? 10_000,
      },
      { kind: 'postgres', location, protocol: options.protocol },
      Number(last.rows[0]?.last ?? 0),
    );
  } catch (error) {
    await client.end().catch(() => undefined);
    throw journalError('open', location, error);
  }
}

/** One connection holding the journal's writer lock, and the error that broke it, if any. */
interface Session {
  readonly client: pg.Client;
  broken: Error | undefined;
}

/** The application name of the journal's sessions (pg_stat_activity), so an operator can find them. */
export const PG_JOURNAL_APPLICATION = 'solvent-journal';

/**
 * Connects, turns synchronous commit on and takes the journal's session advisory lock, waiting up
 * to `lockWaitMs` for another session to release it.
 * @throws JournalLockedError past the wait; JournalError for a connection or SQL failure.
 */
async function openSession(
  url: string,
  schema: string,
  lockWaitMs: number,
  location: string,
): Promise<Session> {
  const client = new pg.Client({ connectionString: url, application_name: PG_JOURNAL_APPLICATION });
  const session: Session = { client, broken: undefined };
  // An idle connection that drops emits 'error'; remember it so the next call reconnects.
  client.on('error', (error) => {
    session.broken = error;
  });
  try {
    await client.connect();
    await client.query('SET synchronous_commit = on');
    const lockKey = `solvent-journal:${schema}`;
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      const got = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [lockKey],
      );
      if (got.rows[0]?.locked === true) break;
      if (Date.now() >= deadline) throw new JournalLockedError(location);
      await sleep(50);
    }
    return session;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw journalError('open', location, error);
  }
}

/** SQLSTATE classes and codes of a lost connection (08: connection exception; 57P01–57P03: shutdown). */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03']);

/** Whether `error` (from a query on `session`) means the connection is gone rather than a refusal. */
function connectionLost(session: Session, error: unknown): boolean {
  if (session.broken !== undefined) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || CONNECTION_LOST_CODES.has(code))) return true;
  if (typeof code === 'string' && /^E(CONNRESET|CONNREFUSED|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code))
    return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|not queryable|connection error|Client was closed/i.test(message);
}

/** Where and how a journal reconnects. */
interface Reconnect {
  readonly url: string;
  readonly schema: string;
  readonly lockWaitMs: number;
  readonly reconnectMs: number;
}

class PgJournal implements Journal {
  readonly info: JournalInfo;
  private last: number;
  private closed = false;

  constructor(
    private session: Session,
    private readonly reconnect: Reconnect,
    info: JournalInfo,
    last: number,
  ) {
    this.info = info;
    this.last = last;
  }

  /** The end of the last call: calls run one at a time (one connection, and one renewal at most). */
  private chain: Promise<unknown> = Promise.resolve();

  private get schema(): string {
    return this.reconnect.schema;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * A new session in place of a lost one: connect and take the writer lock again (retrying until
   * `reconnectMs` has passed), then check that the journal still ends where this writer left it,
   * or where the append in flight when the connection dropped would have left it (`inFlight`).
   * @returns whether that append had committed.
   * @throws JournalError when the journal cannot be reached in time, or another writer appended
   *   while the lock was lost (the server must restart and replay).
   */
  private async renew(action: string, cause: unknown, inFlight?: readonly JournalRecord[]): Promise<boolean> {
    const location = this.info.location;
    await this.session.client.end().catch(() => undefined);
    if (this.closed || this.reconnect.reconnectMs <= 0) throw journalError(action, location, cause);
    const deadline = Date.now() + this.reconnect.reconnectMs;
    let lastError: unknown = cause;
    for (;;) {
      try {
        this.session = await openSession(
          this.reconnect.url,
          this.schema,
          Math.max(0, Math.min(this.reconnect.lockWaitMs, deadline - Date.now())),
          location,
        );
        break;
      } catch (error) {
        lastError = error;
        if (Date.now() >= deadline) throw journalError(`${action} (reconnecting)`, location, lastError);
        await sleep(200);
      }
    }
    let end: number;
    let stored: JournalRecord[] = [];
    const committed = (): boolean =>
      inFlight !== undefined && inFlight.length > 0 && end === inFlight[inFlight.length - 1]!.seq;
    try {
      end = Number(
        (
          await this.session.client.query<{ last: string }>(
            `SELECT COALESCE(MAX(seq), 0) AS last FROM ${this.schema}.journal`,
          )
        ).rows[0]?.last ?? 0,
      );
      if (committed()) stored = await this.readOn(this.last + 1, (inFlight as JournalRecord[]).length);
    } catch (error) {
      throw journalError(`${action} (reconnecting)`, location, error);
    }
    if (end === this.last) return false;
    if (inFlight !== undefined && committed()) {
      // The batch committed before the connection dropped: it must be exactly this batch.
      const same =
        stored.length === inFlight.length &&
        stored.every(
          (r, i) =>
            r.seq === inFlight[i]!.seq &&
            r.command === inFlight[i]!.command &&
            r.idempotencyKey === inFlight[i]!.idempotencyKey,
        );
      if (same) return true;
    }
    throw new JournalError(
      'Journal',
      `PostgreSQL journal ${location}: another writer appended while the connection was down (the journal ends at ${end}, this server at ${this.last}).`,
      {
        metaMessages: [
          'Restart the server: it replays the journal, including what the other writer appended.',
        ],
        details: { location, action, journalSeq: String(end), serverSeq: String(this.last) },
      },
    );
  }

  /**
   * Runs `query` on the session; on a lost connection, renews the session and runs it once more.
   * Only for statements that change nothing (reads).
   */
  private async reading<T>(query: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.session.broken !== undefined) await this.renew('read', this.session.broken);
    try {
      return await query(this.session.client);
    } catch (error) {
      if (!connectionLost(this.session, error)) throw journalError('read', this.info.location, error);
      await this.renew('read', error);
      try {
        return await query(this.session.client);
      } catch (again) {
        throw journalError('read', this.info.location, again);
      }
    }
  }

  async lastSeq(): Promise<number> {
    return this.last;
  }

  append(records: readonly JournalRecord[]): Promise<void> {
    return this.exclusive(() => this.appendNow(records));
  }

  private async appendNow(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    requireContiguous(this.last, records);
    if (this.session.broken !== undefined) await this.renew('append', this.session.broken);
    try {
      await this.insert(records);
    } catch (error) {
      if (!connectionLost(this.session, error)) throw journalError('append', this.info.location, error);
      // The commit may or may not have happened: renew, then either it did (the rows are there) or
      // the batch is inserted again.
      const committed = await this.renew('append', error, records);
      if (!committed) {
        try {
          await this.insert(records);
        } catch (again) {
          throw journalError('append', this.info.location, again);
        }
      }
    }
    this.last = records[records.length - 1]!.seq;
  }

  private async insert(records: readonly JournalRecord[]): Promise<void> {
    // One statement, so one implicit transaction: every record of the batch commits together.
    await this.session.client.query(
      `INSERT INTO ${this.schema}.journal (seq, at_seconds, command, actor, idempotency_key, state_hash)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        records.map((r) => r.seq),
        records.map((r) => r.atSeconds),
        records.map((r) => r.command),
        records.map((r) => r.actor),
        records.map((r) => r.idempotencyKey ?? null),
        records.map((r) => r.stateHash ?? null),
      ],
    );
  }

  private async readOn(fromSeq: number, limit: number): Promise<JournalRecord[]> {
    const result = await this.session.client.query<RecordRow>(
      `SELECT seq, at_seconds, command, actor, idempotency_key, state_hash FROM ${this.schema}.journal
       WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [fromSeq, limit],
    );
    return result.rows.map(fromRow);
  }

  read(fromSeq: number, limit: number): Promise<JournalRecord[]> {
    return this.exclusive(() => this.reading(() => this.readOn(fromSeq, limit)));
  }

  findByIdempotencyKey(key: string): Promise<JournalRecord | undefined> {
    return this.exclusive(() =>
      this.reading(async (client) => {
        const result = await client.query<RecordRow>(
          `SELECT seq, at_seconds, command, actor, idempotency_key, state_hash FROM ${this.schema}.journal
         WHERE idempotency_key = $1`,
          [key],
        );
        const row = result.rows[0];
        return row === undefined ? undefined : fromRow(row);
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.session.client.end().catch(() => undefined);
  }
}
