/**
 * Tests of the stress report: end to end on a small real Black Thursday run (every chart present,
 * nothing external, every opened tag closed, one table row per summary field), side-by-side
 * runs, escaping of every string and determinism.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { summarizeMonteCarlo } from '../sim/montecarlo.js';
import { HEALTH_BUCKET_BOUNDS, runStress, type StressResult } from '../sim/stress.js';
import { healthBucketLabels, stressReportChartIds, stressReportCharts, stressReportHtml } from './html.js';

/** Elements HTML never closes. */
const VOID_ELEMENTS: ReadonlySet<string> = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/**
 * Problems with the tag structure of a document: closing tags that do not match the innermost
 * open one, and tags left open. `<x/>` closes itself; comments and the doctype are skipped.
 */
function tagProblems(html: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  const stripped = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '');
  for (const m of stripped.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^<>]*)>/g)) {
    const [, closing, rawName = '', rest = ''] = m;
    const name = rawName.toLowerCase();
    if (closing === '/') {
      const top = open.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}>`);
    } else if (!rest.trimEnd().endsWith('/') && !VOID_ELEMENTS.has(name)) {
      open.push(name);
    }
  }
  if (/<(?![/!a-zA-Z])/.test(stripped)) problems.push('a bare < outside a tag');
  for (const name of open) problems.push(`<${name}> never closed`);
  return problems;
}

/** The markup of `<figure id="…">…</figure>`. */
function figureMarkup(html: string, id: string): string {
  const start = html.indexOf(`<figure class="chart-figure" id="${id}">`);
  const end = html.indexOf('</figure>', start);
  return start < 0 || end < 0 ? '' : html.slice(start, end);
}

const liq2 = runStress({ protocol: 'maker-liq2', scenario: 'black-thursday-2020', seed: 7, accounts: 40 });
const options = {
  title: 'Black Thursday stress',
  reproduce: 'solvent stress --protocol maker-liq2 --scenario black-thursday-2020 --book 40 --seed 7',
};

describe('tagProblems (the test helper)', () => {
  test('default', () => {
    expect(tagProblems('<div><p>x</p><br><svg><rect/></svg></div>')).toEqual([]);
    expect(tagProblems('<div><span></div>')).not.toEqual([]);
    expect(tagProblems('<div>')).toEqual(['<div> never closed']);
    expect(tagProblems('<p>a < b</p>')).toEqual(['a bare < outside a tag']);
  });
});

describe('stressReportHtml', () => {
  test('default', () => {
    const html = stressReportHtml([liq2], options);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    for (const id of stressReportChartIds(1)) {
      const figure = figureMarkup(html, id);
      expect(figure, id).toContain('<svg ');
      expect(figure, id).toContain('</svg>');
    }
    expect(stressReportChartIds(1)).toEqual([
      'chart-price-1',
      'chart-gas',
      'chart-liquidations-1',
      'chart-liquidated-debt',
      'chart-bad-debt',
      'chart-health-1',
      'chart-keepers-1',
      'chart-discounts',
      'chart-insurance-fund',
    ]);
    expect(html).not.toContain('chart-bad-debt-paths');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(/i);
    expect(tagProblems(html)).toEqual([]);
    expect(html).toContain(`<pre id="reproduce"><code>${options.reproduce}</code></pre>`);
  });

  test('behavior: the summary table has a row per summary field with the run’s values', () => {
    const html = stressReportHtml([liq2], options);
    const table = html.slice(html.indexOf('<table id="summary">'), html.indexOf('</table>'));
    const fields = [...table.matchAll(/<tr data-field="(\w+)">/g)].map((m) => m[1]);
    expect(new Set(fields)).toEqual(new Set(Object.keys(liq2.summary)));
    const cell = (field: string): string =>
      new RegExp(`<tr data-field="${field}"><th scope="row">[^<]*</th><td>([^<]*)</td>`).exec(table)?.[1] ??
      '';
    expect(cell('protocol')).toBe('maker-liq2');
    expect(cell('scenario')).toBe('black-thursday-2020');
    expect(cell('seed')).toBe('7');
    expect(Number(cell('liquidations').replaceAll(',', ''))).toBe(liq2.summary.liquidations);
    expect(liq2.summary.liquidations).toBeGreaterThan(0);
    const debt = Number(cell('liquidatedDebtUsd').replaceAll(',', ''));
    expect(Math.abs(debt - liq2.summary.liquidatedDebtUsd)).toBeLessThanOrEqual(0.005);
    expect(cell('liquidatedDebtUsd')).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
  });

  test('behavior: the price chart has a market point per step and an oracle line with its gaps', () => {
    const figure = figureMarkup(stressReportHtml([liq2], options), 'chart-price-1');
    const groups = [
      ...figure.matchAll(/<g class="series" data-series="\d+" data-kind="(\w+)">([\s\S]*?)<\/g>/g),
    ];
    expect(groups.map((g) => g[1])).toEqual(['line', 'step']);
    const pointCount = (body: string): number =>
      [...body.matchAll(/<polyline points="([^"]*)"/g)].reduce(
        (n, m) => n + (m[1] ?? '').split(' ').length,
        0,
      ) + (body.match(/<circle /g)?.length ?? 0);
    expect(pointCount(groups[0]?.[2] ?? '')).toBe(liq2.series.length);
    // A step line of a run of n points has 2n − 1 vertices; gaps split the runs.
    const runs: number[] = [];
    let current = 0;
    for (const p of liq2.series) {
      if (p.oraclePriceUsd === null) {
        if (current > 0) runs.push(current);
        current = 0;
      } else current++;
    }
    if (current > 0) runs.push(current);
    const expected = runs.reduce((n, r) => n + (r === 1 ? 1 : 2 * r - 1), 0);
    expect(pointCount(groups[1]?.[2] ?? '')).toBe(expected);
    expect(figure.match(/class="legend-item"/g)).toHaveLength(2);
  });

  test('behavior: several runs side by side and overlaid; liquidations drawn as bars', () => {
    const liq1 = runStress({
      protocol: 'maker-liq1',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 40,
    });
    const html = stressReportHtml([liq1, liq2], options);
    for (const id of stressReportChartIds(2)) expect(figureMarkup(html, id), id).toContain('<svg ');
    expect(html).toContain('<th scope="col">maker-liq1</th><th scope="col">maker-liq2</th>');
    for (const id of ['chart-liquidated-debt', 'chart-bad-debt']) {
      const legend = [
        ...figureMarkup(html, id).matchAll(/<g class="legend-item">[\s\S]*?<text[^>]*>([^<]*)</g),
      ];
      expect(legend.map((m) => m[1])).toEqual(['maker-liq1', 'maker-liq2']);
    }
    // Both runs share the scenario's gas: one line, not two on top of each other.
    expect(figureMarkup(html, 'chart-gas').match(/class="legend-item"/g)).toHaveLength(1);
    const bars = figureMarkup(html, 'chart-liquidations-2').match(
      /<rect x="[^"]*" y="[^"]*" width="[^"]*" height/g,
    );
    const stepsWithLiquidations = liq2.series.filter((p) => p.liquidationsStarted > 0).length;
    // Legend swatches are rects too (2), the rest are bars: one per step with liquidations.
    expect((bars?.length ?? 0) - 2).toBe(stepsWithLiquidations);
    expect(tagProblems(html)).toEqual([]);
    const twice = stressReportHtml([liq2, liq2], options);
    expect(twice).toContain('<th scope="col">maker-liq2 #1</th><th scope="col">maker-liq2 #2</th>');
  });

  test('behavior: every string is escaped', () => {
    const hostile: StressResult = {
      ...liq2,
      summary: { ...liq2.summary, protocol: '<img src=x onerror=alert(1)>', refusals: { '<b>': 2 } },
      keepers: [{ id: '<i>k</i>', transactions: 1, failures: 0, gasUsd: 1, liquidations: 1 }],
    };
    const html = stressReportHtml([hostile], {
      title: '<script>alert("t")</script>',
      reproduce: 'solvent stress --protocol "<x>" && echo \'hi\'',
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<title>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;</title>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;: 2');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;i&gt;k&lt;/i&gt;');
    expect(html).toContain('solvent stress --protocol &quot;&lt;x&gt;&quot; &amp;&amp; echo &#39;hi&#39;');
    expect(tagProblems(html)).toEqual([]);
  });

  test('behavior: deterministic: the same runs give the same bytes', () => {
    const again = runStress({
      protocol: 'maker-liq2',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 40,
    });
    expect(stressReportHtml([again], options)).toBe(stressReportHtml([liq2], options));
  });

  test('error: no runs', () => {
    expect(() => stressReportHtml([], options)).toThrow(InvalidParameterError);
  });

  test('behavior: the health chart stacks each sampled step’s bucket counts', () => {
    const figure = figureMarkup(stressReportHtml([liq2], options), 'chart-health-1');
    const groups = [
      ...figure.matchAll(/<g class="series" data-series="(\d+)" data-kind="(\w+)">([\s\S]*?)<\/g>/g),
    ];
    expect(groups).toHaveLength(HEALTH_BUCKET_BOUNDS.length + 1);
    const sampled = liq2.series.filter((p) => p.healthBuckets !== null);
    expect(sampled.length).toBeGreaterThan(1);
    groups.forEach((g, b) => {
      expect(g[2]).toBe('stackedBar');
      const bars = (g[3] ?? '').match(/<rect /g)?.length ?? 0;
      expect(bars, `bucket ${b}`).toBe(sampled.filter((p) => (p.healthBuckets?.[b] ?? 0) > 0).length);
    });
    expect(healthBucketLabels()).toEqual([
      '< 1 (liquidatable)',
      '1–1.1',
      '1.1–1.25',
      '1.25–1.5',
      '1.5–2',
      '≥ 2',
    ]);
    for (const label of healthBucketLabels())
      expect(figure).toContain(`>${label.replace('<', '&lt;')}</text>`);
  });

  test('behavior: keeper activity per step (accepted and failed stacked) and a row per keeper', () => {
    const dropped = runStress({
      protocol: 'maker-liq2',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 40,
      network: { txFailureRate: 0.3 },
    });
    expect(dropped.summary.keeperFailures).toBeGreaterThan(0);
    const html = stressReportHtml([dropped], options);
    const figure = figureMarkup(html, 'chart-keepers-1');
    const groups = [
      ...figure.matchAll(/<g class="series" data-series="\d+" data-kind="(\w+)">([\s\S]*?)<\/g>/g),
    ];
    expect(groups.map((g) => g[1])).toEqual(['stackedBar', 'stackedBar']);
    const bars = (i: number): number => groups[i]?.[2]?.match(/<rect /g)?.length ?? 0;
    expect(bars(0)).toBe(dropped.series.filter((p) => p.keeperTransactions - p.keeperFailures > 0).length);
    expect(bars(1)).toBe(dropped.series.filter((p) => p.keeperFailures > 0).length);
    const table = html.slice(
      html.indexOf('<table id="keepers">'),
      html.indexOf('</table>', html.indexOf('<table id="keepers">')),
    );
    expect(dropped.keepers.length).toBeGreaterThan(0);
    for (const k of dropped.keepers) {
      const row =
        new RegExp(`<tr data-run="1" data-keeper="${k.id}">([\\s\\S]*?)</tr>`).exec(table)?.[1] ?? '';
      const cells = [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]?.replaceAll(',', ''));
      expect(cells.map(Number)).toEqual([
        k.transactions,
        k.failures,
        Math.round(k.gasUsd * 100) / 100,
        k.liquidations,
      ]);
    }
    // The keepers' failures add up to the run's.
    expect(dropped.keepers.reduce((n, k) => n + k.failures, 0)).toBe(dropped.summary.keeperFailures);
  });

  test('behavior: a dot per clearing with the zero line; the insurance fund over time', () => {
    const html = stressReportHtml([liq2], options);
    const discounts = figureMarkup(html, 'chart-discounts');
    expect(liq2.clearings.length).toBeGreaterThan(0);
    const group =
      /<g class="series" data-series="0" data-kind="scatter">([\s\S]*?)<\/g>/.exec(discounts)?.[1] ?? '';
    expect(group.match(/<circle /g)).toHaveLength(
      liq2.clearings.filter((c) => Number.isFinite(c.discount)).length,
    );
    expect(discounts).toContain('<line class="zero-line"');
    const fund = figureMarkup(html, 'chart-insurance-fund');
    expect(fund).toContain('data-kind="step"');
    expect(fund.match(/class="legend-item"/g)).toHaveLength(1);
  });

  test('behavior: Monte Carlo blocks add their table and a histogram of bad debt across paths', () => {
    // Six paths by hand: bad debt 0, 0, 0, 10, 20, 95 USD (bins of 10 from niceTicks(0, 95, 10)).
    const block = summarizeMonteCarlo(
      7,
      [0, 0, 0, 10, 20, 95].map((usd, k) => ({
        pathIndex: k,
        seed: k,
        badDebtUsd: usd,
        liquidatedDebtUsd: 100,
      })),
      20,
    );
    const html = stressReportHtml([liq2], { ...options, monteCarlo: [block] });
    expect(stressReportChartIds(1, { monteCarlo: true }).at(-1)).toBe('chart-bad-debt-paths');
    for (const id of stressReportChartIds(1, { monteCarlo: true }))
      expect(figureMarkup(html, id), id).toContain('<svg ');
    const histogram = figureMarkup(html, 'chart-bad-debt-paths');
    const bars = [
      ...histogram.matchAll(/<g class="series" data-series="0" data-kind="bar">([\s\S]*?)<\/g>/g),
    ];
    // Non-empty bins: [0, 10) holds 3, [10, 20) 1, [20, 30) 1, [90, 100] 1.
    const heights = [...(bars[0]?.[1] ?? '').matchAll(/height="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(4);
    expect(heights.map((h) => Math.round((3 * h) / (heights[0] ?? 1)))).toEqual([3, 1, 1, 1]);
    const table = html.slice(
      html.indexOf('<table id="monte-carlo">'),
      html.indexOf('</table>', html.indexOf('<table id="monte-carlo">')),
    );
    expect(table).toContain('<tr data-field="paths"><th scope="row">paths</th><td>6</td></tr>');
    // p50 of 0, 0, 0, 10, 20, 95: h = 5·0.5 = 2.5 → 0 + 0.5·10 = 5.
    expect(table).toContain(
      '<tr data-field="badDebtUsd.p50"><th scope="row">bad debt p50 (USD)</th><td>5.00</td></tr>',
    );
    expect(tagProblems(html)).toEqual([]);
  });

  test('behavior: stressReportCharts gives the report’s charts one by one, in report order', () => {
    const html = stressReportHtml([liq2], options);
    const charts = stressReportCharts([liq2]);
    expect(charts.map((c) => c.id)).toEqual(stressReportChartIds(1));
    for (const chart of charts) {
      expect(figureMarkup(html, chart.id)).toContain(chart.svg);
      expect(html).toContain(`<h2>${chart.section}</h2>`);
    }
    expect(() => stressReportCharts([])).toThrow(InvalidParameterError);
  });
});
