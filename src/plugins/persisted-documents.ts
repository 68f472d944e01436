/**
 * Persisted documents: clients send the sha256 hash of a document listed in a manifest
 * (packages/client/src/generated/persisted-documents.json, written by `npm run codegen`) instead of its text. In
 * allow-list mode (NEWSGRAPH_PERSISTED_ONLY=true) nothing else runs, so a production frontend's
 * server answers only the queries that frontend ships.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse, validate, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.js';
import { ErrorCode } from '../errors.js';

/** A missing or unusable manifest: the server refuses to start, naming the file. */
export class PersistedDocumentsError extends ConfigError {
  override name = 'PersistedDocumentsError';
}

export interface PersistedDocuments {
  /** Document text by bare lowercase sha256 hex (the manifest's "sha256:" prefix removed). */
  byHash: ReadonlyMap<string, string>;
}

export interface PersistedDocumentsOptions {
  documents: PersistedDocuments;
  /** Allow-list mode: refuse every request that is not a hash from the manifest. */
  only: boolean;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const hashKey = /^(?:sha256:)?([0-9a-f]{64})$/;

/**
 * Reads the manifest and checks every entry: a well-formed key, a hash that matches its document,
 * and a document that parses and fits `schema`. Throws PersistedDocumentsError naming the file.
 */
export async function loadPersistedDocuments(file: string, schema: GraphQLSchema): Promise<PersistedDocuments> {
  const fail = (problem: string) => new PersistedDocumentsError(`Persisted documents manifest ${file}: ${problem}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); run \`npm run codegen\` to write it`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw fail('expected a JSON object mapping "sha256:<hash>" to a document');
  }

  const byHash = new Map<string, string>();
  for (const [key, document] of Object.entries(manifest)) {
    const hash = hashKey.exec(key)?.[1];
    if (!hash) throw fail(`"${key}" is not a sha256 hash ("sha256:" and 64 lowercase hex digits)`);
    if (typeof document !== 'string') throw fail(`"${key}": expected the document text, got ${typeof document}`);
    // A hash that does not match means the file was edited by hand or corrupted: clients would never send it.
    if (sha256Hex(document) !== hash) throw fail(`"${key}": the hash does not match the document`);
    let problems: readonly GraphQLError[];
    try {
      problems = validate(schema, parse(document));
    } catch (error) {
      throw fail(`"${key}": ${(error as Error).message}`);
    }
    // A stale manifest (the schema changed since codegen) should stop the deploy, not fail per request.
    if (problems.length > 0) throw fail(`"${key}" does not fit the schema: ${problems.map((p) => p.message).join('; ')}`);
    byHash.set(hash, document);
  }
  if (byHash.size === 0) throw fail('lists no documents');
  return { byHash };
}

/**
 * The hash a request names: `extensions.persistedQuery.sha256Hash` (the APQ convention yoga uses)
 * or `documentId` ("sha256:<hex>", the GraphQL-over-HTTP persisted documents appendix), in a JSON
 * body or, for GET, in the URL.
 */
function requestedHash(params: GraphQLParams & { documentId?: unknown }, request: Request): string | null {
  const persistedQuery = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (persistedQuery?.version === 1 && typeof persistedQuery.sha256Hash === 'string') return persistedQuery.sha256Hash;
  // Yoga's GET parser keeps only the standard parameters, so read documentId from the URL itself.
  const documentId = params.documentId ?? (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null);
  return typeof documentId === 'string' ? documentId : null;
}

/**
 * The yoga plugin: hash-only requests run the manifest's document; with `only`, nothing else runs.
 * Without options it does nothing, so servers built without a manifest (most tests) are unchanged.
 */
export function usePersistedDocuments(options: PersistedDocumentsOptions | undefined): Plugin {
  if (!options) return {};
  const { documents, only } = options;
  return usePersistedOperations({
    allowArbitraryOperations: !only,
    extractPersistedOperationId: (params, request) => requestedHash(params, request),
    getPersistedOperation: (key) => documents.byHash.get(hashKey.exec(key.toLowerCase())?.[1] ?? '') ?? null,
    // Validation still runs per request (yoga caches it by document text), so the query limits apply
    // to persisted documents too.
    skipDocumentValidation: false,
    customErrors: {
      notFound: {
        message: 'PersistedQueryNotFound: no persisted document has this hash',
        extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, http: { status: 404 } },
      },
      persistedQueryOnly: {
        message: 'This server runs only persisted documents: send the hash (extensions.persistedQuery.sha256Hash or documentId), not the query text',
        extensions: { code: ErrorCode.PERSISTED_QUERY_ONLY, http: { status: 400 } },
      },
      keyNotFound: only
        ? {
            message: 'This server runs only persisted documents: send extensions.persistedQuery.sha256Hash or documentId',
            extensions: { code: ErrorCode.PERSISTED_QUERY_ONLY, http: { status: 400 } },
          }
        : {
            message: 'Send a query, or the hash of a persisted document (extensions.persistedQuery.sha256Hash or documentId)',
            extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
          },
    },
  });
}
