/**
 * dYdX v4 parameters: the liquidations config (fee cap, fillable-price config, position and
 * subaccount block limits), each perpetual's quantum scales, liquidity tier and order-book depth,
 * the block length the model uses, and deleveraging settings. A validator that refuses what
 * dydxprotocol/v4-chain protocol/x/clob/types/liquidations_config.go `Validate` refuses (naming the
 * field), and documented mainnet-like defaults.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readInt, readObject, readString } from '../../engine/fields.js';
import { readIntegerSetting, rejectUnknownSettings } from '../../engine/perps/paramReaders.js';
import type { BookVenue } from '../../engine/perps/types.js';
import { validateVenue } from '../../engine/perps/venue.js';
import { MAX_UINT64, ONE_MILLION } from './math.js';

/** `LiquidationsConfig` of the x/clob module (all amounts in quote quantums, 1e-6 USDC). */
export interface DydxLiquidationsConfig {
  /** `max_liquidation_fee_ppm`: the liquidation fee cap, ppm of the fill's quote, in (0, 1e6]. */
  readonly maxLiquidationFeePpm: bigint;
  /** `fillable_price_config.bankruptcy_adjustment_ppm` (BA), ≥ 1e6. */
  readonly bankruptcyAdjustmentPpm: bigint;
  /** `fillable_price_config.spread_to_maintenance_margin_ratio_ppm` (SMMR), > 0. */
  readonly spreadToMaintenanceMarginRatioPpm: bigint;
  /** `position_block_limits.min_position_notional_liquidated`, quote quantums. */
  readonly minPositionNotionalLiquidated: bigint;
  /** `position_block_limits.max_position_portion_liquidated_ppm`, in (0, 1e6]. */
  readonly maxPositionPortionLiquidatedPpm: bigint;
  /** `subaccount_block_limits.max_notional_liquidated` per block, quote quantums, > 0. */
  readonly maxNotionalLiquidated: bigint;
  /** `subaccount_block_limits.max_quantums_insurance_lost` per block, quote quantums, > 0. */
  readonly maxQuantumsInsuranceLost: bigint;
}

/** One perpetual and its clob pair. */
export interface DydxPerpetualParams {
  /** Market id (`BTC-USD`). */
  readonly market: string;
  /** Engine oracle asset of the market price (`BTC`). */
  readonly oracleAsset: string;
  /** `atomic_resolution`: one base quantum is 10^atomicResolution of the asset (BTC −10). */
  readonly atomicResolution: number;
  /** Decimals of the engine oracle's price (the market price exponent is −priceDecimals). */
  readonly priceDecimals: number;
  /** Liquidity tier `initial_margin_ppm`. */
  readonly initialMarginPpm: bigint;
  /** Liquidity tier `maintenance_fraction_ppm` (MMR = IMR · fraction). */
  readonly maintenanceFractionPpm: bigint;
  /** Clob pair `step_base_quantums`: order and fill sizes are multiples of it. */
  readonly stepBaseQuantums: bigint;
  /** Clob pair `subticks_per_tick`. */
  readonly subticksPerTick: bigint;
  /** Clob pair `quantum_conversion_exponent`: quote quantums per base quantum = subticks·10^qce. */
  readonly quantumConversionExponent: number;
  /** Taker fee of a user's order, ppm of its quote (to the fee collector, `protocol`). */
  readonly takerFeePpm: bigint;
  /** The subaccount that holds the book's resting orders (the makers, aggregated). */
  readonly makerAccount: string;
  /**
   * The resting orders around the oracle price: bids at oracle·(1 − offset), asks at
   * oracle·(1 + offset), each rounded to a tick away from the taker, the same depth each side.
   */
  readonly book: BookVenue;
}

