/**
 * Compound v3 (Comet) as an engine protocol model `compound-v3`: one borrowable base asset,
 * collateral that is not lent, `isLiquidatable` with liquidateCollateralFactor, `absorb` of whole
 * accounts into the protocol's reserves, `buyCollateral` at the storefront discount while reserves
 * are below target, and `withdrawReserves`. Ported from compound-finance/comet
 * contracts/Comet.sol and contracts/CometCore.sol (see math.ts and absorb.ts for the formulas).
 *
 * Ledger mapping (Comet keeps supplier cash and reserves in one ERC-20 balance; reserves are a
 * residual, `getReserves = balance − totalSupply + totalBorrow`, which may be negative):
 * - `<base>` tokens: Comet's whole base balance sits in `pool` (supplier cash and reserve cash
 *   alike: borrowers may draw either, as in Comet). Lenders supply from `world` (or their wallet);
 *   borrows and withdrawals go to `wallet:<account>`; repayments come from `wallet:<account>`;
 *   buyers pay from `wallet:<buyer>`; the governor's reserve withdrawals go to its wallet.
 * - `<base>.debt` claims: `debt:<id>` holds the account's present debt, `presentValueBorrow(
 *   −principal)`; `deficit` holds negative reserves (what the protocol owes the market beyond its
 *   equity, i.e. bad debt absorbed and not yet recovered); `mint` issues them.
 * - `<base>.supply` claims: `acct:<id>` holds the account's present supply balance,
 *   `presentValueSupply(principal)`; `protocol` holds positive reserves (the protocol's equity in
 *   the market); `mint` issues them.
 * - Collateral tokens: `acct:<id>` holds posted collateral (`userCollateral`); `protocol` holds the
 *   collateral reserves seized by absorb (`getCollateralReserves`), which `buyCollateral` sells
 *   into `wallet:<recipient>`.
 * - Every command posts its reserve change so that, after each command, the balance-sheet identity
 *   holds: protocol(`.supply`) − deficit(`.debt`) = pool(`<base>`) + Σ debt:*(`.debt`) −
 *   Σ acct:*(`.supply`), with at most one of protocol(`.supply`) and deficit(`.debt`) non-zero.
 *   An absorb posts −(debt taken over + supply credited), which is −basePaidOut (exactly so at
 *   indexes of 1e15): the covered debt and any excess credit in its execution stage, the uncovered
 *   shortfall in its loss waterfall (`absorbLoss` over `reserves`, then `deficit`).
 * - Agreement with Comet's totals: Comet's `getReserves()` (computed from `pool` and the principal
 *   totals) minus the ledger's reserves equals the rounding gap between present values of totals and
 *   sums of per-account present values, [pvBorrow(totalBorrowBase) − Σ pvBorrow(bᵢ)] −
 *   [pvSupply(totalSupplyBase) − Σ pvSupply(sᵢ)]: exactly 0 while the indexes are 1e15, and less
 *   than the number of accounts in magnitude otherwise. Every decision (NotForSale,
 *   InsufficientReserves) uses Comet's own `getReserves()`.
 *
 * Not modelled: interest accrual (the indexes stay at 1e15 unless the `setIndexes` command moves
 * them, which re-marks every claim and posts the spread to reserves), reward tracking, pause flags,
 * `transfer`/`allow`, and the newer asset-list variants that skip assets with a zero factor.
 */
