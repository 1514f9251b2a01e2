/**
 * Euler v2 (Euler Vault Kit) as an engine protocol model `euler-v2`: one controller (borrow) vault
 * lending one asset against collateral vaults with per-collateral borrow and liquidation LTVs (the
 * liquidation LTV ramping down after a governance `setLTV`), the account status check at borrow
 * LTVs on borrow and withdraw, and `liquidate` with the health-scaled discount capped by the
 * vault's maximum discount, the debt transferred to the liquidator (whose own account must stay
 * healthy), the cool-off after an account's last status check, and debt socialization when no
 * collateral is left. Ported from euler-xyz/euler-vault-kit src/EVault/modules/{Liquidation,
 * Governance,Vault,Borrowing}.sol and src/EVault/shared/{LiquidityUtils,types/LTVConfig}.sol.
 *
 * Ledger mapping:
 * - `<asset>` tokens (the controller vault's asset): `pool` holds the vault's cash; lenders supply
 *   from `world` (or their wallet); borrows and lender withdrawals go to `wallet:<account>`;
 *   repayments come from a wallet.
 * - `<asset>.debt` claims: `debt:<id>` holds each account's debt (Euler `owed`, asset units);
 *   `mint` issues them on borrow and takes them back on repay; a liquidation moves them from
 *   `debt:<violator>` to `debt:<liquidator>` (Euler `transferBorrow`); socialization moves the
 *   written-off rest to `socialized`.
 * - `<asset>.shares` (the controller vault's shares): `acct:<id>` holds a lender's shares, `mint`
 *   issues them. Depositors own `pool` + Σ `debt:*` through them, so a socialized debt lowers every
 *   share's value: `Σ supplied − Σ withdrawn = cash + totalBorrows + socialized` is an invariant.
 * - Collateral tokens: `acct:<id>` holds the account's balance in each collateral vault; the
 *   liquidator receives seized collateral into `acct:<liquidator>`, where it backs its new debt.
 *
 * Deviations from the real vaults (see also the report): collateral vaults are escrow vaults at a
 * 1:1 share price (their balances are underlying units); no interest accrues (debt is tracked in
 * asset units, which Euler's `owed` equals exactly without interest); one price per asset (the
 * mid-point quote and the bid/ask quotes coincide); no EVC batches except the liquidator's optional
 * repay inside its liquidation; collateral is enabled on first deposit and the controller on first
 * borrow, and neither is ever disabled; a liquidation of an account that owes nothing or is not in
 * violation is refused (Euler would run a no-op); supply and borrow caps, hooks, fees, flash loans
 * and `clearLTV` are not modelled. The engine's `insurance` bucket is not used: Euler has no
 * insurance fund, and its bad-debt path is socialization to depositors.
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
  InsufficientBalanceError,
  InsufficientMarginError,
  InvalidParameterError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { readBigint, readBoolean, readEnum, readInt, readString } from '../../engine/fields.js';
import { balanceOf, bucketsOf, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import type { MarginAccount } from '../../engine/margin.js';
import { spotPrice } from '../../engine/oracle.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256, pow10, WAD } from '../../math/units.js';
import { decideLiquidate } from './liquidation.js';
import {
  CONFIG_SCALE,
  currentLtvBps,
  healthScoreWad,
  isInViolation,
  MAX_UINT16,
  MAX_UINT32,
  nextLtvConfig,
  setLtvRevert,
  toAssetsDown,
  toSharesDown,
  toSharesUp,
} from './math.js';
import { parseEulerParams } from './params.js';
import {
  accountOrEmpty,
  type EulerAccountEnabled,
  type EulerCollateralMoved,
  type EulerConfigured,
  type EulerDebtChanged,
  type EulerExt,
  type EulerGovernanceSet,
  type EulerLtvSet,
  type EulerSharesMoved,
  type EulerStatusChecked,
  type EulerVault,
  evolveEuler,
  initialEulerExt,
  liquidationLiquidity,
  own,
  passesAccountStatusCheck,
  requireAccount,
  requireVault,
  sharesAsset,
} from './state.js';

/** Model id. */
export const EULER_V2_ID = 'euler-v2';

