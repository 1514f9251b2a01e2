/**
 * Parameters of the `perps-generic` model (and of a compose-your-own perp market): the quote asset,
 * each market's scales, margin tiers, venue, maker account and fees, and the liquidation policy.
 * A validator that names the dotted field it refuses, and documented defaults.
 */
import { InvalidParameterError } from '../errors.js';
import { readBoolean, readEnum, readInt, readObject, readString } from '../fields.js';
import type { PerpsLiquidationPolicy, PerpsLossStep } from './liquidation.js';
import { ADL_RANKING_KINDS, type AdlRanking } from './loss.js';
import { validateMarginTiers } from './margin.js';
import { type NettingParams, validateNetting } from './netting.js';
import {
  compilePortfolioMargin,
  type PortfolioCorrelationParams,
  type PortfolioMarginParams,
  type PortfolioUnderlyingParams,
} from './portfolio.js';
import { type MarginTier, type PerpsMarginStage, PPM_SCALE, type Venue } from './types.js';
import { validateVenue } from './venue.js';

/** One market of the generic model (the quote decimals come from the listed quote asset). */
export interface PerpsGenericMarketParams {
  /** Market id (`ETH-PERP`). */
  readonly market: string;
  /** Engine oracle asset giving the mark (index) price. */
  readonly oracleAsset: string;
  /** The underlying the cross-margin stages group and shock by (absent: `oracleAsset`). */
  readonly underlying?: string;
  /** Decimals of a size's smallest unit. */
  readonly baseDecimals: number;
  /** Decimals of the oracle's price for `oracleAsset` (checked against the oracle when read). */
  readonly priceDecimals: number;
  readonly marginTiers: readonly MarginTier[];
  /** Account of the venue's liquidity and settlement (must deposit collateral to pay PnL). */
  readonly makerAccount: string;
  readonly venue: Venue;
  /** Taker fee, ppm of the filled quote, to `protocol`. */
  readonly takerFeePpm: bigint;
  /** Liquidation fee, ppm of the liquidated notional at the mark. */
  readonly liquidationFeePpm: bigint;
}

/** Validated parameters of `perps-generic`. */
export interface PerpsGenericParams {
  /** Listed engine asset used as collateral and for PnL (`USDC`). */
  readonly quoteAsset: string;
  readonly markets: readonly PerpsGenericMarketParams[];
  /** The liquidation policy (exempt accounts are derived: every maker and the backstop vault). */
  readonly liquidation: Omit<PerpsLiquidationPolicy, 'exemptAccounts'>;
  /**
   * Portfolio margin of cross accounts (portfolio.ts): the maintenance requirement is the worst
   * loss over a grid of correlated shocks. Absent: the per-position sum.
   */
  readonly portfolioMargin?: PortfolioMarginParams;
  /** Netting per underlying of cross accounts (netting.ts). Absent: the per-position sum. */
  readonly netting?: NettingParams;
}

const USDC = (whole: bigint): bigint => whole * 10n ** 6n;
const ETH = (tenths: bigint): bigint => (tenths * 10n ** 9n) / 10n;
const BTC = (hundredths: bigint): bigint => (hundredths * 10n ** 10n) / 100n;

/**
 * Defaults, a USDC-margined venue with ETH and BTC perps:
 * - scales as on dYdX v4 (ETH-USD atomic resolution −9, BTC-USD −10; USDC 6 decimals; oracle
 *   prices with 8 decimals);
 * - margin tiers in Hyperliquid's shape (mechanisms.md §7.3: MM = ½ IM at the max leverage, MM =
 *   notional·rate − deduction above a tier): ETH 25x (IM 4 %, MM 2 %) then 10x above $20M
 *   notional, BTC 40x (IM 2.5 %, MM 1.25 %) then 20x above $50M, the deductions keeping MM
 *   continuous at the boundaries (the boundaries are illustrative);
 * - taker fee 0.045 % (Hyperliquid base tier); liquidation fee 1.5 % to the insurance fund
 *   (dYdX v4 `max_liquidation_fee_ppm` 15000, mechanisms.md §7.1), none to the liquidator;
 * - partial liquidation back to maintenance plus a 2 % buffer (Drift `liquidation_margin_buffer_ratio`,
 *   §7.5); loss waterfall insurance fund → ADL ranked by PnL × leverage (Hyperliquid, §7.3);
 * - a standing book around the mark: 0.02 %, 0.1 %, 0.5 % and 2 % away, deepening outwards.
 */