import { debtClaimAsset, type EngineState, type ProtocolModel, requireAsset } from '../../engine/engine.js';
import {
  InsufficientBalanceError,
  InsufficientMarginError,
  InvalidParameterError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { readBigint, readEnum, readString } from '../../engine/fields.js';
import { balanceOf, bucketsOf, type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import type { MarginAccount } from '../../engine/margin.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256 } from '../../math/units.js';
import { decideAbsorb } from './absorb.js';
import {
  accountBucket,
  applyMoves,
  claimMoves,
  closeBooks,
  cometCash,
  debtBucket,
  impliedReserves,
  ledgerReserves,
  supplyClaimAsset,
} from './books.js';
import {
  cometReserves,
  healthWad,
  isBorrowCollateralized,
  isLiquidatable,
  MAX_UINT64,
  MAX_UINT104,
  MAX_UINT128,
  mulFactor,
  mulPrice,
  presentValue,
  presentValueBorrow,
  presentValueSupply,
  principalValue,
  quoteCollateral,
  repayAndSupplyAmount,
  signedMulPrice,
  withdrawAndBorrowAmount,
} from './math.js';
import { buildMarket, type CompoundMarket, parseCompoundParams } from './params.js';
import {
  type BasePrincipalChanged,
  type CollateralChanged,
  type CompoundCollateralBought,
  type CompoundConfigured,
  type CompoundExt,
  type CompoundIndexesSet,
  type CompoundReservesMoved,
  cometPrice,
  evolveCompound,
  holdingsOf,
  initialCompoundExt,
  own,
  presentClaims,
  requireAccount,
  requireCollateralAsset,
  requireMarket,
} from './state.js';

/** Model id. */
export const COMPOUND_V3_ID = 'compound-v3';

/**
 * Commands the Comet model decides (besides the engine's own). Amounts are smallest units (bigint,
 * safe integer or decimal string):
 * - `configure {params}` (once; see {@link parseCompoundParams}; the assets must be listed);
 * - `supply {account, amount, source?: 'world' | 'wallet'}`: base supplied (repays debt first);
 * - `repay {account, amount | 'max'}`: base from `wallet:<account>` (`max` = the present debt);
 * - `supplyCollateral {account, asset, amount, source?}`, `withdrawCollateral {account, asset,
 *   amount, to?}` (borrow-CF check);
 * - `borrow | withdraw {account, amount, to?}`: Comet `withdrawBase` (supply first, then debt;
 *   baseBorrowMin and borrow-CF checks);
 * - `absorb {absorber, accounts: string[], gasCostWei?}`;
 * - `buyCollateral {buyer, asset, minAmount, baseAmount, recipient?}`;
 * - `withdrawReserves {actor, amount, to?}` (actor must be the governor);
 * - `fundReserves {amount, from?}`: base tokens sent to Comet outside any function (a donation);
 * - `setIndexes {baseSupplyIndex, baseBorrowIndex}`: moves the indexes up (accrual stand-in).
 */
export const COMPOUND_COMMANDS: readonly string[] = [
  'configure',
  'supply',
  'repay',
  'supplyCollateral',
  'withdrawCollateral',
  'borrow',
  'withdraw',
  'absorb',
  'buyCollateral',
  'withdrawReserves',
  'fundReserves',
  'setIndexes',
];

type State = EngineState<CompoundExt>;

/** USD·1e8 → USD·1e18. */
const USD8_TO_WAD = 10n ** 10n;

/** Comet `getReserves()` in the current state, signed base units. */
export function reservesOf(state: State, market: CompoundMarket): bigint {
  return cometReserves({
    balance: cometCash(state.ledger, market.params.baseAsset),
    totalSupplyBase: state.ext.totalSupplyBase,
    totalBorrowBase: state.ext.totalBorrowBase,
    indexes: state.ext.indexes,
  });
}

/** The protocol's collateral reserves of an asset (Comet `getCollateralReserves`), smallest units. */
export function collateralReservesOf(state: State, asset: string): bigint {
  return balanceOf(state.ledger, 'protocol', asset);
}

const baseAmount = (command: Command, key = 'amount'): bigint =>
  readBigint(command, key, key, { min: 1n, max: MAX_UINT104, expect: 'base units in [1, 2^104)' });
const collateralAmount = (command: Command): bigint =>
  readBigint(command, 'amount', 'amount', { min: 1n, max: MAX_UINT128, expect: 'token units in [1, 2^128)' });

/** Where a supply comes from: `world` (default) or the account's wallet. */
function sourceBucket(command: Command, account: string): string {
  if (command.source === undefined) return 'world';
  return readEnum(command, 'source', ['world', 'wallet']) === 'world' ? 'world' : `wallet:${account}`;
}

/** Comet `supplyBase`: repays debt first, the rest becomes a supply balance. */
function supplyBase(
  state: State,
  account: string,
  amount: bigint,
  from: string,
  reason: string,
): EngineEvent[] {
  const market = requireMarket(state, reason);
  const base = market.params.baseAsset;
  const { indexes } = state.ext;
  const oldPrincipal = state.ext.accounts.get(account)?.principal ?? 0n;
  const newPrincipal = principalValue(presentValue(oldPrincipal, indexes) + amount, indexes);
  const { repay, supply } = repayAndSupplyAmount(oldPrincipal, newPrincipal);
  const cash = moved(base, from, 'pool', amount, reason);
  const claims = claimMoves(
    applyMoves(state.ledger, cash),
    base,
    account,
    presentClaims(newPrincipal, indexes),
    reason,
  );
  const event: BasePrincipalChanged = {
    type: 'BaseSupplied',
    account,
    amount,
    principal: newPrincipal,
    totalSupplyBase: state.ext.totalSupplyBase + supply,
    totalBorrowBase: state.ext.totalBorrowBase - repay,
  };
  return [...closeBooks(state.ledger, base, [...cash, ...claims], reason), event];
}

/** Comet `isBorrowCollateralized` for an account with the given principal and collateral. */
function requireCollateralized(
  state: State,
  market: CompoundMarket,
  account: string,
  principal: bigint,
  collateral: Readonly<Record<string, bigint>>,
  nowSeconds: number,
): void {
  const balance = presentValue(principal, state.ext.indexes);
  if (balance >= 0n) return;
  const input = {
    presentValue: balance,
    basePrice: cometPrice(state, market.params.baseAsset, nowSeconds),
    baseScale: market.baseScale,
    holdings: holdingsOf(state, market, collateral, 'borrowCollateralFactor', nowSeconds),
  };
  if (!isBorrowCollateralized(input)) {
    throw new InsufficientMarginError(
      account,
      `Comet isBorrowCollateralized is false at the borrowCollateralFactors (NotCollateralized()), balance ${balance}`,
    );
  }
}

/** Comet `withdrawBase`: withdraws supply first, the rest is borrowed (borrow-CF check). */
function withdrawBase(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const base = market.params.baseAsset;
  const id = readString(command, 'account');
  const to = command.to === undefined ? id : readString(command, 'to');
  const amount = baseAmount(command);
  const account = requireAccount(state, id);
  const { indexes } = state.ext;
  const srcBalance = presentValue(account.principal, indexes) - amount;
  const newPrincipal = principalValue(srcBalance, indexes);
  const { withdraw, borrow } = withdrawAndBorrowAmount(account.principal, newPrincipal);
  if (srcBalance < 0n) {
    if (-srcBalance < market.params.baseBorrowMin) {
      throw new ProtocolRevertError(
        'BorrowTooSmall',
        `A debt must be at least baseBorrowMin ${market.params.baseBorrowMin}.`,
        {
          debt: (-srcBalance).toString(),
        },
      );
    }
    requireCollateralized(state, market, id, newPrincipal, account.collateral, nowSeconds);
  }
  const cash = moved(base, 'pool', `wallet:${to}`, amount, command.type);
  const claims = claimMoves(
    applyMoves(state.ledger, cash),
    base,
    id,
    presentClaims(newPrincipal, indexes),
    command.type,
  );
  const event: BasePrincipalChanged = {
    type: 'BaseWithdrawn',
    account: id,
    amount,
    principal: newPrincipal,
    totalSupplyBase: state.ext.totalSupplyBase - withdraw,
    totalBorrowBase: state.ext.totalBorrowBase + borrow,
  };
  return [...closeBooks(state.ledger, base, [...cash, ...claims], command.type), event];
}

function decideConfigure(state: State, command: Command): EngineEvent[] {
  if (state.ext.market !== null) {
    throw new ProtocolRevertError(
      'AlreadyInitialized',
      'Comet is configured once; start a new engine to change it.',
    );
  }
  const params = parseCompoundParams(command.params);
  const market = buildMarket(params, (asset) => requireAsset(state, asset).decimals);
  const event: CompoundConfigured = { type: 'CompoundConfigured', market };
  return [event];
}

function decideSupplyCollateral(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const id = readString(command, 'account');
  const asset = readString(command, 'asset');
  const amount = collateralAmount(command);
  const info = requireCollateralAsset(market, asset);
  const totalSupplyAsset = (own(state.ext.totalsCollateral, asset) ?? 0n) + amount;
  if (info.supplyCap !== null && totalSupplyAsset > info.supplyCap) {
    throw new ProtocolRevertError(
      'SupplyCapExceeded',
      `${asset} supply would exceed its cap ${info.supplyCap}.`,
      {
        totalSupplyAsset: totalSupplyAsset.toString(),
      },
    );
  }
  const balance = (state.ext.accounts.get(id)?.collateral[asset] ?? 0n) + amount;
  if (balance > MAX_UINT128)
    throw new ProtocolRevertError('InvalidUInt128', 'A collateral balance must fit uint128.');
  const event: CollateralChanged = {
    type: 'CollateralSupplied',
    account: id,
    asset,
    amount,
    balance,
    totalSupplyAsset,
  };
  return [...moved(asset, sourceBucket(command, id), accountBucket(id), amount, 'supplyCollateral'), event];
}

function decideWithdrawCollateral(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const id = readString(command, 'account');
  const asset = readString(command, 'asset');
  const to = command.to === undefined ? id : readString(command, 'to');
  const amount = collateralAmount(command);
  requireCollateralAsset(market, asset);
  const account = requireAccount(state, id);
  const held = own(account.collateral, asset) ?? 0n;
  // Comet: `srcCollateral − amount` underflows (panic 0x11) when the account holds less.
  if (held < amount) throw new InsufficientBalanceError(accountBucket(id), asset, held, amount);
  const collateral = { ...account.collateral, [asset]: held - amount };
  // Comet: no accrual here; borrowCF < liquidateCF covers the difference.
  requireCollateralized(state, market, id, account.principal, collateral, nowSeconds);
  const event: CollateralChanged = {
    type: 'CollateralWithdrawn',
    account: id,
    asset,
    amount,
    balance: held - amount,
    totalSupplyAsset: (own(state.ext.totalsCollateral, asset) ?? 0n) - amount,
  };
  return [...moved(asset, accountBucket(id), `wallet:${to}`, amount, 'withdrawCollateral'), event];
}

function decideRepay(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const id = readString(command, 'account');
  const account = requireAccount(state, id);
  // Comet `supply(base, type(uint256).max)` repays exactly `borrowBalanceOf(dst)`.
  const amount =
    command.amount === 'max'
      ? account.principal < 0n
        ? presentValueBorrow(state.ext.indexes.baseBorrowIndex, -account.principal)
        : 0n
      : baseAmount(command);
  if (amount === 0n) throw new InvalidParameterError('amount', `${id} has no debt to repay`);
  const from = `wallet:${id}`;
  const have = balanceOf(state.ledger, from, market.params.baseAsset);
  if (have < amount) throw new InsufficientBalanceError(from, market.params.baseAsset, have, amount);
  return supplyBase(state, id, amount, from, 'repay');
}

function decideBuyCollateral(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const base = market.params.baseAsset;
  const buyer = readString(command, 'buyer');
  const recipient = command.recipient === undefined ? buyer : readString(command, 'recipient');
  const asset = readString(command, 'asset');
  const minAmount = readBigint(command, 'minAmount', 'minAmount', { max: MAX_UINT256 });
  const paid = readBigint(command, 'baseAmount', 'baseAmount', { max: MAX_UINT104 });
  const info = requireCollateralAsset(market, asset);
  const reserves = reservesOf(state, market);
  const target = market.params.targetReserves;
  if (reserves >= 0n && reserves >= target) {
    throw new ProtocolRevertError(
      'NotForSale',
      'Collateral is sold only while reserves are below targetReserves.',
      {
        reserves: reserves.toString(),
        targetReserves: target.toString(),
      },
    );
  }
  // Comet transfers the base in before quoting: a buyer short of funds fails first.
  const wallet = `wallet:${buyer}`;
  const have = balanceOf(state.ledger, wallet, base);
  if (have < paid) throw new InsufficientBalanceError(wallet, base, have, paid);
  const bought = quoteCollateral({
    assetPrice: cometPrice(state, asset, nowSeconds),
    basePrice: cometPrice(state, base, nowSeconds),
    baseAmount: paid,
    assetScale: info.scale,
    baseScale: market.baseScale,
    storeFrontPriceFactorWad: market.params.storeFrontPriceFactor,
    liquidationFactorWad: info.liquidationFactor,
  });
  if (bought < minAmount) {
    throw new ProtocolRevertError('TooMuchSlippage', `The quote ${bought} is below minAmount ${minAmount}.`, {
      collateralAmount: bought.toString(),
    });
  }
  const inReserve = collateralReservesOf(state, asset);
  if (bought > inReserve) {
    throw new ProtocolRevertError(
      'InsufficientReserves',
      `Only ${inReserve} ${asset} is held in collateral reserves.`,
      {
        collateralAmount: bought.toString(),
        collateralReserves: inReserve.toString(),
      },
    );
  }
  const event: CompoundCollateralBought = {
    type: 'CompoundCollateralBought',
    buyer,
    recipient,
    asset,
    baseAmount: paid,
    collateralAmount: bought,
    reservesBefore: reserves,
  };
  return [
    ...closeBooks(state.ledger, base, moved(base, wallet, 'pool', paid, 'buyCollateral'), 'buyCollateral'),
    ...moved(asset, 'protocol', `wallet:${recipient}`, bought, 'buyCollateral'),
    event,
  ];
}

function decideWithdrawReserves(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const base = market.params.baseAsset;
  const actor = readString(command, 'actor');
  const to = command.to === undefined ? actor : readString(command, 'to');
  const amount = readBigint(command, 'amount', 'amount', { min: 1n, max: MAX_UINT256 });
  if (actor !== market.params.governor) {
    throw new ProtocolRevertError(
      'Unauthorized',
      `Only the governor (${market.params.governor}) may withdraw reserves.`,
    );
  }
  const reserves = reservesOf(state, market);
  if (reserves < 0n || amount > reserves) {
    throw new ProtocolRevertError('InsufficientReserves', `Reserves are ${reserves}, ${amount} asked.`, {
      reserves: reserves.toString(),
    });
  }
  const event: CompoundReservesMoved = { type: 'CompoundReservesWithdrawn', actor, amount };
  return [
    ...closeBooks(
      state.ledger,
      base,
      moved(base, 'pool', `wallet:${to}`, amount, 'withdrawReserves'),
      'withdrawReserves',
    ),
    event,
  ];
}

function decideFundReserves(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const base = market.params.baseAsset;
  const amount = baseAmount(command);
  const actor = command.from === undefined ? 'world' : readString(command, 'from');
  const from = actor === 'world' ? 'world' : `wallet:${actor}`;
  const event: CompoundReservesMoved = { type: 'CompoundReservesFunded', actor, amount };
  return [
    ...closeBooks(state.ledger, base, moved(base, from, 'pool', amount, 'fundReserves'), 'fundReserves'),
    event,
  ];
}

function decideSetIndexes(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const base = market.params.baseAsset;
  const now = state.ext.indexes;
  const read = (key: 'baseSupplyIndex' | 'baseBorrowIndex'): bigint =>
    readBigint(command, key, key, {
      min: now[key],
      max: MAX_UINT64,
      expect: `an index in [${now[key]}, 2^64) (indexes only grow, as accrual makes them)`,
    });
  const indexes = { baseSupplyIndex: read('baseSupplyIndex'), baseBorrowIndex: read('baseBorrowIndex') };
  const claims: Moved[] = [];
  for (const [id, account] of state.ext.accounts.entries()) {
    const principal = account.principal;
    claims.push(...claimMoves(state.ledger, base, id, presentClaims(principal, indexes), 'setIndexes'));
  }
  const event: CompoundIndexesSet = { type: 'CompoundIndexesSet', ...indexes };
  return [...closeBooks(state.ledger, base, claims, 'setIndexes'), event];
}

function decideCompound(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command);
    case 'supply': {
      requireMarket(state, command.type);
      const id = readString(command, 'account');
      return supplyBase(state, id, baseAmount(command), sourceBucket(command, id), 'supply');
    }
    case 'repay':
      return decideRepay(state, command);
    case 'supplyCollateral':
      return decideSupplyCollateral(state, command);
    case 'withdrawCollateral':
      return decideWithdrawCollateral(state, command, nowSeconds);
    case 'borrow':
    case 'withdraw':
      return withdrawBase(state, command, nowSeconds);
    case 'absorb': {
      requireMarket(state, command.type);
      const absorber = readString(command, 'absorber');
      const raw = command.accounts;
      if (!Array.isArray(raw)) throw new InvalidParameterError('accounts', 'expected a list of account ids');
      const accounts = raw.map((a, i) => {
        if (typeof a !== 'string' || a.length === 0)
          throw new InvalidParameterError(`accounts.${i}`, 'expected an account id');
        return a;
      });
      const gasCostWei =
        command.gasCostWei === undefined
          ? 0n
          : readBigint(command, 'gasCostWei', 'gasCostWei', { max: MAX_UINT128 });
      return decideAbsorb(state, { absorber, accounts, gasCostWei }, nowSeconds);
    }
    case 'buyCollateral':
      return decideBuyCollateral(state, command, nowSeconds);
    case 'withdrawReserves':
      return decideWithdrawReserves(state, command);
    case 'fundReserves':
      return decideFundReserves(state, command);
    case 'setIndexes':
      return decideSetIndexes(state, command);
    default:
      throw new InvalidParameterError('type', `compound-v3 has no command ${command.type}`);
  }
}

