/**
 * Books of accounts for the stress lab: a protocol-neutral book (collateral in whole tokens, debt in
 * USD), drawn from documented size and health distributions or read from a `solvent-book/1`
 * snapshot file, and adapters that turn a book into the exact engine commands that open those
 * positions in a protocol model (Maker, Aave v3, Compound v3), skipping what the protocol refuses.
 *
 * ## Synthetic books
 * Each account draws, in this order and from one generator stream (so a book of N accounts is the
 * first N accounts of any larger book with the same seed and parameters):
 * 1. its debt in USD from the size distribution: `lognormal` (median m, sigma s: `m·exp(s·Z)`) or
 *    `pareto` (xmin, alpha: `xmin·(1 − U)^(−1/alpha)`, P(debt > x) = (xmin/x)^alpha);
 * 2. its collateral ratio `r = minCollateralRatio · (1 + e)` where the excess `e` comes from a
 *    mixture: with probability `weight_k`, `e = floorExcess_k + Exponential(mean meanExcess_k)`.
 *    The share of accounts below a ratio R is therefore
 *    `Σ_k w_k · (1 − exp(−max(0, R/minCR − 1 − floor_k) / mean_k))`, and a collateral price drop of
 *    d makes an account cross `minCollateralRatio` iff `e < d / (1 − d)`.
 * Collateral is `debtUsd · r / collateralPriceUsd` whole tokens. Ids are `acct-000000`, ... (the
 * index, zero-padded; they do not depend on the seed).
 *
 * ## Defaults and what they rest on (`../shared/reference/history.md`)
 * - Minimum collateral ratio 1.5: the 150 % liquidation ratio of Maker ETH vaults that §1 (Checks,
 *   item 1) uses for Black Thursday; it also sits above Maker ETH-A today (145 %), Aave WETH
 *   (LTV 80 % = 125 %) and Comet WETH (borrow CF 82.5 % ≈ 121 %), so a default book opens in all.
 * - Sizes: lognormal with median $50,000 of debt and sigma 1.3. An ASSUMPTION: history.md gives no
 *   size distribution. Sanity check against §1: the expected largest of 100,000 accounts is about
 *   50,000 · exp(1.3 · 4.26) ≈ $13M of debt, the order of the largest Black Thursday vaults (an
 *   80,000 ETH vault at launch ≈ $16M of collateral at $200; a ~35,000 ETH vault loss). About 7 %
 *   of accounts fall below Maker's 7,500 DAI dust and are skipped by the Maker adapters.
 * - Health: an ASSUMPTION shaped by §1–§3: a "risky" 10 % (floor 0, mean excess 10 %, the
 *   recursive borrowers of §2 at health 1.02–1.10), a "typical" 60 % (floor 15 %, mean 50 %) and a
 *   "conservative" 30 % (floor 75 %, mean 150 %). Consequences, by hand: a 3 % price fall makes
 *   ≈ 2.7 % of accounts (by count and, sizes being independent of health, by expected debt)
 *   liquidable, so a book above ~$0.4B of debt passes the Knife-edge check (§3: > $10M after 3 %);
 *   a 52.8 % fall (Black Thursday's worst 24 h, §1) makes ≈ 68 % liquidable, the "10x more loans
 *   than in its entire lifetime" scale of §1. The mean ratio is ≈ 3.1× (assumption, not sourced).
 *
 * ## Snapshot files (`solvent-book/1`, JSON)
 * ```json
 * {
 *   "format": "solvent-book/1",
 *   "asOf": "2020-03-12T00:00:00Z",
 *   "description": "optional free text",
 *   "prices": { "DAI": "1", "USDC": "0.9998" },
 *   "accounts": [
 *     { "id": "0xabc", "collateral": [{ "asset": "ETH", "amount": "12.5" }],
 *       "debt": [{ "asset": "DAI", "amount": "1500.25" }] }
 *   ]
 * }
 * ```
 * - `format` is exactly `solvent-book/1`; `asOf` an ISO 8601 UTC date or date-time
 *   (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.fff]]Z`); `description` optional.
 * - `prices` (optional): USD per whole token of debt assets, decimal strings; needed to value debt
 *   in USD when the book is built ({@link bookFromSnapshot}).
 * - `id`: 1–128 characters `[A-Za-z0-9._-]`, starting with a letter or digit, unique.
 * - `collateral`: at least one line; `debt`: a list, possibly empty; an asset at most once per list.
 * - `amount`: a plain decimal string in whole tokens (no exponent, no sign), > 0, at most 18
 *   fractional digits; read exactly (src/math/decimal.ts) as a WAD.
 * - Unknown fields are refused. Every refusal is an InvalidParameterError whose `field` is the path
 *   (`accounts[3].collateral[0].amount`).
 *
 * ## Adapters ({@link bookCommands})
 * Float amounts become integers through their shortest decimal representation, always rounded
 * down: the protocol never holds more collateral, nor owes more debt, than the book says. A debt
 * above the protocol's borrowing limit by at most `clampToleranceBps` is lowered to the limit
 * (counted as clamped); further above, the account is skipped (`collateral-ratio`), as it is below
 * the protocol's minimum debt (`dust`), with collateral the protocol does not take
 * (`unsupported-collateral`), with collateral that rounds to 0 (`zero-collateral`), past a debt
 * ceiling (`ceiling`) or a supply cap (`supply-cap`).
 */

import { InvalidParameterError } from '../engine/errors.js';
import type { Command } from '../engine/machine.js';
import { formatDecimal, parseDecimal } from '../math/decimal.js';
import { assert, DecimalParseError } from '../math/errors.js';
import { rdiv } from '../math/maker.js';
import { mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, pow10, RAY, WAD } from '../math/units.js';
import { AAVE_MODEL_IDS } from '../protocols/aave-v3/model.js';
import { type AaveParams, DEFAULT_AAVE_PARAMS } from '../protocols/aave-v3/params.js';
import { packFactor } from '../protocols/compound-v3/math.js';
import { COMPOUND_V3_ID } from '../protocols/compound-v3/model.js';
import { type CompoundParams, DEFAULT_COMPOUND_PARAMS } from '../protocols/compound-v3/params.js';
import { MAKER_LIQ1_ID } from '../protocols/maker/liq1/model.js';
import { MAKER_LIQ2_ID } from '../protocols/maker/liq2/model.js';
import { feedPriceRay } from '../protocols/maker/math/clipper.js';
import { DEFAULT_MAKER_PARAMS, type MakerParams } from '../protocols/maker/params.js';
import { type Rng, withRng } from './rng.js';
import { floatToUnits } from './stress/bookKit.js';

