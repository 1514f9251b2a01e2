/**
 * Side-by-side comparison of protocols (or mechanisms) run through the same scenario and book
 * (`solvent compare`): the key summary fields as a table, grouped bar charts of the outcomes and,
 * with Monte Carlo paths, of the bad-debt and liquidated-debt quantiles with their intervals, in
 * one self-contained HTML document.
 */
import { InvalidParameterError } from '../engine/errors.js';
import type { MonteCarloSummary } from '../sim/montecarlo.js';
import type { StressSummary } from '../sim/stress.js';
import { escapeXml, formatGrouped } from './format.js';
import { CHART_PALETTE, niceTicks, tickLabels } from './svg.js';

/** One group of bars: a value per series (null for none) and, optionally, an interval per series. */
export interface BarGroup {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** `[low, high]` drawn as a whisker over the bar (null for none). */
  readonly intervals?: readonly (readonly [number, number] | null)[];
}

/** Options of {@link groupedBarChart}. */
export interface BarChartOptions {
  readonly title: string;
  /** Caption of the y axis, with the unit. */
  readonly yLabel: string;
  /** One label per series (bar position within each group), shown in the legend. */
  readonly seriesLabels: readonly string[];
  /** Pixels (default 720; 200 to 10 000). */
  readonly width?: number;
  /** Pixels of the plot with title and axes, without the legend (default 280; 120 to 10 000). */
  readonly height?: number;
  /** Add the `xmlns` attribute, for an SVG file of its own. */
  readonly standalone?: boolean;
}

const MARGIN_LEFT = 64;
const MARGIN_RIGHT = 20;
const MARGIN_TOP = 34;
const AXIS_BAND = 40;
const LEGEND_ROW = 18;
const CHAR_WIDTH = 6.5;

function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

const finite = (v: number | null | undefined): v is number =>
  v !== null && v !== undefined && Number.isFinite(v);

/**
 * An SVG grouped bar chart: for each group a bar per series (colours of `CHART_PALETTE` by series),
 * from zero up or down to the value, with an optional interval whisker; a y axis with nice ticks
 * that always includes zero, group labels under the axis and a legend of the series. Structure:
 * `<svg class="chart bar-chart">` holds `<title>`, `g.grid`, `g.axis-y`, `g.axis-x` (one label per
 * group), one `g.bar-group` per group (`data-group`) with a `rect.bar` per drawn value
 * (`data-series`, `data-value`) and a `g.interval` per interval, and `g.legend` with a
 * `g.legend-item` per series. With no finite value the plot says "no data". Every text is escaped;
 * deterministic.
 * @throws InvalidParameterError (field `groups`) when a group's values or intervals do not match
 * the series, (`width`/`height`) for a size out of range.
 */