/**
 * An account as the engine's margin calculus sees it: each collateral with its liquidate and
 * borrow collateral factors as bps (Comet keeps them with 4 decimals, so the conversion is exact),
 * the present base debt, at the oracle's USD·1e8 prices.
 * @throws UnknownAccountError, NotConfiguredError, StaleOraclePriceError.
 */
function cometMarginAccount(state: State, accountId: string, nowSeconds: number): MarginAccount {
  const market = requireMarket(state, 'marginAccount');
  const account = requireAccount(state, accountId);
  const base = market.params.baseAsset;
  const balance = presentValue(account.principal, state.ext.indexes);
  const FACTOR_TO_BPS = 10n ** 14n;
  return {
    collateral: market.assets
      .filter((info) => (own(account.collateral, info.asset) ?? 0n) > 0n)
      .map((info) => ({
        asset: info.asset,
        amount: own(account.collateral, info.asset) ?? 0n,
        decimals: state.assets[info.asset]?.decimals ?? 0,
        price: cometPrice(state, info.asset, nowSeconds),
        priceDecimals: 8,
        liquidationThresholdBps: info.liquidateCollateralFactor / FACTOR_TO_BPS,
        initialLtvBps: info.borrowCollateralFactor / FACTOR_TO_BPS,
      })),
    debt:
      balance < 0n
        ? [
            {
              asset: base,
              amount: -balance,
              decimals: state.assets[base]?.decimals ?? 0,
              price: cometPrice(state, base, nowSeconds),
              priceDecimals: 8,
            },
          ]
        : [],
  };
}