// ---------------------------------------------------------------------------------------------
// The book

/** One collateral line of a book account: `amountWhole` whole tokens (float, ≥ 0). */
export interface BookCollateral {
  readonly asset: string;
  readonly amountWhole: number;
}

/** A protocol-neutral account: collateral lines in whole tokens and debt in USD (float, ≥ 0). */
export interface BookAccount {
  readonly id: string;
  readonly collateral: readonly BookCollateral[];
  readonly debtUsd: number;
}

/** A book: accounts (ids unique) and one line saying where they came from. */
export interface Book {
  readonly accounts: readonly BookAccount[];
  readonly description: string;
}

/** Debt size distribution, USD. */
export type SizeDistribution =
  | {
      readonly kind: 'lognormal';
      /** Median debt, USD > 0. */
      readonly medianUsd: number;
      /** Standard deviation of ln(debt), ≥ 0 (0 = every account the median). */
      readonly sigma: number;
    }
  | {
      readonly kind: 'pareto';
      /** Smallest debt, USD > 0. */
      readonly xminUsd: number;
      /** Tail index > 0: P(debt > x) = (xmin/x)^alpha. */
      readonly alpha: number;
    };

/** One component of the collateral-ratio excess mixture. */
export interface ExcessComponent {
  /** Relative weight ≥ 0 (weights are normalised by their sum, which must be > 0). */
  readonly weight: number;
  /** Smallest excess of the component, ≥ 0 (0.15 = at least 15 % above the minimum ratio). */
  readonly floorExcess: number;
  /** Mean excess above the floor, > 0 (exponentially distributed). */
  readonly meanExcess: number;
}

/**
 * Health distribution: the collateral ratio is `minCollateralRatio · (1 + e)` with `e` drawn from a
 * mixture of shifted exponentials (see the file header for its CDF).
 */
export interface HealthDistribution {
  readonly kind: 'excessMixture';
  readonly components: readonly ExcessComponent[];
}

/** Default minimum collateral ratio of a synthetic book (150 %, history.md §1). */
export const DEFAULT_MIN_COLLATERAL_RATIO = 1.5;

/** Default size distribution: lognormal, median $50,000 of debt, sigma 1.3 (an assumption). */
export const DEFAULT_SIZE_DISTRIBUTION: SizeDistribution = {
  kind: 'lognormal',
  medianUsd: 50_000,
  sigma: 1.3,
};

/** Default health mixture: risky 10 %, typical 60 %, conservative 30 % (see the file header). */
export const DEFAULT_HEALTH_DISTRIBUTION: HealthDistribution = {
  kind: 'excessMixture',
  components: [
    { weight: 0.1, floorExcess: 0, meanExcess: 0.1 },
    { weight: 0.6, floorExcess: 0.15, meanExcess: 0.5 },
    { weight: 0.3, floorExcess: 0.75, meanExcess: 1.5 },
  ],
};

/** Options of {@link syntheticBook}. */
export interface SyntheticBookOptions {
  /** Number of accounts, an integer in [0, 10,000,000]. */
  readonly accounts: number;
  /** Asset id of the collateral (`ETH`, `WETH`). */
  readonly collateralAsset: string;
  /** Collateral price, USD per whole token, > 0. */
  readonly collateralPriceUsd: number;
  /** Debt size distribution (default {@link DEFAULT_SIZE_DISTRIBUTION}). */
  readonly sizeDistribution?: SizeDistribution;
  /** Collateral-ratio excess distribution (default {@link DEFAULT_HEALTH_DISTRIBUTION}). */
  readonly healthDistribution?: HealthDistribution;
  /** Lowest collateral ratio (collateral USD / debt USD), ≥ 1 (default 1.5). */
  readonly minCollateralRatio?: number;
  /** Prefix of the ids, `[A-Za-z0-9._-]*` (default `acct-`). */
  readonly idPrefix?: string;
}

