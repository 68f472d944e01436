/**
 * Record schemas for the JSON files under `data/`, and the TypeScript types derived from them.
 *
 * Every file is an array of records. Objects are strict: an unknown key is an error, so a typo in a
 * hand-edited file is reported instead of silently ignored. Cross-record rules (ids, references,
 * evidence offsets) are checked in `load.ts`, because they need the whole knowledge base.
 */
import { z } from 'zod';

/** The form of every id: lowercase words joined by hyphens ("john-kerry"). */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** The longest id, wherever it comes from: a data file, the API or the authoring command. */
export const MAX_SLUG_LENGTH = 100;
/** The longest source text, in characters (UTF-16 code units): a long-form article, with room to spare; with
 * three bytes a character it still fits the request body limit of a createSource mutation. */
export const MAX_SOURCE_TEXT_LENGTH = 50_000;

/** Ids are readable slugs, unique across the whole knowledge base (not just within one file). */
export const slugSchema = z
  .string()
  .max(MAX_SLUG_LENGTH, `must be at most ${MAX_SLUG_LENGTH} characters`)
  .regex(SLUG_PATTERN, 'must be a lowercase slug such as "john-kerry"');

/**
 * A span of a source's text that supports a fact. Offsets are UTF-16 code-unit indexes into the
 * source text (what JavaScript's `String.prototype.slice` uses), `end` exclusive, and `text` must equal
 * `source.text.slice(start, end)` exactly: the copy makes the data readable and lets the loader detect
 * offsets that drifted when a source was edited.
 */
export const evidenceSchema = z.strictObject({
  sourceId: slugSchema,
  start: z.int().nonnegative(),
  end: z.int().positive(),
  text: z.string().min(1),
});

/**
 * Where a link between records comes from: the spans that state it, from one source or several, and
 * whether it is our inference. A fact two sources state is one link with two spans. A link with no
 * span must be inferred, and every inferred link says how in `note`.
 */
const provenanceFields = {
  evidence: z.array(evidenceSchema),
  /** True when the link (or part of it) comes from context rather than the text; `note` says how. */
  inferred: z.boolean().default(false),
  note: z.string().min(1).optional(),
};

type ProvenanceShape = { evidence: unknown[]; inferred: boolean; note?: string };

function checkProvenance(link: ProvenanceShape, ctx: z.RefinementCtx, minimumEvidence: number): void {
  if (link.evidence.length < minimumEvidence) {
    ctx.addIssue({ code: 'custom', path: ['evidence'], message: `needs at least ${minimumEvidence} evidence span${minimumEvidence === 1 ? '' : 's'}` });
  } else if (link.evidence.length === 0 && !link.inferred) {
    ctx.addIssue({ code: 'custom', path: ['evidence'], message: 'a link with no evidence must be marked inferred, with a note saying how it was inferred' });
  }
  if (link.inferred && !link.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'an inferred link needs a note saying how it was inferred' });
}

/**
 * A link object: its own fields plus provenance. `minimumEvidence` is 1 for the links that have always
 * needed words in a source (roles, memberships, participations, places, part-of, mentions, audiences),
 * 0 for those that may rest on inference alone (an organization's country, the event a statement is about).
 */
export function linkSchema<Shape extends z.ZodRawShape>(shape: Shape, minimumEvidence: 0 | 1) {
  return z.strictObject({ ...shape, ...provenanceFields }).superRefine((link, ctx) => checkProvenance(link as ProvenanceShape, ctx, minimumEvidence));
}

/** Provenance on its own, for a value that is not a link (a person's full name). */
export const provenanceSchema = linkSchema({}, 0);

/**
 * Every top-level record counts its revisions: 1 as first written, one more for each change made
 * through the API. An update names the revision it read, and a stale one is refused (optimistic
 * concurrency). Hand-written records may leave it out.
 */
const revisionSchema = z.int().positive().default(1);

/**
 * Why and when a fact was withdrawn. Nothing is deleted: a retracted statement, role, membership or
 * participation stays in the file with this mark, and the API hides it unless asked for it.
 */
export const retractionSchema = z.strictObject({
  /** ISO 8601 instant of the retraction. */
  at: z.iso.datetime({ offset: true }),
  reason: z.string().min(1),
  /** The curator who retracted it, as named in the server's token list. */
  by: z.string().min(1).optional(),
});

/**
 * The mark a record carries once merged into another: the duplicate stays in its file (nothing is
 * deleted), every reference to it now names `id`, and its id and slug resolve to that record.
 */
