import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { InsufficientMarginError, InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { stateHash } from '../engine/machine.js';
import { marketSetup, units } from '../protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../protocols/catalog.js';
import {
  IdempotencyKeyConflictError,
  InitScriptRefusedError,
  JournalCorruptError,
  JournalUnavailableError,
  StateHashMismatchError,
} from './errors.js';
import { EngineHost } from './host.js';
import type { Journal, JournalRecord } from './journal.js';
import { openSqliteJournal } from './journalSqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'solvent-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const entry = findProtocol('aave-v3.3');
const T0_MS = 1_700_000_000_000;

/** marketSetup with bigints as decimal strings, as a client would send them. */
const setup = (): unknown[] => marketSetup().map((c) => toJsonValue(c));

const deposit = (account: string, whole: bigint) => ({
  type: 'deposit',
  account,
  asset: 'WETH',
  amount: units('WETH', whole).toString(),
});

async function openHost(
  options: {
    path?: string;
    clock?: () => number;
    hashEvery?: number;
    hashTimeShare?: number;
    wrap?: (j: Journal) => Journal;
  } = {},
) {
  const path = options.path ?? join(dir, `h${++counter}.sqlite`);
  const raw = await openSqliteJournal({ path, protocol: entry.model.id });
  const journal = options.wrap === undefined ? raw : options.wrap(raw);
  const host = await EngineHost.open({
    entry,
    journal,
    clock: options.clock ?? (() => T0_MS),
    ...(options.hashEvery === undefined ? {} : { hashEvery: options.hashEvery }),
    ...(options.hashTimeShare === undefined ? {} : { hashTimeShare: options.hashTimeShare }),
  });
  return { host, journal: raw, path };
}

async function records(journal: Journal): Promise<JournalRecord[]> {
  return journal.read(1, 1_000_000);
}

describe('EngineHost', () => {
  test('default', async () => {
    const { host, journal } = await openHost();
    expect(await host.bootstrap(setup(), 'init')).toBe(true);
    const setupCount = setup().length;
    expect(host.commandSeq).toBe(setupCount);
    const result = await host.submit({
      command: deposit('alice', 5n),
      actor: 'alice',
      idempotencyKey: 'd-1',
    });
    expect(result).toMatchObject({ commandSeq: setupCount + 1, atSeconds: T0_MS / 1000, replayed: false });
    expect(result.events.map((e) => e.event.type)).toEqual(['AaveAccountOpened', 'Moved']);
    expect(balanceOf(host.state.ledger, 'acct:alice', 'WETH')).toBe(units('WETH', 5n));
    const last = (await records(journal)).at(-1);
    expect(last).toEqual({
      seq: setupCount + 1,
      atSeconds: T0_MS / 1000,
      // Canonical: keys sorted, amount as the decimal string.
      command: `{"account":"alice","amount":"5000000000000000000","asset":"WETH","type":"deposit"}`,
      actor: 'alice',
      idempotencyKey: 'd-1',
    });
    expect(host.eventSeq).toBe(result.events.at(-1)?.seq);
    await host.close();
  });

  test('behavior: a refused command is neither journaled nor applied', async () => {
    const { host, journal } = await openHost();
    await host.bootstrap(setup(), 'init');
    await host.submit({ command: deposit('alice', 1n), actor: 'alice' });
    const before = { seq: host.commandSeq, hash: host.stateHash(), events: host.eventSeq };
    // 1 WETH at $2,000 with an 80% LTV cannot carry $1,900 of debt.
    const borrow = {
      type: 'borrow',
      account: 'alice',
      asset: 'USDC',
      amount: units('USDC', 1_900n).toString(),
    };
    await expect(host.submit({ command: borrow, actor: 'alice', idempotencyKey: 'b' })).rejects.toThrow(
      InsufficientMarginError,
    );
    await expect(host.submit({ command: { type: 'deposit', account: 'alice' }, actor: 'a' })).rejects.toThrow(
      InvalidParameterError,
    );
    expect({ seq: host.commandSeq, hash: host.stateHash(), events: host.eventSeq }).toEqual(before);
    expect(await journal.lastSeq()).toBe(before.seq);
    // The refused request's key is free: the same key may carry a command that succeeds.
    const ok = { ...borrow, amount: units('USDC', 1_000n).toString() };
    expect((await host.submit({ command: ok, actor: 'alice', idempotencyKey: 'b' })).replayed).toBe(false);
    await host.close();
  });

  test('behavior: a retried idempotency key answers the first result, also after a restart', async () => {
    const { host, journal, path } = await openHost();
    await host.bootstrap(setup(), 'init');
    const first = await host.submit({ command: deposit('bob', 2n), actor: 'bob', idempotencyKey: 'k' });
    const again = await host.submit({ command: deposit('bob', 2n), actor: 'bob', idempotencyKey: 'k' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(balanceOf(host.state.ledger, 'acct:bob', 'WETH')).toBe(units('WETH', 2n));
    const count = (await records(journal)).length;
    await host.close();
    const { host: reopened, journal: j2 } = await openHost({ path });
    const afterRestart = await reopened.submit({
      command: deposit('bob', 2n),
      actor: 'bob',
      idempotencyKey: 'k',
    });
    expect(afterRestart).toEqual({ ...first, replayed: true });
    expect((await records(j2)).length).toBe(count);
    expect(balanceOf(reopened.state.ledger, 'acct:bob', 'WETH')).toBe(units('WETH', 2n));
    await reopened.close();
  });

  test('behavior: duplicates in flight share one application', async () => {
    const { host, journal } = await openHost();
    await host.bootstrap(setup(), 'init');
    const a = host.submit({ command: deposit('carol', 3n), actor: 'carol', idempotencyKey: 'same' });
    const b = host.submit({ command: deposit('carol', 3n), actor: 'carol', idempotencyKey: 'same' });
    const [ra, rb] = await Promise.all([a, b]);
    expect(rb).toEqual({ ...ra, replayed: true });
    expect(balanceOf(host.state.ledger, 'acct:carol', 'WETH')).toBe(units('WETH', 3n));
    expect((await records(journal)).filter((r) => r.idempotencyKey === 'same')).toHaveLength(1);
    await host.close();
  });

  test('behavior: commands accepted in one turn share one journal transaction (group commit)', async () => {
    const appends: number[] = [];
    const { host } = await openHost({
      wrap: (j) => ({
        ...j,
        info: j.info,
        lastSeq: () => j.lastSeq(),
        read: (f, l) => j.read(f, l),
        findByIdempotencyKey: (k) => j.findByIdempotencyKey(k),
        close: () => j.close(),
        append: (rs) => {
          appends.push(rs.length);
          return j.append(rs);
        },
      }),
    });
    await host.bootstrap(setup(), 'init');
    appends.length = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => host.submit({ command: deposit(`u${i}`, 1n), actor: 'op' })),
    );
    expect(appends).toEqual([10]);
    expect(results.map((r) => r.commandSeq)).toEqual(results.map((_, i) => results[0]!.commandSeq + i));
    await host.close();
  });

  test('behavior: nothing is visible (state, events, listeners) before the journal says durable', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let gated = false;
    const { host } = await openHost({
      wrap: (j) => ({
        info: j.info,
        lastSeq: () => j.lastSeq(),
        read: (f, l) => j.read(f, l),
        findByIdempotencyKey: (k) => j.findByIdempotencyKey(k),
        close: () => j.close(),
        append: async (rs) => {
          if (gated) await gate;
          return j.append(rs);
        },
      }),
    });
    await host.bootstrap(setup(), 'init');
    gated = true;
    const seen: number[] = [];
    host.subscribe((events) => seen.push(...events.map((e) => e.seq)));
    const before = { seq: host.eventSeq, state: host.state };
    let done = false;
    const pending = host.submit({ command: deposit('dave', 1n), actor: 'dave' }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ done, seq: host.eventSeq, same: host.state === before.state, seen }).toEqual({
      done: false,
      seq: before.seq,
      same: true,
      seen: [],
    });
    release();
    const result = await pending;
    expect(seen).toEqual(result.events.map((e) => e.seq));
    expect(host.eventSeq).toBe(before.seq + result.events.length);
    await host.close();
  });

  test('behavior: command time is the clock’s whole seconds and never goes backwards', async () => {
    let nowMs = T0_MS + 999;
    const { host, journal } = await openHost({ clock: () => nowMs });
    await host.bootstrap(setup(), 'init');
    nowMs = T0_MS + 5_500;
    const a = await host.submit({ command: deposit('e', 1n), actor: 'e' });
    nowMs = T0_MS - 60_000; // the clock jumps back a minute
    const b = await host.submit({ command: deposit('f', 1n), actor: 'f' });
    expect([a.atSeconds, b.atSeconds]).toEqual([T0_MS / 1000 + 5, T0_MS / 1000 + 5]);
    const times = (await records(journal)).map((r) => r.atSeconds);
    expect(times[0]).toBe(T0_MS / 1000);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
    await host.close();
  });

  test('behavior: a restart replays the journal to the same state and checks the stored hash', async () => {
    const { host, journal, path } = await openHost({ hashEvery: 1, hashTimeShare: 1 });
    await host.bootstrap(setup(), 'init');
    for (let i = 0; i < 5; i++) await host.submit({ command: deposit(`r${i}`, 1n), actor: 'op' });
    const hash = host.stateHash();
    const stored = (await records(journal)).filter((r) => r.stateHash !== undefined);
    // One checkpoint per group commit with hashEvery 1: the init batch, then each deposit.
    expect(stored.map((r) => r.seq)).toEqual([
      setup().length,
      ...[1, 2, 3, 4, 5].map((i) => setup().length + i),
    ]);
    expect(stored.at(-1)?.stateHash).toBe(hash);
    await host.close();
    const { host: again } = await openHost({ path });
    expect(again.stateHash()).toBe(hash);
    expect(again.replayReport).toMatchObject({
      records: setup().length + 5,
      verifiedCheckpointSeq: setup().length + 5,
    });
    await again.close();
  });

  test('behavior: configure {params: "default"} is journaled with the parameters written out', async () => {
    const { host, journal } = await openHost();
    const commands = setup().filter((c) => (c as { type: string }).type !== 'configure');
    await host.bootstrap([...commands.slice(0, 12), { type: 'configure', params: 'default' }], 'init');
    const configure = (await records(journal)).find((r) => r.command.includes('"configure"'));
    expect(JSON.parse(configure?.command ?? '{}')).toEqual({
      type: 'configure',
      params: JSON.parse(JSON.stringify(toJsonValue(entry.defaultParams))),
    });
    await host.close();
  });

  test('error: an init script with a refused command journals nothing', async () => {
    const { host, journal } = await openHost();
    const bad = [...setup().slice(0, 3), { type: 'deposit', account: 'x', asset: 'NOPE', amount: '1' }];
    await expect(host.bootstrap(bad, 'init')).rejects.toThrow(InitScriptRefusedError);
    expect(await journal.lastSeq()).toBe(0);
    expect(host.commandSeq).toBe(0);
    expect(await host.bootstrap(setup(), 'init')).toBe(true);
    expect(await host.bootstrap(setup(), 'init')).toBe(false);
    await host.close();
  });

  test('error: an idempotency key reused for another command or actor conflicts', async () => {
    const { host } = await openHost();
    await host.bootstrap(setup(), 'init');
    await host.submit({ command: deposit('g', 1n), actor: 'g', idempotencyKey: 'k1' });
    await expect(
      host.submit({ command: deposit('g', 2n), actor: 'g', idempotencyKey: 'k1' }),
    ).rejects.toThrow(IdempotencyKeyConflictError);
    await expect(
      host.submit({ command: deposit('g', 1n), actor: 'h', idempotencyKey: 'k1' }),
    ).rejects.toThrow(IdempotencyKeyConflictError);
    await expect(
      host.submit({ command: deposit('g', 1n), actor: 'g', idempotencyKey: 'bad key' }),
    ).rejects.toThrow(InvalidParameterError);
    await host.close();
  });

  test('error: a journal write failure stops the host and rejects every waiting command', async () => {
    let failing = false;
    const fatal: unknown[] = [];
    const path = join(dir, `h${++counter}.sqlite`);
    const raw = await openSqliteJournal({ path, protocol: entry.model.id });
    const host = await EngineHost.open({
      entry,
      clock: () => T0_MS,
      onFatal: (e) => fatal.push(e),
      journal: {
        info: raw.info,
        lastSeq: () => raw.lastSeq(),
        read: (f, l) => raw.read(f, l),
        findByIdempotencyKey: (k) => raw.findByIdempotencyKey(k),
        close: () => raw.close(),
        append: async (rs) => {
          if (failing) throw new Error('disk full');
          return raw.append(rs);
        },
      },
    });
    await host.bootstrap(setup(), 'init');
    const hash = host.stateHash();
    failing = true;
    const a = host.submit({ command: deposit('i', 1n), actor: 'i' });
    const b = host.submit({ command: deposit('j', 1n), actor: 'j' });
    await expect(a).rejects.toThrow(JournalUnavailableError);
    await expect(b).rejects.toThrow(JournalUnavailableError);
    expect(host.failed).toBe(true);
    expect(fatal).toHaveLength(1);
    expect(host.stateHash()).toBe(hash);
    await expect(host.submit({ command: deposit('k', 1n), actor: 'k' })).rejects.toThrow(
      JournalUnavailableError,
    );
    await host.close();
  });

  test('behavior: a slow hash spaces checkpoints out in time (at most ~2 % of wall time)', async () => {
    const { host, journal } = await openHost({ hashEvery: 1, hashTimeShare: 0.000_001 });
    await host.bootstrap(setup(), 'init');
    for (let i = 0; i < 5; i++) await host.submit({ command: deposit(`t${i}`, 1n), actor: 'op' });
    // The first batch is hashed; the next one would have to wait ~a million hash durations.
    expect((await records(journal)).filter((r) => r.stateHash !== undefined).map((r) => r.seq)).toEqual([
      setup().length,
    ]);
    await host.close();
  });

  test('error: a stored state hash the replay does not reach refuses to start', async () => {
    const { host, path } = await openHost({ hashEvery: 1, hashTimeShare: 1 });
    await host.bootstrap(setup(), 'init');
    await host.submit({ command: deposit('l', 1n), actor: 'l' });
    await host.close();
    const db = new Database(path);
    db.prepare('UPDATE records SET state_hash = ? WHERE seq = (SELECT MAX(seq) FROM records)').run(
      '0'.repeat(64),
    );
    db.close();
    await expect(openHost({ path })).rejects.toThrow(StateHashMismatchError);
  });

  test('error: a record the engine refuses on replay is reported as corrupt', async () => {
    const { host, path } = await openHost();
    await host.bootstrap(setup(), 'init');
    await host.submit({ command: deposit('m', 1n), actor: 'm' });
    await host.close();
    const db = new Database(path);
    db.prepare('UPDATE records SET command = ? WHERE seq = (SELECT MAX(seq) FROM records)').run(
      JSON.stringify({ type: 'withdraw', account: 'm', asset: 'WETH', amount: units('WETH', 9n).toString() }),
    );
    db.close();
    await expect(openHost({ path })).rejects.toThrow(JournalCorruptError);
  });

  test('behavior: the state hash is the engine’s own hash of the served state', async () => {
    const { host } = await openHost();
    await host.bootstrap(setup(), 'init');
    expect(host.stateHash()).toBe(stateHash(host.state));
    await host.close();
  });
});