/** Most accounts a synthetic book may hold. */
export const MAX_BOOK_ACCOUNTS = 10_000_000;
const ID_PREFIX = /^[A-Za-z0-9._-]*$/;
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ASSET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function requireFinite(
  value: unknown,
  field: string,
  rule: { min: number; strict: boolean; max?: number },
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.strict ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const bound = `${rule.strict ? '>' : '≥'} ${rule.min}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`}`;
    throw new InvalidParameterError(field, `expected a finite number ${bound}, got ${String(value)}`);
  }
  return value;
}

function requireSize(size: SizeDistribution): SizeDistribution {
  if (size.kind === 'lognormal') {
    requireFinite(size.medianUsd, 'sizeDistribution.medianUsd', { min: 0, strict: true });
    requireFinite(size.sigma, 'sizeDistribution.sigma', { min: 0, strict: false, max: 10 });
    return size;
  }
  if (size.kind === 'pareto') {
    requireFinite(size.xminUsd, 'sizeDistribution.xminUsd', { min: 0, strict: true });
    // alpha ≥ 0.1 keeps (1 − U)^(−1/alpha) finite for every U ≥ 2^-53.
    requireFinite(size.alpha, 'sizeDistribution.alpha', { min: 0.1, strict: false, max: 100 });
    return size;
  }
  throw new InvalidParameterError(
    'sizeDistribution.kind',
    `expected lognormal or pareto, got ${String((size as { kind?: unknown }).kind)}`,
  );
}

/** Cumulative normalised weights of the mixture, last exactly 1. */
function requireHealth(health: HealthDistribution): readonly number[] {
  if (health.kind !== 'excessMixture') {
    throw new InvalidParameterError(
      'healthDistribution.kind',
      `expected excessMixture, got ${String(health.kind)}`,
    );
  }
  if (!Array.isArray(health.components) || health.components.length === 0 || health.components.length > 64) {
    throw new InvalidParameterError('healthDistribution.components', 'expected 1 to 64 components');
  }
  let total = 0;
  health.components.forEach((c, k) => {
    const path = `healthDistribution.components[${k}]`;
    total += requireFinite(c.weight, `${path}.weight`, { min: 0, strict: false });
    requireFinite(c.floorExcess, `${path}.floorExcess`, { min: 0, strict: false, max: 1e6 });
    requireFinite(c.meanExcess, `${path}.meanExcess`, { min: 0, strict: true, max: 1e6 });
  });
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new InvalidParameterError(
      'healthDistribution.components',
      'the weights must sum to a finite number > 0',
    );
  }
  let running = 0;
  const cumulative = health.components.map((c) => {
    running += c.weight;
    return running / total;
  });
  cumulative[cumulative.length - 1] = 1;
  return cumulative;
}

function requireAssetId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ASSET_ID.test(value)) {
    throw new InvalidParameterError(field, 'expected an asset id: 1–64 characters [A-Za-z0-9._-]');
  }
  return value;
}

/**
 * A synthetic book drawn from `rng` (see the file header for the distributions and defaults).
 * Deterministic: the same generator state and options give the same book, and a smaller book is a
 * prefix of a larger one. Draws with float64 (`Math.exp`, `Math.log`), so books are bit for bit
 * stable on one JavaScript engine, as {@link Rng} promises.
 * @param rng the generator (not mutated; the state after the draws is not returned).
 * @throws InvalidParameterError naming the field (`accounts`, `collateralAsset`,
 *   `collateralPriceUsd`, `sizeDistribution.sigma`, `healthDistribution.components[1].weight`,
 *   `minCollateralRatio`, `idPrefix`) for a missing or out-of-range value.
 */
export function syntheticBook(rng: Rng, options: SyntheticBookOptions): Book {
  const count = options.accounts;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_BOOK_ACCOUNTS) {
    throw new InvalidParameterError(
      'accounts',
      `expected an integer in [0, ${MAX_BOOK_ACCOUNTS}], got ${count}`,
    );
  }
  const asset = requireAssetId(options.collateralAsset, 'collateralAsset');
  const priceUsd = requireFinite(options.collateralPriceUsd, 'collateralPriceUsd', { min: 0, strict: true });
  const size = requireSize(options.sizeDistribution ?? DEFAULT_SIZE_DISTRIBUTION);
  const health = options.healthDistribution ?? DEFAULT_HEALTH_DISTRIBUTION;
  const cumulative = requireHealth(health);
  const minRatio = requireFinite(
    options.minCollateralRatio ?? DEFAULT_MIN_COLLATERAL_RATIO,
    'minCollateralRatio',
    {
      min: 1,
      strict: false,
      max: 1e6,
    },
  );
  const prefix = options.idPrefix ?? 'acct-';
  if (typeof prefix !== 'string' || !ID_PREFIX.test(prefix) || prefix.length > 64) {
    throw new InvalidParameterError('idPrefix', 'expected up to 64 characters [A-Za-z0-9._-]');
  }
  const width = Math.max(6, String(Math.max(0, count - 1)).length);
  const { value: accounts } = withRng(rng, (draw) => {
    const out: BookAccount[] = [];
    for (let i = 0; i < count; i++) {
      const debtUsd =
        size.kind === 'lognormal'
          ? size.medianUsd * Math.exp(size.sigma * draw.normal())
          : // 1 − U is in (0, 1], so the power is finite and ≥ 1.
            size.xminUsd * (1 - draw.uniform()) ** (-1 / size.alpha);
      const u = draw.uniform();
      let k = 0;
      while (k < cumulative.length - 1 && u >= (cumulative[k] as number)) k++;
      const component = health.components[k];
      assert(component !== undefined, 'a mixture component is always chosen');
      const excess = component.floorExcess + draw.exponential(1 / component.meanExcess);
      const ratio = minRatio * (1 + excess);
      out.push({
        id: `${prefix}${String(i).padStart(width, '0')}`,
        collateral: [{ asset, amountWhole: (debtUsd * ratio) / priceUsd }],
        debtUsd,
      });
    }
    return out;
  });
  const sizeText =
    size.kind === 'lognormal'
      ? `lognormal(median $${size.medianUsd}, sigma ${size.sigma})`
      : `pareto(xmin $${size.xminUsd}, alpha ${size.alpha})`;
  const mixText = health.components
    .map((c) => `${c.weight}: ${c.floorExcess} + Exp(mean ${c.meanExcess})`)
    .join('; ');
  return {
    accounts,
    description:
      `synthetic: ${count} accounts, ${asset} at $${priceUsd}; debt ${sizeText}; ` +
      `collateral ratio ${minRatio}·(1 + e), e ~ mixture[${mixText}]`,
  };
}

// ---------------------------------------------------------------------------------------------
// Snapshot files

/** Format tag of the snapshot files this module reads. */
export const BOOK_SNAPSHOT_FORMAT = 'solvent-book/1';

/** One line of a snapshot: an asset and an exact amount in whole tokens, as a WAD (1e18). */
export interface SnapshotLine {
  readonly asset: string;
  /** Amount × 1e18, exact (the file's decimal string). */
  readonly amountWad: bigint;
}

/** One account of a snapshot. */
export interface SnapshotAccount {
  readonly id: string;
  readonly collateral: readonly SnapshotLine[];
  readonly debt: readonly SnapshotLine[];
}

/** A parsed `solvent-book/1` snapshot. */
export interface BookSnapshot {
  readonly format: typeof BOOK_SNAPSHOT_FORMAT;
  /** As written in the file (ISO 8601 UTC). */
  readonly asOf: string;
  readonly description: string | undefined;
  /** USD per whole token × 1e18, exact, by asset. */
  readonly pricesUsdWad: Readonly<Record<string, bigint>>;
  readonly accounts: readonly SnapshotAccount[];
}

const AS_OF = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?Z)?$/;
const TOP_KEYS = ['format', 'asOf', 'description', 'prices', 'accounts'];
const ACCOUNT_KEYS = ['id', 'collateral', 'debt'];
const LINE_KEYS = ['asset', 'amount'];

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireRecord(
  value: unknown,
  path: string,
  keys: readonly string[],
): Readonly<Record<string, unknown>> {
  if (!isRecord(value))
    throw new InvalidParameterError(path === '' ? 'snapshot' : path, 'expected an object');
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new InvalidParameterError(
        path === '' ? key : `${path}.${key}`,
        'is not a field of solvent-book/1',
        `Known fields: ${keys.join(', ')}.`,
      );
    }
  }
  return value;
}

function requireField(obj: Readonly<Record<string, unknown>>, key: string, path: string): unknown {
  if (!Object.hasOwn(obj, key) || obj[key] === undefined) {
    throw new InvalidParameterError(path, 'is missing');
  }
  return obj[key];
}

/** A decimal string > 0 in whole tokens as an exact WAD. */
function readAmountWad(value: unknown, path: string): bigint {
  if (typeof value !== 'string') {
    throw new InvalidParameterError(
      path,
      'expected a decimal string in whole tokens, like "12.5"',
      'Quote numbers: JSON numbers lose precision.',
    );
  }
  let wad: bigint;
  try {
    wad = parseDecimal(value, 18);
  } catch (e) {
    if (e instanceof DecimalParseError) {
      throw new InvalidParameterError(
        path,
        `${e.details.reason ?? 'malformed decimal'} ("${value}")`,
        'Write a plain decimal with at most 18 fractional digits, no sign or exponent.',
      );
    }
    throw e;
  }
  if (wad === 0n) throw new InvalidParameterError(path, 'must be > 0; leave the line out instead');
  return wad;
}

function readLines(value: unknown, path: string, nonEmpty: boolean): SnapshotLine[] {
  if (!Array.isArray(value)) throw new InvalidParameterError(path, 'expected a list');
  if (nonEmpty && value.length === 0) throw new InvalidParameterError(path, 'expected at least one line');
  const seen = new Set<string>();
  return value.map((raw: unknown, j) => {
    const linePath = `${path}[${j}]`;
    const line = requireRecord(raw, linePath, LINE_KEYS);
    const asset = requireAssetId(requireField(line, 'asset', `${linePath}.asset`), `${linePath}.asset`);
    if (seen.has(asset))
      throw new InvalidParameterError(`${linePath}.asset`, `${asset} appears twice in this list`);
    seen.add(asset);
    return {
      asset,
      amountWad: readAmountWad(requireField(line, 'amount', `${linePath}.amount`), `${linePath}.amount`),
    };
  });
}

function requireAsOf(value: unknown): string {
  const m = typeof value === 'string' ? AS_OF.exec(value) : null;
  const [month, day, hour, minute, second] = [m?.[2], m?.[3], m?.[4], m?.[5], m?.[6]].map((x) =>
    Number(x ?? '0'),
  );
  const ok =
    m !== null &&
    (month as number) >= 1 &&
    (month as number) <= 12 &&
    (day as number) >= 1 &&
    (day as number) <= 31 &&
    (hour as number) <= 23 &&
    (minute as number) <= 59 &&
    (second as number) <= 60;
  if (!ok) {
    throw new InvalidParameterError(
      'asOf',
      'expected an ISO 8601 UTC date or date-time, like 2020-03-12T00:00:00Z',
    );
  }
  return value as string;
}

/**
 * Reads a `solvent-book/1` snapshot (format in the file header) strictly: every field checked,
 * unknown fields refused, amounts exact.
 * @param raw the file's text (JSON) or its already-parsed value.
 * @throws InvalidParameterError whose `field` is the path of the first bad value
 *   (`snapshot` for text that is not JSON, `format`, `asOf`, `prices.DAI`, `accounts[3].id`,
 *   `accounts[3].collateral[0].amount`, ...).
 */
export function parseBookSnapshot(raw: unknown): BookSnapshot {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new InvalidParameterError(
        'snapshot',
        `is not JSON (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  const top = requireRecord(value, '', TOP_KEYS);
  const format = requireField(top, 'format', 'format');
  if (format !== BOOK_SNAPSHOT_FORMAT) {
    throw new InvalidParameterError(
      'format',
      `expected "${BOOK_SNAPSHOT_FORMAT}", got ${JSON.stringify(format)}`,
    );
  }
  const asOf = requireAsOf(requireField(top, 'asOf', 'asOf'));
  const description = top.description;
  if (description !== undefined && typeof description !== 'string') {
    throw new InvalidParameterError('description', 'expected a string');
  }
  const pricesUsdWad: Record<string, bigint> = {};
  if (top.prices !== undefined) {
    if (!isRecord(top.prices))
      throw new InvalidParameterError('prices', 'expected an object of decimal strings');
    for (const [asset, price] of Object.entries(top.prices)) {
      requireAssetId(asset, `prices.${asset}`);
      pricesUsdWad[asset] = readAmountWad(price, `prices.${asset}`);
    }
  }
  const rawAccounts = requireField(top, 'accounts', 'accounts');
  if (!Array.isArray(rawAccounts)) throw new InvalidParameterError('accounts', 'expected a list');
  const ids = new Set<string>();
  const accounts = rawAccounts.map((rawAccount: unknown, i): SnapshotAccount => {
    const path = `accounts[${i}]`;
    const account = requireRecord(rawAccount, path, ACCOUNT_KEYS);
    const id = requireField(account, 'id', `${path}.id`);
    if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) {
      throw new InvalidParameterError(
        `${path}.id`,
        'expected 1–128 characters [A-Za-z0-9._-], starting with a letter or digit',
      );
    }
    if (ids.has(id)) throw new InvalidParameterError(`${path}.id`, `duplicate id ${id}`);
    ids.add(id);
    return {
      id,
      collateral: readLines(
        requireField(account, 'collateral', `${path}.collateral`),
        `${path}.collateral`,
        true,
      ),
      debt: readLines(requireField(account, 'debt', `${path}.debt`), `${path}.debt`, false),
    };
  });
  return { format: BOOK_SNAPSHOT_FORMAT, asOf, description, pricesUsdWad, accounts };
}

