/**
 * Small dependency-free SVG chart builders for the reports: line, step, bar, stacked-bar and
 * scatter series on shared axes with nice ticks, a UTC time axis, compact tick labels and a legend,
 * and histograms. Pure and deterministic: the same input gives the same bytes, and every piece of
 * text is escaped.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { escapeXml, formatUtc } from './format.js';

/** Evenly spaced axis ticks at 1, 2 or 5 × 10^k. */
export interface Ticks {
  /** Tick values from low to high; each is the double nearest its decimal value. */
  readonly values: readonly number[];
  /** Distance between ticks: `stepMantissa × 10^stepExponent`. */
  readonly step: number;
  readonly stepMantissa: 1 | 2 | 5;
  readonly stepExponent: number;
}

/** The double nearest `index × mantissa × 10^exponent` (dividing by 10^−k keeps 0.3 exact as 3/10). */
function tickValue(index: number, mantissa: number, exponent: number): number {
  return exponent >= 0 ? index * mantissa * 10 ** exponent : (index * mantissa) / 10 ** -exponent;
}

/** Most ticks an axis may get; a bound on every loop here. */
const MAX_TICKS = 1000;

/**
 * Nice ticks covering [min, max]: the step is the smallest 1, 2 or 5 × 10^k at least
 * (max − min) / targetCount, and the ticks run from the multiple of the step at or below `min` to
 * the one at or above `max` (so they cover the range; about targetCount + 1 ticks, never more than
 * targetCount + 2). A range flat to 12 digits is widened by ±10 % of its magnitude; values all
 * within 1e-290 of zero get [0, 1] (or [−1, 0] when negative).
 * Examples: (0, 10, 5) → 0, 2, …, 10; (−3.7, 12.2, 5) → −5, 0, 5, 10, 15; (0.13, 0.47, 4) → 0.1 … 0.5.
 * @param targetCount wanted number of intervals, a whole number in [1, 100] (default 5).
 * @throws InvalidParameterError when min or max is not finite, min > max, or targetCount is out of range.
 */
export function niceTicks(min: number, max: number, targetCount = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new InvalidParameterError('min/max', `expected finite min ≤ max, got ${min} and ${max}`);
  }
  if (!Number.isInteger(targetCount) || targetCount < 1 || targetCount > 100) {
    throw new InvalidParameterError('targetCount', `expected a whole number in [1, 100], got ${targetCount}`);
  }
  let lo = min;
  let hi = max;
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (magnitude < 1e-290) {
    // Zero (or too close to it for decimal steps): a unit range on the side the values are on.
    lo = lo < 0 ? -1 : 0;
    hi = lo < 0 && hi <= 0 ? 0 : 1;
  } else if (hi - lo <= magnitude * 1e-12) {
    // Flat (to 12 digits): ±10 % around the value, so ticks stay distinct when labelled.
    lo -= magnitude * 0.1;
    hi += magnitude * 0.1;
  }
  const rough = (hi - lo) / targetCount;
  let exponent = Math.floor(Math.log10(rough));
  // log10 of a value just under a power of ten can round up to it: settle the exponent exactly.
  if (10 ** exponent > rough) exponent--;
  if (10 ** (exponent + 1) <= rough) exponent++;
  const fraction = exponent >= 0 ? rough / 10 ** exponent : rough * 10 ** -exponent; // in [1, 10)
  const tolerance = 1e-9;
  let mantissa: 1 | 2 | 5;
  if (fraction <= 1 + tolerance) mantissa = 1;
  else if (fraction <= 2 + tolerance) mantissa = 2;
  else if (fraction <= 5 + tolerance) mantissa = 5;
  else {
    mantissa = 1;
    exponent++;
  }
  const step = tickValue(1, mantissa, exponent);
  // first: the last tick at or below lo; last: the first tick at or above hi. The quotient can be off
  // by an ulp (0.3 / 0.1 = 2.9999999999999996), so settle on the tick values themselves.
  let first = Math.floor(lo / step);
  if (tickValue(first + 1, mantissa, exponent) <= lo) first++;
  if (tickValue(first, mantissa, exponent) > lo) first--;
  let last = Math.ceil(hi / step);
  if (tickValue(last - 1, mantissa, exponent) >= hi) last--;
  if (tickValue(last, mantissa, exponent) < hi) last++;
  const values: number[] = [];
  for (let i = first; i <= last && values.length < MAX_TICKS; i++) {
    const v = tickValue(i, mantissa, exponent);
    values.push(v === 0 ? 0 : v); // no −0
  }
  return { values, step, stepMantissa: mantissa, stepExponent: exponent };
}

