/**
 * Shared fixtures of the euler-v2 tests (not used by the model): a listed market with oracles at
 * USD·1e8, a lender, helpers that apply commands and check the engine contract after each, and
 * the opening of a random borrower for property tests.
 */
import { engineViolations } from '../../engine/contract.js';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { eulerV2Model } from './model.js';
import { DEFAULT_EULER_PARAMS } from './params.js';
import type { EulerAccount, EulerExt, EulerVault } from './state.js';

/** Engine state of the Euler model. */
export type S = EngineState<EulerExt>;
/** The engine running the Euler model. */
export const engine = createEngine(eulerV2Model);
/** 1e18: one WETH in wei, one USD in the 18-decimal unit of account. */
export const E18 = 10n ** 18n;
/** 1e8: the oracle's price scale (USD·1e8), one WBTC. */
export const E8 = 10n ** 8n;
/** 1e6: one USDC. */
export const E6 = 10n ** 6n;
/** Whole USDC → smallest units. */
export const usdc = (n: bigint): bigint => n * E6;

/** `publishPrice` of a whole number of dollars (published as USD·1e8). */
export const price = (asset: string, dollars: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: dollars * E8,
});

/** `publishPrice` of a raw USD·1e8 price (`priceUsd8`), for prices below a cent's precision. */
export const priceRaw = (asset: string, priceUsd8: bigint): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: priceUsd8,
});

/** `configureOracle` with one source, USD·1e8, stale after `staleAfterSeconds` (default a week). */
export const oracle = (asset: string, staleAfterSeconds = 7 * 86_400): Command =>
  feedOracleCommand(asset, staleAfterSeconds);

/**
 * Applies a command at `now` and throws if the engine contract (ledger, model invariants) breaks.
 * @throws whatever the engine throws for a refused command.
 */
export function step(state: S, command: Command, now: number): S {
  const next = apply(engine, state, command, now).state;
  const violations = engineViolations(eulerV2Model, next);
  if (violations.length > 0)
    throw new Error(`contract broken after ${command.type}: ${violations.join('; ')}`);
  return next;
}

/** Applies commands in order at `now`. */
export const run = (state: S, commands: readonly Command[], now: number): S =>
  commands.reduce((s, c) => step(s, c, now), state);

/** A ledger balance. */
export const bal = (state: S, bucket: string, asset: string): bigint =>
  balanceOf(state.ledger, bucket, asset);

/** The vault (throws when not configured). */
export function vaultOf(state: S): EulerVault {
  if (state.ext.vault === null) throw new Error('not configured');
  return state.ext.vault;
}

/** An account (throws when absent). */
export function accountOf(state: S, id: string): EulerAccount {
  const a = state.ext.accounts.get(id);
  if (a === undefined) throw new Error(`no account ${id}`);
  return a;
}

/**
 * At `now`: USDC/WETH/wstETH/WBTC listed, `params` configured, oracles at USDC $1, WETH $2000,
 * wstETH $2400, WBTC $60,000, and lena supplying 100,000 USDC.
 */
export function market(now: number, params: unknown = DEFAULT_EULER_PARAMS): S {
  return run(
    engine.initial(),
    [
      { type: 'listAsset', asset: 'USDC', decimals: 6 },
      { type: 'listAsset', asset: 'WETH', decimals: 18 },
      { type: 'listAsset', asset: 'wstETH', decimals: 18 },
      { type: 'listAsset', asset: 'WBTC', decimals: 8 },
      { type: 'configure', params },
      oracle('USDC'),
      oracle('WETH'),
      oracle('wstETH'),
      oracle('WBTC'),
      price('USDC', 1n),
      price('WETH', 2_000n),
      price('wstETH', 2_400n),
      price('WBTC', 60_000n),
      { type: 'supply', account: 'lena', amount: usdc(100_000n) },
    ],
    now,
  );
}

/** alice deposits 10 WETH ($20,000) and borrows 16,000 USDC (borrow capacity 20,000 · 0.83 = 16,600). */
export function withBorrower(state: S, now: number): S {
  return run(
    state,
    [
      { type: 'deposit', account: 'alice', asset: 'WETH', amount: 10n * E18 },
      { type: 'borrow', account: 'alice', amount: usdc(16_000n) },
    ],
    now,
  );
}

/** A borrower of a random book: WETH in tenths, WBTC in hundredths, and the share of the limit drawn. */
export interface EulerBorrower {
  /** WETH deposited, tenths of a WETH (0: none). */
  readonly wethTenths: number;
  /** WBTC deposited, hundredths of a WBTC (0: none). */
  readonly wbtcHundredths: number;
  /** Share of the borrow limit drawn, percent (0: a depositor without debt). */
  readonly drawPct: number;
}

/**
 * The commands that open `b` as account `id` on {@link market}: its WETH and WBTC deposits (those
 * above 0), then a borrow of `drawPct` % of its borrow limit at $2,000 / $60,000 with the default
 * borrow LTVs 83 % / 73 %, rounded down to whole USDC (none when that is 0).
 */
export function borrowerCommands(id: string, b: EulerBorrower): Command[] {
  const out: Command[] = [];
  if (b.wethTenths > 0) {
    out.push({ type: 'deposit', account: id, asset: 'WETH', amount: (BigInt(b.wethTenths) * E18) / 10n });
  }
  if (b.wbtcHundredths > 0) {
    out.push({ type: 'deposit', account: id, asset: 'WBTC', amount: (BigInt(b.wbtcHundredths) * E8) / 100n });
  }
  const limitUsd = (b.wethTenths / 10) * 2_000 * 0.83 + (b.wbtcHundredths / 100) * 60_000 * 0.73;
  const draw = Math.floor((limitUsd * b.drawPct) / 100);
  if (draw > 0) out.push({ type: 'borrow', account: id, amount: usdc(BigInt(draw)) });
  return out;
}
