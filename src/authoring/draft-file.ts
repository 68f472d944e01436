/**
 * The article file a curator reviews and applies: one JSON object that adds a source and everything it
 * says to the knowledge base. `npm run author -- draft` writes one from an article's text; a curator edits
 * it (or writes one by hand) and `apply` turns it into records, all or nothing.
 *
 * The file names records by id: the id of a record already in the knowledge base, or of one the same file
 * creates, in any order. Evidence is always in the file's own source and is given as the words themselves
 * (`"the words"` or `{ "text": "the words", "start": 812 }`): apply finds them in the text, so nobody types an
 * offset. A `start` written by `draft` only says which occurrence is meant when the words occur more than once.
 *
 * Everything here is checked by zod; the JSON Schema that editors use (`schema/article-file.schema.json`)
 * is generated from these schemas, so the two cannot drift apart.
 */
import { z } from 'zod';
import { MAX_SOURCE_TEXT_LENGTH, datePrecisionSchema, dateQualifierSchema, eventKindSchema, organizationKindSchema, slugSchema, statementKindSchema } from '../kb/records.js';

const id = slugSchema.describe('The id of a record: one already in the knowledge base, or one this file creates (in any section, in any order).');

/** Words of the file's source, found in its text when the file is applied. */
export const wordsSchema = z
  .union([
    z.string().min(1).describe('The exact words, as the source prints them.'),
    z
      .strictObject({
        text: z.string().min(1).describe('The exact words, as the source prints them.'),
        start: z
          .int()
          .nonnegative()
          .optional()
          .describe('Where `draft` found them (UTF-16 offset). Only decides which occurrence is meant when the words occur more than once; leave it out when writing by hand.'),
      })
      .describe('Words of the source with the offset `draft` found them at.'),
  ])
  .describe('Words of this file\'s source that prove a fact: a string, or { "text", "start" } as `draft` writes them.')
  .meta({ id: 'Words' });

export const reviewSchema = z
  .strictObject({
    confidence: z.enum(['HIGH', 'MEDIUM', 'LOW']).describe('How sure the draft is: HIGH needs no second look, LOW needs the curator\'s judgement.'),
    reasons: z.array(z.string().min(1)).default([]).describe('Why: the rules that fired, the alternatives left out.'),
  })
  .describe('What `draft` says about an entry it wrote, for the curator. Apply ignores it.')
  .meta({ id: 'Review' });

const provenanceFields = {
  evidence: z.array(wordsSchema).default([]).describe('Words of this source that state the link.'),
  inferred: z.boolean().default(false).describe('True when the link comes from context rather than the words; `note` then says how.'),
  note: z.string().min(1).optional().describe('How an inferred link was inferred, or anything the curator should know.'),
};

/**
 * The data's rule for a link's provenance, checked here so that a mistake is reported at its place in the
 * file: a link needs words (`minimumEvidence` 1: roles, memberships, places, participants, part-of) or,
 * where inference may stand alone, to be marked inferred; an inferred link says how in `note`.
 */
function provenanceRule(minimumEvidence: 0 | 1) {
  return (link: { evidence: unknown[]; inferred: boolean; note?: string }, ctx: z.RefinementCtx) => {
    if (link.evidence.length < minimumEvidence) ctx.addIssue({ code: 'custom', path: ['evidence'], message: 'needs the words of the source that state it' });
    else if (link.evidence.length === 0 && !link.inferred) ctx.addIssue({ code: 'custom', path: ['evidence'], message: 'a link with no words must be marked inferred, with a note saying how it was inferred' });
    if (link.inferred && !link.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'an inferred link needs a note saying how it was inferred' });
  };
}

/** A link to another record with its provenance. */
function linkTo(description: string, minimumEvidence: 0 | 1 = 0) {
  return z
    .strictObject({ id: id.describe(description), ...provenanceFields })
    .superRefine(provenanceRule(minimumEvidence))
    .describe(`${description} With the words that state it, or marked inferred with a note.`);
}

