/**
 * A lending market composed from the engine's stages, as its configuration chooses them: the
 * health-factor trigger (with the oracle's grace period), whole / close-factor / partial-to-target
 * sizing, a fixed-discount sale or a Dutch auction, bonus and keeper incentives, and a loss
 * waterfall over reserves, the insurance fund, the deficit ledger and socialization.
 *
 * Ledger mapping: lenders' liquidity sits in `pool` (debt asset); borrowers' collateral in
 * `acct:<id>`; debt claims (`<debt>.debt`) in `debt:<id>`, in `auction:<n>` while an auction
 * sells for them, then back to `mint` when repaid; a borrower's borrowed tokens in `wallet:<id>`;
 * liquidators and buyers pay from and receive into `wallet:<actor>`; the protocol's share of
 * bonuses and penalties goes to `protocol`, which also pays keeper rewards; unrecovered debt goes
 * through the configured waterfall (`insurance`, `deficit`, `socialized`).
 *
 * Optional risk stages (each a configuration section, absent = the classic market bit for bit; see
 * config.ts): a volatility estimate folded by the `updateRisk` poke; predictive liquidation (soft
 * margin calls and `deleverage` steps, a second LiquidationStages value run through
 * runLiquidation: the keeper repays part of the debt from `wallet:<keeper>` and receives collateral
 * at the pre-bonus, no protocol share); a dynamic bonus or auction keeper reward from the published
 * gas price and σ; and volatility-indexed thresholds that every health reading uses.
 */
import {
  type AccountHealth,
  debtClaimAsset,
  type EngineState,
  type InvariantCheck,
  type ProtocolModel,
  requireAsset,
} from '../../engine/engine.js';
import {
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { readBigint, readInt, readOptionalString, readString } from '../../engine/fields.js';
import { applyMove, balanceOf, type Moved, moved } from '../../engine/ledger.js';
import type { Command, EngineEvent, Recorded } from '../../engine/machine.js';
import {
  accountValues,
  healthFactorWad,
  isLiquidatable,
  MAX_HEALTH,
  type MarginAccount,
  valueWad,
} from '../../engine/margin.js';
import { requireLiquidationAllowed, spotPrice } from '../../engine/oracle.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import {
  type DynamicIncentiveParams,
  dynamicIncentiveBps,
  type GasPrice,
  type GasPricePublished,
  gasCostUsdWad,
  readGasPrice,
} from '../../engine/stages/dynamicIncentive.js';
import {
  barrierHitProbabilityWad,
  basketSigmaWad,
  type Deleveraged,
  type DeleverageReason,
  deleverageReason,
  deleverageRepay,
  type PredictiveParams,
  type SoftMarginCallCleared,
  type SoftMarginCalled,
  softCallHealthWad,
  softCallTransition,
} from '../../engine/stages/predictive.js';
import {
  ltvForThresholdBps,
  nextThresholdBps,
  type RiskParameterUpdated,
  targetThresholdBps,
} from '../../engine/stages/riskOracle.js';
import {
  anchorVolatility,
  foldVolatility,
  initialVarianceWad,
  sigmaAnnualWad,
  sigmaOverHorizonWad,
  type VolatilityEstimate,
  type VolatilityUpdated,
} from '../../engine/stages/volatility.js';
import { absorbLoss } from '../../engine/waterfall.js';
import { assert, SolventError } from '../../math/errors.js';
import { divRound, min, mulDiv, Rounding } from '../../math/mulDiv.js';
import { BPS, pow10, RAY, WAD } from '../../math/units.js';
import { auctionStatus } from '../maker/math/clipper.js';
import { type ComposedLendingConfig, parseComposedLendingConfig } from './config.js';

/** One running auction of a composed market. */
export interface ComposedAuction {
  readonly id: number;
  readonly account: string;
  readonly asset: string;
  /** Collateral left to sell, collateral smallest units (equals the `auction:<id>` bucket). */
  readonly lot: bigint;
  /** Debt claims the auction still has to repay, debt smallest units (the bucket's claims). */
  readonly claims: bigint;
  /** Debt-asset units still to raise: claims plus the unpaid penalty. */
  readonly tab: bigint;
  /** Start price, RAY debt tokens per whole collateral token. */
  readonly topRay: bigint;
  readonly startedAtSeconds: number;
}

/** A collateral's threshold as the risk oracle last set it. */
export interface ComposedThresholdState {
  readonly liquidationThresholdBps: bigint;
  readonly initialLtvBps: bigint;
  readonly changedAtSeconds: number;
}

/**
 * State of the optional risk stages (volatility, predictive, dynamic incentive, risk oracle),
 * present only once one of their events happened (absent: the classic market, bit for bit).
 */
export interface ComposedRiskState {
  /** Volatility estimate per collateral (absent before its first `updateRisk`). */
  readonly volatility: Readonly<Record<string, VolatilityEstimate>>;
  /** Thresholds the risk oracle moved (absent: the configured ones). */
  readonly thresholds: Readonly<Record<string, ComposedThresholdState>>;
  /** Last published gas price (null before any). */
  readonly gas: GasPrice | null;
  /** Accounts in a soft-margin-call episode. */
  readonly softCalled: Readonly<Record<string, true>>;
  /** Time of each account's last de-leveraging step, seconds. */
  readonly lastDeleverageAtSeconds: Readonly<Record<string, number>>;
  /** Soft margin calls sent, de-leveraging steps and the debt they repaid (debt units). */
  readonly softMarginCalls: number;
  readonly deleverages: number;
  readonly deleveragedDebt: bigint;
  /** Automatic parameter changes: risk-oracle thresholds and published gas prices. */
  readonly parameterUpdates: number;
}

/** Model state of a composed lending market. */
export interface ComposedLendingExt {
  readonly config: ComposedLendingConfig | null;
  /** Accounts that have ever deposited, sorted on read. */
  readonly accounts: Readonly<Record<string, true>>;
  readonly auctions: Readonly<Record<string, ComposedAuction>>;
  readonly nextAuctionId: number;
  readonly liquidations: number;
  /** The risk stages' state; absent until one of them acts. */
  readonly risk?: ComposedRiskState;
}

/** The risk state before any risk event. */
const EMPTY_RISK: ComposedRiskState = {
  volatility: {},
  thresholds: {},
  gas: null,
  softCalled: {},
  lastDeleverageAtSeconds: {},
  softMarginCalls: 0,
  deleverages: 0,
  deleveragedDebt: 0n,
  parameterUpdates: 0,
};

/** The risk stages' state of a market (the empty one before any risk event). */
export function composedRiskState(ext: ComposedLendingExt): ComposedRiskState {
  return ext.risk ?? EMPTY_RISK;
}

type State = EngineState<ComposedLendingExt>;

/** Events of the composed lending model (beside the engine's `Moved`). */
export type ComposedLendingEvent =
  | { readonly type: 'ComposedConfigured'; readonly config: ComposedLendingConfig }
  | { readonly type: 'ComposedAccountOpened'; readonly account: string }
  | {
      readonly type: 'ComposedLiquidated';
      readonly account: string;
      readonly liquidator: string;
      readonly asset: string;
      readonly repaid: bigint;
      readonly seized: bigint;
      readonly protocolFee: bigint;
      readonly shortfall: bigint;
      /** The bonus applied, bps: present only with a dynamicIncentive section. */
      readonly bonusBps?: bigint;
    }
  | {
      readonly type: 'ComposedAuctionStarted';
      readonly auction: ComposedAuction;
      readonly keeperReward: bigint;
    }
  | {
      readonly type: 'ComposedAuctionTaken';
      readonly id: number;
      readonly buyer: string;
      readonly priceRay: bigint;
      readonly slice: bigint;
      readonly owe: bigint;
      readonly lotAfter: bigint;
      readonly claimsAfter: bigint;
      readonly tabAfter: bigint;
      readonly shortfall: bigint;
      readonly closed: boolean;
    }
  | {
      readonly type: 'ComposedAuctionReset';
      readonly id: number;
      readonly topRay: bigint;
      readonly atSeconds: number;
      readonly keeperReward: bigint;
    }
  | VolatilityUpdated
  | GasPricePublished
  | RiskParameterUpdated
  | SoftMarginCalled
  | SoftMarginCallCleared
  | Deleveraged;

