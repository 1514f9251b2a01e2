/**
 * The stress lab's HTML report: one self-contained document (inline CSS and SVG, no scripts, no
 * external URLs, so it opens offline) comparing stress runs side by side: every summary field in
 * a table, the per-step series, clearings, keeper activity and Monte Carlo paths as charts, and the
 * command that reproduces the runs. The charts are also available one by one (for PNG files).
 */
import { InvalidParameterError } from '../engine/errors.js';
import type { MonteCarloSummary } from '../sim/montecarlo.js';
import {
  HEALTH_BUCKET_BOUNDS,
  type StressResult,
  type StressSeriesPoint,
  type StressSummary,
} from '../sim/stress.js';
import { escapeXml, formatGrouped } from './format.js';
import { type ChartSeries, histogramChart, xyChart } from './svg.js';

/** Options of {@link stressReportHtml}. */
export interface StressReportOptions {
  /** Heading and document title. */
  readonly title: string;
  /** The command that reproduces the runs (shown verbatim, escaped). */
  readonly reproduce: string;
  /**
   * The Monte Carlo block of each run, in the order of the results (undefined for a run without
   * one): adds their percentiles (`table#monte-carlo`) and the bad debt across paths histogram.
   */
  readonly monteCarlo?: readonly (MonteCarloSummary | undefined)[];
}

const usd = (value: number): string => formatGrouped(value, 2);
const count = (value: number): string => formatGrouped(value, 0);

/**
 * Every summary field with its label and cell text. The mapped type makes the compiler refuse
 * this table when a field is added to {@link StressSummary} without a row.
 */
const SUMMARY_ROWS: {
  readonly [K in keyof StressSummary]-?: readonly [string, (s: StressSummary) => string];
} = {
  protocol: ['protocol', (s) => s.protocol],
  scenario: ['scenario', (s) => s.scenario],
  seed: ['seed', (s) => String(s.seed)],
  steps: ['steps', (s) => count(s.steps)],
  accounts: ['accounts opened', (s) => count(s.accounts)],
  accountsSkipped: ['accounts skipped', (s) => count(s.accountsSkipped)],
  liquidations: ['liquidations', (s) => count(s.liquidations)],
  liquidatedDebtUsd: ['liquidated debt (USD)', (s) => usd(s.liquidatedDebtUsd)],
  auctions: ['auctions', (s) => count(s.auctions)],
  zeroBidAuctions: ['zero-bid auctions', (s) => count(s.zeroBidAuctions)],
  auctionsLiveAtEnd: ['auctions live at end', (s) => count(s.auctionsLiveAtEnd)],
  badDebtUsd: ['bad debt (USD)', (s) => usd(s.badDebtUsd)],
  insuranceFundDrawUsd: ['insurance fund draw (USD)', (s) => usd(s.insuranceFundDrawUsd)],
  socializedLossUsd: ['socialized loss (USD)', (s) => usd(s.socializedLossUsd)],
  adlVolumeUsd: ['ADL volume (USD)', (s) => usd(s.adlVolumeUsd)],
  keeperProfitUsd: ['keeper profit (USD)', (s) => usd(s.keeperProfitUsd)],
  borrowerLossUsd: ['borrower loss (USD)', (s) => usd(s.borrowerLossUsd)],
  maxCascadeDepth: ['max cascade depth', (s) => count(s.maxCascadeDepth)],
  keeperTransactions: ['keeper transactions', (s) => count(s.keeperTransactions)],
  keeperFailures: ['failed keeper transactions', (s) => count(s.keeperFailures)],
  softMarginCalls: ['soft margin calls', (s) => count(s.softMarginCalls)],
  deleveragedDebtUsd: ['de-leveraged debt (USD)', (s) => usd(s.deleveragedDebtUsd)],
  parameterUpdates: ['automatic parameter updates', (s) => count(s.parameterUpdates)],
  debtAuctionRaisedUsd: ['raised by debt auctions (USD)', (s) => usd(s.debtAuctionRaisedUsd)],
  debtAuctionTokensIssued: ['tokens issued by debt auctions', (s) => count(s.debtAuctionTokensIssued)],
  refusals: [
    'refusals by code',
    (s) => {
      const entries = Object.entries(s.refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code}: ${count(n)}`).join(', ');
    },
  ],
};

/** Options of {@link stressReportChartIds}. */
export interface ChartIdOptions {
  /** Whether the report has Monte Carlo blocks (adds `chart-bad-debt-paths`). */
  readonly monteCarlo?: boolean;
}

/** Chart ids of a report, in the order they appear (`<figure id="chart-…">`). */
export function stressReportChartIds(runCount: number, options: ChartIdOptions = {}): readonly string[] {
  const perRun = (name: string): string[] =>
    Array.from({ length: runCount }, (_, i) => `chart-${name}-${i + 1}`);
  return [
    ...perRun('price'),
    'chart-gas',
    ...perRun('liquidations'),
    'chart-liquidated-debt',
    'chart-bad-debt',
    ...perRun('health'),
    ...perRun('keepers'),
    'chart-discounts',
    'chart-insurance-fund',
    ...(options.monteCarlo === true ? ['chart-bad-debt-paths'] : []),
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

/** A label per run: the protocol, with scenario and seed when runs differ in them, and #n on repeats. */
function runLabels(results: readonly StressResult[]): readonly string[] {
  const sameScenario = results.every((r) => r.summary.scenario === results[0]?.summary.scenario);
  const sameSeed = results.every((r) => r.summary.seed === results[0]?.summary.seed);
  const base = results.map((r) => {
    const extras = [
      ...(sameScenario ? [] : [r.summary.scenario]),
      ...(sameSeed ? [] : [`seed ${r.summary.seed}`]),
    ];
    return extras.length === 0 ? r.summary.protocol : `${r.summary.protocol} (${extras.join(', ')})`;
  });
  return base.map((label, i) => {
    const repeats = base.filter((b) => b === label).length;
    if (repeats === 1) return label;
    const n = base.slice(0, i + 1).filter((b) => b === label).length;
    return `${label} #${n}`;
  });
}