/** Options of {@link bookFromSnapshot}. */
export interface BookFromSnapshotOptions {
  /** USD per whole token × 1e18 for debt assets; overrides the snapshot's `prices`. */
  readonly pricesUsdWad?: Readonly<Record<string, bigint>>;
}

/**
 * The book of a snapshot: collateral amounts as floats (the nearest double to the exact decimal),
 * debt valued in USD as Σ amount · price (exact in integers, then converted to the nearest double).
 * @throws InvalidParameterError (field `accounts[i].debt[j].asset`) for a debt asset with no price.
 */
export function bookFromSnapshot(snapshot: BookSnapshot, options: BookFromSnapshotOptions = {}): Book {
  const prices = { ...snapshot.pricesUsdWad, ...(options.pricesUsdWad ?? {}) };
  const accounts = snapshot.accounts.map((a, i): BookAccount => {
    let debtUsdWad2 = 0n; // USD × 1e36: amountWad · priceWad, exact
    a.debt.forEach((line, j) => {
      const price = Object.hasOwn(prices, line.asset) ? prices[line.asset] : undefined;
      if (price === undefined) {
        throw new InvalidParameterError(
          `accounts[${i}].debt[${j}].asset`,
          `no USD price for ${line.asset}`,
          'Add it to the snapshot\'s "prices" or pass pricesUsdWad.',
        );
      }
      debtUsdWad2 += line.amountWad * price;
    });
    return {
      id: a.id,
      collateral: a.collateral.map((c) => ({
        asset: c.asset,
        amountWhole: Number(formatDecimal(c.amountWad, 18)),
      })),
      debtUsd: Number(formatDecimal(debtUsdWad2, 36)),
    };
  });
  const note = snapshot.description === undefined ? '' : `: ${snapshot.description}`;
  return {
    accounts,
    description: `snapshot ${BOOK_SNAPSHOT_FORMAT} as of ${snapshot.asOf}, ${accounts.length} accounts${note}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Adapters

/** Protocol model ids {@link bookCommands} supports. */
export const BOOK_PROTOCOLS: readonly string[] = [
  MAKER_LIQ2_ID,
  MAKER_LIQ1_ID,
  AAVE_MODEL_IDS['3.3'],
  AAVE_MODEL_IDS['3.5'],
  AAVE_MODEL_IDS['3.7'],
  COMPOUND_V3_ID,
];

/** An oracle price as the engine will hold it when the commands run: `price / 10^priceDecimals` USD. */
export interface OraclePrice {
  readonly price: bigint;
  readonly priceDecimals: number;
}

/** Options of {@link bookCommands}. Asset ids are the protocol's (after `assetMap`). */
export interface BookCommandsOptions {
  /**
   * Oracle prices of every collateral asset (and of the debt asset for Aave and Compound), exactly
   * as the engine will read them: Maker any decimals ≤ 18 (read as a WAD), Aave and Compound
   * USD·1e8 (priceDecimals 8).
   */
  readonly prices: Readonly<Record<string, OraclePrice>>;
  /** Token decimals by asset for Aave and Compound (Maker's gem is always a WAD). */
  readonly decimals?: Readonly<Record<string, number>>;
  /** Book asset → protocol asset (`{ ETH: 'WETH' }`); unmapped assets keep their id. */
  readonly assetMap?: Readonly<Record<string, string>>;
  /** Prefix of the protocol account ids (default none: the book id). */
  readonly accountPrefix?: string;
  /**
   * How far above the borrowing limit a book debt may be and still be opened, lowered to the limit
   * (default 1 bp); an integer in [0, 10000].
   */
  readonly clampToleranceBps?: number;
  /** Maker: the ilk (default `ETH-A`). */
  readonly ilk?: string;
  /** Maker: parameters the engine is configured with (default DEFAULT_MAKER_PARAMS). */
  readonly makerParams?: MakerParams;
  /** Maker: the ilk's accumulated rate, RAY ≥ 1e27 (default 1e27, a freshly configured ilk). */
  readonly rateRay?: bigint;
  /** Aave: parameters (default DEFAULT_AAVE_PARAMS). */
  readonly aaveParams?: AaveParams;
  /** Aave: the asset borrowed (default `USDC`). */
  readonly debtAsset?: string;
  /** Compound: parameters (default DEFAULT_COMPOUND_PARAMS; indexes assumed at their start). */
  readonly compoundParams?: CompoundParams;
}

/** Why an account was not opened. */
export type SkipReason =
  | 'dust'
  | 'collateral-ratio'
  | 'unsupported-collateral'
  | 'zero-collateral'
  | 'ceiling'
  | 'supply-cap';

const SKIP_REASONS: readonly SkipReason[] = [
  'dust',
  'collateral-ratio',
  'unsupported-collateral',
  'zero-collateral',
  'ceiling',
  'supply-cap',
];

/** A position the commands open. */
export interface OpenedPosition {
  readonly bookId: string;
  /** The protocol account id. */
  readonly account: string;
  /** Collateral in the asset's smallest units (Maker: WAD). */
  readonly collateral: readonly { readonly asset: string; readonly amount: bigint }[];
  /** Maker: `art:<ilk>`; otherwise the borrowed asset. */
  readonly debtAsset: string;
  /** Maker: normalized debt `art`, WAD (DAI = art·rate); otherwise smallest units. 0 = no borrow. */
  readonly debtAmount: bigint;
  /** Whether the book's debt was lowered to the borrowing limit (within the tolerance). */
  readonly clamped: boolean;
}

/** An account left out, with the reason and the numbers behind it. */
export interface SkippedAccount {
  readonly bookId: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

/** What {@link bookCommands} returns. */
export interface BookCommands {
  readonly protocol: string;
  /** Commands in order; apply them at one time, after the model's setup (assets, oracle, configure). */
  readonly commands: readonly Command[];
  readonly opened: readonly OpenedPosition[];
  readonly skipped: readonly SkippedAccount[];
  readonly skippedByReason: Readonly<Record<SkipReason, number>>;
  readonly clampedCount: number;
  /**
   * Totals of the opened positions, smallest units by asset: collateral deposited and debt
   * borrowed (Aave and Compound need at least `debt` of liquidity in the pool first).
   */
  readonly totals: {
    readonly collateral: Readonly<Record<string, bigint>>;
    readonly debt: Readonly<Record<string, bigint>>;
  };
}

function requireDecimals(options: BookCommandsOptions, asset: string): number {
  const d = options.decimals?.[asset];
  if (d === undefined || !Number.isInteger(d) || d < 0 || d > 36) {
    throw new InvalidParameterError(
      `decimals.${asset}`,
      'expected the token decimals, an integer in [0, 36]',
    );
  }
  return d;
}

function requirePrice(options: BookCommandsOptions, asset: string, priceDecimals?: number): OraclePrice {
  const p = Object.hasOwn(options.prices, asset) ? options.prices[asset] : undefined;
  if (p === undefined || typeof p.price !== 'bigint' || p.price <= 0n) {
    throw new InvalidParameterError(`prices.${asset}`, 'expected an oracle price > 0');
  }
  if (!Number.isInteger(p.priceDecimals) || p.priceDecimals < 0 || p.priceDecimals > 36) {
    throw new InvalidParameterError(`prices.${asset}.priceDecimals`, 'expected an integer in [0, 36]');
  }
  if (priceDecimals !== undefined && p.priceDecimals !== priceDecimals) {
    throw new InvalidParameterError(
      `prices.${asset}.priceDecimals`,
      `this protocol reads prices with ${priceDecimals} decimals`,
    );
  }
  return p;
}

/** Mutable accumulator behind one adapter run. */
class Collector {
  readonly commands: Command[] = [];
  readonly opened: OpenedPosition[] = [];
  readonly skipped: SkippedAccount[] = [];
  readonly collateral: Record<string, bigint> = {};
  readonly debt: Record<string, bigint> = {};
  clampedCount = 0;

  skip(bookId: string, reason: SkipReason, detail: string): void {
    this.skipped.push({ bookId, reason, detail });
  }

  open(position: OpenedPosition, commands: readonly Command[]): void {
    this.opened.push(position);
    this.commands.push(...commands);
    if (position.clamped) this.clampedCount++;
    for (const c of position.collateral)
      this.collateral[c.asset] = (this.collateral[c.asset] ?? 0n) + c.amount;
    if (position.debtAmount > 0n) {
      this.debt[position.debtAsset] = (this.debt[position.debtAsset] ?? 0n) + position.debtAmount;
    }
  }

  result(protocol: string): BookCommands {
    const skippedByReason = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
    for (const s of this.skipped) skippedByReason[s.reason] += 1;
    return {
      protocol,
      commands: this.commands,
      opened: this.opened,
      skipped: this.skipped,
      skippedByReason,
      clampedCount: this.clampedCount,
      totals: { collateral: this.collateral, debt: this.debt },
    };
  }
}

/**
 * Decides a debt against a limit in the same unit: `undefined` when the debt is further above the
 * limit than the tolerance, else the debt (or the limit when the debt was above it).
 */
function fitDebt(
  debt: bigint,
  limit: bigint,
  toleranceBps: bigint,
): { readonly amount: bigint; readonly clamped: boolean } | undefined {
  if (debt <= limit) return { amount: debt, clamped: false };
  if (debt * BPS <= limit * (BPS + toleranceBps)) return { amount: limit, clamped: true };
  return undefined;
}

interface Mapped {
  readonly asset: string;
  readonly amountWhole: number;
}

function mapCollateral(account: BookAccount, options: BookCommandsOptions): Mapped[] {
  return account.collateral.map((c) => ({
    asset: options.assetMap?.[c.asset] ?? c.asset,
    amountWhole: c.amountWhole,
  }));
}

function makerCommands(
  book: Book,
  protocol: string,
  options: BookCommandsOptions,
  out: Collector,
  tol: bigint,
): void {
  const params = options.makerParams ?? DEFAULT_MAKER_PARAMS;
  const ilkName = options.ilk ?? 'ETH-A';
  const ilk = Object.hasOwn(params.ilks, ilkName) ? params.ilks[ilkName] : undefined;
  if (ilk === undefined) throw new InvalidParameterError('ilk', `${ilkName} is not in the Maker parameters`);
  const rateRay = options.rateRay ?? RAY;
  if (typeof rateRay !== 'bigint' || rateRay < RAY)
    throw new InvalidParameterError('rateRay', 'expected a RAY ≥ 1e27');
  const reading = requirePrice(options, ilk.gem);
  if (reading.priceDecimals > 18) {
    throw new InvalidParameterError(
      `prices.${ilk.gem}.priceDecimals`,
      'Maker adapters take prices with ≤ 18 decimals',
    );
  }
  const valWad = reading.price * pow10(18 - reading.priceDecimals);
  // makerdao/dss src/spot.sol poke: spot = rdiv(rdiv(val·1e9, par), mat), par = 1 RAY (floors).
  const spotRay = rdiv(feedPriceRay(valWad), ilk.matRay);
  let ilkDebtRad = 0n;
  for (const account of book.accounts) {
    const id = `${options.accountPrefix ?? ''}${account.id}`;
    const lines = mapCollateral(account, options);
    const line = lines[0];
    if (lines.length !== 1 || line === undefined || line.asset !== ilk.gem) {
      out.skip(account.id, 'unsupported-collateral', `a ${ilkName} vault holds ${ilk.gem} only`);
      continue;
    }
    const inkWad = floatToUnits(line.amountWhole, 18);
    if (inkWad === 0n) {
      out.skip(account.id, 'zero-collateral', `${line.amountWhole} ${ilk.gem} rounds to 0 wad`);
      continue;
    }
    // DAI at par: the book's USD debt is that many DAI; art = dai / rate, floored (never above the book).
    const artBook = mulDiv(floatToUnits(account.debtUsd, 18), RAY, rateRay, Rounding.Down);
    // Vat frob: art·rate ≤ ink·spot, so the most art is floor(ink·spot / rate).
    const artLimit = mulDiv(inkWad, spotRay, rateRay, Rounding.Down);
    const fit = fitDebt(artBook, artLimit, tol);
    if (fit === undefined) {
      out.skip(
        account.id,
        'collateral-ratio',
        `art ${artBook} above the limit ${artLimit} at mat ${ilk.matRay} (RAY)`,
      );
      continue;
    }
    const tabRad = fit.amount * rateRay;
    if (fit.amount > 0n && tabRad < ilk.dustRad) {
      out.skip(account.id, 'dust', `debt ${tabRad} RAD below dust ${ilk.dustRad} RAD`);
      continue;
    }
    if (ilkDebtRad + tabRad > ilk.lineRad || ilkDebtRad + tabRad > params.LineRad) {
      out.skip(account.id, 'ceiling', `the ilk would owe ${ilkDebtRad + tabRad} RAD, above its ceiling`);
      continue;
    }
    ilkDebtRad += tabRad;
    // One frob locks and draws at once, as a vault opening does on chain (dss Vat.frob with dink
    // and dart both set): half the commands of a deposit then a draw, the same urn and moves.
    const commands: Command[] =
      fit.amount > 0n
        ? [{ type: 'frob', account: id, ilk: ilkName, dinkWad: inkWad, dartWad: fit.amount }]
        : [{ type: 'deposit', account: id, ilk: ilkName, amountWad: inkWad }];
    out.open(
      {
        bookId: account.id,
        account: id,
        collateral: [{ asset: ilk.gem, amount: inkWad }],
        debtAsset: `art:${ilkName}`,
        debtAmount: fit.amount,
        clamped: fit.clamped,
      },
      commands,
    );
  }
  assert(protocol === MAKER_LIQ1_ID || protocol === MAKER_LIQ2_ID, 'maker adapter for a maker model');
}

/** USD·1e8 of a float USD amount, floored (never above the book). */
const usd8 = (usd: number): bigint => floatToUnits(usd, 8);

function aaveCommands(book: Book, options: BookCommandsOptions, out: Collector, tol: bigint): void {
  const params = options.aaveParams ?? DEFAULT_AAVE_PARAMS;
  const debtAsset = options.debtAsset ?? 'USDC';
  const debtReserve = Object.hasOwn(params.reserves, debtAsset) ? params.reserves[debtAsset] : undefined;
  if (debtReserve === undefined || !debtReserve.borrowingEnabled) {
    throw new InvalidParameterError(
      'debtAsset',
      `${debtAsset} is not a borrowable reserve of the Aave parameters`,
    );
  }
  const debtPrice = requirePrice(options, debtAsset, 8).price;
  const debtScale = pow10(requireDecimals(options, debtAsset));
  for (const account of book.accounts) {
    const id = `${options.accountPrefix ?? ''}${account.id}`;
    const lines = mapCollateral(account, options);
    const unsupported = lines.find((l) => {
      const r = Object.hasOwn(params.reserves, l.asset) ? params.reserves[l.asset] : undefined;
      return r === undefined || r.liquidationThresholdBps === 0n;
    });
    if (unsupported !== undefined) {
      out.skip(account.id, 'unsupported-collateral', `${unsupported.asset} is not Aave collateral here`);
      continue;
    }
    // GenericLogic.calculateUserAccountData: value = amount·price / unit (floor), LTV averaged by value (floor).
    let collateralBase = 0n;
    let weightedLtv = 0n;
    const collateral: { asset: string; amount: bigint }[] = [];
    for (const l of lines) {
      const amount = floatToUnits(l.amountWhole, requireDecimals(options, l.asset));
      if (amount === 0n) continue;
      const value = mulDiv(
        amount,
        requirePrice(options, l.asset, 8).price,
        pow10(requireDecimals(options, l.asset)),
        Rounding.Down,
      );
      collateralBase += value;
      weightedLtv += value * (params.reserves[l.asset]?.ltvBps ?? 0n);
      collateral.push({ asset: l.asset, amount });
    }
    if (collateral.length === 0 || collateralBase === 0n) {
      out.skip(account.id, 'zero-collateral', 'the collateral rounds to 0 in base currency');
      continue;
    }
    const avgLtvBps = weightedLtv / collateralBase; // floor, as the contract's `/`
    // ValidationLogic.validateBorrow: percentDiv(debtBase, avgLtv) ≤ collateralBase (half-up);
    // floor(collateralBase·ltv / 1e4) always passes it (floor favours the protocol).
    const limitBase = mulDiv(collateralBase, avgLtvBps, BPS, Rounding.Down);
    // Debt in tokens: USD·1e8 floored, then tokens floored: never above the book.
    const debtBook = mulDiv(usd8(account.debtUsd), debtScale, debtPrice, Rounding.Down);
    const debtBase = mulDiv(debtBook, debtPrice, debtScale, Rounding.Down);
    const fit = fitDebt(debtBase, limitBase, tol);
    if (fit === undefined || (debtBook > 0n && avgLtvBps === 0n)) {
      out.skip(account.id, 'collateral-ratio', `debt ${debtBase} above the LTV limit ${limitBase} (USD·1e8)`);
      continue;
    }
    // Lowered to the limit: the most tokens whose floored value is ≤ the limit is at least this.
    const debtAmount = fit.clamped ? mulDiv(limitBase, debtScale, debtPrice, Rounding.Down) : debtBook;
    const commands: Command[] = collateral.map((c) => ({
      type: 'deposit',
      account: id,
      asset: c.asset,
      amount: c.amount,
    }));
    if (debtAmount > 0n) commands.push({ type: 'borrow', account: id, asset: debtAsset, amount: debtAmount });
    out.open(
      { bookId: account.id, account: id, collateral, debtAsset, debtAmount, clamped: fit.clamped },
      commands,
    );
  }
}

function compoundCommands(book: Book, options: BookCommandsOptions, out: Collector, tol: bigint): void {
  const params = options.compoundParams ?? DEFAULT_COMPOUND_PARAMS;
  const base = params.baseAsset;
  const basePrice = requirePrice(options, base, 8).price;
  const baseScale = pow10(requireDecimals(options, base));
  const supplied: Record<string, bigint> = {};
  for (const account of book.accounts) {
    const id = `${options.accountPrefix ?? ''}${account.id}`;
    const lines = mapCollateral(account, options);
    const unsupported = lines.find((l) => !params.assets.some((a) => a.asset === l.asset));
    if (unsupported !== undefined) {
      out.skip(account.id, 'unsupported-collateral', `${unsupported.asset} is not Comet collateral here`);
      continue;
    }
    // Comet getBorrowLiquidity: Σ mulFactor(mulPrice(balance, price, scale), borrowCF), floors; the
    // borrow CF is the packed (4-decimal) value Comet stores.
    let limitUsd8 = 0n;
    const collateral: { asset: string; amount: bigint }[] = [];
    for (const l of lines) {
      const info = params.assets.find((a) => a.asset === l.asset);
      assert(info !== undefined, 'collateral checked above');
      const scale = pow10(requireDecimals(options, l.asset));
      const amount = floatToUnits(l.amountWhole, requireDecimals(options, l.asset));
      if (amount === 0n) continue;
      const valueUsd8 = mulDiv(amount, requirePrice(options, l.asset, 8).price, scale, Rounding.Down);
      limitUsd8 += mulDiv(
        valueUsd8,
        packFactor(info.borrowCollateralFactor).effectiveWad,
        WAD,
        Rounding.Down,
      );
      collateral.push({ asset: l.asset, amount });
    }
    if (collateral.length === 0) {
      out.skip(account.id, 'zero-collateral', 'the collateral rounds to 0 units');
      continue;
    }
    const capped = collateral.find((c) => {
      const cap = params.assets.find((a) => a.asset === c.asset)?.supplyCap;
      return cap !== undefined && (supplied[c.asset] ?? 0n) + c.amount > cap;
    });
    if (capped !== undefined) {
      out.skip(account.id, 'supply-cap', `${capped.asset} supply would exceed its cap`);
      continue;
    }
    const debtBook = mulDiv(usd8(account.debtUsd), baseScale, basePrice, Rounding.Down);
    // Comet isBorrowCollateralized: signedMulPrice(−debt) truncates toward zero, so the check is
    // floor(debt·price / scale) ≤ limit.
    const debtUsd8 = mulDiv(debtBook, basePrice, baseScale, Rounding.Down);
    const fit = fitDebt(debtUsd8, limitUsd8, tol);
    if (fit === undefined) {
      out.skip(
        account.id,
        'collateral-ratio',
        `debt ${debtUsd8} above the borrow limit ${limitUsd8} (USD·1e8)`,
      );
      continue;
    }
    const debtAmount = fit.clamped ? mulDiv(limitUsd8, baseScale, basePrice, Rounding.Down) : debtBook;
    if (debtAmount > 0n && debtAmount < params.baseBorrowMin) {
      out.skip(account.id, 'dust', `debt ${debtAmount} below baseBorrowMin ${params.baseBorrowMin}`);
      continue;
    }
    for (const c of collateral) supplied[c.asset] = (supplied[c.asset] ?? 0n) + c.amount;
    const commands: Command[] = collateral.map((c) => ({
      type: 'supplyCollateral',
      account: id,
      asset: c.asset,
      amount: c.amount,
    }));
    if (debtAmount > 0n) commands.push({ type: 'borrow', account: id, amount: debtAmount });
    out.open(
      { bookId: account.id, account: id, collateral, debtAsset: base, debtAmount, clamped: fit.clamped },
      commands,
    );
  }
}

function requireBookShape(book: Book): void {
  const ids = new Set<string>();
  book.accounts.forEach((a, i) => {
    if (typeof a.id !== 'string' || !ACCOUNT_ID.test(a.id) || ids.has(a.id)) {
      throw new InvalidParameterError(`book.accounts[${i}].id`, 'expected a unique id of [A-Za-z0-9._-]');
    }
    ids.add(a.id);
    requireFinite(a.debtUsd, `book.accounts[${i}].debtUsd`, { min: 0, strict: false });
    a.collateral.forEach((c, j) => {
      requireFinite(c.amountWhole, `book.accounts[${i}].collateral[${j}].amountWhole`, {
        min: 0,
        strict: false,
      });
    });
  });
}

/**
 * The engine commands that open the book's positions in `protocolId` (one of
 * {@link BOOK_PROTOCOLS}), after the model's own setup (assets listed, oracle configured and
 * priced as in `options.prices`, `configure` sent; for Aave and Compound, pool liquidity of at
 * least `totals.debt`):
 * - `maker-liq2`, `maker-liq1`: one `frob {account, ilk, dinkWad, dartWad}` (a vault without debt:
 *   `deposit {account, ilk, amountWad}`); art ≤ ink·spot / rate (spot = price / mat), art·rate ≥ dust, the ilk and global ceilings.
 * - `aave-v3.3|3.5|3.7`: `deposit {account, asset, amount}` per collateral line then
 *   `borrow {account, asset: debtAsset, amount}`, within the value-averaged LTV.
 * - `compound-v3`: `supplyCollateral {account, asset, amount}` per line then
 *   `borrow {account, amount}` of the base asset, within the borrow collateral factors, at least
 *   `baseBorrowMin`, within supply caps.
 * Rounding and skipping rules are in the file header. Pure: the book is not changed.
 * @throws InvalidParameterError for an unsupported `protocolId` (field `protocolId`), a missing
 *   price or decimals (`prices.WETH`, `decimals.USDC`), a bad `clampToleranceBps`, `ilk`,
 *   `rateRay` or `debtAsset`, or a malformed book (`book.accounts[2].debtUsd`).
 */
export function bookCommands(book: Book, protocolId: string, options: BookCommandsOptions): BookCommands {
  const tolerance = options.clampToleranceBps ?? 1;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 10_000) {
    throw new InvalidParameterError(
      'clampToleranceBps',
      `expected an integer in [0, 10000], got ${tolerance}`,
    );
  }
  if (options.accountPrefix !== undefined && !ID_PREFIX.test(options.accountPrefix)) {
    throw new InvalidParameterError('accountPrefix', 'expected characters [A-Za-z0-9._-]');
  }
  requireBookShape(book);
  const out = new Collector();
  const tol = BigInt(tolerance);
  if (protocolId === MAKER_LIQ1_ID || protocolId === MAKER_LIQ2_ID)
    makerCommands(book, protocolId, options, out, tol);
  else if (Object.values(AAVE_MODEL_IDS).includes(protocolId)) aaveCommands(book, options, out, tol);
  else if (protocolId === COMPOUND_V3_ID) compoundCommands(book, options, out, tol);
  else {
    throw new InvalidParameterError(
      'protocolId',
      `no book adapter for ${protocolId}`,
      `Supported: ${BOOK_PROTOCOLS.join(', ')}.`,
    );
  }
  return out.result(protocolId);
}