/**
 * Commands the Euler model decides (besides the engine's own). Amounts are smallest units (bigint,
 * safe integer or decimal string); LTVs and discounts are bps:
 * - `configure {params}` (once; see {@link parseEulerParams}; the assets must be listed);
 * - `setLTV {collateral, borrowLTV, liquidationLTV, rampDuration}` (governance; a lowered
 *   liquidation LTV ramps down linearly over `rampDuration` seconds);
 * - `setMaxLiquidationDiscount {discountBps}`, `setLiquidationCoolOffTime {seconds}`,
 *   `setConfigFlags {dontSocializeDebt}` (governance);
 * - `deposit {account, asset, amount, source?: 'world' | 'wallet'}`: collateral into its vault
 *   (enables it on first deposit);
 * - `withdraw {account, asset, amount | 'max', to?}`: collateral, or the vault's own asset for a
 *   lender (`max` redeems every share); runs the account status check at borrow LTVs;
 * - `supply {account, amount, source?}`: lenders' liquidity into the controller vault;
 * - `borrow {account, amount, to?}` (account status check); `repay {account, amount | 'max',
 *   payer?}` from `wallet:<payer>` (default the account);
 * - `liquidate {violator, liquidator, collateral, repayAssets | 'max', minYieldBalance?,
 *   repayFromWallet?}`.
 */
export const EULER_COMMANDS: readonly string[] = [
  'configure',
  'setLTV',
  'setMaxLiquidationDiscount',
  'setLiquidationCoolOffTime',
  'setConfigFlags',
  'deposit',
  'withdraw',
  'supply',
  'borrow',
  'repay',
  'liquidate',
];

type State = EngineState<EulerExt>;

const amountField = (command: Command, key = 'amount'): bigint =>
  readBigint(command, key, key, { min: 1n, max: MAX_UINT256, expect: 'an amount > 0' });

/** An amount field that may be `"max"` (returned as undefined). */
function amountOrMax(command: Command, key = 'amount'): bigint | undefined {
  return command[key] === 'max' ? undefined : amountField(command, key);
}

/** Where tokens brought in come from: `world` (default) or the account's wallet. */
function sourceBucket(command: Command, account: string): string {
  if (command.source === undefined) return 'world';
  return readEnum(command, 'source', ['world', 'wallet']) === 'world' ? 'world' : `wallet:${account}`;
}

/** Folds events into a working state (for checks on the state a command would leave). */
function fold(state: State, events: readonly EngineEvent[], nowSeconds: number): State {
  let ext = state.ext;
  for (const event of events) if (event.type !== 'Moved') ext = evolveEuler(ext, event, nowSeconds);
  return { ...state, ext };
}

/**
 * The account status check the EVC runs through the controller after an operation (Euler
 * `checkAccountStatus` → `checkLiquidity` at borrow LTVs): nothing for an account without a
 * controller; otherwise refused when it fails, and an `EulerStatusChecked` stamp when it passes.
 * @throws InsufficientMarginError (Euler E_AccountLiquidity); StaleOraclePriceError.
 */
function statusCheck(
  state: State,
  id: string,
  events: readonly EngineEvent[],
  nowSeconds: number,
): EngineEvent[] {
  const after = fold(state, events, nowSeconds);
  const account = accountOrEmpty(after, id);
  if (!account.controllerEnabled) return [];
  if (!passesAccountStatusCheck(after, account, nowSeconds)) {
    throw new InsufficientMarginError(
      id,
      'Euler E_AccountLiquidity: its collateral at borrow LTVs would not exceed its liability value',
    );
  }
  const checked: EulerStatusChecked = { type: 'EulerStatusChecked', account: id };
  return [checked];
}

function totalsOf(vault: EulerVault) {
  return { cash: vault.cash, totalBorrows: vault.totalBorrows, totalShares: vault.totalShares };
}

function decideConfigure(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  if (state.ext.vault !== null) {
    throw new ProtocolRevertError(
      'E_Initialized',
      'The vault is configured once; use the governance commands.',
    );
  }
  const params = parseEulerParams(command.params);
  const assetDecimals = requireAsset(state, params.asset).decimals;
  const configured: EulerConfigured = { type: 'EulerConfigured', params, assetDecimals };
  const events: EngineEvent[] = [configured];
  for (const [collateral, c] of Object.entries(params.collaterals)) {
    requireAsset(state, collateral);
    const set: EulerLtvSet = {
      type: 'EulerLtvSet',
      collateral,
      config: nextLtvConfig(
        undefined,
        { borrowLtvBps: c.borrowLtvBps, liquidationLtvBps: c.liquidationLtvBps, rampDurationSeconds: 0 },
        nowSeconds,
      ),
    };
    events.push(set);
  }
  return events;
}