const COMMANDS = [
  'configure',
  'supply',
  'deposit',
  'withdraw',
  'borrow',
  'repay',
  'liquidate',
  'take',
  'redo',
  'updateRisk',
  'publishGasPrice',
  'deleverage',
];

function requireConfig(state: State, command: string): ComposedLendingConfig {
  if (state.ext.config === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.config;
}

function requireOpen(state: State, account: string): void {
  if (!Object.hasOwn(state.ext.accounts, account)) throw new UnknownAccountError(account);
}

function price(state: State, asset: string, nowSeconds: number): { price: bigint; decimals: number } {
  const reading = spotPrice(state.oracle, asset, nowSeconds);
  return { price: reading.price, decimals: reading.priceDecimals };
}

/**
 * A collateral's current liquidation threshold and initial LTV, bps: the risk oracle's when it
 * moved them, else the configured ones.
 * @throws NotConfiguredError before `configure`; InvalidParameterError for an asset that is not
 * collateral.
 */
export function composedThresholds(
  state: State,
  asset: string,
): { readonly liquidationThresholdBps: bigint; readonly initialLtvBps: bigint } {
  const config = requireConfig(state, 'thresholds');
  const moved = state.ext.risk?.thresholds[asset];
  if (moved !== undefined) return moved;
  const configured = config.collateral[asset];
  if (configured === undefined) {
    throw new InvalidParameterError('asset', `${asset} is not a collateral of ${config.id}`);
  }
  return configured;
}

/** The account as the margin calculus sees it, at the oracle's prices and current thresholds. */
export function composedMarginAccount(state: State, account: string, nowSeconds: number): MarginAccount {
  const config = requireConfig(state, 'marginAccount');
  const moved = state.ext.risk?.thresholds ?? {};
  const collateral = Object.entries(config.collateral)
    .filter(([asset]) => balanceOf(state.ledger, `acct:${account}`, asset) > 0n)
    .map(([asset, configured]) => {
      const p = price(state, asset, nowSeconds);
      const risk = moved[asset] ?? configured;
      return {
        asset,
        amount: balanceOf(state.ledger, `acct:${account}`, asset),
        decimals: requireAsset(state, asset).decimals,
        price: p.price,
        priceDecimals: p.decimals,
        liquidationThresholdBps: risk.liquidationThresholdBps,
        initialLtvBps: risk.initialLtvBps,
      };
    });
  const owed = balanceOf(state.ledger, `debt:${account}`, debtClaimAsset(config.debtAsset));
  const debtPrice = owed > 0n ? price(state, config.debtAsset, nowSeconds) : { price: 0n, decimals: 0 };
  return {
    collateral,
    debt:
      owed > 0n
        ? [
            {
              asset: config.debtAsset,
              amount: owed,
              decimals: requireAsset(state, config.debtAsset).decimals,
              price: debtPrice.price,
              priceDecimals: debtPrice.decimals,
            },
          ]
        : [],
  };
}

/** Refuses when debt would exceed the borrow capacity (Σ value × initial LTV). */
function requireInitialMargin(state: State, account: string, nowSeconds: number, detail: string): void {
  const values = accountValues(composedMarginAccount(state, account, nowSeconds));
  if (values.debtValueWad > values.borrowCapacityWad) {
    throw new InsufficientMarginError(
      account,
      `${detail}: debt ${values.debtValueWad} exceeds borrow capacity ${values.borrowCapacityWad} (USD WAD)`,
    );
  }
}

/** Like `state` with the moves applied, for post-trade checks inside decide. */
function withMoves(state: State, moves: readonly Moved[]): State {
  return { ...state, ledger: moves.reduce(applyMove, state.ledger) };
}

// ---------------------------------------------------------------------------------------------
// liquidation stages
// ---------------------------------------------------------------------------------------------

/** A liquidation request: whose account, who acts, which collateral. */
export interface ComposedLiquidationRequest {
  readonly account: string;
  readonly liquidator: string;
  readonly collateralAsset: string | undefined;
  readonly nowSeconds: number;
}

/** What the trigger learnt. */
export interface ComposedTriggered {
  readonly config: ComposedLendingConfig;
  readonly margin: MarginAccount;
  readonly healthWad: bigint;
  /** The collateral to sell: the one asked for, else the one worth most. */
  readonly asset: string;
  readonly debt: bigint;
}

/** Trigger: health < 1 (strict), and the oracle must allow it (breakers, grace period). */
export function composedTrigger(state: State, request: ComposedLiquidationRequest): ComposedTriggered {
  const config = requireConfig(state, 'liquidate');
  requireOpen(state, request.account);
  const margin = composedMarginAccount(state, request.account, request.nowSeconds);
  const debt = margin.debt[0]?.amount ?? 0n;
  if (debt === 0n) throw new PositionNotLiquidatableError(request.account, 'it has no debt');
  if (!isLiquidatable(margin)) {
    throw new PositionNotLiquidatableError(
      request.account,
      `health ${healthFactorWad(margin)} (WAD) is not below 1e18`,
    );
  }
  const healthWad = healthFactorWad(margin);
  for (const line of margin.collateral) {
    requireLiquidationAllowed(state.oracle, line.asset, request.nowSeconds, {
      healthWad,
      graceHealthThresholdWad: config.trigger.graceHealthThresholdWad,
    });
  }
  // No collateral left anywhere: the liquidation only writes the debt off through the waterfall.
  if (margin.collateral.length === 0) return { config, margin, healthWad, asset: '', debt };
  return { config, margin, healthWad, asset: assetToSell(margin, request), debt };
}

/** The collateral to sell: the one asked for, else the one worth most. */
function assetToSell(margin: MarginAccount, request: ComposedLiquidationRequest): string {
  let asset = request.collateralAsset;
  if (asset === undefined) {
    let best = -1n;
    for (const line of margin.collateral) {
      const v = valueWad(line.amount, line.decimals, line.price, line.priceDecimals, Rounding.Down);
      if (v > best) {
        best = v;
        asset = line.asset;
      }
    }
  }
  if (asset === undefined || !margin.collateral.some((l) => l.asset === asset)) {
    throw new InvalidParameterError(
      'collateralAsset',
      `account ${request.account} holds no ${asset ?? 'collateral'}`,
    );
  }
  return asset;
}

// ---------------------------------------------------------------------------------------------
// risk readings (volatility, gas, soft-call health)
// ---------------------------------------------------------------------------------------------

/**
 * An asset's annualized variance, WAD: its estimate after the last `updateRisk`, else the
 * configuration's initial σ² (0 without a volatility section).
 */
function varianceOf(state: State, config: ComposedLendingConfig, asset: string): bigint {
  const estimate = state.ext.risk?.volatility[asset];
  if (estimate !== undefined) return estimate.varianceAnnualWad;
  return config.volatility === undefined ? 0n : initialVarianceWad(config.volatility);
}

/**
 * An asset's annualized σ as the risk stages read it, WAD (ceil): from the last `updateRisk`, else
 * the configured initial σ; 0 without a volatility section.
 * @throws NotConfiguredError before `configure`.
 */
export function composedSigmaAnnualWad(state: State, asset: string): bigint {
  return sigmaAnnualWad(varianceOf(state, requireConfig(state, 'sigma'), asset));
}

/**
 * σ√T of an account over the predictive horizon, WAD: its collaterals' σ averaged by weighted
 * value (perfect correlation, {@link basketSigmaWad}), squared (ceil) and scaled to the horizon.
 */
function accountSigmaOverHorizonWad(
  state: State,
  config: ComposedLendingConfig,
  predictive: PredictiveParams,
  margin: MarginAccount,
): bigint {
  if (margin.collateral.length === 1) {
    const only = margin.collateral[0] as MarginAccount['collateral'][number];
    return sigmaOverHorizonWad(varianceOf(state, config, only.asset), predictive.horizonSeconds);
  }
  const sigma = basketSigmaWad(
    margin.collateral.map((line) => ({
      weightWad:
        valueWad(line.amount, line.decimals, line.price, line.priceDecimals, Rounding.Down) *
        line.liquidationThresholdBps,
      sigmaAnnualWad: sigmaAnnualWad(varianceOf(state, config, line.asset)),
    })),
  );
  // Up: the basket variance is never understated.
  return sigmaOverHorizonWad(mulDiv(sigma, sigma, WAD, Rounding.Up), predictive.horizonSeconds);
}

/** What the predictive stage reads of one account now. */
export interface ComposedPredictiveReading {
  readonly healthWad: bigint;
  /** σ√T over the horizon, WAD. */
  readonly sigmaOverHorizonWad: bigint;
  /** H*: at or below it the probability of reaching health 1 within the horizon passes the threshold. */
  readonly softCallHealthWad: bigint;
}

/**
 * The predictive reading of an account with debt (health, σ√T, soft-call health H*), or undefined
 * without a predictive section or without debt.
 * @throws the oracle's errors (stale feed) and NotConfiguredError before `configure`.
 */
export function composedPredictiveReading(
  state: State,
  margin: MarginAccount,
): ComposedPredictiveReading | undefined {
  const config = requireConfig(state, 'predictive');
  const predictive = config.predictive;
  if (predictive === undefined || (margin.debt[0]?.amount ?? 0n) === 0n) return undefined;
  const sigmaOverHorizon = accountSigmaOverHorizonWad(state, config, predictive, margin);
  return {
    healthWad: healthFactorWad(margin),
    sigmaOverHorizonWad: sigmaOverHorizon,
    softCallHealthWad: softCallHealthWad(sigmaOverHorizon, predictive.softCallProbabilityWad),
  };
}

/** Gas cost of one incentivised transaction at the last published gas price, USD WAD (0 before any). */
function publishedGasCostUsdWad(state: State, params: DynamicIncentiveParams): bigint {
  const gas = state.ext.risk?.gas ?? null;
  return gas === null ? 0n : gasCostUsdWad(params.gasUnits, gas);
}

/** USD WAD of `units` of the debt asset at the oracle (floor: the amount is never overstated). */
function debtUsdWad(state: State, config: ComposedLendingConfig, units: bigint, nowSeconds: number): bigint {
  const d = price(state, config.debtAsset, nowSeconds);
  return valueWad(units, requireAsset(state, config.debtAsset).decimals, d.price, d.decimals, Rounding.Down);
}

/**
 * Bonus (fixed discount) or penalty (auction) of the configured execution, bps; with a dynamic
 * incentive a sale sizes with its largest bonus, `maxBps` (a larger bonus needs a larger repay).
 */
function premiumBps(config: ComposedLendingConfig): bigint {
  if (config.execution.kind !== 'fixedDiscount') return config.execution.penaltyBps;
  return config.dynamicIncentive?.maxBps ?? config.execution.bonusBps;
}

/**
 * Sizing: debt to cover, debt smallest units. `partialToTarget` solves
 * (W − R·(1+b)·LT) / (D − R) ≥ target for the least R (USD WAD), rounded up, where W is the
 * weighted collateral, D the debt value, b the premium (the largest dynamic bonus when there is
 * one) and LT the sold asset's current threshold; when the target cannot be reached that way the
 * whole debt is covered.
 */
export function composedSizing(
  _state: State,
  _request: ComposedLiquidationRequest,
  t: ComposedTriggered,
): bigint {
  const sizing = t.config.sizing;
  if (sizing.kind === 'whole') return t.debt;
  if (sizing.kind === 'closeFactor') {
    if (t.healthWad < sizing.fullBelowHealthWad) return t.debt;
    // ceil: never less than the configured share.
    return divRound(t.debt * sizing.closeFactorBps, BPS, Rounding.Up);
  }
  const values = accountValues(t.margin);
  // The sold line's current threshold (the configured one unless a risk oracle moved it).
  const lt = t.margin.collateral.find((l) => l.asset === t.asset)?.liquidationThresholdBps ?? 0n;
  const target = sizing.targetHealthWad;
  // Everything in WAD·bps² so the comparison is exact: (1+b)·LT in bps² vs target in WAD.
  const soldWeightBps2 = (BPS + premiumBps(t.config)) * lt; // (1+b)·LT, scaled 1e8
  const targetBps2 = mulDiv(target, BPS * BPS, WAD, Rounding.Up); // t, scaled 1e8
  if (targetBps2 <= soldWeightBps2) return t.debt;
  const gap = target * values.debtValueWad - values.weightedCollateralWad * WAD; // tD − W, WAD²
  if (gap <= 0n) return 0n;
  // R (USD WAD) ≥ gap / (t − (1+b)LT): ceil, so the target is met.
  const repayUsdWad = divRound(gap * BPS * BPS, (targetBps2 - soldWeightBps2) * WAD, Rounding.Up);
  const debtLine = t.margin.debt[0];
  if (debtLine === undefined) return 0n;
  // ceil: repay at least the value found.
  const repay = divRound(
    repayUsdWad * pow10(debtLine.decimals + debtLine.priceDecimals),
    debtLine.price * WAD,
    Rounding.Up,
  );
  return min(repay, t.debt);
}

/** Execution facts for the incentive and loss stages. */
export interface ComposedExecutionDetail {
  readonly kind: 'sale' | 'auction' | 'writeOff';
  /** The collateral sold (empty for a write-off). */
  readonly asset: string;
  readonly repaid: bigint;
  readonly seized: bigint;
  /** Collateral of the sale's premium, before the protocol takes its share. */
  readonly premiumCollateral: bigint;
  readonly auction?: ComposedAuction;
  /** The dynamic bonus the sale used, bps (only with a dynamicIncentive section). */
  readonly bonusBps?: bigint;
}

function collateralFor(
  t: ComposedTriggered,
  debtUnits: bigint,
  premium: bigint,
  rounding: Rounding,
): { line: MarginAccount['collateral'][number]; amount: bigint } {
  const line = t.margin.collateral.find((l) => l.asset === t.asset);
  const debtLine = t.margin.debt[0];
  if (line === undefined || debtLine === undefined) throw new Error('composed trigger returned no lines');
  // collateral = debt × debtPrice × (1 + premium) / collPrice, in smallest units of each side.
  const amount = divRound(
    debtUnits * debtLine.price * (BPS + premium) * pow10(line.decimals + line.priceDecimals),
    pow10(debtLine.decimals + debtLine.priceDecimals) * line.price * BPS,
    rounding,
  );
  return { line, amount };
}

/** Execution: a sale at the oracle price plus bonus, or the start of a Dutch auction. */
export function composedExecution(
  state: State,
  request: ComposedLiquidationRequest,
  repay: bigint,
  t: ComposedTriggered,
): ExecutionOutcome<ComposedExecutionDetail> {
  const debtAsset = t.config.debtAsset;
  const claimAsset = debtClaimAsset(debtAsset);
  const acct = `acct:${request.account}`;
  const exec = t.config.execution;
  if (t.asset === '') {
    return {
      events: [],
      shortfall: t.debt,
      detail: { kind: 'writeOff', asset: '', repaid: 0n, seized: 0n, premiumCollateral: 0n },
    };
  }
  if (exec.kind === 'fixedDiscount') {
    const dynamic = t.config.dynamicIncentive;
    if (dynamic === undefined) return saleAtBonus(state, request, repay, t, exec.bonusBps, 'liquidation');
    const bonusBps = dynamicIncentiveBps({
      params: dynamic,
      sigmaAnnualWad: sigmaAnnualWad(varianceOf(state, t.config, t.asset)),
      gasCostUsdWad: publishedGasCostUsdWad(state, dynamic),
      amountUsdWad: debtUsdWad(state, t.config, repay, request.nowSeconds),
      keeperShareBps: BPS - t.config.incentive.protocolShareBps,
    });
    const sale = saleAtBonus(state, request, repay, t, bonusBps, 'liquidation');
    return { ...sale, detail: { ...sale.detail, bonusBps } };
  }
  // Dutch auction: lot proportional to the share of the debt covered (Maker Dog: dink = ink·dart/art).
  const line = t.margin.collateral.find((l) => l.asset === t.asset);
  const debtLine = t.margin.debt[0];
  if (line === undefined || debtLine === undefined) throw new Error('composed trigger returned no lines');
  const lot = repay === t.debt ? line.amount : divRound(line.amount * repay, t.debt, Rounding.Down);
  if (lot === 0n)
    throw new ProtocolRevertError('Composed/null-auction', 'The lot would be empty: cover more debt.');
  // ceil: the tab includes the whole penalty.
  const tab = divRound(repay * (BPS + exec.penaltyBps), BPS, Rounding.Up);
  const topRay = startPriceRay(line, debtLine, exec.bufBps);
  const id = state.ext.nextAuctionId;
  const auction: ComposedAuction = {
    id,
    account: request.account,
    asset: t.asset,
    lot,
    claims: repay,
    tab,
    topRay,
    startedAtSeconds: request.nowSeconds,
  };
  const bucket = `auction:${id}`;
  return {
    events: [
      ...moved(t.asset, acct, bucket, lot, 'kick'),
      ...moved(claimAsset, `debt:${request.account}`, bucket, repay, 'kick'),
    ],
    shortfall: 0n,
    detail: { kind: 'auction', asset: t.asset, repaid: 0n, seized: lot, premiumCollateral: 0n, auction },
  };
}

/**
 * A sale of collateral at the oracle price plus `bonusBps` for `repay` debt units: the seized
 * collateral is floored (the liquidator never receives more than the bonus allows) and, when it
 * exceeds what the account holds of that asset, capped there with the repay floored to its value
 * less the bonus. `reason` labels the moves (`liquidation`, `deleverage`).
 */
function saleAtBonus(
  state: State,
  request: ComposedLiquidationRequest,
  repay: bigint,
  t: ComposedTriggered,
  bonusBps: bigint,
  reason: 'liquidation' | 'deleverage',
): ExecutionOutcome<ComposedExecutionDetail> {
  const debtAsset = t.config.debtAsset;
  // floor: the liquidator never receives more collateral than the bonus allows.
  let { line, amount: seized } = collateralFor(t, repay, bonusBps, Rounding.Down);
  let repaid = repay;
  if (seized > line.amount) {
    seized = line.amount;
    const debtLine = t.margin.debt[0];
    if (debtLine === undefined) throw new Error('composed trigger returned no debt line');
    // floor: with all of this collateral gone, the liquidator repays its value less the bonus.
    repaid = min(
      divRound(
        seized * line.price * BPS * pow10(debtLine.decimals + debtLine.priceDecimals),
        pow10(line.decimals + line.priceDecimals) * (BPS + bonusBps) * debtLine.price,
        Rounding.Down,
      ),
      t.debt,
    );
  }
  // premium part of the seized collateral: seized − seized/(1+b), floor of the base.
  const premiumCollateral = seized - divRound(seized * BPS, BPS + bonusBps, Rounding.Up);
  const repayReason = reason === 'liquidation' ? 'liquidationRepay' : 'deleverageRepay';
  const events = [
    ...moved(debtAsset, `wallet:${request.liquidator}`, 'pool', repaid, repayReason),
    ...moved(debtClaimAsset(debtAsset), `debt:${request.account}`, 'mint', repaid, repayReason),
    ...moved(
      t.asset,
      `acct:${request.account}`,
      `wallet:${request.liquidator}`,
      seized,
      reason === 'liquidation' ? 'seize' : 'deleverageSeize',
    ),
  ];
  return {
    events,
    shortfall: shortfallAfter(state, request.account, t, seized, repaid),
    detail: { kind: 'sale', asset: t.asset, repaid, seized, premiumCollateral },
  };
}

/** Start price: oracle price of the collateral in debt tokens, × buf, RAY per whole token. */
function startPriceRay(
  line: MarginAccount['collateral'][number],
  debtLine: MarginAccount['debt'][number],
  bufBps: bigint,
): bigint {
  // floor: a start price never above buf × the oracle ratio.
  return divRound(
    line.price * pow10(debtLine.priceDecimals) * RAY * bufBps,
    debtLine.price * pow10(line.priceDecimals) * BPS,
    Rounding.Down,
  );
}

/** Debt left with no collateral at all after this sale: the loss the waterfall must place. */
function shortfallAfter(
  state: State,
  account: string,
  t: ComposedTriggered,
  seized: bigint,
  repaid: bigint,
): bigint {
  const collateralLeft = t.margin.collateral.reduce(
    (sum, l) => sum + (l.asset === t.asset ? l.amount - seized : l.amount),
    0n,
  );
  const owed = balanceOf(state.ledger, `debt:${account}`, debtClaimAsset(t.config.debtAsset)) - repaid;
  return collateralLeft === 0n && owed > 0n ? owed : 0n;
}

/** Incentive: the protocol's share of a sale's bonus; a keeper reward for starting an auction. */
export function composedIncentive(
  state: State,
  request: ComposedLiquidationRequest,
  outcome: ExecutionOutcome<ComposedExecutionDetail>,
): EngineEvent[] {
  const config = requireConfig(state, 'liquidate');
  const d = outcome.detail;
  if (d.kind !== 'auction') {
    // floor: the protocol never takes more than its share.
    const fee = divRound(d.premiumCollateral * config.incentive.protocolShareBps, BPS, Rounding.Down);
    const asset = d.asset;
    const liquidated: ComposedLendingEvent = {
      type: 'ComposedLiquidated',
      account: request.account,
      liquidator: request.liquidator,
      asset,
      repaid: d.repaid,
      seized: d.seized,
      protocolFee: fee,
      shortfall: outcome.shortfall,
      ...(d.bonusBps === undefined ? {} : { bonusBps: d.bonusBps }),
    };
    return [
      ...(fee > 0n ? moved(asset, `wallet:${request.liquidator}`, 'protocol', fee, 'protocolFee') : []),
      liquidated,
    ];
  }
  const auction = d.auction;
  if (auction === undefined) return [];
  const reward = keeperReward(state, config, auction, request.nowSeconds);
  const started: ComposedLendingEvent = { type: 'ComposedAuctionStarted', auction, keeperReward: reward };
  return [
    ...moved(config.debtAsset, 'protocol', `wallet:${request.liquidator}`, reward, 'keeperReward'),
    started,
  ];
}

/**
 * A keeper's reward for starting an auction: tip + chip × tab, or with a dynamic incentive
 * ⌈tab × bonusBps⌉ (the bonus of the tab's value, the keeper keeping all of it; ceil: it covers gas
 * + ε); paid from reserves and never more than they hold.
 */
function keeperReward(
  state: State,
  config: ComposedLendingConfig,
  { tab, asset }: { readonly tab: bigint; readonly asset: string },
  nowSeconds: number,
): bigint {
  const reserves = balanceOf(state.ledger, 'protocol', config.debtAsset);
  if (config.dynamicIncentive !== undefined) {
    return min(dynamicReward(state, config, { tab, asset }, nowSeconds), reserves);
  }
  const wanted =
    config.incentive.keeperTip + divRound(tab * config.incentive.keeperChipBps, BPS, Rounding.Down);
  return min(wanted, reserves);
}

/** ⌈tab × dynamicIncentiveBps(tab, σ of the lot)⌉, debt units (the reward before the reserves cap). */
function dynamicReward(
  state: State,
  config: ComposedLendingConfig,
  { tab, asset }: { readonly tab: bigint; readonly asset: string },
  nowSeconds: number,
): bigint {
  const dynamic = config.dynamicIncentive;
  if (dynamic === undefined) return 0n;
  const bps = dynamicIncentiveBps({
    params: dynamic,
    sigmaAnnualWad: sigmaAnnualWad(varianceOf(state, config, asset)),
    gasCostUsdWad: publishedGasCostUsdWad(state, dynamic),
    amountUsdWad: debtUsdWad(state, config, tab, nowSeconds),
    keeperShareBps: BPS,
  });
  // Up: the reward covers gas + ε (the reserves cap it).
  return divRound(tab * bps, BPS, Rounding.Up);
}

/**
 * The reward a `redo` of `auction` pays now, debt units: the flat keeper tip, or with a dynamic
 * incentive the dynamic reward on its tab; capped by the reserves.
 * @throws NotConfiguredError before `configure`; the oracle's errors with a dynamic incentive.
 */
export function composedRedoReward(state: State, auction: ComposedAuction, nowSeconds: number): bigint {
  const config = requireConfig(state, 'redo');
  const reserves = balanceOf(state.ledger, 'protocol', config.debtAsset);
  if (config.dynamicIncentive !== undefined) {
    return min(dynamicReward(state, config, auction, nowSeconds), reserves);
  }
  return min(config.incentive.keeperTip, reserves);
}

/** Loss waterfall: unrecovered debt through the configured steps. */
export function composedLossWaterfall(
  state: State,
  request: ComposedLiquidationRequest,
  outcome: ExecutionOutcome<ComposedExecutionDetail>,
): EngineEvent[] {
  if (outcome.shortfall === 0n) return [];
  const config = requireConfig(state, 'liquidate');
  return [
    ...absorbLoss({
      ledger: state.ledger,
      asset: config.debtAsset,
      claimAsset: debtClaimAsset(config.debtAsset),
      claimBucket: `debt:${request.account}`,
      amount: outcome.shortfall,
      creditorBucket: 'pool',
      steps: config.lossWaterfall,
    }).moves,
  ];
}

/** The five stages of a composed lending market. */
export const COMPOSED_LENDING_STAGES: LiquidationStages<
  State,
  ComposedLiquidationRequest,
  ComposedTriggered,
  bigint,
  ComposedExecutionDetail
> = {
  trigger: composedTrigger,
  sizing: composedSizing,
  execution: composedExecution,
  incentive: composedIncentive,
  lossWaterfall: composedLossWaterfall,
};

// ---------------------------------------------------------------------------------------------
// gradual de-leveraging (predictive stage)
// ---------------------------------------------------------------------------------------------

/** What the de-leveraging trigger learnt. */
export interface ComposedDeleverageTriggered extends ComposedTriggered {
  readonly predictive: PredictiveParams;
  readonly reason: DeleverageReason;
}

/** A de-leveraging sale's facts (the incentive stage writes the `Deleveraged` event from them). */
export interface ComposedDeleverageDetail extends ComposedExecutionDetail {
  readonly reason: DeleverageReason;
  readonly healthBeforeWad: bigint;
  readonly bonusBps: bigint;
}

/**
 * De-leveraging trigger: the market has a predictive section, the account has debt and health
 * ≥ 1 (below it only `liquidate` applies), the oracle allows liquidations of every collateral
 * (breakers, grace period), health is below `preHealthWad` or at or below the soft-call health H*
 * (the probability of reaching health 1 within the horizon is at or above the threshold, judged
 * now at the oracle price with the last σ), and the account's cooldown has passed.
 * @throws InvalidParameterError without a predictive section; PositionNotLiquidatableError (no
 * debt, or outside both bands); ProtocolRevertError `Composed/liquidatable` below health 1,
 * `Composed/deleverage-cooldown` too soon after the last step; the oracle's errors.
 */
export function composedDeleverageTrigger(
  state: State,
  request: ComposedLiquidationRequest,
): ComposedDeleverageTriggered {
  const config = requireConfig(state, 'deleverage');
  const predictive = config.predictive;
  if (predictive === undefined) {
    throw new InvalidParameterError('type', `${config.id} has no predictive section: it cannot de-leverage`);
  }
  requireOpen(state, request.account);
  const margin = composedMarginAccount(state, request.account, request.nowSeconds);
  const debt = margin.debt[0]?.amount ?? 0n;
  if (debt === 0n) throw new PositionNotLiquidatableError(request.account, 'it has no debt');
  const reading = composedPredictiveReading(state, margin);
  assert(reading !== undefined, 'a predictive market reads every account with debt');
  const healthWad = reading.healthWad;
  if (healthWad < WAD) {
    throw new ProtocolRevertError(
      'Composed/liquidatable',
      'The account is below maintenance: liquidate it instead.',
      { healthWad: String(healthWad) },
    );
  }
  for (const line of margin.collateral) {
    requireLiquidationAllowed(state.oracle, line.asset, request.nowSeconds, {
      healthWad,
      graceHealthThresholdWad: config.trigger.graceHealthThresholdWad,
    });
  }
  const reason = deleverageReason({
    healthWad,
    preHealthWad: predictive.preHealthWad,
    softCallHealthWad: reading.softCallHealthWad,
  });
  if (reason === undefined) {
    throw new PositionNotLiquidatableError(
      request.account,
      `health ${healthWad} (WAD) is at or above the pre-liquidation health ${predictive.preHealthWad} ` +
        `and above the soft-call health ${reading.softCallHealthWad}`,
    );
  }
  const last = state.ext.risk?.lastDeleverageAtSeconds[request.account];
  if (last !== undefined && request.nowSeconds - last < predictive.cooldownSeconds) {
    throw new ProtocolRevertError(
      'Composed/deleverage-cooldown',
      `The last step was at ${last}: wait until ${last + predictive.cooldownSeconds}.`,
      { lastDeleverageAtSeconds: String(last) },
    );
  }
  return {
    config,
    margin,
    healthWad,
    asset: assetToSell(margin, request),
    debt,
    predictive,
    reason,
  };
}

/**
 * De-leveraging sizing: ⌊debt × stepBps⌋ (at most the step, Morpho's close factor).
 * @throws ProtocolRevertError `Composed/deleverage-dust` when that rounds to 0.
 */
export function composedDeleverageSizing(
  _state: State,
  _request: ComposedLiquidationRequest,
  t: ComposedDeleverageTriggered,
): bigint {
  const repay = deleverageRepay(t.debt, t.predictive.stepBps);
  if (repay === 0n) {
    throw new ProtocolRevertError('Composed/deleverage-dust', 'The step rounds to nothing: repay the debt.');
  }
  return repay;
}

/** De-leveraging execution: a sale to the keeper at the oracle price plus `preBonusBps`. */
export function composedDeleverageExecution(
  state: State,
  request: ComposedLiquidationRequest,
  repay: bigint,
  t: ComposedDeleverageTriggered,
): ExecutionOutcome<ComposedDeleverageDetail> {
  const bonusBps = t.predictive.preBonusBps;
  const sale = saleAtBonus(state, request, repay, t, bonusBps, 'deleverage');
  return {
    ...sale,
    detail: { ...sale.detail, reason: t.reason, healthBeforeWad: t.healthWad, bonusBps },
  };
}

/** De-leveraging incentive: the keeper keeps the whole bonus (no protocol share); the event. */
export function composedDeleverageIncentive(
  _state: State,
  request: ComposedLiquidationRequest,
  outcome: ExecutionOutcome<ComposedDeleverageDetail>,
): EngineEvent[] {
  const d = outcome.detail;
  const event: ComposedLendingEvent = {
    type: 'Deleveraged',
    account: request.account,
    keeper: request.liquidator,
    asset: d.asset,
    repaid: d.repaid,
    seized: d.seized,
    bonusBps: d.bonusBps,
    reason: d.reason,
    healthBeforeWad: d.healthBeforeWad,
  };
  return [event];
}

/**
 * The five stages of a de-leveraging step (`deleverage {account, keeper, collateralAsset?}`): the
 * predictive trigger, step sizing, a sale at the pre-bonus, the event, and the loss waterfall
 * (never reached: a step at health ≥ 1 with (1 + bonus)·LT < 1 leaves collateral behind).
 */
export const COMPOSED_DELEVERAGE_STAGES: LiquidationStages<
  State,
  ComposedLiquidationRequest,
  ComposedDeleverageTriggered,
  bigint,
  ComposedDeleverageDetail
> = {
  trigger: composedDeleverageTrigger,
  sizing: composedDeleverageSizing,
  execution: composedDeleverageExecution,
  incentive: composedDeleverageIncentive,
  lossWaterfall: composedLossWaterfall,
};

// ---------------------------------------------------------------------------------------------
// risk updates: updateRisk and publishGasPrice
// ---------------------------------------------------------------------------------------------

/** Whether the configuration has any risk stage (and so takes `updateRisk`). */
function hasRiskStage(config: ComposedLendingConfig): boolean {
  return (
    config.volatility !== undefined ||
    config.predictive !== undefined ||
    config.dynamicIncentive !== undefined ||
    config.riskOracle !== undefined
  );
}

/** A `GasPricePublished` event when the command's gas price differs from the stored one. */
function gasEvents(state: State, config: ComposedLendingConfig, command: Command): ComposedLendingEvent[] {
  if (config.dynamicIncentive === undefined) {
    throw new InvalidParameterError(
      'gasPriceGwei',
      `${config.id} has no dynamicIncentive section: it does not read a gas price`,
    );
  }
  const gas = readGasPrice(command);
  const stored = state.ext.risk?.gas ?? null;
  if (
    stored !== null &&
    stored.gasPriceWei === gas.gasPriceWei &&
    stored.ethPriceUsdWad === gas.ethPriceUsdWad
  ) {
    return [];
  }
  return [{ type: 'GasPricePublished', gasPriceWei: gas.gasPriceWei, ethPriceUsdWad: gas.ethPriceUsdWad }];
}

/**
 * `updateRisk {gasPriceGwei?, ethPriceUsd?}` (anyone may send it): in order, (1) the gas price
 * when given (a `GasPricePublished` event when it changed; dynamicIncentive only); (2) with a
 * volatility section, each collateral's oracle price folded into its estimate (collaterals whose
 * feed is down are skipped; a `VolatilityUpdated` event per fold or first anchor); (3) with a
 * riskOracle section, each listed threshold stepped toward its σ target within the rate limit (a
 * `RiskParameterUpdated` event per change); (4) with a predictive section, every account judged
 * at the new thresholds and σ: `SoftMarginCalled` when it enters the soft-call band (health in
 * [1, H*]), `SoftMarginCallCleared` when a called account is above H* again or has no debt.
 */
function decideUpdateRisk(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const config = requireConfig(state, 'updateRisk');
  if (!hasRiskStage(config)) {
    throw new InvalidParameterError(
      'type',
      `${config.id} has no volatility, predictive, dynamicIncentive or riskOracle section: nothing to update`,
    );
  }
  const events: ComposedLendingEvent[] = [];
  let s = state;
  const push = (e: ComposedLendingEvent): void => {
    events.push(e);
    s = { ...s, ext: evolve(s, { seq: s.seq, atSeconds: nowSeconds, event: e }) };
  };
  if (command.gasPriceGwei !== undefined || command.ethPriceUsd !== undefined) {
    for (const e of gasEvents(s, config, command)) push(e);
  }
  const volatility = config.volatility;
  if (volatility !== undefined) {
    for (const asset of Object.keys(config.collateral).sort()) {
      let observation: { price: bigint; priceDecimals: number; atSeconds: number };
      try {
        const reading = spotPrice(s.oracle, asset, nowSeconds);
        observation = { price: reading.price, priceDecimals: reading.priceDecimals, atSeconds: nowSeconds };
      } catch (e) {
        if (e instanceof SolventError) continue; // a feed that is down is not folded
        throw e;
      }
      const previous = s.ext.risk?.volatility[asset];
      if (previous === undefined) {
        const anchor = anchorVolatility(volatility, observation);
        push({
          type: 'VolatilityUpdated',
          asset,
          price: anchor.price,
          priceDecimals: anchor.priceDecimals,
          returnWad: 0n,
          elapsedSeconds: 0,
          varianceAnnualWad: anchor.varianceAnnualWad,
          sigmaAnnualWad: sigmaAnnualWad(anchor.varianceAnnualWad),
        });
        continue;
      }
      const fold = foldVolatility(volatility, previous, observation);
      if (fold === undefined) continue;
      push({
        type: 'VolatilityUpdated',
        asset,
        price: fold.estimate.price,
        priceDecimals: fold.estimate.priceDecimals,
        returnWad: fold.returnWad,
        elapsedSeconds: fold.elapsedSeconds,
        varianceAnnualWad: fold.estimate.varianceAnnualWad,
        sigmaAnnualWad: sigmaAnnualWad(fold.estimate.varianceAnnualWad),
      });
    }
  }
  const oracle = config.riskOracle;
  if (oracle !== undefined) {
    for (const asset of Object.keys(oracle.collateral).sort()) {
      const params = oracle.collateral[asset];
      const configured = config.collateral[asset];
      if (params === undefined || configured === undefined) continue;
      const sigma = composedSigmaAnnualWad(s, asset);
      const targetBps = targetThresholdBps(params, sigma);
      const current = composedThresholds(s, asset).liquidationThresholdBps;
      const next = nextThresholdBps({
        currentBps: current,
        targetBps,
        maxChangeBps: oracle.maxChangeBps,
        lastChangeAtSeconds: s.ext.risk?.thresholds[asset]?.changedAtSeconds,
        nowSeconds,
        minSecondsBetweenChanges: oracle.minSecondsBetweenChanges,
      });
      if (next === undefined) continue;
      push({
        type: 'RiskParameterUpdated',
        asset,
        previousLiquidationThresholdBps: current,
        liquidationThresholdBps: next,
        initialLtvBps: ltvForThresholdBps(next, configured),
        targetThresholdBps: targetBps,
        sigmaAnnualWad: sigma,
      });
    }
  }
  const predictive = config.predictive;
  if (predictive !== undefined) {
    for (const account of Object.keys(s.ext.accounts).sort()) {
      const called = s.ext.risk?.softCalled[account] === true;
      let reading: ComposedPredictiveReading | undefined;
      try {
        reading = composedPredictiveReading(s, composedMarginAccount(s, account, nowSeconds));
      } catch (e) {
        if (e instanceof SolventError) continue; // unpriced now: judged at the next update
        throw e;
      }
      if (reading === undefined) {
        if (called)
          push({ type: 'SoftMarginCallCleared', account, healthWad: MAX_HEALTH, probabilityWad: 0n });
        continue;
      }
      const transition = softCallTransition({
        called,
        healthWad: reading.healthWad,
        softCallHealthWad: reading.softCallHealthWad,
        ...(predictive.clearMarginBps === undefined ? {} : { clearMarginBps: predictive.clearMarginBps }),
      });
      if (transition === undefined) continue;
      const probabilityWad = barrierHitProbabilityWad(reading.healthWad, reading.sigmaOverHorizonWad);
      if (transition === 'call') {
        push({
          type: 'SoftMarginCalled',
          account,
          healthWad: reading.healthWad,
          probabilityWad,
          softCallHealthWad: reading.softCallHealthWad,
          sigmaOverHorizonWad: reading.sigmaOverHorizonWad,
          horizonSeconds: predictive.horizonSeconds,
        });
      } else {
        push({ type: 'SoftMarginCallCleared', account, healthWad: reading.healthWad, probabilityWad });
      }
    }
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// auctions: take and redo
// ---------------------------------------------------------------------------------------------

function requireAuction(state: State, id: number): ComposedAuction {
  const auction = state.ext.auctions[String(id)];
  if (auction === undefined)
    throw new ProtocolRevertError('Composed/not-running-auction', `No auction ${id}.`);
  return auction;
}

function statusOf(config: ComposedLendingConfig, auction: ComposedAuction, nowSeconds: number) {
  if (config.execution.kind !== 'dutchAuction') throw new Error('auction without an auction execution');
  const exec = config.execution;
  return auctionStatus({
    curve: exec.curve,
    topRay: auction.topRay,
    durSeconds: BigInt(nowSeconds - auction.startedAtSeconds),
    tailSeconds: exec.tailSeconds,
    cuspRay: (exec.cuspBps * RAY) / BPS,
  });
}

function decideTake(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const config = requireConfig(state, 'take');
  const auction = requireAuction(state, readInt(command, 'id'));
  const buyer = readString(command, 'buyer');
  const amount = readBigint(command, 'amount', 'amount', { min: 1n });
  const maxPriceRay = readBigint(command, 'maxPriceRay');
  const status = statusOf(config, auction, nowSeconds);
  if (status.done)
    throw new ProtocolRevertError('Composed/needs-reset', 'The auction must be reset (redo) first.');
  if (maxPriceRay < status.priceRay) {
    throw new ProtocolRevertError(
      'Composed/too-expensive',
      `The price is ${status.priceRay} (RAY) above your max.`,
    );
  }
  const collDecimals = requireAsset(state, auction.asset).decimals;
  const debtDecimals = requireAsset(state, config.debtAsset).decimals;
  const scale = pow10(collDecimals) * RAY;
  let slice = min(auction.lot, amount);
  // ceil: the buyer pays at least the price of what it takes.
  let owe = divRound(slice * status.priceRay * pow10(debtDecimals), scale, Rounding.Up);
  if (owe > auction.tab) {
    owe = auction.tab;
    // floor: for a capped payment the buyer gets no more than it pays for.
    slice =
      status.priceRay === 0n
        ? auction.lot
        : min(auction.lot, divRound(owe * scale, status.priceRay * pow10(debtDecimals), Rounding.Down));
  }
  const repaid = min(owe, auction.claims);
  const penaltyPaid = owe - repaid;
  const lotAfter = auction.lot - slice;
  const claimsAfter = auction.claims - repaid;
  const tabAfter = auction.tab - owe;
  const bucket = `auction:${auction.id}`;
  const claimAsset = debtClaimAsset(config.debtAsset);
  const events: EngineEvent[] = [
    ...moved(config.debtAsset, `wallet:${buyer}`, 'pool', repaid, 'take'),
    ...moved(claimAsset, bucket, 'mint', repaid, 'take'),
    ...moved(config.debtAsset, `wallet:${buyer}`, 'protocol', penaltyPaid, 'take:penalty'),
    ...moved(auction.asset, bucket, `wallet:${buyer}`, slice, 'take'),
  ];
  let shortfall = 0n;
  let closed = false;
  if (tabAfter === 0n) {
    // raised in full: the rest of the lot goes back to the borrower
    events.push(...moved(auction.asset, bucket, `acct:${auction.account}`, lotAfter, 'take:leftover'));
    closed = true;
  } else if (lotAfter === 0n) {
    closed = true;
    shortfall = claimsAfter;
    events.push(
      ...absorbLoss({
        ledger: state.ledger,
        asset: config.debtAsset,
        claimAsset,
        claimBucket: bucket,
        amount: shortfall,
        creditorBucket: 'pool',
        steps: config.lossWaterfall,
      }).moves,
    );
  }
  const taken: ComposedLendingEvent = {
    type: 'ComposedAuctionTaken',
    id: auction.id,
    buyer,
    priceRay: status.priceRay,
    slice,
    owe,
    lotAfter: closed ? 0n : lotAfter,
    claimsAfter: closed ? 0n : claimsAfter,
    tabAfter: closed ? 0n : tabAfter,
    shortfall,
    closed,
  };
  return [...events, taken];
}

function decideRedo(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const config = requireConfig(state, 'redo');
  const auction = requireAuction(state, readInt(command, 'id'));
  const keeper = readString(command, 'keeper');
  if (config.execution.kind !== 'dutchAuction') throw new Error('auction without an auction execution');
  if (!statusOf(config, auction, nowSeconds).done) {
    throw new ProtocolRevertError('Composed/cannot-reset', 'The auction is still running.');
  }
  const p = price(state, auction.asset, nowSeconds);
  const d = price(state, config.debtAsset, nowSeconds);
  const topRay = divRound(
    p.price * pow10(d.decimals) * RAY * config.execution.bufBps,
    d.price * pow10(p.decimals) * BPS,
    Rounding.Down,
  );
  const reward = composedRedoReward(state, auction, nowSeconds);
  const reset: ComposedLendingEvent = {
    type: 'ComposedAuctionReset',
    id: auction.id,
    topRay,
    atSeconds: nowSeconds,
    keeperReward: reward,
  };
  return [...moved(config.debtAsset, 'protocol', `wallet:${keeper}`, reward, 'keeperReward'), reset];
}

// ---------------------------------------------------------------------------------------------
// account commands
// ---------------------------------------------------------------------------------------------

function decide(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  if (command.type === 'configure') {
    if (state.ext.config !== null)
      throw new InvalidParameterError('params', 'the market is already configured');
    const config = parseComposedLendingConfig(command.params, 'params');
    if (config.id !== state.protocol) {
      throw new InvalidParameterError(
        'params.id',
        `the engine runs ${state.protocol}, the configuration is ${config.id}`,
      );
    }
    for (const asset of [config.debtAsset, ...Object.keys(config.collateral)]) requireAsset(state, asset);
    const configured: ComposedLendingEvent = { type: 'ComposedConfigured', config };
    return [configured];
  }
  const config = requireConfig(state, command.type);
  const claimAsset = debtClaimAsset(config.debtAsset);
  switch (command.type) {
    case 'supply':
      return moved(
        config.debtAsset,
        'world',
        'pool',
        readBigint(command, 'amount', 'amount', { min: 1n }),
        'supply',
      );
    case 'deposit': {
      const account = readString(command, 'account');
      const asset = readString(command, 'asset');
      if (!Object.hasOwn(config.collateral, asset))
        throw new InvalidParameterError('asset', `${asset} is not a collateral of ${config.id}`);
      const opened: ComposedLendingEvent[] = Object.hasOwn(state.ext.accounts, account)
        ? []
        : [{ type: 'ComposedAccountOpened', account }];
      return [
        ...opened,
        ...moved(
          asset,
          'world',
          `acct:${account}`,
          readBigint(command, 'amount', 'amount', { min: 1n }),
          'deposit',
        ),
      ];
    }
    case 'withdraw': {
      const account = readString(command, 'account');
      requireOpen(state, account);
      const asset = readString(command, 'asset');
      const moves = moved(
        asset,
        `acct:${account}`,
        'world',
        readBigint(command, 'amount', 'amount', { min: 1n }),
        'withdraw',
      );
      if (balanceOf(state.ledger, `acct:${account}`, asset) < (moves[0]?.amount ?? 0n)) return moves; // the engine refuses it
      requireInitialMargin(withMoves(state, moves), account, nowSeconds, 'withdraw');
      return moves;
    }
    case 'borrow': {
      const account = readString(command, 'account');
      requireOpen(state, account);
      const amount = readBigint(command, 'amount', 'amount', { min: 1n });
      const moves = [
        ...moved(config.debtAsset, 'pool', `wallet:${account}`, amount, 'borrow'),
        ...moved(claimAsset, 'mint', `debt:${account}`, amount, 'borrow'),
      ];
      if (balanceOf(state.ledger, 'pool', config.debtAsset) < amount) return moves; // the engine refuses it
      requireInitialMargin(withMoves(state, moves), account, nowSeconds, 'borrow');
      return moves;
    }
    case 'repay': {
      const account = readString(command, 'account');
      requireOpen(state, account);
      const owed = balanceOf(state.ledger, `debt:${account}`, claimAsset);
      const amount =
        command.amount === 'max' ? owed : min(readBigint(command, 'amount', 'amount', { min: 1n }), owed);
      return [
        ...moved(config.debtAsset, `wallet:${account}`, 'pool', amount, 'repay'),
        ...moved(claimAsset, `debt:${account}`, 'mint', amount, 'repay'),
      ];
    }
    case 'liquidate': {
      const run = runLiquidation(COMPOSED_LENDING_STAGES, state, {
        account: readString(command, 'account'),
        liquidator: readString(command, 'liquidator'),
        collateralAsset: readOptionalString(command, 'collateralAsset'),
        nowSeconds,
      });
      return run.events;
    }
    case 'take':
      return decideTake(state, command, nowSeconds);
    case 'redo':
      return decideRedo(state, command, nowSeconds);
    case 'deleverage': {
      const run = runLiquidation(COMPOSED_DELEVERAGE_STAGES, state, {
        account: readString(command, 'account'),
        liquidator: readString(command, 'keeper'),
        collateralAsset: readOptionalString(command, 'collateralAsset'),
        nowSeconds,
      });
      return run.events;
    }
    case 'updateRisk':
      return decideUpdateRisk(state, command, nowSeconds);
    case 'publishGasPrice':
      if (command.gasPriceGwei === undefined || command.ethPriceUsd === undefined) {
        throw new InvalidParameterError(
          command.gasPriceGwei === undefined ? 'gasPriceGwei' : 'ethPriceUsd',
          'publishGasPrice takes both gasPriceGwei and ethPriceUsd',
        );
      }
      return gasEvents(state, config, command);
    default:
      throw new InvalidParameterError('type', `unknown command ${command.type}`);
  }
}

function evolve(state: State, recorded: Recorded): ComposedLendingExt {
  const ext = state.ext;
  const e = recorded.event as ComposedLendingEvent;
  switch (e.type) {
    case 'ComposedConfigured':
      return { ...ext, config: e.config };
    case 'ComposedAccountOpened':
      return { ...ext, accounts: { ...ext.accounts, [e.account]: true } };
    case 'ComposedLiquidated':
      return { ...ext, liquidations: ext.liquidations + 1 };
    case 'ComposedAuctionStarted':
      return {
        ...ext,
        auctions: { ...ext.auctions, [String(e.auction.id)]: e.auction },
        nextAuctionId: ext.nextAuctionId + 1,
        liquidations: ext.liquidations + 1,
      };
    case 'ComposedAuctionTaken': {
      const auctions = { ...ext.auctions };
      const a = auctions[String(e.id)];
      if (e.closed || a === undefined) delete auctions[String(e.id)];
      else auctions[String(e.id)] = { ...a, lot: e.lotAfter, claims: e.claimsAfter, tab: e.tabAfter };
      return { ...ext, auctions };
    }
    case 'ComposedAuctionReset': {
      const a = ext.auctions[String(e.id)];
      if (a === undefined) return ext;
      return {
        ...ext,
        auctions: {
          ...ext.auctions,
          [String(e.id)]: { ...a, topRay: e.topRay, startedAtSeconds: e.atSeconds },
        },
      };
    }
    case 'VolatilityUpdated':
      return withRisk(ext, (r) => ({
        ...r,
        volatility: {
          ...r.volatility,
          [e.asset]: {
            price: e.price,
            priceDecimals: e.priceDecimals,
            atSeconds: recorded.atSeconds,
            varianceAnnualWad: e.varianceAnnualWad,
          },
        },
      }));
    case 'GasPricePublished':
      return withRisk(ext, (r) => ({
        ...r,
        gas: { gasPriceWei: e.gasPriceWei, ethPriceUsdWad: e.ethPriceUsdWad },
        parameterUpdates: r.parameterUpdates + 1,
      }));
    case 'RiskParameterUpdated':
      return withRisk(ext, (r) => ({
        ...r,
        thresholds: {
          ...r.thresholds,
          [e.asset]: {
            liquidationThresholdBps: e.liquidationThresholdBps,
            initialLtvBps: e.initialLtvBps,
            changedAtSeconds: recorded.atSeconds,
          },
        },
        parameterUpdates: r.parameterUpdates + 1,
      }));
    case 'SoftMarginCalled':
      return withRisk(ext, (r) => ({
        ...r,
        softCalled: { ...r.softCalled, [e.account]: true },
        softMarginCalls: r.softMarginCalls + 1,
      }));
    case 'SoftMarginCallCleared':
      return withRisk(ext, (r) => {
        const softCalled = { ...r.softCalled };
        delete softCalled[e.account];
        return { ...r, softCalled };
      });
    case 'Deleveraged':
      return withRisk(ext, (r) => ({
        ...r,
        lastDeleverageAtSeconds: { ...r.lastDeleverageAtSeconds, [e.account]: recorded.atSeconds },
        deleverages: r.deleverages + 1,
        deleveragedDebt: r.deleveragedDebt + e.repaid,
      }));
    default:
      return ext;
  }
}

/** `ext` with its risk state replaced by `f` of the current one (created on the first risk event). */
function withRisk(
  ext: ComposedLendingExt,
  f: (risk: ComposedRiskState) => ComposedRiskState,
): ComposedLendingExt {
  return { ...ext, risk: f(ext.risk ?? EMPTY_RISK) };
}

function health(state: State, accountId: string, nowSeconds: number): AccountHealth {
  requireOpen(state, accountId);
  const margin = composedMarginAccount(state, accountId, nowSeconds);
  const values = accountValues(margin);
  const healthWad = margin.debt.length === 0 ? MAX_HEALTH : healthFactorWad(margin);
  return {
    accountId,
    healthWad,
    liquidatable: margin.debt.length > 0 && isLiquidatable(margin),
    collateralValueWad: values.collateralValueWad,
    debtValueWad: values.debtValueWad,
  };
}

function invariants(state: State): InvariantCheck[] {
  const config = state.ext.config;
  if (config === null) return [];
  const claimAsset = debtClaimAsset(config.debtAsset);
  const checks: InvariantCheck[] = [];
  for (const auction of Object.values(state.ext.auctions)) {
    const bucket = `auction:${auction.id}`;
    const lot = balanceOf(state.ledger, bucket, auction.asset);
    const claims = balanceOf(state.ledger, bucket, claimAsset);
    checks.push({
      name: `composed.auction.${auction.id}`,
      holds: lot === auction.lot && claims === auction.claims && auction.tab >= auction.claims,
      detail: `lot ${auction.lot} vs bucket ${lot}; claims ${auction.claims} vs bucket ${claims}; tab ${auction.tab}`,
    });
  }
  const oracle = config.riskOracle;
  for (const [asset, moved] of Object.entries(state.ext.risk?.thresholds ?? {})) {
    const bounds = oracle?.collateral[asset];
    const configured = config.collateral[asset];
    const lt = moved.liquidationThresholdBps;
    checks.push({
      name: `composed.riskOracle.${asset}`,
      holds:
        bounds !== undefined &&
        configured !== undefined &&
        lt >= bounds.minThresholdBps &&
        lt <= bounds.maxThresholdBps &&
        moved.initialLtvBps === ltvForThresholdBps(lt, configured),
      detail: `threshold ${lt} bps, LTV ${moved.initialLtvBps} bps, bounds [${bounds?.minThresholdBps}, ${bounds?.maxThresholdBps}]`,
    });
  }
  return checks;
}

const MODELS = new Map<string, ProtocolModel<ComposedLendingExt>>();

/**
 * The model for a composed lending market with id `id`. Its configuration arrives with the
 * `configure` command (so a replayed log rebuilds it); the id must match the configuration's.
 */
export function composedLendingModelFor(id: string): ProtocolModel<ComposedLendingExt> {
  const cached = MODELS.get(id);
  if (cached !== undefined) return cached;
  const model: ProtocolModel<ComposedLendingExt> = {
    id,
    title: `Composed lending market ${id}: stages chosen by its configuration`,
    sources: ['solvent src/protocols/composed (stages from src/engine and src/protocols/maker/math)'],
    commands: COMMANDS,
    initialExt: () => ({ config: null, accounts: {}, auctions: {}, nextAuctionId: 1, liquidations: 0 }),
    decide,
    evolve,
    accountIds: (state) => Object.keys(state.ext.accounts).sort(),
    health,
    invariants,
    liquidationTarget: (command) =>
      command.type === 'liquidate' && typeof command.account === 'string' ? command.account : undefined,
    borrowRequest: (state, command) =>
      command.type === 'borrow' && typeof command.account === 'string' && state.ext.config !== null
        ? { account: command.account, asset: state.ext.config.debtAsset }
        : undefined,
    marginAccount: composedMarginAccount,
  };
  MODELS.set(id, model);
  return model;
}
