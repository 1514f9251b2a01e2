#!/usr/bin/env node
// Validation against ../shared (run by `npm run test:shared` after `npm run build`): the built CLI
// must reproduce every public conformance vector of the systems modelled so far, and report the
// others as unsupported, never as failed. Exits 1 with the reasons otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedRoot = resolve(repoRoot, '..', 'shared');
const vectorsFolder = join(sharedRoot, 'conformance', 'vectors');

/** Vector files whose every vector must pass, and the systems they hold. */
const MODELLED_FILES = ['makerdao.json', 'aave_v3.json', 'compound_v3.json'];
const MODELLED_SYSTEMS = new Set(['makerdao-dss', 'aave-v3', 'compound-v3']);

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

function lastLine(text) {
  return text.trimEnd().split('\n').at(-1) ?? '';
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

// 1. The modelled systems' own files, one run each: every vector must pass (exit 0).
for (const name of MODELLED_FILES) {
  const shown = relative(repoRoot, join(vectorsFolder, name));
  const result = solvent(['conform', shown]);
  console.log(`solvent conform ${shown}: exit ${result.code}, ${lastLine(result.stdout) || '(no report)'}`);
  if (result.code !== 0) {
    const failing = result.stdout.split('\n').filter((line) => line.includes(` (${shown} #`));
    problems.push(`${shown}: exit ${result.code}, every vector must pass`);
    for (const line of failing.slice(0, 20)) problems.push(`  ${line}`);
    if (failing.length > 20) problems.push(`  ... and ${failing.length - 20} more`);
    if (result.stderr.trim() !== '') problems.push(`  stderr: ${result.stderr.trim()}`);
  }
}

// 2. The whole folder as JSON: modelled systems pass, the rest are unsupported (never failed).
const all = solvent(['conform', '--json', '--allow-unsupported', relative(repoRoot, vectorsFolder)]);
let report;
try {
  report = JSON.parse(all.stdout);
} catch {
  problems.push(`conform --json over ${vectorsFolder}: exit ${all.code}, output is not JSON`);
  if (all.stderr.trim() !== '') problems.push(`  stderr: ${all.stderr.trim()}`);
}
if (report !== undefined) {
  const wrong = [];
  const bySystem = new Map();
  for (const result of report.results) {
    const counts = bySystem.get(result.system) ?? { passed: 0, failed: 0, unsupported: 0 };
    counts[result.status] += 1;
    bySystem.set(result.system, counts);
    const where = `${result.file} #${result.index} ${result.system} ${result.function}`;
    if (MODELLED_SYSTEMS.has(result.system) && result.status !== 'passed') {
      wrong.push(`${where}: ${result.status}, must pass`);
    } else if (!MODELLED_SYSTEMS.has(result.system) && result.status === 'failed') {
      // A system modelled later may pass; a wrong answer is never acceptable.
      wrong.push(`${where}: failed${result.error ? ` (${result.error})` : ''}, must be unsupported or pass`);
    }
  }
  if (wrong.length > 0) {
    problems.push(`conform --json over the whole folder: ${wrong.length} vector(s) in the wrong state`);
    for (const line of wrong.slice(0, 20)) problems.push(`  ${line}`);
    if (wrong.length > 20) problems.push(`  ... and ${wrong.length - 20} more`);
  }
  for (const system of MODELLED_SYSTEMS) {
    if (!bySystem.has(system)) problems.push(`no vector of ${system} in ${vectorsFolder}`);
  }
  console.log(
    `\nsolvent conform --json ${relative(repoRoot, vectorsFolder)}: ${report.results.length} vectors`,
  );
  for (const [system, counts] of bySystem) {
    const role = MODELLED_SYSTEMS.has(system) ? 'must pass' : 'unsupported or passed';
    console.log(
      `  ${system.padEnd(20)} passed ${String(counts.passed).padStart(3)}  failed ${String(counts.failed).padStart(3)}` +
        `  unsupported ${String(counts.unsupported).padStart(3)}  (${role})`,
    );
  }
}

if (problems.length > 0) {
  console.error('\nvalidate-shared: FAILED');
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log('\nvalidate-shared: OK');
