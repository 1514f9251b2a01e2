/**
 * `solvent serve` as a user runs it: generated keys on loopback, refusal without keys elsewhere,
 * a CSV price feed, a clean SIGTERM, and `--replay-only` agreeing with the server it replays.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { call, replayInFreshProcess, repoRoot, spawnServer } from './processes.js';
import { aaveSetup, tempDir } from './support.js';

const { dir, cleanup } = tempDir('solvent-serve-e2e-');
afterAll(cleanup);

describe('solvent serve', () => {
  test('default', async () => {
    const db = join(dir, 'default.sqlite');
    const init = join(dir, 'init.json');
    const csv = join(dir, 'weth.csv');
    writeFileSync(init, JSON.stringify({ commands: aaveSetup() }));
    writeFileSync(
      csv,
      'timestamp,price\n2024-08-05T00:00:00Z,2700\n2024-08-05T00:01:00Z,2500\n2024-08-05T00:02:00Z,2300.5\n',
    );
    const server = await spawnServer([
      '--protocol',
      'aave-v3.3',
      '--db',
      db,
      '--port',
      '0',
      '--init',
      init,
      '--feed',
      `WETH=${csv}`,
      '--feed-speed',
      '600',
      '--log-level',
      'warn',
    ]);
    try {
      // No --keys on loopback: keys are generated next to the journal, readable by the owner only.
      const keysPath = `${db}.keys.json`;
      expect(server.stderr()).toContain(
        `generated operator, oracle, keeper and reader keys into ${keysPath}`,
      );
      expect(statSync(keysPath).mode & 0o777).toBe(0o600);
      const keys = JSON.parse(readFileSync(keysPath, 'utf8')) as { key: string; role: string }[];
      const reader = keys.find((k) => k.role === 'reader')?.key as string;
      const oracle = keys.find((k) => k.role === 'oracle')?.key as string;
      // 2 CSV minutes at 600× take 0.2 s.
      const end = Date.now() + 10_000;
      let prices: {
        feeds: { done: boolean; published: number }[];
        assets: { asset: string; spot: string }[];
      };
      do {
        await new Promise((resolve) => setTimeout(resolve, 100));
        prices = (await call(`${server.url}/v1/prices`, { key: reader })).body as typeof prices;
      } while (!prices.feeds[0]?.done && Date.now() < end);
      expect(prices.feeds[0]).toMatchObject({ done: true, published: 3 });
      // USD·1e8 (the Aave test market's price scale): 2,300.5 → 230050000000.
      expect(prices.assets.find((a) => a.asset === 'WETH')?.spot).toBe('230050000000');
      const refused = await call(`${server.url}/v1/commands/configure`, {
        key: oracle,
        body: { params: 'default' },
      });
      expect(refused.status).toBe(403);
      const status = (await call(`${server.url}/v1/status`, { key: reader })).body as { stateHash: string };
      expect(await server.stop()).toBe(0);
      // The fresh process replays the journal to the hash the server served.
      expect(replayInFreshProcess(['--protocol', 'aave-v3.3', '--db', db]).stateHash).toBe(status.stateHash);
    } finally {
      await server.kill();
    }
  });

  test('error: without --keys it refuses any address but loopback', () => {
    const result = spawnSync(
      process.execPath,
      [
        'bin/solvent.js',
        'serve',
        '--protocol',
        'aave-v3.3',
        '--db',
        join(dir, 'open.sqlite'),
        '--host',
        '0.0.0.0',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Refusing to listen on 0.0.0.0 without API keys');
    expect(existsSync(join(dir, 'open.sqlite'))).toBe(false);
  });

  test('error: a journal made for another protocol is refused', async () => {
    const db = join(dir, 'other.sqlite');
    const server = await spawnServer([
      '--protocol',
      'aave-v3.3',
      '--db',
      db,
      '--port',
      '0',
      '--log-level',
      'silent',
    ]);
    expect(await server.stop()).toBe(0);
    const result = spawnSync(
      process.execPath,
      ['bin/solvent.js', 'serve', '--protocol', 'compound-v3', '--db', db, '--port', '0'],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('The journal holds protocol aave-v3.3');
  });
});
