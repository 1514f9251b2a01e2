/**
 * Liquity v1 parameters: the typed shape the model runs on, a validator that names the offending
 * field, and the mainnet constants as defaults. In the deployed contracts these are compile-time
 * constants (liquity/dev packages/contracts/contracts/Dependencies/LiquityBase.sol, TroveManager.sol
 * at cb583dd); making them parameters lets a stress run ask "what if MCR were 120 %?".
 */
import { InvalidParameterError } from '../../engine/errors.js';
import {
  readBigint,
  readObject,
  readString,
  rejectUnknownKeys,
  stringifyFields,
} from '../../engine/fields.js';
import { DECIMAL_PRECISION } from './math.js';

/** Validated Liquity v1 parameters. Ratios and rates are 1e18-scaled; amounts are wei (18 decimals). */
export interface LiquityParams {
  /** Engine asset id of the collateral (ETH; must be listed with 18 decimals). */
  readonly collateralAsset: string;
  /** Engine asset id of the stablecoin (LUSD; must be listed with 18 decimals). */
  readonly debtAsset: string;
  /** `MCR`: minimum collateral ratio of a trove, 1.1e18 = 110 %. */
  readonly mcrWad: bigint;
  /** `CCR`: the system is in Recovery Mode while TCR < CCR, 1.5e18 = 150 %. */
  readonly ccrWad: bigint;
  /** `LUSD_GAS_COMPENSATION`: LUSD escrowed in the Gas Pool at open, counted in debt, paid to the liquidator. */
  readonly gasCompensation: bigint;
  /** `MIN_NET_DEBT`: smallest debt without the gas compensation, LUSD wei. */
  readonly minNetDebt: bigint;
  /** `PERCENT_DIVISOR`: the liquidator gets `coll / PERCENT_DIVISOR` (200 = 0.5 %). */
  readonly percentDivisor: bigint;
  /** `BORROWING_FEE_FLOOR`: 5e15 = 0.5 %. */
  readonly borrowingFeeFloorWad: bigint;
  /** `MAX_BORROWING_FEE`: 5e16 = 5 %. */
  readonly maxBorrowingFeeWad: bigint;
  /** `MINUTE_DECAY_FACTOR`: the base rate's decay per minute (a 12 h half-life). */
  readonly minuteDecayFactorWad: bigint;
  /**
   * `baseRate` when the model is configured (0 on a fresh deployment). Redemptions, which raise it,
   * are not modelled, so afterwards it only decays.
   */
  readonly initialBaseRateWad: bigint;
}

/**
 * The deployed mainnet constants (mechanisms.md §4; LiquityBase.sol and TroveManager.sol at
 * cb583dd): MCR 110 %, CCR 150 %, 200 LUSD gas compensation, MIN_NET_DEBT 1,800 LUSD, 0.5 %
 * collateral gas compensation (PERCENT_DIVISOR 200), borrowing fee between 0.5 % and 5 %, minute
 * decay factor 0.999037758833783 (12 h half-life), base rate 0 at start.
 */
export const DEFAULT_LIQUITY_PARAMS: LiquityParams = {
  collateralAsset: 'ETH',
  debtAsset: 'LUSD',
  mcrWad: 1_100_000_000_000_000_000n,
  ccrWad: 1_500_000_000_000_000_000n,
  gasCompensation: 200n * DECIMAL_PRECISION,
  minNetDebt: 1_800n * DECIMAL_PRECISION,
  percentDivisor: 200n,
  borrowingFeeFloorWad: 5n * 10n ** 15n,
  maxBorrowingFeeWad: 5n * 10n ** 16n,
  minuteDecayFactorWad: 999_037_758_833_783_000n,
  initialBaseRateWad: 0n,
};

const PARAM_KEYS: readonly (keyof LiquityParams)[] = [
  'collateralAsset',
  'debtAsset',
  'mcrWad',
  'ccrWad',
  'gasCompensation',
  'minNetDebt',
  'percentDivisor',
  'borrowingFeeFloorWad',
  'maxBorrowingFeeWad',
  'minuteDecayFactorWad',
  'initialBaseRateWad',
];

