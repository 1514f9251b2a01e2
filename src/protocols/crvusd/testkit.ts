/**
 * Test helpers for the crvUSD model: a WETH/crvUSD (or WBTC/crvUSD) market set up through the
 * engine's own commands, with an oracle at USD·1e8, and a random walk of loans, prices and
 * commands for property tests with the fast-check arbitraries that draw it. Used by tests only.
 */
import fc from 'fast-check';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { SolventError } from '../../math/errors.js';
import type { AmmConfig } from './amm.js';
import { bandConstants } from './math.js';
import { crvusdModel } from './model.js';
import { DEFAULT_CRVUSD_PARAMS } from './params.js';
import type { CrvusdExt } from './state.js';

/** 1e18. */
export const E18 = 10n ** 18n;
/**
 * A bare LLAMMA config for the AMM and Controller unit tests: A = 100, base price $2000 (1e18),
 * fee 0.6 %, no admin fee, both tokens with 18 decimals (precisions 1).
 */
export const TEST_AMM_CONFIG: AmmConfig = {
  constants: bandConstants(100n),
  basePriceWad: 2000n * E18,
  feeWad: 6n * 10n ** 15n,
  adminFeeWad: 0n,
  collateralPrecision: 1n,
  borrowedPrecision: 1n,
};

/** `exchange` input: 3,000 crvUSD sold for collateral at an oracle price of $1700, no minimum out. */
export const SELL_3000_CRVUSD_AT_1700 = {
  i: 0,
  j: 1,
  inAmount: 3000n * E18,
  minAmount: 0n,
  pOracleWad: 1700n * E18,
} as const;

/** The engine running the crvUSD model. */
export const crvusdEngine = createEngine(crvusdModel);
/** The engine state of the crvUSD model. */
export type CrvusdState = EngineState<CrvusdExt>;

/** `configureOracle` for `asset`: one source `feed`, USD·1e8, a year before going stale. */
export function oracleCommand(asset: string, extra: Readonly<Record<string, unknown>> = {}): Command {
  return feedOracleCommand(asset, 366 * 86_400, { twapWindowSeconds: 600, ...extra });
}

/** `publishPrice` of `asset` at `dollars` (integer dollars, or USD·1e8 with `raw`). */
export function priceCommand(asset: string, dollars: bigint, raw = false): Command {
  return { type: 'publishPrice', asset, source: 'feed', price: raw ? dollars : dollars * 10n ** 8n };
}

/** Applies `commands` at `nowSeconds` in order (throws the first refusal). */
export function runAll(state: CrvusdState, commands: readonly Command[], nowSeconds: number): CrvusdState {
  return commands.reduce((s, c) => apply(crvusdEngine, s, c, nowSeconds).state, state);
}

/**
 * crvUSD (18) and the collateral listed, the collateral's oracle at `priceDollars`, the market
 * configured with `params` (defaults: mainnet values, base price read from the oracle), at t = 0.
 */
export function crvusdMarket(
  options: {
    readonly params?: unknown;
    readonly collateral?: string;
    readonly collateralDecimals?: number;
    readonly priceDollars?: bigint;
    readonly oracle?: Readonly<Record<string, unknown>>;
  } = {},
): CrvusdState {
  const collateral = options.collateral ?? 'WETH';
  return runAll(
    crvusdEngine.initial(),
    [
      { type: 'listAsset', asset: 'crvUSD', decimals: 18 },
      { type: 'listAsset', asset: collateral, decimals: options.collateralDecimals ?? 18 },
      oracleCommand(collateral, options.oracle),
      priceCommand(collateral, options.priceDollars ?? 2000n),
      {
        type: 'configure',
        params: options.params ?? { ...DEFAULT_CRVUSD_PARAMS, collateralAsset: collateral },
      },
    ],
    0,
  );
}

/** A loan of a random book: collateral (whole WETH), loan-to-value at $2000 (%), bands. */
export interface WalkLoan {
  readonly collateralWeth: number;
  readonly ltvPct: number;
  readonly bands: number;
}

/** One step of {@link crvusdWalk}: a price move or a command on a loan (refusals are skipped). */
export type WalkOp =
  | { readonly kind: 'price'; readonly permille: number; readonly dt: number }
  | { readonly kind: 'arbitrage'; readonly maxSteps: number }
  | { readonly kind: 'exchange'; readonly i: number; readonly amountWeth: number }
  | { readonly kind: 'liquidate'; readonly who: number }
  | { readonly kind: 'selfLiquidate'; readonly who: number; readonly fracPermille: number }
  | { readonly kind: 'repay'; readonly who: number; readonly permille: number }
  | { readonly kind: 'addCollateral'; readonly who: number; readonly weth: number }
  | { readonly kind: 'open'; readonly loan: WalkLoan };

/** A random {@link WalkLoan}: 1–200 WETH, 20–88 % loan-to-value, 4–50 bands. */
export const walkLoanArb: fc.Arbitrary<WalkLoan> = fc.record({
  collateralWeth: fc.integer({ min: 1, max: 200 }),
  ltvPct: fc.integer({ min: 20, max: 88 }),
  bands: fc.integer({ min: 4, max: 50 }),
});

