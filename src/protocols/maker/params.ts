/**
 * Parameters of the Maker models (Vat, Spotter, Jug, Vow, Dog + Clipper + ClipperMom for
 * liquidations 2.0, Cat + Flipper for 1.2, and optionally the Vow's debt auctions, the Flopper):
 * their types in the contracts' own scales, a strict parser that names every bad field, and
 * realistic defaults (ETH-A, July 2025).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readInt, readObject, readString } from '../../engine/fields.js';
import { RAD, RAY, WAD } from '../../math/units.js';
import { type AbacusCurve, formatCalc, parseCalc, validateCurve } from './math/abaci.js';

/** Parameters of one collateral type (ilk). Scales are dss's: WAD 1e18, RAY 1e27, RAD 1e45. */
export interface MakerIlkParams {
  /** Ledger asset of the collateral; the Vat counts it in WAD (listed with 18 decimals). */
  readonly gem: string;
  /** Liquidation ratio (Spotter `mat`), RAY ≥ 1e27: `spot = price / mat`. */
  readonly matRay: bigint;
  /** Debt ceiling of the ilk (Vat `line`), RAD. */
  readonly lineRad: bigint;
  /** Minimum debt of a vault (Vat `dust`), RAD. */
  readonly dustRad: bigint;
  /** Per-second stability fee factor (Jug `duty`, base 0), RAY ≥ 1e27. */
  readonly dutyRay: bigint;
  /** Liquidation penalty (Dog/Cat `chop`), WAD ≥ 1e18. */
  readonly chopWad: bigint;
  /** Per-ilk in-flight liquidation budget (Dog `hole`), RAD. */
  readonly holeRad: bigint;
  /** Starting price factor over the OSM price (Clipper `buf`), RAY ≥ 1e27. */
  readonly bufRay: bigint;
  /** Seconds after which an auction needs a reset (Clipper `tail`, > 0). */
  readonly tailSeconds: number;
  /** Fraction of `top` below which an auction needs a reset (Clipper `cusp`), RAY ≤ 1e27. */
  readonly cuspRay: bigint;
  /** Share of `tab` paid to keepers (Clipper `chip`, uint64), WAD. */
  readonly chipWad: bigint;
  /** Flat keeper fee (Clipper `tip`, uint192), RAD. */
  readonly tipRad: bigint;
  /** Auction price curve (Clipper `calc`). */
  readonly calc: AbacusCurve;
  /** ClipperMom price-drop tolerance, RAY ≤ 1e27: trips when OSM `nxt < cur·tolerance`. */
  readonly toleranceRay: bigint;
  /** Liquidation 1.2: most DAI (debt + penalty) per bite (Cat `dunk`), RAD > 0. */
  readonly dunkRad: bigint;
  /** Liquidation 1.2: minimum bid increase / lot decrease (Flipper `beg`), WAD ≥ 1e18. */
  readonly begWad: bigint;
  /** Liquidation 1.2: lifetime of a bid (Flipper `ttl`), seconds > 0. */
  readonly ttlSeconds: number;
  /** Liquidation 1.2: maximum auction length (Flipper `tau`), seconds > 0. */
  readonly tauSeconds: number;
}

/**
 * The Vow's debt auctions (makerdao/dss src/vow.sol `dump`, `sump`; src/flop.sol `beg`, `pad`,
 * `ttl`, `tau`): when the Vow's unqueued sin is at least `sump` and it holds no dai, anyone may
 * `flop`, which auctions newly minted MKR for `sump` DAI.
 */
export interface MakerFlopParams {
  /** Starting lot of MKR per auction (Vow `dump`), WAD > 0. */
  readonly dumpWad: bigint;
  /** DAI each auction raises (Vow `sump`, the fixed bid), RAD > 0. */
  readonly sumpRad: bigint;
  /** Minimum lot decrease of a bid (Flopper `beg`), WAD ≥ 1e18. */
  readonly begWad: bigint;
  /** Lot increase when an unbid auction restarts (Flopper `pad`), WAD ≥ 1e18. */
  readonly padWad: bigint;
  /** Lifetime of a bid (Flopper `ttl`), seconds > 0. */
  readonly ttlSeconds: number;
  /** Length of an auction and of each restart (Flopper `tau`), seconds > 0. */
  readonly tauSeconds: number;
}

