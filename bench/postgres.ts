/**
 * A PostgreSQL for the service benchmark and tests: `SOLVENT_PG_URL` when set, otherwise a throwaway cluster
 * started with initdb/pg_ctl in a temp folder on a free loopback port (as the `postgres` user
 * when running as root), stopped and deleted afterwards. Missing binaries fail loudly: the
 * PostgreSQL tests and benchmark never skip.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A usable PostgreSQL. */
export interface TestPostgres {
  /** Connection string (`postgres://user@127.0.0.1:port/postgres`). */
  readonly url: string;
  /** Stops and removes a cluster this helper started (nothing for SOLVENT_PG_URL). */
  stop(): Promise<void>;
}

/** Folder of initdb and pg_ctl: on PATH, or the newest /usr/lib/postgresql/<version>/bin. */
function postgresBinDir(): string {
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    if (initdb !== '') return join(initdb, '..');
  } catch {
    // not on PATH
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      'PostgreSQL binaries (initdb, pg_ctl) not found: install the Debian package `postgresql`, or set SOLVENT_PG_URL.',
    );
  }
  return join(root, newest, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts (or names) the PostgreSQL the tests use. @throws when no PostgreSQL can be had. */
export async function startPostgres(): Promise<TestPostgres> {
  const given = process.env.SOLVENT_PG_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => undefined };
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'solvent-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  // PostgreSQL refuses to run as root: hand the folder to the `postgres` user and run as it.
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (tool: string, args: readonly string[]): void => {
    const file = join(bin, tool);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' });
    else execFileSync(file, [...args], { stdio: 'pipe' });
  };
  run('initdb', ['-D', data, '-U', 'solvent', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`,
    'start',
  ]);
  return {
    url: `postgres://solvent@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
