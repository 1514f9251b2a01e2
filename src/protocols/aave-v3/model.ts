/**
 * The Aave v3 protocol models `aave-v3.3`, `aave-v3.5` (3.5–3.6) and `aave-v3.7`: one implementation
 * of the pool (supply, collateral, borrow, repay, eMode, grace periods, liquidationCall, deficit
 * elimination) over the engine's ledger and oracle, parameterised by a version's rounding table.
 * Sources: aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/{SupplyLogic,BorrowLogic,
 * EModeLogic,LiquidationLogic,ValidationLogic,GenericLogic}.sol and protocol/pool/Pool.sol.
 * Not modelled: interest accrual (indexes stay 1), supply/borrow caps, isolation mode, siloed
 * borrowing, receiveAToken = true, per-user collateral toggles (every deposit of a reserve with
 * LT ≠ 0 counts as collateral).
 */
import {
  type AccountHealth,
  balance,
  debtClaimAsset,
  type EngineState,
  type InvariantCheck,
  type ProtocolModel,
} from '../../engine/engine.js';
import {
  CircuitBreakerError,
  InsufficientBalanceError,
  InsufficientMarginError,
  InvalidParameterError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { readBigint, readBoolean, readInt, readString } from '../../engine/fields.js';
import { assetsOf, balanceOf, bucketsOf, moved } from '../../engine/ledger.js';
import type { Command, EngineEvent, Recorded } from '../../engine/machine.js';
import type { MarginAccount } from '../../engine/margin.js';
import { oracleStatus, requireBorrowAllowed } from '../../engine/oracle.js';
import { coverDeficit } from '../../engine/waterfall.js';
import { percentDiv } from '../../math/aave.js';
import { assert } from '../../math/errors.js';
import { min, mulDiv, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256, pow10 } from '../../math/units.js';
import { liquidationCallEvents } from './liquidation.js';
import {
  type AaveVersion,
  HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD,
  isLiquidatableHealth,
  valueInBase,
} from './math.js';
import { parseAaveParams } from './params.js';
import {
  type AaveAccountOpened,
  type AaveConfigured,
  type AaveDeficitCovered,
  type AaveEvent,
  type AaveExt,
  type AaveLiquidationGracePeriodSet,
  type AaveUserEModeSet,
  accountDataOf,
  adjustPosition,
  currentAccountData,
  effectiveRisk,
  eModeOf,
  emptyAaveExt,
  positionOf,
  priceBase,
  requireAccount,
  requireParams,
  requireReserve,
  reserveState,
  rulesOf,
} from './state.js';

/** Revert reasons of the non-liquidation commands (v3.3 error names). */
export const AAVE_REVERTS = {
  borrowingNotEnabled: 'BORROWING_NOT_ENABLED',
  notBorrowableInEMode: 'NOT_BORROWABLE_IN_EMODE',
  collateralBalanceIsZero: 'COLLATERAL_BALANCE_IS_ZERO',
  ltvValidationFailed: 'LTV_VALIDATION_FAILED',
  healthFactorLow: 'HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD',
  collateralCannotCoverNewBorrow: 'COLLATERAL_CANNOT_COVER_NEW_BORROW',
  notEnoughAvailableUserBalance: 'NOT_ENOUGH_AVAILABLE_USER_BALANCE',
  noDebtOfSelectedType: 'NO_DEBT_OF_SELECTED_TYPE',
  inconsistentEModeCategory: 'INCONSISTENT_EMODE_CATEGORY',
  reserveNotInDeficit: 'RESERVE_NOT_IN_DEFICIT',
} as const;

/** PoolConfigurator.MAX_GRACE_PERIOD: 4 hours. */
export const MAX_GRACE_PERIOD_SECONDS = 4 * 3600;

/** Command types the Aave models decide (the engine adds listAsset, fundWallet, oracle commands...). */
export const AAVE_COMMANDS: readonly string[] = [
  'configure',
  'supply',
  'deposit',
  'withdraw',
  'borrow',
  'repay',
  'setUserEMode',
  'setReserveGracePeriod',
  'liquidationCall',
  'eliminateReserveDeficit',
];

/** An amount field: integer ≥ 1, or `"max"` (returned as undefined). */
function readAmountOrMax(command: Command, key: string): bigint | undefined {
  if (command[key] === 'max') return undefined;
  return readBigint(command, key, key, { min: 1n, expect: 'an amount > 0 or "max"' });
}

function openIfNew(state: EngineState<AaveExt>, account: string): AaveAccountOpened[] {
  return state.ext.accounts.has(account) ? [] : [{ type: 'AaveAccountOpened', account }];
}

function decideConfigure(state: EngineState<AaveExt>, command: Command): EngineEvent[] {
  const params = parseAaveParams(command.params, 'params');
  const previous = state.ext.params;
  if (previous !== null) {
    for (const asset of Object.keys(previous.reserves)) {
      if (!Object.hasOwn(params.reserves, asset)) {
        throw new InvalidParameterError(`params.reserves.${asset}`, 'a configured reserve cannot be removed');
      }
    }
    for (const [id, user] of state.ext.accounts.entries()) {
      if (user.eModeCategory !== 0 && eModeOf(params, user.eModeCategory) === undefined) {
        throw new InvalidParameterError(
          `params.eModeCategories.${user.eModeCategory}`,
          `account ${id} is in this category; it cannot be removed`,
        );
      }
    }
  }
  const event: AaveConfigured = { type: 'AaveConfigured', params };
  return [event];
}

function decideSupply(state: EngineState<AaveExt>, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const asset = readString(command, 'asset');
  requireReserve(state, params, asset);
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
  // Lenders' liquidity (SupplyLogic.executeSupply by non-borrowing lenders): outside → pool.
  return moved(asset, 'world', 'pool', amount, 'supply');
}

function decideDeposit(state: EngineState<AaveExt>, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readString(command, 'account');
  const asset = readString(command, 'asset');
  requireReserve(state, params, asset);
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
  return [...openIfNew(state, account), ...moved(asset, 'world', `acct:${account}`, amount, 'deposit')];
}

/**
 * The oracle gate on borrowing: with the sentinel (3.3–3.6) no borrow during an outage grace
 * period or a breaker pause of the borrowed asset or any collateral of the user; 3.7 keeps only
 * the engine's breaker pause (its status cannot separate a breaker pause from the grace period
 * while both run, so during grace a breaker pause is not seen).
 */
function requireBorrowOracle(
  state: EngineState<AaveExt>,
  assets: readonly string[],
  nowSeconds: number,
): void {
  for (const asset of assets) {
    if (rulesOf(state).priceOracleSentinel) requireBorrowAllowed(state.oracle, asset, nowSeconds);
    else {
      const status = oracleStatus(state.oracle, asset, nowSeconds);
      if (status.borrowingPaused && !status.inGracePeriod) {
        throw new CircuitBreakerError('Borrowing', asset, 'a circuit breaker pauses borrowing');
      }
    }
  }
}

function decideBorrow(state: EngineState<AaveExt>, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readString(command, 'account');
  const asset = readString(command, 'asset');
  const reserve = requireReserve(state, params, asset);
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
  const user = requireAccount(state, account);
  // ValidationLogic.validateBorrow, in its order.
  if (!reserve.borrowingEnabled) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.borrowingNotEnabled,
      `${asset} cannot be borrowed in this market.`,
    );
  }
  const position = positionOf(state, params, account);
  requireBorrowOracle(state, [asset, ...Object.keys(position.collateral)], nowSeconds);
  const category = eModeOf(params, user.eModeCategory);
  if (category !== undefined && !category.borrowableAssets.includes(asset)) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.notBorrowableInEMode,
      `${asset} is not borrowable in eMode category ${category.id}; leave the category first.`,
    );
  }
  const data = accountDataOf(state, params, { position, eModeCategory: user.eModeCategory, nowSeconds });
  if (data.totalCollateralBase === 0n) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.collateralBalanceIsZero,
      'Deposit collateral before borrowing.',
    );
  }
  if (data.avgLtvBps === 0n) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.ltvValidationFailed,
      'The collateral has no borrowing power (LTV 0).',
    );
  }
  if (data.healthFactorWad <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD) {
    throw new InsufficientMarginError(
      account,
      `${AAVE_REVERTS.healthFactorLow}: health factor ${data.healthFactorWad} (WAD) is not above 1e18`,
    );
  }
  // amountInBaseCurrency = price · amount / unit (floor); the collateral needed is
  // (debt + amount) ÷% avg LTV with half-up percentDiv, as validateBorrow computes it.
  const amountBase = valueInBase(
    amount,
    priceBase(state, asset, nowSeconds),
    decimalsOf(state, asset),
    Rounding.Down,
  );
  const collateralNeededBase = percentDiv(data.totalDebtBase + amountBase, data.avgLtvBps);
  if (collateralNeededBase > data.totalCollateralBase) {
    throw new InsufficientMarginError(
      account,
      `${AAVE_REVERTS.collateralCannotCoverNewBorrow}: needs ${collateralNeededBase} base units of collateral, has ${data.totalCollateralBase}`,
    );
  }
  return [
    ...moved(asset, 'pool', `wallet:${account}`, amount, 'borrow'),
    ...moved(debtClaimAsset(asset), 'mint', `debt:${account}`, amount, 'borrow'),
  ];
}