/**
 * The debt auctions of March 2020 where history.md §1 gives them: 50,000 DAI lots (`sump`)
 * starting at 250 MKR (`dump`), +20 % MKR at each restart (`pad` 1.2). `beg` 5 %, `ttl` 3 h and
 * `tau` 2 days are makerdao/dss src/flop.sol's defaults (the 2020 values are UNVERIFIED).
 */
export const DEFAULT_FLOP_PARAMS: MakerFlopParams = {
  dumpWad: 250n * WAD,
  sumpRad: 50_000n * RAD,
  begWad: (105n * WAD) / 100n,
  padWad: (12n * WAD) / 10n,
  ttlSeconds: 3 * 3600,
  tauSeconds: 2 * 86_400,
};

/** The Vow's optional modules. */
export interface MakerVowParams {
  /** Debt auctions; absent: none (the Vow's sin only waits for surplus, as the models did before). */
  readonly flop?: MakerFlopParams;
}

/** Parameters of a whole Maker system. */
export interface MakerParams {
  /** Global debt ceiling (Vat `Line`), RAD. */
  readonly LineRad: bigint;
  /** Global in-flight liquidation budget (Dog `Hole`), RAD. */
  readonly HoleRad: bigint;
  /** Liquidation 1.2 in-flight budget (Cat `box`), RAD. */
  readonly boxRad: bigint;
  /** Delay before queued bad debt can be popped (Vow `wait`), seconds. */
  readonly vowWaitSeconds: number;
  /** Collateral types by name (`ETH-A`). */
  readonly ilks: Readonly<Record<string, MakerIlkParams>>;
  /** The Vow's debt auctions (`vow.flop`); absent: no debt auctions. */
  readonly vow?: MakerVowParams;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT192 = (1n << 192n) - 1n;
/** uint48 in the Flipper; also bounds every duration here. */
const MAX_SECONDS = 2 ** 48 - 1;

/**
 * ETH-A as configured on mainnet in July 2025 (makerdao/spells-mainnet src/test/config.sol, via
 * ../shared/reference/mechanisms.md §1.7): mat 145 %, chop 13 %, dust 7,500 DAI, hole 40 M,
 * buf 110 %, StairstepExponentialDecrease −1 % every 90 s, tail 2 h, cusp 45 %, tip 250 DAI,
 * chip 0.1 %, ClipperMom tolerance 50 %. Values the reference does not give are marked
 * illustrative: the debt ceiling `line` (autoline-managed on mainnet), a zero stability fee, and
 * the retired liquidation 1.2 settings (`dunk` 50,000 DAI; Flipper `beg`/`ttl`/`tau` are the
 * flip.sol defaults 5 %, 3 h, 2 days).
 */
export const DEFAULT_ETH_A_PARAMS: MakerIlkParams = {
  gem: 'ETH',
  matRay: (145n * RAY) / 100n,
  lineRad: 15_000_000_000n * RAD,
  dustRad: 7_500n * RAD,
  dutyRay: RAY,
  chopWad: (113n * WAD) / 100n,
  holeRad: 40_000_000n * RAD,
  bufRay: (110n * RAY) / 100n,
  tailSeconds: 7200,
  cuspRay: (45n * RAY) / 100n,
  chipWad: WAD / 1000n,
  tipRad: 250n * RAD,
  calc: { kind: 'StairstepExponentialDecrease', cutRay: (99n * RAY) / 100n, stepSeconds: 90n },
  toleranceRay: RAY / 2n,
  dunkRad: 50_000n * RAD,
  begWad: (105n * WAD) / 100n,
  ttlSeconds: 3 * 3600,
  tauSeconds: 2 * 86_400,
};

/**
 * Default Maker system: one ilk, ETH-A (see {@link DEFAULT_ETH_A_PARAMS}); global `Hole` 150 M DAI
 * and Vow `wait` 156 h (mainnet, July 2025); `Line` 20 bn DAI and Cat `box` 30 M DAI illustrative.
 */
export const DEFAULT_MAKER_PARAMS: MakerParams = {
  LineRad: 20_000_000_000n * RAD,
  HoleRad: 150_000_000n * RAD,
  boxRad: 30_000_000n * RAD,
  vowWaitSeconds: 156 * 3600,
  ilks: { 'ETH-A': DEFAULT_ETH_A_PARAMS },
};

const TOP_KEYS = ['LineRad', 'HoleRad', 'boxRad', 'vowWaitSeconds', 'ilks', 'vow', 'stress'] as const;
const FLOP_KEYS: readonly (keyof MakerFlopParams)[] = [
  'dumpWad',
  'sumpRad',
  'begWad',
  'padWad',
  'ttlSeconds',
  'tauSeconds',
];
const ILK_KEYS: readonly (keyof MakerIlkParams)[] = [
  'gem',
  'matRay',
  'lineRad',
  'dustRad',
  'dutyRay',
  'chopWad',
  'holeRad',
  'bufRay',
  'tailSeconds',
  'cuspRay',
  'chipWad',
  'tipRad',
  'calc',
  'toleranceRay',
  'dunkRad',
  'begWad',
  'ttlSeconds',
  'tauSeconds',
];
const ILK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function rejectUnknown(obj: Readonly<Record<string, unknown>>, known: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(
        `${path}.${key}`,
        'is not a known parameter',
        `Known: ${known.join(', ')}.`,
      );
    }
  }
}

