/**
 * The configuration of a protocol composed from the engine's stages ("compose your own"): which
 * health predicate, sizing, execution, incentive and loss waterfall, with their parameters. Read
 * from plain parsed JSON or YAML; every error names the dotted field.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readBigintOr, readEnum, readObject, readString } from '../../engine/fields.js';
import {
  type DynamicIncentiveParams,
  parseDynamicIncentiveParams,
} from '../../engine/stages/dynamicIncentive.js';
import { type PredictiveParams, parsePredictiveParams } from '../../engine/stages/predictive.js';
import { parseRiskOracleParams, type RiskOracleParams } from '../../engine/stages/riskOracle.js';
import { parseVolatilityParams, type VolatilityParams } from '../../engine/stages/volatility.js';
import type { LossStep } from '../../engine/waterfall.js';
import { BPS, WAD } from '../../math/units.js';
import { type AbacusCurve, formatCalc, parseCalc } from '../maker/math/abaci.js';

/** Per-collateral risk parameters of a composed lending market. */
export interface ComposedCollateral {
  /** Liquidation threshold in bps (health counts value × LT). */
  readonly liquidationThresholdBps: bigint;
  /** Initial LTV in bps (borrowing and withdrawals must keep debt ≤ value × LTV). */
  readonly initialLtvBps: bigint;
}

/** How much of the debt one liquidation covers. */
export type ComposedSizing =
  | { readonly kind: 'whole' }
  /** `closeFactorBps` of the debt, the whole debt when health is below `fullBelowHealthWad` (Aave). */
  | { readonly kind: 'closeFactor'; readonly closeFactorBps: bigint; readonly fullBelowHealthWad: bigint }
  /** The least debt whose liquidation lifts health back to `targetHealthWad` (whole if it cannot). */
  | { readonly kind: 'partialToTarget'; readonly targetHealthWad: bigint };

/** How the seized collateral is sold. */
export type ComposedExecution =
  /** The liquidator repays debt and takes collateral at the oracle price plus a bonus (Aave, Euler). */
  | { readonly kind: 'fixedDiscount'; readonly bonusBps: bigint }
  /**
   * A Dutch auction (Maker Clipper): starts at oracle price × buf, falls along `curve`, needs a reset
   * after `tailSeconds` or below `cuspBps` of the start; the tab is the debt plus `penaltyBps`.
   */
  | {
      readonly kind: 'dutchAuction';
      readonly curve: AbacusCurve;
      readonly bufBps: bigint;
      readonly tailSeconds: bigint;
      readonly cuspBps: bigint;
      readonly penaltyBps: bigint;
    };

/** Who is paid for acting. */
export interface ComposedIncentive {
  /** Share of the bonus (fixed discount) or penalty (auction) kept by the protocol, bps. */
  readonly protocolShareBps: bigint;
  /** Flat keeper reward per auction start or reset, debt-asset smallest units, paid from reserves. */
  readonly keeperTip: bigint;
  /** Keeper reward per auction start as a share of the tab, bps, paid from reserves. */
  readonly keeperChipBps: bigint;
}

