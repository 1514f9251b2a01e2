/**
 * crvUSD (Curve's stablecoin, one mint market: a Controller and its LLAMMA) as the engine protocol
 * model `crvusd`. A loan is collateral deposited as liquidity in N bands of the AMM below the
 * current price; as the oracle price falls into the bands, arbitrageurs buy the cheap collateral
 * from the AMM for crvUSD (soft liquidation) and sell it back on the way up (de-liquidation); the
 * loan is hard-liquidated once health(full=True) at its liquidation discount goes below 0. Ported
 * from curvefi/curve-stablecoin contracts/Controller.vy and contracts/AMM.vy (commit 58289a4), see
 * math.ts, amm.ts, controller.ts and liquidation.ts for the formulas and what is not ported.
 *
 * Soft liquidation is driven explicitly: the oracle moves only the AMM's price curve; bands change
 * hands when someone trades. `exchange` is the AMM's own swap; `arbitrage {arbitrageur, maxSteps?}`
 * is the trade a profit-seeking arbitrageur makes against the oracle (market) price: it sizes the
 * swap with the AMM's `get_amount_for_price` so that the AMM's marginal price, net of the fee,
 * reaches the oracle price (p_o·(1 − fee) when buying collateral after a fall: the bands crossed
 * turn into crvUSD; p_o/(1 − fee) when selling it back after a rise), optionally at most `maxSteps`
 * band boundaries at a time, capped by the arbitrageur's wallet; the arbitrageur is taken to trade
 * the other side outside at the oracle price (its gain at that price is in the event).
 *
 * Ledger mapping:
 * - `<stablecoin>` (crvUSD): the debt ceiling is minted (`mint` → `protocol`, the Controller's
 *   balance) at `configure`; loans are paid out of `protocol` into `wallet:<account>`, repayments
 *   and liquidations pay back into `protocol`; stablecoin held in bands (soft-liquidated
 *   collateral) and the AMM's admin fees sit in `amm` (the LLAMMA contract's balance); traders and
 *   liquidators pay from and receive into their wallets; admin fees go to `wallet:<feeReceiver>`.
 * - `<collateral>`: posted collateral sits in `amm` (from `world` or the wallet); it leaves to
 *   wallets on repayment, removal, trades and liquidation, and to `world` when the system sells a
 *   written-off loan's collateral.
 * - `<stablecoin>.debt` claims: `debt:<account>` holds each loan's debt (issued by `mint`);
 *   repayments extinguish them; unpaid debt of a written-off loan is parked in `deficit`.
 * Identity after every command: protocol(crvUSD) + Σ debt:*(crvUSD.debt) + deficit(crvUSD.debt)
 * = debt ceiling (no interest is accrued: rate_mul stays 1).
 *
 * Not modelled: interest (monetary policy, rate_mul, `collect_fees` of interest), the EMA price
 * oracle (the engine oracle's spot or TWAP price stands in, per `priceSource`; crvUSD is taken at
 * $1), the ETH wrapping paths,
 * callbacks (`create_loan_extended`, `repay_extended`, `liquidate_extended`'s callbacker), the
 * repay `max_active_band` guard, and `max_borrowable` / `min_collateral` views. `exchange_dy` and
 * the dynamic fee of later LLAMMA versions are out too (amm.ts).
 */
