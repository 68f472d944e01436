/**
 * Limits checked before a query runs, so one request cannot make the server do unbounded work:
 * tokens (at parse), depth, aliases and directives (validation rules: they depend on the document
 * alone, so yoga's validation cache keyed by query text is safe for them), and cost (per execution,
 * because `first: $n` makes cost depend on the variables; a validation rule would be cached by query
 * text and see only the first request's variables). Subscriptions are checked when they start: every
 * event runs the same selection with the same variables, so each event's work is bounded by it too.
 */
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../schema/pagination.js';

export interface QueryLimits {
  /** Most lexical tokens a document may have. */
  maxTokens: number;
  /** Deepest nesting of brackets, braces and parentheses (values and selections alike). */
  maxNesting: number;
  /** Deepest nesting of fields (introspection fields excepted). */
  maxDepth: number;
  /** Most aliased fields in a document. */
  maxAliases: number;
  /** Most directives in a document. */
  maxDirectives: number;
  /** Highest cost an operation may have (see `operationCost`). */
  maxCost: number;
}

export const defaultQueryLimits: QueryLimits = {
  maxTokens: 4000,
  maxNesting: 40,
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 20,
  maxCost: 50_000,
};

/** How many items a list field that is not a connection is assumed to return. */
const ASSUMED_LIST_SIZE = 10;

/** The arguments that change how many items a field returns, and so its cost. */
const SIZE_ARGUMENTS = new Set(['first', 'last', 'ids', 'limit']);

/**
 * What one selection of `field` costs on its own: 1, or the `cost` a field declares in its extensions
 * because what it returns can be large (a source's whole text costs one unit per thousand characters
 * it may hold).
 */
function ownCost(field: GraphQLField<unknown, unknown> | undefined): number {
  const declared = (field?.extensions as { cost?: unknown } | undefined)?.cost;
  return typeof declared === 'number' && declared > 0 ? declared : 1;
}

function tooComplex(message: string, limit: string, max: number, actual?: number, node?: DocumentNode['definitions'][number] | FieldNode): GraphQLError {
  return new GraphQLError(message, {
    nodes: node ? [node] : undefined,
    // spec: false keeps the 400 even for `Accept: application/json`, where the GraphQL-over-HTTP spec
    // lets (and yoga makes) ordinary request errors 200: a refusal is never a 200.
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, actual, http: { status: 400, spec: false } },
  });
}

/**
 * Counts tokens and bracket nesting with graphql's lexer alone, before anything parses the document:
 * the parser is recursive, and values nested a few thousand levels deep overflow its stack. Lexing
 * errors are left for the parser to report.
 */
export function checkLexicalLimits(query: string, limits: Pick<QueryLimits, 'maxTokens' | 'maxNesting'>): void {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > limits.maxTokens) throw tooComplex(`The query has more than ${limits.maxTokens} tokens`, 'tokens', limits.maxTokens);
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
        nesting += 1;
        if (nesting > limits.maxNesting) throw tooComplex(`The query nests more than ${limits.maxNesting} levels of brackets`, 'nesting', limits.maxNesting);
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
        nesting -= 1;
      }
    }
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === ErrorCode.QUERY_TOO_COMPLEX) throw error;
    // A syntax error: the parser reports it with its usual message and code.
  }
}

/** Parses with a token limit; going over it is a QUERY_TOO_COMPLEX error, not a syntax error. */
export function parseWithTokenLimit(maxTokens: number): typeof parse {
  return (source, options) => {
    try {
      return parse(source, { ...options, maxTokens });
    } catch (error) {
      // graphql-js 16 words it "more that N tokens"; accept the corrected spelling too.
      if (error instanceof GraphQLError && /Document contains more (?:than|that) \d+ tokens/.test(error.message)) {
        throw new GraphQLError(`The query has more than ${maxTokens} tokens`, {
          extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'tokens', max: maxTokens, http: { status: 400 } },
        });
      }
      // graphql-js parses recursively: a value nested a few thousand levels deep ([[[…]]]) fits in the
      // token limit but overflows the stack.
      if (error instanceof RangeError) {
        throw new GraphQLError('The query nests values too deeply to parse', {
          extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'nesting', http: { status: 400 } },
        });
      }
      throw error;
    }
  };
}

function isIntrospectionField(node: FieldNode): boolean {
  return node.name.value.startsWith('__');
}