/** A lending market composed from stages. */
export interface ComposedLendingConfig {
  readonly kind: 'lending';
  /** Model id (`solvent run` scripts and reports name it). */
  readonly id: string;
  readonly title: string;
  /** The one borrowable asset. */
  readonly debtAsset: string;
  readonly collateral: Readonly<Record<string, ComposedCollateral>>;
  /** Trigger: health < 1; during an oracle outage grace period only below this health (WAD). */
  readonly trigger: { readonly graceHealthThresholdWad: bigint };
  readonly sizing: ComposedSizing;
  readonly execution: ComposedExecution;
  readonly incentive: ComposedIncentive;
  /** Where unrecoverable debt goes, in order; ends with `deficit` or `socialize`. */
  readonly lossWaterfall: readonly LossStep[];
  /**
   * Volatility estimate (optional; needed by `predictive`, `riskOracle` and a `dynamicIncentive`
   * with a σ slope). The `updateRisk` command (anyone may send it, e.g. every block or minute)
   * folds the oracle price of every collateral into an annualized variance:
   * `{model: ewma, lambdaWad, initialSigmaWad, minSampleSeconds?}` (v ← λv + (1 − λ)·r²·YEAR/Δt) or
   * `{model: garch, omegaWad, alphaWad, betaWad, initialSigmaWad, minSampleSeconds?}`
   * (v ← ω + α·r²·YEAR/Δt + βv); see src/engine/stages/volatility.ts. Every update is a
   * `VolatilityUpdated` event.
   */
  readonly volatility?: VolatilityParams;
  /**
   * Predictive liquidation (optional): at each `updateRisk`, an account whose probability of
   * reaching health 1 within `horizonSeconds`, 2Φ(−ln(health)/(σ√T)) (driftless GBM, reflection
   * principle), is at least `softCallProbabilityWad` gets a `SoftMarginCalled` event (once per
   * episode; `SoftMarginCallCleared` when it recovers above H*·(1 + `clearMarginBps`/10⁴),
   * `clearMarginBps` optional, default 0). `deleverage {account, keeper}` (any keeper)
   * then repays at most `stepBps` of its debt for collateral at `preBonusBps`, once per
   * `cooldownSeconds`, while health is in [1, `preHealthWad`) or the probability is at or above the
   * threshold; below health 1 only `liquidate` applies. See src/engine/stages/predictive.ts.
   */
  readonly predictive?: PredictiveParams;
  /**
   * Dynamic penalty and keeper reward (optional): each liquidation's bonus (fixed discount) or the
   * keeper reward of an auction start or reset (Dutch auction, in bps of the tab, paid from
   * reserves in place of keeperTip + keeperChipBps), in bps:
   *
   *   bonusBps = clamp(minBps, maxBps, baseBps + ⌈sigmaSlopeBps·σ⌉ + ⌈(C_gas + ε)·10⁸ / (A·s)⌉)
   *
   * with σ the sold collateral's annualized σ (WAD, as a fraction), C_gas = gasUnits × the last
   * published gas price (wei) × its ETH price / 1e18 (USD WAD, ceil; 0 before any is published),
   * ε = `epsilonUsd` (whole USD), A the debt repaid (sale) or the tab (auction) in USD WAD, s the
   * keeper's share of the bonus in bps (10⁴ − protocolShareBps for a sale, 10⁴ for an auction
   * reward). Every rounding is Up, so the keeper's share pays C_gas + ε unless `maxBps` binds.
   * Partial-to-target sizing sizes with `maxBps`. The gas price arrives with `publishGasPrice
   * {gasPriceGwei, ethPriceUsd}` or the same fields of `updateRisk`; each change is a
   * `GasPricePublished` event. See src/engine/stages/dynamicIncentive.ts.
   */
  readonly dynamicIncentive?: DynamicIncentiveParams;
  /**
   * Volatility-indexed thresholds (optional): at each `updateRisk` the liquidation threshold of each
   * listed collateral moves toward clamp(min, max, base − ⌈sigmaSlopeBps·σ⌉) by at most
   * `maxChangeBps`, at most once per `minSecondsBetweenChanges`; the initial LTV keeps its
   * configured gap below it; each change is a `RiskParameterUpdated` event, and existing positions
   * are judged by the current threshold. See src/engine/stages/riskOracle.ts.
   */
  readonly riskOracle?: RiskOracleParams;
}

const LOSS_STEPS: readonly LossStep[] = ['reserves', 'insurance', 'deficit', 'socialize'];
const BPS_MAX = 10_000n;

function readSizing(raw: unknown, path: string): ComposedSizing {
  const o = readObject(raw, path);
  const kind = readEnum(o, 'kind', ['whole', 'closeFactor', 'partialToTarget'] as const, `${path}.kind`);
  if (kind === 'whole') return { kind };
  if (kind === 'closeFactor') {
    return {
      kind,
      closeFactorBps: readBigint(o, 'closeFactorBps', `${path}.closeFactorBps`, { min: 1n, max: BPS_MAX }),
      fullBelowHealthWad: readBigintOr(o, 'fullBelowHealthWad', 0n, `${path}.fullBelowHealthWad`, {
        max: WAD,
      }),
    };
  }
  return {
    kind,
    targetHealthWad: readBigint(o, 'targetHealthWad', `${path}.targetHealthWad`, {
      min: WAD + 1n,
      max: 10n * WAD,
      expect: 'a WAD health in (1e18, 1e19]: the target must lie above the liquidation threshold',
    }),
  };
}

/** A curve as text (`"StairstepExponentialDecrease cut=0.99 step=90"`) or as its parsed object. */
function readCurve(raw: unknown, path: string): AbacusCurve {
  if (typeof raw === 'string') return parseCalc(raw, path);
  if (raw !== null && typeof raw === 'object' && typeof (raw as { kind?: unknown }).kind === 'string') {
    // Already parsed (a configuration passed on as an object): check it as strictly as the text.
    return parseCalc(formatCalc(raw as AbacusCurve), path);
  }
  throw new InvalidParameterError(
    path,
    'expected a curve such as "StairstepExponentialDecrease cut=0.99 step=90"',
  );
}

