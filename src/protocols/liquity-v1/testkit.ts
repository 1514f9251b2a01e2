/**
 * Test support for the Liquity v1 model (used by its tests and by the keeper and stress tests on
 * it): ETH and LUSD listed with 18 decimals, an ETH/USD oracle (one source `feed`, USD·1e8 as
 * Chainlink answers, which the model scales to 1e18 like PriceFeed), the default parameters, a
 * small driver that applies commands and reads ledger balances, and random command groups for
 * property tests. Pure: commands, times and fast-check arbitraries only.
 */
import fc from 'fast-check';
import { createEngine, debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { liquityV1Model } from './model.js';
import { DEFAULT_LIQUITY_PARAMS, type LiquityParams } from './params.js';
import { entireDebtAndColl, type LiquityExt, surplusBucket } from './state.js';

/** 1e18. */
export const E18 = 10n ** 18n;
/** `whole` tokens in wei. */
export const wei = (whole: bigint | number): bigint => BigInt(whole) * E18;
/** USD·1e8 of a whole-dollar price (the oracle's scale). */
export const usd8 = (dollars: bigint | number): bigint => BigInt(dollars) * 10n ** 8n;

/**
 * The engine commands that list both tokens, configure the ETH oracle at `priceUsd` (with
 * `oracle` overriding its config) and Liquity (with `params` overriding the defaults).
 */
export function liquitySetup(
  priceUsd: bigint | number,
  params: Partial<LiquityParams> = {},
  oracle: Readonly<Record<string, unknown>> = {},
): Command[] {
  return [
    { type: 'listAsset', asset: 'ETH', decimals: 18 },
    { type: 'listAsset', asset: 'LUSD', decimals: 18 },
    feedOracleCommand('ETH', 365 * 86_400, { maxSpreadBps: 10_000, twapWindowSeconds: 3_600, ...oracle }),
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(priceUsd) },
    { type: 'configure', params: { ...DEFAULT_LIQUITY_PARAMS, ...params } },
  ];
}

/** A tiny driver: apply commands, keep the state, read balances. */
export class LiquityMarket {
  readonly engine: Decider<EngineState<LiquityExt>, Command, EngineEvent> = createEngine(liquityV1Model);
  state: EngineState<LiquityExt> = this.engine.initial();
  now = 0;

  /** Applies `command` (at `nowSeconds`, default the current time); throws the engine's refusal unchanged. */
  run(command: Command, nowSeconds = this.now): readonly EngineEvent[] {
    const result = apply(this.engine, this.state, command, nowSeconds);
    this.state = result.state;
    this.now = nowSeconds;
    return result.events.map((r) => r.event);
  }

  /** Applies every command in order. */
  runAll(commands: readonly Command[], nowSeconds = this.now): this {
    for (const c of commands) this.run(c, nowSeconds);
    return this;
  }

  /** Publishes an ETH price in whole dollars. */
  price(dollars: bigint | number, nowSeconds = this.now): this {
    this.run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) }, nowSeconds);
    return this;
  }

  /** Ledger balance of `bucket` in ETH, LUSD or `LUSD.debt` (`claims`). */
  balance(bucket: string, asset: 'ETH' | 'LUSD' | 'claims'): bigint {
    return balanceOf(this.state.ledger, bucket, asset === 'claims' ? debtClaimAsset('LUSD') : asset);
  }
}

/** A market configured at `priceUsd` (time 0). */
export function liquityMarket(priceUsd: bigint | number, params: Partial<LiquityParams> = {}): LiquityMarket {
  return new LiquityMarket().runAll(liquitySetup(priceUsd, params), 0);
}

/**
 * The collateral (wei of ETH: troves with their pending rewards, plus unclaimed surpluses) and the
 * debt (wei of LUSD, with pending rewards) of `accounts`, by a scan of each (the stress adapter's
 * reading as first written).
 */
export function borrowerTotalsByScan(
  state: EngineState<LiquityExt>,
  accounts: readonly string[],
): { collateralWei: bigint; debtWei: bigint } {
  let collateralWei = 0n;
  let debtWei = 0n;
  for (const id of accounts) {
    collateralWei += balanceOf(state.ledger, surplusBucket(id), 'ETH');
    const trove = state.ext.troves.get(id);
    if (trove === undefined) continue;
    const entire = entireDebtAndColl(state.ext, trove);
    collateralWei += entire.coll;
    debtWei += entire.debt;
  }
  return { collateralWei, debtWei };
}

/** `openTrove` with the default max fee. */
export const openTrove = (account: string, collEth: bigint | number, lusd: bigint | number): Command => ({
  type: 'openTrove',
  account,
  collDeposit: wei(collEth),
  lusdAmount: wei(lusd),
});

