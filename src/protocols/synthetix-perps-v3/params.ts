/**
 * Synthetix perps v3 parameters: each market's `PerpsMarketConfiguration` (fees, skew scale,
 * margin ratios, flag reward, liquidation window), the `GlobalPerpsMarketConfiguration` keeper
 * reward bounds, and the keeper-cost oracle (gas price and gas units per call). A validator naming
 * the dotted field it refuses, and documented defaults.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readInt, readObject, readString } from '../../engine/fields.js';
import { readIntegerSetting, rejectUnknownSettings } from '../../engine/perps/paramReaders.js';
import { divRound, Rounding } from '../../math/mulDiv.js';

/** One perps market (`PerpsMarketConfiguration.Data`); every ratio and amount is D18. */
export interface SynthetixMarketParams {
  /** Market id (`ETH`). */
  readonly market: string;
  /** Engine oracle asset of the market price. */
  readonly oracleAsset: string;
  /** Decimals of the engine oracle's price (≤ 18; prices are scaled to D18). */
  readonly priceDecimals: number;
  /** `orderFees.makerFee` (skew-reducing part of an order). */
  readonly makerFeeD18: bigint;
  /** `orderFees.takerFee` (skew-increasing part). */
  readonly takerFeeD18: bigint;
  /** `skewScale`, asset units D18 (fill-price premium, margin ratio slope, window cap). */
  readonly skewScale: bigint;
  /** `initialMarginRatioD18` (the "initial margin fraction"). */
  readonly initialMarginRatioD18: bigint;
  /** `minimumInitialMarginRatioD18`. */
  readonly minimumInitialMarginRatioD18: bigint;
  /** `maintenanceMarginScalarD18`. */
  readonly maintenanceMarginScalarD18: bigint;
  /** `minimumPositionMargin`, USD D18. */
  readonly minimumPositionMargin: bigint;
  /** `flagRewardRatioD18`: the flag reward's share of the position notional. */
  readonly flagRewardRatioD18: bigint;
  /** `maxLiquidationLimitAccumulationMultiplier`, D18. */
  readonly maxLiquidationLimitAccumulationMultiplierD18: bigint;
  /** `maxSecondsInLiquidationWindow`. */
  readonly maxSecondsInLiquidationWindow: number;
  /** `maxLiquidationPd`, D18 (0 = never allow an extra window). */
  readonly maxLiquidationPdD18: bigint;
  /** `endorsedLiquidator` (no window cap, no flag reward), or null. */
  readonly endorsedLiquidator: string | null;
}

/** Keeper reward bounds (`GlobalPerpsMarketConfiguration.Data`), D18. */
export interface SynthetixGlobalParams {
  readonly minKeeperRewardUsd: bigint;
  readonly minKeeperProfitRatioD18: bigint;
  readonly maxKeeperRewardUsd: bigint;
  readonly maxKeeperScalingRatioD18: bigint;
  /** `collateralLiquidateRewardRatioD18`: flag reward floor as a share of the seized collateral. */
  readonly collateralLiquidateRewardRatioD18: bigint;
}

/** The keeper-cost oracle node (`KeeperCosts` → a gas-price node): cost = gas price × gas units. */
export interface SynthetixKeeperCosts {
  /** The node's gas price in USD per gas unit, D18 (changed with the `setGasPrice` command). */
  readonly gasPriceUsdPerGasD18: bigint;
  /** Gas of a flag, before price-feed updates. */
  readonly flagGasUnits: bigint;
  /** Gas per price feed a flag updates (one per open position). */
  readonly flagGasUnitsPerFeed: bigint;
  /** Gas of a liquidation call (each window after the flag). */
  readonly liquidateGasUnits: bigint;
}

/** Validated parameters of the `synthetix-perps-v3` model. */
export interface SynthetixParams {
  /** Listed engine asset of margin and PnL (snxUSD, 18 decimals). */
  readonly quoteAsset: string;
  /** The account of the market's LPs (the vault that takes the other side of every position). */
  readonly lpAccount: string;
  readonly markets: readonly SynthetixMarketParams[];
  readonly global: SynthetixGlobalParams;
  readonly keeperCosts: SynthetixKeeperCosts;
}

const E18 = 10n ** 18n;
/** `n / d` as D18, floor (exact for every default). */
const d18 = (n: bigint, d = 1n): bigint => divRound(n * E18, d, Rounding.Down);

/**
 * Defaults. Margin and window parameters of the ETH and BTC markets of Synthetix's own integration
 * test markets/perps-market/test/integration/Liquidation/Liquidation.margin.test.ts (skew scale
 * 1,000 ETH and 100 BTC, initial margin fraction 2, minimum initial margin ratio 1 %, maintenance
 * scalar 0.5, 10 s windows, multiplier 1, no minimum position margin); keeper reward bounds of the
 * conformance vectors (min $5, 30 % profit over gas, max $1,000, at most 10 % of the margin).
 * Illustrative, not mainnet values: maker/taker fees 2/5 bps, flag reward 0.1 % of notional,
 * collateral reward 0.1 %, gas at 1e-6 USD per gas unit with 500k gas per flag or liquidation and
 * 100k per price feed (about $0.50 a call), no maxLiquidationPd, no endorsed liquidator.
 */
