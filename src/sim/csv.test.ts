/**
 * Tests of the `timestamp,price` parser, the resampler and multi-asset alignment, on inline text:
 * tables of formats with hand-computed unix times, and every refusal by class with its line and
 * column.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  alignSeries,
  CsvDuplicateTimestampError,
  CsvEmptyError,
  type CsvError,
  CsvHeaderError,
  CsvPriceError,
  CsvRowShapeError,
  CsvTimestampError,
  CsvUnsortedError,
  PriceGapError,
  parseIso8601Seconds,
  parsePriceCsv,
  resample,
} from './csv.js';

/** 2020-03-12T00:00:00Z, the first bar of the Black Thursday CoinAPI files (SOURCES.md). */
const BLACK_THURSDAY = 1_583_971_200;

function refusal(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (e) {
    return e as CsvError;
  }
  throw new Error('expected a refusal');
}

describe('parseIso8601Seconds', () => {
  test('default: hand-computed instants', () => {
    const table: readonly [string, number][] = [
      ['1970-01-01', 0],
      ['1970-01-02T00:00:00Z', 86_400],
      ['2000-03-01T00:00:00Z', 951_868_800],
      ['2020-03-12T00:00:00Z', BLACK_THURSDAY],
      ['2020-03-12 00:10', BLACK_THURSDAY + 600],
      ['2020-03-12T00:00:01.5Z', BLACK_THURSDAY + 1.5],
      ['2020-03-12T02:00:00+02:00', BLACK_THURSDAY],
      ['2020-03-11T19:30:00-0430', BLACK_THURSDAY],
      ['2024-02-29T12:00:00+02:00', 1_709_164_800 + 10 * 3600],
    ];
    for (const [text, seconds] of table) expect(parseIso8601Seconds(text)).toBe(seconds);
  });

  test('error: impossible dates and other text are undefined', () => {
    for (const bad of [
      '2021-02-29',
      '2020-13-01',
      '2020-04-31',
      '2020-03-12T24:00',
      '2020-03-12T10:60',
      '12/03/2020',
    ]) {
      expect(parseIso8601Seconds(bad)).toBeUndefined();
    }
  });
});