/** `n` halves of an ETH, in wei. */
export const halfEth = (n: number): bigint => (BigInt(n) * E18) / 2n;

/** Whole LUSD from `lo` to `hi` (inclusive), in wei. */
export const lusdArb = (lo: number, hi: number): fc.Arbitrary<bigint> =>
  fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E18);

/**
 * Relative weights of the command groups {@link liquityCommandArb} draws. The two optional groups
 * are left out of the draw when absent or 0.
 */
export interface LiquityCommandWeights {
  /** `openTrove`: 1.5–30 ETH at 2000 $/ETH, borrowing 35–85 % of that value. */
  readonly openTrove: number;
  /** `adjustTrove` adding or withdrawing 0.5–5 ETH. */
  readonly adjustCollateral: number;
  /** `adjustTrove` drawing or repaying 100–6,000 LUSD. */
  readonly adjustDebt: number;
  /** Funds the wallet with up to 30,000 LUSD, then `closeTrove`. */
  readonly closeTrove: number;
  /** `provideToSP` of 1–25,000 LUSD by one of the depositors. */
  readonly provideToSP: number;
  /** `withdrawFromSP` of 1–20,000 LUSD or everything (1e30) by one of the withdrawers. */
  readonly withdrawFromSP: number;
  /** An ETH price from $600 to $2,600. */
  readonly price: number;
  /** `liquidate` of one borrower by `k1` or `k2`. */
  readonly liquidate: number;
  /** `liquidateTroves` of 1 to `maxSortedLiquidations` troves by `k1` or `k2`. */
  readonly liquidateTroves: number;
  /** `batchLiquidateTroves` of 1 to `maxBatchAccounts` distinct borrowers by `k1` or `k2`. */
  readonly batchLiquidate: number;
  /** `sam` funds the pool with 10,000–40,000 LUSD, ETH falls to $1,100–1,500, `k1` liquidates 5 troves. */
  readonly recoveryDrop?: number;
  /** `claimCollateral` by one borrower. */
  readonly claimCollateral?: number;
}

/** What {@link liquityCommandArb} draws from. */
export interface LiquityCommandArbOptions {
  /** The accounts that open, adjust, close and are liquidated. */
  readonly borrowers: readonly string[];
  /** Who provides to the Stability Pool (repeat a name to draw it more often). */
  readonly depositors: readonly string[];
  /** Who withdraws from the Stability Pool (repeat a name to draw it more often). */
  readonly withdrawers: readonly string[];
  /** Whether a withdrawal may also ask for 0 LUSD (default false). */
  readonly withdrawZero?: boolean;
  /** Largest `n` of `liquidateTroves`. */
  readonly maxSortedLiquidations: number;
  /** Largest account list of `batchLiquidateTroves`. */
  readonly maxBatchAccounts: number;
  readonly weights: LiquityCommandWeights;
}

/**
 * Random groups of Liquity commands for property tests of a market set up by
 * {@link liquitySetup} at $2,000 (amounts in wei, prices USD·1e8 from source `feed`; liquidators
 * `k1` and `k2`; `sam` is the depositor who holds LUSD bought outside). One group is one command
 * except a close (funding first) and the recovery drop (three commands). The groups are drawn by
 * `options.weights` in the order the weights are listed, so equal options draw equal sequences for
 * a seed.
 */
