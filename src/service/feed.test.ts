import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { aaveSetup, tempDir } from '../../test/service/support.js';
import { InvalidParameterError } from '../engine/errors.js';
import { findProtocol } from '../protocols/catalog.js';
import { CsvError } from '../sim/csv.js';
import { parseFeed, startFeed } from './feed.js';
import { EngineHost } from './host.js';
import { openSqliteJournal } from './journalSqlite.js';

const { dir, cleanup } = tempDir('solvent-feed-');
afterAll(cleanup);
const silent = { warn: () => undefined, info: () => undefined };

async function host() {
  const entry = findProtocol('aave-v3.3');
  const journal = await openSqliteJournal({
    path: join(dir, `${Math.random()}.sqlite`),
    protocol: entry.model.id,
  });
  const h = await EngineHost.open({ entry, journal, clock: () => 1_700_000_000_000 });
  await h.bootstrap(aaveSetup(), 'init');
  return h;
}

const CSV = 'timestamp,price\n1700000000,1900.5\n1700000060,1850.25\n1700000120,1799.999999999\n';

describe('parseFeed', () => {
  test('default', () => {
    const spec = parseFeed('WETH=eth.csv', CSV, 'feed');
    expect(spec).toMatchObject({ asset: 'WETH', source: 'feed', origin: 'eth.csv' });
    expect(spec.points.map((p) => p.price)).toEqual([1900.5, 1850.25, 1799.999999999]);
  });

  test('error: a malformed spec or file is refused', () => {
    expect(() => parseFeed('WETH', CSV, 'feed')).toThrow(InvalidParameterError);
    expect(() => parseFeed('WETH=x.csv', 'timestamp,price\n2,1\n1,1\n', 'feed')).toThrow(CsvError);
  });
});

describe('startFeed', () => {
  test('default', async () => {
    const h = await host();
    const before = h.commandSeq;
    // 60 CSV seconds at 6,000× is 10 ms of wall time per row.
    const feed = startFeed({
      host: h,
      spec: parseFeed('WETH=eth.csv', CSV, 'feed'),
      speed: 6_000,
      logger: silent,
    });
    await feed.finished;
    expect(feed.status()).toMatchObject({
      published: 3,
      refused: 0,
      total: 3,
      lastPrice: 1799.999999999,
      done: true,
    });
    expect(h.commandSeq).toBe(before + 3);
    // USD·1e8, rounded half up: 1,799.999999999 → 180000000000.
    expect(h.state.oracle.assets.WETH?.observations.feed?.price).toBe(180_000_000_000n);
    await h.close();
  });

  test('behavior: done only once the last point has been answered', async () => {
    const h = await host();
    // Hold every submit until released, so the last point is in flight while status is read.
    const submit = h.submit.bind(h);
    const gates: (() => void)[] = [];
    h.submit = ((request: Parameters<typeof submit>[0]) =>
      new Promise<void>((resolve) => gates.push(resolve)).then(() => submit(request))) as typeof h.submit;
    const feed = startFeed({
      host: h,
      spec: parseFeed('WETH=eth.csv', CSV, 'feed'),
      speed: 6_000,
      logger: silent,
    });
    const seen: { done: boolean; answered: number }[] = [];
    for (let released = 0; released < 3; released += 1) {
      while (gates.length <= released) await new Promise((resolve) => setTimeout(resolve, 2));
      const s = feed.status();
      seen.push({ done: s.done, answered: s.published + s.refused });
      gates[released]?.();
    }
    await feed.finished;
    const last = feed.status();
    // While the third point's command was held, two were answered and the feed was not done.
    expect(seen).toEqual([
      { done: false, answered: 0 },
      { done: false, answered: 1 },
      { done: false, answered: 2 },
    ]);
    expect({ done: last.done, published: last.published }).toEqual({ done: true, published: 3 });
    await h.close();
  });

  test('behavior: points the engine refuses are counted and skipped', async () => {
    const h = await host();
    const feed = startFeed({
      host: h,
      spec: parseFeed('DOGE=doge.csv', CSV, 'feed'),
      speed: 6_000,
      logger: silent,
    });
    await feed.finished;
    expect(feed.status()).toMatchObject({ published: 0, refused: 3, lastError: 'InvalidParameter' });
    const wrongSource = startFeed({
      host: h,
      spec: parseFeed('WETH=e.csv', CSV, 'pyth'),
      speed: 6_000,
      logger: silent,
    });
    await wrongSource.finished;
    expect(wrongSource.status()).toMatchObject({
      published: 0,
      refused: 3,
      lastError: 'UnknownOracleSource',
    });
    await h.close();
  });

  test('error: a speed that is not a positive number is refused', async () => {
    const h = await host();
    const spec = parseFeed('WETH=eth.csv', CSV, 'feed');
    expect(() => startFeed({ host: h, spec, speed: 0, logger: silent })).toThrow(InvalidParameterError);
    expect(() => startFeed({ host: h, spec, speed: Number.NaN, logger: silent })).toThrow(
      InvalidParameterError,
    );
    await h.close();
  });
});
