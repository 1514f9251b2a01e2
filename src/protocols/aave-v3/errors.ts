/** Typed refusals specific to the Aave v3 model (everything else uses the engine's error classes). */
import { SolventError } from '../../math/errors.js';

/** A command reached the model before its `configure` command. */
export class NotConfiguredError extends SolventError {
  override name = 'NotConfiguredError';
  constructor(protocol: string, command: string) {
    super('NotConfigured', `${protocol} is not configured yet, so "${command}" cannot run.`, {
      metaMessages: ['Send `configure {params}` first (see DEFAULT_AAVE_PARAMS for the shape).'],
      details: { protocol, command },
    });
  }
}
