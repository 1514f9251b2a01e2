/**
 * Test support for the Liquity v1 model (used by the tests beside this file): ETH and LUSD listed
 * with 18 decimals, an ETH/USD oracle (one source `feed`, USD·1e8 as Chainlink answers, which the
 * model scales to 1e18 like PriceFeed), the default parameters, and a small driver that applies
 * commands and reads ledger balances. Pure: commands and times only.
 */
import { createEngine, debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { liquityV1Model } from './model.js';
import { DEFAULT_LIQUITY_PARAMS, type LiquityParams } from './params.js';
import type { LiquityExt } from './state.js';

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
    {
      type: 'configureOracle',
      asset: 'ETH',
      config: {
        priceDecimals: 8,
        sources: ['feed'],
        minSources: 1,
        staleAfterSeconds: 365 * 86_400,
        maxSpreadBps: 10_000,
        twapWindowSeconds: 3_600,
        delaySeconds: 0,
        ...oracle,
      },
    },
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

/** `openTrove` with the default max fee. */
export const openTrove = (account: string, collEth: bigint | number, lusd: bigint | number): Command => ({
  type: 'openTrove',
  account,
  collDeposit: wei(collEth),
  lusdAmount: wei(lusd),
});
