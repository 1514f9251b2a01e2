/**
 * Volatility-indexed thresholds (a risk oracle): each listed collateral's liquidation threshold
 * follows its annualized σ, LT* = clamp(min, max, base − ⌈slope × σ⌉), and moves toward that
 * target by at most `maxChangeBps` per update and no more often than every
 * `minSecondsBetweenChanges`, never leaving [min, max]; the initial LTV keeps its configured gap
 * below the threshold. Every change is a {@link RiskParameterUpdated} event. The bounds and rate
 * limits follow Aave's Risk Stewards, which let risk providers update parameters automatically
 * only by a bounded change per update and after a minimum delay since the last one
 * (bgd-labs/aave-proposals-v3 src/20240805_Multi_RiskStewardPhase2/RiskStewardPhase2.md).
 */
import { divRound, max, min, Rounding } from '../../math/mulDiv.js';
import { BPS, WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { readBigint, readInt, readObject } from '../fields.js';

/** How one collateral's threshold follows σ. */
export interface RiskOracleAssetParams {
  /** Threshold at σ = 0, bps. */
  readonly baseThresholdBps: bigint;
  /** Bps the threshold falls per 1.0 (100 %/year) of annualized σ. */
  readonly sigmaSlopeBps: bigint;
  /** Bounds the threshold never leaves, bps. */
  readonly minThresholdBps: bigint;
  readonly maxThresholdBps: bigint;
}

/** The risk oracle's parameters. */
export interface RiskOracleParams {
  readonly collateral: Readonly<Record<string, RiskOracleAssetParams>>;
  /** Largest move of one threshold per update, bps (≥ 1). */
  readonly maxChangeBps: bigint;
  /** Least time between two changes of one threshold, seconds (≥ 0). */
  readonly minSecondsBetweenChanges: number;
}

/** A threshold (and the initial LTV that follows it) changed. */
export interface RiskParameterUpdated {
  readonly type: 'RiskParameterUpdated';
  readonly asset: string;
  readonly previousLiquidationThresholdBps: bigint;
  readonly liquidationThresholdBps: bigint;
  readonly initialLtvBps: bigint;
  /** Where the threshold is heading (the clamped σ target), bps. */
  readonly targetThresholdBps: bigint;
  readonly sigmaAnnualWad: bigint;
}

/** The configured threshold and initial LTV of a collateral, bps. */
export interface ConfiguredThresholds {
  readonly liquidationThresholdBps: bigint;
  readonly initialLtvBps: bigint;
}

/**
 * Reads a `riskOracle` section: `{collateral: {<asset>: {baseThresholdBps, sigmaSlopeBps,
 * minThresholdBps, maxThresholdBps}}, maxChangeBps, minSecondsBetweenChanges}`. Each asset must be a
 * configured collateral whose threshold lies in [min, max], and min must leave room for the
 * asset's LTV gap (LT − LTV).
 * @throws InvalidParameterError naming the dotted field (`config.riskOracle.collateral.ETH.minThresholdBps`).
 */
export function parseRiskOracleParams(
  raw: unknown,
  path: string,
  configured: Readonly<Record<string, ConfiguredThresholds>>,
): RiskOracleParams {
  const o = readObject(raw, path);
  const assetsRaw = readObject(o.collateral, `${path}.collateral`);
  const collateral: Record<string, RiskOracleAssetParams> = {};
  for (const [asset, value] of Object.entries(assetsRaw)) {
    const p = `${path}.collateral.${asset}`;
    const now = configured[asset];
    if (now === undefined) throw new InvalidParameterError(p, `${asset} is not a configured collateral`);
    const a = readObject(value, p);
    const maxThresholdBps = readBigint(a, 'maxThresholdBps', `${p}.maxThresholdBps`, {
      min: now.liquidationThresholdBps,
      max: BPS,
      expect: `bps in [the configured threshold ${now.liquidationThresholdBps}, 10000]`,
    });
    const gap = now.liquidationThresholdBps - now.initialLtvBps;
    const minThresholdBps = readBigint(a, 'minThresholdBps', `${p}.minThresholdBps`, {
      min: gap + 1n,
      max: now.liquidationThresholdBps,
      expect: `bps in [${gap + 1n} (the LTV gap + 1), the configured threshold ${now.liquidationThresholdBps}]`,
    });
    collateral[asset] = {
      baseThresholdBps: readBigint(a, 'baseThresholdBps', `${p}.baseThresholdBps`, { max: BPS }),
      sigmaSlopeBps: readBigint(a, 'sigmaSlopeBps', `${p}.sigmaSlopeBps`, { max: 100_000n }),
      minThresholdBps,
      maxThresholdBps,
    };
  }
  if (Object.keys(collateral).length === 0) {
    throw new InvalidParameterError(`${path}.collateral`, 'list at least one collateral');
  }
  return {
    collateral,
    maxChangeBps: readBigint(o, 'maxChangeBps', `${path}.maxChangeBps`, { min: 1n, max: BPS }),
    minSecondsBetweenChanges: readInt(o, 'minSecondsBetweenChanges', `${path}.minSecondsBetweenChanges`, {
      max: 366 * 86_400,
    }),
  };
}

/**
 * The threshold σ points to, bps: clamp(min, max, base − ⌈slope × σ⌉) (σ in WAD; the ceil lowers
 * the threshold, in the protocol's favour; below 0 counts as 0 before the clamp).
 */
export function targetThresholdBps(params: RiskOracleAssetParams, sigmaAnnualWad: bigint): bigint {
  const drop = divRound(params.sigmaSlopeBps * sigmaAnnualWad, WAD, Rounding.Up);
  const raw = params.baseThresholdBps > drop ? params.baseThresholdBps - drop : 0n;
  return min(params.maxThresholdBps, max(params.minThresholdBps, raw));
}

/** Inputs of {@link nextThresholdBps}. */
export interface ThresholdStep {
  readonly currentBps: bigint;
  readonly targetBps: bigint;
  readonly maxChangeBps: bigint;
  /** Last change of this threshold, seconds; undefined when it never changed. */
  readonly lastChangeAtSeconds: number | undefined;
  readonly nowSeconds: number;
  readonly minSecondsBetweenChanges: number;
}

/**
 * The threshold after one update, or undefined when it does not change (already at target, or too
 * soon after the last change): current moved toward target by at most maxChangeBps. Since both
 * current and target lie in [min, max], so does the result.
 */
export function nextThresholdBps(step: ThresholdStep): bigint | undefined {
  if (step.targetBps === step.currentBps) return undefined;
  if (
    step.lastChangeAtSeconds !== undefined &&
    step.nowSeconds - step.lastChangeAtSeconds < step.minSecondsBetweenChanges
  ) {
    return undefined;
  }
  if (step.targetBps > step.currentBps) return min(step.targetBps, step.currentBps + step.maxChangeBps);
  return max(step.targetBps, step.currentBps - step.maxChangeBps);
}

/** The initial LTV that keeps the configured gap below a threshold, bps (never below 0). */
export function ltvForThresholdBps(thresholdBps: bigint, configured: ConfiguredThresholds): bigint {
  const gap = configured.liquidationThresholdBps - configured.initialLtvBps;
  return thresholdBps > gap ? thresholdBps - gap : 0n;
}
