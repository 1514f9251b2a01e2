/** Tests of the heat scale, the SVG heatmap and the sweep report. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import type { SweepMetric, SweepMetricStats, SweepPoint, SweepResult } from '../sim/sweep.js';
import { HEAT_SCALE, heatColor, heatmapSvg, relativeLuminance, sweepReportHtml } from './heatmap.js';

/** Every match of `pattern` (global) in `text`, as capture-group arrays. */
const all = (text: string, pattern: RegExp): RegExpExecArray[] => [...text.matchAll(pattern)];

describe('heatColor', () => {
  test('default: the ends and the middle are the scale’s anchors', () => {
    expect(heatColor(0)).toBe('#ffffcc');
    expect(heatColor(0.5)).toBe('#fd8d3c');
    expect(heatColor(1)).toBe('#800018');
    expect(HEAT_SCALE[0]).toBe(heatColor(0));
  });

  test('behavior: the colour darkens monotonically with the value, channel by channel', () => {
    let previous = heatColor(0);
    for (let i = 1; i <= 200; i++) {
      const color = heatColor(i / 200);
      expect(relativeLuminance(color)).toBeLessThanOrEqual(relativeLuminance(previous));
      for (const k of [1, 3, 5]) {
        expect(Number.parseInt(color.slice(k, k + 2), 16)).toBeLessThanOrEqual(
          Number.parseInt(previous.slice(k, k + 2), 16),
        );
      }
      previous = color;
    }
    expect(relativeLuminance(heatColor(1))).toBeLessThan(relativeLuminance(heatColor(0)) / 5);
  });

  test('error: positions outside [0, 1] are refused', () => {
    for (const t of [-0.01, 1.01, Number.NaN]) expect(() => heatColor(t)).toThrow(InvalidParameterError);
  });
});

describe('relativeLuminance', () => {
  test('default: white is 1, black is 0, mid grey by the sRGB curve', () => {
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 12);
    expect(relativeLuminance('#000000')).toBe(0);
    // (0.5 + 0.055)/1.055)^2.4 for 0x80 = 128/255: 0.2158605
    expect(relativeLuminance('#808080')).toBeCloseTo(0.2158605, 6);
  });
});

const grid = {
  rowLabels: ['10', '50', '100'],
  columnLabels: ['1e6', '5e6', '2e7', '1e8'],
  values: [
    [400, 300, 200, 100],
    [800, 0, null, 50],
    [1200, 1000, 700, Number.NaN],
  ],
};
const options = {
  title: 'bad debt p99 (USD)',
  rowAxisLabel: 'keepers.gasCapGwei',
  columnAxisLabel: 'venue.depthUsd',
  valueLabel: 'USD',
};

describe('heatmapSvg', () => {
  test('default: one cell per row and column, with row and column labels', () => {
    const svg = heatmapSvg(grid, options);
    expect(svg.startsWith('<svg class="chart heatmap"')).toBe(true);
    const cells = all(svg, /<g class="cell( missing)?" data-row="(\d+)" data-column="(\d+)"/g);
    expect(cells.length).toBe(12);
    expect(new Set(cells.map((m) => `${m[2]},${m[3]}`)).size).toBe(12);
    expect(all(svg, /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="28"/g).length).toBe(12);
    const rowBlock = /<g class="row-labels"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect(all(rowBlock, /<text[^>]*>([^<]*)<\/text>/g).map((m) => m[1])).toEqual(['10', '50', '100']);
    const columnBlock = /<g class="column-labels"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect(all(columnBlock, /<text[^>]*>([^<]*)<\/text>/g).map((m) => m[1])).toEqual([
      '1e6',
      '5e6',
      '2e7',
      '1e8',
    ]);
    expect(svg).toContain('<title>bad debt p99 (USD)</title>');
    expect(heatmapSvg(grid, options)).toBe(svg);
  });

  test('behavior: larger values get darker cells; the extremes are the ends of the scale', () => {
    const svg = heatmapSvg(grid, options);
    const cells = all(
      svg,
      /<g class="cell" data-row="\d+" data-column="\d+" data-value="([^"]+)">\n<rect [^>]*fill="(#[0-9a-f]{6})"/g,
    ).map((m) => ({ value: Number(m[1]), fill: m[2] as string }));
    expect(cells.length).toBe(10);
    cells.sort((a, b) => a.value - b.value);
    for (let i = 1; i < cells.length; i++) {
      const [lo, hi] = [cells[i - 1], cells[i]] as [{ fill: string }, { fill: string }];
      expect(relativeLuminance(hi.fill)).toBeLessThanOrEqual(relativeLuminance(lo.fill));
    }
    expect(cells[0]).toEqual({ value: 0, fill: '#ffffcc' });
    expect(cells[cells.length - 1]).toEqual({ value: 1200, fill: '#800018' });
    // 600 is halfway between 0 and 1200.
    const half = heatmapSvg(
      { rowLabels: ['a'], columnLabels: ['x', 'y', 'z'], values: [[0, 600, 1200]] },
      options,
    );
    expect(half).toContain(`fill="${heatColor(0.5)}"`);
  });

  test('behavior: missing values are grey n/a cells; equal values share the light end', () => {
    const svg = heatmapSvg(grid, options);
    const missing = all(
      svg,
      /<g class="cell missing" data-row="(\d)" data-column="(\d)" data-value="">\n<rect [^>]*fill="#eeeeee"[^>]*\/>\n<text[^>]*>n\/a<\/text>/g,
    );
    expect(missing.map((m) => `${m[1]},${m[2]}`)).toEqual(['1,2', '2,3']);
    const flat = heatmapSvg({ rowLabels: ['a'], columnLabels: ['b', 'c'], values: [[5, 5]] }, options);
    expect(all(flat, /fill="#ffffcc"/g).length).toBeGreaterThanOrEqual(2);
  });

  test('behavior: every label and title is escaped', () => {
    const svg = heatmapSvg(
      { rowLabels: ['<b>&"x"'], columnLabels: ["it's"], values: [[1]] },
      {
        ...options,
        title: '<script>alert(1)</script>',
        rowAxisLabel: 'a<b',
        columnAxisLabel: 'c>d',
        valueLabel: '&',
      },
    );
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;');
    expect(svg).toContain('it&#39;s');
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('c&gt;d');
  });

  test('error: an empty grid or one whose shape does not match its labels', () => {
    expect(() => heatmapSvg({ rowLabels: [], columnLabels: ['a'], values: [] }, options)).toThrow(
      InvalidParameterError,
    );
    expect(() => heatmapSvg({ rowLabels: ['a', 'b'], columnLabels: ['x'], values: [[1]] }, options)).toThrow(
      InvalidParameterError,
    );
    expect(() => heatmapSvg({ rowLabels: ['a'], columnLabels: ['x', 'y'], values: [[1]] }, options)).toThrow(
      InvalidParameterError,
    );
  });
});

