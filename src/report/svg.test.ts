/**
 * Tests of the SVG chart builders: tick tables worked out by hand, UTC time-axis ticks, the
 * structure of the SVG (one polyline point per data point, one legend entry per series, bars and
 * steps), escaping, determinism and refusals.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  type ChartSeries,
  histogramBins,
  histogramChart,
  niceTicks,
  tickLabels,
  timeTicks,
  xyChart,
} from './svg.js';

/** 2020-03-12T00:00:00Z. */
const BLACK_THURSDAY = 1_583_971_200;

/** The inner markup of each `g.series`, by series index. */
function seriesGroups(svg: string): { readonly kind: string; readonly body: string }[] {
  return [...svg.matchAll(/<g class="series" data-series="(\d+)" data-kind="(\w+)">([\s\S]*?)<\/g>/g)].map(
    (m) => ({ kind: m[2] ?? '', body: m[3] ?? '' }),
  );
}

/** The coordinate pairs of each polyline in some markup. */
function polylines(markup: string): [number, number][][] {
  return [...markup.matchAll(/<polyline points="([^"]*)"/g)].map((m) =>
    (m[1] ?? '').split(' ').map((pair) => {
      const [x, y] = pair.split(',').map(Number);
      return [x ?? Number.NaN, y ?? Number.NaN];
    }),
  );
}

const line = (label: string, ys: readonly (number | null)[], kind?: ChartSeries['kind']): ChartSeries => ({
  label,
  ...(kind === undefined ? {} : { kind }),
  points: ys.map((y, i) => ({ x: i, y })),
});

