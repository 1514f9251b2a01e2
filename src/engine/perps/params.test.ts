/**
 * Tests of the `perps-generic` parameters: the defaults validate, parsing is idempotent through
 * JSON (bigints as strings, with or without the canonical `n`), and each refusal names its field.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { canonicalJson } from '../machine.js';
import { DEFAULT_PERPS_GENERIC_PARAMS, parsePerpsGenericParams, perpsGenericParamsToJson } from './params.js';

const d = DEFAULT_PERPS_GENERIC_PARAMS;
const market0 = d.markets[0]!;

function fieldOf(raw: unknown, path?: string): string {
  try {
    parsePerpsGenericParams(raw, path);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return (e as InvalidParameterError).field;
  }
  throw new Error('accepted');
}

describe('parsePerpsGenericParams', () => {
  test('default: the defaults parse to themselves, also from their JSON', () => {
    expect(parsePerpsGenericParams(d)).toEqual(d);
    expect(parsePerpsGenericParams(JSON.parse(perpsGenericParamsToJson(d)))).toEqual(d);
    // The engine's canonical JSON writes bigints as "123n".
    expect(parsePerpsGenericParams(JSON.parse(canonicalJson(d)))).toEqual(d);
    // Documented numbers: ETH 25x (IM 4 %, MM 2 %), MM continuous at $20M: 20M·5 % − 600k = 20M·2 %.
    expect(market0.marginTiers[0]).toMatchObject({
      initialMarginPpm: 40_000n,
      maintenanceMarginPpm: 20_000n,
    });
    expect((20_000_000n * 50_000n) / 1_000_000n - 600_000n).toBe((20_000_000n * 20_000n) / 1_000_000n);
  });

  test('behavior: optional settings (AMM venue, backstop, floor, random and keeper rankings)', () => {
    const raw = {
      ...d,
      markets: [{ ...market0, venue: { kind: 'amm', baseReserve: '1000', quoteReserve: 5 } }],
      liquidation: {
        ...d.liquidation,
        sizing: 'whole',
        lossSteps: ['insurance', 'backstop', 'socialize'],
        backstop: { account: 'hlp', takeoverBelowMaintenancePpm: 666_667 },
        insuranceFloorQuote: '1',
        adlRanking: { kind: 'random', seed: 's' },
      },
    };
    const p = parsePerpsGenericParams(raw);
    expect(p.markets[0]!.venue).toEqual({ kind: 'amm', baseReserve: 1_000n, quoteReserve: 5n });
    expect(p.liquidation).toMatchObject({
      backstop: { account: 'hlp', takeoverBelowMaintenancePpm: 666_667n },
      insuranceFloorQuote: 1n,
    });
    expect(parsePerpsGenericParams(JSON.parse(perpsGenericParamsToJson(p)))).toEqual(p);
    const keeper = {
      ...d,
      liquidation: { ...d.liquidation, adlRanking: { kind: 'keeperChosen', accounts: ['a', 'b'] } },
    };
    expect(parsePerpsGenericParams(keeper).liquidation.adlRanking).toEqual({
      kind: 'keeperChosen',
      accounts: ['a', 'b'],
    });
  });

  test('error: each refusal names the dotted field', () => {
    const withMarket = (patch: object) => ({ ...d, markets: [{ ...market0, ...patch }] });
    const withLiq = (patch: object) => ({ ...d, liquidation: { ...d.liquidation, ...patch } });
    const tier1 = market0.marginTiers[1]!;
    const cases: [unknown, string][] = [
      [null, 'params'],
      [{ ...d, extra: 1 }, 'params.extra'],
      [{ ...d, quoteAsset: '' }, 'params.quoteAsset'],
      [{ ...d, markets: [] }, 'params.markets'],
      [{ ...d, markets: [market0, market0] }, 'params.markets.1.market'],
      [withMarket({ baseDecimals: 99 }), 'params.markets.0.baseDecimals'],
      [withMarket({ takerFeePpm: -1 }), 'params.markets.0.takerFeePpm'],
      [
        withMarket({ marginTiers: [market0.marginTiers[0], { ...tier1, maintenanceMarginPpm: 'x' }] }),
        'params.markets.0.marginTiers.1.maintenanceMarginPpm',
      ],
      [
        withMarket({
          marginTiers: [market0.marginTiers[0], { ...tier1, maintenanceDeductionQuote: 10n ** 12n }],
        }),
        'params.markets.0.marginTiers.1.maintenanceDeductionQuote',
      ],
      [withMarket({ venue: { kind: 'pool' } }), 'params.markets.0.venue.kind'],
      [
        withMarket({ venue: { kind: 'book', levels: [{ priceOffsetPpm: 5, sizeBase: 0 }] } }),
        'params.markets.0.venue.levels.0.sizeBase',
      ],
      [withMarket({ liquidationFeePpm: 50_000 }), 'params.markets.0.liquidationFeePpm'],
      [withLiq({ sizing: 'some' }), 'params.liquidation.sizing'],
      [withLiq({ targetRatioPpm: 999_999 }), 'params.liquidation.targetRatioPpm'],
      [withLiq({ lossSteps: ['adl', 'insurance'] }), 'params.liquidation.lossSteps.0'],
      [withLiq({ lossSteps: ['insurance'] }), 'params.liquidation.lossSteps.0'],
      [withLiq({ lossSteps: ['insurance', 'insurance', 'adl'] }), 'params.liquidation.lossSteps.1'],
      [withLiq({ lossSteps: ['insurance', 'nope'] }), 'params.liquidation.lossSteps.1'],
      [withLiq({ lossSteps: ['backstop', 'adl'] }), 'params.liquidation.lossSteps'],
      [withLiq({ adlRanking: { kind: 'best' } }), 'params.liquidation.adlRanking.kind'],
      [
        withLiq({ adlRanking: { kind: 'keeperChosen', accounts: [1] } }),
        'params.liquidation.adlRanking.accounts.0',
      ],
      [
        withLiq({ backstop: { account: 'v', takeoverBelowMaintenancePpm: 2_000_000 } }),
        'params.liquidation.backstop.takeoverBelowMaintenancePpm',
      ],
    ];
    for (const [raw, field] of cases) expect(fieldOf(raw)).toBe(field);
    expect(fieldOf({ ...d, quoteAsset: 1 }, 'config.perps')).toBe('config.perps.quoteAsset');
  });
});