export function groupedBarChart(groups: readonly BarGroup[], options: BarChartOptions): string {
  const series = options.seriesLabels.length;
  groups.forEach((g, i) => {
    if (g.values.length !== series || (g.intervals !== undefined && g.intervals.length !== series)) {
      throw new InvalidParameterError(
        `groups[${i}]`,
        `expected ${series} values (and intervals), one per series, got ${g.values.length}`,
      );
    }
  });
  const width = options.width ?? 720;
  const baseHeight = options.height ?? 280;
  if (!Number.isFinite(width) || width < 200 || width > 10_000) {
    throw new InvalidParameterError('width', `expected 200 to 10000 pixels, got ${width}`);
  }
  if (!Number.isFinite(baseHeight) || baseHeight < 120 || baseHeight > 10_000) {
    throw new InvalidParameterError('height', `expected 120 to 10000 pixels, got ${baseHeight}`);
  }
  // Legend: items wrap onto rows as xyChart's do.
  const available = width - MARGIN_LEFT - MARGIN_RIGHT;
  const legend: { x: number; row: number }[] = [];
  let lx = 0;
  let row = 0;
  for (const label of options.seriesLabels) {
    const itemWidth = 18 + label.length * CHAR_WIDTH + 16;
    if (lx > 0 && lx + itemWidth > available) {
      row++;
      lx = 0;
    }
    legend.push({ x: lx, row });
    lx += itemWidth;
  }
  const legendRows = series === 0 ? 0 : row + 1;
  const height = baseHeight + legendRows * LEGEND_ROW;
  const plotLeft = MARGIN_LEFT;
  const plotRight = width - MARGIN_RIGHT;
  const plotTop = MARGIN_TOP;
  const plotBottom = baseHeight - AXIS_BAND - 8;
  const plotWidth = plotRight - plotLeft;
  const plotHeight = plotBottom - plotTop;
  const color = (s: number): string => CHART_PALETTE[s % CHART_PALETTE.length] ?? '#000000';

  const out: string[] = [];
  const xmlns = options.standalone === true ? ' xmlns="http://www.w3.org/2000/svg"' : '';
  out.push(
    `<svg${xmlns} class="chart bar-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(
    `<text class="chart-title" x="${plotLeft}" y="20" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  const ys = groups.flatMap((g) => [
    ...g.values.filter(finite),
    ...(g.intervals ?? []).flatMap((iv) => (iv === null ? [] : iv.filter(finite))),
  ]);
  if (ys.length === 0 || groups.length === 0) {
    out.push(
      `<rect class="plot" x="${plotLeft}" y="${plotTop}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#cccccc"/>`,
    );
    out.push(
      `<text class="no-data" x="${num(plotLeft + plotWidth / 2)}" y="${num(plotTop + plotHeight / 2)}" text-anchor="middle" fill="#666666">no data</text>`,
    );
  } else {
    const ticks = niceTicks(Math.min(0, ...ys), Math.max(0, ...ys), 5);
    const y0 = ticks.values[0] ?? 0;
    const y1 = ticks.values[ticks.values.length - 1] ?? 1;
    const sy = (y: number): number => plotBottom - ((y - y0) / (y1 - y0)) * plotHeight;
    const labels = tickLabels(ticks);
    out.push('<g class="grid" stroke="#e5e5e5">');
    for (const v of ticks.values) {
      out.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${num(sy(v))}" y2="${num(sy(v))}"/>`);
    }
    out.push('</g>');
    out.push('<g class="axis axis-y" fill="#333333" text-anchor="end">');
    ticks.values.forEach((v, i) => {
      out.push(`<text x="${plotLeft - 6}" y="${num(sy(v) + 4)}">${escapeXml(labels[i] ?? '')}</text>`);
    });
    out.push(
      `<text class="axis-caption" transform="translate(14 ${num(plotTop + plotHeight / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    );
    out.push('</g>');
    const slot = plotWidth / groups.length;
    const barWidth = (slot * 0.8) / Math.max(1, series);
    out.push('<g class="axis axis-x" fill="#333333" text-anchor="middle">');
    out.push(
      `<line x1="${plotLeft}" x2="${plotRight}" y1="${num(sy(0))}" y2="${num(sy(0))}" stroke="#333333"/>`,
    );
    groups.forEach((g, i) => {
      out.push(
        `<text x="${num(plotLeft + (i + 0.5) * slot)}" y="${plotBottom + 16}">${escapeXml(g.label)}</text>`,
      );
    });
    out.push('</g>');
    groups.forEach((g, i) => {
      out.push(`<g class="bar-group" data-group="${i}">`);
      const start = plotLeft + i * slot + slot * 0.1;
      g.values.forEach((v, s) => {
        if (!finite(v)) return;
        const top = Math.min(sy(0), sy(v));
        out.push(
          `<rect class="bar" data-series="${s}" data-value="${String(v)}" x="${num(start + s * barWidth)}" y="${num(top)}" width="${num(Math.max(0.5, barWidth - 1))}" height="${num(Math.abs(sy(0) - sy(v)))}" fill="${color(s)}"/>`,
        );
      });
      (g.intervals ?? []).forEach((iv, s) => {
        if (iv === null || !finite(iv[0]) || !finite(iv[1])) return;
        const cx = start + (s + 0.5) * barWidth;
        const cap = Math.min(6, barWidth / 3);
        out.push(`<g class="interval" data-series="${s}" stroke="#333333">`);
        out.push(`<line x1="${num(cx)}" x2="${num(cx)}" y1="${num(sy(iv[0]))}" y2="${num(sy(iv[1]))}"/>`);
        for (const end of iv) {
          out.push(
            `<line x1="${num(cx - cap)}" x2="${num(cx + cap)}" y1="${num(sy(end))}" y2="${num(sy(end))}"/>`,
          );
        }
        out.push('</g>');
      });
      out.push('</g>');
    });
  }
  if (series > 0) {
    const legendTop = baseHeight - 6;
    out.push('<g class="legend" fill="#333333">');
    options.seriesLabels.forEach((label, s) => {
      const item = legend[s] ?? { x: 0, row: 0 };
      const x = plotLeft + item.x;
      const y = legendTop + item.row * LEGEND_ROW;
      out.push('<g class="legend-item">');
      out.push(`<rect x="${num(x)}" y="${num(y)}" width="12" height="12" fill="${color(s)}"/>`);
      out.push(`<text x="${num(x + 18)}" y="${num(y + 10)}">${escapeXml(label)}</text>`);
      out.push('</g>');
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** A numeric field of the stress summary. */
export type NumericSummaryField = {
  readonly [K in keyof StressSummary]-?: StressSummary[K] extends number ? K : never;
}[keyof StressSummary];

/** The summary fields a comparison shows, in order, with their label and unit. */
export const COMPARE_FIELDS: readonly {
  readonly field: NumericSummaryField;
  readonly label: string;
  readonly unit: 'USD' | 'count';
}[] = [
  { field: 'accounts', label: 'accounts', unit: 'count' },
  { field: 'liquidations', label: 'liquidations', unit: 'count' },
  { field: 'liquidatedDebtUsd', label: 'liquidated debt', unit: 'USD' },
  { field: 'auctions', label: 'auctions', unit: 'count' },
  { field: 'zeroBidAuctions', label: 'zero-bid auctions', unit: 'count' },
  { field: 'badDebtUsd', label: 'bad debt', unit: 'USD' },
  { field: 'insuranceFundDrawUsd', label: 'insurance fund draw', unit: 'USD' },
  { field: 'socializedLossUsd', label: 'socialized loss', unit: 'USD' },
  { field: 'keeperProfitUsd', label: 'keeper profit', unit: 'USD' },
  { field: 'borrowerLossUsd', label: 'borrower loss', unit: 'USD' },
  { field: 'maxCascadeDepth', label: 'max cascade depth', unit: 'count' },
  { field: 'keeperTransactions', label: 'keeper transactions', unit: 'count' },
  { field: 'softMarginCalls', label: 'soft margin calls', unit: 'count' },
  { field: 'deleveragedDebtUsd', label: 'de-leveraged debt', unit: 'USD' },
  { field: 'parameterUpdates', label: 'automatic parameter updates', unit: 'count' },
  { field: 'debtAuctionRaisedUsd', label: 'raised by debt auctions', unit: 'USD' },
  { field: 'debtAuctionTokensIssued', label: 'tokens issued by debt auctions', unit: 'count' },
];

/** The fields of the outcomes chart (USD), and of the counts chart. */
const OUTCOME_FIELDS: readonly NumericSummaryField[] = [
  'badDebtUsd',
  'liquidatedDebtUsd',
  'keeperProfitUsd',
  'borrowerLossUsd',
];
const COUNT_FIELDS: readonly NumericSummaryField[] = ['liquidations', 'auctions', 'zeroBidAuctions'];

/** One compared run: its summary and, with Monte Carlo paths, its Monte Carlo block. */
export interface CompareRun {
  /**
   * The run's name in the table and the charts' legends (a variant's label, say); default the
   * summary's protocol id.
   */
  readonly label?: string;
  readonly summary: StressSummary;
  readonly monteCarlo?: MonteCarloSummary;
}

/** Options of {@link compareReportHtml}. */
export interface CompareReportOptions {
  readonly title: string;
  /** The command that reproduces the comparison (shown verbatim, escaped). */
  readonly reproduce: string;
}

/** Chart ids of a comparison report, in order (`<figure id="…">`). */
export function compareReportChartIds(withMonteCarlo: boolean): readonly string[] {
  return [
    'chart-outcomes',
    'chart-counts',
    ...(withMonteCarlo ? ['chart-bad-debt-quantiles', 'chart-liquidated-debt-quantiles'] : []),
  ];
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.75rem; border-bottom: 1px solid #eee; }
td { text-align: right; }
th[scope=row] { text-align: left; font-weight: normal; color: #444; }
thead th { text-align: right; }
figure { margin: 1.25rem 0; }
figcaption { font-size: 0.85rem; color: #555; }
svg.chart { max-width: 100%; height: auto; }
pre { background: #f5f5f5; padding: 0.75rem; overflow-x: auto; }
`;

const cell = (unit: 'USD' | 'count', value: number): string => formatGrouped(value, unit === 'USD' ? 2 : 0);

function figure(id: string, svg: string, caption: string): string {
  return `<figure class="chart-figure" id="${escapeXml(id)}">\n${svg}\n<figcaption>${escapeXml(caption)}</figcaption>\n</figure>`;
}

const QUANTILES = ['p50', 'p95', 'p99'] as const;

/** Rows of the comparison table: label, then a cell per run (Monte Carlo rows when every run has a block). */
function tableRows(runs: readonly CompareRun[]): { key: string; label: string; cells: string[] }[] {
  const rows: { key: string; label: string; cells: string[] }[] = COMPARE_FIELDS.map((f) => ({
    key: f.field,
    label: `${f.label}${f.unit === 'USD' ? ' (USD)' : ''}`,
    cells: runs.map((r) => cell(f.unit, r.summary[f.field])),
  }));
  if (runs.every((r) => r.monteCarlo !== undefined)) {
    rows.push({
      key: 'paths',
      label: 'Monte Carlo paths',
      cells: runs.map((r) => String(r.monteCarlo?.paths)),
    });
    for (const [metric, name] of [
      ['badDebtUsd', 'bad debt'],
      ['liquidatedDebtUsd', 'liquidated debt'],
    ] as const) {
      for (const q of QUANTILES) {
        rows.push({
          key: `${metric}.${q}`,
          label: `${name} ${q} (USD)`,
          cells: runs.map((r) => {
            const stats = r.monteCarlo?.[metric];
            return stats === undefined
              ? ''
              : `${cell('USD', stats[q])} [${cell('USD', stats.ci95[q][0])} .. ${cell('USD', stats.ci95[q][1])}]`;
          }),
        });
      }
    }
  }
  return rows;
}

/**
 * One self-contained HTML document comparing runs of the same scenario and book: a table of the
 * key summary fields ({@link COMPARE_FIELDS}) with a column per run headed by its label
 * (`table#compare`, rows with `data-field`) plus, when every run has a Monte Carlo block, p50/p95/p99 of bad debt and
 * liquidated debt with their 95 % intervals; grouped bar charts (see {@link compareReportChartIds}):
 * USD outcomes and counts per run, and with Monte Carlo the quantiles per run with interval
 * whiskers; then the reproduce command. Inline CSS and SVG only; every string escaped; deterministic.
 * @throws InvalidParameterError (field `runs`) when there are no runs.
 */
export function compareReportHtml(runs: readonly CompareRun[], options: CompareReportOptions): string {
  if (runs.length === 0) throw new InvalidParameterError('runs', 'a comparison needs at least one run');
  const labels = runs.map((r) => r.label ?? r.summary.protocol);
  const label = (field: NumericSummaryField): string =>
    COMPARE_FIELDS.find((f) => f.field === field)?.label ?? field;
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
  const first = runs[0]?.summary;
  parts.push(
    `<p>${escapeXml(`${runs.length} runs of ${first?.scenario ?? ''} with the same book and seed (${first?.seed ?? ''}); each protocol with its default keepers. USD figures are float64 estimates for reporting.`)}</p>`,
  );
  parts.push('<h2>Side by side</h2>');
  const head = labels.map((l) => `<th scope="col">${escapeXml(l)}</th>`).join('');
  const body = tableRows(runs).map(
    (r) =>
      `<tr data-field="${escapeXml(r.key)}"><th scope="row">${escapeXml(r.label)}</th>${r.cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`,
  );
  parts.push(
    `<table id="compare">\n<thead><tr><th scope="col">field</th>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`,
  );

  parts.push('<h2>Charts</h2>');
  const byField = (fields: readonly NumericSummaryField[]) =>
    fields.map((f) => ({ label: label(f), values: runs.map((r) => r.summary[f]) }));
  parts.push(
    figure(
      'chart-outcomes',
      groupedBarChart(byField(OUTCOME_FIELDS), { title: 'Outcomes', yLabel: 'USD', seriesLabels: labels }),
      'Bad debt, liquidated debt, keeper profit and borrower loss per protocol, USD.',
    ),
  );
  parts.push(
    figure(
      'chart-counts',
      groupedBarChart(byField(COUNT_FIELDS), {
        title: 'Liquidations and auctions',
        yLabel: 'count',
        seriesLabels: labels,
      }),
      'Liquidations, auctions started and zero-bid auctions per protocol.',
    ),
  );
  if (runs.every((r) => r.monteCarlo !== undefined)) {
    for (const [metric, name, id] of [
      ['badDebtUsd', 'Bad debt', 'chart-bad-debt-quantiles'],
      ['liquidatedDebtUsd', 'Liquidated debt', 'chart-liquidated-debt-quantiles'],
    ] as const) {
      const groups = QUANTILES.map((q) => ({
        label: q,
        values: runs.map((r) => r.monteCarlo?.[metric][q] ?? null),
        intervals: runs.map((r) => r.monteCarlo?.[metric].ci95[q] ?? null),
      }));
      parts.push(
        figure(
          id,
          groupedBarChart(groups, {
            title: `${name} over ${runs[0]?.monteCarlo?.paths ?? 0} paths`,
            yLabel: 'USD',
            seriesLabels: labels,
          }),
          `${name} p50, p95 and p99 per protocol over the Monte Carlo paths, USD; whiskers are bootstrap 95 % intervals.`,
        ),
      );
    }
  }
  parts.push('<h2>Reproduce</h2>');
  parts.push(`<pre id="reproduce"><code>${escapeXml(options.reproduce)}</code></pre>`);
  parts.push('</body>');
  parts.push('</html>');
  return `${parts.join('\n')}\n`;
}
