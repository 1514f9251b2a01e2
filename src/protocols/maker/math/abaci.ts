/**
 * Maker's three auction price curves (dss `abaci.sol`) as one `AbacusCurve` union, the exact
 * integer price each gives `dur` seconds after an auction's start, and a strict parser for the
 * one-line curve descriptions used by configs and conformance vectors
 * (`"StairstepExponentialDecrease cut=0.99 step=90"`).
 */
import { InvalidParameterError } from '../../../engine/errors.js';
import { formatDecimal, parseDecimal } from '../../../math/decimal.js';
import { SolventError } from '../../../math/errors.js';
import { mulChecked, rmul, rpow } from '../../../math/maker.js';
import { divRound, Rounding } from '../../../math/mulDiv.js';
import { RAY } from '../../../math/units.js';

/** Price falls linearly from `top` to 0 over `tauSeconds` (dss abaci.sol LinearDecrease). */
export interface LinearDecrease {
  readonly kind: 'LinearDecrease';
  /** Seconds after the start when the price reaches 0 (> 0). */
  readonly tauSeconds: bigint;
}

/** Price is multiplied by `cutRay` every `stepSeconds` (dss abaci.sol StairstepExponentialDecrease). */
export interface StairstepExponentialDecrease {
  readonly kind: 'StairstepExponentialDecrease';
  /** Per-step factor, RAY, in (0, 1e27]. */
  readonly cutRay: bigint;
  /** Seconds between two drops (> 0). */
  readonly stepSeconds: bigint;
}

/** Price is multiplied by `cutRay` every second (dss abaci.sol ExponentialDecrease). */
export interface ExponentialDecrease {
  readonly kind: 'ExponentialDecrease';
  /** Per-second factor, RAY, in (0, 1e27]. */
  readonly cutRay: bigint;
}

/** One of Maker's three Abacus price curves. */
export type AbacusCurve = LinearDecrease | StairstepExponentialDecrease | ExponentialDecrease;

/** Names of the three curves, as dss names the contracts. */
export const ABACUS_KINDS = [
  'LinearDecrease',
  'StairstepExponentialDecrease',
  'ExponentialDecrease',
] as const;

/** Entries kept per cut in {@link cutPowerRay}'s memo before it starts over. */
const CUT_POWERS_MAX = 8_192;
const CUT_POWERS = new Map<bigint, Map<bigint, bigint>>();

/**
 * `rpow(cut, n, RAY)`, memoised: every live sale of an ilk with the same elapsed steps shares one
 * power, and keepers price every live sale at every step. A pure function of (cut, n); the memo
 * only saves the work.
 */
function cutPowerRay(cutRay: bigint, n: bigint): bigint {
  let powers = CUT_POWERS.get(cutRay);
  if (powers === undefined) {
    if (CUT_POWERS.size >= 64) CUT_POWERS.clear();
    powers = new Map();
    CUT_POWERS.set(cutRay, powers);
  }
  const seen = powers.get(n);
  if (seen !== undefined) return seen;
  const value = rpow(cutRay, n, RAY);
  if (powers.size >= CUT_POWERS_MAX) powers.clear();
  powers.set(n, value);
  return value;
}

/**
 * The auction price `durSeconds` after the start, RAY (floored, as dss does).
 * - LinearDecrease: `dur >= tau ? 0 : rmul(top, (tau − dur)·RAY / tau)`; the inner ratio is floored
 *   before `rmul` floors again (makerdao/dss src/abaci.sol LinearDecrease.price). Both floors
 *   favour the buyer by at most 2 wei of RAY.
 * - StairstepExponentialDecrease: `rmul(top, rpow(cut, dur / step, RAY))`, `dur / step` floored
 *   (whole steps only; makerdao/dss src/abaci.sol StairstepExponentialDecrease.price).
 * - ExponentialDecrease: `rmul(top, rpow(cut, dur, RAY))` (makerdao/dss src/abaci.sol
 *   ExponentialDecrease.price). `rpow` rounds half-up at every step as the contract's assembly.
 * The curve is evaluated as the contract would evaluate it, without {@link validateCurve}'s
 * stricter configuration rules: `tau = 0` prices at 0, `cut = 0` gives 0 after one step.
 * @param curve the curve and its parameters.
 * @param topRay starting price, RAY (DAI per unit of collateral).
 * @param durSeconds seconds since the auction started (≥ 0).
 * @throws InvalidParameterError when `durSeconds` or `topRay` is negative; DivisionByZeroError when
 * `step = 0` (the contract's division reverts); OverflowError where the contract's checked math
 * would revert (`top · factor` past 2^256, `rpow` of a factor ≥ 2^128).
 */