export function liquityCommandArb(options: LiquityCommandArbOptions): fc.Arbitrary<Command[]> {
  const w = options.weights;
  const account = fc.constantFrom(...options.borrowers);
  const keeper = fc.constantFrom('k1', 'k2');
  const withdrawn = options.withdrawZero
    ? fc.oneof(fc.constant(0n), lusdArb(1, 20_000), fc.constant(10n ** 30n))
    : fc.oneof(lusdArb(1, 20_000), fc.constant(10n ** 30n));
  const groups: fc.WeightedArbitrary<Command[]>[] = [
    {
      arbitrary: fc
        .tuple(account, fc.integer({ min: 3, max: 60 }), fc.integer({ min: 35, max: 85 }))
        .map(([a, n, pct]): Command[] => [
          {
            type: 'openTrove',
            account: a,
            collDeposit: halfEth(n),
            lusdAmount: (halfEth(n) * 2_000n * BigInt(pct)) / 100n,
          },
        ]),
      weight: w.openTrove,
    },
    {
      arbitrary: fc
        .tuple(account, fc.integer({ min: 1, max: 10 }), fc.boolean())
        .map(([a, n, add]): Command[] => [
          add
            ? { type: 'adjustTrove', account: a, collDeposit: halfEth(n) }
            : { type: 'adjustTrove', account: a, collWithdrawal: halfEth(n) },
        ]),
      weight: w.adjustCollateral,
    },
    {
      arbitrary: fc
        .tuple(account, lusdArb(100, 6_000), fc.boolean())
        .map(([a, amount, draw]): Command[] => [
          { type: 'adjustTrove', account: a, lusdChange: amount, isDebtIncrease: draw },
        ]),
      weight: w.adjustDebt,
    },
    {
      arbitrary: fc.tuple(account, lusdArb(0, 30_000)).map(([a, amount]): Command[] => [
        { type: 'fundWallet', actor: a, asset: 'LUSD', amount: amount + 1n },
        { type: 'closeTrove', account: a },
      ]),
      weight: w.closeTrove,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...options.depositors), lusdArb(1, 25_000))
        .map(([a, amount]): Command[] => [{ type: 'provideToSP', account: a, amount }]),
      weight: w.provideToSP,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...options.withdrawers), withdrawn)
        .map(([a, amount]): Command[] => [{ type: 'withdrawFromSP', account: a, amount }]),
      weight: w.withdrawFromSP,
    },
    {
      arbitrary: fc
        .integer({ min: 600, max: 2_600 })
        .map((dollars): Command[] => [
          { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) },
        ]),
      weight: w.price,
    },
    {
      arbitrary: fc
        .tuple(account, keeper)
        .map(([a, liquidator]): Command[] => [{ type: 'liquidate', account: a, liquidator }]),
      weight: w.liquidate,
    },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: options.maxSortedLiquidations }), keeper)
        .map(([n, liquidator]): Command[] => [{ type: 'liquidateTroves', n, liquidator }]),
      weight: w.liquidateTroves,
    },
    {
      arbitrary: fc
        .tuple(fc.uniqueArray(account, { minLength: 1, maxLength: options.maxBatchAccounts }), keeper)
        .map(([accounts, liquidator]): Command[] => [{ type: 'batchLiquidateTroves', accounts, liquidator }]),
      weight: w.batchLiquidate,
    },
  ];
  if (w.recoveryDrop !== undefined && w.recoveryDrop > 0) {
    // A funded pool, then a fall into the Recovery Mode band where capped offsets happen.
    groups.push({
      arbitrary: fc
        .tuple(lusdArb(10_000, 40_000), fc.integer({ min: 1_100, max: 1_500 }))
        .map(([amount, dollars]): Command[] => [
          { type: 'provideToSP', account: 'sam', amount },
          { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) },
          { type: 'liquidateTroves', n: 5, liquidator: 'k1' },
        ]),
      weight: w.recoveryDrop,
    });
  }
  if (w.claimCollateral !== undefined && w.claimCollateral > 0) {
    groups.push({
      arbitrary: account.map((a): Command[] => [{ type: 'claimCollateral', account: a }]),
      weight: w.claimCollateral,
    });
  }
  return fc.oneof(...groups);
}

/**
 * {@link liquityCommandArb} for the book-scale property tests: `borrowers` (at least two) open
 * most often; they and `sam` (twice) provide to the pool; `sam` and the first two borrowers
 * withdraw; sorted liquidations of up to 14 troves, batches of up to 5; `claimCollateral` drawn
 * with weight `claimCollateralWeight` (default 0: never).
 */
export function liquityBookCommandArb(
  borrowers: readonly string[],
  claimCollateralWeight = 0,
): fc.Arbitrary<Command[]> {
  return liquityCommandArb({
    borrowers,
    depositors: [...borrowers, 'sam', 'sam'],
    withdrawers: ['sam', ...borrowers.slice(0, 2)],
    maxSortedLiquidations: 14,
    maxBatchAccounts: 5,
    weights: {
      openTrove: 14,
      adjustCollateral: 2,
      adjustDebt: 3,
      closeTrove: 1,
      provideToSP: 4,
      withdrawFromSP: 2,
      price: 6,
      liquidate: 4,
      liquidateTroves: 4,
      batchLiquidate: 3,
      claimCollateral: claimCollateralWeight,
    },
  });
}

/** `sam`'s 1,000,000 LUSD bought outside, for the Stability Pool. */
export const fundSam: Command = { type: 'fundWallet', actor: 'sam', asset: 'LUSD', amount: 1_000_000n * E18 };

/** A whale trove of `whaleEth` ETH borrowing a quarter of its value at $2,000 (500 LUSD per ETH). */
export const whaleTrove = (whaleEth: bigint): Command => ({
  type: 'openTrove',
  account: 'whale',
  collDeposit: whaleEth * E18,
  lusdAmount: whaleEth * 500n * E18,
});