import { balance, type EngineState, type ProtocolModel, requireAsset } from '../../engine/engine.js';
import {
  CircuitBreakerError,
  InsufficientBalanceError,
  InvalidParameterError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { readBigint, readEnum, readInt, readString } from '../../engine/fields.js';
import { balanceOf, bucketsOf, type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { oracleStatus } from '../../engine/oracle.js';
import { MAX_UINT256 } from '../../math/units.js';
import {
  type AmmState,
  activeBandWithSkip,
  ammPatch,
  ammPrice,
  bandAt,
  depositRange,
  exchange,
  getAmountForPrice,
  getSumXY,
  hasLiquidity,
  userTicks,
  withdraw,
} from './amm.js';
import { calculateDebtN1, controllerHealth } from './controller.js';
import { decideCrvusdLiquidation } from './liquidation.js';
import { checkedSub, MAX_SKIP_TICKS, MAX_TICKS, MIN_TICKS, WAD } from './math.js';
import { buildMarket, type CrvusdMarket, parseCrvusdParams } from './params.js';
import {
  type ControllerTotals,
  type CrvusdConfigured,
  type CrvusdExchanged,
  type CrvusdExt,
  type CrvusdFeesCollected,
  type CrvusdLoanAdjusted,
  type CrvusdLoanCreated,
  type CrvusdRepaid,
  evolveCrvusd,
  initialCrvusdExt,
  type LoanState,
  oraclePriceWad,
  requireLoan,
  requireMarket,
} from './state.js';

/** Model id. */
export const CRVUSD_ID = 'crvusd';

/**
 * Commands the crvUSD model decides (besides the engine's own). Amounts are token units (bigint,
 * safe integer or decimal string):
 * - `configure {params}` (once; {@link parseCrvusdParams}; both assets listed; without
 *   `basePriceWad` the collateral's oracle price is read, so configure the oracle first);
 * - `createLoan {account, collateral, debt, N, source?: 'world' | 'wallet'}` (4 ≤ N ≤ 50);
 * - `addCollateral {account, amount, source?}`, `removeCollateral {account, amount}`,
 *   `borrowMore {account, collateral?, debt, source?}`;
 * - `repay {account, amount | 'max', payer?}` (payer defaults to the account);
 * - `exchange {trader, i, j, amount, minAmount?}` (i = 0: crvUSD in, collateral out);
 * - `arbitrage {arbitrageur, maxSteps?}` (the exchange that brings the AMM price, net of the fee,
 *   to the oracle price);
 * - `liquidate {account, liquidator, minX?}`, `liquidateExtended {account, liquidator, frac, minX?}`
 *   (liquidator = account: self-liquidation, allowed at any health);
 * - `writeOffBadDebt {account}` (the system closes an insolvent loan: deficit);
 * - `collectFees {}` (AMM admin fees to the fee receiver's wallet).
 */
export const CRVUSD_COMMANDS: readonly string[] = [
  'configure',
  'createLoan',
  'addCollateral',
  'removeCollateral',
  'borrowMore',
  'repay',
  'exchange',
  'arbitrage',
  'liquidate',
  'liquidateExtended',
  'writeOffBadDebt',
  'collectFees',
];

type State = EngineState<CrvusdExt>;

const amountOf = (command: Command, key: string, min = 1n): bigint =>
  readBigint(command, key, key, { min, max: MAX_UINT256, expect: `token units in [${min}, 2^256)` });

/** Where deposited collateral comes from: `world` (default) or the account's wallet. */
function sourceBucket(command: Command, account: string): string {
  if (command.source === undefined) return 'world';
  return readEnum(command, 'source', ['world', 'wallet']) === 'world' ? 'world' : `wallet:${account}`;
}

/** Refuses new debt while an oracle breaker pauses borrowing against the collateral. */
function requireBorrowingOpen(state: State, market: CrvusdMarket, nowSeconds: number): void {
  const asset = market.params.collateralAsset;
  if (oracleStatus(state.oracle, asset, nowSeconds).breakerPausesBorrowing) {
    throw new CircuitBreakerError(
      'Borrowing',
      asset,
      'an oracle breaker is tripped; an operator must reset it',
    );
  }
}

function withTotals(
  t: ControllerTotals,
  change: { readonly borrowed?: bigint; readonly repaid?: bigint },
): ControllerTotals {
  const borrowed = change.borrowed ?? 0n;
  const repaid = change.repaid ?? 0n;
  // `_total_debt.initial_debt = max(total, d_debt) − d_debt` on repayment: never negative.
  const afterRepay = t.totalDebt > repaid ? t.totalDebt - repaid : 0n;
  return { totalDebt: afterRepay + borrowed, minted: t.minted + borrowed, redeemed: t.redeemed + repaid };
}

function decideConfigure(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  if (state.ext.market !== null) {
    throw new ProtocolRevertError(
      'already configured',
      'A market is configured once; start a new engine to change it.',
    );
  }
  const params = parseCrvusdParams(command.params);
  const decimalsOf = (asset: string) => requireAsset(state, asset).decimals;
  decimalsOf(params.collateralAsset);
  decimalsOf(params.stablecoin);
  let basePriceWad = params.basePriceWad;
  if (basePriceWad === undefined) {
    // ControllerFactory.add_market: p = price_oracle.price() becomes the AMM's BASE_PRICE.
    const probe = buildMarket(params, 1n, decimalsOf);
    basePriceWad = oraclePriceWad(state, probe, nowSeconds);
  }
  const market = buildMarket(params, basePriceWad, decimalsOf);
  const event: CrvusdConfigured = { type: 'CrvusdConfigured', market };
  return [...moved(params.stablecoin, 'mint', 'protocol', params.debtCeiling, 'debtCeiling'), event];
}

/** Controller `_create_loan`. */
function decideCreateLoan(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const { params } = market;
  const account = readString(command, 'account');
  const collateral = amountOf(command, 'collateral');
  const debt = amountOf(command, 'debt');
  const N = readInt(command, 'N', 'N', { min: 0, max: 1_000 });
  if (state.ext.loans.has(account)) {
    throw new ProtocolRevertError('Loan already created', `${account} already has a loan; use borrowMore.`);
  }
  if (N < MIN_TICKS) throw new ProtocolRevertError('Need more ticks', `N must be at least ${MIN_TICKS}.`);
  if (N > MAX_TICKS) throw new ProtocolRevertError('Need less ticks', `N must be at most ${MAX_TICKS}.`);
  requireBorrowingOpen(state, market, nowSeconds);
  const pOracleWad = oraclePriceWad(state, market, nowSeconds);
  const amm = state.ext.amm;
  const n1 = calculateDebtN1(amm, market.amm, {
    collateral,
    debt,
    bands: N,
    loanDiscountWad: params.loanDiscountWad,
    pOracleWad,
  });
  const n2 = n1 + N - 1;
  const after = depositRange(amm, market.amm, { user: account, amount: collateral, n1, n2 });
  const loan: LoanState = { debt, liquidationDiscountWad: params.liquidationDiscountWad };
  const event: CrvusdLoanCreated = {
    type: 'CrvusdLoanCreated',
    account,
    collateral,
    debt,
    n1,
    n2,
    amm: ammPatch(amm, after),
    loans: { [account]: loan },
    totals: withTotals(state.ext.totals, { borrowed: debt }),
  };
  return [
    ...moved(params.collateralAsset, sourceBucket(command, account), 'amm', collateral, 'createLoan'),
    ...moved(params.stablecoin, 'protocol', `wallet:${account}`, debt, 'createLoan'),
    ...moved(`${params.stablecoin}.debt`, 'mint', `debt:${account}`, debt, 'createLoan'),
    event,
  ];
}

/**
 * Controller `_add_collateral_borrow`: withdraws the whole position ("Already in underwater mode"
 * when it holds stablecoin), adds or removes collateral, re-deposits it at the band that supports
 * the (new) debt, and refreshes the user's liquidation discount.
 */
function adjustLoan(
  state: State,
  market: CrvusdMarket,
  input: {
    readonly account: string;
    readonly collateralDelta: bigint;
    readonly debtDelta: bigint;
    readonly remove: boolean;
    readonly pOracleWad: bigint;
  },
): { readonly amm: AmmState; readonly loan: LoanState; readonly n1: number; readonly n2: number } {
  const loan = requireLoan(state, input.account);
  const debt = loan.debt + input.debtDelta;
  const ticks = userTicks(state.ext.amm, input.account);
  if (ticks === undefined) throw new ProtocolRevertError('No deposits', `${input.account} has no liquidity.`);
  const size = ticks.n2 - ticks.n1 + 1;
  const w = withdraw(state.ext.amm, market.amm, input.account, WAD);
  if (w.x !== 0n) {
    throw new ProtocolRevertError(
      'Already in underwater mode',
      'The position is being soft-liquidated; repay instead.',
      {
        x: w.x.toString(),
      },
    );
  }
  const y = input.remove
    ? checkedSub(w.y, input.collateralDelta, 'Controller._add_collateral_borrow')
    : w.y + input.collateralDelta;
  const n1 = calculateDebtN1(w.state, market.amm, {
    collateral: y,
    debt,
    bands: size,
    loanDiscountWad: market.params.loanDiscountWad,
    pOracleWad: input.pOracleWad,
  });
  const n2 = n1 + size - 1;
  const amm = depositRange(w.state, market.amm, { user: input.account, amount: y, n1, n2 });
  return { amm, loan: { debt, liquidationDiscountWad: market.params.liquidationDiscountWad }, n1, n2 };
}

function decideAdjust(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const { params } = market;
  const account = readString(command, 'account');
  const action = command.type as CrvusdLoanAdjusted['action'];
  let collateralDelta = 0n;
  let debtDelta = 0n;
  if (action === 'addCollateral' || action === 'removeCollateral')
    collateralDelta = amountOf(command, 'amount');
  else {
    debtDelta = amountOf(command, 'debt');
    collateralDelta = command.collateral === undefined ? 0n : amountOf(command, 'collateral', 0n);
    requireBorrowingOpen(state, market, nowSeconds);
  }
  const pOracleWad = oraclePriceWad(state, market, nowSeconds);
  const adjusted = adjustLoan(state, market, {
    account,
    collateralDelta,
    debtDelta,
    remove: action === 'removeCollateral',
    pOracleWad,
  });
  const event: CrvusdLoanAdjusted = {
    type: 'CrvusdLoanAdjusted',
    action,
    account,
    collateralDelta,
    debtDelta,
    n1: adjusted.n1,
    n2: adjusted.n2,
    amm: ammPatch(state.ext.amm, adjusted.amm),
    loans: { [account]: adjusted.loan },
    totals: withTotals(state.ext.totals, { borrowed: debtDelta }),
  };
  const moves: Moved[] =
    action === 'removeCollateral'
      ? moved(params.collateralAsset, 'amm', `wallet:${account}`, collateralDelta, action)
      : moved(params.collateralAsset, sourceBucket(command, account), 'amm', collateralDelta, action);
  moves.push(
    ...moved(params.stablecoin, 'protocol', `wallet:${account}`, debtDelta, action),
    ...moved(`${params.stablecoin}.debt`, 'mint', `debt:${account}`, debtDelta, action),
  );
  return [...moves, event];
}

/** Controller `repay(_d_debt, _for)`, paid by `payer` (msg.sender). */
function decideRepay(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const { params } = market;
  const account = readString(command, 'account');
  const payer = command.payer === undefined ? account : readString(command, 'payer');
  const loan = requireLoan(state, account);
  const asked = command.amount === 'max' ? loan.debt : amountOf(command, 'amount');
  const paid = asked < loan.debt ? asked : loan.debt;
  const debt = loan.debt - paid;
  const amm = state.ext.amm;
  let after: AmmState = amm;
  let returnedX = 0n;
  let returnedY = 0n;
  let nextLoan: LoanState | null = null;
  if (debt === 0n) {
    // Full repayment: everything is withdrawn, even underwater.
    const w = withdraw(amm, market.amm, account, WAD);
    if (w.x > 0n && payer !== account) {
      throw new ProtocolRevertError(
        'Controller.repay: assert _for == msg.sender',
        'Only the borrower may fully repay a loan that holds stablecoin in the AMM.',
      );
    }
    after = w.state;
    returnedX = w.x;
    returnedY = w.y;
  } else {
    const pOracleWad = oraclePriceWad(state, market, nowSeconds);
    const ticks = userTicks(amm, account);
    if (ticks === undefined) throw new ProtocolRevertError('No deposits', `${account} has no liquidity.`);
    let discount = loan.liquidationDiscountWad;
    if (ticks.n1 > activeBandWithSkip(amm)) {
      // Not in liquidation: the bands move up to where the smaller debt needs them.
      const w = withdraw(amm, market.amm, account, WAD);
      const size = ticks.n2 - ticks.n1 + 1;
      const n1 = calculateDebtN1(w.state, market.amm, {
        collateral: w.y,
        debt,
        bands: size,
        loanDiscountWad: params.loanDiscountWad,
        pOracleWad,
      });
      after = depositRange(w.state, market.amm, { user: account, amount: w.y, n1, n2: n1 + size - 1 });
      discount = params.liquidationDiscountWad;
    }
    nextLoan = { debt, liquidationDiscountWad: discount };
    if (payer !== account) {
      // "Doesn't allow non-sender to repay in a way which ends with unhealthy state" (full=False).
      const health = controllerHealth(after, market.amm, {
        user: account,
        debt,
        full: false,
        liquidationDiscountWad: discount,
        pOracleWad,
      });
      if (health <= 0n) {
        throw new ProtocolRevertError(
          'Controller.repay: assert health > 0',
          'A third party may not leave the loan unhealthy; repay more.',
          { health: health.toString() },
        );
      }
    }
  }
  const event: CrvusdRepaid = {
    type: 'CrvusdRepaid',
    account,
    payer,
    amount: paid,
    debtAfter: debt,
    returnedX,
    returnedY,
    amm: ammPatch(amm, after),
    loans: { [account]: nextLoan },
    totals: withTotals(state.ext.totals, { repaid: paid }),
  };
  return [
    ...moved(params.stablecoin, 'amm', `wallet:${account}`, returnedX, 'repay:withdraw'),
    ...moved(params.collateralAsset, 'amm', `wallet:${account}`, returnedY, 'repay:withdraw'),
    ...moved(params.stablecoin, `wallet:${payer}`, 'protocol', paid, 'repay'),
    ...moved(`${params.stablecoin}.debt`, `debt:${account}`, 'mint', paid, 'repay'),
    event,
  ];
}

/** The AMM swap and its ledger moves (shared by `exchange` and `arbitrage`). */
function swap(
  state: State,
  market: CrvusdMarket,
  input: {
    readonly trader: string;
    readonly i: number;
    readonly j: number;
    readonly amount: bigint;
    readonly minAmount: bigint;
    readonly pOracleWad: bigint;
    readonly arbitrage: boolean;
  },
): EngineEvent[] {
  const { params } = market;
  const amm = state.ext.amm;
  const priceBefore = ammPrice(amm, market.amm, input.pOracleWad);
  const done = exchange(amm, market.amm, {
    i: input.i,
    j: input.j,
    inAmount: input.amount,
    minAmount: input.minAmount,
    pOracleWad: input.pOracleWad,
  });
  const inAsset = input.i === 0 ? params.stablecoin : params.collateralAsset;
  const outAsset = input.i === 0 ? params.collateralAsset : params.stablecoin;
  const wallet = `wallet:${input.trader}`;
  const event: CrvusdExchanged = {
    type: 'CrvusdExchanged',
    trader: input.trader,
    arbitrage: input.arbitrage,
    i: input.i,
    j: input.j,
    inAmount: done.inAmount,
    outAmount: done.outAmount,
    adminFee: done.adminFee,
    pOracleWad: input.pOracleWad,
    ammPriceBefore: priceBefore,
    ammPriceAfter: ammPrice(done.state, market.amm, input.pOracleWad),
    activeBandBefore: amm.activeBand,
    activeBandAfter: done.state.activeBand,
    profitAtOracleWad: tradeProfitAtOracle(market, {
      ...input,
      inAmount: done.inAmount,
      outAmount: done.outAmount,
    }),
    amm: ammPatch(amm, done.state),
  };
  return [
    ...moved(inAsset, wallet, 'amm', done.inAmount, input.arbitrage ? 'arbitrage' : 'exchange'),
    ...moved(outAsset, 'amm', wallet, done.outAmount, input.arbitrage ? 'arbitrage' : 'exchange'),
    event,
  ];
}

/**
 * The trader's gain valued at the oracle price (crvUSD at $1), signed: collateral out at p_o minus
 * crvUSD in, or crvUSD out minus collateral in at p_o (floor on the collateral's value).
 */
function tradeProfitAtOracle(
  market: CrvusdMarket,
  trade: {
    readonly i: number;
    readonly inAmount: bigint;
    readonly outAmount: bigint;
    readonly pOracleWad: bigint;
  },
): bigint {
  const value = (collateral: bigint) =>
    (collateral * market.amm.collateralPrecision * trade.pOracleWad) / WAD;
  return trade.i === 0 ? value(trade.outAmount) - trade.inAmount : trade.outAmount - value(trade.inAmount);
}

function decideExchange(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const trader = readString(command, 'trader');
  const i = readInt(command, 'i', 'i', { min: 0, max: 1 });
  const j = readInt(command, 'j', 'j', { min: 0, max: 1 });
  const amount = amountOf(command, 'amount', 0n);
  const minAmount = command.minAmount === undefined ? 0n : amountOf(command, 'minAmount', 0n);
  const pOracleWad = oraclePriceWad(state, market, nowSeconds);
  return swap(state, market, { trader, i, j, amount, minAmount, pOracleWad, arbitrage: false });
}

/**
 * `arbitrage`: the trade an arbitrageur makes when the oracle (market) price and the AMM price
 * differ. Buying collateral from the AMM costs its marginal price grossed up by the fee, selling
 * earns it net of the fee, so the arbitrageur trades while it profits: after a price fall (AMM
 * cheaper) it pays crvUSD until the AMM price reaches p_o·(1 − fee) (the bands crossed turn into
 * crvUSD: soft liquidation); after a rise it sells collateral until the AMM price reaches
 * p_o/(1 − fee) (the bands turn back into collateral). AMM `get_amount_for_price` sizes the input
 * (at most `maxSteps` band boundaries when given), the wallet caps it, and AMM `exchange` runs it.
 * Within the fee band around the oracle price nothing is traded (an event with zero amounts).
 * @throws InsufficientBalanceError when a trade is due and the wallet holds none of the input coin.
 */
function decideArbitrage(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const { params } = market;
  const trader = readString(command, 'arbitrageur');
  const maxSteps =
    command.maxSteps === undefined
      ? undefined
      : readInt(command, 'maxSteps', 'maxSteps', { min: 0, max: MAX_TICKS + MAX_SKIP_TICKS });
  const pOracleWad = oraclePriceWad(state, market, nowSeconds);
  const target = arbitrageTarget(state.ext.amm, market, pOracleWad);
  const wanted =
    target === null
      ? { amount: 0n, pump: true }
      : getAmountForPrice(state.ext.amm, market.amm, {
          targetPriceWad: target,
          pOracleWad,
          ...(maxSteps === undefined ? {} : { maxBands: maxSteps }),
        });
  const inAsset = wanted.pump ? params.stablecoin : params.collateralAsset;
  const wallet = `wallet:${trader}`;
  const held = balance(state, wallet, inAsset);
  if (wanted.amount > 0n && held === 0n)
    throw new InsufficientBalanceError(wallet, inAsset, 0n, wanted.amount);
  const amount = wanted.amount < held ? wanted.amount : held;
  return swap(state, market, {
    trader,
    i: wanted.pump ? 0 : 1,
    j: wanted.pump ? 1 : 0,
    amount,
    minAmount: 0n,
    pOracleWad,
    arbitrage: true,
  });
}

/**
 * The AMM price a profit-seeking arbitrageur trades to: p_o·(1 − fee) when the AMM is below it
 * (floor), p_o/(1 − fee) when the AMM is above that (ceil: the arbitrageur stops no later than the
 * break-even price), or null inside the no-trade band.
 */
export function arbitrageTarget(amm: AmmState, market: CrvusdMarket, pOracleWad: bigint): bigint | null {
  const pAmm = ammPrice(amm, market.amm, pOracleWad);
  const net = WAD - market.params.feeWad;
  const buyBelow = (pOracleWad * net) / WAD; // floor
  if (pAmm < buyBelow) return buyBelow;
  const sellAbove = (pOracleWad * WAD + net - 1n) / net; // ceil
  if (pAmm > sellAbove) return sellAbove;
  return null;
}

function decideCollectFees(state: State, command: Command): EngineEvent[] {
  const market = requireMarket(state, command.type);
  const { params } = market;
  const amm = state.ext.amm;
  const after: AmmState = { ...amm, adminFeesX: 0n, adminFeesY: 0n };
  const receiver = `wallet:${params.feeReceiver}`;
  const event: CrvusdFeesCollected = {
    type: 'CrvusdFeesCollected',
    receiver: params.feeReceiver,
    x: amm.adminFeesX,
    y: amm.adminFeesY,
    amm: ammPatch(amm, after),
  };
  return [
    ...moved(params.stablecoin, 'amm', receiver, amm.adminFeesX, 'collectFees'),
    ...moved(params.collateralAsset, 'amm', receiver, amm.adminFeesY, 'collectFees'),
    event,
  ];
}

function decideCrvusd(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command, nowSeconds);
    case 'createLoan':
      return decideCreateLoan(state, command, nowSeconds);
    case 'addCollateral':
    case 'removeCollateral':
    case 'borrowMore':
      return decideAdjust(state, command, nowSeconds);
    case 'repay':
      return decideRepay(state, command, nowSeconds);
    case 'exchange':
      return decideExchange(state, command, nowSeconds);
    case 'arbitrage':
      return decideArbitrage(state, command, nowSeconds);
    case 'liquidate':
    case 'liquidateExtended': {
      requireMarket(state, command.type);
      const account = readString(command, 'account');
      const liquidator = readString(command, 'liquidator');
      const fracWad =
        command.type === 'liquidate' ? WAD : readBigint(command, 'frac', 'frac', { max: MAX_UINT256 });
      const minX = command.minX === undefined ? 0n : amountOf(command, 'minX', 0n);
      return decideCrvusdLiquidation(state, { account, liquidator, fracWad, minX, nowSeconds });
    }
    case 'writeOffBadDebt': {
      requireMarket(state, command.type);
      const account = readString(command, 'account');
      return decideCrvusdLiquidation(state, {
        account,
        liquidator: null,
        fracWad: WAD,
        minX: 0n,
        nowSeconds,
      });
    }
    case 'collectFees':
      return decideCollectFees(state, command);
    default:
      throw new InvalidParameterError('type', `crvusd has no command ${command.type}`);
  }
}