function readExecution(raw: unknown, path: string): ComposedExecution {
  const o = readObject(raw, path);
  const kind = readEnum(o, 'kind', ['fixedDiscount', 'dutchAuction'] as const, `${path}.kind`);
  if (kind === 'fixedDiscount') {
    return { kind, bonusBps: readBigint(o, 'bonusBps', `${path}.bonusBps`, { max: 5_000n }) };
  }
  const curve = readCurve(o.curve, `${path}.curve`);
  const bufBps = readBigint(o, 'bufBps', `${path}.bufBps`, {
    min: BPS_MAX,
    max: 5n * BPS_MAX,
    expect: 'bps in [10000, 50000] (the auction starts at or above the oracle price)',
  });
  const cuspBps = readBigint(o, 'cuspBps', `${path}.cuspBps`, { max: BPS_MAX, expect: 'bps ≤ 10000' });
  return {
    kind,
    curve,
    bufBps,
    tailSeconds: readBigint(o, 'tailSeconds', `${path}.tailSeconds`, { min: 1n }),
    cuspBps,
    penaltyBps: readBigint(o, 'penaltyBps', `${path}.penaltyBps`, { max: 5_000n }),
  };
}

function readLossWaterfall(raw: unknown, path: string): LossStep[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidParameterError(
      path,
      'expected a non-empty list of steps (reserves, insurance, deficit, socialize)',
    );
  }
  const steps = raw.map((step, i) => readEnum({ step }, 'step', LOSS_STEPS, `${path}[${i}]`));
  const last = steps[steps.length - 1];
  if (last !== 'deficit' && last !== 'socialize') {
    throw new InvalidParameterError(
      `${path}[${steps.length - 1}]`,
      'the last step must be deficit or socialize',
    );
  }
  if (new Set(steps).size !== steps.length) throw new InvalidParameterError(path, 'a step appears twice');
  return steps;
}

/**
 * Validates a composed lending configuration (parsed JSON or YAML).
 * @throws InvalidParameterError naming the dotted field, e.g. `config.collateral.WETH.initialLtvBps`.
 */
export function parseComposedLendingConfig(raw: unknown, path = 'config'): ComposedLendingConfig {
  const o = readObject(raw, path);
  readEnum(o, 'kind', ['lending'] as const, `${path}.kind`);
  const id = readString(o, 'id', `${path}.id`);
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) {
    throw new InvalidParameterError(`${path}.id`, 'use lower-case letters, digits, dots and dashes');
  }
  const debtAsset = readString(o, 'debtAsset', `${path}.debtAsset`);
  const collateralRaw = readObject(o.collateral, `${path}.collateral`);
  const collateral: Record<string, ComposedCollateral> = {};
  for (const [asset, value] of Object.entries(collateralRaw)) {
    const p = `${path}.collateral.${asset}`;
    const c = readObject(value, p);
    const liquidationThresholdBps = readBigint(c, 'liquidationThresholdBps', `${p}.liquidationThresholdBps`, {
      min: 1n,
      max: BPS_MAX,
      expect: 'bps in [1, 10000] (a threshold above 100% would lend more than the collateral is worth)',
    });
    const initialLtvBps = readBigint(c, 'initialLtvBps', `${p}.initialLtvBps`, {
      max: liquidationThresholdBps,
      expect: `bps ≤ the liquidation threshold ${liquidationThresholdBps}`,
    });
    collateral[asset] = { liquidationThresholdBps, initialLtvBps };
  }
  if (Object.keys(collateral).length === 0)
    throw new InvalidParameterError(`${path}.collateral`, 'list at least one asset');
  if (Object.hasOwn(collateral, debtAsset)) {
    throw new InvalidParameterError(
      `${path}.collateral.${debtAsset}`,
      'the debt asset cannot also be collateral',
    );
  }
  const trigger = o.trigger === undefined ? {} : readObject(o.trigger, `${path}.trigger`);
  const incentive = o.incentive === undefined ? {} : readObject(o.incentive, `${path}.incentive`);
  const execution = readExecution(o.execution, `${path}.execution`);
  const protocolShareBps = readBigintOr(
    incentive,
    'protocolShareBps',
    0n,
    `${path}.incentive.protocolShareBps`,
    { max: BPS_MAX },
  );
  const stages = readStages(o, path, { collateral, execution, protocolShareBps });
  return {
    kind: 'lending',
    id,
    title: typeof o.title === 'string' ? o.title : `Composed lending market ${id}`,
    debtAsset,
    collateral,
    trigger: {
      graceHealthThresholdWad: readBigintOr(
        trigger,
        'graceHealthThresholdWad',
        (95n * WAD) / 100n,
        `${path}.trigger.graceHealthThresholdWad`,
        { max: WAD },
      ),
    },
    sizing: readSizing(o.sizing, `${path}.sizing`),
    execution,
    incentive: {
      protocolShareBps,
      keeperTip: readBigintOr(incentive, 'keeperTip', 0n, `${path}.incentive.keeperTip`),
      keeperChipBps: readBigintOr(incentive, 'keeperChipBps', 0n, `${path}.incentive.keeperChipBps`, {
        max: 1_000n,
      }),
    },
    lossWaterfall: readLossWaterfall(o.lossWaterfall, `${path}.lossWaterfall`),
    ...stages,
  };
}

