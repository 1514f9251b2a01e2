/**
 * Sweeps and Monte Carlo beyond one machine: the work units of `planSweep` travel through Redis as
 * BullMQ jobs, `solvent worker` processes run them with `runWorkUnit` on any number of machines, and
 * the results merge with `mergeSweep` into exactly what a local run (`runSweeps`) gives. Also the
 * JSON codec that carries specs and results (bigint and the numbers JSON cannot write, exactly) and
 * the `--queue` flags the stress-lab commands share. bullmq and ioredis load only when a queue is used.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import type { MonteCarloSummary } from '../sim/montecarlo.js';
import {
  mergeSweep,
  planSweep,
  type SweepResult,
  type SweepSpec,
  type UnitResult,
  type WorkUnit,
} from '../sim/sweep.js';
import { readPackageVersion } from './files.js';
import {
  createStressWorkerPool,
  type MonteCarloRunOptions,
  monteCarloBlocks,
  monteCarloSpecs,
  type ProgressCallback,
  type StressWorkerPool,
} from './workers.js';

// ---------------------------------------------------------------------------------------------
// Errors

/** Redis cannot be reached (refused, unknown host, timeout, authentication or database refused). */
export class QueueConnectionError extends SolventError {
  override name = 'QueueConnectionError';
  constructor(url: string, reason: string, cause?: unknown) {
    super('QueueConnection', `Cannot reach Redis at ${url}: ${reason.replace(/\.+$/, '')}.`, {
      metaMessages: [
        'Check that redis-server runs there and listens on that address, and the password and database in the URL (redis-cli -u URL ping).',
        ...(url.startsWith('rediss://')
          ? [
              `Over TLS the server's certificate must verify: ${QUEUE_TLS_ENV.ca}=ca.pem names a private CA, ${QUEUE_TLS_ENV.cert} and ${QUEUE_TLS_ENV.key} a client certificate.`,
            ]
          : []),
      ],
      details: { url, reason },
      cause,
    });
  }
}

/** A work unit failed on a worker (after its attempts), or its job vanished from the queue. */
export class QueueUnitFailedError extends SolventError {
  override name = 'QueueUnitFailedError';
  /** Which unit, as `unit 3/18 (sweep 1/1, point 2, paths 0..5)`. */
  readonly unit: string;
  /** The worker's name (`host:pid`), when known. */
  readonly worker: string | undefined;
  /** The worker's message. */
  readonly reason: string;
  constructor(unit: string, worker: string | undefined, reason: string) {
    super('QueueUnitFailed', `The ${unit} failed on worker ${worker ?? '(unknown)'}: ${reason}`, {
      metaMessages: [
        'Units are deterministic: the same unit fails the same way on a local run (drop --queue to see it).',
      ],
      details: { unit, worker: worker ?? '', reason },
    });
    this.unit = unit;
    this.worker = worker;
    this.reason = reason;
  }
}

/** The queued units did not all finish within the run's timeout. */
export class QueueTimeoutError extends SolventError {
  override name = 'QueueTimeoutError';
  constructor(timeoutSeconds: number, doneUnits: number, totalUnits: number, workerHint: string) {
    super(
      'QueueTimeout',
      `Only ${doneUnits} of ${totalUnits} queued units finished within ${timeoutSeconds} s (--queue-timeout).`,
      {
        metaMessages: [
          `Are workers running? Start one per core on each machine: ${workerHint}`,
          'Or give a longer --queue-timeout.',
        ],
        details: { timeoutSeconds: String(timeoutSeconds), doneUnits: String(doneUnits) },
      },
    );
  }
}

/** The run was cancelled (Ctrl-C) before its units finished; its queued units were removed. */
export class QueueRunCancelledError extends SolventError {
  override name = 'QueueRunCancelledError';
  constructor(doneUnits: number, totalUnits: number) {
    super('QueueRunCancelled', `Cancelled after ${doneUnits} of ${totalUnits} queued units.`, {
      metaMessages: ['The units still waiting were removed from the queue.'],
      details: { doneUnits: String(doneUnits), totalUnits: String(totalUnits) },
    });
  }
}

/** A value cannot travel through the queue (not plain data), or a message from it is malformed. */
export class QueueEncodingError extends SolventError {
  override name = 'QueueEncodingError';
  /** Where in the value, as `$.base.book.accounts[3]`. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super('QueueEncoding', `Cannot encode or decode ${path} for the queue: ${reason}.`, {
      metaMessages: [
        'Specs and results are plain data: objects, arrays, strings, numbers, bigint, booleans.',
      ],
      details: { path, reason },
    });
    this.path = path;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON codec

/** The key that marks a tagged value in the encoding. */
const TAG = '$';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Encodes plain data as JSON text, exactly: a bigint as `{"$":"bigint","v":"<decimal>"}`; the
 * numbers JSON cannot write as `{"$":"number","v":"NaN"|"Infinity"|"-Infinity"|"-0"}`; undefined
 * (a property's value or an array element; holes count as undefined) as `{"$":"undefined"}`; an
 * object that has a `$` key of its own as `{"$":"object","v":{...}}`. Everything else is written as
 * `JSON.stringify` writes it, in the same key order, so data without those values encodes to the
 * same text as JSON.stringify. {@link decodeJson} gives the value back.
 * @throws QueueEncodingError for what is not plain data: functions, symbols, symbol keys, cycles,
 * and objects other than plain objects and arrays (Map, Set, Date, class instances, typed arrays).
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(toTagged(value, '$', new Set()));
}

function toTagged(value: unknown, path: string, ancestors: Set<object>): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG]: 'number', v: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { [TAG]: 'bigint', v: value.toString() };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw new QueueEncodingError(path, 'the value refers to itself (a cycle)');
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          const out: Json[] = [];
          for (let i = 0; i < value.length; i++) out.push(toTagged(value[i], `${path}[${i}]`, ancestors));
          return out;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          const kind =
            typeof proto === 'object' && proto !== null && 'constructor' in proto
              ? String((proto.constructor as { name?: unknown }).name)
              : 'non-plain object';
          throw new QueueEncodingError(path, `a ${kind} is not plain data`);
        }
        if (Object.getOwnPropertySymbols(value).length > 0) {
          throw new QueueEncodingError(path, 'symbol keys are not plain data');
        }
        const record = value as Readonly<Record<string, unknown>>;
        const fields = Object.fromEntries(
          Object.keys(record).map((key) => [key, toTagged(record[key], `${path}.${key}`, ancestors)]),
        );
        return Object.hasOwn(record, TAG) ? { [TAG]: 'object', v: fields } : fields;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      throw new QueueEncodingError(path, `a ${typeof value} is not plain data`);
  }
}

