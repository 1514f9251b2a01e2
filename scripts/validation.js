// Validation of the stress lab against history (../shared/reference/history.md), on the real series
// in ../shared/data. Run by scripts/validate-shared.js (after `npm run build`); also runnable alone:
// `node scripts/validation.js [--json out.json]`. Prints each figure beside the published one and
// returns the problems (checks that failed). VALIDATION.md reports these figures and reads them.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(repoRoot, '..', 'shared', 'data');
const dist = (path) => import(join(repoRoot, 'dist', 'src', path));

const { runStress, defaultStressParamsJson } = await dist('sim/stress.js');
const { replayScenario, replayScenarioFromCsv } = await dist('sim/replay.js');
const { syntheticBook } = await dist('sim/book.js');
const { createRng, split } = await dist('sim/rng.js');
const { compoundV3Model } = await dist('protocols/compound-v3/model.js');
const { perpsAdlReplayCheck } = await dist('sim/stress/perps.js');

const RAD = 10n ** 45n;
const WAD = 10n ** 18n;

/** The Black Thursday replay: the 5-minute Binance ETH series on the 1-minute p60 gas file's window. */
export function blackThursdayReplay() {
  const prices = join(shared, 'prices', 'eth-usd-2020-03-black-thursday.csv');
  const gas = join(shared, 'gas', 'eth-gas-2020-03-12-black-thursday-1min.csv');
  return replayScenarioFromCsv({
    prices: [{ asset: 'ETH', text: readFileSync(prices, 'utf8'), sourceName: prices }],
    gas: { text: readFileSync(gas, 'utf8'), sourceName: gas },
    name: 'replay:eth-usd-2020-03-black-thursday.csv+eth-gas-2020-03-12-black-thursday-1min.csv',
    requiredAssets: ['ETH'],
  });
}

/**
 * Maker parameters like ETH-A's on 2020-03-12 (history.md §1 "Mechanism facts"): chop 13 %,
 * mat 150 %, Flipper beg 3 %, ttl 10 min, tau 6 h (UNVERIFIED in history.md, used as the team's
 * best figures); the Cat's lump of 50 ETH expressed as dunk 7,500 DAI (50 ETH at ~$150, DERIVED).
 */
export function makerParams2020(overrides = {}) {
  const json = structuredClone(defaultStressParamsJson('maker-liq1'));
  const ilkName = Object.keys(json.ilks)[0];
  const ilk = json.ilks[ilkName];
  ilk.chopWad = String((113n * WAD) / 100n);
  ilk.matRay = String(15n * 10n ** 26n);
  ilk.begWad = String((103n * WAD) / 100n);
  ilk.ttlSeconds = 600;
  ilk.tauSeconds = 6 * 3600;
  ilk.dunkRad = String(7_500n * RAD);
  Object.assign(ilk, overrides);
  return json;
}

/**
 * The book of the Maker replays: 1,000 vaults, lognormal debt (median $50k, σ 1.3: about $110M in
 * all, an ASSUMPTION of the order of ETH-A's debt then; history.md gives no figure), collateral
 * ratios from the default health mixture, at the replay's first price.
 */
export function makerBook(replay, accounts = 1000, seed = 2020) {
  return syntheticBook(split(createRng(seed), 2), {
    accounts,
    collateralAsset: 'ETH',
    collateralPriceUsd: replay.assets.ETH[0].price,
  });
}

/** Gas-capped keepers as in history.md §1 check 2: bids fail above cap X; one gas-aware zero bidder. */
export function keepers2020(capGwei) {
  return [
    { preset: 'gasCapped', id: 'keeper-a', maxGasPriceGwei: capGwei },
    { preset: 'gasCapped', id: 'keeper-b', maxGasPriceGwei: capGwei },
    { preset: 'zeroBid', id: 'keeper-zero', minProfitUsd: 0 },
  ];
}

