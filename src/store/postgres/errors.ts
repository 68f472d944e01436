/**
 * The errors of the PostgreSQL store, each with a stable code, so a command can print one line (and a
 * caller branch on the code) instead of a driver's stack trace.
 */
export type PostgresStoreErrorCode =
  | 'DATABASE_URL_MISSING'
  | 'DATABASE_URL_INVALID'
  | 'DATABASE_UNREACHABLE'
  | 'DATABASE_AUTH_FAILED'
  | 'DATABASE_NOT_FOUND'
  | 'DATABASE_ERROR'
  | 'SCHEMA_NOT_MIGRATED'
  | 'SCHEMA_TOO_NEW'
  | 'MIGRATION_CHANGED'
  | 'MIGRATION_FAILED'
  | 'DATASET_EMPTY';

export class PostgresStoreError extends Error {
  override name = 'PostgresStoreError';
  constructor(
    readonly code: PostgresStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Network errors of node:net and dns that mean the server cannot be reached at all. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOENT']);

/**
 * The store's error for whatever the driver threw: connection failures by their network or SQLSTATE
 * code, anything else as DATABASE_ERROR with the server's message. `where` names the server
 * (host and database, never the password).
 */
export function storeErrorOf(error: unknown, where: string): PostgresStoreError {
  if (error instanceof PostgresStoreError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const text = message || String(error);
  if (code && unreachableCodes.has(code)) return new PostgresStoreError('DATABASE_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${text}`, { cause: error });
  if (/timeout/i.test(text) && /connect/i.test(text)) return new PostgresStoreError('DATABASE_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${text}`, { cause: error });
  // SQLSTATE 28P01 invalid password, 28000 invalid authorization; 3D000 no such database.
  if (code === '28P01' || code === '28000') return new PostgresStoreError('DATABASE_AUTH_FAILED', `PostgreSQL at ${where} refused the credentials: ${text}`, { cause: error });
  if (code === '3D000') return new PostgresStoreError('DATABASE_NOT_FOUND', `PostgreSQL at ${where}: ${text}`, { cause: error });
  return new PostgresStoreError('DATABASE_ERROR', `PostgreSQL at ${where}: ${text}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: error });
}
