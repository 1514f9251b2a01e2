/**
 * Tests of the stress report: end to end on a small real Black Thursday run (every chart present,
 * nothing external, every opened tag closed, one table row per summary field), side-by-side
 * runs, escaping of every string and determinism.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { runStress, type StressResult } from '../sim/stress.js';
import { stressReportChartIds, stressReportHtml } from './html.js';

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
    ]);
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
});