/** The figures of one Maker run that history.md publishes. */
function makerFigures(result) {
  const s = result.summary;
  const zero = result.clearings.filter((c) => c.paidUsd < 1);
  const dealt = result.clearings.length;
  return {
    protocol: s.protocol,
    liquidations: s.liquidations,
    auctions: s.auctions,
    auctionsCleared: dealt,
    zeroBidAuctions: s.zeroBidAuctions,
    zeroBidShare: dealt === 0 ? 0 : s.zeroBidAuctions / dealt,
    ethSoldForZeroUsd: zero.reduce((sum, c) => sum + c.marketValueUsd, 0),
    liquidatedDebtUsd: s.liquidatedDebtUsd,
    badDebtUsd: s.badDebtUsd,
    keeperProfitUsd: s.keeperProfitUsd,
    borrowerLossUsd: s.borrowerLossUsd,
  };
}

const usd = (x) => `$${(x / 1e6).toFixed(2)}M`;
const pct = (x) => `${(x * 100).toFixed(1)}%`;

/** Runs every check; returns { results, problems }. */
export function runValidation(log = console.log) {
  const problems = [];
  const results = {};

  // 1. Black Thursday: maker-liq1 with 2020 parameters and gas-capped keepers vs maker-liq2, same book.
  const replay = blackThursdayReplay();
  const book = makerBook(replay);
  const capGwei = 100;
  const base = { replay, seed: 7, book, keepers: keepers2020(capGwei) };
  const liq1 = runStress({ ...base, protocol: 'maker-liq1', protocolParams: makerParams2020() });
  const liq2 = runStress({
    ...base,
    protocol: 'maker-liq2',
    keepers: [
      { preset: 'gasCapped', id: 'keeper-a', maxGasPriceGwei: capGwei },
      { preset: 'gasAware', id: 'keeper-b', minProfitUsd: 10 },
    ],
  });
  const f1 = makerFigures(liq1);
  const f2 = makerFigures(liq2);
  results.blackThursday = {
    replay: replay.name,
    steps: liq1.summary.steps,
    accounts: liq1.summary.accounts,
    bookDebtUsd: book.accounts.reduce((sum, a) => sum + a.debtUsd, 0),
    gasCapGwei: capGwei,
    liq1: f1,
    liq2: f2,
    published: {
      zeroBidShare: 0.36,
      ethSoldForZeroUsd: [7.1e6, 8.32e6],
      deficitDai: [5.3e6, 6.65e6],
    },
  };
  log(
    `Black Thursday replay (${liq1.summary.steps} steps, ${liq1.summary.accounts} vaults, book debt ${usd(results.blackThursday.bookDebtUsd)}):`,
  );
  log(
    `  maker-liq1: ${f1.auctions} auctions, ${f1.auctionsCleared} cleared, zero-bid ${f1.zeroBidAuctions} (${pct(f1.zeroBidShare)}; published 36%), ETH sold for 0 DAI ${usd(f1.ethSoldForZeroUsd)} (published $7.1–8.32M), bad debt ${usd(f1.badDebtUsd)} (published 5.3–6.65M DAI)`,
  );
  log(
    `  maker-liq2: ${f2.auctions} auctions, zero-bid ${f2.zeroBidAuctions}, bad debt ${usd(f2.badDebtUsd)}, borrower loss ${usd(f2.borrowerLossUsd)} vs liq1 ${usd(f1.borrowerLossUsd)}`,
  );
  if (!(f1.zeroBidAuctions > 0 && f1.badDebtUsd > 0)) {
    problems.push(
      'Black Thursday: maker-liq1 with gas-capped keepers must show zero-bid auctions and bad debt',
    );
  }
  if (!(f2.badDebtUsd < f1.badDebtUsd && f2.borrowerLossUsd < f1.borrowerLossUsd)) {
    problems.push('Black Thursday: maker-liq2 must lose less than maker-liq1 on the same book');
  }

  // 1b. The levers governance pulled (history.md §1 check 2): a cap above ~200 gwei, or ttl 6 h.
  const highCap = makerFigures(
    runStress({
      ...base,
      protocol: 'maker-liq1',
      keepers: keepers2020(250),
      protocolParams: makerParams2020(),
    }),
  );
  const longTtl = makerFigures(
    runStress({
      ...base,
      protocol: 'maker-liq1',
      protocolParams: makerParams2020({ ttlSeconds: 6 * 3600 }),
    }),
  );
  results.blackThursdayLevers = { cap250: highCap, ttl6h: longTtl };
  log(
    `  lever: gas cap 250 gwei → zero-bid share ${pct(highCap.zeroBidShare)}, bad debt ${usd(highCap.badDebtUsd)}`,
  );
  log(`  lever: ttl 6 h → zero-bid share ${pct(longTtl.zeroBidShare)}, bad debt ${usd(longTtl.badDebtUsd)}`);
  if (!(highCap.zeroBidShare < f1.zeroBidShare / 2)) {
    problems.push('Black Thursday lever: a 250 gwei cap must at least halve the zero-bid share');
  }
  if (!(longTtl.zeroBidShare < f1.zeroBidShare)) {
    problems.push('Black Thursday lever: ttl 6 h must lower the zero-bid share');
  }

  // 1c. The OSM lag (history.md §1 check 1): around 03-13 00:00 the market is ~$110–115 and the
  //     on-chain price is still ~$130–140.
  const midnight = Date.UTC(2020, 2, 13, 0, 0, 0) / 1000;
  const near = liq2.series.reduce((best, p) =>
    Math.abs(p.t - midnight) < Math.abs(best.t - midnight) ? p : best,
  );
  results.osmLag = { t: near.t, marketUsd: near.marketPriceUsd, oracleUsd: near.oraclePriceUsd };
  log(
    `  OSM lag at ${new Date(near.t * 1000).toISOString()}: market $${near.marketPriceUsd.toFixed(2)}, oracle $${near.oraclePriceUsd?.toFixed(2)} (published ~$110–115 vs ~$130–140)`,
  );
  if (!(near.oraclePriceUsd !== null && near.oraclePriceUsd > near.marketPriceUsd)) {
    problems.push('OSM lag: the oracle must lag above the market at 03-13 00:00');
  }

  Object.assign(results, knifeEdgeCheck(log, problems));
  Object.assign(results, perpsAdlChecks(log, problems));

  return { results, problems };
}