function healthOf(state: State, accountId: string, nowSeconds: number) {
  const market = requireMarket(state, 'health');
  const loan = requireLoan(state, accountId);
  const pOracleWad = oraclePriceWad(state, market, nowSeconds);
  const health = controllerHealth(state.ext.amm, market.amm, {
    user: accountId,
    debt: loan.debt,
    full: true,
    liquidationDiscountWad: loan.liquidationDiscountWad,
    pOracleWad,
  });
  const { x, y } = getSumXY(state.ext.amm, market.amm, accountId);
  const shifted = health + WAD;
  return {
    accountId,
    // 1e18 = at the threshold (Controller health 0); clamped at 0 for deeply insolvent loans.
    healthWad: shifted > 0n ? shifted : 0n,
    liquidatable: health < 0n,
    // crvUSD at $1; floor: collateral is never over-valued in reports.
    collateralValueWad: x + (y * market.amm.collateralPrecision * pOracleWad) / WAD,
    debtValueWad: loan.debt,
  };
}

function invariantsOf(state: State) {
  const market = state.ext.market;
  if (market === null) return [];
  const { ledger, ext } = state;
  const { params } = market;
  const stable = params.stablecoin;
  const claim = `${stable}.debt`;
  const amm = ext.amm;
  const ids = ext.loans.keys();
  let sumDebt = 0n;
  const claimErrors: string[] = [];
  const liquidityErrors: string[] = [];
  for (const id of ids) {
    const debt = ext.loans.get(id)?.debt ?? 0n;
    sumDebt += debt;
    const held = balanceOf(ledger, `debt:${id}`, claim);
    if (held !== debt) claimErrors.push(`${id}: loan ${debt}, claim ${held}`);
    if (debt <= 0n) claimErrors.push(`${id}: open loan with debt ${debt}`);
    if (!hasLiquidity(amm, id)) liquidityErrors.push(`${id} has a loan and no AMM liquidity`);
  }
  for (const id of amm.users.keys()) {
    if (!ext.loans.has(id)) liquidityErrors.push(`${id} has AMM liquidity and no loan`);
  }
  const deficit = balanceOf(ledger, 'deficit', claim);
  const controller = balanceOf(ledger, 'protocol', stable);

  // Shares: a band's total is the sum of its users' shares; bands on the wrong side of the active
  // band must hold only one coin; every non-empty band lies within [min_band, max_band].
  const shareSums = new Map<string, bigint>();
  for (const ticks of amm.users.values()) {
    ticks.shares.forEach((s, i) => {
      const key = String(ticks.n1 + i);
      shareSums.set(key, (shareSums.get(key) ?? 0n) + s);
    });
  }
  const shareErrors: string[] = [];
  const sideErrors: string[] = [];
  let sumX = 0n;
  let sumY = 0n;
  for (const [key, band] of Object.entries(amm.bands)) {
    const n = Number(key);
    sumX += band.x;
    sumY += band.y;
    if ((shareSums.get(key) ?? 0n) !== band.shares)
      shareErrors.push(`band ${n}: total ${band.shares}, users ${shareSums.get(key) ?? 0n}`);
    if (n > amm.activeBand && band.x !== 0n)
      sideErrors.push(`band ${n} > active ${amm.activeBand} holds x ${band.x}`);
    if (n < amm.activeBand && band.y !== 0n)
      sideErrors.push(`band ${n} < active ${amm.activeBand} holds y ${band.y}`);
    if ((band.x > 0n || band.y > 0n) && (n < amm.minBand || n > amm.maxBand))
      sideErrors.push(`band ${n} outside [${amm.minBand}, ${amm.maxBand}]`);
  }
  for (const [key, s] of shareSums) {
    if (s !== 0n && bandAt(amm, Number(key)).shares !== s)
      shareErrors.push(`band ${key}: users ${s}, no total`);
  }
  const cp = market.amm.collateralPrecision;
  const ammStable = balanceOf(ledger, 'amm', stable);
  const ammCollateral = balanceOf(ledger, 'amm', params.collateralAsset);
  const collateralHeld = ammCollateral * cp;
  const collateralOwed = sumY + amm.adminFeesY * cp;
  const strayBuckets = [
    ...bucketsOf(ledger, claim)
      .map(([b]) => b)
      .filter(
        (b) => b !== 'mint' && b !== 'deficit' && !(b.startsWith('debt:') && ext.loans.has(b.slice(5))),
      ),
    ...[stable, params.collateralAsset].flatMap((asset) =>
      bucketsOf(ledger, asset)
        .map(([b]) => b)
        .filter((b) => b.startsWith('acct:') || b.startsWith('debt:')),
    ),
  ];
  return [
    {
      name: 'crvusd/total-debt',
      holds: ext.totals.totalDebt === sumDebt && sumByPrefix(ledger, claim, 'debt:') === sumDebt,
      detail: `_total_debt ${ext.totals.totalDebt}, Σ loans ${sumDebt}, Σ debt: claims ${sumByPrefix(ledger, claim, 'debt:')}`,
    },
    { name: 'crvusd/debt-claims', holds: claimErrors.length === 0, detail: claimErrors.join('; ') },
    {
      name: 'crvusd/controller-balance',
      holds:
        controller + sumDebt + deficit === params.debtCeiling &&
        ext.totals.minted - ext.totals.redeemed === sumDebt + deficit,
      detail: `protocol ${controller} + Σ debt ${sumDebt} + deficit ${deficit} vs ceiling ${params.debtCeiling}; minted ${ext.totals.minted} − redeemed ${ext.totals.redeemed}`,
    },
    {
      name: 'crvusd/loans-liquidity',
      holds: liquidityErrors.length === 0,
      detail: liquidityErrors.join('; '),
    },
    { name: 'crvusd/band-shares', holds: shareErrors.length === 0, detail: shareErrors.join('; ') },
    { name: 'crvusd/band-sides', holds: sideErrors.length === 0, detail: sideErrors.join('; ') },
    {
      name: 'crvusd/amm-stablecoin',
      holds: ammStable === sumX + amm.adminFeesX,
      detail: `amm holds ${ammStable} ${stable}, bands ${sumX} + admin fees ${amm.adminFeesX}`,
    },
    {
      name: 'crvusd/amm-collateral',
      // Token units below the collateral's precision may stay behind (withdrawals floor): only with
      // an 18-decimal collateral must the balance match exactly.
      holds: cp === 1n ? collateralHeld === collateralOwed : collateralHeld >= collateralOwed,
      detail: `amm holds ${collateralHeld} (internal units), bands ${sumY} + admin fees ${amm.adminFeesY * cp}`,
    },
    {
      name: 'crvusd/buckets',
      holds: strayBuckets.length === 0,
      detail: `unexpected buckets ${strayBuckets.join(', ')}`,
    },
  ];
}

