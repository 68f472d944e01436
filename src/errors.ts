/**
 * The error codes clients can rely on. Every error the server returns carries one of these in
 * `extensions.code`; the list is documented in the README.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  /** An argument is malformed or out of range (a bad global id, `first: 5000`). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The id or slug is well formed but names nothing in the knowledge base. */
  NOT_FOUND: 'NOT_FOUND',
  /** The request body or query text could not be parsed. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The query does not fit the schema. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** Something went wrong on our side; details are logged, never sent. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } });
}

export function notFound(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.NOT_FOUND } });
}