/**
 * Reads Maker parameters from JSON-friendly input. Integers are bigints, safe-integer numbers or
 * decimal integer strings in the field's own scale (the unit is in the name: `matRay`,
 * `dustRad`); `calc` is a one-line curve (`"StairstepExponentialDecrease cut=0.99 step=90"`, see
 * parseCalc) or a curve object. Every field may be omitted: top-level fields default to
 * {@link DEFAULT_MAKER_PARAMS}, `ilks` to ETH-A, and each ilk field to ETH-A's value except `gem`,
 * which defaults to the ilk name before its first `-` (`WBTC-A` → `WBTC`). Unknown fields are refused.
 * `vow.flop` (optional) switches the Vow's debt auctions on; its omitted fields default to
 * {@link DEFAULT_FLOP_PARAMS}. `stress` (optional, an object) belongs to the stress lab
 * (src/sim/stress/maker.ts reads the MKR price and the debt-auction bidders from it); the model
 * does not read it and it is not part of MakerParams.
 * @param raw the parameters (`undefined` means all defaults).
 * @throws InvalidParameterError naming the dotted field (e.g. `params.ilks.ETH-A.chopWad`) when a
 * value is malformed or out of range: `mat < 1`, `chop < 1`, `buf < 1`, `cusp > 1`, `tail = 0`,
 * `tolerance > 1`, `duty < 1`, `beg < 1`, `dunk = 0`, `ttl`/`tau = 0`, `chip`/`tip` past their
 * uint widths, a bad curve, or no ilk at all; in `vow.flop`: `dump`/`sump` = 0, `beg`/`pad` < 1,
 * `ttl`/`tau` = 0; `stress` that is not an object.
 */