describe('parsePriceCsv', () => {
  test('default: header and unix seconds', () => {
    const parsed = parsePriceCsv('timestamp,price\n1583712000,205.46\n1583712300,204.83\n');
    expect(parsed).toEqual({
      points: [
        { tSeconds: 1_583_712_000, price: 205.46 },
        { tSeconds: 1_583_712_300, price: 204.83 },
      ],
      timestampFormat: 'unix-seconds',
      hasHeader: true,
    });
  });

  test('behavior: formats and layouts that read the same series', () => {
    const expected = [
      { tSeconds: BLACK_THURSDAY, price: 194.52 },
      { tSeconds: BLACK_THURSDAY + 600, price: 193.93 },
    ];
    const table: readonly [string, string][] = [
      ['no header', `${BLACK_THURSDAY},194.52\n${BLACK_THURSDAY + 600},193.93`],
      ['milliseconds', `timestamp,price\n${BLACK_THURSDAY}000,194.52\n${BLACK_THURSDAY + 600}000,193.93`],
      ['ISO 8601', 'timestamp,price\n2020-03-12T00:00:00Z,194.52\n2020-03-12T00:10:00Z,193.93'],
      [
        'CRLF, BOM, spaces, blank lines',
        `\uFEFFTimestamp , Price\r\n\r\n ${BLACK_THURSDAY} , 194.52 \r\n${BLACK_THURSDAY + 600},193.93\r\n\r\n`,
      ],
      ['exponent prices', `${BLACK_THURSDAY},1.9452e2\n${BLACK_THURSDAY + 600},19393E-2`],
    ];
    for (const [name, text] of table) expect(parsePriceCsv(text).points, name).toEqual(expected);
    expect(parsePriceCsv(table[1]?.[1] as string).timestampFormat).toBe('unix-milliseconds');
    expect(parsePriceCsv(table[2]?.[1] as string).timestampFormat).toBe('iso8601');
  });

  test('behavior: any resolution, sub-second milliseconds and tiny prices', () => {
    const parsed = parsePriceCsv('1652402340000,0.00005\n1652402340250,0.00004\n1652402400000,0.00006');
    expect(parsed.points.map((p) => p.tSeconds)).toEqual([1_652_402_340, 1_652_402_340.25, 1_652_402_400]);
    expect(parsed.points.map((p) => p.price)).toEqual([0.00005, 0.00004, 0.00006]);
  });

  test('behavior: an explicit format is enforced from the first row', () => {
    const e = refusal(() =>
      parsePriceCsv('2020-03-12,1', { timestampFormat: 'unix-seconds', sourceName: 'x.csv' }),
    );
    expect(e).toBeInstanceOf(CsvTimestampError);
    expect([e.source, e.line, e.column]).toEqual(['x.csv', 1, 'timestamp']);
  });

  test('error: each bad input by class, with source, line and column', () => {
    const table: readonly [string, string, abstract new (...args: never[]) => CsvError, number, string][] = [
      ['bad header', 'time,close\n1,2', CsvHeaderError, 1, 'row'],
      ['header with 3 columns', 'timestamp,price,volume\n1,2', CsvHeaderError, 1, 'row'],
      ['3 fields', 'timestamp,price\n1,2\n3,4,5', CsvRowShapeError, 3, 'row'],
      ['1 field', 'timestamp,price\n1,2\n\n3', CsvRowShapeError, 4, 'row'],
      ['garbled timestamp', 'timestamp,price\n1,2\n1x,3', CsvTimestampError, 3, 'timestamp'],
      ['invalid date', 'timestamp,price\n2021-02-28,2\n2021-02-30,3', CsvTimestampError, 3, 'timestamp'],
      ['ms in a seconds file', '1583971200,1\n1583971800000,2', CsvTimestampError, 2, 'timestamp'],
      ['seconds in a ms file', '1583971200000,1\n1583971800,2', CsvTimestampError, 2, 'timestamp'],
      ['unix in an ISO file', '2020-03-12,1\n1583971800,2', CsvTimestampError, 2, 'timestamp'],
      ['negative timestamp', '-5,1', CsvTimestampError, 1, 'timestamp'],
      ['non-numeric price', 'timestamp,price\n1,abc', CsvPriceError, 2, 'price'],
      ['negative price', '1,2\n2,-3', CsvPriceError, 2, 'price'],
      ['zero price', '1,0', CsvPriceError, 1, 'price'],
      ['NaN price', '1,NaN', CsvPriceError, 1, 'price'],
      ['Infinity price', '1,Infinity', CsvPriceError, 1, 'price'],
      ['overflowing price', '1,1e400', CsvPriceError, 1, 'price'],
      ['hex price', '1,0x10', CsvPriceError, 1, 'price'],
      ['empty price', '1,', CsvPriceError, 1, 'price'],
      ['unsorted', '10,1\n20,1\n15,1', CsvUnsortedError, 3, 'timestamp'],
      ['duplicate timestamp', '10,1\n20,1\n20,2', CsvDuplicateTimestampError, 3, 'timestamp'],
      ['duplicate row', 'timestamp,price\n10,1\n10,1', CsvDuplicateTimestampError, 3, 'timestamp'],
      [
        'same instant in two ISO spellings',
        '2020-03-12T00:00Z,1\n2020-03-12T02:00+02:00,1',
        CsvDuplicateTimestampError,
        2,
        'timestamp',
      ],
      ['empty text', '', CsvEmptyError, 0, 'row'],
      ['header only', 'timestamp,price\n', CsvEmptyError, 0, 'row'],
    ];
    for (const [name, text, ErrorClass, line, column] of table) {
      const e = refusal(() => parsePriceCsv(text, { sourceName: 'eth.csv' }));
      expect(e, name).toBeInstanceOf(ErrorClass);
      expect([e.source, e.line, e.column], name).toEqual(['eth.csv', line, column]);
    }
  });
});