export const DEFAULT_PERPS_GENERIC_PARAMS: PerpsGenericParams = {
  quoteAsset: 'USDC',
  markets: [
    {
      market: 'ETH-PERP',
      oracleAsset: 'ETH',
      baseDecimals: 9,
      priceDecimals: 8,
      marginTiers: [
        { upToNotionalQuote: USDC(20_000_000n), initialMarginPpm: 40_000n, maintenanceMarginPpm: 20_000n },
        {
          upToNotionalQuote: null,
          initialMarginPpm: 100_000n,
          maintenanceMarginPpm: 50_000n,
          maintenanceDeductionQuote: USDC(600_000n),
        },
      ],
      makerAccount: 'maker',
      venue: {
        kind: 'book',
        levels: [
          { priceOffsetPpm: 200n, sizeBase: ETH(500n) },
          { priceOffsetPpm: 1_000n, sizeBase: ETH(2_000n) },
          { priceOffsetPpm: 5_000n, sizeBase: ETH(10_000n) },
          { priceOffsetPpm: 20_000n, sizeBase: ETH(50_000n) },
        ],
      },
      takerFeePpm: 450n,
      liquidationFeePpm: 15_000n,
    },
    {
      market: 'BTC-PERP',
      oracleAsset: 'BTC',
      baseDecimals: 10,
      priceDecimals: 8,
      marginTiers: [
        { upToNotionalQuote: USDC(50_000_000n), initialMarginPpm: 25_000n, maintenanceMarginPpm: 12_500n },
        {
          upToNotionalQuote: null,
          initialMarginPpm: 50_000n,
          maintenanceMarginPpm: 25_000n,
          maintenanceDeductionQuote: USDC(625_000n),
        },
      ],
      makerAccount: 'maker',
      venue: {
        kind: 'book',
        levels: [
          { priceOffsetPpm: 200n, sizeBase: BTC(2_000n) },
          { priceOffsetPpm: 1_000n, sizeBase: BTC(10_000n) },
          { priceOffsetPpm: 5_000n, sizeBase: BTC(50_000n) },
          { priceOffsetPpm: 20_000n, sizeBase: BTC(200_000n) },
        ],
      },
      takerFeePpm: 450n,
      liquidationFeePpm: 15_000n,
    },
  ],
  liquidation: {
    sizing: 'partial',
    targetRatioPpm: 1_000_000n,
    bufferPpm: 20_000n,
    liquidatorSharePpm: 0n,
    lossSteps: ['insurance', 'adl'],
    adlRanking: { kind: 'pnlLeverage' },
  },
};

const PARAM_KEYS = ['quoteAsset', 'markets', 'liquidation', 'portfolioMargin', 'netting'];
const MARKET_KEYS = [
  'market',
  'oracleAsset',
  'underlying',
  'baseDecimals',
  'priceDecimals',
  'marginTiers',
  'makerAccount',
  'venue',
  'takerFeePpm',
  'liquidationFeePpm',
];
const TIER_KEYS = [
  'upToNotionalQuote',
  'initialMarginPpm',
  'maintenanceMarginPpm',
  'maintenanceDeductionQuote',
];
const LIQUIDATION_KEYS = [
  'sizing',
  'targetRatioPpm',
  'bufferPpm',
  'liquidatorSharePpm',
  'lossSteps',
  'adlRanking',
  'backstop',
  'insuranceFloorQuote',
  'settleCrossProfits',
];
const LOSS_STEPS: readonly PerpsLossStep[] = ['insurance', 'backstop', 'socialize', 'adl'];
const MAX_DECIMALS = 36;

function rejectUnknownKeys(
  r: Readonly<Record<string, unknown>>,
  known: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(r)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(
        `${path}.${key}`,
        'is not a known setting',
        `Known: ${known.join(', ')}.`,
      );
    }
  }
}

/**
 * An integer given as a bigint, a safe-integer number, a decimal string, or a decimal string with
 * a trailing `n` (the engine's canonical JSON), within [min, max].
 */
