/**
 * Starting and stopping a whole engine service: open the journal (SQLite file or PostgreSQL),
 * replay it into an engine host, apply an init script on an empty journal, start the CSV price
 * feeds and listen. `solvent serve` is this plus argument parsing; tests and the benchmark start
 * servers the same way.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ProtocolEntry } from '../protocols/catalog.js';
import { type ApiKey, generateKeys, KeyRing, parseKeys } from './auth.js';
import { InsecureBindError, type JournalUnavailableError } from './errors.js';
import { type FeedSpec, type RunningFeed, startFeed } from './feed.js';
import { EngineHost } from './host.js';
import type { Journal } from './journal.js';
import { openPgJournal } from './journalPg.js';
import { openSqliteJournal } from './journalSqlite.js';
import { Metrics } from './metrics.js';
import { buildServer } from './server.js';

/** Where the journal lives. */
export type JournalTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** Options of {@link startService}. */
export interface ServiceOptions {
  readonly entry: ProtocolEntry;
  readonly journal: JournalTarget;
  /** Interface to listen on (default 127.0.0.1). */
  readonly listenHost?: string;
  /** Port (0 = any free one; default 8080). */
  readonly port?: number;
  /**
   * API keys. Absent: refused on a non-loopback host; on loopback keys are generated into
   * `generatedKeysPath` (or read from it when it exists) and a warning is printed.
   */
  readonly keys?: readonly ApiKey[];
  /** Where generated keys go when `keys` is absent (created with mode 0600). */
  readonly generatedKeysPath?: string;
  /** Commands applied all or nothing when the journal is empty (actor `init`). */
  readonly init?: readonly unknown[];
  readonly feeds?: readonly FeedSpec[];
  /** CSV seconds per wall-clock second for every feed (default 1). */
  readonly feedSpeed?: number;
  readonly hashEvery?: number;
  /** Log level (`info` default) or false for no logs. */
  readonly logLevel?: string | false;
  readonly clock?: () => number;
  /** Version of solvent shown in the API. */
  readonly version: string;
  /** Serve the web dashboard at `GET /` (default true). */
  readonly dashboard?: boolean;
  /** Called when a journal write fails (default: nothing; the CLI exits). */
  readonly onFatal?: (error: JournalUnavailableError) => void;
  /** Where warnings go before the logger exists (default: stderr). */
  readonly warn?: (text: string) => void;
}

/** A running service. */
export interface RunningService {
  readonly app: FastifyInstance;
  readonly host: EngineHost;
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Keys in force (generated ones included). */
  readonly keys: readonly ApiKey[];
  /** Path of generated keys, when they were generated or reused. */
  readonly generatedKeysPath?: string;
  readonly feeds: readonly RunningFeed[];
  /** Stops feeds, closes the server (WebSocket clients too), drains and closes the journal. */
  close(): Promise<void>;
}

/** Whether `host` is a loopback interface. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Opens the journal a target names. @throws as openSqliteJournal / openPgJournal. */
export function openJournal(target: JournalTarget, protocol: string): Promise<Journal> {
  return target.kind === 'sqlite'
    ? openSqliteJournal({ path: target.path, protocol })
    : openPgJournal({
        url: target.url,
        protocol,
        ...(target.schema === undefined ? {} : { schema: target.schema }),
      });
}

function resolveKeys(
  options: ServiceOptions,
  listenHost: string,
): { keys: readonly ApiKey[]; path?: string } {
  if (options.keys !== undefined) return { keys: options.keys };
  if (!isLoopback(listenHost)) throw new InsecureBindError(listenHost);
  const path = options.generatedKeysPath ?? 'solvent.keys.json';
  const warn = options.warn ?? ((text: string) => process.stderr.write(text));
  if (existsSync(path)) {
    const keys = parseKeys(JSON.parse(readFileSync(path, 'utf8')) as unknown);
    warn(`warning: no --keys given: using the keys in ${path} (loopback only)\n`);
    return { keys, path };
  }
  const keys = generateKeys();
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  warn(
    `warning: no --keys given: generated operator, oracle, keeper and reader keys into ${path} (loopback only)\n`,
  );
  return { keys, path };
}

/**
 * Opens the journal, replays it, applies `init` when it is empty, listens, and starts the feeds.
 * @throws InsecureBindError without keys on a non-loopback host; the journal's errors (locked,
 *   schema, protocol mismatch, corrupt, hash mismatch); InitScriptRefusedError; listen errors.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  const { keys, path: generatedKeysPath } = resolveKeys(options, listenHost);
  const metrics = new Metrics();
  const journal = await openJournal(options.journal, options.entry.model.id);
  let host: EngineHost;
  try {
    host = await EngineHost.open({
      entry: options.entry,
      journal,
      metrics,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.hashEvery === undefined ? {} : { hashEvery: options.hashEvery }),
      ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
    });
    if (options.init !== undefined) await host.bootstrap(options.init, 'init');
  } catch (error) {
    await journal.close();
    throw error;
  }
  const feeds: RunningFeed[] = [];
  const { app } = await buildServer({
    host,
    keys: new KeyRing(keys),
    metrics,
    logger: options.logLevel === false ? false : { level: options.logLevel ?? 'info' },
    feeds: () => feeds.map((f) => f.status()),
    version: options.version,
    dashboard: options.dashboard ?? true,
  });
  try {
    await app.listen({ host: listenHost, port: options.port ?? 8080 });
  } catch (error) {
    await app.close();
    await host.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  app.log.info(
    { protocol: options.entry.model.id, journal: journal.info.location, replay: host.replayReport },
    'engine service started',
  );
  for (const spec of options.feeds ?? []) {
    feeds.push(startFeed({ host, spec, speed: options.feedSpeed ?? 1, logger: app.log }));
  }
  const urlHost = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  let closing: Promise<void> | undefined;
  return {
    app,
    host,
    url: `http://${urlHost}:${port}`,
    port,
    keys,
    ...(generatedKeysPath === undefined ? {} : { generatedKeysPath }),
    feeds,
    close: () => {
      closing ??= (async () => {
        for (const feed of feeds) feed.stop();
        await app.close();
        await host.close();
      })();
      return closing;
    },
  };
}
