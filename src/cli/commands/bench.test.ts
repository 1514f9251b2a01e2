/**
 * Tests of `solvent bench detect` run in process on a small book: the JSON carries the documented
 * fields, the detector was checked against the naive scan, the numbers are consistent with each
 * other, and bad flags are refused with typed errors. Timings are printed, never asserted.
 */
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import type { CommandContext } from '../context.js';
import { formatDetectBench, registerBench, runDetectBench } from './bench.js';

function program(): { readonly run: (argv: string[]) => Promise<void>; readonly out: string[] } {
  const out: string[] = [];
  const context: CommandContext = {
    stdout: (text) => out.push(text),
    stderr: () => {},
    setExitCode: () => {},
  };
  const root = new Command('solvent')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerBench(root, context);
  return { run: async (argv) => void (await root.parseAsync(argv, { from: 'user' })), out };
}

describe('registerBench', () => {
  test('default', async () => {
    const cli = program();
    await cli.run(['bench', 'detect', '--accounts', '1500', '--ticks', '20', '--seed', '3', '--json']);
    const result = JSON.parse(cli.out.join(''));
    for (const key of [
      'accounts',
      'tickMsMedian',
      'naiveMsMedian',
      'speedup',
      'fullReevalMs',
      'rssBytes',
      'bytesPerAccount',
    ]) {
      expect(result).toHaveProperty(key);
    }
    expect(result.accounts).toBe(1_500);
    expect(result.ticks).toBe(20);
    expect(result.checkedAgainstNaive).toBe(true);
    expect(result.isolatedAccounts + result.crossAccounts + result.staticAccounts).toBe(1_500);
  });

  test('behavior: the human output names every measure', () => {
    const result = runDetectBench({
      accounts: 500,
      seed: 1,
      ticks: 5,
      crossShare: 0.5,
      nearShare: 0.05,
      naiveRuns: 1,
      reevalRuns: 1,
    });
    const text = formatDetectBench(result);
    for (const label of [
      'single-asset tick',
      'naive exact scan',
      'speedup',
      'full re-evaluation',
      'memory',
    ]) {
      expect(text).toContain(label);
    }
    expect(result.fullReevalCrossAccounts).toBe(result.crossAccounts);
  });

  test('error: bad flags are refused', async () => {
    await expect(program().run(['bench', 'detect', '--accounts', '0'])).rejects.toThrow(
      InvalidParameterError,
    );
    await expect(program().run(['bench', 'detect', '--accounts', '12x'])).rejects.toThrow(
      InvalidParameterError,
    );
    await expect(program().run(['bench', 'detect', '--cross-share', '2'])).rejects.toThrow(
      InvalidParameterError,
    );
    await expect(program().run(['bench', 'detect', '--near-share', '-1'])).rejects.toThrow(
      InvalidParameterError,
    );
  });
});
