/**
 * Tests of replays built from inline CSV text: the shared window and grid worked out by hand, gas
 * carried onto the grid (across empty cells), the default step and oracle, and every refusal by class.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { CsvPriceError, PriceGapError } from './csv.js';
import {
  DEFAULT_REPLAY_MAX_GAP_SECONDS,
  defaultReplayStepSeconds,
  MAKER_OSM_ORACLE,
  parsePriceSpec,
  ReplayMissingAssetError,
  ReplayWindowError,
  replayNameFor,
  replayScenario,
  replayScenarioFromCsv,
} from './replay.js';

/** 2020-03-12T00:00:00Z. */
const T0 = 1_583_971_200;

/** `timestamp,price` text from [offset seconds, price] rows. */
function csv(rows: readonly (readonly [number, number])[]): string {
  return ['timestamp,price', ...rows.map(([dt, p]) => `${T0 + dt},${p}`)].join('\n');
}

/** ETH every 10 minutes from T0 to T0 + 30 min. */
const ETH = csv([
  [0, 200],
  [600, 190],
  [1200, 180],
  [1800, 170],
]);
/** DAI every 5 minutes (one 10-minute spacing) from T0 + 5 min to T0 + 35 min. */
const DAI = csv([
  [300, 1.01],
  [600, 1.02],
  [900, 1.03],
  [1200, 1.04],
  [1500, 1.05],
  [2100, 1.06],
]);

