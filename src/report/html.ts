/**
 * The stress lab's HTML report: one self-contained document (inline CSS and SVG, no scripts, no
 * external URLs, so it opens offline) comparing stress runs side by side: every summary field in
 * a table, the per-step series as charts, and the command that reproduces the runs.
 */
import { InvalidParameterError } from '../engine/errors.js';
import type { StressResult, StressSeriesPoint, StressSummary } from '../sim/stress.js';
import { escapeXml, formatGrouped } from './format.js';
import { type ChartSeries, xyChart } from './svg.js';

/** Options of {@link stressReportHtml}. */
export interface StressReportOptions {
  /** Heading and document title. */
  readonly title: string;
  /** The command that reproduces the runs (shown verbatim, escaped). */
  readonly reproduce: string;
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
  refusals: [
    'refusals by code',
    (s) => {
      const entries = Object.entries(s.refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code}: ${count(n)}`).join(', ');
    },
  ],
};

/** Chart ids of a report, in the order they appear (`<figure id="chart-…">`). */
export function stressReportChartIds(runCount: number): readonly string[] {
  const perRun = (name: string): string[] =>
    Array.from({ length: runCount }, (_, i) => `chart-${name}-${i + 1}`);
  return [
    ...perRun('price'),
    'chart-gas',
    ...perRun('liquidations'),
    'chart-liquidated-debt',
    'chart-bad-debt',
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

function sameGas(results: readonly StressResult[]): boolean {
  const first = results[0]?.series ?? [];
  return results.every(
    (r) =>
      r.series.length === first.length &&
      r.series.every((p, i) => p.t === first[i]?.t && p.gasGwei === first[i]?.gasGwei),
  );
}

/**
 * One self-contained HTML document for stress runs (compared side by side when there are
 * several): a summary table with every {@link StressSummary} field per run (`table#summary`, a row
 * per field with `data-field`), charts (see {@link stressReportChartIds}): market vs oracle price
 * per run, gas (one line when all runs share it), liquidations started per step (bars) with
 * auctions live (step line) per run, and cumulative liquidated debt and bad debt over time with
 * the runs overlaid; then the reproduce command. Inline CSS and SVG only: no scripts, no external
 * URLs; every string from the results and options is escaped. Deterministic: same input, same bytes.
 * @throws InvalidParameterError (field `results`) when there are no runs.
 */
export function stressReportHtml(results: readonly StressResult[], options: StressReportOptions): string {
  if (results.length === 0) {
    throw new InvalidParameterError('results', 'a report needs at least one run');
  }
  const labels = runLabels(results);
  const label = (i: number): string => labels[i] ?? `run ${i + 1}`;
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

  parts.push('<h2>Market and oracle price</h2>');
  results.forEach((r, i) => {
    const svg = xyChart(
      [
        { label: 'market', points: points(r.series, (p) => p.marketPriceUsd) },
        { label: 'oracle (OSM)', kind: 'step', points: points(r.series, (p) => p.oraclePriceUsd) },
      ],
      { title: `${label(i)}: market vs oracle price`, yLabel: 'USD per ETH', xAxis: 'time' },
    );
    parts.push(
      figure(
        `chart-price-${i + 1}`,
        svg,
        `${label(i)}: market price (with liquidation impact) and the delayed oracle price the protocol reads; gaps are steps where the oracle refused.`,
      ),
    );
  });

  parts.push('<h2>Gas</h2>');
  const gasSeries: ChartSeries[] = sameGas(results)
    ? [{ label: 'gas price', kind: 'step', points: points(results[0]?.series ?? [], (p) => p.gasGwei) }]
    : results.map((r, i) => ({ label: label(i), kind: 'step', points: points(r.series, (p) => p.gasGwei) }));
  parts.push(
    figure(
      'chart-gas',
      xyChart(gasSeries, { title: 'Gas price', yLabel: 'gwei', xAxis: 'time', includeZero: true }),
      'Gas price per step, gwei.',
    ),
  );

  parts.push('<h2>Liquidations and auctions</h2>');
  results.forEach((r, i) => {
    const svg = xyChart(
      [
        {
          label: 'liquidations started',
          kind: 'bar',
          points: points(r.series, (p) => p.liquidationsStarted),
        },
        { label: 'auctions live', kind: 'step', points: points(r.series, (p) => p.auctionsLive) },
      ],
      { title: `${label(i)}: liquidations and auctions`, yLabel: 'count', xAxis: 'time' },
    );
    parts.push(
      figure(
        `chart-liquidations-${i + 1}`,
        svg,
        `${label(i)}: liquidations accepted per step (bars) and auctions running after each step.`,
      ),
    );
  });

  parts.push('<h2>Liquidated debt and bad debt</h2>');
  parts.push(
    figure(
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
  );
  parts.push(
    figure(
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
  );

  parts.push('<h2>Reproduce</h2>');
  parts.push(`<pre id="reproduce"><code>${escapeXml(options.reproduce)}</code></pre>`);
  parts.push('</body>');
  parts.push('</html>');
  return `${parts.join('\n')}\n`;
}