export const DEFAULT_SYNTHETIX_PARAMS: SynthetixParams = {
  quoteAsset: 'snxUSD',
  lpAccount: 'lp',
  markets: [
    {
      market: 'BTC',
      oracleAsset: 'BTC',
      priceDecimals: 8,
      makerFeeD18: d18(2n, 10_000n),
      takerFeeD18: d18(5n, 10_000n),
      skewScale: d18(100n),
      initialMarginRatioD18: d18(2n),
      minimumInitialMarginRatioD18: d18(1n, 100n),
      maintenanceMarginScalarD18: d18(1n, 2n),
      minimumPositionMargin: 0n,
      flagRewardRatioD18: d18(1n, 1_000n),
      maxLiquidationLimitAccumulationMultiplierD18: d18(1n),
      maxSecondsInLiquidationWindow: 10,
      maxLiquidationPdD18: 0n,
      endorsedLiquidator: null,
    },
    {
      market: 'ETH',
      oracleAsset: 'ETH',
      priceDecimals: 8,
      makerFeeD18: d18(2n, 10_000n),
      takerFeeD18: d18(5n, 10_000n),
      skewScale: d18(1_000n),
      initialMarginRatioD18: d18(2n),
      minimumInitialMarginRatioD18: d18(1n, 100n),
      maintenanceMarginScalarD18: d18(1n, 2n),
      minimumPositionMargin: 0n,
      flagRewardRatioD18: d18(1n, 1_000n),
      maxLiquidationLimitAccumulationMultiplierD18: d18(1n),
      maxSecondsInLiquidationWindow: 10,
      maxLiquidationPdD18: 0n,
      endorsedLiquidator: null,
    },
  ],
  global: {
    minKeeperRewardUsd: d18(5n),
    minKeeperProfitRatioD18: d18(3n, 10n),
    maxKeeperRewardUsd: d18(1_000n),
    maxKeeperScalingRatioD18: d18(1n, 10n),
    collateralLiquidateRewardRatioD18: d18(1n, 1_000n),
  },
  keeperCosts: {
    gasPriceUsdPerGasD18: 10n ** 12n,
    flagGasUnits: 500_000n,
    flagGasUnitsPerFeed: 100_000n,
    liquidateGasUnits: 500_000n,
  },
};

const TOP = ['quoteAsset', 'lpAccount', 'markets', 'global', 'keeperCosts'];
const MARKET = [
  'market',
  'oracleAsset',
  'priceDecimals',
  'makerFeeD18',
  'takerFeeD18',
  'skewScale',
  'initialMarginRatioD18',
  'minimumInitialMarginRatioD18',
  'maintenanceMarginScalarD18',
  'minimumPositionMargin',
  'flagRewardRatioD18',
  'maxLiquidationLimitAccumulationMultiplierD18',
  'maxSecondsInLiquidationWindow',
  'maxLiquidationPdD18',
  'endorsedLiquidator',
];
const GLOBAL = [
  'minKeeperRewardUsd',
  'minKeeperProfitRatioD18',
  'maxKeeperRewardUsd',
  'maxKeeperScalingRatioD18',
  'collateralLiquidateRewardRatioD18',
];
const COSTS = ['gasPriceUsdPerGasD18', 'flagGasUnits', 'flagGasUnitsPerFeed', 'liquidateGasUnits'];
/** Largest uint128 (Synthetix stores most of these in uint128/uint256). */
const MAX_UINT128 = (1n << 128n) - 1n;

function big(
  r: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  min = 0n,
  max = MAX_UINT128,
): bigint {
  return readIntegerSetting(r, key, path, min, max);
}