function decideSetLtv(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const collateral = readString(command, 'collateral');
  requireAsset(state, collateral);
  if (collateral === vault.asset) {
    throw new ProtocolRevertError('E_InvalidLTVAsset', 'A vault cannot be its own collateral.');
  }
  const ltv = (key: string): bigint =>
    readBigint(command, key, key, { max: MAX_UINT16, expect: 'bps as a uint16' });
  const setting = {
    borrowLtvBps: ltv('borrowLTV'),
    liquidationLtvBps: ltv('liquidationLTV'),
    rampDurationSeconds: readInt(command, 'rampDuration', 'rampDuration', { min: 0, max: MAX_UINT32 }),
  };
  const current = own(vault.ltv, collateral);
  const revert = setLtvRevert(current, setting, nowSeconds);
  if (revert !== undefined) {
    throw new ProtocolRevertError(
      revert,
      'LTVs must be ≤ 10000 bps, borrow ≤ liquidation, and a ramp only lowers the liquidation LTV in force.',
      current === undefined
        ? {}
        : { currentLiquidationLTV: currentLtvBps(current, true, nowSeconds).toString() },
    );
  }
  const set: EulerLtvSet = {
    type: 'EulerLtvSet',
    collateral,
    config: nextLtvConfig(current, setting, nowSeconds),
  };
  return [set];
}

function decideGovernance(state: State, command: Command): EngineEvent[] {
  requireVault(state, command.type);
  let event: EulerGovernanceSet;
  if (command.type === 'setMaxLiquidationDiscount') {
    const discount = readBigint(command, 'discountBps', 'discountBps', { max: MAX_UINT16 });
    if (discount > CONFIG_SCALE) {
      throw new ProtocolRevertError('E_ConfigAmountTooLargeToEncode', 'A discount is at most 10000 bps.');
    }
    if (discount === CONFIG_SCALE) {
      throw new ProtocolRevertError(
        'E_BadMaxLiquidationDiscount',
        'The maximum discount must be below 100 %.',
      );
    }
    event = { type: 'EulerGovernanceSet', maxLiquidationDiscountBps: discount };
  } else if (command.type === 'setLiquidationCoolOffTime') {
    event = {
      type: 'EulerGovernanceSet',
      liquidationCoolOffSeconds: readInt(command, 'seconds', 'seconds', { min: 0, max: Number(MAX_UINT16) }),
    };
  } else {
    event = { type: 'EulerGovernanceSet', dontSocializeDebt: readBoolean(command, 'dontSocializeDebt') };
  }
  return [event];
}

function decideDeposit(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const id = readString(command, 'account');
  const asset = readString(command, 'asset');
  requireAsset(state, asset);
  if (own(vault.ltv, asset) === undefined) {
    throw new InvalidParameterError(
      'asset',
      `${asset} is not a collateral of this vault`,
      asset === vault.asset ? 'Lenders use `supply`.' : 'Configure it with setLTV first.',
    );
  }
  const amount = amountField(command);
  const account = accountOrEmpty(state, id);
  const deposited: EulerCollateralMoved = { type: 'EulerCollateralDeposited', account: id, asset, amount };
  const events: EngineEvent[] = [
    ...moved(asset, sourceBucket(command, id), `acct:${id}`, amount, 'deposit'),
    deposited,
  ];
  if (!account.enabledCollaterals.includes(asset)) {
    // EVC enableCollateral requires an account status check (deferred to the end of the batch).
    const enabled: EulerAccountEnabled = { type: 'EulerCollateralEnabled', account: id, asset };
    events.push(enabled);
    events.push(...statusCheck(state, id, events, nowSeconds));
  }
  return events;
}

function decideSupply(state: State, command: Command): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const id = readString(command, 'account');
  const assets = amountField(command);
  // Euler Vault.deposit: shares = assets.toSharesDown (floor: favours existing depositors).
  const shares = toSharesDown(assets, totalsOf(vault));
  if (shares === 0n)
    throw new ProtocolRevertError('E_ZeroShares', `${assets} buys no share at the current rate.`);
  const supplied: EulerSharesMoved = { type: 'EulerSupplied', account: id, assets, shares };
  return [
    ...moved(vault.asset, sourceBucket(command, id), 'pool', assets, 'supply'),
    ...moved(sharesAsset(vault.asset), 'mint', `acct:${id}`, shares, 'supply'),
    supplied,
  ];
}

