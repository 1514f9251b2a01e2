/**
 * Replays of real data for the stress lab: price series of one or more assets (and optionally a gas
 * series) put on one time grid over the window they all cover, in the shape `runStress` consumes
 * from a built-in scenario. The CLI reads the files; this parses their text and aligns the series.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import { alignSeries, parsePriceCsv, resample } from './csv.js';
import { type GasSeries, parseGasCsv } from './gas.js';
import type { PricePath, PricePoint } from './paths.js';
import type { OracleSuggestion } from './scenarios.js';

/**
 * Default limit on carrying a price or gas value forward across missing data, seconds: one hour
 * (or one step when the step is longer). An ASSUMPTION: the real Black Thursday files have no hole
 * longer than a few minutes, and a longer one is more likely a broken file than a quiet market.
 */
export const DEFAULT_REPLAY_MAX_GAP_SECONDS = 3600;

/**
 * Default oracle of a replay: Maker's OSM, which delays the medianizer price by one hop of 3600 s
 * (history.md §1 Mechanism facts: the OSM `hop` was one hour on 2020-03-12).
 */
export const MAKER_OSM_ORACLE: OracleSuggestion = {
  kind: 'osm',
  delaySeconds: 3600,
  citation: 'Maker OSM hop 3600 s (history.md §1 Mechanism facts); the default oracle of a replay',
};

/** Base of the replay's own refusals: `field` names the option (e.g. `prices.ETH`, `gas`). */
export class ReplayError extends SolventError {
  override name = 'ReplayError';
  readonly field: string;
  constructor(code: string, field: string, shortMessage: string, hint: string) {
    super(code, shortMessage, { metaMessages: [hint], details: { field } });
    this.field = field;
  }
}

/** An asset the run needs (ETH for a Maker run) has no price series in the replay. */
export class ReplayMissingAssetError extends ReplayError {
  override name = 'ReplayMissingAssetError';
  readonly asset: string;
  constructor(asset: string, given: readonly string[]) {
    super(
      'ReplayMissingAsset',
      `prices.${asset}`,
      `The replay has no ${asset} price series (it has ${given.length === 0 ? 'none' : given.join(', ')}).`,
      `Pass one, as --prices ${asset}=file.csv.`,
    );
    this.asset = asset;
  }
}

/** The series share no time window, or the shared window is shorter than one step. */
export class ReplayWindowError extends ReplayError {
  override name = 'ReplayWindowError';
}

/** Options of {@link replayScenario}. */
export interface ReplayOptions {
  /** Per asset symbol (e.g. `ETH`), USD prices (> 0) at strictly increasing unix seconds. */
  readonly prices: Readonly<Record<string, PricePath>>;
  /** Gas prices, gwei (≥ 0), at strictly increasing unix seconds; absent: the run's flat gas. */
  readonly gas?: GasSeries;
  /** Grid spacing, seconds (> 0); default {@link defaultReplayStepSeconds} of the prices. */
  readonly stepSeconds?: number;
  /** Shown as the run's scenario, e.g. `replay:eth-usd-2020-03-black-thursday.csv` (non-empty). */
  readonly name: string;
  /**
   * Refuse to carry a value forward more than this, seconds (≥ 0); default
   * max({@link DEFAULT_REPLAY_MAX_GAP_SECONDS}, stepSeconds).
   */
  readonly maxGapSeconds?: number;
  /** Oracle the run should model (default {@link MAKER_OSM_ORACLE}). */
  readonly oracle?: OracleSuggestion;
  /** Assets that must have a series (a Maker run needs `ETH`). */
  readonly requiredAssets?: readonly string[];
}

/** The grid's time window and the series that bound it. */
export interface ReplayWindow {
  /** First grid time, unix seconds: the latest first observation among the series. */
  readonly startSeconds: number;
  /** The earliest last observation among the series, unix seconds (the grid ends at or before it). */
  readonly endSeconds: number;
  /** The series (asset symbol or `gas`) whose first observation is the start. */
  readonly startLimitedBy: string;
  /** The series whose last observation is the end. */
  readonly endLimitedBy: string;
}