const TICK_UNITS: readonly (readonly [power: number, suffix: string])[] = [
  [12, 'T'],
  [9, 'B'],
  [6, 'M'],
  [3, 'k'],
];

/**
 * Labels for {@link niceTicks} values, all in one unit (k/M/B/T chosen by the largest |tick|) with
 * as many decimals as the step needs, trailing zeros dropped: ticks 0, 0.5M, 1M, …; 0.1, 0.2, ….
 * Steps finer than 1e-6 are written in scientific notation (`1.5e-7`).
 * Exact because tick values are the doubles nearest their decimals.
 */
export function tickLabels(ticks: Ticks): readonly string[] {
  const largest = Math.max(0, ...ticks.values.map(Math.abs));
  const unit = TICK_UNITS.find(([power]) => largest >= 10 ** power);
  const power = unit?.[0] ?? 0;
  const suffix = unit?.[1] ?? '';
  if (power === 0 && ticks.stepExponent < -6) {
    // Steps finer than a millionth: scientific notation, with the digits the step needs (+1 for
    // safety against log10 rounding; trailing zeros are dropped).
    return ticks.values.map((v) => {
      if (v === 0) return '0';
      const digits = Math.min(20, Math.max(0, Math.floor(Math.log10(Math.abs(v))) - ticks.stepExponent + 1));
      const [mantissa = '', exponent = ''] = v.toExponential(digits).split('e');
      return `${String(Number(mantissa))}e${exponent.replace('+', '')}`;
    });
  }
  const decimals = Math.min(20, Math.max(0, power - ticks.stepExponent));
  return ticks.values.map((v) => {
    if (v === 0) return '0';
    const text = (v / 10 ** power).toFixed(decimals);
    const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
    return `${trimmed}${suffix}`;
  });
}

/** Steps a time axis may use, seconds (1 s to 1 year; longer spans use whole years). */
const TIME_STEPS_SECONDS: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
  604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000, 31_536_000,
];

/** Time-axis ticks: unix seconds and their UTC labels. */
export interface TimeTicks {
  readonly values: readonly number[];
  readonly labels: readonly string[];
  readonly stepSeconds: number;
}

/**
 * Ticks for a time axis over [startSeconds, endSeconds] (unix seconds): the smallest step of
 * 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1, 2, 7, 14, 30, 90,
 * 180, 365 days (then whole multiples of 365 days) giving at most `maxCount` intervals, at the
 * multiples of the step since the epoch that fall inside the range (so hours and days are UTC
 * aligned; weeks start on Thursdays and the 30-day and longer steps are not calendar months).
 * Labels: `HH:MM` (with `MM-DD HH:MM` on the first tick and at UTC midnight) below a day,
 * `HH:MM:SS` below a minute, `YYYY-MM-DD` from a day up.
 * @param maxCount most intervals, a whole number in [1, 100] (default 6).
 * @throws InvalidParameterError when a bound is not finite, start > end, or maxCount is out of range.
 */
export function timeTicks(startSeconds: number, endSeconds: number, maxCount = 6): TimeTicks {
  if (!Number.isFinite(startSeconds) || !Number.isFinite(endSeconds) || startSeconds > endSeconds) {
    throw new InvalidParameterError(
      'startSeconds/endSeconds',
      `expected finite start ≤ end, got ${startSeconds} and ${endSeconds}`,
    );
  }
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 100) {
    throw new InvalidParameterError('maxCount', `expected a whole number in [1, 100], got ${maxCount}`);
  }
  const span = endSeconds - startSeconds;
  const year = 31_536_000;
  const stepSeconds =
    TIME_STEPS_SECONDS.find((s) => span / s <= maxCount) ?? Math.ceil(span / maxCount / year) * year;
  const values: number[] = [];
  for (let k = Math.ceil(startSeconds / stepSeconds); k * stepSeconds <= endSeconds; k++) {
    if (values.length >= MAX_TICKS) break;
    values.push(k * stepSeconds);
  }
  const labels = values.map((t, i) => {
    if (stepSeconds >= 86_400) return formatUtc(t, 'date');
    if (stepSeconds < 60) return formatUtc(t, 'second').slice(11);
    const midnight = ((t % 86_400) + 86_400) % 86_400 === 0;
    return i === 0 || midnight ? formatUtc(t, 'monthDayMinute') : formatUtc(t, 'time');
  });
  return { values, labels, stepSeconds };
}

