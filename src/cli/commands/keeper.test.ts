/**
 * `solvent keeper` in process (the CLI's `main` against a listening in-process server): a dry run
 * and an armed `--once` tick with their JSON summaries, the key file, `--help`, and every flag
 * refused with a message naming it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keyOf, TEST_KEYS, tempDir } from '../../../test/service/support.js';
import { repoRoot } from '../../../test/support.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { marketSetup } from '../../protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../../protocols/catalog.js';
import { type RunningService, startService } from '../../service/service.js';
import { main } from '../main.js';
import { readPolicy } from './keeper.js';

const { dir, cleanup } = tempDir('solvent-keeper-cli-');
afterAll(cleanup);

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** Alice: 5 WETH, 8,000 USDC of debt, WETH at $1,900 (health 0.98, liquidatable). */
function aaveInit(): unknown[] {
  return [
    ...marketSetup().map((c) => toJsonValue(c)),
    { type: 'deposit', account: 'alice', asset: 'WETH', amount: (5n * 10n ** 18n).toString() },
    { type: 'borrow', account: 'alice', asset: 'USDC', amount: (8_000n * 10n ** 6n).toString() },
    { type: 'publishPrice', asset: 'WETH', source: 'feed', price: (1_900n * 10n ** 8n).toString() },
  ];
}

let counter = 0;
function serve(): Promise<RunningService> {
  return startService({
    entry: findProtocol('aave-v3.3'),
    journal: { kind: 'sqlite', path: join(dir, `cli-${counter++}.sqlite`) },
    port: 0,
    keys: TEST_KEYS,
    init: aaveInit(),
    logLevel: false,
    version: 'test',
  });
}

