/**
 * The error codes clients can rely on. Every error the server returns carries one of these in
 * `extensions.code`; the list is documented in the README.
 */
import { GraphQLError } from 'graphql';
import { clip } from './kb/text.js';

export const ErrorCode = {
  /** An argument is malformed or out of range (a bad global id, `first: 5000`). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The id or slug is well formed but names nothing in the knowledge base. */
  NOT_FOUND: 'NOT_FOUND',
  /** The request body or query text could not be parsed. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The query does not fit the schema. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** The query goes over a limit checked before it runs: tokens, depth, aliases, directives or cost. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** The HTTP request itself is wrong: invalid JSON body, missing query, unsupported method or media type. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request body is larger than the server accepts. */
  REQUEST_ENTITY_TOO_LARGE: 'REQUEST_ENTITY_TOO_LARGE',
  /** `operationName` names no operation in the document, or a document with several operations names none. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** A GET or form request without the CSRF-prevention header. */
  CSRF_HEADER_MISSING: 'CSRF_HEADER_MISSING',
  /** A persisted-document hash that the server's manifest does not list (HTTP 404). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Allow-list mode (NEWSGRAPH_PERSISTED_ONLY=true) refuses query text; only persisted hashes run. */
  PERSISTED_QUERY_ONLY: 'PERSISTED_QUERY_ONLY',
  /** A mutation without a curator token, or a request with a token that is not valid (HTTP 401, no data). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The server was started without a writable data folder, so it cannot change the knowledge base. */
  READ_ONLY: 'READ_ONLY',
  /** A reference in a mutation (speaker, organization, source, …) names nothing, or a record of the wrong kind. */
  UNKNOWN_REFERENCE: 'UNKNOWN_REFERENCE',
  /** Quoted evidence does not occur in its source (or in the span it must lie in). */
  EVIDENCE_NOT_FOUND: 'EVIDENCE_NOT_FOUND',
  /** Quoted evidence occurs more than once; give `occurrence` or `near` to choose. */
  EVIDENCE_AMBIGUOUS: 'EVIDENCE_AMBIGUOUS',
  /** A new record's id is already taken. */
  DUPLICATE_ID: 'DUPLICATE_ID',
  /** The update names a revision other than the record's current one; nothing was changed. */
  REVISION_CONFLICT: 'REVISION_CONFLICT',
  /** The change would break a rule of the data (an empty name, a date in the wrong form, a cycle, …). */
  INVALID_RECORD: 'INVALID_RECORD',
  /** The change could not be written (disk full, permissions; on PostgreSQL, another change held the lock, or the database never confirmed a COMMIT); `extensions.written` says whether anything changed. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** The data files on disk were edited into an invalid state; changes wait until they are fixed. */
  DATA_FILES_INVALID: 'DATA_FILES_INVALID',
  /** A subscription cannot start: the server, or this client address, has as many open as it allows. */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** The last event of a subscription whose client fell too far behind reading its events; it has ended. */
  SUBSCRIPTION_TOO_SLOW: 'SUBSCRIPTION_TOO_SLOW',
  /** The field or mutation needs the whole knowledge base in memory, which only the JSON store has (`applyArticle`, `draftArticle`), and this server reads PostgreSQL. */
  UNSUPPORTED_BY_STORE: 'UNSUPPORTED_BY_STORE',
  /** `draftArticle`'s text names more records than a draft reads at once (`extensions.maxRecords`; PostgreSQL only). */
  DRAFT_TOO_LARGE: 'DRAFT_TOO_LARGE',
  /** The database could not be reached; the server keeps trying, and the request may be sent again. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** Something went wrong on our side; details are logged, never sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** The code for an HTTP-level error that came without one (yoga's request parsing errors carry only a status). */
export function codeForHttpStatus(status: number): ErrorCode {
  if (status === 413) return ErrorCode.REQUEST_ENTITY_TOO_LARGE;
  if (status === 403) return ErrorCode.CSRF_HEADER_MISSING;
  if (status >= 500) return ErrorCode.INTERNAL_SERVER_ERROR;
  return ErrorCode.BAD_REQUEST;
}

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } });
}

export function notFound(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.NOT_FOUND } });
}

/** A value as an error message shows it: whole up to 60 characters, else its first 57 and "...". */
export function clipped(value: string): string {
  return clip(value, { ellipsis: '...' });
}