/** The crvUSD mint-market model. */
export const crvusdModel: ProtocolModel<CrvusdExt> = {
  id: CRVUSD_ID,
  title:
    'crvUSD / LLAMMA: loans as AMM liquidity in N bands, soft liquidation by arbitrage, health with the liquidation discount, hard liquidation (whole or frac with f_remove)',
  sources: [
    'curvefi/curve-stablecoin contracts/Controller.vy (commit 58289a4)',
    'curvefi/curve-stablecoin contracts/AMM.vy (commit 58289a4)',
    'curvefi/curve-stablecoin contracts/ControllerFactory.vy (add_market, ln_int)',
    'curvefi/curve-stablecoin scripts/ape-deploy.py',
  ],
  commands: CRVUSD_COMMANDS,
  initialExt: initialCrvusdExt,
  decide: decideCrvusd,
  evolve: (state, recorded) => evolveCrvusd(state.ext, recorded.event),
  accountIds: (state) => state.ext.loans.keys(),
  health: healthOf,
  invariants: invariantsOf,
  liquidationTarget(command) {
    if (command.type === 'writeOffBadDebt')
      return typeof command.account === 'string' ? command.account : undefined;
    if (command.type !== 'liquidate' && command.type !== 'liquidateExtended') return undefined;
    // Self-liquidation is allowed at any health: it is the borrower closing its own loan.
    if (typeof command.account !== 'string' || command.liquidator === command.account) return undefined;
    return command.account;
  },
  borrowRequest(state, command) {
    const market = state.ext.market;
    if (market === null || (command.type !== 'createLoan' && command.type !== 'borrowMore')) return undefined;
    return typeof command.account === 'string'
      ? { account: command.account, asset: market.params.stablecoin }
      : undefined;
  },
};