export const mergeSchema = z.strictObject({
  /** The record kept. */
  id: slugSchema,
  /** ISO 8601 instant of the merge. */
  at: z.iso.datetime({ offset: true }),
  /** The curator who merged it. */
  by: z.string().min(1).optional(),
});

export const datePrecisionSchema = z.enum(['DAY', 'MONTH', 'YEAR']);
export const dateQualifierSchema = z.enum(['ON', 'BEFORE', 'AFTER']);

/** The form of a partial date's `value` at each precision. */
export const valueShapeByPrecision = {
  DAY: /^\d{4}-\d{2}-\d{2}$/,
  MONTH: /^\d{4}-\d{2}$/,
  YEAR: /^\d{4}$/,
} as const;

/**
 * A calendar date known only as precisely as the source allows. `value` is ISO 8601 cut to the
 * precision (`2015-12-01`, `2015-12`, `2015`). `inferred` marks dates we worked out from context
 * rather than read in the text; `note` then says how.
 */
export const partialDateSchema = z
  .strictObject({
    value: z.string(),
    precision: datePrecisionSchema,
    qualifier: dateQualifierSchema.default('ON'),
    inferred: z.boolean(),
    note: z.string().min(1).optional(),
  })
  .superRefine((date, ctx) => {
    if (!valueShapeByPrecision[date.precision].test(date.value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `"${date.value}" does not match precision ${date.precision} (expected ${
          { DAY: 'YYYY-MM-DD', MONTH: 'YYYY-MM', YEAR: 'YYYY' }[date.precision]
        })`,
      });
      return;
    }
    const [year, month = 1, day = 1] = date.value.split('-').map(Number);
    const asDate = new Date(0);
    asDate.setUTCFullYear(year!, month - 1, day); // not Date.UTC, which maps years 0-99 to 1900-1999
    if (asDate.getUTCMonth() !== month - 1 || asDate.getUTCDate() !== day) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${date.value}" is not a calendar date` });
    }
    if (date.inferred && !date.note) {
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'an inferred date needs a note saying how it was inferred' });
    }
  });

export const sourceSchema = z.strictObject({
  id: slugSchema,
  revision: revisionSchema,
  kind: z.enum(['NEWS_ARTICLE']),
  title: z.string().min(1),
  /** The full text exactly as published; every evidence offset points into it. */
  text: z
    .string()
    .min(1)
    .max(MAX_SOURCE_TEXT_LENGTH, `must be at most ${MAX_SOURCE_TEXT_LENGTH} characters; split a longer text into several sources`)
    // A byte-order mark belongs to a file's encoding, not to the text: files are read without it.
    .refine((text) => !text.startsWith('\uFEFF'), 'must not start with a byte-order mark (U+FEFF)'),
  /** BCP 47 language tag. */
  language: z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "en"'),
  publishedOn: partialDateSchema.optional(),
  /** Where the text was taken from, as a file name or an address, when known. */
  origin: z.string().min(1).optional(),
});

export const roleSchema = linkSchema({
  /** The office, normalised ("Secretary of State"). */
  title: z.string().min(1),
  /** The words the source uses when it differs from the title ("new Prime Minister"). */
  statedAs: z.string().min(1).optional(),
  organizationId: slugSchema.optional(),
  countryId: slugSchema.optional(),
  start: partialDateSchema.optional(),
  end: partialDateSchema.optional(),
  retracted: retractionSchema.optional(),
}, 1);

export const personSchema = z.strictObject({
  id: slugSchema,
  revision: revisionSchema,
  /** Null for a speaker the source does not name ("a State Department official"). */
  name: z.string().min(1).nullable(),
  /** Where the full name comes from, when no single span of a source gives it (a first name known from outside the text). */
  nameProvenance: provenanceSchema.optional(),
  /** How the source refers to an unnamed person; required when `name` is null. */
  label: z.string().min(1).optional(),
  aliases: z.array(z.string().min(1)).default([]),
  description: z.string().min(1),
  roles: z.array(roleSchema).default([]),
  mergedInto: mergeSchema.optional(),
});

export const countrySchema = z.strictObject({
  id: slugSchema,
  revision: revisionSchema,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  description: z.string().min(1),
  isoAlpha2: z.string().regex(/^[A-Z]{2}$/, 'must be two capital letters (ISO 3166-1 alpha-2)'),
  isoAlpha3: z.string().regex(/^[A-Z]{3}$/, 'must be three capital letters (ISO 3166-1 alpha-3)'),
  evidence: z.array(evidenceSchema).default([]),
  mergedInto: mergeSchema.optional(),
});

