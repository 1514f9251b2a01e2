/**
 * Tests of the shared vault core (Vat, Spotter, Jug, Vow, configuration, invariants), driven
 * through the `maker-liq2` engine.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError, UnknownAccountError } from '../../engine/errors.js';
import { MAX_UINT256 } from '../../math/units.js';
import { makerLiq2Model } from './liq2/model.js';
import type { Liq2Ext } from './liq2/state.js';
import { drive, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from './testkit.js';
import { coreInvariants, DAI, readingToWad, urnHealth } from './vat.js';

function configured() {
  const d = drive(makerLiq2Model);
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams() }, 0);
  return d;
}

function revertOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  throw new Error('expected a ProtocolRevertError');
}

describe('decideConfigure', () => {
  test('default: lists DAI with 45 decimals and the gem with 18', () => {
    const d = configured();
    expect(d.state.assets.DAI).toEqual({ decimals: 45 });
    expect(d.state.assets.ETH).toEqual({ decimals: 18 });
  });

  test('error: a gem listed with other decimals is refused, naming the gem field', () => {
    const d = drive(makerLiq2Model);
    d.run({ type: 'listAsset', asset: 'ETH', decimals: 8 }, 0);
    try {
      d.run({ type: 'configure', params: testParams() }, 0);
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidParameterError).field).toBe('params.ilks.ETH-A.gem');
    }
  });
});

describe('decideFrob', () => {
  test('default: deposit then draw moves collateral in and dai out at rate·art', () => {
    const d = configured();
    d.run(
      { type: 'frob', account: 'a', dinkWad: (10n * WAD).toString(), dartWad: (20n * WAD).toString() },
      1,
    );
    expect(d.bal('acct:a', 'ETH')).toBe(10n * WAD);
    expect(d.bal('debt:a', 'art:ETH-A')).toBe(20n * WAD);
    expect(d.bal('wallet:a', DAI)).toBe(20n * RAD);
    d.run(
      { type: 'frob', account: 'a', dinkWad: (-1n * WAD).toString(), dartWad: (-20n * WAD).toString() },
      1,
    );
    expect(d.bal('acct:a', 'ETH')).toBe(9n * WAD);
    expect(d.bal('wallet:a', DAI)).toBe(0n);
    expect(coreInvariants(d.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: a dusty vault cannot even add collateral (dss applies the dust rule to every frob)', () => {
    const d = configured();
    d.run({ type: 'deposit', account: 'a', amountWad: 10n * WAD }, 1);
    d.run({ type: 'draw', account: 'a', artWad: 20n * WAD }, 1);
    d.run({ type: 'file', ilk: 'ETH-A', what: 'dustRad', data: (30n * RAD).toString() }, 2);
    expect(revertOf(() => d.run({ type: 'deposit', account: 'a', amountWad: WAD }, 2))).toBe('Vat/dust');
  });

  test('error: zero change, another ilk, unknown ilk', () => {
    const d = configured();
    expect(() => d.run({ type: 'frob', account: 'a', dinkWad: '0', dartWad: '0' }, 1)).toThrow(
      InvalidParameterError,
    );
    expect(() => d.run({ type: 'deposit', account: 'a', ilk: 'NOPE', amountWad: 1n }, 1)).toThrow(
      InvalidParameterError,
    );
  });
});

describe('decideFile', () => {
  test('default: a global and an ilk parameter change, validated', () => {
    const d = configured();
    d.run({ type: 'file', what: 'HoleRad', data: '5' }, 1);
    expect(d.state.ext.core.params?.HoleRad).toBe(5n);
    d.run({ type: 'file', ilk: 'ETH-A', what: 'calc', data: 'ExponentialDecrease cut=0.5' }, 1);
    expect(d.state.ext.core.params?.ilks['ETH-A']?.calc).toEqual({
      kind: 'ExponentialDecrease',
      cutRay: RAY / 2n,
    });
  });

  test('error: bad values, unknown names, the gem, and duty without a drip', () => {
    const d = configured();
    expect(() =>
      d.run({ type: 'file', ilk: 'ETH-A', what: 'cuspRay', data: (2n * RAY).toString() }, 1),
    ).toThrow(InvalidParameterError);
    expect(() => d.run({ type: 'file', what: 'dustRad', data: '1' }, 1)).toThrow(InvalidParameterError);
    expect(() => d.run({ type: 'file', ilk: 'ETH-A', what: 'gem', data: 'BTC' }, 1)).toThrow(
      InvalidParameterError,
    );
    expect(
      revertOf(() => d.run({ type: 'file', ilk: 'ETH-A', what: 'dutyRay', data: RAY.toString() }, 1)),
    ).toBe('Jug/rho-not-updated');
    d.run({ type: 'drip', ilk: 'ETH-A' }, 1);
    d.run({ type: 'file', ilk: 'ETH-A', what: 'dutyRay', data: (RAY + 1n).toString() }, 1);
  });
});

describe('decideHeal / decideFlog', () => {
  test('error: queued debt cannot be healed until flogged', () => {
    const d = configured();
    d.run({ type: 'deposit', account: 'a', amountWad: 40n * WAD }, 1);
    d.run({ type: 'draw', account: 'a', artWad: 100n * WAD }, 1);
    d.run(ethPrice(4n), 2);
    d.run({ type: 'bark', account: 'a', keeper: 'k' }, 2);
    d.run({ type: 'fundWallet', actor: 'k', asset: DAI, amount: 200n * RAD }, 2);
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 40n * WAD, maxRay: 5n * RAY, keeper: 'k' }, 2);
    // vice 202.2, Sin 100 (queued at era 2): 102.2 healable now
    expect(revertOf(() => d.run({ type: 'heal', amountRad: (1023n * RAD) / 10n }, 3))).toBe(
      'Vow/insufficient-debt',
    );
    d.run({ type: 'heal', amountRad: (1022n * RAD) / 10n }, 3);
    expect(revertOf(() => d.run({ type: 'flog', era: 2 }, 3601))).toBe('Vow/wait-not-finished');
    d.run({ type: 'flog', era: 2 }, 3602);
    d.run({ type: 'heal', amountRad: (78n * RAD) / 10n }, 3602); // the rest of the 110 raised
    expect(d.state.ext.core.viceRad).toBe(100n * RAD - (78n * RAD) / 10n);
    expect(coreInvariants(d.state).every((c) => c.holds)).toBe(true);
  });
});

describe('coreInvariants', () => {
  test('behavior: a state whose ledger and Vat disagree is caught', () => {
    const d = configured();
    d.run({ type: 'deposit', account: 'a', amountWad: 40n * WAD }, 1);
    d.run({ type: 'draw', account: 'a', artWad: 100n * WAD }, 1);
    const s = d.state;
    const urn = s.ext.core.urns.get('a');
    if (urn === undefined) throw new Error('no urn');
    const bent: EngineState<Liq2Ext> = {
      ...s,
      ext: {
        ...s.ext,
        core: { ...s.ext.core, urns: s.ext.core.urns.set('a', { ...urn, artWad: urn.artWad + 1n }) },
      },
    };
    const broken = coreInvariants(bent)
      .filter((c) => !c.holds)
      .map((c) => c.name);
    expect(broken).toEqual(['vat.urn a', 'vat.Art ETH-A']);
    const bentDebt: EngineState<Liq2Ext> = {
      ...s,
      ext: { ...s.ext, core: { ...s.ext.core, debtRad: s.ext.core.debtRad + 1n } },
    };
    expect(
      coreInvariants(bentDebt)
        .filter((c) => !c.holds)
        .map((c) => c.name),
    ).toEqual(['vat.debt']);
  });
});

describe('urnHealth / readingToWad', () => {
  test('default: a debt-free vault is maximally healthy; unknown vaults are refused', () => {
    const d = configured();
    d.run({ type: 'deposit', account: 'a', amountWad: WAD }, 1);
    expect(urnHealth(d.state, 'a', 1)).toEqual({
      accountId: 'a',
      healthWad: MAX_UINT256,
      liquidatable: false,
      collateralValueWad: 10n * WAD,
      debtValueWad: 0n,
    });
    expect(() => urnHealth(d.state, 'b', 1)).toThrow(UnknownAccountError);
  });

  test('behavior: 8-decimal feeds scale up exactly, 20-decimal feeds floor', () => {
    expect(
      readingToWad({ price: 2000_00000000n, priceDecimals: 8, observedAtSeconds: 0, freshSources: 1 }),
    ).toBe(2000n * WAD);
    expect(readingToWad({ price: 123n, priceDecimals: 20, observedAtSeconds: 0, freshSources: 1 })).toBe(1n);
  });
});
