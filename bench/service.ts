/**
 * `npm run bench:service`: durable commands per second and latency (p50/p99) of the live engine,
 * written as JSON (bench-results/service.json unless --out). Every variant runs the same command
 * mix (fundWallet and deposit, alternating, on aave-v3.3 after the Aave test market's setup):
 * - engine: `apply` in process, no journal, no HTTP (the ceiling);
 * - host-sqlite-nosync: the engine host on SQLite with synchronous=OFF (no fsync), no HTTP;
 * - host-sqlite: the engine host on SQLite, synchronous=FULL (durable), no HTTP;
 * - host-sqlite-hash-1: the same with a state hash stored at every group commit (the checkpoint
 *   cost: a hash is O(state), see DEFAULT_HASH_EVERY);
 * - http-sqlite: `solvent serve` (a child process) over loopback HTTP, SQLite journal;
 * - http-sqlite-lean: the same driven by lean socket clients (wrk-like): on a small machine the
 *   node:http client itself takes about as much CPU as the server;
 * - http-postgres: the same on PostgreSQL (SOLVENT_PG_URL, or a throwaway cluster).
 * HTTP clients are `--clients` concurrent keep-alive connections (node:http Agent), each sending
 * its next command when the previous one is acknowledged. Latency is measured per command from
 * send to acknowledgement (HTTP) or from submit to durable (host).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createEngine } from '../src/engine/engine.js';
import { apply, type Command } from '../src/engine/machine.js';
import { marketSetup } from '../src/protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../src/protocols/catalog.js';
import { EngineHost } from '../src/service/host.js';
import { openSqliteJournal } from '../src/service/journalSqlite.js';
import { canonicalCommandText } from '../src/service/json.js';
import { startPostgres } from './postgres.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

interface Args {
  readonly commands: number;
  readonly warmup: number;
  readonly clients: number;
  readonly out: string;
  readonly postgres: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string, fallback: string): string => {
    const i = argv.indexOf(flag);
    return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
  };
  return {
    commands: Number(value('--commands', '20000')),
    warmup: Number(value('--warmup', '2000')),
    clients: Number(value('--clients', '32')),
    out: value('--out', join(repoRoot, 'bench-results', 'service.json')),
    postgres: !argv.includes('--no-postgres'),
  };
}

/** The i-th command of the mix: a wallet funding or a deposit, spread over many actors. */
function commandAt(i: number): Command {
  return i % 2 === 0
    ? { type: 'fundWallet', actor: `w${i % 64}`, asset: 'USDC', amount: String(1 + (i % 1000)) }
    : { type: 'deposit', account: `a${i % 5000}`, asset: 'WETH', amount: String(1 + (i % 1000)) };
}

const setupCommands = (): unknown[] => marketSetup().map((c) => toJsonValue(c));

interface Result {
  readonly variant: string;
  readonly commands: number;
  readonly seconds: number;
  readonly commandsPerSecond: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  /** HTTP variants: the server's mean journal append (one group commit) and commands per append. */
  readonly journalAppendMeanMs?: number;
  readonly journalBatchMean?: number;
  readonly note: string;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

function summarize(variant: string, latenciesMs: number[], seconds: number, note: string): Result {
  latenciesMs.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    variant,
    commands: latenciesMs.length,
    seconds: round(seconds),
    commandsPerSecond: Math.round(latenciesMs.length / seconds),
    p50Ms: round(quantile(latenciesMs, 0.5)),
    p99Ms: round(quantile(latenciesMs, 0.99)),
    maxMs: round(latenciesMs[latenciesMs.length - 1] ?? Number.NaN),
    note,
  };
}

/** The engine alone: apply every command (with the canonical text the host would journal). */
function benchEngine(args: Args): Result {
  const entry = findProtocol('aave-v3.3');
  const engine = createEngine(entry.model);
  let state = engine.initial();
  for (const raw of setupCommands()) {
    state = apply(engine, state, JSON.parse(canonicalCommandText(raw as Command)) as Command, 1).state;
  }
  for (let i = 0; i < args.warmup; i++) state = apply(engine, state, commandAt(i), 1).state;
  const started = performance.now();
  for (let i = args.warmup; i < args.warmup + args.commands; i++) {
    const command = JSON.parse(canonicalCommandText(commandAt(i))) as Command;
    state = apply(engine, state, command, 1).state;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    variant: 'engine',
    commands: args.commands,
    seconds: Math.round(seconds * 1000) / 1000,
    commandsPerSecond: Math.round(args.commands / seconds),
    note: 'apply in process: no journal, no HTTP (the ceiling)',
  };
}

