/**
 * Runs repeated queries through graphql-jit, which compiles a document into a JavaScript function for
 * this schema: on the big answers of this API it needs about half the CPU of the interpreting executor.
 *
 * Only known, bounded documents are compiled: a document is compiled on its `compileAfter`-th
 * execution (so one-off and hostile documents never pay for a compile or hold generated code), or on
 * its first when it is one of the persisted-documents manifest (the shipped clients' own operations:
 * known, bounded and sure to recur, so their first request need not run on the executor), only
 * query operations are compiled (mutations keep the executor's serial semantics untouched), and at
 * most `maxDocuments` documents, of at most `maxBytes` (estimated) in all, keep their compiled
 * functions, the least recently used going first. Documents are keyed by object: yoga's parse cache
 * hands out the same DocumentNode for the same text, and executions are counted in a WeakMap, so a
 * document seen once is not held here after the parse cache lets it go.
 *
 * Responses stay what the executor would send:
 * - graphql-jit reports field errors with an error type of its own that only looks like GraphQLError
 *   (its prototype chain includes GraphQLError's, but it has no `extensions` unless the thrown error
 *   had some, and no `nodes`); every one is turned into a real GraphQLError here, built the way
 *   graphql-js's `locatedError` builds it, so masking, codes and logging see what they always saw.
 *   That mismatch, not two copies of graphql, is why errors from the jitted path came back as masked
 *   500s before: our `maskError` read `error.extensions.code` and threw on `undefined`.
 * - An error graphql-jit raises without an original error (a null in a non-null field, a value a
 *   scalar cannot serialise, an unresolvable abstract type) is a server bug: it is given a plain Error
 *   as its original error, so it is masked and logged as unexpected, as the executor does for nulls.
 * - Variables of lists and input objects are checked by graphql-js first: graphql-jit coerces some that
 *   graphql-js refuses (a list given for an input object), so a request whose variables do not coerce
 *   is answered by the regular executor instead (those are cheap: nothing runs). A named scalar or enum
 *   (`ID!`, `Int`, `NameOrder`) graphql-jit parses by graphql-js's own rules, refusing no less, so an
 *   operation with only those skips the second check (about 10 us of CPU per node lookup, measured);
 *   what graphql-jit refuses, it refuses in words of its own, and the executor answers (no `data`, below).
 * - When a null bubbled up past the field that failed, the executor stops at the first such error
 *   while graphql-jit reports every error it met; the executor answers those requests too, with fresh
 *   loaders. Both fallbacks are rejected or failing requests, never the answers the cache serves.
 * test/jit.test.ts holds both paths to byte-for-byte equal answers on generated requests.
 *
 * The plugin and the listener's plain path (src/http/plain-query.ts) share one `createJit`: a
 * document counts its executions and keeps its compiled query whichever path runs it.
 */
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isEnumType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { documentBytes } from './document-cache.js';

export interface JitOptions {
  /** Most documents kept compiled; the least recently used are dropped first. */
  maxDocuments: number;
  /** Most bytes (estimated) the compiled documents may hold in all; the least recently used are dropped first. */
  maxBytes: number;
  /** A document is compiled when it is executed for this many times (1: at once). */
  compileAfter: number;
  /** Called with the operation's name (empty when anonymous) each time a document is compiled. */
  onCompile?: (operationName: string) => void;
}

/**
 * Whether graphql-jit accepts exactly the values graphql-js accepts for this variable: a named scalar
 * or enum, nullable or not (graphql-jit's generated parsing of the built-in scalars mirrors theirs,
 * and calls a custom scalar's own parseValue); lists and input objects are not.
 */
function coercedAlike(schema: GraphQLSchema, definition: VariableDefinitionNode): boolean {
  const type = typeFromAST(schema, definition.type);
  const named = type && isNonNullType(type) ? type.ofType : type;
  return isScalarType(named) || isEnumType(named);
}

export const defaultJitOptions: JitOptions = { maxDocuments: 200, maxBytes: 32 * 1024 * 1024, compileAfter: 2 };

/**
 * What a compiled document holds, estimated: the document, and generated code that grows with its
 * selections (several times the document's own size, by measurement on this schema).
 */
const COMPILED_BYTES_PER_DOCUMENT_BYTE = 4;

interface Slot {
  /** Executions seen so far, up to `compileAfter`. */
  seen: number;
  /** The compiled query; null when this operation is not compiled (not a query, or the compiler refused). */
  compiled?: CompiledQuery | null;
  /** The operation's variable definitions, when graphql-js must check them before the compiled query runs (see `coercedAlike`). */
  variableDefinitions?: readonly VariableDefinitionNode[];
}

export type MaybePromise<T> = T | Promise<T>;


/** Offsets in `body` where each line starts, lines ending as graphql's lexer ends them. */
function lineStarts(body: string): number[] {
  const starts = [0];
  for (const match of body.matchAll(/\r\n|[\n\r]/g)) starts.push(match.index + match[0].length);
  return starts;
}

/** Whether an error's null went further up than its own field: some parent on its path is null. */
function nullBubbled(result: ExecutionResult): boolean {
  if (!result.errors || result.errors.length === 0) return false;
  if (result.data === null) return true;
  for (const error of result.errors) {
    let value: unknown = result.data;
    const path = error.path ?? [];
    for (let i = 0; i < path.length - 1; i++) {
      value = (value as Record<string | number, unknown>)[path[i]!];
      if (value === null) return true;
      if (value === undefined || typeof value !== 'object') break;
    }
  }
  return false;
}

/**
 * Turns graphql-jit's field errors into GraphQLErrors built as graphql-js's `locatedError` builds them,
 * and orders the result's keys as the executor does (`errors` before `data`).
 */