export const dateSchema = z
  .strictObject({
    value: z.string().regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD').describe('The date, as precisely as known: YYYY, YYYY-MM or YYYY-MM-DD.'),
    precision: datePrecisionSchema.optional().describe('DAY, MONTH or YEAR; follows from the shape of `value` when left out.'),
    qualifier: dateQualifierSchema.optional().describe('ON (the default), BEFORE or AFTER the value.'),
    inferred: z.boolean().default(false).describe('True when the date was worked out ("Tuesday" before the publication date) rather than read.'),
    note: z.string().min(1).optional().describe('How an inferred date was worked out.'),
    text: wordsSchema.optional().describe('The words the date was read from ("Tuesday", "Nov. 13"), when the text gives them. For the curator; apply does not store them.'),
  })
  .superRefine((date, ctx) => {
    const [year, month = 1, day = 1] = date.value.split('-').map(Number);
    const asDate = new Date(0);
    asDate.setUTCFullYear(year!, month - 1, day);
    if (asDate.getUTCMonth() !== month - 1 || asDate.getUTCDate() !== day) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${date.value}" is not a calendar date` });
    const shape = date.value.length === 4 ? 'YEAR' : date.value.length === 7 ? 'MONTH' : 'DAY';
    if (date.precision && date.precision !== shape) ctx.addIssue({ code: 'custom', path: ['precision'], message: `"${date.value}" is a date of precision ${shape}, not ${date.precision}` });
    if (date.inferred && !date.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'an inferred date needs a note saying how it was worked out' });
  })
  .describe('A date as precisely as the source allows.')
  .meta({ id: 'Date' });

export const sourceEntrySchema = z
  .strictObject({
    id: slugSchema.optional().describe('The new source\'s id; made from the title and date when left out.'),
    title: z.string().min(1).describe('The headline.'),
    text: z.string().min(1).max(MAX_SOURCE_TEXT_LENGTH).describe('The full text exactly as published; every piece of evidence in this file is found in it.'),
    language: z.string().default('en').describe('BCP 47 language tag of the text.'),
    publishedOn: dateSchema.optional().describe('When the source was published.'),
    origin: z.string().min(1).optional().describe('Where the text was taken from: an address or a file name.'),
  })
  .describe('The article this file adds. Applying the file again finds it by id and text and adds nothing twice.');

const entityFields = {
  id: id.describe('The record\'s id: an existing record\'s when `existing` is true, else the new record\'s.'),
  existing: z.boolean().default(false).describe('True when this entry is a record already in the knowledge base: the entry then adds to it (aliases, roles, evidence) and leaves its other fields alone.'),
  aliases: z.array(z.string().min(1)).default([]).describe('Other names the source uses; added to the record\'s aliases.'),
  description: z.string().min(1).optional().describe('What the record is, in a sentence; required for a new record.'),
  review: reviewSchema.optional(),
  matchedBy: z.string().min(1).optional().describe('For an existing record: what `draft` matched it by (name, alias, role, demonym). For the curator; apply ignores it.'),
};

export const roleEntrySchema = z
  .strictObject({
    title: z.string().min(1).describe('The office, normalised ("Secretary of State").'),
    statedAs: z.string().min(1).optional().describe('The source\'s words when they differ from the title ("new Prime Minister").'),
    organization: id.optional().describe('The organization the office is in.'),
    country: id.optional().describe('The country the office serves.'),
    start: dateSchema.optional(),
    end: dateSchema.optional(),
    ...provenanceFields,
  })
  .superRefine(provenanceRule(1))
  .superRefine((role, ctx) => {
    if (role.organization === undefined && role.country === undefined) ctx.addIssue({ code: 'custom', path: ['organization'], message: 'an office needs the organization or the country it is in' });
  })
  .describe('An office a person holds, as the source states it; added to an existing person\'s role with the same title, organization and country when there is one.');

export const personEntrySchema = z
  .strictObject({
    ...entityFields,
    name: z.string().min(1).nullable().describe('The full name; null for a speaker the source does not name ("a State Department official").'),
    label: z.string().min(1).optional().describe('How the source refers to an unnamed person; required when `name` is null.'),
    roles: z.array(roleEntrySchema).default([]).describe('Offices the source states.'),
  })
  .superRefine((person, ctx) => {
    if (person.name === null && !person.label && !person.existing) ctx.addIssue({ code: 'custom', path: ['label'], message: 'an unnamed person needs the words the source calls them by ("a State Department official")' });
  })
  .describe('A person the source names or quotes.');