function decimalsOf(state: EngineState<AaveExt>, asset: string): number {
  const info = state.assets[asset];
  assert(info !== undefined, `reserve ${asset} checked as listed`);
  return info.decimals;
}

function decideWithdraw(state: EngineState<AaveExt>, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readString(command, 'account');
  const asset = readString(command, 'asset');
  const reserve = requireReserve(state, params, asset);
  const user = requireAccount(state, account);
  const asked = readAmountOrMax(command, 'amount');
  const position = positionOf(state, params, account);
  const held = position.collateral[asset] ?? 0n;
  const amount = asked ?? held;
  if (amount === 0n || amount > held) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.notEnoughAvailableUserBalance,
      `The account holds ${held} ${asset}; withdraw at most that.`,
      { balance: held.toString(), amount: amount.toString() },
    );
  }
  // SupplyLogic.executeWithdraw: validateHFAndLtv only for collateral, and only when the user borrows.
  if (reserve.liquidationThresholdBps !== 0n && Object.keys(position.debt).length > 0) {
    const after = adjustPosition(position, 'collateral', asset, -amount);
    const data = accountDataOf(state, params, {
      position: after,
      eModeCategory: user.eModeCategory,
      nowSeconds,
    });
    if (data.healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD) {
      throw new InsufficientMarginError(
        account,
        `${AAVE_REVERTS.healthFactorLow}: health factor would be ${data.healthFactorWad} (WAD)`,
      );
    }
    if (data.hasZeroLtvCollateral && reserve.ltvBps !== 0n) {
      throw new ProtocolRevertError(
        AAVE_REVERTS.ltvValidationFailed,
        'With zero-LTV collateral posted, only zero-LTV assets may be withdrawn.',
      );
    }
  }
  return moved(asset, `acct:${account}`, 'world', amount, 'withdraw');
}