export function parseMakerParams(raw: unknown): MakerParams {
  if (raw === undefined) return DEFAULT_MAKER_PARAMS;
  const obj = readObject(raw, 'params');
  rejectUnknown(obj, TOP_KEYS, 'params');
  const d = DEFAULT_MAKER_PARAMS;
  const big = (key: string, fallback: bigint): bigint =>
    obj[key] === undefined ? fallback : readBigint(obj, key, `params.${key}`);
  const ilksRaw = obj.ilks === undefined ? undefined : readObject(obj.ilks, 'params.ilks');
  const ilks: Record<string, MakerIlkParams> = {};
  if (ilksRaw === undefined) {
    ilks['ETH-A'] = DEFAULT_ETH_A_PARAMS;
  } else {
    for (const [name, value] of Object.entries(ilksRaw)) {
      if (!ILK_NAME.test(name)) {
        throw new InvalidParameterError(
          `params.ilks.${name}`,
          'an ilk name is letters, digits, `.`, `_` or `-`',
        );
      }
      ilks[name] = parseIlkParams(name, value, `params.ilks.${name}`);
    }
    if (Object.keys(ilks).length === 0)
      throw new InvalidParameterError('params.ilks', 'expected at least one ilk');
  }
  if (obj.stress !== undefined) readObject(obj.stress, 'params.stress');
  const vow = obj.vow === undefined ? undefined : parseVowParams(obj.vow, 'params.vow');
  return {
    LineRad: big('LineRad', d.LineRad),
    HoleRad: big('HoleRad', d.HoleRad),
    boxRad: big('boxRad', d.boxRad),
    vowWaitSeconds:
      obj.vowWaitSeconds === undefined
        ? d.vowWaitSeconds
        : readInt(obj, 'vowWaitSeconds', 'params.vowWaitSeconds', { min: 0, max: MAX_SECONDS }),
    ilks,
    ...(vow === undefined ? {} : { vow }),
  };
}

function parseVowParams(raw: unknown, path: string): MakerVowParams {
  const obj = readObject(raw, path);
  rejectUnknown(obj, ['flop'], path);
  return obj.flop === undefined ? {} : { flop: parseFlopParams(obj.flop, `${path}.flop`) };
}

function parseFlopParams(raw: unknown, path: string): MakerFlopParams {
  const obj = readObject(raw, path);
  rejectUnknown(obj, FLOP_KEYS, path);
  const f = DEFAULT_FLOP_PARAMS;
  const big = (key: keyof MakerFlopParams, fallback: bigint, min: bigint, expect: string): bigint =>
    obj[key] === undefined ? fallback : readBigint(obj, key, `${path}.${key}`, { min, expect });
  const secs = (key: keyof MakerFlopParams, fallback: number): number =>
    obj[key] === undefined ? fallback : readInt(obj, key, `${path}.${key}`, { min: 1, max: MAX_SECONDS });
  return {
    dumpWad: big('dumpWad', f.dumpWad, 1n, 'a WAD > 0 (MKR offered at the start)'),
    sumpRad: big('sumpRad', f.sumpRad, 1n, 'a RAD > 0 (DAI raised per auction)'),
    begWad: big('begWad', f.begWad, WAD, 'a WAD ≥ 1e18 (beg ≥ 1)'),
    padWad: big('padWad', f.padWad, WAD, 'a WAD ≥ 1e18 (a restart must not shrink the lot)'),
    ttlSeconds: secs('ttlSeconds', f.ttlSeconds),
    tauSeconds: secs('tauSeconds', f.tauSeconds),
  };
}

