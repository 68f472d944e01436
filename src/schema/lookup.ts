/** The `(id:, slug:)` arguments shared by the singular root lookups (`person`, `event`, …). */
import { builder, decodeGlobalId } from '../builder.js';
import type { Context } from '../context.js';
import { badUserInput, clipped, notFound } from '../errors.js';
import type { RecordKind } from '../kb/knowledge-base.js';
import { SLUG_PATTERN } from '../kb/records.js';
import { aKind, anyOfKinds } from '../kb/text.js';

export interface LookupArgs {
  id?: string | null;
  slug?: string | null;
}

export function lookupArgs(kind: RecordKind) {
  return builder.args((t) => ({
    id: t.id({ required: false, description: `The ${kind}'s global id (from any \`id\` field). Give either \`id\` or \`slug\`.` }),
    slug: t.string({ required: false, description: `The ${kind}'s readable slug, such as "${exampleSlug[kind]}". Give either \`id\` or \`slug\`.` }),
  }));
}

const exampleSlug: Record<RecordKind, string> = {
  Person: 'john-kerry',
  Country: 'canada',
  Organization: 'nato',
  Event: 'paris-attacks',
  Statement: 'stoltenberg-calm-de-escalation',
  Source: 'kerry-to-nato-ante-up',
};

/**
 * Resolves the `id`/`slug` pair to a record id of `kind`: BAD_USER_INPUT unless exactly one is given
 * or when the id is malformed or names another type; NOT_FOUND when nothing has that id.
 */
export async function resolveLookup(kind: RecordKind, args: LookupArgs, context: Context): Promise<string> {
  const given = [args.id, args.slug].filter((value) => value != null).length;
  if (given !== 1) throw badUserInput(`Give exactly one of "id" or "slug" to look up a ${kind}`);
  let slug: string;
  if (args.id != null) {
    const decoded = decodeGlobalId(args.id);
    if (decoded.typename !== kind) {
      throw badUserInput(`"${args.id}" is the id of a ${decoded.typename}, not a ${kind}`, { argumentName: 'id' });
    }
    slug = decoded.id;
  } else {
    slug = args.slug!;
  }
  if ((await context.loaders.referentById.load(slug))?.kind !== kind) {
    throw notFound(`No ${kind} with ${args.id != null ? 'id' : 'slug'} "${args.id != null ? args.id : clipped(slug)}"`, { kind });
  }
  return slug;
}

/**
 * What a reference argument names: a slug as it is, or a global id decoded into its type and slug
 * (BAD_USER_INPUT when it is neither). Slugs are lowercase; a global id always starts with a capital
 * (base64 of a capitalised type name), so the two never mix.
 */
export function parseReference(value: string): { id: string; typename?: string } {
  if (SLUG_PATTERN.test(value)) return { id: value };
  const { typename, id } = decodeGlobalId(value);
  return { id, typename };
}

/**
 * Resolves a filter argument that names a record by global id or slug to its slug. BAD_USER_INPUT
 * when it names a record of another kind, NOT_FOUND when it names nothing.
 */
export async function resolveReference(value: string, kinds: readonly RecordKind[], argumentName: string, context: Context): Promise<string> {
  const referent = await context.loaders.referentById.load(parseReference(value).id);
  const kind = referent?.kind;
  const shown = clipped(value);
  if (kind === undefined) throw notFound(`"${argumentName}": nothing has the id or slug "${shown}"`, { argumentName });
  if (!kinds.includes(kind)) {
    throw badUserInput(`"${argumentName}" must name ${anyOfKinds(kinds)}, but "${shown}" is ${aKind(kind)}`, { argumentName });
  }
  // A merged record's id stands for the record it was merged into.
  return referent!.id;
}

/** Checks a free-text filter has something to match on. */
export function requireWords(value: string | null | undefined, argumentName: string): string | undefined {
  if (value == null) return undefined;
  if (!/[\p{L}\p{N}]/u.test(value)) throw badUserInput(`"${argumentName}" must contain at least one letter or digit`, { argumentName });
  if (value.length > 200) throw badUserInput(`"${argumentName}" must be at most 200 characters`, { argumentName });
  return value;
}

/** Checks a from/to pair is in order; `prefix` names the input object holding them ("filter."). */
export function dateRange(range: { from?: string | null; to?: string | null }, prefix = ''): { from?: string; to?: string } {
  const from = range.from ?? undefined;
  const to = range.to ?? undefined;
  if (from !== undefined && to !== undefined && from > to) {
    throw badUserInput(`"${prefix}from" (${from}) must not be after "${prefix}to" (${to})`, { argumentName: `${prefix}from` });
  }
  return { from, to };
}