function decideRepay(state: EngineState<AaveExt>, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readString(command, 'account');
  const asset = readString(command, 'asset');
  requireReserve(state, params, asset);
  requireAccount(state, account);
  const payer = command.payer === undefined ? account : readString(command, 'payer');
  const asked = readAmountOrMax(command, 'amount');
  const owed = balanceOf(state.ledger, `debt:${account}`, debtClaimAsset(asset));
  if (owed === 0n) {
    throw new ProtocolRevertError(AAVE_REVERTS.noDebtOfSelectedType, `${account} owes no ${asset}.`);
  }
  // BorrowLogic.executeRepay: paybackAmount = min(amount, debt); uint max repays everything.
  const pay = asked === undefined ? owed : min(asked, owed);
  return [
    ...moved(asset, `wallet:${payer}`, 'pool', pay, 'repay'),
    ...moved(debtClaimAsset(asset), `debt:${account}`, 'mint', pay, 'repay'),
  ];
}

function decideSetUserEMode(
  state: EngineState<AaveExt>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const params = requireParams(state, command.type);
  const account = readString(command, 'account');
  const categoryId = readInt(command, 'categoryId', 'categoryId', { max: 255 });
  const category = eModeOf(params, categoryId);
  // ValidationLogic.validateSetUserEMode, then EModeLogic.executeSetUserEMode's health check.
  if (categoryId !== 0 && category === undefined) {
    throw new ProtocolRevertError(
      AAVE_REVERTS.inconsistentEModeCategory,
      `eMode category ${categoryId} is not configured.`,
    );
  }
  const event: AaveUserEModeSet = { type: 'AaveUserEModeSet', account, categoryId };
  if (!state.ext.accounts.has(account)) return [...openIfNew(state, account), event];
  const position = positionOf(state, params, account);
  if (category !== undefined) {
    for (const borrowed of Object.keys(position.debt)) {
      if (!category.borrowableAssets.includes(borrowed)) {
        throw new ProtocolRevertError(
          AAVE_REVERTS.notBorrowableInEMode,
          `The account borrows ${borrowed}, which category ${categoryId} does not allow.`,
        );
      }
    }
  }
  if (Object.keys(position.debt).length > 0) {
    const data = accountDataOf(state, params, { position, eModeCategory: categoryId, nowSeconds });
    if (data.healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD) {
      throw new InsufficientMarginError(
        account,
        `${AAVE_REVERTS.healthFactorLow}: health factor in category ${categoryId} would be ${data.healthFactorWad} (WAD)`,
      );
    }
  }
  return [event];
}

