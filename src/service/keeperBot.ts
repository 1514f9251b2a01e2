/**
 * The keeper bot as a library (`solvent keeper` is this plus flags): a loop of ticks against a
 * live server that runs the stress lab's own keeper policies on the server's keeper view. It never
 * acts on stale prices, only logs in a dry run, re-validates every action on a fresh view before
 * sending it when armed, sends with a deterministic Idempotency-Key so a retry is applied once, and
 * backs off exponentially (seeded jitter) on failures. Clock, sleep and fetch are passed in.
 */
import { createHash } from 'node:crypto';
import { InvalidParameterError } from '../engine/errors.js';
import type { Command } from '../engine/machine.js';
import {
  type FamilyPolicy,
  isKeeperFamily,
  type KeeperFamily,
  type KeeperPresetSpec,
  presetPolicyFor,
} from '../keepers/presets.js';
import { type KeeperAction, type MarketContext, validateMarket } from '../keepers/types.js';
import { SolventError } from '../math/errors.js';
import { divRound, Rounding } from '../math/mulDiv.js';
import { BPS, pow10 } from '../math/units.js';
import { createRng, type Rng, uniform } from '../sim/rng.js';
import { DEFAULT_GAS_CAP_GWEI } from '../sim/stress/types.js';
import { canonicalCommandText, fromTagged, toWire } from './json.js';
import { KeeperBotMetrics, type KeeperFailureKind } from './keeperBotMetrics.js';

// ---------------------------------------------------------------------------------------------
// Errors

