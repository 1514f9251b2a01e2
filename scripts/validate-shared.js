#!/usr/bin/env node
// Validation against ../shared (run by `npm run test:shared` after `npm run build`): the built CLI
// must reproduce every public conformance vector of ../shared/conformance/vectors, with nothing
// unsupported, file by file and over the whole folder. Exits 1 with the reasons otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vectorsFolder = join(repoRoot, '..', 'shared', 'conformance', 'vectors');
const problems = [];

function solvent(args) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'solvent.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

if (!existsSync(vectorsFolder)) {
  console.error(`validate-shared: ${vectorsFolder} is missing.`);
  console.error('This suite needs the shared material checked out beside the project (../shared).');
  process.exit(1);
}
if (!existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('validate-shared: dist/src/cli/main.js is missing: run `npm run build` first.');
  process.exit(1);
}

// 1. Each vector file on its own: every vector passes (exit 0), none unsupported.
const files = readdirSync(vectorsFolder)
  .filter((name) => name.endsWith('.json'))
  .sort();
for (const name of files) {
  const shown = relative(repoRoot, join(vectorsFolder, name));
  const result = solvent(['conform', shown]);
  const last = result.stdout.trimEnd().split('\n').at(-1) ?? '(no report)';
  console.log(`solvent conform ${shown}: exit ${result.code}, ${last}`);
  if (result.code !== 0) {
    problems.push(`${shown}: exit ${result.code}; every vector must pass`);
    for (const line of result.stdout
      .split('\n')
      .filter((l) => l.includes(`(${shown} #`))
      .slice(0, 20)) {
      problems.push(`  ${line}`);
    }
    if (result.stderr.trim() !== '') problems.push(`  stderr: ${result.stderr.trim()}`);
  }
}

// 2. The whole folder as JSON: the totals agree and every system is fully covered.
const all = solvent(['conform', '--json', relative(repoRoot, vectorsFolder)]);
try {
  const report = JSON.parse(all.stdout);
  const { vectors, passed, failed, unsupported } = report.totals;
  console.log(`\nsolvent conform --json ${relative(repoRoot, vectorsFolder)}: ${vectors} vectors`);
  for (const counts of report.systems) {
    console.log(
      `  ${counts.system.padEnd(20)} passed ${String(counts.passed).padStart(3)}  failed ${counts.failed}  unsupported ${counts.unsupported}`,
    );
  }
  if (all.code !== 0 || failed !== 0 || unsupported !== 0 || passed !== vectors) {
    problems.push(
      `whole folder: exit ${all.code}, ${passed}/${vectors} passed, ${failed} failed, ${unsupported} unsupported`,
    );
  }
} catch {
  problems.push(`conform --json over ${vectorsFolder}: exit ${all.code}, output is not JSON`);
}

// 3. The real price series in ../shared/data/prices parse with the simulator's strict CSV reader,
//    with the row counts and end points their SOURCES.md and the files themselves state.
const pricesFolder = join(repoRoot, '..', 'shared', 'data', 'prices');
const { parsePriceCsv } = await import(join(repoRoot, 'dist', 'src', 'sim', 'csv.js'));
const EXPECTED_SERIES = {
  'eth-usd-2020-03-black-thursday.csv': {
    rows: 2016,
    first: [1583712000, 205.46],
    last: [1584316500, 123.78],
  },
  'btc-usd-2020-03-black-thursday.csv': {
    rows: 168,
    first: [1583712000, 8081.54],
    last: [1584313200, 5361.3],
  },
  'luna-usd-2022-05-luna-ust-collapse.csv': {
    rows: 11560,
    first: [1651708800, 86.16],
    last: [1652402340, 0.00005],
  },
  'usdc-usd-2023-03-usdc-depeg.csv': {
    rows: 808,
    first: [1678338000, 1.00302319],
    last: [1679183100, 1.00214827],
  },
};
let seriesRead = 0;
for (const name of readdirSync(pricesFolder)
  .filter((n) => n.endsWith('.csv'))
  .sort()) {
  try {
    const { points } = parsePriceCsv(readFileSync(join(pricesFolder, name), 'utf8'), { sourceName: name });
    seriesRead += 1;
    const want = EXPECTED_SERIES[name];
    if (want !== undefined) {
      const first = points[0];
      const last = points.at(-1);
      const got = {
        rows: points.length,
        first: [first.tSeconds, first.price],
        last: [last.tSeconds, last.price],
      };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`${name}: read ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    }
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(`\nprice series in ${relative(repoRoot, pricesFolder)}: ${seriesRead} parsed`);

// 4. A replay of the real Black Thursday ETH series and gas through Maker's two liquidation systems:
//    liquidations 1.2 must show the March 2020 pattern (zero-bid auctions and bad debt), 2.0 none.
const replay = solvent([
  'stress',
  '--protocol',
  'maker-liq1',
  '--protocol',
  'maker-liq2',
  '--prices',
  `ETH=${relative(repoRoot, join(pricesFolder, 'eth-usd-2020-03-12-black-thursday-coinapi-10min.csv'))}`,
  '--gas',
  relative(
    repoRoot,
    join(repoRoot, '..', 'shared', 'data', 'gas', 'eth-gas-2020-03-12-black-thursday-1min.csv'),
  ),
  '--json',
]);
try {
  const [liq1, liq2] = JSON.parse(replay.stdout);
  console.log(
    `\nreplay of Black Thursday (${liq1.scenario}): liq1 ${liq1.zeroBidAuctions} zero-bid auctions, bad debt $${liq1.badDebtUsd.toFixed(0)}; liq2 ${liq2.zeroBidAuctions} zero-bid auctions, bad debt $${liq2.badDebtUsd.toFixed(0)}`,
  );
  if (!(liq1.zeroBidAuctions > 0 && liq1.badDebtUsd > 0 && liq2.badDebtUsd === 0 && liq1.liquidations > 0)) {
    problems.push(
      'Black Thursday replay: expected zero-bid auctions and bad debt under maker-liq1 and none under maker-liq2',
    );
  }
} catch {
  problems.push(
    `Black Thursday replay: exit ${replay.code}, ${replay.stderr.trim() || 'output is not JSON'}`,
  );
}

// 5. Validation against history (VALIDATION.md): Black Thursday under 2020 parameters and the
//    governance levers, the OSM lag, the Knife-edge −3 % check.
console.log('');
const { runValidation } = await import(join(repoRoot, 'scripts', 'validation.js'));
const validation = runValidation();
problems.push(...validation.problems);

if (problems.length > 0) {
  console.error(`\nvalidate-shared: FAILED\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('\nvalidate-shared: OK, every vector of every system passes and every price series parses');
