/**
 * Helpers for the Maker models' tests: a small engine driver that applies commands in time order
 * and exposes balances, plus oracle and parameter presets whose numbers are easy to check by hand
 * (the setup of makerdao/dss src/test/clip.t.sol: mat 2, dust 20 DAI, chop 1.1, buf 1.25), and a
 * Vow holding bad debt for the debt-auction tests.
 */
import type { TimedCommand } from '../../engine/contract.js';
import { createEngine, type EngineState, type ProtocolModel } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Recorded } from '../../engine/machine.js';
import { SolventError } from '../../math/errors.js';
import { RAD, RAY, WAD } from '../../math/units.js';
import { makerLiq1Model } from './liq1/model.js';

/** A driver around one engine: `run` applies (and throws on refusal), `state` is the latest state. */
export interface Driver<X> {
  readonly state: EngineState<X>;
  /** Applies a command at `nowSeconds`; returns its recorded events. */
  run(command: Command, nowSeconds: number): readonly Recorded[];
  /** Ledger balance. */
  bal(bucket: string, asset: string): bigint;
}

/** Starts an engine for `model`. */
export function drive<X>(model: ProtocolModel<X>): Driver<X> {
  const engine = createEngine(model);
  let state = engine.initial();
  return {
    get state() {
      return state;
    },
    run(command, nowSeconds) {
      const r = apply(engine, state, command, nowSeconds);
      state = r.state;
      return r.events;
    },
    bal: (bucket, asset) => balanceOf(state.ledger, bucket, asset),
  };
}

/**
 * An ETH oracle with one source `osm`, 18 decimals, and an OSM hop of `delaySeconds` (0 = the
 * published price is used at once).
 */
export function ethOracle(delaySeconds = 0): Command {
  return {
    type: 'configureOracle',
    asset: 'ETH',
    config: {
      priceDecimals: 18,
      sources: ['osm'],
      minSources: 1,
      staleAfterSeconds: 10_000_000,
      maxSpreadBps: 0n,
      twapWindowSeconds: 60,
      delaySeconds,
    },
  };
}

/** Publishes an ETH price of `usd` (whole dollars, or a WAD when `wad` is true). */
export function ethPrice(usd: bigint, wad = false): Command {
  return { type: 'publishPrice', asset: 'ETH', source: 'osm', price: wad ? usd : usd * WAD };
}

/**
 * Test parameters (dss clip.t.sol style): Hole and hole 1000 DAI, ETH-A with mat 2, dust 20 DAI,
 * chop 1.1, buf 1.25, LinearDecrease over 3600 s, tail 1800 s, cusp 0.3, tip 100 DAI, chip 2 %,
 * tolerance 0.5; liquidation 1.2: box 1000 DAI, dunk 1000 DAI, beg 1.05, ttl 600 s, tau 3600 s;
 * Vow wait 3600 s. `overrides` replace ilk fields.
 */
export function testParams(
  overrides: Readonly<Record<string, unknown>> = {},
  top: Readonly<Record<string, unknown>> = {},
) {
  return {
    HoleRad: 1000n * RAD,
    boxRad: 1000n * RAD,
    vowWaitSeconds: 3600,
    ...top,
    ilks: {
      'ETH-A': {
        gem: 'ETH',
        matRay: 2n * RAY,
        dustRad: 20n * RAD,
        chopWad: (11n * WAD) / 10n,
        holeRad: 1000n * RAD,
        bufRay: (125n * RAY) / 100n,
        calc: 'LinearDecrease tau=3600',
        tailSeconds: 1800,
        cuspRay: (3n * RAY) / 10n,
        tipRad: 100n * RAD,
        chipWad: (2n * WAD) / 100n,
        toleranceRay: RAY / 2n,
        dunkRad: 1000n * RAD,
        begWad: (105n * WAD) / 100n,
        ttlSeconds: 600,
        tauSeconds: 3600,
        ...overrides,
      },
    },
  };
}

/**
 * Turns random intents into concrete commands by looking at the state each one would meet: applies
 * `setup` then, for each intent, asks `toCommand` for a command (or none) given the current state
 * and time, applies it (a refusal is kept in the list: refusals are part of the contract too) and
 * moves on. Property tests then replay the returned list through `runContract`, which re-checks
 * everything from scratch.
 */
export function concretize<X, I>(
  model: ProtocolModel<X>,
  setup: readonly TimedCommand[],
  intents: readonly I[],
  toCommand: (state: EngineState<X>, intent: I, nowSeconds: number) => TimedCommand | undefined,
): TimedCommand[] {
  const engine = createEngine(model);
  let state = engine.initial();
  const out: TimedCommand[] = [];
  const step = (tc: TimedCommand): void => {
    out.push(tc);
    try {
      state = apply(engine, state, tc.command, tc.nowSeconds).state;
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
  };
  for (const tc of setup) step(tc);
  let now = out.length === 0 ? 0 : (out[out.length - 1]?.nowSeconds ?? 0);
  for (const intent of intents) {
    const tc = toCommand(state, intent, now);
    if (tc === undefined) continue;
    now = tc.nowSeconds;
    step(tc);
  }
  return out;
}

/**
 * A `maker-liq1` engine whose Vow holds `debtDai` whole DAI of sin not covered by any dai, ready
 * for debt auctions (`params.vow.flop` = `flop`): at t = 1 `alice` locks enough ETH at $10 to draw
 * `debtDai` (mat 2), ETH falls to $4, she is bitten (box and dunk above the tab, so in one
 * auction); `zero` bids 1e-45 DAI at t = 2 and deals at t = 603 (ttl 600 s); at t = 3602 the era
 * is flogged (wait 3600 s) and the Vow's 1e-45 DAI healed. The Vow then holds
 * `debtDai − 1e-45` DAI of unqueued sin and no dai (state time 3602).
 */
export function vowWithBadDebt(debtDai: bigint, flop: Readonly<Record<string, unknown>> = {}) {
  const d = drive(makerLiq1Model);
  const tabRad = 2n * debtDai * RAD;
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run(
    {
      type: 'configure',
      params: testParams({ dunkRad: tabRad, lineRad: tabRad }, { boxRad: tabRad, vow: { flop } }),
    },
    0,
  );
  // spot 5 (price 10 / mat 2): debtDai / 5 ETH is the least collateral that draws debtDai.
  d.run({ type: 'deposit', account: 'alice', amountWad: (debtDai * WAD) / 5n }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: debtDai * WAD }, 1);
  d.run(ethPrice(4n), 2);
  d.run({ type: 'bite', account: 'alice' }, 2);
  d.run({ type: 'fundWallet', actor: 'zero', asset: 'DAI', amount: 1n }, 2);
  const lotWad = d.state.ext.flips['ETH-A']?.bids.get('1')?.lotWad ?? 0n;
  d.run({ type: 'tend', ilk: 'ETH-A', id: 1, bidder: 'zero', lotWad, bidRad: 1n }, 2);
  d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 603);
  d.run({ type: 'flog', era: 2 }, 3602);
  d.run({ type: 'heal', amountRad: 1n }, 3602);
  return d;
}

export { RAD, RAY, WAD };
