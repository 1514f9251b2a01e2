/** The directory's public surface: the model list and the catalogue entry the CLI registers. */
import { describe, expect, test } from 'vitest';
import type { ProtocolEntry } from '../catalog.js';
import {
  DEFAULT_SYNTHETIX_PARAMS,
  parseSynthetixParams,
  synthetixConformance,
  synthetixPerpsV3Model,
  synthetixProtocols,
} from './index.js';

describe('synthetix-perps-v3 index', () => {
  test('default: one model, its catalogue entry parses its own defaults, conformance system name', () => {
    const entry: ProtocolEntry = {
      model: synthetixPerpsV3Model,
      defaultParams: DEFAULT_SYNTHETIX_PARAMS,
      parseParams: (raw) => parseSynthetixParams(raw),
    };
    expect(synthetixProtocols.map((m) => m.id)).toEqual(['synthetix-perps-v3']);
    expect(entry.parseParams(entry.defaultParams)).toEqual(DEFAULT_SYNTHETIX_PARAMS);
    expect(synthetixConformance.system).toBe('synthetix-perps-v3');
    expect(synthetixPerpsV3Model.liquidationTarget({ type: 'liquidate', account: 'a', keeper: 'k' })).toBe(
      'a',
    );
    expect(synthetixPerpsV3Model.liquidationTarget({ type: 'trade', account: 'a' })).toBeUndefined();
  });
});