/**
 * A replay on one grid: the same paths a built-in scenario gives `runStress` (assets, gas, step)
 * and the oracle to model, under its name.
 */
export interface ReplayScenario {
  readonly kind: 'replay';
  readonly name: string;
  readonly stepSeconds: number;
  /** Grid times, unix seconds: `window.startSeconds + k · stepSeconds` up to the window's end. */
  readonly timesUnixSeconds: readonly number[];
  /** Per asset, USD prices on the grid (last observation at or before each grid time). */
  readonly assets: Readonly<Record<string, PricePath>>;
  /** Gas, gwei, on the grid (`price` is gwei, as a built-in scenario's gas path); null without gas. */
  readonly gas: PricePath | null;
  readonly oracle: OracleSuggestion;
  readonly window: ReplayWindow;
}

const ASSET_SYMBOL = /^[A-Za-z][A-Za-z0-9._-]*$/;

function requireSymbol(asset: string, field: string): void {
  if (!ASSET_SYMBOL.test(asset)) {
    throw new InvalidParameterError(
      field,
      `"${asset}" is not an asset symbol`,
      'Use a ticker such as ETH or DAI (a letter, then letters, digits, ".", "_" or "-").',
    );
  }
}

/** Checks times strictly increase and values are finite and above (or at) `min`. */
function requireSeries(
  points: readonly { readonly tSeconds: number; readonly value: number }[],
  field: string,
  valueName: string,
  positive: boolean,
): void {
  if (points.length === 0) throw new InvalidParameterError(field, 'must hold at least one point');
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as { tSeconds: number; value: number };
    const previous = points[i - 1];
    if (!Number.isFinite(p.tSeconds) || (previous !== undefined && !(p.tSeconds > previous.tSeconds))) {
      throw new InvalidParameterError(
        `${field}[${i}].tSeconds`,
        'must be finite and after the point before it',
      );
    }
    if (!Number.isFinite(p.value) || (positive ? !(p.value > 0) : !(p.value >= 0))) {
      throw new InvalidParameterError(
        `${field}[${i}].${valueName}`,
        `must be a ${positive ? 'positive' : 'non-negative'} finite number, got ${p.value}`,
      );
    }
  }
}

/**
 * The natural step of a set of price series, seconds: for each series with two points or more, the
 * median spacing of its observations (the lower middle for an even count), and the largest of
 * those, so no series is sampled finer than it was recorded (10-minute bars give 600 s).
 * @param prices per asset, points in strictly increasing time.
 * @throws ReplayWindowError (field `prices`) when no series has two points.
 */
export function defaultReplayStepSeconds(prices: Readonly<Record<string, PricePath>>): number {
  let step = 0;
  for (const path of Object.values(prices)) {
    if (path.length < 2) continue;
    const spacings: number[] = [];
    for (let i = 1; i < path.length; i++) {
      spacings.push((path[i] as PricePoint).tSeconds - (path[i - 1] as PricePoint).tSeconds);
    }
    spacings.sort((a, b) => a - b);
    step = Math.max(step, spacings[Math.floor((spacings.length - 1) / 2)] as number);
  }
  if (!(step > 0)) {
    throw new ReplayWindowError(
      'ReplayWindow',
      'prices',
      'No price series has two observations, so the replay has no step.',
      'Give at least two rows, or pass stepSeconds.',
    );
  }
  return step;
}

/**
 * Builds a replay: every price series and the gas series are resampled onto the grid
 * `start + k · stepSeconds` (k = 0, 1, ... up to `end`), where `start` is the latest first
 * observation and `end` the earliest last observation among all of them (prices and gas), each grid
 * time taking the last observation at or before it (last value carried forward). A gas file shorter
 * than the prices therefore shortens the run; `window` says which series bound it.
 * @throws InvalidParameterError naming the field (`name`, `prices`, `prices.<asset>[i].price`,
 *   `gas[i].gasPriceGwei`, `stepSeconds`, `maxGapSeconds`); ReplayMissingAssetError for a required
 *   asset without a series; ReplayWindowError when the series share no window or the window holds
 *   fewer than two grid times; PriceGapError (label = the asset or `gas`) when a value would be
 *   carried more than `maxGapSeconds`.
 */
