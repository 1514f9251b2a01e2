/**
 * Test support for the Aave v3 models (used by the tests beside this file and usable by other
 * suites): a market with WETH, wstETH, USDC and WBTC listed, oracles configured in USD·1e8,
 * DEFAULT_AAVE_PARAMS, pool liquidity and a funded liquidator. Pure: commands and times only.
 */
import { createEngine, type EngineState, type ProtocolModel } from '../../engine/engine.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { DEFAULT_AAVE_PARAMS } from './params.js';
import type { AaveExt } from './state.js';

/** Token decimals of the test market. */
export const TEST_DECIMALS: Readonly<Record<string, number>> = { USDC: 6, WBTC: 8, WETH: 18, wstETH: 18 };

/** Starting oracle prices, USD·1e8. */
export const TEST_PRICES: Readonly<Record<string, bigint>> = {
  USDC: 1n * 10n ** 8n,
  WBTC: 60_000n * 10n ** 8n,
  WETH: 2_000n * 10n ** 8n,
  wstETH: 2_300n * 10n ** 8n,
};

/** `whole` tokens of `asset` in smallest units. */
export function units(asset: string, whole: bigint): bigint {
  return whole * 10n ** BigInt(TEST_DECIMALS[asset] ?? 18);
}

/** An oracle config: one source `feed`, USD·1e8, fresh for a year unless overridden. */
export function oracleConfig(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    priceDecimals: 8,
    sources: ['feed'],
    minSources: 1,
    staleAfterSeconds: 365 * 86_400,
    maxSpreadBps: 10_000,
    twapWindowSeconds: 3_600,
    delaySeconds: 0,
    ...overrides,
  };
}

/** The commands that set up the test market at time 0 (then liquidity and a funded liquidator). */
export function marketSetup(
  oracleOverrides: Readonly<Record<string, Record<string, unknown>>> = {},
): Command[] {
  const commands: Command[] = [];
  for (const [asset, decimals] of Object.entries(TEST_DECIMALS)) {
    commands.push({ type: 'listAsset', asset, decimals });
    commands.push({ type: 'configureOracle', asset, config: oracleConfig(oracleOverrides[asset] ?? {}) });
    commands.push({ type: 'publishPrice', asset, source: 'feed', price: TEST_PRICES[asset] });
  }
  commands.push({ type: 'configure', params: DEFAULT_AAVE_PARAMS });
  for (const asset of Object.keys(TEST_DECIMALS)) {
    commands.push({ type: 'supply', asset, amount: units(asset, 1_000_000n) });
    commands.push({ type: 'fundWallet', actor: 'liquidator', asset, amount: units(asset, 1_000_000n) });
  }
  return commands;
}

/** A tiny driver over one model: apply commands, keep the state, collect events. */
export class Market {
  readonly engine: Decider<EngineState<AaveExt>, Command, EngineEvent>;
  state: EngineState<AaveExt>;
  events: EngineEvent[] = [];

  constructor(readonly model: ProtocolModel<AaveExt>) {
    this.engine = createEngine(model);
    this.state = this.engine.initial();
  }

  /** Applies `command` at `nowSeconds`; throws the engine's typed refusal unchanged. */
  run(command: Command, nowSeconds: number): readonly EngineEvent[] {
    const result = apply(this.engine, this.state, command, nowSeconds);
    this.state = result.state;
    const events = result.events.map((r) => r.event);
    this.events.push(...events);
    return events;
  }

  /** Applies every command at `nowSeconds`. */
  runAll(commands: readonly Command[], nowSeconds: number): this {
    for (const c of commands) this.run(c, nowSeconds);
    return this;
  }

  /** Publishes a price (USD·1e8) from source `feed`. */
  price(asset: string, price: bigint, nowSeconds: number): this {
    this.run({ type: 'publishPrice', asset, source: 'feed', price }, nowSeconds);
    return this;
  }
}

/** A market for `model` with the standard setup applied at time 0. */
export function testMarket(
  model: ProtocolModel<AaveExt>,
  oracleOverrides: Readonly<Record<string, Record<string, unknown>>> = {},
): Market {
  return new Market(model).runAll(marketSetup(oracleOverrides), 0);
}
