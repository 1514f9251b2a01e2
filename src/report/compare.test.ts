/** Tests of the grouped bar chart and the comparison report. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import type { MetricStats, MonteCarloSummary } from '../sim/montecarlo.js';
import type { StressSummary } from '../sim/stress.js';
import { COMPARE_FIELDS, compareReportChartIds, compareReportHtml, groupedBarChart } from './compare.js';
import { CHART_PALETTE } from './svg.js';

const all = (text: string, pattern: RegExp): RegExpExecArray[] => [...text.matchAll(pattern)];

interface Bar {
  readonly group: number;
  readonly series: number;
  readonly value: number;
  readonly y: number;
  readonly height: number;
  readonly fill: string;
}

/** The bars of a chart, with the group each sits in. */
function bars(svg: string): Bar[] {
  const out: Bar[] = [];
  for (const g of all(svg, /<g class="bar-group" data-group="(\d+)">([\s\S]*?)\n<\/g>/g)) {
    for (const m of all(
      g[2] ?? '',
      /<rect class="bar" data-series="(\d+)" data-value="([^"]+)" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" fill="([^"]+)"/g,
    )) {
      out.push({
        group: Number(g[1]),
        series: Number(m[1]),
        value: Number(m[2]),
        y: Number(m[3]),
        height: Number(m[4]),
        fill: m[5] as string,
      });
    }
  }
  return out;
}

describe('groupedBarChart', () => {
  const groups = [
    { label: 'bad debt', values: [100, 50] },
    { label: 'liquidated debt', values: [400, 400] },
    { label: 'keeper profit', values: [200, -100] },
  ];
  const options = { title: 'Outcomes', yLabel: 'USD', seriesLabels: ['maker-liq1', 'maker-liq2'] };

  test('default: a bar per group and series, heights proportional to values, a legend entry per series', () => {
    const svg = groupedBarChart(groups, options);
    expect(svg.startsWith('<svg class="chart bar-chart"')).toBe(true);
    const drawn = bars(svg);
    expect(drawn.map((b) => [b.group, b.series, b.value])).toEqual([
      [0, 0, 100],
      [0, 1, 50],
      [1, 0, 400],
      [1, 1, 400],
      [2, 0, 200],
      [2, 1, -100],
    ]);
    const unit = (drawn[0]?.height ?? 0) / 100;
    for (const b of drawn) expect(b.height).toBeCloseTo(Math.abs(b.value) * unit, 1);
    expect(drawn.filter((b) => b.series === 0).every((b) => b.fill === CHART_PALETTE[0])).toBe(true);
    expect(drawn.filter((b) => b.series === 1).every((b) => b.fill === CHART_PALETTE[1])).toBe(true);
    expect(all(svg, /<g class="legend-item">/g).length).toBe(2);
    const axis = /<g class="axis axis-x"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect(all(axis, /<text[^>]*>([^<]*)<\/text>/g).map((m) => m[1])).toEqual([
      'bad debt',
      'liquidated debt',
      'keeper profit',
    ]);
    expect(groupedBarChart(groups, options)).toBe(svg);
  });

  test('behavior: negative bars hang below zero, positive ones stand on it', () => {
    const drawn = bars(groupedBarChart(groups, options));
    const positive = drawn.find((b) => b.value === 200) as Bar;
    const negative = drawn.find((b) => b.value === -100) as Bar;
    // The positive bar ends at the zero line where the negative one starts.
    expect(positive.y + positive.height).toBeCloseTo(negative.y, 1);
  });

  test('behavior: intervals become whiskers; missing values draw nothing; labels are escaped', () => {
    const svg = groupedBarChart(
      [
        { label: '<p99>', values: [10, null], intervals: [[5, 20], null] },
        { label: 'a&b', values: [Number.NaN, 3] },
      ],
      { ...options, seriesLabels: ['"x"', "y'"] },
    );
    expect(bars(svg).map((b) => b.value)).toEqual([10, 3]);
    expect(all(svg, /<g class="interval" data-series="0"/g).length).toBe(1);
    expect(svg).toContain('&lt;p99&gt;');
    expect(svg).toContain('a&amp;b');
    expect(svg).toContain('&quot;x&quot;');
    expect(svg).toContain('y&#39;');
    expect(svg).not.toContain('<p99>');
    const empty = groupedBarChart([{ label: 'a', values: [null, null] }], options);
    expect(empty).toContain('no data');
  });

  test('error: values that do not match the series, or a bad size', () => {
    expect(() => groupedBarChart([{ label: 'a', values: [1] }], options)).toThrow(InvalidParameterError);
    expect(() => groupedBarChart([{ label: 'a', values: [1, 2], intervals: [null] }], options)).toThrow(
      InvalidParameterError,
    );
    expect(() => groupedBarChart(groups, { ...options, width: 50 })).toThrow(InvalidParameterError);
  });
});