export function replayScenario(options: ReplayOptions): ReplayScenario {
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    throw new InvalidParameterError('name', 'must be a non-empty string', 'Name the replay after its files.');
  }
  const assets = Object.keys(options.prices);
  if (assets.length === 0) {
    throw new InvalidParameterError('prices', 'must hold at least one asset', 'Pass --prices ETH=file.csv.');
  }
  for (const asset of assets) {
    requireSymbol(asset, `prices.${asset}`);
    const path = options.prices[asset] as PricePath;
    requireSeries(
      path.map((p) => ({ tSeconds: p.tSeconds, value: p.price })),
      `prices.${asset}`,
      'price',
      true,
    );
  }
  for (const asset of options.requiredAssets ?? []) {
    if (!assets.includes(asset)) throw new ReplayMissingAssetError(asset, assets);
  }
  const gas = options.gas;
  if (gas !== undefined) {
    requireSeries(
      gas.map((p) => ({ tSeconds: p.tSeconds, value: p.gasPriceGwei })),
      'gas',
      'gasPriceGwei',
      false,
    );
  }
  const stepSeconds = options.stepSeconds ?? defaultReplayStepSeconds(options.prices);
  if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) {
    throw new InvalidParameterError('stepSeconds', `must be a positive finite number, got ${stepSeconds}`);
  }
  const maxGapSeconds = options.maxGapSeconds ?? Math.max(DEFAULT_REPLAY_MAX_GAP_SECONDS, stepSeconds);
  if (!(maxGapSeconds >= 0)) {
    throw new InvalidParameterError('maxGapSeconds', `must be a non-negative number, got ${maxGapSeconds}`);
  }

  // The window every series covers: the latest first observation to the earliest last one.
  const spans: { readonly label: string; readonly first: number; readonly last: number }[] = assets.map(
    (asset) => {
      const path = options.prices[asset] as PricePath;
      return {
        label: asset,
        first: (path[0] as PricePoint).tSeconds,
        last: (path[path.length - 1] as PricePoint).tSeconds,
      };
    },
  );
  if (gas !== undefined) {
    spans.push({
      label: 'gas',
      first: (gas[0] as { tSeconds: number }).tSeconds,
      last: (gas[gas.length - 1] as { tSeconds: number }).tSeconds,
    });
  }
  let starter = spans[0] as (typeof spans)[number];
  let ender = starter;
  for (const s of spans) {
    if (s.first > starter.first) starter = s;
    if (s.last < ender.last) ender = s;
  }
  const startSeconds = starter.first;
  const endSeconds = ender.last;
  if (startSeconds > endSeconds) {
    throw new ReplayWindowError(
      'ReplayWindow',
      ender.label === 'gas' ? 'gas' : `prices.${ender.label}`,
      `${ender.label} ends at ${endSeconds}, before ${starter.label} starts at ${startSeconds}: the series share no time window.`,
      'Give series that cover the same period.',
    );
  }
  if (endSeconds - startSeconds < stepSeconds) {
    throw new ReplayWindowError(
      'ReplayWindow',
      'stepSeconds',
      `The shared window ${startSeconds}–${endSeconds} (bounded by ${starter.label} and ${ender.label}) is shorter than one step of ${stepSeconds} s.`,
      'Use a smaller step or series that overlap longer.',
    );
  }

  const grid = { stepSeconds, startSeconds, endSeconds, maxGapSeconds };
  const aligned = alignSeries(options.prices, grid);
  const times = aligned.tSeconds;
  const paths: Record<string, PricePath> = {};
  for (const asset of assets) {
    const prices = aligned.prices[asset] as readonly number[];
    Object.defineProperty(paths, asset, {
      value: times.map((tSeconds, k) => ({ tSeconds, price: prices[k] as number })),
      enumerable: true,
    });
  }
  const gasPath =
    gas === undefined
      ? null
      : resample(
          gas.map((p) => ({ tSeconds: p.tSeconds, price: p.gasPriceGwei })),
          { ...grid, label: 'gas' },
        );
  return {
    kind: 'replay',
    name: options.name,
    stepSeconds,
    timesUnixSeconds: times,
    assets: paths,
    gas: gasPath,
    oracle: options.oracle ?? MAKER_OSM_ORACLE,
    window: {
      startSeconds,
      endSeconds,
      startLimitedBy: starter.label,
      endLimitedBy: ender.label,
    },
  };
}