/** Rejects documents nested deeper than `max` fields (following fragments; introspection excepted). */
export function depthLimitRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map(context.getDocument().definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    // Each fragment's depth is worked out once: fragments that spread each other in a fan would
    // otherwise be walked once per path, which doubles with every level.
    const fragmentDepth = new Map<string, number>();
    const depthOf = (selectionSet: SelectionSetNode, visiting: Set<string>): number => {
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (isIntrospectionField(selection)) continue;
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, visiting) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A fragment cycle is reported by the standard NoFragmentCycles rule; here it just stops.
          if (!fragment || visiting.has(name)) continue;
          if (!fragmentDepth.has(name)) fragmentDepth.set(name, depthOf(fragment.selectionSet, new Set(visiting).add(name)));
          deepest = Math.max(deepest, fragmentDepth.get(name)!);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, new Set());
        if (depth > max) context.reportError(tooComplex(`The query is ${depth} fields deep; the limit is ${max}`, 'depth', max, depth, operation));
      },
    };
  };
}

/** Rejects documents with more than `max` aliases or more than `maxDirectives` directives. */
export function aliasAndDirectiveLimitRule(maxAliases: number, maxDirectives: number): ValidationRule {
  return (context: ValidationContext) => {
    let aliases = 0;
    let directives = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      Directive() {
        directives += 1;
      },
      Document: {
        leave(document) {
          if (aliases > maxAliases) {
            context.reportError(tooComplex(`The query uses ${aliases} aliases; the limit is ${maxAliases}`, 'aliases', maxAliases, aliases, document.definitions[0]));
          }
          if (directives > maxDirectives) {
            context.reportError(
              tooComplex(`The query uses ${directives} directives; the limit is ${maxDirectives}`, 'directives', maxDirectives, directives, document.definitions[0]),
            );
          }
        },
      },
    };
  };
}

/** How many times a field's selection is repeated: the page size of a connection, a list's assumed size. */
function multiplierOf(field: GraphQLField<unknown, unknown>, node: FieldNode, parentType: GraphQLCompositeType, variables: Record<string, unknown>): number {
  const namedType = getNamedType(field.type);
  let args: Record<string, unknown> = {};
  try {
    args = getArgumentValues(field, node, variables);
  } catch {
    // Invalid arguments fail later with their own error; cost them as the defaults.
  }
  if (namedType.name.endsWith('Connection')) {
    const size = (args.first ?? args.last ?? DEFAULT_PAGE_SIZE) as number;
    return Math.min(Math.max(Number.isInteger(size) ? size : DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  }
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (!isListType(type)) return 1;
  // A connection's edges are already counted by its page size.
  if (parentType.name.endsWith('Connection')) return 1;
  if (Array.isArray(args.ids)) return Math.max(args.ids.length, 1);
  if (typeof args.limit === 'number') return Math.max(args.limit, 1);
  return ASSUMED_LIST_SIZE;
}

/**
 * The cost of an operation: each field costs 1, and the cost of what a field selects is multiplied by
 * how many items it can return (`first`/`last` of a connection, else an assumed list size). Selections
 * on different types of a union or interface are summed, so the estimate errs high. Introspection
 * fields cost 1 each: their size is bounded by the schema.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // A fragment's cost depends only on the fragment (its type condition is fixed), so it is counted
  // once, however many paths spread it.
  const fragmentCost = new Map<string, number>();
  const costOf = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, visiting: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospectionField(selection)) {
          total += 1;
          continue;
        }
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        total += ownCost(field);
        if (!selection.selectionSet) continue;
        const childType = field ? getNamedType(field.type) : undefined;
        if (!field || !childType || !isCompositeType(childType)) continue;
        total += multiplierOf(field, selection, parentType, variables) * costOf(selection.selectionSet, childType, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type && isCompositeType(type)) total += costOf(selection.selectionSet, type, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        if (!fragmentCost.has(name)) {
          const type = schema.getType(fragment.typeCondition.name.value);
          fragmentCost.set(name, type && isCompositeType(type) ? costOf(fragment.selectionSet, type, new Set(visiting).add(name)) : 0);
        }
        total += fragmentCost.get(name)!;
      }
    }
    return total;
  };
  const rootType = schema.getRootType(operation.operation);
  return rootType ? costOf(operation.selectionSet, rootType, new Set()) : 0;
}

/** Costs remembered per operation for this many sets of size arguments; an operation asked with more starts over. */
const COSTS_PER_OPERATION = 64;

/** The variables used inside the size arguments (`first`, `last`, `ids`, `limit`) anywhere in a document. */
function sizeVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(argument) {
      if (!SIZE_ARGUMENTS.has(argument.name.value)) return;
      visit(argument.value, { Variable: (variable) => void names.add(variable.name.value) });
    },
  });
  return [...names].sort();
}