/** The server cannot be reached at all (connection refused, DNS, timeout). */
export class KeeperServerUnreachableError extends SolventError {
  override name = 'KeeperServerUnreachableError';
  constructor(url: string, reason: string, cause?: unknown) {
    super('KeeperServerUnreachable', `Cannot reach the solvent server at ${url}: ${reason}.`, {
      metaMessages: ['Check --server (scheme, host and port) and that `solvent serve` runs there.'],
      details: { url, reason },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** The server answered the bot's start-up requests with an error (bad key, no keeper view, ...). */
export class KeeperServerRefusedError extends SolventError {
  override name = 'KeeperServerRefusedError';
  constructor(url: string, status: number, code: string, message: string) {
    const hint =
      status === 401
        ? 'Check --key / --key-file: it must be one of the server’s API keys.'
        : status === 404
          ? 'Is --server a solvent server? `solvent serve` prints the URL it listens on.'
          : status === 400
            ? 'This protocol has no keeper view over HTTP (perps): the bot cannot run on it.'
            : 'GET /openapi.json on the server describes every route.';
    super('KeeperServerRefused', `The server at ${url} answered ${status} ${code}: ${message}`, {
      metaMessages: [hint],
      details: { url, status: String(status), code },
    });
  }
}

/** The server sent a body the bot cannot read (another program, or an incompatible version). */
export class KeeperServerResponseError extends SolventError {
  override name = 'KeeperServerResponseError';
  constructor(url: string, what: string, reason: string) {
    super('KeeperServerResponse', `The server at ${url} sent an unreadable ${what}: ${reason}.`, {
      metaMessages: ['Run the keeper with the same solvent version as the server.'],
      details: { url, what, reason },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Backoff

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** Delay after the first failure, ms (> 0). */
  readonly baseMs: number;
  /** Largest delay, ms (≥ baseMs). */
  readonly maxMs: number;
  /** Share of each delay taken off at random, 0–1 (default {@link DEFAULT_BACKOFF_JITTER}). */
  readonly jitterRatio?: number;
  /** Seed of the jitter's PRNG (src/sim/rng.ts), an integer in [0, 2^64) (default 0). */
  readonly seed?: number | bigint;
}

/** Default share of jitter: up to 20 % of a delay is taken off. */
export const DEFAULT_BACKOFF_JITTER = 0.2;

/**
 * Exponential backoff with a cap and seeded jitter: after the n-th consecutive failure the delay
 * is `min(maxMs, baseMs·2^(n−1)) · (1 − jitterRatio·u)`, u uniform in [0, 1) from a seeded
 * xoroshiro128+ (the same seed gives the same delays), rounded to whole ms. A success resets n.
 */
export class Backoff {
  private failuresInARow = 0;
  private rng: Rng;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly jitterRatio: number;

  /** @throws InvalidParameterError naming `baseMs`, `maxMs`, `jitterRatio` or `seed`. */
  constructor(options: BackoffOptions) {
    if (!Number.isFinite(options.baseMs) || options.baseMs <= 0) {
      throw new InvalidParameterError('baseMs', `must be a number of ms > 0, got ${options.baseMs}`);
    }
    if (!Number.isFinite(options.maxMs) || options.maxMs < options.baseMs) {
      throw new InvalidParameterError('maxMs', `must be ≥ baseMs (${options.baseMs}), got ${options.maxMs}`);
    }
    const jitter = options.jitterRatio ?? DEFAULT_BACKOFF_JITTER;
    if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) {
      throw new InvalidParameterError('jitterRatio', `must be between 0 and 1, got ${jitter}`);
    }
    this.baseMs = options.baseMs;
    this.maxMs = options.maxMs;
    this.jitterRatio = jitter;
    this.rng = createRng(options.seed ?? 0);
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.failuresInARow;
  }

  /** Records one more failure and returns the delay to wait before the next attempt, ms. */
  next(): number {
    this.failuresInARow += 1;
    // 2^60 ms is far past any cap: the exponent stops there so the float never overflows.
    const capped = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failuresInARow - 1, 60));
    const drawn = uniform(this.rng);
    this.rng = drawn.rng;
    // Whole ms: a timer resolution, not an amount.
    return Math.round(capped * (1 - this.jitterRatio * drawn.value));
  }

  /** Records a success: the next failure waits `baseMs` again. */
  reset(): void {
    this.failuresInARow = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: staleness, market, equivalence, idempotency

/** A price refusal as the server writes it in place of a value. */
interface WireRefusal {
  readonly code: string;
  readonly message: string;
}

/** One asset of `GET /v1/prices` (the fields the bot reads). */
export interface PriceWire {
  readonly asset: string;
  readonly priceDecimals: number;
  /** Median of the fresh sources (decimal string), or why there is none. */
  readonly spot: string | WireRefusal;
  /** What the protocol reads (OSM-delayed when configured), or why there is none. */
  readonly used: string | WireRefusal;
  readonly stale: boolean;
  readonly sources: readonly {
    readonly source: string;
    readonly price: string;
    readonly atSeconds: number;
    readonly fresh: boolean;
  }[];
}

/** `GET /v1/prices` (the fields the bot reads). */
export interface PricesWire {
  readonly nowSeconds: number;
  readonly assets: readonly PriceWire[];
}

/** Why a price keeps the bot from acting. */
export interface StalePrice {
  readonly asset: string;
  /**
   * `stale`: the oracle flags it stale; `refused`: the oracle refuses to give the price the protocol
   * uses (`code` says why); `old`: its oldest fresh source is older than the bot's limit.
   */
  readonly reason: 'stale' | 'refused' | 'old';
  /** Seconds since the oldest publication the median uses (`old`, and when known). */
  readonly ageSeconds?: number;
  readonly code?: string;
}

/**
 * The prices that keep the bot from acting: every oracle asset the server lists (the prices the
 * protocol uses) that is flagged stale, whose used or spot price the oracle refuses, or whose
 * oldest fresh source published more than `maxPriceAgeSeconds` before the server's `nowSeconds`
 * (every publication the median reads must be recent, not just the latest one). Empty: act.
 * @param maxPriceAgeSeconds the bot's limit, seconds (≥ 0). Never throws.
 */
export function stalePrices(prices: PricesWire, maxPriceAgeSeconds: number): StalePrice[] {
  const out: StalePrice[] = [];
  for (const a of prices.assets) {
    const fresh = a.sources.filter((s) => s.fresh);
    const oldest = fresh.length === 0 ? undefined : Math.min(...fresh.map((s) => s.atSeconds));
    const age = oldest === undefined ? undefined : prices.nowSeconds - oldest;
    const withAge = age === undefined ? {} : { ageSeconds: age };
    if (a.stale || fresh.length === 0) {
      out.push({ asset: a.asset, reason: 'stale', ...withAge });
      continue;
    }
    const refusal = typeof a.used === 'string' ? (typeof a.spot === 'string' ? undefined : a.spot) : a.used;
    if (refusal !== undefined) {
      out.push({ asset: a.asset, reason: 'refused', code: refusal.code, ...withAge });
      continue;
    }
    if (age !== undefined && age > maxPriceAgeSeconds)
      out.push({ asset: a.asset, reason: 'old', ageSeconds: age });
  }
  return out;
}

/** What the bot knows of the market beside the server (see {@link marketFor}). */
export interface KeeperBotMarket {
  /** Gas price it would pay, gwei (≥ 0). */
  readonly gasPriceGwei: number;
  /** ETH price for gas, USD; absent: the server's ETH (else WETH) spot price, else 0. */
  readonly ethPriceUsd?: number;
  /** Sell price of any asset priced nowhere else, USD per unit, WAD (default 0). */
  readonly collateralPriceUsdWad: bigint;
  /** Per-asset market prices, USD per unit, WAD; they win over the server's spot prices. */
  readonly pricesUsdWad: Readonly<Record<string, bigint>>;
  /** Price impact of selling collateral, bps (0–10,000). */
  readonly slippageBps: bigint;
}

/** An oracle price with `decimals` decimals as WAD (18). */
function priceToWad(price: bigint, decimals: number): bigint {
  if (decimals <= 18) return price * pow10(18 - decimals);
  // floor: the keeper never values an asset above what its oracle says.
  return divRound(price, pow10(decimals - 18), Rounding.Down);
}

/**
 * The market context the policy decides with: the server's spot price of every asset the oracle
 * prices (an ASSUMPTION: the keeper sells at the oracle's current median, with `slippageBps` of
 * impact), overridden by `market.pricesUsdWad`; gas from `market`; ETH from `market.ethPriceUsd`
 * or the server's ETH/WETH spot.
 * @param nowSeconds the view's time (the market must be at it).
 * @throws InvalidParameterError naming the field for a malformed market.
 */
export function marketFor(prices: PricesWire, nowSeconds: number, market: KeeperBotMarket): MarketContext {
  const spotWad: Record<string, bigint> = {};
  for (const a of prices.assets) {
    if (typeof a.spot === 'string') spotWad[a.asset] = priceToWad(BigInt(a.spot), a.priceDecimals);
  }
  const eth = spotWad.ETH ?? spotWad.WETH;
  const context: MarketContext = {
    nowSeconds,
    gasPriceGwei: market.gasPriceGwei,
    // A float screen for gas only (WAD → USD).
    ethPriceUsd: market.ethPriceUsd ?? (eth === undefined ? 0 : Number(eth) / 1e18),
    collateralPriceUsdWad: market.collateralPriceUsdWad,
    collateralPricesUsdWad: { ...spotWad, ...market.pricesUsdWad },
    slippageBps: market.slippageBps,
  };
  validateMarket(context);
  return context;
}

/**
 * Fields that say what a keeper command acts on and who sends it (accounts, auction, assets, swap
 * direction, actor). Amounts and price limits are not among them: a fresh view may size the same
 * action differently.
 */
export const TARGET_FIELDS: readonly string[] = [
  'account',
  'accounts',
  'violator',
  'ilk',
  'id',
  'collateralAsset',
  'debtAsset',
  'collateral',
  'asset',
  'i',
  'j',
  'trader',
  'keeper',
  'liquidator',
  'bidder',
  'buyer',
  'absorber',
  // perps: the market of a liquidation, GMX's position key
  'market',
  'position',
];

/**
 * Whether two commands are the same action for re-validation: same type and equal
 * {@link TARGET_FIELDS} (absent in both, or equal values). Never throws.
 */
export function sameTarget(a: Command, b: Command): boolean {
  if (a.type !== b.type) return false;
  return TARGET_FIELDS.every((f) => JSON.stringify(toWire(a[f])) === JSON.stringify(toWire(b[f])));
}

/**
 * The Idempotency-Key of a send: `keeper-` + SHA-256 of (keeper id, the event seq of the view it
 * was decided on, the command's canonical JSON). The same action on the same view always gets the
 * same key, so a retried send is applied at most once; an action decided again after the state
 * moved gets a new one.
 * @param eventSeq the server's event seq read just before the view (the view is at it or later).
 * @throws InvalidParameterError for a command JSON cannot carry.
 */
export function keeperIdempotencyKey(keeperId: string, command: Command, eventSeq: number): string {
  const text = `${keeperId}\u0000${eventSeq}\u0000${canonicalCommandText(command)}`;
  return `keeper-${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * The bot's default policy on a family when none is given: the lab's gas-capped keeper (cap
 * DEFAULT_GAS_CAP_GWEI, ε $0): `gasCapped` on Maker, `aaveLiquidator` on Aave, `cometAbsorber` on
 * Compound v3, `liquidator` elsewhere. Never throws.
 */
export function defaultPresetFor(family: KeeperFamily, keeperId: string): KeeperPresetSpec {
  const cap = DEFAULT_GAS_CAP_GWEI;
  switch (family) {
    case 'maker-liq2':
    case 'maker-liq1':
      return { preset: 'gasCapped', id: keeperId, maxGasPriceGwei: cap };
    case 'aave':
      return { preset: 'aaveLiquidator', id: keeperId, minProfitUsd: 0, maxGasPriceGwei: cap };
    case 'compound':
      return { preset: 'cometAbsorber', id: keeperId, maxGasPriceGwei: cap };
    default:
      return { preset: 'liquidator', id: keeperId, maxGasPriceGwei: cap };
  }
}

// ---------------------------------------------------------------------------------------------
// The bot

/** `fetch` as the bot calls it (the global one by default; tests wrap it). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Waits `ms`, resolving early when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A structured log line (the CLI writes it as JSON). */
export interface KeeperLogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly time: string;
  readonly keeper: string;
  readonly [field: string]: unknown;
}

/** Default pause between ticks, ms. */
export const DEFAULT_INTERVAL_MS = 5_000;
/** Default oldest price the bot acts on, seconds (a one-hour heartbeat, as Chainlink ETH/USD). */
export const DEFAULT_MAX_PRICE_AGE_SECONDS = 3_600;
/** Default first backoff delay, ms. */
export const DEFAULT_BACKOFF_BASE_MS = 1_000;
/** Default largest backoff delay, ms. */
export const DEFAULT_BACKOFF_MAX_MS = 60_000;
/** Default attempts of a send whose outcome is unknown (network error, 5xx, 429) before giving up. */
export const DEFAULT_MAX_SEND_ATTEMPTS = 5;
/** Default timeout of one HTTP request, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Options of {@link KeeperBot}. */
export interface KeeperBotOptions {
  /** Base URL of the server (`http://127.0.0.1:8080`). */
  readonly serverUrl: string;
  /** API key (role keeper or operator; a keeper key must list `keeperId` in its accounts). */
  readonly apiKey: string;
  /** The keeper's actor id: the commands name it and it pays from `wallet:<id>`. */
  readonly keeperId: string;
  /**
   * A preset (its `id` must be `keeperId`), or the policy for the server's family; default
   * {@link defaultPresetFor}.
   */
  readonly policy?: KeeperPresetSpec | ((family: KeeperFamily) => FamilyPolicy);
  /** Send commands (default false: a dry run that only logs what it would send). */
  readonly armed?: boolean;
  /** Pause between ticks, ms (default {@link DEFAULT_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** Oldest price the bot acts on, seconds (default {@link DEFAULT_MAX_PRICE_AGE_SECONDS}). */
  readonly maxPriceAgeSeconds?: number;
  /** The market beside the server (defaults: no gas, server prices, no slippage). */
  readonly market?: Partial<KeeperBotMarket>;
  /**
   * Perps servers: the perp market to act on (the keeper view's `market`); default every market
   * (see `KeeperViewOptions.perpMarket`).
   */
  readonly perpMarket?: string;
  /** Backoff (defaults {@link DEFAULT_BACKOFF_BASE_MS}, {@link DEFAULT_BACKOFF_MAX_MS}, jitter 0.2, seed 0). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Attempts of a send with an unknown outcome (default {@link DEFAULT_MAX_SEND_ATTEMPTS}). */
  readonly maxSendAttempts?: number;
  /** Timeout of each HTTP request, ms (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  readonly requestTimeoutMs?: number;
  readonly fetch?: FetchLike;
  readonly sleep?: Sleep;
  /** Wall clock, ms since the epoch (default Date.now): log times and the last-tick gauge. */
  readonly nowMs?: () => number;
  /** Where log lines go (default nowhere). */
  readonly log?: (entry: KeeperLogEntry) => void;
  readonly metrics?: KeeperBotMetrics;
}

/** An action as reports and logs show it (command in wire form: bigints as decimal strings). */
export interface ActionReport {
  readonly command: unknown;
  readonly reason: string;
  readonly expectedProfitUsd?: number;
  readonly gasUnits: string;
}

/** One send and what the server said. */
export interface SendReport {
  readonly command: unknown;
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** `accepted`, `refused` (409 or another 4xx: not applied), `unknown` (network, 5xx, 429). */
  readonly result: 'accepted' | 'refused' | 'unknown';
  readonly replayed?: boolean;
  readonly commandSeq?: number;
  /** Event types the command caused, in order. */
  readonly events?: readonly string[];
  readonly status?: number;
  readonly code?: string;
}

/** A failed request or send. */
export interface FailureReport {
  readonly kind: KeeperFailureKind;
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

/** What one tick did. */
export interface TickReport {
  /** 1-based. */
  readonly tick: number;
  readonly armed: boolean;
  /** `ok`: decided (and sent) without failure; `stale`: refused to act on prices; `failed`. */
  readonly outcome: 'ok' | 'stale' | 'failed';
  /** Server time and event seq of the last view read. */
  readonly nowSeconds?: number;
  readonly eventSeq?: number;
  readonly stale: readonly StalePrice[];
  readonly proposed: readonly ActionReport[];
  readonly sends: readonly SendReport[];
  /** Actions a fresh view no longer proposed. */
  readonly dropped: readonly ActionReport[];
  readonly failure?: FailureReport;
}

/** Totals since the bot started (also the `--once` summary). */
export interface KeeperBotSummary {
  readonly keeper: string;
  readonly server: string;
  readonly family?: KeeperFamily;
  readonly armed: boolean;
  readonly ticks: number;
  readonly proposed: number;
  readonly wouldSend: number;
  readonly sent: number;
  readonly accepted: number;
  readonly idempotentReplays: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly staleSkips: number;
  readonly revalidationDrops: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly abandoned: number;
  readonly backoffSecondsTotal: number;
  readonly lastTick?: TickReport;
}

type HttpResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly failure: FailureReport };

interface Snapshot {
  readonly eventSeq: number;
  readonly nowSeconds: number;
  readonly view: unknown;
  readonly prices: PricesWire;
}

type SnapshotResult =
  | { readonly kind: 'ok'; readonly snapshot: Snapshot }
  | { readonly kind: 'stale'; readonly stale: readonly StalePrice[]; readonly nowSeconds: number }
  | { readonly kind: 'failed'; readonly failure: FailureReport };

interface PendingSend {
  readonly body: Readonly<Record<string, unknown>>;
  readonly key: string;
  attempts: number;
}

/** Whether a failure leaves a send's outcome unknown (so it is retried with the same key). */
const unknownOutcome = (kind: KeeperFailureKind): boolean =>
  kind === 'network' || kind === 'server' || kind === 'rateLimited';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function actionReport(action: KeeperAction): ActionReport {
  return {
    command: toWire(action.command),
    reason: action.reason,
    ...(action.expectedProfitUsd === undefined ? {} : { expectedProfitUsd: action.expectedProfitUsd }),
    gasUnits: action.gasUnits.toString(),
  };
}

/** The default sleep: a timer, cleared when `signal` aborts. */
export const sleepMs: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

function requireAtLeastZero(value: number, field: string, whole: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (whole && !Number.isSafeInteger(value))) {
    throw new InvalidParameterError(
      field,
      `must be ${whole ? 'a whole number' : 'a number'} ≥ 0, got ${value}`,
    );
  }
  return value;
}

/**
 * A keeper bot against one server. `connect()` checks the server and learns the model family;
 * `tick()` runs one tick; `run(signal)` ticks until the signal aborts.
 */
export class KeeperBot {
  readonly metrics: KeeperBotMetrics;
  private readonly serverUrl: string;
  private readonly options: KeeperBotOptions;
  private readonly armed: boolean;
  private readonly intervalMs: number;
  private readonly maxPriceAgeSeconds: number;
  private readonly maxSendAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly market: KeeperBotMarket;
  private readonly backoff: Backoff;
  private readonly fetch: FetchLike;
  private readonly sleep: Sleep;
  private readonly nowMs: () => number;
  private familyPolicy: FamilyPolicy | undefined;
  private pending: PendingSend | undefined;
  private lastTick: TickReport | undefined;

  /** @throws InvalidParameterError naming the option for a malformed one. */
  constructor(options: KeeperBotOptions) {
    let url: URL;
    try {
      url = new URL(options.serverUrl);
    } catch {
      throw new InvalidParameterError('serverUrl', `is not a URL: ${JSON.stringify(options.serverUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidParameterError('serverUrl', `must be http:// or https://, got ${url.protocol}`);
    }
    if (options.apiKey === '') throw new InvalidParameterError('apiKey', 'must not be empty');
    if (options.keeperId === '') throw new InvalidParameterError('keeperId', 'must not be empty');
    const policy = options.policy;
    if (policy !== undefined && typeof policy !== 'function' && policy.id !== options.keeperId) {
      throw new InvalidParameterError('policy.id', `is ${policy.id}, the keeper is ${options.keeperId}`);
    }
    this.options = options;
    this.serverUrl = url.href.replace(/\/+$/, '');
    this.armed = options.armed === true;
    this.intervalMs = requireAtLeastZero(options.intervalMs ?? DEFAULT_INTERVAL_MS, 'intervalMs', false);
    this.maxPriceAgeSeconds = requireAtLeastZero(
      options.maxPriceAgeSeconds ?? DEFAULT_MAX_PRICE_AGE_SECONDS,
      'maxPriceAgeSeconds',
      false,
    );
    this.maxSendAttempts = requireAtLeastZero(
      options.maxSendAttempts ?? DEFAULT_MAX_SEND_ATTEMPTS,
      'maxSendAttempts',
      true,
    );
    if (this.maxSendAttempts < 1) throw new InvalidParameterError('maxSendAttempts', 'must be ≥ 1');
    this.requestTimeoutMs = requireAtLeastZero(
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      'requestTimeoutMs',
      false,
    );
    const m = options.market ?? {};
    this.market = {
      gasPriceGwei: requireAtLeastZero(m.gasPriceGwei ?? 0, 'market.gasPriceGwei', false),
      ...(m.ethPriceUsd === undefined
        ? {}
        : { ethPriceUsd: requireAtLeastZero(m.ethPriceUsd, 'market.ethPriceUsd', false) }),
      collateralPriceUsdWad: m.collateralPriceUsdWad ?? 0n,
      pricesUsdWad: m.pricesUsdWad ?? {},
      slippageBps: m.slippageBps ?? 0n,
    };
    if (this.market.slippageBps < 0n || this.market.slippageBps > BPS) {
      throw new InvalidParameterError('market.slippageBps', 'must be between 0 and 10000');
    }
    this.backoff = new Backoff({
      baseMs: options.backoff?.baseMs ?? DEFAULT_BACKOFF_BASE_MS,
      maxMs: options.backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS,
      ...(options.backoff?.jitterRatio === undefined ? {} : { jitterRatio: options.backoff.jitterRatio }),
      ...(options.backoff?.seed === undefined ? {} : { seed: options.backoff.seed }),
    });
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? sleepMs;
    this.nowMs = options.nowMs ?? Date.now;
    this.metrics = options.metrics ?? new KeeperBotMetrics();
    this.metrics.armed = this.armed ? 1 : 0;
  }

  /** The server's family, once connected. */
  get family(): KeeperFamily | undefined {
    return this.familyPolicy?.family;
  }

  /** Consecutive failures (what the next backoff grows from). */
  get consecutiveFailures(): number {
    return this.backoff.failures;
  }

  private log(
    level: KeeperLogEntry['level'],
    msg: string,
    fields: Readonly<Record<string, unknown>> = {},
  ): void {
    this.options.log?.({
      level,
      msg,
      time: new Date(this.nowMs()).toISOString(),
      keeper: this.options.keeperId,
      ...fields,
    });
  }

  /** One HTTP exchange, classified. Never throws (bugs in fetch aside). */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    extra: { readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> } = {},
  ): Promise<HttpResult> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.serverUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(extra.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extra.headers,
        },
        ...(extra.body === undefined ? {} : { body: JSON.stringify(extra.body) }),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const reason =
        typeof cause?.code === 'string'
          ? cause.code
          : error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error);
      return { ok: false, failure: { kind: 'network', code: 'Network', message: reason } };
    }
    let body: unknown;
    let json = true;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = false;
    }
    if (response.ok) {
      if (json) return { ok: true, status: response.status, body };
      return {
        ok: false,
        failure: {
          kind: 'malformed',
          code: 'Malformed',
          message: `${method} ${path}: the answer is not JSON`,
          status: response.status,
        },
      };
    }
    // An error answer is classified by its status even when a proxy wrote it (HTML, empty).
    const error = isRecord(body) && isRecord(body.error) ? body.error : {};
    const code = typeof error.code === 'string' ? error.code : `HTTP${response.status}`;
    const message =
      typeof error.message === 'string' ? error.message : `${method} ${path} answered ${response.status}`;
    const kind: KeeperFailureKind =
      response.status === 409
        ? 'refused'
        : response.status === 429
          ? 'rateLimited'
          : response.status >= 500
            ? 'server'
            : 'client';
    return { ok: false, failure: { kind, code, message, status: response.status } };
  }

  /**
   * Checks the server (reachable, the key reads, a keeper view exists) and resolves the policy for
   * its family. Called by `tick` and `run` when needed.
   * @throws KeeperServerUnreachableError naming the URL; KeeperServerRefusedError for an error
   *   answer (bad key, no keeper view); KeeperServerResponseError for an unknown family; the
   *   policy's InvalidParameterError (a preset of another family).
   */
  async connect(): Promise<KeeperFamily> {
    if (this.familyPolicy !== undefined) return this.familyPolicy.family;
    const id = encodeURIComponent(this.options.keeperId);
    const market =
      this.options.perpMarket === undefined ? '' : `&market=${encodeURIComponent(this.options.perpMarket)}`;
    const probe = await this.request('GET', `/v1/keeper-view?keepers=${id}${market}&bigint=tagged`);
    if (!probe.ok) {
      const f = probe.failure;
      if (f.kind === 'network') throw new KeeperServerUnreachableError(this.serverUrl, f.message);
      throw new KeeperServerRefusedError(this.serverUrl, f.status ?? 0, f.code, f.message);
    }
    const family = isRecord(probe.body) ? probe.body.family : undefined;
    if (!isKeeperFamily(family)) {
      throw new KeeperServerResponseError(
        this.serverUrl,
        'keeper view',
        `unknown family ${JSON.stringify(family)}`,
      );
    }
    const policy = this.options.policy;
    this.familyPolicy =
      typeof policy === 'function'
        ? policy(family)
        : presetPolicyFor(family, policy ?? defaultPresetFor(family, this.options.keeperId), 'policy');
    this.log('info', 'connected', { server: this.serverUrl, family, armed: this.armed });
    return family;
  }

  private fail(failure: FailureReport): FailureReport {
    this.metrics.failures.add(failure.kind);
    return failure;
  }

  /** Status then prices: the server's event seq and time, and whether its prices may be used. */
  private async readPrices(): Promise<
    | { readonly kind: 'ok'; readonly eventSeq: number; readonly prices: PricesWire }
    | { readonly kind: 'stale'; readonly stale: readonly StalePrice[]; readonly nowSeconds: number }
    | { readonly kind: 'failed'; readonly failure: FailureReport }
  > {
    const status = await this.request('GET', '/v1/status');
    if (!status.ok) return { kind: 'failed', failure: this.fail(status.failure) };
    const eventSeq = isRecord(status.body) ? status.body.eventSeq : undefined;
    if (typeof eventSeq !== 'number')
      return { kind: 'failed', failure: this.malformed('status', 'no eventSeq') };
    const response = await this.request('GET', '/v1/prices');
    if (!response.ok) return { kind: 'failed', failure: this.fail(response.failure) };
    const prices = readPrices(response.body);
    if (typeof prices === 'string') return { kind: 'failed', failure: this.malformed('prices', prices) };
    const stale = stalePrices(prices, this.maxPriceAgeSeconds);
    if (stale.length > 0) return { kind: 'stale', stale, nowSeconds: prices.nowSeconds };
    return { kind: 'ok', eventSeq, prices };
  }

  private malformed(what: string, reason: string): FailureReport {
    return this.fail({ kind: 'malformed', code: 'Malformed', message: `${what}: ${reason}` });
  }

  /** Status, prices (refusing stale ones), then the keeper view with the bot's market in it. */
  private async readSnapshot(): Promise<SnapshotResult> {
    const fp = this.familyPolicy as FamilyPolicy;
    const priced = await this.readPrices();
    if (priced.kind !== 'ok') return priced;
    const probeMarket = marketFor(priced.prices, priced.prices.nowSeconds, this.market);
    const query = new URLSearchParams({
      keepers: fp.wallets.join(','),
      ...(this.options.perpMarket === undefined ? {} : { market: this.options.perpMarket }),
      bigint: 'tagged',
      gasPriceGwei: String(probeMarket.gasPriceGwei),
      ethPriceUsd: String(probeMarket.ethPriceUsd),
      collateralPriceUsdWad: probeMarket.collateralPriceUsdWad.toString(),
      slippageBps: probeMarket.slippageBps.toString(),
    });
    const response = await this.request('GET', `/v1/keeper-view?${query}`);
    if (!response.ok) return { kind: 'failed', failure: this.fail(response.failure) };
    const body = fromTagged(response.body);
    if (!isRecord(body) || typeof body.nowSeconds !== 'number' || !isRecord(body.view)) {
      return {
        kind: 'failed',
        failure: this.malformed('keeper view', 'expected {nowSeconds, family, view}'),
      };
    }
    if (body.family !== fp.family) {
      return {
        kind: 'failed',
        failure: this.malformed('keeper view', `family ${String(body.family)}, not ${fp.family}`),
      };
    }
    // Every view builder only checks and embeds the market (src/keepers): the bot's own market,
    // with its per-asset prices, replaces the one the query could express.
    const market = marketFor(priced.prices, body.nowSeconds, this.market);
    return {
      kind: 'ok',
      snapshot: {
        eventSeq: priced.eventSeq,
        nowSeconds: body.nowSeconds,
        view: { ...body.view, market },
        prices: priced.prices,
      },
    };
  }

  private decide(
    view: unknown,
  ):
    | { readonly ok: true; readonly actions: readonly KeeperAction[] }
    | { readonly ok: false; readonly failure: FailureReport } {
    try {
      return { ok: true, actions: (this.familyPolicy as FamilyPolicy).policy.decide(view) };
    } catch (error) {
      if (error instanceof SolventError) {
        this.log('error', 'the policy refused the view', { code: error.code, message: error.shortMessage });
        return {
          ok: false,
          failure: this.fail({ kind: 'policy', code: error.code, message: error.shortMessage }),
        };
      }
      throw error;
    }
  }

  /** POSTs a command once; counts and logs what the server said. */
  private async send(
    pending: PendingSend,
  ): Promise<{ readonly report: SendReport; readonly failure?: FailureReport }> {
    pending.attempts += 1;
    this.metrics.actionsSent += 1;
    const response = await this.request('POST', '/v1/commands', {
      body: pending.body,
      headers: { 'idempotency-key': pending.key },
    });
    const base = { command: pending.body, idempotencyKey: pending.key, attempt: pending.attempts };
    if (response.ok) {
      const body = isRecord(response.body) ? response.body : {};
      const replayed = body.replayed === true;
      const events = Array.isArray(body.events)
        ? body.events.map((e: unknown) => (isRecord(e) && isRecord(e.event) ? String(e.event.type) : '?'))
        : [];
      this.metrics.actionsAccepted += 1;
      if (replayed) this.metrics.idempotentReplays += 1;
      const report: SendReport = {
        ...base,
        result: 'accepted',
        replayed,
        ...(typeof body.commandSeq === 'number' ? { commandSeq: body.commandSeq } : {}),
        events,
      };
      this.log('info', 'accepted', { ...report });
      return { report };
    }
    const failure = this.fail(response.failure);
    const unknown = unknownOutcome(failure.kind);
    if (!unknown) this.metrics.refused.add(failure.code);
    const report: SendReport = {
      ...base,
      result: unknown ? 'unknown' : 'refused',
      ...(failure.status === undefined ? {} : { status: failure.status }),
      code: failure.code,
    };
    this.log('warn', unknown ? 'send failed, outcome unknown' : 'refused', {
      ...report,
      message: failure.message,
    });
    return { report, failure };
  }

  /**
   * Resends a send whose outcome is unknown, with the same body and Idempotency-Key (the server
   * replays it if it was applied), once prices are fresh. Gives up after the most attempts.
   */
  private async resolvePending(
    sends: SendReport[],
  ): Promise<
    | { readonly kind: 'done' }
    | { readonly kind: 'stale'; readonly stale: readonly StalePrice[]; readonly nowSeconds: number }
    | { readonly kind: 'failed'; readonly failure: FailureReport }
  > {
    const pending = this.pending as PendingSend;
    const priced = await this.readPrices();
    if (priced.kind !== 'ok') return priced;
    const { report, failure } = await this.send(pending);
    sends.push(report);
    if (failure === undefined) {
      this.pending = undefined;
      return { kind: 'done' };
    }
    if (!unknownOutcome(failure.kind)) {
      this.pending = undefined;
    } else if (pending.attempts >= this.maxSendAttempts) {
      this.metrics.abandoned += 1;
      this.log('error', 'gave up a send with an unknown outcome', {
        command: pending.body,
        idempotencyKey: pending.key,
        attempts: pending.attempts,
      });
      this.pending = undefined;
    }
    return { kind: 'failed', failure };
  }

  /**
   * One tick: resolve a send left with an unknown outcome, read status, prices (refusing to act on
   * stale ones) and the keeper view, decide, then log the actions (dry run) or, armed, re-validate
   * each on a fresh view and send the fresh equivalent. Stops at the first failure.
   * @param signal when it aborts, no further action is re-validated or sent this tick.
   * @throws as {@link connect} when not connected yet; a policy's non-SolventError (a bug).
   */
  async tick(signal?: AbortSignal): Promise<TickReport> {
    await this.connect();
    this.metrics.ticks += 1;
    this.metrics.lastTickSeconds = this.nowMs() / 1000;
    const tick = this.metrics.ticks;
    const proposed: ActionReport[] = [];
    const sends: SendReport[] = [];
    const dropped: ActionReport[] = [];
    let eventSeq: number | undefined;
    let nowSeconds: number | undefined;
    const finish = (
      outcome: TickReport['outcome'],
      extra: { readonly stale?: readonly StalePrice[]; readonly failure?: FailureReport } = {},
    ): TickReport => {
      const report: TickReport = {
        tick,
        armed: this.armed,
        outcome,
        ...(nowSeconds === undefined ? {} : { nowSeconds }),
        ...(eventSeq === undefined ? {} : { eventSeq }),
        stale: extra.stale ?? [],
        proposed,
        sends,
        dropped,
        ...(extra.failure === undefined ? {} : { failure: extra.failure }),
      };
      this.lastTick = report;
      this.log(outcome === 'failed' ? 'warn' : 'debug', 'tick', {
        tick,
        outcome,
        proposed: proposed.length,
        sent: sends.length,
        dropped: dropped.length,
      });
      return report;
    };
    const refuseStale = (stale: readonly StalePrice[], at: number) => {
      this.metrics.staleSkips += 1;
      nowSeconds = at;
      this.log('warn', 'stale prices: refusing to act', { stale, nowSeconds: at });
      return finish('stale', { stale });
    };

    if (this.pending !== undefined) {
      const resolved = await this.resolvePending(sends);
      if (resolved.kind === 'stale') return refuseStale(resolved.stale, resolved.nowSeconds);
      if (resolved.kind === 'failed') return finish('failed', { failure: resolved.failure });
    }

    const first = await this.readSnapshot();
    if (first.kind === 'failed') return finish('failed', { failure: first.failure });
    if (first.kind === 'stale') return refuseStale(first.stale, first.nowSeconds);
    eventSeq = first.snapshot.eventSeq;
    nowSeconds = first.snapshot.nowSeconds;
    const decided = this.decide(first.snapshot.view);
    if (!decided.ok) return finish('failed', { failure: decided.failure });
    const actions = decided.actions;
    this.metrics.actionsProposed += actions.length;
    for (const action of actions) proposed.push(actionReport(action));

    if (!this.armed) {
      for (const a of proposed) {
        this.metrics.actionsWouldSend += 1;
        this.log('info', 'would send', { ...a, eventSeq, nowSeconds });
      }
      return finish('ok');
    }

    for (const [index, action] of actions.entries()) {
      if (signal?.aborted === true) break;
      const fresh = await this.readSnapshot();
      if (fresh.kind === 'failed') return finish('failed', { failure: fresh.failure });
      if (fresh.kind === 'stale') return refuseStale(fresh.stale, fresh.nowSeconds);
      eventSeq = fresh.snapshot.eventSeq;
      nowSeconds = fresh.snapshot.nowSeconds;
      const again = this.decide(fresh.snapshot.view);
      if (!again.ok) return finish('failed', { failure: again.failure });
      const match = again.actions.find((b) => sameTarget(action.command, b.command));
      if (match === undefined) {
        this.metrics.revalidationDrops += 1;
        dropped.push(proposed[index] as ActionReport);
        this.log('info', 'dropped on re-validation', { ...(proposed[index] as ActionReport), eventSeq });
        continue;
      }
      const body = toWire(match.command) as Readonly<Record<string, unknown>>;
      const pending: PendingSend = {
        body,
        key: keeperIdempotencyKey(this.options.keeperId, match.command, fresh.snapshot.eventSeq),
        attempts: 0,
      };
      this.log('info', 'sending', { ...actionReport(match), idempotencyKey: pending.key, eventSeq });
      const { report, failure } = await this.send(pending);
      sends.push(report);
      if (failure !== undefined) {
        if (unknownOutcome(failure.kind)) {
          if (pending.attempts < this.maxSendAttempts) this.pending = pending;
          else this.metrics.abandoned += 1;
        }
        return finish('failed', { failure });
      }
    }
    return finish('ok');
  }

  /**
   * Ticks until `signal` aborts: after a tick without failure it waits `intervalMs` (and resets the
   * backoff); after a failed one, the next backoff delay.
   * @throws as {@link connect} (before the first tick).
   */
  async run(signal?: AbortSignal): Promise<KeeperBotSummary> {
    await this.connect();
    // A function: the compiler would otherwise take the flag as fixed across the awaits.
    const aborted = (): boolean => signal?.aborted === true;
    while (!aborted()) {
      const report = await this.tick(signal);
      let delayMs: number;
      if (report.outcome === 'failed') {
        delayMs = this.backoff.next();
        this.metrics.backoffSeconds = delayMs / 1000;
        this.metrics.backoffSecondsTotal += delayMs / 1000;
        this.log('warn', 'backing off', { delayMs, failures: this.backoff.failures });
      } else {
        this.backoff.reset();
        this.metrics.backoffSeconds = 0;
        delayMs = this.intervalMs;
      }
      if (aborted()) break;
      await this.sleep(delayMs, signal);
    }
    return this.summary();
  }

  /** Totals since the start, and the last tick. */
  summary(): KeeperBotSummary {
    const m = this.metrics;
    return {
      keeper: this.options.keeperId,
      server: this.serverUrl,
      ...(this.familyPolicy === undefined ? {} : { family: this.familyPolicy.family }),
      armed: this.armed,
      ticks: m.ticks,
      proposed: m.actionsProposed,
      wouldSend: m.actionsWouldSend,
      sent: m.actionsSent,
      accepted: m.actionsAccepted,
      idempotentReplays: m.idempotentReplays,
      refused: Object.fromEntries(m.refused.entries()),
      staleSkips: m.staleSkips,
      revalidationDrops: m.revalidationDrops,
      failures: Object.fromEntries(m.failures.entries()),
      abandoned: m.abandoned,
      backoffSecondsTotal: m.backoffSecondsTotal,
      ...(this.lastTick === undefined ? {} : { lastTick: this.lastTick }),
    };
  }

  /** What the metrics endpoint's `/health` says. */
  health(): Readonly<Record<string, unknown>> {
    return {
      status: 'ok',
      keeper: this.options.keeperId,
      server: this.serverUrl,
      ...(this.familyPolicy === undefined ? {} : { family: this.familyPolicy.family }),
      armed: this.armed,
      ticks: this.metrics.ticks,
      lastTickSeconds: this.metrics.lastTickSeconds,
      consecutiveFailures: this.backoff.failures,
      pendingSend: this.pending !== undefined,
    };
  }
}

/** Reads `GET /v1/prices`, or says what is wrong with it. */
function readPrices(body: unknown): PricesWire | string {
  if (!isRecord(body) || typeof body.nowSeconds !== 'number' || !Array.isArray(body.assets)) {
    return 'expected {nowSeconds, assets}';
  }
  for (const a of body.assets as unknown[]) {
    if (
      !isRecord(a) ||
      typeof a.asset !== 'string' ||
      typeof a.priceDecimals !== 'number' ||
      typeof a.stale !== 'boolean' ||
      !Array.isArray(a.sources) ||
      !(typeof a.spot === 'string' || isRecord(a.spot)) ||
      !(typeof a.used === 'string' || isRecord(a.used))
    ) {
      return 'an asset lacks asset, priceDecimals, spot, used, stale or sources';
    }
  }
  return body as unknown as PricesWire;
}
