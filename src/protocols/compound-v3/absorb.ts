/**
 * Comet `absorb(absorber, accounts)` as the engine's five liquidation stages, one run per account
 * (compound-finance/comet contracts/Comet.sol `absorb`, `absorbInternal`): trigger (Comet
 * `isLiquidatable`, strict), sizing (the whole account, no close factor), execution (all
 * collateral into the protocol's collateral reserves, the debt taken over at the collateral's
 * liquidation value, excess credit left as a supply balance), incentive (liquidator points only: no
 * on-chain reward) and loss waterfall (the uncovered debt charged to reserves, which may go
 * negative: the `deficit` bucket).
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError, PositionNotLiquidatableError } from '../../engine/errors.js';
import { applyMove, type Ledger, type Moved, moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import { absorbLoss } from '../../engine/waterfall.js';
import {
  accountBucket,
  applyMoves,
  claimMoves,
  debtBucket,
  debtClaimAsset,
  reserveMoves,
  supplyClaimAsset,
} from './books.js';
import {
  type AbsorbAmounts,
  absorbAmounts,
  type CollateralHolding,
  isLiquidatable,
  liquidityUsd8,
  mulPrice,
  presentValue,
  principalValue,
  repayAndSupplyAmount,
} from './math.js';
import type { CompoundMarket } from './params.js';
import {
  type CompoundAbsorbed,
  type CompoundExt,
  cometPrice,
  evolveCompound,
  holdingsOf,
  type LiquidatorPointsAccrued,
  presentClaims,
  requireAccount,
  requireMarket,
} from './state.js';

/** One account of an `absorb` call. */
export interface AbsorbRequest {
  /** Who called `absorb` (credited with liquidator points). */
  readonly absorber: string;
  /** The account absorbed. */
  readonly account: string;
  readonly nowSeconds: number;
  /** Position of `account` in the call's list (0 = first). */
  readonly indexInCall: number;
  /** Gas cost of the whole call in wei (Comet `gasUsed · block.basefee`); 0 when not reported. */
  readonly gasCostWei: bigint;
}

/** What the trigger read: the prices and the account as Comet saw it. */
export interface AbsorbTriggered {
  readonly market: CompoundMarket;
  /** Base price, USD·1e8. */
  readonly basePrice: bigint;
  readonly oldPrincipal: bigint;
  /** `presentValue(oldPrincipal)` (negative). */
  readonly oldBalance: bigint;
  /** Liquidity at the liquidateCollateralFactors, USD·1e8 (negative). */
  readonly liquidityUsd8: bigint;
  /** Held collateral in asset order, priced, with each asset's liquidationFactor. */
  readonly holdings: readonly (CollateralHolding & { readonly asset: string })[];
}

/** The size of an absorb: always the whole account. */
export interface AbsorbSize {
  /** Every non-zero collateral balance, seized in full. */
  readonly seized: Readonly<Record<string, bigint>>;
}

/** Facts the execution stage hands to the incentive and loss stages. */
export interface AbsorbDetail extends AbsorbAmounts {
  readonly newPrincipal: bigint;
  /** Debt extinguished against the seized collateral: min(debt, deltaBalance). */
  readonly coveredDebt: bigint;
  /** The account's supply claim after the absorb (present value of the new principal). */
  readonly creditedSupply: bigint;
  /** The ledger after the execution's moves (the loss waterfall posts on top of it). */
  readonly ledgerAfter: Ledger;
}

/**
 * Trigger: Comet `absorbInternal` reverts `NotLiquidatable()` unless `isLiquidatable(account)`
 * (liquidity at the liquidateCollateralFactors strictly below 0).
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError (a missing price),
 *   PositionNotLiquidatableError (Comet `NotLiquidatable()`).
 */
