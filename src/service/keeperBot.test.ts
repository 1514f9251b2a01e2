/**
 * The keeper bot against real in-process servers over HTTP (startService on port 0): dry run,
 * armed liquidations on aave-v3.3 (liquidationCall) and maker-liq2 (bark, then take), stale
 * prices, re-validation, backoff, idempotent retries and the metrics endpoint. Faults are
 * injected by wrapping fetch; the bot's sleep and the servers' clocks are injected, so nothing
 * waits for real time. Expected amounts are derived by hand in the comments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { keyOf, TEST_KEYS, tempDir } from '../../test/service/support.js';
import { repoRoot } from '../../test/support.js';
import { InvalidParameterError } from '../engine/errors.js';
import { marketSetup } from '../protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../protocols/catalog.js';
import {
  Backoff,
  type FetchLike,
  KeeperBot,
  type KeeperBotOptions,
  type KeeperLogEntry,
  KeeperServerRefusedError,
  KeeperServerUnreachableError,
  keeperIdempotencyKey,
  marketFor,
  type PricesWire,
  sameTarget,
  stalePrices,
} from './keeperBot.js';
import { startKeeperMetricsServer } from './keeperBotMetrics.js';
import { type RunningService, startService } from './service.js';

const { dir, cleanup } = tempDir('solvent-keeper-bot-');
afterAll(cleanup);

const E8 = 10n ** 8n;
const E18 = 10n ** 18n;
const RAY = 10n ** 27n;
const RAD = 10n ** 45n;
const START_MS = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------
// Servers

interface Served {
  readonly service: RunningService;
  /** Moves the server clock by `seconds`. */
  advance(seconds: number): void;
  /** GET as the reader. */
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

const open: Served[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

let counter = 0;
async function serve(protocol: string, init: readonly unknown[]): Promise<Served> {
  let nowMs = START_MS;
  const service = await startService({
    entry: findProtocol(protocol),
    journal: { kind: 'sqlite', path: join(dir, `${protocol}-${counter++}.sqlite`) },
    port: 0,
    keys: TEST_KEYS,
    init,
    logLevel: false,
    version: 'test',
    clock: () => nowMs,
  });
  const served: Served = {
    service,
    advance: (seconds) => {
      nowMs += seconds * 1000;
    },
    get: async (path) => {
      const response = await fetch(`${service.url}${path}`, {
        headers: { authorization: `Bearer ${keyOf('reader')}` },
      });
      return response.json();
    },
    close: () => service.close(),
  };
  open.push(served);
  return served;
}

/**
 * The Aave test market, then alice: 5 WETH, 8,000 USDC of debt, WETH down to $1,900: health
 * 5 × 1,900 × 0.825 / 8,000 = 0.9796875 < 1 (the market's liquidation threshold is 82.5 %).
 * `rival` holds USDC to liquidate her first.
 */
function aaveInit(): unknown[] {
  return [
    ...marketSetup().map((c) => toJsonValue(c)),
    { type: 'fundWallet', actor: 'rival', asset: 'USDC', amount: (1_000_000n * 10n ** 6n).toString() },
    { type: 'deposit', account: 'alice', asset: 'WETH', amount: (5n * E18).toString() },
    { type: 'borrow', account: 'alice', asset: 'USDC', amount: (8_000n * 10n ** 6n).toString() },
    { type: 'publishPrice', asset: 'WETH', source: 'feed', price: (1_900n * E8).toString() },
  ];
}

/**
 * maker-liq2 ETH-A (default parameters: mat 145 %, chop 13 %, buf 110 %, −1 % every 90 s, tip 250
 * DAI, chip 0.1 %) without an OSM hop: alice locks 10 ETH and draws 10,000 DAI at $2,000, then ETH
 * falls to $1,300: 10 × 1,300 / 1.45 = 8,965.5 < 10,000, unsafe. The keeper holds 20,000 DAI.
 */
function makerInit(staleAfterSeconds = 86_400): unknown[] {
  return [
    {
      type: 'configureOracle',
      asset: 'ETH',
      config: {
        priceDecimals: 18,
        sources: ['feed'],
        minSources: 1,
        staleAfterSeconds,
        maxSpreadBps: 0,
        twapWindowSeconds: 3600,
        delaySeconds: 0,
      },
    },
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: (2_000n * E18).toString() },
    { type: 'configure', params: 'default' },
    { type: 'deposit', account: 'alice', amountWad: (10n * E18).toString() },
    { type: 'draw', account: 'alice', artWad: (10_000n * E18).toString() },
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: (1_300n * E18).toString() },
    { type: 'fundWallet', actor: 'liquidator', asset: 'DAI', amount: (20_000n * RAD).toString() },
  ];
}

