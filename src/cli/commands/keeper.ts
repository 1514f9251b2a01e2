/**
 * `solvent keeper`: runs one of the stress lab's keeper policies against a live `solvent serve`.
 * A dry run (the default) logs what it would send; `--arm` sends, re-validating each action on a
 * fresh view first. This file reads the flags; src/service/keeperBot.ts is the bot.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { presetPolicyFor } from '../../keepers/presets.js';
import { parseDecimal } from '../../math/decimal.js';
import { SolventError } from '../../math/errors.js';
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_MAX_PRICE_AGE_SECONDS,
  DEFAULT_MAX_SEND_ATTEMPTS,
  defaultPresetFor,
  KeeperBot,
  type KeeperLogEntry,
} from '../../service/keeperBot.js';
import { startKeeperMetricsServer } from '../../service/keeperBotMetrics.js';
import type { StressKeeperSpec } from '../../sim/stress/types.js';
import { type CommandContext, EXIT_OK } from '../context.js';
import { PathNotFoundError, PathReadError } from '../errors.js';
import { parseKeepersShorthand } from '../stress-inputs.js';

interface KeeperFlags {
  readonly server?: string;
  readonly key?: string;
  readonly keyFile?: string;
  readonly keeper?: string;
  readonly policy?: string;
  readonly arm?: true;
  readonly perpMarket?: string;
  readonly intervalMs: string;
  readonly maxPriceAgeSeconds: string;
  readonly gasPriceGwei: string;
  readonly ethPriceUsd?: string;
  readonly price?: string[];
  readonly slippageBps: string;
  readonly backoffBaseMs: string;
  readonly backoffMaxMs: string;
  readonly maxSendAttempts: string;
  readonly metricsPort?: string;
  readonly metricsHost: string;
  readonly once?: true;
  readonly seed: string;
  readonly logLevel: string;
}

const HELP_AFTER = `
Each tick reads GET /v1/status, /v1/prices and /v1/keeper-view from --server and runs the policy
(a preset of the stress lab, in the --keepers shorthand: gasCapped:cap=100, gasAware:eps=10, flash,
capitalLimited:capital=50000, zeroBid, aaveLiquidator:eps=5, cometAbsorber, cometBuyer:eps=10,
liquidator:eps=0:cap=150, arbitrageur). Without --policy: the lab's gas-capped keeper of the
server's model (cap 100 gwei, eps 0). The keeper's id is --keeper (its wallet is wallet:<id>).
Prices: if any oracle price is flagged stale, refused, or its oldest fresh source published more
than --max-price-age-seconds before the server's time, the tick does nothing (logged, counted).
The policy values collateral at the server's spot prices unless --price ASSET=USD says otherwise.
Dry run (default): every action is logged as a JSON line {"msg":"would send", command, reason,
expectedProfitUsd, gasUnits} on stderr; nothing is sent. --arm: before each send the bot reads a
fresh view and decides again; it sends the fresh action of the same type and target (accounts,
auction, assets), or drops it; commands go to POST /v1/commands with an Idempotency-Key derived
from (keeper, command, event seq). A send whose outcome is unknown (network error, 5xx, 429) is
resent as is, same key, at the next tick (up to --max-send-attempts): the server applies it once. Failures back off exponentially from --backoff-base-ms to
--backoff-max-ms (up to 20 % jitter, seeded by --seed); a good tick resets the backoff.
--metrics-port P serves Prometheus text on http://<metrics-host>:P/metrics and JSON on /health
(0 = any free port; the URL is printed on stdout). --once runs one tick and prints a JSON summary
on stdout. Ctrl-C or SIGTERM: the request in flight ends, nothing more is sent, the summary is
printed on stdout and the exit code is 0.
The key needs role keeper (with --keeper among its accounts) or operator to send.`;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** A whole-number flag in [min, max]. @throws InvalidParameterError naming the flag otherwise. */
function readWhole(value: string, flag: string, min: number, max: number): number {
  if (
    !/^\d+$/.test(value) ||
    !Number.isSafeInteger(Number(value)) ||
    Number(value) < min ||
    Number(value) > max
  ) {
    throw new InvalidParameterError(
      flag,
      `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** A decimal flag ≥ 0 (no exponent). @throws InvalidParameterError naming the flag otherwise. */
function readNumber(value: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(Number(value))) {
    throw new InvalidParameterError(flag, `expected a number ≥ 0 such as 12.5, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** A USD decimal as WAD. @throws InvalidParameterError naming the flag. */
function readUsdWad(value: string, flag: string): bigint {
  try {
    return parseDecimal(value, 18);
  } catch (error) {
    if (error instanceof SolventError) {
      throw new InvalidParameterError(
        flag,
        `expected a USD price such as 1850.25, got ${JSON.stringify(value)}`,
      );
    }
    throw error;
  }
}

/** `--server`: an http(s) URL. @throws InvalidParameterError (`--server`). */
function readServer(value: string | undefined): string {
  if (value === undefined) {
    throw new InvalidParameterError(
      '--server',
      'is required',
      'Give the URL `solvent serve` prints, e.g. http://127.0.0.1:8080.',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidParameterError(
      '--server',
      `is not a URL: ${JSON.stringify(value)}`,
      'For example http://127.0.0.1:8080.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidParameterError(
      '--server',
      `must be an http:// or https:// URL, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The API key from `--key` or the first line of `--key-file`. */
async function readKey(flags: KeeperFlags): Promise<string> {
  if (flags.key !== undefined && flags.keyFile !== undefined) {
    throw new InvalidParameterError('--key', 'give --key or --key-file, not both');
  }
  if (flags.key !== undefined) {
    if (flags.key.trim() === '') throw new InvalidParameterError('--key', 'is empty');
    return flags.key.trim();
  }
  if (flags.keyFile === undefined) {
    throw new InvalidParameterError(
      '--key',
      'is required',
      'Pass --key <api key> or --key-file <file holding it>.',
    );
  }
  const path = flags.keyFile;
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PathNotFoundError(path);
    throw new PathReadError(path, error instanceof Error ? error.message : String(error), error);
  });
  const key = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (key === '') throw new InvalidParameterError('--key-file', `${path} holds no key on its first line`);
  return key;
}

/** Keeper ids as the lab writes them: 1–64 characters [A-Za-z0-9._-], from a letter or digit. */
const KEEPER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Fields of a lab keeper spec that only the simulation reads. */
const LAB_ONLY_FIELDS = ['walletDai', 'walletUsdc', 'walletUsd', 'latencySteps', 'priorityFeeShare'];

/**
 * `--policy`: one preset in the `--keepers` shorthand, its id set to `keeperId`.
 * @throws InvalidParameterError (`--policy...`) for a list, an id setting, a lab-only setting or
 *   any shorthand error.
 */
export function readPolicy(text: string, keeperId: string): StressKeeperSpec {
  const hint = 'Write one preset with its settings, e.g. gasAware:eps=10 or aaveLiquidator:eps=5:cap=150.';
  if (/(^|:)\s*id\s*=/.test(text)) {
    throw new InvalidParameterError('--policy', 'sets an id', 'The keeper id is --keeper.');
  }
  let specs: StressKeeperSpec[];
  try {
    specs = parseKeepersShorthand(text);
  } catch (error) {
    if (error instanceof InvalidParameterError) {
      const field = error.field.replace(/^--keepers(\[\d+\])?/, '--policy');
      throw new InvalidParameterError(field, error.details.reason ?? error.shortMessage, hint);
    }
    throw error;
  }
  if (specs.length !== 1) {
    throw new InvalidParameterError('--policy', `names ${specs.length} keepers, not one`, hint);
  }
  const spec = specs[0] as StressKeeperSpec;
  for (const field of LAB_ONLY_FIELDS) {
    if (Object.hasOwn(spec, field)) {
      throw new InvalidParameterError(
        `--policy.${field}`,
        'only applies to the stress lab',
        'A live keeper pays from the wallet the server holds for it.',
      );
    }
  }
  return { ...spec, id: keeperId };
}

/** `--price ASSET=USD` flags as WAD prices by asset. @throws InvalidParameterError (`--price`). */
function readPrices(values: readonly string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const asset = eq < 0 ? '' : value.slice(0, eq).trim();
    if (asset === '')
      throw new InvalidParameterError('--price', `expected ASSET=USD, got ${JSON.stringify(value)}`);
    if (Object.hasOwn(out, asset)) throw new InvalidParameterError('--price', `${asset} is given twice`);
    out[asset] = readUsdWad(value.slice(eq + 1).trim(), '--price');
  }
  return out;
}

/** Registers `keeper` on the program. */
export function registerKeeper(program: Command, context: CommandContext): void {
  program
    .command('keeper')
    .description('run a lab keeper policy against a live server: dry run unless --arm, metrics, backoff')
    .option('--server <url>', 'the server, as `solvent serve` prints it (http://127.0.0.1:8080)')
    .option('--key <api key>', 'API key (role keeper with --keeper among its accounts, or operator)')
    .option('--key-file <file>', 'file whose first line is the API key')
    .option('--keeper <id>', 'the keeper’s actor id (commands name it; it pays from wallet:<id>)')
    .option('--policy <preset>', 'a lab preset in the --keepers shorthand, e.g. gasAware:eps=10')
    .option('--arm', 'send commands (default: dry run, log what would be sent)')
    .option('--perp-market <market>', 'perps servers: the market to act on (default: every market)')
    .option('--interval-ms <N>', 'pause between ticks, ms', String(DEFAULT_INTERVAL_MS))
    .option(
      '--max-price-age-seconds <S>',
      'refuse to act when a price is older than this',
      String(DEFAULT_MAX_PRICE_AGE_SECONDS),
    )
    .option('--gas-price-gwei <G>', 'gas price the keeper pays, gwei', '0')
    .option('--eth-price-usd <P>', 'ETH price for gas, USD (default: the server’s ETH/WETH spot)')
    .option(
      '--price <ASSET=USD>',
      'market price of an asset, USD (repeatable; default the server’s spot)',
      (v, acc: string[] | undefined) => [...(acc ?? []), v],
    )
    .option('--slippage-bps <N>', 'price impact of selling collateral, bps', '0')
    .option('--backoff-base-ms <N>', 'first delay after a failure, ms', String(DEFAULT_BACKOFF_BASE_MS))
    .option('--backoff-max-ms <N>', 'largest delay after failures, ms', String(DEFAULT_BACKOFF_MAX_MS))
    .option(
      '--max-send-attempts <N>',
      'attempts of a send whose outcome is unknown (same Idempotency-Key)',
      String(DEFAULT_MAX_SEND_ATTEMPTS),
    )
    .option('--metrics-port <P>', 'serve Prometheus metrics and /health on this port (0 = any free port)')
    .option('--metrics-host <address>', 'interface of the metrics endpoint', '127.0.0.1')
    .option('--once', 'run one tick, print a JSON summary and exit')
    .option('--seed <S>', 'seed of the backoff jitter', '0')
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (JSON lines on stderr)`, 'info')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: KeeperFlags) => {
      const serverUrl = readServer(flags.server);
      if (flags.keeper === undefined) {
        throw new InvalidParameterError(
          '--keeper',
          'is required',
          'The actor id the key may act for, e.g. liquidator.',
        );
      }
      if (!KEEPER_ID.test(flags.keeper)) {
        throw new InvalidParameterError(
          '--keeper',
          `expected 1–64 characters [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(flags.keeper)}`,
        );
      }
      const keeperId = flags.keeper;
      const spec = flags.policy === undefined ? undefined : readPolicy(flags.policy, keeperId);
      const intervalMs = readWhole(flags.intervalMs, '--interval-ms', 0, 86_400_000);
      const maxPriceAgeSeconds = readWhole(
        flags.maxPriceAgeSeconds,
        '--max-price-age-seconds',
        0,
        10 * 365 * 86_400,
      );
      const gasPriceGwei = readNumber(flags.gasPriceGwei, '--gas-price-gwei');
      const ethPriceUsd =
        flags.ethPriceUsd === undefined ? undefined : readNumber(flags.ethPriceUsd, '--eth-price-usd');
      const pricesUsdWad = readPrices(flags.price ?? []);
      const slippageBps = BigInt(readWhole(flags.slippageBps, '--slippage-bps', 0, 10_000));
      const backoffBaseMs = readWhole(flags.backoffBaseMs, '--backoff-base-ms', 1, 86_400_000);
      const backoffMaxMs = readWhole(flags.backoffMaxMs, '--backoff-max-ms', 1, 86_400_000);
      if (backoffMaxMs < backoffBaseMs) {
        throw new InvalidParameterError('--backoff-max-ms', `must be ≥ --backoff-base-ms (${backoffBaseMs})`);
      }
      const maxSendAttempts = readWhole(flags.maxSendAttempts, '--max-send-attempts', 1, 1_000);
      const metricsPort =
        flags.metricsPort === undefined
          ? undefined
          : readWhole(flags.metricsPort, '--metrics-port', 0, 65_535);
      const seed = readWhole(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      if (!(LOG_LEVELS as readonly string[]).includes(flags.logLevel)) {
        throw new InvalidParameterError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}`);
      }
      const minLevel = LOG_LEVELS.indexOf(flags.logLevel as (typeof LOG_LEVELS)[number]);
      const apiKey = await readKey(flags);

      const bot = new KeeperBot({
        serverUrl,
        apiKey,
        keeperId,
        policy: (family) => presetPolicyFor(family, spec ?? defaultPresetFor(family, keeperId), '--policy'),
        armed: flags.arm === true,
        ...(flags.perpMarket === undefined ? {} : { perpMarket: flags.perpMarket }),
        intervalMs,
        maxPriceAgeSeconds,
        market: {
          gasPriceGwei,
          ...(ethPriceUsd === undefined ? {} : { ethPriceUsd }),
          pricesUsdWad,
          slippageBps,
        },
        backoff: { baseMs: backoffBaseMs, maxMs: backoffMaxMs, seed },
        maxSendAttempts,
        log: (entry: KeeperLogEntry) => {
          if (LOG_LEVELS.indexOf(entry.level) >= minLevel) context.stderr(`${JSON.stringify(entry)}\n`);
        },
      });
      await bot.connect();
      const metrics =
        metricsPort === undefined
          ? undefined
          : await startKeeperMetricsServer({
              metrics: bot.metrics,
              port: metricsPort,
              host: flags.metricsHost,
              health: () => bot.health(),
            });
      if (metrics !== undefined) context.stdout(`metrics on ${metrics.url}/metrics\n`);
      try {
        if (flags.once === true) {
          await bot.tick();
        } else {
          const controller = new AbortController();
          const onSignal = (): void => controller.abort();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          try {
            await bot.run(controller.signal);
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        }
        context.stdout(`${JSON.stringify(bot.summary(), null, 2)}\n`);
      } finally {
        await metrics?.close();
      }
      context.setExitCode(EXIT_OK);
    });
}
