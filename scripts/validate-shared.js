#!/usr/bin/env node
// Validation against ../shared (run by `npm run test:shared` after `npm run build`): the built CLI
// must reproduce every public conformance vector of ../shared/conformance/vectors, with nothing
// unsupported, file by file and over the whole folder. Exits 1 with the reasons otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
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

if (problems.length > 0) {
  console.error(`\nvalidate-shared: FAILED\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('\nvalidate-shared: OK, every vector of every system passes');
