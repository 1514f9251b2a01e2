/**
 * The crash test driver shared by the SQLite and PostgreSQL suites: start the built server, drive
 * it with concurrent clients that use idempotency keys, SIGKILL it at random moments (sometimes
 * during start-up), restart, and check after every kill that
 * - every acknowledged command is in the journal, at the sequence number it was acknowledged with,
 *   with the body that was sent;
 * - a retried request is answered from the journal (`replayed`) when the first attempt was
 *   committed, and applied once otherwise: no idempotency key is journaled twice;
 * - refused commands are never journaled;
 * - the restarted server's state hash equals a clean replay of the journal: the test's own engine
 *   folds every journal record from the empty state (incrementally, after every kill), and a fresh
 *   process (`serve --replay-only`) replays the whole journal every tenth kill and at the end;
 * - at the end, every client's balances equal the sum of its journaled commands.
 */
import { expect } from 'vitest';
import { createEngine, type EngineState } from '../../src/engine/engine.js';
import { apply, type Command, stateHash } from '../../src/engine/machine.js';
import { findProtocol } from '../../src/protocols/catalog.js';
import type { JournalRecord } from '../../src/service/journal.js';
import { call, replayInFreshProcess, type ServerProcess, spawnAndKill, spawnServer } from './processes.js';

/** What the driver needs to know about the journal under test. */
export interface CrashTarget {
  /** `serve` arguments naming the journal (`--db x` or `--pg url --pg-schema s`). */
  readonly journalArgs: readonly string[];
  /** Every record of the journal (the server is not running when this is called). */
  readonly readJournal: () => Promise<JournalRecord[]>;
}

