/**
 * `npm run bench`: exact health checks per second and liquidations per second, each measured
 * beside a baseline in the same run, written as JSON (bench-results/bench.json unless --out).
 *
 * - health: Solvent's exact bigint health factor (src/engine/margin.ts) over a synthetic book of
 *   multi-collateral accounts, against decimal.js (a decimal library at 60 significant digits)
 *   computing the same ratio; results are cross-checked before timing.
 * - liquidations: full Aave v3.3 `liquidationCall`s through the engine (`apply`: validation,
 *   close factor, amounts, ledger moves, events, state update), against decimal.js computing only
 *   the same liquidation amounts (no state, no events): the price of exactness and bookkeeping.
 * - stress: the Black Thursday replay (2,016 five-minute steps) through `maker-liq2` with ten keepers
 *   (two of each Maker preset) at 10k and 100k accounts, with the liquidation-price index
 *   (src/sim/stress/makerIndex.ts), against the same adapter scanning every vault each time (the
 *   naive path) at 2k accounts, where both also run indexed and their summaries must agree. The
 *   price path is ../shared/data/prices/eth-usd-2020-03-black-thursday.csv when that file exists,
 *   else a synthetic 2,016-step path of the same shape (flat, then −57 % in a day, partial
 *   rebound); the JSON says which.
 * The book is generated from a fixed seed, so every run measures the same work.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Decimal } from 'decimal.js';
import { createEngine, type EngineState } from '../src/engine/engine.js';
import { apply, type Command } from '../src/engine/machine.js';
import { healthFactorWad, type MarginAccount } from '../src/engine/margin.js';
import { aaveV33Model } from '../src/protocols/aave-v3/model.js';
import type { AaveExt } from '../src/protocols/aave-v3/state.js';
import { marketSetup, units } from '../src/protocols/aave-v3/testkit.js';
import type { PricePath } from '../src/sim/paths.js';
import { type ReplayScenario, replayScenario, replayScenarioFromCsv } from '../src/sim/replay.js';
import { runWithAdapter, type StressAdapter } from '../src/sim/stress/core.js';
import { createMakerStressAdapter, makerStressAdapter } from '../src/sim/stress/maker.js';
import type { StressKeeperSpec, StressSummary } from '../src/sim/stress/types.js';

Decimal.set({ precision: 60, rounding: Decimal.ROUND_DOWN });

/** Deterministic 32-bit generator (mulberry32) so the book is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function book(size: number, seed: number): MarginAccount[] {
  const next = rng(seed);
  const assets = [
    { asset: 'WETH', decimals: 18, price: 2_000n * 10n ** 8n, lt: 8_250n, ltv: 8_000n },
    { asset: 'WBTC', decimals: 8, price: 60_000n * 10n ** 8n, lt: 7_800n, ltv: 7_300n },
    { asset: 'wstETH', decimals: 18, price: 2_300n * 10n ** 8n, lt: 8_100n, ltv: 7_850n },
  ];
  const out: MarginAccount[] = [];
  for (let i = 0; i < size; i++) {
    const n = 1 + Math.floor(next() * 3);
    const collateral = assets.slice(0, n).map((a) => ({
      asset: a.asset,
      amount: BigInt(Math.floor(next() * 1e6)) * 10n ** BigInt(a.decimals - 3),
      decimals: a.decimals,
      price: a.price,
      priceDecimals: 8,
      liquidationThresholdBps: a.lt,
      initialLtvBps: a.ltv,
    }));
    out.push({
      collateral,
      debt: [
        {
          asset: 'USDC',
          amount: BigInt(1 + Math.floor(next() * 5e9)) * 1_000n,
          decimals: 6,
          price: 99_990_000n,
          priceDecimals: 8,
        },
      ],
    });
  }
  return out;
}

function decimalHealth(account: MarginAccount): Decimal {
  let weighted = new Decimal(0);
  for (const c of account.collateral) {
    weighted = weighted.plus(
      new Decimal(c.amount.toString())
        .div(new Decimal(10).pow(c.decimals))
        .mul(new Decimal(c.price.toString()).div(new Decimal(10).pow(c.priceDecimals)))
        .mul(new Decimal(c.liquidationThresholdBps.toString()).div(10_000)),
    );
  }
  let debt = new Decimal(0);
  for (const d of account.debt) {
    debt = debt.plus(
      new Decimal(d.amount.toString())
        .div(new Decimal(10).pow(d.decimals))
        .mul(new Decimal(d.price.toString()).div(new Decimal(10).pow(d.priceDecimals))),
    );
  }
  return weighted.div(debt);
}

/** Runs `body` (which does `opsPerCall` operations) until `minMs` elapsed; returns ops/s. */
function measure(body: () => void, opsPerCall: number, minMs: number): { opsPerSecond: number; ms: number } {
  body(); // warm-up
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(minMs) * 1_000_000n) {
    body();
    ops += opsPerCall;
    elapsedNs = process.hrtime.bigint() - start;
  }
  const ms = Number(elapsedNs) / 1e6;
  return { opsPerSecond: Math.round((ops / ms) * 1000), ms: Math.round(ms) };
}

