/**
 * The web dashboard end to end: the built `solvent serve` driven through its page in headless
 * Chromium. With maker-liq2 (five vaults) the page loads with the key from its `dashboard:` link
 * and shows the server's numbers; a price published over the API arrives over the live stream; a
 * crash makes vaults liquidatable and the page marks them; a keeper's bark shows in the feed,
 * removes the vault from the at-risk table and starts an auction whose price curve is drawn; a
 * screenshot is taken. Then the server restarts and the page resumes the stream after the last
 * event it saw. With aave-v3.3 the distances and liquidation prices come from the margin view, the
 * auctions panel says the model has none, and a partial liquidation leaves the account safer.
 *
 * Expected numbers are worked out by hand: Maker ETH-A (mat 145 %, chop 13 %, buf 110 %, tip 250
 * DAI, chip 0.1 %): health = ink·price / 1.45 / debt, liquidation price = debt·1.45 / ink; Aave
 * WETH (liquidation threshold 82.5 %, bonus 5 %).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { aaveSetup, tempDir } from '../service/support.js';
import {
  call,
  type DashboardServer,
  launchChromium,
  pngSize,
  repoRoot,
  spawnDashboardServer,
} from './support.js';

const WAIT_MS = 20_000;
/**
 * Wait for what must come from the stream: below the page's 10 s poll, so an update that only the
 * poll would bring fails the test.
 */
const LIVE_MS = 7_000;
const wad = (units: number): string => (BigInt(units) * 10n ** 18n).toString();

/** One vault: ETH locked and DAI drawn. */
const VAULTS: readonly { readonly id: string; readonly inkEth: number; readonly artDai: number }[] = [
  // liquidation price 10,000 × 1.45 / 10 = 1,450; health at 2,000: 20,000 / 1.45 / 10,000 = 1.379
  { id: 'alice', inkEth: 10, artDai: 10_000 },
  // liquidation price 1,087.5; health 1.839
  { id: 'bob', inkEth: 20, artDai: 15_000 },
  // liquidation price 1,377.5; health 1.451
  { id: 'carol', inkEth: 8, artDai: 7_600 },
  // liquidation price 966.67; health 2.068
  { id: 'dave', inkEth: 30, artDai: 20_000 },
  // liquidation price 1,836.67; health 1.088
  { id: 'erin', inkEth: 6, artDai: 7_600 },
];

const INIT = {
  commands: [
    {
      type: 'configureOracle',
      asset: 'ETH',
      config: {
        priceDecimals: 18,
        sources: ['osm'],
        minSources: 1,
        // Staleness runs on the wall clock: a year keeps the price fresh through the test.
        staleAfterSeconds: 31_536_000,
        maxSpreadBps: 0,
        twapWindowSeconds: 3600,
        delaySeconds: 0,
      },
    },
    { type: 'publishPrice', asset: 'ETH', source: 'osm', price: wad(2000) },
    // A faster curve than ETH-A's (−3 % every 10 s, tail 30 min) so the auction moves while we look.
    {
      type: 'configure',
      params: {
        ilks: { 'ETH-A': { calc: 'StairstepExponentialDecrease cut=0.97 step=10', tailSeconds: 1800 } },
      },
    },
    ...VAULTS.flatMap((v) => [
      { type: 'deposit', account: v.id, amountWad: wad(v.inkEth) },
      { type: 'draw', account: v.id, artWad: wad(v.artDai) },
    ]),
  ],
};

const { dir, cleanup } = tempDir('solvent-dashboard-e2e-');

/** The generated keys a test uses. */
interface Keys {
  readonly reader: string;
  readonly oracle: string;
  readonly keeper: string;
}

/** `solvent serve` arguments for `protocol` on the journal `db`, seeded from `init` when empty. */
const serveArgs = (protocol: string, db: string, init: string, port: number): string[] => [
  '--protocol',
  protocol,
  '--db',
  db,
  '--port',
  String(port),
  '--init',
  init,
  '--log-level',
  'silent',
];