describe('readPolicy', () => {
  test('default: one preset of the shorthand, with the keeper id', () => {
    expect(readPolicy('gasAware:eps=10', 'k')).toEqual({ preset: 'gasAware', id: 'k', minProfitUsd: 10 });
    expect(readPolicy('aaveLiquidator:eps=5:cap=150', 'k')).toEqual({
      preset: 'aaveLiquidator',
      id: 'k',
      minProfitUsd: 5,
      maxGasPriceGwei: 150,
    });
  });

  test('error: an id, two keepers, a lab-only setting, an unknown preset or field', () => {
    for (const text of [
      'gasAware:eps=1:id=x',
      'gasAware:eps=1,flash',
      'gasAware:eps=1:wallet=5',
      'nope',
      'flash:cap=1',
    ]) {
      expect(() => readPolicy(text, 'k'), text).toThrow(InvalidParameterError);
    }
    const missing = (() => {
      try {
        readPolicy('gasAware', 'k');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(InvalidParameterError);
    expect((missing as InvalidParameterError).field).toBe('--policy.minProfitUsd');
  });
});

describe('registerKeeper', () => {
  let server: RunningService;
  beforeAll(async () => {
    server = await serve();
  });
  afterAll(() => server.close());

  const base = () => ['keeper', '--server', server.url, '--key', keyOf('keeper'), '--keeper', 'liquidator'];

  test('default: --once dry run prints what it would send and sends nothing', async () => {
    const before = server.host.commandSeq;
    const result = await run([...base(), '--once', '--log-level', 'warn']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      keeper: 'liquidator',
      family: 'aave',
      armed: false,
      ticks: 1,
      proposed: 1,
      wouldSend: 1,
      sent: 0,
      lastTick: { outcome: 'ok', proposed: [{ command: { type: 'liquidationCall', account: 'alice' } }] },
    });
    expect(server.host.commandSeq).toBe(before);
  });

  test('behavior: the log lines are JSON on stderr, one per line', async () => {
    const result = await run([...base(), '--once', '--log-level', 'info']);
    expect(result.code).toBe(0);
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['connected', 'would send']);
    expect(lines[1]).toMatchObject({ level: 'info', keeper: 'liquidator', gasUnits: '400000' });
  });

  test('behavior: --arm --once with --key-file liquidates', async () => {
    const armed = await serve();
    try {
      const keyFile = join(dir, 'keeper.key');
      writeFileSync(keyFile, `${keyOf('keeper')}\n`);
      const before = armed.host.commandSeq;
      const result = await run([
        'keeper',
        '--server',
        armed.url,
        '--key-file',
        keyFile,
        '--keeper',
        'liquidator',
        '--policy',
        'aaveLiquidator:eps=10',
        '--arm',
        '--once',
        '--log-level',
        'silent',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ armed: true, sent: 1, accepted: 1, refused: {} });
      expect(armed.host.commandSeq).toBe(before + 1);
    } finally {
      await armed.close();
    }
  });

  test('behavior: on a perps server --perp-market picks the market; an unknown one is refused, naming it', async () => {
    const script = JSON.parse(readFileSync(join(repoRoot, 'examples', 'hyperliquid.json'), 'utf8')) as {
      commands: { at: number; type: string }[];
    };
    const upTo = script.commands.findIndex((c) => c.type === 'liquidate');
    const perps = await startService({
      entry: findProtocol('hyperliquid'),
      journal: { kind: 'sqlite', path: join(dir, `cli-${counter++}.sqlite`) },
      port: 0,
      keys: TEST_KEYS,
      init: script.commands.slice(0, upTo).map(({ at: _at, ...command }) => command),
      logLevel: false,
      version: 'test',
    });
    try {
      const argv = ['keeper', '--server', perps.url, '--key', keyOf('keeper'), '--keeper', 'liquidator'];
      const result = await run([...argv, '--perp-market', 'BTC-PERP', '--once', '--log-level', 'warn']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        family: 'perps',
        proposed: 1,
        sent: 0,
        lastTick: { proposed: [{ command: { type: 'liquidate', account: 'dave', market: 'BTC-PERP' } }] },
      });
      const unknown = await run([...argv, '--perp-market', 'ETH-PERP', '--once']);
      expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('ETH-PERP')]);
      expect(unknown.stdout).toBe('');
    } finally {
      await perps.close();
    }
  });

  test('behavior: --help documents the flags and how the bot acts', async () => {
    const result = await run(['keeper', '--help']);
    expect(result.code).toBe(0);
    for (const text of ['--arm', '--max-price-age-seconds', '--metrics-port', 'Idempotency-Key', 'Dry run']) {
      expect(result.stdout).toContain(text);
    }
  });

  test('error: every malformed flag is refused, naming it', async () => {
    const cases: [string[], string][] = [
      [['keeper', '--key', 'k', '--keeper', 'x'], 'Invalid --server: is required'],
      [['keeper', '--server', 'nope', '--key', 'k', '--keeper', 'x'], 'Invalid --server'],
      [['keeper', '--server', 'ftp://h', '--key', 'k', '--keeper', 'x'], 'Invalid --server'],
      [[...base(), '--interval-ms', '-5'], 'Invalid --interval-ms'],
      [[...base(), '--interval-ms', '1.5'], 'Invalid --interval-ms'],
      [[...base(), '--max-price-age-seconds', 'soon'], 'Invalid --max-price-age-seconds'],
      [[...base(), '--gas-price-gwei', '1e3'], 'Invalid --gas-price-gwei'],
      [[...base(), '--eth-price-usd', '-1'], 'Invalid --eth-price-usd'],
      [[...base(), '--price', 'ETH'], 'Invalid --price'],
      [[...base(), '--price', 'ETH=1.2.3'], 'Invalid --price'],
      [[...base(), '--slippage-bps', '10001'], 'Invalid --slippage-bps'],
      [[...base(), '--backoff-base-ms', '0'], 'Invalid --backoff-base-ms'],
      [[...base(), '--backoff-base-ms', '500', '--backoff-max-ms', '100'], 'Invalid --backoff-max-ms'],
      [[...base(), '--metrics-port', '70000'], 'Invalid --metrics-port'],
      [[...base(), '--seed', 'x'], 'Invalid --seed'],
      [[...base(), '--log-level', 'loud'], 'Invalid --log-level'],
      [[...base(), '--policy', 'gasAware'], 'Invalid --policy.minProfitUsd'],
      [[...base(), '--key-file', 'also'], 'Invalid --key: give --key or --key-file, not both'],
      [['keeper', '--server', 'http://127.0.0.1:1', '--keeper', 'x'], 'Invalid --key: is required'],
      [['keeper', '--server', 'http://127.0.0.1:1', '--key', 'k'], 'Invalid --keeper: is required'],
      [['keeper', '--server', 'http://127.0.0.1:1', '--key', 'k', '--keeper', 'a b'], 'Invalid --keeper'],
      [
        ['keeper', '--server', 'http://127.0.0.1:1', '--key-file', join(dir, 'missing.key'), '--keeper', 'x'],
        'No such file',
      ],
      // A Maker preset on an Aave server: refused once the server's family is known.
      [[...base(), '--policy', 'gasAware:eps=1', '--once'], 'Invalid --policy'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv);
      expect([result.code, result.stderr], argv.join(' ')).toEqual([2, expect.stringContaining(message)]);
      expect(result.stdout, argv.join(' ')).toBe('');
    }
  });

  test('error: an unreachable server is named; a wrong key is refused', async () => {
    const gone = await serve();
    const url = gone.url;
    await gone.close();
    const unreachable = await run(['keeper', '--server', url, '--key', 'k', '--keeper', 'x', '--once']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain(`Cannot reach the solvent server at ${url}`);
    const wrongKey = await run([
      'keeper',
      '--server',
      server.url,
      '--key',
      'wrong-key-0123456789',
      '--keeper',
      'x',
    ]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('answered 401');
  });
});
