/**
 * The contract every journal implementation passes (SQLite in src/service/journalSqlite.test.ts,
 * PostgreSQL in test/service/journalPg.test.ts): appends are contiguous, atomic and read back
 * exactly; idempotency keys are unique; the protocol and schema version are checked on reopen.
 */
import { describe, expect, test } from 'vitest';
import {
  JournalError,
  JournalProtocolMismatchError,
  JournalSchemaError,
  JournalSequenceError,
} from '../../src/service/errors.js';
import { type Journal, type JournalRecord, readAll } from '../../src/service/journal.js';

/** How a contract run opens journals: `fresh()` gives a new empty location each time. */
export interface JournalFactory {
  /** A new, empty journal location (file path or schema). */
  fresh(): Promise<string>;
  /** Opens the journal at a location for a protocol. */
  open(location: string, protocol: string): Promise<Journal>;
  /** Overwrites the stored schema version (to test refusal of other versions). */
  setSchemaVersion(location: string, version: string): Promise<void>;
}

const record = (seq: number, extra: Partial<JournalRecord> = {}): JournalRecord => ({
  seq,
  atSeconds: 1_000 + seq,
  command: JSON.stringify({ amount: String(seq), type: 'fundWallet' }),
  actor: 'operator',
  ...extra,
});

/** Registers the contract tests for one implementation. */
export function journalContract(name: string, factory: JournalFactory): void {
  describe(`journal contract: ${name}`, () => {
    test('default', async () => {
      const location = await factory.fresh();
      const journal = await factory.open(location, 'aave-v3.3');
      expect(await journal.lastSeq()).toBe(0);
      expect(journal.info.protocol).toBe('aave-v3.3');
      await journal.append([record(1), record(2, { idempotencyKey: 'k-2', stateHash: 'ab'.repeat(32) })]);
      await journal.append([record(3)]);
      expect(await journal.lastSeq()).toBe(3);
      expect(await journal.read(1, 10)).toEqual([
        record(1),
        record(2, { idempotencyKey: 'k-2', stateHash: 'ab'.repeat(32) }),
        record(3),
      ]);
      expect(await journal.read(2, 1)).toEqual([
        record(2, { idempotencyKey: 'k-2', stateHash: 'ab'.repeat(32) }),
      ]);
      expect(await journal.findByIdempotencyKey('k-2')).toMatchObject({ seq: 2 });
      expect(await journal.findByIdempotencyKey('nope')).toBeUndefined();
      await journal.close();
    });

    test('behavior: records survive a reopen, in order, and readAll pages through them', async () => {
      const location = await factory.fresh();
      const journal = await factory.open(location, 'maker-liq2');
      const many = Array.from({ length: 250 }, (_, i) => record(i + 1));
      await journal.append(many.slice(0, 100));
      await journal.append(many.slice(100));
      await journal.close();
      const again = await factory.open(location, 'maker-liq2');
      expect(await again.lastSeq()).toBe(250);
      const read: JournalRecord[] = [];
      for await (const r of readAll(again, 64)) read.push(r);
      expect(read).toEqual(many);
      await again.append([record(251)]);
      expect(await again.lastSeq()).toBe(251);
      await again.close();
    });

    test('behavior: an append is all or nothing (a duplicate key in the batch rolls it back)', async () => {
      const location = await factory.fresh();
      const journal = await factory.open(location, 'aave-v3.3');
      await journal.append([record(1, { idempotencyKey: 'a' })]);
      await expect(journal.append([record(2), record(3, { idempotencyKey: 'a' })])).rejects.toThrow(
        JournalError,
      );
      expect(await journal.lastSeq()).toBe(1);
      expect(await journal.read(1, 10)).toHaveLength(1);
      await journal.close();
    });

    test('behavior: commands keep every character (unicode, quotes, big digit strings)', async () => {
      const location = await factory.fresh();
      const journal = await factory.open(location, 'aave-v3.3');
      const command = JSON.stringify({ account: 'zoë "q" \\ ✓', amount: '1'.repeat(78), type: 'deposit' });
      await journal.append([record(1, { command, actor: 'user:ä' })]);
      expect((await journal.read(1, 1))[0]).toMatchObject({ command, actor: 'user:ä' });
      await journal.close();
    });

    test('error: an append out of sequence is refused and changes nothing', async () => {
      const location = await factory.fresh();
      const journal = await factory.open(location, 'aave-v3.3');
      await expect(journal.append([record(2)])).rejects.toThrow(JournalSequenceError);
      await journal.append([record(1)]);
      await expect(journal.append([record(1)])).rejects.toThrow(JournalSequenceError);
      await expect(journal.append([record(2), record(4)])).rejects.toThrow(JournalSequenceError);
      expect(await journal.lastSeq()).toBe(1);
      await journal.close();
    });

    test('error: a journal of another protocol is refused', async () => {
      const location = await factory.fresh();
      await (await factory.open(location, 'aave-v3.3')).close();
      await expect(factory.open(location, 'compound-v3')).rejects.toThrow(JournalProtocolMismatchError);
    });

    test('error: a journal of another schema version is refused', async () => {
      const location = await factory.fresh();
      await (await factory.open(location, 'aave-v3.3')).close();
      await factory.setSchemaVersion(location, '99');
      await expect(factory.open(location, 'aave-v3.3')).rejects.toThrow(JournalSchemaError);
    });
  });
}
