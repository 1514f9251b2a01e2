/**
 * Typed refusals of the service layer: the journal (schema, sequence, lock, replay), idempotency,
 * authentication and start-up checks. The HTTP layer maps each class to one status code
 * (src/service/server.ts `errorResponse`).
 */
import { SolventError } from '../math/errors.js';

/** Base of every journal failure (I/O, schema, sequence, replay). */
export class JournalError extends SolventError {
  override name = 'JournalError';
}

/** The journal was written by a newer (or unknown) schema version than this build reads. */
export class JournalSchemaError extends JournalError {
  override name = 'JournalSchemaError';
  constructor(found: string, expected: string) {
    super('JournalSchema', `The journal has schema version ${found}; this build reads version ${expected}.`, {
      metaMessages: ['Run the solvent version that wrote it, or start a new journal (--db / --pg).'],
      details: { found, expected },
    });
  }
}

/** The journal was created for another protocol model than the one the server was started with. */
export class JournalProtocolMismatchError extends JournalError {
  override name = 'JournalProtocolMismatchError';
  constructor(journalProtocol: string, requested: string) {
    super(
      'JournalProtocolMismatch',
      `The journal holds protocol ${journalProtocol}, the server was started with ${requested}.`,
      {
        metaMessages: [`Start with --protocol ${journalProtocol}, or point --db / --pg at another journal.`],
        details: { journalProtocol, requested },
      },
    );
  }
}

/** An append would leave a gap or overwrite: someone else wrote to the journal, or a bug. */
export class JournalSequenceError extends JournalError {
  override name = 'JournalSequenceError';
  constructor(expectedSeq: number, gotSeq: number) {
    super('JournalSequence', `Journal append expected record ${expectedSeq}, got ${gotSeq}.`, {
      metaMessages: ['Only one server may write a journal; restart this one so it replays what is there.'],
      details: { expectedSeq: String(expectedSeq), gotSeq: String(gotSeq) },
    });
  }
}

/** Another process holds the journal (a second server on the same file or database). */
export class JournalLockedError extends JournalError {
  override name = 'JournalLockedError';
  constructor(where: string) {
    super('JournalLocked', `The journal ${where} is in use by another process.`, {
      metaMessages: ['Stop the other server first: one journal has exactly one writer.'],
      details: { where },
    });
  }
}

/** A journal record cannot be read back or is refused on replay: the journal is not what was written. */
export class JournalCorruptError extends JournalError {
  override name = 'JournalCorruptError';
  constructor(seq: number, reason: string) {
    super('JournalCorrupt', `Journal record ${seq} cannot be replayed: ${reason}.`, {
      metaMessages: ['The journal or the engine changed since it was written; restore a backup.'],
      details: { seq: String(seq), reason },
    });
  }
}

/** Replaying the journal reached another state than the one hashed when it was written. */
export class StateHashMismatchError extends JournalError {
  override name = 'StateHashMismatchError';
  constructor(seq: number, stored: string, replayed: string) {
    super(
      'StateHashMismatch',
      `After record ${seq} the replayed state hash is ${replayed}, ${stored} was stored.`,
      {
        metaMessages: ['The engine is not the one that wrote the journal: run the same solvent version.'],
        details: { seq: String(seq), stored, replayed },
      },
    );
  }
}

/** The host stopped taking commands after a journal write failed (its outcome is unknown). */
export class JournalUnavailableError extends JournalError {
  override name = 'JournalUnavailableError';
  constructor(reason: string) {
    super('JournalUnavailable', `The journal is unavailable: ${reason}.`, {
      metaMessages: ['Restart the server: it replays the journal and serves what is durable.'],
      details: { reason },
    });
  }
}

/** An idempotency key was reused for a different command or by a different actor. */
export class IdempotencyKeyConflictError extends SolventError {
  override name = 'IdempotencyKeyConflictError';
  constructor(key: string) {
    super('IdempotencyKeyConflict', `Idempotency key "${key}" was already used for another command.`, {
      metaMessages: ['Use a fresh key for a new command; resend the same body to retry the old one.'],
      details: { key },
    });
  }
}

/** The request carries no API key, or one the server does not know. */
export class UnauthorizedError extends SolventError {
  override name = 'UnauthorizedError';
  constructor(reason: string) {
    super('Unauthorized', `Not authenticated: ${reason}.`, {
      metaMessages: ['Send `Authorization: Bearer <key>` with a key from the server’s keys file.'],
      details: { reason },
    });
  }
}

/** The key is valid but its role (or account list) does not allow this request. */
export class ForbiddenError extends SolventError {
  override name = 'ForbiddenError';
  constructor(role: string, action: string, allowed: readonly string[]) {
    super('Forbidden', `Role ${role} may not ${action}.`, {
      metaMessages: [allowed.length === 0 ? 'No role may do this.' : `Allowed: ${allowed.join(', ')}.`],
      details: { role, action, allowed: allowed.join(',') },
    });
  }
}

/** The server would listen beyond loopback without API keys. */
export class InsecureBindError extends SolventError {
  override name = 'InsecureBindError';
  constructor(host: string) {
    super('InsecureBind', `Refusing to listen on ${host} without API keys.`, {
      metaMessages: ['Pass --keys keys.json, or listen on 127.0.0.1 (keys are then generated).'],
      details: { host },
    });
  }
}

/** A command of the `--init` script was refused: nothing of the script was journaled. */
export class InitScriptRefusedError extends SolventError {
  override name = 'InitScriptRefusedError';
  constructor(index: number, type: string, cause: SolventError) {
    super('InitScriptRefused', `Init command #${index} (${type}) was refused: ${cause.shortMessage}`, {
      metaMessages: ['Fix the init script: it is applied all or nothing on an empty journal.'],
      details: { index: String(index), type },
      cause,
    });
  }
}

/** The requested resource (account, route) does not exist. */
export class NotFoundError extends SolventError {
  override name = 'NotFoundError';
  constructor(what: string) {
    super('NotFound', `${what} does not exist.`, {
      metaMessages: ['Check the id, or GET /openapi.json for the routes.'],
      details: { what },
    });
  }
}
