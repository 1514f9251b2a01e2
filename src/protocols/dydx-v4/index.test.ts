/** The directory's public surface: the model list and the catalogue entry the CLI registers. */
import { describe, expect, test } from 'vitest';
import type { ProtocolEntry } from '../catalog.js';
import {
  DEFAULT_DYDX_PARAMS,
  dydxConformance,
  dydxProtocols,
  dydxV4Model,
  parseDydxParams,
} from './index.js';

describe('dydx-v4 index', () => {
  test('default: one model, its catalogue entry parses its own defaults, conformance system name', () => {
    const entry: ProtocolEntry = {
      model: dydxV4Model,
      defaultParams: DEFAULT_DYDX_PARAMS,
      parseParams: (raw) => parseDydxParams(raw),
    };
    expect(dydxProtocols.map((m) => m.id)).toEqual(['dydx-v4']);
    expect(entry.parseParams(entry.defaultParams)).toEqual(DEFAULT_DYDX_PARAMS);
    expect(dydxConformance.system).toBe('dydx-v4');
    expect(dydxV4Model.commands).toContain('liquidate');
    expect(dydxV4Model.liquidationTarget({ type: 'liquidate', account: 'a' })).toBe('a');
    expect(dydxV4Model.liquidationTarget({ type: 'deposit', account: 'a' })).toBeUndefined();
  });
});