function healthOf(state: State, accountId: string, nowSeconds: number) {
  const market = requireMarket(state, 'health');
  const account = requireAccount(state, accountId);
  const basePrice = cometPrice(state, market.params.baseAsset, nowSeconds);
  const holdings = holdingsOf(state, market, account.collateral, 'liquidateCollateralFactor', nowSeconds);
  const balance = presentValue(account.principal, state.ext.indexes);
  const input = { presentValue: balance, basePrice, baseScale: market.baseScale, holdings };
  const debtUsd8 = balance < 0n ? -signedMulPrice(balance, basePrice, market.baseScale) : 0n;
  let weightedUsd8 = 0n;
  let collateralValueWad = 0n;
  for (const h of holdings) {
    weightedUsd8 += mulFactor(mulPrice(h.balance, h.price, h.scale), h.factorWad);
    // Floor: collateral is never over-valued in reports.
    collateralValueWad += mulDiv(h.balance, h.price * USD8_TO_WAD, h.scale, Rounding.Down);
  }
  return {
    accountId,
    healthWad: healthWad(weightedUsd8, debtUsd8, MAX_UINT256),
    liquidatable: isLiquidatable(input),
    collateralValueWad,
    // Ceil: debt is never under-stated in reports.
    debtValueWad:
      balance < 0n ? mulDiv(-balance, basePrice * USD8_TO_WAD, market.baseScale, Rounding.Up) : 0n,
  };
}