/** Validated parameters of the `dydx-v4` model. */
export interface DydxParams {
  /** Listed engine asset of collateral (USDC, 6 decimals: one quote quantum = 1e-6). */
  readonly quoteAsset: string;
  /** Length of a block in seconds: block height = floor(time / blockSeconds). */
  readonly blockSeconds: number;
  readonly liquidations: DydxLiquidationsConfig;
  readonly perpetuals: readonly DydxPerpetualParams[];
  /** Flag `MaxDeleveragingSubaccountsToIterate`. */
  readonly maxDeleveragingSubaccountsToIterate: number;
  /** Seed of the pseudo-random start of deleveraging (with the block height: no clock, no RNG). */
  readonly deleveragingSeed: string;
  /** `WITHDRAWAL_AND_TRANSFERS_BLOCKED_AFTER_NEGATIVE_TNC_SUBACCOUNT_SEEN_BLOCKS`. */
  readonly withdrawalGatingBlocks: number;
}

const usdc = (whole: bigint): bigint => whole * 10n ** 6n;

/** Book levels: offsets (ppm) and sizes in base quantums. */
function levels(rows: readonly (readonly [bigint, bigint])[]): BookVenue {
  return { kind: 'book', levels: rows.map(([priceOffsetPpm, sizeBase]) => ({ priceOffsetPpm, sizeBase })) };
}

/**
 * Mainnet-like defaults (mechanisms.md §7.1, dydxprotocol/v4-chain protocol/testing/genesis.sh):
 * liquidation fee cap 1.5 %, BA 1e6, SMMR 150 %, 10 % of a position per block with a $1,000
 * minimum, per subaccount and block $100k notional and $1M insurance lost. Perpetuals BTC-USD
 * (atomic resolution −10) and ETH-USD (−9), both quantum conversion exponent −9, 1e5 subticks per
 * tick ($1 and $0.1 ticks), step 1e6 base quantums (0.0001 BTC, 0.001 ETH), the "large-cap"
 * liquidity tier (IM 5 %, maintenance fraction 60 % → MM 3 %), taker fee 5 bps; oracle prices with
 * 8 decimals. Blocks of 1 s (dYdX v4 produces a block every ~1–1.5 s). Deleveraging iterates at
 * most 500 subaccounts; withdrawals stay gated 50 blocks after a negative-TNC subaccount is seen.
 * The book depth (0.02 %, 0.1 %, 0.5 %, 2 % from the oracle) is illustrative.
 */
export const DEFAULT_DYDX_PARAMS: DydxParams = {
  quoteAsset: 'USDC',
  blockSeconds: 1,
  liquidations: {
    maxLiquidationFeePpm: 15_000n,
    bankruptcyAdjustmentPpm: 1_000_000n,
    spreadToMaintenanceMarginRatioPpm: 1_500_000n,
    minPositionNotionalLiquidated: usdc(1_000n),
    maxPositionPortionLiquidatedPpm: 100_000n,
    maxNotionalLiquidated: usdc(100_000n),
    maxQuantumsInsuranceLost: usdc(1_000_000n),
  },
  perpetuals: [
    {
      market: 'BTC-USD',
      oracleAsset: 'BTC',
      atomicResolution: -10,
      priceDecimals: 8,
      initialMarginPpm: 50_000n,
      maintenanceFractionPpm: 600_000n,
      stepBaseQuantums: 1_000_000n,
      subticksPerTick: 100_000n,
      quantumConversionExponent: -9,
      takerFeePpm: 500n,
      makerAccount: 'makers',
      // 2, 10, 50, 200 BTC per level.
      book: levels([
        [200n, 2n * 10n ** 10n],
        [1_000n, 10n * 10n ** 10n],
        [5_000n, 50n * 10n ** 10n],
        [20_000n, 200n * 10n ** 10n],
      ]),
    },
    {
      market: 'ETH-USD',
      oracleAsset: 'ETH',
      atomicResolution: -9,
      priceDecimals: 8,
      initialMarginPpm: 50_000n,
      maintenanceFractionPpm: 600_000n,
      stepBaseQuantums: 1_000_000n,
      subticksPerTick: 100_000n,
      quantumConversionExponent: -9,
      takerFeePpm: 500n,
      makerAccount: 'makers',
      // 50, 200, 1000, 5000 ETH per level.
      book: levels([
        [200n, 50n * 10n ** 9n],
        [1_000n, 200n * 10n ** 9n],
        [5_000n, 1_000n * 10n ** 9n],
        [20_000n, 5_000n * 10n ** 9n],
      ]),
    },
  ],
  maxDeleveragingSubaccountsToIterate: 500,
  deleveragingSeed: 'dydx-v4',
  withdrawalGatingBlocks: 50,
};