/**
 * The part of a variable's value that can change a cost: a list's length (`ids`), a number, or for
 * anything else only its kind (a string or object there is invalid, and costed as the default).
 */
function sizeKeyOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

/** What is remembered of one document for its cost: the variables that matter, and costs by their values. */
interface DocumentCosts {
  sizeVariables: string[];
  byKey: Map<string, number>;
}

/** The arguments of an execution, as far as its cost needs them. */
export interface CostedExecution {
  schema: GraphQLSchema;
  document: unknown;
  operationName?: string | null;
  variableValues?: unknown;
}

/** Every limit: the yoga plugin, and the cost check for plain queries the listener runs itself. */
export interface QueryLimitsCheck {
  plugin: Plugin;
  /** The refusal of an operation over the cost limit (a result with one QUERY_TOO_COMPLEX error), or undefined when it is within it. */
  overCost(args: CostedExecution): ExecutionResult | undefined;
}

/**
 * Enforces every limit: tokens at parse, depth/aliases/directives at validation, cost per execution
 * and per subscription. `isParsed` says whether the parse cache holds a query text.
 */
export function createQueryLimits(limits: QueryLimits, isParsed: (query: string) => boolean = () => false): QueryLimitsCheck {
  // The cost is a function of the document, the operation and the size arguments, and a large
  // document's estimate took ~50 us per request; yoga's parse cache hands out the same DocumentNode
  // for the same text. Only the variables inside size arguments are part of the key: keying on all of
  // them let unused 100 KB variables pin memory, one entry per request.
  const costs = new WeakMap<DocumentNode, DocumentCosts>();
  const costOf = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number => {
    let known = costs.get(document);
    if (!known) costs.set(document, (known = { sizeVariables: sizeVariablesOf(document), byKey: new Map() }));
    let key = operation.name?.value ?? '';
    for (const name of known.sizeVariables) key += `\0${sizeKeyOf(variables[name])}`;
    let cost = known.byKey.get(key);
    if (cost === undefined) {
      cost = operationCost(schema, document, operation, variables);
      if (known.byKey.size >= COSTS_PER_OPERATION) known.byKey.clear();
      known.byKey.set(key, cost);
    }
    return cost;
  };
  /** The refusal for an operation over the cost limit, or undefined when it is within it. */
  const overCost = (args: CostedExecution): ExecutionResult | undefined => {
    const document = args.document as DocumentNode;
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || d.name?.value === args.operationName),
    );
    if (!operation) return undefined;
    const cost = costOf(args.schema, document, operation, (args.variableValues ?? {}) as Record<string, unknown>);
    if (cost <= limits.maxCost) return undefined;
    return {
      errors: [
        tooComplex(
          `The ${operation.operation === 'subscription' ? 'subscription' : 'query'} would cost ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (first/last) or fewer nested lists.`,
          'cost',
          limits.maxCost,
          cost,
          operation,
        ),
      ],
    };
  };
  const plugin: Plugin = {
    onParams({ params }) {
      // Here rather than at parse, where yoga would turn the refusal into a 200 for application/json.
      // A text the parse cache holds passed this check when it was parsed: lexing it again on every
      // request cost as much as the rest of the limits together.
      if (typeof params.query === 'string' && !isParsed(params.query)) checkLexicalLimits(params.query, limits);
    },
    onParse({ setParseFn }) {
      // The lexical check above runs first; this catches anything that still gets past it.
      setParseFn(parseWithTokenLimit(limits.maxTokens));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(limits.maxDepth));
      addValidationRule(aliasAndDirectiveLimitRule(limits.maxAliases, limits.maxDirectives));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = overCost(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
    // Subscriptions never pass through onExecute: without this, a selection refused as a query ran
    // on every change for as long as the subscriber listened.
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = overCost(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
  };
  return { plugin, overCost };
}