function benchHealth(size: number, minMs: number) {
  const accounts = book(size, 7);
  // Cross-check: the exact floor must sit within 1e-18 below the decimal value.
  for (const a of accounts.slice(0, 500)) {
    const exact = new Decimal(healthFactorWad(a).toString()).div('1e18');
    const approx = decimalHealth(a);
    if (approx.minus(exact).abs().gt('1e-17')) throw new Error(`health mismatch: ${exact} vs ${approx}`);
  }
  let sink = 0n;
  const ours = measure(
    () => {
      for (const a of accounts) sink ^= healthFactorWad(a);
    },
    accounts.length,
    minMs,
  );
  let dsink = 0;
  const baseline = measure(
    () => {
      for (const a of accounts) dsink += decimalHealth(a).isNeg() ? 1 : 0;
    },
    accounts.length,
    minMs,
  );
  if (sink === -1n || dsink === -1) console.log('');
  return {
    accounts: size,
    solventExactBigint: ours,
    baselineDecimalJs: baseline,
    speedup: Number((ours.opsPerSecond / baseline.opsPerSecond).toFixed(2)),
  };
}

const USDC_PRICE = 100_000_000n;

function liquidationBook(size: number) {
  const engine = createEngine(aaveV33Model);
  let state: EngineState<AaveExt> = engine.initial();
  const run = (c: Command, t: number) => {
    state = apply(engine, state, c, t).state;
  };
  for (const c of marketSetup()) run(c, 0);
  run({ type: 'supply', asset: 'USDC', amount: units('USDC', BigInt(size) * 2_000n) }, 0);
  run(
    { type: 'fundWallet', actor: 'liquidator', asset: 'USDC', amount: units('USDC', BigInt(size) * 2_000n) },
    0,
  );
  for (let i = 0; i < size; i++) {
    run({ type: 'deposit', account: `u${i}`, asset: 'WETH', amount: units('WETH', 1n) }, 1);
    run({ type: 'borrow', account: `u${i}`, asset: 'USDC', amount: units('USDC', 1_600n) }, 1);
  }
  // $2,000 → $1,800: HF = 1800·0.825/1600 ≈ 0.928 < 0.95, so the whole debt is liquidatable.
  run({ type: 'publishPrice', asset: 'WETH', source: 'feed', price: 1_800n * 10n ** 8n }, 2);
  return { engine, state };
}

function decimalLiquidation(collateralWei: bigint, debtUnits: bigint): Decimal {
  const collateralUsd = new Decimal(collateralWei.toString()).div('1e18').mul(1_800);
  const debtUsd = new Decimal(debtUnits.toString())
    .div('1e6')
    .mul(new Decimal(USDC_PRICE.toString()).div('1e8'));
  const health = collateralUsd.mul('0.825').div(debtUsd);
  const factor = health.gt('0.95') ? new Decimal('0.5') : new Decimal(1);
  const repay = debtUsd.mul(factor);
  const seized = repay.div(1_800).mul('1.05');
  const fee = seized.minus(seized.div('1.05')).mul('0.1');
  return seized.minus(fee);
}

