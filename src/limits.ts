/**
 * Limits checked before a query runs, so one request cannot make the server do unbounded work:
 * tokens (at parse), depth, aliases and directives (validation rules: they depend on the document
 * alone, so yoga's validation cache keyed by query text is safe for them), and cost (per execution,
 * because `first: $n` makes cost depend on the variables; a validation rule would be cached by query
 * text and see only the first request's variables).
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
  parse,
  type DocumentNode,
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
import { ErrorCode } from './errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './schema/pagination.js';

export interface QueryLimits {
  /** Most lexical tokens a document may have. */
  maxTokens: number;
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
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 20,
  maxCost: 50_000,
};

/** How many items a list field that is not a connection is assumed to return. */
const ASSUMED_LIST_SIZE = 10;

function tooComplex(message: string, limit: string, max: number, actual: number, node?: DocumentNode['definitions'][number] | FieldNode): GraphQLError {
  return new GraphQLError(message, {
    nodes: node ? [node] : undefined,
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, actual, http: { status: 400 } },
  });
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
    const depthOf = (selectionSet: SelectionSetNode, visiting: Set<string>): number => {
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (isIntrospectionField(selection)) continue;
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, visiting) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
        } else {
          const fragment = fragments.get(selection.name.value);
          // A fragment cycle is reported by the standard NoFragmentCycles rule; here it just stops.
          if (!fragment || visiting.has(fragment.name.value)) continue;
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set(visiting).add(fragment.name.value)));
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
  const costOf = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, visiting: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += 1;
        if (isIntrospectionField(selection) || !selection.selectionSet) continue;
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        const childType = field ? getNamedType(field.type) : undefined;
        if (!field || !childType || !isCompositeType(childType)) continue;
        total += multiplierOf(field, selection, parentType, variables) * costOf(selection.selectionSet, childType, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type && isCompositeType(type)) total += costOf(selection.selectionSet, type, visiting);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type && isCompositeType(type)) total += costOf(fragment.selectionSet, type, new Set(visiting).add(fragment.name.value));
      }
    }
    return total;
  };
  const rootType = schema.getRootType(operation.operation);
  return rootType ? costOf(operation.selectionSet, rootType, new Set()) : 0;
}

/** Yoga plugin enforcing every limit: tokens at parse, depth/aliases/directives at validation, cost per execution. */
export function useQueryLimits(limits: QueryLimits): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn(parseWithTokenLimit(limits.maxTokens));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(limits.maxDepth));
      addValidationRule(aliasAndDirectiveLimitRule(limits.maxAliases, limits.maxDirectives));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const document = args.document as DocumentNode;
      const operation = document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || d.name?.value === args.operationName),
      );
      if (!operation) return;
      const cost = operationCost(args.schema, document, operation, (args.variableValues ?? {}) as Record<string, unknown>);
      if (cost > limits.maxCost) {
        setResultAndStopExecution({
          errors: [
            tooComplex(
              `The query would cost ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (first/last) or fewer nested lists.`,
              'cost',
              limits.maxCost,
              cost,
              operation,
            ),
          ],
        });
      }
    },
  };
}
