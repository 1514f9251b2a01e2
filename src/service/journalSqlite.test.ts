import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { journalContract } from '../../test/service/journalContract.js';
import { JournalError, JournalLockedError } from './errors.js';
import { openSqliteJournal } from './journalSqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'solvent-journal-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

journalContract('sqlite', {
  fresh: async () => join(dir, `j${++counter}.sqlite`),
  open: (path, protocol) => openSqliteJournal({ path, protocol }),
  setSchemaVersion: async (path, version) => {
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(version);
    db.close();
  },
});

describe('openSqliteJournal', () => {
  test('default', async () => {
    const path = join(dir, 'pragmas.sqlite');
    const journal = await openSqliteJournal({
      path,
      protocol: 'aave-v3.3',
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(journal.info).toEqual({ kind: 'sqlite', location: path, protocol: 'aave-v3.3' });
    await journal.close();
    const db = new Database(path, { readonly: true });
    // WAL survives close; the meta table holds what the journal was made for.
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT key, value FROM meta ORDER BY key').all()).toEqual([
      { key: 'created_at', value: '2026-01-01T00:00:00Z' },
      { key: 'protocol', value: 'aave-v3.3' },
      { key: 'schema_version', value: '1' },
    ]);
    db.close();
  });

  test('behavior: the connection runs WAL with synchronous=FULL (fsync at every commit)', async () => {
    const path = join(dir, 'sync.sqlite');
    const journal = await openSqliteJournal({ path, protocol: 'aave-v3.3' });
    // The journal holds its file exclusively, so ask its own connection (2 = FULL).
    expect(await journal.pragmas()).toEqual({ synchronous: 2, journalMode: 'wal', lockingMode: 'exclusive' });
    await journal.close();
    const nosync = await openSqliteJournal({ path, protocol: 'aave-v3.3', synchronous: 'OFF' });
    expect((await nosync.pragmas()).synchronous).toBe(0);
    await nosync.close();
  });

  test('error: a second opener of the same file is refused while the first holds it', async () => {
    const path = join(dir, 'locked.sqlite');
    const first = await openSqliteJournal({ path, protocol: 'aave-v3.3' });
    await expect(openSqliteJournal({ path, protocol: 'aave-v3.3' })).rejects.toThrow(JournalLockedError);
    await first.close();
    const second = await openSqliteJournal({ path, protocol: 'aave-v3.3' });
    await second.close();
  });

  test('error: a file that is not a database is refused with a JournalError', async () => {
    const path = join(dir, 'not-a-db.sqlite');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'this is not sqlite, just text that is long enough to have a header'.repeat(10));
    await expect(openSqliteJournal({ path, protocol: 'aave-v3.3' })).rejects.toThrow(JournalError);
  });
});