function benchLiquidations(size: number, minMs: number) {
  const { engine, state } = liquidationBook(size);
  const commands: Command[] = [];
  for (let i = 0; i < size; i++) {
    commands.push({
      type: 'liquidationCall',
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      account: `u${i}`,
      liquidator: 'liquidator',
      debtToCover: 'max',
      receiveAToken: false,
    });
  }
  let liquidated = 0;
  const ours = measure(
    () => {
      let s = state;
      for (const c of commands) {
        s = apply(engine, s, c, 3).state;
        liquidated++;
      }
    },
    size,
    minMs,
  );
  let dsink = new Decimal(0);
  const baseline = measure(
    () => {
      for (let i = 0; i < size; i++) dsink = dsink.plus(decimalLiquidation(10n ** 18n, 1_600_000_000n));
    },
    size,
    minMs,
  );
  return {
    accounts: size,
    liquidationsRun: liquidated,
    solventEngineLiquidationCall: ours,
    baselineDecimalJsAmountsOnly: baseline,
    ratio: Number((ours.opsPerSecond / baseline.opsPerSecond).toFixed(2)),
  };
}

/** The replay file of the speed target, relative to the repository (read only when present). */
const BLACK_THURSDAY_CSV = '../shared/data/prices/eth-usd-2020-03-black-thursday.csv';
/** Grid of the replay: 2020-03-09 00:00 UTC, 2,016 steps of five minutes (seven days). */
const REPLAY_START_SECONDS = 1_583_712_000;
const REPLAY_STEP_SECONDS = 300;
const REPLAY_STEPS = 2_016;

/**
 * A synthetic stand-in for the Black Thursday ETH path when ../shared is absent: log-linear between
 * knots read off the real file (hours from the start → USD: flat near $205 for three days, the
 * crash of 12 March to $88 on the 13th, a rebound to ~$130), with a small deterministic wiggle.
 */
function syntheticBlackThursday(): PricePath {
  const knots: [number, number][] = [
    [0, 205],
    [72, 200],
    [84, 195],
    [96, 150],
    [100, 136],
    [108, 112],
    [112, 95],
    [114, 88.35],
    [120, 112],
    [132, 126],
    [144, 133],
    [156, 128],
    [168, 125],
  ];
  const path: { tSeconds: number; price: number }[] = [];
  for (let k = 0; k < REPLAY_STEPS; k++) {
    const hours = (k * REPLAY_STEP_SECONDS) / 3600;
    let i = 0;
    while (i < knots.length - 2 && (knots[i + 1] as [number, number])[0] <= hours) i++;
    const [h0, p0] = knots[i] as [number, number];
    const [h1, p1] = knots[i + 1] as [number, number];
    const w = Math.min(1, Math.max(0, (hours - h0) / (h1 - h0)));
    const base = Math.exp(Math.log(p0) * (1 - w) + Math.log(p1) * w);
    const wiggle = 1 + 0.004 * Math.sin(k / 7) + 0.002 * Math.sin(k / 3.1);
    path.push({ tSeconds: REPLAY_START_SECONDS + k * REPLAY_STEP_SECONDS, price: base * wiggle });
  }
  return path;
}

/** The Black Thursday replay: the real file when present, else the synthetic path. */
function blackThursdayReplay(): { readonly replay: ReplayScenario; readonly source: string } {
  if (existsSync(BLACK_THURSDAY_CSV)) {
    const replay = replayScenarioFromCsv({
      prices: [
        { asset: 'ETH', text: readFileSync(BLACK_THURSDAY_CSV, 'utf8'), sourceName: BLACK_THURSDAY_CSV },
      ],
      name: 'replay:eth-usd-2020-03-black-thursday.csv',
    });
    return { replay, source: BLACK_THURSDAY_CSV };
  }
  const replay = replayScenario({
    prices: { ETH: syntheticBlackThursday() },
    name: 'synthetic-black-thursday-2016-steps',
    stepSeconds: REPLAY_STEP_SECONDS,
  });
  return { replay, source: 'synthetic (../shared absent)' };
}

/** Ten keepers, two of each Maker preset, with different thresholds. */
const TEN_KEEPERS: readonly StressKeeperSpec[] = [
  { preset: 'gasCapped', id: 'capped-150', maxGasPriceGwei: 150 },
  { preset: 'gasCapped', id: 'capped-300', maxGasPriceGwei: 300 },
  { preset: 'gasAware', id: 'aware-10', minProfitUsd: 10 },
  { preset: 'gasAware', id: 'aware-50', minProfitUsd: 50 },
  { preset: 'flash', id: 'flash-0' },
  { preset: 'flash', id: 'flash-20', minProfitUsd: 20 },
  { preset: 'capitalLimited', id: 'capital-500k', capitalDai: 500_000 },
  { preset: 'capitalLimited', id: 'capital-2m', capitalDai: 2_000_000 },
  { preset: 'zeroBid', id: 'zero-a' },
  { preset: 'zeroBid', id: 'zero-b' },
];

