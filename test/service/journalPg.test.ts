/**
 * The PostgreSQL journal against a real server (SOLVENT_PG_URL, or a throwaway cluster): the
 * shared journal contract, the PostgreSQL-specific lock, and the engine host replaying from it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { marketSetup } from '../../src/protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../../src/protocols/catalog.js';
import { JournalLockedError } from '../../src/service/errors.js';
import { EngineHost } from '../../src/service/host.js';
import { openPgJournal, redactUrl } from '../../src/service/journalPg.js';
import { journalContract } from './journalContract.js';
import { startPostgres, type TestPostgres } from './pg.js';

let postgres: TestPostgres;
let counter = 0;
const run = `t${Date.now().toString(36)}`;

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

journalContract('postgres', {
  fresh: async () => `${run}_${++counter}`,
  open: (schema, protocol) => openPgJournal({ url: postgres.url, protocol, schema }),
  setSchemaVersion: (schema, version) =>
    sql(`UPDATE ${schema}.journal_meta SET value = '${version}' WHERE key = 'schema_version'`),
});

describe('openPgJournal', () => {
  test('default', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    expect(journal.info).toMatchObject({ kind: 'postgres', protocol: 'aave-v3.3' });
    expect(journal.info.location).toContain(`schema ${schema}`);
    await journal.close();
  });

  test('behavior: a host journals to PostgreSQL and a new host replays it to the same state', async () => {
    const schema = `${run}_${++counter}`;
    const entry = findProtocol('aave-v3.3');
    const open = async () =>
      EngineHost.open({
        entry,
        journal: await openPgJournal({ url: postgres.url, protocol: entry.model.id, schema }),
        clock: () => 1_700_000_000_000,
        hashEvery: 5,
      });
    const host = await open();
    await host.bootstrap(
      marketSetup().map((c) => toJsonValue(c)),
      'init',
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        host.submit({
          command: { type: 'fundWallet', actor: `a${i % 5}`, asset: 'USDC', amount: String(i + 1) },
          actor: 'op',
          idempotencyKey: `k${i}`,
        }),
      ),
    );
    const hash = host.stateHash();
    await host.close();
    const again = await open();
    expect(again.stateHash()).toBe(hash);
    expect(again.replayReport.verifiedCheckpointSeq).toBeGreaterThan(0);
    const retry = await again.submit({
      command: { type: 'fundWallet', actor: 'a0', asset: 'USDC', amount: '1' },
      actor: 'op',
      idempotencyKey: 'k0',
    });
    expect(retry).toEqual({ ...results[0], replayed: true });
    await again.close();
  });

  test('error: a second writer is refused while the first holds the journal', async () => {
    const schema = `${run}_${++counter}`;
    const first = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await expect(
      openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema, lockWaitMs: 200 }),
    ).rejects.toThrow(JournalLockedError);
    await first.close();
    const second = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await second.close();
  });

  test('error: an unreachable server or a bad schema name is a JournalError', async () => {
    await expect(
      openPgJournal({ url: 'postgres://nobody@127.0.0.1:1/none', protocol: 'aave-v3.3', lockWaitMs: 0 }),
    ).rejects.toThrow(/PostgreSQL journal/);
    await expect(
      openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema: 'Bad-Name' }),
    ).rejects.toThrow(/schema name/);
  });
});

/** Ends the PostgreSQL session that holds `schema`'s writer lock (as a restart or an operator would). */
async function dropWriterSession(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const result = await client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.objid::bigint = (hashtext($1)::bigint & 4294967295)
         AND l.classid::bigint = ((hashtext($1)::bigint >> 32) & 4294967295)`,
      [`solvent-journal:${schema}`],
    );
    return result.rows.filter((r) => r.ended).length;
  } finally {
    await client.end();
  }
}

const record = (seq: number, key?: string) => ({
  seq,
  atSeconds: 1_700_000_000 + seq,
  command: JSON.stringify({ type: 'fundWallet', actor: 'a', asset: 'USDC', amount: String(seq) }),
  actor: 'op',
  ...(key === undefined ? {} : { idempotencyKey: key }),
});

describe('the PostgreSQL journal after a lost connection', () => {
  test('behavior: the session is renewed: appends and reads go on and the journal stays contiguous', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await journal.append([record(1, 'k1'), record(2)]);
    expect(await dropWriterSession(schema)).toBe(1);
    // The next append finds the connection gone, reconnects, takes the lock again and appends.
    await journal.append([record(3, 'k3')]);
    expect(await dropWriterSession(schema)).toBe(1);
    expect((await journal.findByIdempotencyKey('k3'))?.seq).toBe(3);
    expect(await dropWriterSession(schema)).toBe(1);
    expect((await journal.read(1, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
    await journal.append([record(4), record(5)]);
    expect(await journal.lastSeq()).toBe(5);
    await journal.close();
    // A new writer (after close) reads what the renewed sessions appended.
    const again = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    expect((await again.read(1, 10)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await again.read(3, 1))[0]).toEqual(record(3, 'k3'));
    await again.close();
  });

  test('behavior: an append cut off mid-statement is written again after the session is renewed', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await journal.append([record(1)]);
    // Each insert now takes a second, so the session can be ended while one is running.
    await sql(`CREATE FUNCTION ${schema}.slow() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$`);
    await sql(
      `CREATE TRIGGER slow AFTER INSERT ON ${schema}.journal FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.slow()`,
    );
    const appending = journal.append([record(2, 'k2'), record(3)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await dropWriterSession(schema)).toBe(1);
    await appending;
    expect(await journal.lastSeq()).toBe(3);
    expect(await journal.read(1, 10)).toEqual([record(1), record(2, 'k2'), record(3)]);
    await journal.close();
  });

  test('behavior: the renewed session holds the writer lock: a second writer is refused', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await dropWriterSession(schema);
    await journal.append([record(1)]);
    await expect(
      openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema, lockWaitMs: 200 }),
    ).rejects.toThrow(JournalLockedError);
    await journal.close();
  });

  test('error: another writer appended while the connection was down: JournalError, nothing appended', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await journal.append([record(1)]);
    await dropWriterSession(schema);
    const other = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    await other.append([record(2, 'theirs')]);
    await other.close();
    await expect(journal.append([record(2, 'mine')])).rejects.toThrow(/another writer appended/);
    await journal.close();
    const check = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema });
    expect(await check.read(1, 10)).toEqual([record(1), record(2, 'theirs')]);
    await check.close();
  });

  test('error: with reconnectMs 0 a lost connection fails the call with JournalError', async () => {
    const schema = `${run}_${++counter}`;
    const journal = await openPgJournal({ url: postgres.url, protocol: 'aave-v3.3', schema, reconnectMs: 0 });
    await journal.append([record(1)]);
    await dropWriterSession(schema);
    await expect(journal.append([record(2)])).rejects.toThrow(/PostgreSQL journal .*append failed/);
    expect(await journal.lastSeq()).toBe(1);
    await journal.close();
  });
});

describe('redactUrl', () => {
  test('default', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});
