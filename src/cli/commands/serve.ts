/**
 * `solvent serve`: runs a protocol model as a live engine over HTTP and WebSocket, with every
 * accepted command journaled (SQLite by default, or PostgreSQL) before it is acknowledged. This
 * file reads the flags and files; src/service does the rest.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { resolveProtocol } from '../../protocols/catalog.js';
import { parseKeys } from '../../service/auth.js';
import { type FeedSpec, parseFeed } from '../../service/feed.js';
import { DEFAULT_HASH_EVERY, replayStateHash } from '../../service/host.js';
import { type JournalTarget, openJournal, startService } from '../../service/service.js';
import { type CommandContext, EXIT_ERROR, EXIT_OK } from '../context.js';
import { readJsonFile, readPackageVersion, readStructuredFile } from '../files.js';
import { isStructuredFileName } from '../stress-inputs.js';

interface ServeFlags {
  readonly protocol?: string;
  readonly db: string;
  readonly pg?: string;
  readonly pgSchema?: string;
  readonly port: string;
  readonly host: string;
  readonly keys?: string;
  readonly init?: string;
  readonly feed: string[];
  readonly feedSpeed: string;
  readonly feedSource: string;
  readonly hashEvery: string;
  readonly logLevel: string;
  readonly replayOnly?: true;
}

const HELP_AFTER = `
Journal: --db FILE (SQLite, WAL, fsync per commit; created if missing) or --pg postgres://... (tables in
--pg-schema, default solvent). A command is acknowledged only once it is durable; on start the journal is
replayed and checked against its last stored state hash (a checkpoint at most every --hash-every
records, spaced further apart when hashing a large state would take more than 2 % of the time).
Keys (--keys keys.json): [{"key": "<at least 16 chars>", "role": "operator|oracle|keeper|user|reader",
"accounts": ["alice"], "name": "alice"}]; send "Authorization: Bearer <key>". Without --keys the server
only listens on loopback and writes generated keys to <db>.keys.json (or solvent.keys.json with --pg).
--init FILE: a script ({"commands": [{"type": ...}]} as for solvent run, "at" ignored) applied all or
nothing when the journal is empty. --feed ETH=eth.csv replays timestamp,price rows as publishPrice from
source --feed-source, at --feed-speed CSV seconds per second.
Routes: GET /openapi.json; the dashboard at /. The first line on stdout is "listening on <url>", the second
"dashboard: <url>/#key=<reader key>" (the key only when it was generated).`;

function readWhole(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(flag, `expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

async function readProtocol(value: string | undefined) {
  if (value === undefined) {
    throw new InvalidParameterError(
      '--protocol',
      'is required',
      'Name a model (solvent protocols lists them) or a composed configuration file.',
    );
  }
  return resolveProtocol(isStructuredFileName(value) ? await readStructuredFile(value) : value);
}

/** The commands of an init script: `{commands: [...]}` or a bare array; `at` fields are dropped. */
async function readInit(path: string): Promise<unknown[]> {
  const raw = await readStructuredFile(path);
  const list = Array.isArray(raw) ? raw : (raw as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(list)) {
    throw new InvalidParameterError(
      '--init',
      `${path} holds no commands array`,
      'Write {"commands": [...]}.',
    );
  }
  return list.map((command) => {
    if (command === null || typeof command !== 'object' || Array.isArray(command)) return command;
    const { at: _at, ...rest } = command as Record<string, unknown>;
    return rest;
  });
}

async function readFeeds(specs: readonly string[], source: string): Promise<FeedSpec[]> {
  const feeds: FeedSpec[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const path = eq < 0 ? '' : spec.slice(eq + 1);
    if (path === '') throw new InvalidParameterError('--feed', `expected ASSET=file.csv, got "${spec}"`);
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      throw new InvalidParameterError('--feed', `cannot read ${path}: ${(error as Error).message}`);
    });
    feeds.push(parseFeed(spec, text, source));
  }
  return feeds;
}

