/**
 * PNG output of the report's SVG charts (from {@link xyChart} in ./svg.ts), rendered with resvg, for
 * the PNG files written beside report.html; plus a small PNG header reader used to check the output.
 */
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';

/** resvg could not parse or render the SVG it was given. */
export class ChartRenderError extends SolventError {
  override name = 'ChartRenderError';
  constructor(reason: string, cause?: unknown) {
    super('ChartRender', `Cannot render the chart to PNG: ${reason}.`, {
      metaMessages: [
        'Pass a whole SVG document: one root <svg> element with a positive width and height (xyChart output is one).',
      ],
      details: { reason },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/**
 * The font the charts' text is drawn in: svg.ts asks for `sans-serif`, which resvg maps to this
 * family (it is also the default for text naming a family that is not installed). DejaVu Sans is the
 * one sans-serif family installed on our machines (Debian's fonts-dejavu-core). On a machine without
 * it, resvg-js falls back to the first font it finds; on a machine with no font at all, text is
 * skipped and everything else is drawn (see {@link chartFontsAvailable}).
 */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** Largest width or height of a PNG made here, pixels (keeps a bad widthPx from asking for gigabytes). */
const MAX_SIDE_PX = 16_384;

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** resvg options: system fonts with `sans-serif` and the default mapped to {@link CHART_FONT_FAMILY}. */
function fontOptions(systemFonts: boolean): NonNullable<ResvgRenderOptions['font']> {
  return systemFonts
    ? {
        // fontdb scans the usual system font folders itself (/usr/share/fonts, ~/.fonts, ... on Linux).
        loadSystemFonts: true,
        defaultFontFamily: CHART_FONT_FAMILY,
        sansSerifFamily: CHART_FONT_FAMILY,
      }
    : { loadSystemFonts: false };
}

/**
 * The SVG with `xmlns` added to its root `<svg>` when missing: xyChart leaves it out for SVG inlined
 * in HTML, and resvg's XML parser then finds no SVG root.
 */
function withSvgNamespace(svg: string): string {
  const root = /<svg(?=[\s>/])[^>]*>/.exec(svg);
  if (root === null || /\sxmlns\s*=/.test(root[0])) return svg;
  const at = root.index + '<svg'.length;
  return `${svg.slice(0, at)} xmlns="${SVG_NAMESPACE}"${svg.slice(at)}`;
}

/** Options of {@link svgToPng}. */
export interface SvgToPngOptions {
  /**
   * Width of the PNG in pixels, a whole number in [1, 16384]; the height follows the SVG's aspect
   * ratio (rounded by resvg to a whole pixel). Default: the SVG's own width (1 px per SVG unit).
   */
  readonly widthPx?: number;
  /**
   * Load the system's fonts so text is drawn (default true). False draws every shape but no text,
   * which is what happens anyway on a machine with no font installed, and is faster.
   */
  readonly systemFonts?: boolean;
}

/**
 * Renders an SVG document (such as {@link xyChart} output, standalone or inline: a missing `xmlns`
 * is added) to PNG bytes (8-bit RGBA, non-interlaced) on an opaque white background, so the chart
 * reads the same in any image viewer. Text is drawn in {@link CHART_FONT_FAMILY} from the system's
 * fonts; with no font installed the text is left out and the rest is still drawn (no error), which
 * {@link chartFontsAvailable} tells. Deterministic on one machine: same SVG and options, same bytes.
 * Loads the system fonts on every call (a folder scan; see the report for timings).
 * @param svg the SVG document's text.
 * @throws InvalidParameterError (field `widthPx`) when widthPx is not a whole number in [1, 16384] or
 *   the height it implies is over 16384 px.
 * @throws ChartRenderError when resvg cannot parse the SVG (no `<svg>` root, bad XML, zero size) or
 *   fails to render it.
 */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  const { widthPx } = options;
  if (widthPx !== undefined && (!Number.isInteger(widthPx) || widthPx < 1 || widthPx > MAX_SIDE_PX)) {
    throw new InvalidParameterError(
      'widthPx',
      `expected a whole number of pixels in [1, ${MAX_SIDE_PX}], got ${widthPx}`,
    );
  }
  let resvg: Resvg;
  try {
    resvg = new Resvg(withSvgNamespace(svg), {
      font: fontOptions(options.systemFonts ?? true),
      fitTo: widthPx === undefined ? { mode: 'original' } : { mode: 'width', value: widthPx },
      background: '#ffffff',
      // Failures reach the caller as ChartRenderError; font fallbacks are documented above.
      logLevel: 'off',
    });
  } catch (error) {
    throw new ChartRenderError(messageOf(error), error);
  }
  // Refuse before allocating: the height resvg will pick is about widthPx × height / width.
  const scale = widthPx === undefined ? 1 : widthPx / resvg.width;
  const heightPx = resvg.height * scale;
  if (!(heightPx <= MAX_SIDE_PX) || !(resvg.width * scale <= MAX_SIDE_PX)) {
    throw new InvalidParameterError(
      'widthPx',
      `the PNG would be ${Math.ceil(resvg.width * scale)} × ${Math.ceil(heightPx)} px, over ${MAX_SIDE_PX} px a side`,
      'Ask for a smaller widthPx.',
    );
  }
  try {
    return resvg.render().asPng();
  } catch (error) {
    throw new ChartRenderError(messageOf(error), error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let fontsAvailable: boolean | undefined;

/**
 * Whether {@link svgToPng} can draw text here: renders a short `sans-serif` label with the same font
 * options and looks for any drawn pixel. False only when no usable font is installed at all (resvg
 * falls back to any installed font before giving up). Computed once per process.
 */
export function chartFontsAvailable(): boolean {
  if (fontsAvailable === undefined) {
    const probe = `<svg xmlns="${SVG_NAMESPACE}" width="40" height="20"><text x="2" y="15" font-family="sans-serif" font-size="14">Hg</text></svg>`;
    const pixels = new Resvg(probe, { font: fontOptions(true), logLevel: 'off' }).render().pixels;
    let drawn = false;
    // No background was asked for, so every pixel is transparent unless a glyph covers it (alpha
    // is every fourth byte of RGBA).
    for (let i = 3; i < pixels.length && !drawn; i += 4) drawn = (pixels[i] ?? 0) > 0;
    fontsAvailable = drawn;
  }
  return fontsAvailable;
}

const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG chunks use it (PNG spec §5.5). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Width and height of a PNG, in pixels, read from its header: the 8-byte signature, then the IHDR
 * chunk (length 13, type, width and height as big-endian uint32, ..., CRC-32 over type and data),
 * checked in full. Reads nothing past the header.
 * @param png the file's bytes.
 * @throws InvalidParameterError (field `png`) when the bytes do not start with a PNG signature and a
 *   valid IHDR chunk (too short, wrong signature, first chunk not IHDR, bad CRC, zero or over 2^31−1
 *   width or height).
 */
export function pngDimensions(png: Uint8Array): { widthPx: number; heightPx: number } {
  const refuse = (reason: string): never => {
    throw new InvalidParameterError('png', reason, 'Pass the bytes of a PNG file.');
  };
  // Signature (8) + IHDR length (4) + type (4) + data (13) + CRC (4).
  if (png.length < 33) refuse(`${png.length} bytes is too short for a PNG header (33 bytes)`);
  if (!PNG_SIGNATURE.every((b, i) => png[i] === b)) refuse('the bytes do not start with the PNG signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const type = String.fromCharCode(...png.subarray(12, 16));
  if (view.getUint32(8) !== 13 || type !== 'IHDR') refuse('the first chunk is not a 13-byte IHDR');
  if (crc32(png.subarray(12, 29)) !== view.getUint32(29)) refuse('the IHDR chunk fails its CRC');
  const widthPx = view.getUint32(16);
  const heightPx = view.getUint32(20);
  // PNG spec §11.2.2: width and height are 1 to 2^31 − 1.
  const valid = (n: number): boolean => n >= 1 && n <= 0x7fffffff;
  if (!valid(widthPx) || !valid(heightPx)) refuse(`IHDR says ${widthPx} × ${heightPx} px`);
  return { widthPx, heightPx };
}