export const countryEntrySchema = z
  .strictObject({
    ...entityFields,
    name: z.string().min(1).describe('The country\'s common English name.'),
    isoAlpha2: z.string().regex(/^[A-Z]{2}$/).optional().describe('ISO 3166-1 alpha-2 code; required for a new country.'),
    isoAlpha3: z.string().regex(/^[A-Z]{3}$/).optional().describe('ISO 3166-1 alpha-3 code; required for a new country.'),
    evidence: z.array(wordsSchema).default([]).describe('Where the source names the country (by name or adjective: "Italian").'),
  })
  .describe('A country the source names.');

export const membershipEntrySchema = z
  .strictObject({
    country: id.describe('The member country.'),
    role: z.string().min(1).optional().describe('The member\'s part, where the source gives one.'),
    ...provenanceFields,
  })
  .superRefine(provenanceRule(1))
  .describe('A country\'s membership of the organization.');

export const organizationEntrySchema = z
  .strictObject({
    ...entityFields,
    name: z.string().min(1).describe('The organization\'s name.'),
    kind: organizationKindSchema.optional().describe('What kind of body it is; required for a new organization.'),
    parent: linkTo('The organization it belongs to.').optional(),
    country: linkTo('The country a national body belongs to.').optional(),
    memberships: z.array(membershipEntrySchema).default([]).describe('Member countries the source names.'),
    evidence: z.array(wordsSchema).default([]).describe('Where the source names the organization.'),
  })
  .describe('An organization the source names: an alliance, a department, a militant group, an outlet.');

export const eventEntrySchema = z
  .strictObject({
    ...entityFields,
    name: z.string().min(1).describe('A short name for the event.'),
    kind: eventKindSchema.optional().describe('What kind of event; required for a new event.'),
    start: dateSchema.optional(),
    end: dateSchema.optional(),
    locations: z
      .array(
        z
          .strictObject({ city: z.string().min(1).optional().describe('The city.'), country: id.optional().describe('The country.'), ...provenanceFields })
          .superRefine(provenanceRule(1))
          .describe('Where the event took place.'),
      )
      .default([])
      .describe('Where the event took place.'),
    participants: z
      .array(
        z
          .strictObject({ id: id.describe('A person, organization or country taking part.'), role: z.string().min(1).describe('Its part, in a few words ("host").'), ...provenanceFields })
          .superRefine(provenanceRule(1))
          .describe('Who took part.'),
      )
      .default([])
      .describe('Who took part, as the source says.'),
    partOf: linkTo('The larger event this one is part of.', 1).optional(),
    evidence: z.array(wordsSchema).default([]).describe('Where the source mentions the event; a new event needs at least one.'),
  })
  .describe('Something that happened: a meeting, a talk, an attack, a campaign.');