/**
 * examples/hyperliquid.json up to its liquidation, every command at the server's start time: BTC
 * at $95k, dave (long 0.3 BTC on $1,000) is under water and the protocol's engine — here the
 * keeper `liquidator` — must close him (auto-deleveraging against the shorts).
 */
function hyperliquidInit(): unknown[] {
  const script = JSON.parse(readFileSync(join(repoRoot, 'examples', 'hyperliquid.json'), 'utf8')) as {
    commands: { at: number; type: string }[];
  };
  const upTo = script.commands.findIndex((c) => c.type === 'liquidate');
  return script.commands.slice(0, upTo).map(({ at: _at, ...command }) => command);
}

/** Every request the bot made, and a hook to answer or disturb one. */
interface Traffic {
  readonly calls: { readonly method: string; readonly path: string }[];
  readonly fetch: FetchLike;
}

type Hook = (
  call: { readonly method: string; readonly path: string; readonly index: number },
  forward: () => Promise<Response>,
) => Promise<Response> | undefined;

function traffic(hook: Hook = () => undefined): Traffic {
  const calls: { method: string; path: string }[] = [];
  return {
    calls,
    fetch: (url, init) => {
      const u = new URL(url);
      const call = { method: init.method ?? 'GET', path: `${u.pathname}${u.search}`, index: calls.length };
      calls.push({ method: call.method, path: call.path });
      const forward = () => fetch(url, init);
      return hook(call, forward) ?? forward();
    },
  };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function bot(
  served: Served,
  options: Partial<KeeperBotOptions> = {},
): { bot: KeeperBot; logs: KeeperLogEntry[] } {
  const logs: KeeperLogEntry[] = [];
  return {
    bot: new KeeperBot({
      serverUrl: served.service.url,
      apiKey: keyOf('keeper'),
      keeperId: 'liquidator',
      nowMs: () => START_MS,
      log: (entry) => logs.push(entry),
      ...options,
    }),
    logs,
  };
}

const commandSeq = (served: Served) => served.service.host.commandSeq;

function eventsOf(served: Served, type: string): Record<string, unknown>[] {
  return served.service.host
    .eventsFrom(1, 100_000)
    .map((r) => r.event as unknown as Record<string, unknown>)
    .filter((e) => e.type === type);
}

// ---------------------------------------------------------------------------------------------
// Pure parts

describe('Backoff', () => {
  test('default: doubles from the base up to the cap, and a success resets it', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1_000, jitterRatio: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(b.failures).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  test('behavior: jitter takes up to its share off, and the same seed gives the same delays', () => {
    const delays = (seed: number) => {
      const b = new Backoff({ baseMs: 1_000, maxMs: 8_000, jitterRatio: 0.5, seed });
      return Array.from({ length: 6 }, () => b.next());
    };
    const a = delays(7);
    expect(delays(7)).toEqual(a);
    expect(delays(8)).not.toEqual(a);
    const nominal = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    a.forEach((d, i) => {
      expect(d).toBeLessThanOrEqual(nominal[i] as number);
      expect(d).toBeGreaterThanOrEqual((nominal[i] as number) / 2);
    });
  });

  test('error: a base ≤ 0, a cap below the base or a jitter outside [0, 1]', () => {
    expect(() => new Backoff({ baseMs: 0, maxMs: 10 })).toThrow(InvalidParameterError);
    expect(() => new Backoff({ baseMs: 100, maxMs: 10 })).toThrow(InvalidParameterError);
    expect(() => new Backoff({ baseMs: 1, maxMs: 10, jitterRatio: 1.5 })).toThrow(InvalidParameterError);
  });
});

function pricesAt(nowSeconds: number, assets: readonly Partial<PricesWire['assets'][number]>[]): PricesWire {
  return {
    nowSeconds,
    assets: assets.map((a) => ({
      asset: 'ETH',
      priceDecimals: 8,
      spot: '200000000000',
      used: '200000000000',
      stale: false,
      sources: [{ source: 'feed', price: '200000000000', atSeconds: nowSeconds, fresh: true }],
      ...a,
    })),
  };
}

describe('stalePrices', () => {
  test('default: fresh prices keep nothing back', () => {
    expect(stalePrices(pricesAt(1_000, [{}]), 60)).toEqual([]);
  });

  test('behavior: flagged stale, refused, or an oldest fresh source past the limit', () => {
    const prices = pricesAt(1_000, [
      { asset: 'A', stale: true },
      { asset: 'B', used: { code: 'CircuitBreaker', message: 'tripped' } },
      {
        asset: 'C',
        // The median reads both fresh sources; the older one (t=900) is 100 s old.
        sources: [
          { source: 'x', price: '1', atSeconds: 990, fresh: true },
          { source: 'y', price: '1', atSeconds: 900, fresh: true },
          { source: 'z', price: '1', atSeconds: 10, fresh: false },
        ],
      },
      { asset: 'D', sources: [{ source: 'x', price: '1', atSeconds: 940, fresh: true }] },
    ]);
    expect(stalePrices(prices, 60)).toEqual([
      { asset: 'A', reason: 'stale', ageSeconds: 0 },
      { asset: 'B', reason: 'refused', code: 'CircuitBreaker', ageSeconds: 0 },
      { asset: 'C', reason: 'old', ageSeconds: 100 },
    ]);
    // At the limit it still acts (strictly older is refused).
    expect(stalePrices(prices, 100).map((s) => s.asset)).toEqual(['A', 'B']);
  });
});

describe('marketFor', () => {
  test('default: oracle spot prices as WAD, ETH for gas from the WETH spot', () => {
    const prices = pricesAt(50, [
      { asset: 'WETH', spot: (1_900n * E8).toString() },
      { asset: 'USDC', spot: E8.toString() },
    ]);
    const market = marketFor(prices, 50, {
      gasPriceGwei: 20,
      collateralPriceUsdWad: 0n,
      pricesUsdWad: { USDC: 999n * 10n ** 15n },
      slippageBps: 30n,
    });
    expect(market).toEqual({
      nowSeconds: 50,
      gasPriceGwei: 20,
      ethPriceUsd: 1_900,
      collateralPriceUsdWad: 0n,
      // 1,900·1e8 × 1e10 = 1,900·1e18; USDC overridden to $0.999.
      collateralPricesUsdWad: { WETH: 1_900n * E18, USDC: 999n * 10n ** 15n },
      slippageBps: 30n,
    });
  });
});

describe('sameTarget', () => {
  test('default: same type and target, other amounts', () => {
    const a = { type: 'take', ilk: 'ETH-A', id: 1, amtWad: 5n, maxRay: 10n, keeper: 'k' };
    expect(sameTarget(a, { ...a, amtWad: 7n, maxRay: 9n })).toBe(true);
    expect(sameTarget(a, { ...a, id: 2 })).toBe(false);
    expect(sameTarget(a, { ...a, type: 'redo' })).toBe(false);
    const liq = { type: 'liquidationCall', account: 'a', collateralAsset: 'WETH', debtAsset: 'USDC' };
    expect(sameTarget(liq, { ...liq, debtToCover: 'max' })).toBe(true);
    expect(sameTarget(liq, { ...liq, collateralAsset: 'WBTC' })).toBe(false);
  });
});

describe('keeperIdempotencyKey', () => {
  test('default: deterministic in (keeper, command, seq), whatever the field order', () => {
    const key = keeperIdempotencyKey('k', { type: 'bark', account: 'a', keeper: 'k' }, 7);
    expect(key).toMatch(/^keeper-[0-9a-f]{64}$/);
    expect(keeperIdempotencyKey('k', { keeper: 'k', account: 'a', type: 'bark' }, 7)).toBe(key);
    expect(keeperIdempotencyKey('k', { type: 'bark', account: 'a', keeper: 'k' }, 8)).not.toBe(key);
    expect(keeperIdempotencyKey('j', { type: 'bark', account: 'a', keeper: 'k' }, 7)).not.toBe(key);
  });
});

// ---------------------------------------------------------------------------------------------
// Against servers

describe('KeeperBot', () => {
  test('default: a dry run proposes liquidating the underwater Aave account and sends nothing', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    const before = commandSeq(served);
    const t = traffic();
    const { bot: b, logs } = bot(served, { fetch: t.fetch });
    const report = await b.tick();
    expect(report.outcome).toBe('ok');
    expect(report.proposed).toHaveLength(1);
    expect(report.proposed[0]?.command).toEqual({
      type: 'liquidationCall',
      account: 'alice',
      liquidator: 'liquidator',
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      debtToCover: 'max',
      receiveAToken: false,
    });
    // I = 2.2 WETH × $1,900 − 4,000 USDC × $1 = $180 (half the debt at a 5 % bonus, less the 10 %
    // protocol share of the bonus), gas free.
    expect(report.proposed[0]?.expectedProfitUsd).toBeCloseTo(180, 6);
    expect(report.sends).toEqual([]);
    expect(t.calls.some((c) => c.method === 'POST')).toBe(false);
    expect(commandSeq(served)).toBe(before);
    const line = logs.find((l) => l.msg === 'would send');
    expect(line).toMatchObject({
      level: 'info',
      keeper: 'liquidator',
      command: { type: 'liquidationCall', account: 'alice' },
      reason: expect.stringContaining('liquidate alice'),
      gasUnits: '400000',
    });
    expect(line?.expectedProfitUsd).toBeCloseTo(180, 6);
    expect(b.metrics.actionsWouldSend).toBe(1);
    expect(b.metrics.actionsSent).toBe(0);
  });

  test('behavior: a dry run on maker-liq2 proposes the bark and sends nothing', async () => {
    const served = await serve('maker-liq2', makerInit());
    const before = commandSeq(served);
    const { bot: b } = bot(served, { policy: { preset: 'gasAware', id: 'liquidator', minProfitUsd: 0 } });
    const report = await b.tick();
    expect(b.family).toBe('maker-liq2');
    expect(report.proposed.map((a) => a.command)).toEqual([
      { type: 'bark', account: 'alice', keeper: 'liquidator', ilk: 'ETH-A' },
    ]);
    // Reward tip + chip·tab = 250 + 0.1 % × 11,300 = 261.3 DAI (tab = 10,000 × 1.13).
    expect(report.proposed[0]?.expectedProfitUsd).toBeCloseTo(261.3, 9);
    expect(commandSeq(served)).toBe(before);
  });

  test('behavior: armed, it liquidates the Aave account as the policy intended', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    const before = commandSeq(served);
    const { bot: b } = bot(served, { armed: true });
    const report = await b.tick();
    expect(report.outcome).toBe('ok');
    expect(report.sends).toHaveLength(1);
    expect(report.sends[0]).toMatchObject({ result: 'accepted', replayed: false, commandSeq: before + 1 });
    expect(commandSeq(served)).toBe(before + 1);
    // Half the 8,000 USDC (health 0.98 ≥ 0.95: close factor 50 %); 4,000 / 1,900 × 1.05 =
    // 2.2105263... WETH seized, of which the bonus's 10 % (0.0105263... WETH) goes to the treasury.
    expect(eventsOf(served, 'AaveLiquidationCall')).toEqual([
      expect.objectContaining({
        account: 'alice',
        liquidator: 'liquidator',
        debtToCover: 4_000n * 10n ** 6n,
        liquidatedCollateralAmount: 2_200_000_000_000_000_000n,
        closeFactor: 'half',
      }),
    ]);
    const debt = (await served.get('/v1/balances/debt:alice')) as { balances: Record<string, string> };
    expect(debt.balances['USDC.debt']).toBe((4_000n * 10n ** 6n).toString());
    const wallet = (await served.get('/v1/balances/wallet:liquidator')) as {
      balances: Record<string, string>;
    };
    // It held 1,000,000 WETH from the market setup.
    expect(wallet.balances.WETH).toBe((1_000_000n * E18 + 2_200_000_000_000_000_000n).toString());
    expect(wallet.balances.USDC).toBe(((1_000_000n - 4_000n) * 10n ** 6n).toString());
    // She is healthy again: 2.78947 WETH × 1,900 × 0.825 / 4,000 = 1.093.
    const next = await b.tick();
    expect(next.proposed).toEqual([]);
    expect(b.metrics.actionsAccepted).toBe(1);
  });

  test('behavior: armed on maker-liq2 it barks, then takes the sale once its price is below its own', async () => {
    const served = await serve('maker-liq2', makerInit());
    const { bot: b } = bot(served, {
      armed: true,
      policy: { preset: 'gasAware', id: 'liquidator', minProfitUsd: 0 },
    });
    const barked = await b.tick();
    expect(barked.sends.map((s) => [s.result, s.events])).toEqual([
      ['accepted', expect.arrayContaining(['DogBarked', 'ClipKicked', 'KeeperRewarded'])],
    ]);
    expect(eventsOf(served, 'ClipKicked')).toEqual([
      // tab 10,000 × 1.13 = 11,300 DAI; top 1,300 × 1.10 = 1,430.
      expect.objectContaining({
        usr: 'alice',
        tabRad: 11_300n * RAD,
        lotWad: 10n * E18,
        topRay: 1_430n * RAY,
      }),
    ]);
    expect(eventsOf(served, 'KeeperRewarded')).toEqual([
      expect.objectContaining({ keeper: 'liquidator', coinRad: 2_613n * 10n ** 44n }),
    ]);
    // The whole vault went to auction: alice has neither collateral nor debt left in it.
    const alice = (await served.get('/v1/accounts/alice')) as Record<string, unknown>;
    expect(alice).toMatchObject({ collateralValueWad: '0', debtValueWad: '0' });
    // The keeper buys at its price: $1,300 less its 1 % discount = 1,287. After 10 steps (900 s) the
    // sale asks 1,430 × 0.99^10 = 1,293.3: not yet; after 11 (990 s), 1,280.4: it takes.
    served.advance(900);
    expect((await b.tick()).proposed).toEqual([]);
    served.advance(90);
    const took = await b.tick();
    expect(took.sends.map((s) => s.result)).toEqual(['accepted']);
    const [taken] = eventsOf(served, 'ClipTaken');
    expect(taken).toMatchObject({ keeper: 'liquidator', oweRad: 11_300n * RAD, tabAfterRad: 0n });
    expect(taken?.priceRay).toBeGreaterThan(1_280n * RAY);
    expect(taken?.priceRay).toBeLessThan(1_281n * RAY);
    const wallet = (await served.get('/v1/balances/wallet:liquidator')) as {
      balances: Record<string, string>;
    };
    // Paid the tab, received the reward: 20,000 − 11,300 + 261.3 DAI.
    expect(wallet.balances.DAI).toBe((20_000n * RAD - 11_300n * RAD + 2_613n * 10n ** 44n).toString());
    expect(wallet.balances.ETH).toBe(String(taken?.sliceWad));
    // The collateral the tab did not need went back to alice.
    const rest = (await served.get('/v1/balances/wallet:alice')) as { balances: Record<string, string> };
    expect(rest.balances.ETH).toBe(String(10n * E18 - (taken?.sliceWad as bigint)));
  });

  test('behavior: on a perps server (hyperliquid) it reads the perps view and closes the account under water', async () => {
    const served = await serve('hyperliquid', hyperliquidInit());
    const before = commandSeq(served);
    const dry = await bot(served).bot.tick();
    expect(dry.proposed).toEqual([
      expect.objectContaining({
        command: { type: 'liquidate', account: 'dave', liquidator: 'liquidator', market: 'BTC-PERP' },
      }),
    ]);
    expect(commandSeq(served)).toBe(before);
    const { bot: armed } = bot(served, { armed: true, perpMarket: 'BTC-PERP' });
    expect(await armed.connect()).toBe('perps');
    const report = await armed.tick();
    expect(report.sends).toEqual([expect.objectContaining({ result: 'accepted', commandSeq: before + 1 })]);
    // The example's outcome: dave is auto-deleveraged against frank and erin and ends flat.
    expect(eventsOf(served, 'HyperliquidLiquidated')).toEqual([expect.objectContaining({ account: 'dave' })]);
    const next = await armed.tick();
    expect(next.proposed).toEqual([]);
  });

  test('behavior: prices older than the limit: it refuses to act, sends nothing, counts it', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    served.advance(7_200);
    const before = commandSeq(served);
    const t = traffic();
    const { bot: b, logs } = bot(served, { armed: true, maxPriceAgeSeconds: 3_600, fetch: t.fetch });
    await b.connect();
    const viewsBefore = t.calls.length;
    const report = await b.tick();
    expect(report.outcome).toBe('stale');
    // Every asset was last published at the start, 7,200 s ago; the oracle itself (1 year) is fine.
    expect(report.stale).toEqual(
      ['USDC', 'WBTC', 'WETH', 'wstETH'].map((asset) => ({ asset, reason: 'old', ageSeconds: 7_200 })),
    );
    expect(t.calls.slice(viewsBefore).map((c) => c.path.split('?')[0])).toEqual(['/v1/status', '/v1/prices']);
    expect(commandSeq(served)).toBe(before);
    expect(b.metrics.staleSkips).toBe(1);
    expect(b.metrics.render()).toContain('solvent_keeper_stale_price_skips_total 1');
    expect(logs.some((l) => l.msg === 'stale prices: refusing to act' && l.level === 'warn')).toBe(true);
  });

  test('behavior: a price the oracle flags stale: it refuses to act', async () => {
    const served = await serve('maker-liq2', makerInit(600));
    served.advance(601);
    const before = commandSeq(served);
    const { bot: b } = bot(served, { armed: true, maxPriceAgeSeconds: 1_000_000 });
    const report = await b.tick();
    expect(report.outcome).toBe('stale');
    expect(report.stale).toEqual([{ asset: 'ETH', reason: 'stale' }]);
    expect(commandSeq(served)).toBe(before);
  });

  test('behavior: prices gone stale between the view and the send: nothing is sent', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    const before = commandSeq(served);
    let views = 0;
    const t = traffic((call, forward) => {
      if (!call.path.startsWith('/v1/keeper-view?keepers=liquidator&bigint=tagged&gas')) return undefined;
      views += 1;
      if (views !== 1) return undefined;
      return forward().then((r) => {
        served.advance(7_200);
        return r;
      });
    });
    const { bot: b } = bot(served, { armed: true, maxPriceAgeSeconds: 3_600, fetch: t.fetch });
    const report = await b.tick();
    expect(report.outcome).toBe('stale');
    expect(report.proposed).toHaveLength(1);
    expect(report.sends).toEqual([]);
    expect(t.calls.some((c) => c.method === 'POST')).toBe(false);
    expect(commandSeq(served)).toBe(before);
  });

  test('behavior: re-validation drops an action someone else took between the view and the send', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    let views = 0;
    const t = traffic((call, forward) => {
      if (!call.path.includes('gasPriceGwei')) return undefined;
      views += 1;
      if (views !== 1) return undefined;
      // Right after the bot's first view, a rival liquidates alice (she is healthy afterwards).
      return forward().then(async (r) => {
        await served.service.host.submit({
          command: {
            type: 'liquidationCall',
            account: 'alice',
            liquidator: 'rival',
            collateralAsset: 'WETH',
            debtAsset: 'USDC',
            debtToCover: 'max',
            receiveAToken: false,
          },
          actor: 'op',
        });
        return r;
      });
    });
    const { bot: b, logs } = bot(served, { armed: true, fetch: t.fetch });
    await b.connect();
    const before = commandSeq(served);
    const report = await b.tick();
    expect(report.outcome).toBe('ok');
    expect(report.proposed).toHaveLength(1);
    expect(report.dropped).toEqual(report.proposed);
    expect(report.sends).toEqual([]);
    expect(t.calls.some((c) => c.method === 'POST')).toBe(false);
    expect(commandSeq(served)).toBe(before + 1);
    expect(eventsOf(served, 'AaveLiquidationCall').map((e) => e.liquidator)).toEqual(['rival']);
    expect(b.metrics.revalidationDrops).toBe(1);
    expect(logs.some((l) => l.msg === 'dropped on re-validation')).toBe(true);
  });

  test('behavior: failures back off exponentially to the cap; a good tick resets it', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    let statusCalls = 0;
    let posts = 0;
    const t = traffic((call) => {
      if (call.path === '/v1/status') {
        statusCalls += 1;
        // Ticks 1–5 fail on the journal (503). An armed tick with one action reads the status twice
        // (view, re-validation): ticks 6 and 7 read it 6–9; tick 8 fails again on its first read.
        // A proxy's HTML 502 counts as a server failure like the JSON 503s.
        if (statusCalls === 3)
          return Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 }));
        if (statusCalls <= 5 || statusCalls === 10) {
          return Promise.resolve(
            jsonResponse(503, { error: { code: 'JournalUnavailable', message: 'down' } }),
          );
        }
      }
      if (call.method === 'POST') {
        posts += 1;
        // Tick 6: the engine refuses (409); tick 7 goes through.
        if (posts === 1) {
          return Promise.resolve(jsonResponse(409, { error: { code: 'ProtocolRevert', message: 'no' } }));
        }
      }
      return undefined;
    });
    const controller = new AbortController();
    const delays: number[] = [];
    const { bot: b } = bot(served, {
      armed: true,
      fetch: t.fetch,
      intervalMs: 5_000,
      backoff: { baseMs: 100, maxMs: 1_000, jitterRatio: 0 },
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 8) controller.abort();
      },
    });
    const summary = await b.run(controller.signal);
    // 5 × 503, the 409 (at the cap), the accepted tick (interval), then a 503 from the base again.
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 5_000, 100]);
    expect(summary).toMatchObject({
      ticks: 8,
      accepted: 1,
      refused: { ProtocolRevert: 1 },
      failures: { server: 6, refused: 1 },
      backoffSecondsTotal: 3.6,
    });
    expect(eventsOf(served, 'AaveLiquidationCall')).toHaveLength(1);
    const text = b.metrics.render();
    expect(text).toContain('solvent_keeper_actions_refused_total{code="ProtocolRevert"} 1');
    expect(text).toContain('solvent_keeper_failures_total{kind="server"} 6');
    expect(text).toContain('solvent_keeper_backoff_seconds 0.1');
  });

  test('behavior: a send whose answer was lost is retried with the same key and applied once', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    let posts = 0;
    const t = traffic((call, forward) => {
      if (call.method !== 'POST') return undefined;
      posts += 1;
      if (posts !== 1) return undefined;
      // The server applies the command; the answer never reaches the bot.
      return forward().then(() => {
        throw new TypeError('fetch failed');
      });
    });
    const { bot: b } = bot(served, { armed: true, fetch: t.fetch });
    await b.connect();
    const before = commandSeq(served);
    const lost = await b.tick();
    expect(lost.outcome).toBe('failed');
    expect(lost.sends).toEqual([expect.objectContaining({ result: 'unknown', code: 'Network' })]);
    expect(commandSeq(served)).toBe(before + 1);
    const retried = await b.tick();
    expect(retried.sends).toEqual([
      expect.objectContaining({
        result: 'accepted',
        replayed: true,
        attempt: 2,
        idempotencyKey: lost.sends[0]?.idempotencyKey,
        commandSeq: before + 1,
      }),
    ]);
    // Nothing more to do: she was liquidated once.
    expect(retried.proposed).toEqual([]);
    expect(commandSeq(served)).toBe(before + 1);
    expect(eventsOf(served, 'AaveLiquidationCall')).toHaveLength(1);
    expect(b.metrics.idempotentReplays).toBe(1);
  });

  test('behavior: a send answered 429 then 503 is given up after the most attempts, then decided again', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    let posts = 0;
    const t = traffic((call) => {
      if (call.method !== 'POST') return undefined;
      posts += 1;
      if (posts === 1)
        return Promise.resolve(jsonResponse(429, { error: { code: 'RateLimited', message: 'slow' } }));
      if (posts === 2)
        return Promise.resolve(jsonResponse(503, { error: { code: 'JournalUnavailable', message: 'x' } }));
      return undefined;
    });
    const { bot: b } = bot(served, { armed: true, fetch: t.fetch, maxSendAttempts: 2 });
    await b.connect();
    const before = commandSeq(served);
    const first = await b.tick();
    const second = await b.tick();
    const third = await b.tick();
    expect([first, second, third].map((r) => r.sends.map((s) => [s.result, s.attempt]))).toEqual([
      [['unknown', 1]],
      [['unknown', 2]],
      [['accepted', 1]],
    ]);
    // Nothing was applied in between, so the fresh decision is the same command on the same seq:
    // the same key.
    const keys = new Set([first, second, third].map((r) => r.sends[0]?.idempotencyKey));
    expect(keys.size).toBe(1);
    expect(b.metrics.abandoned).toBe(1);
    expect(b.metrics.failuresOf('rateLimited')).toBe(1);
    expect(b.metrics.failuresOf('server')).toBe(1);
    expect(commandSeq(served)).toBe(before + 1);
  });

  test('behavior: the metrics endpoint serves the counters in Prometheus text, and /health', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    const { bot: b } = bot(served, { nowMs: () => 1_700_000_123_000 });
    await b.tick();
    const endpoint = await startKeeperMetricsServer({
      metrics: b.metrics,
      port: 0,
      health: () => b.health(),
    });
    try {
      const response = await fetch(`${endpoint.url}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await response.text();
      for (const line of [
        '# TYPE solvent_keeper_ticks_total counter',
        'solvent_keeper_ticks_total 1',
        'solvent_keeper_actions_proposed_total 1',
        'solvent_keeper_actions_would_send_total 1',
        'solvent_keeper_actions_sent_total 0',
        'solvent_keeper_actions_accepted_total 0',
        'solvent_keeper_stale_price_skips_total 0',
        'solvent_keeper_revalidation_drops_total 0',
        '# TYPE solvent_keeper_failures_total counter',
        'solvent_keeper_backoff_seconds_total 0',
        '# TYPE solvent_keeper_last_tick_timestamp_seconds gauge',
        'solvent_keeper_last_tick_timestamp_seconds 1700000123',
        'solvent_keeper_backoff_seconds 0',
        'solvent_keeper_armed 0',
      ]) {
        expect(text.split('\n')).toContain(line);
      }
      const health = await (await fetch(`${endpoint.url}/health`)).json();
      expect(health).toMatchObject({
        status: 'ok',
        keeper: 'liquidator',
        family: 'aave',
        ticks: 1,
        armed: false,
      });
      expect((await fetch(`${endpoint.url}/nothing`)).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  test('error: an unreachable server is named; a bad key is refused at connect', async () => {
    const served = await serve('aave-v3.3', aaveInit());
    const url = served.service.url;
    await served.close();
    open.splice(open.indexOf(served), 1);
    const gone = new KeeperBot({ serverUrl: url, apiKey: 'k', keeperId: 'liquidator' });
    await expect(gone.connect()).rejects.toThrow(KeeperServerUnreachableError);
    await expect(gone.connect()).rejects.toThrow(url);
    const live = await serve('aave-v3.3', aaveInit());
    const { bot: wrong } = bot(live, { apiKey: 'not-a-key-0123456789' });
    await expect(wrong.connect()).rejects.toThrow(KeeperServerRefusedError);
  });

  test('error: bad options, and a preset of another family', async () => {
    const base = { serverUrl: 'http://127.0.0.1:1', apiKey: 'k', keeperId: 'liquidator' };
    expect(() => new KeeperBot({ ...base, serverUrl: 'not a url' })).toThrow(InvalidParameterError);
    expect(() => new KeeperBot({ ...base, serverUrl: 'ftp://x' })).toThrow(InvalidParameterError);
    expect(() => new KeeperBot({ ...base, intervalMs: -1 })).toThrow(InvalidParameterError);
    expect(() => new KeeperBot({ ...base, market: { slippageBps: 10_001n } })).toThrow(InvalidParameterError);
    expect(
      () => new KeeperBot({ ...base, policy: { preset: 'gasAware', id: 'someone', minProfitUsd: 0 } }),
    ).toThrow(InvalidParameterError);
    const served = await serve('aave-v3.3', aaveInit());
    const { bot: b } = bot(served, { policy: { preset: 'gasAware', id: 'liquidator', minProfitUsd: 0 } });
    await expect(b.connect()).rejects.toThrow(InvalidParameterError);
  });
});
