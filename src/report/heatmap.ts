/**
 * Heatmaps for the stress lab's parameter sweeps: an SVG grid of cells coloured on a sequential
 * scale whose lightness falls as the value grows, and the self-contained HTML report of a sweep
 * (`solvent sweep --out`): a heatmap for two knobs, a line chart for one, and every point in a table.
 */
import { InvalidParameterError } from '../engine/errors.js';
import type { KnobValue, SweepMetric, SweepPoint, SweepResult } from '../sim/sweep.js';
import { groupedBarChart } from './compare.js';
import { escapeXml, formatCompact, formatGrouped } from './format.js';
import { type ChartSeries, xyChart } from './svg.js';

/**
 * Anchor colours of the heat scale, from the lowest value to the highest (a yellow–orange–red
 * sequential ramp). Every channel is non-increasing from one anchor to the next, so the relative
 * luminance of {@link heatColor} never rises with the value.
 */
export const HEAT_SCALE: readonly string[] = ['#ffffcc', '#fed976', '#fd8d3c', '#e31a1c', '#800018'];

function channels(hex: string): [number, number, number] {
  return [
    Number.parseInt(hex.slice(1, 3), 16),
    Number.parseInt(hex.slice(3, 5), 16),
    Number.parseInt(hex.slice(5, 7), 16),
  ];
}

const hex2 = (n: number): string => Math.round(n).toString(16).padStart(2, '0');

/**
 * The colour of a position `t` on the heat scale (0 = lowest value, 1 = highest), `#rrggbb`,
 * interpolated channel by channel between the {@link HEAT_SCALE} anchors.
 * @throws InvalidParameterError (field `t`) unless 0 ≤ t ≤ 1.
 */
export function heatColor(t: number): string {
  if (!(t >= 0 && t <= 1)) throw new InvalidParameterError('t', `expected a number in [0, 1], got ${t}`);
  const spans = HEAT_SCALE.length - 1;
  const i = Math.min(spans - 1, Math.floor(t * spans));
  const f = t * spans - i;
  const a = channels(HEAT_SCALE[i] as string);
  const b = channels(HEAT_SCALE[i + 1] as string);
  return `#${a.map((c, k) => hex2(c + f * ((b[k] as number) - c))).join('')}`;
}

