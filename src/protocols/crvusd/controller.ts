/**
 * The Controller's band placement and health, over the AMM state: `_calculate_debt_n1` (the top
 * band of a loan so that x_down·(1 − loan_discount) covers the debt), and `_health` (full = False
 * and full = True). Ported from curvefi/curve-stablecoin contracts/Controller.vy (V1 mint-market
 * controller, commit 58289a4).
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import {
  type AmmConfig,
  type AmmState,
  ammPOracleUp,
  canSkipBands,
  getSumXY,
  getXDown,
  userTicks,
} from './amm.js';
import { healthFromXDown, healthFullBonus, log2Int, MAX_SKIP_TICKS, yEffective } from './math.js';

/**
 * Controller `_calculate_debt_n1(collateral, debt, N)`: the upper band n1 of a deposit of
 * `collateral` over N bands that supports `debt` at the loan discount:
 * ratio = y_effective·p_oracle_up(active)/(debt + 1) (floor), n1 = floor(log2(ratio)/LOG2_A_RATIO)
 * (the contract adjusts negative logs so that its truncating division floors), capped at
 * 1024 − N bands below the active band.
 * @throws ProtocolRevertError `No loan` (debt 0), `Amount too low` (ratio 0), `Debt too high` (the
 *   band would sit at or above the oracle price, or above non-empty bands that cannot be skipped).
 */
export function calculateDebtN1(
  amm: AmmState,
  cfg: AmmConfig,
  input: {
    readonly collateral: bigint;
    readonly debt: bigint;
    readonly bands: number;
    readonly loanDiscountWad: bigint;
    readonly pOracleWad: bigint;
  },
): number {
  if (input.debt <= 0n) throw new ProtocolRevertError('No loan', 'A loan needs a debt above 0.');
  const c = cfg.constants;
  const n0 = amm.activeBand;
  const pBase = ammPOracleUp(cfg, n0);
  const yEff = yEffective(c, input.collateral * cfg.collateralPrecision, input.bands, input.loanDiscountWad);
  const ratio = (yEff * pBase) / (input.debt + 1n); // floor: never places the loan higher than it can bear
  if (ratio <= 0n) {
    throw new ProtocolRevertError('Amount too low', 'The collateral supports no band for this debt.');
  }
  let log = log2Int(ratio);
  // "EVM semantics is not doing floor unlike Python": shift negatives so truncation floors.
  if (log < 0n) log -= c.log2ARatio - 1n;
  let n1 = log / c.log2ARatio; // truncation toward zero, = floor after the shift
  const cap = BigInt(MAX_SKIP_TICKS - input.bands);
  if (n1 > cap) n1 = cap;
  const band = Number(n1) + n0;
  if (band <= n0 && !canSkipBands(amm, band - 1)) {
    throw new ProtocolRevertError('Debt too high', 'The loan would sit above bands that are not empty.', {
      n1: String(band),
    });
  }
  if (ammPOracleUp(cfg, band) >= input.pOracleWad) {
    throw new ProtocolRevertError(
      'Debt too high',
      'The loan’s top band would be at or above the oracle price.',
      {
        n1: String(band),
      },
    );
  }
  return band;
}

/**
 * Controller `_health(user, debt, full, liquidation_discount)`, 1e18-scaled and signed:
 * x_down·(1 − discount)/debt − 1, plus, with `full` and the loan entirely below the active band and
 * the oracle price above its top band, (p_o − p_up(n1))·y/debt. Liquidation by others starts below 0.
 * @throws ProtocolRevertError `Loan doesn't exist` for debt 0.
 */
export function controllerHealth(
  amm: AmmState,
  cfg: AmmConfig,
  input: {
    readonly user: string;
    readonly debt: bigint;
    readonly full: boolean;
    readonly liquidationDiscountWad: bigint;
    readonly pOracleWad: bigint;
  },
): bigint {
  const xDown = getXDown(amm, cfg, input.user, input.pOracleWad);
  let health = healthFromXDown({
    xDown,
    debt: input.debt,
    liquidationDiscountWad: input.liquidationDiscountWad,
  });
  if (!input.full) return health;
  // read_user_tick_numbers of a user without liquidity is [0, 0].
  const n1 = userTicks(amm, input.user)?.n1 ?? 0;
  if (n1 > amm.activeBand) {
    health += healthFullBonus({
      pOracleWad: input.pOracleWad,
      pUpWad: ammPOracleUp(cfg, n1),
      collateral: getSumXY(amm, cfg, input.user).y,
      collateralPrecision: cfg.collateralPrecision,
      debt: input.debt,
    });
  }
  return health;
}