/** Upper bound on amounts (uint128 is far beyond any LUSD supply and keeps products inside uint256). */
const MAX_AMOUNT = (1n << 128n) - 1n;

/**
 * Checks raw Liquity parameters (a config section or the `params` of `configure`) and returns a
 * fresh typed copy. Integers may be bigints, safe-integer numbers or decimal strings, so the output
 * of {@link liquityParamsToJson} parses back to the same value. Missing keys take the defaults.
 * @param path the dotted prefix errors name (default `params`).
 * @throws InvalidParameterError naming the field (`params.mcrWad`): unknown keys, MCR ≤ 100 %,
 *   CCR < MCR, a fee floor above the maximum, rates above 100 %, PERCENT_DIVISOR 0, the same asset
 *   as collateral and debt.
 */
export function parseLiquityParams(raw: unknown, path = 'params'): LiquityParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, PARAM_KEYS, path);
  const d = DEFAULT_LIQUITY_PARAMS;
  const str = (key: 'collateralAsset' | 'debtAsset'): string =>
    r[key] === undefined ? d[key] : readString(r, key, `${path}.${key}`);
  const int = (
    key: Exclude<keyof LiquityParams, 'collateralAsset' | 'debtAsset'>,
    min: bigint,
    max: bigint,
    expect: string,
  ) => (r[key] === undefined ? d[key] : readBigint(r, key, `${path}.${key}`, { min, max, expect }));
  const rate = (
    key: 'borrowingFeeFloorWad' | 'maxBorrowingFeeWad' | 'minuteDecayFactorWad' | 'initialBaseRateWad',
  ) => int(key, 0n, DECIMAL_PRECISION, 'a 1e18-scaled rate in [0, 1e18]');

  const collateralAsset = str('collateralAsset');
  const debtAsset = str('debtAsset');
  if (collateralAsset === debtAsset) {
    throw new InvalidParameterError(
      `${path}.debtAsset`,
      `must differ from the collateral asset ${collateralAsset}`,
    );
  }
  // _liquidateRecoveryMode tests ICR ≤ 100 % before ICR < MCR: an MCR ≤ 100 % would make no sense.
  const mcrWad = int('mcrWad', DECIMAL_PRECISION + 1n, MAX_AMOUNT, 'a ratio above 1e18 (MCR > 100 %)');
  const ccrWad = int('ccrWad', mcrWad, MAX_AMOUNT, `a ratio ≥ mcrWad ${mcrWad} (CCR ≥ MCR)`);
  const gasCompensation = int('gasCompensation', 0n, MAX_AMOUNT, 'LUSD wei in [0, 2^128)');
  const minNetDebt = int(
    'minNetDebt',
    1n,
    MAX_AMOUNT,
    'LUSD wei in [1, 2^128) (BorrowerOperations asserts MIN_NET_DEBT > 0)',
  );
  const percentDivisor = int('percentDivisor', 1n, MAX_AMOUNT, 'a divisor ≥ 1 (200 = 0.5 %)');
  const borrowingFeeFloorWad = rate('borrowingFeeFloorWad');
  const maxBorrowingFeeWad = rate('maxBorrowingFeeWad');
  if (borrowingFeeFloorWad > maxBorrowingFeeWad) {
    throw new InvalidParameterError(
      `${path}.borrowingFeeFloorWad`,
      `must not exceed maxBorrowingFeeWad (${borrowingFeeFloorWad} > ${maxBorrowingFeeWad})`,
    );
  }
  return {
    collateralAsset,
    debtAsset,
    mcrWad,
    ccrWad,
    gasCompensation,
    minNetDebt,
    percentDivisor,
    borrowingFeeFloorWad,
    maxBorrowingFeeWad,
    minuteDecayFactorWad: rate('minuteDecayFactorWad'),
    initialBaseRateWad: rate('initialBaseRateWad'),
  };
}

/** The parameters as JSON (bigints as decimal strings), which {@link parseLiquityParams} reads back. */
export function liquityParamsToJson(params: LiquityParams): Record<string, string> {
  return stringifyFields({ ...params }, PARAM_KEYS);
}
