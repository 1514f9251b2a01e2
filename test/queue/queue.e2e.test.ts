/**
 * The Redis suite (`npm run test:redis`, not part of `npm test`): `solvent sweep --queue`,
 * `solvent stress --paths N --queue`, `solvent compare --paths N --queue` and `solvent optimize
 * --queue` against a private redis-server with real `solvent worker`
 * processes, compared byte for byte with the local run; what a dead, interrupted or capped worker
 * does; a unit that fails on a worker; bad URLs, an unreachable Redis, a timeout and a cancelled
 * run, each leaving nothing of the run behind in Redis.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { enqueueSweeps, QUEUE_TLS_ENV, QueueUnitFailedError } from '../../src/cli/queue.js';
import type { Book } from '../../src/sim/book.js';
import type { SweepSpec } from '../../src/sim/sweep.js';
import {
  type CliProcess,
  type CliRun,
  closedPort,
  makeTlsFiles,
  type RedisServer,
  repoRoot,
  runSolvent,
  startRedis,
  startSolvent,
  startWorker,
  stopProcess,
  unitsDone,
} from './support.js';

let redis: RedisServer;
let client: Redis;
const temp = mkdtempSync(join(tmpdir(), 'solvent-queue-'));
const started: CliProcess[] = [];

/** A worker this file stops at the end whatever happens. */
async function worker(extra: readonly string[]): Promise<CliProcess> {
  const w = await startWorker(redis.url, extra);
  started.push(w);
  return w;
}

/** A 3-point grid × 6 paths: 18 path runs, queued as 18 one-path units. */
const SWEEP = [
  'sweep',
  '--protocol',
  'maker-liq2',
  '--grid',
  'keepers.gasCapGwei=50,100,200',
  '--paths',
  '6',
  '--book',
  '40',
  '--json',
];
const SWEEP_UNITS = 18;
let local: CliRun;

/** Keys of this queue's jobs and of any run's spec still in Redis, and its non-empty job sets. */
async function leftovers(queueName: string): Promise<string[]> {
  const prefix = `bull:${queueName}:`;
  const jobKeys = (await client.keys(`${prefix}*`)).filter((k) =>
    /^[0-9a-f]{8}-/.test(k.slice(prefix.length)),
  );
  const specKeys = await client.keys(`solvent:${queueName}:*`);
  const sets: string[] = [];
  for (const list of ['wait', 'active', 'paused']) {
    if ((await client.llen(`${prefix}${list}`)) > 0) sets.push(`${prefix}${list}`);
  }
  for (const zset of ['completed', 'failed', 'delayed', 'prioritized']) {
    if ((await client.zcard(`${prefix}${zset}`)) > 0) sets.push(`${prefix}${zset}`);
  }
  return [...jobKeys, ...specKeys, ...sets];
}

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.port, '127.0.0.1');
  local = await runSolvent([...SWEEP, '--out', join(temp, 'local')]);
  expect(local.stderr).toBe('');
  expect(local.code).toBe(0);
});

afterAll(async () => {
  await Promise.all(started.map((w) => stopProcess(w.child)));
  client?.disconnect();
  await redis?.stop();
  rmSync(temp, { recursive: true, force: true });
});

