/**
 * End-to-end tests of `solvent protocols` and `solvent run`: the models as a user reaches them
 * from the command line, including the typed refusals of bad parameters and unknown ids.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { solvent } from './support.js';

const IDS = [
  'maker-liq2',
  'maker-liq1',
  'aave-v3.3',
  'aave-v3.5',
  'aave-v3.7',
  'compound-v3',
  'liquity-v1',
  'euler-v2',
  'crvusd',
  'dydx-v4',
  'synthetix-perps-v3',
  'drift-v2',
  'hyperliquid',
  'gmx-v2',
  'perps-generic',
];
let temp = '';
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'solvent-models-'));
});
afterAll(() => {
  if (temp !== '') rmSync(temp, { recursive: true, force: true });
});

function paramsFile(name: string, params: unknown): string {
  const path = join(temp, name);
  writeFileSync(path, JSON.stringify(params));
  return path;
}
function defaults(id: string): Record<string, unknown> {
  const result = solvent(['protocols', id, '--json']);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { params: Record<string, unknown> }).params;
}
function expectFieldError(args: readonly string[], field: string): void {
  const result = solvent(args);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).toContain(field);
  expect(result.stderr).not.toContain('    at ');
}

describe('solvent protocols', () => {
  test('default: lists every model', () => {
    const result = solvent(['protocols']);
    expect(result.code).toBe(0);
    for (const id of IDS) expect(result.stdout).toMatch(new RegExp(`^${id.replace('.', '\\.')}\\s`, 'm'));
  });

  test('behavior: each model shows its commands, sources and default parameters, which validate', () => {
    for (const id of IDS) {
      const shown = JSON.parse(solvent(['protocols', id, '--json']).stdout) as {
        id: string;
        commands: string[];
        sources: string[];
      };
      expect(shown.id).toBe(id);
      expect(shown.commands.length).toBeGreaterThan(3);
      expect(shown.sources.length).toBeGreaterThan(0);
      const check = solvent(['protocols', id, '--params', paramsFile(`${id}.json`, defaults(id))]);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('(valid)');
    }
  });

  test('error: cusp > 1 and chop < 1 are refused naming the field', () => {
    const maker = defaults('maker-liq2') as { ilks: Record<string, Record<string, unknown>> };
    const ethA = maker.ilks['ETH-A'] ?? {};
    const cusp = { ...maker, ilks: { 'ETH-A': { ...ethA, cuspRay: '1000000000000000000000000001' } } };
    expectFieldError(['protocols', 'maker-liq2', '--params', paramsFile('cusp.json', cusp)], 'ETH-A.cuspRay');
    const chop = { ...maker, ilks: { 'ETH-A': { ...ethA, chopWad: '999999999999999999' } } };
    expectFieldError(['protocols', 'maker-liq1', '--params', paramsFile('chop.json', chop)], 'ETH-A.chopWad');
  });

  test('error: a liquidation threshold above 100% is refused naming the field', () => {
    const aave = defaults('aave-v3.3') as { reserves: Record<string, Record<string, unknown>> };
    const [first, reserve] = Object.entries(aave.reserves)[0] ?? ['', {}];
    const bad = {
      ...aave,
      reserves: { ...aave.reserves, [first]: { ...reserve, liquidationThresholdBps: '10001' } },
    };
    expectFieldError(
      ['protocols', 'aave-v3.3', '--params', paramsFile('lt.json', bad)],
      'liquidationThreshold',
    );
  });

  test('error: an unknown protocol exits 2 and lists the known ones', () => {
    const result = solvent(['protocols', 'maker-liq3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown protocol "maker-liq3"');
    expect(result.stderr).toContain('maker-liq2');
    expect(result.stderr).not.toContain('    at ');
  });
});

interface RunJson {
  events: { seq: number; event: Record<string, string> }[];
  refusals: { index: number; type: string; error: string; reason: string }[];
  stateHash: string;
}
function runJson(file: string): RunJson {
  const result = solvent(['run', file, '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
}
const RAY = 10n ** 27n;

describe('solvent run', () => {
  test('default: Maker behind the OSM barks on the delayed price and the keeper takes at the curve price', () => {
    const run = runJson('examples/maker-liq2-osm-bark-take.json');
    // The first bark comes while the OSM still serves $2,000: Dog/not-unsafe.
    expect(run.refusals).toEqual([
      expect.objectContaining({ index: 7, type: 'bark', reason: 'The protocol refuses: Dog/not-unsafe.' }),
    ]);
    const byType = (t: string) => run.events.map((e) => e.event).filter((e) => e.type === t);
    const [kick] = byType('ClipKicked');
    // top = $1,300 × buf 1.10; tab = 10,000 DAI × chop 1.13
    expect(kick?.topRay).toBe(String(1430n * RAY));
    expect(kick?.tabRad).toBe(String(11_300n * 10n ** 45n));
    // keeper incentive = tip 250 + chip 0.1% × 11,300 = 261.3 DAI
    expect(byType('KeeperRewarded')[0]?.coinRad).toBe(String(2613n * 10n ** 44n));
    const [take] = byType('ClipTaken');
    const price = BigInt(take?.priceRay ?? '0');
    // 900 s after the kick: ten 90-second steps of 1% each
    expect(Math.abs(Number(price) / Number(RAY) - 1430 * 0.99 ** 10)).toBeLessThan(1e-9);
    // the whole tab is raised, slice = tab / price floored, the rest of the lot returns to alice
    const slice = (11_300n * 10n ** 45n) / price;
    expect(take?.sliceWad).toBe(String(slice));
    expect(take?.lotAfterWad).toBe(String(10n * 10n ** 18n - slice));
  });

  test('behavior: the same script gives the same state hash, and the text report lists refusals', () => {
    const one = runJson('examples/compound-v3-absorb.json');
    const two = runJson('examples/compound-v3-absorb.json');
    expect(two.stateHash).toBe(one.stateHash);
    expect(two.events.length).toBe(one.events.length);
    const text = solvent(['run', 'examples/aave-v3.3-close-factor.json']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/refused #\d+ liquidationCall: .*not liquidatable/);
    expect(text.stdout).toMatch(/Moved 4000000000 USDC wallet:liquidator → pool/);
    // After the liquidation alice keeps 5 − 2.2105… WETH against 4,000 USDC at LT 82.5%: her WETH
    // liquidation price is 4000 / (2.78947… × 0.825) ≈ $1,738.14, 8.52% below $1,900.
    const risk = /alice {2}WETH (\d+\.\d+) {2}(\d+\.\d+)%/.exec(text.stdout);
    expect(Number(risk?.[1])).toBeCloseTo(4000 / ((5 - (4000 / 1900) * 1.05) * 0.825), 6);
    expect(risk?.[2]).toBe('8.52');
  });

  test('error: --strict stops at the first refusal with exit 2', () => {
    const result = solvent(['run', 'examples/aave-v3.3-close-factor.json', '--strict']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*not liquidatable/);
  });

  test('error: a malformed script names the field', () => {
    const file = join(temp, 'bad-script.json');
    writeFileSync(file, JSON.stringify({ protocol: 'compound-v3', commands: [{ type: 'listAsset' }] }));
    expectFieldError(['run', file], 'commands[0].at');
    writeFileSync(file, '{ "protocol": ');
    expectFieldError(['run', file], 'not valid JSON');
  });
});