/** One point of a chart series; `y` null (or not finite) is a gap. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number | null;
}

/**
 * How a series is drawn: `line` joins the points; `step` holds each value until the next point
 * (a point's value applies from its x on); `bar` draws a bar from zero to each value (zeros and
 * gaps draw nothing); `stackedBar` draws its bar on top of the stacked bars of the series before
 * it at the same x (positive values upwards, negative ones downwards; every stacked series shares
 * one bar column); `scatter` draws a dot per point and no line.
 */
export type SeriesKind = 'line' | 'step' | 'bar' | 'stackedBar' | 'scatter';

/** A named series of a chart. */
export interface ChartSeries {
  readonly label: string;
  /** Default `line`. */
  readonly kind?: SeriesKind;
  /** Points in order of non-decreasing x. */
  readonly points: readonly ChartPoint[];
  /** A `#rgb`/`#rrggbb` colour (default from {@link CHART_PALETTE} by position). */
  readonly color?: string;
  /** Dashed line (line and step series). */
  readonly dashed?: boolean;
}

/** Options of {@link xyChart}. */
export interface ChartOptions {
  readonly title: string;
  /** Caption of the y axis (units included, e.g. `USD per ETH`). */
  readonly yLabel: string;
  /** `time`: x is unix seconds, labelled in UTC; `linear`: plain numbers. */
  readonly xAxis: 'time' | 'linear';
  /** Caption of the x axis (default `time (UTC)` for a time axis, none otherwise). */
  readonly xLabel?: string;
  /** Pixels (default 720; at least 200). */
  readonly width?: number;
  /** Pixels of the plot area plus title and axes, without the legend (default 260; at least 120). */
  readonly height?: number;
  /** Stretch the y axis to include zero (always so when a bar or stacked-bar series is present). */
  readonly includeZero?: boolean;
  /** Draw a dark horizontal line at y = 0 (`line.zero-line`); implies `includeZero`. */
  readonly zeroLine?: boolean;
  /**
   * An x range the axis covers at least, `[low, high]` in x units (e.g. a run's first and last
   * step, so sparse points line up with the other charts of the run); the data may widen it.
   */
  readonly xRange?: readonly [number, number];
  /** Add the `xmlns` attribute, for an SVG file of its own (inline SVG in HTML needs none). */
  readonly standalone?: boolean;
}

/** Default series colours, in order (colour-blind-safe Okabe–Ito hues, then greys). */
export const CHART_PALETTE: readonly string[] = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
  '#000000',
  '#999999',
];

const MARGIN_LEFT = 64;
const MARGIN_RIGHT = 20;
const MARGIN_TOP = 34;
/** Below the plot: tick labels, then the x caption. */
const AXIS_BAND = 40;
const LEGEND_ROW = 18;
/** Rough width of a character of the 11 px sans-serif labels, for legend layout. */
const CHAR_WIDTH = 6.5;

/** Coordinates with two decimals (bytes stay few, output stays deterministic), never `-0`. */
function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

function finiteY(p: ChartPoint): p is { readonly x: number; readonly y: number } {
  return p.y !== null && Number.isFinite(p.y);
}

