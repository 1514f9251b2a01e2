/**
 * Tests of the gas module: the multi-column CSV parser and column choice (on rows copied from the
 * real Black Thursday gas file), carrying gas onto step times, the volatility model against a step
 * worked by hand, its monotone response to a volatility jump with a fixed seed, the cap and floor,
 * and the transaction cost.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  CsvDuplicateTimestampError,
  CsvEmptyError,
  CsvError,
  CsvHeaderError,
  CsvPriceError,
  CsvRowShapeError,
  CsvTimestampError,
  CsvUnsortedError,
} from './csv.js';
import {
  DEFAULT_GAS_COLUMN,
  gasAtTimes,
  gasSeriesFromTable,
  parseGasCsv,
  parseNumericCsv,
  splitGasSpec,
  txCostUsd,
  type VolatilityGasParams,
  volatilityGasSeries,
} from './gas.js';
import { type PricePath, SECONDS_PER_YEAR } from './paths.js';
import { createRng, normals } from './rng.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error('expected an InvalidParameterError');
}

function csvErrorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('expected a CsvError');
}

// Rows of shared/data/gas/eth-gas-2020-03-12-black-thursday-1min.csv (header, lines 2-4 and
// 38-42, including its empty row for a minute with no transaction).
const REAL = [
  'timestamp,tx_count,avg_gwei,p30_gwei,p60_gwei,p90_gwei,max_gwei',
  '1583971200,397,15.025,6,10,35,126.11',
  '1583971260,338,10.986,6,10,21,126.11',
  '1583971320,619,7.259,1.827,5.078,19.467,88.6',
  '1583973300,528,8.867,3,8.894,21.6,60',
  '1583973360,456,18.985,10,15,40,200',
  '1583973420,0,,,,,',
  '1583973480,304,12.557,7,10,20,82',
  '1583973540,790,7.866,3,6,19,90',
].join('\n');

describe('parseNumericCsv', () => {
  test('default', () => {
    const table = parseNumericCsv(REAL, { sourceName: 'gas.csv' });
    expect(table.columns).toEqual(['tx_count', 'avg_gwei', 'p30_gwei', 'p60_gwei', 'p90_gwei', 'max_gwei']);
    expect(table.rows).toHaveLength(8);
    expect(table.timestampFormat).toBe('unix-seconds');
    expect(table.rows[2]).toEqual({
      line: 4,
      tSeconds: 1583971320,
      values: [619, 7.259, 1.827, 5.078, 19.467, 88.6],
    });
    expect(table.rows[5]?.values).toEqual([0, undefined, undefined, undefined, undefined, undefined]);
  });

  test('behavior: ISO times, BOM, CRLF, blank lines and spaces are accepted', () => {
    const text = '\uFEFFtimestamp, gwei\r\n\r\n2020-03-12T00:00:00Z, 10\r\n2020-03-12T00:01:00Z ,1.5e1\r\n';
    const table = parseNumericCsv(text);
    expect(table.timestampFormat).toBe('iso8601');
    // 2020-03-12T00:00Z is 18333 days after 1970-01-01: 18333 × 86400 = 1583971200.
    expect(table.rows.map((r) => [r.tSeconds, r.values[0]])).toEqual([
      [1583971200, 10],
      [1583971260, 15],
    ]);
  });

  test('error: bad input names the line and column by class', () => {
    const header = 'timestamp,p60_gwei,p90_gwei';
    const cases: [string, new (...args: never[]) => CsvError, number][] = [
      ['time,p60_gwei\n1,2', CsvHeaderError, 1],
      ['timestamp\n1', CsvHeaderError, 1],
      ['timestamp,a,a\n1,2,3', CsvHeaderError, 1],
      ['1583971200,10', CsvHeaderError, 1],
      [`${header}\n1583971200,10`, CsvRowShapeError, 2],
      [`${header}\n1583971200,10,20\nnoon,1,2`, CsvTimestampError, 3],
      [`${header}\n1583971200,10,-5`, CsvPriceError, 2],
      [`${header}\n1583971200,10,abc`, CsvPriceError, 2],
      [`${header}\n1583971260,10,20\n1583971200,10,20`, CsvUnsortedError, 3],
      [`${header}\n1583971200,10,20\n\n1583971200,10,20`, CsvDuplicateTimestampError, 4],
      [`${header}\n`, CsvEmptyError, 0],
      ['', CsvEmptyError, 0],
    ];
    for (const [text, ErrorClass, line] of cases) {
      const error = csvErrorOf(() => parseNumericCsv(text, { sourceName: 'g.csv' }));
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error.line).toBe(line);
      expect(error.source).toBe('g.csv');
    }
    expect(csvErrorOf(() => parseNumericCsv(`${header}\n1583971200,x,1`)).column).toBe('price');
    expect(csvErrorOf(() => parseNumericCsv(`${header}\nnoon,1,1`)).column).toBe('timestamp');
  });
});

describe('gasSeriesFromTable', () => {
  const table = parseNumericCsv(REAL, { sourceName: 'gas.csv' });

  test('default', () => {
    // Several columns: p60_gwei is the default; the empty minute is skipped.
    const { column, points, skippedRows } = gasSeriesFromTable(table);
    expect(column).toBe(DEFAULT_GAS_COLUMN);
    expect(points.map((p) => p.gasPriceGwei)).toEqual([10, 10, 5.078, 8.894, 15, 10, 6]);
    expect(points[4]).toEqual({ tSeconds: 1583973360, gasPriceGwei: 15 });
    expect(skippedRows).toBe(1);
  });

  test('behavior: a named column, or the only one', () => {
    expect(gasSeriesFromTable(table, 'p90_gwei').points.map((p) => p.gasPriceGwei)).toEqual([
      35, 21, 19.467, 21.6, 40, 20, 19,
    ]);
    const single = parseNumericCsv('timestamp,gwei\n0,12\n60,14');
    expect(gasSeriesFromTable(single).column).toBe('gwei');
    expect(parseGasCsv(REAL, { column: 'max_gwei' }).points[4]?.gasPriceGwei).toBe(200);
  });

  test('error: unknown or ambiguous column, or a column with no value', () => {
    expect(fieldOf(() => gasSeriesFromTable(table, 'p99_gwei'))).toBe('column');
    const two = parseNumericCsv('timestamp,fast,slow\n0,12,3');
    expect(fieldOf(() => gasSeriesFromTable(two))).toBe('column');
    const empty = parseNumericCsv('timestamp,gwei,n\n0,,3\n60,,4');
    expect(() => gasSeriesFromTable(empty, 'gwei')).toThrow(CsvEmptyError);
  });
});

describe('splitGasSpec', () => {
  test('default', () => {
    expect(splitGasSpec('data/gas.csv:p90_gwei')).toEqual({ path: 'data/gas.csv', column: 'p90_gwei' });
    expect(splitGasSpec('data/gas.csv')).toEqual({ path: 'data/gas.csv' });
  });

  test('behavior: a colon that is part of the path stays there', () => {
    expect(splitGasSpec('C:\\gas.csv')).toEqual({ path: 'C:\\gas.csv' });
    expect(splitGasSpec('/a:b/gas.csv')).toEqual({ path: '/a:b/gas.csv' });
    expect(splitGasSpec(':p60_gwei')).toEqual({ path: ':p60_gwei' });
  });
});

describe('gasAtTimes', () => {
  const series = [
    { tSeconds: 0, gasPriceGwei: 10 },
    { tSeconds: 60, gasPriceGwei: 20 },
    { tSeconds: 180, gasPriceGwei: 30 },
  ];

  test('default', () => {
    expect(gasAtTimes(series, [0, 30, 60, 179, 180, 500])).toEqual([10, 10, 20, 20, 30, 30]);
  });

  test('error: times before the data, too far past it, unsorted; bad series', () => {
    expect(fieldOf(() => gasAtTimes(series, [-1]))).toBe('tSeconds[0]');
    expect(fieldOf(() => gasAtTimes(series, [0, 500], { maxGapSeconds: 300 }))).toBe('tSeconds[1]');
    expect(fieldOf(() => gasAtTimes(series, [60, 0]))).toBe('tSeconds[1]');
    expect(fieldOf(() => gasAtTimes([], [0]))).toBe('series');
    expect(fieldOf(() => gasAtTimes([...series].reverse(), [0]))).toBe('series[1].tSeconds');
    expect(fieldOf(() => gasAtTimes(series, [0], { maxGapSeconds: -1 }))).toBe('maxGapSeconds');
  });
});

const MODEL: VolatilityGasParams = {
  baseGasPriceGwei: 10,
  sensitivity: 1,
  volHalfLifeSeconds: 3600,
  meanReversionHalfLifeSeconds: 3600,
  capGasPriceGwei: 1000,
};

/** Prices every `stepSeconds` whose log returns alternate ±`logReturn(i)`. */
function zigzag(steps: number, stepSeconds: number, logReturn: (i: number) => number): PricePath {
  const out = [{ tSeconds: 0, price: 100 }];
  for (let i = 1; i <= steps; i++) {
    const previous = out[i - 1]?.price as number;
    out.push({
      tSeconds: i * stepSeconds,
      price: previous * Math.exp((i % 2 === 0 ? -1 : 1) * logReturn(i)),
    });
  }
  return out;
}