export const statementEntrySchema = z
  .strictObject({
    id: slugSchema.optional().describe('The new statement\'s id; made from the speaker and the first words when left out. Not used when `existing` is set.'),
    existing: slugSchema.optional().describe('The id of a statement already in the knowledge base that this source reports again: the entry becomes a new report of it.'),
    kind: statementKindSchema.describe('QUOTE for words in quotation marks, PARAPHRASE for reported speech, INTERPRETATION for the source\'s own reading of a speaker.'),
    text: z.string().min(1).describe('The statement\'s words in this source: for a quote, exactly the words inside the marks.'),
    start: z.int().nonnegative().optional().describe('Where `draft` found `text` (UTF-16 offset); decides the occurrence only.'),
    speaker: id.nullable().describe('The person (or organization or country) whose words these are; null when nobody is named.'),
    speakerGroup: z
      .strictObject({
        description: z.string().min(1).describe('The group in the source\'s words ("NATO leaders").'),
        memberOf: z.array(id).default([]).describe('Organizations or countries the group belongs to.'),
      })
      .optional()
      .describe('The unnamed group that said it, when `speaker` is null.'),
    attribution: wordsSchema.describe('The words that attribute the statement ("Kirby stated").'),
    relayedBy: linkTo('Who passed the words on in this source, when not the speaker ("according to Kirby").').optional(),
    hedge: wordsSchema.optional().describe('A word that hedges the report ("reportedly").'),
    date: dateSchema.optional().describe('When the words were said.'),
    saidAt: linkTo('The event at which the words were said.').optional(),
    about: z.array(linkTo('An event the statement is about.')).default([]).describe('Events the statement is about.'),
    mentions: z
      .array(z.strictObject({ id: id.describe('The record referred to.'), words: wordsSchema.describe('The words inside the statement that refer to it ("Daesh").') }).describe('A record the statement refers to.'))
      .default([])
      .describe('Records the statement\'s words refer to.'),
    continues: id.optional().describe('For a quote split by an attribution ("…,” he said. “…”): the statement this one continues.'),
    review: reviewSchema.optional(),
    candidates: z
      .array(z.strictObject({ id: slugSchema.describe('A statement already in the knowledge base.'), text: z.string().describe('Its words.'), similarity: z.number().min(0).max(1).describe('How alike the wordings are, 0 to 1.') }))
      .default([])
      .describe('Statements in the knowledge base whose wording is nearly the same: set `existing` to one of them if it is the same statement. Apply ignores this list.'),
  })
  .describe('A quote, paraphrase or interpretation in the source: a new statement, or a new report of an existing one.');

export const mergeEntrySchema = z
  .strictObject({
    keep: id.describe('The record kept.'),
    merge: id.describe('The duplicate, merged into `keep`.'),
  })
  .describe('Two records of the same thing: every reference to `merge` moves to `keep`.');

export const articleFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
    source: sourceEntrySchema,
    persons: z.array(personEntrySchema).default([]).describe('Persons the source names or quotes.'),
    countries: z.array(countryEntrySchema).default([]).describe('Countries the source names.'),
    organizations: z.array(organizationEntrySchema).default([]).describe('Organizations the source names.'),
    events: z.array(eventEntrySchema).default([]).describe('Events the source mentions.'),
    statements: z.array(statementEntrySchema).default([]).describe('What the source says was said.'),
    merges: z.array(mergeEntrySchema).default([]).describe('Duplicates to merge, applied after everything else.'),
    skipped: z
      .array(z.strictObject({ text: z.string().describe('The words.'), start: z.int().nonnegative().optional().describe('Where they are.'), why: z.string().describe('Why `draft` did not make a statement of them.') }))
      .default([])
      .describe('Passages `draft` saw and chose not to draft (scare quotes, the headline), so the curator can check. Apply ignores them.'),
  })
  .describe('One article and what it says, to review and apply to the knowledge base (npm run author -- apply).');

export type Words = z.infer<typeof wordsSchema>;
export type DateEntry = z.infer<typeof dateSchema>;
export type Review = z.infer<typeof reviewSchema>;
export type SourceEntry = z.infer<typeof sourceEntrySchema>;
export type RoleEntry = z.infer<typeof roleEntrySchema>;
export type PersonEntry = z.infer<typeof personEntrySchema>;
export type CountryEntry = z.infer<typeof countryEntrySchema>;
export type OrganizationEntry = z.infer<typeof organizationEntrySchema>;
export type EventEntry = z.infer<typeof eventEntrySchema>;
export type StatementEntry = z.infer<typeof statementEntrySchema>;
export type MergeEntry = z.infer<typeof mergeEntrySchema>;
export type ArticleFile = z.infer<typeof articleFileSchema>;
/** An article file as written: defaults may be left out. */
export type ArticleFileInput = z.input<typeof articleFileSchema>;

/** Where the JSON Schema ships, relative to the project root. */
export const articleFileSchemaPath = 'schema/article-file.schema.json';

/** The JSON Schema of the article file, for editors: generated from the zod schemas above. */
export function articleFileJsonSchema(): object {
  return { ...z.toJSONSchema(articleFileSchema, { io: 'input', target: 'draft-2020-12' }), title: 'newsgraph article file' };
}