/** Options of {@link runCrashTest}. */
export interface CrashOptions {
  readonly iterations: number;
  /** Concurrent clients. */
  readonly clients: number;
  /** Keys file path (operator key `OPERATOR_KEY`) and init script path. */
  readonly keysPath: string;
  readonly initPath: string;
  /** Seed of the kill schedule (printed so a failing run can be repeated). */
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/** The operator key the crash tests' keys file holds. */
export const OPERATOR_KEY = 'crash-test-operator-key-0123456789';

/** What the driver measured. */
export interface CrashReport {
  readonly kills: number;
  readonly startupKills: number;
  readonly acked: number;
  readonly retriedAfterCrash: number;
  readonly replayedRetries: number;
  /** Acknowledged requests sent again after a restart (each answered from the journal). */
  readonly resentAcked: number;
  readonly records: number;
  readonly milliseconds: number;
}

interface Sent {
  readonly key: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly actor: string;
  readonly amount: bigint;
  readonly kind: 'fundWallet' | 'deposit' | 'refused';
}

/** mulberry32: a seeded schedule of kills, so a failing run can be replayed with its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the crash test; fails through `expect` on the first broken property. */
export async function runCrashTest(target: CrashTarget, options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const random = rng(options.seed);
  const log = options.log ?? (() => undefined);
  const serveArgs = [
    '--protocol',
    'aave-v3.3',
    ...target.journalArgs,
    '--port',
    '0',
    '--keys',
    options.keysPath,
    '--init',
    options.initPath,
    '--log-level',
    'error',
    '--hash-every',
    '25',
  ];
  const acked = new Map<string, { readonly sent: Sent; readonly commandSeq: number }>();
  const unresolved = Array.from({ length: options.clients }, () => new Map<string, Sent>());
  const refusedKeys = new Set<string>();
  const nextN = Array.from({ length: options.clients }, () => 0);
  let expected: { readonly commandSeq: number; readonly stateHash: string } | undefined;
  let kills = 0;
  let startupKills = 0;
  let retriedAfterCrash = 0;
  let replayedRetries = 0;
  let resentAcked = 0;
  let records: JournalRecord[] = [];
  // The test's own clean replay: an independent engine folding the journal from the empty state.
  const engine = createEngine(findProtocol('aave-v3.3').model);
  let folded: { state: EngineState; seq: number } = { state: engine.initial() as EngineState, seq: 0 };
  const foldJournal = (): { commandSeq: number; stateHash: string } => {
    for (const r of records.slice(folded.seq)) {
      const state = apply(engine, folded.state, JSON.parse(r.command) as Command, r.atSeconds).state;
      folded = { state: state as EngineState, seq: r.seq };
    }
    return { commandSeq: folded.seq, stateHash: stateHash(folded.state) };
  };

  const newCommand = (client: number): Sent => {
    const n = nextN[client]!;
    nextN[client] = n + 1;
    const actor = `c${client}`;
    const key = `${actor}-${n}`;
    const amount = BigInt(n + 1);
    if (n % 17 === 16) {
      // Withdrawing more WETH than was ever deposited: the engine refuses it.
      const body = { type: 'withdraw', account: actor, asset: 'WETH', amount: '1000000000000000000000000' };
      return { key, body, actor, amount: 0n, kind: 'refused' };
    }
    if (n % 2 === 0) {
      return {
        key,
        body: { type: 'fundWallet', actor, asset: 'USDC', amount: amount.toString() },
        actor,
        amount,
        kind: 'fundWallet',
      };
    }
    return {
      key,
      body: { type: 'deposit', account: actor, asset: 'WETH', amount: amount.toString() },
      actor,
      amount,
      kind: 'deposit',
    };
  };

  const runClient = async (server: ServerProcess, client: number, stopped: () => boolean): Promise<void> => {
    const pending = unresolved[client]!;
    while (!stopped()) {
      const retry = pending.values().next();
      const sent = retry.done === true ? newCommand(client) : retry.value;
      const isRetry = retry.done !== true;
      pending.set(sent.key, sent);
      let response: { status: number; body: unknown };
      try {
        response = await call(`${server.url}/v1/commands`, {
          key: OPERATOR_KEY,
          body: sent.body,
          headers: { 'idempotency-key': sent.key },
        });
      } catch {
        // The server died under us: whether it was applied is unknown until the retry.
        return;
      }
      if (sent.kind === 'refused') {
        expect(response.status, JSON.stringify(response.body)).toBe(409);
        refusedKeys.add(sent.key);
        pending.delete(sent.key);
        continue;
      }
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const body = response.body as { commandSeq: number; replayed: boolean };
      if (isRetry) {
        retriedAfterCrash += 1;
        if (body.replayed) replayedRetries += 1;
      }
      const earlier = acked.get(sent.key);
      if (earlier !== undefined) {
        // Acknowledged before: a retry must be answered from the journal, never applied again.
        expect(body).toMatchObject({ replayed: true, commandSeq: earlier.commandSeq });
      }
      acked.set(sent.key, { sent, commandSeq: body.commandSeq });
      pending.delete(sent.key);
      await sleep(Math.floor(random() * 6));
    }
  };

  const checkJournal = async (): Promise<void> => {
    records = await target.readJournal();
    records.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
    });
    const byKey = new Map<string, JournalRecord>();
    for (const r of records) {
      if (r.idempotencyKey === undefined) continue;
      expect(byKey.has(r.idempotencyKey), `key ${r.idempotencyKey} journaled twice`).toBe(false);
      byKey.set(r.idempotencyKey, r);
    }
    for (const [key, { sent, commandSeq }] of acked) {
      const record = byKey.get(key);
      expect(record, `acknowledged ${key} is missing from the journal`).toBeDefined();
      expect(record?.seq).toBe(commandSeq);
      expect(JSON.parse(record?.command ?? '{}')).toEqual(sent.body);
    }
    for (const key of refusedKeys) expect(byKey.has(key), `refused ${key} was journaled`).toBe(false);
  };

  for (let i = 0; i < options.iterations; i++) {
    if (i % 10 === 4) {
      // Killed while loading, replaying or applying the init script.
      await spawnAndKill(serveArgs, 50 + Math.floor(random() * 700));
      startupKills += 1;
      kills += 1;
    } else {
      const server = await spawnServer(serveArgs);
      const status = await call(`${server.url}/v1/status`, { key: OPERATOR_KEY });
      expect(status.status).toBe(200);
      if (expected !== undefined) {
        // The restarted server serves exactly the clean replay of what is journaled.
        expect(status.body).toMatchObject(expected);
      }
      // A few acknowledged requests sent again after the restart: answered from the journal.
      const done = [...acked.values()];
      for (let r = 0; r < 2 && done.length > 0; r++) {
        const again = done[Math.floor(random() * done.length)] as { sent: Sent; commandSeq: number };
        const response = await call(`${server.url}/v1/commands`, {
          key: OPERATOR_KEY,
          body: again.sent.body,
          headers: { 'idempotency-key': again.sent.key },
        });
        expect(response.body).toMatchObject({ replayed: true, commandSeq: again.commandSeq });
        resentAcked += 1;
      }
      let killed = false;
      const clients = Array.from({ length: options.clients }, (_, c) => runClient(server, c, () => killed));
      await sleep(20 + Math.floor(random() * 250));
      await server.kill();
      killed = true;
      await Promise.all(clients);
      kills += 1;
    }
    await checkJournal();
    const replay = foldJournal();
    if (i % 10 === 9 || i === options.iterations - 1) {
      const fresh = replayInFreshProcess(['--protocol', 'aave-v3.3', ...target.journalArgs]);
      expect({ commandSeq: fresh.commandSeq, stateHash: fresh.stateHash }).toEqual(replay);
    }
    expected = replay;
    if (i % 10 === 9)
      log(`crash test: ${i + 1} kills, ${acked.size} acknowledged, ${records.length} records`);
  }

  // Last start: every request still in doubt is retried, then balances are checked against the journal.
  const server = await spawnServer(serveArgs);
  try {
    const status = await call(`${server.url}/v1/status`, { key: OPERATOR_KEY });
    expect(status.body).toMatchObject(expected ?? {});
    for (let c = 0; c < options.clients; c++) {
      const pending = unresolved[c]!;
      const keys = [...pending.keys()];
      for (const key of keys) {
        const sent = pending.get(key) as Sent;
        const response = await call(`${server.url}/v1/commands`, {
          key: OPERATOR_KEY,
          body: sent.body,
          headers: { 'idempotency-key': sent.key },
        });
        expect(response.status).toBe(sent.kind === 'refused' ? 409 : 200);
        if (response.status === 200) {
          const body = response.body as { commandSeq: number };
          acked.set(key, { sent, commandSeq: body.commandSeq });
        }
        pending.delete(key);
      }
    }
    for (let c = 0; c < options.clients; c++) {
      const actor = `c${c}`;
      const mine = [...acked.values()].filter((a) => a.sent.actor === actor);
      const sum = (kind: Sent['kind']): bigint =>
        mine.filter((a) => a.sent.kind === kind).reduce((total, a) => total + a.sent.amount, 0n);
      const wallet = await call(`${server.url}/v1/balances/wallet:${actor}`, { key: OPERATOR_KEY });
      const account = await call(`${server.url}/v1/balances/acct:${actor}`, { key: OPERATOR_KEY });
      // Each acknowledged command counted exactly once in the state.
      expect((wallet.body as { balances: Record<string, string> }).balances.USDC ?? '0').toBe(
        sum('fundWallet').toString(),
      );
      expect((account.body as { balances: Record<string, string> }).balances.WETH ?? '0').toBe(
        sum('deposit').toString(),
      );
    }
    expect(await server.stop()).toBe(0);
  } finally {
    await server.kill();
  }
  await checkJournal();
  const finalReplay = replayInFreshProcess(['--protocol', 'aave-v3.3', ...target.journalArgs]);
  expect(finalReplay.commandSeq).toBe(records.length);
  return {
    kills,
    startupKills,
    acked: acked.size,
    retriedAfterCrash,
    replayedRetries,
    resentAcked,
    records: records.length,
    milliseconds: Date.now() - started,
  };
}