/** Statistics whose every quantile is derived from `v` so the cells are easy to tell apart. */
function stats(v: number): SweepMetricStats {
  return { p50: v, p95: v + 0.5, p99: v + 1, mean: v, min: v, max: v + 1 };
}

function point(pointIndex: number, knobValues: (number | string)[], v: number): SweepPoint {
  const metrics = {} as Record<SweepMetric, SweepMetricStats>;
  for (const m of [
    'badDebtUsd',
    'liquidatedDebtUsd',
    'keeperProfitUsd',
    'borrowerLossUsd',
    'zeroBidAuctions',
  ] as const) {
    metrics[m] = stats(v);
  }
  return { pointIndex, knobValues, metrics };
}

const twoKnobs: SweepResult = {
  protocol: 'maker-liq1',
  scenario: 'black-thursday-2020',
  seed: 3,
  accounts: 30,
  paths: 4,
  knobs: [
    { knob: 'keepers.gasCapGwei', values: [10, 100] },
    { knob: 'venue.depthUsd', values: [1e6, '1e18', 3e6] },
  ],
  points: [
    point(0, [10, 1e6], 100),
    point(1, [10, '1e18'], 200),
    point(2, [10, 3e6], 300),
    point(3, [100, 1e6], 0),
    point(4, [100, '1e18'], 10),
    point(5, [100, 3e6], 20),
  ],
};
const reportOptions = {
  title: 'Sweep <test>',
  reproduce: "solvent sweep --grid 'a=<1>'",
  metric: 'badDebtUsd' as const,
};

describe('sweepReportHtml', () => {
  test('default: two knobs give p99 and p50 heatmaps, the points table and the reproduce command', () => {
    const html = sweepReportHtml(twoKnobs, reportOptions);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const id of ['heatmap-p99', 'heatmap-p50'])
      expect(html).toContain(`<figure class="chart-figure" id="${id}">`);
    const p99 = /id="heatmap-p99">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(all(p99, /<g class="cell"/g).length).toBe(6);
    // Row 0 column 1 is the point (10, '1e18'): its p99 is 200 + 1.
    expect(p99).toContain('data-row="0" data-column="1" data-value="201"');
    expect(p99).toContain('data-row="1" data-column="0" data-value="1"');
    expect(all(html, /<tr data-point="\d+">/g).length).toBe(6);
    expect(html).toContain('<title>Sweep &lt;test&gt;</title>');
    expect(html).toContain('solvent sweep --grid &#39;a=&lt;1&gt;&#39;');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(sweepReportHtml(twoKnobs, reportOptions)).toBe(html);
  });

  test('behavior: one path shows the run’s value; one numeric knob is a line chart, words a bar chart', () => {
    const one: SweepResult = { ...twoKnobs, paths: 1 };
    const html = sweepReportHtml(one, reportOptions);
    expect(html).toContain('id="heatmap-value"');
    expect(html).not.toContain('id="heatmap-p99"');
    const line: SweepResult = {
      ...twoKnobs,
      knobs: [{ knob: 'gas.flatGwei', values: [30, 10, 20] }],
      points: [point(0, [30], 3), point(1, [10], 1), point(2, [20], 2)],
    };
    const chart =
      /id="chart-metric">([\s\S]*?)<\/figure>/.exec(sweepReportHtml(line, reportOptions))?.[1] ?? '';
    expect(chart).toContain('<svg class="chart"');
    expect(all(chart, /<polyline /g).length).toBe(2); // p99 and p50
    const words: SweepResult = {
      ...twoKnobs,
      knobs: [
        {
          knob: 'params.ilks.ETH-A.calc',
          values: ['LinearDecrease tau=3600', 'StairstepExponentialDecrease cut=0.99 step=90'],
        },
      ],
      points: [
        point(0, ['LinearDecrease tau=3600'], 5),
        point(1, ['StairstepExponentialDecrease cut=0.99 step=90'], 7),
      ],
    };
    const bars =
      /id="chart-metric">([\s\S]*?)<\/figure>/.exec(sweepReportHtml(words, reportOptions))?.[1] ?? '';
    expect(bars).toContain('class="chart bar-chart"');
    expect(all(bars, /<rect class="bar"/g).length).toBe(4);
  });

  test('error: a sweep without points', () => {
    expect(() => sweepReportHtml({ ...twoKnobs, points: [] }, reportOptions)).toThrow(InvalidParameterError);
  });
});