function parseIlkParams(name: string, raw: unknown, path: string): MakerIlkParams {
  const obj = readObject(raw, path);
  rejectUnknown(obj, ILK_KEYS, path);
  const e = DEFAULT_ETH_A_PARAMS;
  const big = (
    key: keyof MakerIlkParams,
    fallback: bigint,
    bounds: { min?: bigint; max?: bigint; expect?: string } = {},
  ) => (obj[key] === undefined ? fallback : readBigint(obj, key, `${path}.${key}`, bounds));
  const secs = (key: keyof MakerIlkParams, fallback: number): number =>
    obj[key] === undefined ? fallback : readInt(obj, key, `${path}.${key}`, { min: 1, max: MAX_SECONDS });
  const gem = obj.gem === undefined ? (name.split('-')[0] ?? name) : readString(obj, 'gem', `${path}.gem`);
  let calc: AbacusCurve;
  if (obj.calc === undefined) calc = e.calc;
  else if (typeof obj.calc === 'string') calc = parseCalc(obj.calc, `${path}.calc`);
  else calc = readCurveObject(obj.calc, `${path}.calc`);
  validateCurve(calc, `${path}.calc`);
  return {
    gem,
    matRay: big('matRay', e.matRay, { min: RAY, expect: 'a RAY ≥ 1e27 (mat ≥ 100 %)' }),
    lineRad: big('lineRad', e.lineRad),
    dustRad: big('dustRad', e.dustRad),
    dutyRay: big('dutyRay', e.dutyRay, { min: RAY, expect: 'a RAY ≥ 1e27 (a non-negative stability fee)' }),
    // dss dog.sol file(): require(data >= WAD, "Dog/file-chop-lt-WAD").
    chopWad: big('chopWad', e.chopWad, { min: WAD, expect: 'a WAD ≥ 1e18 (chop ≥ 1; Dog/file-chop-lt-WAD)' }),
    holeRad: big('holeRad', e.holeRad),
    bufRay: big('bufRay', e.bufRay, { min: RAY, expect: 'a RAY ≥ 1e27 (buf ≥ 1)' }),
    tailSeconds: secs('tailSeconds', e.tailSeconds),
    cuspRay: big('cuspRay', e.cuspRay, { max: RAY, expect: 'a RAY in [0, 1e27] (cusp ≤ 1)' }),
    chipWad: big('chipWad', e.chipWad, { max: MAX_UINT64, expect: 'a WAD fitting uint64' }),
    tipRad: big('tipRad', e.tipRad, { max: MAX_UINT192, expect: 'a RAD fitting uint192' }),
    calc,
    // makerdao/clipper-mom setPriceTolerance: require(value <= 1 * RAY, "ClipperMom/tolerance-out-of-bounds").
    toleranceRay: big('toleranceRay', e.toleranceRay, { max: RAY, expect: 'a RAY in [0, 1e27]' }),
    dunkRad: big('dunkRad', e.dunkRad, { min: 1n, expect: 'a RAD > 0' }),
    begWad: big('begWad', e.begWad, { min: WAD, expect: 'a WAD ≥ 1e18 (beg ≥ 1)' }),
    ttlSeconds: secs('ttlSeconds', e.ttlSeconds),
    tauSeconds: secs('tauSeconds', e.tauSeconds),
  };
}

function readCurveObject(raw: unknown, path: string): AbacusCurve {
  const obj = readObject(raw, path);
  const kind = readString(obj, 'kind', `${path}.kind`);
  switch (kind) {
    case 'LinearDecrease':
      rejectUnknown(obj, ['kind', 'tauSeconds'], path);
      return { kind, tauSeconds: readBigint(obj, 'tauSeconds', `${path}.tau`) };
    case 'StairstepExponentialDecrease':
      rejectUnknown(obj, ['kind', 'cutRay', 'stepSeconds'], path);
      return {
        kind,
        cutRay: readBigint(obj, 'cutRay', `${path}.cut`),
        stepSeconds: readBigint(obj, 'stepSeconds', `${path}.step`),
      };
    case 'ExponentialDecrease':
      rejectUnknown(obj, ['kind', 'cutRay'], path);
      return { kind, cutRay: readBigint(obj, 'cutRay', `${path}.cut`) };
    default:
      throw new InvalidParameterError(`${path}.kind`, `unknown curve ${JSON.stringify(kind)}`);
  }
}

/** The params as JSON-friendly data (integers as decimal strings, `calc` as its one-line form). */
export function makerParamsToJson(params: MakerParams): Record<string, unknown> {
  const ilks: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(params.ilks)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) {
      out[k] = typeof v === 'bigint' ? v.toString() : k === 'calc' ? formatCalc(v as AbacusCurve) : v;
    }
    ilks[name] = out;
  }
  const flop = params.vow?.flop;
  return {
    LineRad: params.LineRad.toString(),
    HoleRad: params.HoleRad.toString(),
    boxRad: params.boxRad.toString(),
    vowWaitSeconds: params.vowWaitSeconds,
    ilks,
    ...(params.vow === undefined
      ? {}
      : {
          vow:
            flop === undefined
              ? {}
              : {
                  flop: Object.fromEntries(
                    Object.entries(flop).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
                  ),
                },
        }),
  };
}