const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

/**
 * Decodes text written by {@link encodeJson} (any JSON without `$` keys decodes as JSON.parse
 * would). Objects come back as plain objects, own `__proto__` keys included.
 * @throws QueueEncodingError for text that is not JSON or a malformed tag.
 */
export function decodeJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new QueueEncodingError('$', `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return fromTagged(parsed, '$');
}

function fromTagged(node: unknown, path: string): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((item, i) => fromTagged(item, `${path}[${i}]`));
  const record = node as Readonly<Record<string, unknown>>;
  if (!Object.hasOwn(record, TAG)) return fields(record, path);
  const tag = record[TAG];
  const keys = Object.keys(record);
  const v = record.v;
  const shape = (wanted: readonly string[]): boolean =>
    keys.length === wanted.length && wanted.every((k) => Object.hasOwn(record, k));
  if (tag === 'undefined' && shape([TAG])) return undefined;
  if (tag === 'bigint' && shape([TAG, 'v']) && typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (tag === 'number' && shape([TAG, 'v']) && typeof v === 'string' && Object.hasOwn(NON_FINITE, v)) {
    return NON_FINITE[v];
  }
  if (tag === 'object' && shape([TAG, 'v']) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    return fields(v as Readonly<Record<string, unknown>>, path);
  }
  throw new QueueEncodingError(path, `malformed tagged value ${JSON.stringify(node).slice(0, 80)}`);
}

/** A plain object of the decoded fields (Object.fromEntries defines `__proto__` as an own key). */
function fields(record: Readonly<Record<string, unknown>>, path: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(record).map((key) => [key, fromTagged(record[key], `${path}.${key}`)]),
  );
}

/** The content id of an encoded spec: the sha256 of its text, 64 hex digits. */
export function specContentId(encodedSpec: string): string {
  return createHash('sha256').update(encodedSpec).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Where the queue is

/** A Redis server and database, from a `redis://` or `rediss://` (TLS) URL. */
export interface QueueConnection {
  readonly host: string;
  readonly port: number;
  /** Database index, ≥ 0 (default 0). */
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** True for `rediss://`: TLS, the server's certificate verified (see {@link queueTlsOptions}). */
  readonly tls?: true;
}

/**
 * Environment variables of a TLS queue connection, each naming a PEM file: the CA that signed the
 * server's certificate (else Node's trust store, which `NODE_EXTRA_CA_CERTS` extends), and the
 * client's own certificate and key for a server that asks for one (`tls-auth-clients yes`).
 */
export const QUEUE_TLS_ENV = {
  ca: 'SOLVENT_QUEUE_TLS_CA',
  cert: 'SOLVENT_QUEUE_TLS_CERT',
  key: 'SOLVENT_QUEUE_TLS_KEY',
} as const;

/** Redis's default port, used when the URL gives none. */
export const DEFAULT_REDIS_PORT = 6379;
/** The default BullMQ queue name; give teams that share a Redis their own with `--queue-name`. */
export const DEFAULT_QUEUE_NAME = 'solvent-sweeps';
/** Largest database index a URL may name (Redis itself usually has 16; the server refuses others). */
const REDIS_DB_MAX = 1_000_000;
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Reads `redis://[user[:password]@]host[:port][/db]`, or `rediss://...` for TLS (port default 6379,
 * db default 0; user and password percent-decoded; an IPv6 host in brackets).
 * @param flag the flag named in the error (default `--queue`).
 * @throws InvalidParameterError naming the flag for another scheme (http://), no host, a port
 * outside [1, 65535], a path other than a database number, a query or a fragment.
 */
export function parseQueueUrl(text: string, flag = '--queue'): QueueConnection {
  const refuse = (reason: string): never => {
    throw new InvalidParameterError(
      flag,
      `${reason}, got ${JSON.stringify(redactUrlText(text))}`,
      'Give redis://[user:password@]host[:port][/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379/0.',
    );
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse(
      /^rediss?:\/\//i.test(text)
        ? 'not a valid URL (is the host missing, or the port not a number in [1, 65535]?)'
        : 'expected a redis:// URL',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return refuse('expected a redis:// URL');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return refuse('the URL names no host');
  if (!/^\/?(?:\d+)?$/.test(url.pathname)) return refuse('the path must be a database number (/0, /1, ...)');
  if (url.search !== '' || url.hash !== '') return refuse('the URL takes no query or fragment');
  // `new URL` refuses ports that are not digits or above 65535; 0 is refused here.
  const port = url.port === '' ? DEFAULT_REDIS_PORT : Number(url.port);
  if (!(port >= 1 && port <= 65_535)) return refuse('the port must be in [1, 65535]');
  const dbText = url.pathname.replace('/', '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!(Number.isSafeInteger(db) && db <= REDIS_DB_MAX))
    return refuse(`the database must be in [0, ${REDIS_DB_MAX}]`);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return refuse('the user or password is not valid percent-encoding');
  }
  return {
    host,
    port,
    db,
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    ...(url.protocol === 'rediss:' ? { tls: true as const } : {}),
  };
}

/**
 * The TLS options of a `rediss://` connection: the server's name checked against its certificate
 * (an IP address is checked by Node against the certificate's IP entries), and the PEM files the
 * {@link QUEUE_TLS_ENV} variables name in `env`.
 * @throws QueueConnectionError naming the variable and the file when a file cannot be read.
 */
export function queueTlsOptions(
  connection: QueueConnection,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConnectionOptions {
  const read = (variable: string): Buffer | undefined => {
    const file = env[variable];
    if (file === undefined || file === '') return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new QueueConnectionError(
        queueUrlText(connection),
        `${variable}=${file} cannot be read (${error instanceof Error ? error.message : String(error)})`,
        error,
      );
    }
  };
  const ca = read(QUEUE_TLS_ENV.ca);
  const cert = read(QUEUE_TLS_ENV.cert);
  const key = read(QUEUE_TLS_ENV.key);
  return {
    ...(isIP(connection.host) === 0 ? { servername: connection.host } : {}),
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

/** The URL of a connection for messages and logs, the password shown as `***`. */
export function queueUrlText(connection: QueueConnection): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  const user = connection.username === undefined ? '' : encodeURIComponent(connection.username);
  const auth = connection.password === undefined ? (user === '' ? '' : `${user}@`) : `${user}:***@`;
  return `${connection.tls === true ? 'rediss' : 'redis'}://${auth}${host}:${connection.port}/${connection.db}`;
}

/** A URL as typed, with any password hidden (for error messages). */
function redactUrlText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, '$1***@');
}

/**
 * A queue name as given.
 * @throws InvalidParameterError (field `flag`) unless it is 1 to 100 of A-Z a-z 0-9 . _ -.
 */
export function checkQueueName(name: string, flag = '--queue-name'): string {
  if (!QUEUE_NAME.test(name)) {
    throw new InvalidParameterError(
      flag,
      `expected 1 to 100 letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** The Redis key of a run's spec (deleted at the end of the run; expires on its own otherwise). */
function specKey(queueName: string, runId: string, specId: string): string {
  return `solvent:${queueName}:spec:${runId}:${specId}`;
}

/** How a connection reports errors after it is up, and whether it should still reconnect. */
interface ConnectOptions {
  readonly onError: (error: Error) => void;
  /** False once the caller gives the connection up (its copies stop reconnecting too). */
  readonly keepRetrying: () => boolean;
}

/**
 * Connects one ioredis client (BullMQ duplicates it for its blocking reads). The first connection
 * is tried once, so a wrong address fails at once; later drops are retried while `keepRetrying`.
 */
async function connectRedis(
  connection: QueueConnection,
  role: string,
  options: ConnectOptions,
): Promise<Redis> {
  const { Redis } = await import('ioredis');
  let connected = false;
  const tls = connection.tls === true ? queueTlsOptions(connection) : undefined;
  const client = new Redis({
    ...(tls === undefined ? {} : { tls }),
    host: connection.host,
    port: connection.port,
    db: connection.db,
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    lazyConnect: true,
    // BullMQ needs commands to wait for a reconnect rather than fail (blocking reads, locks).
    maxRetriesPerRequest: null,
    connectTimeout: 10_000,
    // How long disconnect() waits for the socket to end; ioredis's 2 s default delays every refusal.
    disconnectTimeout: 200,
    connectionName: `solvent-${role}`,
    // Copies made by BullMQ share this function, so giving up stops their reconnecting as well.
    retryStrategy: (times: number) =>
      connected && options.keepRetrying() ? Math.min(times * 250, 5_000) : null,
  });
  let firstError: Error | undefined;
  client.on('error', (error: Error) => {
    firstError ??= error;
    if (connected) options.onError(error);
  });
  try {
    await client.connect();
    // ioredis reports a refused SELECT (a database the server does not have) as an event only.
    await client.select(connection.db);
    await client.ping();
    if (firstError !== undefined) throw firstError;
  } catch (error) {
    client.disconnect();
    const cause = firstError ?? error;
    throw new QueueConnectionError(
      queueUrlText(connection),
      cause instanceof Error ? cause.message : String(cause),
      cause,
    );
  }
  connected = true;
  return client;
}

/** Closes a client, politely if it can. */
async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** Format of the job data; a worker refuses jobs of another format or solvent version. */
const JOB_FORMAT = 1;

/** What one BullMQ job carries: which run, which spec (by content id) and which unit. */
interface UnitJobData {
  readonly format: number;
  readonly solventVersion: string;
  readonly runId: string;
  /** sha256 of the encoded spec (see {@link specContentId}). */
  readonly specId: string;
  readonly specIndex: number;
  readonly specCount: number;
  readonly unitIndex: number;
  readonly unitCount: number;
  /** The WorkUnit, encoded with {@link encodeJson}. */
  readonly unit: string;
}

/** The job name of every unit. */
const JOB_NAME = 'unit';
/** Default attempts per unit: a unit that fails for a passing reason (a lost connection) is retried. */
export const DEFAULT_QUEUE_ATTEMPTS = 3;
/** Finished jobs left behind by an interrupted run are evicted by BullMQ after this long, seconds. */
const FINISHED_JOB_AGE_SECONDS = 86_400;
/** Spec keys expire this long after the run's timeout (or after this long without one), seconds. */
const SPEC_TTL_SECONDS = 7 * 86_400;
/** Jobs added to Redis per call. */
const ADD_CHUNK = 500;
/** Pending jobs whose state is read per check, and how often (a safety net behind the events). */
const RECONCILE_BATCH = 200;
const RECONCILE_INTERVAL_MS = 3_000;

/** `unit 3/18 (point 2, paths 0..5)`, with the sweep when there are several. */
function unitLabel(data: {
  readonly specIndex: number;
  readonly specCount: number;
  readonly unitIndex: number;
  readonly unitCount: number;
  readonly unit: WorkUnit;
}): string {
  const { unit } = data;
  const sweep = data.specCount > 1 ? `sweep ${data.specIndex + 1}/${data.specCount}, ` : '';
  return `unit ${data.unitIndex + 1}/${data.unitCount} (${sweep}point ${unit.pointIndex}, paths ${unit.seedStart}..${unit.seedStart + unit.seedCount - 1})`;
}

/** Checks the shape of a job's data. @throws QueueEncodingError when it is not a solvent unit job. */
function readJobData(raw: unknown): UnitJobData & { readonly decodedUnit: WorkUnit } {
  const data = raw as Partial<Record<keyof UnitJobData, unknown>> | null;
  const whole = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (
    typeof data !== 'object' ||
    data === null ||
    !whole(data.format) ||
    typeof data.solventVersion !== 'string' ||
    typeof data.runId !== 'string' ||
    typeof data.specId !== 'string' ||
    !/^[0-9a-f]{64}$/.test(data.specId) ||
    !whole(data.specIndex) ||
    !whole(data.specCount) ||
    !whole(data.unitIndex) ||
    !whole(data.unitCount) ||
    typeof data.unit !== 'string'
  ) {
    throw new QueueEncodingError('job.data', 'not a solvent work unit job');
  }
  const decodedUnit = decodeJson(data.unit) as WorkUnit;
  if (
    typeof decodedUnit !== 'object' ||
    decodedUnit === null ||
    !whole(decodedUnit.pointIndex) ||
    !whole(decodedUnit.seedStart) ||
    !whole(decodedUnit.seedCount) ||
    !Array.isArray(decodedUnit.knobValues)
  ) {
    throw new QueueEncodingError('job.data.unit', 'not a work unit');
  }
  return { ...(data as UnitJobData), decodedUnit };
}

// ---------------------------------------------------------------------------------------------
// Enqueue and wait

/** What {@link enqueueSweeps} tells once its units are queued. */
export interface QueuedRun {
  readonly runId: string;
  readonly queueName: string;
  /** The Redis URL, password hidden. */
  readonly url: string;
  readonly units: number;
  /** Path runs over every unit. */
  readonly paths: number;
}

/** Options of {@link enqueueSweeps}. */
export interface EnqueueSweepsOptions {
  /** BullMQ queue name (default {@link DEFAULT_QUEUE_NAME}); workers must use the same. */
  readonly queueName?: string;
  /** Give up after this many seconds (a whole number ≥ 1); default: wait as long as it takes. */
  readonly timeoutSeconds?: number;
  /** Attempts per unit, in [1, 100] (default {@link DEFAULT_QUEUE_ATTEMPTS}); refusals are not retried. */
  readonly attempts?: number;
  /** Paths done so far out of the total, after each unit. */
  readonly onProgress?: ProgressCallback;
  /** Called once every unit is in the queue. */
  readonly onQueued?: (run: QueuedRun) => void;
  /** Aborting cancels the run: its waiting units are removed and the promise rejects. */
  readonly signal?: AbortSignal;
}

/**
 * Runs sweeps on a Redis queue: plans them (refusing bad specs before connecting), stores each spec
 * once under its content id (sha256 of {@link encodeJson}'s text, in a key of this run), adds one
 * BullMQ job per work unit, waits for every unit's result (queue events read from before the first
 * job was added, with a periodic look at the jobs' states behind them, so no result is missed),
 * merges each sweep with `mergeSweep` and returns the same results as `runSweeps` would. The run's
 * spec keys and jobs are removed at the end, whether it succeeded or not (a unit still running on a
 * worker then finishes on its own and is evicted by BullMQ a day later).
 * @param url `redis://[user:password@]host[:port][/db]`.
 * @throws InvalidParameterError for a bad URL (field `--queue`), queue name (`--queue-name`),
 * timeout (`--queue-timeout`) or attempts (`attempts`), and as `planSweep` for a bad spec;
 * QueueEncodingError for a spec that is not plain data. Rejects with QueueConnectionError when
 * Redis cannot be reached, QueueUnitFailedError (naming the unit and the worker's message) when a
 * unit fails, QueueTimeoutError after `timeoutSeconds`, QueueRunCancelledError on abort.
 */
export async function enqueueSweeps(
  url: string,
  specs: readonly SweepSpec[],
  options: EnqueueSweepsOptions = {},
): Promise<SweepResult[]> {
  const connection = parseQueueUrl(url);
  const queueName = checkQueueName(options.queueName ?? DEFAULT_QUEUE_NAME);
  const timeoutSeconds = options.timeoutSeconds;
  if (timeoutSeconds !== undefined)
    requireWhole(timeoutSeconds, '--queue-timeout', 1, QUEUE_TIMEOUT_MAX_SECONDS);
  const attempts = options.attempts ?? DEFAULT_QUEUE_ATTEMPTS;
  requireWhole(attempts, 'attempts', 1, 100);
  const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;

  const plans = specs.map((spec) => ({ spec, units: planSweep(spec) }));
  const encoded = specs.map((spec) => encodeJson(spec));
  const specIds = encoded.map(specContentId);
  const unitCount = plans.reduce((n, p) => n + p.units.length, 0);
  const totalPaths = plans.reduce((n, p) => n + p.units.reduce((m, u) => m + u.seedCount, 0), 0);
  const solventVersion = readPackageVersion();
  const runId = randomUUID();
  const urlText = queueUrlText(connection);

  /** Every unit by job id, and the results per sweep. */
  interface Entry {
    readonly specIndex: number;
    readonly unitIndex: number;
    readonly unit: WorkUnit;
  }
  const entries = new Map<string, Entry>();
  plans.forEach((plan, s) => {
    plan.units.forEach((unit, u) => {
      entries.set(`${runId}-${s}-${u}`, { specIndex: s, unitIndex: u, unit });
    });
  });
  const labelOf = (entry: Entry): string =>
    unitLabel({ ...entry, specCount: specs.length, unitCount: plans[entry.specIndex]?.units.length ?? 0 });
  if (unitCount === 0) return plans.map((plan) => mergeSweep(plan.spec, []));
  if (options.signal?.aborted === true) throw new QueueRunCancelledError(0, unitCount);

  const { Queue, QueueEvents } = await import('bullmq');
  let lastRedisError: Error | undefined;
  let ended = false;
  const redis = await connectRedis(connection, 'sweep', {
    onError: (error) => {
      lastRedisError = error;
    },
    keepRetrying: () => !ended,
  });
  const keys = [...new Set(specIds)].map((id) => specKey(queueName, runId, id));
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  const results: UnitResult[][] = plans.map(() => []);
  let doneUnits = 0;
  let donePaths = 0;
  try {
    const ttlSeconds = (timeoutSeconds ?? 0) + SPEC_TTL_SECONDS;
    const write = redis.multi();
    encoded.forEach((text, s) => {
      write.set(specKey(queueName, runId, specIds[s] as string), text, 'EX', ttlSeconds);
    });
    await write.exec();

    queue = new Queue(queueName, {
      connection: redis,
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: FINISHED_JOB_AGE_SECONDS },
        removeOnFail: { age: FINISHED_JOB_AGE_SECONDS },
      },
    });
    queue.on('error', (error) => {
      lastRedisError = error;
    });
    // Read events from just before the first job is added: none of this run's can be missed.
    const [serverSeconds] = (await redis.time()) as [string | number, string | number];
    events = new QueueEvents(queueName, {
      connection: redis,
      lastEventId: `${Math.max(0, Number(serverSeconds) * 1000 - 1)}-0`,
      // Short blocking reads: BullMQ's watchdog on a read stuck behind a dead Redis lasts this
      // long plus 1 s, and keeps the process alive after the run ended.
      blockingTimeout: 2_000,
    });
    events.on('error', (error) => {
      lastRedisError = error;
    });

    let startReconcile = (): void => undefined;
    const outcome = new Promise<void>((resolve, reject) => {
      const pending = new Set(entries.keys());
      let finished = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        for (const t of timers) clearTimeout(t);
        options.signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(new QueueRunCancelledError(doneUnits, unitCount));
      if (options.signal?.aborted === true) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timers.push(
          setTimeout(
            () =>
              finish(
                new QueueTimeoutError(
                  timeoutSeconds as number,
                  doneUnits,
                  unitCount,
                  `solvent worker --queue ${urlText}${queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${queueName}`}${lastRedisError === undefined ? '' : ` (last Redis error: ${lastRedisError.message})`}`,
                ),
              ),
            Math.max(0, deadline - Date.now()),
          ),
        );
      }
      const completed = (jobId: string, returnvalue: unknown): void => {
        const entry = entries.get(jobId);
        if (finished || entry === undefined || !pending.has(jobId)) return;
        pending.delete(jobId);
        try {
          if (typeof returnvalue !== 'string') throw new QueueEncodingError('returnvalue', 'not a string');
          const result = decodeJson(returnvalue) as UnitResult;
          const { unit } = entry;
          if (
            result?.pointIndex !== unit.pointIndex ||
            result.seedStart !== unit.seedStart ||
            result.seedCount !== unit.seedCount ||
            !Array.isArray(result.outcomes)
          ) {
            throw new QueueEncodingError('returnvalue', `not the result of the ${labelOf(entry)}`);
          }
          results[entry.specIndex]?.push(result);
          doneUnits += 1;
          donePaths += unit.seedCount;
          options.onProgress?.(donePaths, totalPaths);
          if (pending.size === 0) finish();
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const failed = (jobId: string, reason: string, worker: string | undefined): void => {
        const entry = entries.get(jobId);
        if (finished || entry === undefined || !pending.has(jobId)) return;
        pending.delete(jobId);
        finish(new QueueUnitFailedError(labelOf(entry), worker, reason));
      };
      events?.on('completed', ({ jobId, returnvalue }) => completed(jobId, returnvalue));
      events?.on('failed', ({ jobId, failedReason }) => {
        if (!entries.has(jobId) || !pending.has(jobId)) return;
        // The event does not name the worker: the job does.
        queue
          ?.getJob(jobId)
          .then((job) => failed(jobId, failedReason, job?.processedBy))
          .catch(() => failed(jobId, failedReason, undefined));
      });
      // Behind the events: look at the state of some pending jobs now and then (round robin).
      let cursor: string[] = [];
      const reconcile = async (): Promise<void> => {
        if (cursor.length === 0) cursor = [...pending];
        const batch = cursor.splice(0, RECONCILE_BATCH).filter((id) => pending.has(id));
        const states = await Promise.all(batch.map((id) => queue?.getJobState(id)));
        for (const [i, id] of batch.entries()) {
          const state = states[i];
          if (state === 'completed' || state === 'failed') {
            const job = await queue?.getJob(id);
            if (job === undefined) continue;
            if (state === 'completed') completed(id, job.returnvalue);
            else failed(id, job.failedReason, job.processedBy);
          } else if (state === 'unknown') {
            failed(
              id,
              'its job disappeared from the queue (was the queue drained or obliterated?)',
              undefined,
            );
          }
        }
      };
      const tick = (): void => {
        if (finished) return;
        reconcile()
          .catch((error: unknown) => {
            lastRedisError = error instanceof Error ? error : new Error(String(error));
          })
          .finally(() => {
            if (!finished) timers.push(setTimeout(tick, RECONCILE_INTERVAL_MS));
          });
      };
      // Only once every job is in the queue: before that, a job not yet added looks lost.
      startReconcile = () => {
        if (!finished) timers.push(setTimeout(tick, RECONCILE_INTERVAL_MS));
      };
    });
    // A rejection before the jobs are all added is handled where the outcome is awaited.
    outcome.catch(() => undefined);

    const jobs = [...entries].map(([jobId, entry]) => {
      const data: UnitJobData = {
        format: JOB_FORMAT,
        solventVersion,
        runId,
        specId: specIds[entry.specIndex] as string,
        specIndex: entry.specIndex,
        specCount: specs.length,
        unitIndex: entry.unitIndex,
        unitCount: plans[entry.specIndex]?.units.length ?? 0,
        unit: encodeJson(entry.unit),
      };
      return { name: JOB_NAME, data, opts: { jobId } };
    });
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) await queue.addBulk(jobs.slice(i, i + ADD_CHUNK));
    startReconcile();
    options.onQueued?.({ runId, queueName, url: urlText, units: unitCount, paths: totalPaths });
    await outcome;
    return plans.map((plan, s) => mergeSweep(plan.spec, results[s] ?? []));
  } finally {
    await cleanUp(redis, queue, events, [...entries.keys()], keys);
    ended = true;
  }
}

/** Removes a run's jobs (those not locked by a worker) and spec keys, then closes its connections. */
async function cleanUp(
  redis: Redis,
  queue: Queue | undefined,
  events: QueueEvents | undefined,
  jobIds: readonly string[],
  keys: readonly string[],
): Promise<void> {
  // Best effort, bounded in time (Redis may be the reason the run failed): spec keys expire and
  // finished jobs are evicted on their own.
  await bounded(async () => {
    if (redis.status !== 'ready') return;
    if (queue !== undefined) {
      for (let i = 0; i < jobIds.length; i += ADD_CHUNK) {
        await Promise.all(jobIds.slice(i, i + ADD_CHUNK).map((id) => queue.remove(id).catch(() => 0)));
      }
    }
    if (keys.length > 0) await redis.del(...keys);
  }, CLEANUP_MS);
  await bounded(async () => {
    await events?.close();
    await queue?.close();
  }, CLOSE_MS);
  await bounded(() => closeRedis(redis), CLOSE_MS);
  redis.disconnect();
}

/** How long a stopping worker waits for an unreachable Redis before it leaves, ms. */
const REDIS_AWAY_MS = 10_000;

/** Resolves after `ms`. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long removing a run's jobs and spec may take before it is given up, ms. */
const CLEANUP_MS = 10_000;
/** How long closing each connection may take before it is dropped, ms. */
const CLOSE_MS = 2_000;

/** Runs `body`, waiting at most `ms` for it; never rejects. */
async function bounded(body: () => Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    body().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

function requireWhole(value: number, field: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(field, `expected a whole number in [${min}, ${max}], got ${value}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The worker

/** Why {@link runQueueWorker} stopped. */
export type QueueWorkerStop = 'idle' | 'max-units' | 'signal';

/** What {@link runQueueWorker} did. */
export interface QueueWorkerSummary {
  readonly completedUnits: number;
  readonly failedUnits: number;
  readonly stoppedBy: QueueWorkerStop;
}

/** Options of {@link runQueueWorker}. */
export interface QueueWorkerOptions {
  /** BullMQ queue name (default {@link DEFAULT_QUEUE_NAME}). */
  readonly queueName?: string;
  /** Units run at once, each on its own worker thread, in [1, {@link WORKER_CONCURRENCY_MAX}] (default 1). */
  readonly concurrency?: number;
  /** Stop after this many seconds without a unit (whole, ≥ 1); default: run until stopped. */
  readonly idleExitSeconds?: number;
  /** Stop after taking this many units (whole, ≥ 1), once they are done. */
  readonly maxUnits?: number;
  /**
   * Seconds a unit stays with a worker that stopped renewing its lock (died, lost the network)
   * before another worker runs it again (whole, in [1, 3600]; default 30).
   */
  readonly lockSeconds?: number;
  /** The worker's name on its jobs and in logs (default `host:pid`). */
  readonly name?: string;
  /** One line per event (unit done or failed, start, stop), without a newline. */
  readonly log?: (line: string) => void;
  /** Aborting stops the worker: it takes no new unit, finishes the current ones and returns. */
  readonly signal?: AbortSignal;
}

/** Most units one worker process runs at once. */
export const WORKER_CONCURRENCY_MAX = 256;
/** Most seconds a run may wait (`--queue-timeout`), and a worker may idle before leaving. */
export const QUEUE_TIMEOUT_MAX_SECONDS = 30 * 86_400;
/** Specs a worker keeps decoded (by content id). */
const SPEC_CACHE_SIZE = 4;
/** The start of the message `workers.ts` gives when `runWorkUnit` threw in a thread. */
const UNIT_THREW = 'a stress worker failed: ';

/**
 * Processes work units from a Redis queue until stopped: fetches each unit's spec by its content id
 * (keeping the last few decoded), runs `runWorkUnit` on a worker thread (one per concurrent unit, so
 * this thread keeps the job locks renewed however long a unit takes), and returns the unit's result
 * encoded with {@link encodeJson}. A unit that `runWorkUnit` refuses fails at once (it would fail
 * the same way anywhere); other failures (a lost connection, a thread that died) are retried by
 * BullMQ up to the job's attempts. A job of another solvent version or format is refused, since
 * results must match a local run bit for bit. Stops on `signal`, after `idleExitSeconds` without
 * work, or after `maxUnits`; every connection and thread is closed before the promise resolves.
 * @param url `redis://[user:password@]host[:port][/db]`.
 * @throws InvalidParameterError for a bad URL (field `--queue`), queue name (`--queue-name`),
 * `--concurrency`, `--idle-exit`, `--max-units` or `--lock-seconds`. Rejects with
 * QueueConnectionError when Redis cannot be reached at the start.
 */
export async function runQueueWorker(
  url: string,
  options: QueueWorkerOptions = {},
): Promise<QueueWorkerSummary> {
  const connection = parseQueueUrl(url);
  const queueName = checkQueueName(options.queueName ?? DEFAULT_QUEUE_NAME);
  const concurrency = options.concurrency ?? 1;
  requireWhole(concurrency, '--concurrency', 1, WORKER_CONCURRENCY_MAX);
  if (options.idleExitSeconds !== undefined) {
    requireWhole(options.idleExitSeconds, '--idle-exit', 1, QUEUE_TIMEOUT_MAX_SECONDS);
  }
  if (options.maxUnits !== undefined)
    requireWhole(options.maxUnits, '--max-units', 1, Number.MAX_SAFE_INTEGER);
  const lockSeconds = options.lockSeconds ?? 30;
  requireWhole(lockSeconds, '--lock-seconds', 1, 3_600);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  const solventVersion = readPackageVersion();

  const { Worker, UnrecoverableError, WaitingError } = await import('bullmq');
  let lastLoggedErrorAt = 0;
  const logError = (error: Error): void => {
    // Redis errors repeat while it is away: one line per 10 s is enough.
    const now = Date.now();
    if (now - lastLoggedErrorAt < 10_000) return;
    lastLoggedErrorAt = now;
    log(`worker ${name}: Redis error: ${error.message}`);
  };
  let abandoned = false;
  const redis = await connectRedis(connection, 'worker', {
    onError: logError,
    keepRetrying: () => !abandoned,
  });

  const specCache = new Map<string, Promise<SweepSpec>>();
  const fetchSpec = (data: UnitJobData): Promise<SweepSpec> => {
    const cached = specCache.get(data.specId);
    if (cached !== undefined) {
      specCache.delete(data.specId);
      specCache.set(data.specId, cached);
      return cached;
    }
    const loading = redis.get(specKey(queueName, data.runId, data.specId)).then((text) => {
      if (text === null) {
        throw new UnrecoverableError(
          'its sweep spec is not in Redis: the run that queued it has finished, was cancelled or expired',
        );
      }
      if (specContentId(text) !== data.specId) {
        throw new UnrecoverableError('its sweep spec in Redis does not match its content id');
      }
      return decodeJson(text) as SweepSpec;
    });
    specCache.set(data.specId, loading);
    loading.catch(() => specCache.delete(data.specId));
    while (specCache.size > SPEC_CACHE_SIZE) {
      const oldest = specCache.keys().next().value;
      if (oldest === undefined) break;
      specCache.delete(oldest);
    }
    return loading;
  };

  // One single-thread pool per concurrent unit, started on first use.
  const idlePools: StressWorkerPool[] = [];
  const allPools = new Set<StressWorkerPool>();
  const runOnThread = async (spec: SweepSpec, unit: WorkUnit): Promise<UnitResult> => {
    const pool = idlePools.pop() ?? createStressWorkerPool(1);
    allPools.add(pool);
    try {
      const [results] = await pool.run([{ spec, units: [unit] }]);
      idlePools.push(pool);
      const result = results?.[0];
      if (result === undefined) throw new Error('a worker thread returned no result');
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message.startsWith(UNIT_THREW)) {
        idlePools.push(pool); // the thread is fine: runWorkUnit refused the unit
        throw new UnrecoverableError(message.slice(UNIT_THREW.length));
      }
      allPools.delete(pool);
      await pool.close().catch(() => undefined);
      throw error;
    }
  };

  let taken = 0;
  let active = 0;
  let completedUnits = 0;
  let failedUnits = 0;
  let lastBusyAt = Date.now();
  let stoppedBy: QueueWorkerStop | undefined;
  let worker: Worker | undefined;

  const processor = async (job: Job, token?: string): Promise<string> => {
    if (options.maxUnits !== undefined && taken >= options.maxUnits) {
      // Fetched after this worker took its last unit: give it back for another worker.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    taken += 1;
    active += 1;
    if (options.maxUnits !== undefined && taken >= options.maxUnits) stop('max-units');
    const startedAt = performance.now();
    let label = `job ${job.id}`;
    try {
      const data = readJobData(job.data);
      label = unitLabel({ ...data, unit: data.decodedUnit });
      if (data.format !== JOB_FORMAT || data.solventVersion !== solventVersion) {
        throw new UnrecoverableError(
          `the job was queued by solvent ${data.solventVersion} (job format ${data.format}); this worker runs solvent ${solventVersion} (format ${JOB_FORMAT}): run the same version everywhere`,
        );
      }
      const spec = await fetchSpec(data);
      const result = await runOnThread(spec, data.decodedUnit);
      const ms = Math.round(performance.now() - startedAt);
      completedUnits += 1;
      const paths = data.decodedUnit.seedCount;
      log(
        `worker ${name}: ${label} done: ${paths} path${paths === 1 ? '' : 's'} in ${ms} ms (run ${data.runId.slice(0, 8)})`,
      );
      return encodeJson(result);
    } catch (error) {
      const ms = Math.round(performance.now() - startedAt);
      failedUnits += 1;
      const message = error instanceof Error ? error.message : String(error);
      log(`worker ${name}: ${label} failed after ${ms} ms: ${message}`);
      if (error instanceof QueueEncodingError) throw new UnrecoverableError(message);
      throw error;
    } finally {
      active -= 1;
      lastBusyAt = Date.now();
    }
  };

  let closing: Promise<void> | undefined;
  let markStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const stop = (reason: QueueWorkerStop): void => {
    if (stoppedBy !== undefined) return;
    stoppedBy = reason;
    clearInterval(idleTimer);
    options.signal?.removeEventListener('abort', onAbort);
    log(`worker ${name}: stopping (${reason})${active > 0 ? `; finishing ${active} unit(s)` : ''}`);
    closing = (async () => {
      // Current units finish however long they take while Redis answers; once it has been away for
      // a while, nothing they return could be saved: leave without them (their locks expire).
      const closed = (worker?.close() ?? Promise.resolve()).then(
        () => true,
        () => true,
      );
      let awaySince: number | undefined;
      while (!(await Promise.race([closed, sleep(1_000).then(() => false)]))) {
        awaySince = redis.status === 'ready' ? undefined : (awaySince ?? Date.now());
        if (awaySince !== undefined && Date.now() - awaySince >= REDIS_AWAY_MS) {
          log(`worker ${name}: Redis has been unreachable for ${REDIS_AWAY_MS / 1000} s: leaving`);
          abandoned = true;
          redis.disconnect();
          await bounded(() => closed, CLOSE_MS);
          break;
        }
      }
      await Promise.all([...allPools].map((pool) => pool.close().catch(() => undefined)));
      await bounded(() => closeRedis(redis), CLOSE_MS);
      abandoned = true;
      redis.disconnect();
    })();
    markStopped();
  };
  const onAbort = (): void => stop('signal');
  const idleMs = options.idleExitSeconds === undefined ? undefined : options.idleExitSeconds * 1000;
  const idleTimer = setInterval(
    () => {
      if (idleMs !== undefined && active === 0 && Date.now() - lastBusyAt >= idleMs) stop('idle');
    },
    Math.min(1_000, idleMs ?? 1_000),
  );

  worker = new Worker(queueName, processor, {
    connection: redis,
    concurrency,
    name,
    autorun: false,
    lockDuration: lockSeconds * 1000,
    stalledInterval: lockSeconds * 1000,
    maxStalledCount: 2,
  });
  worker.on('error', logError);
  const running = worker.run().catch((error: unknown) => {
    logError(error instanceof Error ? error : new Error(String(error)));
  });
  if (options.signal?.aborted === true) stop('signal');
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  if (stoppedBy === undefined) {
    try {
      await worker.waitUntilReady();
    } catch (error) {
      stop('signal');
      await closing;
      throw new QueueConnectionError(
        queueUrlText(connection),
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
    lastBusyAt = Date.now(); // idle time counts from here
    log(
      `worker ${name}: waiting for units on queue ${queueName} at ${queueUrlText(connection)} (concurrency ${concurrency}, solvent ${solventVersion})`,
    );
  }
  await stopped;
  await closing;
  // The main loop ends with the close, unless Redis went away under it.
  await bounded(() => running, CLOSE_MS);
  const summary = { completedUnits, failedUnits, stoppedBy: stoppedBy ?? 'signal' };
  log(`worker ${name}: stopped: ${completedUnits} unit(s) done, ${failedUnits} failed`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// The command line's side

/** The `--queue` flags as commander hands them over. */
export interface QueueFlags {
  readonly queue?: string;
  readonly queueName?: string;
  readonly queueTimeout?: string;
  readonly workers?: string;
}

/** Where a command sends its units: checked `--queue`, `--queue-name` and `--queue-timeout`. */
export interface QueueTarget {
  readonly url: string;
  readonly queueName: string;
  readonly timeoutSeconds?: number;
}

/** Adds --queue, --queue-name and --queue-timeout to a stress-lab command. */
export function addQueueOptions(command: Command): Command {
  return command
    .option('--queue <redis-url>', 'run the work units on `solvent worker` processes through this Redis')
    .option('--queue-name <name>', `with --queue: the BullMQ queue (default ${DEFAULT_QUEUE_NAME})`)
    .option('--queue-timeout <seconds>', 'with --queue: give up after this long (default: wait)');
}

/**
 * The queue a command was asked to use, or undefined without --queue.
 * @throws InvalidParameterError naming the flag: a bad URL (`--queue`), `--workers` with `--queue`
 * (threads belong to the workers then), `--queue-name`/`--queue-timeout` without `--queue` or bad.
 */
export function readQueueFlags(flags: QueueFlags): QueueTarget | undefined {
  if (flags.queue === undefined) {
    for (const [flag, value] of [
      ['--queue-name', flags.queueName],
      ['--queue-timeout', flags.queueTimeout],
    ] as const) {
      if (value !== undefined) throw new InvalidParameterError(flag, 'needs --queue');
    }
    return undefined;
  }
  parseQueueUrl(flags.queue);
  if (flags.workers !== undefined) {
    throw new InvalidParameterError(
      '--workers',
      'cannot be combined with --queue',
      'With --queue the units run on `solvent worker` processes: start one per core (or --concurrency N).',
    );
  }
  const queueName = checkQueueName(flags.queueName ?? DEFAULT_QUEUE_NAME);
  let timeoutSeconds: number | undefined;
  if (flags.queueTimeout !== undefined) {
    const text = flags.queueTimeout;
    timeoutSeconds = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(timeoutSeconds >= 1 && timeoutSeconds <= QUEUE_TIMEOUT_MAX_SECONDS)) {
      throw new InvalidParameterError(
        '--queue-timeout',
        `expected whole seconds in [1, ${QUEUE_TIMEOUT_MAX_SECONDS}], got ${JSON.stringify(text)}`,
      );
    }
  }
  return { url: flags.queue, queueName, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) };
}

/** Units a queued run aims at: enough for many machines to share, few enough to keep Redis quiet. */
const QUEUE_UNITS_TARGET = 256;

/**
 * Paths per work unit for a queued run of `points` points × `paths` paths: about
 * {@link QUEUE_UNITS_TARGET} units in all (at least one path each). Never changes a result.
 */
export function queuePathsPerUnit(paths: number, points: number): number {
  return Math.max(1, Math.min(paths, Math.ceil((paths * points) / QUEUE_UNITS_TARGET)));
}

/** Options of {@link runSweepsOnQueue}. */
export interface RunOnQueueOptions {
  readonly onProgress?: ProgressCallback;
  /** Where the one line saying what was queued goes (stderr). */
  readonly stderr: (text: string) => void;
}

/**
 * {@link enqueueSweeps} for a command: prints what was queued and how to start workers on stderr,
 * and cancels the run (removing its waiting units) on SIGINT or SIGTERM.
 * @throws as {@link enqueueSweeps}.
 */
export async function runSweepsOnQueue(
  target: QueueTarget,
  specs: readonly SweepSpec[],
  options: RunOnQueueOptions,
): Promise<SweepResult[]> {
  const controller = new AbortController();
  const cancel = (): void => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await enqueueSweeps(target.url, specs, {
      queueName: target.queueName,
      ...(target.timeoutSeconds === undefined ? {} : { timeoutSeconds: target.timeoutSeconds }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      signal: controller.signal,
      onQueued: (run) => {
        const name = run.queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${run.queueName}`;
        options.stderr(
          `queued ${run.units} units (${run.paths} path runs) on ${run.queueName} at ${run.url} (run ${run.runId.slice(0, 8)}); workers: solvent worker --queue ${run.url}${name}\n`,
        );
      },
    });
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/**
 * `runMonteCarlo` of workers.ts on a queue: the same specs (a sweep without knobs per run, same
 * market, seed, book size and paths), cut into {@link queuePathsPerUnit} units, so each run's
 * Monte Carlo block is the same as a local run's.
 * @throws as {@link runSweepsOnQueue}.
 */
export async function runMonteCarloOnQueue(
  target: QueueTarget,
  options: Omit<MonteCarloRunOptions, 'workers'>,
  stderr: (text: string) => void,
): Promise<MonteCarloSummary[]> {
  const pathsPerUnit = queuePathsPerUnit(options.paths, options.runs.length);
  const results = await runSweepsOnQueue(target, monteCarloSpecs(options, pathsPerUnit), {
    stderr,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return monteCarloBlocks(results);
}
