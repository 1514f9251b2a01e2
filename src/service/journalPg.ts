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
  const client = new pg.Client({ connectionString: options.url });
  let broken: Error | undefined;
  // An idle connection that drops emits 'error'; remember it so the next call fails cleanly.
  client.on('error', (error) => {
    broken = error;
  });
  try {
    await client.connect();
    await client.query('SET synchronous_commit = on');
    const lockKey = `solvent-journal:${schema}`;
    const deadline = Date.now() + (options.lockWaitMs ?? 10_000);
    for (;;) {
      const got = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [lockKey],
      );
      if (got.rows[0]?.locked === true) break;
      if (Date.now() >= deadline) throw new JournalLockedError(location);
      await sleep(50);
    }
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
      client,
      schema,
      { kind: 'postgres', location, protocol: options.protocol },
      Number(last.rows[0]?.last ?? 0),
      () => broken,
    );
  } catch (error) {
    await client.end().catch(() => undefined);
    throw journalError('open', location, error);
  }
}

class PgJournal implements Journal {
  readonly info: JournalInfo;
  private last: number;

  constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
    info: JournalInfo,
    last: number,
    private readonly brokenBy: () => Error | undefined,
  ) {
    this.info = info;
    this.last = last;
  }

  private requireConnected(action: string): void {
    const broken = this.brokenBy();
    if (broken !== undefined) throw journalError(action, this.info.location, broken);
  }

  async lastSeq(): Promise<number> {
    return this.last;
  }

  async append(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    requireContiguous(this.last, records);
    this.requireConnected('append');
    try {
      // One statement, so one implicit transaction: every record of the batch commits together.
      await this.client.query(
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
    } catch (error) {
      throw journalError('append', this.info.location, error);
    }
    this.last = records[records.length - 1]!.seq;
  }

  async read(fromSeq: number, limit: number): Promise<JournalRecord[]> {
    this.requireConnected('read');
    try {
      const result = await this.client.query<RecordRow>(
        `SELECT seq, at_seconds, command, actor, idempotency_key, state_hash FROM ${this.schema}.journal
         WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [fromSeq, limit],
      );
      return result.rows.map(fromRow);
    } catch (error) {
      throw journalError('read', this.info.location, error);
    }
  }

  async findByIdempotencyKey(key: string): Promise<JournalRecord | undefined> {
    this.requireConnected('read');
    try {
      const result = await this.client.query<RecordRow>(
        `SELECT seq, at_seconds, command, actor, idempotency_key, state_hash FROM ${this.schema}.journal
         WHERE idempotency_key = $1`,
        [key],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : fromRow(row);
    } catch (error) {
      throw journalError('read', this.info.location, error);
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
