/**
 * The shape of a conformance vector (../shared/conformance/README.md) and of the handlers that
 * reproduce one. Each protocol model exports a {@link HandlerTable}; the runner dispatches on
 * `(system, function)`.
 */

/** A JSON value as it appears in a vector. Integers are decimal strings. */
export type VectorValue = string | number | boolean | null | readonly VectorValue[] | VectorObject;
/** A JSON object inside a vector. */
export interface VectorObject {
  readonly [key: string]: VectorValue;
}

/** One conformance vector. */
export interface Vector {
  readonly system: string;
  readonly function: string;
  readonly inputs: VectorObject;
  readonly expected: VectorObject;
  readonly source?: string;
  readonly note?: string;
  readonly obtained?: string;
}

/**
 * Computes a vector's outputs from its inputs with the project's own model. Returns every field
 * it knows how to compute (decimal strings for integers, booleans, plain strings). When the
 * modelled contract would revert it throws `ProtocolRevertError(reason, hint, computed)`, whose
 * `computed` holds the values known before the refusal. Malformed inputs throw
 * `InvalidParameterError` naming the input field.
 */
export type VectorHandler = (inputs: VectorObject) => Record<string, VectorValue>;

/** The handlers of one `system`, keyed by the vector's `function` string. */
export interface HandlerTable {
  readonly system: string;
  readonly handlers: Readonly<Record<string, VectorHandler>>;
}