function withGraphQLErrors(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  if (!result.errors || result.errors.length === 0) return result;
  const source = document.loc?.source;
  let starts: number[] | undefined;
  const errors = result.errors.map((error): GraphQLError => {
    const original: unknown = error.originalError;
    if (original instanceof GraphQLError && Array.isArray(original.path)) return original;
    // graphql-jit has the locations but not the field nodes; yoga rebuilds every error it sends from
    // nodes or source positions (dropping `locations`), so the positions are recovered from the text.
    let positions: number[] | undefined;
    if (source && error.locations && error.locations.length > 0) {
      starts ??= lineStarts(source.body);
      positions = error.locations.map(({ line, column }) => starts![line - 1]! + column - 1);
    }
    return new GraphQLError(error.message, {
      source: positions ? source : undefined,
      positions,
      path: error.path,
      originalError: original instanceof Error ? original : new Error(error.message),
    });
  });
  return { errors, data: result.data };
}

/** Runs one operation: compiled when graphql-jit has it, else with `execute` (graphql-js's executor). */
export type PreparedExecution = (args: ExecutionArgs, execute: (args: ExecutionArgs) => MaybePromise<ExecutionResult>) => MaybePromise<ExecutionResult>;

/** graphql-jit for this server: the yoga plugin, and the same compiled queries for plain queries the listener runs itself. */
export interface Jit {
  plugin: Plugin;
  /**
   * Counts an execution of an operation and returns how to run it compiled, or undefined while it is
   * not compiled (not seen often enough, not a query, or refused by the compiler).
   */
  prepare(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): PreparedExecution | undefined;
}

/**
 * Compiles known query documents with graphql-jit and runs them compiled.
 * `isPersisted` says whether a document is one of the persisted-documents manifest (compiled at once).
 * `freshContext` gives a context like the request's but with new loaders: a request the executor must
 * answer after graphql-jit ran it starts cold, so which of several failing list items it reports first
 * is what it would have been without graphql-jit.
 */
export function createJit(options: JitOptions, freshContext: (context: object) => object, isPersisted: (document: DocumentNode) => boolean = () => false): Jit {
  // Documents not compiled yet: their slots live as long as the document does (in yoga's parse cache).
  const seenByDocument = new WeakMap<DocumentNode, Map<string, Slot>>();
  // Documents with a compiled operation: held here, within the limits, whatever the parse cache does.
  const compiledByDocument = new LRUCache<DocumentNode, Map<string, Slot>>({
    max: options.maxDocuments,
    maxSize: options.maxBytes,
    sizeCalculation: (_slots, document) => Math.max(1, COMPILED_BYTES_PER_DOCUMENT_BYTE * documentBytes(document)),
    // A document dropped here lets go of its compiled code; should it come back, it is counted and compiled anew.
    dispose: (slots) => {
      for (const slot of slots.values()) {
        slot.seen = 0;
        delete slot.compiled;
        delete slot.variableDefinitions;
      }
    },
  });

  const slotFor = (document: DocumentNode, operationName: string): Slot => {
    let slots = compiledByDocument.get(document) ?? seenByDocument.get(document);
    if (!slots) seenByDocument.set(document, (slots = new Map()));
    let slot = slots.get(operationName);
    if (!slot) {
      slot = { seen: 0 };
      slots.set(operationName, slot);
    }
    return slot;
  };

  const prepare = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): PreparedExecution | undefined => {
    const slot = slotFor(document, operationName ?? '');
    if (slot.compiled === undefined) {
      slot.seen += 1;
      if (slot.seen < options.compileAfter && !isPersisted(document)) return undefined;
      const operation = getOperationAST(document, operationName);
      if (operation?.operation !== 'query') {
        slot.compiled = null;
      } else {
        const compiled = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
        slot.compiled = isCompiledQuery(compiled) ? compiled : null;
        const definitions = operation.variableDefinitions ?? [];
        if (definitions.some((definition) => !coercedAlike(schema, definition))) slot.variableDefinitions = definitions;
        if (slot.compiled) {
          options.onCompile?.(operation.name?.value ?? '');
          const slots = seenByDocument.get(document);
          if (slots) compiledByDocument.set(document, slots);
        }
      }
    }
    const compiled = slot.compiled;
    if (!compiled) return undefined;
    const { variableDefinitions } = slot;
    return (executeArgs, execute) => {
      // graphql-jit coerces variables more leniently than graphql-js (it takes [] for an input
      // object): graphql-js decides whether they are valid, and answers itself when they are not.
      if (variableDefinitions && 'errors' in getVariableValues(executeArgs.schema, variableDefinitions, executeArgs.variableValues ?? {})) {
        return execute(executeArgs);
      }
      const result = compiled.query(executeArgs.rootValue, executeArgs.contextValue, executeArgs.variableValues) as MaybePromise<ExecutionResult>;
      const finish = (done: ExecutionResult): MaybePromise<ExecutionResult> =>
        // No `data`: the variables did not coerce, and the executor words those errors as clients know
        // them. A null that bubbled up: the executor stops at the first such error, graphql-jit reports
        // every error it met, so the executor answers (these are rejected requests, not the hot path).
        'data' in done && !nullBubbled(done)
          ? withGraphQLErrors(done, executeArgs.document)
          : execute({ ...executeArgs, contextValue: freshContext(executeArgs.contextValue as object) });
      return result instanceof Promise ? result.then(finish) : finish(result);
    };
  };

  const plugin: Plugin = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const prepared = prepare(args.schema, args.document as DocumentNode, args.operationName);
      if (prepared) setExecuteFn((executeArgs) => prepared(executeArgs, executeFn as (args: ExecutionArgs) => MaybePromise<ExecutionResult>));
    },
  };
  return { plugin, prepare };
}