/** Runs of consecutive points with a finite y. */
function segments(points: readonly ChartPoint[]): { readonly x: number; readonly y: number }[][] {
  const out: { readonly x: number; readonly y: number }[][] = [];
  let current: { readonly x: number; readonly y: number }[] = [];
  for (const p of points) {
    if (finiteY(p)) current.push(p);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function validate(series: readonly ChartSeries[], options: ChartOptions): void {
  const width = options.width ?? 720;
  const height = options.height ?? 260;
  if (!Number.isFinite(width) || width < 200 || width > 10_000) {
    throw new InvalidParameterError('width', `expected 200 to 10000 pixels, got ${width}`);
  }
  if (!Number.isFinite(height) || height < 120 || height > 10_000) {
    throw new InvalidParameterError('height', `expected 120 to 10000 pixels, got ${height}`);
  }
  if (options.xRange !== undefined) {
    const [low, high] = options.xRange;
    if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
      throw new InvalidParameterError('xRange', `expected finite low ≤ high, got ${low} and ${high}`);
    }
  }
  series.forEach((s, i) => {
    if (s.color !== undefined && !/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s.color)) {
      throw new InvalidParameterError(
        `series[${i}].color`,
        `expected #rgb or #rrggbb, got ${JSON.stringify(s.color)}`,
      );
    }
    let previous = Number.NEGATIVE_INFINITY;
    s.points.forEach((p, j) => {
      if (!Number.isFinite(p.x)) {
        throw new InvalidParameterError(
          `series[${i}].points[${j}].x`,
          `expected a finite number, got ${p.x}`,
        );
      }
      if (p.x < previous) {
        throw new InvalidParameterError(
          `series[${i}].points[${j}].x`,
          `points must be in order of non-decreasing x (${p.x} after ${previous})`,
        );
      }
      previous = p.x;
    });
  });
}

const isBarKind = (kind: SeriesKind | undefined): boolean => kind === 'bar' || kind === 'stackedBar';

/** Smallest positive gap between consecutive x of the bar series, in data units (undefined if none). */
function barSlot(series: readonly ChartSeries[]): number | undefined {
  let slot: number | undefined;
  for (const s of series) {
    if (!isBarKind(s.kind)) continue;
    for (let i = 1; i < s.points.length; i++) {
      const gap = (s.points[i]?.x ?? 0) - (s.points[i - 1]?.x ?? 0);
      if (gap > 0 && (slot === undefined || gap < slot)) slot = gap;
    }
  }
  return slot;
}

/**
 * The highest and lowest ends of the stacked-bar columns (positive values stacked upwards from
 * zero, negative ones downwards), so the y axis covers whole stacks.
 */
function stackedExtents(series: readonly ChartSeries[]): number[] {
  const up = new Map<number, number>();
  const down = new Map<number, number>();
  for (const s of series) {
    if (s.kind !== 'stackedBar') continue;
    for (const p of s.points.filter(finiteY)) {
      if (p.y > 0) up.set(p.x, (up.get(p.x) ?? 0) + p.y);
      else down.set(p.x, (down.get(p.x) ?? 0) + p.y);
    }
  }
  return [...up.values(), ...down.values()];
}

interface LegendItem {
  readonly x: number;
  readonly row: number;
}

function legendLayout(labels: readonly string[], width: number): readonly LegendItem[] {
  const available = width - MARGIN_LEFT - MARGIN_RIGHT;
  const items: LegendItem[] = [];
  let x = 0;
  let row = 0;
  for (const label of labels) {
    const itemWidth = 18 + label.length * CHAR_WIDTH + 16;
    if (x > 0 && x + itemWidth > available) {
      row++;
      x = 0;
    }
    items.push({ x, row });
    x += itemWidth;
  }
  return items;
}

/**
 * An SVG chart of one or more series over a shared x axis (time in UTC or plain numbers) and a
 * y axis with nice ticks and compact labels, with a title, grid, axis captions and a legend entry
 * per series. Structure (for styling and tests): `<svg class="chart">` holds `<title>`,
 * `g.grid`, `g.axis-y`, `g.axis-x`, `line.zero-line` when asked, one `g.series` per series
 * (`data-kind`; each gap-free run of a line or step series is one `<polyline>`, or a `<circle>` when
 * it is a single point; a bar or stacked bar is a `<rect>`; a scatter point a `<circle>`), and
 * `g.legend` with one `g.legend-item` per series. With no finite point at all the plot says
 * "no data". Deterministic: same input, same bytes. Every text is escaped.
 * @throws InvalidParameterError for a bad width/height, colour or xRange, a non-finite x, or x out
 * of order.
 */