describe('solvent sweep --queue', () => {
  test('default: two workers give the local stdout and --out files byte for byte, and leave nothing behind', async () => {
    const [a, b] = await Promise.all([worker(['--idle-exit', '5']), worker(['--idle-exit', '5'])]);
    const queued = await runSolvent([...SWEEP, '--out', join(temp, 'queued'), '--queue', redis.url]);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toBe(local.stdout);
    for (const file of ['sweep.json', 'sweep.csv', 'sweep.html']) {
      expect(readFileSync(join(temp, 'queued', file))).toEqual(readFileSync(join(temp, 'local', file)));
    }
    expect(queued.stderr).toMatch(new RegExp(`^queued ${SWEEP_UNITS} units \\(${SWEEP_UNITS} path runs\\)`));
    const [doneA, doneB] = [await a.done, await b.done];
    expect(doneA.code).toBe(0);
    expect(doneB.code).toBe(0);
    expect(doneA.stderr).toMatch(/stopping \(idle\)/);
    const unitsA = unitsDone(doneA.stderr);
    const unitsB = unitsDone(doneB.stderr);
    expect(unitsA.length).toBeGreaterThanOrEqual(1);
    expect(unitsB.length).toBeGreaterThanOrEqual(1);
    // Every unit ran exactly once, on one of the two.
    expect([...unitsA, ...unitsB].sort((x, y) => x - y)).toEqual(
      Array.from({ length: SWEEP_UNITS }, (_, i) => i + 1),
    );
    expect(await leftovers('solvent-sweeps')).toEqual([]);
  });

  test('behavior: a replay travels inside the spec: a worker in another folder runs it', async () => {
    // 12 h of 10-minute ETH bars falling 200 → 100, and gas 20 then 300 gwei: files only the sweep's
    // folder has (the paths are relative, and the worker runs in the repository root).
    const dir = join(temp, 'replay');
    mkdirSync(dir, { recursive: true });
    const t0 = 1_583_971_200;
    const steps = Array.from({ length: 73 }, (_, k) => k);
    writeFileSync(
      join(dir, 'eth.csv'),
      [
        'timestamp,price',
        ...steps.map((k) => `${t0 + 600 * k},${k <= 36 ? 200 - (100 * k) / 36 : 100}`),
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'gas.csv'),
      ['timestamp,p60_gwei', ...steps.map((k) => `${t0 + 600 * k},${k < 18 ? 20 : 300}`)].join('\n'),
    );
    const args = [
      'sweep',
      '--prices',
      'ETH=eth.csv',
      '--gas',
      'gas.csv',
      '--grid',
      'keepers.gasCapGwei=50,200',
      '--paths',
      '3',
      '--book',
      '30',
      '--json',
    ];
    const replayLocal = await runSolvent(args, dir);
    expect(replayLocal.code).toBe(0);
    expect(JSON.parse(replayLocal.stdout)).toMatchObject({ scenario: 'replay:eth.csv' });
    const w = await worker([]);
    const queued = await runSolvent([...args, '--queue', redis.url], dir);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toBe(replayLocal.stdout);
    await stopProcess(w.child);
    expect(unitsDone(w.stderr())).toHaveLength(6);
  });

  /**
   * Runs `args` locally, then with --queue on one two-unit worker: the same stdout, `queuedRuns`
   * runs of `unitsPerRun` units announced on stderr, every unit done, nothing left in Redis.
   * @returns the local stdout.
   */
  async function queuedLikeLocal(
    args: readonly string[],
    queuedRuns: (localStdout: string) => number,
    unitsPerRun: number,
  ): Promise<string> {
    const localRun = await runSolvent(args);
    expect(localRun.code).toBe(0);
    const runs = queuedRuns(localRun.stdout);
    const w = await worker(['--concurrency', '2']);
    const queued = await runSolvent([...args, '--queue', redis.url]);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toBe(localRun.stdout);
    const announced = new RegExp(`^queued ${unitsPerRun} units \\(${unitsPerRun} path runs\\)`, 'gm');
    expect(queued.stderr.match(announced)).toHaveLength(runs);
    await stopProcess(w.child);
    expect(unitsDone(w.stderr())).toHaveLength(runs * unitsPerRun);
    expect(await leftovers('solvent-sweeps')).toEqual([]);
    return localRun.stdout;
  }

  const TWO_MAKERS = ['--protocol', 'maker-liq1', '--protocol', 'maker-liq2', '--book', '20', '--paths', '3'];

  test('behavior: stress --paths N --queue prints what the local Monte Carlo prints', async () => {
    await queuedLikeLocal(['stress', ...TWO_MAKERS, '--json'], () => 1, 6);
  });

  test('behavior: compare --paths N --queue prints what the local comparison prints', async () => {
    const stdout = await queuedLikeLocal(['compare', ...TWO_MAKERS, '--json'], () => 1, 6);
    expect(JSON.parse(stdout).runs[0].monteCarlo.paths).toBe(3);
  });

  test('behavior: optimize --queue finds what the local search finds, each evaluation on the workers', async () => {
    const args = [
      'optimize',
      '--protocol',
      'maker-liq2',
      '--knob',
      'keepers.gasCapGwei',
      '--min',
      '20',
      '--max',
      '400',
      '--target-p99-bad-debt',
      '1000000000',
      '--paths',
      '2',
      '--book',
      '20',
      '--json',
    ];
    // One queued run per evaluation of the search, each of its two paths a unit.
    const evaluations = (stdout: string): number => JSON.parse(stdout).evaluations.length as number;
    const stdout = await queuedLikeLocal(args, evaluations, 2);
    expect(evaluations(stdout)).toBeGreaterThanOrEqual(2);
  });

  test('behavior: a worker killed mid-run loses nothing: its unit runs again elsewhere, same result', async () => {
    const [a, b] = await Promise.all([worker(['--lock-seconds', '2']), worker(['--lock-seconds', '2'])]);
    const sweep = startSolvent([...SWEEP, '--queue', redis.url, '--queue-timeout', '90']);
    // A has just finished a unit: it holds that one (not yet marked done) or the next one.
    await a.waitFor(/done: /);
    a.child.kill('SIGKILL');
    const queued = await sweep.done;
    expect(queued.code).toBe(0);
    expect(queued.stdout).toBe(local.stdout);
    await stopProcess(b.child);
    const all = [...unitsDone(a.stderr()), ...unitsDone(b.stderr())];
    expect(new Set(all)).toEqual(new Set(Array.from({ length: SWEEP_UNITS }, (_, i) => i + 1)));
    expect(await leftovers('solvent-sweeps')).toEqual([]);
  });

  test('behavior: --max-units stops a worker after N units; SIGTERM lets a worker finish its unit and exit 0', async () => {
    const [capped, interrupted] = await Promise.all([
      worker(['--max-units', '2', '--idle-exit', '60']),
      worker(['--idle-exit', '60']),
    ]);
    const sweep = startSolvent([...SWEEP, '--queue', redis.url, '--queue-timeout', '90']);
    await interrupted.waitFor(/done: /);
    interrupted.child.kill('SIGTERM');
    const rest = await worker(['--idle-exit', '2']);
    const queued = await sweep.done;
    expect(queued.code).toBe(0);
    expect(queued.stdout).toBe(local.stdout);
    const [c, i, r] = [await capped.done, await interrupted.done, await rest.done];
    expect(c.code).toBe(0);
    expect(unitsDone(c.stderr)).toHaveLength(2);
    expect(c.stderr).toMatch(/stopping \(max-units\)/);
    expect(i.code).toBe(0);
    expect(i.stderr).toMatch(/stopping \(signal\)/);
    expect(r.code).toBe(0);
    // No unit was abandoned (an abandoned one would run twice, after its lock expired).
    expect(
      [...unitsDone(c.stderr), ...unitsDone(i.stderr), ...unitsDone(r.stderr)].sort((x, y) => x - y),
    ).toEqual(Array.from({ length: SWEEP_UNITS }, (_, k) => k + 1));
  });

  test('error: a unit that fails on a worker rejects at once with the unit and the worker message', async () => {
    // A book with a negative debt passes planning (the book is read when a path runs) and is
    // refused by the book check in every path: `debtUsd: expected a finite number ≥ 0, got -5`.
    const book: Book = {
      accounts: [{ id: 'a', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: -5 }],
      description: 'one account with a negative debt',
    };
    const spec: SweepSpec = {
      protocol: 'maker-liq2',
      source: { scenario: 'black-thursday-2020' },
      seed: 7,
      accounts: 1,
      paths: 2,
      knobs: [],
      base: { book },
    };
    const w = await worker(['--queue-name', 'failing', '--idle-exit', '30']);
    const run = enqueueSweeps(redis.url, [spec], { queueName: 'failing', timeoutSeconds: 60 });
    await expect(run).rejects.toThrow(QueueUnitFailedError);
    const error = (await run.catch((e: unknown) => e)) as QueueUnitFailedError;
    expect(error.unit).toBe('unit 1/1 (point 0, paths 0..1)');
    expect(error.reason).toMatch(/debtUsd: expected a finite number ≥ 0, got -5/);
    expect(error.worker).toMatch(/:\d+$/);
    await stopProcess(w.child);
    // Refusals are not retried: one attempt only.
    expect(w.stderr().match(/failed after \d+ ms: /g)).toHaveLength(1);
    expect(await leftovers('failing')).toEqual([]);
  });

  test('error: a bad --queue URL is refused like any flag: InvalidParameterError, exit 2', async () => {
    // The built CLI, as a user runs it: the same exit code and message shape as a bad --book.
    const [other, sweep, work] = await Promise.all([
      runSolvent([...SWEEP, '--book', 'forty']),
      runSolvent([...SWEEP, '--queue', 'http://127.0.0.1:6379']),
      runSolvent(['worker', '--queue', 'redis://:6379']),
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^error: Invalid --book: /);
    for (const run of [sweep, work]) {
      expect(run).toMatchObject({ code: other.code, stdout: '' });
      expect(run.stderr).toMatch(/^error: Invalid --queue: /);
    }
    // The rest in process (the same main as bin/solvent.js), to keep the suite short.
    const refused = [
      [[...SWEEP, '--queue', 'redis://127.0.0.1:70000'], '--queue'],
      [[...SWEEP, '--queue', 'redis://h:1/x'], '--queue'],
      [['stress', '--paths', '2', '--queue', 'redis://'], '--queue'],
      [['worker', '--queue', 'redis://h:1?db=1'], '--queue'],
      [[...SWEEP, '--queue', redis.url, '--workers', '2'], '--workers'],
      [[...SWEEP, '--queue-timeout', '5'], '--queue-timeout'],
      [[...SWEEP, '--queue', redis.url, '--queue-name', 'a:b'], '--queue-name'],
      [['stress', '--queue', redis.url], '--queue'],
      [['compare', '--protocol', 'maker-liq1', '--protocol', 'maker-liq2', '--queue', redis.url], '--queue'],
      [
        [
          'compare',
          '--protocol',
          'maker-liq1',
          '--protocol',
          'maker-liq2',
          '--paths',
          '2',
          '--queue',
          redis.url,
          '--workers',
          '2',
        ],
        '--workers',
      ],
      [
        [
          'optimize',
          '--knob',
          'keepers.gasCapGwei',
          '--min',
          '1',
          '--max',
          '2',
          '--target-p99-bad-debt',
          '0',
          '--queue-name',
          'q',
        ],
        '--queue-name',
      ],
      [['worker'], '--queue'],
      [['worker', '--queue', redis.url, '--concurrency', '0'], '--concurrency'],
    ] as const;
    for (const [args, flag] of refused) {
      let stdout = '';
      let stderr = '';
      const code = await main(args, {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
      });
      expect(code, args.join(' ')).toBe(other.code);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`^error: Invalid ${flag}: `));
    }
  });

  test('behavior: over TLS (rediss://, a client certificate asked for) a worker gives the local output; an unverified server is refused', async () => {
    const tlsDir = join(temp, 'tls');
    mkdirSync(tlsDir);
    const files = makeTlsFiles(tlsDir);
    const secure = await startRedis(files);
    try {
      expect(secure.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+\/0$/);
      const env = {
        [QUEUE_TLS_ENV.ca]: files.ca,
        [QUEUE_TLS_ENV.cert]: files.clientCert,
        [QUEUE_TLS_ENV.key]: files.clientKey,
      };
      const w = await startWorker(secure.url, ['--idle-exit', '5'], env);
      started.push(w);
      const queued = await runSolvent([...SWEEP, '--queue', secure.url], repoRoot, env);
      expect(queued.code).toBe(0);
      expect(queued.stdout).toBe(local.stdout);
      expect((await w.done).code).toBe(0);
      // Without the CA the server's certificate does not verify: refused at once, naming TLS.
      const unverified = await runSolvent([...SWEEP, '--queue', secure.url], repoRoot, {
        [QUEUE_TLS_ENV.cert]: files.clientCert,
        [QUEUE_TLS_ENV.key]: files.clientKey,
      });
      expect(unverified.code).toBe(2);
      expect(unverified.stderr).toMatch(
        new RegExp(`^error: Cannot reach Redis at rediss://127\\.0\\.0\\.1:${secure.port}/0: `),
      );
      expect(unverified.stderr).toContain(QUEUE_TLS_ENV.ca);
      // Plain redis:// to the TLS port is not a Redis conversation either.
      const plain = await runSolvent(
        ['worker', '--queue', secure.url.replace('rediss:', 'redis:')],
        repoRoot,
        env,
      );
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/^error: Cannot reach Redis at redis:\/\//);
    } finally {
      await secure.stop();
    }
  });

  test('error: an unreachable Redis fails at once with QueueConnectionError, exit 2', async () => {
    const port = await closedPort();
    const startedAt = Date.now();
    const run = await runSolvent([...SWEEP, '--queue', `redis://127.0.0.1:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^error: Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0: `),
    );
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const w = await runSolvent(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^error: Cannot reach Redis/);
  });

  test('error: --queue-timeout without workers exits 2 and removes the run from Redis', async () => {
    const run = await runSolvent([
      ...SWEEP,
      '--queue',
      redis.url,
      '--queue-name',
      'nobody',
      '--queue-timeout',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/error: Only 0 of 18 queued units finished within 1 s \(--queue-timeout\)/);
    expect(run.stderr).toMatch(/solvent worker --queue redis:\/\/127\.0\.0\.1:\d+\/0 --queue-name nobody/);
    expect(await leftovers('nobody')).toEqual([]);
  });

  test('error: Ctrl-C on a queued sweep cancels it and removes its units', async () => {
    const sweep = startSolvent([...SWEEP, '--queue', redis.url, '--queue-name', 'cancelled']);
    await sweep.waitFor(/^queued /m);
    expect(await client.llen('bull:cancelled:wait')).toBe(SWEEP_UNITS);
    sweep.child.kill('SIGINT');
    const run = await sweep.done;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: Cancelled after 0 of 18 queued units/);
    expect(await leftovers('cancelled')).toEqual([]);
  });
});