export function absorbTrigger(state: EngineState<CompoundExt>, request: AbsorbRequest): AbsorbTriggered {
  const market = requireMarket(state, 'absorb');
  const account = requireAccount(state, request.account);
  const basePrice = cometPrice(state, market.params.baseAsset, request.nowSeconds);
  const oldBalance = presentValue(account.principal, state.ext.indexes);
  const liquidate = holdingsOf(
    state,
    market,
    account.collateral,
    'liquidateCollateralFactor',
    request.nowSeconds,
  );
  const input = { presentValue: oldBalance, basePrice, baseScale: market.baseScale, holdings: liquidate };
  if (!isLiquidatable(input)) {
    throw new PositionNotLiquidatableError(
      request.account,
      `Comet isLiquidatable is false (balance ${oldBalance}, liquidity ${liquidityUsd8(input)} USD·1e8 ≥ 0 or no debt): NotLiquidatable()`,
    );
  }
  const byFactor = new Map(market.assets.map((a) => [a.asset, a.liquidationFactor]));
  return {
    market,
    basePrice,
    oldPrincipal: account.principal,
    oldBalance,
    liquidityUsd8: liquidityUsd8(input),
    holdings: liquidate.map((h) => ({ ...h, factorWad: byFactor.get(h.asset) ?? 0n })),
  };
}

/** Sizing: Comet has no close factor; every unit of every collateral is seized. */
export function absorbSizing(
  _state: EngineState<CompoundExt>,
  _request: AbsorbRequest,
  triggered: AbsorbTriggered,
): AbsorbSize {
  const seized: Record<string, bigint> = {};
  for (const h of triggered.holdings) seized[h.asset] = h.balance;
  return { seized };
}

/**
 * Execution (Comet `absorbInternal`): the seized collateral moves from `acct:<id>` to `protocol`
 * (Comet's collateral reserves); the account's debt is taken over, min(debt, deltaBalance) of it
 * against the collateral's liquidation value and any excess credit becomes the account's supply
 * balance, both paid from reserves; totals change by Comet's `repayAndSupplyAmount`. The debt
 * left uncovered (`shortfall`) goes to the loss waterfall.
 */
export function absorbExecution(
  state: EngineState<CompoundExt>,
  request: AbsorbRequest,
  size: AbsorbSize,
  triggered: AbsorbTriggered,
): ExecutionOutcome<AbsorbDetail> {
  const { market, basePrice, oldBalance, oldPrincipal } = triggered;
  const base = market.params.baseAsset;
  const { indexes } = state.ext;
  const amounts = absorbAmounts({
    oldBalance,
    basePrice,
    baseScale: market.baseScale,
    holdings: triggered.holdings,
  });
  const newPrincipal = principalValue(amounts.newBalance, indexes);
  const { repay, supply } = repayAndSupplyAmount(oldPrincipal, newPrincipal);
  const debt = -oldBalance;
  const shortfall = amounts.shortfall;
  const coveredDebt = debt - shortfall;
  const creditedSupply = presentClaims(newPrincipal, indexes).supply;

  const moves: Moved[] = [];
  for (const [asset, amount] of Object.entries(size.seized)) {
    moves.push(...moved(asset, accountBucket(request.account), 'protocol', amount, 'absorb:seize'));
  }
  // The covered part of the debt is extinguished; the excess credit is issued to the account.
  moves.push(
    ...moved(debtClaimAsset(base), debtBucket(request.account), 'mint', coveredDebt, 'absorb:repay'),
  );
  moves.push(
    ...claimMoves(
      applyMoves(state.ledger, moves),
      base,
      request.account,
      { supply: creditedSupply, debt: shortfall },
      'absorb:credit',
    ),
  );
  // Reserves pay for both: Comet's reserves fall by basePaidOut in all (the shortfall below).
  moves.push(
    ...reserveMoves(applyMoves(state.ledger, moves), base, -(coveredDebt + creditedSupply), 'absorb'),
  );

  const absorbed: CompoundAbsorbed = {
    type: 'CompoundAbsorbed',
    absorber: request.absorber,
    account: request.account,
    seized: size.seized,
    oldPrincipal,
    newPrincipal,
    oldBalance,
    newBalance: amounts.newBalance,
    deltaValueUsd8: amounts.deltaValueUsd8,
    deltaBalance: amounts.deltaBalance,
    basePaidOut: amounts.basePaidOut,
    shortfall,
    valueOfBasePaidOutUsd8: mulPrice(amounts.basePaidOut, basePrice, market.baseScale),
    totalSupplyBase: state.ext.totalSupplyBase + supply,
    totalBorrowBase: state.ext.totalBorrowBase - repay,
  };
  return {
    events: [...moves, absorbed],
    shortfall,
    detail: {
      ...amounts,
      newPrincipal,
      coveredDebt,
      creditedSupply,
      ledgerAfter: applyMoves(state.ledger, moves),
    },
  };
}