/** One timed stress run: wall and CPU time (process.cpuUsage, user + system) and what it did. */
function timedStress(adapter: StressAdapter, replay: ReplayScenario, accounts: number) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = runWithAdapter(adapter, {
    protocol: 'maker-liq2',
    replay,
    seed: 7,
    accounts,
    keepers: TEN_KEEPERS,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const s = result.summary;
  return {
    summary: s,
    figures: {
      accountsRequested: accounts,
      accountsOpened: s.accounts,
      steps: s.steps,
      keepers: TEN_KEEPERS.length,
      liquidations: s.liquidations,
      keeperTransactions: s.keeperTransactions,
      badDebtUsd: Math.round(s.badDebtUsd),
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    },
  };
}

function benchStress(quick: boolean, sizesAsked: readonly number[] | undefined) {
  const { replay, source } = blackThursdayReplay();
  const naive = createMakerStressAdapter({ indexed: false });
  const baselineAccounts = quick ? 300 : 2_000;
  const sizes = sizesAsked ?? (quick ? [2_000] : [10_000, 100_000]);
  const naiveRun = timedStress(naive, replay, baselineAccounts);
  const indexedSmall = timedStress(makerStressAdapter, replay, baselineAccounts);
  const same = (a: StressSummary, b: StressSummary) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(naiveRun.summary, indexedSmall.summary)) {
    throw new Error('indexed and full-scan runs disagree: the index is not exact');
  }
  const indexed = sizes.map((n) => timedStress(makerStressAdapter, replay, n).figures);
  return {
    scenario: replay.name,
    priceSource: source,
    protocol: 'maker-liq2',
    seed: 7,
    keepers: TEN_KEEPERS.map((k) => `${k.preset}:${k.id}`),
    baselineFullScan: naiveRun.figures,
    indexedSameSize: indexedSmall.figures,
    summariesEqual: true,
    indexed,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? (args[outIndex + 1] ?? 'bench-results/bench.json') : 'bench-results/bench.json';
  const quick = args.includes('--quick');
  // `--stress-sizes 10000,100000`: the book sizes of the Black Thursday replay (default 10k and 100k).
  const sizesAt = args.indexOf('--stress-sizes');
  const sizes =
    sizesAt >= 0
      ? (args[sizesAt + 1] ?? '').split(',').map((x) => {
          const n = Number(x);
          if (!Number.isSafeInteger(n) || n < 1)
            throw new Error(`--stress-sizes: ${x} is not a whole number ≥ 1`);
          return n;
        })
      : undefined;
  const minMs = quick ? 200 : 1_500;
  const result = {
    node: process.version,
    date: new Date().toISOString(),
    health: benchHealth(quick ? 2_000 : 20_000, minMs),
    liquidations: benchLiquidations(quick ? 200 : 2_000, minMs),
    stress: benchStress(quick, sizes),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const h = result.health;
  const l = result.liquidations;
  console.log(
    `health checks/s   solvent ${h.solventExactBigint.opsPerSecond}   decimal.js ${h.baselineDecimalJs.opsPerSecond}   ×${h.speedup}`,
  );
  console.log(
    `liquidations/s    solvent ${l.solventEngineLiquidationCall.opsPerSecond}   decimal.js amounts only ${l.baselineDecimalJsAmountsOnly.opsPerSecond}   ×${l.ratio}`,
  );
  const st = result.stress;
  const line = (label: string, f: typeof st.baselineFullScan) =>
    console.log(
      `${label.padEnd(34)} ${String(f.accountsOpened).padStart(7)} accounts  ${f.steps} steps  ${f.liquidations} liquidations  wall ${f.wallSeconds} s  cpu ${f.cpuSeconds} s`,
    );
  console.log(`stress: ${st.scenario} (${st.priceSource}), ${st.protocol}, ${st.keepers.length} keepers`);
  line('  full scan (baseline)', st.baselineFullScan);
  line('  indexed, same book', st.indexedSameSize);
  for (const f of st.indexed) line('  indexed', f);
  console.log(`wrote ${out}`);
}

main();