function decideSetReserveGracePeriod(
  state: EngineState<AaveExt>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  const params = requireParams(state, command.type);
  const asset = readString(command, 'asset');
  requireReserve(state, params, asset);
  const hasUntil = command.untilSeconds !== undefined;
  const hasPeriod = command.gracePeriodSeconds !== undefined;
  if (hasUntil === hasPeriod) {
    throw new InvalidParameterError('untilSeconds', 'give exactly one of untilSeconds or gracePeriodSeconds');
  }
  // Pool.setLiquidationGracePeriod(asset, until); PoolConfigurator.setReservePause passes
  // now + gracePeriod with gracePeriod ≤ MAX_GRACE_PERIOD.
  const untilSeconds = hasUntil
    ? readInt(command, 'untilSeconds', 'untilSeconds', { max: 2 ** 40 - 1 })
    : nowSeconds +
      readInt(command, 'gracePeriodSeconds', 'gracePeriodSeconds', { max: MAX_GRACE_PERIOD_SECONDS });
  const event: AaveLiquidationGracePeriodSet = { type: 'AaveLiquidationGracePeriodSet', asset, untilSeconds };
  return [event];
}

function decideLiquidationCall(
  state: EngineState<AaveExt>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] {
  const debtToCover =
    command.debtToCover === 'max' || command.debtToCover === 'type(uint256).max'
      ? MAX_UINT256
      : readBigint(command, 'debtToCover', 'debtToCover', {
          min: 1n,
          max: MAX_UINT256,
          expect: 'an amount > 0 or "max"',
        });
  if (command.receiveAToken !== undefined && readBoolean(command, 'receiveAToken')) {
    throw new InvalidParameterError(
      'receiveAToken',
      'only receiveAToken = false (underlying to the liquidator) is modelled',
    );
  }
  return liquidationCallEvents(state, {
    account: readString(command, 'account'),
    liquidator: readString(command, 'liquidator'),
    collateralAsset: readString(command, 'collateralAsset'),
    debtAsset: readString(command, 'debtAsset'),
    debtToCover,
    nowSeconds,
  });
}