describe('volatilityGasSeries', () => {
  test('default', () => {
    // One step of dt = 3600 s with both half-lives 3600 s: λ = κ = 1/2. With reference vol 0,
    // v = r²/7200 per second, σ² = v · 31536000 = 4380 r². Choosing r = 3/√4380 gives σ = 3,
    // target = 10 · (1 + 3) = 40, and ln g = ½ ln 10 + ½ ln 40, so g = √400 = 20 gwei.
    const r = 3 / Math.sqrt(4380);
    expect(SECONDS_PER_YEAR / 7200).toBe(4380);
    const path = [
      { tSeconds: 0, price: 100 },
      { tSeconds: 3600, price: 100 * Math.exp(r) },
    ];
    const { series, realizedVolAnnual, targetGasPriceGwei } = volatilityGasSeries(createRng(1), path, MODEL);
    expect(series[0]).toEqual({ tSeconds: 0, gasPriceGwei: 10 });
    expect(series[1]?.tSeconds).toBe(3600);
    expect(realizedVolAnnual[1]).toBeCloseTo(3, 12);
    expect(targetGasPriceGwei[1]).toBeCloseTo(40, 11);
    expect(series[1]?.gasPriceGwei).toBeCloseTo(20, 11);
  });

  test('behavior: a flat path keeps gas at the base', () => {
    const flat = Array.from({ length: 20 }, (_, i) => ({ tSeconds: 60 * i, price: 150 }));
    const { series } = volatilityGasSeries(createRng(1), flat, { ...MODEL, referenceVolAnnual: 0.8 });
    for (const p of series) expect(p.gasPriceGwei).toBeCloseTo(10, 12);
  });

  test('behavior: gas responds monotonically to a volatility jump, with the same seed', () => {
    // Same seed, same times; B's absolute log returns equal A's for 100 steps, then 15× larger.
    // Each step is non-decreasing in |r| and in the previous gas, so B's gas is never below A's,
    // equal before the jump, and rises above it after.
    const params = { ...MODEL, sensitivity: 4, referenceVolAnnual: 0.5, noiseLogSdPerSqrtHour: 0.3 };
    const calm = zigzag(200, 60, () => 0.002);
    const jump = zigzag(200, 60, (i) => (i <= 100 ? 0.002 : 0.03));
    const a = volatilityGasSeries(createRng(9), calm, params);
    const b = volatilityGasSeries(createRng(9), jump, params);
    for (let i = 0; i <= 200; i++) {
      const ga = a.series[i]?.gasPriceGwei as number;
      const gb = b.series[i]?.gasPriceGwei as number;
      if (i <= 100) expect(gb).toBe(ga);
      else expect(gb).toBeGreaterThan(ga);
      expect(b.realizedVolAnnual[i]).toBeGreaterThanOrEqual(a.realizedVolAnnual[i] as number);
    }
    // Noise enters both log-gas recursions identically, so ln(gB/gA) evolves without it:
    // d ← (1 − κ)·d + κ·ln(targetB/targetA). A's σ ≈ 0.002·√525600 ≈ 1.45, target ≈ 10·(1 + 4·0.95)
    // = 48; B's σ climbs towards 0.03·√525600 ≈ 21.8 (≈ 18 after 100 min of a 1 h EWMA half-life),
    // target ≈ 10·(1 + 4·17.5) ≈ 710. 100 min closes 1 − 2^(−100/60) ≈ 69 % of the log gap
    // ln(710/48) ≈ 2.7 (less while σ ramps): d ≈ 1.5–1.9, so gB/gA > e^1.4 ≈ 4.
    expect(b.realizedVolAnnual[200]).toBeGreaterThan(15);
    expect(b.series[200]?.gasPriceGwei as number).toBeGreaterThan(
      4 * (a.series[200]?.gasPriceGwei as number),
    );
  });

  test('behavior: the cap and the floor hold', () => {
    const wild = zigzag(100, 60, () => 0.2);
    const capped = volatilityGasSeries(createRng(3), wild, {
      ...MODEL,
      sensitivity: 50,
      capGasPriceGwei: 250,
      noiseLogSdPerSqrtHour: 1,
    });
    const values = capped.series.map((p) => p.gasPriceGwei);
    expect(Math.max(...values)).toBe(250);
    expect(values.some((g) => g === 250)).toBe(true);
    // The same draws without the cap go above it, so the cap did the work.
    const free = volatilityGasSeries(createRng(3), wild, {
      ...MODEL,
      sensitivity: 50,
      capGasPriceGwei: 1e9,
      noiseLogSdPerSqrtHour: 1,
    });
    expect(Math.max(...free.series.map((p) => p.gasPriceGwei))).toBeGreaterThan(250);
    const flat = Array.from({ length: 100 }, (_, i) => ({ tSeconds: 60 * i, price: 150 }));
    const floored = volatilityGasSeries(createRng(3), flat, {
      ...MODEL,
      floorGasPriceGwei: 8,
      noiseLogSdPerSqrtHour: 2,
    });
    const low = floored.series.map((p) => p.gasPriceGwei);
    expect(Math.min(...low)).toBe(8);
    const unfloored = volatilityGasSeries(createRng(3), flat, { ...MODEL, noiseLogSdPerSqrtHour: 2 });
    expect(Math.min(...unfloored.series.map((p) => p.gasPriceGwei))).toBeLessThan(8);
  });

  test('behavior: deterministic by seed, one normal per step', () => {
    const path = zigzag(50, 60, (i) => 0.001 * (i % 7));
    const params = { ...MODEL, noiseLogSdPerSqrtHour: 0.5 };
    const first = volatilityGasSeries(createRng(11), path, params);
    expect(volatilityGasSeries(createRng(11), path, params)).toEqual(first);
    expect(volatilityGasSeries(createRng(12), path, params).series).not.toEqual(first.series);
    expect(first.rng).toEqual(normals(createRng(11), 50).rng);
  });

  test('error: bad parameters name their field', () => {
    const rng = createRng(1);
    const path = zigzag(3, 60, () => 0.01);
    const f = (over: Partial<VolatilityGasParams>, p: PricePath = path) =>
      fieldOf(() => volatilityGasSeries(rng, p, { ...MODEL, ...over }));
    expect(f({ baseGasPriceGwei: 0 })).toBe('baseGasPriceGwei');
    expect(f({ sensitivity: -1 })).toBe('sensitivity');
    expect(f({ referenceVolAnnual: Number.NaN })).toBe('referenceVolAnnual');
    expect(f({ volHalfLifeSeconds: 0 })).toBe('volHalfLifeSeconds');
    expect(f({ meanReversionHalfLifeSeconds: Number.POSITIVE_INFINITY })).toBe(
      'meanReversionHalfLifeSeconds',
    );
    expect(f({ noiseLogSdPerSqrtHour: -0.1 })).toBe('noiseLogSdPerSqrtHour');
    expect(f({ capGasPriceGwei: 5 })).toBe('capGasPriceGwei');
    expect(f({ floorGasPriceGwei: 11 })).toBe('floorGasPriceGwei');
    expect(f({}, [])).toBe('path');
    expect(f({}, [{ tSeconds: 0, price: -1 }])).toBe('path[0].price');
    expect(
      f({}, [
        { tSeconds: 5, price: 1 },
        { tSeconds: 5, price: 1 },
      ]),
    ).toBe('path[1].tSeconds');
  });
});

