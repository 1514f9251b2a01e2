/**
 * Tests of the PNG output: a real two-series chart from xyChart rendered with resvg, checked by
 * decoding the PNG here (IHDR, IDAT inflated with node:zlib, scanline filters undone): size and
 * aspect ratio, background, series colours, text drawn with the system fonts (tests that need fonts
 * say so; this machine, where CI runs, has them), determinism, the header reader and refusals.
 */
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import { CHART_FONT_FAMILY, ChartRenderError, chartFontsAvailable, pngDimensions, svgToPng } from './png.js';
import { CHART_PALETTE, xyChart } from './svg.js';

/** 2020-03-12T00:00:00Z. */
const BLACK_THURSDAY = 1_583_971_200;

/** A real chart: market and oracle price over 12 hours, two line series, a standalone SVG. */
function priceChart(standalone = true): string {
  const hours = Array.from({ length: 13 }, (_, i) => i);
  return xyChart(
    [
      { label: 'market', points: hours.map((h) => ({ x: BLACK_THURSDAY + h * 3600, y: 190 - h * 8 })) },
      {
        label: 'oracle',
        kind: 'step',
        points: hours.map((h) => ({ x: BLACK_THURSDAY + h * 3600, y: 194 - Math.floor(h / 2) * 14 })),
      },
    ],
    { title: 'ETH price', yLabel: 'USD per ETH', xAxis: 'time', standalone },
  );
}

/** The root `<svg>`'s width and height attributes, read from the markup (not from our code). */
function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  return { width: Number(root?.[1]), height: Number(root?.[2]) };
}

/** RGBA pixels of an 8-bit RGBA non-interlaced PNG, decoded independently of png.ts. */
interface Decoded {
  readonly width: number;
  readonly height: number;
  /** Row-major RGBA, 4 bytes a pixel. */
  readonly rgba: Uint8Array;
}

/** Paeth predictor (PNG spec §9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function decode(png: Uint8Array): Decoded {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      // bit depth 8, colour type 6 (RGBA), compression 0, filter 0, interlace 0
      expect([...data.subarray(8, 13)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  expect(raw.length).toBe(height * (stride + 1));
  const rgba = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const a = x >= 4 ? (rgba[y * stride + x - 4] ?? 0) : 0;
      const b = y > 0 ? (rgba[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= 4 && y > 0 ? (rgba[(y - 1) * stride + x - 4] ?? 0) : 0;
      const predictor = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][filter ?? 0];
      rgba[y * stride + x] = (value + (predictor ?? 0)) & 0xff;
    }
  }
  return { width, height, rgba };
}

/** Pixels (RGBA packed in a number) of the rows [y0, y1). */
function pixels(image: Decoded, y0 = 0, y1 = image.height): number[] {
  const out: number[] = [];
  for (let i = y0 * image.width * 4; i < y1 * image.width * 4; i += 4) {
    const [r = 0, g = 0, b = 0, a = 0] = image.rgba.subarray(i, i + 4);
    out.push(((r << 24) | (g << 16) | (b << 8) | a) >>> 0);
  }
  return out;
}

/** Opaque pixels darker than mid-grey (text is black or #333 on white). */
const isDark = (p: number): boolean => (p >>> 24) + ((p >>> 16) & 0xff) + ((p >>> 8) & 0xff) < 3 * 128;
const WHITE = 0xffffffff;
const rgbaOf = (hex: string): number => ((Number.parseInt(hex.slice(1), 16) << 8) | 0xff) >>> 0;

/** SVG units above the plot that hold only the title (title baseline y = 20, plot from y = 34). */
const TITLE_BAND = 26;