function decideWithdraw(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const id = readString(command, 'account');
  const asset = readString(command, 'asset');
  const to = command.to === undefined ? id : readString(command, 'to');
  const account = requireAccount(state, id);
  const requested = amountOrMax(command);
  let events: EngineEvent[];
  if (asset === vault.asset) {
    let assets: bigint;
    let shares: bigint;
    if (requested === undefined) {
      // Euler Vault.redeem(max): every share, assets = shares.toAssetsDown (floor: favours the vault).
      shares = account.shares;
      assets = toAssetsDown(shares, totalsOf(vault));
      if (assets === 0n) throw new ProtocolRevertError('E_ZeroAssets', `${id}'s shares redeem for nothing.`);
    } else {
      // Euler Vault.withdraw: shares burned = assets.toSharesUp (ceil: favours the vault).
      assets = requested;
      shares = toSharesUp(assets, totalsOf(vault));
    }
    if (shares > account.shares) {
      throw new InsufficientBalanceError(`acct:${id}`, sharesAsset(vault.asset), account.shares, shares);
    }
    if (assets > vault.cash) {
      throw new ProtocolRevertError('E_InsufficientCash', `The vault holds ${vault.cash}; ${assets} asked.`, {
        cash: vault.cash.toString(),
      });
    }
    const redeemed: EulerSharesMoved = { type: 'EulerRedeemed', account: id, assets, shares };
    events = [
      ...moved(vault.asset, 'pool', `wallet:${to}`, assets, 'withdraw'),
      ...moved(sharesAsset(vault.asset), `acct:${id}`, 'mint', shares, 'withdraw'),
      redeemed,
    ];
  } else {
    requireAsset(state, asset);
    const held = own(account.collateral, asset) ?? 0n;
    const amount = requested ?? held;
    if (amount === 0n) throw new InvalidParameterError('amount', `${id} holds no ${asset}`);
    if (held < amount) throw new InsufficientBalanceError(`acct:${id}`, asset, held, amount);
    const withdrawn: EulerCollateralMoved = { type: 'EulerCollateralWithdrawn', account: id, asset, amount };
    events = [...moved(asset, `acct:${id}`, `wallet:${to}`, amount, 'withdraw'), withdrawn];
  }
  // CHECKACCOUNT_CALLER: the owner's account status check.
  return [...events, ...statusCheck(state, id, events, nowSeconds)];
}

function decideBorrow(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const id = readString(command, 'account');
  const to = command.to === undefined ? id : readString(command, 'to');
  const amount = amountField(command);
  if (amount > vault.cash) {
    throw new ProtocolRevertError('E_InsufficientCash', `The vault holds ${vault.cash}; ${amount} asked.`, {
      cash: vault.cash.toString(),
    });
  }
  const events: EngineEvent[] = [];
  if (!accountOrEmpty(state, id).controllerEnabled) {
    const enabled: EulerAccountEnabled = { type: 'EulerControllerEnabled', account: id };
    events.push(enabled);
  }
  const borrowed: EulerDebtChanged = { type: 'EulerBorrowed', account: id, amount };
  events.push(
    ...moved(vault.asset, 'pool', `wallet:${to}`, amount, 'borrow'),
    ...moved(debtClaimAsset(vault.asset), 'mint', `debt:${id}`, amount, 'borrow'),
    borrowed,
  );
  return [...events, ...statusCheck(state, id, events, nowSeconds)];
}