export function auctionPrice(curve: AbacusCurve, topRay: bigint, durSeconds: bigint): bigint {
  if (durSeconds < 0n)
    throw new InvalidParameterError('durSeconds', `expected seconds ≥ 0, got ${durSeconds}`);
  if (topRay < 0n) throw new InvalidParameterError('topRay', `expected a RAY ≥ 0, got ${topRay}`);
  switch (curve.kind) {
    case 'LinearDecrease': {
      if (durSeconds >= curve.tauSeconds) return 0n;
      // floor: dss `mul(tau - dur, RAY) / tau`; the buyer gains the sub-wei remainder.
      const ratioRay = divRound(
        mulChecked(curve.tauSeconds - durSeconds, RAY),
        curve.tauSeconds,
        Rounding.Down,
      );
      return rmul(topRay, ratioRay);
    }
    case 'StairstepExponentialDecrease': {
      // floor: only whole steps count (dss `dur / step`).
      const steps = divRound(durSeconds, curve.stepSeconds, Rounding.Down);
      return rmul(topRay, cutPowerRay(curve.cutRay, steps));
    }
    case 'ExponentialDecrease':
      return rmul(topRay, cutPowerRay(curve.cutRay, durSeconds));
  }
}

/**
 * Checks a curve's parameters: `tau > 0`, `step > 0`, `0 < cut ≤ RAY` (dss abaci.sol refuses
 * `cut > RAY` with `…/cut-gt-RAY`; `tau = 0`/`step = 0` would price every auction at 0 or divide by
 * zero, and `cut = 0` drops the price to 0 after one step, so the engine refuses them too).
 * @param curve the curve to check.
 * @param path dotted name of the field in errors (e.g. `params.ilks.ETH-A.calc`).
 * @throws InvalidParameterError naming `path.<field>` for the first bad parameter.
 */
export function validateCurve(curve: AbacusCurve, path: string): void {
  switch (curve.kind) {
    case 'LinearDecrease':
      if (curve.tauSeconds <= 0n)
        throw new InvalidParameterError(`${path}.tau`, `expected seconds > 0, got ${curve.tauSeconds}`);
      return;
    case 'StairstepExponentialDecrease':
      if (curve.stepSeconds <= 0n) {
        throw new InvalidParameterError(`${path}.step`, `expected seconds > 0, got ${curve.stepSeconds}`);
      }
      requireCut(curve.cutRay, `${path}.cut`);
      return;
    case 'ExponentialDecrease':
      requireCut(curve.cutRay, `${path}.cut`);
      return;
    default:
      throw new InvalidParameterError(`${path}.kind`, `expected one of ${ABACUS_KINDS.join(', ')}`);
  }
}

function requireCut(cutRay: bigint, path: string): void {
  if (cutRay <= 0n || cutRay > RAY) {
    throw new InvalidParameterError(
      path,
      `expected a factor in (0, 1] (a RAY in (0, 1e27]), got ${cutRay}`,
      'cut-gt-RAY',
    );
  }
}

const WHOLE = /^[1-9]\d*$/;
const CUT = /^\d+(?:\.\d+)?$/;
const KEYS: Readonly<Record<AbacusCurve['kind'], readonly string[]>> = {
  LinearDecrease: ['tau'],
  StairstepExponentialDecrease: ['cut', 'step'],
  ExponentialDecrease: ['cut'],
};