function decideEliminateReserveDeficit(state: EngineState<AaveExt>, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const asset = readString(command, 'asset');
  requireReserve(state, params, asset);
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
  const deficit = reserveState(state.ext, asset).deficit;
  // LiquidationLogic.executeEliminateDeficit: the write-off is capped at the deficit.
  if (deficit === 0n) {
    throw new ProtocolRevertError(AAVE_REVERTS.reserveNotInDeficit, `${asset} has no deficit to eliminate.`);
  }
  const writeOff = min(amount, deficit);
  const fund = balance(state, 'insurance', asset);
  if (fund < writeOff) throw new InsufficientBalanceError('insurance', asset, fund, writeOff);
  const cover = coverDeficit({
    ledger: state.ledger,
    asset,
    claimAsset: debtClaimAsset(asset),
    from: 'insurance',
    creditorBucket: 'pool',
    maxAmount: writeOff,
  });
  assert(cover.covered === writeOff, 'deficit bucket out of step with the reserve deficit');
  const event: AaveDeficitCovered = { type: 'AaveDeficitCovered', asset, amount: writeOff };
  return [...cover.moves, event];
}

function decideAave(
  state: EngineState<AaveExt>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command);
    case 'supply':
      return decideSupply(state, command);
    case 'deposit':
      return decideDeposit(state, command);
    case 'withdraw':
      return decideWithdraw(state, command, nowSeconds);
    case 'borrow':
      return decideBorrow(state, command, nowSeconds);
    case 'repay':
      return decideRepay(state, command);
    case 'setUserEMode':
      return decideSetUserEMode(state, command, nowSeconds);
    case 'setReserveGracePeriod':
      return decideSetReserveGracePeriod(state, command, nowSeconds);
    case 'liquidationCall':
      return decideLiquidationCall(state, command, nowSeconds);
    case 'eliminateReserveDeficit':
      return decideEliminateReserveDeficit(state, command);
  }
  // createEngine only routes the types listed in AAVE_COMMANDS here.
  assert(false, `aave model got unrouted command ${command.type}`);
}

function withReserve(
  ext: AaveExt,
  asset: string,
  change: (r: AaveExt['reserves'][string]) => AaveExt['reserves'][string],
): AaveExt {
  return { ...ext, reserves: { ...ext.reserves, [asset]: change(reserveState(ext, asset)) } };
}

function evolveAave(state: EngineState<AaveExt>, recorded: Recorded): AaveExt {
  const ext = state.ext;
  const event = recorded.event as AaveEvent;
  switch (event.type) {
    case 'AaveConfigured':
      return { ...ext, params: event.params };
    case 'AaveAccountOpened':
      return { ...ext, accounts: ext.accounts.set(event.account, { eModeCategory: 0 }) };
    case 'AaveUserEModeSet':
      return { ...ext, accounts: ext.accounts.set(event.account, { eModeCategory: event.categoryId }) };
    case 'AaveLiquidationGracePeriodSet':
      return withReserve(ext, event.asset, (r) => ({
        ...r,
        liquidationGracePeriodUntil: event.untilSeconds,
      }));
    case 'AaveLiquidationCall':
      return { ...ext, liquidationCount: ext.liquidationCount + 1 };
    case 'AaveDeficitCreated':
      return withReserve(ext, event.asset, (r) => ({ ...r, deficit: r.deficit + event.amount }));
    case 'AaveDeficitCovered':
      return withReserve(ext, event.asset, (r) => ({ ...r, deficit: r.deficit - event.amount }));
  }
  assert(false, `aave model got a foreign event ${(event as EngineEvent).type}`);
}