export const organizationKindSchema = z.enum([
  'ALLIANCE',
  'COALITION',
  'GOVERNMENT_DEPARTMENT',
  'MILITANT_GROUP',
  'INTERGOVERNMENTAL_FORUM',
  'NEWS_OUTLET',
]);

/** `inferred` when the source implies rather than states the membership. */
export const membershipSchema = linkSchema(
  {
    countryId: slugSchema,
    /** The member's part where the source gives one ("leader"). */
    role: z.string().min(1).optional(),
    start: partialDateSchema.optional(),
    end: partialDateSchema.optional(),
    retracted: retractionSchema.optional(),
  },
  1,
);

export const organizationSchema = z.strictObject({
  id: slugSchema,
  revision: revisionSchema,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  kind: organizationKindSchema,
  description: z.string().min(1),
  /** The organization it belongs to (a department of a government). */
  parent: linkSchema({ organizationId: slugSchema }, 0).optional(),
  /** The country the organization belongs to, for national bodies. */
  country: linkSchema({ countryId: slugSchema }, 0).optional(),
  /** A size the source states ("28-nation") whether or not the members are listed. */
  statedMemberCount: linkSchema({ count: z.int().positive() }, 1).optional(),
  memberships: z.array(membershipSchema).default([]),
  evidence: z.array(evidenceSchema).default([]),
  mergedInto: mergeSchema.optional(),
});

export const eventKindSchema = z.enum([
  'MEETING',
  'BILATERAL_TALK',
  'CONFERENCE',
  'PRESS_CONFERENCE',
  'PRESS_BRIEFING',
  'PRESS_RELEASE',
  'ATTACK',
  'INCIDENT',
  'DIPLOMATIC_PROCESS',
  'MILITARY_CAMPAIGN',
]);

/** `inferred` when the country (or city) is known from context rather than the text. */
export const locationSchema = linkSchema({ city: z.string().min(1).optional(), countryId: slugSchema.optional() }, 1);

export const participationSchema = linkSchema(
  {
    /** A person, organization or country. */
    entityId: slugSchema,
    /** The participant's part in the event, in a few words ("host", "perpetrator", "bombing"). */
    role: z.string().min(1),
    retracted: retractionSchema.optional(),
  },
  1,
);

export const eventSchema = z.strictObject({
  id: slugSchema,
  revision: revisionSchema,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  kind: eventKindSchema,
  description: z.string().min(1),
  start: partialDateSchema.optional(),
  end: partialDateSchema.optional(),
  locations: z.array(locationSchema).default([]),
  participants: z.array(participationSchema).default([]),
  partOf: linkSchema({ eventId: slugSchema }, 1).optional(),
  /** Where the sources mention the event; at least one span. */
  evidence: z.array(evidenceSchema).min(1),
  mergedInto: mergeSchema.optional(),
});

/**
 * QUOTE and PARAPHRASE are the speaker's words, quoted or reported; INTERPRETATION is the source's own
 * reading of what the speaker means ("it was clear from a release … that Kerry is telling world leaders …"),
 * which the speaker may never have said in those words.
 */
export const statementKindSchema = z.enum(['QUOTE', 'PARAPHRASE', 'INTERPRETATION']);

/** `evidence`: the words inside the statement's span (in any report) that refer to the entity ("Daesh", "the secretary"). */
export const mentionSchema = linkSchema(
  {
    /** A person, organization, country or event. */
    entityId: slugSchema,
  },
  1,
);

/**
 * One source's account of a statement: the words as that source prints them, how it attributes them,
 * who passed them on in that source, and the hedge it adds. A statement said once and printed by five
 * outlets is one statement with five reports.
 */
export const reportSchema = z.strictObject({
  /** The statement's words in this source (for a quote, the words inside the quotation marks). */
  evidence: evidenceSchema,
  /** This source's words that attribute the statement ("said State Department spokesman John Kirby"); in the same source. */
  attribution: evidenceSchema,
  /** Who or what passed the words on in this source, when that is not the speaker (a spokesman, a release, a newspaper). */
  relayedBy: linkSchema({ entityId: slugSchema }, 0).optional(),
  /** A word or phrase of this source that hedges the report ("reportedly", "is said to have"). */
  hedge: evidenceSchema.optional(),
  /** When this source says the words were said, where it differs from the statement's date or the statement has none. */
  date: partialDateSchema.optional(),
  retracted: retractionSchema.optional(),
});

/** An unnamed group a statement is attributed to ("NATO leaders", "officials"): no record of its own. */
export const speakerGroupSchema = z.strictObject({
  /** The group in the source's words. */
  description: z.string().min(1),
  /** Organizations or countries the group belongs to, where the source says ("NATO" for "NATO leaders"). */
  memberOfIds: z.array(slugSchema).default([]),
});

