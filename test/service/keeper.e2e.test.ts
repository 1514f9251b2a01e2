/**
 * `solvent keeper` as a user runs it, against a spawned `solvent serve`: a dry run and an armed
 * `--once` tick on aave-v3.3 and maker-liq2 (checked on the server), the loop with its metrics
 * endpoint stopped by SIGTERM, and an unreachable server named in the error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { marketSetup } from '../../src/protocols/aave-v3/testkit.js';
import { toJsonValue } from '../../src/protocols/catalog.js';
import { call, repoRoot, spawnServer } from './processes.js';
import { keyOf, TEST_KEYS, tempDir } from './support.js';

const { dir, cleanup } = tempDir('solvent-keeper-e2e-');
afterAll(cleanup);

const keysPath = join(dir, 'keys.json');
writeFileSync(keysPath, JSON.stringify(TEST_KEYS));
const keyFile = join(dir, 'keeper.key');
writeFileSync(keyFile, `${keyOf('keeper')}\n`);

/** Alice: 5 WETH, 8,000 USDC of debt, WETH at $1,900 (health 0.98, liquidatable). */
const AAVE_INIT = [
  ...marketSetup().map((c) => toJsonValue(c)),
  { type: 'deposit', account: 'alice', asset: 'WETH', amount: (5n * 10n ** 18n).toString() },
  { type: 'borrow', account: 'alice', asset: 'USDC', amount: (8_000n * 10n ** 6n).toString() },
  { type: 'publishPrice', asset: 'WETH', source: 'feed', price: (1_900n * 10n ** 8n).toString() },
];

/** ETH-A without an OSM hop: 10 ETH, 10,000 DAI drawn at $2,000, then ETH at $1,300 (unsafe). */
const MAKER_INIT = [
  {
    type: 'configureOracle',
    asset: 'ETH',
    config: {
      priceDecimals: 18,
      sources: ['feed'],
      minSources: 1,
      staleAfterSeconds: 86_400,
      maxSpreadBps: 0,
      twapWindowSeconds: 3600,
      delaySeconds: 0,
    },
  },
  { type: 'publishPrice', asset: 'ETH', source: 'feed', price: (2_000n * 10n ** 18n).toString() },
  { type: 'configure', params: 'default' },
  { type: 'deposit', account: 'alice', amountWad: (10n * 10n ** 18n).toString() },
  { type: 'draw', account: 'alice', artWad: (10_000n * 10n ** 18n).toString() },
  { type: 'publishPrice', asset: 'ETH', source: 'feed', price: (1_300n * 10n ** 18n).toString() },
];

let counter = 0;
function startServer(protocol: string, commands: readonly unknown[]) {
  const n = counter++;
  const init = join(dir, `init-${n}.json`);
  writeFileSync(init, JSON.stringify({ commands }));
  return spawnServer([
    '--protocol',
    protocol,
    '--db',
    join(dir, `journal-${n}.sqlite`),
    '--port',
    '0',
    '--keys',
    keysPath,
    '--init',
    init,
    '--log-level',
    'silent',
  ]);
}

