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
import { absorbLoss } from '../../engine/waterfall.js';
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

/** Model state of a composed lending market. */
export interface ComposedLendingExt {
  readonly config: ComposedLendingConfig | null;
  /** Accounts that have ever deposited, sorted on read. */
  readonly accounts: Readonly<Record<string, true>>;
  readonly auctions: Readonly<Record<string, ComposedAuction>>;
  readonly nextAuctionId: number;
  readonly liquidations: number;
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
    };

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

/** The account as the margin calculus sees it, at the oracle's prices. */
export function composedMarginAccount(state: State, account: string, nowSeconds: number): MarginAccount {
  const config = requireConfig(state, 'marginAccount');
  const collateral = Object.entries(config.collateral)
    .filter(([asset]) => balanceOf(state.ledger, `acct:${account}`, asset) > 0n)
    .map(([asset, risk]) => {
      const p = price(state, asset, nowSeconds);
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
  return { config, margin, healthWad, asset, debt };
}

/** Bonus (fixed discount) or penalty (auction) of the configured execution, bps. */
function premiumBps(config: ComposedLendingConfig): bigint {
  return config.execution.kind === 'fixedDiscount' ? config.execution.bonusBps : config.execution.penaltyBps;
}

/**
 * Sizing: debt to cover, debt smallest units. `partialToTarget` solves
 * (W − R·(1+b)·LT) / (D − R) ≥ target for the least R (USD WAD), rounded up, where W is the
 * weighted collateral, D the debt value, b the premium and LT the sold asset's threshold; when the
 * target cannot be reached that way the whole debt is covered.
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
  const lt = t.config.collateral[t.asset]?.liquidationThresholdBps ?? 0n;
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
    // floor: the liquidator never receives more collateral than the bonus allows.
    let { line, amount: seized } = collateralFor(t, repay, exec.bonusBps, Rounding.Down);
    let repaid = repay;
    if (seized > line.amount) {
      seized = line.amount;
      const debtLine = t.margin.debt[0];
      if (debtLine === undefined) throw new Error('composed trigger returned no debt line');
      // floor: with all of this collateral gone, the liquidator repays its value less the bonus.
      repaid = min(
        divRound(
          seized * line.price * BPS * pow10(debtLine.decimals + debtLine.priceDecimals),
          pow10(line.decimals + line.priceDecimals) * (BPS + exec.bonusBps) * debtLine.price,
          Rounding.Down,
        ),
        t.debt,
      );
    }
    // premium part of the seized collateral: seized − seized/(1+b), floor of the base.
    const premiumCollateral = seized - divRound(seized * BPS, BPS + exec.bonusBps, Rounding.Up);
    const events = [
      ...moved(debtAsset, `wallet:${request.liquidator}`, 'pool', repaid, 'liquidationRepay'),
      ...moved(claimAsset, `debt:${request.account}`, 'mint', repaid, 'liquidationRepay'),
      ...moved(t.asset, acct, `wallet:${request.liquidator}`, seized, 'seize'),
    ];
    return {
      events,
      shortfall: shortfallAfter(state, request.account, t, seized, repaid),
      detail: { kind: 'sale', asset: t.asset, repaid, seized, premiumCollateral },
    };
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
    };
    return [
      ...(fee > 0n ? moved(asset, `wallet:${request.liquidator}`, 'protocol', fee, 'protocolFee') : []),
      liquidated,
    ];
  }
  const auction = d.auction;
  if (auction === undefined) return [];
  const reward = keeperReward(state, config, auction.tab);
  const started: ComposedLendingEvent = { type: 'ComposedAuctionStarted', auction, keeperReward: reward };
  return [
    ...moved(config.debtAsset, 'protocol', `wallet:${request.liquidator}`, reward, 'keeperReward'),
    started,
  ];
}

/** tip + chip × tab, paid from reserves and never more than they hold. */
function keeperReward(state: State, config: ComposedLendingConfig, tab: bigint): bigint {
  const wanted =
    config.incentive.keeperTip + divRound(tab * config.incentive.keeperChipBps, BPS, Rounding.Down);
  return min(wanted, balanceOf(state.ledger, 'protocol', config.debtAsset));
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
  const reward = min(config.incentive.keeperTip, balanceOf(state.ledger, 'protocol', config.debtAsset));
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
    default:
      return ext;
  }
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
