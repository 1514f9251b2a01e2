/**
 * Gas prices for the stress lab, in gwei per step: a series read from a multi-column CSV (the
 * CLI reads the file; this parses text and picks a column such as `p60_gwei`), or a model where
 * gas rises with the realized volatility of a price path and reverts to a base level; and the USD
 * cost of a transaction at a gas price and an ETH price.
 */
import { InvalidParameterError } from '../engine/errors.js';
import {
  CsvEmptyError,
  CsvHeaderError,
  CsvPriceError,
  CsvRowShapeError,
  type CsvTimedRow,
  checkCsvTimeOrder,
  readCsvRows,
  type TimestampFormat,
} from './csv.js';
import { type PricePath, type PricePoint, SECONDS_PER_YEAR } from './paths.js';
import { type Rng, withRng } from './rng.js';

/** The column `--gas file.csv` uses when the file has several and none is named. */
export const DEFAULT_GAS_COLUMN = 'p60_gwei';

/** One gas observation: `gasPriceGwei` (≥ 0) at `tSeconds` (unix seconds for replays). */
export interface GasPoint {
  readonly tSeconds: number;
  readonly gasPriceGwei: number;
}

/** A gas series: points in strictly increasing time. */
export type GasSeries = readonly GasPoint[];

// ---------------------------------------------------------------------------------------------
// Multi-column CSV
// ---------------------------------------------------------------------------------------------

/** One data row of a {@link NumericCsvTable}. */
export interface NumericCsvRow {
  /** 1-based line number in the text. */
  readonly line: number;
  /** Unix seconds (fractional for sub-second data). */
  readonly tSeconds: number;
  /** One value per value column; `undefined` for an empty cell (a missing observation). */
  readonly values: readonly (number | undefined)[];
}

/** A parsed `timestamp,<column>,<column>...` file. */
export interface NumericCsvTable {
  /** Name of the source in errors (the file path, or `<input>`). */
  readonly source: string;
  /** The value columns' names as written in the header (after `timestamp`). */
  readonly columns: readonly string[];
  /** Rows in strictly increasing time. */
  readonly rows: readonly NumericCsvRow[];
  readonly timestampFormat: TimestampFormat;
}

/** Options of {@link parseNumericCsv}. */
export interface ParseNumericCsvOptions {
  /** Name of the source in errors, e.g. the file path (default `<input>`). */
  readonly sourceName?: string;
  /** Timestamp format; `auto` (default) decides from the first data row and holds the rest to it. */
  readonly timestampFormat?: TimestampFormat | 'auto';
}

