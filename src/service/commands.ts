/**
 * Who may send which command: every command type of every protocol model belongs to one category,
 * and each category to the roles allowed to send it. Keys that list ids (`accounts`) are further
 * held to the ids the command names in its identity fields (a user's accounts, a keeper's actor
 * ids, an oracle's source ids). The same table drives authorisation, the OpenAPI document and
 * the endpoint-by-endpoint auth tests.
 */

/** API key roles, from the most to the least powerful. */
export type Role = 'operator' | 'oracle' | 'keeper' | 'user' | 'reader';

/** Every role, in the order documentation lists them. */
export const ROLES: readonly Role[] = ['operator', 'oracle', 'keeper', 'user', 'reader'];

/**
 * What a command does, which decides who may send it:
 * - `account`: a user acting on its own account (deposit, borrow, open a position, ...);
 * - `keeper`: liquidations, auction actions and permissionless upkeep (drip, accrue funding);
 * - `oracle`: price publication;
 * - `operator`: parameters, listings, breakers, treasury and funding from outside.
 */
export type CommandCategory = 'account' | 'keeper' | 'oracle' | 'operator';

/** Roles allowed per category. The operator may send every command (it runs the engine). */
export const CATEGORY_ROLES: Readonly<Record<CommandCategory, readonly Role[]>> = {
  account: ['user', 'operator'],
  keeper: ['keeper', 'operator'],
  oracle: ['oracle', 'operator'],
  operator: ['operator'],
};

const ACCOUNT: readonly string[] = [
  'deposit',
  'withdraw',
  'borrow',
  'repay',
  'supply',
  'supplyCollateral',
  'withdrawCollateral',
  'frob',
  'draw',
  'wipe',
  'openTrove',
  'adjustTrove',
  'closeTrove',
  'provideToSP',
  'withdrawFromSP',
  'claimCollateral',
  'createLoan',
  'addCollateral',
  'removeCollateral',
  'borrowMore',
  'exchange',
  'placeOrder',
  'trade',
  'openPosition',
  'closePosition',
  'addIsolatedMargin',
  'removeIsolatedMargin',
  'increasePosition',
  'decreasePosition',
  'depositLiquidity',
  'withdrawLiquidity',
  'setUserEMode',
];

const KEEPER: readonly string[] = [
  // Liquidations and auctions.
  'liquidate',
  'liquidateTroves',
  'batchLiquidateTroves',
  'liquidationCall',
  'liquidateExtended',
  'liquidatePerp',
  'absorb',
  'buyCollateral',
  'bark',
  'take',
  'redo',
  'bite',
  'tend',
  'dent',
  'deal',
  'tick',
  // Debt (flop) auctions: bids and settlement.
  'flopDent',
  'flopDeal',
  'flopTick',
  // Gradual de-leveraging of soft-called accounts (composed lending, predictive stage).
  'deleverage',
  'executeAdl',
  'updateAdlState',
  'arbitrage',
  // Permissionless upkeep on chain: anyone may call these.
  'tripBreaker',
  'upchost',
  'drip',
  'flog',
  'heal',
  'flop',
  // The composed lending risk oracle's poke (volatility, thresholds, soft margin calls).
  'updateRisk',
  'accrueFunding',
  'settlePnl',
];

const ORACLE: readonly string[] = ['publishPrice', 'publishGasPrice'];

const OPERATOR: readonly string[] = [
  'configure',
  'file',
  'listAsset',
  'configureOracle',
  'resetBreaker',
  'setBreaker',
  'yank',
  'fundInsurance',
  'fundWallet',
  'fundReserves',
  'withdrawReserves',
  'setLTV',
  'setMaxLiquidationDiscount',
  'setLiquidationCoolOffTime',
  'setConfigFlags',
  'setReserveGracePeriod',
  'setGasPrice',
  'setIndexes',
  'collectFees',
  'writeOffBadDebt',
  'eliminateReserveDeficit',
];

/** Declared category of every known command type. */
export const COMMAND_CATEGORIES: Readonly<Record<string, CommandCategory>> = Object.freeze(
  Object.fromEntries([
    ...ACCOUNT.map((t) => [t, 'account'] as const),
    ...KEEPER.map((t) => [t, 'keeper'] as const),
    ...ORACLE.map((t) => [t, 'oracle'] as const),
    ...OPERATOR.map((t) => [t, 'operator'] as const),
  ]),
);

/**
 * The category of a command type. A type missing from the table (a model added later) is
 * treated as `operator`: refused to everyone else until someone declares it.
 */
export function categoryOf(type: string): CommandCategory {
  return Object.hasOwn(COMMAND_CATEGORIES, type) ? (COMMAND_CATEGORIES[type] as CommandCategory) : 'operator';
}

/** Whether `type` is declared in {@link COMMAND_CATEGORIES}. */
export function isDeclaredCommand(type: string): boolean {
  return Object.hasOwn(COMMAND_CATEGORIES, type);
}

/**
 * Fields that name the ids a command acts for, per category: for a key that lists `accounts`,
 * every one of these present in a command must be a listed id.
 * - account commands: the account and whoever pays or receives for it;
 * - keeper commands: the acting keeper or liquidator (the liquidated `account` is anyone's);
 * - oracle commands: the publishing source.
 */
export const IDENTITY_FIELDS: Readonly<Record<CommandCategory, readonly string[]>> = {
  account: ['account', 'payer', 'to', 'from', 'recipient', 'trader', 'lp', 'position', 'actor', 'buyer'],
  keeper: ['keeper', 'liquidator', 'bidder', 'buyer', 'absorber', 'arbitrageur', 'actor', 'recipient', 'to'],
  oracle: ['source'],
  operator: [],
};

/** Values of `to`/`from` that name a place (perps: `world` or `wallet`), not an account. */
const PLACE_VALUES: ReadonlySet<string> = new Set(['world', 'wallet']);

/**
 * The ids a command names in its category's identity fields (string values only; `world` and
 * `wallet` in `to`/`from` are places, not ids).
 */
export function namedIds(category: CommandCategory, command: Readonly<Record<string, unknown>>): string[] {
  const ids: string[] = [];
  for (const field of IDENTITY_FIELDS[category]) {
    const value = command[field];
    if (typeof value !== 'string') continue;
    if ((field === 'to' || field === 'from') && PLACE_VALUES.has(value)) continue;
    ids.push(value);
  }
  return ids;
}