function points(
  series: readonly StressSeriesPoint[],
  y: (p: StressSeriesPoint) => number | null,
): ChartSeries['points'] {
  return series.map((p) => ({ x: p.t, y: y(p) }));
}

function figure(id: string, svg: string, caption: string): string {
  return `<figure class="chart-figure" id="${escapeXml(id)}">\n${svg}\n<figcaption>${escapeXml(caption)}</figcaption>\n</figure>`;
}

function summaryTable(results: readonly StressResult[], labels: readonly string[]): string {
  const head = labels.map((l) => `<th scope="col">${escapeXml(l)}</th>`).join('');
  const rows = (Object.keys(SUMMARY_ROWS) as (keyof StressSummary)[]).map((field) => {
    const [label, cell] = SUMMARY_ROWS[field];
    const cells = results.map((r) => `<td>${escapeXml(cell(r.summary))}</td>`).join('');
    return `<tr data-field="${escapeXml(field)}"><th scope="row">${escapeXml(label)}</th>${cells}</tr>`;
  });
  return `<table id="summary">\n<thead><tr><th scope="col">field</th>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** One row per keeper of every run: transactions, failures, gas and liquidations. */
function keepersTable(results: readonly StressResult[], labels: readonly string[]): string {
  const rows = results.flatMap((r, i) =>
    r.keepers.map((k) =>
      [
        `<tr data-run="${i + 1}" data-keeper="${escapeXml(k.id)}">`,
        `<th scope="row">${escapeXml(labels[i] ?? `run ${i + 1}`)}</th>`,
        `<th scope="row">${escapeXml(k.id)}</th>`,
        `<td>${escapeXml(count(k.transactions))}</td>`,
        `<td>${escapeXml(count(k.failures))}</td>`,
        `<td>${escapeXml(usd(k.gasUsd))}</td>`,
        `<td>${escapeXml(count(k.liquidations))}</td>`,
        '</tr>',
      ].join(''),
    ),
  );
  const head =
    '<thead><tr><th scope="col">run</th><th scope="col">keeper</th><th scope="col">transactions</th><th scope="col">failed</th><th scope="col">gas (USD)</th><th scope="col">liquidations</th></tr></thead>';
  const body = rows.length === 0 ? '<tr><td colspan="6">no keepers</td></tr>' : rows.join('\n');
  return `<table id="keepers">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The Monte Carlo percentiles of each run that has a block (others show a dash). */
function monteCarloTable(
  blocks: readonly (MonteCarloSummary | undefined)[],
  labels: readonly string[],
): string {
  const head = labels.map((l) => `<th scope="col">${escapeXml(l)}</th>`).join('');
  const rows: string[] = [];
  const row = (key: string, label: string, cell: (b: MonteCarloSummary) => string): void => {
    const cells = labels.map((_, i) => {
      const b = blocks[i];
      return `<td>${escapeXml(b === undefined ? '—' : cell(b))}</td>`;
    });
    rows.push(`<tr data-field="${key}"><th scope="row">${escapeXml(label)}</th>${cells.join('')}</tr>`);
  };
  row('paths', 'paths', (b) => count(b.paths));
  for (const [metric, name] of [
    ['badDebtUsd', 'bad debt'],
    ['liquidatedDebtUsd', 'liquidated debt'],
  ] as const) {
    for (const q of ['p50', 'p95', 'p99', 'mean', 'max'] as const) {
      row(`${metric}.${q}`, `${name} ${q} (USD)`, (b) => usd(b[metric][q]));
    }
    row(`${metric}.ci95.p99`, `${name} p99 95% interval (USD)`, (b) =>
      b[metric].ci95.p99.map(usd).join(' – '),
    );
  }
  return `<table id="monte-carlo">\n<thead><tr><th scope="col">statistic</th>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function sameGas(results: readonly StressResult[]): boolean {
  const first = results[0]?.series ?? [];
  return results.every(
    (r) =>
      r.series.length === first.length &&
      r.series.every((p, i) => p.t === first[i]?.t && p.gasGwei === first[i]?.gasGwei),
  );
}

/** Labels of the health buckets of {@link HEALTH_BUCKET_BOUNDS}: `< 1`, `1–1.1`, …, `≥ 2`. */
export function healthBucketLabels(): readonly string[] {
  const bounds = HEALTH_BUCKET_BOUNDS;
  return [
    `< ${bounds[0]} (liquidatable)`,
    ...bounds.slice(1).map((upper, i) => `${bounds[i]}–${upper}`),
    `≥ ${bounds[bounds.length - 1]}`,
  ];
}

/** Bucket colours from liquidatable (red) to safe (blue); greys past the sixth bucket. */
const HEALTH_COLORS: readonly string[] = ['#c0392b', '#e67e22', '#e6c200', '#8cc63f', '#1a9641', '#2c7bb6'];

/** The first and last step of all runs, as an `xRange` option (none when there is no step). */
function timeRange(results: readonly StressResult[]): { xRange?: readonly [number, number] } {
  const times = results.flatMap((r) => [r.series[0]?.t, r.series[r.series.length - 1]?.t]);
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 ? {} : { xRange: [Math.min(...known), Math.max(...known)] };
}

/** One chart of a report, as drawn in the HTML (and written as a PNG by the CLI). */
export interface ReportChart {
  /** `chart-…` id (see {@link stressReportChartIds}); the PNG file is `<id>.png`. */
  readonly id: string;
  /** Heading of the report section the chart is in. */
  readonly section: string;
  /** The chart, an `<svg>` element (inline: no `xmlns`; `svgToPng` adds it). */
  readonly svg: string;
  readonly caption: string;
}

/** A section of the report: its heading, then charts and (already escaped) HTML blocks in order. */
interface Section {
  readonly heading: string;
  readonly items: readonly ({ readonly chart: ReportChart } | { readonly html: string })[];
}

/** Options of {@link stressReportCharts}. */
export interface StressChartsOptions {
  /**
   * The Monte Carlo block of each run, in the order of the results (undefined for a run without
   * one): adds the bad debt across paths histogram (`chart-bad-debt-paths`) when any is given.
   */
  readonly monteCarlo?: readonly (MonteCarloSummary | undefined)[];
}

function sections(results: readonly StressResult[], options: StressChartsOptions): Section[] {
  const labels = runLabels(results);
  const label = (i: number): string => labels[i] ?? `run ${i + 1}`;
  const chart = (section: string, id: string, svg: string, caption: string) => ({
    chart: { id, section, svg, caption },
  });
  const out: Section[] = [];

  let heading = 'Market and oracle price';
  out.push({
    heading,
    items: results.map((r, i) =>
      chart(
        heading,
        `chart-price-${i + 1}`,
        xyChart(
          [
            { label: 'market', points: points(r.series, (p) => p.marketPriceUsd) },
            { label: 'oracle (OSM)', kind: 'step', points: points(r.series, (p) => p.oraclePriceUsd) },
          ],
          { title: `${label(i)}: market vs oracle price`, yLabel: 'USD per ETH', xAxis: 'time' },
        ),
        `${label(i)}: market price (with liquidation impact) and the delayed oracle price the protocol reads; gaps are steps where the oracle refused.`,
      ),
    ),
  });

  heading = 'Gas';
  const gasSeries: ChartSeries[] = sameGas(results)
    ? [{ label: 'gas price', kind: 'step', points: points(results[0]?.series ?? [], (p) => p.gasGwei) }]
    : results.map((r, i) => ({ label: label(i), kind: 'step', points: points(r.series, (p) => p.gasGwei) }));
  out.push({
    heading,
    items: [
      chart(
        heading,
        'chart-gas',
        xyChart(gasSeries, { title: 'Gas price', yLabel: 'gwei', xAxis: 'time', includeZero: true }),
        'Gas price per step, gwei.',
      ),
    ],
  });

  heading = 'Liquidations and auctions';
  out.push({
    heading,
    items: results.map((r, i) =>
      chart(
        heading,
        `chart-liquidations-${i + 1}`,
        xyChart(
          [
            {
              label: 'liquidations started',
              kind: 'bar',
              points: points(r.series, (p) => p.liquidationsStarted),
            },
            { label: 'auctions live', kind: 'step', points: points(r.series, (p) => p.auctionsLive) },
          ],
          { title: `${label(i)}: liquidations and auctions`, yLabel: 'count', xAxis: 'time' },
        ),
        `${label(i)}: liquidations accepted per step (bars) and auctions running after each step.`,
      ),
    ),
  });

  heading = 'Liquidated debt and bad debt';
  out.push({
    heading,
    items: [
      chart(
        heading,
        'chart-liquidated-debt',
        xyChart(
          results.map((r, i) => ({
            label: label(i),
            kind: 'step',
            points: points(r.series, (p) => p.cumulativeLiquidatedDebtUsd),
          })),
          { title: 'Cumulative liquidated debt', yLabel: 'USD', xAxis: 'time', includeZero: true },
        ),
        'Debt moved to the protocol by liquidations so far, USD.',
      ),
      chart(
        heading,
        'chart-bad-debt',
        xyChart(
          results.map((r, i) => ({
            label: label(i),
            kind: 'step',
            points: points(r.series, (p) => p.badDebtUsd),
          })),
          { title: 'Bad debt', yLabel: 'USD', xAxis: 'time', includeZero: true },
        ),
        'Uncovered debt after each step, USD (includes debt of auctions still running).',
      ),
    ],
  });

  heading = 'Health distribution';
  const bucketLabels = healthBucketLabels();
  out.push({
    heading,
    items: results.map((r, i) => {
      const sampled = r.series.filter((p) => p.healthBuckets !== null);
      return chart(
        heading,
        `chart-health-${i + 1}`,
        xyChart(
          bucketLabels.map((bucket, b) => ({
            label: bucket,
            kind: 'stackedBar',
            color: HEALTH_COLORS[b] ?? '#999999',
            points: sampled.map((p) => ({ x: p.t, y: p.healthBuckets?.[b] ?? 0 })),
          })),
          { title: `${label(i)}: accounts by health factor`, yLabel: 'open accounts', xAxis: 'time' },
        ),
        `${label(i)}: open accounts (with debt) by health factor at the oracle price, on ${sampled.length} sampled steps; the red band is liquidatable.`,
      );
    }),
  });

  heading = 'Keeper activity';
  out.push({
    heading,
    items: [
      ...results.map((r, i) =>
        chart(
          heading,
          `chart-keepers-${i + 1}`,
          xyChart(
            [
              {
                label: 'accepted',
                kind: 'stackedBar',
                color: '#0072b2',
                points: points(r.series, (p) => p.keeperTransactions - p.keeperFailures),
              },
              {
                label: 'failed',
                kind: 'stackedBar',
                color: '#d55e00',
                points: points(r.series, (p) => p.keeperFailures),
              },
            ],
            { title: `${label(i)}: keeper transactions per step`, yLabel: 'transactions', xAxis: 'time' },
          ),
          `${label(i)}: keeper transactions that landed per step; the orange part failed (refused, outbid or dropped) and still paid gas.`,
        ),
      ),
      { html: keepersTable(results, labels) },
    ],
  });

  heading = 'Clearing discounts';
  out.push({
    heading,
    items: [
      chart(
        heading,
        'chart-discounts',
        xyChart(
          results.map((r, i) => ({
            label: label(i),
            kind: 'scatter',
            points: [...r.clearings]
              .sort((a, b) => a.t - b.t)
              .map((c) => ({ x: c.t, y: Number.isFinite(c.discount) ? c.discount * 100 : null })),
          })),
          {
            title: 'Discount at each clearing',
            yLabel: '% below market',
            xAxis: 'time',
            zeroLine: true,
            ...timeRange(results),
          },
        ),
        'Each sale of collateral: 1 − paid / market value, in percent. Above the line the buyer paid less than the market price; below, more.',
      ),
    ],
  });

  heading = 'Insurance fund';
  out.push({
    heading,
    items: [
      chart(
        heading,
        'chart-insurance-fund',
        xyChart(
          results.map((r, i) => ({
            label: label(i),
            kind: 'step',
            points: points(r.series, (p) => p.insuranceFundUsd),
          })),
          { title: 'Insurance fund', yLabel: 'USD', xAxis: 'time', includeZero: true },
        ),
        'The insurance fund (or the protocol’s loss buffer, where it has one) after each step, USD; zero for protocols without one.',
      ),
    ],
  });

  const blocks = options.monteCarlo ?? [];
  if (blocks.some((b) => b !== undefined)) {
    heading = 'Monte Carlo';
    const withBlocks = results.flatMap((_, i) => {
      const b = blocks[i];
      return b === undefined ? [] : [{ label: label(i), block: b }];
    });
    const paths = [...new Set(withBlocks.map((w) => w.block.paths))].join(', ');
    out.push({
      heading,
      items: [
        { html: monteCarloTable(blocks, labels.slice(0, results.length)) },
        chart(
          heading,
          'chart-bad-debt-paths',
          histogramChart(
            withBlocks.map((w) => ({ label: w.label, values: w.block.badDebtUsdByPath })),
            { title: 'Bad debt across paths', xLabel: 'bad debt at the end of a path, USD', yLabel: 'paths' },
          ),
          `Histogram of the bad debt each Monte Carlo path ended with (${paths} paths per run), USD.`,
        ),
      ],
    });
  }
  return out;
}

/**
 * Every chart of the report of `results`, in report order (ids as {@link stressReportChartIds}):
 * what {@link stressReportHtml} draws, for writing each chart to a file of its own.
 * @throws InvalidParameterError (field `results`) when there are no runs.
 */
export function stressReportCharts(
  results: readonly StressResult[],
  options: StressChartsOptions = {},
): readonly ReportChart[] {
  if (results.length === 0) {
    throw new InvalidParameterError('results', 'a report needs at least one run');
  }
  return sections(results, options).flatMap((s) =>
    s.items.flatMap((item) => ('chart' in item ? [item.chart] : [])),
  );
}

/**
 * One self-contained HTML document for stress runs (compared side by side when there are
 * several): a summary table with every {@link StressSummary} field per run (`table#summary`, a row
 * per field with `data-field`), charts (see {@link stressReportChartIds}): market vs oracle price
 * per run, gas (one line when all runs share it), liquidations started per step (bars) with
 * auctions live (step line) per run, cumulative liquidated debt and bad debt over time with the
 * runs overlaid, the health distribution of open accounts per run (stacked bars of the health
 * buckets on the sampled steps), keeper transactions per step per run (accepted and failed,
 * stacked) with a table of each keeper's activity (`table#keepers`), the discount of every clearing
 * against the market (scatter with the zero line), the insurance fund over time, and, with Monte
 * Carlo blocks, their percentiles (`table#monte-carlo`) and a histogram of bad debt across paths;
 * then the reproduce command. Inline CSS and SVG only: no scripts, no external URLs; every string
 * from the results and options is escaped. Deterministic: same input, same bytes.
 * @throws InvalidParameterError (field `results`) when there are no runs.
 */
export function stressReportHtml(results: readonly StressResult[], options: StressReportOptions): string {
  if (results.length === 0) {
    throw new InvalidParameterError('results', 'a report needs at least one run');
  }
  const labels = runLabels(results);
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
  const scenarios = [...new Set(results.map((r) => r.summary.scenario))].join(', ');
  parts.push(
    `<p>${escapeXml(`${results.length} run${results.length === 1 ? '' : 's'}; scenario ${scenarios}. USD figures are float64 estimates for reporting; times are UTC.`)}</p>`,
  );

  parts.push('<h2>Summary</h2>');
  parts.push(summaryTable(results, labels));

  const chartOptions = options.monteCarlo === undefined ? {} : { monteCarlo: options.monteCarlo };
  for (const section of sections(results, chartOptions)) {
    parts.push(`<h2>${escapeXml(section.heading)}</h2>`);
    for (const item of section.items) {
      parts.push('chart' in item ? figure(item.chart.id, item.chart.svg, item.chart.caption) : item.html);
    }
  }

  parts.push('<h2>Reproduce</h2>');
  parts.push(`<pre id="reproduce"><code>${escapeXml(options.reproduce)}</code></pre>`);
  parts.push('</body>');
  parts.push('</html>');
  return `${parts.join('\n')}\n`;
}