const NON_NEGATIVE_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Reads a CSV of a timestamp and one or more non-negative numeric columns. The header is required:
 * `timestamp` first, then unique column names (letters, digits, `_ . -`, starting with a letter or
 * `_`). Timestamps as in `parsePriceCsv` (unix seconds, unix milliseconds or ISO 8601, one format
 * per file, strictly increasing). A value is a plain non-negative decimal (exponent allowed); an
 * empty cell is a missing observation. Blank lines, a UTF-8 BOM, `\r\n` and spaces around fields
 * are accepted. Errors name the source, the line and the column (`timestamp`, `price` for a value
 * cell with the column's name in the message, or `row`).
 * @throws CsvHeaderError, CsvRowShapeError, CsvTimestampError, CsvPriceError, CsvUnsortedError,
 *   CsvDuplicateTimestampError or CsvEmptyError (all `CsvError` from csv.ts).
 */
export function parseNumericCsv(text: string, options: ParseNumericCsvOptions = {}): NumericCsvTable {
  const source = options.sourceName ?? '<input>';
  let columns: string[] | undefined;
  let format: TimestampFormat | undefined;
  const rows: NumericCsvRow[] = [];
  const timedRows = readCsvRows(text, {
    source,
    timestampFormat: options.timestampFormat,
    // The header is required: the first non-blank line is always read as one.
    header: ({ line, raw, fields }) => {
      const names = fields.slice(1);
      const bad = names.find((n, i) => !COLUMN_NAME.test(n) || names.indexOf(n) !== i);
      if (fields[0]?.toLowerCase() !== 'timestamp' || names.length === 0 || bad !== undefined) {
        throw new CsvHeaderError(
          'CsvHeader',
          { source, line, column: 'row' },
          bad === undefined
            ? `the header is "${raw}", expected "timestamp,<column>[,<column>...]"`
            : `the header column "${bad}" is empty, repeated or not a plain name`,
          'Start the file with a header such as timestamp,p60_gwei,p90_gwei.',
        );
      }
      columns = names;
      return true;
    },
    shape: ({ line, fields }) => {
      const names = columns ?? [];
      if (fields.length !== names.length + 1) {
        throw new CsvRowShapeError(
          'CsvRowShape',
          { source, line, column: 'row' },
          `expected ${names.length + 1} fields (timestamp,${names.join(',')}), found ${fields.length}`,
          'Write one value per header column on every line (leave a cell empty when it is missing).',
        );
      }
    },
  });
  let previous: CsvTimedRow | undefined;
  for (const row of timedRows) {
    // The order is checked before the cells (an out-of-order row with a bad cell is an order error).
    checkCsvTimeOrder(source, row, previous);
    const values = (columns ?? []).map((name, c) => {
      const cell = row.fields[c + 1] as string;
      if (cell === '') return undefined;
      const value = NON_NEGATIVE_NUMBER.test(cell) ? Number(cell) : Number.NaN;
      if (!Number.isFinite(value)) {
        throw new CsvPriceError(
          'CsvPrice',
          { source, line: row.line, column: 'price' },
          `column ${name}: "${cell}" is not a non-negative finite number`,
          'Values are plain non-negative decimals such as 38.5 or 1.2e3; leave the cell empty when missing.',
        );
      }
      return value;
    });
    rows.push({ line: row.line, tSeconds: row.tSeconds, values });
    previous = row;
    format = row.timestampFormat;
  }
  if (columns === undefined || rows.length === 0 || format === undefined) {
    throw new CsvEmptyError(
      'CsvEmpty',
      { source, line: 0, column: 'row' },
      columns === undefined ? 'there is no header and no data row' : 'there is no data row',
      'Add a header line and at least one data row.',
    );
  }
  return { source, columns, rows, timestampFormat: format };
}

/** A gas series taken from one column of a table. */
export interface GasCsvSeries {
  /** The column used. */
  readonly column: string;
  readonly points: GasSeries;
  /** Rows whose cell in that column was empty (left out of `points`). */
  readonly skippedRows: number;
}

/**
 * The gas series in one column of a parsed table. Column choice: `column` when given; otherwise
 * {@link DEFAULT_GAS_COLUMN} (`p60_gwei`) when the table has it; otherwise the only value column.
 * Rows with an empty cell in that column are skipped (the series simply has a gap there).
 * @param table from {@link parseNumericCsv}; values in gwei.
 * @param column the column to use (as `--gas file.csv:column`).
 * @throws InvalidParameterError (field `column`) when the column does not exist or none can be
 *   chosen among several; CsvEmptyError when every cell of the column is empty.
 */
export function gasSeriesFromTable(table: NumericCsvTable, column?: string): GasCsvSeries {
  const known = `Columns: ${table.columns.join(', ')}.`;
  let chosen: string;
  if (column !== undefined) {
    if (!table.columns.includes(column)) {
      throw new InvalidParameterError('column', `${table.source} has no column "${column}"`, known);
    }
    chosen = column;
  } else if (table.columns.includes(DEFAULT_GAS_COLUMN)) {
    chosen = DEFAULT_GAS_COLUMN;
  } else if (table.columns.length === 1) {
    chosen = table.columns[0] as string;
  } else {
    throw new InvalidParameterError(
      'column',
      `${table.source} has several columns and no ${DEFAULT_GAS_COLUMN}`,
      `Name one, as file.csv:column. ${known}`,
    );
  }
  const c = table.columns.indexOf(chosen);
  const points: GasPoint[] = [];
  let skippedRows = 0;
  for (const row of table.rows) {
    const value = row.values[c];
    if (value === undefined) skippedRows++;
    else points.push({ tSeconds: row.tSeconds, gasPriceGwei: value });
  }
  if (points.length === 0) {
    throw new CsvEmptyError(
      'CsvEmpty',
      { source: table.source, line: 0, column: 'price' },
      `column ${chosen} has no value`,
      'Choose a column with data.',
    );
  }
  return { column: chosen, points, skippedRows };
}

/** Options of {@link parseGasCsv}. */
export interface ParseGasCsvOptions extends ParseNumericCsvOptions {
  /** Column to use (default as {@link gasSeriesFromTable}). */
  readonly column?: string;
}

/**
 * {@link parseNumericCsv} then {@link gasSeriesFromTable}: a gas file's text to a gwei series.
 * @throws as those two.
 */
export function parseGasCsv(text: string, options: ParseGasCsvOptions = {}): GasCsvSeries {
  const { column, ...csv } = options;
  return gasSeriesFromTable(parseNumericCsv(text, csv), column);
}

/**
 * Splits a `--gas` argument `file.csv[:column]` at its last colon when what follows is a plain
 * column name (so `C:\gas.csv` stays a path). Never throws.
 */
export function splitGasSpec(spec: string): { readonly path: string; readonly column?: string } {
  const at = spec.lastIndexOf(':');
  if (at > 0) {
    const column = spec.slice(at + 1);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) return { path: spec.slice(0, at), column };
  }
  return { path: spec };
}

