/**
 * Price series from `timestamp,price` text (the CLI reads the files; this only parses text), and
 * their resampling onto a step grid with the last value carried forward, alone or several assets
 * aligned on one grid. Every refusal names the source, the line and the column.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import type { PricePath, PricePoint } from './paths.js';

/** How the timestamps of a file are written. */
export type TimestampFormat = 'unix-seconds' | 'unix-milliseconds' | 'iso8601';

/** Unix timestamps at or above this are read as milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
export const UNIX_MILLISECONDS_THRESHOLD = 1e11;

/** The column a CSV error points at: a named field, or the whole row. */
export type CsvColumn = 'timestamp' | 'price' | 'row';

/** Base of every refusal of {@link parsePriceCsv}: where in which source the problem is. */
export class CsvError extends SolventError {
  override name = 'CsvError';
  /** The source as the caller named it (a file path), or `<input>`. */
  readonly source: string;
  /** 1-based line number in the text (0 when the problem is the text as a whole). */
  readonly line: number;
  readonly column: CsvColumn;
  constructor(
    code: string,
    where: { readonly source: string; readonly line: number; readonly column: CsvColumn },
    reason: string,
    hint: string,
  ) {
    const at = where.line > 0 ? `${where.source}:${where.line} (${where.column})` : where.source;
    super(code, `${at}: ${reason}.`, {
      metaMessages: [hint],
      details: { source: where.source, line: String(where.line), column: where.column, reason },
    });
    this.source = where.source;
    this.line = where.line;
    this.column = where.column;
  }
}

/** The first line looks like a header but is not `timestamp,price`. */
export class CsvHeaderError extends CsvError {
  override name = 'CsvHeaderError';
}
/** A row does not have exactly two comma-separated fields. */
export class CsvRowShapeError extends CsvError {
  override name = 'CsvRowShapeError';
}
/** A timestamp is unreadable, invalid, or in a different format from the file's first row. */
export class CsvTimestampError extends CsvError {
  override name = 'CsvTimestampError';
}
/** A price is not a plain positive finite decimal number. */
export class CsvPriceError extends CsvError {
  override name = 'CsvPriceError';
}
/** A timestamp is earlier than the row before it. */
export class CsvUnsortedError extends CsvError {
  override name = 'CsvUnsortedError';
}
/** A timestamp equals the row before it (a duplicate row or a duplicated time). */
export class CsvDuplicateTimestampError extends CsvError {
  override name = 'CsvDuplicateTimestampError';
}
/** The text holds no data row. */
export class CsvEmptyError extends CsvError {
  override name = 'CsvEmptyError';
}

/** Options of {@link parsePriceCsv}. */
export interface ParsePriceCsvOptions {
  /** Name of the source in errors, e.g. the file path (default `<input>`). */
  readonly sourceName?: string;
  /** Timestamp format; `auto` (default) decides from the first data row and holds the rest to it. */
  readonly timestampFormat?: TimestampFormat | 'auto';
}

/** A parsed series. */
export interface ParsedPriceCsv {
  /** Points in strictly increasing time; `tSeconds` in unix seconds (fractional for sub-second data). */
  readonly points: PricePath;
  readonly timestampFormat: TimestampFormat;
  /** Whether the text began with a `timestamp,price` header. */
  readonly hasHeader: boolean;
}