/** USD WAD value of a balance: 1e8 base price · 1e10 = 1e18 scale. */
function valueWad(amount: bigint, priceBaseUsd: bigint, decimals: number, rounding: Rounding): bigint {
  return mulDiv(amount, priceBaseUsd * 10n ** 10n, pow10(decimals), rounding);
}

/**
 * A user as the engine's margin calculus sees it: each collateral with its effective (eMode-aware)
 * LT and LTV, each debt, at the oracle's USD·1e8 prices.
 * @throws UnknownAccountError, NotConfiguredError, StaleOraclePriceError.
 */
function aaveMarginAccount(
  state: EngineState<AaveExt>,
  accountId: string,
  nowSeconds: number,
): MarginAccount {
  const params = requireParams(state, 'marginAccount');
  const user = requireAccount(state, accountId);
  const category = eModeOf(params, user.eModeCategory);
  const position = positionOf(state, params, accountId);
  return {
    collateral: Object.entries(position.collateral).map(([asset, amount]) => {
      const risk = effectiveRisk(requireReserve(state, params, asset), category, asset);
      return {
        asset,
        amount,
        decimals: decimalsOf(state, asset),
        price: priceBase(state, asset, nowSeconds),
        priceDecimals: 8,
        liquidationThresholdBps: risk.liquidationThresholdBps,
        initialLtvBps: risk.ltvBps,
      };
    }),
    debt: Object.entries(position.debt).map(([asset, amount]) => ({
      asset,
      amount,
      decimals: decimalsOf(state, asset),
      price: priceBase(state, asset, nowSeconds),
      priceDecimals: 8,
    })),
  };
}

function healthOf(state: EngineState<AaveExt>, accountId: string, nowSeconds: number): AccountHealth {
  const params = requireParams(state, 'health');
  const data = currentAccountData(state, params, accountId, nowSeconds);
  const position = positionOf(state, params, accountId);
  let collateralValueWad = 0n;
  for (const [asset, amount] of Object.entries(position.collateral)) {
    if (params.reserves[asset]?.liquidationThresholdBps === 0n) continue;
    // Floor: collateral is never over-stated.
    collateralValueWad += valueWad(
      amount,
      priceBase(state, asset, nowSeconds),
      decimalsOf(state, asset),
      Rounding.Down,
    );
  }
  let debtValueWad = 0n;
  for (const [asset, amount] of Object.entries(position.debt)) {
    // Ceil: debt is never under-stated.
    debtValueWad += valueWad(
      amount,
      priceBase(state, asset, nowSeconds),
      decimalsOf(state, asset),
      Rounding.Up,
    );
  }
  return {
    accountId,
    healthWad: data.healthFactorWad,
    liquidatable: isLiquidatableHealth(data.healthFactorWad),
    collateralValueWad,
    debtValueWad,
  };
}