/** Options of {@link gasAtTimes}. */
export interface GasAtTimesOptions {
  /** Refuse to carry a gas price forward more than this many seconds (default: no limit). */
  readonly maxGapSeconds?: number;
}

/**
 * The gas price at each of `tSeconds` (ascending, e.g. the simulation's step times): the last
 * observation at or before it (last value carried forward, as `resample` does for prices).
 * @param series gwei, strictly increasing times.
 * @throws InvalidParameterError naming the field: `series` (empty or unsorted), `tSeconds[i]`
 *   (not ascending, before the first observation, or farther than `maxGapSeconds` from the last
 *   one), `maxGapSeconds`.
 */
export function gasAtTimes(
  series: GasSeries,
  tSeconds: readonly number[],
  options: GasAtTimesOptions = {},
): number[] {
  if (series.length === 0) throw new InvalidParameterError('series', 'must hold at least one point');
  for (let i = 1; i < series.length; i++) {
    if (!((series[i] as GasPoint).tSeconds > (series[i - 1] as GasPoint).tSeconds)) {
      throw new InvalidParameterError(`series[${i}].tSeconds`, 'must be after the point before it');
    }
  }
  const maxGap = options.maxGapSeconds ?? Number.POSITIVE_INFINITY;
  if (!(maxGap >= 0)) throw new InvalidParameterError('maxGapSeconds', `must be non-negative, got ${maxGap}`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < tSeconds.length; i++) {
    const t = tSeconds[i] as number;
    if (!Number.isFinite(t) || (i > 0 && t < (tSeconds[i - 1] as number))) {
      throw new InvalidParameterError(`tSeconds[${i}]`, `must be finite and not before the time before it`);
    }
    const first = series[0] as GasPoint;
    if (t < first.tSeconds) {
      throw new InvalidParameterError(
        `tSeconds[${i}]`,
        `${t} is before the first gas observation (${first.tSeconds})`,
      );
    }
    while (j + 1 < series.length && (series[j + 1] as GasPoint).tSeconds <= t) j++;
    const held = series[j] as GasPoint;
    if (t - held.tSeconds > maxGap) {
      throw new InvalidParameterError(
        `tSeconds[${i}]`,
        `the last gas observation is ${t - held.tSeconds} s earlier (more than ${maxGap} s)`,
      );
    }
    out.push(held.gasPriceGwei);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Volatility-driven model
// ---------------------------------------------------------------------------------------------

/** Parameters of {@link volatilityGasSeries}. */
export interface VolatilityGasParams {
  /** Calm gas price, gwei (> 0): the target when volatility is at or below the reference. */
  readonly baseGasPriceGwei: number;
  /**
   * Target multiple per unit of annualised volatility above the reference (≥ 0, dimensionless):
   * target = base × (1 + sensitivity × max(0, σ − referenceVolAnnual)).
   */
  readonly sensitivity: number;
  /** Annualised volatility at which the target is the base (≥ 0, default 0); also the starting σ. */
  readonly referenceVolAnnual?: number;
  /** Half-life of the exponentially weighted realized variance, seconds (> 0). */
  readonly volHalfLifeSeconds: number;
  /** Half-life of the gap between log gas and log target, seconds (> 0). */
  readonly meanReversionHalfLifeSeconds: number;
  /** Standard deviation of the log-gas shock per √hour (≥ 0, default 0 = deterministic). */
  readonly noiseLogSdPerSqrtHour?: number;
  /** Gas never exceeds this, gwei (≥ base). */
  readonly capGasPriceGwei: number;
  /** Gas never falls below this, gwei (≥ 0, ≤ base; default 0). */
  readonly floorGasPriceGwei?: number;
}

/** The modelled series and what drove it, one entry per path point. */
export interface VolatilityGasResult {
  readonly series: GasSeries;
  /** Realized volatility, annualised (EWMA), at each point. */
  readonly realizedVolAnnual: readonly number[];
  /** The target gas price at each point, gwei (before mean reversion, noise and the cap). */
  readonly targetGasPriceGwei: readonly number[];
  /** The generator state after the draws. */
  readonly rng: Rng;
}

function requireNumber(value: number | undefined, field: string, min: number, strictlyAbove = false): number {
  const ok = value !== undefined && Number.isFinite(value) && (strictlyAbove ? value > min : value >= min);
  if (!ok) {
    const bound = strictlyAbove ? `greater than ${min}` : `at least ${min}`;
    throw new InvalidParameterError(field, `must be a finite number ${bound}, got ${value}`);
  }
  return value;
}

/**
 * A gas series driven by a price path's realized volatility. At point 0 the variance is the
 * reference's and gas is the base (clamped). At each later point i, with dt = t_i − t_{i−1} and
 * r = ln(P_i / P_{i−1}):
 * - variance per second v ← λ·v + (1 − λ)·r²/dt, λ = 2^(−dt / volHalfLifeSeconds);
 *   σ = √(v · SECONDS_PER_YEAR);
 * - target = base × (1 + sensitivity × max(0, σ − referenceVolAnnual));
 * - ln g ← ln g + κ·(ln target − ln g) + noiseLogSdPerSqrtHour·√(dt/3600)·z,
 *   κ = 1 − 2^(−dt / meanReversionHalfLifeSeconds), z ~ N(0, 1);
 * - g ← min(cap, max(floor, g)), and the clamped value carries to the next step.
 * Every step is non-decreasing in |r| and in the previous gas, so with the same seed a path whose
 * absolute returns are everywhere at least as large never gets cheaper gas. Exactly
 * `path.length − 1` normals are drawn, whatever the noise level.
 * @param rng the generator for the noise.
 * @param path prices (> 0) at strictly increasing times, seconds.
 * @throws InvalidParameterError naming the field (`baseGasPriceGwei`, `sensitivity`,
 *   `capGasPriceGwei`, `floorGasPriceGwei`, `volHalfLifeSeconds`, `path[i].price`, ...).
 */
export function volatilityGasSeries(
  rng: Rng,
  path: PricePath,
  params: VolatilityGasParams,
): VolatilityGasResult {
  const base = requireNumber(params.baseGasPriceGwei, 'baseGasPriceGwei', 0, true);
  const sensitivity = requireNumber(params.sensitivity, 'sensitivity', 0);
  const referenceVol = requireNumber(params.referenceVolAnnual ?? 0, 'referenceVolAnnual', 0);
  const volHalfLife = requireNumber(params.volHalfLifeSeconds, 'volHalfLifeSeconds', 0, true);
  const revertHalfLife = requireNumber(
    params.meanReversionHalfLifeSeconds,
    'meanReversionHalfLifeSeconds',
    0,
    true,
  );
  const noiseSd = requireNumber(params.noiseLogSdPerSqrtHour ?? 0, 'noiseLogSdPerSqrtHour', 0);
  const cap = requireNumber(params.capGasPriceGwei, 'capGasPriceGwei', base);
  const floor = requireNumber(params.floorGasPriceGwei ?? 0, 'floorGasPriceGwei', 0);
  if (floor > base) {
    throw new InvalidParameterError(
      'floorGasPriceGwei',
      `must be at most baseGasPriceGwei (${base}), got ${floor}`,
    );
  }
  if (path.length === 0) throw new InvalidParameterError('path', 'must hold at least one point');
  for (let i = 0; i < path.length; i++) {
    const p = path[i] as PricePoint;
    if (!Number.isFinite(p.tSeconds) || (i > 0 && !(p.tSeconds > (path[i - 1] as PricePoint).tSeconds))) {
      throw new InvalidParameterError(`path[${i}].tSeconds`, 'must be finite and after the point before it');
    }
    if (!Number.isFinite(p.price) || !(p.price > 0)) {
      throw new InvalidParameterError(`path[${i}].price`, `must be a positive finite number, got ${p.price}`);
    }
  }

  const clamp = (g: number): number => Math.min(cap, Math.max(floor, g));
  const drawn = withRng(rng, (draw) => {
    const first = path[0] as PricePoint;
    let variancePerSecond = (referenceVol * referenceVol) / SECONDS_PER_YEAR;
    let gas = clamp(base);
    const series: GasPoint[] = [{ tSeconds: first.tSeconds, gasPriceGwei: gas }];
    const vols: number[] = [referenceVol];
    const targets: number[] = [base];
    for (let i = 1; i < path.length; i++) {
      const p = path[i] as PricePoint;
      const prev = path[i - 1] as PricePoint;
      const dt = p.tSeconds - prev.tSeconds;
      const z = draw.normal();
      const r = Math.log(p.price / prev.price);
      const lambda = 2 ** (-dt / volHalfLife);
      variancePerSecond = lambda * variancePerSecond + ((1 - lambda) * r * r) / dt;
      const vol = Math.sqrt(variancePerSecond * SECONDS_PER_YEAR);
      const target = base * (1 + sensitivity * Math.max(0, vol - referenceVol));
      const kappa = 1 - 2 ** (-dt / revertHalfLife);
      // A floor of 0 makes ln g = −∞ possible only if gas was 0, which needs base 0 (refused).
      const logGas =
        Math.log(gas) + kappa * (Math.log(target) - Math.log(gas)) + noiseSd * Math.sqrt(dt / 3600) * z;
      gas = clamp(Math.exp(logGas));
      series.push({ tSeconds: p.tSeconds, gasPriceGwei: gas });
      vols.push(vol);
      targets.push(target);
    }
    return { series, vols, targets };
  });
  return {
    series: drawn.value.series,
    realizedVolAnnual: drawn.value.vols,
    targetGasPriceGwei: drawn.value.targets,
    rng: drawn.rng,
  };
}

// ---------------------------------------------------------------------------------------------
// Transaction cost
// ---------------------------------------------------------------------------------------------

/** Inputs of {@link txCostUsd}. */
export interface TxCostInput {
  /** Gas the transaction uses (≥ 0), e.g. 21_000 for a transfer. */
  readonly gasUnits: number;
  /** Gas price, gwei (≥ 0; 1 gwei = 1e-9 ETH per gas unit). */
  readonly gasPriceGwei: number;
  /** ETH price, USD per ETH (≥ 0). */
  readonly ethPriceUsd: number;
}

/** ETH per gwei: 1 gwei = 1e-9 ETH. */
const ETH_PER_GWEI = 1e-9;

/**
 * USD cost of a transaction: gasUnits × gasPriceGwei × 1e-9 ETH/gwei × ethPriceUsd (float64; for
 * keeper decisions and reports, not the exact path).
 * @throws InvalidParameterError naming the field for a negative or non-finite input.
 */
export function txCostUsd(input: TxCostInput): number {
  const gasUnits = requireNumber(input.gasUnits, 'gasUnits', 0);
  const gasPriceGwei = requireNumber(input.gasPriceGwei, 'gasPriceGwei', 0);
  const ethPriceUsd = requireNumber(input.ethPriceUsd, 'ethPriceUsd', 0);
  return gasUnits * gasPriceGwei * ETH_PER_GWEI * ethPriceUsd;
}