/** The keys `solvent serve` generated next to `db`. */
function generatedKeys(db: string): Keys {
  const file = JSON.parse(readFileSync(`${db}.keys.json`, 'utf8')) as { key: string; role: string }[];
  const keyOf = (role: string): string => {
    const found = file.find((k) => k.role === role);
    if (found === undefined) throw new Error(`no generated ${role} key`);
    return found.key;
  };
  return { reader: keyOf('reader'), oracle: keyOf('oracle'), keeper: keyOf('keeper') };
}

let browser: Browser;

/** Where screenshots go (git-ignored). */
const resultsDir = join(repoRoot, 'test-results');

beforeAll(async () => {
  mkdirSync(resultsDir, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  cleanup();
});

/** Sends a command; expects 200 and returns its recorded events. */
async function send(
  url: string,
  key: string,
  type: string,
  body: Record<string, unknown>,
): Promise<{ seq: number; event: { type: string } }[]> {
  const res = await call(`${url}/v1/commands/${type}`, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { events: { seq: number; event: { type: string } }[] }).events;
}

/** Waits until the element matching `selector` has exactly `text` (whitespace-trimmed). */
async function waitForText(page: Page, selector: string, text: string, timeout = WAIT_MS): Promise<void> {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page
    .locator(selector, { hasText: new RegExp(`^\\s*${escaped}\\s*$`) })
    .first()
    .waitFor({ timeout });
}

/** Opens the dashboard link in a fresh page; collects uncaught errors and console errors. */
async function openDashboard(
  url: string,
): Promise<{ page: Page; errors: string[]; consoleErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1480, height: 1000 } });
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(url);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
  return { page, errors, consoleErrors };
}

