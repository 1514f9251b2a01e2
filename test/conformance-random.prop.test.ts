/**
 * Other inputs, same vocabulary: fast-check builds vectors with fresh inputs for the functions the
 * hidden conformance files use, computes the expected fields with a deliberately plain reference
 * (transcribed from mechanisms.md, not from src/), and runs them through the same runner as
 * `solvent conform`. A model that matched only the published vectors would fail here.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runVectors } from '../src/protocols/conformance.js';
import type { Vector } from '../src/protocols/conformance-types.js';

const WAD = 10n ** 18n;
const RAY = 10n ** 27n;
const RAD = 10n ** 45n;
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const halfUp = (n: bigint, d: bigint) => (2n * n + d) / (2n * d);
const ceil = (n: bigint, d: bigint) => (n + d - 1n) / d;
const s = (x: bigint) => x.toString();

function expectAllPass(vectors: Vector[]): void {
  const report = runVectors([{ file: 'generated', vectors }]);
  const failed = report.results.filter((r) => r.status !== 'passed');
  expect(failed.map((r) => ({ fn: r.function, mismatches: r.mismatches, error: r.error }))).toEqual([]);
}

// mechanisms.md §1.2 (makerdao/dss dog.sol bark)
function barkExpected(i: Record<string, bigint>): Record<string, string> {
  if (!(i.spot! > 0n && i.ink! * i.spot! < i.art! * i.rate!)) return { revert: 'Dog/not-unsafe' };
  if (!(i.Hole! > i.Dirt! && i.hole! > i.dirt!)) return { revert: 'Dog/liquidation-limit-hit' };
  const room = min(i.Hole! - i.Dirt!, i.hole! - i.dirt!);
  let dart = min(i.art!, (room * WAD) / i.rate! / i.chop!);
  if (i.art! > dart) {
    if ((i.art! - dart) * i.rate! < i.dust!) dart = i.art!;
    else if (dart * i.rate! < i.dust!) return { revert: 'Dog/dusty-auction-from-partial-liquidation' };
  }
  const dink = (i.ink! * dart) / i.art!;
  if (dink === 0n) return { revert: 'Dog/null-auction' };
  const due = dart * i.rate!;
  const tab = (due * i.chop!) / WAD;
  return {
    dart: s(dart),
    dink: s(dink),
    due: s(due),
    tab: s(tab),
    ink_after: s(i.ink! - dink),
    art_after: s(i.art! - dart),
    Dirt_after: s(i.Dirt! + tab),
    dirt_after: s(i.dirt! + tab),
  };
}

// mechanisms.md §1.3 (makerdao/dss clip.sol take)
function takeExpected(i: Record<string, bigint>): Record<string, string> {
  const { tab_rad: tab0, lot_wad: lot0, price_ray: price, amt_wad: amt, max_ray: max, chost_rad: chost } = i;
  if (max! < price!) return { revert: 'Clipper/too-expensive' };
  let tab = tab0!;
  let lot = lot0!;
  let slice = min(lot, amt!);
  let owe = slice * price!;
  if (owe > tab) {
    owe = tab;
    slice = owe / price!;
  } else if (owe < tab && slice < lot && tab - owe < chost!) {
    if (tab <= chost!) return { revert: 'Clipper/no-partial-purchase' };
    owe = tab - chost!;
    slice = owe / price!;
  }
  tab -= owe;
  lot -= slice;
  const outcome =
    lot === 0n
      ? 'auction closed: lot exhausted (any residual tab is dropped; dog.digs(tab+owe))'
      : tab === 0n
        ? 'auction closed: tab covered, leftover lot returned to usr'
        : 'auction continues';
  return {
    slice: s(slice),
    owe: s(owe),
    tab_after: s(tab),
    lot_after: s(lot),
    outcome,
    digs: s(lot === 0n ? tab + owe : owe),
    returned_to_usr: s(lot !== 0n && tab === 0n ? lot : 0n),
  };
}

// mechanisms.md §2.4 and §2.7 (aave-v3-origin LiquidationLogic._calculateAvailableCollateralToLiquidate)
type Mode = 'half' | 'floor' | 'ceil';
const byMode = (n: bigint, d: bigint, m: Mode) =>
  m === 'half' ? halfUp(n, d) : m === 'floor' ? n / d : ceil(n, d);
const AAVE_RULES: Record<string, { maxColl: Mode; debt: Mode; bonus: Mode; fee: Mode }> = {
  'v3.3': { maxColl: 'half', debt: 'half', bonus: 'half', fee: 'half' },
  'v3.5-3.6': { maxColl: 'half', debt: 'ceil', bonus: 'half', fee: 'half' },
  'v3.7': { maxColl: 'floor', debt: 'ceil', bonus: 'floor', fee: 'ceil' },
};
function aaveExpected(version: string, i: Record<string, bigint>): Record<string, string> {
  const r = AAVE_RULES[version]!;
  const cu = 10n ** i.collateralDecimals!;
  const du = 10n ** i.debtDecimals!;
  const bonus = i.liquidationBonus_bps!;
  const base = (i.debtPrice! * i.debtToCover! * cu) / (i.collateralPrice! * du);
  const maxColl = byMode(base * bonus, 10_000n, r.maxColl);
  let coll = maxColl;
  let debt = i.debtToCover!;
  if (maxColl > i.borrowerCollateralBalance!) {
    coll = i.borrowerCollateralBalance!;
    debt = byMode(((i.collateralPrice! * coll * du) / (i.debtPrice! * cu)) * 10_000n, bonus, r.debt);
  }
  let fee = 0n;
  if (i.liquidationProtocolFee_bps! !== 0n) {
    const bonusColl = coll - byMode(coll * 10_000n, bonus, r.bonus);
    fee = byMode(bonusColl * i.liquidationProtocolFee_bps!, 10_000n, r.fee);
    coll -= fee;
  }
  return {
    baseCollateral: s(base),
    maxCollateralToLiquidate: s(maxColl),
    collateralToLiquidator: s(coll),
    debtToRepay: s(debt),
    protocolFee: s(fee),
  };
}

const big = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
const asStrings = (o: Record<string, bigint>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, s(v)]));

describe('conformance on generated inputs', () => {
  test('behavior: Dog.bark matches the reference on 300 fresh vaults', () => {
    const bark = fc.record({
      ink: big(0n, 100n * WAD),
      art: big(1n, 1_000n * WAD),
      rate: big(RAY, (3n * RAY) / 2n),
      spot: big(0n, 5n * RAY),
      dust: big(0n, 300n * RAD),
      Hole: big(1n, 2_000n * RAD),
      Dirt: big(0n, 500n * RAD),
      hole: big(1n, 2_000n * RAD),
      dirt: big(0n, 500n * RAD),
      chop: big(WAD, (6n * WAD) / 5n),
    });
    const samples = fc.sample(bark, { numRuns: 300, seed: 20261121 });
    expectAllPass(
      samples.map((i) => ({
        system: 'makerdao-dss',
        function: 'Dog.bark',
        inputs: asStrings(i),
        expected: barkExpected(i),
      })),
    );
  });

  test('behavior: Clipper.take matches the reference on 300 fresh bids', () => {
    const take = fc.record({
      tab_rad: big(1n, 200n * RAD),
      lot_wad: big(1n, 60n * WAD),
      price_ray: big(1n, 8n * RAY),
      amt_wad: big(0n, 70n * WAD),
      max_ray: big(0n, 9n * RAY),
      chost_rad: big(0n, 40n * RAD),
    });
    const samples = fc.sample(take, { numRuns: 300, seed: 7 });
    expectAllPass(
      samples.map((i) => ({
        system: 'makerdao-dss',
        function: 'Clipper.take',
        inputs: asStrings(i),
        expected: takeExpected(i),
      })),
    );
  });

  test('behavior: Aave collateral amounts match the reference for each version on 300 fresh calls', () => {
    const call = fc.record({
      collateralPrice: big(1_000_000n, 10n ** 13n),
      collateralDecimals: fc.constantFrom(6n, 8n, 18n),
      debtPrice: big(90_000_000n, 110_000_000n),
      debtDecimals: fc.constantFrom(6n, 8n, 18n),
      debtToCover: big(1n, 10n ** 23n),
      borrowerCollateralBalance: big(1n, 10n ** 21n),
      liquidationBonus_bps: big(10_001n, 11_500n),
      liquidationProtocolFee_bps: fc.constantFrom(0n, 500n, 1_000n, 2_000n, 5_000n),
    });
    const version = fc.constantFrom('v3.3', 'v3.5-3.6', 'v3.7');
    const samples = fc.sample(fc.tuple(version, call), { numRuns: 300, seed: 42 });
    expectAllPass(
      samples.map(([v, i]) => ({
        system: 'aave-v3',
        function: `_calculateAvailableCollateralToLiquidate [${v}]`,
        inputs: asStrings(i),
        expected: aaveExpected(v, i),
      })),
    );
  });
});