function keeper(args: readonly string[]) {
  const result = spawnSync(process.execPath, ['bin/solvent.js', 'keeper', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const reader = keyOf('reader');

async function status(url: string): Promise<{ commandSeq: number }> {
  return (await call(`${url}/v1/status`, { key: reader })).body as { commandSeq: number };
}

async function eventTypes(url: string): Promise<{ type: string; liquidator?: string; keeper?: string }[]> {
  const body = (await call(`${url}/v1/events?from=1&limit=10000`, { key: reader })).body as {
    events: { event: { type: string; liquidator?: string; keeper?: string } }[];
  };
  return body.events.map((e) => e.event);
}

describe('solvent keeper', () => {
  test('default: on aave-v3.3, a dry run proposes, an armed run liquidates', async () => {
    const server = await startServer('aave-v3.3', AAVE_INIT);
    try {
      const common = ['--server', server.url, '--key-file', keyFile, '--keeper', 'liquidator', '--once'];
      const before = await status(server.url);
      const dry = keeper([...common, '--log-level', 'info']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({ family: 'aave', proposed: 1, wouldSend: 1, sent: 0 });
      expect(dry.stderr).toContain('"msg":"would send"');
      expect((await status(server.url)).commandSeq).toBe(before.commandSeq);

      const armed = keeper([
        ...common,
        '--arm',
        '--policy',
        'aaveLiquidator:eps=10',
        '--log-level',
        'silent',
      ]);
      expect(armed.code, armed.stderr).toBe(0);
      expect(JSON.parse(armed.stdout)).toMatchObject({ armed: true, sent: 1, accepted: 1 });
      expect((await status(server.url)).commandSeq).toBe(before.commandSeq + 1);
      const liquidations = (await eventTypes(server.url)).filter((e) => e.type === 'AaveLiquidationCall');
      expect(liquidations).toEqual([expect.objectContaining({ liquidator: 'liquidator' })]);
      // Half of the 8,000 USDC repaid (close factor 50 % at health 0.98).
      const debt = (await call(`${server.url}/v1/balances/debt:alice`, { key: reader })).body as {
        balances: Record<string, string>;
      };
      expect(debt.balances['USDC.debt']).toBe((4_000n * 10n ** 6n).toString());
      expect(await server.stop()).toBe(0);
    } finally {
      await server.kill();
    }
  });

  test('behavior: on maker-liq2, an armed run barks the unsafe vault', async () => {
    const server = await startServer('maker-liq2', MAKER_INIT);
    try {
      const result = keeper([
        '--server',
        server.url,
        '--key',
        keyOf('keeper'),
        '--keeper',
        'liquidator',
        '--policy',
        'gasAware:eps=0',
        '--arm',
        '--once',
        '--log-level',
        'silent',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ family: 'maker-liq2', accepted: 1 });
      expect(summary.lastTick.sends[0].command).toEqual({
        type: 'bark',
        account: 'alice',
        keeper: 'liquidator',
        ilk: 'ETH-A',
      });
      expect((await eventTypes(server.url)).filter((e) => e.type === 'DogBarked')).toEqual([
        expect.objectContaining({ keeper: 'liquidator' }),
      ]);
    } finally {
      await server.kill();
    }
  });

  test('behavior: the loop serves metrics and stops cleanly on SIGTERM', async () => {
    const server = await startServer('aave-v3.3', AAVE_INIT);
    const child = spawn(
      process.execPath,
      [
        'bin/solvent.js',
        'keeper',
        '--server',
        server.url,
        '--key-file',
        keyFile,
        '--keeper',
        'liquidator',
        '--interval-ms',
        '100',
        '--metrics-port',
        '0',
        '--log-level',
        'silent',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      let metricsUrl: string | undefined;
      let text = '';
      while (Date.now() < deadline) {
        metricsUrl ??= /metrics on (http:\/\/\S+)/.exec(stdout)?.[1];
        if (metricsUrl !== undefined) {
          text = await (await fetch(metricsUrl)).text();
          const ticks = Number(/^solvent_keeper_ticks_total (\d+)$/m.exec(text)?.[1] ?? '0');
          if (ticks >= 2) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(metricsUrl, stderr).toBeDefined();
      expect(text).toMatch(/^solvent_keeper_actions_would_send_total [1-9]\d*$/m);
      expect(text).toContain('solvent_keeper_armed 0');
      const health = await (await fetch((metricsUrl as string).replace(/\/metrics$/, '/health'))).json();
      expect(health).toMatchObject({ status: 'ok', family: 'aave', armed: false });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const summary = JSON.parse(stdout.slice(stdout.indexOf('{')));
      expect(summary.ticks).toBeGreaterThanOrEqual(2);
      expect(summary.sent).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await server.kill();
    }
  });

  test('error: an unreachable server is named', async () => {
    const server = await startServer('aave-v3.3', AAVE_INIT);
    const url = server.url;
    await server.stop();
    const result = keeper(['--server', url, '--key', 'k', '--keeper', 'liquidator', '--once']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot reach the solvent server at ${url}`);
  });
});