/**
 * A random {@link WalkOp}, by weight: price moves of −20 % to +15 % after 1 s to an hour (6),
 * arbitrage of up to 60 steps (4), trades of 1–300 WETH either way (2), liquidations (2), and
 * partial self-liquidations, repayments, added collateral and new loans (1 each); `who` up to 40.
 */
export const walkOpArb: fc.Arbitrary<WalkOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      permille: fc.integer({ min: -200, max: 150 }),
      dt: fc.integer({ min: 1, max: 3_600 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('arbitrage' as const),
      maxSteps: fc.integer({ min: 0, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('exchange' as const),
      i: fc.integer({ min: 0, max: 1 }),
      amountWeth: fc.integer({ min: 1, max: 300 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat({ max: 40 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('selfLiquidate' as const),
      who: fc.nat({ max: 40 }),
      fracPermille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('repay' as const),
      who: fc.nat({ max: 40 }),
      permille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('addCollateral' as const),
      who: fc.nat({ max: 40 }),
      weth: fc.integer({ min: 1, max: 50 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), loan: walkLoanArb }) },
);

/** A state of a walk and the time it was reached at (unix seconds). */
export interface WalkPoint {
  readonly state: CrvusdState;
  readonly nowSeconds: number;
}

/**
 * A WETH/crvUSD market at $2000 with `loans` opened as `u0`, `u1`, ... (those the model refuses are
 * skipped), a trader `arb` funded with 10M crvUSD and 5,000 WETH and a liquidator `liq` with 10M
 * crvUSD, then `ops` applied in order; returns every state after the set-up and after each op
 * (refused ops repeat the state). Loans are addressed by `who` modulo the loans opened so far.
 */
export function crvusdWalk(loans: readonly WalkLoan[], ops: readonly WalkOp[]): WalkPoint[] {
  let s = crvusdMarket();
  let now = 1;
  let priceCents = 200_000n;
  const accounts: string[] = [];
  const attempt = (command: Command): boolean => {
    try {
      s = apply(crvusdEngine, s, command, now).state;
      return true;
    } catch (e) {
      if (e instanceof SolventError) return false;
      throw e;
    }
  };
  const open = (l: WalkLoan): void => {
    const account = `u${accounts.length}`;
    const collateral = BigInt(l.collateralWeth) * E18;
    const debt = (collateral * (priceCents / 100n) * BigInt(l.ltvPct)) / 100n;
    if (attempt({ type: 'createLoan', account, collateral, debt, N: l.bands })) accounts.push(account);
  };
  for (const l of loans) open(l);
  attempt({ type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 10_000_000n * E18 });
  attempt({ type: 'fundWallet', actor: 'arb', asset: 'WETH', amount: 5_000n * E18 });
  attempt({ type: 'fundWallet', actor: 'liq', asset: 'crvUSD', amount: 10_000_000n * E18 });
  const points: WalkPoint[] = [{ state: s, nowSeconds: now }];
  const pick = (who: number): string | undefined =>
    accounts.length === 0 ? undefined : accounts[who % accounts.length];
  for (const op of ops) {
    const who = 'who' in op ? pick(op.who) : undefined;
    switch (op.kind) {
      case 'price':
        now += op.dt;
        priceCents = (priceCents * BigInt(1000 + op.permille)) / 1000n;
        if (priceCents < 100n) priceCents = 100n;
        attempt(priceCommand('WETH', priceCents * 10n ** 6n, true));
        break;
      case 'arbitrage':
        attempt({ type: 'arbitrage', arbitrageur: 'arb', maxSteps: op.maxSteps });
        break;
      case 'exchange':
        attempt({
          type: 'exchange',
          trader: 'arb',
          i: op.i,
          j: 1 - op.i,
          amount: BigInt(op.amountWeth) * E18 * (op.i === 0 ? priceCents / 100n : 1n),
        });
        break;
      case 'liquidate':
        if (who !== undefined) attempt({ type: 'liquidate', account: who, liquidator: 'liq' });
        break;
      case 'selfLiquidate':
        if (who !== undefined)
          attempt({
            type: 'liquidateExtended',
            account: who,
            liquidator: who,
            frac: (BigInt(op.fracPermille) * E18) / 1000n,
          });
        break;
      case 'repay': {
        const debt = who === undefined ? undefined : s.ext.loans.get(who)?.debt;
        if (who !== undefined && debt !== undefined)
          attempt({ type: 'repay', account: who, amount: (debt * BigInt(op.permille)) / 1000n });
        break;
      }
      case 'addCollateral':
        if (who !== undefined)
          attempt({ type: 'addCollateral', account: who, amount: BigInt(op.weth) * E18 });
        break;
      case 'open':
        open(op.loan);
        break;
    }
    points.push({ state: s, nowSeconds: now });
  }
  return points;
}