function decideRepay(state: State, command: Command): EngineEvent[] {
  const vault = requireVault(state, command.type);
  const id = readString(command, 'account');
  const payer = command.payer === undefined ? id : readString(command, 'payer');
  const account = requireAccount(state, id);
  const requested = amountOrMax(command);
  const amount = requested ?? account.owed;
  if (amount === 0n) throw new InvalidParameterError('amount', `${id} owes nothing`);
  if (amount > account.owed) {
    throw new ProtocolRevertError('E_RepayTooMuch', `${id} owes ${account.owed}; ${amount} offered.`, {
      owed: account.owed.toString(),
    });
  }
  const wallet = `wallet:${payer}`;
  const have = balanceOf(state.ledger, wallet, vault.asset);
  if (have < amount) throw new InsufficientBalanceError(wallet, vault.asset, have, amount);
  const repaid: EulerDebtChanged = { type: 'EulerRepaid', account: id, amount };
  return [
    ...moved(vault.asset, wallet, 'pool', amount, 'repay'),
    ...moved(debtClaimAsset(vault.asset), `debt:${id}`, 'mint', amount, 'repay'),
    repaid,
  ];
}

function decideLiquidateCommand(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  requireVault(state, command.type);
  return decideLiquidate(state, {
    violator: readString(command, 'violator'),
    liquidator: readString(command, 'liquidator'),
    collateral: readString(command, 'collateral'),
    repayAssets:
      command.repayAssets === 'max'
        ? 'max'
        : readBigint(command, 'repayAssets', 'repayAssets', {
            max: MAX_UINT256,
            expect: 'an amount or "max"',
          }),
    minYieldBalance:
      command.minYieldBalance === undefined
        ? 0n
        : readBigint(command, 'minYieldBalance', 'minYieldBalance', { max: MAX_UINT256 }),
    repayFromWallet: command.repayFromWallet === undefined ? false : readBoolean(command, 'repayFromWallet'),
    nowSeconds,
  });
}

function decideEuler(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command, nowSeconds);
    case 'setLTV':
      return decideSetLtv(state, command, nowSeconds);
    case 'setMaxLiquidationDiscount':
    case 'setLiquidationCoolOffTime':
    case 'setConfigFlags':
      return decideGovernance(state, command);
    case 'deposit':
      return decideDeposit(state, command, nowSeconds);
    case 'withdraw':
      return decideWithdraw(state, command, nowSeconds);
    case 'supply':
      return decideSupply(state, command);
    case 'borrow':
      return decideBorrow(state, command, nowSeconds);
    case 'repay':
      return decideRepay(state, command);
    case 'liquidate':
      return decideLiquidateCommand(state, command, nowSeconds);
    default:
      throw new InvalidParameterError('type', `euler-v2 has no command ${command.type}`);
  }
}

/** Value of `amount` of `asset` in USD WAD at the oracle's spot price, with the given rounding. */
function usdWad(state: State, asset: string, amount: bigint, nowSeconds: number, rounding: Rounding): bigint {
  if (amount === 0n) return 0n;
  const reading = spotPrice(state.oracle, asset, nowSeconds);
  const decimals = requireAsset(state, asset).decimals;
  return mulDiv(amount, reading.price * WAD, pow10(decimals + reading.priceDecimals), rounding);
}

/**
 * Health as Euler's liquidation sees it: the health score `collateralAdjustedValue · 1e18 /
 * liabilityValue` (floor) at liquidation LTVs and mid prices; liquidatable when in violation
 * (`collateralAdjustedValue ≤ liabilityValue`, equality included, liability worth > 0).
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError.
 */
function healthOf(state: State, accountId: string, nowSeconds: number): AccountHealth {
  requireVault(state, 'health');
  const account = requireAccount(state, accountId);
  const { collateralAdjustedValue, liabilityValue } = liquidationLiquidity(state, account, nowSeconds);
  let collateralValueWad = 0n;
  for (const asset of account.enabledCollaterals) {
    // Floor: collateral is never over-valued in reports.
    collateralValueWad += usdWad(
      state,
      asset,
      own(account.collateral, asset) ?? 0n,
      nowSeconds,
      Rounding.Down,
    );
  }
  const vault = requireVault(state, 'health');
  return {
    accountId,
    healthWad: healthScoreWad(collateralAdjustedValue, liabilityValue, MAX_UINT256),
    liquidatable: isInViolation(collateralAdjustedValue, liabilityValue),
    collateralValueWad,
    // Ceil: debt is never under-stated in reports.
    debtValueWad: usdWad(state, vault.asset, account.owed, nowSeconds, Rounding.Up),
  };
}

/**
 * The account as the engine's margin calculus sees it: each held collateral with its current
 * (possibly ramping) liquidation LTV as threshold and its borrow LTV as initial LTV, the debt in
 * the vault's asset, at the oracle's spot prices. The margin calculus calls an account at health
 * exactly 1 healthy; Euler liquidates it (`≤`), which {@link healthOf} follows.
 * @throws UnknownAccountError, NotConfiguredError, StaleOraclePriceError.
 */