function invariantsOf(state: State) {
  const market = state.ext.market;
  if (market === null) return [];
  const base = market.params.baseAsset;
  const { ledger, ext } = state;
  const supplyAsset = supplyClaimAsset(base);
  const debtAsset = debtClaimAsset(base);
  const ids = ext.accounts.keys();

  let supplyPrincipal = 0n;
  let borrowPrincipal = 0n;
  let sumSupplyPv = 0n;
  let sumDebtPv = 0n;
  const claimErrors: string[] = [];
  const collateralErrors: string[] = [];
  for (const id of ids) {
    const account = ext.accounts.get(id);
    if (account === undefined) continue;
    if (account.principal > 0n) supplyPrincipal += account.principal;
    else borrowPrincipal -= account.principal;
    const want = presentClaims(account.principal, ext.indexes);
    sumSupplyPv += want.supply;
    sumDebtPv += want.debt;
    const haveSupply = balanceOf(ledger, accountBucket(id), supplyAsset);
    const haveDebt = balanceOf(ledger, debtBucket(id), debtAsset);
    if (haveSupply !== want.supply || haveDebt !== want.debt) {
      claimErrors.push(
        `${id}: ledger supply ${haveSupply} / debt ${haveDebt}, present ${want.supply} / ${want.debt}`,
      );
    }
    for (const info of market.assets) {
      const inLedger = balanceOf(ledger, accountBucket(id), info.asset);
      const inState = own(account.collateral, info.asset) ?? 0n;
      if (inLedger !== inState)
        collateralErrors.push(`${id} ${info.asset}: ledger ${inLedger}, state ${inState}`);
    }
  }
  for (const info of market.assets) {
    const total = own(ext.totalsCollateral, info.asset) ?? 0n;
    const inLedger = sumByPrefix(ledger, info.asset, 'acct:');
    if (total !== inLedger)
      collateralErrors.push(`${info.asset}: totalSupplyAsset ${total}, Σ acct: ${inLedger}`);
  }
  const equity = balanceOf(ledger, 'protocol', supplyAsset);
  const deficit = balanceOf(ledger, 'deficit', debtAsset);
  const reserves = ledgerReserves(ledger, base);
  const implied = impliedReserves(ledger, base);
  const comet = reservesOf(state, market);
  const gap =
    presentValueBorrow(ext.indexes.baseBorrowIndex, ext.totalBorrowBase) -
    sumDebtPv -
    (presentValueSupply(ext.indexes.baseSupplyIndex, ext.totalSupplyBase) - sumSupplyPv);
  const bucketNames = (asset: string): string[] => bucketsOf(ledger, asset).map(([bucket]) => bucket);
  const strayBuckets = [
    ...bucketNames(supplyAsset).filter((b) => b !== 'mint' && b !== 'protocol' && !b.startsWith('acct:')),
    ...bucketNames(debtAsset).filter((b) => b !== 'mint' && b !== 'deficit' && !b.startsWith('debt:')),
    ...bucketNames(base).filter((b) => b === 'protocol' || b.startsWith('acct:') || b.startsWith('debt:')),
  ];
  return [
    {
      name: 'compound-v3/totals',
      holds: supplyPrincipal === ext.totalSupplyBase && borrowPrincipal === ext.totalBorrowBase,
      detail: `totalSupplyBase ${ext.totalSupplyBase} vs Σ ${supplyPrincipal}; totalBorrowBase ${ext.totalBorrowBase} vs Σ ${borrowPrincipal}`,
    },
    { name: 'compound-v3/claims', holds: claimErrors.length === 0, detail: claimErrors.join('; ') },
    {
      name: 'compound-v3/collateral',
      holds: collateralErrors.length === 0,
      detail: collateralErrors.join('; '),
    },
    {
      name: 'compound-v3/reserves-split',
      holds: equity === 0n || deficit === 0n,
      detail: `protocol equity ${equity} and deficit ${deficit} are both non-zero`,
    },
    {
      name: 'compound-v3/balance-sheet',
      holds: reserves === implied,
      detail: `protocol − deficit = ${reserves}, pool + Σ debt − Σ supply = ${implied}`,
    },
    {
      name: 'compound-v3/getReserves',
      holds: comet - reserves === gap && (gap < 0n ? -gap : gap) <= BigInt(ids.length),
      detail: `Comet getReserves ${comet}, ledger ${reserves}, rounding gap ${gap}`,
    },
    {
      name: 'compound-v3/buckets',
      holds: strayBuckets.length === 0,
      detail: `unexpected buckets ${strayBuckets.join(', ')}`,
    },
  ];
}

