/**
 * Typed refusals of the engine. A command that would break a rule throws one of these and changes
 * nothing; tests assert on the class, never on the message.
 */
import { SolventError } from '../math/errors.js';

/** A parameter (config file field, command field, CLI flag) is missing or out of range. */
export class InvalidParameterError extends SolventError {
  override name = 'InvalidParameterError';
  /** Dotted path of the offending field, e.g. `ilks.ETH-A.chop`. */
  readonly field: string;
  constructor(field: string, reason: string, hint?: string) {
    super('InvalidParameter', `Invalid ${field}: ${reason}.`, {
      metaMessages: hint === undefined ? [] : [hint],
      details: { field, reason },
    });
    this.field = field;
  }
}

/**
 * The modelled contract would revert. `reason` is the protocol's own revert string
 * (`Dog/not-unsafe`, `MUST_NOT_LEAVE_DUST`), so vectors and users see what the chain would say.
 */
export class ProtocolRevertError extends SolventError {
  override name = 'ProtocolRevertError';
  readonly reason: string;
  /** Values computed before the refusal, as decimal strings (compared by conformance too). */
  readonly computed: Readonly<Record<string, string>>;
  constructor(reason: string, hint: string, computed: Readonly<Record<string, string>> = {}) {
    super('ProtocolRevert', `The protocol refuses: ${reason}.`, {
      metaMessages: [hint],
      details: { reason, ...computed },
    });
    this.reason = reason;
    this.computed = computed;
  }
}

/** The named account does not exist. */
export class UnknownAccountError extends SolventError {
  override name = 'UnknownAccountError';
  constructor(accountId: string) {
    super('UnknownAccount', `No account "${accountId}".`, {
      metaMessages: ['Open it first (deposit or open a vault), or check the id.'],
      details: { accountId },
    });
  }
}

/** The named asset is not listed in the engine. */
export class UnknownAssetError extends SolventError {
  override name = 'UnknownAssetError';
  constructor(asset: string) {
    super('UnknownAsset', `Asset "${asset}" is not listed.`, {
      metaMessages: ['List it in the protocol configuration first.'],
      details: { asset },
    });
  }
}

/** The command type is not one the configured protocol understands. */
export class UnknownCommandError extends SolventError {
  override name = 'UnknownCommandError';
  constructor(protocol: string, command: string, known: readonly string[]) {
    super('UnknownCommand', `Protocol ${protocol} has no command "${command}".`, {
      metaMessages: [`Known commands: ${known.join(', ')}.`],
      details: { protocol, command },
    });
  }
}

/** A balance would go below zero (withdraw, pay or move more than is there). */
export class InsufficientBalanceError extends SolventError {
  override name = 'InsufficientBalanceError';
  constructor(bucket: string, asset: string, balance: bigint, needed: bigint) {
    super('InsufficientBalance', `${bucket} holds ${balance} ${asset}, ${needed} needed.`, {
      metaMessages: ['Fund the bucket first or ask for less.'],
      details: { bucket, asset, balance: balance.toString(), needed: needed.toString() },
    });
  }
}

/** The account is healthy: liquidating it is refused. */
export class PositionNotLiquidatableError extends SolventError {
  override name = 'PositionNotLiquidatableError';
  constructor(accountId: string, detail: string) {
    super('PositionNotLiquidatable', `Account ${accountId} is not liquidatable: ${detail}.`, {
      metaMessages: ['Wait for its health to fall below the threshold.'],
      details: { accountId },
    });
  }
}

/** An action would leave the account below its initial margin (borrow, withdraw). */
export class InsufficientMarginError extends SolventError {
  override name = 'InsufficientMarginError';
  constructor(accountId: string, detail: string) {
    super('InsufficientMargin', `Account ${accountId} would fall below its required margin: ${detail}.`, {
      metaMessages: ['Add collateral or reduce the amount.'],
      details: { accountId },
    });
  }
}

/** The oracle has no fresh, agreeing price for the asset. */
export class StaleOraclePriceError extends SolventError {
  override name = 'StaleOraclePriceError';
  constructor(asset: string, detail: string) {
    super('StaleOraclePrice', `No usable price for ${asset}: ${detail}.`, {
      metaMessages: ['Publish fresh prices from enough sources, or wait for the feed to recover.'],
      details: { asset },
    });
  }
}

/** A circuit breaker (price move, source disagreement, outage grace period) blocks the action. */
export class CircuitBreakerError extends SolventError {
  override name = 'CircuitBreakerError';
  constructor(action: string, asset: string, detail: string) {
    super('CircuitBreaker', `${action} is paused for ${asset}: ${detail}.`, {
      metaMessages: ['Wait for the breaker window to pass or for an operator to reset it.'],
      details: { action, asset },
    });
  }
}

/** Time went backwards: commands must come with non-decreasing timestamps. */
export class ClockWentBackwardsError extends SolventError {
  override name = 'ClockWentBackwardsError';
  constructor(lastSeconds: number, nowSeconds: number) {
    super('ClockWentBackwards', `now = ${nowSeconds} is before the last command time ${lastSeconds}.`, {
      metaMessages: ['Pass timestamps in non-decreasing order.'],
      details: { lastSeconds: String(lastSeconds), nowSeconds: String(nowSeconds) },
    });
  }
}

/**
 * An asset is both collateral and debt of one account, so a move of its price changes both sides
 * at once and the account has no single liquidation price in that asset.
 */
export class CollateralIsAlsoDebtError extends SolventError {
  override name = 'CollateralIsAlsoDebtError';
  constructor(asset: string) {
    super('CollateralIsAlsoDebt', `${asset} is both collateral and debt: its price moves both sides.`, {
      metaMessages: [
        'Net the two positions first, or use distanceToLiquidationBps (collateral prices only).',
      ],
      details: { asset },
    });
  }
}

/** A price was published for an asset by a source that its oracle configuration does not allow. */
export class UnknownOracleSourceError extends SolventError {
  override name = 'UnknownOracleSourceError';
  constructor(asset: string, source: string, allowed: readonly string[]) {
    super('UnknownOracleSource', `Source "${source}" may not publish prices for ${asset}.`, {
      metaMessages: [`Allowed sources: ${allowed.join(', ')}. Add it to the oracle configuration first.`],
      details: { asset, source },
    });
  }
}

/** A source published an observation timestamped before its previous one for the same asset. */
export class OutOfOrderObservationError extends SolventError {
  override name = 'OutOfOrderObservationError';
  constructor(asset: string, source: string, lastSeconds: number, atSeconds: number) {
    super(
      'OutOfOrderObservation',
      `Source "${source}" published ${asset} at ${atSeconds}, before its last observation at ${lastSeconds}.`,
      {
        metaMessages: ['Publish each source’s observations in time order.'],
        details: { asset, source, lastSeconds: String(lastSeconds), atSeconds: String(atSeconds) },
      },
    );
  }
}

/** A command reached a protocol model before its `configure` command. */
export class NotConfiguredError extends SolventError {
  override name = 'NotConfiguredError';
  constructor(protocol: string, command: string) {
    super('NotConfigured', `${protocol} is not configured yet, so "${command}" cannot run.`, {
      metaMessages: [
        `Send \`configure {params}\` first (\`solvent protocols ${protocol}\` shows the shape).`,
      ],
      details: { protocol, command },
    });
  }
}