/** Relative luminance of a `#rrggbb` colour (WCAG 2: linearised sRGB, weights .2126/.7152/.0722). */
export function relativeLuminance(color: string): number {
  const [r, g, b] = channels(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The grid of a heatmap: `values[row][column]`, null (or not finite) for a cell without a value. */
export interface HeatmapData {
  readonly rowLabels: readonly string[];
  readonly columnLabels: readonly string[];
  readonly values: readonly (readonly (number | null)[])[];
}

/** Options of {@link heatmapSvg}. */
export interface HeatmapOptions {
  readonly title: string;
  /** Caption of the rows (the first knob), shown beside the row labels. */
  readonly rowAxisLabel: string;
  /** Caption of the columns (the second knob), shown above the column labels. */
  readonly columnAxisLabel: string;
  /** Caption of the colour scale, with the unit (e.g. `p99 bad debt (USD)`). */
  readonly valueLabel: string;
  /** Text of a cell (default `formatCompact`). */
  readonly formatValue?: (value: number) => string;
  /** Add the `xmlns` attribute, for an SVG file of its own. */
  readonly standalone?: boolean;
}

/** Width of a character of the 11 px labels, pixels (rough, for layout). */
const CHAR_WIDTH = 6.5;
const CELL_HEIGHT = 28;
const TITLE_BAND = 34;
const LEGEND_STEPS = 10;
const LEGEND_BAR_WIDTH = 14;

function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

const textWidth = (text: string): number => text.length * CHAR_WIDTH;

/**
 * An SVG heatmap: one cell per (row, column), filled by {@link heatColor} of its value's position
 * between the smallest and largest finite values (all at the light end when they are equal), with
 * its value written inside; row labels on the left, column labels on top, axis captions, and a
 * colour scale with its minimum and maximum. Structure (for styling and tests): `<svg class="chart
 * heatmap">` holds `<title>`, `g.cells` with one `g.cell` per cell (`data-row`, `data-column`,
 * `data-value` (empty when missing), a `<rect>` and a `<text>`; missing cells have class `missing`,
 * grey, `n/a`), `g.row-labels`, `g.column-labels` and `g.color-scale`. Every text is escaped.
 * Deterministic: same input, same bytes.
 * @throws InvalidParameterError (field `values`) when the grid is empty or its shape does not match
 * the labels.
 */
export function heatmapSvg(data: HeatmapData, options: HeatmapOptions): string {
  const rows = data.rowLabels.length;
  const columns = data.columnLabels.length;
  if (rows === 0 || columns === 0)
    throw new InvalidParameterError('values', 'a heatmap needs at least one cell');
  if (data.values.length !== rows || data.values.some((r) => r.length !== columns)) {
    throw new InvalidParameterError(
      'values',
      `expected ${rows} rows of ${columns} values, one per label, got ${data.values.map((r) => r.length).join('/')}`,
    );
  }
  const format = options.formatValue ?? ((v: number) => formatCompact(v));
  const finite = data.values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = finite.length === 0 ? 0 : Math.min(...finite);
  const hi = finite.length === 0 ? 0 : Math.max(...finite);
  const position = (v: number): number => (hi > lo ? (v - lo) / (hi - lo) : 0);
  const cellTexts = data.values.map((r) =>
    r.map((v) => (v !== null && Number.isFinite(v) ? format(v) : 'n/a')),
  );

  const cellWidth = Math.min(
    220,
    Math.max(
      56,
      ...cellTexts.flat().map((t) => textWidth(t) + 12),
      ...data.columnLabels.map((l) => textWidth(l) + 10),
    ),
  );
  const rowLabelWidth = Math.min(260, Math.max(...data.rowLabels.map(textWidth))) + 10;
  const left = 28 + rowLabelWidth;
  const top = TITLE_BAND + 34;
  const gridWidth = columns * cellWidth;
  const gridHeight = rows * CELL_HEIGHT;
  const legendLeft = left + gridWidth + 24;
  const legendLabels = [format(hi), format(lo)];
  const legendWidth = LEGEND_BAR_WIDTH + 8 + Math.max(...legendLabels.map(textWidth));
  const legendHeight = Math.max(80, Math.min(gridHeight, 200));
  const width = Math.max(
    320,
    Math.ceil(legendLeft + Math.max(legendWidth, textWidth(options.valueLabel)) + 16),
  );
  const height = Math.ceil(top + Math.max(gridHeight, legendHeight + 16) + 20);

  const out: string[] = [];
  const xmlns = options.standalone === true ? ' xmlns="http://www.w3.org/2000/svg"' : '';
  out.push(
    `<svg${xmlns} class="chart heatmap" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(
    `<text class="chart-title" x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  out.push(
    `<text class="axis-caption column-caption" x="${num(left + gridWidth / 2)}" y="${TITLE_BAND + 12}" text-anchor="middle" fill="#333333">${escapeXml(options.columnAxisLabel)}</text>`,
  );
  out.push(
    `<text class="axis-caption row-caption" transform="translate(14 ${num(top + gridHeight / 2)}) rotate(-90)" text-anchor="middle" fill="#333333">${escapeXml(options.rowAxisLabel)}</text>`,
  );

  out.push('<g class="column-labels" fill="#333333" text-anchor="middle">');
  data.columnLabels.forEach((label, c) => {
    out.push(`<text x="${num(left + (c + 0.5) * cellWidth)}" y="${top - 6}">${escapeXml(label)}</text>`);
  });
  out.push('</g>');
  out.push('<g class="row-labels" fill="#333333" text-anchor="end">');
  data.rowLabels.forEach((label, r) => {
    out.push(
      `<text x="${left - 6}" y="${num(top + (r + 0.5) * CELL_HEIGHT + 4)}">${escapeXml(label)}</text>`,
    );
  });
  out.push('</g>');

  out.push('<g class="cells">');
  data.values.forEach((rowValues, r) => {
    rowValues.forEach((v, c) => {
      const x = left + c * cellWidth;
      const y = top + r * CELL_HEIGHT;
      const present = v !== null && Number.isFinite(v);
      const t = present ? position(v) : 0;
      const fill = present ? heatColor(t) : '#eeeeee';
      const ink = present && t > 0.6 ? '#ffffff' : '#222222';
      out.push(
        `<g class="cell${present ? '' : ' missing'}" data-row="${r}" data-column="${c}" data-value="${present ? String(v) : ''}">`,
      );
      out.push(
        `<rect x="${num(x)}" y="${num(y)}" width="${num(cellWidth)}" height="${CELL_HEIGHT}" fill="${fill}" stroke="#ffffff"/>`,
      );
      out.push(
        `<text x="${num(x + cellWidth / 2)}" y="${num(y + CELL_HEIGHT / 2 + 4)}" text-anchor="middle" fill="${ink}">${escapeXml(cellTexts[r]?.[c] ?? '')}</text>`,
      );
      out.push('</g>');
    });
  });
  out.push('</g>');

  out.push('<g class="color-scale" fill="#333333">');
  out.push(
    `<text class="axis-caption" x="${legendLeft}" y="${top - 6}">${escapeXml(options.valueLabel)}</text>`,
  );
  const stepHeight = legendHeight / LEGEND_STEPS;
  for (let k = 0; k < LEGEND_STEPS; k++) {
    // Highest value on top.
    const t = 1 - k / (LEGEND_STEPS - 1);
    out.push(
      `<rect x="${legendLeft}" y="${num(top + k * stepHeight)}" width="${LEGEND_BAR_WIDTH}" height="${num(stepHeight + 0.5)}" fill="${heatColor(t)}"/>`,
    );
  }
  out.push(
    `<text class="scale-max" x="${legendLeft + LEGEND_BAR_WIDTH + 6}" y="${top + 10}">${escapeXml(legendLabels[0] ?? '')}</text>`,
  );
  out.push(
    `<text class="scale-min" x="${legendLeft + LEGEND_BAR_WIDTH + 6}" y="${num(top + legendHeight)}">${escapeXml(legendLabels[1] ?? '')}</text>`,
  );
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

/** Options of {@link sweepReportHtml}. */
export interface SweepReportOptions {
  /** Heading and document title. */
  readonly title: string;
  /** The command that reproduces the sweep (shown verbatim, escaped). */
  readonly reproduce: string;
  /** The metric the charts show. */
  readonly metric: SweepMetric;
}

/** Label and unit of each sweep metric. */
export const SWEEP_METRIC_LABELS: {
  readonly [M in SweepMetric]: { readonly label: string; readonly unit: string };
} = {
  badDebtUsd: { label: 'bad debt', unit: 'USD' },
  liquidatedDebtUsd: { label: 'liquidated debt', unit: 'USD' },
  keeperProfitUsd: { label: 'keeper profit', unit: 'USD' },
  borrowerLossUsd: { label: 'borrower loss', unit: 'USD' },
  zeroBidAuctions: { label: 'zero-bid auctions', unit: 'count' },
};

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.75rem; border-bottom: 1px solid #eee; }
td { text-align: right; }
thead th { text-align: right; }
figure { margin: 1.25rem 0; overflow-x: auto; }
figcaption { font-size: 0.85rem; color: #555; }
svg.chart { max-width: 100%; height: auto; }
pre { background: #f5f5f5; padding: 0.75rem; overflow-x: auto; }
`;

function figure(id: string, svg: string, caption: string): string {
  return `<figure class="chart-figure" id="${escapeXml(id)}">\n${svg}\n<figcaption>${escapeXml(caption)}</figcaption>\n</figure>`;
}

/** The statistic a sweep report shows: p99 and p50 with several paths, the run's value with one. */
function statistics(paths: number): readonly ('p99' | 'p50')[] {
  return paths > 1 ? ['p99', 'p50'] : ['p50'];
}

function statName(paths: number, stat: 'p99' | 'p50'): string {
  return paths > 1 ? stat : 'value';
}

/** A cell of the points table: USD with cents, counts whole (or with two decimals when averaged). */
function cellText(metric: SweepMetric, value: number): string {
  if (SWEEP_METRIC_LABELS[metric].unit === 'USD' || !Number.isInteger(value)) return formatGrouped(value, 2);
  return formatGrouped(value, 0);
}

/** The value of `metric`'s `stat` at the point with these knob values, or null. */
function valueAt(
  points: readonly SweepPoint[],
  values: readonly KnobValue[],
  metric: SweepMetric,
  stat: 'p99' | 'p50',
): number | null {
  const point = points.find((p) => p.knobValues.every((v, i) => v === values[i]));
  return point === undefined ? null : point.metrics[metric][stat];
}

function pointsTable(result: SweepResult): string {
  const stats = statistics(result.paths);
  const metrics = Object.keys(SWEEP_METRIC_LABELS) as SweepMetric[];
  const head = [
    ...result.knobs.map((k) => `<th scope="col">${escapeXml(k.knob)}</th>`),
    ...metrics.flatMap((m) =>
      stats.map(
        (s) =>
          `<th scope="col">${escapeXml(`${SWEEP_METRIC_LABELS[m].label} ${statName(result.paths, s)} (${SWEEP_METRIC_LABELS[m].unit})`)}</th>`,
      ),
    ),
  ].join('');
  const rows = result.points.map((p) => {
    const knobs = p.knobValues.map((v) => `<td>${escapeXml(String(v))}</td>`).join('');
    const cells = metrics
      .flatMap((m) => stats.map((s) => `<td>${escapeXml(cellText(m, p.metrics[m][s]))}</td>`))
      .join('');
    return `<tr data-point="${p.pointIndex}">${knobs}${cells}</tr>`;
  });
  return `<table id="points">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** Whether every value of a knob reads as a distinct finite number (so it can be an x axis). */
function numericAxis(values: readonly KnobValue[]): number[] | undefined {
  const xs = values.map((v) => (typeof v === 'number' ? v : Number(v)));
  return xs.every(Number.isFinite) && new Set(xs).size === xs.length ? xs : undefined;
}

/**
 * One self-contained HTML document for a sweep (inline CSS and SVG, no scripts, no external URLs):
 * what was swept, then for two knobs a heatmap of the metric (rows: the first knob's values,
 * columns: the second's; `figure#heatmap-p99` and `#heatmap-p50` with several paths, `#heatmap-value`
 * with one), for one knob a line chart of the metric against a numeric knob or a bar chart for
 * other values (`figure#chart-metric`), then every point with every metric (`table#points`) and
 * the reproduce command. Every string is escaped. Deterministic: same input, same bytes.
 * @throws InvalidParameterError (field `result`) when the sweep has no point.
 */
export function sweepReportHtml(result: SweepResult, options: SweepReportOptions): string {
  if (result.points.length === 0) throw new InvalidParameterError('result', 'a sweep report needs a point');
  const { label, unit } = SWEEP_METRIC_LABELS[options.metric];
  const stats = statistics(result.paths);
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push('<html lang="en">');
  parts.push('<head>');
  parts.push('<meta charset="utf-8">');
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${escapeXml(options.title)}</title>`);
  parts.push(`<style>${CSS}</style>`);
  parts.push('</head>');
  parts.push('<body>');
  parts.push(`<h1>${escapeXml(options.title)}</h1>`);
  const pathsText =
    result.paths > 1
      ? `${result.paths} Monte Carlo paths per point (the same path seeds and book at every point); p50 and p99 by linear interpolation`
      : 'one run per point (the seed itself)';
  parts.push(
    `<p>${escapeXml(`${result.protocol} on ${result.scenario}, ${result.accounts} accounts, seed ${result.seed}; ${result.points.length} points; ${pathsText}. Knobs: ${result.knobs.map((k) => `${k.knob} (${k.values.length} values)`).join(', ') || 'none'}. USD figures are float64 estimates for reporting.`)}</p>`,
  );

  const [rowKnob, columnKnob] = result.knobs;
  if (rowKnob !== undefined && columnKnob !== undefined) {
    parts.push(`<h2>${escapeXml(`${label} by ${rowKnob.knob} and ${columnKnob.knob}`)}</h2>`);
    for (const stat of stats) {
      const name = statName(result.paths, stat);
      const values = rowKnob.values.map((rv) =>
        columnKnob.values.map((cv) => valueAt(result.points, [rv, cv], options.metric, stat)),
      );
      const svg = heatmapSvg(
        { rowLabels: rowKnob.values.map(String), columnLabels: columnKnob.values.map(String), values },
        {
          title: `${label} ${name} (${unit})`,
          rowAxisLabel: rowKnob.knob,
          columnAxisLabel: columnKnob.knob,
          valueLabel: `${label} ${name} (${unit})`,
        },
      );
      parts.push(
        figure(
          `heatmap-${name}`,
          svg,
          `${label} ${name}, ${unit}: rows are ${rowKnob.knob}, columns ${columnKnob.knob}; darker is larger.`,
        ),
      );
    }
  } else if (rowKnob !== undefined) {
    parts.push(`<h2>${escapeXml(`${label} by ${rowKnob.knob}`)}</h2>`);
    const xs = numericAxis(rowKnob.values);
    const title = `${label} (${unit}) by ${rowKnob.knob}`;
    let svg: string;
    if (xs !== undefined) {
      const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
      const series: ChartSeries[] = stats.map((stat) => ({
        label: result.paths > 1 ? `${label} ${stat}` : label,
        points: order.map(({ x, i }) => ({
          x,
          y: valueAt(result.points, [rowKnob.values[i] as KnobValue], options.metric, stat),
        })),
        ...(stat === 'p50' && result.paths > 1 ? { dashed: true } : {}),
      }));
      svg = xyChart(series, {
        title,
        yLabel: unit,
        xAxis: 'linear',
        xLabel: rowKnob.knob,
        includeZero: true,
      });
    } else {
      svg = groupedBarChart(
        rowKnob.values.map((v) => ({
          label: String(v),
          values: stats.map((stat) => valueAt(result.points, [v], options.metric, stat)),
        })),
        { title, yLabel: unit, seriesLabels: stats.map((s) => (result.paths > 1 ? `${label} ${s}` : label)) },
      );
    }
    parts.push(figure('chart-metric', svg, `${label} (${unit}) at each value of ${rowKnob.knob}.`));
  }

  parts.push('<h2>Points</h2>');
  parts.push(pointsTable(result));
  parts.push('<h2>Reproduce</h2>');
  parts.push(`<pre id="reproduce"><code>${escapeXml(options.reproduce)}</code></pre>`);
  parts.push('</body>');
  parts.push('</html>');
  return `${parts.join('\n')}\n`;
}