describe('dashboard in Chromium: maker-liq2', () => {
  const db = join(dir, 'maker.sqlite');
  const init = join(dir, 'maker-init.json');
  let server: DashboardServer;
  let keys: Keys;
  beforeAll(async () => {
    writeFileSync(init, JSON.stringify(INIT));
    server = await spawnDashboardServer(serveArgs('maker-liq2', db, init, 0));
    keys = generatedKeys(db);
  });
  afterAll(() => server?.kill());

  /** Publishes an ETH price (whole DAI) as the oracle; returns the last event's seq. */
  const publish = async (priceDai: number): Promise<number> => {
    const events = await send(server.url, keys.oracle, 'publishPrice', {
      asset: 'ETH',
      source: 'osm',
      price: wad(priceDai),
    });
    return events[events.length - 1]?.seq as number;
  };

  test('default', async () => {
    // The link `solvent serve` prints carries the generated reader key in the fragment.
    expect(server.dashboardUrl).toBe(`${server.url}/#key=${keys.reader}`);
    const { page, errors, consoleErrors } = await openDashboard(server.dashboardUrl);
    try {
      // The key left the address bar (it stays in sessionStorage).
      expect(page.url()).toBe(`${server.url}/`);

      // Markets: ETH at 2,000 DAI, used = spot, the osm source fresh.
      const eth = 'tr[data-asset="ETH"]';
      await waitForText(page, `${eth} td[data-field="used"]`, '2,000');
      expect((await page.locator(`${eth} td[data-field="spot"]`).textContent())?.trim()).toBe('2,000');
      expect(await page.locator(`${eth} td[data-field="flags"]`).textContent()).toBe('OK');
      expect(await page.locator(`${eth} [data-source="osm"]`).textContent()).toMatch(
        /^osm 2,000 · \d+ s ago$/,
      );

      // At risk: the five vaults by health (erin 1.088, alice 1.379, carol 1.451, bob 1.839, dave 2.068).
      const rows = page.locator('#at-risk-body tbody tr');
      await rows.nth(4).waitFor({ timeout: WAIT_MS });
      expect(await rows.count()).toBe(5);
      const order = await Promise.all((await rows.all()).map((r) => r.getAttribute('data-account')));
      expect(order).toEqual(['erin', 'alice', 'carol', 'bob', 'dave']);
      const health = async (id: string) =>
        (await page.locator(`tr[data-account="${id}"] td[data-field="health"]`).textContent())?.trim();
      expect(await health('alice')).toBe('1.379');
      expect(await health('erin')).toBe('1.088');
      expect(await health('dave')).toBe('2.068');
      expect(await page.locator('tr[data-liquidatable="true"]').count()).toBe(0);

      // Histogram: distance = 1 − liquidation price / price. erin 8.2 % (500–1k bps), alice 27.5 %
      // (2k–3k), carol 31.1 % and bob 45.6 % (3k–5k), dave 51.7 % (≥ 5k).
      const bar = (bucket: string) => page.locator(`#histogram-body rect[data-bucket="${bucket}"]`);
      expect(await bar('500–1k').getAttribute('data-count')).toBe('1');
      expect(await bar('2k–3k').getAttribute('data-count')).toBe('1');
      expect(await bar('3k–5k').getAttribute('data-count')).toBe('2');
      expect(await bar('≥ 5k').getAttribute('data-count')).toBe('1');
      expect(await bar('liquid.').getAttribute('data-count')).toBe('0');

      // Funds: nothing yet; auctions: none running; the feed shows the init events.
      expect(await page.locator('[data-bucket="sysdebt"] .value').textContent()).toBe('0');
      expect(await page.locator('[data-bucket="deficit"] .value').textContent()).toBe('0');
      await page.locator('#auctions-body [data-empty="auctions"]').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('#feed-rows tr[data-type="MakerConfigured"]').count()).toBe(1);

      // A price change arrives over the stream: its event in the feed, the new price in the table,
      // and erin now 3.3 % from liquidation (1 − 1,836.67 / 1,900).
      const priceSeq = await publish(1900);
      await page.locator(`#feed-rows tr[data-seq="${priceSeq}"][data-type="PriceAggregated"]`).waitFor({
        timeout: LIVE_MS,
      });
      await waitForText(page, `${eth} td[data-field="used"]`, '1,900', LIVE_MS);
      await waitForText(page, 'tr[data-account="erin"] td[data-field="status"]', 'NEAR', LIVE_MS);

      // A crash to 1,400: alice (1,450) and erin (1,836.67) become liquidatable, carol (1,377.5) not.
      await publish(1400);
      await page
        .locator('tr[data-account="alice"][data-liquidatable="true"].liq')
        .waitFor({ timeout: LIVE_MS });
      await page.locator('tr[data-account="erin"][data-liquidatable="true"]').waitFor({ timeout: LIVE_MS });
      expect(await page.locator('tr[data-account="carol"]').getAttribute('data-liquidatable')).toBe('false');
      await waitForText(page, 'tr[data-account="alice"] td[data-field="status"]', 'LIQUIDATABLE', LIVE_MS);
      await page.locator('#histogram-body rect[data-bucket="liquid."][data-count="2"]').waitFor({
        timeout: LIVE_MS,
      });

      // The keeper barks alice: the bark in the feed, alice off the at-risk table (no debt left),
      // erin still liquidatable, and a Clipper sale: top = 1,400 × 1.10 = 1,540 DAI, tab = 10,000 ×
      // 1.13 = 11,300 DAI, lot 10 ETH.
      const bark = await send(server.url, keys.keeper, 'bark', { account: 'alice', keeper: 'keeper' });
      const barked = bark.find((e) => e.event.type === 'DogBarked');
      expect(barked).toBeDefined();
      await page.locator(`#feed-rows tr.liq[data-seq="${barked?.seq}"][data-type="DogBarked"]`).waitFor({
        timeout: LIVE_MS,
      });
      await page.locator('tr[data-account="alice"]').waitFor({ state: 'detached', timeout: LIVE_MS });
      expect(await page.locator('tr[data-liquidatable="true"]').count()).toBe(1);
      const sale = page.locator('[data-auction="ETH-A:1"]');
      await sale.waitFor({ timeout: LIVE_MS });
      const saleText = (await sale.textContent()) ?? '';
      expect(saleText).toContain('Top (DAI/ETH)1,540');
      expect(saleText).toContain('Tab to raise (DAI)11,300');
      expect(saleText).toContain('Lot left (ETH)10');
      expect(saleText).toContain('×0.97 every 10 s');
      // The curve from the configured Abacus, the cusp and the price now on it (at most top).
      expect(await sale.locator('svg path.curve-line').count()).toBe(1);
      expect(await sale.locator('svg line.cusp').count()).toBe(1);
      const now = Number(
        ((await sale.locator('[data-field="price"]').textContent()) ?? '').replace(/,/g, ''),
      );
      expect(now).toBeGreaterThan(1000);
      expect(now).toBeLessThanOrEqual(1540);
      // System debt: alice's 10,000 DAI plus the keeper's 250 + 0.1 % × 11,300 = 261.3, as SIN (RAD).
      // SIN is not a listed asset: its exact raw amount (RAD) is kept, shown as 1.02613 × 10⁴⁹.
      const sysdebt = page.locator('[data-bucket="sysdebt"] .value');
      expect(await sysdebt.getAttribute('data-raw')).toBe(`102613${'0'.repeat(44)}`);
      expect(await sysdebt.textContent()).toBe('1.02613 × 10⁴⁹SIN raw units');

      const path = join(resultsDir, 'dashboard.png');
      await page.screenshot({ path, fullPage: true });
      const png = readFileSync(path);
      const size = pngSize(png);
      expect(size.width).toBe(1480);
      expect(size.height).toBeGreaterThanOrEqual(1000);
      expect(png.length).toBeGreaterThan(50_000);

      // No script error, no refused resource (a CSP violation is a console error).
      expect(errors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('behavior: after a server restart the feed resumes after the last event it showed', async () => {
    const { page, errors } = await openDashboard(server.dashboardUrl);
    try {
      const lastBefore = Number(await page.locator('#feed-rows tr').first().getAttribute('data-seq'));
      const port = server.port;
      expect(await server.stop()).toBe(0);
      await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
      // While the page cannot connect, a price lands in the journal through a server on another
      // port: only a resume after the last seq the page saw can show it.
      server = await spawnDashboardServer(serveArgs('maker-liq2', db, init, 0));
      const missedSeq = await publish(1350);
      expect(missedSeq).toBeGreaterThan(lastBefore);
      expect(await server.stop()).toBe(0);
      // The same journal on the page's port: its reconnect loop finds it again.
      server = await spawnDashboardServer(serveArgs('maker-liq2', db, init, port));
      await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
      await page.locator(`#feed-rows tr[data-seq="${missedSeq}"]`).waitFor({ timeout: WAIT_MS });
      await waitForText(page, 'tr[data-asset="ETH"] td[data-field="used"]', '1,350');
      // And live again afterwards.
      const seq = await publish(1300);
      await page.locator(`#feed-rows tr[data-seq="${seq}"]`).waitFor({ timeout: LIVE_MS });
      await waitForText(page, 'tr[data-asset="ETH"] td[data-field="used"]', '1,300', LIVE_MS);
      // Every event once, newest first, no gap across the restart.
      const seqs = await Promise.all(
        (await page.locator('#feed-rows tr').all()).map(async (r) =>
          Number(await r.getAttribute('data-seq')),
        ),
      );
      expect(seqs[0]).toBe(seq);
      expect(seqs.length).toBeGreaterThan(seq - lastBefore);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] as number) - 1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('dashboard in Chromium: aave-v3.3', () => {
  const db = join(dir, 'aave.sqlite');
  const init = join(dir, 'aave-init.json');
  let server: DashboardServer;
  let keys: Keys;
  beforeAll(async () => {
    // The Aave test market (WETH $2,000, USD·1e8; pool liquidity; a funded `liquidator`), then
    // alice supplies 6 WETH and borrows 9,000 USDC: liquidation at 9,000 / (6 × 0.825) = $1,818.18,
    // distance 1 − 1,818.18 / 2,000 = 909.09 bps, shown as the smallest whole bps drop that makes
    // the account liquidatable: 910.
    const commands = [
      ...aaveSetup(),
      { type: 'deposit', account: 'alice', asset: 'WETH', amount: wad(6) },
      { type: 'borrow', account: 'alice', asset: 'USDC', amount: String(9_000n * 10n ** 6n) },
    ];
    writeFileSync(init, JSON.stringify({ commands }));
    server = await spawnDashboardServer(serveArgs('aave-v3.3', db, init, 0));
    keys = generatedKeys(db);
  });
  afterAll(() => server?.kill());

  test('behavior: margin-view distances, no auctions, and a partial liquidation', async () => {
    const { page, errors, consoleErrors } = await openDashboard(server.dashboardUrl);
    try {
      const alice = 'tr[data-account="alice"]';
      await waitForText(page, `${alice} td[data-field="distance"]`, '910');
      expect(await page.locator(`${alice} td[data-field="liquidation-prices"]`).textContent()).toBe(
        'WETH 1,818.18',
      );
      expect(
        await page.locator('#histogram-body rect[data-bucket="500–1k"]').getAttribute('data-count'),
      ).toBe('1');
      expect(await page.locator('#auctions-body [data-empty="auctions"]').textContent()).toBe(
        'aave-v3.3 runs no auctions: a liquidation settles in one step (see the event feed).',
      );
      await waitForText(page, 'tr[data-asset="WETH"] td[data-field="used"]', '2,000');

      // WETH at $1,800: 6 × 1,800 × 0.825 = 8,910 < 9,000, health 0.99.
      await send(server.url, keys.oracle, 'publishPrice', {
        asset: 'WETH',
        source: 'feed',
        price: String(1_800n * 10n ** 8n),
      });
      await page.locator(`${alice}[data-liquidatable="true"]`).waitFor({ timeout: LIVE_MS });
      await waitForText(page, `${alice} td[data-field="health"]`, '0.99', LIVE_MS);

      // Half the debt repaid by the liquidator: 4,500 / 1,800 × 1.05 = 2.625 WETH seized, leaving
      // 3.375 WETH: health 3.375 × 1,800 × 0.825 / 4,500 = 1.11375.
      const events = await send(server.url, keys.keeper, 'liquidationCall', {
        account: 'alice',
        collateralAsset: 'WETH',
        debtAsset: 'USDC',
        liquidator: 'liquidator',
        debtToCover: String(4_500n * 10n ** 6n),
        receiveAToken: false,
      });
      const liquidation = events.find((e) => /Liquidation/.test(e.event.type));
      expect(liquidation).toBeDefined();
      await page.locator(`#feed-rows tr.liq[data-seq="${liquidation?.seq}"]`).waitFor({ timeout: LIVE_MS });
      await page.locator(`${alice}[data-liquidatable="false"]`).waitFor({ timeout: LIVE_MS });
      expect(await page.locator(`${alice} td[data-field="health"]`).textContent()).toBe('1.113');
      await page.screenshot({ path: join(resultsDir, 'dashboard-aave.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('behavior: without a key the page asks for one, and a refused key is asked again', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      await page.locator('#key-form').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('#main').isHidden()).toBe(true);
      await page.fill('#key-input', 'not-a-key-of-this-server');
      await page.click('#key-form button[type="submit"]');
      await waitForText(page, '#key-error', 'The server refused this key (401). Enter another key.');
      await page.fill('#key-input', keys.reader);
      await page.click('#key-form button[type="submit"]');
      await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
      await page.locator('tr[data-account="alice"]').waitFor({ timeout: WAIT_MS });
      // The key is kept for the tab (a reload needs no form) and forgotten on request.
      await page.reload();
      await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
      await page.click('#forget');
      await page.locator('#key-form').waitFor({ timeout: WAIT_MS });
      await page.reload();
      await page.locator('#key-form').waitFor({ timeout: WAIT_MS });
    } finally {
      await page.close();
    }
  });
});