describe('txCostUsd', () => {
  test('default', () => {
    // 200,000 gas × 100 gwei = 2e7 gwei = 0.02 ETH; at $150 that is $3.
    expect(txCostUsd({ gasUnits: 200_000, gasPriceGwei: 100, ethPriceUsd: 150 })).toBeCloseTo(3, 12);
  });

  test('behavior: linear in each input; zero gas price costs nothing', () => {
    // 21,000 × 1,500 gwei = 0.0315 ETH; at $130: $4.095.
    expect(txCostUsd({ gasUnits: 21_000, gasPriceGwei: 1500, ethPriceUsd: 130 })).toBeCloseTo(4.095, 12);
    expect(txCostUsd({ gasUnits: 21_000, gasPriceGwei: 0, ethPriceUsd: 130 })).toBe(0);
  });

  test('error: negative or non-finite inputs name their field', () => {
    expect(fieldOf(() => txCostUsd({ gasUnits: -1, gasPriceGwei: 1, ethPriceUsd: 1 }))).toBe('gasUnits');
    expect(fieldOf(() => txCostUsd({ gasUnits: 1, gasPriceGwei: Number.NaN, ethPriceUsd: 1 }))).toBe(
      'gasPriceGwei',
    );
    expect(fieldOf(() => txCostUsd({ gasUnits: 1, gasPriceGwei: 1, ethPriceUsd: -3 }))).toBe('ethPriceUsd');
  });
});