/** The Knife-edge check (history.md §3); pushes its problem, returns `{ knifeEdge }`. */
export function knifeEdgeCheck(log = console.log, problems = []) {
  // Knife-edge (history.md §3): debt liquidatable after a −3 % shock on a Compound-like book.
  //    Compound v2 in 2020 borrowed and liquidated at the same collateral factor (ETH 75 %); Comet
  //    needs liquidate > borrow, so WETH gets borrow 75 % and liquidate 75.5 % (DERIVED). The book:
  //    4,000 accounts from the default mixture above the borrow limit (1 / 0.75), scaled to $1B of
  //    borrowing (ASSUMPTION: the order of Compound's borrowing in late 2020).
  const t0 = Date.UTC(2020, 8, 1) / 1000;
  const knifeBook = syntheticBook(split(createRng(11), 2), {
    accounts: 4000,
    collateralAsset: 'ETH',
    collateralPriceUsd: 400,
    minCollateralRatio: 1 / 0.75,
  });
  const cometParams = structuredClone(defaultStressParamsJson('compound-v3'));
  const weth = cometParams.assets.find((a) => a.asset === 'WETH');
  weth.borrowCollateralFactor = String((75n * WAD) / 100n);
  weth.liquidateCollateralFactor = String((755n * WAD) / 1000n);
  const shock = runStress({
    protocol: 'compound-v3',
    protocolParams: cometParams,
    replay: replayScenario({
      prices: {
        ETH: [
          { tSeconds: t0, price: 400 },
          { tSeconds: t0 + 60, price: 400 * 0.97 },
        ],
      },
      stepSeconds: 60,
      name: 'knife-edge −3 %',
    }),
    seed: 1,
    book: knifeBook,
    keepers: [],
    flatGasGwei: 50,
  });
  const total = shock.summary.accounts === 0 ? 0 : knifeBook.accounts.reduce((sum, a) => sum + a.debtUsd, 0);
  const last = shock.series[shock.series.length - 1];
  const first = shock.series[0];
  const liquidatable = liquidatableDebtUsd(shock, last.t);
  const scaled = (liquidatable / total) * 1e9;
  const knifeEdge = {
    accounts: shock.summary.accounts,
    bookDebtUsd: total,
    liquidatableDebtUsd: liquidatable,
    scaledToOneBillionUsd: scaled,
    healthBucketsBefore: first.healthBuckets,
    healthBucketsAfter: last.healthBuckets,
    published: '>$10M liquidable after a 3% move (Perez et al., FC 2021)',
  };
  log(
    `Knife-edge: after −3 %, ${usd(liquidatable)} of ${usd(total)} debt is liquidatable (${pct(liquidatable / total)}); scaled to $1B of borrowing: ${usd(scaled)} (published >$10M)`,
  );
  if (!(scaled > 10e6)) problems.push('Knife-edge: less than $10M liquidatable per $1B after a −3 % shock');

  return { knifeEdge };
}