/** One price file's text for {@link replayScenarioFromCsv}. */
export interface ReplayPriceText {
  /** Asset symbol, e.g. `ETH`. */
  readonly asset: string;
  /** `timestamp,price` text (see `parsePriceCsv`). */
  readonly text: string;
  /** The file path, named in errors. */
  readonly sourceName: string;
}

/** The gas file's text for {@link replayScenarioFromCsv}. */
export interface ReplayGasText {
  /** `timestamp,<column>...` text in gwei (see `parseGasCsv`). */
  readonly text: string;
  readonly sourceName: string;
  /** Column to use (default `p60_gwei` when present, else the only column). */
  readonly column?: string;
}

/** Options of {@link replayScenarioFromCsv}: {@link ReplayOptions} with file texts instead of series. */
export interface ReplayCsvOptions extends Omit<ReplayOptions, 'prices' | 'gas'> {
  readonly prices: readonly ReplayPriceText[];
  readonly gas?: ReplayGasText;
}

/**
 * Parses the price texts (`parsePriceCsv`) and the gas text (`parseGasCsv`), then
 * {@link replayScenario}.
 * @throws InvalidParameterError (field `prices.<asset>`) for an asset given twice; the CsvError
 *   subclasses naming the file, line and column; as {@link replayScenario}.
 */
export function replayScenarioFromCsv(options: ReplayCsvOptions): ReplayScenario {
  const { prices: texts, gas: gasText, ...rest } = options;
  const prices: Record<string, PricePath> = {};
  for (const { asset, text, sourceName } of texts) {
    requireSymbol(asset, `prices.${asset}`);
    if (Object.hasOwn(prices, asset)) {
      throw new InvalidParameterError(`prices.${asset}`, 'is given twice', 'Give each asset one file.');
    }
    Object.defineProperty(prices, asset, {
      value: parsePriceCsv(text, { sourceName }).points,
      enumerable: true,
    });
  }
  const gas =
    gasText === undefined
      ? undefined
      : parseGasCsv(gasText.text, {
          sourceName: gasText.sourceName,
          ...(gasText.column === undefined ? {} : { column: gasText.column }),
        }).points;
  return replayScenario({ ...rest, prices, ...(gas === undefined ? {} : { gas }) });
}

/**
 * Splits a `--prices` argument `ASSET=path` at its first `=`.
 * @throws InvalidParameterError (field `--prices`) without an `=`, with an empty path or a bad symbol.
 */
export function parsePriceSpec(spec: string): { readonly asset: string; readonly path: string } {
  const at = spec.indexOf('=');
  const asset = at < 0 ? '' : spec.slice(0, at);
  const path = at < 0 ? '' : spec.slice(at + 1);
  if (!ASSET_SYMBOL.test(asset) || path === '') {
    throw new InvalidParameterError(
      '--prices',
      `expected ASSET=file.csv, got ${JSON.stringify(spec)}`,
      'For example --prices ETH=eth-usd.csv (repeat the flag for more assets).',
    );
  }
  return { asset, path };
}

/**
 * The name of a replay of these files: `replay:` and their base names joined by `+`
 * (`replay:eth-usd-2020-03-black-thursday.csv`). Never throws.
 */
export function replayNameFor(paths: readonly string[]): string {
  return `replay:${paths.map((p) => p.split(/[\\/]/).pop() ?? p).join('+')}`;
}
