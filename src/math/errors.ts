/**
 * The one base error of Solvent and the math layer's own error classes. Every refusal in the
 * library is a subclass of {@link SolventError}, so callers can branch on the class and show
 * `shortMessage` to people.
 */

/** Options every Solvent error accepts. */
export interface SolventErrorOptions {
  /** Extra lines on what went wrong and what to do about it. */
  readonly metaMessages?: readonly string[];
  /** Machine-readable facts about the refusal (field names, values as strings). */
  readonly details?: Readonly<Record<string, string>>;
  /** The error that caused this one, if any. */
  readonly cause?: unknown;
}

/**
 * Base class of every error Solvent throws on purpose. `shortMessage` is one sentence that says
 * what happened; `metaMessages` say what to do; `details` carry the facts for programs.
 */
export class SolventError extends Error {
  override name = 'SolventError';
  /** Stable identifier of the condition, e.g. `InvalidParameter`. */
  readonly code: string;
  readonly shortMessage: string;
  readonly metaMessages: readonly string[];
  readonly details: Readonly<Record<string, string>>;

  constructor(code: string, shortMessage: string, options: SolventErrorOptions = {}) {
    const meta = options.metaMessages ?? [];
    super([shortMessage, ...meta].join('\n'), options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.metaMessages = meta;
    this.details = options.details ?? {};
  }
}

/** A fixed-point result does not fit the integer width the modelled contract uses (uint256). */
export class OverflowError extends SolventError {
  override name = 'OverflowError';
  constructor(operation: string, options: SolventErrorOptions = {}) {
    super('Overflow', `${operation} overflows uint256, as the contract would revert.`, {
      metaMessages: ['Use smaller operands: the modelled contract refuses this call too.'],
      ...options,
      details: { operation, ...options.details },
    });
  }
}

/** Division by zero in a fixed-point operation. */
export class DivisionByZeroError extends SolventError {
  override name = 'DivisionByZeroError';
  constructor(operation: string) {
    super('DivisionByZero', `${operation} divides by zero.`, { details: { operation } });
  }
}

/** A value is negative where only unsigned integers are allowed (Solidity uint256). */
export class NegativeValueError extends SolventError {
  override name = 'NegativeValueError';
  constructor(operation: string, value: bigint) {
    super('NegativeValue', `${operation} got a negative operand ${value}; the contract takes uint256.`, {
      details: { operation, value: value.toString() },
    });
  }
}

/** A decimal string is malformed, or holds more fractional digits than allowed without a rounding. */
export class DecimalParseError extends SolventError {
  override name = 'DecimalParseError';
  constructor(input: string, reason: string, metaMessages: readonly string[] = []) {
    super('DecimalParse', `Cannot read "${input}" as a decimal: ${reason}.`, {
      metaMessages,
      details: { input, reason },
    });
  }
}

/** A number of decimals is not an integer in [0, 255] (the range of an ERC-20 `decimals()` uint8). */
export class InvalidDecimalsError extends SolventError {
  override name = 'InvalidDecimalsError';
  constructor(decimals: number) {
    super('InvalidDecimals', `decimals must be an integer in [0, 255], got ${decimals}.`, {
      metaMessages: ["Pass the token's decimals() value, e.g. 18 for WAD amounts or 6 for USDC."],
      details: { decimals: String(decimals) },
    });
  }
}

/**
 * Asserts an invariant that must hold whatever the input. A failure is a bug in Solvent, never an
 * operating error, so it is not a {@link SolventError} and must never be caught.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Solvent invariant broken: ${message}`);
}