/** The host on SQLite, `clients` commands in flight at a time (as many HTTP clients would be). */
async function benchHost(
  args: Args,
  dir: string,
  synchronous: 'FULL' | 'OFF',
  hashEvery?: number,
): Promise<Result> {
  const entry = findProtocol('aave-v3.3');
  const journal = await openSqliteJournal({
    path: join(dir, `host-${synchronous}-${hashEvery ?? 'default'}.sqlite`),
    protocol: entry.model.id,
    synchronous,
  });
  const host = await EngineHost.open({
    entry,
    journal,
    ...(hashEvery === undefined ? {} : { hashEvery, hashTimeShare: 1 }),
  });
  await host.bootstrap(setupCommands(), 'bench');
  let next = 0;
  const total = args.warmup + args.commands;
  const latencies: number[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const sent = performance.now();
      await host.submit({ command: commandAt(i), actor: 'bench' });
      if (i >= args.warmup) latencies.push(performance.now() - sent);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: args.clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  await host.close();
  // Throughput over the whole run (warm-up included) is close enough; latencies exclude warm-up.
  const variant =
    hashEvery !== undefined
      ? 'host-sqlite-hash-1'
      : synchronous === 'FULL'
        ? 'host-sqlite'
        : 'host-sqlite-nosync';
  const note =
    hashEvery !== undefined
      ? 'as host-sqlite, with the state hash computed and stored at every group commit (--hash-every 1)'
      : synchronous === 'FULL'
        ? 'engine host + SQLite journal, synchronous=FULL (fsync per group commit), no HTTP; state hash every 1,000 records'
        : 'engine host + SQLite journal, synchronous=OFF (no fsync: not durable), no HTTP';
  return summarize(variant, latencies, (seconds * args.commands) / total, note);
}

/** Spawns `solvent serve` and resolves with its URL once it listens. */
function serve(serveArgs: readonly string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['bin/solvent.js', 'serve', ...serveArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return new Promise((resolveServe, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        resolveServe({
          url: match[1] as string,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`solvent serve exited before listening:\n${stderr}`)));
  });
}

/** One POST over a keep-alive agent; resolves when the whole response is read. */
function post(agent: Agent, url: URL, key: string, body: string): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Mean journal append time and batch size over the server's whole run, from its /metrics. */
async function journalStats(
  url: string,
  key: string,
): Promise<{ readonly journalAppendMeanMs: number; readonly journalBatchMean: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
  const read = (name: string): number =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const appends = read('solvent_journal_append_seconds_count');
  return {
    journalAppendMeanMs: Math.round((read('solvent_journal_append_seconds_sum') / appends) * 1e6) / 1e3,
    journalBatchMean: Math.round((read('solvent_journal_batch_size_sum') / appends) * 10) / 10,
  };
}

/**
 * A lean keep-alive client (as wrk or autocannon would be): one socket, requests written by hand,
 * responses read by their content-length. It leaves more of a small machine to the server.
 */
class LeanConnection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;
  private readonly ready: Promise<void>;

  constructor(url: URL) {
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolveReady, reject) => {
      this.socket.once('connect', () => resolveReady());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffered.subarray(0, headEnd).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffered.length < headEnd + 4 + length) return;
      this.buffered = this.buffered.subarray(headEnd + 4 + length);
      const waiter = this.waiting;
      this.waiting = undefined;
      waiter?.resolve(Number(head.slice(9, 12)));
    });
    this.socket.on('error', (error) => this.waiting?.reject(error));
  }

  async post(path: string, key: string, body: string): Promise<number> {
    await this.ready;
    return new Promise((resolvePost, reject) => {
      this.waiting = { resolve: resolvePost, reject };
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

async function benchHttp(
  args: Args,
  variant: string,
  journalArgs: readonly string[],
  dir: string,
  note: string,
  client: 'agent' | 'lean' = 'agent',
): Promise<Result> {
  const key = 'bench-operator-key-0123456789';
  const keysPath = join(dir, `${variant}.keys.json`);
  const initPath = join(dir, `${variant}.init.json`);
  writeFileSync(keysPath, JSON.stringify([{ key, role: 'operator', name: 'bench' }]));
  writeFileSync(initPath, JSON.stringify({ commands: setupCommands() }));
  const server = await serve([
    '--protocol',
    'aave-v3.3',
    ...journalArgs,
    '--port',
    '0',
    '--keys',
    keysPath,
    '--init',
    initPath,
    '--log-level',
    'warn',
  ]);
  const agent = new Agent({ keepAlive: true, maxSockets: args.clients });
  const url = new URL(`${server.url}/v1/commands`);
  const lean = client === 'lean' ? Array.from({ length: args.clients }, () => new LeanConnection(url)) : [];
  const bodies = Array.from({ length: args.warmup + args.commands }, (_, i) => JSON.stringify(commandAt(i)));
  const run = async (from: number, to: number, latencies: number[] | undefined): Promise<number> => {
    let next = from;
    const worker = async (index: number): Promise<void> => {
      const connection = lean[index];
      for (;;) {
        const i = next++;
        if (i >= to) return;
        const sent = performance.now();
        const body = bodies[i] as string;
        const status =
          connection === undefined
            ? await post(agent, url, key, body)
            : await connection.post(url.pathname, key, body);
        if (status !== 200) throw new Error(`command ${i} answered ${status}`);
        latencies?.push(performance.now() - sent);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: args.clients }, (_, index) => worker(index)));
    return (performance.now() - started) / 1000;
  };
  try {
    await run(0, args.warmup, undefined);
    const latencies: number[] = [];
    const seconds = await run(args.warmup, args.warmup + args.commands, latencies);
    const journal = await journalStats(server.url, key);
    return { ...summarize(variant, latencies, seconds, note), ...journal };
  } finally {
    agent.destroy();
    for (const connection of lean) connection.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'solvent-bench-service-'));
  const results: Result[] = [];
  const show = (r: Result): void => {
    results.push(r);
    const latency = r.p50Ms === undefined ? '' : `  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  max ${r.maxMs} ms`;
    const journal =
      r.journalAppendMeanMs === undefined
        ? ''
        : `  (append ${r.journalAppendMeanMs} ms, ${r.journalBatchMean} commands per commit)`;
    console.log(
      `${r.variant.padEnd(20)} ${String(r.commandsPerSecond).padStart(8)} commands/s${latency}${journal}`,
    );
  };
  try {
    show(benchEngine(args));
    show(await benchHost(args, dir, 'OFF'));
    show(await benchHost(args, dir, 'FULL'));
    show(await benchHost(args, dir, 'FULL', 1));
    show(
      await benchHttp(
        args,
        'http-sqlite',
        ['--db', join(dir, 'http.sqlite')],
        dir,
        `solvent serve over loopback HTTP, ${args.clients} keep-alive node:http Agent clients, SQLite synchronous=FULL`,
      ),
    );
    show(
      await benchHttp(
        args,
        'http-sqlite-lean',
        ['--db', join(dir, 'http-lean.sqlite')],
        dir,
        `as http-sqlite with ${args.clients} lean keep-alive socket clients (wrk-like), leaving the CPU to the server`,
        'lean',
      ),
    );
    if (args.postgres) {
      const postgres = await startPostgres();
      try {
        show(
          await benchHttp(
            args,
            'http-postgres',
            ['--pg', postgres.url, '--pg-schema', `bench_${Date.now().toString(36)}`],
            dir,
            `solvent serve over loopback HTTP, ${args.clients} keep-alive clients, PostgreSQL (synchronous_commit on, local cluster)`,
          ),
        );
      } finally {
        await postgres.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const report = {
    benchmark: 'service',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    commands: args.commands,
    warmup: args.warmup,
    clients: args.clients,
    mix: 'alternating fundWallet (64 actors) and deposit (5,000 accounts) on aave-v3.3',
    targets: { commandsPerSecond: 5_000, p99Ms: 20 },
    results,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
}

await main();