const TOP_KEYS = [
  'quoteAsset',
  'blockSeconds',
  'liquidations',
  'perpetuals',
  'maxDeleveragingSubaccountsToIterate',
  'deleveragingSeed',
  'withdrawalGatingBlocks',
];
const LIQ_KEYS = [
  'maxLiquidationFeePpm',
  'bankruptcyAdjustmentPpm',
  'spreadToMaintenanceMarginRatioPpm',
  'minPositionNotionalLiquidated',
  'maxPositionPortionLiquidatedPpm',
  'maxNotionalLiquidated',
  'maxQuantumsInsuranceLost',
];
const PERP_KEYS = [
  'market',
  'oracleAsset',
  'atomicResolution',
  'priceDecimals',
  'initialMarginPpm',
  'maintenanceFractionPpm',
  'stepBaseQuantums',
  'subticksPerTick',
  'quantumConversionExponent',
  'takerFeePpm',
  'makerAccount',
  'book',
];

/** An integer (bigint, safe number, decimal string) within [min, max]. */
function big(
  r: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  min = 0n,
  max = MAX_UINT64,
): bigint {
  return readIntegerSetting(r, key, path, min, max);
}

function signedInt(
  r: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  min: number,
  max: number,
): number {
  const v = r[key];
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidParameterError(
      path,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(v) ?? 'nothing'}`,
    );
  return n;
}

function parseLiquidations(raw: unknown, path: string): DydxLiquidationsConfig {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, LIQ_KEYS, path);
  // dydxprotocol/v4-chain protocol/x/clob/types/liquidations_config.go `Validate`.
  return {
    maxLiquidationFeePpm: big(r, 'maxLiquidationFeePpm', `${path}.maxLiquidationFeePpm`, 1n, ONE_MILLION),
    bankruptcyAdjustmentPpm: big(
      r,
      'bankruptcyAdjustmentPpm',
      `${path}.bankruptcyAdjustmentPpm`,
      ONE_MILLION,
    ),
    spreadToMaintenanceMarginRatioPpm: big(
      r,
      'spreadToMaintenanceMarginRatioPpm',
      `${path}.spreadToMaintenanceMarginRatioPpm`,
      1n,
    ),
    minPositionNotionalLiquidated: big(
      r,
      'minPositionNotionalLiquidated',
      `${path}.minPositionNotionalLiquidated`,
    ),
    maxPositionPortionLiquidatedPpm: big(
      r,
      'maxPositionPortionLiquidatedPpm',
      `${path}.maxPositionPortionLiquidatedPpm`,
      1n,
      ONE_MILLION,
    ),
    maxNotionalLiquidated: big(r, 'maxNotionalLiquidated', `${path}.maxNotionalLiquidated`, 1n),
    maxQuantumsInsuranceLost: big(r, 'maxQuantumsInsuranceLost', `${path}.maxQuantumsInsuranceLost`, 1n),
  };
}

function parseBook(raw: unknown, path: string, step: bigint): BookVenue {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, ['kind', 'levels'], path);
  if (r.kind !== 'book')
    throw new InvalidParameterError(`${path}.kind`, 'expected "book" (dYdX is an order book)');
  if (!Array.isArray(r.levels)) throw new InvalidParameterError(`${path}.levels`, 'expected a list');
  const book: BookVenue = {
    kind: 'book',
    levels: r.levels.map((l: unknown, i: number) => {
      const at = `${path}.levels.${i}`;
      const lr = readObject(l, at);
      rejectUnknownSettings(lr, ['priceOffsetPpm', 'sizeBase'], at);
      const sizeBase = big(lr, 'sizeBase', `${at}.sizeBase`, 1n);
      if (sizeBase % step !== 0n)
        throw new InvalidParameterError(`${at}.sizeBase`, `expected a multiple of stepBaseQuantums ${step}`);
      return { priceOffsetPpm: big(lr, 'priceOffsetPpm', `${at}.priceOffsetPpm`), sizeBase };
    }),
  };
  validateVenue(book, path);
  return book;
}

function parsePerpetual(raw: unknown, path: string): DydxPerpetualParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, PERP_KEYS, path);
  const step = big(r, 'stepBaseQuantums', `${path}.stepBaseQuantums`, 1n);
  const atomicResolution = signedInt(r, 'atomicResolution', `${path}.atomicResolution`, -30, 0);
  const priceDecimals = readInt(r, 'priceDecimals', `${path}.priceDecimals`, { min: 0, max: 30 });
  return {
    market: readString(r, 'market', `${path}.market`),
    oracleAsset: readString(r, 'oracleAsset', `${path}.oracleAsset`),
    atomicResolution,
    priceDecimals,
    initialMarginPpm: big(r, 'initialMarginPpm', `${path}.initialMarginPpm`, 1n, ONE_MILLION),
    maintenanceFractionPpm: big(
      r,
      'maintenanceFractionPpm',
      `${path}.maintenanceFractionPpm`,
      1n,
      ONE_MILLION,
    ),
    stepBaseQuantums: step,
    subticksPerTick: big(r, 'subticksPerTick', `${path}.subticksPerTick`, 1n, (1n << 32n) - 1n),
    quantumConversionExponent: signedInt(
      r,
      'quantumConversionExponent',
      `${path}.quantumConversionExponent`,
      -30,
      30,
    ),
    takerFeePpm: big(r, 'takerFeePpm', `${path}.takerFeePpm`, 0n, ONE_MILLION - 1n),
    makerAccount: readString(r, 'makerAccount', `${path}.makerAccount`),
    book: parseBook(r.book, `${path}.book`, step),
  };
}

/**
 * Checks raw `dydx-v4` parameters (a config file section or `configure {params}`) and returns a
 * typed copy; integers may be bigints, safe numbers or decimal strings, so the JSON of a parsed
 * value ({@link dydxParamsToJson}) parses back to it.
 * @param path dotted path of `raw` in error fields (default `params`).
 * @throws InvalidParameterError naming the dotted field, e.g. `params.liquidations.bankruptcyAdjustmentPpm`.
 */
export function parseDydxParams(raw: unknown, path = 'params'): DydxParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, TOP_KEYS, path);
  if (!Array.isArray(r.perpetuals) || r.perpetuals.length === 0)
    throw new InvalidParameterError(`${path}.perpetuals`, 'expected a non-empty list');
  const perpetuals = r.perpetuals.map((p: unknown, i: number) =>
    parsePerpetual(p, `${path}.perpetuals.${i}`),
  );
  for (const [i, p] of perpetuals.entries()) {
    if (perpetuals.findIndex((q) => q.market === p.market) !== i)
      throw new InvalidParameterError(`${path}.perpetuals.${i}.market`, `repeats ${p.market}`);
  }
  return {
    quoteAsset: readString(r, 'quoteAsset', `${path}.quoteAsset`),
    blockSeconds: readInt(r, 'blockSeconds', `${path}.blockSeconds`, { min: 1, max: 86_400 }),
    liquidations: parseLiquidations(r.liquidations, `${path}.liquidations`),
    perpetuals,
    maxDeleveragingSubaccountsToIterate: readInt(
      r,
      'maxDeleveragingSubaccountsToIterate',
      `${path}.maxDeleveragingSubaccountsToIterate`,
      {
        min: 1,
        max: 100_000,
      },
    ),
    deleveragingSeed: readString(r, 'deleveragingSeed', `${path}.deleveragingSeed`),
    withdrawalGatingBlocks: readInt(r, 'withdrawalGatingBlocks', `${path}.withdrawalGatingBlocks`, {
      min: 0,
      max: 1_000_000,
    }),
  };
}

/** JSON of parameters with bigints as decimal strings (what {@link parseDydxParams} reads back). */
export function dydxParamsToJson(params: DydxParams): string {
  return JSON.stringify(params, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}