function eulerMarginAccount(state: State, accountId: string, nowSeconds: number): MarginAccount {
  const vault = requireVault(state, 'marginAccount');
  const account = requireAccount(state, accountId);
  const line = (asset: string) => {
    const reading = spotPrice(state.oracle, asset, nowSeconds);
    return {
      asset,
      decimals: requireAsset(state, asset).decimals,
      price: reading.price,
      priceDecimals: reading.priceDecimals,
    };
  };
  return {
    collateral: account.enabledCollaterals
      .filter((asset) => (own(account.collateral, asset) ?? 0n) > 0n && own(vault.ltv, asset) !== undefined)
      .map((asset) => {
        const config = own(vault.ltv, asset);
        return {
          ...line(asset),
          amount: own(account.collateral, asset) ?? 0n,
          liquidationThresholdBps: config === undefined ? 0n : currentLtvBps(config, true, nowSeconds),
          initialLtvBps: config === undefined ? 0n : config.borrowLtvBps,
        };
      }),
    debt: account.owed === 0n ? [] : [{ ...line(vault.asset), amount: account.owed }],
  };
}

function check(name: string, errors: readonly string[]): InvariantCheck {
  return { name: `euler-v2/${name}`, holds: errors.length === 0, detail: errors.join('; ') };
}

function invariantsOf(state: State): readonly InvariantCheck[] {
  const vault = state.ext.vault;
  if (vault === null) return [];
  const { ledger } = state;
  const asset = vault.asset;
  const debtAsset = debtClaimAsset(asset);
  const shareAsset = sharesAsset(asset);
  const accountErrors: string[] = [];
  const controllerErrors: string[] = [];
  let owedSum = 0n;
  let sharesSum = 0n;
  const collateralSums = new Map<string, bigint>();
  for (const [id, a] of state.ext.accounts.entries()) {
    owedSum += a.owed;
    sharesSum += a.shares;
    const debtInLedger = balanceOf(ledger, `debt:${id}`, debtAsset);
    const sharesInLedger = balanceOf(ledger, `acct:${id}`, shareAsset);
    if (debtInLedger !== a.owed || sharesInLedger !== a.shares) {
      accountErrors.push(
        `${id}: owed ${a.owed} vs ledger ${debtInLedger}, shares ${a.shares} vs ledger ${sharesInLedger}`,
      );
    }
    for (const [c, amount] of Object.entries(a.collateral)) {
      collateralSums.set(c, (collateralSums.get(c) ?? 0n) + amount);
      if (!a.enabledCollaterals.includes(c)) accountErrors.push(`${id}: holds ${c} without enabling it`);
    }
    for (const c of vault.ltvList) {
      const inLedger = balanceOf(ledger, `acct:${id}`, c);
      const inState = own(a.collateral, c) ?? 0n;
      if (inLedger !== inState) accountErrors.push(`${id} ${c}: ledger ${inLedger}, state ${inState}`);
    }
    if (a.owed > 0n && !a.controllerEnabled)
      controllerErrors.push(`${id} owes ${a.owed} without a controller`);
  }
  const collateralErrors: string[] = [];
  for (const c of vault.ltvList) {
    const inLedger = sumByPrefix(ledger, c, 'acct:');
    const inState = collateralSums.get(c) ?? 0n;
    if (inLedger !== inState) collateralErrors.push(`${c}: Σ acct: ${inLedger}, Σ accounts ${inState}`);
  }
  const cash = balanceOf(ledger, 'pool', asset);
  const socialized = balanceOf(ledger, 'socialized', debtAsset);
  const ltvErrors: string[] = [];
  for (const c of vault.ltvList) {
    const config = own(vault.ltv, c);
    if (config === undefined) {
      ltvErrors.push(`${c} listed without a configuration`);
      continue;
    }
    const current = currentLtvBps(config, true, state.timeSeconds);
    const top =
      config.initialLiquidationLtvBps > config.liquidationLtvBps
        ? config.initialLiquidationLtvBps
        : config.liquidationLtvBps;
    if (
      config.borrowLtvBps > config.liquidationLtvBps ||
      top > CONFIG_SCALE ||
      current < config.liquidationLtvBps ||
      current > top
    ) {
      ltvErrors.push(
        `${c}: borrow ${config.borrowLtvBps}, target ${config.liquidationLtvBps}, current ${current}, from ${config.initialLiquidationLtvBps}`,
      );
    }
  }
  const names = (a: string): string[] => bucketsOf(ledger, a).map(([bucket]) => bucket);
  const strayBuckets = [
    // `insurance` may hold tokens sent by the engine's fundInsurance: Euler never uses them.
    ...names(asset).filter(
      (b) => b !== 'pool' && b !== 'world' && b !== 'insurance' && !b.startsWith('wallet:'),
    ),
    ...names(debtAsset).filter((b) => b !== 'mint' && b !== 'socialized' && !b.startsWith('debt:')),
    ...names(shareAsset).filter((b) => b !== 'mint' && !b.startsWith('acct:')),
  ];
  return [
    check('accounts', accountErrors),
    check('controller', controllerErrors),
    check('collateral-totals', collateralErrors),
    check('cash', cash === vault.cash ? [] : [`pool holds ${cash}, vault cash ${vault.cash}`]),
    check(
      'totalBorrows',
      vault.totalBorrows === owedSum && sumByPrefix(ledger, debtAsset, 'debt:') === owedSum
        ? []
        : [
            `totalBorrows ${vault.totalBorrows}, Σ owed ${owedSum}, Σ debt: ${sumByPrefix(ledger, debtAsset, 'debt:')}`,
          ],
    ),
    check(
      'totalShares',
      vault.totalShares === sharesSum && -balanceOf(ledger, 'mint', shareAsset) === sharesSum
        ? []
        : [
            `totalShares ${vault.totalShares}, Σ shares ${sharesSum}, minted ${-balanceOf(ledger, 'mint', shareAsset)}`,
          ],
    ),
    check(
      'socialized',
      socialized === vault.socializedDebt
        ? []
        : [`ledger socialized ${socialized}, vault ${vault.socializedDebt}`],
    ),
    check(
      'depositors',
      vault.totalSupplied - vault.totalWithdrawn === vault.cash + vault.totalBorrows + vault.socializedDebt
        ? []
        : [
            `supplied − withdrawn ${vault.totalSupplied - vault.totalWithdrawn} ≠ cash ${vault.cash} + borrows ${vault.totalBorrows} + socialized ${vault.socializedDebt}`,
          ],
    ),
    check('ltv', ltvErrors),
    check('buckets', strayBuckets.length === 0 ? [] : [`unexpected buckets ${strayBuckets.join(', ')}`]),
  ];
}