/** Registers `serve` on the program. */
export function registerServe(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description('run a protocol as a live engine: HTTP/WebSocket API, journal, roles, price feeds, metrics')
    .option('--protocol <model|config>', 'model id or composed protocol file (.json/.yaml)')
    .option('--db <file>', 'SQLite journal file', 'solvent.sqlite')
    .option('--pg <url>', 'PostgreSQL journal instead of SQLite: postgres://user:pass@host:port/db')
    .option('--pg-schema <name>', 'PostgreSQL schema of the journal tables (default solvent)')
    .option('--port <N>', 'TCP port (0 = any free port)', '8080')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--keys <file>', 'API keys file (JSON)')
    .option('--init <script>', 'commands applied when the journal is empty')
    .option(
      '--feed <ASSET=file.csv>',
      'replay a price CSV as publishPrice (repeatable)',
      (v, acc: string[]) => [...acc, v],
      [],
    )
    .option('--feed-speed <X>', 'CSV seconds per wall-clock second', '1')
    .option('--feed-source <id>', 'oracle source id of the feeds', 'feed')
    .option(
      '--hash-every <N>',
      'checkpoint the state hash at most once per N journal records',
      String(DEFAULT_HASH_EVERY),
    )
    .option('--log-level <level>', 'fatal|error|warn|info|debug|silent', 'info')
    .option('--replay-only', 'replay the journal, print {commandSeq, eventSeq, stateHash} as JSON and exit')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: ServeFlags) => {
      const entry = await readProtocol(flags.protocol);
      const port = readWhole(flags.port, '--port', 0, 65_535);
      const hashEvery = readWhole(flags.hashEvery, '--hash-every', 1, Number.MAX_SAFE_INTEGER);
      const feedSpeed = Number(flags.feedSpeed);
      if (!Number.isFinite(feedSpeed) || feedSpeed <= 0) {
        throw new InvalidParameterError('--feed-speed', `must be a number > 0, got "${flags.feedSpeed}"`);
      }
      const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
      if (!levels.includes(flags.logLevel)) {
        throw new InvalidParameterError('--log-level', `must be one of ${levels.join(', ')}`);
      }
      const journal: JournalTarget =
        flags.pg === undefined
          ? { kind: 'sqlite', path: flags.db }
          : {
              kind: 'postgres',
              url: flags.pg,
              ...(flags.pgSchema === undefined ? {} : { schema: flags.pgSchema }),
            };
      if (flags.replayOnly === true) {
        const opened = await openJournal(journal, entry.model.id);
        try {
          context.stdout(`${JSON.stringify(await replayStateHash(entry, opened))}\n`);
        } finally {
          await opened.close();
        }
        context.setExitCode(EXIT_OK);
        return;
      }
      const keys = flags.keys === undefined ? undefined : parseKeys(await readJsonFile(flags.keys));
      const init = flags.init === undefined ? undefined : await readInit(flags.init);
      const feeds = await readFeeds(flags.feed, flags.feedSource);
      let stop: ((code: number) => void) | undefined;
      const stopped = new Promise<number>((resolve) => {
        stop = resolve;
      });
      const service = await startService({
        entry,
        journal,
        listenHost: flags.host,
        port,
        ...(keys === undefined ? {} : { keys }),
        generatedKeysPath: flags.pg === undefined ? `${flags.db}.keys.json` : 'solvent.keys.json',
        ...(init === undefined ? {} : { init }),
        feeds,
        feedSpeed,
        hashEvery,
        logLevel: flags.logLevel === 'silent' ? false : flags.logLevel,
        version: readPackageVersion(),
        warn: context.stderr,
        onFatal: (error) => {
          context.stderr(`error: ${error.shortMessage}\n${error.metaMessages.join('\n')}\n`);
          stop?.(EXIT_ERROR);
        },
      });
      // Handlers first: whoever reads the listening line may stop the server at once.
      const onSignal = (): void => stop?.(EXIT_OK);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      context.stdout(
        `listening on ${service.url} (protocol ${entry.model.id}, journal ${service.host.journal.info.location}, ` +
          `${service.host.replayReport.records} commands replayed in ${Math.round(service.host.replayReport.milliseconds)} ms)\n`,
      );
      // The dashboard link carries a key only when the keys were generated here on loopback (a
      // keys file given with --keys stays out of the logs): a reader key, else an operator key.
      const generated = service.generatedKeysPath === undefined ? [] : service.keys;
      const linkKey = (
        generated.find((k) => k.role === 'reader') ?? generated.find((k) => k.role === 'operator')
      )?.key;
      context.stdout(
        `dashboard: ${service.url}/${linkKey === undefined ? '' : `#key=${encodeURIComponent(linkKey)}`}\n`,
      );
      const code = await stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await service.close();
      context.setExitCode(code);
    });
}