describe('resample', () => {
  const points = [
    { tSeconds: 0, price: 10 },
    { tSeconds: 50, price: 11 },
    { tSeconds: 60, price: 12 },
    { tSeconds: 250, price: 9 },
  ];

  test('default: the last value carried forward from the first to the last observation', () => {
    expect(resample(points, { stepSeconds: 100 })).toEqual([
      { tSeconds: 0, price: 10 },
      { tSeconds: 100, price: 12 },
      { tSeconds: 200, price: 12 },
    ]);
  });

  test('behavior: a finer grid, a given window, an observation exactly on a grid time', () => {
    // Grid 50, 75, 100: 50 holds the row at 50 (11); 75 and 100 hold the row at 60 (12).
    expect(
      resample(points, { stepSeconds: 25, startSeconds: 50, endSeconds: 100 }).map((p) => p.price),
    ).toEqual([11, 12, 12]);
    expect(resample(points, { stepSeconds: 50, startSeconds: 200, endSeconds: 400 })).toEqual([
      { tSeconds: 200, price: 12 },
      { tSeconds: 250, price: 9 },
      { tSeconds: 300, price: 9 },
      { tSeconds: 350, price: 9 },
      { tSeconds: 400, price: 9 },
    ]);
  });

  test('behavior: a grid of 2,016 five-minute steps does not drift', () => {
    const grid = resample(
      [
        { tSeconds: 1_583_712_000, price: 1 },
        { tSeconds: 1_583_712_000 + 2_015 * 300, price: 2 },
      ],
      { stepSeconds: 300 },
    );
    expect(grid).toHaveLength(2_016);
    expect(grid[2_015]).toEqual({ tSeconds: 1_583_712_000 + 2_015 * 300, price: 2 });
  });

  test('error: a gap longer than maxGapSeconds', () => {
    const e = refusal(() => resample(points, { stepSeconds: 10, maxGapSeconds: 60, label: 'ETH' }));
    expect(e).toBeInstanceOf(PriceGapError);
    expect((e as unknown as PriceGapError).fromSeconds).toBe(60);
    expect((e as unknown as PriceGapError).toSeconds).toBe(250);
    expect(() => resample(points, { stepSeconds: 10, maxGapSeconds: 190 })).not.toThrow();
  });

  test('error: bad windows, steps and series name their field', () => {
    const field = (fn: () => unknown): string => (refusal(fn) as unknown as InvalidParameterError).field;
    expect(field(() => resample(points, { stepSeconds: 10, startSeconds: -1 }))).toBe('startSeconds');
    expect(field(() => resample(points, { stepSeconds: 10, startSeconds: 100, endSeconds: 50 }))).toBe(
      'endSeconds',
    );
    expect(field(() => resample(points, { stepSeconds: 0 }))).toBe('stepSeconds');
    expect(field(() => resample([], { stepSeconds: 10 }))).toBe('series');
    expect(
      field(() => resample([points[1], points[0]] as typeof points, { stepSeconds: 10, label: 'BTC' })),
    ).toBe('BTC[1].tSeconds');
    expect(() => resample([], { stepSeconds: 10 })).toThrow(InvalidParameterError);
  });
});

describe('alignSeries', () => {
  test('default: the common window on one grid, each asset carried forward', () => {
    const aligned = alignSeries(
      {
        ETH: [
          { tSeconds: 0, price: 200 },
          { tSeconds: 300, price: 190 },
          { tSeconds: 600, price: 180 },
          { tSeconds: 900, price: 170 },
        ],
        BTC: [
          { tSeconds: 300, price: 8000 },
          { tSeconds: 1_500, price: 7000 },
        ],
      },
      { stepSeconds: 300 },
    );
    expect(aligned.tSeconds).toEqual([300, 600, 900]);
    expect(aligned.prices).toEqual({ ETH: [190, 180, 170], BTC: [8000, 8000, 8000] });
    expect(Object.keys(aligned.prices)).toEqual(['ETH', 'BTC']);
  });

  test('behavior: an explicit window may carry past an asset’s last row', () => {
    const aligned = alignSeries(
      { A: [{ tSeconds: 0, price: 1 }], B: [{ tSeconds: 0, price: 2 }] },
      { stepSeconds: 60, startSeconds: 0, endSeconds: 120 },
    );
    expect(aligned.prices).toEqual({ A: [1, 1, 1], B: [2, 2, 2] });
  });

  test('error: no common window, no asset, a gap named by its asset', () => {
    const disjoint = {
      A: [{ tSeconds: 0, price: 1 }],
      B: [{ tSeconds: 100, price: 1 }],
    };
    expect(
      (refusal(() => alignSeries(disjoint, { stepSeconds: 10 })) as unknown as InvalidParameterError).field,
    ).toBe('prices');
    expect(() => alignSeries({}, { stepSeconds: 10 })).toThrow(InvalidParameterError);
    const gappy = {
      A: [
        { tSeconds: 0, price: 1 },
        { tSeconds: 1000, price: 1 },
      ],
      B: [
        { tSeconds: 0, price: 1 },
        { tSeconds: 100, price: 1 },
        { tSeconds: 1000, price: 1 },
      ],
    };
    const e = refusal(() => alignSeries(gappy, { stepSeconds: 100, maxGapSeconds: 300 }));
    expect(e).toBeInstanceOf(PriceGapError);
    expect((e as unknown as PriceGapError).label).toBe('A');
  });
});