/** The Comet model. */
export const compoundV3Model: ProtocolModel<CompoundExt> = {
  id: COMPOUND_V3_ID,
  title:
    'Compound v3 (Comet): isLiquidatable, absorb into reserves, buyCollateral at the storefront discount',
  sources: [
    'compound-finance/comet contracts/Comet.sol',
    'compound-finance/comet contracts/CometCore.sol',
    'compound-finance/comet contracts/CometMath.sol',
    'compound-finance/comet deployments/mainnet/usdc/configuration.json',
  ],
  commands: COMPOUND_COMMANDS,
  initialExt: initialCompoundExt,
  decide: decideCompound,
  evolve: (state, recorded) => evolveCompound(state.ext, recorded.event),
  accountIds: (state) => state.ext.accounts.keys(),
  health: healthOf,
  invariants: invariantsOf,
  marginAccount: cometMarginAccount,
  liquidationTarget(command) {
    if (command.type !== 'absorb' || !Array.isArray(command.accounts)) return undefined;
    const first: unknown = command.accounts[0];
    return typeof first === 'string' ? first : undefined;
  },
  // Comet's `withdraw` of base past the supply balance borrows too (Comet.withdrawBase).
  borrowRequest(state, command) {
    const market = state.ext.market;
    if (market === null || (command.type !== 'borrow' && command.type !== 'withdraw')) return undefined;
    return typeof command.account === 'string'
      ? { account: command.account, asset: market.params.baseAsset }
      : undefined;
  },
};