/** The Euler v2 model. */
export const eulerV2Model: ProtocolModel<EulerExt> = {
  id: EULER_V2_ID,
  title:
    'Euler v2 (EVK): liquidation LTV with ramps, health-scaled discount capped by the max discount, debt transfer to the liquidator, cool-off, debt socialization',
  sources: [
    'euler-xyz/euler-vault-kit src/EVault/modules/Liquidation.sol',
    'euler-xyz/euler-vault-kit src/EVault/shared/LiquidityUtils.sol',
    'euler-xyz/euler-vault-kit src/EVault/shared/types/LTVConfig.sol',
    'euler-xyz/euler-vault-kit src/EVault/modules/Governance.sol',
    'euler-xyz/euler-vault-kit src/EVault/shared/lib/ConversionHelpers.sol',
    'euler-xyz/evk-periphery script/production/mainnet/clusters/PrimeCluster.s.sol',
  ],
  commands: EULER_COMMANDS,
  initialExt: initialEulerExt,
  decide: decideEuler,
  evolve: (state, recorded) => evolveEuler(state.ext, recorded.event, recorded.atSeconds),
  accountIds: (state) => state.ext.accounts.keys(),
  health: healthOf,
  invariants: invariantsOf,
  marginAccount: eulerMarginAccount,
  liquidationTarget(command) {
    return command.type === 'liquidate' && typeof command.violator === 'string'
      ? command.violator
      : undefined;
  },
  borrowRequest(state, command) {
    const vault = state.ext.vault;
    if (vault === null || command.type !== 'borrow' || typeof command.account !== 'string') return undefined;
    return { account: command.account, asset: vault.asset };
  },
};