function readBig(
  r: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  bounds: { readonly min?: bigint; readonly max?: bigint } = {},
): bigint {
  const v = r[key];
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+n?$/.test(v)) out = BigInt(v.endsWith('n') ? v.slice(0, -1) : v);
  else
    throw new InvalidParameterError(
      path,
      `expected an integer, got ${v === undefined ? 'nothing' : JSON.stringify(String(v))}`,
    );
  const lo = bounds.min ?? 0n;
  if (out < lo || (bounds.max !== undefined && out > bounds.max)) {
    throw new InvalidParameterError(path, `expected an integer in [${lo}, ${bounds.max ?? '∞'}], got ${out}`);
  }
  return out;
}

function readList(r: Readonly<Record<string, unknown>>, key: string, path: string): readonly unknown[] {
  const v = r[key];
  if (!Array.isArray(v)) throw new InvalidParameterError(path, 'expected a list');
  return v;
}

function parseTier(raw: unknown, path: string): MarginTier {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, TIER_KEYS, path);
  const cap =
    r.upToNotionalQuote === null
      ? null
      : readBig(r, 'upToNotionalQuote', `${path}.upToNotionalQuote`, { min: 1n });
  const tier: MarginTier = {
    upToNotionalQuote: cap,
    initialMarginPpm: readBig(r, 'initialMarginPpm', `${path}.initialMarginPpm`, { max: PPM_SCALE }),
    maintenanceMarginPpm: readBig(r, 'maintenanceMarginPpm', `${path}.maintenanceMarginPpm`, {
      max: PPM_SCALE,
    }),
  };
  if (r.maintenanceDeductionQuote === undefined) return tier;
  return {
    ...tier,
    maintenanceDeductionQuote: readBig(r, 'maintenanceDeductionQuote', `${path}.maintenanceDeductionQuote`),
  };
}

function parseVenue(raw: unknown, path: string): Venue {
  const r = readObject(raw, path);
  const kind = readEnum(r, 'kind', ['book', 'amm'], `${path}.kind`);
  let venue: Venue;
  if (kind === 'book') {
    rejectUnknownKeys(r, ['kind', 'levels'], path);
    const levels = readList(r, 'levels', `${path}.levels`).map((l, i) => {
      const at = `${path}.levels.${i}`;
      const lr = readObject(l, at);
      rejectUnknownKeys(lr, ['priceOffsetPpm', 'sizeBase'], at);
      return {
        priceOffsetPpm: readBig(lr, 'priceOffsetPpm', `${at}.priceOffsetPpm`),
        sizeBase: readBig(lr, 'sizeBase', `${at}.sizeBase`),
      };
    });
    venue = { kind, levels };
  } else {
    rejectUnknownKeys(r, ['kind', 'baseReserve', 'quoteReserve'], path);
    venue = {
      kind,
      baseReserve: readBig(r, 'baseReserve', `${path}.baseReserve`),
      quoteReserve: readBig(r, 'quoteReserve', `${path}.quoteReserve`),
    };
  }
  validateVenue(venue, path);
  return venue;
}

function parseMarket(raw: unknown, path: string): PerpsGenericMarketParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, MARKET_KEYS, path);
  const marginTiers = readList(r, 'marginTiers', `${path}.marginTiers`).map((t, i) =>
    parseTier(t, `${path}.marginTiers.${i}`),
  );
  validateMarginTiers(marginTiers, `${path}.marginTiers`);
  return {
    market: readString(r, 'market', `${path}.market`),
    oracleAsset: readString(r, 'oracleAsset', `${path}.oracleAsset`),
    ...(r.underlying === undefined ? {} : { underlying: readString(r, 'underlying', `${path}.underlying`) }),
    baseDecimals: readInt(r, 'baseDecimals', `${path}.baseDecimals`, { min: 0, max: MAX_DECIMALS }),
    priceDecimals: readInt(r, 'priceDecimals', `${path}.priceDecimals`, { min: 0, max: MAX_DECIMALS }),
    marginTiers,
    makerAccount: readString(r, 'makerAccount', `${path}.makerAccount`),
    venue: parseVenue(r.venue, `${path}.venue`),
    takerFeePpm: readBig(r, 'takerFeePpm', `${path}.takerFeePpm`, { max: PPM_SCALE - 1n }),
    liquidationFeePpm: readBig(r, 'liquidationFeePpm', `${path}.liquidationFeePpm`, { max: PPM_SCALE - 1n }),
  };
}