function parseMarket(raw: unknown, path: string): SynthetixMarketParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, MARKET, path);
  const f = (k: string) => `${path}.${k}`;
  const endorsed = r.endorsedLiquidator;
  if (endorsed !== undefined && endorsed !== null && (typeof endorsed !== 'string' || endorsed.length === 0))
    throw new InvalidParameterError(f('endorsedLiquidator'), 'expected an account id or null');
  return {
    market: readString(r, 'market', f('market')),
    oracleAsset: readString(r, 'oracleAsset', f('oracleAsset')),
    priceDecimals: readInt(r, 'priceDecimals', f('priceDecimals'), { min: 0, max: 18 }),
    makerFeeD18: big(r, 'makerFeeD18', f('makerFeeD18'), 0n, E18),
    takerFeeD18: big(r, 'takerFeeD18', f('takerFeeD18'), 0n, E18),
    skewScale: big(r, 'skewScale', f('skewScale')),
    initialMarginRatioD18: big(r, 'initialMarginRatioD18', f('initialMarginRatioD18')),
    minimumInitialMarginRatioD18: big(
      r,
      'minimumInitialMarginRatioD18',
      f('minimumInitialMarginRatioD18'),
      0n,
      E18,
    ),
    maintenanceMarginScalarD18: big(
      r,
      'maintenanceMarginScalarD18',
      f('maintenanceMarginScalarD18'),
      0n,
      E18,
    ),
    minimumPositionMargin: big(r, 'minimumPositionMargin', f('minimumPositionMargin')),
    flagRewardRatioD18: big(r, 'flagRewardRatioD18', f('flagRewardRatioD18'), 0n, E18),
    maxLiquidationLimitAccumulationMultiplierD18: big(
      r,
      'maxLiquidationLimitAccumulationMultiplierD18',
      f('maxLiquidationLimitAccumulationMultiplierD18'),
    ),
    maxSecondsInLiquidationWindow: readInt(
      r,
      'maxSecondsInLiquidationWindow',
      f('maxSecondsInLiquidationWindow'),
      {
        min: 0,
        max: 366 * 86_400,
      },
    ),
    maxLiquidationPdD18: big(r, 'maxLiquidationPdD18', f('maxLiquidationPdD18')),
    endorsedLiquidator: typeof endorsed === 'string' ? endorsed : null,
  };
}

/**
 * Checks raw `synthetix-perps-v3` parameters and returns a typed copy; integers may be bigints,
 * safe numbers or decimal strings, so {@link synthetixParamsToJson} output parses back. A skew
 * scale of 0 is allowed (no fill-price premium, no skew-scaled margin, no window cap), as on chain.
 * @param path dotted path of `raw` in error fields (default `params`).
 * @throws InvalidParameterError naming the dotted field, e.g. `params.markets.0.skewScale`.
 */
export function parseSynthetixParams(raw: unknown, path = 'params'): SynthetixParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, TOP, path);
  if (!Array.isArray(r.markets) || r.markets.length === 0)
    throw new InvalidParameterError(`${path}.markets`, 'expected a non-empty list');
  const markets = r.markets.map((m: unknown, i: number) => parseMarket(m, `${path}.markets.${i}`));
  for (const [i, m] of markets.entries()) {
    if (markets.findIndex((x) => x.market === m.market) !== i)
      throw new InvalidParameterError(`${path}.markets.${i}.market`, `repeats ${m.market}`);
  }
  const g = readObject(r.global, `${path}.global`);
  rejectUnknownSettings(g, GLOBAL, `${path}.global`);
  const c = readObject(r.keeperCosts, `${path}.keeperCosts`);
  rejectUnknownSettings(c, COSTS, `${path}.keeperCosts`);
  const gp = (k: string) => `${path}.global.${k}`;
  const cp = (k: string) => `${path}.keeperCosts.${k}`;
  return {
    quoteAsset: readString(r, 'quoteAsset', `${path}.quoteAsset`),
    lpAccount: readString(r, 'lpAccount', `${path}.lpAccount`),
    markets,
    global: {
      minKeeperRewardUsd: big(g, 'minKeeperRewardUsd', gp('minKeeperRewardUsd')),
      minKeeperProfitRatioD18: big(g, 'minKeeperProfitRatioD18', gp('minKeeperProfitRatioD18')),
      maxKeeperRewardUsd: big(g, 'maxKeeperRewardUsd', gp('maxKeeperRewardUsd')),
      maxKeeperScalingRatioD18: big(g, 'maxKeeperScalingRatioD18', gp('maxKeeperScalingRatioD18')),
      collateralLiquidateRewardRatioD18: big(
        g,
        'collateralLiquidateRewardRatioD18',
        gp('collateralLiquidateRewardRatioD18'),
        0n,
        E18,
      ),
    },
    keeperCosts: {
      gasPriceUsdPerGasD18: big(c, 'gasPriceUsdPerGasD18', cp('gasPriceUsdPerGasD18')),
      flagGasUnits: big(c, 'flagGasUnits', cp('flagGasUnits'), 0n, 1n << 64n),
      flagGasUnitsPerFeed: big(c, 'flagGasUnitsPerFeed', cp('flagGasUnitsPerFeed'), 0n, 1n << 64n),
      liquidateGasUnits: big(c, 'liquidateGasUnits', cp('liquidateGasUnits'), 0n, 1n << 64n),
    },
  };
}

/** JSON of parameters with bigints as decimal strings (what {@link parseSynthetixParams} reads back). */
export function synthetixParamsToJson(params: SynthetixParams): string {
  return JSON.stringify(params, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}