describe('niceTicks', () => {
  test('default', () => {
    expect(niceTicks(0, 10)).toEqual({
      values: [0, 2, 4, 6, 8, 10],
      step: 2,
      stepMantissa: 2,
      stepExponent: 0,
    });
  });

  test('behavior: a table of ranges, steps 1, 2 or 5 × 10^k covering the range', () => {
    const table: readonly [number, number, number, readonly number[]][] = [
      [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
      [-3.7, 12.2, 5, [-5, 0, 5, 10, 15]],
      [0.13, 0.47, 4, [0.1, 0.2, 0.3, 0.4, 0.5]],
      [86, 195.2, 5, [50, 100, 150, 200]],
      [100, 1000, 9, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]],
      [0, 2_300_000, 5, [0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000]],
      [0, 0, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
      [-20, -20, 4, [-22, -21, -20, -19, -18]],
    ];
    for (const [min, max, count, values] of table) {
      expect(niceTicks(min, max, count).values, `${min}..${max}`).toEqual(values);
    }
  });

  test('behavior: regression (fast-check): a bound an ulp past a tick still gets a tick beyond it', () => {
    const ticks = niceTicks(-1.0000000000000004e-308, 0, 1);
    expect(ticks.values[0]).toBeLessThanOrEqual(-1.0000000000000004e-308);
    const tenths = niceTicks(0.3, 0.7, 4);
    expect(tenths.values).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  test('error: bad ranges and counts', () => {
    expect(() => niceTicks(2, 1)).toThrow(InvalidParameterError);
    expect(() => niceTicks(0, Number.NaN)).toThrow(InvalidParameterError);
    expect(() => niceTicks(0, Number.POSITIVE_INFINITY)).toThrow(InvalidParameterError);
    expect(() => niceTicks(0, 1, 0)).toThrow(InvalidParameterError);
    expect(() => niceTicks(0, 1, 2.5)).toThrow(InvalidParameterError);
  });
});

describe('tickLabels', () => {
  test('default', () => {
    expect(tickLabels(niceTicks(0, 1))).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  test('behavior: one unit per axis and only the decimals the step needs', () => {
    expect(tickLabels(niceTicks(86, 195.2))).toEqual(['50', '100', '150', '200']);
    expect(tickLabels(niceTicks(0, 12_000))).toEqual(['0', '5k', '10k', '15k']);
    expect(tickLabels(niceTicks(0, 2500))).toEqual(['0', '0.5k', '1k', '1.5k', '2k', '2.5k']);
    expect(tickLabels(niceTicks(0, 2_300_000))).toEqual(['0', '0.5M', '1M', '1.5M', '2M', '2.5M']);
    expect(tickLabels(niceTicks(-3.7, 12.2))).toEqual(['-5', '0', '5', '10', '15']);
    expect(tickLabels(niceTicks(0.13, 0.47, 4))).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5']);
  });
});

describe('timeTicks', () => {
  test('default', () => {
    // Black Thursday, 36 h: 6 h steps at UTC 00/06/12/18, dates on the first tick and at midnight.
    const ticks = timeTicks(BLACK_THURSDAY, BLACK_THURSDAY + 36 * 3600, 6);
    expect(ticks.stepSeconds).toBe(21_600);
    expect(ticks.values).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => BLACK_THURSDAY + k * 21_600));
    expect(ticks.labels).toEqual(['03-12 00:00', '06:00', '12:00', '18:00', '03-13 00:00', '06:00', '12:00']);
  });

  test('behavior: seconds and days; ticks sit on multiples of the step since the epoch', () => {
    const seconds = timeTicks(BLACK_THURSDAY + 30, BLACK_THURSDAY + 90, 6);
    expect(seconds.stepSeconds).toBe(10);
    expect(seconds.labels).toEqual([
      '00:00:30',
      '00:00:40',
      '00:00:50',
      '00:01:00',
      '00:01:10',
      '00:01:20',
      '00:01:30',
    ]);
    // 10 days → 2-day steps; BLACK_THURSDAY / 172,800 = 9,166.5, so the first tick is day 18,334 (03-13).
    const days = timeTicks(BLACK_THURSDAY, BLACK_THURSDAY + 10 * 86_400, 6);
    expect(days.stepSeconds).toBe(172_800);
    expect(days.labels).toEqual(['2020-03-13', '2020-03-15', '2020-03-17', '2020-03-19', '2020-03-21']);
    // Not on a tick boundary at the start: the first tick is the next 15-minute mark.
    const quarter = timeTicks(BLACK_THURSDAY + 7 * 60, BLACK_THURSDAY + 67 * 60, 4);
    expect(quarter.values[0]).toBe(BLACK_THURSDAY + 15 * 60);
    expect(quarter.labels[0]).toBe('03-12 00:15');
  });

  test('error: bad ranges and counts', () => {
    expect(() => timeTicks(10, 5)).toThrow(InvalidParameterError);
    expect(() => timeTicks(0, Number.NaN)).toThrow(InvalidParameterError);
    expect(() => timeTicks(0, 10, 0)).toThrow(InvalidParameterError);
  });
});

describe('xyChart', () => {
  test('default', () => {
    const svg = xyChart([line('a', [1, 3, 2, 5, 4]), line('b', [2, 2, 2, 2, 2])], {
      title: 'Two lines',
      yLabel: 'units',
      xAxis: 'linear',
    });
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('xmlns');
    const groups = seriesGroups(svg);
    expect(groups.map((g) => g.kind)).toEqual(['line', 'line']);
    for (const g of groups) {
      const lines = polylines(g.body);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toHaveLength(5);
    }
    const legend = [...svg.matchAll(/<g class="legend-item">[\s\S]*?<text[^>]*>([^<]*)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(legend).toEqual(['a', 'b']);
    expect(svg).toContain('<title>Two lines</title>');
  });

  test('behavior: points are placed on a linear scale, x to the right and y up', () => {
    const svg = xyChart([{ label: 'diag', points: [0, 5, 10].map((v) => ({ x: v, y: v })) }], {
      title: 't',
      yLabel: 'y',
      xAxis: 'linear',
    });
    const [[first, middle, last] = []] = polylines(svg);
    expect(first && middle && last).toBeTruthy();
    if (first === undefined || middle === undefined || last === undefined) return;
    expect(last[0]).toBeGreaterThan(first[0]);
    expect(last[1]).toBeLessThan(first[1]);
    expect(middle[0]).toBeCloseTo((first[0] + last[0]) / 2, 1);
    expect(middle[1]).toBeCloseTo((first[1] + last[1]) / 2, 1);
  });

  test('behavior: gaps split a line; a lone point is a circle; steps hold the previous value', () => {
    const gapped = seriesGroups(
      xyChart([line('g', [1, 2, null, 4, Number.NaN, 6, 7, 8])], {
        title: 't',
        yLabel: 'y',
        xAxis: 'linear',
      }),
    )[0];
    expect(polylines(gapped?.body ?? '').map((l) => l.length)).toEqual([2, 3]);
    expect(gapped?.body.match(/<circle /g)).toHaveLength(1);

    const step = seriesGroups(
      xyChart([line('s', [1, 3, 2, 2], 'step')], { title: 't', yLabel: 'y', xAxis: 'linear' }),
    )[0];
    const [coords = []] = polylines(step?.body ?? '');
    expect(coords).toHaveLength(2 * 4 - 1);
    // (x0, y0) → (x1, y0) → (x1, y1) → …: the horizontal run keeps y, the riser keeps x.
    expect(coords[1]?.[1]).toBe(coords[0]?.[1]);
    expect(coords[2]?.[0]).toBe(coords[1]?.[0]);
    expect(coords[3]?.[1]).toBe(coords[2]?.[1]);
  });

  test('behavior: bars from zero, none for zeros or gaps, heights in proportion', () => {
    const svg = xyChart([line('n', [0, 3, null, 2, 0], 'bar')], {
      title: 't',
      yLabel: 'count',
      xAxis: 'linear',
    });
    const heights = [...(seriesGroups(svg)[0]?.body ?? '').matchAll(/<rect [^>]*height="([^"]+)"/g)].map(
      (m) => Number(m[1]),
    );
    expect(heights).toHaveLength(2);
    expect((heights[0] ?? 0) / (heights[1] ?? 1)).toBeCloseTo(1.5, 2);
  });

  test('behavior: a time axis is labelled in UTC', () => {
    const points = Array.from({ length: 13 }, (_, i) => ({ x: BLACK_THURSDAY + i * 3 * 3600, y: 200 - i }));
    const svg = xyChart([{ label: 'price', points }], { title: 'p', yLabel: 'USD', xAxis: 'time' });
    expect(svg).toContain('>03-12 00:00</text>');
    expect(svg).toContain('>03-13 00:00</text>');
    expect(svg).toContain('>time (UTC)</text>');
  });

  test('behavior: every text is escaped', () => {
    const svg = xyChart([line('<b>a&b</b>', [1, 2])], {
      title: '<script>alert(1)</script>',
      yLabel: '"USD"',
      xAxis: 'linear',
      xLabel: "x'",
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('&lt;b&gt;a&amp;b&lt;/b&gt;');
    expect(svg).toContain('&quot;USD&quot;');
    expect(svg).toContain('x&#39;');
  });

  test('behavior: deterministic, and inputs are not mutated', () => {
    const series = [line('a', [3, 1, 4, 1, 5, 9, 2, 6]), line('b', [2, 7, 1, 8, 2, 8, 1, 8], 'step')];
    const copy = structuredClone(series);
    const options = { title: 'pi and e', yLabel: 'digit', xAxis: 'linear' } as const;
    expect(xyChart(series, options)).toBe(xyChart(copy, options));
    expect(series).toEqual(copy);
  });

  test('behavior: no data says so; standalone adds the namespace', () => {
    const empty = xyChart([line('nothing', [null, null])], { title: 't', yLabel: 'y', xAxis: 'time' });
    expect(empty).toContain('no data');
    expect(empty).not.toContain('<polyline');
    expect(empty.match(/class="legend-item"/g)).toHaveLength(1);
    const standalone = xyChart([line('a', [1, 2])], {
      title: 't',
      yLabel: 'y',
      xAxis: 'linear',
      standalone: true,
    });
    expect(standalone.startsWith('<svg xmlns="http://www.w3.org/2000/svg" ')).toBe(true);
  });

  test('error: x out of order or not finite, a bad colour, a bad size', () => {
    const options = { title: 't', yLabel: 'y', xAxis: 'linear' } as const;
    expect(() =>
      xyChart(
        [
          {
            label: 'a',
            points: [
              { x: 2, y: 1 },
              { x: 1, y: 1 },
            ],
          },
        ],
        options,
      ),
    ).toThrow(InvalidParameterError);
    expect(() => xyChart([{ label: 'a', points: [{ x: Number.NaN, y: 1 }] }], options)).toThrow(
      InvalidParameterError,
    );
    expect(() => xyChart([{ ...line('a', [1]), color: 'red"/><script>' }], options)).toThrow(
      InvalidParameterError,
    );
    expect(() => xyChart([line('a', [1])], { ...options, width: 50 })).toThrow(InvalidParameterError);
  });
});

/** The x, y, width and height of each `<rect>` in some markup. */
function rects(markup: string): { x: number; y: number; width: number; height: number }[] {
  return [...markup.matchAll(/<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    width: Number(m[3]),
    height: Number(m[4]),
  }));
}

/** The y pixel of each horizontal grid line, by tick value order (bottom tick first). */
function gridYs(svg: string): number[] {
  const grid = /<g class="grid"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  return [...grid.matchAll(/y1="([^"]+)"/g)].map((m) => Number(m[1]));
}

describe('xyChart (stacked bars, scatter, zero line, x range)', () => {
  test('behavior: stacked bars sit on the ones before them at the same x and share one column', () => {
    const svg = xyChart([line('a', [1, 2], 'stackedBar'), line('b', [3, 0], 'stackedBar')], {
      title: 't',
      yLabel: 'count',
      xAxis: 'linear',
    });
    const [a, b] = seriesGroups(svg);
    expect([a?.kind, b?.kind]).toEqual(['stackedBar', 'stackedBar']);
    const [a0, a1] = rects(a?.body ?? '');
    const bs = rects(b?.body ?? '');
    expect(bs).toHaveLength(1); // b's zero draws nothing
    const b0 = bs[0];
    if (a0 === undefined || a1 === undefined || b0 === undefined) throw new Error('missing bars');
    // b's bar at x 0 starts where a's ends, is 3× as tall, in the same column.
    expect(b0.y + b0.height).toBeCloseTo(a0.y, 1);
    expect(b0.height / a0.height).toBeCloseTo(3, 2);
    expect(b0.x).toBe(a0.x);
    expect(a1.height / a0.height).toBeCloseTo(2, 2);
    // The axis covers the whole stack (4 at x 0): ticks 0..4, the stack's top on the top grid line.
    const ys = gridYs(svg);
    expect(ys).toHaveLength(5);
    expect(b0.y).toBeCloseTo(Math.min(...ys), 1);
    expect(a0.y + a0.height).toBeCloseTo(Math.max(...ys), 1);
    // A plain bar series next to them gets a column of its own.
    const mixed = seriesGroups(
      xyChart([line('a', [1, 2], 'stackedBar'), line('c', [1, 1], 'bar'), line('b', [3, 0], 'stackedBar')], {
        title: 't',
        yLabel: 'count',
        xAxis: 'linear',
      }),
    );
    const [ma0] = rects(mixed[0]?.body ?? '');
    const [mc0] = rects(mixed[1]?.body ?? '');
    const [mb0] = rects(mixed[2]?.body ?? '');
    expect(mb0?.x).toBe(ma0?.x);
    expect(mc0?.x).toBeGreaterThan(ma0?.x ?? Number.POSITIVE_INFINITY);
  });

  test('behavior: negative stacked values stack downwards from zero', () => {
    const svg = xyChart([line('a', [-1], 'stackedBar'), line('b', [-2], 'stackedBar')], {
      title: 't',
      yLabel: 'y',
      xAxis: 'linear',
    });
    const [a, b] = seriesGroups(svg).map((g) => rects(g.body)[0]);
    if (a === undefined || b === undefined) throw new Error('missing bars');
    expect(b.y).toBeCloseTo(a.y + a.height, 1);
    expect(b.height / a.height).toBeCloseTo(2, 2);
  });

  test('behavior: a scatter series is a dot per finite point and no line', () => {
    const group = seriesGroups(
      xyChart([line('s', [1, null, 3, 2], 'scatter')], { title: 't', yLabel: 'y', xAxis: 'linear' }),
    )[0];
    expect(group?.kind).toBe('scatter');
    expect(group?.body.match(/<circle /g)).toHaveLength(3);
    expect(group?.body).not.toContain('<polyline');
  });

  test('behavior: the zero line is drawn at y = 0, which the axis then includes', () => {
    const options = { title: 't', yLabel: 'y', xAxis: 'linear' } as const;
    const plain = xyChart([line('a', [2, 5])], options);
    expect(plain).not.toContain('zero-line');
    const yAxis = (svg: string): string => /<g class="axis axis-y"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect(yAxis(plain)).not.toMatch(/>0<\/text>/);
    const svg = xyChart([line('a', [2, 5])], { ...options, zeroLine: true });
    const zeroY = Number(/<line class="zero-line"[^>]* y1="([^"]+)"/.exec(svg)?.[1]);
    expect(zeroY).toBeCloseTo(Math.max(...gridYs(svg)), 1);
    expect(yAxis(svg)).toMatch(/>0<\/text>/);
  });

  test('behavior: an x range widens the axis as points at its ends would', () => {
    const options = { title: 't', yLabel: 'y', xAxis: 'linear' } as const;
    const points = [
      { x: 10, y: 1 },
      { x: 20, y: 2 },
    ];
    const ranged = xyChart([{ label: 'a', points }], { ...options, xRange: [0, 100] });
    const padded = xyChart(
      [{ label: 'a', points: [{ x: 0, y: null }, ...points, { x: 100, y: null }] }],
      options,
    );
    expect(polylines(ranged)).toEqual(polylines(padded));
    expect(() => xyChart([{ label: 'a', points }], { ...options, xRange: [5, 1] })).toThrow(
      InvalidParameterError,
    );
    expect(() => xyChart([{ label: 'a', points }], { ...options, xRange: [0, Number.NaN] })).toThrow(
      InvalidParameterError,
    );
  });
});

describe('histogramBins', () => {
  test('default: nice edges over the values; each value in one bin, the top edge in the last', () => {
    // niceTicks(0, 9, 5): step 2 → edges 0..10; 0 and 1 in [0, 2), 2 in [2, 4), 9 in [8, 10].
    expect(histogramBins([[0, 1, 2, 9]], 5)).toEqual({
      edges: [0, 2, 4, 6, 8, 10],
      counts: [[2, 1, 0, 0, 1]],
    });
    expect(histogramBins([[0, 10]], 5)).toEqual({ edges: [0, 2, 4, 6, 8, 10], counts: [[1, 0, 0, 0, 1]] });
  });

  test('behavior: shared bins for several samples; negative values; nothing at all', () => {
    // niceTicks(−3, 4, 5): rough step 1.4 → 2; edges −4, −2, 0, 2, 4.
    expect(histogramBins([[-3, -1], [4]], 5)).toEqual({
      edges: [-4, -2, 0, 2, 4],
      counts: [
        [1, 1, 0, 0],
        [0, 0, 0, 1],
      ],
    });
    expect(histogramBins([[], []])).toEqual({ edges: [], counts: [[], []] });
    // One repeated value: the flat range is widened, every value in one bin.
    const flat = histogramBins([[0, 0, 0]], 5);
    expect(flat.counts[0]?.reduce((a, b) => a + b, 0)).toBe(3);
    expect(flat.counts[0]?.[0]).toBe(3);
  });

  test('error: a value that is not finite, a bad bin count', () => {
    expect(() => histogramBins([[1], [2, Number.NaN]])).toThrow(InvalidParameterError);
    expect(() => histogramBins([[1, 2]], 0)).toThrow(InvalidParameterError);
    expect(() => histogramBins([[]], 0)).toThrow(InvalidParameterError);
  });
});

describe('histogramChart', () => {
  test('default: one bar series per sample, a bar per non-empty bin, heights as counts', () => {
    const svg = histogramChart(
      [
        { label: 'a', values: [0, 1, 2, 9] },
        { label: 'b', values: [9, 9] },
      ],
      { title: 'Bad debt across paths', xLabel: 'USD', targetBins: 5 },
    );
    const [a, b] = seriesGroups(svg);
    expect([a?.kind, b?.kind]).toEqual(['bar', 'bar']);
    const aBars = rects(a?.body ?? '');
    const bBars = rects(b?.body ?? '');
    expect(aBars.map((r) => r.height / (aBars[1]?.height ?? 1))).toEqual([2, 1, 1]);
    expect(bBars).toHaveLength(1);
    expect((bBars[0]?.height ?? 0) / (aBars[1]?.height ?? 1)).toBeCloseTo(2, 2);
    // b's bar is beside a's in the last bin.
    expect(bBars[0]?.x).toBeGreaterThan(aBars[2]?.x ?? Number.POSITIVE_INFINITY);
    expect(svg).toContain('>USD</text>');
    expect(svg).toContain('>count</text>');
  });

  test('error: a value that is not finite', () => {
    expect(() =>
      histogramChart([{ label: 'a', values: [Number.POSITIVE_INFINITY] }], { title: 't', xLabel: 'x' }),
    ).toThrow(InvalidParameterError);
  });
});