function parseRanking(raw: unknown, path: string): AdlRanking {
  const r = readObject(raw, path);
  const kind = readEnum(r, 'kind', ADL_RANKING_KINDS, `${path}.kind`);
  if (kind === 'random') {
    rejectUnknownKeys(r, ['kind', 'seed'], path);
    return { kind, seed: readString(r, 'seed', `${path}.seed`) };
  }
  if (kind === 'keeperChosen') {
    rejectUnknownKeys(r, ['kind', 'accounts'], path);
    const accounts = readList(r, 'accounts', `${path}.accounts`).map((a, i) => {
      if (typeof a !== 'string' || a.length === 0) {
        throw new InvalidParameterError(`${path}.accounts.${i}`, 'expected an account id');
      }
      return a;
    });
    return { kind, accounts };
  }
  rejectUnknownKeys(r, ['kind'], path);
  return { kind };
}

function parseLiquidation(raw: unknown, path: string): PerpsGenericParams['liquidation'] {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, LIQUIDATION_KEYS, path);
  const lossSteps = readList(r, 'lossSteps', `${path}.lossSteps`).map((s, i) => {
    const at = `${path}.lossSteps.${i}`;
    if (typeof s !== 'string' || !(LOSS_STEPS as readonly string[]).includes(s)) {
      throw new InvalidParameterError(
        at,
        `expected one of ${LOSS_STEPS.join(', ')}, got ${JSON.stringify(s)}`,
      );
    }
    return s as PerpsLossStep;
  });
  for (const [i, s] of lossSteps.entries()) {
    const at = `${path}.lossSteps.${i}`;
    if (lossSteps.indexOf(s) !== i) throw new InvalidParameterError(at, `repeats ${s}`);
    const terminal = s === 'socialize' || s === 'adl';
    if (terminal !== (i === lossSteps.length - 1)) {
      throw new InvalidParameterError(at, 'the last step, and only it, must be socialize or adl');
    }
  }
  if (lossSteps.length === 0) throw new InvalidParameterError(`${path}.lossSteps`, 'needs at least one step');
  const base = {
    sizing: readEnum(r, 'sizing', ['partial', 'whole'], `${path}.sizing`),
    targetRatioPpm: readBig(r, 'targetRatioPpm', `${path}.targetRatioPpm`, {
      min: PPM_SCALE,
      max: 100n * PPM_SCALE,
    }),
    bufferPpm: readBig(r, 'bufferPpm', `${path}.bufferPpm`, { max: PPM_SCALE }),
    liquidatorSharePpm: readBig(r, 'liquidatorSharePpm', `${path}.liquidatorSharePpm`, { max: PPM_SCALE }),
    lossSteps,
    adlRanking: parseRanking(r.adlRanking, `${path}.adlRanking`),
  };
  let out: PerpsGenericParams['liquidation'] = base;
  if (r.backstop !== undefined) {
    const at = `${path}.backstop`;
    const b = readObject(r.backstop, at);
    rejectUnknownKeys(b, ['account', 'takeoverBelowMaintenancePpm'], at);
    out = {
      ...out,
      backstop: {
        account: readString(b, 'account', `${at}.account`),
        takeoverBelowMaintenancePpm: readBig(
          b,
          'takeoverBelowMaintenancePpm',
          `${at}.takeoverBelowMaintenancePpm`,
          {
            max: PPM_SCALE,
          },
        ),
      },
    };
  }
  if (lossSteps.includes('backstop') && out.backstop === undefined) {
    throw new InvalidParameterError(`${path}.lossSteps`, 'the backstop step needs a `backstop` vault');
  }
  if (r.insuranceFloorQuote !== undefined) {
    out = { ...out, insuranceFloorQuote: readBig(r, 'insuranceFloorQuote', `${path}.insuranceFloorQuote`) };
  }
  if (r.settleCrossProfits !== undefined) {
    out = { ...out, settleCrossProfits: readBoolean(r, 'settleCrossProfits', `${path}.settleCrossProfits`) };
  }
  return out;
}