/**
 * Incentive: Comet pays the absorber nothing on-chain; it counts `liquidatorPoints` (numAbsorbs
 * once per call, numAbsorbed per account, approxSpend the call's gas cost), credited here with the
 * call's first account.
 */
export function absorbIncentive(
  _state: EngineState<CompoundExt>,
  request: AbsorbRequest,
  _outcome: ExecutionOutcome<AbsorbDetail>,
): readonly EngineEvent[] {
  const first = request.indexInCall === 0;
  const points: LiquidatorPointsAccrued = {
    type: 'LiquidatorPointsAccrued',
    absorber: request.absorber,
    numAbsorbs: first ? 1n : 0n,
    numAbsorbed: 1n,
    approxSpend: first ? request.gasCostWei : 0n,
  };
  return [points];
}

/**
 * Loss waterfall: Comet's only backstop is its reserves, which may go negative. The uncovered
 * debt burns the protocol's equity (`protocol` `<base>.supply` → `mint`, the claim extinguished)
 * and what equity cannot cover stays a claim parked in `deficit` (negative reserves).
 */
export function absorbLossWaterfall(
  state: EngineState<CompoundExt>,
  request: AbsorbRequest,
  outcome: ExecutionOutcome<AbsorbDetail>,
): readonly EngineEvent[] {
  const base = requireMarket(state, 'absorb').params.baseAsset;
  return absorbLoss({
    ledger: outcome.detail.ledgerAfter,
    asset: supplyClaimAsset(base),
    claimAsset: debtClaimAsset(base),
    claimBucket: debtBucket(request.account),
    amount: outcome.shortfall,
    creditorBucket: 'mint',
    steps: ['reserves', 'deficit'],
  }).moves;
}

/** Comet's absorb as the engine's liquidation stages. */
export const COMPOUND_ABSORB_STAGES: LiquidationStages<
  EngineState<CompoundExt>,
  AbsorbRequest,
  AbsorbTriggered,
  AbsorbSize,
  AbsorbDetail
> = {
  trigger: absorbTrigger,
  sizing: absorbSizing,
  execution: absorbExecution,
  incentive: absorbIncentive,
  lossWaterfall: absorbLossWaterfall,
};

/** Folds moves and model events into a working state (used between the accounts of one call). */
function fold(state: EngineState<CompoundExt>, events: readonly EngineEvent[]): EngineState<CompoundExt> {
  let ledger = state.ledger;
  let ext = state.ext;
  for (const event of events) {
    if (event.type === 'Moved') ledger = applyMove(ledger, event as Moved);
    else ext = evolveCompound(ext, event);
  }
  return { ...state, ledger, ext };
}

/** Inputs of {@link decideAbsorb}. */
export interface AbsorbCall {
  readonly absorber: string;
  readonly accounts: readonly string[];
  /** Wei; 0 when not reported. */
  readonly gasCostWei: bigint;
}

/**
 * Comet `absorb`: runs the stages for each account in order, each seeing the state the previous
 * one left; any account that is not liquidatable refuses the whole call, as Comet reverts it.
 * @throws InvalidParameterError for an empty account list; whatever a stage throws.
 */
export function decideAbsorb(
  state: EngineState<CompoundExt>,
  call: AbsorbCall,
  nowSeconds: number,
): EngineEvent[] {
  if (call.accounts.length === 0)
    throw new InvalidParameterError('accounts', 'must name at least one account');
  let working = state;
  const events: EngineEvent[] = [];
  for (const [indexInCall, account] of call.accounts.entries()) {
    const run = runLiquidation(COMPOUND_ABSORB_STAGES, working, {
      absorber: call.absorber,
      account,
      nowSeconds,
      indexInCall,
      gasCostWei: call.gasCostWei,
    });
    events.push(...run.events);
    working = fold(working, run.events);
  }
  return events;
}