const prices = (...texts: readonly (readonly [string, string])[]) =>
  texts.map(([asset, text]) => ({ asset, text, sourceName: `${asset.toLowerCase()}.csv` }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

describe('replayScenarioFromCsv', () => {
  test('default: two assets on one grid over their common window, step from the coarser series', () => {
    const r = replayScenarioFromCsv({ prices: prices(['ETH', ETH], ['DAI', DAI]), name: 'replay:x' });
    // ETH spacing 600 s; DAI spacings 300,300,300,300,600 → median 300; the larger is 600.
    expect(r.stepSeconds).toBe(600);
    // Window: latest first observation (DAI, T0+300) to earliest last one (ETH, T0+1800).
    expect(r.window).toEqual({
      startSeconds: T0 + 300,
      endSeconds: T0 + 1800,
      startLimitedBy: 'DAI',
      endLimitedBy: 'ETH',
    });
    // Grid T0+300, T0+900, T0+1500 (T0+2100 is past the end).
    expect(r.timesUnixSeconds).toEqual([T0 + 300, T0 + 900, T0 + 1500]);
    // Each grid time takes the last observation at or before it.
    expect(r.assets.ETH).toEqual([
      { tSeconds: T0 + 300, price: 200 },
      { tSeconds: T0 + 900, price: 190 },
      { tSeconds: T0 + 1500, price: 180 },
    ]);
    expect(r.assets.DAI?.map((p) => p.price)).toEqual([1.01, 1.03, 1.05]);
    expect(Object.keys(r.assets)).toEqual(['ETH', 'DAI']);
    expect(r.gas).toBeNull();
    expect(r.oracle).toEqual(MAKER_OSM_ORACLE);
    expect(r.oracle).toMatchObject({ kind: 'osm', delaySeconds: 3600 });
    expect(r.name).toBe('replay:x');
    expect(r.kind).toBe('replay');
  });

  test('behavior: gas is carried forward onto the grid, across empty cells, from p60_gwei by default', () => {
    const eth = csv([0, 60, 120, 180, 240].map((dt) => [dt, 200 - dt / 60] as const));
    const gasText = [
      'timestamp,avg_gwei,p60_gwei',
      `${T0},5,10`,
      `${T0 + 60},6,`,
      `${T0 + 150},7,40`,
      `${T0 + 240},8,80`,
    ].join('\n');
    const r = replayScenarioFromCsv({
      prices: prices(['ETH', eth]),
      gas: { text: gasText, sourceName: 'gas.csv' },
      name: 'g',
    });
    expect(r.stepSeconds).toBe(60);
    // T0: 10; T0+60: empty cell, still 10; T0+120: 10 (40 arrives at T0+150); T0+180: 40; T0+240: 80.
    expect(r.gas?.map((p) => p.price)).toEqual([10, 10, 10, 40, 80]);
    expect(r.gas?.map((p) => p.tSeconds)).toEqual(r.timesUnixSeconds);
    // Another column by name.
    const avg = replayScenarioFromCsv({
      prices: prices(['ETH', eth]),
      gas: { text: gasText, sourceName: 'gas.csv', column: 'avg_gwei' },
      name: 'g',
    });
    expect(avg.gas?.map((p) => p.price)).toEqual([5, 6, 6, 7, 8]);
  });

  test('behavior: a gas series that ends early shortens the window; an explicit step is kept', () => {
    const gasText = ['timestamp,p60_gwei', `${T0},10`, `${T0 + 1300},20`].join('\n');
    const r = replayScenarioFromCsv({
      prices: prices(['ETH', ETH]),
      gas: { text: gasText, sourceName: 'gas.csv' },
      stepSeconds: 300,
      name: 'g',
    });
    expect(r.window.endLimitedBy).toBe('gas');
    expect(r.window.endSeconds).toBe(T0 + 1300);
    expect(r.timesUnixSeconds).toEqual([0, 300, 600, 900, 1200].map((dt) => T0 + dt));
    expect(r.assets.ETH?.map((p) => p.price)).toEqual([200, 200, 190, 190, 180]);
    expect(r.gas?.map((p) => p.price)).toEqual([10, 10, 10, 10, 10]);
  });

  test('behavior: inputs are not mutated', () => {
    const path = Object.freeze([
      Object.freeze({ tSeconds: 0, price: 2 }),
      Object.freeze({ tSeconds: 10, price: 1 }),
    ]);
    const gas = Object.freeze([
      Object.freeze({ tSeconds: 0, gasPriceGwei: 3 }),
      Object.freeze({ tSeconds: 10, gasPriceGwei: 4 }),
    ]);
    const input = Object.freeze({ prices: Object.freeze({ ETH: path }), gas, name: 'n' });
    const r = replayScenario(input);
    expect(r.assets.ETH).toEqual(path);
    expect(r.gas).toEqual([
      { tSeconds: 0, price: 3 },
      { tSeconds: 10, price: 4 },
    ]);
  });

  test('error: a required asset without a series names it', () => {
    const e = thrown(() =>
      replayScenarioFromCsv({ prices: prices(['DAI', DAI]), name: 'n', requiredAssets: ['ETH'] }),
    );
    expect(e).toBeInstanceOf(ReplayMissingAssetError);
    expect((e as ReplayMissingAssetError).asset).toBe('ETH');
    expect((e as ReplayMissingAssetError).field).toBe('prices.ETH');
  });

  test('error: series that share no window, or a window shorter than a step', () => {
    const late = csv([
      [7200, 1],
      [7800, 1],
    ]);
    const apart = thrown(() =>
      replayScenarioFromCsv({ prices: prices(['ETH', ETH], ['DAI', late]), name: 'n' }),
    );
    expect(apart).toBeInstanceOf(ReplayWindowError);
    expect((apart as ReplayWindowError).field).toBe('prices.ETH');
    const gasText = ['timestamp,p60_gwei', `${T0 + 3600},10`, `${T0 + 4000},10`].join('\n');
    const gasApart = thrown(() =>
      replayScenarioFromCsv({
        prices: prices(['ETH', ETH]),
        gas: { text: gasText, sourceName: 'g' },
        name: 'n',
      }),
    );
    expect(gasApart).toBeInstanceOf(ReplayWindowError);
    expect(() =>
      replayScenarioFromCsv({ prices: prices(['ETH', ETH]), stepSeconds: 1801, name: 'n' }),
    ).toThrow(ReplayWindowError);
    // A single observation has no spacing to take a step from.
    expect(() => replayScenarioFromCsv({ prices: prices(['ETH', csv([[0, 1]])]), name: 'n' })).toThrow(
      ReplayWindowError,
    );
  });

  test('error: a hole longer than the gap limit names the series (price or gas)', () => {
    // 10-minute ETH with 2 hours missing: the default limit is max(3600, 600) = 3600 s.
    const holed = csv([
      [0, 200],
      [600, 190],
      [8400, 150],
      [9000, 140],
    ]);
    expect(DEFAULT_REPLAY_MAX_GAP_SECONDS).toBe(3600);
    const e = thrown(() =>
      replayScenarioFromCsv({ prices: prices(['ETH', holed]), stepSeconds: 600, name: 'n' }),
    );
    expect(e).toBeInstanceOf(PriceGapError);
    expect((e as PriceGapError).label).toBe('ETH');
    expect((e as PriceGapError).fromSeconds).toBe(T0 + 600);
    // Raising the limit carries the last price across it.
    const carried = replayScenarioFromCsv({
      prices: prices(['ETH', holed]),
      stepSeconds: 600,
      maxGapSeconds: 7800,
      name: 'n',
    });
    // Grid index 13 is T0+7800 (still 190); 14 is T0+8400 (150).
    expect(carried.assets.ETH?.[13]?.price).toBe(190);
    expect(carried.assets.ETH?.[14]?.price).toBe(150);
    const gasText = ['timestamp,p60_gwei', `${T0},10`, `${T0 + 1800},10`].join('\n');
    const gasGap = thrown(() =>
      replayScenarioFromCsv({
        prices: prices(['ETH', ETH]),
        gas: { text: gasText, sourceName: 'g' },
        maxGapSeconds: 900,
        name: 'n',
      }),
    );
    expect(gasGap).toBeInstanceOf(PriceGapError);
    expect((gasGap as PriceGapError).label).toBe('gas');
  });

  test('error: bad CSV names the file and line; bad options name the field', () => {
    const bad = `${ETH}\n${T0 + 2400},-3`;
    const e = thrown(() => replayScenarioFromCsv({ prices: prices(['ETH', bad]), name: 'n' }));
    expect(e).toBeInstanceOf(CsvPriceError);
    expect((e as CsvPriceError).source).toBe('eth.csv');
    expect((e as CsvPriceError).line).toBe(6);
    const field = (fn: () => unknown) => {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(InvalidParameterError);
      return (err as InvalidParameterError).field;
    };
    expect(
      field(() => replayScenarioFromCsv({ prices: prices(['ETH', ETH], ['ETH', ETH]), name: 'n' })),
    ).toBe('prices.ETH');
    expect(field(() => replayScenarioFromCsv({ prices: prices(['ETH', ETH]), name: ' ' }))).toBe('name');
    expect(field(() => replayScenarioFromCsv({ prices: [], name: 'n' }))).toBe('prices');
    expect(
      field(() => replayScenarioFromCsv({ prices: prices(['ETH', ETH]), stepSeconds: 0, name: 'n' })),
    ).toBe('stepSeconds');
    expect(field(() => replayScenarioFromCsv({ prices: prices(['1ETH', ETH]), name: 'n' }))).toBe(
      'prices.1ETH',
    );
    const path = [
      { tSeconds: 0, price: 1 },
      { tSeconds: 10, price: 1 },
    ];
    expect(
      field(() =>
        replayScenario({ prices: { ETH: path }, gas: [{ tSeconds: 0, gasPriceGwei: -1 }], name: 'n' }),
      ),
    ).toBe('gas[0].gasPriceGwei');
    expect(field(() => replayScenario({ prices: { ETH: [...path].reverse() }, name: 'n' }))).toBe(
      'prices.ETH[1].tSeconds',
    );
    expect(field(() => replayScenario({ prices: { ETH: [{ tSeconds: 0, price: 0 }] }, name: 'n' }))).toBe(
      'prices.ETH[0].price',
    );
  });
});

describe('defaultReplayStepSeconds', () => {
  test('default: the largest per-series median spacing', () => {
    const path = (times: readonly number[]) => times.map((tSeconds) => ({ tSeconds, price: 1 }));
    expect(defaultReplayStepSeconds({ A: path([0, 60, 120, 180, 600]) })).toBe(60);
    expect(defaultReplayStepSeconds({ A: path([0, 60, 120]), B: path([0, 300, 600, 900]) })).toBe(300);
    // Even count of spacings: the lower middle (60 of 60, 60, 300, 300).
    expect(defaultReplayStepSeconds({ A: path([0, 60, 120, 420, 720]) })).toBe(60);
  });
});

describe('parsePriceSpec', () => {
  test('default: splits at the first =', () => {
    expect(parsePriceSpec('ETH=data/eth.csv')).toEqual({ asset: 'ETH', path: 'data/eth.csv' });
    expect(parsePriceSpec('DAI=a=b.csv')).toEqual({ asset: 'DAI', path: 'a=b.csv' });
  });

  test('error: no =, an empty path or a bad symbol', () => {
    for (const spec of ['eth.csv', 'ETH=', '=eth.csv', '1X=eth.csv']) {
      expect(() => parsePriceSpec(spec)).toThrow(InvalidParameterError);
    }
  });
});

describe('replayNameFor', () => {
  test('default: replay: and the base names joined by +', () => {
    expect(replayNameFor(['../shared/data/prices/eth-usd-2020-03-black-thursday.csv'])).toBe(
      'replay:eth-usd-2020-03-black-thursday.csv',
    );
    expect(replayNameFor(['a/eth.csv', 'C:\\data\\dai.csv'])).toBe('replay:eth.csv+dai.csv');
  });
});