function invariantsOf(state: EngineState<AaveExt>): InvariantCheck[] {
  const ext = state.ext;
  const checks: InvariantCheck[] = [];
  const assets = new Set([...Object.keys(ext.params?.reserves ?? {}), ...Object.keys(ext.reserves)]);
  for (const asset of [...assets].sort()) {
    const recorded = reserveState(ext, asset).deficit;
    const ledger = balanceOf(state.ledger, 'deficit', debtClaimAsset(asset));
    checks.push({
      name: `aave.deficit.${asset}`,
      holds: recorded === ledger && recorded >= 0n,
      detail: `reserve.deficit ${recorded} vs ledger deficit bucket ${ledger}`,
    });
  }
  const strays: string[] = [];
  for (const asset of assetsOf(state.ledger)) {
    for (const [bucket, value] of bucketsOf(state.ledger, asset)) {
      if (value === 0n) continue;
      const owner = bucket.startsWith('acct:') || bucket.startsWith('debt:') ? bucket.slice(5) : undefined;
      if (owner !== undefined && !ext.accounts.has(owner)) strays.push(`${bucket} (${asset})`);
    }
  }
  checks.push({
    name: 'aave.accounts.known',
    holds: strays.length === 0,
    detail:
      strays.length === 0
        ? 'every position belongs to a known account'
        : `unknown owners: ${strays.join(', ')}`,
  });
  const badEMode = ext.accounts
    .entries()
    .filter(
      ([, a]) =>
        a.eModeCategory !== 0 && (ext.params === null || eModeOf(ext.params, a.eModeCategory) === undefined),
    );
  checks.push({
    name: 'aave.emode.configured',
    holds: badEMode.length === 0,
    detail:
      badEMode.length === 0
        ? 'every account eMode exists'
        : `missing categories for ${badEMode.map(([id]) => id).join(', ')}`,
  });
  return checks;
}

/** Model ids by version. */
export const AAVE_MODEL_IDS: Readonly<Record<AaveVersion, string>> = {
  '3.3': 'aave-v3.3',
  '3.5': 'aave-v3.5',
  '3.7': 'aave-v3.7',
};

const TITLES: Readonly<Record<AaveVersion, string>> = {
  '3.3':
    'Aave v3.3: whole-position close factor, $2k/$1k dust rules, deficit; half-up rounding, averaged-LT health factor',
  '3.5':
    'Aave v3.5–3.6: as 3.3 with debt valued rounding up, un-averaged health factor, ceil debt on capped seizures',
  '3.7':
    'Aave v3.7 (unreleased HEAD): as 3.5 with floor/ceil liquidation rounding against the liquidator, no sentinel',
};

const SOURCES: readonly string[] = [
  'aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/LiquidationLogic.sol',
  'aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/GenericLogic.sol',
  'aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/ValidationLogic.sol',
  'aave-dao/aave-v3-origin src/contracts/protocol/libraries/math/PercentageMath.sol',
  'aave-dao/aave-v3-origin docs/3.3/Aave-v3.3-features.md',
  'aave-dao/aave-v3-origin docs/3.7/liquidation-rounding.md',
  'aave-dao/aave-v3-origin docs/3.7/sentinel-removal.md',
];

/** Builds the model of one version. */
export function createAaveModel(version: AaveVersion): ProtocolModel<AaveExt> {
  return {
    id: AAVE_MODEL_IDS[version],
    title: TITLES[version],
    sources: SOURCES,
    commands: AAVE_COMMANDS,
    initialExt: () => emptyAaveExt(version),
    decide: decideAave,
    evolve: evolveAave,
    accountIds: (state) => state.ext.accounts.keys(),
    health: (state, accountId, nowSeconds) => {
      if (!state.ext.accounts.has(accountId)) throw new UnknownAccountError(accountId);
      return healthOf(state, accountId, nowSeconds);
    },
    invariants: invariantsOf,
    liquidationTarget: (command) =>
      command.type === 'liquidationCall' && typeof command.account === 'string' ? command.account : undefined,
    marginAccount: aaveMarginAccount,
    borrowRequest: (_state, command) =>
      command.type === 'borrow' && typeof command.account === 'string' && typeof command.asset === 'string'
        ? { account: command.account, asset: command.asset }
        : undefined,
  };
}

/** Aave v3.3 (and 3.4's rounding): ids `aave-v3.3`. */
export const aaveV33Model: ProtocolModel<AaveExt> = createAaveModel('3.3');
/** Aave v3.5–3.6: id `aave-v3.5`. */
export const aaveV35Model: ProtocolModel<AaveExt> = createAaveModel('3.5');
/** Aave v3.7 (unreleased HEAD): id `aave-v3.7`. */
export const aaveV37Model: ProtocolModel<AaveExt> = createAaveModel('3.7');