/**
 * A leveraged perps book: 200 traders, half near their maintenance margin (excess over the
 * liquidation point exponential with mean 5 %), half further (5 % floor, mean 30 %). An ASSUMPTION:
 * history.md gives the leverage of ADL'd accounts (median 0.2×), not of those liquidated.
 */
function perpsBook(replay) {
  return syntheticBook(split(createRng(7), 2), {
    accounts: 200,
    collateralAsset: 'ETH',
    collateralPriceUsd: replay.assets.ETH[0].price,
    healthDistribution: {
      kind: 'excessMixture',
      components: [
        { weight: 0.5, floorExcess: 0, meanExcess: 0.05 },
        { weight: 0.5, floorExcess: 0.05, meanExcess: 0.3 },
      ],
    },
  });
}

/**
 * The 2025-10-10 perps check (history.md §10): Hyperliquid driven by the real ETH series, where the
 * insurance fund (its vault) must run dry and ADL follow. Primary: Binance's 15-minute ETH file
 * (the check names the 15-minute files); also reported: Gemini's 1-minute ETH file.
 */
export function perpsAdlChecks(log = console.log, problems = []) {
  const out = {};
  for (const [key, file] of [
    ['binance15m', 'eth-usd-2025-10-10-crash.csv'],
    ['gemini1m', 'eth-usd-2025-10-10-crash-1m-gemini.csv'],
  ]) {
    const path = join(shared, 'prices', file);
    const replay = replayScenarioFromCsv({
      prices: [{ asset: 'ETH', text: readFileSync(path, 'utf8'), sourceName: path }],
      name: `replay:${file}`,
      requiredAssets: ['ETH'],
    });
    const c = perpsAdlReplayCheck(replay, { protocol: 'hyperliquid', seed: 7, book: perpsBook(replay) });
    out[key] = c;
    const when = (t) => (t === null ? 'never' : new Date(t * 1000).toISOString().slice(11, 16));
    log(
      `2025-10-10 ${file} on hyperliquid (${c.steps} steps): ${c.liquidations} liquidations ${usd(c.liquidatedUsd)}, fund ${usd(c.insuranceFundStartUsd)} dry at ${when(c.fundDryAtSeconds)}, first ADL at ${when(c.firstAdlAtSeconds)} after ${c.liquidationsBeforeFirstAdl} liquidations, ADL ${usd(c.adlVolumeUsd)}, bad debt ${usd(c.badDebtUsd)} (${pct(c.liquidatedUsd > 0 ? c.badDebtUsd / c.liquidatedUsd : 0)} of liquidated; published 0.4 %)`,
    );
  }
  const primary = out.binance15m;
  if (!(primary.fundDryStep !== null && primary.adlVolumeUsd > 0 && primary.adlAfterFundDry)) {
    problems.push('2025-10-10: on the 15-minute ETH replay the insurance fund must run dry and ADL follow');
  }
  return { perps20251010: out };
}

/** Debt of the accounts Comet calls liquidatable at `t` (its own `isLiquidatable` rule), USD. */
function liquidatableDebtUsd(result, t) {
  const state = result.finalState;
  let usdSum = 0;
  for (const id of compoundV3Model.accountIds(state)) {
    const h = compoundV3Model.health(state, id, t);
    if (h.liquidatable) usdSum += Number(h.debtValueWad) / 1e18;
  }
  return usdSum;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, problems } = runValidation();
  const at = process.argv.indexOf('--json');
  if (at > 0 && process.argv[at + 1])
    writeFileSync(process.argv[at + 1], `${JSON.stringify(results, null, 2)}\n`);
  if (problems.length > 0) {
    console.error(`validation: FAILED\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log('validation: OK');
}