describe('svgToPng', () => {
  test('default', () => {
    const svg = priceChart();
    const png = svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = svgSize(svg);
    expect(width).toBe(720);
    expect(pngDimensions(png)).toEqual({ widthPx: width, heightPx: height });
    const image = decode(png);
    expect([image.width, image.height]).toEqual([width, height]);
  });

  test('behavior: widthPx sets the width and the height keeps the SVG aspect ratio', () => {
    const svg = priceChart();
    const { width, height } = svgSize(svg);
    // Twice the width: exactly twice the height.
    expect(pngDimensions(svgToPng(svg, { widthPx: 2 * width }))).toEqual({
      widthPx: 2 * width,
      heightPx: 2 * height,
    });
    for (const widthPx of [500, 333, 1000]) {
      const size = pngDimensions(svgToPng(svg, { widthPx }));
      expect(size.widthPx).toBe(widthPx);
      expect(Math.abs(size.heightPx - (widthPx * height) / width)).toBeLessThan(1);
    }
  });

  test('behavior: the image is not blank: white background and both series colours drawn', () => {
    const image = decode(svgToPng(priceChart(), { widthPx: 1440 }));
    const all = pixels(image);
    expect(new Set(all).size).toBeGreaterThanOrEqual(2);
    expect(all[0]).toBe(WHITE); // top-left corner: background, opaque white
    // At 2×, the 1.5-unit strokes are 3 px wide, so their cores are the exact series colours.
    for (const color of [CHART_PALETTE[0], CHART_PALETTE[1]]) {
      expect(all.filter((p) => p === rgbaOf(color ?? '')).length, color).toBeGreaterThan(100);
    }
  });

  test('behavior: fonts are found on this machine (needs fonts; CI runs here)', () => {
    expect(chartFontsAvailable()).toBe(true);
  });

  test('behavior: the title and labels are drawn as text (needs fonts)', () => {
    expect(chartFontsAvailable()).toBe(true);
    const svg = priceChart();
    const withText = decode(svgToPng(svg, { widthPx: 1440 }));
    const titleBand = pixels(withText, 0, TITLE_BAND * 2);
    expect(titleBand.filter(isDark).length).toBeGreaterThan(50);
    // The same chart without text draws nothing in the title band, and fewer dark pixels overall
    // (axis line and ticks stay).
    const noText = decode(svgToPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''), { widthPx: 1440 }));
    expect(pixels(noText, 0, TITLE_BAND * 2).every((p) => p === WHITE)).toBe(true);
    expect(pixels(withText).filter(isDark).length).toBeGreaterThan(pixels(noText).filter(isDark).length);
  });

  test('behavior: sans-serif text is drawn in CHART_FONT_FAMILY (needs fonts)', () => {
    const svg = priceChart();
    expect(svg).toContain('font-family="sans-serif"');
    const named = svg.replace('font-family="sans-serif"', `font-family="${CHART_FONT_FAMILY}"`);
    expect(Buffer.from(svgToPng(svg)).equals(Buffer.from(svgToPng(named)))).toBe(true);
  });

  test('behavior: systemFonts false draws every shape but no text, and does not throw', () => {
    const svg = priceChart();
    const image = decode(svgToPng(svg, { widthPx: 1440, systemFonts: false }));
    expect(pixels(image, 0, TITLE_BAND * 2).every((p) => p === WHITE)).toBe(true);
    const all = pixels(image);
    expect(all.filter((p) => p === rgbaOf(CHART_PALETTE[0] ?? '')).length).toBeGreaterThan(100);
    // Same pixels as the chart with its text removed and fonts loaded.
    const noText = decode(svgToPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''), { widthPx: 1440 }));
    expect(Buffer.from(image.rgba).equals(Buffer.from(noText.rgba))).toBe(true);
  });

  test('behavior: deterministic: same SVG, same bytes', () => {
    const a = svgToPng(priceChart(), { widthPx: 900 });
    const b = svgToPng(priceChart(), { widthPx: 900 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  test('behavior: inline SVG without xmlns (as in report.html) renders like the standalone one', () => {
    const inline = priceChart(false);
    expect(inline).not.toContain('xmlns');
    expect(Buffer.from(svgToPng(inline)).equals(Buffer.from(svgToPng(priceChart(true))))).toBe(true);
  });

  test('error: an SVG resvg cannot parse is a ChartRenderError', () => {
    const bad = [
      '',
      'not svg',
      '<svg',
      '<html><body/></html>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>',
    ];
    for (const svg of bad) {
      expect(() => svgToPng(svg), JSON.stringify(svg)).toThrow(ChartRenderError);
    }
    try {
      svgToPng('<svg');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SolventError);
      expect((error as SolventError).code).toBe('ChartRender');
    }
  });

  test('error: widthPx not a whole number in [1, 16384], or a PNG taller than 16384 px', () => {
    const svg = priceChart();
    for (const widthPx of [0, -1, 1.5, Number.NaN, 16_385]) {
      expect(() => svgToPng(svg, { widthPx }), String(widthPx)).toThrow(InvalidParameterError);
    }
    const tall = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="1000"/>';
    expect(() => svgToPng(tall, { widthPx: 200 })).toThrow(InvalidParameterError); // 20000 px high
    expect(pngDimensions(svgToPng(tall, { widthPx: 100 }))).toEqual({ widthPx: 100, heightPx: 10_000 });
  });
});

/** A PNG header (signature + IHDR, RGBA 8-bit) built by hand, CRC from node:zlib. */
function header(widthPx: number, heightPx: number): Uint8Array {
  const ihdr = Buffer.alloc(17);
  ihdr.write('IHDR', 0, 'latin1');
  ihdr.writeUInt32BE(widthPx, 4);
  ihdr.writeUInt32BE(heightPx, 8);
  ihdr.set([8, 6, 0, 0, 0], 12);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(ihdr));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    ihdr,
    crc,
  ]);
}

describe('pngDimensions', () => {
  test('default', () => {
    expect(pngDimensions(header(300, 200))).toEqual({ widthPx: 300, heightPx: 200 });
  });

  test('behavior: reads big-endian sizes and ignores what follows the header', () => {
    expect(pngDimensions(header(0x01020304, 1))).toEqual({ widthPx: 16_909_060, heightPx: 1 });
    const withMore = Buffer.concat([header(7, 9), Buffer.from('trailing chunks')]);
    expect(pngDimensions(withMore)).toEqual({ widthPx: 7, heightPx: 9 });
    // A view into a larger buffer (byteOffset ≠ 0).
    const padded = Buffer.concat([Buffer.alloc(5), header(11, 13)]);
    expect(pngDimensions(padded.subarray(5))).toEqual({ widthPx: 11, heightPx: 13 });
  });

  test('error: bytes that are not a PNG header', () => {
    const good = header(300, 200);
    const corrupt = (at: number, value: number): Uint8Array => {
      const copy = Uint8Array.from(good);
      copy[at] = value;
      return copy;
    };
    const bad: readonly [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['truncated', good.subarray(0, 32)],
      ['JPEG', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...good.subarray(4)])],
      ['text', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')],
      ['first chunk not IHDR', corrupt(12, 0x69)],
      ['bad CRC', corrupt(32, good[32] === 0 ? 1 : 0)],
      ['changed width, old CRC', corrupt(19, 45)],
      ['zero width', header(0, 200)],
      ['width over 2^31 − 1', header(0x80000000, 200)],
    ];
    for (const [name, bytes] of bad) {
      expect(() => pngDimensions(bytes), name).toThrow(InvalidParameterError);
    }
  });
});
