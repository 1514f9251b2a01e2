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

describe('redactUrl', () => {
  test('default', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});