const PORTFOLIO_KEYS = [
  'steps',
  'rangeSigmaPpm',
  'floorPpm',
  'initialFactorPpm',
  'underlyings',
  'correlations',
];

function parsePortfolioMargin(raw: unknown, path: string): PortfolioMarginParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, PORTFOLIO_KEYS, path);
  const underlyings = readList(r, 'underlyings', `${path}.underlyings`).map(
    (u, i): PortfolioUnderlyingParams => {
      const at = `${path}.underlyings.${i}`;
      const ur = readObject(u, at);
      rejectUnknownKeys(ur, ['underlying', 'sigmaPpm', 'loadingsPpm'], at);
      const base = {
        underlying: readString(ur, 'underlying', `${at}.underlying`),
        sigmaPpm: readBig(ur, 'sigmaPpm', `${at}.sigmaPpm`, { min: 1n, max: PPM_SCALE }),
      };
      if (ur.loadingsPpm === undefined) return base;
      const list = readList(ur, 'loadingsPpm', `${at}.loadingsPpm`);
      const loadingsPpm = list.map((v, f) =>
        readBig({ v }, 'v', `${at}.loadingsPpm.${f}`, { min: -PPM_SCALE, max: PPM_SCALE }),
      );
      return { ...base, loadingsPpm };
    },
  );
  const out: PortfolioMarginParams = {
    steps: readInt(r, 'steps', `${path}.steps`, { min: 3, max: 101 }),
    rangeSigmaPpm: readBig(r, 'rangeSigmaPpm', `${path}.rangeSigmaPpm`, { min: 1n, max: 100n * PPM_SCALE }),
    underlyings,
    ...(r.floorPpm === undefined
      ? {}
      : { floorPpm: readBig(r, 'floorPpm', `${path}.floorPpm`, { max: PPM_SCALE }) }),
    ...(r.initialFactorPpm === undefined
      ? {}
      : {
          initialFactorPpm: readBig(r, 'initialFactorPpm', `${path}.initialFactorPpm`, {
            min: PPM_SCALE,
            max: 100n * PPM_SCALE,
          }),
        }),
  };
  if (r.correlations === undefined) return out;
  const correlations = readList(r, 'correlations', `${path}.correlations`).map(
    (c, i): PortfolioCorrelationParams => {
      const at = `${path}.correlations.${i}`;
      const cr = readObject(c, at);
      rejectUnknownKeys(cr, ['a', 'b', 'correlationPpm'], at);
      return {
        a: readString(cr, 'a', `${at}.a`),
        b: readString(cr, 'b', `${at}.b`),
        correlationPpm: readBig(cr, 'correlationPpm', `${at}.correlationPpm`, {
          min: -PPM_SCALE + 1n,
          max: PPM_SCALE - 1n,
        }),
      };
    },
  );
  return { ...out, correlations };
}

function parseNetting(raw: unknown, path: string): NettingParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, ['offsetCreditPpm', 'underlyings'], path);
  const out: NettingParams = {
    offsetCreditPpm: readBig(r, 'offsetCreditPpm', `${path}.offsetCreditPpm`, { max: PPM_SCALE }),
  };
  if (r.underlyings === undefined) {
    validateNetting(out, path);
    return out;
  }
  const underlyings = readList(r, 'underlyings', `${path}.underlyings`).map((u, i) => {
    const at = `${path}.underlyings.${i}`;
    const ur = readObject(u, at);
    rejectUnknownKeys(ur, ['underlying', 'offsetCreditPpm'], at);
    return {
      underlying: readString(ur, 'underlying', `${at}.underlying`),
      offsetCreditPpm: readBig(ur, 'offsetCreditPpm', `${at}.offsetCreditPpm`, { max: PPM_SCALE }),
    };
  });
  const params = { ...out, underlyings };
  validateNetting(params, path);
  return params;
}

/**
 * The cross-margin stage a parameter set configures (what `configure` puts in the book), or
 * undefined for the per-position sum.
 * @param path dotted path of the parameters in error fields.
 * @throws InvalidParameterError from {@link compilePortfolioMargin}.
 */
