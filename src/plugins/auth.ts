/**
 * Curator authentication: bearer tokens for the mutations. The server keeps only SHA-256 hashes of the
 * tokens (a leaked config does not leak a token) and never logs a token. Reading needs no token;
 * a request with a missing token that tries to mutate, or with a token that matches no curator, is
 * refused as a whole with HTTP 401 and the code UNAUTHENTICATED.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { getOperationAST, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';
import type { Curator } from '../store/edits.js';

/** One curator's entry in the token list: a name for logs and retractions, and the hash of the token. */
export interface CuratorToken {
  name: string;
  /** SHA-256 of the token, as 64 hex digits. */
  sha256: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh random token (256 bits, base64url) and its entry for the token list. */
export function generateToken(name: string): { token: string; entry: CuratorToken } {
  const token = `ngc_${randomBytes(32).toString('base64url')}`;
  return { token, entry: { name, sha256: hashToken(token) } };
}

/** Matches presented tokens against the configured hashes, in time that does not depend on where they differ. */
export class CuratorTokens {
  private readonly entries: { name: string; hash: Buffer }[];
  constructor(tokens: readonly CuratorToken[]) {
    this.entries = tokens.map(({ name, sha256 }) => ({ name, hash: Buffer.from(sha256, 'hex') }));
  }
  get size(): number {
    return this.entries.length;
  }
  /** The curator a token belongs to, or undefined. */
  curatorFor(token: string): Curator | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: Curator | undefined;
    // Every entry is compared, so the time taken does not tell which one matched.
    for (const entry of this.entries) if (timingSafeEqual(presented, entry.hash)) found ??= { name: entry.name };
    return found;
  }
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      http: { status: 401, headers: { 'www-authenticate': 'Bearer realm="newsgraph"' } },
    },
  });
}

/**
 * The result of reading a request's Authorization header: no header, a curator, or a refusal. A
 * header that is present but not a valid bearer token is refused even for reading, so a client with a
 * mistyped token finds out at once rather than when it first writes.
 */
export type Authentication = { curator?: Curator } | { error: GraphQLError };

export function authenticate(header: string | null, tokens: CuratorTokens): Authentication {
  if (header === null) return {};
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
  if (!match) return { error: unauthenticated('The Authorization header must be "Bearer <token>"') };
  const curator = tokens.curatorFor(match[1]!);
  return curator ? { curator } : { error: unauthenticated('The bearer token is not valid') };
}

/**
 * Refuses bad tokens before anything runs, and mutations without a token once the operation is known.
 * `authenticationOf` reads the result of `authenticate` for a request (the context is built from it).
 */
export function useCuratorAuth(authenticationOf: (request: Request) => Authentication): Plugin {
  return {
    onRequestParse({ request }) {
      const authentication = authenticationOf(request);
      if ('error' in authentication) throw authentication.error;
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const { request } = args.contextValue as { request: Request };
      const authentication = authenticationOf(request);
      if (!('curator' in authentication) || !authentication.curator) {
        throw unauthenticated('Changing the knowledge base needs a curator token: send "Authorization: Bearer <token>"');
      }
    },
  };
}
