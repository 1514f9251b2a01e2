/** Shared helpers of the end-to-end tests: run the built `solvent` command as a user would. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (where package.json and bin/ are). */
export const repoRoot = resolve(import.meta.dirname, '..');

/** Output of one `solvent` run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `node bin/solvent.js ...args` from the repository root (dist must be built: `npm test` does it). */
export function solvent(args: readonly string[]): CliResult {
  const result = spawnSync(process.execPath, ['bin/solvent.js', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
