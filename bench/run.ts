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
 * The book is generated from a fixed seed, so every run measures the same work.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Decimal } from 'decimal.js';
import { createEngine, type EngineState } from '../src/engine/engine.js';
import { apply, type Command } from '../src/engine/machine.js';
import { healthFactorWad, type MarginAccount } from '../src/engine/margin.js';
import { aaveV33Model } from '../src/protocols/aave-v3/model.js';
import type { AaveExt } from '../src/protocols/aave-v3/state.js';
import { marketSetup, units } from '../src/protocols/aave-v3/testkit.js';

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

function main(): void {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? (args[outIndex + 1] ?? 'bench-results/bench.json') : 'bench-results/bench.json';
  const quick = args.includes('--quick');
  const minMs = quick ? 200 : 1_500;
  const result = {
    node: process.version,
    date: new Date().toISOString(),
    health: benchHealth(quick ? 2_000 : 20_000, minMs),
    liquidations: benchLiquidations(quick ? 200 : 2_000, minMs),
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
  console.log(`wrote ${out}`);
}

main();
