/**
 * Dynamic incentive stage: the liquidation bonus (or an auction keeper's reward) set per
 * liquidation so that the keeper's share pays the published gas cost plus a margin ε, plus a
 * volatility premium, within bounds. The gas price is published by a command (stored in the model
 * state, every change a {@link GasPricePublished} event); σ comes from the volatility stage.
 *
 * The formula, in bps (every rounding Up, so the keeper's share covers gas + ε whenever the clamp
 * does not bind; `maxBps` is what protects the borrower):
 *
 *   gasCostUsd = gasUnits × gasPriceWei × ethPriceUsd / 1e18                       (USD WAD, ceil)
 *   gasBps     = ⌈(gasCostUsd + ε) × 10⁴ × 10⁴ / (amountUsd × keeperShareBps)⌉     (∞ when amount 0)
 *   sigmaBps   = ⌈sigmaSlopeBps × σ_annual⌉                                          (σ in WAD)
 *   bonusBps   = clamp(minBps, maxBps, baseBps + sigmaBps + gasBps)
 *
 * so that amountUsd × bonus × keeperShare ≥ gasCostUsd + ε when bonusBps < maxBps (the keeper's
 * incentive I beats C_gas + ε; its slippage on the collateral must fit in ε or in the base).
 */
import { parseDecimal } from '../../math/decimal.js';
import { SolventError } from '../../math/errors.js';
import { divRound, max, min, Rounding } from '../../math/mulDiv.js';
import { BPS, WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { readBigint, readBigintOr, readObject } from '../fields.js';

/** Parameters of the dynamic incentive. */
export interface DynamicIncentiveParams {
  /** Bonus before the volatility and gas parts, bps. */
  readonly baseBps: bigint;
  /** Bps added per 1.0 (100 %/year) of annualized σ of the collateral sold. */
  readonly sigmaSlopeBps: bigint;
  /** Bounds of the bonus, bps (minBps ≤ maxBps ≤ 5,000). */
  readonly minBps: bigint;
  readonly maxBps: bigint;
  /** ε of I > C_gas + ε, whole USD. */
  readonly epsilonUsd: bigint;
  /** Gas units of one liquidation transaction (an ASSUMPTION the configuration states). */
  readonly gasUnits: bigint;
}

/** The last published gas price. */
export interface GasPrice {
  /** Wei per gas unit. */
  readonly gasPriceWei: bigint;
  /** USD per ETH (the gas token), WAD. */
  readonly ethPriceUsdWad: bigint;
}

/** A change of the published gas price. */
export interface GasPricePublished {
  readonly type: 'GasPricePublished';
  readonly gasPriceWei: bigint;
  readonly ethPriceUsdWad: bigint;
}

/** Largest bonus any bound may take, bps (50 %). */
const BONUS_MAX_BPS = 5_000n;

/**
 * Reads a `dynamicIncentive` section: `{baseBps, sigmaSlopeBps?, minBps?, maxBps, epsilonUsd?,
 * gasUnits?}` (defaults: slope 0, min 0, ε $0, 400,000 gas units: an ASSUMPTION, an Aave v3
 * liquidationCall).
 * @throws InvalidParameterError naming the dotted field (`config.dynamicIncentive.maxBps`).
 */
export function parseDynamicIncentiveParams(raw: unknown, path: string): DynamicIncentiveParams {
  const o = readObject(raw, path);
  const maxBps = readBigint(o, 'maxBps', `${path}.maxBps`, { max: BONUS_MAX_BPS });
  const minBps = readBigintOr(o, 'minBps', 0n, `${path}.minBps`, {
    max: maxBps,
    expect: `bps ≤ maxBps ${maxBps}`,
  });
  return {
    baseBps: readBigint(o, 'baseBps', `${path}.baseBps`, { max: BONUS_MAX_BPS }),
    sigmaSlopeBps: readBigintOr(o, 'sigmaSlopeBps', 0n, `${path}.sigmaSlopeBps`, { max: 100_000n }),
    minBps,
    maxBps,
    epsilonUsd: readBigintOr(o, 'epsilonUsd', 0n, `${path}.epsilonUsd`, { max: 10n ** 12n }),
    gasUnits: readBigintOr(o, 'gasUnits', 400_000n, `${path}.gasUnits`, { min: 1n, max: 100_000_000n }),
  };
}

function readDecimalField(
  command: Readonly<Record<string, unknown>>,
  key: string,
  decimals: number,
  path: string,
): bigint {
  const v = command[key];
  const text =
    typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : undefined;
  if (text === undefined) {
    throw new InvalidParameterError(path, `expected a decimal number, got ${String(v)}`);
  }
  try {
    return parseDecimal(text, decimals);
  } catch (e) {
    if (e instanceof SolventError) {
      throw new InvalidParameterError(
        path,
        `expected a decimal ≥ 0 with at most ${decimals} decimals, got ${text}`,
      );
    }
    throw e;
  }
}

/**
 * Reads `{gasPriceGwei, ethPriceUsd}` from a command (decimal strings or numbers: at most 9 and 18
 * decimals, so both are exact in wei and WAD).
 * @throws InvalidParameterError naming `gasPriceGwei` or `ethPriceUsd`.
 */
export function readGasPrice(command: Readonly<Record<string, unknown>>): GasPrice {
  return {
    gasPriceWei: readDecimalField(command, 'gasPriceGwei', 9, 'gasPriceGwei'),
    ethPriceUsdWad: readDecimalField(command, 'ethPriceUsd', 18, 'ethPriceUsd'),
  };
}

/**
 * Gas cost of `gasUnits` at the published price, USD WAD: gasUnits × gasPriceWei × ethPriceUsd /
 * 1e18 (wei per ETH), ceil (the cost is never understated, so the bonus covers it).
 */
export function gasCostUsdWad(gasUnits: bigint, gas: GasPrice): bigint {
  return divRound(gasUnits * gas.gasPriceWei * gas.ethPriceUsdWad, WAD, Rounding.Up);
}

/** Inputs of {@link dynamicIncentiveBps}. */
export interface DynamicIncentiveInput {
  readonly params: DynamicIncentiveParams;
  /** Annualized σ of the collateral sold, WAD. */
  readonly sigmaAnnualWad: bigint;
  /** Gas cost of the transaction, USD WAD (0 when no gas price was published). */
  readonly gasCostUsdWad: bigint;
  /** Debt repaid (sale) or raised (auction tab), USD WAD. */
  readonly amountUsdWad: bigint;
  /** Share of the bonus the keeper keeps, bps in (0, 10,000] (10,000 − the protocol's share). */
  readonly keeperShareBps: bigint;
}

/**
 * The bonus of one liquidation, bps (see the file header for the formula and its roundings).
 * @throws InvalidParameterError when keeperShareBps is not in (0, 10,000].
 */
export function dynamicIncentiveBps(input: DynamicIncentiveInput): bigint {
  const { params } = input;
  if (input.keeperShareBps <= 0n || input.keeperShareBps > BPS) {
    throw new InvalidParameterError('keeperShareBps', `must be in (0, 10000], got ${input.keeperShareBps}`);
  }
  // Up: the volatility premium is never understated.
  const sigmaBps = divRound(params.sigmaSlopeBps * input.sigmaAnnualWad, WAD, Rounding.Up);
  const costWad = input.gasCostUsdWad + params.epsilonUsd * WAD;
  const gasBps =
    costWad === 0n
      ? 0n
      : input.amountUsdWad === 0n
        ? params.maxBps
        : // Up: the keeper's share covers gas + ε.
          divRound(costWad * BPS * BPS, input.amountUsdWad * input.keeperShareBps, Rounding.Up);
  return min(params.maxBps, max(params.minBps, params.baseBps + sigmaBps + gasBps));
}