export function perpsMarginStageOf(
  params: PerpsGenericParams,
  path = 'params',
): PerpsMarginStage | undefined {
  if (params.portfolioMargin !== undefined) {
    return {
      kind: 'portfolio',
      portfolio: compilePortfolioMargin(params.portfolioMargin, `${path}.portfolioMargin`),
    };
  }
  if (params.netting !== undefined) return { kind: 'netting', netting: params.netting };
  return undefined;
}

/**
 * Checks raw `perps-generic` parameters (a config file section or `configure {params}`) and returns
 * a typed copy. Integers may be bigints, safe-integer numbers or decimal strings (a trailing `n`
 * is accepted), so the JSON of a parsed value parses back to it. Refuses unknown keys, bad tiers
 * (validateMarginTiers), bad venues (validateVenue), duplicate markets, a loss waterfall that does
 * not end in exactly one of socialize/adl, a target ratio below 1e6, and with partial sizing a
 * liquidation fee at or above what closing releases (target·lowest MM rate + buffer), which would
 * make the sizing non-monotone.
 * @param path dotted path of `raw` in error fields (default `params`).
 * @throws InvalidParameterError naming the dotted field, e.g. `params.markets.0.marginTiers.1.maintenanceMarginPpm`.
 */
export function parsePerpsGenericParams(raw: unknown, path = 'params'): PerpsGenericParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, PARAM_KEYS, path);
  const quoteAsset = readString(r, 'quoteAsset', `${path}.quoteAsset`);
  const markets = readList(r, 'markets', `${path}.markets`).map((m, i) =>
    parseMarket(m, `${path}.markets.${i}`),
  );
  if (markets.length === 0) throw new InvalidParameterError(`${path}.markets`, 'needs at least one market');
  for (const [i, m] of markets.entries()) {
    if (markets.findIndex((x) => x.market === m.market) !== i) {
      throw new InvalidParameterError(`${path}.markets.${i}.market`, `repeats ${m.market}`);
    }
  }
  const liquidation = parseLiquidation(r.liquidation, `${path}.liquidation`);
  if (liquidation.sizing === 'partial') {
    for (const [i, m] of markets.entries()) {
      const lowestMm = m.marginTiers[0]!.maintenanceMarginPpm;
      const released = liquidation.targetRatioPpm * lowestMm + liquidation.bufferPpm * PPM_SCALE;
      if (m.liquidationFeePpm * PPM_SCALE >= released) {
        throw new InvalidParameterError(
          `${path}.markets.${i}.liquidationFeePpm`,
          'is at least what closing releases (target × maintenance rate + buffer): a partial liquidation could never restore the target',
        );
      }
    }
  }
  let out: PerpsGenericParams = { quoteAsset, markets, liquidation };
  if (r.portfolioMargin !== undefined && r.netting !== undefined) {
    throw new InvalidParameterError(
      `${path}.netting`,
      'cannot be combined with portfolioMargin',
      'Choose one cross-margin stage: portfolioMargin already nets markets on one underlying.',
    );
  }
  if (r.portfolioMargin !== undefined) {
    const at = `${path}.portfolioMargin`;
    const portfolioMargin = parsePortfolioMargin(r.portfolioMargin, at);
    compilePortfolioMargin(portfolioMargin, at);
    const listed = portfolioMargin.underlyings.map((u) => u.underlying);
    for (const [i, m] of markets.entries()) {
      const u = m.underlying ?? m.oracleAsset;
      if (!listed.includes(u)) {
        throw new InvalidParameterError(
          `${at}.underlyings`,
          `has no ${u}, the underlying of markets.${i} (${m.market})`,
          'Give every market’s underlying a sigmaPpm.',
        );
      }
    }
    out = { ...out, portfolioMargin };
  }
  if (r.netting !== undefined) out = { ...out, netting: parseNetting(r.netting, `${path}.netting`) };
  return out;
}

/** JSON of parameters with bigints as decimal strings (what {@link parsePerpsGenericParams} reads back). */
export function perpsGenericParamsToJson(params: PerpsGenericParams): string {
  return JSON.stringify(params, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}