export const statementSchema = z
  .strictObject({
    id: slugSchema,
    revision: revisionSchema,
    kind: statementKindSchema,
    /** The canonical wording: one report's words (the first report's unless a curator picked another). */
    text: z.string().min(1),
    /** A person, organization or country; null when the words are attributed to an unnamed group or to nobody. */
    speakerId: slugSchema.nullable(),
    /** The unnamed group that said it, when `speakerId` is null and the source names a group. */
    speakerGroup: speakerGroupSchema.optional(),
    /** The event at which the words were said or issued. */
    saidAt: linkSchema({ eventId: slugSchema }, 0).optional(),
    /** Events the statement is about. */
    aboutEvents: z.array(linkSchema({ eventId: slugSchema }, 0)).default([]),
    date: partialDateSchema.optional(),
    audience: linkSchema(
      {
        description: z.string().min(1),
        entityIds: z.array(slugSchema).default([]),
      },
      1,
    ).optional(),
    mentions: z.array(mentionSchema).default([]),
    /** For a quote split by an attribution ("…,” he said. “…”): the statement this one continues. */
    continuesId: slugSchema.optional(),
    /** Every source's account of the statement; at least one. */
    reports: z.array(reportSchema).min(1),
    retracted: retractionSchema.optional(),
    mergedInto: mergeSchema.optional(),
  })
  .superRefine((statement, ctx) => {
    if (statement.speakerGroup && statement.speakerId !== null) {
      ctx.addIssue({ code: 'custom', path: ['speakerGroup'], message: 'a statement has a speaker or a speaker group, not both' });
    }
  });

export type Evidence = z.infer<typeof evidenceSchema>;
export type Retraction = z.infer<typeof retractionSchema>;
export type PartialDate = z.infer<typeof partialDateSchema>;
export type SourceRecord = z.infer<typeof sourceSchema>;
export type RoleRecord = z.infer<typeof roleSchema>;
export type PersonRecord = z.infer<typeof personSchema>;
export type CountryRecord = z.infer<typeof countrySchema>;
export type MembershipRecord = z.infer<typeof membershipSchema>;
export type OrganizationRecord = z.infer<typeof organizationSchema>;
export type LocationRecord = z.infer<typeof locationSchema>;
export type ParticipationRecord = z.infer<typeof participationSchema>;
export type EventRecord = z.infer<typeof eventSchema>;
export type MentionRecord = z.infer<typeof mentionSchema>;
export type StatementRecord = z.infer<typeof statementSchema>;
export type ReportRecord = z.infer<typeof reportSchema>;
export type SpeakerGroupRecord = z.infer<typeof speakerGroupSchema>;
export type Merge = z.infer<typeof mergeSchema>;
/** The provenance every link carries. */
export interface Provenance {
  evidence: Evidence[];
  inferred: boolean;
  note?: string;
}
export type OrganizationKind = z.infer<typeof organizationKindSchema>;
export type EventKind = z.infer<typeof eventKindSchema>;
export type StatementKind = z.infer<typeof statementKindSchema>;

/** The data files, in load order, with the schema of each record. */
export const dataFiles = {
  sources: { file: 'sources.json', schema: sourceSchema },
  persons: { file: 'persons.json', schema: personSchema },
  countries: { file: 'countries.json', schema: countrySchema },
  organizations: { file: 'organizations.json', schema: organizationSchema },
  events: { file: 'events.json', schema: eventSchema },
  statements: { file: 'statements.json', schema: statementSchema },
} as const;

/** The kind of record each file holds, as the API names it. */
export const kindOfCollection = {
  sources: 'Source',
  persons: 'Person',
  countries: 'Country',
  organizations: 'Organization',
  events: 'Event',
  statements: 'Statement',
} as const;

/**
 * The collections of the records that facts are about or that state them (every one but sources), with
 * their kinds, in data-file order: the order coverage walks and the graph ranks vertices in.
 */
export const entityAndStatementCollections = [
  ['persons', 'Person'],
  ['countries', 'Country'],
  ['organizations', 'Organization'],
  ['events', 'Event'],
  ['statements', 'Statement'],
] as const;

/** The collection (data file) holding the records of each kind. */
export const collectionOfKind = Object.fromEntries(Object.entries(kindOfCollection).map(([collection, kind]) => [kind, collection])) as {
  [C in keyof typeof kindOfCollection as (typeof kindOfCollection)[C]]: C;
};

export type Collection = keyof typeof dataFiles;
