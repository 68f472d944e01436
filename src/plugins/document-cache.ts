/**
 * Yoga's parse cache, bounded in bytes. Yoga keeps up to 1,024 parsed documents and 1,024 parse
 * errors by query text, and a document of 4,000 tokens (the token limit) holds about 1 MiB of syntax
 * tree and tokens: a stream of distinct large documents could pin a gigabyte. Here the documents
 * kept are bounded by an estimate of their size in memory, and so is everything keyed by a document
 * object (validation results, cost estimates, graphql-jit's compiled queries), which lets go of a
 * document when this cache does.
 */
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

export interface DocumentCacheOptions {
  /** Most documents kept. */
  maxDocuments: number;
  /** Most bytes (estimated) that kept documents and parse errors may hold in all. */
  maxBytes: number;
}

export const defaultDocumentCacheOptions: DocumentCacheOptions = { maxDocuments: 1_000, maxBytes: 32 * 1024 * 1024 };

/**
 * Measured on graphql 16: a parsed document holds 250 to 360 bytes per token (the token list, which
 * parse keeps for locations, and the nodes), plus its source text.
 */
const BYTES_PER_TOKEN = 400;

/** An estimate, on the high side, of what a parsed document holds in memory, its source text included. */
export function documentBytes(document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens += 1;
  return 2 * (document.loc?.source.body.length ?? 0) + BYTES_PER_TOKEN * tokens;
}

/** What yoga's `parserAndValidationCache` option takes: the document and parse-error caches, bounded in bytes. */
export function createDocumentCache(options: DocumentCacheOptions = defaultDocumentCacheOptions) {
  // One budget for both: an error keeps the query text it was found in.
  const cache = new LRUCache<string, DocumentNode | Error>({
    max: options.maxDocuments,
    maxSize: options.maxBytes,
    sizeCalculation: (value, key) => Math.max(1, value instanceof Error ? 2 * key.length + 2_000 : documentBytes(value)),
  });
  return {
    documentCache: {
      get: (text: string) => {
        const value = cache.get(text);
        return value instanceof Error ? undefined : value;
      },
      set: (text: string, document: DocumentNode) => void cache.set(text, document),
    },
    errorCache: {
      get: (text: string) => {
        const value = cache.get(text);
        return value instanceof Error ? value : undefined;
      },
      set: (text: string, error: Error) => void cache.set(text, error),
    },
    // Yoga's own validation cache keys its results by the names of the rules, joined anew on every
    // request (~8 us of a small query); `useValidationCache` below keys them by document alone.
    validationCache: false,
    /** Whether a query text is held as a parsed document (not as a parse error). */
    hasDocument: (text: string) => {
      const value = cache.peek(text);
      return value !== undefined && !(value instanceof Error);
    },
    /** Bytes (estimated) held now, for tests and metrics. */
    bytes: () => cache.calculatedSize,
  };
}

/** Validation results by document: the yoga plugin that keeps them, and what it kept. */
export interface ValidationCache {
  plugin: Plugin;
  /** The errors validation found in a document (none: valid), or undefined when it was not validated yet. */
  resultFor(document: DocumentNode): readonly Error[] | undefined;
}

/**
 * Validation results kept per parsed document, in the place yoga's own validation cache has among the
 * plugins (last of the server's). The schema and the rules are the same for every request of a server
 * (graphql's specified rules and the limits' rules, and without introspection its rule too), so the
 * document alone decides the result; results live as long as their document does.
 */
export function createValidationCache(): ValidationCache {
  const results = new WeakMap<DocumentNode, readonly Error[]>();
  const plugin: Plugin = {
    onValidate({ params: { documentAST }, setResult }) {
      const known = results.get(documentAST);
      if (known) {
        setResult(known);
        return;
      }
      return ({ result }) => {
        if (result != null) results.set(documentAST, result);
      };
    },
  };
  return { plugin, resultFor: (document) => results.get(document) };
}