const UNSIGNED_NUMBER = /^\d+(?:\.\d+)?$/;
const PRICE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12): the era-based
 * days-from-civil algorithm (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Unix seconds of an ISO 8601 date or date-time (`2020-03-12`, `2020-03-12T13:05Z`,
 * `2020-03-12 13:05:30.250+01:00`); a time without an offset is read as UTC. Undefined when the
 * text is not such a date or names an impossible one (month 13, 30 February, 24:00).
 */
export function parseIso8601Seconds(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (m === null) return undefined;
  const num = (i: number): number => Number(m[i] ?? '0');
  const [year, month, day, hour, minute, second] = [num(1), num(2), num(3), num(4), num(5), num(6)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  let offsetSeconds = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetSeconds = (zone[0] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  return (
    daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second + fraction - offsetSeconds
  );
}

function detectFormat(field: string): TimestampFormat | undefined {
  if (UNSIGNED_NUMBER.test(field)) {
    return Number(field) >= UNIX_MILLISECONDS_THRESHOLD ? 'unix-milliseconds' : 'unix-seconds';
  }
  return parseIso8601Seconds(field) === undefined ? undefined : 'iso8601';
}

/** Unix seconds of `field` in `format`, or a reason it cannot be read that way. */
function readTimestamp(field: string, format: TimestampFormat): number | string {
  if (format === 'iso8601') {
    return (
      parseIso8601Seconds(field) ?? `"${field}" is not an ISO 8601 date-time (like 2020-03-12T13:05:00Z)`
    );
  }
  if (!UNSIGNED_NUMBER.test(field)) return `"${field}" is not a unix timestamp (digits, optional fraction)`;
  const value = Number(field);
  const isMs = value >= UNIX_MILLISECONDS_THRESHOLD;
  if (format === 'unix-seconds' && isMs) {
    return `${field} looks like unix milliseconds in a file of unix seconds`;
  }
  if (format === 'unix-milliseconds' && !isMs) {
    return `${field} looks like unix seconds in a file of unix milliseconds`;
  }
  return isMs ? value / 1000 : value;
}

/** A non-blank line of CSV text, split into trimmed comma-separated fields. */
export interface CsvLine {
  /** 1-based line number in the text. */
  readonly line: number;
  /** The line without its `\r` ending. */
  readonly raw: string;
  readonly fields: readonly string[];
}

/** A data line whose first field has been read as a timestamp by {@link readCsvRows}. */
export interface CsvTimedRow extends CsvLine {
  /** The timestamp field as written. */
  readonly tsField: string;
  /** Unix seconds (fractional for sub-second data). */
  readonly tSeconds: number;
  /** The file's timestamp format (given, or detected from its first data row). */
  readonly timestampFormat: TimestampFormat;
}

/** Options of {@link readCsvRows}. */
export interface ReadCsvRowsOptions {
  /** Name of the source in errors (a file path, or `<input>`). */
  readonly source: string;
  /** Timestamp format; `auto` or absent decides from the first data row and holds the rest to it. */
  readonly timestampFormat?: TimestampFormat | 'auto' | undefined;
  /**
   * Called with the first non-blank line: true when it is a header (skipped), false when it is
   * data; throws CsvHeaderError for a bad header.
   */
  readonly header: (row: CsvLine) => boolean;
  /** Called with every data line before its timestamp is read; throws CsvRowShapeError. */
  readonly shape: (row: CsvLine) => void;
}

/**
 * The shared row reader of the CSV parsers: drops a UTF-8 BOM, splits lines (`\n` or `\r\n`),
 * skips blank ones, trims fields, hands the first line to `header` and every data line to `shape`,
 * then reads the first field as a timestamp (one format per text). Yields rows lazily, so a caller's
 * error on an earlier row wins over a reader error on a later one. Order is checked by the caller
 * with {@link checkCsvTimeOrder}, before or after its own cells as it documents.
 * @throws CsvTimestampError naming the line (column `timestamp`); whatever `header`/`shape` throw.
 */
export function* readCsvRows(text: string, options: ReadCsvRowsOptions): Generator<CsvTimedRow, void> {
  const source = options.source;
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  let format: TimestampFormat | undefined =
    options.timestampFormat === undefined || options.timestampFormat === 'auto'
      ? undefined
      : options.timestampFormat;
  let seenContent = false;
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = index + 1;
    const fields = raw.split(',').map((f) => f.trim());
    const first = !seenContent;
    seenContent = true;
    if (first && options.header({ line, raw, fields })) continue;
    options.shape({ line, raw, fields });
    const tsField = fields[0] as string;
    if (format === undefined) {
      format = detectFormat(tsField);
      if (format === undefined) {
        throw new CsvTimestampError(
          'CsvTimestamp',
          { source, line, column: 'timestamp' },
          `"${tsField}" is neither a unix timestamp nor an ISO 8601 date-time`,
          'Use unix seconds, unix milliseconds or ISO 8601 (2020-03-12T13:05:00Z).',
        );
      }
    }
    const tSeconds = readTimestamp(tsField, format);
    if (typeof tSeconds === 'string') {
      throw new CsvTimestampError(
        'CsvTimestamp',
        { source, line, column: 'timestamp' },
        tSeconds,
        `Write every timestamp in one format; this file uses ${format} (from its first row).`,
      );
    }
    yield { line, raw, fields, tsField, tSeconds, timestampFormat: format };
  }
}

/**
 * Refuses `row` unless its time is strictly after `previous` (the last accepted row, if any).
 * @throws CsvDuplicateTimestampError or CsvUnsortedError naming `row`'s line (column `timestamp`)
 *   and `previous`'s line in the message.
 */
export function checkCsvTimeOrder(
  source: string,
  row: CsvTimedRow,
  previous: { readonly line: number; readonly tSeconds: number } | undefined,
): void {
  if (previous === undefined || row.tSeconds > previous.tSeconds) return;
  const duplicate = row.tSeconds === previous.tSeconds;
  const Refusal = duplicate ? CsvDuplicateTimestampError : CsvUnsortedError;
  throw new Refusal(
    duplicate ? 'CsvDuplicateTimestamp' : 'CsvUnsorted',
    { source, line: row.line, column: 'timestamp' },
    duplicate
      ? `timestamp ${row.tsField} repeats line ${previous.line}`
      : `timestamp ${row.tsField} is earlier than line ${previous.line}`,
    'Sort the rows by time and keep one row per timestamp.',
  );
}

/**
 * Reads `timestamp,price` text: an optional header (exactly `timestamp,price`, any case), then one
 * row per line with a timestamp (unix seconds, unix milliseconds or ISO 8601, one format per file)
 * and a positive price (plain decimal, exponent allowed: `0.00005`, `5e-5`). Blank lines, a UTF-8
 * BOM, `\r\n` endings and spaces around fields are accepted; times must strictly increase. Any
 * spacing between rows is fine (resample later).
 * @throws CsvHeaderError, CsvRowShapeError, CsvTimestampError, CsvPriceError, CsvUnsortedError,
 * CsvDuplicateTimestampError or CsvEmptyError (all {@link CsvError}, naming source, line, column).
 */
export function parsePriceCsv(text: string, options: ParsePriceCsvOptions = {}): ParsedPriceCsv {
  const source = options.sourceName ?? '<input>';
  const points: PricePoint[] = [];
  let hasHeader = false;
  let format: TimestampFormat | undefined;
  let previous: CsvTimedRow | undefined;
  const rows = readCsvRows(text, {
    source,
    timestampFormat: options.timestampFormat,
    // A first line that starts with a letter is a header; anything else is data (and checked as such).
    header: ({ line, raw, fields }) => {
      if (fields[0] === undefined || !/^[A-Za-z_"]/.test(fields[0])) return false;
      if (
        fields.length !== 2 ||
        fields[0].toLowerCase() !== 'timestamp' ||
        fields[1]?.toLowerCase() !== 'price'
      ) {
        throw new CsvHeaderError(
          'CsvHeader',
          { source, line, column: 'row' },
          `the header is "${raw}", expected "timestamp,price"`,
          'Name the columns timestamp,price (or drop the header line).',
        );
      }
      hasHeader = true;
      return true;
    },
    shape: ({ line, fields }) => {
      if (fields.length !== 2) {
        throw new CsvRowShapeError(
          'CsvRowShape',
          { source, line, column: 'row' },
          `expected 2 fields (timestamp,price), found ${fields.length}`,
          'Write one timestamp and one price per line, separated by a comma.',
        );
      }
    },
  });
  for (const row of rows) {
    const priceField = row.fields[1] as string;
    const price = PRICE.test(priceField) ? Number(priceField) : Number.NaN;
    if (!Number.isFinite(price) || price <= 0) {
      throw new CsvPriceError(
        'CsvPrice',
        { source, line: row.line, column: 'price' },
        `"${priceField}" is not a positive finite number`,
        'Prices are plain positive decimals such as 1834.25 or 5e-5.',
      );
    }
    // The price is checked before the order (a bad price on an out-of-order row is a price error).
    checkCsvTimeOrder(source, row, previous);
    points.push({ tSeconds: row.tSeconds, price });
    previous = row;
    format = row.timestampFormat;
  }
  if (points.length === 0 || format === undefined) {
    throw new CsvEmptyError(
      'CsvEmpty',
      { source, line: 0, column: 'row' },
      'there is no data row',
      'Add at least one timestamp,price row.',
    );
  }
  return { points, timestampFormat: format, hasHeader };
}

/** A grid point was filled from an observation older than the allowed gap. */
export class PriceGapError extends SolventError {
  override name = 'PriceGapError';
  readonly label: string;
  readonly fromSeconds: number;
  readonly toSeconds: number;
  constructor(label: string, fromSeconds: number, toSeconds: number, maxGapSeconds: number) {
    super(
      'PriceGap',
      `${label}: no price between ${fromSeconds} and ${toSeconds} (more than ${maxGapSeconds} s).`,
      {
        metaMessages: ['Fill the gap in the data, or raise maxGapSeconds to carry the last price across it.'],
        details: {
          label,
          fromSeconds: String(fromSeconds),
          toSeconds: String(toSeconds),
          maxGapSeconds: String(maxGapSeconds),
        },
      },
    );
    this.label = label;
    this.fromSeconds = fromSeconds;
    this.toSeconds = toSeconds;
  }
}

/** Options of {@link resample} and {@link alignSeries}. */
export interface ResampleOptions {
  /** Grid spacing, seconds (> 0). */
  readonly stepSeconds: number;
  /** First grid time, seconds (default: the first observation; for alignment, the latest first one). */
  readonly startSeconds?: number;
  /** Last allowed grid time, seconds (default: the last observation; for alignment, the earliest last one). */
  readonly endSeconds?: number;
  /** Refuse to carry a price forward more than this many seconds (default: no limit). */
  readonly maxGapSeconds?: number;
  /** Name of the series in errors (default `series`). */
  readonly label?: string;
}

function requireSorted(points: PricePath, field: string): void {
  if (points.length === 0) throw new InvalidParameterError(field, 'must hold at least one point');
  for (let i = 1; i < points.length; i++) {
    if (!((points[i] as PricePoint).tSeconds > (points[i - 1] as PricePoint).tSeconds)) {
      throw new InvalidParameterError(`${field}[${i}].tSeconds`, 'must be after the point before it');
    }
  }
}

/**
 * The series on the grid `startSeconds + k · stepSeconds` (k = 0, 1, ... while ≤ endSeconds), each
 * grid time taking the price of the last observation at or before it (last value carried forward).
 * @throws InvalidParameterError naming the field for an empty or unsorted series, a step ≤ 0, a
 * start before the first observation or an end before the start; PriceGapError when a value would
 * be carried more than `maxGapSeconds`.
 */
export function resample(points: PricePath, options: ResampleOptions): PricePoint[] {
  const label = options.label ?? 'series';
  requireSorted(points, label);
  const first = points[0] as PricePoint;
  const last = points[points.length - 1] as PricePoint;
  const step = options.stepSeconds;
  if (!(step > 0) || !Number.isFinite(step)) {
    throw new InvalidParameterError('stepSeconds', `must be a positive finite number, got ${step}`);
  }
  const start = options.startSeconds ?? first.tSeconds;
  const end = options.endSeconds ?? last.tSeconds;
  if (!Number.isFinite(start) || start < first.tSeconds) {
    throw new InvalidParameterError(
      'startSeconds',
      `${label} has no price at or before ${start} (first observation ${first.tSeconds})`,
    );
  }
  if (!Number.isFinite(end) || end < start) {
    throw new InvalidParameterError('endSeconds', `must be at or after startSeconds (${start}), got ${end}`);
  }
  const maxGap = options.maxGapSeconds ?? Number.POSITIVE_INFINITY;
  if (!(maxGap >= 0)) {
    throw new InvalidParameterError('maxGapSeconds', `must be non-negative, got ${maxGap}`);
  }
  const out: PricePoint[] = [];
  let i = 0;
  for (let k = 0; ; k++) {
    // Multiply, never accumulate, so long grids do not drift.
    const t = start + k * step;
    if (t > end) break;
    while (i + 1 < points.length && (points[i + 1] as PricePoint).tSeconds <= t) i++;
    const held = points[i] as PricePoint;
    if (t - held.tSeconds > maxGap) {
      const next = points[i + 1];
      throw new PriceGapError(label, held.tSeconds, next === undefined ? t : next.tSeconds, maxGap);
    }
    out.push({ tSeconds: t, price: held.price });
  }
  return out;
}

/** Several assets on one grid. */
export interface AlignedPrices {
  /** The grid times, seconds. */
  readonly tSeconds: readonly number[];
  /** Per asset, its price at each grid time (same length as `tSeconds`), in the input's key order. */
  readonly prices: Readonly<Record<string, readonly number[]>>;
}

/**
 * Resamples every asset onto one grid. By default the grid covers the window where every asset has
 * data: from the latest first observation to the earliest last one. Prices are carried forward as
 * in {@link resample}; errors name the asset through `label`.
 * @throws InvalidParameterError (field `prices`) when no asset is given or the assets share no
 * time window; otherwise as {@link resample}.
 */
export function alignSeries(
  series: Readonly<Record<string, PricePath>>,
  options: ResampleOptions,
): AlignedPrices {
  const assets = Object.keys(series);
  if (assets.length === 0) throw new InvalidParameterError('prices', 'must name at least one asset');
  for (const asset of assets) requireSorted(series[asset] as PricePath, asset);
  const firsts = assets.map((a) => ((series[a] as PricePath)[0] as PricePoint).tSeconds);
  const lasts = assets.map((a) => {
    const path = series[a] as PricePath;
    return (path[path.length - 1] as PricePoint).tSeconds;
  });
  const start = options.startSeconds ?? Math.max(...firsts);
  const end = options.endSeconds ?? Math.min(...lasts);
  if (options.startSeconds === undefined && options.endSeconds === undefined && start > end) {
    throw new InvalidParameterError(
      'prices',
      `the assets share no time window (latest start ${start} is after earliest end ${end})`,
    );
  }
  const prices: Record<string, readonly number[]> = {};
  let tSeconds: readonly number[] = [];
  for (const asset of assets) {
    const grid = resample(series[asset] as PricePath, {
      ...options,
      startSeconds: start,
      endSeconds: end,
      label: asset,
    });
    tSeconds = grid.map((p) => p.tSeconds);
    Object.defineProperty(prices, asset, {
      value: grid.map((p) => p.price),
      enumerable: true,
      writable: false,
    });
  }
  return { tSeconds, prices };
}