/** A summary with the fields a comparison shows (others are not read). */
function summary(protocol: string, badDebtUsd: number): StressSummary {
  return {
    protocol,
    scenario: 'black-thursday-2020',
    seed: 3,
    steps: 10,
    accounts: 25,
    accountsSkipped: 5,
    liquidations: 64,
    liquidatedDebtUsd: 2_345_064.37,
    auctions: 64,
    zeroBidAuctions: 34,
    auctionsLiveAtEnd: 0,
    badDebtUsd,
    insuranceFundDrawUsd: 0,
    socializedLossUsd: 0,
    adlVolumeUsd: 0,
    keeperProfitUsd: -1234.5,
    borrowerLossUsd: 708_619.11,
    maxCascadeDepth: 1,
    keeperTransactions: 210,
    refusals: {},
  } as unknown as StressSummary;
}

function metric(p: number): MetricStats {
  return {
    p50: p,
    p95: 2 * p,
    p99: 3 * p,
    mean: p,
    min: 0,
    max: 4 * p,
    ci95: { p50: [0, p], p95: [p, 3 * p], p99: [2 * p, 4 * p], mean: [0, 2 * p] },
  };
}

function monteCarlo(p: number): MonteCarloSummary {
  return {
    paths: 8,
    percentileMethod: 'linear-interpolation (Hyndman-Fan type 7)',
    bootstrapResamples: 1000,
    badDebtUsd: metric(p),
    liquidatedDebtUsd: metric(10 * p),
    badDebtUsdByPath: [0, p, 4 * p],
    liquidatedDebtUsdByPath: [0, 10 * p, 40 * p],
  } as MonteCarloSummary;
}

describe('compareReportHtml', () => {
  const runs = [{ summary: summary('maker-liq1', 1_040_100.93) }, { summary: summary('maker-liq2', 0) }];
  const options = {
    title: 'liq1 <vs> liq2',
    reproduce: 'solvent compare --protocol maker-liq1 --protocol maker-liq2',
  };

  test('default: the key fields side by side and the outcome and count charts', () => {
    const html = compareReportHtml(runs, options);
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)?.[1] ?? '';
    expect(head).toContain('<th scope="col">maker-liq1</th><th scope="col">maker-liq2</th>');
    for (const f of COMPARE_FIELDS) expect(html).toContain(`<tr data-field="${f.field}">`);
    expect(html).toContain(
      '<tr data-field="badDebtUsd"><th scope="row">bad debt (USD)</th><td>1,040,100.93</td><td>0.00</td></tr>',
    );
    expect(html).toContain('<td>-1,234.50</td>');
    for (const id of compareReportChartIds(false)) expect(html).toContain(`id="${id}"`);
    expect(html).not.toContain('chart-bad-debt-quantiles');
    const outcomes = /id="chart-outcomes">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(bars(outcomes).find((b) => b.group === 0 && b.series === 0)?.value).toBe(1_040_100.93);
    expect(html).toContain('<title>liq1 &lt;vs&gt; liq2</title>');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  test('behavior: Monte Carlo blocks add quantile rows with intervals and quantile charts with whiskers', () => {
    const html = compareReportHtml(
      runs.map((r, i) => ({ ...r, monteCarlo: monteCarlo(i === 0 ? 1000 : 10) })),
      options,
    );
    for (const id of compareReportChartIds(true)) expect(html).toContain(`id="${id}"`);
    expect(html).toContain(
      '<tr data-field="badDebtUsd.p99"><th scope="row">bad debt p99 (USD)</th><td>3,000.00 [2,000.00 .. 4,000.00]</td><td>30.00 [20.00 .. 40.00]</td></tr>',
    );
    const quantiles = /id="chart-bad-debt-quantiles">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(bars(quantiles).map((b) => b.value)).toEqual([1000, 10, 2000, 20, 3000, 30]);
    expect(all(quantiles, /<g class="interval"/g).length).toBe(6);
  });

  test('behavior: runs with labels (variants of one protocol) are headed and charted by their label', () => {
    const variants = [
      { summary: summary('maker-liq2', 0) },
      { label: 'chop<1.30>', summary: summary('maker-liq2', 10) },
    ];
    const html = compareReportHtml(variants, options);
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)?.[1] ?? '';
    expect(head).toContain('<th scope="col">maker-liq2</th><th scope="col">chop&lt;1.30&gt;</th>');
    const outcomes = /id="chart-outcomes">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    const legend = [...outcomes.matchAll(/<g class="legend-item">[\s\S]*?<text[^>]*>([^<]*)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(legend).toEqual(['maker-liq2', 'chop&lt;1.30&gt;']);
  });

  test('error: no runs', () => {
    expect(() => compareReportHtml([], options)).toThrow(InvalidParameterError);
  });
});