export function xyChart(series: readonly ChartSeries[], options: ChartOptions): string {
  validate(series, options);
  const width = options.width ?? 720;
  const legend = legendLayout(
    series.map((s) => s.label),
    width,
  );
  const legendRows = series.length === 0 ? 0 : Math.max(...legend.map((l) => l.row)) + 1;
  const baseHeight = options.height ?? 260;
  const height = baseHeight + legendRows * LEGEND_ROW;
  const plotLeft = MARGIN_LEFT;
  const plotRight = width - MARGIN_RIGHT;
  const plotTop = MARGIN_TOP;
  const plotBottom = baseHeight - AXIS_BAND - 8;
  const plotWidth = plotRight - plotLeft;
  const plotHeight = plotBottom - plotTop;

  const out: string[] = [];
  const xmlns = options.standalone === true ? ' xmlns="http://www.w3.org/2000/svg"' : '';
  out.push(
    `<svg${xmlns} class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(
    `<text class="chart-title" x="${plotLeft}" y="20" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  );

  const allX = series.flatMap((s) => s.points.map((p) => p.x));
  const allY = [
    ...series.filter((s) => s.kind !== 'stackedBar').flatMap((s) => s.points.filter(finiteY).map((p) => p.y)),
    ...stackedExtents(series),
  ];
  const hasBars = series.some((s) => isBarKind(s.kind));
  if (allY.length === 0 || allX.length === 0) {
    out.push(
      `<rect class="plot" x="${plotLeft}" y="${plotTop}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#cccccc"/>`,
    );
    out.push(
      `<text class="no-data" x="${num(plotLeft + plotWidth / 2)}" y="${num(plotTop + plotHeight / 2)}" text-anchor="middle" fill="#666666">no data</text>`,
    );
  } else {
    // x domain: the data's range, widened by half a bar slot so edge bars fit, or ±1 when flat.
    let x0 = Math.min(...allX, ...(options.xRange === undefined ? [] : [options.xRange[0]]));
    let x1 = Math.max(...allX, ...(options.xRange === undefined ? [] : [options.xRange[1]]));
    const slot = barSlot(series);
    if (hasBars && slot !== undefined) {
      x0 -= slot / 2;
      x1 += slot / 2;
    }
    if (x0 === x1) {
      x0 -= 1;
      x1 += 1;
    }
    // y domain: nice ticks around the data (and zero when asked or when bars are drawn).
    const includeZero = options.includeZero === true || options.zeroLine === true || hasBars;
    const yTicks = niceTicks(
      includeZero ? Math.min(0, ...allY) : Math.min(...allY),
      includeZero ? Math.max(0, ...allY) : Math.max(...allY),
      5,
    );
    const y0 = yTicks.values[0] ?? 0;
    const y1 = yTicks.values[yTicks.values.length - 1] ?? 1;
    const sx = (x: number): number => plotLeft + ((x - x0) / (x1 - x0)) * plotWidth;
    const sy = (y: number): number => plotBottom - ((y - y0) / (y1 - y0)) * plotHeight;

    const yLabels = tickLabels(yTicks);
    out.push('<g class="grid" stroke="#e5e5e5">');
    for (const v of yTicks.values) {
      out.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${num(sy(v))}" y2="${num(sy(v))}"/>`);
    }
    out.push('</g>');
    out.push('<g class="axis axis-y" fill="#333333" text-anchor="end">');
    yTicks.values.forEach((v, i) => {
      out.push(`<text x="${plotLeft - 6}" y="${num(sy(v) + 4)}">${escapeXml(yLabels[i] ?? '')}</text>`);
    });
    out.push(
      `<text class="axis-caption" transform="translate(14 ${num(plotTop + plotHeight / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    );
    out.push('</g>');

    let xTickValues: readonly number[];
    let xTickLabels: readonly string[];
    if (options.xAxis === 'time') {
      const ticks = timeTicks(x0, x1, Math.max(1, Math.floor(plotWidth / 110)));
      xTickValues = ticks.values;
      xTickLabels = ticks.labels;
    } else {
      const ticks = niceTicks(x0, x1, Math.max(1, Math.min(10, Math.floor(plotWidth / 90))));
      const labels = tickLabels(ticks);
      const inside = ticks.values
        .map((v, i) => [v, labels[i] ?? ''] as const)
        .filter(([v]) => v >= x0 && v <= x1);
      xTickValues = inside.map(([v]) => v);
      xTickLabels = inside.map(([, l]) => l);
    }
    out.push('<g class="axis axis-x" fill="#333333" text-anchor="middle">');
    out.push(
      `<line x1="${plotLeft}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333333"/>`,
    );
    xTickValues.forEach((v, i) => {
      const x = num(sx(v));
      out.push(`<line x1="${x}" x2="${x}" y1="${plotBottom}" y2="${plotBottom + 4}" stroke="#333333"/>`);
      out.push(`<text x="${x}" y="${plotBottom + 16}">${escapeXml(xTickLabels[i] ?? '')}</text>`);
    });
    const xLabel = options.xLabel ?? (options.xAxis === 'time' ? 'time (UTC)' : undefined);
    if (xLabel !== undefined) {
      out.push(
        `<text class="axis-caption" x="${num(plotLeft + plotWidth / 2)}" y="${plotBottom + 32}">${escapeXml(xLabel)}</text>`,
      );
    }
    out.push('</g>');

    if (options.zeroLine === true) {
      out.push(
        `<line class="zero-line" x1="${plotLeft}" x2="${plotRight}" y1="${num(sy(0))}" y2="${num(sy(0))}" stroke="#333333" stroke-width="1"/>`,
      );
    }

    // Bar columns: one per bar series, and one shared by all stacked-bar series (at the position
    // of the first of them).
    const firstStacked = series.findIndex((s) => s.kind === 'stackedBar');
    const columnOf = (i: number): number =>
      series.slice(0, i).filter((s, j) => s.kind === 'bar' || (s.kind === 'stackedBar' && j === firstStacked))
        .length;
    const columns = series.filter((s) => s.kind === 'bar').length + (firstStacked >= 0 ? 1 : 0);
    const slotPixels = slot === undefined ? plotWidth / 10 : (slot / (x1 - x0)) * plotWidth;
    const barWidth = Math.max(0.5, (slotPixels * 0.8) / Math.max(1, columns));
    /** Stack tops so far by x: [above zero, below zero]. */
    const stacks = new Map<number, [number, number]>();
    series.forEach((s, i) => {
      const color = s.color ?? CHART_PALETTE[i % CHART_PALETTE.length] ?? '#000000';
      const kind = s.kind ?? 'line';
      out.push(`<g class="series" data-series="${i}" data-kind="${kind}">`);
      if (kind === 'bar' || kind === 'stackedBar') {
        const column = kind === 'bar' ? columnOf(i) : columnOf(firstStacked);
        const offset = -(slotPixels * 0.8) / 2 + column * barWidth;
        for (const p of s.points.filter(finiteY)) {
          if (p.y === 0) continue;
          let base = 0;
          if (kind === 'stackedBar') {
            const stack = stacks.get(p.x) ?? [0, 0];
            base = p.y > 0 ? stack[0] : stack[1];
            stacks.set(p.x, p.y > 0 ? [stack[0] + p.y, stack[1]] : [stack[0], stack[1] + p.y]);
          }
          const from = sy(base);
          const to = sy(base + p.y);
          out.push(
            `<rect x="${num(sx(p.x) + offset)}" y="${num(Math.min(from, to))}" width="${num(barWidth)}" height="${num(Math.abs(from - to))}" fill="${color}"/>`,
          );
        }
      } else if (kind === 'scatter') {
        for (const p of s.points.filter(finiteY)) {
          out.push(`<circle cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="2.5" fill="${color}"/>`);
        }
      } else {
        const dash = s.dashed === true ? ' stroke-dasharray="5 3"' : '';
        for (const run of segments(s.points)) {
          if (run.length === 1 && run[0] !== undefined) {
            out.push(`<circle cx="${num(sx(run[0].x))}" cy="${num(sy(run[0].y))}" r="1.5" fill="${color}"/>`);
            continue;
          }
          const coords: string[] = [];
          run.forEach((p, j) => {
            const previous = run[j - 1];
            if (kind === 'step' && previous !== undefined)
              coords.push(`${num(sx(p.x))},${num(sy(previous.y))}`);
            coords.push(`${num(sx(p.x))},${num(sy(p.y))}`);
          });
          out.push(
            `<polyline points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"${dash}/>`,
          );
        }
      }
      out.push('</g>');
    });
  }

  if (series.length > 0) {
    const legendTop = baseHeight - 6;
    out.push('<g class="legend" fill="#333333">');
    series.forEach((s, i) => {
      const item = legend[i] ?? { x: 0, row: 0 };
      const color = s.color ?? CHART_PALETTE[i % CHART_PALETTE.length] ?? '#000000';
      const x = plotLeft + item.x;
      const y = legendTop + item.row * LEGEND_ROW;
      out.push('<g class="legend-item">');
      out.push(`<rect x="${num(x)}" y="${num(y)}" width="12" height="12" fill="${color}"/>`);
      out.push(`<text x="${num(x + 18)}" y="${num(y + 10)}">${escapeXml(s.label)}</text>`);
      out.push('</g>');
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Bins of a histogram shared by several samples. */
export interface HistogramBins {
  /** k + 1 ascending bin edges (empty when there is no value at all). */
  readonly edges: readonly number[];
  /** Per sample, k counts: bin i holds values in [edges[i], edges[i + 1]), the last bin also its upper edge. */
  readonly counts: readonly (readonly number[])[];
}

/**
 * Shared histogram bins of several samples: the edges are {@link niceTicks} of all the values
 * together (so they sit on 1, 2 or 5 × 10^k and cover every value), and each value is counted in
 * exactly one bin of its sample. With no value at all the edges are empty.
 * Examples: samples [[0, 1, 2, 9]] with 5 bins → edges 0, 2, 4, 6, 8, 10 and counts 2, 1, 0, 0, 1.
 * @param targetBins wanted number of bins, a whole number in [1, 100] (default 10).
 * @throws InvalidParameterError (field `samples[i][j]`) for a value that is not finite, and as
 * {@link niceTicks} for a bad targetBins.
 */
export function histogramBins(samples: readonly (readonly number[])[], targetBins = 10): HistogramBins {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  samples.forEach((values, i) => {
    values.forEach((v, j) => {
      if (!Number.isFinite(v)) {
        throw new InvalidParameterError(`samples[${i}][${j}]`, `expected a finite number, got ${v}`);
      }
      if (v < min) min = v;
      if (v > max) max = v;
    });
  });
  if (min > max) {
    niceTicks(0, 1, targetBins); // the same refusal of a bad targetBins
    return { edges: [], counts: samples.map(() => []) };
  }
  const edges = niceTicks(min, max, targetBins).values;
  const bins = Math.max(1, edges.length - 1);
  const counts = samples.map((values) => {
    const row = new Array<number>(bins).fill(0);
    for (const v of values) {
      // The last edge at or below v (edges[0] ≤ min ≤ v), by bisection; the top edge joins the last bin.
      let lo = 0;
      let hi = edges.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if ((edges[mid] as number) <= v) lo = mid;
        else hi = mid - 1;
      }
      const bin = Math.min(lo, bins - 1);
      row[bin] = (row[bin] ?? 0) + 1;
    }
    return row;
  });
  return { edges, counts };
}

/** A sample of a histogram chart. */
export interface HistogramSeries {
  readonly label: string;
  /** The values, in any order, all finite. */
  readonly values: readonly number[];
  readonly color?: string;
}

/** Options of {@link histogramChart}. */
export interface HistogramOptions {
  readonly title: string;
  /** Caption of the x axis: what was counted, with its unit (e.g. `bad debt per path, USD`). */
  readonly xLabel: string;
  /** Caption of the y axis (default `count`). */
  readonly yLabel?: string;
  /** Wanted number of bins, whole in [1, 100] (default 10). */
  readonly targetBins?: number;
  readonly width?: number;
  readonly height?: number;
  readonly standalone?: boolean;
}

/**
 * A histogram of one or more samples on shared bins ({@link histogramBins}): one bar series per
 * sample (side by side in each bin) on a linear x axis, drawn by {@link xyChart} (same structure:
 * bars are the `<rect>`s of `g.series[data-kind=bar]`; empty bins draw nothing).
 * @throws InvalidParameterError as {@link histogramBins} and {@link xyChart}.
 */
export function histogramChart(series: readonly HistogramSeries[], options: HistogramOptions): string {
  const { edges, counts } = histogramBins(
    series.map((s) => s.values),
    options.targetBins ?? 10,
  );
  const centers = edges.slice(1).map((upper, i) => ((edges[i] as number) + upper) / 2);
  return xyChart(
    series.map((s, i) => ({
      label: s.label,
      kind: 'bar',
      points: centers.map((x, b) => ({ x, y: counts[i]?.[b] ?? 0 })),
      ...(s.color === undefined ? {} : { color: s.color }),
    })),
    {
      title: options.title,
      yLabel: options.yLabel ?? 'count',
      xAxis: 'linear',
      xLabel: options.xLabel,
      ...(options.width === undefined ? {} : { width: options.width }),
      ...(options.height === undefined ? {} : { height: options.height }),
      ...(options.standalone === undefined ? {} : { standalone: options.standalone }),
    },
  );
}