/**
 * Parses a one-line curve description, strictly: the contract name, then each of its parameters
 * exactly once as `key=value`, separated by single spaces, in any order.
 * - `LinearDecrease tau=<seconds>`
 * - `StairstepExponentialDecrease cut=<decimal ≤ 1> step=<seconds>`
 * - `ExponentialDecrease cut=<decimal ≤ 1>`
 * `cut` is a plain decimal read exactly into a RAY (`0.99` → 0.99e27; more than 27 fractional
 * digits is refused); seconds are whole numbers > 0.
 * @param text the description.
 * @param path dotted name of the field in errors (e.g. `inputs.calc`).
 * @throws InvalidParameterError naming `path` when the text is malformed or a value is out of range.
 */
export function parseCalc(text: string, path: string): AbacusCurve {
  const parts = text.split(' ');
  const name = parts[0] ?? '';
  if (!(ABACUS_KINDS as readonly string[]).includes(name)) {
    throw new InvalidParameterError(
      path,
      `expected a curve name (${ABACUS_KINDS.join(', ')}), got ${JSON.stringify(text)}`,
    );
  }
  const kind = name as AbacusCurve['kind'];
  const wanted = KEYS[kind];
  const values = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq <= 0 || !wanted.includes(key)) {
      throw new InvalidParameterError(
        path,
        `${kind} takes ${wanted.map((k) => `${k}=…`).join(' ')}, got ${JSON.stringify(part)}`,
      );
    }
    if (values.has(key))
      throw new InvalidParameterError(path, `${key} is given twice in ${JSON.stringify(text)}`);
    values.set(key, part.slice(eq + 1));
  }
  for (const key of wanted) {
    if (!values.has(key))
      throw new InvalidParameterError(path, `${kind} needs ${key}=…, missing in ${JSON.stringify(text)}`);
  }
  const seconds = (key: string): bigint => {
    const v = values.get(key) ?? '';
    if (!WHOLE.test(v))
      throw new InvalidParameterError(path, `${key} must be whole seconds > 0, got ${JSON.stringify(v)}`);
    return BigInt(v);
  };
  const cut = (): bigint => {
    const v = values.get('cut') ?? '';
    if (!CUT.test(v))
      throw new InvalidParameterError(
        path,
        `cut must be a plain decimal like 0.99, got ${JSON.stringify(v)}`,
      );
    let cutRay: bigint;
    try {
      cutRay = parseDecimal(v, 27);
    } catch (e) {
      if (e instanceof SolventError)
        throw new InvalidParameterError(path, `cut ${JSON.stringify(v)}: ${e.shortMessage}`);
      throw e;
    }
    if (cutRay <= 0n || cutRay > RAY)
      throw new InvalidParameterError(path, `cut must be in (0, 1], got ${v}`);
    return cutRay;
  };
  switch (kind) {
    case 'LinearDecrease':
      return { kind, tauSeconds: seconds('tau') };
    case 'StairstepExponentialDecrease':
      return { kind, cutRay: cut(), stepSeconds: seconds('step') };
    case 'ExponentialDecrease':
      return { kind, cutRay: cut() };
  }
}

/**
 * The one-line description of a curve, the inverse of {@link parseCalc}
 * (`cut` written as an exact decimal).
 */
export function formatCalc(curve: AbacusCurve): string {
  switch (curve.kind) {
    case 'LinearDecrease':
      return `LinearDecrease tau=${curve.tauSeconds}`;
    case 'StairstepExponentialDecrease':
      return `StairstepExponentialDecrease cut=${formatDecimal(curve.cutRay, 27)} step=${curve.stepSeconds}`;
    case 'ExponentialDecrease':
      return `ExponentialDecrease cut=${formatDecimal(curve.cutRay, 27)}`;
  }
}