/** The optional risk stages, present only when configured (absent = the classic market). */
type ComposedStages = Pick<
  ComposedLendingConfig,
  'volatility' | 'predictive' | 'dynamicIncentive' | 'riskOracle'
>;

function readStages(
  o: Readonly<Record<string, unknown>>,
  path: string,
  market: {
    readonly collateral: Readonly<Record<string, ComposedCollateral>>;
    readonly execution: ComposedExecution;
    readonly protocolShareBps: bigint;
  },
): ComposedStages {
  const volatility =
    o.volatility === undefined ? undefined : parseVolatilityParams(o.volatility, `${path}.volatility`);
  const predictive =
    o.predictive === undefined ? undefined : parsePredictiveParams(o.predictive, `${path}.predictive`);
  const dynamicIncentive =
    o.dynamicIncentive === undefined
      ? undefined
      : parseDynamicIncentiveParams(o.dynamicIncentive, `${path}.dynamicIncentive`);
  const riskOracle =
    o.riskOracle === undefined
      ? undefined
      : parseRiskOracleParams(o.riskOracle, `${path}.riskOracle`, market.collateral);
  const needsVolatility: [string, boolean][] = [
    ['predictive', predictive !== undefined],
    ['riskOracle', riskOracle !== undefined],
    ['dynamicIncentive', dynamicIncentive !== undefined && dynamicIncentive.sigmaSlopeBps > 0n],
  ];
  for (const [section, needs] of needsVolatility) {
    if (needs && volatility === undefined) {
      throw new InvalidParameterError(
        `${path}.volatility`,
        `the ${section} section reads σ: add a volatility section`,
        'e.g. volatility: { model: ewma, lambdaWad: "970000000000000000", initialSigmaWad: "800000000000000000" }',
      );
    }
  }
  if (
    dynamicIncentive !== undefined &&
    market.execution.kind === 'fixedDiscount' &&
    market.protocolShareBps === BPS_MAX
  ) {
    throw new InvalidParameterError(
      `${path}.incentive.protocolShareBps`,
      'with a dynamicIncentive the keeper must keep a share of the bonus (below 10000)',
    );
  }
  if (predictive !== undefined) {
    // A step improves health iff health > (1 + bonus)·LT (own derivation: (W − R(1+b)LT)/(D − R) >
    // W/D); with health ≥ 1 that needs (1 + bonus)·LT < 1 at the highest threshold the asset can
    // have. Morpho requires preLIF ≥ 1 (PreLiquidation constructor); this bound is ours.
    for (const [asset, c] of Object.entries(market.collateral)) {
      const lt = riskOracle?.collateral[asset]?.maxThresholdBps ?? c.liquidationThresholdBps;
      if ((BPS + predictive.preBonusBps) * lt >= BPS * BPS) {
        throw new InvalidParameterError(
          `${path}.predictive.preBonusBps`,
          `(1 + bonus) × the ${asset} threshold ${lt} bps must stay below 100 % so a step raises health`,
        );
      }
    }
  }
  return {
    ...(volatility === undefined ? {} : { volatility }),
    ...(predictive === undefined ? {} : { predictive }),
    ...(dynamicIncentive === undefined ? {} : { dynamicIncentive }),
    ...(riskOracle === undefined ? {} : { riskOracle }),
  };
}

/** The configuration as JSON (bigints as decimal strings, the curve as its text form). */
export function composedLendingConfigToJson(config: ComposedLendingConfig): Record<string, unknown> {
  const json = JSON.parse(
    JSON.stringify(config, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as Record<string, unknown>;
  if (config.execution.kind === 'dutchAuction') {
    json.execution = {
      ...(json.execution as Record<string, unknown>),
      curve: formatCalc(config.execution.curve),
    };
  }
  return json;
}
